import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Overdispersion diagnostics: does a Poisson model fit the spread of the counts?
///
/// Two measures of a log-linear count trend log μᵢ = log eᵢ + α + β tᵢ:
/// - Pearson's dispersion X² / (n − p), X² = Σ (yᵢ − μ̂ᵢ)² / μ̂ᵢ at the Poisson fit
///   (McCullagh & Nelder 1989, §4.5); ≈ 1 when the Poisson variance fits.
/// - The likelihood-ratio test of Poisson against the negative binomial (Var Y = μ + μ²/θ):
///   LR = 2 (ℓ_NB − ℓ_P). Poisson is the boundary θ⁻¹ = 0 of the negative binomial, so LR
///   is distributed as ½χ²₀ + ½χ²₁ under Poisson and p = ½ P(χ²₁ > LR) (Self & Liang 1987;
///   Cameron & Trivedi 2013, §3.4).
public struct Overdispersion: Sendable, Equatable {
  /// Pearson X² / (n − p) of the Poisson fit; ≈ 1 when Poisson fits.
  public var pearsonDispersion: Double
  /// 2 (ℓ_NB − ℓ_Poisson); nil when θ → ∞.
  public var lrStatistic: Double?
  /// Its p-value, ½ P(χ²₁ > LR).
  public var lrPValue: Double?
  /// The negative binomial θ.
  public var theta: Double?

  /// Creates the diagnostics from their values.
  public init(pearsonDispersion: Double, lrStatistic: Double?, lrPValue: Double?, theta: Double?) {
    self.pearsonDispersion = pearsonDispersion
    self.lrStatistic = lrStatistic
    self.lrPValue = lrPValue
    self.theta = theta
  }

  /// Pearson's dispersion X² / df, X² = Σ (yᵢ − μ̂ᵢ)² / μ̂ᵢ summed in order.
  ///
  /// - Parameters:
  ///   - counts: the observed counts yᵢ.
  ///   - fitted: the fitted means μ̂ᵢ (as many as `counts`; extra entries of either are ignored).
  ///   - dfResidual: n − p, the residual degrees of freedom (> 0).
  public static func pearsonDispersion(counts: [Double], fitted: [Double], dfResidual: Int) -> Double {
    var x2 = 0.0
    for (y, mu) in zip(counts, fitted) { x2 += (y - mu) * (y - mu) / mu }
    return x2 / Double(dfResidual)
  }

  /// The p-value of a likelihood-ratio statistic for a parameter on the boundary of its space
  /// (one variance component): ½ P(χ²₁ > LR) for LR > 0, and 1 for LR = 0 (Self & Liang 1987).
  public static func boundaryPValue(_ lr: Double) -> Double {
    lr > 0 ? 0.5 * ChiSquared.sf(lr, df: 1) : 1
  }

  /// The Poisson and negative binomial fits of a log-linear trend in `years`, with the
  /// diagnostics computed from them.
  ///
  /// Both models are log μᵢ = log eᵢ + α + β tᵢ (design columns "(Intercept)" and "year",
  /// offset log eᵢ). The test statistic is not given (nil) when the negative binomial fit
  /// fails or its θ iteration reaches its limit (θ → ∞: no overdispersion to measure); LR is
  /// clamped at 0.
  ///
  /// - Parameters:
  ///   - years: the times tᵢ.
  ///   - counts: the counts yᵢ.
  ///   - exposures: the exposures eᵢ > 0 (covered fraction of each year).
  ///   - level: the confidence level of the fits' intervals.
  /// - Returns: nil when there are fewer than 3 periods, the Poisson fit fails or has no
  ///   residual degrees of freedom.
  /// - Complexity: two GLM fits of n × 2 designs.
  public static func test(years: [Double], counts: [Double], exposures: [Double], level: Double)
    -> OverdispersionTest?
  {
    guard years.count >= 3, counts.count == years.count, exposures.count == years.count,
      let design = try? Matrix(columns: [Array(repeating: 1, count: years.count), years])
    else { return nil }
    let names = ["(Intercept)", "year"]
    let offset = exposures.map { log($0) }
    guard
      let p = try? PoissonRegression.fit(design: design, counts: counts, names: names, offset: offset, level: level),
      let llP = p.logLikelihood, p.dfResidual > 0
    else { return nil }
    let phi = pearsonDispersion(counts: counts, fitted: p.fitted, dfResidual: p.dfResidual)
    let nb = try? NegativeBinomial.fit(design: design, counts: counts, names: names, offset: offset, level: level)
    guard let nb, let llNB = nb.logLikelihood, !nb.warnings.contains(where: { $0.contains("θ iteration limit") }) else {
      return OverdispersionTest(
        diagnostics: Overdispersion(pearsonDispersion: phi, lrStatistic: nil, lrPValue: nil, theta: nil),
        poisson: p, negativeBinomial: nb)
    }
    let lr = max(0, 2 * (llNB - llP))
    return OverdispersionTest(
      diagnostics: Overdispersion(
        pearsonDispersion: phi, lrStatistic: lr, lrPValue: boundaryPValue(lr), theta: nb.theta),
      poisson: p, negativeBinomial: nb)
  }
}

/// The outcome of ``Overdispersion/test(years:counts:exposures:level:)``: the diagnostics and
/// the two fits they came from (for reuse: refitting the same model gives the same fit).
public struct OverdispersionTest: Sendable {
  /// Pearson dispersion and the likelihood-ratio test.
  public var diagnostics: Overdispersion
  /// The Poisson fit (log link, log-exposure offset).
  public var poisson: ModelFit
  /// The negative binomial fit; nil when it failed.
  public var negativeBinomial: ModelFit?
}
