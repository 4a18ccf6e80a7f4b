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
    var sink = CSVByteSink(width: csvHeader.count)
    let rows = results.reduce(0) { $0 + $1.figures.count + 6 }
    sink.out.reserveCapacity(rows * 128 + 256)
    if header {
      for h in csvHeader { sink.text(h) }
      sink.endRow()
    }
    writeCSVRows(results, to: &sink)
    return sink.out
  }

  static let csvHeader = [
    "quantity", "kind", "id", "label", "low", "mid", "high", "value", "pooled", "excluded_reason",
    "source", "published", "period", "document",
  ]

  /// The CSV's rows, spelled once for both sinks.
  static func writeCSVRows<Sink: RangesCSVSink>(_ results: [QuantityRanges], to w: inout Sink) {
    for r in results {
      let rec = r.reconciliation
      // Fields read in place through buffer pointers (no Figure or distribution copied).
      r.figures.withUnsafeBufferPointer { figures in
        rec.distributions.withUnsafeBufferPointer { distributions in
          for k in figures.indices {
            let (low, high) = statedEnds(figures[k], textual: r.textual[k])
            let (pooled, excluded) = rec.entry(ofInput: k)
            let mid: Double? = pooled.map { distributions[$0].mid } ?? figures[k].value ?? geometricMid(low, high)
            w.text(r.quantity)
            w.text("source")
            w.text(figures[k].id)
            w.label(
              source: figures[k].source, year: figures[k].period?.year, published: figures[k].published,
              text: figures[k].text, low: low, high: high)
            w.number(low)
            w.number(mid)
            w.number(high)
            w.number(figures[k].value)
            w.text(pooled == nil ? "no" : "yes")
            w.text(excluded.map { rec.excluded[$0].reason } ?? "")
            w.text(figures[k].source)
            w.text(figures[k].published)
            w.text(figures[k].period?.text ?? "")
            w.text(figures[k].document)
            w.endRow()
          }
        }
      }
      writeCSVSummary(quantity: r.quantity, rec, to: &w)
    }
  }

  /// A quantity's summary rows: envelope, intersection, the pooled ranges.
  static func writeCSVSummary<Sink: RangesCSVSink>(quantity: String, _ rec: RangeReconciliation, to w: inout Sink) {
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
    if let lo = rec.envelope.low, let hi = rec.envelope.high {
      summary("envelope", "envelope", "Envelope of all sources", lo, geometricMid(lo, hi), hi)
    }
    if let i = rec.intersection {
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
      summary(
        "pooled", "random_effects_ci", "Random effects (log scale), \(pct(rec.level)) CI", re.ciLow, re.estimate,
        re.ciHigh)
      summary(
        "pooled", "random_effects_pi", "Random effects (log scale), \(pct(rec.level)) prediction interval", re.piLow,
        re.estimate, re.piHigh)
    }
    if let lp = rec.linearPool {
      summary("pooled", "linear_pool", "Linear opinion pool, central \(pct(rec.level))", lp.low, lp.estimate, lp.high)
    }
    if let gp = rec.logarithmicPool {
      summary("pooled", "log_pool", "Logarithmic opinion pool, central \(pct(rec.level))", gp.low, gp.estimate, gp.high)
    }
  }
}

func geometricMid(_ a: Double?, _ b: Double?) -> Double? {
  guard let a, let b else { return a ?? b }
  if a > 0 && b > 0 { return (a * b).squareRoot() }
  return (a + b) / 2
}

/// Where the rows of the ranges CSV go: `CSVWriter` rows of cells, or bytes.
protocol RangesCSVSink {
  mutating func text(_ s: String)
  /// A number cell (`CSVWriter.cell`).
  mutating func number(_ x: Double?)
  /// A source's label: "<source> <year>: <text, or the range>", the year that of the period
  /// (the publication date when there is none).
  mutating func label(source: String, year: Int?, published: String, text: String?, low: Double?, high: Double?)
  /// Ends the row (padded to the header's width).
  mutating func endRow()
}

/// Rows of cells for `CSVWriter`.
struct CSVRowSink: RangesCSVSink {
  var writer: CSVWriter
  var row: [String] = []

  mutating func text(_ s: String) { row.append(s) }
  mutating func number(_ x: Double?) { row.append(CSVWriter.cell(x)) }
  mutating func label(source: String, year: Int?, published: String, text: String?, low: Double?, high: Double?) {
    row.append("\(source) \(year.map { String($0) } ?? published): \(text ?? rangeText(low, high))")
  }
  mutating func endRow() {
    writer.append(row)
    row.removeAll(keepingCapacity: true)
  }
}

/// The same rows as bytes, quoted as `CSVWriter` quotes them.
struct CSVByteSink: RangesCSVSink {
  let width: Int
  var out: [UInt8] = []
  var fields = 0
  var scratch: [UInt8] = []

  init(width: Int) { self.width = width }

  private mutating func separate() {
    if fields > 0 { out.append(0x2C) }
    fields += 1
  }
  mutating func text(_ s: String) {
    separate()
    // Native strings hand over their bytes in place (a scan of a buffer, not of a view).
    let done: Void? = s.utf8.withContiguousStorageIfAvailable { CSVWriter.appendField($0, to: &out) }
    if done == nil { CSVWriter.appendField(s.utf8, to: &out) }
  }
  mutating func number(_ x: Double?) {
    separate()
    NumberFormat.appendPlain15(x, to: &out)
  }
  mutating func label(source: String, year: Int?, published: String, text: String?, low: Double?, high: Double?) {
    separate()
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: source.utf8)
    scratch.append(0x20)
    if let year {
      NumberFormat.appendInteger(Int64(year), to: &scratch)
    } else {
      scratch.append(contentsOf: published.utf8)
    }
    scratch.append(0x3A)
    scratch.append(0x20)
    if let text {
      scratch.append(contentsOf: text.utf8)
    } else {
      appendRangeText(low, high, to: &scratch)
    }
    CSVWriter.appendField(scratch, to: &out)
  }
  mutating func endRow() {
    while fields < width { separate() }
    out.append(0x0A)
    fields = 0
  }
}
