#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Growth of a log-linear trend: the doubling time of a slope on the log scale.
///
/// When log μ(t) = α + βt the yearly count multiplies by e^β, and it doubles every
/// T₂ = ln 2 / β years (β > 0). T₂ decreases in β, so an interval [β_low, β_high] for the
/// slope maps to the interval [ln 2 / β_high, ln 2 / β_low] for the doubling time, an end
/// being unbounded (nil) where its slope is not positive.
public enum Growth {
  /// The doubling time ln 2 / β of the log-scale slope `slope`; nil unless β > 0.
  public static func doublingTime(slope: Double) -> Double? {
    slope > 0 ? log(2) / slope : nil
  }

  /// The doubling time ln 2 / β and its interval from the slope's interval.
  ///
  /// - Parameters:
  ///   - slope: β, the slope of log μ per year.
  ///   - low: the lower end of β's interval (nil when there is none).
  ///   - high: the upper end of β's interval (nil when there is none).
  /// - Returns: all nil unless β > 0 (a trend that does not grow does not double); otherwise
  ///   the estimate, `low` = ln 2 / `high` when `high` > 0, `high` = ln 2 / `low` when `low` > 0.
  public static func doublingTime(slope: Double, low: Double?, high: Double?)
    -> (estimate: Double?, low: Double?, high: Double?)
  {
    guard let estimate = doublingTime(slope: slope) else { return (nil, nil, nil) }
    return (estimate, high.flatMap { doublingTime(slope: $0) }, low.flatMap { doublingTime(slope: $0) })
  }
}
