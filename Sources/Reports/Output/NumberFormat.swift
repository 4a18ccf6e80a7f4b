import CFormat
import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

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
    // An integer of at most `d` digits is its own rounding: its digits, as %e would give them.
    if x == x.rounded(), abs(x) < pow10(min(d, 15)) { return String(Int64(x)) }
    // C's correctly rounded %.*e into a stack buffer, then the exponent expanded in place:
    // the same text as expand(String(format: "%.{d-1}e", x)), without Foundation's formatter.
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 48) { buffer -> String in
      guard let base = buffer.baseAddress else { return expand(scientific(x, precision: d - 1)) }
      let n = reconcile_format_scientific(base, 48, Int32(d - 1), x)
      guard n > 0, n < 48 else { return expand(scientific(x, precision: d - 1)) }
      return base.withMemoryRebound(to: UInt8.self, capacity: Int(n)) {
        expandScientific(UnsafeBufferPointer(start: $0, count: Int(n)))
      }
    }
  }

  /// `expand` for the output of `%.Ne` (`[-]d[.ddd]e±XX`), on its bytes.
  static func expandScientific(_ s: UnsafeBufferPointer<UInt8>) -> String {
    var i = 0
    let negative = i < s.count && s[i] == UInt8(ascii: "-")
    if negative { i += 1 }
    // Significant digits (the point dropped) and the exponent.
    var digits: [UInt8] = []
    digits.reserveCapacity(20)
    while i < s.count, s[i] != UInt8(ascii: "e"), s[i] != UInt8(ascii: "E") {
      if s[i] != UInt8(ascii: ".") { digits.append(s[i]) }
      i += 1
    }
    guard i < s.count else { return String(decoding: s, as: UTF8.self) }
    i += 1
    var exponentNegative = false
    if i < s.count, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") {
      exponentNegative = s[i] == UInt8(ascii: "-")
      i += 1
    }
    var exponent = 0
    while i < s.count {
      exponent = exponent * 10 + Int(s[i] &- UInt8(ascii: "0"))
      i += 1
    }
    if exponentNegative { exponent = -exponent }
    // The point sits after the first digit, moved by the exponent.
    var point = 1 + exponent
    var lead = 0
    while lead < digits.count - 1 && digits[lead] == UInt8(ascii: "0") {
      lead += 1
      point -= 1
    }
    var end = digits.count
    var out: [UInt8] = []
    out.reserveCapacity(digits.count + abs(exponent) + 4)
    if negative { out.append(UInt8(ascii: "-")) }
    if point <= 0 {
      // Trailing zeros go (all of the significant part is fractional).
      while end > lead + 1 && digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
      out.append(UInt8(ascii: "0"))
      out.append(UInt8(ascii: "."))
      for _ in 0..<(-point) { out.append(UInt8(ascii: "0")) }
      out.append(contentsOf: digits[lead..<end])
    } else if point >= end - lead {
      out.append(contentsOf: digits[lead..<end])
      for _ in 0..<(point - (end - lead)) { out.append(UInt8(ascii: "0")) }
    } else {
      while end > lead + point && digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
      out.append(contentsOf: digits[lead..<(lead + point)])
      if end > lead + point {
        out.append(UInt8(ascii: "."))
        out.append(contentsOf: digits[(lead + point)..<end])
      }
    }
    return String(decoding: out, as: UTF8.self)
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

  /// C's `%.{precision}e` of `x` (correctly rounded scientific notation, as
  /// `String(format:)` wrote it).
  public static func scientific(_ x: Double, precision: Int) -> String {
    let p = max(0, min(precision, 40))
    var buffer = [CChar](repeating: 0, count: 64)
    let n = buffer.withUnsafeMutableBufferPointer { reconcile_format_scientific($0.baseAddress, 64, Int32(p), x) }
    guard n > 0, n < 64 else { return x.description }
    return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// A number for people: `digits` significant digits, thousands grouped with commas.
  public static func human(_ x: Double?, significant digits: Int = 4) -> String {
    guard let x, x.isFinite else { return "—" }
    if x == 0 { return "0" }
    if abs(x) < 1e-4 || abs(x) >= 1e15 { return scientific(x, precision: max(0, digits - 1)) }
    let magnitude = Int((abs(x)).log10Floor())
    let decimals = max(0, digits - 1 - magnitude)
    let scale = pow10(decimals)
    let rounded = (x * scale).rounded() / scale
    let s = plain(rounded)
    return groupThousands(s)
  }

  static func pow10(_ n: Int) -> Double {
    // Up to 10²² the products below are exact: the table holds the same values.
    if n >= 0 && n < NumberSyntax.exactPowersOfTen.count { return NumberSyntax.exactPowersOfTen[n] }
    var r = 1.0
    for _ in 0..<max(0, n) { r *= 10 }
    return r
  }

  static func groupThousands(_ s: String) -> String {
    let bytes = Array(s.utf8)
    let negative = bytes.first == UInt8(ascii: "-")
    let start = negative ? 1 : 0
    let point = bytes[start...].firstIndex(of: UInt8(ascii: ".")) ?? bytes.count
    let intCount = point - start
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + intCount / 3 + 1)
    if negative { out.append(UInt8(ascii: "-")) }
    for i in 0..<intCount {
      if i > 0 && (intCount - i) % 3 == 0 { out.append(UInt8(ascii: ",")) }
      out.append(bytes[start + i])
    }
    out.append(contentsOf: bytes[point...])
    return String(decoding: out, as: UTF8.self)
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

// MARK: - Bytes without Strings (the CSV cells of large outputs)

extension NumberFormat {
  /// Appends the decimal digits of `value` (with a minus sign when negative).
  static func appendInteger<Out: ByteAppender & ~Copyable>(_ value: Int64, to out: inout Out) {
    if value < 0 { out.append(UInt8(ascii: "-")) }
    appendDigits(value.magnitude, to: &out)
  }

  /// The number of decimal digits of `m` (at least 1).
  @inline(__always)
  static func decimalDigits(_ m: UInt64) -> Int {
    // Against 10, 100, …: literals, not a table (a global table costs a lazy-initialization
    // check per use).
    var digits = 1
    var threshold: UInt64 = 10
    while m >= threshold {
      digits += 1
      if digits == 20 { break }
      threshold &*= 10
    }
    return digits
  }

  /// Writes the `count` lowest decimal digits of `m` to `p[0..<count]`, two at a time.
  @inline(__always)
  static func writeDigits(_ m: UInt64, count: Int, to p: UnsafeMutablePointer<UInt8>) {
    var m = m
    var i = count
    while i >= 2 {
      let r = UInt8(truncatingIfNeeded: m % 100)
      m /= 100
      i -= 2
      p[i] = UInt8(ascii: "0") &+ r / 10
      p[i + 1] = UInt8(ascii: "0") &+ r % 10
    }
    if i == 1 { p[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10) }
  }

  /// Appends the decimal digits of `magnitude`, optionally grouped in threes with commas.
  static func appendDigits<Out: ByteAppender & ~Copyable>(_ magnitude: UInt64, grouped: Bool = false, to out: inout Out)
  {
    if magnitude < 10 {
      out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude))
      return
    }
    let digits = decimalDigits(magnitude)
    guard grouped && digits > 3 else {
      out.append(atMost: digits) { p in
        writeDigits(magnitude, count: digits, to: p)
        return digits
      }
      return
    }
    // Groups of three from the last, a comma before each; the leading group has 1 to 3.
    let length = digits + (digits - 1) / 3
    out.append(atMost: length) { p in
      var m = magnitude
      var i = length
      while m >= 1000 {
        let r = m % 1000
        m /= 1000
        i -= 3
        writeDigits(r, count: 3, to: p + i)
        i -= 1
        p[i] = UInt8(ascii: ",")
      }
      writeDigits(m, count: i, to: p)
      return length
    }
  }

  /// The 15 significant digits of `a` (positive, finite) as an integer in [10¹⁴, 10¹⁵) and the
  /// decimal exponent of the first: `a` ≈ n·10^(e−14), rounded half to even on `a`'s exact
  /// binary value — the digits C's `%.14e` prints. Nil outside [10⁻⁸, 10¹⁵) (the scaling
  /// by 10^k is exact only for k ≤ 22).
  ///
  /// The product a·10^k is formed exactly as hi + lo (one fused multiply-add); the rounding
  /// of hi + lo to an integer is then decided exactly: hi − r and hi − r ∓ ½ are exact, and
  /// lo only breaks ties.
  static func fifteenDigits(_ a: Double) -> (n: Int64, exponent: Int)? {
    guard a >= 1e-8, a < 1e15 else { return nil }
    var k = 14 - Int((Double(a.exponent) * 0.301029995663981195).rounded(.down))
    for _ in 0..<4 {
      guard k >= 0, k <= 22 else { return nil }
      let p = NumberSyntax.exactPowersOfTen[k]
      let hi = a * p
      let lo = (-hi).addingProduct(a, p)
      if hi < 1e14 || (hi == 1e14 && lo < 0) {
        k += 1
        continue
      }
      if hi > 1e15 || (hi == 1e15 && lo >= 0) {
        k -= 1
        continue
      }
      var r = hi.rounded(.toNearestOrEven)
      let d = hi - r
      let above = d - 0.5
      let below = d + 0.5
      if above > 0 || (above == 0 && lo > 0) {
        r += 1
      } else if below < 0 || (below == 0 && lo < 0) {
        r -= 1
      } else if (above == 0 || below == 0) && lo == 0 {
        // An exact tie: to the even neighbour.
        let n = Int64(r)
        if n & 1 == 1 { r += above == 0 ? 1 : -1 }
      }
      var n = Int64(r)
      var exponent = 14 - k
      if n == 1_000_000_000_000_000 {
        n = 100_000_000_000_000
        exponent += 1
      }
      return (n, exponent)
    }
    return nil
  }

  /// Appends `plain(x, significant: 15)` (the CSV cell of `CSVWriter.cell`): the same bytes,
  /// without a String or a call to snprintf where the digits can be had exactly in double
  /// arithmetic (|x| in [10⁻⁸, 10¹⁵)); nil and non-finite values append nothing.
  public static func appendPlain15(_ x: Double?, to out: inout [UInt8]) {
    appendPlain15(x, into: &out)
  }

  /// ``appendPlain15(_:to:)`` into any ``ByteAppender``.
  static func appendPlain15<Out: ByteAppender & ~Copyable>(_ x: Double?, into out: inout Out) {
    guard let x, x.isFinite else { return }
    if x == x.rounded(), abs(x) < 1e15 {
      appendInteger(Int64(x), to: &out)
      return
    }
    guard let (n, exponent) = fifteenDigits(abs(x)) else {
      out.append(string: plain(x, significant: 15))
      return
    }
    if x < 0 { out.append(UInt8(ascii: "-")) }
    // The 15 digits, most significant first.
    var digits: (UInt64, UInt64) = (0, 0)
    withUnsafeMutableBytes(of: &digits) { raw in
      let d = raw.bindMemory(to: UInt8.self)
      if let base = d.baseAddress { writeDigits(UInt64(n), count: 15, to: base) }
      var end = 15
      let point = 1 + exponent
      if point <= 0 {
        while end > 1 && d[end - 1] == UInt8(ascii: "0") { end -= 1 }
        out.append(UInt8(ascii: "0"))
        out.append(UInt8(ascii: "."))
        for _ in 0..<(-point) { out.append(UInt8(ascii: "0")) }
        out.append(bytes: UnsafeBufferPointer(rebasing: d[0..<end]))
      } else if point >= 15 {
        out.append(bytes: UnsafeBufferPointer(rebasing: d[0..<15]))
        for _ in 0..<(point - 15) { out.append(UInt8(ascii: "0")) }
      } else {
        while end > point && d[end - 1] == UInt8(ascii: "0") { end -= 1 }
        out.append(bytes: UnsafeBufferPointer(rebasing: d[0..<point]))
        if end > point {
          out.append(UInt8(ascii: "."))
          out.append(bytes: UnsafeBufferPointer(rebasing: d[point..<end]))
        }
      }
    }
  }

  /// Appends `human(x, significant: digits)`; integral values of at least 10^(digits−1) and
  /// below 10¹⁵ (which `human` writes as they are, grouped) without building a String.
  public static func appendHuman(_ x: Double?, significant digits: Int, to out: inout [UInt8]) {
    appendHuman(x, significant: digits, into: &out)
  }

  /// ``appendHuman(_:significant:to:)`` into any ``ByteAppender``.
  static func appendHuman<Out: ByteAppender & ~Copyable>(_ x: Double?, significant digits: Int, into out: inout Out) {
    if let x, x == x.rounded(), abs(x) < 1e15, abs(x) >= pow10(max(0, digits - 1)) {
      if x < 0 { out.append(UInt8(ascii: "-")) }
      appendDigits(UInt64(abs(x)), grouped: true, to: &out)
      return
    }
    out.append(string: human(x, significant: digits))
  }
}
