import Foundation
import TestSupport
import Testing

/// `reconcile compare` and `reconcile report --compare-to/--shard`, run as CI would.
@Suite("reconcile compare and report batches, end to end", .serialized)
struct CompareCLITests {
  static let baseline = "Tests/Fixtures/baseline"

  /// A fresh report of the bundled datasets in a temporary folder.
  static func freshReport(_ extra: [String] = []) throws -> URL {
    let dir = try CLI.tempDir().appendingPathComponent("report")
    let r = try CLI.run(["report", "--quiet", "--out", dir.path] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.isEmpty, "--quiet prints nothing on success: \(r.stdout)")
    return dir
  }

  static func cleanup(_ dir: URL) { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }

  @Test("The seed report matches the committed baseline (scripts/update-baseline when numbers move on purpose)")
  func reportMatchesBaseline() throws {
    let dir = try Self.freshReport()
    defer { Self.cleanup(dir) }
    let r = try CLI.run(["compare", Self.baseline, dir.path])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout == "no differences; \(cliBaselineFileCount()) files compared\n")
  }

  @Test("report --compare-to the baseline: exit 0, and the summary on stdout")
  func reportCompareTo() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run(["report", "--out", dir.appendingPathComponent("r").path, "--compare-to", Self.baseline])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("wrote "))
    #expect(r.stdout.hasSuffix("no differences; \(cliBaselineFileCount()) files compared\n"))
    #expect(r.stderr.isEmpty)
  }

  @Test("The same inputs named ./datasets/ and datasets give reports that compare equal (issue #30)")
  func sameInputsByAnotherPath() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = dir.appendingPathComponent("a").path
    let b = dir.appendingPathComponent("b").path
    #expect(try CLI.run(["report", "datasets", "--out", a, "--quiet"]).status == 0)
    #expect(try CLI.run(["report", "./datasets//", "--out", b, "--quiet"]).status == 0)
    let r = try CLI.run(["compare", a, b])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let summary = try String(contentsOfFile: b + "/nk-in-china/summary.json", encoding: .utf8)
    #expect(summary.contains("\"path\": \"datasets/nk-in-china.csv\""))
  }

  @Test("report --compare-to a moved baseline exits 1 and prints the diff on stdout")
  func reportCompareToFindsMovedFigures() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let base = dir.appendingPathComponent("base")
    try FileManager.default.copyItem(at: CLI.root.appendingPathComponent(Self.baseline), to: base)
    let trend = base.appendingPathComponent("mou-arrivals/trend.csv")
    let text = try String(contentsOf: trend, encoding: .utf8)
    try text.replacingOccurrences(
      of: "mou_arrivals,negbin,2003-01-01/2003-12-31,2003,1,1285,",
      with: "mou_arrivals,negbin,2003-01-01/2003-12-31,2003,1,1284,"
    )
    .write(to: trend, atomically: true, encoding: .utf8)
    let r = try CLI.run(["report", "--quiet", "--out", dir.appendingPathComponent("r").path, "--compare-to", base.path])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(
      r.stdout.contains(
        "mou-arrivals/trend.csv  quantity=mou_arrivals, period=2003-01-01/2003-12-31  observed  1284 → 1285"),
      "\(r.stdout)")
    #expect(r.stdout.hasSuffix("1 difference in 1 file; \(cliBaselineFileCount()) files compared\n"))
    // The output is still written: it is what CI keeps to look at.
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r/index.md").path))
  }

  @Test("compare finds a changed CSV digit and JSON number, a missing and a new row, a missing and a new file")
  func compareFindsEveryKind() throws {
    let dir = try Self.freshReport()
    defer { Self.cleanup(dir) }
    func edit(_ rel: String, _ body: (String) -> String) throws {
      let url = dir.appendingPathComponent(rel)
      let before = try String(contentsOf: url, encoding: .utf8)
      let after = body(before)
      #expect(after != before, "edit of \(rel) changed nothing")
      try after.write(to: url, atomically: true, encoding: .utf8)
    }
    try edit("mou-arrivals/trend.csv") {
      $0.replacingOccurrences(
        of: "mou_arrivals,negbin,2003-01-01/2003-12-31,2003,1,1285,",
        with: "mou_arrivals,negbin,2003-01-01/2003-12-31,2003,1,1286,")
    }
    try edit("nk-in-china/summary.json") {
      $0.replacingOccurrences(of: "\"log_sd\": 0.5446562052299008", with: "\"log_sd\": 0.5446572052299008")
    }
    try edit("nk-in-china/ranges.csv") {
      $0.split(separator: "\n").filter { !$0.contains(",hrwf-2006-range,") }.joined(separator: "\n") + "\n"
        + "nk_in_china,source,new-2024,New source,1,2,3,,yes,,Someone,2024-01-01/2024-12-31,2024-01-01/2024-12-31,x.txt,\n"
    }
    try FileManager.default.removeItem(at: dir.appendingPathComponent("unhcr-bangkok/trend.csv"))
    try "x\n".write(to: dir.appendingPathComponent("mou-arrivals/extra.csv"), atomically: true, encoding: .utf8)

    let r = try CLI.run(["compare", Self.baseline, dir.path])
    #expect(r.status == 1, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(
      lines == [
        "mou-arrivals/extra.csv  -  (file)  (missing) → present  (new file)",
        "mou-arrivals/trend.csv  quantity=mou_arrivals, period=2003-01-01/2003-12-31  observed  1285 → 1286  (+7.78e-04 relative)",
        "nk-in-china/ranges.csv  quantity=nk_in_china, kind=source, id=hrwf-2006-range  (row)  present → (missing)  (missing row)",
        "nk-in-china/ranges.csv  quantity=nk_in_china, kind=source, id=new-2024  (row)  (missing) → present  (new row)",
        "nk-in-china/summary.json  $.ranges.quantities[quantity=nk_in_china].sources[id=ai-2000-range]  log_sd  0.5446562052299008 → 0.5446572052299008  (+1.84e-06 relative)",
        "unhcr-bangkok/trend.csv  -  (file)  present → (missing)  (missing file)",
        "6 differences in 5 files; \(cliBaselineFileCount() - 1) files compared",
      ], "\(r.stdout)")
  }

  @Test("Tolerance: a 2e-15 relative change fails at rtol 0 and passes at the default")
  func toleranceOnTheCommandLine() throws {
    // Two reports of this run, one with a number moved by 2e-15: the committed baseline is
    // not the reference here, since a machine with other BLAS kernels or libm moves the last
    // digits of iterative fits (the baseline test above allows for that at its rtol of 1e-9).
    let reference = try Self.freshReport()
    let dir = try Self.freshReport()
    defer {
      Self.cleanup(reference)
      Self.cleanup(dir)
    }
    let url = dir.appendingPathComponent("nk-in-china/summary.json")
    let text = try String(contentsOf: url, encoding: .utf8)
    #expect(text.contains("\"log_sd\": 0.5446562052299008"))
    try text.replacingOccurrences(of: "\"log_sd\": 0.5446562052299008", with: "\"log_sd\": 0.5446562052299018")
      .write(to: url, atomically: true, encoding: .utf8)
    let loose = try CLI.run(["compare", reference.path, dir.path])
    #expect(loose.status == 0, "\(loose.stdout)")
    let strict = try CLI.run(["compare", reference.path, dir.path, "--rtol", "0"])
    #expect(strict.status == 1)
    #expect(strict.stdout.contains("log_sd  0.5446562052299008 → 0.5446562052299018"), "\(strict.stdout)")
    #expect(strict.stdout.contains("1 difference in 1 file"), "\(strict.stdout)")
    let absolute = try CLI.run(["compare", reference.path, dir.path, "--rtol", "0", "--atol", "1e-14"])
    #expect(absolute.status == 0, "\(absolute.stdout)")
  }

  @Test("An identical rerun passes")
  func identicalRerun() throws {
    let a = try Self.freshReport()
    let b = try Self.freshReport()
    defer {
      Self.cleanup(a)
      Self.cleanup(b)
    }
    let r = try CLI.run(["compare", a.path, b.path, "--rtol", "0"])
    #expect(r.status == 0, "\(r.stdout)")
  }

  @Test("compare: missing folder 66, malformed JSON 65, bad tolerance 64")
  func compareErrors() throws {
    let missing = try CLI.run(["compare", Self.baseline, "no/such/folder"])
    #expect(missing.status == 66)
    #expect(missing.stderr == "no/such/folder: error: no such folder\n")
    let dir = try Self.freshReport()
    defer { Self.cleanup(dir) }
    try "{\n  \"dataset\": \n}\n".write(
      to: dir.appendingPathComponent("mou-arrivals/summary.json"), atomically: true, encoding: .utf8)
    let bad = try CLI.run(["compare", Self.baseline, dir.path])
    #expect(bad.status == 65)
    #expect(bad.stderr.hasPrefix("\(dir.path)/mou-arrivals/summary.json:3:1: error: "), "\(bad.stderr)")
    for args in [["--rtol=-1"], ["--atol", "nan"], ["--rtol", "x"]] {
      let r = try CLI.run(["compare", Self.baseline, dir.path] + args)
      #expect(r.status == 64, "\(args)")
    }
    let r = try CLI.run(["report", "--out", dir.path, "--compare-to", "no/such/baseline"])
    #expect(r.status == 66)
    #expect(r.stderr.contains("no/such/baseline: error: no such folder"))
  }

  @Test(
    "report: bad --shard values and --compare-to = --out are usage errors (64)",
    arguments: [
      ["--shard", "0/3"], ["--shard", "4/3"], ["--shard", "two/3"], ["--shard", "1/0"], ["--shard", "1"],
      ["--compare-to", "/nonexistent/never-written"], ["--rtol=-0.1"],
    ])
  func reportUsageErrors(_ args: [String]) throws {
    let r = try CLI.run(["report", "--out", "/nonexistent/never-written"] + args)
    #expect(r.status == 64, "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "/nonexistent/never-written"))
  }

  @Test("Shards 1/2 and 2/2 merged by copying equal the whole report, but for the index pages")
  func shardsMergeToTheWholeReport() throws {
    let root = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: root) }
    let merged = root.appendingPathComponent("merged")
    var counts: [Int] = []
    for k in 1...2 {
      let part = root.appendingPathComponent("part\(k)")
      let r = try CLI.run(["report", "--shard", "\(k)/2", "--out", part.path, "--compare-to", Self.baseline])
      #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
      #expect(FileManager.default.fileExists(atPath: part.appendingPathComponent("index-\(k)-of-2.md").path))
      #expect(!FileManager.default.fileExists(atPath: part.appendingPathComponent("index.md").path))
      // Dataset folders only (the claims folder is written by shard 1, index pages by each).
      let names = try FileManager.default.contentsOfDirectory(atPath: part.path)
        .filter { !$0.hasSuffix(".md") && !$0.hasSuffix(".html") && $0 != "claims" }
      counts.append(names.count)
      // Merge by copying.
      try FileManager.default.createDirectory(at: merged, withIntermediateDirectories: true)
      for n in try FileManager.default.contentsOfDirectory(atPath: part.path) {
        try FileManager.default.copyItem(at: part.appendingPathComponent(n), to: merged.appendingPathComponent(n))
      }
    }
    let datasets = try FileManager.default.contentsOfDirectory(atPath: CLI.root.appendingPathComponent("datasets").path)
      .filter { $0.hasSuffix(".csv") && $0 != "claims.csv" }
    #expect(counts.reduce(0, +) == datasets.count)
    let r = try CLI.run(["compare", Self.baseline, merged.path])
    #expect(r.status == 1)
    #expect(
      r.stdout == """
        index-1-of-2.html  -  (file)  (missing) → present  (new file)
        index-1-of-2.md  -  (file)  (missing) → present  (new file)
        index-2-of-2.html  -  (file)  (missing) → present  (new file)
        index-2-of-2.md  -  (file)  (missing) → present  (new file)
        index.html  -  (file)  present → (missing)  (missing file)
        index.md  -  (file)  present → (missing)  (missing file)
        6 differences in 6 files; \(cliBaselineFileCount() - 2) files compared

        """, "\(r.stdout)")
  }
}

/// Number of non-hidden files under the committed baseline (the report's file count).
func cliBaselineFileCount() -> Int {
  let dir = Fixtures.url("baseline")
  guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else {
    return -1
  }
  var n = 0
  for case let url as URL in e where !url.lastPathComponent.hasPrefix(".") {
    if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { n += 1 }
  }
  return n
}
