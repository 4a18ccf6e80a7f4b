import Numerics

/// The yearly design of a composite link trend: a log-linear trend in the year, centred,
/// `[1, t − t̄]`, and one hinge column `max(0, t − k)` per joinpoint k, so that the slope of
/// log μ changes by that coefficient after year k (a joinpoint at 1998 lets the trend bend
/// there).
///
/// The modelled years run from `firstYear` to `lastYear`, every year once; t̄ is their mean.
/// The first year must be stated for a bucket such as "up to 1998": see ``CompositeBucket``.
public struct CompositeLinkDesign: Sendable, Equatable {
  /// The first modelled year (row 0).
  public var firstYear: Int
  /// The last modelled year.
  public var lastYear: Int
  /// t̄, the mean of the modelled years, subtracted from the trend column.
  public var centre: Double
  /// The joinpoints, in increasing order.
  public var joinpoints: [Double]
  /// Years × (2 + joinpoints) design.
  public var matrix: Matrix
  /// "(Intercept)", "year", and "hinge(k)" per joinpoint (k as written by `%g`).
  public var names: [String]

  /// The design of a log-linear trend with hinges at `joinpoints`.
  ///
  /// - Parameters:
  ///   - firstYear: the first modelled year.
  ///   - lastYear: the last modelled year (at least `firstYear + 1`).
  ///   - joinpoints: the years after which the slope may change, each strictly between
  ///     `firstYear` and `lastYear` (a hinge at or before the first year is the trend again;
  ///     one at or after the last year is zero), all different.
  /// - Throws: `StatisticsError.invalidInput` for fewer than two years, more than 100,000,
  ///   or a joinpoint that is not finite, outside the years or repeated.
  public static func trend(firstYear: Int, lastYear: Int, joinpoints: [Double] = []) throws(StatisticsError)
    -> CompositeLinkDesign
  {
    guard firstYear < lastYear else {
      throw .invalidInput("a trend needs at least two modelled years (got \(firstYear)–\(lastYear))")
    }
    let (span, overflow) = lastYear.subtractingReportingOverflow(firstYear)
    guard !overflow, span < 100_000 else {
      throw .invalidInput("the modelled years \(firstYear)–\(lastYear) are too many (at most 100,000)")
    }
    let sorted = joinpoints.sorted()
    for k in sorted {
      guard k.isFinite, k > Double(firstYear), k < Double(lastYear) else {
        throw .invalidInput(
          "joinpoint \(k) must lie strictly between the first and last modelled years (\(firstYear)–\(lastYear))")
      }
    }
    for (a, b) in zip(sorted, sorted.dropFirst()) where a == b {
      throw .invalidInput("joinpoint \(Self.label(a)) is given twice")
    }
    let years = span + 1
    let centre = (Double(firstYear) + Double(lastYear)) / 2
    var matrix = Matrix(rows: years, columns: 2 + sorted.count)
    for t in 0..<years {
      let year = Double(firstYear + t)
      matrix[t, 0] = 1
      matrix[t, 1] = year - centre
      for (i, k) in sorted.enumerated() { matrix[t, 2 + i] = max(0, year - k) }
    }
    return CompositeLinkDesign(
      firstYear: firstYear, lastYear: lastYear, centre: centre, joinpoints: sorted, matrix: matrix,
      names: ["(Intercept)", "year"] + sorted.map { "hinge(\(Self.label($0)))" })
  }

  /// A joinpoint as `%g` writes it: "1998", "1998.5".
  static func label(_ k: Double) -> String {
    if k == k.rounded(), abs(k) < 1e15 { return "\(Int(k))" }
    return "\(k)"
  }
}
