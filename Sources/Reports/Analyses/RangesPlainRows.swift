import Figures
import Statistics

/// `ranges --format csv` on a quantity of a large file, read straight from its records' bytes
/// when every record is *plain*: what the figures reader would make of such a record is then
/// just its cells, so the CSV rows can be written from those bytes and the numbers, without
/// building a `Figure` per row.
///
/// A record is plain when it is printable ASCII (no tab, no control byte but its line end),
/// its fields are unquoted or quoted whole (`"16,595"`, with `""` for a quote) with no space
/// around the quotes and no line end inside, it has the header's field count, its id,
/// period, source, published and document cells have no space at either end, its id is not
/// empty, its `text`, `derived_from` and `weight` cells are empty, and it has no `value`
/// beside a `low` or `high` (a stated centre, or a bound's number); the file must have no
/// `coverage`, `kind`, `scope`, `evidence` or `supersedes` column and no HXL row. Anything
/// else — verbal figures, restatements, stated coverages or weights, accents, odd spacing —
/// sends the whole quantity through the figures reader, as before. The output is the same bytes either way (tested on random files against
/// the whole-file analysis).
///
/// The cells are read where they lie in the records (only a quoted cell with `""` in it is
/// copied, unescaped, to a side buffer), and the rows are written through a pointer
/// (``RawBytes``): at 1,500 figures a quantity this path runs once per quantity of a file of
/// hundreds of megabytes, and copies and per-byte array appends were a third of its time.
enum RangesPlainRows {
  /// A text cell: `start..<end` in the record bytes, or in the side buffer when `side`;
  /// `quote` when it holds a comma or a quote (CSV quotes it again on output).
  struct Cell {
    var start: Int
    var end: Int
    var side: Bool
    var quote: Bool
  }

  /// One plain record's cells.
  struct Row {
    var id: Cell
    var source: Cell
    var published: Cell
    var document: Cell
    var low: Double?
    var high: Double?
    var value: Double?
    /// Index into the quantity's distinct periods; -1 for none.
    var period: Int
  }

  /// The CSV rows of the `k`-th quantity of `spill`, whose records `read` are (from
  /// `spill.records(of: k)`), with the header line when `header`; nil when a record is not
  /// plain.
  static func csv(
    _ spill: QuantitySpill, _ k: Int, records read: (bytes: [UInt8], records: [(start: Int, end: Int, line: Int)]),
    columns c: ColumnMap, header: Bool, coverage: Double?, level: Double
  ) throws -> [UInt8]? {
    // A `kind`, `scope`, `evidence` or `supersedes` column (a figure of one quantity may
    // supersede one of another): the figures reader reads the file.
    guard c.coverage == nil, c.meaning.isEmpty, let idColumn = c.id else { return nil }
    let (bytes, records) = read
    guard !records.isEmpty else { return nil }
    var side: [UInt8] = []
    var rows: [Row] = []
    rows.reserveCapacity(records.count)
    var periods: [Period] = []
    /// A period cell's bytes to its index in `periods` (-1: not a period), each distinct text
    /// parsed once.
    var periodIndex = ByteKeyCache<Int>()
    // Field bounds of the record being read, two slots per column, and its flags.
    let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * c.count)
    let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: c.count)
    defer {
      bounds.deallocate()
      flags.deallocate()
    }
    // The columns, looked up once (not per record: `weight` compares header names).
    let weightColumns = c.weight
    let (sourceColumn, publishedColumn, documentColumn, periodColumn) = (c.source, c.published, c.document, c.period)
    let (textColumn, derivedColumn) = (c.text, c.derivedFrom)
    let (valueColumn, lowColumn, highColumn) = (c.value, c.low, c.high)
    let plain = bytes.withUnsafeBufferPointer { b -> Bool in
      guard let base = b.baseAddress else { return false }
      for record in records {
        guard
          split(
            base, record.start, record.end, bounds: bounds, flags: flags, count: c.count, side: &side,
            sideBase: b.count)
        else { return false }
        // The cell of a column, read from the record or the side buffer.
        func cell(_ column: Int) -> Cell {
          let start = bounds[2 * column]
          let end = bounds[2 * column + 1]
          let f = flags[column]
          return f & inSide != 0
            ? Cell(start: start - b.count, end: end - b.count, side: true, quote: true)
            : Cell(start: start, end: end, side: false, quote: f & needsQuote != 0)
        }
        func isEmpty(_ column: Int?) -> Bool { column.map { bounds[2 * $0] == bounds[2 * $0 + 1] } ?? true }
        func withBytes<R>(_ x: Cell, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
          x.side
            ? side.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[x.start..<x.end])) }
            : body(UnsafeBufferPointer(rebasing: b[x.start..<x.end]))
        }
        // No space at either end.
        func trimmed(_ x: Cell) -> Bool {
          withBytes(x) { $0.isEmpty || ($0[0] != 0x20 && $0[$0.count - 1] != 0x20) }
        }
        let none = Cell(start: 0, end: 0, side: false, quote: false)
        let id = cell(idColumn)
        let source = sourceColumn.map(cell) ?? none
        let published = publishedColumn.map(cell) ?? none
        let document = documentColumn.map(cell) ?? none
        let periodCell = periodColumn.map(cell)
        guard id.end > id.start, trimmed(id), periodCell.map(trimmed) ?? true, trimmed(source),
          trimmed(published), trimmed(document), isEmpty(textColumn), isEmpty(derivedColumn),
          weightColumns.allSatisfy({ isEmpty($0) })
        else { return false }
        // A number cell: nil when missing; .invalid (never in a validated file) ends the path.
        func number(_ column: Int?) -> NumberSyntax.Outcome {
          guard let column else { return .missing }
          return withBytes(cell(column)) { NumberSyntax.parse(bytes: $0) }
        }
        let value = number(valueColumn)
        let low = number(lowColumn)
        let high = number(highColumn)
        guard value != .invalid, low != .invalid, high != .invalid else { return false }
        // A value beside a range or a bound is a stated centre, or a bound's number: not plain.
        if value.number != nil && (low.number != nil || high.number != nil) { return false }
        var period = -1
        if let p = periodCell, p.end > p.start {
          let known = withBytes(p) { t in
            periodIndex.value(for: t) { text in
              guard case .success(let parsed) = Period.parse(String(decoding: text, as: UTF8.self)) else { return -1 }
              periods.append(parsed)
              return periods.count - 1
            }
          }
          guard known >= 0 else { return false }
          period = known
        }
        rows.append(
          Row(
            id: id, source: source, published: published, document: document, low: low.number,
            high: high.number, value: value.number, period: period))
      }
      return true
    }
    guard plain else { return nil }

    return bytes.withUnsafeBufferPointer { b in
      side.withUnsafeBufferPointer { s in
        func slice(_ x: Cell) -> UnsafeBufferPointer<UInt8> {
          UnsafeBufferPointer(rebasing: (x.side ? s : b)[x.start..<x.end])
        }
        let quantity = spill.quantities[k]
        // A pooling that fails goes back to the whole-quantity path, which reports it with
        // its file.
        guard let rec = pool(rows, slice: slice, quantity: quantity, coverage: coverage, level: level) else {
          return nil
        }
        return write(rows, slice: slice, periods: periods, quantity: quantity, rec, header: header, size: b.count)
      }
    }
  }

  /// The pooling, as `RangesAnalysis.run` does it for such figures for the CSV: without the
  /// conflicts and leave-one-out, which the CSV rows do not report; nil when it fails.
  private static func pool(
    _ rows: [Row], slice: (Cell) -> UnsafeBufferPointer<UInt8>, quantity: String, coverage: Double?, level: Double
  ) -> RangeReconciliation? {
    var inputs: [RangeInput] = []
    inputs.reserveCapacity(rows.count)
    for row in rows {
      inputs.append(
        RangeInput(
          id: String(decoding: slice(row.id), as: UTF8.self), low: row.low, high: row.high, value: row.value,
          coverage: coverage ?? Figure.defaultCoverage, weight: 1, excludedReason: nil))
    }
    return try? RangePooling.reconcile(inputs, level: level, conflicts: false, leaveOneOut: false)
  }

  /// The rows, as `RangesAnalysis.writeCSVRows` writes them, then the summary rows.
  private static func write(
    _ rows: [Row], slice: (Cell) -> UnsafeBufferPointer<UInt8>, periods: [Period], quantity: String,
    _ rec: RangeReconciliation, header: Bool, size: Int
  ) -> [UInt8] {
    var out = RawBytes(capacity: size + size / 4 + 4096)
    // What repeats on every row, quoted once: the quantity and kind cells, then the periods.
    var constant = RawBytes(capacity: 256)
    if header {
      var w = CSVByteSink(width: RangesAnalysis.csvHeader.count)
      for h in RangesAnalysis.csvHeader { w.text(h) }
      w.endRow()
      w.out.withUnsafeBufferPointer { out.append(bytes: $0) }
    }
    var q = quantity
    q.withUTF8 { CSVWriter.appendField($0, into: &constant) }
    constant.append(string: ",source,")
    let leadCount = constant.count
    var periodCells: [Range<Int>] = []
    periodCells.reserveCapacity(periods.count)
    for p in periods {
      let from = constant.count
      var text = p.text
      text.withUTF8 { CSVWriter.appendField($0, into: &constant) }
      periodCells.append(from..<constant.count)
    }
    let constants = constant.buffer
    let lead = UnsafeBufferPointer(rebasing: constants[0..<leadCount])
    for k in rows.indices {
      let row = rows[k]
      let low = row.low ?? row.value
      let high = row.high ?? row.value
      let (pooled, excluded) = rec.entry(ofInput: k)
      let mid: Double? = pooled.map { rec.distributions[$0].mid } ?? row.value ?? geometricMid(low, high)
      out.append(bytes: lead)
      CSVWriter.appendField(slice(row.id), needsQuotes: row.id.quote, into: &out)
      out.append(0x2C)
      appendLabel(row, slice: slice, periods: periods, low: low, high: high, into: &out)
      out.append(0x2C)
      NumberFormat.appendPlain15(low, into: &out)
      out.append(0x2C)
      NumberFormat.appendPlain15(mid, into: &out)
      out.append(0x2C)
      NumberFormat.appendPlain15(high, into: &out)
      out.append(0x2C)
      NumberFormat.appendPlain15(row.value, into: &out)
      out.append(0x2C)
      if pooled == nil {
        out.append(0x6E)  // no
        out.append(0x6F)
      } else {
        out.append(0x79)  // yes
        out.append(0x65)
        out.append(0x73)
      }
      out.append(0x2C)
      if let excluded {
        var reason = rec.excluded[excluded].reason
        reason.withUTF8 { CSVWriter.appendField($0, into: &out) }
      }
      out.append(0x2C)
      CSVWriter.appendField(slice(row.source), needsQuotes: row.source.quote, into: &out)
      out.append(0x2C)
      CSVWriter.appendField(slice(row.published), needsQuotes: row.published.quote, into: &out)
      out.append(0x2C)
      if row.period >= 0 { out.append(bytes: UnsafeBufferPointer(rebasing: constants[periodCells[row.period]])) }
      out.append(0x2C)
      CSVWriter.appendField(slice(row.document), needsQuotes: row.document.quote, into: &out)
      out.append(0x0A)
    }
    var w = CSVByteSink(width: RangesAnalysis.csvHeader.count)
    RangesAnalysis.writeCSVSummary(quantity: quantity, rec, to: &w)
    w.out.withUnsafeBufferPointer { out.append(bytes: $0) }
    return Array(out.buffer)
  }

  /// The label cell "<source> <year, or published>: <range>", quoted as `CSVWriter` quotes
  /// it, written in place: the text goes after an opening quote, with its quotes doubled,
  /// and when it turns out to need no quoting (no comma, quote or line end, no space at
  /// either end) it moves back over the opening quote (it then had no quote to double). A
  /// source starting with a formula character (`CSVWriter.isFormulaLead`) makes the label
  /// formula-like (it is never a plain number: it holds ": "), so it gets its apostrophe and
  /// its quotes, as `CSVWriter.appendField` gives them.
  private static func appendLabel(
    _ row: Row, slice: (Cell) -> UnsafeBufferPointer<UInt8>, periods: [Period], low: Double?, high: Double?,
    into out: inout RawBytes
  ) {
    let open = out.count
    out.append(0x22)
    let source = slice(row.source)
    let formula = !source.isEmpty && CSVWriter.isFormulaLead(source[0])
    if formula { out.append(0x27) }
    CSVWriter.appendQuotedText(source, into: &out)
    out.append(0x20)
    var needs = formula || row.source.quote || source.isEmpty || source[0] == 0x20
    if row.period >= 0 {
      NumberFormat.appendInteger(Int64(periods[row.period].year), to: &out)
    } else {
      CSVWriter.appendQuotedText(slice(row.published), into: &out)
      needs = needs || row.published.quote
    }
    out.append(0x3A)
    out.append(0x20)
    let range = out.count
    appendRangeText(low, high, into: &out)
    let written = out.buffer
    if !needs {
      needs = written[written.count - 1] == 0x20
      for c in UnsafeBufferPointer(rebasing: written[range...]) where c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D {
        needs = true
        break
      }
    }
    if needs {
      out.append(0x22)
    } else {
      out.dropByte(at: open)
    }
  }

  static let needsQuote = PlainRecord.needsQuote
  static let inSide = PlainRecord.inSide

  /// The record split into fields (``PlainRecord/split(_:_:_:bounds:flags:count:side:sideBase:)``).
  static func split(
    _ b: UnsafePointer<UInt8>, _ start: Int, _ end: Int, bounds: UnsafeMutablePointer<Int>,
    flags: UnsafeMutablePointer<UInt8>, count: Int, side: inout [UInt8], sideBase: Int
  ) -> Bool {
    PlainRecord.split(b, start, end, bounds: bounds, flags: flags, count: count, side: &side, sideBase: sideBase)
  }
}
