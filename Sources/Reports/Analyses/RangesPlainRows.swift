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
/// empty, and its `text`, `derived_from` and `weight` cells are empty; the file must have no
/// `coverage` column and no HXL row. Anything else — verbal figures, restatements, stated
/// coverages or weights, accents, odd spacing — sends the whole quantity through the figures
/// reader, as before. The output is the same bytes either way (tested on random files against
/// the whole-file analysis).
enum RangesPlainRows {
  /// One plain record's cells: byte ranges into the quantity's cell buffer.
  struct Row {
    var id: Range<Int>
    var source: Range<Int>
    var published: Range<Int>
    var document: Range<Int>
    var low: Double?
    var high: Double?
    var value: Double?
    var period: Period?
  }

  /// The CSV rows of the `k`-th quantity of `spill`, whose records `read` are (from
  /// `spill.records(of: k)`), with the header line when `header`; nil when a record is not
  /// plain.
  static func csv(
    _ spill: QuantitySpill, _ k: Int, records read: (bytes: [UInt8], records: [(start: Int, end: Int, line: Int)]),
    columns c: SpillColumns, header: Bool, coverage: Double?, level: Double
  ) throws -> [UInt8]? {
    guard c.coverage == nil, let idColumn = c.id else { return nil }
    let (bytes, records) = read
    var cells: [UInt8] = []
    cells.reserveCapacity(bytes.count / 2)
    var rows: [Row] = []
    rows.reserveCapacity(records.count)
    var periods: [String: Period] = [:]
    // Field boundaries of the record being read (into `cells`), one slot per column.
    var fields = [Range<Int>](repeating: 0..<0, count: c.count)
    let plain = bytes.withUnsafeBufferPointer { b -> Bool in
      for record in records {
        guard split(b, record.start, record.end, into: &fields, cells: &cells) else { return false }
        func cell(_ column: Int?) -> Range<Int>? { column.map { fields[$0] } }
        func trimmed(_ r: Range<Int>?) -> Bool {
          guard let r, !r.isEmpty else { return true }
          return cells[r.lowerBound] != 0x20 && cells[r.upperBound - 1] != 0x20
        }
        let id = fields[idColumn]
        guard !id.isEmpty, trimmed(id), trimmed(cell(c.period)), trimmed(cell(c.source)),
          trimmed(cell(c.published)), trimmed(cell(c.document)),
          cell(c.text)?.isEmpty ?? true, cell(c.derivedFrom)?.isEmpty ?? true,
          c.weight.allSatisfy({ fields[$0].isEmpty })
        else { return false }
        // A number cell: nil when missing; .invalid (never in a validated file) ends the path.
        func number(_ column: Int?) -> NumberSyntax.Outcome {
          guard let r = cell(column) else { return .missing }
          return cells.withUnsafeBufferPointer { NumberSyntax.parse(bytes: UnsafeBufferPointer(rebasing: $0[r])) }
        }
        let value = number(c.value)
        let low = number(c.low)
        let high = number(c.high)
        guard value != .invalid, low != .invalid, high != .invalid else { return false }
        var period: Period? = nil
        if let r = cell(c.period), !r.isEmpty {
          let text = String(decoding: cells[r], as: UTF8.self)
          if let known = periods[text] {
            period = known
          } else {
            guard case .success(let p) = Period.parse(text) else { return false }
            periods[text] = p
            period = p
          }
        }
        let none = cells.count..<cells.count
        rows.append(
          Row(
            id: id, source: cell(c.source) ?? none, published: cell(c.published) ?? none,
            document: cell(c.document) ?? none, low: low.number, high: high.number, value: value.number,
            period: period))
      }
      return true
    }
    guard plain, !rows.isEmpty else { return nil }

    // The pooling, as `RangesAnalysis.run` does it for such figures.
    let quantity = spill.quantities[k]
    var inputs: [RangeInput] = []
    inputs.reserveCapacity(rows.count)
    for row in rows {
      inputs.append(
        RangeInput(
          id: String(decoding: cells[row.id], as: UTF8.self), low: row.low, high: row.high, value: row.value,
          coverage: coverage ?? 0.9, weight: 1, excludedReason: nil))
    }
    let rec: RangeReconciliation
    do {
      rec = try RangePooling.reconcile(inputs, level: level)
    } catch {
      throw AnalysisError.analysis(quantity, error.description)
    }

    // The rows, as `RangesAnalysis.writeCSVRows` writes them.
    var w = CSVByteSink(width: RangesAnalysis.csvHeader.count)
    w.out.reserveCapacity(bytes.count + 1024)
    if header {
      for h in RangesAnalysis.csvHeader { w.text(h) }
      w.endRow()
    }
    cells.withUnsafeBufferPointer { cellBytes in
      func slice(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: cellBytes[r]) }
      for (k, row) in rows.enumerated() {
        let low = row.low ?? row.value
        let high = row.high ?? row.value
        let (pooled, excluded) = rec.entry(ofInput: k)
        let mid: Double? = pooled.map { rec.distributions[$0].mid } ?? row.value ?? geometricMid(low, high)
        w.text(quantity)
        w.text("source")
        w.bytes(slice(row.id))
        w.label(
          source: slice(row.source), year: row.period?.year, published: slice(row.published), text: nil,
          low: low, high: high)
        w.number(low)
        w.number(mid)
        w.number(high)
        w.number(row.value)
        w.text(pooled == nil ? "no" : "yes")
        w.text(excluded.map { rec.excluded[$0].reason } ?? "")
        w.bytes(slice(row.source))
        w.bytes(slice(row.published))
        w.text(row.period?.text ?? "")
        w.bytes(slice(row.document))
        w.endRow()
      }
    }
    RangesAnalysis.writeCSVSummary(quantity: quantity, rec, to: &w)
    return w.out
  }

  /// Splits the record `b[start..<end]` into `fields` (ranges into `cells`, where the fields'
  /// text is appended with quotes removed); false when it is not plain.
  static func split(
    _ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into fields: inout [Range<Int>], cells: inout [UInt8]
  ) -> Bool {
    // The line end: LF, or CR LF.
    var stop = end
    if stop > start && b[stop - 1] == 0x0A { stop -= 1 }
    if stop > start && b[stop - 1] == 0x0D { stop -= 1 }
    var i = start
    var field = 0
    while true {
      guard field < fields.count else { return false }
      let from = cells.count
      if i < stop && b[i] == 0x22 {
        // Quoted whole: up to the closing quote, "" read as ".
        i += 1
        var closed = false
        while i < stop {
          let c = b[i]
          if c == 0x22 {
            if i + 1 < stop && b[i + 1] == 0x22 {
              cells.append(0x22)
              i += 2
              continue
            }
            i += 1
            closed = true
            break
          }
          guard c >= 0x20 && c < 0x7F else { return false }
          cells.append(c)
          i += 1
        }
        guard closed, i == stop || b[i] == 0x2C else { return false }
      } else {
        let first = i
        while i < stop && b[i] != 0x2C {
          let c = b[i]
          guard c >= 0x20 && c < 0x7F && c != 0x22 else { return false }
          i += 1
        }
        cells.append(contentsOf: UnsafeBufferPointer(rebasing: b[first..<i]))
      }
      fields[field] = from..<cells.count
      field += 1
      if i == stop { break }
      i += 1  // past the comma
    }
    return field == fields.count
  }
}
