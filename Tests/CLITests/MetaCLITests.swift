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
}
