import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Descriptive statistics of one column, as `reconcile describe` prints them.
public struct Description: Sendable, Equatable {
  /// Number of values.
  public var n: Int
  /// Arithmetic mean.
  public var mean: Double
  /// Standard deviation with divisor n − 1 (nil for n < 2).
  public var sd: Double?
  /// Lag-1 sample autocorrelation (nil for n < 2 or constant data).
  public var autocorrelation: Double?
  /// Smallest value.
  public var min: Double
  /// Largest value.
  public var max: Double
  /// Median (mean of the two middle values for even n).
  public var median: Double
}

/// Mean, standard deviation and lag-1 autocorrelation computed so that they keep their digits.
///
/// All sums run in double-double arithmetic (`DoubleDouble`) over values that may themselves be
/// double-double (parsed from their decimal text), in two passes: ȳ = Σy/n, then deviations
/// dᵢ = yᵢ − ȳ, s² = Σdᵢ²/(n − 1), and the lag-1 autocorrelation as NIST StRD defines it,
/// r(1) = Σᵢ₌₂ⁿ dᵢ dᵢ₋₁ / Σᵢ₌₁ⁿ dᵢ². With decimal input this reaches the certified values of
/// every NIST univariate set to 15 digits (NumAcc4 included).
public enum Describe {
  /// Describes values given at double-double precision.
  /// - Throws: `StatisticsError.invalidInput` for an empty column or non-finite values.
  public static func describe(_ values: [DoubleDouble]) throws(StatisticsError) -> Description {
    let n = values.count
    guard n > 0 else { throw .invalidInput("no values to describe") }
    for v in values where !v.hi.isFinite { throw .invalidInput("values must be finite (found \(v.hi))") }
    var sum = DoubleDouble(hi: 0)
    for v in values { sum = sum + v }
    let mean = sum / DoubleDouble(hi: Double(n))
    var ss = DoubleDouble(hi: 0)
    var lag = DoubleDouble(hi: 0)
    var previous: DoubleDouble? = nil
    for v in values {
      let d = v - mean
      ss = ss + d * d
      if let p = previous { lag = lag + d * p }
      previous = d
    }
    let sd: Double? = n > 1 ? (ss / DoubleDouble(hi: Double(n - 1))).value.squareRoot() : nil
    let ac: Double? = (n > 1 && ss.hi > 0) ? (lag / ss).value : nil
    let sorted = values.sorted()
    let median =
      n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / DoubleDouble(hi: 2)
    return Description(
      n: n, mean: mean.value, sd: sd, autocorrelation: ac, min: sorted[0].value,
      max: sorted[n - 1].value, median: median.value)
  }

  /// Describes plain Doubles.
  public static func describe(_ values: [Double]) throws(StatisticsError) -> Description {
    try describe(values.map { DoubleDouble(hi: $0) })
  }
}
