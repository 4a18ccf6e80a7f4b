import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// Intercept-only meta-analysis of k estimates with known sampling variances, as metafor's
/// `rma()` and `predict()` (Viechtbauer 2010, "Conducting meta-analyses in R with the metafor
/// package", *J. Stat. Softw.* 36(3)).
public enum MetaAnalysis {
  /// Fits the fixed-effect or a random-effects model and returns every figure of the report.
  ///
  /// Model: yᵢ = μ + uᵢ + εᵢ with uᵢ ~ N(0, τ²) and εᵢ ~ N(0, vᵢ). τ² is estimated by `method`
  /// (see ``TauSquaredEstimator``; FE fixes τ² = 0); then with wᵢ = 1/(vᵢ + τ̂²),
  /// μ̂ = Σwᵢyᵢ/Σwᵢ and Var(μ̂) = 1/Σwᵢ. With `test: .knha` (Knapp & Hartung 2003) the variance
  /// is multiplied by s² = Σwᵢ(yᵢ − μ̂)²/(k − 1) (s² = 0 when the sum is below machine epsilon,
  /// as metafor) and t(k − 1) replaces N(0, 1) for the test, the confidence interval and the
  /// prediction interval μ̂ ± c·√(Var(μ̂) + τ̂²). Heterogeneity: Cochran's Q with wᵢ = 1/vᵢ,
  /// I² and H² as documented on ``MetaResult``.
  ///
  /// When an iterative estimator does not converge (metafor stops with an error), the result
  /// has `converged == false`, metafor's message in `warnings`, and numbers computed from the
  /// last iterate.
  ///
  /// - Parameters:
  ///   - estimates: the study estimates yᵢ (finite).
  ///   - variances: their sampling variances vᵢ (finite, > 0), same count.
  ///   - method: the τ² estimator.
  ///   - test: z (default) or Knapp–Hartung.
  ///   - level: confidence level in (0, 1).
  /// - Throws: `StatisticsError.invalidInput` when there are no estimates, the counts differ,
  ///   a value is not finite, a variance is not positive, or `level` is outside (0, 1).
  /// - Complexity: O(k) per τ² iteration, at most 101 iterations; O(k log k) for PM.
  public static func fit(
    estimates: [Double], variances: [Double], method: TauSquaredEstimator, test: MetaTest = .z,
    level: Double = 0.95
  ) throws(StatisticsError) -> MetaResult {
    let k = estimates.count
    guard k >= 1 else { throw .invalidInput("no estimates to pool") }
    guard variances.count == k else {
      throw .invalidInput("\(variances.count) variances for \(k) estimates")
    }
    guard level > 0 && level < 1 else {
      throw .invalidInput("the confidence level must be between 0 and 1, got \(level)")
    }
    for i in 0..<k {
      guard estimates[i].isFinite else { throw .invalidInput("estimate \(i + 1) is not a finite number") }
      guard variances[i].isFinite && variances[i] > 0 else {
        throw .invalidInput("variance \(i + 1) must be positive and finite, got \(variances[i])")
      }
    }
    return estimates.withUnsafeBufferPointer { y in
      variances.withUnsafeBufferPointer { v in
        compute(Studies(y: y, v: v), method: method, test: test, level: level)
      }
    }
  }

  /// The fit on validated input.
  static func compute(_ s: Studies, method: TauSquaredEstimator, test: MetaTest, level: Double) -> MetaResult {
    let k = s.k
    let df = k - 1
    var est = TauSquared.estimate(s, method: method)
    let tau2 = est.tau2

    // Warnings metafor gives before fitting.
    var vMin = Double.infinity
    var vMax = 0.0
    for x in s.v {
      vMin = min(vMin, x)
      vMax = max(vMax, x)
    }
    var warnings: [String] = []
    if vMax / vMin >= 1e7 {
      warnings.append(
        "Ratio of largest to smallest sampling variance extremely large. May not be able to obtain stable results.")
    }
    if method == .FE && test == .knha {
      warnings.append("Knapp & Hartung method is not meant to be used in the context of FE models.")
    }
    warnings += est.warnings
    est.warnings = []

    // Pooled estimate on the original scale.
    var sw = 0.0
    var swy = 0.0
    for i in 0..<k {
      let w = 1 / (s.v[i] + tau2)
      sw += w
      swy += w * s.y[i]
    }
    let mu = swy / sw
    var variance = 1 / sw
    if test == .knha {
      var rss = 0.0
      for i in 0..<k {
        let r = s.y[i] - mu
        rss += r * r / (s.v[i] + tau2)
      }
      let s2 = rss <= Double.ulpOfOne ? 0 : rss / Double(df)
      variance *= s2
    }
    let se = variance.squareRoot()
    let statistic = mu / se
    let alpha = 1 - level
    let crit: Double
    let p: Double
    if test == .knha {
      if df > 0 {
        crit = -StudentT.quantile(alpha / 2, df: Double(df))
        p = statistic.isNaN ? .nan : 2 * StudentT.sf(abs(statistic), df: Double(df))
      } else {
        (crit, p) = (.nan, .nan)
      }
    } else {
      crit = -Normal.quantile(alpha / 2)
      p = statistic.isNaN ? .nan : 2 * Normal.sf(abs(statistic))
    }
    let piHalf = crit * (variance + tau2).squareRoot()

    // Heterogeneity with fixed-effect weights.
    var q = 0.0
    var qP = 1.0
    var i2 = 0.0
    var h2 = 1.0
    if k > 1 {
      let m = s.moments(tau2: 0)
      q = max(0, m.rss)
      qP = ChiSquared.sf(q, df: Double(df))
      if method == .FE {
        i2 = max(0, 100 * (q - Double(df)) / q)  // Q = 0 gives max(0, −∞) = 0, as in R
        h2 = q / Double(df)
      } else {
        let typical = Double(df) / m.trP
        i2 = 100 * tau2 / (typical + tau2)
        h2 = tau2 / typical + 1
      }
    }

    return MetaResult(
      method: method, test: test, k: k, level: level, estimate: mu, standardError: se,
      ciLow: mu - crit * se, ciHigh: mu + crit * se, piLow: mu - piHalf, piHigh: mu + piHalf,
      tau2: tau2, tau2StandardError: est.standardError, i2: i2, h2: h2, q: q, qDF: df, qP: qP,
      statistic: statistic, pValue: p, df: test == .knha ? df : nil, converged: est.converged,
      iterations: est.iterations, warnings: warnings)
  }
}
