import Numerics

/// Pooled figures as people read them (table, report.md, report.html): rounded to the digits
/// their interval supports, or to `digits` significant digits when asked (`--digits`). CSV
/// and JSON keep full precision. An interval that spans two orders of magnitude does not
/// support six digits: 78,081 beside 7,101–858,552 is printed 78,000 beside 7,000–859,000
/// (issue #30).
///
/// The rule: the rounding unit is a power of ten, two below the leading digit of the
/// interval's width (three significant digits of the width), and never coarser than the
/// second significant digit of the number itself, so every number keeps at least two.
struct PublicationRounding: Sendable {
  /// Fixed significant digits, or nil for the interval's own precision.
  var digits: Int?

  /// The interval's precision.
  static let supported = PublicationRounding(digits: nil)

  /// `x` as printed beside an interval of width `width` (nil: no interval; four significant
  /// digits, as before).
  func text(_ x: Double?, width: Double?) -> String {
    guard let x, x.isFinite else { return "—" }
    guard x != 0 else { return "0" }
    let own = Int(abs(x).log10Floor())
    let exponent: Int
    if let digits {
      exponent = own - digits + 1
    } else {
      guard let width, width.isFinite, width > 0 else { return NumberFormat.human(x) }
      exponent = min(Int(width.log10Floor()) - 2, own - 1)
    }
    let unit = NumberFormat.pow10Signed(exponent)
    let rounded = (x / unit).rounded() * unit
    let magnitude = rounded == 0 ? own : Int(abs(rounded).log10Floor())
    return NumberFormat.human(rounded, significant: max(1, magnitude - exponent + 1))
  }

  /// An interval "low–high" at its own precision (nil ends as `rangeText` words them).
  func range(_ low: Double?, _ high: Double?) -> String {
    guard let low, let high, low.isFinite, high.isFinite, low != high else { return rangeText(low, high) }
    let width = abs(high - low)
    return "\(text(low, width: width))–\(text(high, width: width))"
  }

  /// An estimate with its interval: the estimate at the interval's precision.
  func estimate(_ x: Double?, low: Double?, high: Double?) -> String {
    guard let low, let high, low.isFinite, high.isFinite else { return text(x, width: nil) }
    return text(x, width: abs(high - low))
  }
}

extension NumberFormat {
  /// 10ⁿ for any integer n (exact from the table where it can be).
  static func pow10Signed(_ n: Int) -> Double { n >= 0 ? pow10(n) : 1 / pow10(-n) }
}
