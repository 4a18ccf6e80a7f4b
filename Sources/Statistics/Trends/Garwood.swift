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
}
