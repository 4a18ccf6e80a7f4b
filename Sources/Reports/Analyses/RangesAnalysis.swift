import Dispatch
import Figures
import FoundationEssentials
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Statistics
import Synchronization

/// The reconciliation of one quantity's figures, with the figures it came from.
public struct QuantityRanges: Sendable {
  /// The quantity's machine name.
  public var quantity: String
  /// The unit, from the first figure that states one.
  public var unit: String
  /// The figures, in file order.
  public var figures: [Figure]
  /// Per figure, in `figures` order: whether its range came from the verbal table.
  public var textual: [Bool]
  /// The statistics.
  public var reconciliation: RangeReconciliation
  /// The consensus as it stood after each publication year: the pooling of every figure
  /// published up to and including that year.
  public var byYear: [(year: Int, ids: [String], reconciliation: RangeReconciliation)]

  /// The `k`-th figure's part in the pooling: its distribution, or why it was left out.
  public func pooling(ofFigure k: Int) -> (distribution: SourceDistribution?, excludedReason: String?) {
    let (d, e) = reconciliation.entry(ofInput: k)
    return (d.map { reconciliation.distributions[$0] }, e.map { reconciliation.excluded[$0].reason })
  }
}

/// `reconcile ranges`: envelope, intersection, conflicts and pooled views of each quantity.
public enum RangesAnalysis {
  /// Runs the analysis over the figures of the given files.
  ///
  /// - Parameters:
  ///   - files: figures files, already read and validated.
  ///   - quantities: the quantities to analyse (all, in order of first appearance, when empty).
  ///   - coverage: coverage assumed for figures whose row leaves `coverage` empty.
  ///   - level: level of the pooled intervals.
  ///   - tableDetails: compute what the table and JSON show and the CSV does not: the
  ///     consensus by publication year (`QuantityRanges.byYear`), the conflicting sources and
  ///     pairs, and leave-one-out. False leaves them empty (the CSV's bytes are the same).
  /// - Throws: `AnalysisError` when a named quantity is absent or pooling fails.
  public static func run(
    _ files: [FiguresFile], quantities: [String] = [], coverage: Double? = nil, level: Double = 0.9,
    tableDetails: Bool = true
  ) throws(AnalysisError) -> [QuantityRanges] {
    // One pass groups the figures by quantity (in order of first appearance).
    var order: [String] = []
    var byQuantity: [String: [Figure]] = [:]
    if files.count == 1, let first = files[0].figures.first,
      files[0].figures.allSatisfy({ $0.quantity == first.quantity })
    {
      // One file of one quantity (a quantity of a large file): its figures as they are.
      order = [first.quantity]
      byQuantity[first.quantity] = files[0].figures
    } else {
      for file in files {
        for f in file.figures {
          if byQuantity[f.quantity] == nil { order.append(f.quantity) }
          byQuantity[f.quantity, default: []].append(f)
        }
      }
    }
    for q in quantities where byQuantity[q] == nil {
      throw .unknownQuantity(q, available: order)
    }
    let asked = Set(quantities)
    let wanted = quantities.isEmpty ? order : order.filter { asked.contains($0) }
    var out: [QuantityRanges] = []
    for q in wanted {
      let figs = byQuantity[q] ?? []
      var inputs: [RangeInput] = []
      var textualFlags: [Bool] = []
      var years: [Int?] = []
      inputs.reserveCapacity(figs.count)
      textualFlags.reserveCapacity(figs.count)
      years.reserveCapacity(tableDetails ? figs.count : 0)
      // Through a buffer pointer: each figure's fields are read in place (binding a Figure
      // to a local copies it, a dozen strings retained and released).
      try figs.withUnsafeBufferPointer { (figures) throws(AnalysisError) in
        for k in figures.indices {
          if tableDetails { years.append(Int(figures[k].published.prefix(4))) }
          let textual = figures[k].low == nil && figures[k].high == nil && figures[k].value == nil
            && figures[k].verbal != nil
          textualFlags.append(textual)
          let reason: String? =
            figures[k].derivedFrom.isEmpty
            ? nil
            : "restates \(figures[k].derivedFrom.joined(separator: ", ")): left out of pooling so the same evidence is not counted twice"
          inputs.append(
            RangeInput(
              id: figures[k].id, low: textual ? figures[k].verbal?.low : figures[k].low,
              high: textual ? figures[k].verbal?.high : figures[k].high, value: figures[k].value,
              coverage: statedCoverage(figures[k]) ?? coverage ?? 0.9, weight: try weight(figures[k]),
              excludedReason: reason))
        }
      }
      let rec: RangeReconciliation
      do {
        rec = try RangePooling.reconcile(inputs, level: level, conflicts: tableDetails, leaveOneOut: tableDetails)
      } catch {
        throw filesError(figs, "\(q): \(error.description)")
      }
      var byYear: [(year: Int, ids: [String], reconciliation: RangeReconciliation)] = []
      // The consensus as it stood after each publication year: with a single year it is the
      // quantity's own result, not repeated.
      let publicationYears = Set(years.compactMap { $0 }).sorted()
      for y in tableDetails && publicationYears.count > 1 ? publicationYears : [] {
        let subset = zip(inputs, years).filter { ($0.1 ?? Int.max) <= y }.map(\.0)
        do {
          byYear.append((y, subset.map(\.id), try RangePooling.reconcile(subset, level: level, detail: false)))
        } catch {
          throw filesError(figs, "\(q) (figures published up to \(y)): \(error.description)")
        }
      }
      let unit = figs.first(where: { !$0.unit.isEmpty })?.unit ?? ""
      out.append(
        QuantityRanges(
          quantity: q, unit: unit, figures: figs, textual: textualFlags, reconciliation: rec, byYear: byYear))
    }
    return out
  }

  /// An error about a quantity as a whole, named by the file(s) its figures came from.
  static func filesError(_ figures: [Figure], _ message: String) -> AnalysisError {
    var paths: [String] = []
    for f in figures where !paths.contains(f.location.path) { paths.append(f.location.path) }
    return .file(paths.isEmpty ? "<no file>" : paths.joined(separator: ", "), message)
  }

  /// The optional `weight` column of a figure (default 1).
  static func weight(_ f: Figure) throws(AnalysisError) -> Double {
    guard let raw = f.extra.first(where: { $0.key.lowercased() == "weight" })?.value.trimmingBlanks(), !raw.isEmpty
    else { return 1 }
    guard let w = Double(raw), w.isFinite, w >= 0 else {
      throw .located(f.location, "\(f.quantity): weight '\(raw)' of figure '\(f.id)' must be a non-negative number")
    }
    return w
  }

  /// The contract's JSON document: `{ "quantities": [ … ] }`.
  public static func json(_ results: [QuantityRanges]) -> JSON {
    .object([("quantities", .array(results.map(quantityJSON)))])
  }

  static func quantityJSON(_ r: QuantityRanges) -> JSON {
    let rec = r.reconciliation
    let sources: [JSON] = r.figures.indices.map { k in
      let f = r.figures[k]
      let textual = r.textual[k]
      let (d, excludedReason) = r.pooling(ofFigure: k)
      return .object([
        ("id", .string(f.id)),
        ("low", .num(textual ? f.verbal?.low : f.low)),
        ("high", .num(textual ? f.verbal?.high : f.high)),
        ("value", .num(f.value)),
        ("from_text", .bool(textual)),
        ("excluded_reason", .str(excludedReason)),
        ("text", .str(f.text)),
        ("period", .str(f.period?.text)),
        ("source", .string(f.source)),
        ("published", .string(f.published)),
        ("document", .string(f.document)),
        ("quote", .string(f.quote)),
        ("derived_from", .array(f.derivedFrom.map { .string($0) })),
        ("reading", .str(d?.reading)),
        ("pooled_low", .num(d?.low)),
        ("pooled_high", .num(d?.high)),
        ("log_mean", .num(d?.mu)),
        ("log_sd", .num(d?.sigma)),
        ("line", .int(f.location.line)),
      ])
    }
    let pooled = random(rec.randomEffects)
    func pool(_ p: PooledRange?) -> JSON {
      guard let p else { return .null }
      return .object([
        ("method", .string(p.method)), ("median", .num(p.estimate)), ("low", .num(p.low)),
        ("high", .num(p.high)), ("level", .num(rec.level)),
      ])
    }
    func random(_ re: LogRandomEffects?) -> JSON {
      guard let re else { return .null }
      return .object([
        ("method", .string(re.method)), ("estimate", .num(re.estimate)),
        ("ci_low", .num(re.ciLow)), ("ci_high", .num(re.ciHigh)),
        ("pi_low", .num(re.piLow)), ("pi_high", .num(re.piHigh)),
        ("tau2", .num(re.tau2)), ("i2", .num(re.i2)), ("k", .int(re.k)),
        ("level", .num(rec.level)),
      ])
    }
    return .object([
      ("quantity", .string(r.quantity)),
      ("unit", .string(r.unit)),
      ("sources", .array(sources)),
      ("scale", .string(rec.scale.rawValue)),
      ("envelope", .object([("low", .num(rec.envelope.low)), ("high", .num(rec.envelope.high))])),
      (
        "intersection",
        rec.intersection.map { .object([("low", .num($0.low)), ("high", .num($0.high))]) } ?? .null
      ),
      ("conflicts", .array(rec.conflicts.map { .string($0) })),
      ("conflict_pairs", .array(rec.conflictPairs.map { .array([.string($0.0), .string($0.1)]) })),
      ("conflict_pair_count", .int(rec.conflictPairCount)),
      ("excluded", .array(rec.excluded.map { .object([("id", .string($0.id)), ("reason", .string($0.reason))]) })),
      ("pooled", pooled),
      ("linear_pool", pool(rec.linearPool)),
      ("log_pool", pool(rec.logarithmicPool)),
      (
        "leave_one_out",
        .array(
          rec.leaveOneOut.map {
            .object([
              ("id", .string($0.id)), ("estimate", .num($0.pooled.estimate)),
              ("ci_low", .num($0.pooled.ciLow)), ("ci_high", .num($0.pooled.ciHigh)),
              ("pi_low", .num($0.pooled.piLow)), ("pi_high", .num($0.pooled.piHigh)),
              ("tau2", .num($0.pooled.tau2)),
            ])
          })
      ),
      (
        "by_year",
        .array(
          r.byYear.map { y in
            .object([
              ("year", .int(y.year)), ("ids", .array(y.ids.map { .string($0) })),
              ("pooled", random(y.reconciliation.randomEffects)),
              ("linear_pool", pool(y.reconciliation.linearPool)),
              ("log_pool", pool(y.reconciliation.logarithmicPool)),
            ])
          })
      ),
    ])
  }

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
            let textual = r.textual[k]
            let low = textual ? figures[k].verbal?.low : (figures[k].low ?? figures[k].value)
            let high = textual ? figures[k].verbal?.high : (figures[k].high ?? figures[k].value)
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
      summary("intersection", "intersection", "Range all pooled sources allow", i.low, geometricMid(i.low, i.high), i.high)
    }
    if let re = rec.randomEffects {
      summary("pooled", "random_effects_ci", "Random effects (log scale), \(pct(rec.level)) CI", re.ciLow, re.estimate, re.ciHigh)
      summary("pooled", "random_effects_pi", "Random effects (log scale), \(pct(rec.level)) prediction interval", re.piLow, re.estimate, re.piHigh)
    }
    if let lp = rec.linearPool {
      summary("pooled", "linear_pool", "Linear opinion pool, central \(pct(rec.level))", lp.low, lp.estimate, lp.high)
    }
    if let gp = rec.logarithmicPool {
      summary("pooled", "log_pool", "Logarithmic opinion pool, central \(pct(rec.level))", gp.low, gp.estimate, gp.high)
    }
  }

  /// A plain-text table for the terminal.
  public static func table(_ results: [QuantityRanges]) -> String {
    var out = ""
    for r in results {
      let rec = r.reconciliation
      out += "\(r.quantity)\(r.unit.isEmpty ? "" : " (\(r.unit))")\n"
      var rows: [[String]] = [["id", "source", "year", "low", "high", "pooled"]]
      for k in r.figures.indices {
        let f = r.figures[k]
        let textual = r.textual[k]
        let low = textual ? f.verbal?.low : (f.low ?? f.value)
        let high = textual ? f.verbal?.high : (f.high ?? f.value)
        rows.append([
          f.id, f.source, f.period.map { String($0.year) } ?? "", NumberFormat.human(low, significant: 6),
          NumberFormat.human(high, significant: 6), r.pooling(ofFigure: k).excludedReason == nil ? "yes" : "no",
        ])
      }
      out += TextTable.render(rows) + "\n"
      out += "  envelope:     \(rangeText(rec.envelope.low, rec.envelope.high))\n"
      if let i = rec.intersection {
        out += "  intersection: \(rangeText(i.low, i.high))\n"
      } else {
        out += "  intersection: none — the sources conflict\n"
        for (a, b) in rec.conflictPairs { out += "    conflict: \(a) and \(b) do not overlap\n" }
        if rec.conflictPairCount > rec.conflictPairs.count {
          out += "    … and \(rec.conflictPairCount - rec.conflictPairs.count) more conflicting pairs\n"
        }
      }
      for (id, reason) in rec.excluded { out += "  not pooled: \(id) — \(reason)\n" }
      if let re = rec.randomEffects {
        out += "  random effects (\(rec.scale.rawValue) scale, DL): \(NumberFormat.human(re.estimate)); \(pct(rec.level)) CI \(rangeText(re.ciLow, re.ciHigh)); prediction \(rangeText(re.piLow, re.piHigh)); tau2 \(NumberFormat.human(re.tau2)), I2 \(NumberFormat.human(re.i2, significant: 3))%\n"
      }
      if let lp = rec.linearPool {
        out += "  linear opinion pool: median \(NumberFormat.human(lp.estimate)); central \(pct(rec.level)) \(rangeText(lp.low, lp.high))\n"
      }
      if let gp = rec.logarithmicPool {
        out += "  logarithmic opinion pool: median \(NumberFormat.human(gp.estimate)); central \(pct(rec.level)) \(rangeText(gp.low, gp.high))\n"
      }
      if r.byYear.count > 1 {
        out += "  consensus by publication year (all figures published up to that year):\n"
        for y in r.byYear {
          let re = y.reconciliation.randomEffects
          out += "    \(y.year): k = \(re?.k ?? 0), random effects \(NumberFormat.human(re?.estimate)) (prediction \(rangeText(re?.piLow, re?.piHigh))), linear pool median \(NumberFormat.human(y.reconciliation.linearPool?.estimate))\n"
        }
      }
      if rec.leaveOneOutOmitted {
        out += "  leave-one-out: not computed for more than \(RangePooling.maxLeaveOneOut) sources\n"
      }
      if !rec.leaveOneOut.isEmpty {
        out += "  leave-one-out (random effects):\n"
        for l in rec.leaveOneOut {
          out += "    without \(l.id): \(NumberFormat.human(l.pooled.estimate)) (CI \(rangeText(l.pooled.ciLow, l.pooled.ciHigh)))\n"
        }
      }
      out += "\n"
    }
    return TerminalText.escape(out)
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
    if let year { NumberFormat.appendInteger(Int64(year), to: &scratch) } else { scratch.append(contentsOf: published.utf8) }
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

/// `rangeText(a, b)`'s bytes.
func appendRangeText(_ a: Double?, _ b: Double?, to out: inout [UInt8]) {
  appendRangeText(a, b, into: &out)
}

/// `rangeText(a, b)`'s bytes, into any ``ByteAppender``.
func appendRangeText<Out: ByteAppender>(_ a: Double?, _ b: Double?, into out: inout Out) {
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

func rangeText(_ a: Double?, _ b: Double?) -> String {
  switch (a, b) {
  case (let a?, let b?) where a == b: return NumberFormat.human(a, significant: 6)
  case (let a?, let b?): return "\(NumberFormat.human(a, significant: 4))–\(NumberFormat.human(b, significant: 4))"
  case (let a?, nil): return "at least \(NumberFormat.human(a, significant: 6))"
  case (nil, let b?): return "up to \(NumberFormat.human(b, significant: 6))"
  default: return "—"
  }
}

func pct(_ level: Double) -> String { NumberFormat.plain((level * 1000).rounded() / 10) + "%" }

/// Errors of the analyses (exit 65: the data do not allow the analysis asked for).
public enum AnalysisError: Error, Sendable, CustomStringConvertible {
  /// A quantity named on the command line is not in the files.
  case unknownQuantity(String, available: [String])
  /// The analysis of a quantity failed.
  case analysis(String, String)
  /// A column named on the command line is missing.
  case unknownColumn(String, path: String, available: [String])
  /// A formula that does not parse, with the 1-based column where it went wrong.
  case formula(String, String, column: Int)
  /// A failure a row of a file caused (or, without a line, the file as a whole):
  /// printed compiler-style, `PATH:LINE[:COLUMN]: error: MESSAGE`.
  case located(SourceLocation, String)
  /// A failure of a file as a whole, when no row is to blame: `PATH: error: MESSAGE`.
  case file(String, String)

  public var description: String {
    switch self {
    case .unknownQuantity(let q, let available):
      return "unknown quantity '\(q)'; \(NearestNames.suggestion(for: q, among: available, kind: "quantities"))"
    case .analysis(let q, let m): return "\(q): \(m)"
    case .formula(let text, let message, let column):
      let caret = String(repeating: " ", count: max(0, column - 1)) + "^"
      return "<formula>:1:\(column): error: \(message)\n  \(text)\n  \(caret)"
    case .unknownColumn(let c, let path, let available):
      return "\(path):1: error: no column '\(c)'; the columns are: \(available.joined(separator: ", "))"
    case .located(let location, let message):
      return "\(location): error: \(message)"
    case .file(let path, let message):
      return "\(path): error: \(message)"
    }
  }
}

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
      "  " + r.enumerated().map { i, s in s + String(repeating: " ", count: max(0, widths[i] - s.count)) }
        .joined(separator: "  ").trimmingBlanks()
    }.joined(separator: "\n")
  }
}

/// The coverage a figure's row states, or nil when the row leaves it to the default.
func statedCoverage(_ f: Figure) -> Double? {
  f.coverageStated ? f.coverage : nil
}

/// The spill being made on another thread: its result once done, and a flag that asks it to stop.
private final class SpillInProgress: Sendable {
  private let state = Mutex<(cancelled: Bool, made: QuantitySpill?)>((false, nil))

  var isCancelled: Bool { state.withLock { $0.cancelled } }
  func cancel() { state.withLock { $0.cancelled = true } }
  func finish(_ spill: QuantitySpill?) { state.withLock { $0.made = spill } }
  var result: QuantitySpill? { state.withLock { $0.made } }
}

extension RangesAnalysis {
  /// Output formats of ``runByQuantity(path:quantities:coverage:level:format:emit:)``.
  public enum StreamFormat: Sendable {
    case table, csv, json
  }

  /// The output of the `k`-th quantity of `spill`; nil when its rows did not read back as
  /// that quantity (the caller then falls back to the whole-file path).
  static func quantityOutput(
    _ spill: QuantitySpill, _ k: Int, format: StreamFormat, first: Bool, coverage: Double?, level: Double,
    columns: SpillColumns?
  ) throws -> [UInt8]? {
    // The records are read back once, for the plain path and, when it declines, the reader.
    let records = try spill.records(of: k)
    if format == .csv, let columns,
      let bytes = try RangesPlainRows.csv(
        spill, k, records: records, columns: columns, header: first, coverage: coverage, level: level)
    {
      return bytes
    }
    let q = spill.quantities[k]
    let file = try spill.figures(from: records)
    guard file.figures.allSatisfy({ $0.quantity == q }) else { return nil }
    let results = try run([file], quantities: [q], coverage: coverage, level: level, tableDetails: format != .csv)
    switch format {
    case .table:
      return Array(table(results).utf8)
    case .csv:
      return csvBytes(results, header: first)
    case .json:
      var out = JSONStreamWriter(indent: 2)
      defer { out.free() }
      out.raw(first ? "{\n  \"quantities\": [\n    " : ",\n    ")
      for r in results { out.value(quantityJSON(r)) }
      return out.bytes
    }
  }

  /// Consecutive index ranges of `sizes` covering them all, each ending at the first index
  /// where its total reaches `atLeast` (the last may fall short).
  static func consecutiveRuns(_ sizes: [Int], atLeast limit: Int) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    var start = 0
    var total = 0
    for (i, size) in sizes.enumerated() {
      total += size
      if total >= limit || i == sizes.count - 1 {
        runs.append(start..<(i + 1))
        start = i + 1
        total = 0
      }
    }
    return runs
  }

  /// `ranges` on one large figures file, one quantity at a time, so that memory follows the
  /// largest quantity rather than the file: the file is validated as it streams
  /// (``StreamingValidator``), its rows are sorted by quantity into a temporary file
  /// (``QuantitySpill``), and each quantity's figures are read back, reconciled and written
  /// with this analysis' own functions — the bytes `emit` receives, in order, are those of
  /// `table`/`csv`/`json` on `run` over the whole file. With `plainRows` (the default) the
  /// CSV of a quantity whose records are all plain is written straight from their bytes
  /// (``RangesPlainRows``), the same bytes again.
  ///
  /// - Returns: false when the file is not one this handles (it has warnings to print, or
  ///   could not be spilled): the caller discards whatever `emit` received and reads the file
  ///   whole.
  /// - Throws: the errors the whole-file path throws (invalid file, unknown quantity, a
  ///   quantity that cannot be pooled), for the same first offender.
  public static func runByQuantity(
    path: String, quantities asked: [String], coverage: Double?, level: Double, format: StreamFormat,
    plainRows: Bool = true, runBytes: Int = 256 << 10, emit: ([UInt8]) throws -> Void
  ) throws -> Bool {
    // The rows are sorted by quantity on another thread while the file is validated (two
    // passes over the file at once, on two cores); the sorted rows are used only once the
    // file is known to be valid, and the sorting stops early when it is not.
    let spilling = SpillInProgress()
    let done = DispatchGroup()
    DispatchQueue.global().async(group: done) {
      let made = QuantitySpill.make(path: path, isCancelled: { spilling.isCancelled })
      spilling.finish(made)
    }
    defer { done.wait() }
    let summary: FiguresSummary
    do {
      // A file the fast validation cannot pass is read whole for its diagnostics: the rows
      // sorted so far are of no use then.
      summary = try StreamingValidator.validate(path: path, beforeReadingWhole: { spilling.cancel() })
    } catch {
      spilling.cancel()
      throw error
    }
    guard summary.warnings.isEmpty else {
      spilling.cancel()
      return false
    }
    let known = Set(summary.quantities)
    for q in asked where !known.contains(q) {
      spilling.cancel()
      throw AnalysisError.unknownQuantity(q, available: summary.quantities)
    }
    done.wait()
    guard let spill = spilling.result, spill.quantities == summary.quantities,
      spill.rowCount == summary.figureCount
    else { return false }
    let wanted = Set(asked)
    let columns = plainRows ? spill.columns : nil
    let chosen = spill.quantities.indices.filter { asked.isEmpty || wanted.contains(spill.quantities[$0]) }
    // Quantities are taken by the workers in runs of consecutive ones as they free up (a run
    // ends once its rows reach `runBytes`, 256 KB by default, so a large quantity is a run of
    // its own), and written in order as they complete; at most `window` runs are done ahead
    // of the writing, so memory follows a few quantities, never the file. A run of many
    // small quantities spares a hand-over, an allocation and a write per quantity (20,000
    // quantities of 33 figures on 100 MB: 14% less CPU). An error is that of the first
    // failing quantity in order, as in the whole-file run: a run stops at its first failure,
    // and runs are taken in order.
    let runs = consecutiveRuns(chosen.map { spill.byteCount(of: $0) }, atLeast: runBytes)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    let window = 2 * workers
    let board = OrderedPieces<[UInt8]?>(count: runs.count, window: window)
    let finished = DispatchGroup()
    for _ in 0..<workers {
      DispatchQueue.global().async(group: finished) {
        while let r = board.claim() {
          let piece = Result { () throws(any Error) -> [UInt8]? in
            var out: [UInt8] = []
            for i in runs[r] {
              guard
                let bytes = try quantityOutput(
                  spill, chosen[i], format: format, first: i == 0, coverage: coverage, level: level, columns: columns)
              else { return nil }
              if out.isEmpty { out = bytes } else { out += bytes }
            }
            return out
          }
          board.complete(r, piece)
        }
      }
    }
    defer {
      board.stop()
      finished.wait()
    }
    let first = chosen.isEmpty
    for r in runs.indices {
      switch board.take(r) {
      case .success(let bytes?): try emit(bytes)
      case .success(nil): return false
      case .failure(let error): throw error
      }
    }
    if format == .json { try emit(Array((first ? "{\n  \"quantities\": []\n}\n" : "\n  ]\n}\n").utf8)) }
    return true
  }
}
