import Foundation
import TestSupport
import Testing

/// Runs the built `reconcile` executable as an analyst would.
enum CLI {
  static let root = Fixtures.repositoryRoot

  /// The executable beside the test bundle (swift build puts both in the same folder).
  static let executable: URL? = {
    var candidates: [URL] = []
    if let env = ProcessInfo.processInfo.environment["RECONCILE_BIN"] { candidates.append(URL(fileURLWithPath: env)) }
    let me = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
    var dir = me.deletingLastPathComponent()
    for _ in 0..<4 {
      candidates.append(dir.appendingPathComponent("reconcile"))
      dir = dir.deletingLastPathComponent()
    }
    candidates.append(root.appendingPathComponent(".build/debug/reconcile"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath }
  }()

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static func run(_ args: [String], cwd: URL? = nil, environment: [String: String] = [:]) throws -> Result {
    let exe = try #require(executable, "reconcile executable not found; run `swift build` first")
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    p.currentDirectoryURL = cwd ?? root
    if !environment.isEmpty {
      p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Result(
      status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
      stderr: String(decoding: e, as: UTF8.self))
  }

  /// `run` with standard output going to the file at `outputPath`, opened for writing at its
  /// end (`> file` when it is empty) or, with `append`, in append mode (`>> file`).
  static func run(
    _ args: [String], stdoutTo outputPath: String, append: Bool = false, environment: [String: String] = [:]
  ) throws -> (status: Int32, stderr: String) {
    let exe = try #require(executable, "reconcile executable not found; run `swift build` first")
    let fd = open(outputPath, O_WRONLY | O_CREAT | (append ? O_APPEND : 0), 0o644)
    try #require(fd >= 0, "cannot open \(outputPath)")
    if !append { lseek(fd, 0, SEEK_END) }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    p.currentDirectoryURL = root
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let err = Pipe()
    p.standardOutput = handle
    p.standardError = err
    try p.run()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: e, as: UTF8.self))
  }

  static func json(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8))
  }

  static func tempDir() throws -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
  }
}

@Suite("reconcile end to end", .serialized)
struct CLITests {
  @Test func validateAcceptsTheBundledDatasets() throws {
    let r = try CLI.run([
      "validate", "datasets/nk-in-china.csv", "datasets/mou-arrivals.csv", "datasets/unhcr-bangkok.csv",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("datasets/nk-in-china.csv: ok"))
    #expect(!r.stderr.contains("error:"))
  }

  @Test(
    "Bad files exit 65 with a path:line:column diagnostic naming the problem",
    arguments: [
      ("inverted-range.csv", 3, "inverted range"),
      ("bad-number.csv", 3, "5l"),
      ("ragged-row.csv", 3, "fields"),
    ])
  func badInput(_ file: String, _ line: Int, _ words: String) throws {
    let path = "Tests/Fixtures/cli/\(file)"
    let r = try CLI.run(["validate", path])
    #expect(r.status == 65)
    let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.hasPrefix("\(path):\(line):"), "\(first)")
    #expect(first.contains(": error: "))
    #expect(first.contains(words), "\(first)")
    // path:line:column: — a column number follows the line.
    let parts = first.split(separator: ":")
    #expect(parts.count >= 4 && Int(parts[2]) != nil, "\(first)")
  }

  @Test func missingFileExits66() throws {
    let r = try CLI.run(["validate", "no/such/file.csv"])
    #expect(r.status == 66)
    #expect(r.stderr.contains("no/such/file.csv"))
  }

  @Test func usageErrorExits64() throws {
    let r = try CLI.run(["ranges", "datasets/nk-in-china.csv", "--no-such-option"])
    #expect(r.status == 64)
    let r2 = try CLI.run(["trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--model", "cubic"])
    #expect(r2.status == 64)
  }

  @Test func unknownQuantityExits65() throws {
    let r = try CLI.run(["trend", "datasets/mou-arrivals.csv", "--quantity", "nope"])
    #expect(r.status == 65)
    #expect(r.stderr.contains("mou_arrivals"))
  }

  @Test("ranges on nk-in-china: envelope 10,000-300,000, every source, nothing counted twice")
  func rangesJSON() throws {
    let r = try CLI.run(["ranges", "datasets/nk-in-china.csv", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let qs = try #require(doc["quantities"] as? [[String: Any]])
    let q = try #require(qs.first)
    #expect(q["quantity"] as? String == "nk_in_china")
    let env = try #require(q["envelope"] as? [String: Any])
    #expect(env["low"] as? Double == 10_000)
    #expect(env["high"] as? Double == 300_000)
    // The NGOs' "as many as 300,000" is an upper bound: the envelope says its low side is open.
    #expect(env["open_below"] as? Bool == true && env["open_above"] as? Bool == false)
    let sources = try #require(q["sources"] as? [[String: Any]])
    let ids = sources.compactMap { $0["id"] as? String }
    #expect(
      Set(ids) == [
        "ai-2000-range", "ai-2001-tens", "hrw-2002-range", "mou-2002-official", "ngo-2002-survey", "hrwf-2006-range",
      ])
    let hrw = try #require(sources.first { $0["id"] as? String == "hrw-2002-range" })
    #expect((hrw["excluded_reason"] as? String)?.contains("mou-2002-official") == true)
    let tens = try #require(sources.first { $0["id"] as? String == "ai-2001-tens" })
    #expect(tens["from_text"] as? Bool == true)
    #expect(tens["high"] as? Double ?? 1e9 < 100_000)
    let mou = try #require(sources.first { $0["id"] as? String == "mou-2002-official" })
    #expect((mou["excluded_reason"] as? String)?.hasPrefix("narrower scope (long-term migrants") == true)
    let ngo = try #require(sources.first { $0["id"] as? String == "ngo-2002-survey" })
    #expect(ngo["reading"] as? String == "at_most")
    for s in sources where !["hrw-2002-range", "mou-2002-official"].contains(s["id"] as? String ?? "") {
      #expect(s["excluded_reason"] is NSNull, "\(s["id"] ?? "")")
    }
    let pooled = try #require(q["pooled"] as? [String: Any])
    #expect(pooled["k"] as? Int == 4)
    let conflicts = try #require(q["conflicts"] as? [String])
    #expect(conflicts.contains("ai-2001-tens") && conflicts.contains("hrwf-2006-range"))
    #expect(q["intersection"] is NSNull)
    let lp = try #require(q["linear_pool"] as? [String: Any])
    #expect((lp["median"] as? Double ?? 0) > 10_000 && (lp["median"] as? Double ?? 1e9) < 300_000)
  }

  @Test(
    "ranges table: three pooled views, the consistent group and who is outside it, leave-one-out, consensus by year")
  func rangesTable() throws {
    let r = try CLI.run(["ranges", "datasets/nk-in-china.csv"])
    #expect(r.status == 0, "\(r.stderr)")
    for needle in [
      "random effects (log scale", "linear opinion pool", "logarithmic opinion pool",
      "the largest group of mutually consistent sources, 3 of 4, shares 50,000–99,999; outside it: hrwf-2006-range",
      "1 conflicting pair (listed in --format json)", "leave-one-out",
      "without ngo-2002-survey", "consensus by publication year", "not pooled: hrw-2002-range",
      "not pooled: mou-2002-official — narrower scope",
    ] {
      #expect(r.stdout.contains(needle), "missing: \(needle)")
    }
  }

  @Test("trend mou_arrivals poisson as of 2003 (the 2002 printing) matches R's glm with 2002 at exposure 211/365")
  func trendMatchesR() throws {
    let r = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--model", "poisson", "--vintage",
      "2003-01-01", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let params = try #require(doc["parameters"] as? [[String: Any]])
    // R: glm(y ~ year + offset(log(exposure)), family = poisson) — Tests/Fixtures/statistics/glm-reference.csv.
    let refRows = try Fixtures.csv("statistics/glm-reference.csv")
    func ref(_ term: String, _ what: String) -> Double? {
      let row = refRows.first {
        $0["case"] == "mou" && $0["model"] == "poisson" && $0["term"] == term && $0["what"] == what
      }
      return Double(row?["value"] ?? "")
    }
    for (i, term) in ["(Intercept)", "year"].enumerated() {
      #expect(params[i]["name"] as? String == term)
      let est = try #require(params[i]["estimate"] as? Double)
      let se = try #require(params[i]["std_error"] as? Double)
      #expect(relativeDifference(est, try #require(ref(term, "estimate")), floor: .leastNormalMagnitude) < 1e-8)
      #expect(relativeDifference(se, try #require(ref(term, "std_error")), floor: .leastNormalMagnitude) < 1e-8)
    }
    let points = try #require(doc["points"] as? [[String: Any]])
    #expect(points.count == 10)
    let last = try #require(points.last)
    #expect(
      relativeDifference(try #require(last["exposure"] as? Double), 211.0 / 365.0, floor: .leastNormalMagnitude) < 1e-15
    )
    #expect(last["observed"] as? Double == 629)
    #expect(
      relativeDifference(try #require(last["annualized"] as? Double), 629 * 365.0 / 211.0, floor: .leastNormalMagnitude)
        < 1e-14)
    let growth = try #require(doc["growth_factor"] as? [String: Any])
    #expect(
      relativeDifference(
        try #require(growth["estimate"] as? Double), exp(try #require(ref("year", "estimate"))),
        floor: .leastNormalMagnitude) < 1e-8)
  }

  @Test(
    "trend: default model chosen by the overdispersion test, partial year annualised (Poisson: R's exact interval; negbin: wider), span growth"
  )
  func trendChoiceAndSpan() throws {
    let r = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--span", "1998:2001", "--vintage",
      "2003-01-01", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    #expect(doc["model"] as? String == "negbin")
    #expect((doc["model_choice"] as? String)?.contains("likelihood-ratio") == true)
    let points = try #require(doc["points"] as? [[String: Any]])
    let last = try #require(points.last)
    // Under the negative binomial the partial year's interval is widened by the dispersion
    // (#29): it holds R's exact Poisson interval, poisson.test(629, T = 211/365)$conf.int, and more.
    let nbLow = try #require(last["annualized_ci_low"] as? Double)
    let nbHigh = try #require(last["annualized_ci_high"] as? Double)
    #expect(nbLow < 1004.6983985964132 && nbHigh > 1176.5366778095649, "\(nbLow)–\(nbHigh)")
    let span = try #require(doc["span"] as? [String: Any])
    #expect(span["consistent_with_doubling"] as? Bool == true)

    let p = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--model", "poisson", "--span", "1998:2001",
      "--vintage", "2003-01-01", "--format", "json",
    ])
    let pdoc = try #require(try CLI.json(p.stdout) as? [String: Any])
    // Under Poisson it is R's exact interval: poisson.test(629, T = 211/365)$conf.int.
    let plast = try #require((pdoc["points"] as? [[String: Any]])?.last)
    #expect(
      relativeDifference(
        try #require(plast["annualized_ci_low"] as? Double), 1004.6983985964132, floor: .leastNormalMagnitude) < 1e-9)
    #expect(
      relativeDifference(
        try #require(plast["annualized_ci_high"] as? Double), 1176.5366778095649, floor: .leastNormalMagnitude) < 1e-9)
    let pspan = try #require(pdoc["span"] as? [String: Any])
    let growth = try #require(pspan["growth_factor"] as? [String: Any])
    // R: coef(glm(y ~ year, family = poisson, data = data.frame(y = c(71, 148, 312, 583), year = 1998:2001)))
    #expect(
      relativeDifference(
        try #require(growth["estimate"] as? Double), exp(0.68892206078633011), floor: .leastNormalMagnitude) < 1e-8)

    let u = try CLI.run([
      "trend", "datasets/unhcr-bangkok.csv", "--quantity", "unhcr_bangkok_persons", "--format", "json",
    ])
    let udoc = try #require(try CLI.json(u.stdout) as? [String: Any])
    #expect(udoc["model"] as? String == "poisson")

    let bad = try CLI.run(["trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--span", "2001:1998"])
    #expect(bad.status == 64)
  }

  @Test("fit --model nls on NIST Misra1a reaches the certified values; a bad formula points at its column")
  func fitNLS() throws {
    let dat = try String(
      contentsOf: CLI.root.deletingLastPathComponent().appendingPathComponent(
        "shared/reference/nist-strd/nonlinear/Misra1a.dat"), encoding: .utf8)
    let lines = dat.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let dataStart = try #require(lines.lastIndex { $0.hasPrefix("Data:") })
    var csv = "y,x\n"
    for l in lines[(dataStart + 1)...] {
      let f = l.split(separator: " ")
      if f.count == 2 { csv += "\(f[0]),\(f[1])\n" }
    }
    func certified(_ name: String) -> Double? {
      for l in lines where l.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ") {
        let f = l.split(separator: " ")
        if f.count >= 4 { return Double(f[f.count - 2]) }
      }
      return nil
    }
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("misra1a.csv")
    try csv.write(to: path, atomically: true, encoding: .utf8)
    let r = try CLI.run([
      "fit", path.path, "--y", "y", "--model", "nls", "--formula", "b1*(1-exp(-b2*x))", "--start", "b1=500,b2=1e-4",
      "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    #expect(doc["converged"] as? Bool == true)
    let params = try #require(doc["parameters"] as? [[String: Any]])
    #expect(params.map { $0["name"] as? String } == ["b1", "b2"])
    #expect(
      relativeDifference(
        try #require(params[0]["estimate"] as? Double), try #require(certified("b1")), floor: .leastNormalMagnitude)
        < 1e-6)
    #expect(
      relativeDifference(
        try #require(params[1]["estimate"] as? Double), try #require(certified("b2")), floor: .leastNormalMagnitude)
        < 1e-6)

    let bad = try CLI.run([
      "fit", path.path, "--y", "y", "--formula", "b1*(1-exp(-b2*x)))", "--start", "b1=500,b2=1e-4",
    ])
    #expect(bad.status == 65)
    #expect(bad.stderr.contains(":1:18: error: unexpected ')'"), "\(bad.stderr)")
    let unknown = try CLI.run([
      "fit", path.path, "--y", "y", "--formula", "b1*(1-exp(-b2*z))", "--start", "b1=500,b2=1e-4",
    ])
    #expect(unknown.status == 65)
    #expect(unknown.stderr.contains("'z'"))
  }

  @Test(
    "trend --model joinpoint --joinpoint-model loglinear (2002 printing): permutation test picks K, segments carry APCs; with no joinpoint it is R's lm on log rates"
  )
  func trendJoinpoint() throws {
    let r = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--model", "joinpoint", "--vintage",
      "2003-01-01", "--joinpoint-model", "loglinear", "--format", "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    #expect(doc["model"] as? String == "joinpoint")
    #expect(doc["joinpoint_model"] as? String == "loglinear")
    let joinpoints = try #require(doc["joinpoints"] as? [Double])
    let segments = try #require(doc["segments"] as? [[String: Any]])
    #expect(segments.count == joinpoints.count + 1)
    let selection = try #require(doc["joinpoint_selection"] as? [String: Any])
    #expect((selection["tests"] as? [Any])?.isEmpty == false)
    if joinpoints.isEmpty {
      // R: coef(lm(log(y / exposure) ~ year)) on the same rows (Tests/Fixtures/statistics/glm-reference.csv, "mou", loglinear).
      let slope = try #require(segments.first?["slope"] as? Double)
      #expect(relativeDifference(slope, 0.44933431046620925, floor: .leastNormalMagnitude) < 1e-9)
    }
    // Two runs with the same seed agree byte for byte.
    let again = try CLI.run([
      "trend", "datasets/mou-arrivals.csv", "--quantity", "mou_arrivals", "--model", "joinpoint", "--vintage",
      "2003-01-01", "--joinpoint-model", "loglinear", "--format", "json",
    ])
    #expect(again.stdout == r.stdout)
  }

  @Test("report writes every file, and two runs are byte-identical")
  func reportIsDeterministic() throws {
    let a = try CLI.tempDir()
    let b = try CLI.tempDir()
    defer {
      try? FileManager.default.removeItem(at: a)
      try? FileManager.default.removeItem(at: b)
    }
    let r1 = try CLI.run(["report", "--out", a.path])
    let r2 = try CLI.run(["report", "--out", b.path])
    #expect(r1.status == 0, "\(r1.stderr)")
    #expect(r2.status == 0)
    // A CSV only where it has rows: nk-in-china has ranges, the two series trends.
    for (ds, table) in [("nk-in-china", "ranges.csv"), ("mou-arrivals", "trend.csv"), ("unhcr-bangkok", "trend.csv")] {
      let other = table == "ranges.csv" ? "trend.csv" : "ranges.csv"
      #expect(
        !FileManager.default.fileExists(atPath: a.appendingPathComponent("\(ds)/\(other)").path), "\(ds)/\(other)")
      for f in [table, "summary.json", "report.md"] {
        let x = try Data(contentsOf: a.appendingPathComponent("\(ds)/\(f)"))
        let y = try Data(contentsOf: b.appendingPathComponent("\(ds)/\(f)"))
        #expect(!x.isEmpty)
        #expect(x == y, "\(ds)/\(f) differs between runs")
      }
    }
    let trend = try String(contentsOf: a.appendingPathComponent("mou-arrivals/trend.csv"), encoding: .utf8)
    let header = Set((trend.split(separator: "\n").first ?? "").split(separator: ",").map(String.init))
    #expect(
      header.isSuperset(of: [
        "period", "exposure", "observed", "annualized", "fitted", "ci_low", "ci_high", "pi_low", "pi_high", "projected",
        "segment",
      ]))
    #expect(!trend.contains("e-") && !trend.contains("e+"), "CSV numbers must be plain decimals")
    let ranges = try String(contentsOf: a.appendingPathComponent("nk-in-china/ranges.csv"), encoding: .utf8)
    #expect(ranges.contains("linear_pool"))
  }

  @Test("A failed report writes nothing")
  func failedReportWritesNothing() throws {
    let out = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: out) }
    let target = out.appendingPathComponent("r")
    let r = try CLI.run([
      "report", "datasets/mou-arrivals.csv", "Tests/Fixtures/cli/inverted-range.csv", "--out", target.path,
    ])
    #expect(r.status == 65)
    #expect(!FileManager.default.fileExists(atPath: target.path))
  }

  @Test("fit poisson with an offset column matches R")
  func fitPoisson() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let csv = dir.appendingPathComponent("mou.csv")
    var text = "year,count,log_exposure\n"
    let counts = [8.0, 51, 41, 56, 86, 71, 148, 312, 583, 629]
    for (i, c) in counts.enumerated() {
      text += "\(1993 + i),\(Int(c)),\(i == 9 ? log(211.0 / 365.0) : 0)\n"
    }
    try text.write(to: csv, atomically: true, encoding: .utf8)
    let r = try CLI.run([
      "fit", csv.path, "--y", "count", "--x", "year", "--model", "poisson", "--offset", "log_exposure", "--format",
      "json",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    let params = try #require(doc["parameters"] as? [[String: Any]])
    // R 4.x: coef(glm(count ~ year + offset(log_exposure), family = poisson)) — default control.
    #expect(
      relativeDifference(
        try #require(params[1]["estimate"] as? Double), 0.50668807886039802, floor: .leastNormalMagnitude) < 1e-8)
    #expect(
      relativeDifference(
        try #require(params[1]["std_error"] as? Double), 0.012347931137003255, floor: .leastNormalMagnitude) < 1e-8)
    #expect(doc["model"] as? String == "poisson")
    #expect(doc["dispersion"] as? Double == 1)

    // MASS::glm.nb(count ~ year + offset(log_exposure)) — Tests/Fixtures/statistics/glm-reference.csv, case "mou".
    let nb = try CLI.run([
      "fit", csv.path, "--y", "count", "--x", "year", "--model", "negbin", "--offset", "log_exposure", "--format",
      "json",
    ])
    #expect(nb.status == 0, "\(nb.stderr)")
    let nbDoc = try #require(try CLI.json(nb.stdout) as? [String: Any])
    let nbParams = try #require(nbDoc["parameters"] as? [[String: Any]])
    #expect(
      relativeDifference(
        try #require(nbParams[1]["estimate"] as? Double), 0.43166026041223216, floor: .leastNormalMagnitude) < 1e-8)
    #expect(
      relativeDifference(
        try #require(nbParams[1]["std_error"] as? Double), 0.042752729486533796, floor: .leastNormalMagnitude) < 1e-8)
    #expect(
      relativeDifference(try #require(nbDoc["theta"] as? Double), 7.7917532256577786, floor: .leastNormalMagnitude)
        < 1e-8)
  }
}
