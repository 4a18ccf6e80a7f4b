/// Compensated summation.
public enum Summation {
  /// Sum of `xs` by Neumaier's improved Kahan–Babuška algorithm.
  ///
  /// Maintains a running sum `s` and a compensation `c`; for each term
  /// `t = s + x`, the rounding error `(s - t) + x` (if `|s| >= |x|`) or
  /// `(x - t) + s` (otherwise) is accumulated in `c`, and `s + c` is returned.
  /// The error bound is `2u·Σ|xᵢ| + O(n u²)Σ|xᵢ|` independent of `n` to first order
  /// (A. Neumaier, "Rundungsfehleranalyse einiger Verfahren zur Summation endlicher
  /// Summen", ZAMM 54 (1974) 39–51; N. J. Higham, *Accuracy and Stability of
  /// Numerical Algorithms*, 2nd ed., SIAM 2002, §4.3).
  ///
  /// Non-finite terms propagate as in ordinary summation (`inf`, `-inf`, `nan`).
  /// An empty array sums to `0`.
  public static func sum(_ xs: [Double]) -> Double {
    var total = Accumulator()
    for x in xs { total.add(x) }
    return total.value
  }

  /// `sum(_:)` one term at a time, without an array: `add` the terms in order, then read
  /// `value` — the same algorithm, so the same bits as `sum(_:)` on the same terms.
  public struct Accumulator: Sendable {
    @usableFromInline var s = 0.0
    @usableFromInline var c = 0.0
    @usableFromInline var plain = 0.0

    /// An empty sum (0).
    @inlinable
    public init() {}

    /// Adds one term.
    @inlinable
    public mutating func add(_ x: Double) {
      let t = s + x
      if abs(s) >= abs(x) {
        c += (s - t) + x
      } else {
        c += (x - t) + s
      }
      s = t
      plain += x
    }

    /// The compensated sum of the terms added so far (the plain sum once it is not finite).
    @inlinable
    public var value: Double { s.isFinite ? s + c : plain }
  }

  /// Arithmetic mean `(Σxᵢ) / n` with the sum computed by `sum(_:)`.
  ///
  /// Returns `.nan` for an empty array.
  public static func mean(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    return sum(xs) / Double(xs.count)
  }
}
