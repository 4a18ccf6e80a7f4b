import Foundation

/// The difference of `a` from the reference value `b`, relative to `b`:
/// |a − b| / max(|b|, `floor`).
///
/// - `a == b` (including equal infinities) gives 0.
/// - Any other pair with a NaN or an infinity gives `.infinity`, so `< tolerance`, `<= tolerance`
///   and a running `max` of errors all fail on it.
/// - When the scale max(|b|, `floor`) is 0 (`b` is 0 and `floor` is 0), the absolute difference
///   |a − b| is returned.
///
/// `floor` keeps values near zero from being compared on a vanishing scale: pass
/// `.leastNormalMagnitude` to treat subnormal references as the smallest normal number, 1 to
/// measure against max(1, |b|), or a quantity's standard error.
public func relativeDifference(_ a: Double, _ b: Double, floor: Double = 0) -> Double {
  if a == b { return 0 }
  guard a.isFinite, b.isFinite else { return .infinity }
  let scale = max(abs(b), floor)
  return scale == 0 ? abs(a - b) : abs(a - b) / scale
}

/// Whether `a` and `b` agree: |a − b| ≤ max(`relative` · max(|a|, |b|), `absolute`).
///
/// Symmetric in `a` and `b`. Equal values (including equal infinities) are close; otherwise a
/// NaN or an infinity is never close, except that two NaNs are when `equalNaNs` is true.
/// For example `isClose(a, b, relative: t, absolute: t)` is |a − b| ≤ t · max(1, |a|, |b|).
public func isClose(
  _ a: Double, _ b: Double, relative: Double, absolute: Double = 0, equalNaNs: Bool = false
) -> Bool {
  if a == b { return true }
  if a.isNaN && b.isNaN { return equalNaNs }
  guard a.isFinite, b.isFinite else { return false }
  return abs(a - b) <= max(relative * max(abs(a), abs(b)), absolute)
}

/// `relativeDifference(_:_:floor:)` of an optional `a`: `.infinity` when `a` is nil.
public func relativeDifference(_ a: Double?, _ b: Double, floor: Double = 0) -> Double {
  guard let a else { return .infinity }
  return relativeDifference(a, b, floor: floor)
}

/// The log relative error of NIST StRD, −log10(`relativeDifference(estimate, certified)`): about
/// the number of correct significant digits (absolute when `certified` is 0).
///
/// +∞ when the two are equal, −∞ when either is NaN or infinite and they differ; callers cap it
/// at the digits they can expect, e.g. `min(17, logRelativeError(x, c))`.
public func logRelativeError(_ estimate: Double, _ certified: Double) -> Double {
  -log10(relativeDifference(estimate, certified))
}
