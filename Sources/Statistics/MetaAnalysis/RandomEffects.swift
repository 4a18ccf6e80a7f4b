import Numerics

/// A fixed-effect or DerSimonian–Laird random-effects pooling: the summary `RangePooling` uses.
///
/// The same numbers as ``MetaResult`` for `method: .DL` (or `.FE`) and `test: .z`.
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

/// Fixed-effect and DerSimonian–Laird random-effects pooling, a thin wrapper over
/// ``MetaAnalysis/fit(estimates:variances:method:test:level:)``.
public enum RandomEffects {
  /// Pools estimates `y` with sampling variances `v` by DerSimonian & Laird (1986)
  /// (τ² = max(0, (Q − (k − 1)) / (Σw − Σw²/Σw)), wᵢ = 1/vᵢ) or, with `randomEffects: false`,
  /// the fixed-effect model; z-based intervals.
  /// - Throws: `StatisticsError.invalidInput` when k < 1, lengths differ, or a variance is not positive and finite.
  public static func pool(
    estimates y: [Double], variances v: [Double], randomEffects: Bool = true, level: Double = 0.95
  ) throws(StatisticsError) -> RandomEffectsResult {
    let r = try MetaAnalysis.fit(
      estimates: y, variances: v, method: randomEffects ? .DL : .FE, test: .z, level: level)
    return RandomEffectsResult(
      method: r.method.rawValue, k: r.k, estimate: r.estimate, standardError: r.standardError,
      ciLow: r.ciLow, ciHigh: r.ciHigh, piLow: r.piLow, piHigh: r.piHigh, tau2: r.tau2, q: r.q,
      qP: r.qP, i2: r.i2, h2: r.h2)
  }
}
