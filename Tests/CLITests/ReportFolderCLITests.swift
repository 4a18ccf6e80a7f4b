import Foundation
import TestSupport
import Testing

/// `report`'s output folder: distinct folders for clashing inputs, a baseline never
/// overwritten, and a previous report left whole by a failed, interrupted or killed run.
@Suite("Report output folder", .serialized)
struct ReportFolderCLITests {
  static let seeds = ["hrw-2002-figures", "mou-arrivals", "nk-in-china", "unhcr-bangkok"]

  static func copySeed(_ name: String, to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("datasets/\(name).csv"), to: url)
  }

  /// Every file under `dir` (hidden ones too), relative path → content.
  static func snapshot(_ dir: URL) -> [String: Data] {
    var out: [String: Data] = [:]
    guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return out }
    for case let url as URL in e where !url.hasDirectoryPath {
      if let d = try? Data(contentsOf: url) { out[String(url.path.dropFirst(dir.path.count))] = d }
    }
    return out
  }

  /// Names in `dir` that are not `keep` (staging or temporary leftovers beside a report).
  static func leftovers(in dir: URL, keeping keep: Set<String>) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !keep.contains($0) }.sorted()
  }

  static func summaryPath(_ folder: URL) throws -> String {
    let data = try Data(contentsOf: folder.appendingPathComponent("summary.json"))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return try #require(object["path"] as? String)
  }

  @Test func clashingInputsGetDistinctFolders() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    let inputs = [
      ("in/d1/x.csv", "nk-in-china"), ("in/d2/x.csv", "mou-arrivals"), ("in/x_2.csv", "unhcr-bangkok"),
      ("in/X.csv", "hrw-2002-figures"),
    ]
    for (path, seed) in inputs { try Self.copySeed(seed, to: root.appendingPathComponent(path)) }
    let r = try CLI.run(["report"] + inputs.map(\.0) + ["--out", "out"], cwd: root)
    #expect(r.status == 0, "\(r.stderr)")
    let out = root.appendingPathComponent("out")
    let folders = try FileManager.default.contentsOfDirectory(atPath: out.path).filter {
      var isDir: ObjCBool = false
      return FileManager.default.fileExists(atPath: out.appendingPathComponent($0).path, isDirectory: &isDir)
        && isDir.boolValue
    }
    #expect(folders.count == 4, "\(folders)")
    #expect(Set(folders.map { $0.lowercased() }).count == 4, "folders differ only in case: \(folders)")
    // Each input's report is there, in a folder of its own.
    let reported = try Set(folders.map { try Self.summaryPath(out.appendingPathComponent($0)) })
    #expect(reported == Set(inputs.map(\.0)))
    #expect(!r.stdout.contains("x_2, x_2"), "\(r.stdout)")
  }

  @Test func aClaimsFileNamedLikeAFiguresFileKeepsItsOwnFolder() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    try FileManager.default.createDirectory(at: root.appendingPathComponent("c"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: CLI.root.appendingPathComponent("datasets/claims.csv"), to: root.appendingPathComponent("c/nk-in-china.csv"))
    for s in Self.seeds { try Self.copySeed(s, to: root.appendingPathComponent("d/\(s).csv")) }
    let r = try CLI.run(
      ["report", "c/nk-in-china.csv"] + Self.seeds.map { "d/\($0).csv" } + ["--out", "out"], cwd: root)
    #expect(r.status == 0, "\(r.stderr)")
    let claimsCSV = try String(contentsOf: root.appendingPathComponent("out/nk-in-china/checks.csv"), encoding: .utf8)
    let claimsCount =
      try String(contentsOf: CLI.root.appendingPathComponent("datasets/claims.csv"), encoding: .utf8)
      .split(separator: "\n").count - 1
    // The claims folder holds every claim; the dataset of the same name is elsewhere.
    #expect(claimsCSV.split(separator: "\n").count - 1 == claimsCount)
    let datasetFolder = root.appendingPathComponent("out/nk-in-china_2")
    #expect(try Self.summaryPath(datasetFolder) == "d/nk-in-china.csv")
  }

  @Test func aLinkedOutNeverOverwritesTheBaseline() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    try Self.copySeed("nk-in-china", to: root.appendingPathComponent("nk.csv"))
    try Self.copySeed("mou-arrivals", to: root.appendingPathComponent("mou.csv"))
    #expect(try CLI.run(["report", "nk.csv", "--out", "b2"], cwd: root).status == 0)
    let before = Self.snapshot(root.appendingPathComponent("b2"))
    try FileManager.default.createSymbolicLink(
      atPath: root.appendingPathComponent("b2link").path, withDestinationPath: "b2")
    for out in ["b2link", "b2/inside", "b2link/inside", ".", "b2/.."] {
      let r = try CLI.run(["report", "mou.csv", "--out", out, "--compare-to", "b2"], cwd: root)
      #expect(r.status == 64, "--out \(out): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains("baseline"), "\(r.stderr)")
    }
    #expect(Self.snapshot(root.appendingPathComponent("b2")) == before)
    let empty = try CLI.run(["report", "nk.csv", "--out", ""], cwd: root)
    #expect(empty.status == 64, "\(empty.stderr)")
    #expect(try Self.leftovers(in: root, keeping: ["nk.csv", "mou.csv", "b2", "b2link"]).isEmpty)
  }

  @Test func aFolderThatIsNotAReportIsRefused() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    try Self.copySeed("nk-in-china", to: root.appendingPathComponent("nk.csv"))
    let notes = root.appendingPathComponent("notes")
    try FileManager.default.createDirectory(at: notes, withIntermediateDirectories: true)
    try "mine".write(to: notes.appendingPathComponent("thesis.txt"), atomically: true, encoding: .utf8)
    let r = try CLI.run(["report", "nk.csv", "--out", "notes"], cwd: root)
    #expect(r.status == 73, "\(r.stderr)")
    #expect(r.stderr.contains("notes: error:"), "\(r.stderr)")
    #expect(try String(contentsOf: notes.appendingPathComponent("thesis.txt"), encoding: .utf8) == "mine")
    #expect(try FileManager.default.contentsOfDirectory(atPath: notes.path) == ["thesis.txt"])
    // A report folder is replaced whole: a file left there by hand does not survive.
    #expect(try CLI.run(["report", "nk.csv", "--out", "r"], cwd: root).status == 0)
    try "stale".write(to: root.appendingPathComponent("r/stale.csv"), atomically: true, encoding: .utf8)
    #expect(try CLI.run(["report", "nk.csv", "--out", "r"], cwd: root).status == 0)
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("r/stale.csv").path))
  }

  /// Inputs whose report takes a few seconds: 12 yearly count series of 20 years, each about
  /// half a second in the tests' debug build (its count joinpoints: up to three, every admissible
  /// placement, by BIC) and 0.15 s in release. Run with --no-trajectories, else each series would
  /// also be a Bayesian fit. (150 series until the count joinpoints made each one slower: 85 s a
  /// report, run five times by this suite.)
  static func slowInputs(_ dir: URL, version: Int) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for i in 0..<12 {
      var text = "id,quantity,value,period,source\n"
      for (k, y) in (1993...2012).enumerated() {
        text += "s\(i)-\(y),arrivals,\(10 + k * k * (version + 1) + i % 7),\(y),test\n"
      }
      try text.write(
        to: dir.appendingPathComponent(String(format: "series-%04d.csv", i)), atomically: true, encoding: .utf8)
    }
  }

  /// A folder with a report of the slow inputs' first version at `out`, and their second
  /// version at `v2`, to run over it.
  static func previousReport() throws -> (root: URL, v2: URL, out: URL) {
    let root = try CLI.tempDir()
    let v1 = root.appendingPathComponent("v1")
    let v2 = root.appendingPathComponent("v2")
    try slowInputs(v1, version: 1)
    try slowInputs(v2, version: 2)
    let out = root.appendingPathComponent("out")
    #expect(try CLI.run(["report", v1.path, "--out", out.path, "--no-trajectories"]).status == 0)
    return (root, v2, out)
  }

  /// Starts `reconcile ARGS` in the background, its output discarded.
  static func start(_ arguments: [String]) throws -> Process {
    let p = Process()
    p.executableURL = try #require(CLI.executable)
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
  }

  @Test("An interrupted report leaves the previous one whole and nothing else", arguments: [SIGINT, SIGTERM, SIGHUP])
  func interrupted(_ signal: Int32) throws {
    let (root, v2, out) = try Self.previousReport()
    defer { try? FileManager.default.removeItem(at: root) }
    let old = Self.snapshot(out)
    var interrupted = 0
    for delay in [0.1, 0.3, 0.6] {
      let p = try Self.start(["report", v2.path, "--out", out.path, "--no-trajectories"])
      Thread.sleep(forTimeInterval: delay)
      guard p.isRunning else {
        p.waitUntilExit()
        continue
      }
      kill(p.processIdentifier, signal)
      p.waitUntilExit()
      interrupted += 1
      #expect(
        p.terminationReason == .uncaughtSignal && p.terminationStatus == signal, "ended by \(p.terminationStatus)")
      #expect(Self.snapshot(out) == old, "the previous report changed after signal \(signal) at \(delay) s")
      #expect(try Self.leftovers(in: root, keeping: ["v1", "v2", "out"]).isEmpty)
    }
    #expect(interrupted > 0, "the report finished before every signal: make the workload larger")
  }

  /// A run started with SIGHUP ignored (`nohup`) is not ended by one: only the signals the
  /// process was not told to ignore are taken.
  @Test func aSignalTheRunWasStartedIgnoringDoesNotEndIt() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    let v2 = root.appendingPathComponent("v2")
    try Self.slowInputs(v2, version: 2)
    let out = root.appendingPathComponent("out")
    let exe = try #require(CLI.executable)
    let p = Process()
    p.executableURL = try #require(executableOnPath("sh"), "sh not found on PATH")
    p.arguments = [
      "-c", "trap '' HUP; exec \"$0\" report \"$1\" --out \"$2\" --quiet --no-trajectories", exe.path, v2.path,
      out.path,
    ]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    Thread.sleep(forTimeInterval: 0.3)
    #expect(p.isRunning, "the report finished before the signal: make the workload larger")
    kill(p.processIdentifier, SIGHUP)
    p.waitUntilExit()
    #expect(p.terminationReason == .exit && p.terminationStatus == 0, "ended by \(p.terminationStatus)")
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.md").path))
  }

  @Test func aKilledReportLeavesThePreviousOneWholeAndTheNextRunCleansUp() throws {
    let (root, v2, out) = try Self.previousReport()
    defer { try? FileManager.default.removeItem(at: root) }
    let old = Self.snapshot(out)
    let p = try Self.start(["report", v2.path, "--out", out.path, "--no-trajectories"])
    Thread.sleep(forTimeInterval: 0.3)
    #expect(p.isRunning, "the report finished before the kill: make the workload larger")
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    #expect(Self.snapshot(out) == old)
    // The next run completes and removes what the killed one left beside the report.
    #expect(try CLI.run(["report", v2.path, "--out", out.path, "--no-trajectories"]).status == 0)
    #expect(try Self.leftovers(in: root, keeping: ["v1", "v2", "out"]).isEmpty)
    #expect(Self.snapshot(out) != old)
  }

  /// Mounts a tmpfs of `size` (e.g. "400k") on `dir` for the length of `body`.
  static func withSmallDisk(_ dir: URL, size: String, _ body: () throws -> Void) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let umountURL = try #require(executableOnPath("umount"), "umount not found on PATH")
    let mount = Process()
    mount.executableURL = try #require(executableOnPath("mount"), "mount not found on PATH")
    mount.arguments = ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", dir.path]
    try mount.run()
    mount.waitUntilExit()
    try #require(mount.terminationStatus == 0, "cannot mount a small tmpfs (the test needs root)")
    defer {
      let umount = Process()
      umount.executableURL = umountURL
      umount.arguments = [dir.path]
      try? umount.run()
      umount.waitUntilExit()
    }
    try body()
  }

  @Test func aFullDiskExits73AndKeepsThePreviousReport() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    let disk = root.appendingPathComponent("disk")
    // A 300 KB file system: room for one dataset's report (about 60 KB), not for all four
    // (about 370 KB since one-figure quantities are reported in a sentence, issue #27).
    try Self.withSmallDisk(disk, size: "300k") {
      let out = disk.appendingPathComponent("r")
      #expect(try CLI.run(["report", "datasets/mou-arrivals.csv", "--out", out.path]).status == 0)
      let old = Self.snapshot(out)
      let r = try CLI.run(["report", "--out", out.path])
      #expect(r.status == 73, "\(r.stderr)")
      #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
      #expect(Self.snapshot(out) == old)
      #expect(try Self.leftovers(in: disk, keeping: ["r"]).isEmpty)
    }
  }

  /// `ranges` on a large file stages its output in TMPDIR when standard output is a pipe; a
  /// full TMPDIR is output that cannot be written (73), not unreadable input (66).
  @Test func aFullTemporaryFolderExits73() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    // 8,000 one-figure quantities: the rows sorted by quantity fit in 1 MB, the CSV (a source
    // row and a one_figure row each, about 1.6 MB) does not.
    var text = "id,quantity,low,high,source\n"
    for i in 0..<8000 { text += "f\(i),q\(i),\(1000 + i),\(5000 + i),S\n" }
    let input = root.appendingPathComponent("many.csv")
    try text.write(to: input, atomically: true, encoding: .utf8)
    let tmp = root.appendingPathComponent("tmp")
    try Self.withSmallDisk(tmp, size: "1m") {
      let r = try CLI.run(
        ["ranges", input.path, "--format", "csv"],
        environment: ["RECONCILE_RANGES_STREAM_MB": "0", "TMPDIR": tmp.path])
      #expect(r.status == 73, "\(r.status): \(r.stderr)")
      #expect(r.stdout.isEmpty)
      #expect(r.stderr.contains("No space left on device"), "\(r.stderr)")
    }
  }
}
