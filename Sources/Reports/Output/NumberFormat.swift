import Foundation

/// Number formatting for machine-readable outputs.
public enum NumberFormat {
  /// The shortest decimal that round-trips the Double (Swift's `description`), with
  /// integral values below 2⁵³ written without a fractional part ("300000", not "300000.0").
  public static func roundTrip(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 9_007_199_254_740_992 {
      return String(Int64(x))
    }
    return "\(x)"
  }

  /// The shortest round-trip digits written as a plain decimal, never with an exponent or a
  /// thousands separator, so that every spreadsheet reads it as the same number
  /// ("0.000012345", not "1.2345e-05"). Non-finite values give "".
  public static func plain(_ x: Double) -> String {
    guard x.isFinite else { return "" }
    return expand(roundTrip(x))
  }

  /// `x` rounded to `digits` significant digits, as a plain decimal (no exponent, trailing
  /// zeros dropped). Spreadsheets keep 15 significant digits: a CSV cell written with 15
  /// reads back into LibreOffice or Excel as exactly the number written.
  public static func plain(_ x: Double, significant digits: Int) -> String {
    guard x.isFinite else { return "" }
    if x == 0 { return "0" }
    let d = max(1, min(17, digits))
    return expand(String(format: "%.\(d - 1)e", x))
  }

  /// Rewrites a decimal numeral that may carry an exponent as a plain decimal.
  static func expand(_ s: String) -> String {
    guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return s }
    let mantissa = String(s[..<e])
    guard let exponent = Int(s[s.index(after: e)...]) else { return s }
    let negative = mantissa.hasPrefix("-")
    let m = negative ? String(mantissa.dropFirst()) : mantissa
    let parts = m.split(separator: ".", omittingEmptySubsequences: false)
    let intPart = parts.first.map(String.init) ?? ""
    let fracPart = parts.count > 1 ? String(parts[1]) : ""
    var digits = intPart + fracPart
    var point = intPart.count + exponent
    // Trim leading zeros from the digit string while keeping the point right.
    while digits.hasPrefix("0") && digits.count > 1 {
      digits.removeFirst()
      point -= 1
    }
    var result: String
    if point <= 0 {
      result = "0." + String(repeating: "0", count: -point) + digits
    } else if point >= digits.count {
      result = digits + String(repeating: "0", count: point - digits.count)
    } else {
      let idx = digits.index(digits.startIndex, offsetBy: point)
      result = String(digits[..<idx]) + "." + String(digits[idx...])
    }
    if result.contains(".") {
      while result.hasSuffix("0") { result.removeLast() }
      if result.hasSuffix(".") { result.removeLast() }
    }
    return (negative ? "-" : "") + result
  }

  /// A number for people: `digits` significant digits, thousands grouped with commas.
  public static func human(_ x: Double?, significant digits: Int = 4) -> String {
    guard let x, x.isFinite else { return "—" }
    if x == 0 { return "0" }
    if abs(x) < 1e-4 || abs(x) >= 1e15 { return String(format: "%.\(max(0, digits - 1))e", x) }
    let magnitude = Int((abs(x)).log10Floor())
    let decimals = max(0, digits - 1 - magnitude)
    let scale = pow10(decimals)
    let rounded = (x * scale).rounded() / scale
    let s = plain(rounded)
    return groupThousands(s)
  }

  static func pow10(_ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<max(0, n) { r *= 10 }
    return r
  }

  static func groupThousands(_ s: String) -> String {
    let negative = s.hasPrefix("-")
    let body = negative ? String(s.dropFirst()) : s
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    let intPart = Array(parts.first.map(String.init) ?? "")
    var grouped = ""
    for (i, ch) in intPart.enumerated() {
      if i > 0 && (intPart.count - i) % 3 == 0 { grouped.append(",") }
      grouped.append(ch)
    }
    let frac = parts.count > 1 ? "." + parts[1] : ""
    return (negative ? "-" : "") + grouped + frac
  }
}

extension Double {
  func log10Floor() -> Double {
    var m = 0.0
    var v = self
    if v >= 1 {
      while v >= 10 {
        v /= 10
        m += 1
      }
    } else {
      while v < 1 && v > 0 {
        v *= 10
        m -= 1
      }
    }
    return m
  }
}
