import Numerics

/// How `ranges` computes the random-effects intervals for three or more sources without bounds
/// (`ranges --interval`).
public enum RangeInterval: String, Sendable, CaseIterable {
  /// The Knapp–Hartung confidence interval (t(k−1), scaled SE) and the prediction interval of
  /// Higgins, Thompson and Spiegelhalter (2009) with t(k−2): the default (issue #30).
  case knha
  /// The Wald z confidence interval μ̂ ± z·SE and the z-based prediction interval
  /// μ̂ ± z·√(τ̂² + SE²) (metafor's `rma(..., test = "z")` and `predict()`).
  case z
}

/// The random-effects summary `ranges` reports for three or more sources (issue #30): τ² by
/// DerSimonian–Laird, the Knapp–Hartung confidence interval for μ (as metafor's
/// `rma(yi, vi, method = "DL", test = "knha")`), the prediction interval of Higgins, Thompson
/// and Spiegelhalter (2009), μ̂ ± t(k−2)·√(τ̂² + SE(μ̂)²) with the ordinary (not Knapp–Hartung)
/// SE, and τ²'s Q-profile interval (Viechtbauer 2007; metafor's `confint()`). With
/// ``RangeInterval/z``: the Wald CI and the z-based prediction interval instead.
public struct RangesRandomEffects: Sendable {
  /// The pooled estimate μ̂ and its ordinary standard error.
  public var estimate: Double
  public var standardError: Double
  /// The confidence interval for μ (Knapp–Hartung: t with k−1 df, scaled SE; or z).
  public var ciLow: Double
  public var ciHigh: Double
  /// The prediction interval (t with k−2 df; or z).
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
  ///
  /// The arithmetic is that of ``MetaAnalysis/fit(estimates:variances:method:test:level:)``
  /// with `method: .DL` (the same operations in the same order, so the same bits), without
  /// the p-values and τ²'s standard error `ranges` does not report.
  /// - Throws: `StatisticsError.invalidInput` with fewer than three estimates or a value that
  ///   is not finite (a variance not positive).
  public static func fit(
    estimates y: [Double], variances v: [Double], level: Double, interval: RangeInterval = .knha,
    tau2Interval: Bool = true
  ) throws(StatisticsError) -> RangesRandomEffects {
    guard y.count >= 3, v.count == y.count else {
      throw .invalidInput("the Knapp–Hartung and prediction intervals need three or more estimates, got \(y.count)")
    }
    guard level > 0 && level < 1 else { throw .invalidInput("the level must be between 0 and 1, got \(level)") }
    for i in y.indices {
      guard y[i].isFinite, v[i].isFinite, v[i] > 0 else {
        throw .invalidInput("estimate \(i + 1) or its variance is not usable (\(y[i]), \(v[i]))")
      }
    }
    var r = lanes(y, v.map { SIMD4(repeating: $0) }, level: level, interval: interval)[0]
    if tau2Interval { r.tau2Interval = qProfile(y, v, level: level) }
    return r
  }

  /// Four poolings of the same estimates `y` at once, lane j with the variances `v[i][j]`
  /// (validated by the caller: finite, positive; k ≥ 3). Each lane's result has the bits of a
  /// pooling of that lane alone: every operation is lane-wise IEEE arithmetic in the order of
  /// the scalar formulae. (The sensitivity table pools four coverages at once this way.)
  ///
  /// `tQuantiles`: ``tQuantiles(k:level:)`` when the caller has them (the sensitivity table
  /// pools three times with the same k: the t quantiles were a seventh of `ranges --format csv`
  /// on 20,000 small quantities).
  static func lanes(
    _ y: [Double], _ v: [SIMD4<Double>], level: Double, interval: RangeInterval,
    tQuantiles: (ci: Double, prediction: Double)? = nil
  ) -> [RangesRandomEffects] {
    let k = y.count
    let df = Double(k - 1)
    // Studies: the unweighted mean, for centring.
    var total = 0.0
    for x in y { total += x }
    let mean = total / Double(k)
    // DerSimonian–Laird (TauSquared.dersimonianLaird, Studies.moments at τ² = 0).
    var sw = SIMD4<Double>(repeating: 0)
    var sw2 = SIMD4<Double>(repeating: 0)
    var swyc = SIMD4<Double>(repeating: 0)
    // The weights 1/vᵢ, kept for the second pass (the same bits as computing them again).
    var weights = [SIMD4<Double>](repeating: .zero, count: k)
    for i in 0..<k {
      let w = 1 / v[i]
      weights[i] = w
      sw += w
      sw2 += w * w
      swyc += w * (y[i] - mean)
    }
    let muc = swyc / sw
    var q = SIMD4<Double>(repeating: 0)
    var trP = SIMD4<Double>(repeating: 0)
    for i in 0..<k {
      let w = weights[i]
      let r = (y[i] - mean) - muc
      q += w * r * r
      let d = w - w * w / sw
      trP += d
    }
    let tau2 = (q - df) / trP
    let t2 = SIMD4<Double>((0..<4).map { max(0, tau2[$0]) })
    // The pooled estimate and its variance (MetaAnalysis.compute).
    var sum = SIMD4<Double>(repeating: 0)
    var swy = SIMD4<Double>(repeating: 0)
    for i in 0..<k {
      let w = 1 / (v[i] + t2)
      sum += w
      swy += w * y[i]
    }
    let mu = swy / sum
    let variance = 1 / sum
    var rss = SIMD4<Double>(repeating: 0)
    if interval == .knha {
      for i in 0..<k {
        let r = y[i] - mu
        rss += r * r / (v[i] + t2)
      }
    }
    let alpha = 1 - level
    let zCrit = -Normal.quantile(alpha / 2)
    let (tCrit, tPrediction) = interval == .knha ? tQuantiles ?? Self.tQuantiles(k: k, level: level) : (0, 0)
    return (0..<4).map { j in
      let se = variance[j].squareRoot()
      let ci: (Double, Double)
      let half: Double
      switch interval {
      case .knha:
        let s2 = rss[j] <= Double.ulpOfOne ? 0 : rss[j] / df
        let seK = (variance[j] * s2).squareRoot()
        ci = (mu[j] - tCrit * seK, mu[j] + tCrit * seK)
        half = tPrediction * (t2[j] + se * se).squareRoot()
      case .z:
        ci = (mu[j] - zCrit * se, mu[j] + zCrit * se)
        half = zCrit * (variance[j] + t2[j]).squareRoot()
      }
      let typical = df / trP[j]
      return RangesRandomEffects(
        estimate: mu[j], standardError: se, ciLow: ci.0, ciHigh: ci.1, piLow: mu[j] - half, piHigh: mu[j] + half,
        tau2: t2[j], tau2Interval: nil, i2: 100 * t2[j] / (typical + t2[j]), k: k)
    }
  }

  /// The Knapp–Hartung CI's critical value −t(k−1) at (1 − level)/2 (as `MetaAnalysis.fit`
  /// computes it) and the prediction interval's t(k−2) quantile at (1 + level)/2.
  static func tQuantiles(k: Int, level: Double) -> (ci: Double, prediction: Double) {
    let alpha = 1 - level
    return (-StudentT.quantile(alpha / 2, df: Double(k - 1)), StudentT.quantile(0.5 + level / 2, df: Double(k - 2)))
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
