import Figures
import Foundation
import TestSupport
import Testing

/// The malformed-input corpus: every file in Tests/Fixtures/malformed/ with the command, exit
/// code and first diagnostic line an analyst should see (Tests/Fixtures/malformed/expected.csv,
/// written by hand). Bad input must give a clear, located error — never a crash.
@Suite("Malformed inputs give clear errors, never a crash")
struct MalformedCorpusTests {
  struct Case: Sendable, CustomStringConvertible {
    var file: String
    var command: [String]
    var exit: Int32
    var firstLine: String
    var description: String { file }
  }

  static let folder = Fixtures.url("malformed")

  static let cases: [Case] = {
    guard let table = try? CSVReader.read(path: folder.appendingPathComponent("expected.csv").path),
      let files = try? table.strings(column: "file"), let commands = try? table.strings(column: "command"),
      let exits = try? table.strings(column: "exit"), let lines = try? table.strings(column: "first_line")
    else { return [] }
    return files.indices.map { i in
      Case(
        file: files[i], command: commands[i].split(separator: " ").map(String.init),
        exit: Int32(exits[i]) ?? -1, firstLine: lines[i])
    }
  }()

  @Test func corpusHasAtLeastSixtyCases() {
    #expect(Self.cases.count + 1 >= 60)  // + the 10 MB field, generated below
  }

  @Test("Exit code and first diagnostic line", arguments: cases)
  func diagnose(_ c: Case) throws {
    let path = "Tests/Fixtures/malformed/\(c.file)"
    #expect(FileManager.default.fileExists(atPath: Self.folder.appendingPathComponent(c.file).path))
    let r = try CLI.run(c.command + [path])
    #expect(r.status == c.exit, "\(c.file): exit \(r.status), stderr: \(r.stderr.prefix(300))")
    #expect(r.status != 70 && r.status < 128, "crash or internal error on \(c.file)")
    let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    if c.firstLine.isEmpty {
      #expect(!r.stderr.contains("error:"), "\(c.file): \(first)")
    } else {
      let pattern = c.firstLine.replacingOccurrences(of: "{P}", with: NSRegularExpression.escapedPattern(for: path))
      let regex = try NSRegularExpression(pattern: pattern)
      let match = regex.firstMatch(in: first, range: NSRange(first.startIndex..., in: first))
      #expect(match != nil, "\(c.file): first line was: \(first)")
    }
  }

  @Test("A 10 MB field is read, not a crash, and its data kept")
  func tenMegabyteField() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("big-field.csv")
    let note = String(repeating: "x", count: 10 * 1024 * 1024)
    try "id,quantity,value,period,note\na,nk,300,2002,\"\(note)\"\nb,nk,400,2002,short\n".write(
      to: path, atomically: true, encoding: .utf8)
    let r = try CLI.run(["validate", path.path])
    #expect(r.status == 0, "\(r.stderr.prefix(300))")
    #expect(r.stdout.contains("2 figures"))
    let file = try FiguresReader.read(path: path.path)
    #expect(file.figures.first?.note.count == note.count)
  }

  @Test("A file too large for memory is refused with a clear message, not read")
  func tooLarge() throws {
    let r = try CLI.run(["validate", "datasets/mou-arrivals.csv"], environment: ["RECONCILE_MAX_FILE_MB": "0"])
    #expect(r.status == 66)
    #expect(r.stderr.contains("split the file"))
  }

  @Test("Missing files and empty folders exit 66")
  func missingInput() throws {
    #expect(try CLI.run(["validate", "Tests/Fixtures/malformed/no-such-file.csv"]).status == 66)
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    #expect(try CLI.run(["validate", dir.path]).status == 66)
    #expect(try CLI.run(["fit", "no-such.csv", "--y", "y"]).status == 66)
  }
}
