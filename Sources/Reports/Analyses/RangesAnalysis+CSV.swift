import Figures
import Statistics

extension RangesAnalysis {
  /// Chart data for a floating-bar chart: one row per source and per reconciled range.
  public static func csv(_ results: [QuantityRanges]) -> CSVWriter {
    var sink = CSVRowSink(writer: CSVWriter(header: csvHeader))
    writeCSVRows(results, to: &sink)
    return sink.writer
  }

  /// The bytes of `csv(results)` (without its header line when `header` is false), written
  /// straight from the numbers: no cell or row is built as a String first.
  public static func csvBytes(_ results: [QuantityRanges], header: Bool = true) -> [UInt8] {
    let rows = results.reduce(0) { $0 + $1.figures.count + 30 }
    var sink = CSVByteSink(width: csvHeader.count, capacity: rows * 128 + 256)
    if header { sink.header(csvHeader) }
    writeCSVRows(results, to: &sink)
    return Array(sink.out.buffer)
  }

  /// The CSV bytes of one quantity's rows however they were read (the large-file path's plain
  /// rows), with the header line when `header`: the same function writes them as `csvBytes`.
  static func csvBytes<Rows: RangesRows>(
    _ rows: Rows, quantity: String, _ rec: RangeReconciliation, header: Bool, capacity: Int
  ) -> [UInt8] {
    var sink = CSVByteSink(width: csvHeader.count, capacity: capacity)
    if header { sink.header(csvHeader) }
    writeCSVRows(rows, quantity: quantity, rec, to: &sink)
    return Array(sink.out.buffer)
  }

  static let csvHeader = [
    "quantity", "kind", "id", "label", "low", "mid", "high", "value", "pooled", "excluded_reason",
    "source", "published", "period", "document", "weight",
  ]

  /// The CSV's rows, spelled once for both sinks.
  static func writeCSVRows<Sink: RangesCSVSink & ~Copyable>(_ results: [QuantityRanges], to w: inout Sink) {
    for r in results {
      r.figures.withUnsafeBufferPointer { figures in
        writeCSVRows(FigureRows(figures: figures, textual: r.textual), quantity: r.quantity, r.reconciliation, to: &w)
      }
    }
  }

  /// A quantity's rows: one per figure, then the summary rows.
  static func writeCSVRows<Rows: RangesRows, Sink: RangesCSVSink & ~Copyable>(
    _ rows: Rows, quantity: String, _ rec: RangeReconciliation, to w: inout Sink
  ) {
    // The quantity's cell, encoded once for all its rows.
    var encodedQuantity: [UInt8] = []
    CSVWriter.appendField(quantity.utf8, to: &encodedQuantity)
    let weights = rec.weights
    encodedQuantity.withUnsafeBufferPointer { quantityCell in
      rec.distributions.withUnsafeBufferPointer { distributions in
        for k in 0..<rows.count {
          let (low, high) = rows.ends(k)
          let value = rows.value(k)
          let period = rows.period(k)
          let (pooled, excluded) = rec.entry(ofInput: k)
          let mid: Double? = pooled.map { distributions[$0].mid } ?? value ?? geometricMid(low, high)
          w.encoded(quantity, quantityCell)
          w.literal("source")
          rows.withField(.id, k) { w.text(bytes: $0, special: $1) }
          rows.withField(.source, k) { source, special in
            rows.withField(.published, k) { published, publishedSpecial in
              w.label(
                source: source, special: special, year: period?.year, published: published,
                publishedSpecial: publishedSpecial, text: rows.labelText(k), low: low, high: high)
            }
          }
          w.number(low)
          w.number(mid)
          w.number(high)
          w.number(value)
          w.literal(pooled == nil ? "no" : "yes")
          if let excluded { w.text(rec.excluded[excluded].reason) } else { w.literal("") }
          rows.withField(.source, k) { w.text(bytes: $0, special: $1) }
          // Dates as ISO intervals, text of one width (``ISODates``).
          rows.withField(.published, k) { published, special in
            ISODates.withCell(published) { iso in
              if let iso { w.text(bytes: iso, special: false) } else { w.text(bytes: published, special: special) }
            }
          }
          if let period {
            ISODates.withInterval(period.start, period.end) { w.text(bytes: $0, special: false) }
          } else {
            w.literal("")
          }
          rows.withField(.document, k) { w.text(bytes: $0, special: $1) }
          w.number(pooled.flatMap { weights?[$0] })
          w.endRow()
        }
      }
    }
    writeCSVSummary(quantity: quantity, rec, figures: rows.count, to: &w)
  }

  /// A quantity's summary rows: envelope, intersection, the pooled ranges. A quantity of one
  /// figure has no envelope or intersection rows: they would restate its source row.
  static func writeCSVSummary<Sink: RangesCSVSink & ~Copyable>(
    quantity: String, _ rec: RangeReconciliation, figures: Int, to w: inout Sink
  ) {
    func summary(_ kind: String, _ id: String, _ label: String, _ low: Double?, _ mid: Double?, _ high: Double?) {
      w.text(quantity)
      w.text(kind)
      w.text(id)
      w.text(label)
      w.number(low)
      w.number(mid)
      w.number(high)
      w.endRow()
    }
    if figures > 1, let lo = rec.envelope.low, let hi = rec.envelope.high {
      summary("envelope", "envelope", "Envelope of all sources", lo, geometricMid(lo, hi), hi)
    }
    if figures > 1, let i = rec.intersection {
      summary(
        "intersection", "intersection", "Range all pooled sources allow", i.low, geometricMid(i.low, i.high), i.high)
    }
    if let one = rec.reported {
      summary(
        "reported", "one_figure",
        "One figure (\(one.id)), reported as stated, not reconciled: its own \(pct(rec.level)) interval",
        one.low, one.estimate, one.high)
    }
    if let re = rec.randomEffects, !re.betweenSources {
      summary(
        "pooled", "common_effect_ci",
        "Common effect (\(re.censored == 0 ? "inverse-variance" : "maximum likelihood, \(re.censored) censored bound\(re.censored == 1 ? "" : "s")"), log scale; two figures give no between-source variance), \(pct(rec.level)) CI",
        re.ciLow, re.estimate, re.ciHigh)
    } else if let re = rec.randomEffects, re.censored > 0 {
      let method =
        "Random effects (log scale, maximum likelihood, \(re.censored) censored bound\(re.censored == 1 ? "" : "s"))"
      summary(
        "pooled", "random_effects_ci", "\(method), \(pct(rec.level)) CI from the observed information", re.ciLow,
        re.estimate, re.ciHigh)
      summary(
        "pooled", "random_effects_pi", "\(method), \(pct(rec.level)) prediction interval", re.piLow, re.estimate,
        re.piHigh)
    } else if let re = rec.randomEffects {
      let ci = re.smallSample ? "Knapp-Hartung CI" : "CI"
      let pi = re.smallSample ? "prediction interval, t(k-2)" : "prediction interval"
      summary(
        "pooled", "random_effects_ci", "Random effects (log scale), \(pct(rec.level)) \(ci)", re.ciLow, re.estimate,
        re.ciHigh)
      summary(
        "pooled", "random_effects_pi", "Random effects (log scale), \(pct(rec.level)) \(pi)", re.piLow,
        re.estimate, re.piHigh)
    }
    if let lp = rec.linearPool {
      summary("pooled", "linear_pool", "Linear opinion pool, central \(pct(rec.level))", lp.low, lp.estimate, lp.high)
    }
    if let gp = rec.logarithmicPool {
      summary("pooled", "log_pool", "Logarithmic opinion pool, central \(pct(rec.level))", gp.low, gp.estimate, gp.high)
    }
    writeCSVSensitivity(quantity: quantity, rec, to: &w)
  }
}

func geometricMid(_ a: Double?, _ b: Double?) -> Double? {
  guard let a, let b else { return a ?? b }
  if a > 0 && b > 0 { return (a * b).squareRoot() }
  return (a + b) / 2
}

/// Where the rows of the ranges CSV go: `CSVWriter` rows of cells, or bytes.
protocol RangesCSVSink: ~Copyable {
  mutating func text(_ s: String)
  /// A text cell given as its UTF-8 bytes, and whether it holds a comma or a quote (nil: not
  /// known).
  mutating func text(bytes: UnsafeBufferPointer<UInt8>, special: Bool?)
  /// A cell whose CSV form is known: `text`, encoded as `cell`.
  mutating func encoded(_ text: String, _ cell: UnsafeBufferPointer<UInt8>)
  /// A literal cell that needs no quoting.
  mutating func literal(_ text: StaticString)
  /// A number cell (`CSVWriter.cell`).
  mutating func number(_ x: Double?)
  /// A source's label: "<source> <year>: <text, or the range>", the year that of the period
  /// (the publication date when there is none).
  mutating func label(
    source: UnsafeBufferPointer<UInt8>, special: Bool?, year: Int?, published: UnsafeBufferPointer<UInt8>,
    publishedSpecial: Bool?, text: String?, low: Double?, high: Double?)
  /// Ends the row (padded to the header's width).
  mutating func endRow()
}

/// Rows of cells for `CSVWriter`.
struct CSVRowSink: RangesCSVSink {
  var writer: CSVWriter
  var row: [String] = []

  mutating func text(_ s: String) { row.append(s) }
  mutating func text(bytes: UnsafeBufferPointer<UInt8>, special: Bool?) {
    row.append(String(decoding: bytes, as: UTF8.self))
  }
  mutating func encoded(_ text: String, _ cell: UnsafeBufferPointer<UInt8>) { row.append(text) }
  mutating func literal(_ text: StaticString) { row.append(text.description) }
  mutating func number(_ x: Double?) { row.append(CSVWriter.cell(x)) }
  mutating func label(
    source: UnsafeBufferPointer<UInt8>, special: Bool?, year: Int?, published: UnsafeBufferPointer<UInt8>,
    publishedSpecial: Bool?, text: String?, low: Double?, high: Double?
  ) {
    let source = String(decoding: source, as: UTF8.self)
    let when = year.map { String($0) } ?? String(decoding: published, as: UTF8.self)
    row.append("\(source) \(when): \(text ?? rangeText(low, high))")
  }
  mutating func endRow() {
    writer.append(row)
    row.removeAll(keepingCapacity: true)
  }
}

/// The same rows as bytes, quoted as `CSVWriter` quotes them, written through a pointer
/// (``RawBytes``): a large file's quantities are written here, and per-byte array appends
/// were a third of that path's time.
struct CSVByteSink: RangesCSVSink, ~Copyable {
  let width: Int
  var out: RawBytes
  var fields = 0

  init(width: Int, capacity: Int = 4096) {
    self.width = width
    out = RawBytes(capacity: capacity)
  }

  /// The header line.
  mutating func header(_ names: [String]) {
    for h in names { text(h) }
    endRow()
  }

  private mutating func separate() {
    if fields > 0 { out.append(0x2C) }
    fields += 1
  }
  mutating func text(_ s: String) {
    // Native strings hand over their bytes in place (a scan of a buffer, not of a view).
    if let done: Void = s.utf8.withContiguousStorageIfAvailable({ text(bytes: $0, special: nil) }) { return done }
    Array(s.utf8).withUnsafeBufferPointer { text(bytes: $0, special: nil) }
  }
  mutating func text(bytes: UnsafeBufferPointer<UInt8>, special: Bool?) {
    separate()
    CSVWriter.appendField(bytes, needsQuotes: special, into: &out)
  }
  mutating func encoded(_ text: String, _ cell: UnsafeBufferPointer<UInt8>) {
    separate()
    out.append(bytes: cell)
  }
  mutating func literal(_ text: StaticString) {
    separate()
    out.append(static: text)
  }
  mutating func number(_ x: Double?) {
    separate()
    NumberFormat.appendPlain15(x, into: &out)
  }
  /// Written in place, quoted as `CSVWriter` quotes it: the text goes after an opening quote,
  /// with its quotes doubled, and when it turns out to need no quoting (no comma, quote or
  /// line end, no space at either end) it moves back over the opening quote (it then had no
  /// quote to double). A source starting with a formula character (`CSVWriter.isFormulaLead`)
  /// makes the label formula-like (it is never a plain number: it holds ": "), so it gets its
  /// apostrophe and its quotes, as `CSVWriter.appendField` gives them.
  mutating func label(
    source: UnsafeBufferPointer<UInt8>, special: Bool?, year: Int?, published: UnsafeBufferPointer<UInt8>,
    publishedSpecial: Bool?, text: String?, low: Double?, high: Double?
  ) {
    separate()
    let open = out.count
    out.append(0x22)
    let formula = !source.isEmpty && CSVWriter.isFormulaLead(source[0])
    if formula { out.append(0x27) }
    CSVWriter.appendQuotedText(source, into: &out)
    out.append(0x20)
    // Known to need quotes, or to be scanned (from `scan` on) once written.
    var needs = formula || special == true || source.isEmpty || source[0] == 0x20
    var scan = special == nil ? open + 1 : out.count
    if let year {
      NumberFormat.appendInteger(Int64(year), to: &out)
    } else {
      if publishedSpecial == nil { scan = min(scan, out.count) }
      CSVWriter.appendQuotedText(published, into: &out)
      needs = needs || publishedSpecial == true
    }
    out.append(0x3A)
    out.append(0x20)
    if let text {
      scan = min(scan, out.count)
      var t = text
      t.withUTF8 { CSVWriter.appendQuotedText($0, into: &out) }
    } else {
      appendRangeText(low, high, into: &out)
    }
    let written = out.buffer
    if !needs {
      needs = written[written.count - 1] == 0x20
      for c in UnsafeBufferPointer(rebasing: written[scan...]) where c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D {
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
  mutating func endRow() {
    while fields < width { separate() }
    out.append(0x0A)
    fields = 0
  }
}
