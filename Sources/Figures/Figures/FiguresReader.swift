import FoundationEssentials

/// Reads and validates figures files (the CLI contract's "Figures files").
///
/// Validation collects every error in the file and throws them together, in file order, as
/// `FiguresError.invalid`:
///
/// - CSV errors (``CSVReader``): quoting, ragged rows, encoding. Rows with the wrong field
///   count are not validated further (their cells may be shifted); the other rows are;
/// - the header must have a `quantity` column (error at line 1), and at least one data row
///   ("no figures");
/// - each row needs a non-empty `quantity` and at least one of `value`, `low`, `high`, `text`;
/// - numbers follow ``NumberSyntax`` (thousands separators allowed, NaN/Inf rejected), and
///   `value`, `low`, `high` may end in a scale word (``FigureWording``: `12.2 million`);
///   `NA` is read as empty;
/// - `low` may not exceed `high`; `coverage` (a fraction, or a percentage such as `90%`)
///   must lie within `Figure.coverageRange` (0.001 to 0.999999) or be exactly 1 (a hard
///   minimum–maximum range);
/// - a `text` in the wording grammar (``FigureWording/reading(_:)``: "more than 370,000")
///   gives the kind and fills the empty numeric cells, or must agree with the filled ones;
///   any other `text` not in ``VerbalQuantities/table`` is an error only when the row has no
///   `value`, `low` or `high` (otherwise it is kept as printed, without a warning);
/// - `kind` and `measure` must be known words; a stated (or worded) kind must agree with the
///   cells (no `high` for at_least, no `low` for at_most, both ends for a range unless
///   verbal, no `low`/`high` for point and about); a stock may not span years
///   (``FiguresBuilder/statementKind(_:cells:printed:reading:verbal:)``); a `cumulative` is
///   one count (point or about) with a period that is a day, a year or `START/END`, not a
///   month (``FiguresBuilder/checkCumulative(_:kind:cells:period:periodGiven:)``);
/// - `period` must parse (``Period/parse(_:)``);
/// - non-empty ids are unique; `derived_from` names only ids in the file, without cycles
///   (a cycle is reported once per back edge, at the `derived_from` cell of the figure where
///   the search first entered it); `supersedes` names only ids in the file, not the row's own.
///
/// Warnings (returned in ``FiguresFile/warnings``): negative numbers, and a `value` outside
/// its own `low`–`high` range.
///
/// Column names are matched ignoring case and surrounding whitespace, with inner spaces or
/// hyphens read as underscores (`Derived From`). Rows whose every cell is blank (as
/// spreadsheets export) are skipped.
///
/// ## HXL
///
/// A second row whose non-empty cells all begin with `#` is an HXL hashtag row: it is not
/// data (it still counts for line numbers), and it maps the columns whose header names are
/// not known ones. Header names win; a known column already present by name is not mapped
/// again. Hashtags are matched ignoring case and spaces, first matching line wins:
///
/// | hashtag | column |
/// |---|---|
/// | `#indicator+value`, `#indicator+num` | value |
/// | `#indicator`, `#item` (with any other attributes) | quantity |
/// | `#affected`, `#population`, `#value`, `#inneed`, `#targeted`, `#reached` with `+min` | low |
/// | the same with `+max` | high |
/// | the same otherwise (`#affected+killed`) | value |
/// | `#date+reported`, `#date+published` | published |
/// | `#date` otherwise | period |
/// | `#meta+source` | source |
/// | `#meta+url`, `#meta+document`, `#meta+link` | document |
/// | `#meta+quote` | quote |
/// | `#meta+method` | method |
/// | `#meta+note`, `#meta+comment`, `#description` | note |
/// | `#meta+id` | id |
/// | `#meta+unit` | unit |
/// | `#meta+coverage` | coverage |
/// | `#meta+derived` | derived_from |
/// | `#meta+text` | text |
/// | `#meta+published` | published |
/// | `#meta+period` | period |
/// | `#meta+kind`, `#meta+measure`, `#meta+series` | kind, measure, series |
/// | `#meta+supersedes`, `#meta+scope`, `#meta+evidence` | supersedes, scope, evidence |
///
/// Other hashtags (`#country`, `#adm1`, `#org`…) map to nothing: the column is passed through
/// in ``Figure/extra`` under its header name.
public enum FiguresReader {
  /// Reads the figures file at `path`.
  ///
  /// - Throws: `FiguresError.fileNotFound` / `.unreadable` (exit 66) when the file cannot be
  ///   read; `FiguresError.invalid` (exit 65) with every error found.
  public static func read(path: String) throws(FiguresError) -> FiguresFile {
    try parse(CSVReader.readBytes(path: path), path: path)
  }

  /// Whether `record` is an HXL hashtag row: at least one non-empty cell, and every
  /// non-empty cell begins with `#`.
  static func isHashtagRow(_ record: CSVRecord) -> Bool {
    var any = false
    for field in record.fields {
      let text = field.value.trimmingWhitespace()
      if text.isEmpty { continue }
      guard text.hasPrefix("#") else { return false }
      any = true
    }
    return any
  }

  /// Parses a figures file's bytes; `path` is used in diagnostics and default ids.
  ///
  /// - Throws: `FiguresError.invalid` with every error found, in file order.
  /// - Complexity: O(n) in the file size.
  public static func parse(_ bytes: [UInt8], path: String) throws(FiguresError) -> FiguresFile {
    // Rows are turned into figures as the CSV parser reads them, so the file's cells are
    // never all held at once (only the figures are).
    var builder: FiguresBuilder? = nil
    // Rows are at most the lines: reserving that many figures up front spares the copies of
    // a growing array of large values.
    let lines = bytes.withUnsafeBufferPointer { b in b.reduce(into: 0) { if $1 == 0x0A { $0 += 1 } } }
    let csvErrors = CSVReader.parseStreaming(bytes, path: path) { record, isHeader in
      if isHeader {
        builder = FiguresBuilder(header: record.fields, path: path)
        builder?.reserve(lines)
      } else {
        builder?.consume(record)
      }
    }
    guard var builder else { throw csvErrors.invalid }
    return try builder.finish(csvErrors: csvErrors)
  }

  /// Figures of some rows of a file that has been validated whole (``StreamingValidator``):
  /// `bytes` holds the file's header record (and its HXL hashtag row when `hashtagRow`)
  /// followed by the chosen records, and `lines[k]` is the line in the original file where the
  /// k-th of them starts, so that locations and default ids are the original ones. The checks
  /// that need the whole file (unique ids, `derived_from` targets and cycles) are not
  /// repeated: a row may name an id in a row that is not among these.
  static func parseValidatedRows(
    _ bytes: [UInt8], lines: [Int], hashtagRow: Bool, path: String
  ) throws(FiguresError) -> FiguresFile {
    var builder: FiguresBuilder? = nil
    var k = 0
    var misaligned = false
    let csvErrors = CSVReader.parseStreaming(bytes, path: path) { record, isHeader in
      if isHeader {
        builder = FiguresBuilder(header: record.fields, path: path)
        builder?.reserve(lines.count)
        // Without an HXL row the columns are the header's from the start: a quantity's first
        // row is not the file's second row, so it is never taken for one.
        if !hashtagRow { builder?.mapColumns(hashtags: nil) }
        return
      }
      if builder?.mapped == false {
        builder?.consume(record)  // the HXL row: it maps the columns
        return
      }
      guard k < lines.count else {
        misaligned = true
        return
      }
      var original = record
      original.line = lines[k]
      k += 1
      builder?.consume(original)
    }
    guard var builder, !misaligned, k == lines.count else {
      var errors = csvErrors
      errors.append(
        .error(
          "internal error: the rows of the quantity could not be read again", at: SourceLocation(path: path, line: 1)))
      throw errors.invalid
    }
    builder.skipsFileChecks = true
    return try builder.finish(csvErrors: csvErrors)
  }
}

/// The validation pass behind `FiguresReader.parse`, fed one row at a time.
/// Builds a figures file from CSV records: the columns mapped once, each row checked and
/// turned into a ``Figure``, the checks across rows (``checkProvenance``) at the end.
struct FiguresBuilder {
  /// The header row's fields.
  let header: [CSVField]
  let path: String
  /// Errors found in the rows (the CSV layer's come separately, to `finish`): the first in
  /// file order, and a count.
  var errors = DiagnosticCollector()
  var warnings: [Diagnostic] = []
  /// Column index of each known column.
  var columnIndex = ColumnMap(header: [])
  /// CSV column indices that map to no known column: passed through in `Figure.extra`.
  var extraIndices: [Int] = []
  /// Verbal lookups and parsed periods repeat across rows; each distinct text is read once.
  var verbalCache: [String: VerbalQuantity?] = [:]
  /// Texts read by the wording grammar (``FigureWording/reading(_:)``), each distinct text once.
  var wordingCache: [String: WordingReading] = [:]
  var periodCache: [String: Result<Period, PeriodParseError>] = [:]
  /// Where the figures' default ids come from.
  let stem: String
  /// Whether the columns are mapped yet (at the first data row, which may be an HXL row).
  var mapped = false
  /// The error of a missing `quantity` column: no row is read after it.
  var missingQuantity: Diagnostic? = nil
  var figures: [Figure] = []
  var derivedFields: [CSVField?] = []
  var supersedesFields: [CSVField?] = []
  var idFields: [CSVField?] = []
  /// Set for rows of a file validated whole: the checks across rows are not repeated.
  var skipsFileChecks = false

  init(header: [CSVField], path: String) {
    self.header = header
    self.path = path
    self.stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
  }

  /// Room for `rows` figures.
  mutating func reserve(_ rows: Int) {
    figures.reserveCapacity(rows)
    derivedFields.reserveCapacity(rows)
    supersedesFields.reserveCapacity(rows)
    idFields.reserveCapacity(rows)
  }

  /// Maps the columns: by header name, then (for the rest) by the hashtags of an HXL row
  /// (``ColumnMap/init(header:hashtags:)``).
  mutating func mapColumns(hashtags: CSVRecord?) {
    mapped = true
    columnIndex = ColumnMap(header: header.map(\.value), hashtags: hashtags?.fields.map(\.value))
    extraIndices = columnIndex.extraIndices
    if columnIndex[.quantity] == nil {
      // The names listed are cut short: a header may have millions of columns, or one of a
      // gigabyte.
      var names = header.prefix(20).map { Diagnostic.excerpt($0.value, limit: 40) }.joined(separator: ", ")
      if header.count > 20 { names += ", … (\(header.count) in all)" }
      missingQuantity = .error(
        "missing required column 'quantity' (columns: \(names))", at: SourceLocation(path: path, line: 1))
    }
  }

  /// One data row.
  mutating func consume(_ record: CSVRecord) {
    if !mapped {
      if FiguresReader.isHashtagRow(record) {
        mapColumns(hashtags: record)
        return
      }
      mapColumns(hashtags: nil)
    }
    guard missingQuantity == nil else { return }
    // A row with the wrong field count is already an error; its cells may be shifted, so
    // it is not validated further.
    if record.fields.count != header.count { return }
    if record.fields.allSatisfy({ $0.value.trimmingWhitespace().isEmpty }) { return }
    // Rows with errors are kept until the end so that ids and derived_from still resolve.
    figures.append(makeFigure(record))
    derivedFields.append(cell(.derivedFrom, record))
    supersedesFields.append(cell(.supersedes, record))
    idFields.append(cell(.id, record))
  }

  /// The file's figures, or every error (the CSV layer's first, then the rows', in file order).
  mutating func finish(csvErrors: DiagnosticCollector) throws(FiguresError) -> FiguresFile {
    if !mapped { mapColumns(hashtags: nil) }
    if let missingQuantity {
      var all = csvErrors
      all.append(missingQuantity)
      throw all.invalid
    }
    let rowErrors = errors
    errors = csvErrors
    errors.append(contentsOf: rowErrors)
    if figures.isEmpty && errors.isEmpty {
      errors.append(
        .error(
          "no figures: the file has a header but no data rows",
          at: SourceLocation(path: path, line: 1)))
    }
    if !skipsFileChecks { checkProvenance(figures, idFields: idFields, derivedFields: derivedFields) }
    if !errors.isEmpty { throw errors.invalid }
    return FiguresFile(
      path: path, columns: header.map(\.value), figures: figures,
      warnings: CSVReader.sortedInFileOrder(warnings))
  }

  func cell(_ column: FigureColumn, _ record: CSVRecord) -> CSVField? {
    guard let index = columnIndex[column], index < record.fields.count else { return nil }
    return record.fields[index]
  }

  func text(_ column: FigureColumn, _ record: CSVRecord) -> String {
    cell(column, record)?.value.trimmingWhitespace() ?? ""
  }

  func location(_ field: CSVField) -> SourceLocation {
    SourceLocation(path: path, line: field.line, column: field.column)
  }

  func headerName(_ column: FigureColumn) -> String {
    guard let index = columnIndex[column], index < header.count else {
      return column.rawValue
    }
    let name = header[index].value.trimmingWhitespace()
    return name.isEmpty ? column.rawValue : Diagnostic.excerpt(name)
  }

  /// Reads a number column; records an error for text that is not a number.
  mutating func number(_ column: FigureColumn, _ record: CSVRecord) -> (Double?, ok: Bool) {
    guard let field = cell(column, record) else { return (nil, true) }
    switch FigureWording.scaledNumber(field.value) {
    case .number(let x):
      if x < 0 {
        warnings.append(
          .warning(
            "negative number \(formatNumber(x)) in column \(headerName(column))",
            at: location(field)))
      }
      return (x, true)
    case .missing:
      return (nil, true)
    case .invalid:
      let raw = Diagnostic.excerpt(field.value.trimmingWhitespace())
      let message =
        NumberSyntax.rangeProblem(raw).map {
          "number '\(raw)' in column \(headerName(column)) is out of range: it \($0)"
        }
        ?? "bad number '\(raw)' in column \(headerName(column))"
      errors.append(.error(message, at: location(field)))
      return (nil, false)
    }
  }

  mutating func makeFigure(_ record: CSVRecord) -> Figure {
    let rowLocation = SourceLocation(path: path, line: record.line)

    let quantity = text(.quantity, record)
    if quantity.isEmpty, let field = cell(.quantity, record) {
      errors.append(.error("missing quantity", at: location(field)))
    }
    var cells = StatedCells()
    (cells.value, cells.valueOK) = number(.value, record)
    (cells.low, cells.lowOK) = number(.low, record)
    (cells.high, cells.highOK) = number(.high, record)
    let (value, low, high) = (cells.value, cells.low, cells.high)
    if let low, let high, low > high, let field = cell(.low, record) {
      errors.append(
        .error(
          "inverted range: low \(formatNumber(low)) > high \(formatNumber(high))",
          at: location(field)))
    } else if let value, let field = cell(.value, record),
      (low.map { value < $0 } ?? false) || (high.map { value > $0 } ?? false)
    {
      warnings.append(
        .warning(
          "value \(formatNumber(value)) lies outside its range \(formatNumber(low))–\(formatNumber(high))",
          at: location(field)))
    }

    let printed = text(.text, record)
    var verbal: VerbalQuantity? = nil
    var reading: (kind: FigureKind, number: Double)? = nil
    if !printed.isEmpty {
      reading = wording(printed)
      if reading == nil {
        if let cached = verbalCache[printed] {
          verbal = cached
        } else {
          verbal = VerbalQuantities.lookup(printed)
          verbalCache[printed] = verbal
        }
      }
      if verbal == nil && reading == nil && !cells.hasNumber, let field = cell(.text, record) {
        errors.append(
          .error(
            "unknown verbal quantity '\(Diagnostic.excerpt(printed))': not in the verbal table; give value, low or high",
            at: location(field)))
      }
    }
    if !cells.hasNumber && printed.isEmpty {
      errors.append(
        .error("row has no figure: give value, low/high or text", at: rowLocation))
    }

    var coverage = Figure.defaultCoverage
    if let field = cell(.coverage, record) {
      let raw = field.value.trimmingWhitespace()
      if !raw.isEmpty {
        let isPercent = raw.hasSuffix("%")
        let body = isPercent ? String(raw.dropLast()) : raw
        switch NumberSyntax.parse(body) {
        case .number(let x):
          let p = isPercent ? x / 100 : x
          if Figure.acceptsCoverage(p) {
            coverage = p
          } else {
            errors.append(
              .error(
                "coverage \(Diagnostic.excerpt(raw)) must lie between \(Figure.coverageRange.lowerBound) and \(Figure.coverageRange.upperBound), or be 1 for a hard minimum–maximum range (the probability that the range holds the value)",
                at: location(field)))
          }
        case .invalid where NumberSyntax.rangeProblem(body) != nil:
          errors.append(
            .error(
              "coverage '\(raw)' is out of range: it \(NumberSyntax.rangeProblem(body) ?? "")", at: location(field)))
        case .missing, .invalid:
          errors.append(
            .error(
              "bad number '\(Diagnostic.excerpt(raw))' in column \(headerName(.coverage))", at: location(field)))
        }
      }
    }

    var period: Period? = nil
    if let field = cell(.period, record) {
      let raw = field.value.trimmingWhitespace()
      if !raw.isEmpty {
        let parsed: Result<Period, PeriodParseError>
        if let cached = periodCache[raw] {
          parsed = cached
        } else {
          parsed = Period.parse(raw)
          periodCache[raw] = parsed
        }
        switch parsed {
        case .success(let p): period = p
        case .failure(let reason):
          errors.append(.error("bad period: \(reason)", at: location(field)))
        }
      }
    }

    let kind = statementKind(record, cells: &cells, printed: printed, reading: reading, verbal: verbal)
    let measure = statementMeasure(record, period: period)
    if measure.0 == .cumulative {
      let periodGiven = cell(.period, record).map { !$0.value.trimmingWhitespace().isEmpty } ?? false
      checkCumulative(record, kind: kind.0, cells: cells, period: period, periodGiven: periodGiven)
    }

    let givenID = text(.id, record)
    var extra: [String: String] = [:]
    for index in extraIndices where index < record.fields.count {
      extra[header[index].value] = record.fields[index].value
    }

    var figure = Figure(
      id: givenID.isEmpty ? "\(stem):\(record.line)" : givenID,
      quantity: quantity, unit: text(.unit, record), value: cells.value, low: cells.low, high: cells.high,
      text: printed.isEmpty ? nil : printed, verbal: verbal, period: period, coverage: coverage,
      source: text(.source, record), published: text(.published, record),
      document: text(.document, record), quote: text(.quote, record),
      method: text(.method, record), note: text(.note, record), derivedFrom: idList(.derivedFrom, record),
      extra: extra, location: rowLocation)
    // An empty cell states nothing: the run's --coverage (or the default) applies to it.
    figure.coverageStated = !text(.coverage, record).isEmpty
    (figure.kind, figure.kindStated) = kind
    (figure.measure, figure.measureStated) = measure
    figure.series = text(.series, record)
    figure.supersedes = idList(.supersedes, record)
    figure.scope = text(.scope, record)
    figure.evidence = text(.evidence, record)
    return figure
  }

  /// A list of ids (`derived_from`, `supersedes`): split on `;`, trimmed, empties dropped.
  func idList(_ column: FigureColumn, _ record: CSVRecord) -> [String] {
    text(column, record)
      .split(separator: ";")
      .map { String($0).trimmingWhitespace() }
      .filter { !$0.isEmpty }
  }
}

/// A number as users wrote it: integers without a decimal point, others in Swift's
/// shortest round-trip form; `nil` as an empty string.
func formatNumber(_ x: Double?) -> String {
  guard let x else { return "" }
  if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
  return "\(x)"
}
