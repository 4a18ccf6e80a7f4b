import Foundation
import TestSupport
import Testing

@testable import Statistics

/// The fixtures of scripts/peers/meta/make-meta-reference.R: inputs and metafor's values.
enum MetaFixture {
  /// Rows of `Tests/Fixtures/meta/<name>` (none when it is missing; `fixturesArePresent` fails then).
  static func rows(_ name: String) -> [[String: String]] {
    (try? Fixtures.csv("meta/\(name)")) ?? []
  }

  /// Case name → (estimates, variances), in file order.
  static let inputs: [String: (y: [Double], v: [Double])] = {
    var out: [String: (y: [Double], v: [Double])] = [:]
    for r in rows("cases.csv") {
      guard let c = r["case"], let y = Double(r["yi"] ?? ""), let v = Double(r["vi"] ?? "") else { continue }
      out[c, default: ([], [])].y.append(y)
      out[c, default: ([], [])].v.append(v)
    }
    return out
  }()

  /// "case|method|test|key" → metafor's value (NA as nil).
  static let reference: [String: String] = {
    var out: [String: String] = [:]
    for r in rows("reference.csv") {
      guard let c = r["case"], let m = r["method"], let t = r["test"], let k = r["key"], let v = r["value"] else {
        continue
      }
      out["\(c)|\(m)|\(t)|\(k)"] = v
    }
    return out
  }()

  static var caseNames: [String] { inputs.keys.sorted() }
}

/// The JSON keys of `reconcile meta` and the result's value for each.
func metaValues(_ r: MetaResult) -> [(String, Double?)] {
  [
    ("estimate", r.estimate), ("std_error", r.standardError), ("ci_low", r.ciLow), ("ci_high", r.ciHigh),
    ("pi_low", r.piLow), ("pi_high", r.piHigh), ("tau2", r.tau2), ("tau2_se", r.tau2StandardError),
    ("i2", r.i2), ("h2", r.h2), ("q", r.q), ("q_df", Double(r.qDF)), ("q_p", r.qP),
    ("statistic", r.statistic), ("p_value", r.pValue),
  ]
}

/// The agreement rule: |got − expected| ≤ 1e-7 |expected| + 1e-10 (relative 1e-7, absolute
/// 1e-10 near zero). Returns |got − expected| / (|expected| + 1e-3), which is ≤ 1e-7 exactly
/// when the rule holds; NaN/NA and infinities must agree exactly (error 0, else ∞).
func metaError(_ got: Double?, _ expected: Double?) -> Double {
  guard let expected, !expected.isNaN else { return (got.map { $0.isNaN } ?? true) ? 0 : .infinity }
  guard let got, !got.isNaN else { return .infinity }
  if expected.isInfinite || got.isInfinite { return got == expected ? 0 : .infinity }
  return abs(got - expected) / (abs(expected) + 1e-3)
}

@Suite("Meta-analysis agrees with metafor's rma() and predict()")
struct MetaAnalysisTests {
  @Test func fixturesArePresent() {
    #expect(MetaFixture.inputs.count >= 40)
    #expect(MetaFixture.inputs.values.contains { $0.y.count == 2 })
    #expect(MetaFixture.inputs.values.contains { $0.y.count == 50 })
    #expect(MetaFixture.reference.count > 10_000)
  }

  @Test(
    "Every key of every estimator and test matches metafor to 1e-7",
    arguments: MetaFixture.caseNames, TauSquaredEstimator.allCases)
  func matchesMetafor(_ name: String, _ method: TauSquaredEstimator) throws {
    let data = try #require(MetaFixture.inputs[name])
    for test in MetaTest.allCases {
      let prefix = "\(name)|\(method.rawValue)|\(test.rawValue)"
      let r = try MetaAnalysis.fit(estimates: data.y, variances: data.v, method: method, test: test)
      let converged = try #require(MetaFixture.reference["\(prefix)|converged"])
      if converged == "0" {
        #expect(
          !r.converged, "\(prefix): metafor did not converge (\(MetaFixture.reference["\(prefix)|message"] ?? ""))")
        #expect(r.warnings.contains(TauSquared.fisherMessage))
        continue
      }
      #expect(r.converged, "\(prefix): metafor converged, we did not")
      let localMax = MetaFixture.reference["\(prefix)|local_max"] == "1"
      #expect(r.warnings.contains { $0.contains("local maximum") } == localMax, "\(prefix) local maximum warning")
      for (key, value) in metaValues(r) {
        let text = try #require(MetaFixture.reference["\(prefix)|\(key)"], "\(prefix) \(key) missing")
        let expected = text == "NA" ? nil : Double(text)
        let err = metaError(value, expected)
        #expect(err <= 1e-7, "\(prefix) \(key): \(String(describing: value)) vs metafor \(text) (error \(err))")
      }
    }
  }

  /// The largest relative error over all cases, methods, tests and keys (printed for the record).
  @Test func worstAgreement() throws {
    var worst: [String: (Double, String)] = [:]
    var worstRelative: [String: Double] = [:]
    for name in MetaFixture.caseNames {
      let data = try #require(MetaFixture.inputs[name])
      for method in TauSquaredEstimator.allCases {
        for test in MetaTest.allCases {
          let prefix = "\(name)|\(method.rawValue)|\(test.rawValue)"
          guard MetaFixture.reference["\(prefix)|converged"] == "1" else { continue }
          let r = try MetaAnalysis.fit(estimates: data.y, variances: data.v, method: method, test: test)
          for (key, value) in metaValues(r) {
            guard let text = MetaFixture.reference["\(prefix)|\(key)"] else { continue }
            let expected = text == "NA" ? nil : Double(text)
            let e = metaError(value, expected)
            if let x = value, let y = expected, abs(y) >= 1e-3, x.isFinite, y.isFinite {
              let id = "\(method.rawValue)/\(test.rawValue)"
              worstRelative[id] = max(worstRelative[id] ?? 0, abs(x - y) / abs(y))
            }
            let id = "\(method.rawValue)/\(test.rawValue)"
            if e > (worst[id]?.0 ?? -1) { worst[id] = (e, "\(name) \(key)") }
          }
        }
      }
    }
    for (id, w) in worst.sorted(by: { $0.key < $1.key }) {
      print(
        "meta worst \(id): rule \(w.0) at \(w.1); max relative error where |metafor| >= 1e-3: \(worstRelative[id] ?? 0)"
      )
      #expect(w.0 <= 1e-7)
    }
  }

  @Test("dat.bcg, REML: tau^2 = 0.3132, estimate -0.7145 (metafor's printout)")
  func bcgREML() throws {
    let data = try #require(MetaFixture.inputs["bcg"])
    let r = try MetaAnalysis.fit(estimates: data.y, variances: data.v, method: .REML)
    #expect((r.tau2 * 1e4).rounded() / 1e4 == 0.3132)
    #expect((r.estimate * 1e4).rounded() / 1e4 == -0.7145)
    #expect((r.standardError * 1e4).rounded() / 1e4 == 0.1798)
    #expect(((r.tau2StandardError ?? 0) * 1e4).rounded() / 1e4 == 0.1664)
    #expect((r.i2 * 100).rounded() / 100 == 92.22)
    #expect((r.h2 * 100).rounded() / 100 == 12.86)
    #expect((r.q * 1e4).rounded() / 1e4 == 152.2330)
    #expect((r.ciLow * 1e4).rounded() / 1e4 == -1.0669)
    #expect((r.ciHigh * 1e4).rounded() / 1e4 == -0.3622)
    #expect((r.statistic * 1e4).rounded() / 1e4 == -3.9744)
    #expect(r.converged && r.qDF == 12 && r.k == 13)
  }

  @Test func randomEffectsPoolIsTheDLFit() throws {
    let data = try #require(MetaFixture.inputs["bcg"])
    let pooled = try RandomEffects.pool(estimates: data.y, variances: data.v)
    let fit = try MetaAnalysis.fit(estimates: data.y, variances: data.v, method: .DL)
    #expect(pooled.estimate == fit.estimate && pooled.tau2 == fit.tau2 && pooled.piLow == fit.piLow)
    #expect(pooled.method == "DL")
  }

  @Test func rejectsBadInput() {
    #expect(throws: StatisticsError.self) {
      try MetaAnalysis.fit(estimates: [1, 2], variances: [0.1, 0], method: .REML)
    }
    #expect(throws: StatisticsError.self) { try MetaAnalysis.fit(estimates: [], variances: [], method: .DL) }
    #expect(throws: StatisticsError.self) {
      try MetaAnalysis.fit(estimates: [1, .nan], variances: [1, 1], method: .PM)
    }
    #expect(throws: StatisticsError.self) { try MetaAnalysis.fit(estimates: [1, 2], variances: [1], method: .FE) }
    #expect(throws: StatisticsError.self) {
      try MetaAnalysis.fit(estimates: [1, 2], variances: [1, .infinity], method: .HE)
    }
    #expect(throws: StatisticsError.self) {
      try MetaAnalysis.fit(estimates: [1, 2], variances: [1, 1], method: .HE, level: 1)
    }
    #expect(throws: StatisticsError.self) { try RandomEffects.pool(estimates: [1, 2], variances: [0.1, -1]) }
  }

  @Test("One study: tau^2 = 0, Q = 0, I^2 = 0, H^2 = 1; no t interval", arguments: TauSquaredEstimator.allCases)
  func singleStudy(_ method: TauSquaredEstimator) throws {
    let z = try MetaAnalysis.fit(estimates: [0.4], variances: [0.04], method: method)
    #expect(z.tau2 == 0 && z.q == 0 && z.qP == 1 && z.i2 == 0 && z.h2 == 1)
    #expect(abs(z.standardError - 0.2) < 1e-15 && z.converged)
    let t = try MetaAnalysis.fit(estimates: [0.4], variances: [0.04], method: method, test: .knha)
    #expect(t.ciLow.isNaN && t.pValue.isNaN)
  }
}
