import Foundation
import TestSupport
import Testing

/// `reconcile meta` end to end on metafor's dat.bcg (Tests/Fixtures/meta/bcg.csv), against
/// metafor's values in Tests/Fixtures/meta/bcg-reference.csv (scripts/peers/meta/make-meta-reference.R).
@Suite("reconcile meta end to end", .serialized)
struct MetaCLITests {
  static let bcg = "Tests/Fixtures/meta/bcg.csv"

  /// "group|method|test|key" → metafor's value.
  static func reference() throws -> [String: Double] {
    var out: [String: Double] = [:]
    for r in try Fixtures.csv("meta/bcg-reference.csv") {
      guard let g = r["group"], let m = r["method"], let t = r["test"], let k = r["key"],
        let v = Double(r["value"] ?? "")
      else { continue }
      out["\(g)|\(m)|\(t)|\(k)"] = v
    }
    return out
  }

  static func check(_ object: [String: Any], group: String, method: String, test: String, tolerance: Double = 1e-9)
    throws
  {
    let ref = try reference()
    let keys = [
      "k", "estimate", "std_error", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "h2", "q", "q_p",
      "statistic", "p_value",
    ]
    for key in keys {
      let expected = try #require(
        ref["\(group)|\(method)|\(test)|\(key)"], "\(group) \(key) missing from the reference")
      let got = try #require(object[key] as? Double, "\(key) is not a number in \(object)")
      #expect(
        abs(got - expected) <= tolerance * abs(expected) + 1e-12,
        "\(group) \(method) \(test) \(key): \(got) vs metafor \(expected)")
    }
    #expect(object["method"] as? String == method)
    #expect(object["test"] as? String == test)
    #expect(object["converged"] as? Bool == true)
  }

  @Test func jsonDefaultIsREMLWithEveryContractKey() throws {
    let r = try CLI.run(["meta", Self.bcg, "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try #require(try CLI.json(r.stdout) as? [String: Any])
    for key in [
      "method", "test", "k", "estimate", "std_error", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "h2", "q",
      "q_df", "q_p", "statistic", "p_value",
    ] {
      #expect(object[key] != nil, "missing key \(key)")
    }
    try Self.check(object, group: "all", method: "REML", test: "z")
    // metafor prints tau^2 = 0.3132 and estimate -0.7145 for dat.bcg.
    let tau2 = try #require(object["tau2"] as? Double)
    let estimate = try #require(object["estimate"] as? Double)
    #expect((tau2 * 1e4).rounded() / 1e4 == 0.3132)
    #expect((estimate * 1e4).rounded() / 1e4 == -0.7145)
    #expect(object["q_df"] as? Int == 12)
  }

  @Test func knappHartungWithDL() throws {
    let r = try CLI.run(["meta", Self.bcg, "--method", "DL", "--test", "knha", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try #require(try CLI.json(r.stdout) as? [String: Any])
    try Self.check(object, group: "all", method: "DL", test: "knha")
    #expect(object["df"] as? Int == 12)
  }

  @Test func byGivesAnArrayInOrderOfFirstAppearance() throws {
    let r = try CLI.run(["meta", Self.bcg, "--by", "alloc", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let array = try #require(try CLI.json(r.stdout) as? [[String: Any]])
    #expect(array.map { $0["group"] as? String } == ["random", "alternate", "systematic"])
    for object in array {
      try Self.check(object, group: object["group"] as? String ?? "", method: "REML", test: "z")
    }
  }

  @Test func seColumnsAndCSVOutput() throws {
    // The same trials as estimate/se: variances are se², equal to vi up to rounding.
    let text = try String(contentsOf: CLI.root.appendingPathComponent(Self.bcg), encoding: .utf8)
    var csv = "Estimate,SE,alloc\n"
    for line in text.split(separator: "\n").dropFirst() {
      let c = line.split(separator: ",")
      guard c.count == 4, let vi = Double(c[3]) else { continue }
      csv += "\(c[2]),\(vi.squareRoot()),\(c[1])\n"
    }
    let dir = try CLI.tempDir()
    let path = dir.appendingPathComponent("se.csv").path
    try csv.write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CLI.run(["meta", path, "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try #require(try CLI.json(r.stdout) as? [String: Any])
    try Self.check(object, group: "all", method: "REML", test: "z", tolerance: 1e-8)
    let c = try CLI.run(["meta", path, "--by", "alloc", "--format", "csv"])
    #expect(c.status == 0, "\(c.stderr)")
    let lines = c.stdout.split(separator: "\n")
    #expect(lines.count == 4)
    #expect(lines.first?.hasPrefix("group,method,test,k,estimate,") == true)
    let t = try CLI.run(["meta", path])
    #expect(t.status == 0 && t.stdout.contains("REML") && t.stdout.contains("I²"))
  }

  @Test func badInputIsReportedWithItsLocation() throws {
    let dir = try CLI.tempDir()
    let path = dir.appendingPathComponent("bad.csv").path
    try "estimate,se\n0.1,0.2\n0.3,-0.1\n".write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CLI.run(["meta", path, "--format", "json"])
    #expect(r.status == 65)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.hasPrefix("\(path):3:5: error: "), "\(r.stderr)")
    let missing = dir.appendingPathComponent("nocol.csv").path
    try "estimate,weight\n0.1,0.2\n".write(toFile: missing, atomically: true, encoding: .utf8)
    let m = try CLI.run(["meta", missing])
    #expect(m.status == 65)
    #expect(m.stderr.contains("se or variance"))
    let u = try CLI.run(["meta", Self.bcg, "--method", "XX"])
    #expect(u.status == 64)
  }

  @Test func nonConvergenceIsAWarningNotACrash() throws {
    // A data set on which metafor's EB Fisher scoring fails (Tests/Fixtures/meta/cases.csv, noconv_EB1).
    var csv = "yi,vi\n"
    for r in try Fixtures.csv("meta/cases.csv") where r["case"] == "noconv_EB1" {
      csv += "\(r["yi"] ?? ""),\(r["vi"] ?? "")\n"
    }
    let dir = try CLI.tempDir()
    let path = dir.appendingPathComponent("noconv.csv").path
    try csv.write(toFile: path, atomically: true, encoding: .utf8)
    let r = try CLI.run(["meta", path, "--method", "EB", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try #require(try CLI.json(r.stdout) as? [String: Any])
    #expect(object["converged"] as? Bool == false)
    #expect(r.stderr.contains("warning: meta: Fisher scoring algorithm did not converge"))
  }

  static let figures = "Tests/Fixtures/meta/figures.csv"

  /// metafor's values for a figures-file scenario (scripts/peers/meta/make-meta-figures-reference.R):
  /// "method|test|key" → value.
  static func figuresReference(_ scenario: String) throws -> [String: Double] {
    var out: [String: Double] = [:]
    for r in try Fixtures.csv("meta/figures-reference.csv") where r["scenario"] == scenario {
      guard let m = r["method"], let t = r["test"], let k = r["key"], let v = Double(r["value"] ?? "") else { continue }
      out["\(m)|\(t)|\(k)"] = v
    }
    return out
  }

  @Test(arguments: [
    ("excess_deaths", ["--method", "REML"], "REML|z"),
    ("excess_deaths", ["--method", "PM", "--test", "knha"], "PM|knha"),
    ("excess_deaths-coverage-0.5", ["--method", "DL", "--test", "knha", "--coverage", "0.5"], "DL|knha"),
  ])
  func figuresFileJSONAgreesWithMetafor(_ scenario: String, _ options: [String], _ fit: String) throws {
    let r = try CLI.run(["meta", Self.figures, "--quantity", "excess_deaths", "--format", "json"] + options)
    #expect(r.status == 0, "\(r.stderr)")
    let object = try #require(try CLI.json(r.stdout) as? [String: Any])
    let ref = try Self.figuresReference(scenario)
    func agree(_ got: Any?, _ key: String) throws {
      let expected = try #require(ref["\(fit)|\(key)"], "\(key) missing from the reference")
      let value = try #require(got as? Double, "\(key) is not a number")
      #expect(
        isClose(value, expected, relative: 1e-7, absolute: 1e-10), "\(fit) \(key): \(value) vs metafor \(expected)")
    }
    for key in ["estimate", "std_error", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "h2", "q", "p_value"] {
      try agree(object[key], key)
    }
    #expect(object["quantity"] as? String == "excess_deaths" && object["scale"] as? String == "log")
    let natural = try #require(object["natural"] as? [String: Any])
    for key in ["estimate", "ci_low", "ci_high", "pi_low", "pi_high"] { try agree(natural[key], "natural_\(key)") }
    let figures = try #require(object["figures"] as? [[String: Any]])
    #expect(figures.count == 6)
    for f in figures {
      let id = try #require(f["id"] as? String)
      try agree(f["yi"], "yi:\(id)")
      try agree(f["sei"], "sei:\(id)")
      try agree(f["weight"], "weight:\(id)")
    }
    #expect(figures.map { $0["center"] as? String }.filter { $0 == "geometric_midpoint" }.count == 2)
    let leftOut = try #require(object["left_out"] as? [[String: Any]])
    #expect(leftOut.map { $0["id"] as? String } == ["count-g", "bound-h", "words-i", "summary-j"])
  }

  @Test func figuresFileTableAndCSV() throws {
    let t = try CLI.run(["meta", Self.figures, "--quantity", "excess_deaths"])
    #expect(t.status == 0, "\(t.stderr)")
    #expect(t.stdout.hasPrefix("excess_deaths (persons): 6 of 10 figures pooled on the log scale\n"))
    #expect(t.stdout.contains("316,228 *"))
    #expect(t.stdout.contains("* no value stated: the geometric midpoint √(low·high)"))
    #expect(t.stdout.contains("Random-effects model (τ² by REML), k = 6, test z"))
    // metafor: exp(12.76917150161043) = 351,221; CI exp(12.0273…) = 167,274, exp(13.5110…) = 737,449.
    #expect(t.stdout.contains("natural scale (exp): estimate 351,221; 95% CI 167,274–737,449"))
    #expect(t.stdout.contains("count-g (line 8): a point: no interval"))
    #expect(t.stdout.contains("summary-j (line 11): restates survey-a, survey-b"))
    let c = try CLI.run(["meta", Self.figures, "--quantity", "excess_deaths", "--format", "csv"])
    #expect(c.status == 0, "\(c.stderr)")
    let rows = c.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    #expect(
      rows.first?.joined(separator: ",")
        == "quantity,row,id,line,center,yi,sei,weight,natural,natural_low,natural_high,coverage,reason")
    #expect(
      rows.dropFirst().map { String($0[1]) } == Array(repeating: "figure", count: 6) + ["pooled", "prediction"]
        + Array(repeating: "left_out", count: 4))
    let ref = try Self.figuresReference("excess_deaths")
    let pooled = try #require(rows.first { $0[1] == "pooled" })
    for (column, key) in [(8, "natural_estimate"), (9, "natural_ci_low"), (10, "natural_ci_high")] {
      let value = try #require(Double(pooled[column]))
      let expected = try #require(ref["REML|z|\(key)"])
      // CSV cells carry 15 significant digits.
      #expect(isClose(value, expected, relative: 1e-13), "\(key): \(value) vs \(expected)")
    }
    let rangeE = try #require(rows.first { $0[2] == "range-e" })
    #expect(rangeE[4] == "geometric_midpoint" && rangeE[11] == "0.9")
  }

  @Test func figuresFileErrors() throws {
    let several = try CLI.run(["meta", Self.figures])
    #expect(several.status == 64)
    #expect(several.stderr.contains("choose one with --quantity (excess_deaths, displaced)"), "\(several.stderr)")
    #expect(several.stdout.isEmpty)
    let unknown = try CLI.run(["meta", Self.figures, "--quantity", "nope"])
    #expect(unknown.status == 65 && unknown.stderr.contains("unknown quantity 'nope'"))
    let studies = try CLI.run(["meta", Self.bcg, "--quantity", "x"])
    #expect(studies.status == 64 && studies.stderr.contains("apply to figures files"))
    let by = try CLI.run(["meta", Self.figures, "--quantity", "displaced", "--by", "source"])
    #expect(by.status == 64 && by.stderr.contains("--by"))
    let coverage = try CLI.run(["meta", Self.figures, "--quantity", "displaced", "--coverage", "1.5"])
    #expect(coverage.status == 64 && coverage.stderr.contains("--coverage must be between"))
    let dir = try CLI.tempDir()
    let points = dir.appendingPathComponent("points.csv").path
    try "quantity,value\nq,5\nq,7\n".write(toFile: points, atomically: true, encoding: .utf8)
    let none = try CLI.run(["meta", points])
    #expect(none.status == 65)
    #expect(none.stderr.hasPrefix("\(points): error: meta: no figure of 'q' states an interval"), "\(none.stderr)")
  }
}
