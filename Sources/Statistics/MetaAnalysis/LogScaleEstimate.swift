import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// A published figure with an interval, read as a study estimate on the log scale: what
/// `reconcile meta` pools from a figures file.
///
/// A figure "value (low–high) at coverage c" is read as a lognormal whose central c interval
/// is [low, high]: yᵢ = ln(value), or ln √(low·high) (the geometric midpoint) when no value is
/// stated, with standard error sᵢ = (ln high − ln low)/(2z), z = Φ⁻¹((1 + c)/2). A stated value
/// off the interval's geometric midpoint keeps its place; sᵢ is the interval's half-width
/// either way (the skew of the interval is not modelled).
public struct LogScaleEstimate: Sendable, Equatable {
  /// yᵢ: ln(value), or ln √(low·high) when no value is stated.
  public var estimate: Double
  /// sᵢ = (ln high − ln low)/(2z).
  public var standardError: Double
  /// The centre on the natural scale, exp(yᵢ): the value, or √(low·high).
  public var centre: Double
  /// Whether the centre is the geometric midpoint (no value was stated).
  public var centreIsGeometricMidpoint: Bool

  /// Why a figure gives no log-scale estimate.
  public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
    /// A number of the figure is zero or negative: it has no logarithm.
    case notPositive
    /// low = high (or low > high): the interval has no width to give a standard error.
    case noWidth
    /// The coverage is not strictly between 0 and 1 (a hard range, coverage 1, gives no
    /// normal standard error).
    case coverage(Double)

    public var description: String {
      switch self {
      case .notPositive: return "a number that is not positive has no logarithm"
      case .noWidth: return "the interval has no width, so no standard error"
      case .coverage(let c):
        return "coverage \(c) gives no normal standard error (it must lie strictly between 0 and 1)"
      }
    }
  }

  /// Creates the log-scale estimate of `value` (nil when not stated) with the interval
  /// [`low`, `high`] at `coverage`.
  ///
  /// - Throws: ``Problem`` when a number is not positive and finite, low ≥ high, or the
  ///   coverage is not in (0, 1).
  public init(value: Double?, low: Double, high: Double, coverage: Double) throws(Problem) {
    guard coverage > 0 && coverage < 1 else { throw .coverage(coverage) }
    guard low > 0, high > 0, low.isFinite, high.isFinite else { throw .notPositive }
    if let value { guard value > 0 && value.isFinite else { throw .notPositive } }
    let (lnLow, lnHigh) = (log(low), log(high))
    guard lnHigh > lnLow else { throw .noWidth }
    let z = Normal.quantile((1 + coverage) / 2)
    guard z > 0 && z.isFinite else { throw .coverage(coverage) }
    standardError = (lnHigh - lnLow) / (2 * z)
    if let value {
      estimate = log(value)
      centre = value
    } else {
      estimate = 0.5 * (lnLow + lnHigh)
      centre = exp(estimate)
    }
    centreIsGeometricMidpoint = value == nil
  }
}

extension MetaAnalysis {
  /// Each estimate's weight in the pooled estimate, in percent, as metafor's `weights()` of an
  /// `rma()` fit: 100 wᵢ/Σwⱼ with wᵢ = 1/(vᵢ + τ̂²) (τ̂² = 0 for the fixed-effect model).
  /// Knapp–Hartung does not change the weights.
  ///
  /// - Parameters:
  ///   - variances: the sampling variances vᵢ (positive, finite).
  ///   - tau2: the between-study variance of the fit (``MetaResult/tau2``).
  public static func weights(variances: [Double], tau2: Double) -> [Double] {
    let w = variances.map { 1 / ($0 + tau2) }
    let total = w.reduce(0, +)
    return w.map { 100 * $0 / total }
  }
}
