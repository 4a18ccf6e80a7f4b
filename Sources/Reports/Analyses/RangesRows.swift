import Figures
import Statistics

/// A quantity's figures as `ranges` reads them, whichever way their rows were read: `Figure`s
/// from the figures reader, or the plain rows of a large file (``PlainFigureRows``). The
/// inputs to pooling, the pooling and the CSV rows are computed from this interface by one
/// function each (``RangesAnalysis/reconcile(_:quantity:level:details:)``,
/// ``RangesAnalysis/writeCSVRows(_:quantity:_:to:)``).
protocol RangesRows: ~Copyable {
  /// The number of figures.
  var count: Int { get }
  /// The `k`-th figure as pooling reads it (its coverage, kind, weight, and why it is left
  /// out), with `coverage` for a range whose row states none (nil: `Figure.defaultCoverage`)
  /// and each superseded id mapped to the first figure that supersedes it.
  func input(_ k: Int, coverage: Double?, supersededBy: [String: String]) throws(AnalysisError) -> RangeInput
  /// The ends the CSV shows: the stated ones (``RangeInput/statedEnds``), a verbal figure's
  /// from the verbal table.
  func ends(_ k: Int) -> (low: Double?, high: Double?)
  /// The stated value.
  func value(_ k: Int) -> Double?
  /// The period, nil when none is stated.
  func period(_ k: Int) -> Period?
  /// The figure's own words for its label (its `text`), nil to write the range.
  func labelText(_ k: Int) -> String?
  /// Calls `body` with the bytes of a text field and whether it holds a comma or a quote
  /// (nil: not known).
  func withField<R>(_ field: PlainFigureRows.Field, _ k: Int, _ body: (UnsafeBufferPointer<UInt8>, Bool?) -> R) -> R
}

/// Figures from the figures reader, read in place (binding a `Figure` to a local copies it, a
/// dozen strings retained and released).
struct FigureRows: RangesRows {
  let figures: UnsafeBufferPointer<Figure>
  /// Per figure: whether its range came from the verbal table.
  let textual: [Bool]

  var count: Int { figures.count }

  func input(_ k: Int, coverage: Double?, supersededBy: [String: String]) throws(AnalysisError) -> RangeInput {
    let textual = textual[k]
    let (reason, inEnvelope) = RangesAnalysis.leftOut(figures[k], supersededBy: supersededBy)
    return RangeInput(
      id: figures[k].id, low: textual ? figures[k].verbal?.low : figures[k].low,
      high: textual ? figures[k].verbal?.high : figures[k].high, value: figures[k].value,
      coverage: statedCoverage(figures[k]) ?? coverage ?? Figure.defaultCoverage,
      weight: try RangesAnalysis.weight(figures[k]), excludedReason: reason,
      kind: RangesAnalysis.sourceKind(figures[k], textual: textual), inEnvelope: inEnvelope,
      evidence: figures[k].evidence, coverageStated: statedCoverage(figures[k]) != nil)
  }

  func ends(_ k: Int) -> (low: Double?, high: Double?) { RangesAnalysis.statedEnds(figures[k], textual: textual[k]) }
  func value(_ k: Int) -> Double? { figures[k].value }
  func period(_ k: Int) -> Period? { figures[k].period }
  func labelText(_ k: Int) -> String? { figures[k].text }

  func withField<R>(_ field: PlainFigureRows.Field, _ k: Int, _ body: (UnsafeBufferPointer<UInt8>, Bool?) -> R) -> R {
    let text: String
    switch field {
    case .id: text = figures[k].id
    case .source: text = figures[k].source
    case .published: text = figures[k].published
    case .document: text = figures[k].document
    }
    // Native strings hand over their bytes in place; others are copied once.
    if let done = text.utf8.withContiguousStorageIfAvailable({ body($0, nil) }) { return done }
    return Array(text.utf8).withUnsafeBufferPointer { body($0, nil) }
  }
}

/// Plain rows: a figure's meaning is the format's defaults (``PlainFigureRows``): the kind its
/// numbers imply, the run's coverage, weight 1, nothing left out, no words.
extension PlainFigureRows: RangesRows {
  /// No row of a plain file supersedes another (it has no `supersedes` column).
  func input(_ k: Int, coverage: Double?, supersededBy: [String: String]) -> RangeInput {
    RangeInput(
      id: id(k), low: low(k), high: high(k), value: value(k), coverage: coverage ?? Figure.defaultCoverage)
  }

  func ends(_ k: Int) -> (low: Double?, high: Double?) {
    let (value, low, high) = (value(k), low(k), high(k))
    return RangeInput.statedEnds(
      kind: .inferred(value: value, low: low, high: high), value: value, low: low, high: high)
  }

  func labelText(_ k: Int) -> String? { nil }

  func withField<R>(_ field: PlainFigureRows.Field, _ k: Int, _ body: (UnsafeBufferPointer<UInt8>, Bool?) -> R) -> R {
    let (bytes, special) = self.field(field, k)
    return body(bytes, special)
  }
}
