/// When two numbers count as the same figure: |a − b| ≤ atol + rtol·|b|.
///
/// `b` is the baseline value and `a` the current one, as in NumPy's `isclose` (the test is not
/// symmetric: the relative part scales with the baseline). With the defaults, rtol = 1e-9 and
/// atol = 0, a figure may move in its ninth significant digit — what a different BLAS, compiler
/// or summation order can do to a fit — but no further, and a baseline of exactly 0 must stay
/// exactly 0. Raise `absolute` when figures that should be zero come out as rounding noise.
public struct Tolerance: Sendable, Hashable {
  /// rtol: the allowed change as a fraction of |baseline|.
  public let relative: Double
  /// atol: the allowed change in absolute terms.
  public let absolute: Double

  /// The defaults: rtol 1e-9, atol 0.
  public static let `default` = Tolerance(checkedRelative: 1e-9, absolute: 0)

  /// A tolerance; `nil` when either part is negative, NaN or infinite.
  public init?(relative: Double = 1e-9, absolute: Double = 0) {
    guard relative.isFinite, absolute.isFinite, relative >= 0, absolute >= 0 else { return nil }
    self.relative = relative
    self.absolute = absolute
  }

  private init(checkedRelative: Double, absolute: Double) {
    self.relative = checkedRelative
    self.absolute = absolute
  }

  /// Whether `current` is within tolerance of `baseline`: equal, or
  /// |current − baseline| ≤ absolute + relative·|baseline|.
  public func accepts(baseline: Double, current: Double) -> Bool {
    if baseline == current { return true }
    let d = abs(current - baseline)
    return d <= absolute + relative * abs(baseline)
  }
}
