/// The number syntax of figures files and generic CSVs.
///
/// Accepted, after trimming surrounding whitespace:
///
///     [+|-] digits [. digits] [(e|E) [+|-] digits]
///
/// (surrounding spaces, tabs, CR and LF are ignored) where the integer digits may be grouped by thousands with commas, as printed in reports
/// (`300,000`, `1,234,567.5`): the first group has 1–3 digits and every later group exactly 3.
/// A leading `.5` and a trailing `5.` are accepted. Rejected: NaN, infinities, hexadecimal,
/// `1,2` (ambiguous decimal comma), percent signs, currency and any other text, and literals
/// whose magnitude overflows a `Double` or underflows it (a nonzero literal below the smallest
/// normal Double, 2.2e-308, such as `1e-400`, which would otherwise become 0);
/// ``rangeProblem(_:)`` says which.
///
/// The cells `""`, `NA`, `N/A` (any case) are *missing*, not invalid.
public enum NumberSyntax {
  /// The outcome of reading one cell.
  public enum Outcome: Sendable, Hashable {
    /// A finite number.
    case number(Double)
    /// An empty cell or an `NA` marker.
    case missing
    /// Text that is not a number.
    case invalid

    /// The number, or nil when missing or invalid.
    public var number: Double? {
      if case .number(let x) = self { return x }
      return nil
    }
  }

  /// Reads one cell.
  ///
  /// - Complexity: O(length of `text`).
  public static func parse(_ text: String) -> Outcome {
    var text = text
    return text.withUTF8 { parse(bytes: $0) }
  }

  /// Reads one cell from its UTF-8 bytes without allocating unless it has separators.
  public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Outcome {
    func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
    var start = 0
    var end = b.count
    while start < end && isSpace(b[start]) { start += 1 }
    while end > start && isSpace(b[end - 1]) { end -= 1 }
    if start == end { return .missing }
    // NA and N/A in any case (ASCII letters: `| 0x20` lowercases them).
    if end - start == 2 && b[start] | 0x20 == 0x6E && b[start + 1] | 0x20 == 0x61 { return .missing }
    if end - start == 3 && b[start] | 0x20 == 0x6E && b[start + 1] == 0x2F && b[start + 2] | 0x20 == 0x61 {
      return .missing
    }
    if let x = unsignedIntegerFastPath(b, start, end) { return .number(x) }
    guard let hasSeparators = checkGrammar(b, start, end) else { return .invalid }
    if let x = exactFastPath(b, start, end) { return .number(x) }
    let literal: String
    if hasSeparators {
      var kept: [UInt8] = []
      kept.reserveCapacity(end - start)
      for i in start..<end where b[i] != 0x2C { kept.append(b[i]) }
      literal = String(decoding: kept, as: UTF8.self)
    } else {
      literal = String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }
    guard let value = Double(literal), value.isFinite else { return .invalid }
    // A nonzero literal that comes out as zero or subnormal has underflowed: out of range,
    // like one that overflows (1e-400 must not silently become 0).
    if abs(value) < Double.leastNormalMagnitude && hasNonzeroSignificand(b, start, end) { return .invalid }
    return .number(value)
  }

  /// Whether the significand of a literal (the digits before any exponent) has a digit 1–9.
  private static func hasNonzeroSignificand(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    for i in start..<end {
      let c = b[i]
      if c == 0x65 || c == 0x45 { return false }
      if c >= 0x31 && c <= 0x39 { return true }
    }
    return false
  }

  /// Why a cell that reads as `.invalid` is out of range, or nil when it is not a number at
  /// all (or is one): "overflows …" for a magnitude above the largest Double, "underflows …"
  /// for a nonzero magnitude below the smallest normal one (2.2e-308), where it would
  /// silently become 0 or lose precision.
  public static func rangeProblem(_ text: String) -> String? {
    var text = text
    return text.withUTF8 { b -> String? in
      func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
      var start = 0
      var end = b.count
      while start < end && isSpace(b[start]) { start += 1 }
      while end > start && isSpace(b[end - 1]) { end -= 1 }
      guard start < end, let hasSeparators = checkGrammar(b, start, end) else { return nil }
      var kept: [UInt8] = []
      for i in start..<end where !(hasSeparators && b[i] == 0x2C) { kept.append(b[i]) }
      guard let value = Double(String(decoding: kept, as: UTF8.self)) else { return nil }
      if !value.isFinite { return "overflows: its magnitude is above the largest double, 1.8e308" }
      if abs(value) < Double.leastNormalMagnitude && hasNonzeroSignificand(b, start, end) {
        return "underflows: its magnitude is below the smallest normal double, 2.2e-308"
      }
      return nil
    }
  }

  /// The most common cell, an unsigned integer of at most 15 digits, bare or grouped in threes
  /// (`16,595`), read in one pass: its value is an exact Double. `nil` for anything else,
  /// which the grammar and the general paths then read (with the same result for these).
  @inline(__always)
  private static func unsignedIntegerFastPath(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var value: UInt64 = 0
    var digits = 0
    var group = 0
    var sawComma = false
    for i in start..<end {
      let c = b[i]
      if c >= 0x30 && c <= 0x39 {
        value = value &* 10 &+ UInt64(c &- 0x30)
        digits += 1
        group += 1
        if digits > 15 { return nil }
      } else if c == 0x2C {
        guard separator(after: &group, seen: &sawComma) else { return nil }
      } else {
        return nil
      }
    }
    guard digits > 0, !sawComma || group == 3 else { return nil }
    return Double(value)
  }

  /// A thousands separator after a group of `group` digits: the first one after 1 to 3
  /// digits, each later one after exactly 3. Starts the next group; false when misplaced.
  @inline(__always)
  private static func separator(after group: inout Int, seen: inout Bool) -> Bool {
    guard seen ? group == 3 : (group >= 1 && group <= 3) else { return false }
    seen = true
    group = 0
    return true
  }

  /// Powers of ten that are exact in a Double (10^0 … 10^22).
  public static let exactPowersOfTen: [Double] = (0...22).map { k in
    var p = 1.0
    for _ in 0..<k { p *= 10 }
    return p
  }

  /// The value of a literal that already passed the grammar, by Clinger's exact fast path
  /// (W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990): when the
  /// decimal significand has at most 15 digits it is an exact Double, and so is 10^k for
  /// |k| ≤ 22, so one multiplication or division — a single correctly rounded operation —
  /// gives the correctly rounded value. `nil` (use the general conversion) otherwise, and for
  /// an exponent. Thousands separators (already checked by the grammar) are skipped.
  private static func exactFastPath(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var i = start
    var negative = false
    if b[i] == 0x2D {
      negative = true
      i += 1
    } else if b[i] == 0x2B {
      i += 1
    }
    var significand: UInt64 = 0
    var digits = 0
    var scale = 0
    var afterPoint = false
    while i < end {
      let c = b[i]
      if c >= 0x30 && c <= 0x39 {
        if significand != 0 || c != 0x30 { digits += 1 }
        guard digits <= 15 else { return nil }
        significand = significand * 10 + UInt64(c - 0x30)
        if afterPoint { scale += 1 }
      } else if c == 0x2E {
        afterPoint = true
      } else if c == 0x2C {
        // A thousands separator, where the grammar allows one: not a digit.
      } else {
        return nil  // an exponent: the general path
      }
      i += 1
    }
    return exactValue(significand: significand, scale: scale, negative: negative)
  }

  /// ±significand / 10^scale in one correctly rounded division, for a significand of at
  /// most 15 digits; nil when `scale` exceeds 22 (10^scale no longer exact). Clinger's exact
  /// case, shared by every reader that accumulates the digits itself.
  @inline(__always)
  static func exactValue(significand: UInt64, scale: Int, negative: Bool) -> Double? {
    guard scale >= 0, scale <= 22 else { return nil }
    let magnitude = Double(significand) / exactPowersOfTen[scale]
    return negative ? -magnitude : magnitude
  }

  /// Checks `b[start..<end]` against the grammar; returns whether it has thousands
  /// separators, or `nil` when it is not a number.
  private static func checkGrammar(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int)
    -> Bool?
  {
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    var i = start
    if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }  // + -
    // Integer part, with optional thousands grouping: first group 1-3 digits, then 3 each.
    var intDigits = 0
    var groupLength = 0
    var sawComma = false
    while i < end {
      let c = b[i]
      if isDigit(c) {
        intDigits += 1
        groupLength += 1
      } else if c == 0x2C {  // ,
        guard separator(after: &groupLength, seen: &sawComma) else { return nil }
      } else {
        break
      }
      i += 1
    }
    if sawComma && groupLength != 3 { return nil }
    var fracDigits = 0
    if i < end && b[i] == 0x2E {  // .
      i += 1
      while i < end, isDigit(b[i]) {
        fracDigits += 1
        i += 1
      }
    }
    guard intDigits + fracDigits > 0 else { return nil }
    if i < end && (b[i] == 0x65 || b[i] == 0x45) {  // e E
      i += 1
      if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
      var expDigits = 0
      while i < end, isDigit(b[i]) {
        expDigits += 1
        i += 1
      }
      guard expDigits > 0 else { return nil }
    }
    guard i == end else { return nil }
    return sawComma
  }
}
