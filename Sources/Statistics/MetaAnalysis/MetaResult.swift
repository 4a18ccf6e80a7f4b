/// The result of an intercept-only meta-analysis: what `reconcile meta` prints.
///
/// Every quantity has metafor's definition for `rma(yi, vi, method =, test =, level =)` and
/// `predict()` of that fit. A value metafor reports as `NA` is `.nan` here (JSON `null`).
public struct MetaResult: Sendable, Equatable {
  /// The τ² estimator.
  public var method: TauSquaredEstimator
  /// The reference distribution (z or Knapp–Hartung t).
  public var test: MetaTest
  /// Number of studies.
  public var k: Int
  /// The confidence level of the intervals.
  public var level: Double
  /// Pooled effect μ̂ = Σwᵢyᵢ/Σwᵢ with wᵢ = 1/(vᵢ + τ̂²).
  public var estimate: Double
  /// Standard error of μ̂: (Σwᵢ)^{-1/2}, times √s² for Knapp–Hartung.
  public var standardError: Double
  /// Lower confidence limit μ̂ − c·SE (c the z or t(k − 1) critical value).
  public var ciLow: Double
  /// Upper confidence limit μ̂ + c·SE.
  public var ciHigh: Double
  /// Lower prediction limit μ̂ − c·√(SE² + τ̂²) (`predict.rma`); equals the CI for FE.
  public var piLow: Double
  /// Upper prediction limit μ̂ + c·√(SE² + τ̂²).
  public var piHigh: Double
  /// Between-study variance τ̂² (0 for FE).
  public var tau2: Double
  /// Standard error of τ̂² as metafor's `se.tau2` (nil for FE, where metafor gives none).
  public var tau2StandardError: Double?
  /// I² in percent: 100 τ̂²/(τ̂² + ṽ) with the typical within-study variance
  /// ṽ = (k − 1)/(Σwᵢ − Σwᵢ²/Σwᵢ), wᵢ = 1/vᵢ (Higgins & Thompson 2002); for FE
  /// max(0, 100 (Q − (k − 1))/Q).
  public var i2: Double
  /// H² = τ̂²/ṽ + 1; for FE, Q/(k − 1).
  public var h2: Double
  /// Cochran's Q = Σ(yᵢ − μ̂_FE)²/vᵢ (Cochran 1954).
  public var q: Double
  /// Degrees of freedom of Q, k − 1.
  public var qDF: Int
  /// P(χ²_{k−1} > Q).
  public var qP: Double
  /// The test statistic μ̂/SE (z, or t with k − 1 df for Knapp–Hartung).
  public var statistic: Double
  /// Two-sided p-value of `statistic`.
  public var pValue: Double
  /// Degrees of freedom of the t reference (k − 1) for Knapp–Hartung; nil for z.
  public var df: Int?
  /// Whether the τ² estimation converged. When false the other numbers are those of the last
  /// iterate and must not be relied upon; metafor stops with an error in this case.
  public var converged: Bool
  /// Iterations of the τ² algorithm: Fisher scoring steps (ML, REML, EB), root-finder steps
  /// (PM), 0 for the closed-form estimators (metafor's convention).
  public var iterations: Int
  /// Messages for the analyst, worded as metafor words its errors and warnings.
  public var warnings: [String]

  /// Creates a result (all values as documented on the properties).
  public init(
    method: TauSquaredEstimator, test: MetaTest, k: Int, level: Double, estimate: Double,
    standardError: Double, ciLow: Double, ciHigh: Double, piLow: Double, piHigh: Double,
    tau2: Double, tau2StandardError: Double?, i2: Double, h2: Double, q: Double, qDF: Int,
    qP: Double, statistic: Double, pValue: Double, df: Int?, converged: Bool, iterations: Int,
    warnings: [String]
  ) {
    self.method = method
    self.test = test
    self.k = k
    self.level = level
    self.estimate = estimate
    self.standardError = standardError
    self.ciLow = ciLow
    self.ciHigh = ciHigh
    self.piLow = piLow
    self.piHigh = piHigh
    self.tau2 = tau2
    self.tau2StandardError = tau2StandardError
    self.i2 = i2
    self.h2 = h2
    self.q = q
    self.qDF = qDF
    self.qP = qP
    self.statistic = statistic
    self.pValue = pValue
    self.df = df
    self.converged = converged
    self.iterations = iterations
    self.warnings = warnings
  }
}
