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
/// whose magnitude overflows a `Double`.
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
  }

  /// Reads one cell.
  ///
  /// - Complexity: O(length of `text`).
  public static func parse(_ text: String) -> Outcome {
    var bytes = Array(text.utf8)
    // Trim ASCII whitespace.
    while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0D || last == 0x0A {
      bytes.removeLast()
    }
    var start = 0
    while start < bytes.count,
      bytes[start] == 0x20 || bytes[start] == 0x09 || bytes[start] == 0x0D || bytes[start] == 0x0A
    {
      start += 1
    }
    let body = bytes[start...]
    if body.isEmpty { return .missing }
    if body.count <= 3 {
      let lower = String(decoding: body, as: UTF8.self).lowercased()
      if lower == "na" || lower == "n/a" { return .missing }
    }
    guard let cleaned = clean(body) else { return .invalid }
    guard let value = Double(cleaned), value.isFinite else { return .invalid }
    return .number(value)
  }

  /// Checks the grammar and returns the literal without thousands separators.
  private static func clean(_ body: ArraySlice<UInt8>) -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(body.count)
    var i = body.startIndex
    let end = body.endIndex
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    if i < end, body[i] == 0x2B || body[i] == 0x2D {  // + -
      out.append(body[i])
      i += 1
    }
    // Integer part, with optional thousands grouping.
    var intDigits = 0
    var groupLength = 0
    var sawComma = false
    while i < end {
      let c = body[i]
      if isDigit(c) {
        out.append(c)
        intDigits += 1
        groupLength += 1
      } else if c == 0x2C {  // ,
        if sawComma {
          guard groupLength == 3 else { return nil }
        } else {
          guard groupLength >= 1 && groupLength <= 3 else { return nil }
          sawComma = true
        }
        groupLength = 0
      } else {
        break
      }
      i += 1
    }
    if sawComma && groupLength != 3 { return nil }
    // Fraction.
    var fracDigits = 0
    if i < end && body[i] == 0x2E {  // .
      out.append(0x2E)
      i += 1
      while i < end, isDigit(body[i]) {
        out.append(body[i])
        fracDigits += 1
        i += 1
      }
    }
    guard intDigits + fracDigits > 0 else { return nil }
    // Exponent.
    if i < end && (body[i] == 0x65 || body[i] == 0x45) {  // e E
      out.append(0x65)
      i += 1
      if i < end, body[i] == 0x2B || body[i] == 0x2D {
        out.append(body[i])
        i += 1
      }
      var expDigits = 0
      while i < end, isDigit(body[i]) {
        out.append(body[i])
        expDigits += 1
        i += 1
      }
      guard expDigits > 0 else { return nil }
    }
    guard i == end else { return nil }
    return String(decoding: out, as: UTF8.self)
  }
}
