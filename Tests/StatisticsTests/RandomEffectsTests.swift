import Foundation
import Testing

@testable import Statistics

/// DerSimonian–Laird and fixed-effect pooling against metafor (scripts/peers/make-meta-reference.R).
@Suite("Random effects agree with metafor")
struct RandomEffectsTests {
  static let inputs: [String: (y: [Double], v: [Double])] = {
    guard let rows = try? Fixture.rows("meta-cases.csv") else { return [:] }
    var out: [String: (y: [Double], v: [Double])] = [:]
    for r in rows {
      guard let c = r["case"], let y = Double(r["yi"] ?? ""), let v = Double(r["vi"] ?? "") else { continue }
      out[c, default: ([], [])].y.append(y)
      out[c, default: ([], [])].v.append(v)
    }
    return out
  }()

  static let reference: [String: Double] = {
    guard let rows = try? Fixture.rows("meta-reference.csv") else { return [:] }
    var out: [String: Double] = [:]
    for r in rows {
      guard let c = r["case"], let m = r["method"], let w = r["what"], let v = Double(r["value"] ?? "") else { continue }
      out["\(c)|\(m)|\(w)"] = v
    }
    return out
  }()

  static var caseNames: [String] { inputs.keys.sorted() }

  @Test func fixturesArePresent() {
    #expect(Self.inputs.count == 21)
  }

  @Test("Every key matches metafor's rma() and predict() to 1e-7", arguments: caseNames)
  func matchesMetafor(_ name: String) throws {
    let data = try #require(Self.inputs[name])
    for method in ["DL", "FE"] {
      let r = try RandomEffects.pool(estimates: data.y, variances: data.v, randomEffects: method == "DL")
      let values: [String: Double] = [
        "estimate": r.estimate, "std_error": r.standardError, "ci_low": r.ciLow, "ci_high": r.ciHigh,
        "pi_low": r.piLow, "pi_high": r.piHigh, "tau2": r.tau2, "q": r.q, "q_p": r.qP, "i2": r.i2, "h2": r.h2,
      ]
      for (key, value) in values {
        let expected = try #require(Self.reference["\(name)|\(method)|\(key)"], "\(name) \(method) \(key)")
        let err = abs(expected) < 1e-12 ? abs(value - expected) : relativeError(value, expected)
        #expect(err < 1e-7, "\(name) \(method) \(key): \(value) vs metafor \(expected)")
      }
    }
  }

  @Test func rejectsBadVariances() {
    #expect(throws: StatisticsError.self) { try RandomEffects.pool(estimates: [1, 2], variances: [0.1, 0]) }
    #expect(throws: StatisticsError.self) { try RandomEffects.pool(estimates: [], variances: []) }
    #expect(throws: StatisticsError.self) { try RandomEffects.pool(estimates: [1, .nan], variances: [1, 1]) }
  }
}
