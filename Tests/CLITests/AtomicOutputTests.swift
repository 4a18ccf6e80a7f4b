import Foundation
import Testing

/// `report` killed mid-run (SIGKILL) leaves every output file either as it was or complete.
@Suite("Atomic outputs under SIGKILL", .serialized)
struct AtomicOutputTests {
  /// Writes `count` arrival series whose values depend on `version`.
  static func makeInputs(_ dir: URL, count: Int, version: Int) throws {
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for i in 0..<count {
      var text = "id,quantity,value,period,source\n"
      for (k, y) in (1993...2002).enumerated() {
        text += "s\(i)-\(y),arrivals,\(10 + k * k * (version + 1) + i % 7),\(y),test\n"
      }
      try text.write(
        to: dir.appendingPathComponent(String(format: "series-%04d.csv", i)), atomically: true, encoding: .utf8)
    }
  }

  /// Every non-hidden file under `dir`, relative path → content.
  static func snapshot(_ dir: URL) -> [String: Data] {
    var out: [String: Data] = [:]
    guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else { return out }
    for case let url as URL in e where !url.lastPathComponent.hasPrefix(".") && !url.hasDirectoryPath {
      let rel = String(url.path.dropFirst(dir.path.count))
      if let d = try? Data(contentsOf: url), !(url.resolvingSymlinksInPath().hasDirectoryPath) { out[rel] = d }
    }
    return out
  }

  @Test func killedReportNeverLeavesATornFile() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    let v1 = root.appendingPathComponent("in-v1")
    let v2 = root.appendingPathComponent("in-v2")
    try Self.makeInputs(v1, count: 300, version: 1)
    try Self.makeInputs(v2, count: 300, version: 2)
    // The complete outputs of each version, for reference.
    let full1 = root.appendingPathComponent("full-v1")
    let full2 = root.appendingPathComponent("full-v2")
    // Without trajectories: 300 series would be 300 Bayesian fits (seconds each in a debug build).
    #expect(try CLI.run(["report", v1.path, "--out", full1.path, "--no-trajectories"]).status == 0)
    #expect(try CLI.run(["report", v2.path, "--out", full2.path, "--no-trajectories"]).status == 0)
    let old = Self.snapshot(full1)
    let new = Self.snapshot(full2)
    #expect(old.count >= 1200 && old.keys.sorted() == new.keys.sorted())

    let exe = try #require(CLI.executable)
    var killedMidRun = 0
    for delay in [0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.3] {
      let out = root.appendingPathComponent("out-\(delay)")
      try? FileManager.default.removeItem(at: out)
      try FileManager.default.copyItem(at: full1, to: out)
      let p = Process()
      p.executableURL = exe
      p.arguments = ["report", v2.path, "--out", out.path, "--no-trajectories"]
      p.currentDirectoryURL = CLI.root
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      Thread.sleep(forTimeInterval: delay)
      if p.isRunning {
        kill(p.processIdentifier, SIGKILL)
        killedMidRun += 1
      }
      p.waitUntilExit()
      let now = Self.snapshot(out)
      #expect(now.keys.sorted() == old.keys.sorted(), "files appeared or vanished after a kill at \(delay) s")
      for (name, data) in now {
        #expect(data == old[name] || data == new[name], "\(name) is torn after a kill at \(delay) s")
      }
    }
    #expect(killedMidRun > 0, "the report finished before every kill: make the workload larger")
  }
}
