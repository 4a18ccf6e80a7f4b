import Figures
import Foundation
import TestSupport
import Testing

@testable import Reports
@testable import Statistics

/// `reconcile meta` on a figures file (Tests/Fixtures/meta/figures.csv) against metafor's
/// rma(), predict() and weights() on the log estimates R computes from the same file
/// (Tests/Fixtures/meta/figures-reference.csv, scripts/peers/meta/make-meta-figures-reference.R).
@Suite("meta on a figures file agrees with metafor")
struct MetaFiguresReportTests {
  static let fixture = Fixtures.path("meta/figures.csv")

  /// "scenario|method|test|key" → metafor's value (NA rows left out).
  static let reference: [String: Double] = {
    var out: [String: Double] = [:]
    for r in (try? Fixtures.csv("meta/figures-reference.csv")) ?? [] {
      guard let s = r["scenario"], let m = r["method"], let t = r["test"], let k = r["key"],
        let v = Double(r["value"] ?? "")
      else { continue }
      out["\(s)|\(m)|\(t)|\(k)"] = v
    }
    return out
  }()

  /// Every number of the result against the reference of `scenario`, to the rule
  /// |got − metafor| ≤ 1e-7·|metafor| + 1e-10.
  static func check(_ m: MetaFiguresResult, scenario: String) throws {
    let r = m.result
    let n = m.natural
    let prefix = "\(scenario)|\(r.method.rawValue)|\(r.test.rawValue)|"
    var got: [String: Double] = [
      "k": Double(r.k), "estimate": r.estimate, "std_error": r.standardError, "ci_low": r.ciLow,
      "ci_high": r.ciHigh, "pi_low": r.piLow, "pi_high": r.piHigh, "tau2": r.tau2, "i2": r.i2, "h2": r.h2,
      "q": r.q, "q_p": r.qP, "statistic": r.statistic, "p_value": r.pValue, "natural_estimate": n.estimate,
      "natural_ci_low": n.ciLow, "natural_ci_high": n.ciHigh, "natural_pi_low": n.piLow, "natural_pi_high": n.piHigh,
    ]
    for u in m.used {
      got["yi:\(u.figure.id)"] = u.log.estimate
      got["sei:\(u.figure.id)"] = u.log.standardError
      got["weight:\(u.figure.id)"] = u.weight
    }
    let expectedKeys = reference.keys.filter { $0.hasPrefix(prefix) }
    #expect(expectedKeys.count == got.count, "\(prefix): \(expectedKeys.count) reference keys, \(got.count) computed")
    for (key, value) in got {
      let expected = try #require(reference[prefix + key], "\(prefix)\(key) missing from the reference")
      #expect(
        isClose(value, expected, relative: 1e-7, absolute: 1e-10),
        "\(prefix)\(key): \(value) vs metafor \(expected)")
    }
    #expect(r.converged)
  }

  static let cases: [(TauSquaredEstimator, MetaTest)] = TauSquaredEstimator.allCases.flatMap { m in
    [MetaTest.z, .knha].map { (m, $0) }
  }

  @Test("every estimator and test", arguments: cases)
  func everyEstimator(_ method: TauSquaredEstimator, _ test: MetaTest) throws {
    let file = try FiguresReader.read(path: Self.fixture)
    let m = try MetaFiguresReport.run(
      file, MetaRequest(method: method, test: test, quantity: "excess_deaths"))
    try Self.check(m, scenario: "excess_deaths")
    #expect(m.used.map(\.figure.id) == ["survey-a", "survey-b", "survey-c", "poll-d", "range-e", "range-f"])
    #expect(m.used.map(\.log.centreIsGeometricMidpoint) == [false, false, false, false, true, true])
    #expect(m.leftOut.map(\.figure.id) == ["count-g", "bound-h", "words-i", "summary-j"])
  }

  @Test("--coverage reads rows without a coverage at it; a row's own coverage wins")
  func coverageOption() throws {
    let file = try FiguresReader.read(path: Self.fixture)
    for (method, test) in [(TauSquaredEstimator.REML, MetaTest.z), (.DL, .knha)] {
      let m = try MetaFiguresReport.run(
        file, MetaRequest(method: method, test: test, quantity: "excess_deaths", coverage: 0.5))
      try Self.check(m, scenario: "excess_deaths-coverage-0.5")
      #expect(m.used.map(\.coverage) == [0.95, 0.95, 0.95, 0.95, 0.5, 0.5])
    }
  }

  @Test("a second quantity, and the file's only quantity needs no --quantity")
  func secondQuantity() throws {
    let file = try FiguresReader.read(path: Self.fixture)
    for test in [MetaTest.z, .knha] {
      try Self.check(
        try MetaFiguresReport.run(file, MetaRequest(test: test, quantity: "displaced")), scenario: "displaced")
    }
    let only = FiguresFile(
      path: file.path, columns: file.columns, figures: file.figures.filter { $0.quantity == "displaced" },
      warnings: [])
    try Self.check(try MetaFiguresReport.run(only, MetaRequest()), scenario: "displaced")
  }

  static func figure(
    _ id: String, value: Double? = nil, low: Double? = 100, high: Double? = 400, line: Int
  ) -> Figure {
    Figure(
      id: id, quantity: "q", value: value, low: low, high: high, source: id,
      location: SourceLocation(path: "t.csv", line: line))
  }

  static func run(_ figures: [Figure]) throws -> MetaFiguresResult {
    try MetaFiguresReport.run(
      FiguresFile(path: "t.csv", columns: [], figures: figures, warnings: []), MetaRequest(method: .DL))
  }

  @Test("superseded, scoped and restating figures are left out with the reason")
  func revisionsScopeAndDerived() throws {
    var old = Self.figure("old", low: 50, high: 800, line: 2)
    old.scope = ""
    var new = Self.figure("new", value: 150, line: 3)
    new.supersedes = ["old"]
    var scoped = Self.figure("yanbian", low: 10, high: 40, line: 4)
    scoped.scope = "Yanbian only"
    var derived = Self.figure("summary", low: 100, high: 300, line: 5)
    derived.derivedFrom = ["new"]
    let other = Self.figure("other", low: 200, high: 900, line: 6)
    let m = try Self.run([old, new, scoped, derived, other])
    #expect(m.used.map(\.figure.id) == ["new", "other"])
    let reasons = Dictionary(uniqueKeysWithValues: m.leftOut.map { ($0.figure.id, $0.reason) })
    #expect(reasons["old"] == "superseded by new")
    #expect(reasons["yanbian"]?.contains("Yanbian only") == true)
    #expect(reasons["summary"]?.hasPrefix("restates new") == true)
    // The same as pooling the two alone.
    let alone = try Self.run([new, other])
    #expect(m.result == alone.result)
  }

  @Test("a shared-evidence group enters once: three copies pool as one")
  func sharedEvidence() throws {
    var copies: [Figure] = []
    for i in 0..<3 {
      var f = Self.figure("copy-\(i)", value: 300_000, low: 100_000, high: 900_000, line: 2 + i)
      f.evidence = "ngo-survey"
      copies.append(f)
    }
    let a = Self.figure("a", low: 10_000, high: 50_000, line: 5)
    let b = Self.figure("b", value: 120_000, low: 60_000, high: 200_000, line: 6)
    let grouped = try Self.run(copies + [a, b])
    let once = try Self.run([copies[0], a, b])
    #expect(grouped.result == once.result)
    #expect(grouped.used.map(\.figure.id) == ["copy-0", "a", "b"])
    #expect(
      grouped.leftOut.map(\.reason)
        == Array(repeating: "shares the evidence 'ngo-survey' of copy-0, which enters once", count: 2))
  }

  @Test("intervals with no logarithm or no width, and stated bounds, are left out")
  func unusableIntervals() throws {
    let zeroLow = Self.figure("zero", low: 0, high: 500, line: 2)
    let flat = Self.figure("flat", low: 300, high: 300, line: 3)
    var bound = Self.figure("bound", low: 300, high: 900, line: 4)
    bound.kind = .atMost
    bound.kindStated = true
    let upTo = Self.figure("upto", low: nil, high: 900, line: 5)
    let good = Self.figure("good", low: 100, high: 900, line: 6)
    let m = try Self.run([zeroLow, flat, bound, upTo, good])
    #expect(m.used.map(\.figure.id) == ["good"])
    #expect(
      m.leftOut.map(\.reason) == [
        "a number that is not positive has no logarithm", "the interval has no width, so no standard error",
        "an upper bound: no interval, so no standard error", "an upper bound: no interval, so no standard error",
      ])
    // k = 1: the figure itself (its centre and interval-derived SE), weight 100%.
    #expect(m.result.k == 1 && m.used.first?.weight == 100)
    #expect(isClose(m.natural.estimate, 300, relative: 1e-12))
  }

  @Test("errors: several quantities, an unknown one, no interval, --by, a bad --coverage")
  func errors() throws {
    let file = try FiguresReader.read(path: Self.fixture)
    #expect {
      try MetaFiguresReport.run(file, MetaRequest())
    } throws: { error in
      guard case AnalysisError.usage(let m) = error else { return false }
      return m.contains("2 quantities") && m.contains("excess_deaths, displaced")
    }
    #expect {
      try MetaFiguresReport.run(file, MetaRequest(quantity: "excess_death"))
    } throws: { error in
      guard case AnalysisError.unknownQuantity = error else { return false }
      return CommandFailure(error).exitCode == 65 && "\(error)".contains("excess_deaths")
    }
    #expect(throws: AnalysisError.self) {
      try Self.run([Self.figure("p", value: 5, low: nil, high: nil, line: 2)])
    }
    for bad in [MetaRequest(by: "source", quantity: "displaced"), MetaRequest(quantity: "displaced", coverage: 1)] {
      #expect {
        try MetaFiguresReport.run(file, bad)
      } throws: { error in
        CommandFailure(error).exitCode == 64
      }
    }
  }
}
