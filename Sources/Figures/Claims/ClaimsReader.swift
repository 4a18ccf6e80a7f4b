import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads claims files: the numbers human-rights reports print beside their figures ("less
/// than 20 percent of this inflow", "somewhat over a sixth", "500 renminbi [U.S.$50]"), each
/// with a formula that should reproduce it from a figures file.
///
/// ## Format
///
/// CSV as for figures files (UTF-8, optional BOM, RFC 4180 quoting, LF or CRLF), one header
/// row: `id,claim,formula,op,stated,tolerance,source,document,quote,note`. Column names are
/// case-insensitive; unknown columns are passed through (``Claim/extra``). A CSV whose header
/// has a `formula` column is a claims file (``isClaimsFile(header:)``); any other is a figures
/// file.
///
/// | column | meaning |
/// |---|---|
/// | `id` | **required** column: unique id of the claim; an empty cell defaults to `FILE:LINE` |
/// | `claim` | **required** column: the claim in words |
/// | `formula` | **required**: an expression over figure ids and constants that computes the figure the claim is about |
/// | `op` | **required**: `<`, `<=`, `>`, `>=` or `≈` (also `≤`, `≥`, `~`, `approx`) |
/// | `stated` | **required**: the figure as printed — `120`, `"80,000"`, `9.60`, `1/6`, `0.2`; an expression too (thousands separators allowed in a plain numeral) |
/// | `tolerance` | relative tolerance of `≈` (default 0.01; a fraction, or a percentage such as `5%`) |
/// | `source`, `document`, `quote`, `note` | provenance, as in figures files |
///
/// **Formulas.** The expression language of `Statistics.Expression` (`+ - * / ^`,
/// parentheses, `exp log sqrt abs …`) over figure ids and numbers. Figure ids contain hyphens
/// (`mou-2002-partial`), which a formula writes as underscores (`mou_2002_partial`): a name
/// resolves to the figure with that id as written, else with every `_` read as `-`. A bare
/// id is the figure's point value; a range figure used bare is an error (write `low(id)`,
/// `high(id)` or `mid(id)`). Functions:
///
/// | function | value |
/// |---|---|
/// | `share(part, whole)`, `ratio(a, b)` | a / b |
/// | `proportion(k, n)` | k / n; at the top of a formula the claim passes when the stated share lies in the 95% Wilson score interval for k of n |
/// | `sum(a, …)`, `min(a, …)`, `max(a, …)` | sum, least, greatest |
/// | `annualise(x, days)` | x · 365 / days |
/// | `annualise(id)` | the figure's value / the exposure of its period (a partial year scaled to a year) |
/// | `convert(amount, rate)` | amount / rate (rate in units per dollar) |
/// | `net(inflow, outflow)` | inflow − outflow: a stock's change per unit time |
/// | `stay(stock, inflow)` | stock / inflow: mean time in the system (Little's law) |
/// | `little(inflow, stay)` | inflow · stay: the stock Little's law implies |
/// | `growth(quantity, from, to)` | the fitted growth factor per year of `quantity`'s trend over the years from…to |
/// | `low(id)`, `high(id)`, `mid(id)`, `value(id)`, `exposure(id)` | a figure's range ends, midpoint (geometric for a positive range), point value, period exposure |
///
/// **The `≈` rule.** A claim `≈` with a `tolerance` passes when |computed − stated| ≤
/// tolerance·|stated|: the curator's tolerance is the whole rule. Without one it passes when
/// |computed − stated| ≤ max(1%·|stated|, half a unit in the last significant digit of the
/// stated figure as printed): `"80,000"` allows ±5,000 (trailing zeros of an integer are not
/// significant), `"9.60"` ±0.005, `"50"` ±5; a stated expression such as `1/6` allows no
/// rounding.
///
/// ## Validation
///
/// Errors (thrown as `FiguresError.invalid`, in file order): CSV errors; a missing required
/// column (`id`, `claim`, `formula`, `op`, `stated`; at line 1); no data rows; and per row —
/// an empty formula or stated cell, a bad op, a bad tolerance (not a number ≥ 0), a duplicate
/// id. Formulas are checked when claims are evaluated (`ClaimsAnalysis`), where the figures
/// are known.
public enum ClaimsReader {
  /// The columns every claims file must have.
  public static let requiredColumns = ["id", "claim", "formula", "op", "stated"]

  /// The columns the reader knows; others are passed through.
  public static let knownColumns = requiredColumns + ["tolerance", "source", "document", "quote", "note"]

  /// Whether a CSV with this header is a claims file: it has a `formula` column (names
  /// compared ignoring case and surrounding whitespace).
  public static func isClaimsFile(header: [String]) -> Bool {
    header.contains { CSVTable.normalizedName($0) == "formula" }
  }

  /// Whether the CSV at `path` is a claims file, judged from its first line only (the first
  /// 64 KB), so that sniffing a large figures file does not read it; false when unreadable.
  public static func isClaimsFile(path: String) -> Bool {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let head = [UInt8](unsafeUninitializedCapacity: 65_536) { buffer, count in
      count = readFully(fd, into: UnsafeMutableRawBufferPointer(buffer)).count
    }
    var bytes = head.prefix { $0 != 0x0A && $0 != 0x0D }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    let fields = String(decoding: bytes, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
    let quoteOrBlank: (Unicode.Scalar) -> Bool = { $0 == "\"" || $0 == " " || $0 == "\t" }
    return isClaimsFile(header: fields.map { $0.trimming(quoteOrBlank) })
  }

  /// Reads the claims file at `path`.
  ///
  /// - Parameters:
  ///   - path: the file.
  ///   - keepingRowErrors: when true, errors confined to one row (bad op, bad tolerance,
  ///     duplicate id, empty formula or stated) are kept in that claim's ``Claim/problems``
  ///     instead of being thrown, so that the other claims can still be checked.
  /// - Throws: `FiguresError.fileNotFound` / `.unreadable` (exit 66); `FiguresError.invalid`
  ///   (exit 65) with every error found.
  public static func read(path: String, keepingRowErrors: Bool = false) throws(FiguresError)
    -> ClaimsFile
  {
    try parse(CSVReader.readBytes(path: path), path: path, keepingRowErrors: keepingRowErrors)
  }

  /// Parses a claims file's bytes; `path` is used in diagnostics and default ids.
  ///
  /// - Throws: `FiguresError.invalid` with the errors found: the first
  ///   ``DiagnosticCollector/defaultLimit`` in file order and a count of the rest.
  /// - Complexity: O(n) in the file size.
  public static func parse(_ bytes: [UInt8], path: String, keepingRowErrors: Bool = false)
    throws(FiguresError) -> ClaimsFile
  {
    let (parsed, csvErrors) = CSVReader.parseCollecting(bytes, path: path)
    guard let table = parsed else { throw csvErrors.invalid }
    var errors = csvErrors
    var index: [String: Int] = [:]
    for (k, field) in table.header.enumerated() {
      let name = CSVTable.normalizedName(field.value)
      if knownColumns.contains(name), index[name] == nil { index[name] = k }
    }
    let missing = requiredColumns.filter { index[$0] == nil }
    if !missing.isEmpty {
      var names = table.header.prefix(20).map { Diagnostic.excerpt($0.value, limit: 40) }.joined(separator: ", ")
      if table.header.count > 20 { names += ", … (\(table.header.count) in all)" }
      let list = missing.map { "'\($0)'" }.joined(separator: ", ")
      errors.append(
        .error(
          "missing required column\(missing.count > 1 ? "s" : "") \(list) (columns: \(names))",
          at: SourceLocation(path: path, line: 1)))
      throw errors.invalid
    }
    let known = Set(index.values)
    let extraIndices = table.header.indices.filter { !known.contains($0) }
    let lines = QuotedCells(bytes)
    let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent

    var claims: [Claim] = []
    var firstLine: [String: Int] = [:]
    for record in table.records {
      if record.fields.count != table.header.count { continue }
      if record.fields.allSatisfy({ $0.value.trimmingWhitespace().isEmpty }) { continue }
      func field(_ name: String) -> CSVField? {
        guard let k = index[name], k < record.fields.count else { return nil }
        return record.fields[k]
      }
      func text(_ name: String) -> String { field(name)?.value.trimmingWhitespace() ?? "" }
      func location(_ f: CSVField) -> SourceLocation {
        SourceLocation(path: path, line: f.line, column: f.column)
      }
      var problems: [Diagnostic] = []
      let givenID = text("id")
      let id = givenID.isEmpty ? "\(stem):\(record.line)" : givenID
      if !givenID.isEmpty, let idField = field("id") {
        if let first = firstLine[id] {
          problems.append(
            .error("duplicate id '\(Diagnostic.excerpt(id))' (first used on line \(first))", at: location(idField)))
        } else {
          firstLine[id] = record.line
        }
      }
      let formulaField = field("formula") ?? CSVField(value: "", line: record.line, column: 1)
      let statedField = field("stated") ?? CSVField(value: "", line: record.line, column: 1)
      let opField = field("op") ?? CSVField(value: "", line: record.line, column: 1)
      if formulaField.value.trimmingWhitespace().isEmpty {
        problems.append(.error("empty formula", at: location(formulaField)))
      }
      if statedField.value.trimmingWhitespace().isEmpty {
        problems.append(.error("empty stated figure", at: location(statedField)))
      }
      let opText = opField.value.trimmingWhitespace()
      if ClaimOperator(text: opText) == nil {
        problems.append(
          .error(
            "bad op '\(Diagnostic.excerpt(opText))': use <, <=, >, >= or ≈ (also ~ or approx)", at: location(opField)))
      }
      var tolerance = Claim.defaultTolerance
      var toleranceStated = false
      if let tolField = field("tolerance") {
        let raw = tolField.value.trimmingWhitespace()
        if !raw.isEmpty {
          toleranceStated = true
          let isPercent = raw.hasSuffix("%")
          let body = isPercent ? String(raw.dropLast()) : raw
          if case .number(let x) = NumberSyntax.parse(body), x >= 0 {
            tolerance = isPercent ? x / 100 : x
          } else {
            problems.append(
              .error(
                "bad tolerance '\(Diagnostic.excerpt(raw))': give a relative tolerance ≥ 0 such as 0.01 or 1%",
                at: location(tolField)))
          }
        }
      }
      var extra: [String: String] = [:]
      for k in extraIndices where k < record.fields.count {
        extra[table.header[k].value] = record.fields[k].value
      }
      claims.append(
        Claim(
          id: id, claim: text("claim"), formula: formulaField.value,
          formulaColumn: formulaField.column + (lines.isQuoted(formulaField) ? 1 : 0),
          opText: opText, stated: statedField.value,
          statedColumn: statedField.column + (lines.isQuoted(statedField) ? 1 : 0),
          tolerance: tolerance, toleranceStated: toleranceStated, source: text("source"), document: text("document"),
          quote: text("quote"), note: text("note"), extra: extra,
          location: SourceLocation(path: path, line: record.line), problems: problems))
      if !keepingRowErrors { errors.append(contentsOf: problems) }
    }
    if claims.isEmpty && errors.isEmpty {
      errors.append(
        .error(
          "no claims: the file has a header but no data rows",
          at: SourceLocation(path: path, line: 1)))
    }
    if !errors.isEmpty { throw errors.invalid }
    return ClaimsFile(path: path, columns: table.header.map(\.value), claims: claims)
  }
}

/// Tells whether a field starts with an opening quote, so that columns inside a quoted cell
/// can be counted from its first character.
///
/// Only the offset where each line starts is kept (not a copy of the text): a field's column
/// is found by counting characters (UTF-8 lead bytes, as `CSVReader` counts them) from its
/// line's start. Each line belongs to one record, and a record asks about two fields, so a
/// file costs O(n) in all, whatever the length of its lines.
private struct QuotedCells {
  let bytes: [UInt8]
  /// The byte offset where each physical line starts (after the BOM), 0-based by line − 1.
  let lineStarts: [Int]

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
    var starts = [bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0]
    for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
    lineStarts = starts
  }

  func isQuoted(_ field: CSVField) -> Bool {
    let l = field.line - 1
    guard l >= 0, l < lineStarts.count, field.column >= 1 else { return false }
    var i = lineStarts[l]
    var column = 1
    while i < bytes.count, bytes[i] != 0x0A {
      if bytes[i] & 0xC0 != 0x80 {
        if column == field.column { return bytes[i] == 0x22 }
        column += 1
      }
      i += 1
    }
    return false
  }
}
