#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An unevaluated sum hi + lo of two Doubles, carrying about 32 significant digits
/// (Dekker 1971; Hida, Li & Bailey 2001). Used where a statistic must keep the digits of its
/// input: the NIST StRD univariate sets (NumAcc3/4: 1001 values near 10⁷ differing in the
/// eighth digit) lose half their digits in plain double arithmetic.
public struct DoubleDouble: Sendable, Equatable, Comparable, CustomStringConvertible {
  /// The leading part; hi = fl(hi + lo).
  public var hi: Double
  /// The trailing part, |lo| ≤ ulp(hi)/2.
  public var lo: Double

  /// Creates hi + lo (no normalisation).
  public init(hi: Double, lo: Double = 0) {
    self.hi = hi
    self.lo = lo
  }

  /// The nearest Double.
  public var value: Double { hi + lo }

  public var description: String { "\(hi) + \(lo)" }

  public static func < (a: DoubleDouble, b: DoubleDouble) -> Bool {
    a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
  }

  /// Knuth's two-sum: s + e == a + b exactly.
  @inlinable static func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
    let s = a + b
    let bb = s - a
    return (s, (a - (s - bb)) + (b - bb))
  }

  /// Exact product by fused multiply-add: p + e == a · b.
  @inlinable static func twoProduct(_ a: Double, _ b: Double) -> (Double, Double) {
    let p = a * b
    return (p, (-p).addingProduct(a, b))
  }

  public static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let (s, e) = twoSum(a.hi, b.hi)
    let (t, f) = twoSum(a.lo, b.lo)
    var (hi, lo) = twoSum(s, e + t)
    (hi, lo) = twoSum(hi, lo + f)
    return DoubleDouble(hi: hi, lo: lo)
  }

  public static prefix func - (a: DoubleDouble) -> DoubleDouble { DoubleDouble(hi: -a.hi, lo: -a.lo) }

  public static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { a + (-b) }

  public static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let (p, e) = twoProduct(a.hi, b.hi)
    let (hi, lo) = twoSum(p, e + (a.hi * b.lo + a.lo * b.hi))
    return DoubleDouble(hi: hi, lo: lo)
  }

  public static func / (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let q1 = a.hi / b.hi
    let r = a - b * DoubleDouble(hi: q1)
    let q2 = r.hi / b.hi
    let r2 = r - b * DoubleDouble(hi: q2)
    let q3 = r2.hi / b.hi
    var (hi, lo) = twoSum(q1, q2)
    (hi, lo) = twoSum(hi, lo + q3)
    return DoubleDouble(hi: hi, lo: lo)
  }

  /// Parses a decimal numeral ("-10000000.2", "1.5e-3", "300000") to double-double precision,
  /// so that a decimal fraction is represented to ~1e-32 relative instead of ~1e-16.
  /// Returns nil for anything else (including NaN and infinities).
  public init?(decimal text: String) {
    var digits: [UInt8] = []
    var exponent = 0
    var negative = false
    var seenPoint = false
    var seenDigit = false
    var bytes = Array(text.utf8)[...]
    if let f = bytes.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
      negative = f == UInt8(ascii: "-")
      bytes = bytes.dropFirst()
    }
    var rest = bytes
    while let b = rest.first {
      if b >= 48 && b <= 57 {
        seenDigit = true
        if !(digits.isEmpty && b == 48) { digits.append(b - 48) }
        if seenPoint { exponent -= 1 }
      } else if b == UInt8(ascii: ".") && !seenPoint {
        seenPoint = true
      } else {
        break
      }
      rest = rest.dropFirst()
    }
    guard seenDigit else { return nil }
    if let e = rest.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      guard let x = Int(String(decoding: rest.dropFirst(), as: UTF8.self)) else { return nil }
      exponent += x
      rest = []
    }
    guard rest.isEmpty else { return nil }
    var m = DoubleDouble(hi: 0)
    let ten = DoubleDouble(hi: 10)
    for d in digits.prefix(34) { m = m * ten + DoubleDouble(hi: Double(d)) }
    exponent += max(0, digits.count - 34)
    if exponent != 0 {
      var scale = DoubleDouble(hi: 1)
      var k = abs(exponent)
      while k > 0 {
        let step = min(k, 22)
        scale = scale * DoubleDouble(hi: pow(10, Double(step)))
        k -= step
      }
      m = exponent > 0 ? m * scale : m / scale
    }
    guard m.hi.isFinite else { return nil }
    self = negative ? -m : m
  }
}
