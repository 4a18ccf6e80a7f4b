import Foundation
import Testing

/// `reconcile validate` on figures files several rounds long: the streaming path's output is
/// what the format says it should be (counts and quantities known from how the file was made).
@Suite("validate streams large figures files")
struct StreamingValidateCLITests {
  /// `rows` figures; row k (line k + 2) has id `f<k>` and quantity `q<k % 5>`.
  static func write(rows: Int, to url: URL, edit: (inout [String]) -> Void = { _ in }) throws {
    var lines = ["id,quantity,low,high,period,quote"]
    for k in 0..<rows {
      lines.append(
        "f\(k),q\(k % 5),\"\(100 + k % 800),000\",\"\(150 + k % 800),000\",\(1990 + k % 30),\"says \"\"about\"\"\nmore\""
      )
    }
    edit(&lines)
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
  }

  @Test("A clean 9 MB (more than one 8 MB round) file: ok line with count and quantities, nothing on stderr")
  func clean() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("big.csv")
    try Self.write(rows: 150_000, to: path)
    let r = try CLI.run(["validate", path.path])
    #expect(r.status == 0)
    #expect(r.stderr.isEmpty, "\(r.stderr.prefix(300))")
    #expect(r.stdout == "\(path.path): ok — 150000 figures, quantities: q0, q1, q2, q3, q4\n")
  }

  @Test("A duplicate id near the end is reported at its line, with the first use")
  func duplicate() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("dup.csv")
    // Each record spans two lines (the quote has a newline): record k starts on line 2k + 2.
    try Self.write(rows: 150_000, to: path) { lines in
      lines[140_001] = lines[140_001].replacingOccurrences(of: "f140000,", with: "f7,")
    }
    let r = try CLI.run(["validate", path.path])
    #expect(r.status == 65)
    #expect(r.stdout.isEmpty)
    #expect(
      r.stderr == "\(path.path):\(2 * 140_000 + 2):1: error: duplicate id 'f7' (first used on line \(2 * 7 + 2))\n")
  }

  @Test("A warning is printed and the file is still ok")
  func warning() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("warn.csv")
    try Self.write(rows: 150_000, to: path) { lines in
      lines[120_001] = lines[120_001].replacingOccurrences(of: "f120000,q0,\"100,000\"", with: "f120000,q0,-5")
    }
    let r = try CLI.run(["validate", path.path])
    #expect(r.status == 0)
    #expect(r.stderr == "\(path.path):\(2 * 120_000 + 2):12: warning: negative number -5 in column low\n")
    #expect(r.stdout == "\(path.path): ok — 150000 figures, quantities: q0, q1, q2, q3, q4\n")
  }

  @Test("An explicit RECONCILE_MAX_FILE_MB is still honoured")
  func explicitLimit() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("big.csv")
    try Self.write(rows: 150_000, to: path)
    let r = try CLI.run(["validate", path.path], environment: ["RECONCILE_MAX_FILE_MB": "1"])
    #expect(r.status == 66)
    #expect(r.stderr.contains("split the file"))
  }
}
