import Foundation
import Numerics

/// A random-effects (or fixed-effect) meta-analysis of k estimates with known variances.
///
/// Model: yᵢ = μ + uᵢ + εᵢ, uᵢ ~ N(0, τ²), εᵢ ~ N(0, vᵢ). Weights wᵢ = 1/(vᵢ + τ²);
/// μ̂ = Σwᵢyᵢ / Σwᵢ; SE(μ̂) = (Σwᵢ)^{-1/2}; the prediction interval is
/// μ̂ ± z √(SE² + τ²), as metafor's `predict.rma` with the z test.
/// Cochran's Q = Σ (yᵢ − μ̂_FE)²/vᵢ with k − 1 degrees of freedom; I² and H² as in
/// Higgins & Thompson (2002) with the DL τ²; for FE, I² = max(0, 100 (Q − df)/Q) and H² = Q/df
/// (metafor's definitions).
public struct RandomEffectsResult: Sendable, Equatable {
  /// Estimator of τ²: "FE" or "DL".
  public var method: String
  /// Number of estimates.
  public var k: Int
  /// Pooled estimate μ̂.
  public var estimate: Double
  /// Standard error of μ̂.
  public var standardError: Double
  /// Confidence interval for μ.
  public var ciLow: Double
  /// Confidence interval for μ.
  public var ciHigh: Double
  /// Prediction interval for the effect in a new study (equals the CI for FE).
  public var piLow: Double
  /// Prediction interval for the effect in a new study.
  public var piHigh: Double
  /// Between-study variance τ².
  public var tau2: Double
  /// Cochran's Q.
  public var q: Double
  /// Q's p-value (χ², k − 1 df).
  public var qP: Double
  /// I² in percent.
  public var i2: Double
  /// H².
  public var h2: Double
}

/// Fixed-effect and DerSimonian–Laird random-effects pooling.
public enum RandomEffects {
  /// Pools estimates `y` with sampling variances `v`.
  ///
  /// τ² by DerSimonian & Laird (1986): max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)) with wᵢ = 1/vᵢ.
  /// - Throws: `StatisticsError.invalidInput` when k < 1, lengths differ, or a variance is not positive and finite.
  public static func pool(
    estimates y: [Double], variances v: [Double], randomEffects: Bool = true, level: Double = 0.95
  ) throws(StatisticsError) -> RandomEffectsResult {
    let k = y.count
    guard k >= 1 else { throw .invalidInput("no estimates to pool") }
    guard v.count == k else { throw .invalidInput("\(v.count) variances for \(k) estimates") }
    for (a, b) in zip(y, v) where !(a.isFinite && b.isFinite && b > 0) {
      throw .invalidInput("each estimate needs a finite value and a positive finite variance")
    }
    let w = v.map { 1 / $0 }
    let sw = Summation.sum(w)
    let muFE = Summation.sum(zip(w, y).map { $0 * $1 }) / sw
    let q = Summation.sum(zip(w, y).map { $0 * ($1 - muFE) * ($1 - muFE) })
    let df = Double(k - 1)
    var tau2 = 0.0
    if randomEffects && k > 1 {
      let c = sw - Summation.sum(w.map { $0 * $0 }) / sw
      tau2 = max(0, (q - df) / c)
    }
    let ws = v.map { 1 / ($0 + tau2) }
    let sws = Summation.sum(ws)
    let mu = Summation.sum(zip(ws, y).map { $0 * $1 }) / sws
    let se = (1 / sws).squareRoot()
    let z = Normal.quantile(0.5 + level / 2)
    let piSE = (se * se + tau2).squareRoot()
    // I² and H² from the typical within-study variance (Higgins & Thompson 2002).
    let typical = df * sw / (sw * sw - Summation.sum(w.map { $0 * $0 }))
    // For the fixed-effect model metafor reports I² and H² from Q directly.
    let i2: Double
    let h2: Double
    if k <= 1 {
      (i2, h2) = (0, 1)
    } else if randomEffects {
      (i2, h2) = (100 * tau2 / (tau2 + typical), (tau2 + typical) / typical)
    } else {
      (i2, h2) = (q > 0 ? max(0, 100 * (q - df) / q) : 0, q / df)
    }
    let qp = k > 1 ? ChiSquared.sf(q, df: df) : 1
    return RandomEffectsResult(
      method: randomEffects ? "DL" : "FE", k: k, estimate: mu, standardError: se,
      ciLow: mu - z * se, ciHigh: mu + z * se,
      piLow: randomEffects ? mu - z * piSE : mu - z * se,
      piHigh: randomEffects ? mu + z * piSE : mu + z * se,
      tau2: tau2, q: q, qP: qp, i2: i2, h2: h2)
  }
}
