import Foundation
import TestSupport
import Testing

/// `reconcile ranges` one quantity at a time (RECONCILE_RANGES_STREAM_MB=0 takes every file that
/// way), end to end: the same stdout, stderr and exit code as the whole-file run, and nothing
/// on stdout when the run fails part way.
@Suite("ranges one quantity at a time, end to end")
struct RangesStreamingCLITests {
  static let streamed = ["RECONCILE_RANGES_STREAM_MB": "0"]
  static let whole = ["RECONCILE_RANGES_STREAM_MB": "1000000"]

  @Test("The seed datasets: identical output in every format", arguments: ["table", "csv", "json"])
  func seeds(format: String) throws {
    for name in ["nk-in-china", "hrw-2002-figures", "unhcr-bangkok", "mou-arrivals"] {
      let args = ["ranges", "datasets/\(name).csv", "--format", format]
      let a = try CLI.run(args, environment: Self.whole)
      let b = try CLI.run(args, environment: Self.streamed)
      #expect(a.status == 0)
      #expect(b.status == a.status)
      #expect(b.stdout == a.stdout, "\(name) \(format)")
      #expect(b.stderr == a.stderr)
    }
  }

  @Test("A bad weight in the third quantity: exit 65, the whole-file message, nothing on stdout")
  func failurePartWay() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("w.csv")
    var lines = ["id,quantity,low,high,weight"]
    for k in 0..<300 { lines.append("f\(k),q\(k % 3),\(100 + k),\(200 + k),\(k == 299 ? "heavy" : "1")") }
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: path)
    let a = try CLI.run(["ranges", path.path, "--format", "csv"], environment: Self.whole)
    let b = try CLI.run(["ranges", path.path, "--format", "csv"], environment: Self.streamed)
    #expect(a.status == 65)
    #expect(b.status == 65)
    #expect(b.stdout.isEmpty, "\(b.stdout.prefix(200))")
    #expect(b.stderr == a.stderr)
    #expect(a.stderr.contains("weight 'heavy' of figure 'f299'"), "\(a.stderr)")
  }

  /// A file of 300 figures in three quantities; the last figure's weight is `lastWeight`.
  static func weightsFile(in dir: URL, lastWeight: String) throws -> String {
    let path = dir.appendingPathComponent("w-\(lastWeight).csv")
    var lines = ["id,quantity,low,high,weight"]
    for k in 0..<300 { lines.append("f\(k),q\(k % 3),\(100 + k),\(200 + k),\(k == 299 ? lastWeight : "1")") }
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: path)
    return path.path
  }

  @Test("Standard output a file (> and >>): the piped output on success; the file as it was on failure")
  func outputToAFile() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let good = try Self.weightsFile(in: dir, lastWeight: "2")
    let bad = try Self.weightsFile(in: dir, lastWeight: "heavy")
    let piped = try CLI.run(["ranges", good, "--format", "csv"], environment: Self.streamed)
    #expect(piped.status == 0)
    #expect(piped.stdout.count > 1000)
    let kept = "an earlier run's line\n"
    for append in [false, true] {
      let out = dir.appendingPathComponent("out-\(append).csv").path
      let before = append ? kept : ""
      // Success: the file holds what was there before, then exactly the piped output.
      try Data(before.utf8).write(to: URL(fileURLWithPath: out))
      let ok = try CLI.run(
        ["ranges", good, "--format", "csv"], stdoutTo: out, append: append, environment: Self.streamed)
      #expect(ok.status == 0, "\(ok.stderr)")
      #expect(try String(contentsOfFile: out, encoding: .utf8) == before + piped.stdout, "append \(append)")
      // Failure in the last quantity: the file is left as it was, its size included.
      try Data(before.utf8).write(to: URL(fileURLWithPath: out))
      let failed = try CLI.run(
        ["ranges", bad, "--format", "csv"], stdoutTo: out, append: append, environment: Self.streamed)
      #expect(failed.status == 65)
      #expect(failed.stderr.contains("weight 'heavy' of figure 'f299'"), "\(failed.stderr)")
      #expect(try String(contentsOfFile: out, encoding: .utf8) == before, "append \(append)")
    }
  }

  @Test("Standard output a file that cannot grow (a file size limit, as a full disk): exit 73, the file cut back")
  func outputFileFull() throws {
    let exe = try #require(CLI.executable)
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let good = try Self.weightsFile(in: dir, lastWeight: "2")
    // Writes past 8 KB fail (EFBIG, with SIGXFSZ ignored). The spill is a file too, so the
    // one-quantity-at-a-time run falls back to the whole-file one: both end in the same write.
    for (environment, name) in [(Self.streamed, "streamed"), (Self.whole, "whole")] {
      for before in ["", "an earlier line\n"] {
        let out = dir.appendingPathComponent("out.csv").path
        try Data(before.utf8).write(to: URL(fileURLWithPath: out))
        let p = Process()
        p.executableURL = try #require(executableOnPath("bash"), "bash not found on PATH")
        let redirect = before.isEmpty ? ">" : ">>"
        p.arguments = [
          "-c", "ulimit -f 8; trap '' XFSZ; exec \"$0\" ranges \"$1\" --format csv \(redirect) \"$2\"", exe.path, good,
          out,
        ]
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let err = Pipe()
        p.standardError = err
        try p.run()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 73, "\(name): \(e)")
        #expect(e.contains("(standard output): error: cannot write output"), "\(name): \(e)")
        // A file written from its start is cut back to empty; one appended to (>>) keeps
        // what it held, and the run's partial rows may follow it (it cannot be cut back).
        let after = try String(contentsOfFile: out, encoding: .utf8)
        if before.isEmpty {
          #expect(after.isEmpty, "\(name): \(after.count) bytes left")
        } else {
          #expect(after.hasPrefix(before))
        }
      }
    }
  }
}
