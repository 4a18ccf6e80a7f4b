import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// Poisson against negative binomial: Pearson dispersion and the boundary likelihood-ratio test,
/// against R (glm, MASS::glm.nb; scripts/peers/make-glm-reference.R) and closed forms.
@Suite("Overdispersion test")
struct OverdispersionTests {
  /// ½ P(χ²₁ > x) = ½ erfc(√(x/2)), independent of the χ² code.
  static func halfChiSquare1Tail(_ x: Double) -> Double { 0.5 * erfc((x / 2).squareRoot()) }

  @Test(arguments: [0.5, 2.705543454095414, 3.841458820694124, 10, 79.6167603])
  func boundaryPValue(lr: Double) {
    let want = Self.halfChiSquare1Tail(lr)
    #expect(abs(Overdispersion.boundaryPValue(lr) - want) <= 1e-10 * want, "LR = \(lr)")
  }

  @Test func boundaryPValueKnownPoints() {
    #expect(Overdispersion.boundaryPValue(0) == 1)
    // χ²₁'s 0.90 and 0.95 quantiles: half their tails are 0.05 and 0.025.
    #expect(abs(Overdispersion.boundaryPValue(2.705543454095414) - 0.05) < 1e-12)
    #expect(abs(Overdispersion.boundaryPValue(3.841458820694124) - 0.025) < 1e-12)
  }

  /// X² / df by hand: (1²/3 + 0 + 2²/7) / 1.
  @Test func pearsonByHand() {
    let phi = Overdispersion.pearsonDispersion(counts: [2, 4, 9], fitted: [3, 4, 7], dfResidual: 1)
    #expect(abs(phi - (1.0 / 3 + 4.0 / 7)) < 1e-15)
  }

  static let cases: [(name: String, columns: [[Double]])] =
    (try? Fixture.series("glm-cases.csv", columns: ["year", "y", "exposure"])) ?? []
  static let reference: [String: Double] =
    (try? Fixture.values("glm-reference.csv", keyedBy: ["case", "model", "term", "what"])) ?? [:]

  /// Against R on every reference series where glm.nb's θ converged: Pearson dispersion is R's
  /// quasi-Poisson dispersion (tightly converged), LR = 2 (ℓ_NB − ℓ_P) from R's log-likelihoods, p = ½ P(χ²₁ > LR).
  @Test func againstR() throws {
    #expect(Self.cases.count >= 15)
    var checked = 0
    for c in Self.cases {
      guard Self.reference["\(c.name)|negbin||theta_limit"] == 0,
        let llP = Self.reference["\(c.name)|poisson||log_likelihood"],
        let llNB = Self.reference["\(c.name)|negbin||log_likelihood"],
        let phiR = Self.reference["\(c.name)|quasipoisson_tight||dispersion"],
        let thetaR = Self.reference["\(c.name)|negbin||theta"]
      else { continue }
      let t = try #require(
        Overdispersion.test(years: c.columns[0], counts: c.columns[1], exposures: c.columns[2], level: 0.95),
        "\(c.name)")
      let d = t.diagnostics
      // R's quasi-Poisson dispersion at a tightly converged fit (its own, at glm's default
      // tolerance, is X² at the previous iteration's weights); ours stops at glm's tolerance.
      #expect(
        relativeDifference(d.pearsonDispersion, phiR) < 1e-5, "\(c.name) Pearson \(d.pearsonDispersion) vs \(phiR)")
      let lrR = max(0, 2 * (llNB - llP))
      let lr = try #require(d.lrStatistic, "\(c.name)")
      #expect(abs(lr - lrR) < 1e-6 * max(1, lrR), "\(c.name) LR \(lr) vs \(lrR)")
      let p = try #require(d.lrPValue)
      if lrR > 1e-6 {
        #expect(relativeDifference(p, Self.halfChiSquare1Tail(lrR)) < 1e-4, "\(c.name) p")
      }
      #expect(relativeDifference(try #require(d.theta), thetaR) < 1e-5, "\(c.name) θ")
      // The fits returned are the fits the diagnostics came from.
      #expect(t.poisson.logLikelihood.map { relativeDifference($0, llP) < 1e-8 } == true)
      checked += 1
    }
    #expect(checked >= 5)
  }

  /// MoU arrivals 1993–2002 (2002: 211 of 365 days): LR = 79.62, p ≈ 2.3e-19 (R: ℓ_P =
  /// −90.9763, ℓ_NB = −51.1679), Pearson dispersion 17.25.
  @Test func mouArrivals() throws {
    let years = (1993...2002).map(Double.init)
    let counts: [Double] = [8, 51, 41, 56, 86, 71, 148, 312, 583, 629]
    let exposures = [Double](repeating: 1, count: 9) + [211.0 / 365.0]
    let d = try #require(Overdispersion.test(years: years, counts: counts, exposures: exposures, level: 0.95))
      .diagnostics
    #expect(abs((d.lrStatistic ?? 0) - 79.6167603) < 1e-4)
    #expect(relativeDifference(d.lrPValue ?? 0, 2.2727658579894176e-19) < 1e-4)
    #expect(abs(d.pearsonDispersion - 17.2535) < 1e-3)
  }

  /// Fewer than 3 periods, or mismatched arrays: no test.
  @Test func tooShort() {
    #expect(Overdispersion.test(years: [1, 2], counts: [3, 4], exposures: [1, 1], level: 0.95) == nil)
    #expect(Overdispersion.test(years: [1, 2, 3], counts: [3, 4], exposures: [1, 1, 1], level: 0.95) == nil)
  }
}
