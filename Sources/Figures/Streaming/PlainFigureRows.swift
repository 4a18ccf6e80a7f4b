/// The figures of one quantity of a large file read as *plain rows*: records whose figure is
/// just their cells, so an analysis can take each figure's fields where they lie in the
/// records' bytes instead of building a `Figure` per row. This is the figures reader's row
/// interface for the large-file path (``QuantitySpill``); what an analysis computes from the
/// rows is the same function either way.
///
/// A record is plain when it is printable ASCII (no tab, no control byte but its line end),
/// its fields are unquoted or quoted whole (`"16,595"`, with `""` for a quote) with no space
/// around the quotes and no line end inside, it has the header's field count, its id,
/// period, source, published and document cells have no space at either end, its id is not
/// empty, its `text`, `derived_from` and `weight` cells are empty, and it has no `value`
/// beside a `low` or `high` (a stated centre, or a bound's number); the file must have no
/// `coverage`, `kind`, `scope`, `evidence` or `supersedes` column and no HXL row. Such a
/// figure's meaning is then the format's defaults: its kind is the one its numbers imply, its
/// coverage the run's, its weight 1, and nothing leaves it out of pooling. Anything else sends
/// the quantity through the figures reader (`read` returns nil).
package struct PlainFigureRows {
  /// A text field of a row.
  package enum Field {
    case id, source, published, document
  }

  /// A text cell: `start..<end` in the record bytes, or past them in the side buffer when
  /// `side`; `quote` when it holds a comma or a quote (CSV quotes it again on output).
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

  /// The records' bytes, then the unescaped quoted cells that held `""` (a side cell's
  /// offsets are past the records' bytes), in one allocation that lives as long as the rows.
  private let storage: Storage
  private let rows: [Row]
  /// The distinct periods, each parsed once.
  private let periods: [Period]

  /// The bytes the cells point into, freed with the last copy of the rows.
  private final class Storage {
    let base: UnsafeMutableBufferPointer<UInt8>

    init(_ bytes: [UInt8], _ side: [UInt8]) {
      base = .allocate(capacity: bytes.count + side.count)
      _ = base.initialize(fromContentsOf: bytes)
      _ = UnsafeMutableBufferPointer(rebasing: base[bytes.count...]).initialize(fromContentsOf: side)
    }

    deinit { base.deallocate() }
  }

  private init(bytes: [UInt8], side: [UInt8], rows: [Row], periods: [Period]) {
    storage = Storage(bytes, side)
    self.rows = rows
    self.periods = periods
  }

  /// The number of figures.
  package var count: Int { rows.count }
  /// The `k`-th figure's numbers as its cells state them.
  package func low(_ k: Int) -> Double? { rows[k].low }
  package func high(_ k: Int) -> Double? { rows[k].high }
  package func value(_ k: Int) -> Double? { rows[k].value }
  /// The `k`-th figure's period, nil when its cell is empty.
  package func period(_ k: Int) -> Period? { rows[k].period >= 0 ? periods[rows[k].period] : nil }

  /// The bytes of a text field of the `k`-th figure (as the reader would read the cell:
  /// unquoted, `""` unescaped), valid while the rows live, and whether the text holds a comma
  /// or a quote.
  package func field(_ field: Field, _ k: Int) -> (bytes: UnsafeBufferPointer<UInt8>, special: Bool) {
    let cell: Cell
    switch field {
    case .id: cell = rows[k].id
    case .source: cell = rows[k].source
    case .published: cell = rows[k].published
    case .document: cell = rows[k].document
    }
    return (UnsafeBufferPointer(rebasing: storage.base[cell.start..<cell.end]), cell.quote)
  }

  /// The `k`-th figure's id.
  package func id(_ k: Int) -> String { String(decoding: field(.id, k).bytes, as: UTF8.self) }

  /// The rows of a quantity's records (`QuantitySpill.records(of:)`) in a file with the
  /// columns `c`; nil when a record, or the file, is not plain.
  package static func read(
    _ read: (bytes: [UInt8], records: [(start: Int, end: Int, line: Int)]), columns c: ColumnMap
  ) -> PlainFigureRows? {
    // A `coverage`, `kind`, `scope`, `evidence` or `supersedes` column (a figure of one
    // quantity may supersede one of another): the figures reader reads the file.
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
          PlainRecord.split(
            base, record.start, record.end, bounds: bounds, flags: flags, count: c.count, side: &side,
            sideBase: b.count)
        else { return false }
        // The cell of a column, read from the record or the side buffer.
        func cell(_ column: Int) -> Cell {
          let start = bounds[2 * column]
          let end = bounds[2 * column + 1]
          let f = flags[column]
          // A side cell's bounds are offset by the records' size, as in `storage`.
          return f & PlainRecord.inSide != 0
            ? Cell(start: start, end: end, side: true, quote: true)
            : Cell(start: start, end: end, side: false, quote: f & PlainRecord.needsQuote != 0)
        }
        func isEmpty(_ column: Int?) -> Bool { column.map { bounds[2 * $0] == bounds[2 * $0 + 1] } ?? true }
        func withBytes<R>(_ x: Cell, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
          x.side
            ? side.withUnsafeBufferPointer {
              body(UnsafeBufferPointer(rebasing: $0[(x.start - b.count)..<(x.end - b.count)]))
            }
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
    return PlainFigureRows(bytes: bytes, side: side, rows: rows, periods: periods)
  }
}

extension ColumnMap {
  /// The pass-through columns whose header name is `weight` in any case (as `ranges` reads a
  /// figure's weight from ``Figure/extra``), in order.
  package var weight: [Int] { extraIndices.filter { names[$0].lowercased() == "weight" } }

  /// The columns that change how an analysis reads a figure (`kind`, `scope`, `evidence`,
  /// `supersedes`): a file with any of them has no plain rows.
  package var meaning: [Int] { [self[.kind], self[.scope], self[.evidence], self[.supersedes]].compactMap { $0 } }
}
