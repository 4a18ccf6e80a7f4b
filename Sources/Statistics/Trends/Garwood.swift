import Numerics

/// The exact confidence interval for the mean of a Poisson count (Garwood 1936).
///
/// For an observed count y and confidence level 1 − α the interval is
/// [½ χ²(α/2; 2y), ½ χ²(1 − α/2; 2y + 2)], χ²(p; ν) the p-quantile of the chi-square
/// distribution with ν degrees of freedom, and a lower end of 0 when y = 0. It inverts the
/// two one-sided Poisson tests, so it covers the mean with probability at least 1 − α.
/// Divided by an exposure e it is the interval for the rate y / e (an annualised partial period).
///
/// Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28, 437–442.
public enum Garwood {
  /// The exact Poisson interval for the count `count` at confidence `level`.
  ///
  /// - Parameters:
  ///   - count: the observed count, a whole number ≥ 0.
  ///   - level: the confidence level 1 − α, in (0, 1).
  /// - Returns: the interval's ends, or nil for a count that is negative or not whole.
  public static func interval(count y: Double, level: Double) -> (low: Double, high: Double)? {
    guard y >= 0, y == y.rounded() else { return nil }
    let alpha = 1 - level
    let low = y == 0 ? 0 : ChiSquared.quantile(alpha / 2, df: 2 * y) / 2
    return (low, ChiSquared.quantile(1 - alpha / 2, df: 2 * y + 2) / 2)
  }

  /// The exact Poisson interval widened for a count whose variance is φ times its mean
  /// (φ = 1 + μ/θ for a negative binomial count of mean μ, the dispersion of a quasi-Poisson
  /// model): y/φ, whose variance-to-mean ratio is 1, is taken as a Poisson count and its
  /// interval multiplied by φ back,
  /// [φ/2 · χ²(α/2; 2y/φ), φ/2 · χ²(1 − α/2; 2y/φ + 2)] (the scaled-Poisson, or
  /// "effective count", interval; Fay & Feuer 1997 use the same device for weighted counts).
  /// For φ ≤ 1 it is ``interval(count:level:)``: an overdispersed model's interval is never
  /// narrower than the Poisson's. For large y it is y ± z√(φy), the Wald interval of variance φy.
  ///
  /// Fay, M. P. & Feuer, E. J. (1997). Confidence intervals for directly standardized rates.
  /// *Statistics in Medicine* 16, 791–801.
  ///
  /// - Returns: the ends, or nil for a count that is negative or not whole, or a φ not finite.
  public static func interval(count y: Double, level: Double, dispersion phi: Double) -> (low: Double, high: Double)? {
    guard phi.isFinite else { return nil }
    guard phi > 1 else { return interval(count: y, level: level) }
    guard y >= 0, y == y.rounded() else { return nil }
    let alpha = 1 - level
    let e = y / phi
    let low = y == 0 ? 0 : phi * ChiSquared.quantile(alpha / 2, df: 2 * e) / 2
    return (low, phi * ChiSquared.quantile(1 - alpha / 2, df: 2 * e + 2) / 2)
  }
}
