import Figures
import FoundationEssentials
import Statistics

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
    _ files: [FiguresFile], quantities: [String] = [], coverage: Double? = nil,
    level: Double = RangePooling.defaultLevel, pointFactor: Double = RangePooling.defaultPointFactor,
    interval: RangeInterval = .knha, tableDetails: Bool = true
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
    // Each superseded id, with the first figure (in file order) that names it in `supersedes`.
    var supersededBy: [String: String] = [:]
    for file in files {
      for f in file.figures where !f.supersedes.isEmpty {
        for id in f.supersedes where supersededBy[id] == nil { supersededBy[id] = f.id }
      }
    }
    let asked = Set(quantities)
    let wanted = quantities.isEmpty ? order : order.filter { asked.contains($0) }
    var out: [QuantityRanges] = []
    for q in wanted {
      let figs = byQuantity[q] ?? []
      var textualFlags: [Bool] = []
      var years: [Int?] = []
      textualFlags.reserveCapacity(figs.count)
      years.reserveCapacity(tableDetails ? figs.count : 0)
      for k in figs.indices {
        if tableDetails { years.append(Int(figs[k].published.prefix(4))) }
        textualFlags.append(
          figs[k].low == nil && figs[k].high == nil && figs[k].value == nil && figs[k].verbal != nil)
      }
      let (inputs, pooled) = try figs.withUnsafeBufferPointer { (figures) throws(AnalysisError) in
        try reconcile(
          FigureRows(figures: figures, textual: textualFlags), coverage: coverage, supersededBy: supersededBy,
          level: level, pointFactor: pointFactor, interval: interval, details: tableDetails)
      }
      let rec: RangeReconciliation
      switch pooled {
      case .success(let r): rec = r
      case .failure(let error): throw filesError(figs, "\(q): \(error.description)")
      }
      var byYear: [(year: Int, ids: [String], reconciliation: RangeReconciliation)] = []
      // The consensus as it stood after each publication year: with a single year it is the
      // quantity's own result, not repeated.
      let publicationYears = Set(years.compactMap { $0 }).sorted()
      for y in tableDetails && publicationYears.count > 1 ? publicationYears : [] {
        let subset = zip(inputs, years).filter { ($0.1 ?? Int.max) <= y }.map(\.0)
        do {
          byYear.append(
            (
              y, subset.map(\.id),
              try RangePooling.reconcile(
                subset, level: level, pointFactor: pointFactor, detail: false, interval: interval)
            ))
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

  /// The pooling of a quantity's figures, however their rows were read: each figure's input
  /// (``RangesRows/input(_:coverage:supersededBy:)``), then `RangePooling.reconcile`, with
  /// the conflicts and leave-one-out only when `details` (the CSV reports neither), and the
  /// sensitivity table always (every output shows it). Returns the inputs and the pooling, or
  /// why pooling failed (the caller names the files).
  static func reconcile<Rows: RangesRows>(
    _ rows: Rows, coverage: Double?, supersededBy: [String: String], level: Double,
    pointFactor: Double = RangePooling.defaultPointFactor, interval: RangeInterval = .knha, details: Bool
  ) throws(AnalysisError) -> (inputs: [RangeInput], pooled: Result<RangeReconciliation, StatisticsError>) {
    var inputs: [RangeInput] = []
    inputs.reserveCapacity(rows.count)
    for k in 0..<rows.count { inputs.append(try rows.input(k, coverage: coverage, supersededBy: supersededBy)) }
    let pooled = Result { () throws(StatisticsError) in
      try RangePooling.reconcile(
        inputs, level: level, pointFactor: pointFactor, conflicts: details, leaveOneOut: details,
        tau2Interval: details, interval: interval, sensitivity: true)
    }
    return (inputs, pooled)
  }

  /// Why a figure is left out of pooling, and whether it still widens the envelope: a
  /// superseded figure, a restatement (`derived_from`; in the envelope), a figure of narrower
  /// scope (both out of the envelope too); (nil, true) when it is pooled.
  static func leftOut(_ f: Figure, supersededBy: [String: String]) -> (reason: String?, inEnvelope: Bool) {
    if let newer = supersededBy[f.id] { return ("superseded by \(newer)", false) }
    if !f.derivedFrom.isEmpty {
      return (
        "restates \(f.derivedFrom.joined(separator: ", ")): left out of pooling so the same evidence is not counted twice",
        true
      )
    }
    if f.isScoped { return ("narrower scope (\(f.scope)): not pooled as the whole", false) }
    return (nil, true)
  }

  /// How pooling reads a figure: `verbal` for words read through the verbal table, else its
  /// kind — the stated one, or the one its numbers imply (``Figure/inferredKind(value:low:high:)``).
  static func sourceKind(_ f: Figure, textual: Bool) -> SourceKind {
    if textual { return .verbal }
    let kind =
      f.kindStated || f.kind != .point ? f.kind : Figure.inferredKind(value: f.value, low: f.low, high: f.high)
    switch kind {
    case .point: return .point
    case .range: return .range
    case .atLeast: return .atLeast
    case .atMost: return .atMost
    case .about: return .about
    }
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
}

/// The coverage a figure's row states, or nil when the row leaves it to the default.
func statedCoverage(_ f: Figure) -> Double? {
  f.coverageStated ? f.coverage : nil
}
