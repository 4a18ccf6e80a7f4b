import Foundation
import Testing

/// `fit --by --format json` writes its document while it fits: a group that fails part way
/// must still leave nothing of the run on standard output, piped or redirected to a file.
@Suite("fit --by: a failing group leaves no output")
struct FitBatchCLITests {
  /// 2,000 groups of ten counts; group g1500 has a negative count.
  static func batch(in dir: URL) throws -> URL {
    var text = "group,year,count\n"
    for g in 0..<2000 {
      for i in 0..<10 { text += "g\(g),\(2000 + i),\(g == 1500 && i == 4 ? -1 : 5 + (g * 7 + i * 3) % 11)\n" }
    }
    let url = dir.appendingPathComponent("batch.csv")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test("Piped: exit 65, the group named, nothing on stdout")
  func piped() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = try Self.batch(in: dir)
    let r = try CLI.run([
      "fit", url.path, "--y", "count", "--x", "year", "--model", "poisson", "--by", "group", "--format", "json",
    ])
    #expect(r.status == 65)
    #expect(r.stderr.contains("g1500"), "\(r.stderr)")
    #expect(r.stdout.isEmpty, "\(r.stdout.count) bytes on stdout")
  }

  @Test("Redirected to a file: the file is cut back to what it held")
  func redirected() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = try Self.batch(in: dir)
    for before in ["", "kept\n"] {
      let out = dir.appendingPathComponent("out-\(before.count).json").path
      try before.write(toFile: out, atomically: true, encoding: .utf8)
      let (status, stderr) = try CLI.run(
        ["fit", url.path, "--y", "count", "--x", "year", "--model", "poisson", "--by", "group", "--format", "json"],
        stdoutTo: out)
      #expect(status == 65, "\(stderr)")
      #expect(try String(contentsOfFile: out, encoding: .utf8) == before)
    }
    // And without the bad group the same command writes the whole document after what was there.
    let good = dir.appendingPathComponent("good.csv")
    let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(
      of: "g1500,2004,-1", with: "g1500,2004,1")
    try text.write(to: good, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("out-good.json").path
    try "".write(toFile: out, atomically: true, encoding: .utf8)
    let (status, _) = try CLI.run(
      ["fit", good.path, "--y", "count", "--x", "year", "--model", "poisson", "--by", "group", "--format", "json"],
      stdoutTo: out)
    #expect(status == 0)
    let doc = try #require(try CLI.json(try String(contentsOfFile: out, encoding: .utf8)) as? [[String: Any]])
    #expect(doc.count == 2000)
    #expect(doc[1500]["group"] as? String == "g1500")
  }
}
