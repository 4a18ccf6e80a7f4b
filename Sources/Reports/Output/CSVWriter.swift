import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes RFC 4180 CSV for spreadsheets: UTF-8, comma separated, CRLF-free LF line ends,
/// one header row, fields quoted only when needed, numbers as plain decimals of at most 15
/// significant digits.
///
/// Text that a spreadsheet would run as a formula is neutralised as OWASP's CSV-injection
/// guidance says: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
/// is written quoted, with an apostrophe before its text (`=1+1` → `"'=1+1"`), so that
/// LibreOffice and Excel read it as text. A cell that is a plain decimal number
/// (`-?[0-9]+(.[0-9]+)?`, what ``cell(_:)`` writes) is left as it is, negative ones included:
/// a spreadsheet reads it as that number, never as a formula. Every field of every CSV passes
/// through ``appendField(_:to:)`` or ``appendField(_:needsQuotes:into:)`` (the ranges label
/// of the plain-record path checks the same rule on its first byte), so no path escapes the
/// rule. JSON outputs carry the text exactly.
public struct CSVWriter: Sendable {
  /// The header.
  public var header: [String]
  /// The rows, already formatted.
  public private(set) var rows: [[String]] = []

  /// The UTF-8 byte-order mark every CSV file of the report starts with (issue #30): Excel
  /// reads a CSV without it in the system's code page, so "–", "≈" or "±" came out garbled.
  /// Standard output has none (a pipe's reader may not expect one); every CSV reader of the
  /// tool skips it.
  public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// Creates a writer with the given header.
  public init(header: [String]) { self.header = header }

  /// A cell for a number: a plain decimal with 15 significant digits (what spreadsheets
  /// keep, so the cell reads back as exactly this number), or empty when the value does not
  /// exist. Full round-trip precision is in the JSON outputs.
  public static func cell(_ x: Double?) -> String {
    guard let x else { return "" }
    return NumberFormat.plain(x, significant: 15)
  }

  /// A probability's cell (a p-value): `cell(p)` from 10⁻⁶ up, and below that C's scientific
  /// notation with 15 significant digits (`1.23456789012345e-150`), which spreadsheets read as
  /// the same number — a plain decimal of a p-value of 10⁻¹⁵⁰ was 151 digits long (issue #30).
  public static func probabilityCell(_ p: Double?) -> String {
    guard let p, p.isFinite else { return "" }
    guard p != 0, abs(p) < 1e-6 else { return cell(p) }
    return NumberFormat.scientific(p, precision: 14)
  }

  /// Appends a row (padded or truncated to the header's width).
  public mutating func append(_ row: [String]) {
    var r = Array(row.prefix(header.count))
    while r.count < header.count { r.append("") }
    rows.append(r)
  }

  /// The CSV text.
  public var text: String { String(decoding: bytes, as: UTF8.self) }

  /// The CSV text's UTF-8 bytes, written field by field into one buffer (quoted as `escape`
  /// quotes).
  public var bytes: [UInt8] {
    var out: [UInt8] = []
    // One allocation: the cells' bytes, separators and room for some quoting.
    var size = 0
    for r in rows { for f in r { size += f.utf8.count + 1 } }
    out.reserveCapacity(size + size / 16 + 64)
    CSVWriter.appendLine(header, to: &out)
    for r in rows { CSVWriter.appendLine(r, to: &out) }
    return out
  }

  /// The header line's bytes alone.
  public var headerBytes: [UInt8] {
    var out: [UInt8] = []
    CSVWriter.appendLine(header, to: &out)
    return out
  }

  /// The rows' bytes without the header line (a part of a longer CSV written in pieces).
  public var rowBytes: [UInt8] {
    var out: [UInt8] = []
    for r in rows { CSVWriter.appendLine(r, to: &out) }
    return out
  }

  /// Appends one row's fields, comma separated, and the line end.
  private static func appendLine(_ fields: [String], to out: inout [UInt8]) {
    for k in fields.indices {
      if k > 0 { out.append(0x2C) }
      appendField(fields[k].utf8, to: &out)
    }
    out.append(0x0A)
  }

  /// Whether a field must be quoted: it holds a comma, quote, CR or LF, or starts or ends with
  /// a space.
  @inline(__always)
  static func needsQuotes<Bytes: BidirectionalCollection<UInt8>>(_ u: Bytes) -> Bool {
    if u.first == 0x20 || u.last == 0x20 { return true }
    return u.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
  }

  /// Whether a field starting with `byte` may be read as a formula by a spreadsheet: `=`,
  /// `+`, `-`, `@`, tab or carriage return (OWASP's list).
  @inline(__always)
  static func isFormulaLead(_ byte: UInt8) -> Bool {
    byte == 0x3D || byte == 0x2B || byte == 0x2D || byte == 0x40 || byte == 0x09 || byte == 0x0D
  }

  /// Whether a field is a text cell a spreadsheet may run as a formula: it starts with an
  /// ``isFormulaLead(_:)`` byte and is not a plain decimal number (`-?[0-9]+(.[0-9]+)?`,
  /// which a spreadsheet reads as that number). Such a field is written `"'…"`.
  @inline(__always)
  static func isFormulaLike<Bytes: Collection<UInt8>>(_ u: Bytes) -> Bool {
    guard let first = u.first, isFormulaLead(first) else { return false }
    return !isPlainNumber(u)
  }

  /// `-?[0-9]+(.[0-9]+)?`: how ``cell(_:)`` writes a number.
  static func isPlainNumber<Bytes: Collection<UInt8>>(_ u: Bytes) -> Bool {
    var i = u.startIndex
    if i != u.endIndex && u[i] == 0x2D { i = u.index(after: i) }
    var digits = 0
    while i != u.endIndex && u[i] &- 0x30 < 10 {
      digits += 1
      i = u.index(after: i)
    }
    guard digits > 0 else { return false }
    guard i != u.endIndex else { return true }
    guard u[i] == 0x2E else { return false }
    i = u.index(after: i)
    var fraction = 0
    while i != u.endIndex && u[i] &- 0x30 < 10 {
      fraction += 1
      i = u.index(after: i)
    }
    return fraction > 0 && i == u.endIndex
  }

  /// Appends a field, quoted as `escape` quotes it.
  static func appendField<Bytes: BidirectionalCollection<UInt8>>(_ u: Bytes, to out: inout [UInt8]) {
    let formula = isFormulaLike(u)
    guard formula || needsQuotes(u) else { return out.append(contentsOf: u) }
    out.append(0x22)
    if formula { out.append(0x27) }
    for c in u {
      out.append(c)
      if c == 0x22 { out.append(0x22) }
    }
    out.append(0x22)
  }

  /// ``appendField(_:to:)`` from a buffer into any ``ByteAppender``; `needsQuotes` when the
  /// caller already knows (nil: the field is scanned). A formula-like field
  /// (``isFormulaLike(_:)``) is quoted with its apostrophe whatever `needsQuotes` says.
  static func appendField<Out: ByteAppender & ~Copyable>(
    _ u: UnsafeBufferPointer<UInt8>, needsQuotes known: Bool? = nil, into out: inout Out
  ) {
    let formula = isFormulaLike(u)
    guard formula || (known ?? needsQuotes(u)) else { return out.append(bytes: u) }
    out.append(0x22)
    if formula { out.append(0x27) }
    appendQuotedText(u, into: &out)
    out.append(0x22)
  }

  /// Appends text that goes inside a quoted field: its bytes, with each quote doubled.
  static func appendQuotedText<Out: ByteAppender & ~Copyable>(_ u: UnsafeBufferPointer<UInt8>, into out: inout Out) {
    var from = 0
    for i in u.indices where u[i] == 0x22 {
      out.append(bytes: UnsafeBufferPointer(rebasing: u[from...i]))
      out.append(0x22)
      from = i + 1
    }
    out.append(bytes: UnsafeBufferPointer(rebasing: u[from...]))
  }

  /// Quotes a field when it holds a comma, quote, CR or LF (or leading/trailing space), and
  /// neutralises a formula-like one (``isFormulaLike(_:)``): `"'=1+1"`.
  public static func escape(_ field: String) -> String {
    guard needsQuotes(field.utf8) || isFormulaLike(field.utf8) else { return field }
    var out: [UInt8] = []
    out.reserveCapacity(field.utf8.count + 4)
    appendField(field.utf8, to: &out)
    return String(decoding: out, as: UTF8.self)
  }
}
