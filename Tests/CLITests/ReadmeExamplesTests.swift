import Foundation
import Testing

/// The worked examples of README.md are what an analyst copies first: each `$ reconcile …`
/// line in a fenced block is run, and what it prints must be what the README shows under it.
/// A line `...` in the README stands for any number of lines left out.
enum ReadmeExamples {
  struct Example: CustomTestStringConvertible, Sendable {
    /// The README line the command is on.
    var line: Int
    var command: String
    var expected: [String]
    var testDescription: String { "README.md:\(line): \(command)" }
  }

  /// Every `$ reconcile` command of the README's fenced blocks, with the lines shown under it.
  static func examples(in text: String) -> [Example] {
    var examples: [Example] = []
    var inBlock = false
    // Whether the block being read has had a command (its other lines are then output).
    var collecting = false
    for (k, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = String(raw)
      if line.hasPrefix("```") {
        inBlock.toggle()
        collecting = false
        continue
      }
      guard inBlock else { continue }
      if line.hasPrefix("$ reconcile ") {
        examples.append(Example(line: k + 1, command: String(line.dropFirst(2)), expected: []))
        collecting = true
      } else if line.hasPrefix("$ ") {
        collecting = false  // another program's command: not ours to run
      } else if collecting {
        examples[examples.count - 1].expected.append(line)
      }
    }
    return examples
  }

  /// The command's arguments: split at spaces, a trailing `# comment` dropped, double quotes
  /// grouping words.
  static func arguments(_ command: String) -> [String] {
    var words: [String] = []
    var word = ""
    var quoted = false
    var started = false
    for c in command {
      if c == "\"" {
        quoted.toggle()
        started = true
      } else if c == "#" && !quoted && !started {
        break
      } else if c == " " && !quoted {
        if started { words.append(word) }
        word = ""
        started = false
      } else {
        word.append(c)
        started = true
      }
    }
    if started { words.append(word) }
    return Array(words.dropFirst())  // "reconcile"
  }

  /// Whether `actual` is `expected` with each `...` line standing for any run of lines.
  static func matches(_ expected: [String], _ actual: [String]) -> Bool {
    func from(_ i: Int, _ j: Int) -> Bool {
      if i == expected.count { return j == actual.count }
      if expected[i] == "..." {
        return (j...actual.count).contains { from(i + 1, $0) }
      }
      return j < actual.count && expected[i] == actual[j] && from(i + 1, j + 1)
    }
    return from(0, 0)
  }

  static let all: [Example] = {
    let url = CLI.root.appendingPathComponent("README.md")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return examples(in: text)
  }()
}

@Suite("README worked examples")
struct ReadmeExamplesTests {
  @Test("The README has worked examples for ranges, trend, trajectory, check and meta")
  func readmeHasExamples() {
    let commands = Set(ReadmeExamples.all.compactMap { ReadmeExamples.arguments($0.command).first })
    #expect(commands.isSuperset(of: ["ranges", "trend", "trajectory", "check", "meta"]), "\(commands)")
    for e in ReadmeExamples.all {
      #expect(e.expected.contains { !$0.isEmpty && $0 != "..." }, "\(e.testDescription) shows no output")
    }
  }

  @Test("Each worked example prints what the README shows", arguments: ReadmeExamples.all)
  func example(_ e: ReadmeExamples.Example) throws {
    let r = try CLI.run(ReadmeExamples.arguments(e.command))
    #expect(r.status == 0, "\(e.testDescription): exit \(r.status)")
    #expect(r.stderr.isEmpty, "\(e.testDescription): \(r.stderr)")
    // Trailing blank lines are not visible in the README: they are not compared.
    var actual = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    while actual.last == "" { actual.removeLast() }
    var expected = e.expected
    while expected.last == "" { expected.removeLast() }
    #expect(
      ReadmeExamples.matches(expected, actual),
      "\(e.testDescription): README.md shows\n\(expected.joined(separator: "\n"))\nbut it prints\n\(r.stdout)")
  }

  @Test("The matcher: `...` stands for any run of lines, nothing else is skipped")
  func matcher() {
    #expect(ReadmeExamples.matches(["a", "...", "d"], ["a", "b", "c", "d"]))
    #expect(ReadmeExamples.matches(["a", "...", "d"], ["a", "d"]))
    #expect(ReadmeExamples.matches(["...", "c"], ["a", "b", "c"]))
    #expect(!ReadmeExamples.matches(["a", "d"], ["a", "b", "d"]))
    #expect(!ReadmeExamples.matches(["a", "...", "d"], ["a", "b", "c"]))
    #expect(!ReadmeExamples.matches(["a"], ["a", "b"]))
    #expect(
      ReadmeExamples.arguments("reconcile meta x.csv --method REML     # metafor's dat.bcg")
        == ["meta", "x.csv", "--method", "REML"])
    #expect(ReadmeExamples.arguments("reconcile check \"a b.csv\"") == ["check", "a b.csv"])
    // A block's lines after its command are that command's output; a block without one
    // (a CSV sample) and another program's command are nobody's output.
    let text = "x\n```\n$ reconcile ranges a.csv\nout 1\n\nout 2\n```\n```\nid,quantity\n```\n```\n$ ls\nfile\n```\n"
    let found = ReadmeExamples.examples(in: text)
    #expect(found.map(\.command) == ["reconcile ranges a.csv"])
    #expect(found.first?.expected == ["out 1", "", "out 2"])
    #expect(found.first?.line == 3)
  }
}
