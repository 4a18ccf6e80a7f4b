import Numerics

/// The random-effects summary `ranges` reports for three or more sources (issue #30): τ² by
/// DerSimonian–Laird, the Knapp–Hartung confidence interval for μ (as metafor's
/// `rma(yi, vi, method = "DL", test = "knha")`), the prediction interval of Higgins, Thompson
/// and Spiegelhalter (2009), μ̂ ± t(k−2)·√(τ̂² + SE(μ̂)²) with the ordinary (not Knapp–Hartung)
/// SE, and τ²'s Q-profile interval (Viechtbauer 2007; metafor's `confint()`).
public struct RangesRandomEffects: Sendable {
  /// The pooled estimate μ̂ and its ordinary standard error.
  public var estimate: Double
  public var standardError: Double
  /// The Knapp–Hartung confidence interval for μ (t with k−1 df, scaled SE).
  public var ciLow: Double
  public var ciHigh: Double
  /// The prediction interval (t with k−2 df).
  public var piLow: Double
  public var piHigh: Double
  /// τ̂² and its Q-profile interval (nil when not asked for).
  public var tau2: Double
  public var tau2Interval: (low: Double, high: Double)?
  /// I² in percent.
  public var i2: Double
  /// The number of estimates.
  public var k: Int

  /// Pools estimates `y` with sampling variances `v` at `level` (k ≥ 3), with τ²'s Q-profile
  /// interval when `tau2Interval`.
  /// - Throws: `StatisticsError.invalidInput` with fewer than three estimates or a variance
  ///   that is not positive and finite.
  public static func fit(estimates y: [Double], variances v: [Double], level: Double, tau2Interval: Bool = true)
    throws(StatisticsError)
    -> RangesRandomEffects
  {
    guard y.count >= 3, v.count == y.count else {
      throw .invalidInput("the Knapp–Hartung and prediction intervals need three or more estimates, got \(y.count)")
    }
    let ordinary = try MetaAnalysis.fit(estimates: y, variances: v, method: .DL, test: .z, level: level)
    let knha = try MetaAnalysis.fit(estimates: y, variances: v, method: .DL, test: .knha, level: level)
    let k = y.count
    let t = StudentT.quantile(0.5 + level / 2, df: Double(k - 2))
    let half = t * (ordinary.tau2 + ordinary.standardError * ordinary.standardError).squareRoot()
    return RangesRandomEffects(
      estimate: ordinary.estimate, standardError: ordinary.standardError, ciLow: knha.ciLow, ciHigh: knha.ciHigh,
      piLow: ordinary.estimate - half, piHigh: ordinary.estimate + half, tau2: ordinary.tau2,
      tau2Interval: tau2Interval ? qProfile(y, v, level: level) : nil, i2: ordinary.i2, k: k)
  }

  /// The generalised Q statistic at τ²: Σ wᵢ(yᵢ − μ̂)², wᵢ = 1/(vᵢ + τ²), μ̂ its weighted mean.
  /// It falls as τ² grows.
  static func generalisedQ(_ y: [Double], _ v: [Double], tau2: Double) -> Double {
    var sw = 0.0
    var swy = 0.0
    for i in y.indices {
      let w = 1 / (v[i] + tau2)
      sw += w
      swy += w * y[i]
    }
    let mu = swy / sw
    var q = 0.0
    for i in y.indices {
      let d = y[i] - mu
      q += d * d / (v[i] + tau2)
    }
    return q
  }

  /// τ²'s Q-profile interval at `level`: the τ² where the generalised Q equals the upper and
  /// lower (1 − level)/2 quantiles of χ²(k−1) (0 where Q at τ² = 0 is already below them), by
  /// bisection on the monotone Q to 1e-12 relative.
  static func qProfile(_ y: [Double], _ v: [Double], level: Double) -> (Double, Double) {
    let df = Double(y.count - 1)
    let alpha = 1 - level
    func root(_ target: Double) -> Double {
      guard generalisedQ(y, v, tau2: 0) > target else { return 0 }
      var lo = 0.0
      var hi = max(1.0, v.max() ?? 1)
      var grow = 0
      while generalisedQ(y, v, tau2: hi) > target && grow < 200 {
        lo = hi
        hi *= 2
        grow += 1
      }
      for _ in 0..<200 {
        let mid = 0.5 * (lo + hi)
        if generalisedQ(y, v, tau2: mid) > target { lo = mid } else { hi = mid }
        if hi - lo <= 1e-12 * hi { break }
      }
      return 0.5 * (lo + hi)
    }
    let lower = root(ChiSquared.quantile(1 - alpha / 2, df: df))
    let upper = root(ChiSquared.quantile(alpha / 2, df: df))
    return (lower, upper)
  }
}
