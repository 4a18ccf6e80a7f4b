import Foundation
import TestSupport
import Testing

@testable import Numerics
@testable import Statistics

/// The predictive distribution of a new count (issue #29) against R: nested adaptive quadrature
/// (`integrate`) of `pnbinom`/`ppois` over the estimates' normal laws
/// (scripts/peers/trend/make-prediction-reference.R), and a small calibration on 200 series
/// that R drew.
@Suite("Count prediction intervals")
struct CountPredictionTests {
  static func spread(_ row: [String: String]) throws -> CountPrediction.Spread {
    let a = try #require(row["spread"].flatMap(Double.init))
    let b = try #require(row["spread_b"].flatMap(Double.init))
    switch row["family"] {
    case "negbin": return .negativeBinomial(theta: a, logThetaSE: b)
    case "quasipoisson": return .quasiPoisson(dispersion: a, df: Int(b))
    default: return .poisson
    }
  }

  /// F(y) within 1e-7 of R's quadrature, and the 2.5% and 97.5% quantiles equal to R's (the
  /// smallest whole y with F(y) ≥ p), for the negative binomial with and without parameter
  /// uncertainty, the quasi-Poisson (φ above and below 1) and the Poisson.
  @Test func againstR() throws {
    let rows = try Fixtures.csv("trend/prediction-reference.csv")
    #expect(rows.count == 8)
    for row in rows {
      let eta = try #require(row["eta"].flatMap(Double.init))
      let se = try #require(row["se"].flatMap(Double.init))
      let prediction = CountPrediction(eta: eta, standardError: se, spread: try Self.spread(row))
      let y = try #require(row["y"].flatMap(Double.init))
      let cdf = try #require(row["cdf"].flatMap(Double.init))
      // A quasi-Poisson φ̂ below 1 puts a kink in the integrand at φ = 1 (Poisson below, the
      // negative binomial above), where the trapezoid rule in log φ is only second order.
      let tolerance = row["family"] == "quasipoisson" && row["spread"] == "0.8" ? 2e-5 : 1e-7
      #expect(abs(prediction.cdf(y) - cdf) < tolerance, "\(row): F(\(y)) = \(prediction.cdf(y))")
      let interval = try #require(prediction.interval(level: 0.95))
      #expect(interval.low == (try #require(row["low"].flatMap(Double.init))), "\(row): low \(interval.low)")
      #expect(interval.high == (try #require(row["high"].flatMap(Double.init))), "\(row): high \(interval.high)")
    }
  }

  /// Without parameter uncertainty the interval is the count distribution's own quantiles:
  /// R's qnbinom(c(0.025, 0.975), size = 9.5, mu = 804) = 374, 1394 and
  /// qpois(c(0.025, 0.975), 804) = 749, 860.
  @Test func knownParameters() throws {
    let nb = CountPrediction(eta: log(804), standardError: 0, spread: .negativeBinomial(theta: 9.5, logThetaSE: 0))
    let i = try #require(nb.interval(level: 0.95))
    #expect(i.low == 374 && i.high == 1394, "\(i)")
    let p = CountPrediction(eta: log(804), standardError: 0, spread: .poisson)
    let j = try #require(p.interval(level: 0.95))
    #expect(j.low == 749 && j.high == 860, "\(j)")
  }

  /// The integer search finds the smallest y with F(y) ≥ p from any starting guess.
  @Test(arguments: [0.0, 3, 50, 373, 374, 375, 5_000, 1e6])
  func integerQuantileFromAnyGuess(guess: Double) {
    let nb = CountPrediction(eta: log(804), standardError: 0, spread: .negativeBinomial(theta: 9.5, logThetaSE: 0))
    let q = CountPrediction.integerQuantile(0.025, guess: guess, cdf: nb.cdf)
    #expect(q == 374)
    #expect(nb.cdf(q) >= 0.025 && nb.cdf(q - 1) < 0.025)
  }

  /// 200 series of 20 negative binomial counts drawn by R, each fitted by reconcile's negative
  /// binomial and its 95% prediction interval for the next year's count: the next count R drew
  /// lies inside for 92–98.5% of them and below (above) for at most 5% each. (The full check,
  /// 2,000 series through the command line, is scripts/trend-calibration: 94–96%, tails 1.5–3.5%.)
  /// The log-scale normal band the tool used before fails it: more than 5% of the counts fall
  /// below that band.
  @Test func smallCalibration() throws {
    let rows = try Fixtures.csv("trend/prediction-series.csv")
    #expect(rows.count == 200)
    let years = (0..<20).map(Double.init)
    let design = try Matrix(columns: [Array(repeating: 1, count: 20), years])
    var below = 0
    var above = 0
    var lognormalBelow = 0
    var fitted = 0
    for row in rows {
      let counts = try (0..<20).map { try #require(row["y\($0)"].flatMap(Double.init)) }
      let next = try #require(row["next"].flatMap(Double.init))
      guard let fit = try? NegativeBinomial.fit(design: design, counts: counts, names: ["(Intercept)", "year"]),
        fit.intervalsUsable, let theta = fit.theta
      else { continue }
      fitted += 1
      let lp = try fit.linearPredictor([1, 20])
      let prediction = CountPrediction(
        eta: lp.estimate, standardError: lp.standardError,
        spread: .negativeBinomial(theta: theta, logThetaSE: (fit.thetaStandardError ?? 0) / theta))
      let i = try #require(prediction.interval(level: 0.95))
      if next < i.low { below += 1 }
      if next > i.high { above += 1 }
      let s = (lp.standardError * lp.standardError + 1 / exp(lp.estimate) + 1 / theta).squareRoot()
      if next < exp(lp.estimate - 1.959963984540054 * s) { lognormalBelow += 1 }
    }
    #expect(fitted >= 195)
    let n = Double(fitted)
    let cover = Double(fitted - below - above) / n
    #expect(cover >= 0.92 && cover <= 0.985, "coverage \(cover), below \(below), above \(above) of \(fitted)")
    #expect(Double(below) / n <= 0.05 && Double(above) / n <= 0.05, "below \(below), above \(above)")
    #expect(Double(lognormalBelow) / n > 0.05, "the old band: \(lognormalBelow) below")
  }

  /// The fixed-θ negative binomial fit against R's glm(y ~ t, family = negative.binomial(θ)),
  /// including a two-count series (an exact fit: the span fallback's case).
  @Test func fixedTheta() throws {
    for row in try Fixtures.csv("trend/nb-fixed-theta-reference.csv") {
      let counts = try #require(row["counts"]).split(separator: " ").compactMap { Double($0) }
      let theta = try #require(row["theta"].flatMap(Double.init))
      let t = (0..<counts.count).map(Double.init)
      let design = try Matrix(columns: [Array(repeating: 1, count: counts.count), t])
      let fit = try NegativeBinomial.fit(
        design: design, counts: counts, names: ["(Intercept)", "t"], theta: theta, tolerance: 1e-12)
      #expect(fit.converged)
      for (k, name) in [(0, "intercept"), (1, "slope")] {
        let want = try #require(row[name].flatMap(Double.init))
        #expect(abs(fit.parameters[k].estimate - want) < 1e-8 * max(1, abs(want)), "\(name)")
        let wantSE = try #require(row["se_\(name)"].flatMap(Double.init))
        #expect(abs(fit.parameters[k].standardError - wantSE) < 1e-7 * wantSE, "se \(name)")
      }
    }
  }

  /// The widened Garwood interval, φ/2 · χ² quantiles at 2y/φ and 2y/φ + 2, against R; the
  /// plain interval for φ ≤ 1, none for a φ not finite.
  @Test func garwoodWithDispersion() throws {
    let plain = try #require(Garwood.interval(count: 629, level: 0.95))
    let same = try #require(Garwood.interval(count: 629, level: 0.95, dispersion: 0.7))
    #expect(plain.low == same.low && plain.high == same.high)
    let wide = try #require(Garwood.interval(count: 629, level: 0.95, dispersion: 17.3))
    // R: 17.3 * qchisq(0.025, 2 * 629 / 17.3) / 2; 17.3 * qchisq(0.975, 2 * 629 / 17.3 + 2) / 2
    #expect(abs(wide.low - 441.389243832483) < 1e-9 * wide.low, "\(wide.low)")
    #expect(abs(wide.high - 869.416805595105) < 1e-9 * wide.high, "\(wide.high)")
    #expect(Garwood.interval(count: 629, level: 0.95, dispersion: .nan) == nil)
  }
}
