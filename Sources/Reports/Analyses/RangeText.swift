import Figures
import Statistics

// Text shared by the analyses' terminal tables and reports: ranges, percentages, aligned columns.

/// `rangeText(a, b)`'s bytes.
func appendRangeText(_ a: Double?, _ b: Double?, to out: inout [UInt8]) {
  appendRangeText(a, b, into: &out)
}

/// `rangeText(a, b)`'s bytes, into any ``ByteAppender``.
func appendRangeText<Out: ByteAppender & ~Copyable>(_ a: Double?, _ b: Double?, into out: inout Out) {
  switch (a, b) {
  case (let a?, let b?) where a != b:
    NumberFormat.appendHuman(a, significant: 4, into: &out)
    out.append(0xE2)  // –
    out.append(0x80)
    out.append(0x93)
    NumberFormat.appendHuman(b, significant: 4, into: &out)
  default:
    out.append(string: rangeText(a, b))
  }
}

/// A range for people: `a–b` (4 significant digits), one number when the ends are equal,
/// "at least a" / "up to b" when one end is open, "—" when both are.
func rangeText(_ a: Double?, _ b: Double?) -> String {
  switch (a, b) {
  case (let a?, let b?) where a == b: return NumberFormat.human(a, significant: 6)
  case (let a?, let b?): return "\(NumberFormat.human(a, significant: 4))–\(NumberFormat.human(b, significant: 4))"
  case (let a?, nil): return "at least \(NumberFormat.human(a, significant: 6))"
  case (nil, let b?): return "up to \(NumberFormat.human(b, significant: 6))"
  default: return "—"
  }
}

/// A quantity's envelope in words: the span of the stated numbers, and the side a bound leaves
/// open ("10,000–300,000; open below: an at-most bound").
func envelopeText(_ rec: RangeReconciliation) -> String {
  var text = rangeText(rec.envelope.low, rec.envelope.high)
  let open = rec.envelopeOpen
  // Only a side that has a stated number is said to be open (otherwise rangeText says it).
  if open.below && rec.envelope.low != nil && open.above && rec.envelope.high != nil {
    text += "; open at both ends: bounds"
  } else if open.below && rec.envelope.low != nil {
    text += "; open below: an at-most bound"
  } else if open.above && rec.envelope.high != nil {
    text += "; open above: an at-least bound"
  }
  return text
}

/// A level as a percentage to one decimal place: 0.95 → "95%".
func pct(_ level: Double) -> String { NumberFormat.plain((level * 1000).rounded() / 10) + "%" }

/// Minimal aligned text tables.
enum TextTable {
  /// The rows aligned in columns, each cell shown through ``TerminalText/escape(_:keepingNewlines:)``
  /// (a cell is one line), so that the columns stay aligned and nothing from the data acts on
  /// the terminal.
  static func render(_ rows: [[String]]) -> String {
    let rows = rows.map { $0.map { TerminalText.escape($0, keepingNewlines: false) } }
    let widths = (0..<(rows.map(\.count).max() ?? 0)).map { c in
      rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0
    }
    return rows.map { r in
      "  "
        + r.enumerated().map { i, s in s + String(repeating: " ", count: max(0, widths[i] - s.count)) }
        .joined(separator: "  ").trimmingBlanks()
    }.joined(separator: "\n")
  }
}
