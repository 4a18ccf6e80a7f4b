import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// Bounds pooled as censored observations, stated centres, hard bounds, evidence groups, and
/// one or two figures: `RangePooling` against SciPy and against what each reading promises.
@Suite("Range pooling: readings of published statements")
struct CensoredPoolingTests {
  /// The figures of `censored-pooling-cases.csv`, by case.
  static func cases() throws -> [(name: String, inputs: [RangeInput])] {
    try Fixture.cases("censored-pooling-cases.csv").map { name, rows in
      let inputs = rows.map { r in
        RangeInput(
          id: r["id"] ?? "", low: Double(r["low"] ?? ""), high: Double(r["high"] ?? ""),
          value: Double(r["value"] ?? ""), coverage: Double(r["coverage"] ?? "") ?? .nan,
          kind: SourceKind(rawValue: r["kind"] ?? ""))
      }
      return (name, inputs)
    }
  }

  /// SciPy (`scripts/reference/censored_pooling.py`) maximises the same censored likelihood
  /// by another route (Brent root finding on the profile scores, checked by Nelder–Mead), with
  /// the observed information from finite differences: μ̂, τ̂² and the interval ends agree to
  /// 1e-6 relative (τ̂² = 0 exactly where the maximum is on the boundary).
  @Test("Censored maximum likelihood agrees with SciPy to 1e-6")
  func againstScipy() throws {
    let reference = try Fixture.values("censored-pooling-reference.csv", keyedBy: ["case", "what"])
    let cases = try Self.cases()
    #expect(cases.count == 6)
    for (name, inputs) in cases {
      let r = try RangePooling.reconcile(inputs, level: 0.9)
      let re = try #require(r.randomEffects, "\(name)")
      #expect(re.censored == inputs.filter { $0.kind == .atLeast || $0.kind == .atMost }.count, "\(name)")
      #expect(re.method.contains("maximum likelihood"), "\(name)")
      let got: [String: Double] = [
        "estimate": re.estimate, "tau2": re.tau2, "ci_low": re.ciLow, "ci_high": re.ciHigh, "pi_low": re.piLow,
        "pi_high": re.piHigh,
      ]
      for (what, value) in got {
        let expected = try #require(reference["\(name)|\(what)"], "\(name) \(what)")
        if expected == 0 {
          #expect(value == 0, "\(name) \(what): \(value)")
        } else {
          #expect(relativeDifference(value, expected) < 1e-6, "\(name) \(what): \(value) vs \(expected)")
        }
      }
    }
  }

  @Test("A bound is not pooled as a point: 'at least 300,000' pulls the centre up, not to 300,000 ± a factor")
  func boundIsNotAPoint() throws {
    let base = [
      RangeInput(id: "a", low: 10_000, high: 40_000, value: nil, coverage: 0.9),
      RangeInput(id: "b", low: nil, high: nil, value: 20_000, coverage: 0.9),
    ]
    let asBound = try RangePooling.reconcile(
      base + [RangeInput(id: "c", low: nil, high: nil, value: 300_000, coverage: 0.9, kind: .atLeast)])
    let asPoint = try RangePooling.reconcile(
      base + [RangeInput(id: "c", low: nil, high: nil, value: 300_000, coverage: 0.9)])
    let c = try #require(asBound.distributions.last)
    #expect(c.reading == "at_least" && c.shape == .atLeast)
    #expect(try #require(asBound.randomEffects).censored == 1)
    #expect(try #require(asPoint.randomEffects).censored == 0)
    #expect(asBound.randomEffects?.estimate != asPoint.randomEffects?.estimate)
    // The bound's number stays in the envelope, which it leaves open above; it is out of the
    // opinion pools.
    #expect(asBound.envelope.low == 10_000 && asBound.envelope.high == 300_000)
    #expect(asBound.envelopeOpen == (false, true))
    #expect(asBound.notes.contains { $0.contains("c is a bound, which gives no distribution") })
    let pooledWithoutBound = try RangePooling.reconcile(base)
    #expect(asBound.linearPool == pooledWithoutBound.linearPool)
    #expect(asBound.logarithmicPool == pooledWithoutBound.logarithmicPool)
  }

  @Test("An upper bound alone ('as many as 300,000') in a value cell leaves the envelope open below")
  func upperBoundEnvelope() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "a", low: 10_000, high: 40_000, value: nil, coverage: 0.9),
      RangeInput(id: "b", low: nil, high: nil, value: 20_000, coverage: 0.9),
      RangeInput(id: "c", low: nil, high: nil, value: 30_000, coverage: 0.9),
      RangeInput(id: "up", low: nil, high: nil, value: 300_000, coverage: 0.9, kind: .atMost),
    ])
    #expect(r.envelope.low == 10_000 && r.envelope.high == 300_000 && r.envelopeOpen == (true, false))
    #expect(r.distributions.map(\.reading) == ["range", "point", "point", "at_most"])
    // Three distributions: the opinion pools leave the bound out.
    let threeOnly = try RangePooling.reconcile(
      Array(r.distributions.prefix(3)).map {
        RangeInput(
          id: $0.id, low: $0.reading == "range" ? 10_000 : nil, high: $0.reading == "range" ? 40_000 : nil,
          value: $0.reading == "point" ? $0.mid : nil, coverage: 0.9)
      })
    #expect(r.linearPool == threeOnly.linearPool)
    #expect(r.logarithmicPool == threeOnly.logarithmicPool)
  }

  @Test("A stated centre is kept: 98,000 (95% CI 8,000–194,000) is centred on 98,000 with the range at 95%")
  func statedCentre() throws {
    let r = try RangePooling.reconcile(
      [RangeInput(id: "lancet", low: 8_000, high: 194_000, value: 98_000, coverage: 0.95)], level: 0.95)
    let d = try #require(r.distributions.first)
    #expect(d.mid == 98_000)
    #expect(d.mu == log(98_000.0))
    // σ_L = (ln v − ln L)/z, σ_U = (ln H − ln v)/z with z = qnorm(0.975) = 1.959963984540054.
    let z = 1.959963984540054
    guard case .twoPiece(let sl, let sh) = d.shape else {
      Issue.record("not a two-piece: \(d.shape)")
      return
    }
    #expect(relativeDifference(sl, (log(98_000.0) - log(8_000.0)) / z) < 1e-14)
    #expect(relativeDifference(sh, (log(194_000.0) - log(98_000.0)) / z) < 1e-14)
    #expect(relativeDifference(d.sigma, (sl + sh) / 2) < 1e-15)
    // One figure: reported as read, its own 95% interval is the stated one.
    let one = try #require(r.reported)
    #expect(one.estimate == 98_000)
    #expect(relativeDifference(one.low, 8_000) < 1e-12 && relativeDifference(one.high, 194_000) < 1e-12)
    #expect(r.randomEffects == nil && r.linearPool == nil && r.logarithmicPool == nil)
  }

  @Test("The linear pool uses the two-piece CDF exactly: the pool of two equal copies gives back the stated ends")
  func twoPieceLinearPool() throws {
    let copy = RangeInput(id: "a", low: 8_000, high: 194_000, value: 98_000, coverage: 0.9)
    var other = copy
    other.id = "b"
    let r = try RangePooling.reconcile([copy, other], level: 0.9)
    let lp = try #require(r.linearPool)
    #expect(relativeDifference(lp.estimate, 98_000) < 1e-12)
    #expect(relativeDifference(lp.low, 8_000) < 1e-12)
    #expect(relativeDifference(lp.high, 194_000) < 1e-12)
  }

  @Test("A value outside its own range is pooled as the range without centre, with the reason")
  func centreOutside() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "odd", low: 10, high: 20, value: 50, coverage: 0.9),
      RangeInput(id: "b", low: 12, high: 30, value: nil, coverage: 0.9),
    ])
    let d = try #require(r.distributions.first)
    #expect(d.shape == .normal && d.mid == (10.0 * 20).squareRoot())
    #expect(d.note?.contains("not inside its own range") == true)
  }

  @Test("Coverage 1 is hard bounds: a uniform on the log scale, σ = (ln H − ln L)/√12")
  func hardBounds() throws {
    let r = try RangePooling.reconcile([RangeInput(id: "count", low: 1_000, high: 4_000, value: nil, coverage: 1)])
    let d = try #require(r.distributions.first)
    #expect(d.shape == .uniform(low: log(1_000.0), high: log(4_000.0)))
    #expect(relativeDifference(d.mu, (log(1_000.0) + log(4_000.0)) / 2) < 1e-15)
    #expect(relativeDifference(d.sigma, (log(4_000.0) - log(1_000.0)) / 12.0.squareRoot()) < 1e-15)
    #expect(d.note?.contains("hard bounds") == true)
    // Its own 90% interval: the central 90% of the uniform on [ln 1000, ln 4000].
    let one = try #require(r.reported)
    #expect(relativeDifference(one.low, exp(log(1_000.0) + 0.05 * log(4.0))) < 1e-12)
    #expect(relativeDifference(one.high, exp(log(4_000.0) - 0.05 * log(4.0))) < 1e-12)
  }

  @Test("Three copies in one evidence group give exactly the result of pooling one")
  func evidenceGroupOnce() throws {
    let others = [
      RangeInput(id: "a", low: 10_000, high: 40_000, value: nil, coverage: 0.9),
      RangeInput(id: "b", low: nil, high: nil, value: 15_000, coverage: 0.9),
      RangeInput(id: "c", low: 5_000, high: 60_000, value: 20_000, coverage: 0.9),
    ]
    let ngo = RangeInput(id: "ngo-1", low: nil, high: nil, value: 300_000, coverage: 0.9, evidence: "ngo-300k")
    var copies = [ngo]
    for k in 2...3 {
      var c = ngo
      c.id = "ngo-\(k)"
      copies.append(c)
    }
    let once = try RangePooling.reconcile(others + [ngo])
    let thrice = try RangePooling.reconcile(others + copies)
    #expect(thrice.distributions == once.distributions)
    #expect(thrice.randomEffects == once.randomEffects)
    #expect(thrice.linearPool == once.linearPool)
    #expect(thrice.logarithmicPool == once.logarithmicPool)
    #expect(thrice.leaveOneOut == once.leaveOneOut)
    #expect(thrice.envelope.low == once.envelope.low && thrice.envelope.high == once.envelope.high)
    #expect(thrice.excluded.map(\.id) == ["ngo-2", "ngo-3"])
    #expect(thrice.excluded.allSatisfy { $0.reason == "shares evidence ngo-300k with ngo-1: pooled once" })
  }

  @Test("One figure is reported, not reconciled: no random effects, no pools, its own interval")
  func oneFigure() throws {
    let r = try RangePooling.reconcile([RangeInput(id: "rate", low: nil, high: nil, value: 8.3, coverage: 0.9)])
    #expect(r.randomEffects == nil && r.linearPool == nil && r.logarithmicPool == nil && r.leaveOneOut.isEmpty)
    let one = try #require(r.reported)
    #expect(one.estimate == 8.3 && one.reading == "point")
    // Read as right within a factor of 2 at 90%: its own 90% interval is 4.15–16.6.
    #expect(relativeDifference(one.low, 4.15) < 1e-12 && relativeDifference(one.high, 16.6) < 1e-12)
  }

  @Test("Two figures: a common-effect (inverse-variance) pool, no between-source variance")
  func twoFigures() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "a", low: 100, high: 400, value: nil, coverage: 0.9),
      RangeInput(id: "b", low: nil, high: nil, value: 300, coverage: 0.9),
    ])
    let re = try #require(r.randomEffects)
    #expect(!re.betweenSources && re.tau2 == 0 && re.k == 2)
    #expect(re.method.hasPrefix("common effect (inverse-variance)"))
    // By hand: inverse-variance weights of the two log centres.
    let z = Normal.quantile(0.95)
    let y = [(log(100.0) + log(400.0)) / 2, (log(150.0) + log(600.0)) / 2]
    let v = [pow((log(400.0) - log(100.0)) / (2 * z), 2), pow(log(4.0) / (2 * z), 2)]
    let w = v.map { 1 / $0 }
    let mu = (w[0] * y[0] + w[1] * y[1]) / (w[0] + w[1])
    let se = (1 / (w[0] + w[1])).squareRoot()
    #expect(relativeDifference(re.estimate, exp(mu)) < 1e-12)
    #expect(relativeDifference(re.ciLow, exp(mu - z * se)) < 1e-12)
    #expect(re.piLow == re.ciLow && re.piHigh == re.ciHigh)
  }

  @Test("Bounds on one side only give no finite estimate, said in a note")
  func boundsOnly() throws {
    let r = try RangePooling.reconcile([
      RangeInput(id: "a", low: 100, high: nil, value: nil, coverage: 0.9),
      RangeInput(id: "b", low: 300, high: nil, value: nil, coverage: 0.9),
    ])
    #expect(r.randomEffects == nil)
    #expect(r.notes.contains { $0.contains("no finite estimate") })
    #expect(r.envelope.low == 100 && r.envelope.high == 300 && r.envelopeOpen == (false, true))
  }
}
