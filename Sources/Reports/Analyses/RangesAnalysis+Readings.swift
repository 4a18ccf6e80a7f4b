import Figures
import Statistics

extension RangesAnalysis {
  /// The ends a figure states, as every output shows them: a point's value at both ends, a
  /// bound's number at its end and the other open, a verbal figure's table range.
  static func statedEnds(_ f: Figure, textual: Bool) -> (low: Double?, high: Double?) {
    if textual { return (f.verbal?.low, f.verbal?.high) }
    return RangeInput.statedEnds(kind: sourceKind(f, textual: false), value: f.value, low: f.low, high: f.high)
  }

  /// The `k`-th figure's reading, as JSON's `reading`: `point`, `range`, `at_least`,
  /// `at_most`, `about` or `verbal`.
  static func reading(_ q: QuantityRanges, _ k: Int) -> SourceKind {
    sourceKind(q.figures[k], textual: q.textual[k])
  }

  /// The `k`-th figure's centre: its stated value (a point's, or a range's kept centre), a
  /// range's midpoint (geometric on the log scale); nil for a bound.
  static func center(_ q: QuantityRanges, _ k: Int) -> Double? {
    switch reading(q, k) {
    case .atLeast, .atMost: return nil
    default:
      if let d = q.pooling(ofFigure: k).distribution { return d.mid }
      let (low, high) = statedEnds(q.figures[k], textual: q.textual[k])
      return q.figures[k].value ?? geometricMid(low, high)
    }
  }

  /// The reading in words where it is more than a point or a range: "at least", "about",
  /// "range, centre 98,000", "range (hard bounds)"; nil for a plain point, range or verbal
  /// figure.
  static func readingWords(_ q: QuantityRanges, _ k: Int) -> String? {
    let d = q.pooling(ofFigure: k).distribution
    switch reading(q, k) {
    case .atLeast: return "at least"
    case .atMost: return "at most"
    case .about: return "about"
    case .point, .verbal: return nil
    case .range:
      if case .uniform = d?.shape { return "range (hard bounds)" }
      if case .twoPiece = d?.shape { return "range, centre \(NumberFormat.human(d?.mid, significant: 6))" }
      if d == nil, q.figures[k].value != nil { return "range, stated value \(NumberFormat.human(q.figures[k].value))" }
      if q.figures[k].coverageStated && q.figures[k].coverage == 1 { return "range (hard bounds)" }
      return nil
    }
  }

  /// The answer for one pooled figure, in words: "one figure, reported as stated (not
  /// reconciled): 98,000 (range; its own 90% interval 8,000–194,000)"; nil with more figures.
  static func reportedWords(_ rec: RangeReconciliation) -> String? {
    guard let one = rec.reported else { return nil }
    let head = "one figure, reported as stated (not reconciled): "
    switch one.reading {
    case SourceKind.atLeast.rawValue, SourceKind.atMost.rawValue:
      return head + "\(rangeText(one.low, one.high)) (\(one.id), a bound)"
    default:
      return head
        + "\(NumberFormat.human(one.estimate)) (\(one.id), \(one.reading); its own \(pct(rec.level)) interval \(rangeText(one.low, one.high)))"
    }
  }

  /// The pooled centre in words, the one sentence the table, report.md and report.html show:
  /// a common effect (two figures), random effects by maximum likelihood with censored
  /// bounds, or DerSimonian–Laird random effects.
  static func pooledWords(
    _ re: LogRandomEffects, level: Double, scale: PoolingScale, rounding: PublicationRounding = .supported
  ) -> String {
    let bounds = re.censored == 0 ? "" : ", \(re.censored) censored bound\(re.censored == 1 ? "" : "s")"
    let estimate = rounding.estimate(re.estimate, low: re.ciLow, high: re.ciHigh)
    if !re.betweenSources {
      return
        "common effect (\(scale.rawValue) scale, \(re.censored == 0 ? "inverse-variance" : "maximum likelihood")\(bounds); two figures give no between-source variance): \(estimate); \(pct(level)) CI \(rounding.range(re.ciLow, re.ciHigh))"
    }
    let method =
      re.censored != 0
      ? "maximum likelihood\(bounds); CI from the observed information"
      : re.smallSample ? "DL; Knapp-Hartung CI, t(k-2) prediction" : "DL"
    let tau2Interval =
      re.tau2Low.flatMap { lo in
        re.tau2High.map {
          " (\(pct(level)) CI \(NumberFormat.human(lo, significant: 3))–\(NumberFormat.human($0, significant: 3)))"
        }
      } ?? ""
    return
      "random effects (\(scale.rawValue) scale, \(method)): \(estimate); \(pct(level)) CI \(rounding.range(re.ciLow, re.ciHigh)); \(pct(level)) prediction \(rounding.range(re.piLow, re.piHigh)); tau2 \(NumberFormat.human(re.tau2, significant: 3))\(tau2Interval), I2 \(NumberFormat.human(re.i2, significant: 3))%"
  }

  /// The linear and logarithmic opinion pools in words, one line each (what the reconciliation
  /// has of them), for every renderer.
  static func poolLines(_ rec: RangeReconciliation, rounding: PublicationRounding = .supported) -> [String] {
    var lines: [String] = []
    if let lp = rec.linearPool {
      lines.append(
        "linear opinion pool: median \(rounding.estimate(lp.estimate, low: lp.low, high: lp.high)); central \(pct(rec.level)) \(rounding.range(lp.low, lp.high))"
      )
    }
    if let gp = rec.logarithmicPool {
      lines.append(
        "logarithmic opinion pool: median \(rounding.estimate(gp.estimate, low: gp.low, high: gp.high)); central \(pct(rec.level)) \(rounding.range(gp.low, gp.high))"
      )
    }
    return lines
  }

  /// A quantity's cells in the reports' one-row-per-quantity tables, as plain text: figures,
  /// envelope, centre, CI, prediction interval (each renderer escapes them its own way).
  static func summaryCells(_ q: QuantityRanges, rounding: PublicationRounding = .supported) -> [String] {
    let rec = q.reconciliation
    let re = rec.randomEffects
    let centre =
      rec.reported.map {
        "one figure, as stated: " + ($0.estimate.map { NumberFormat.human($0) } ?? rangeText($0.low, $0.high))
      }
      ?? re.map {
        ($0.betweenSources ? "" : "common effect ") + rounding.estimate($0.estimate, low: $0.ciLow, high: $0.ciHigh)
      } ?? "—"
    let ci = rec.reported == nil ? re.map { rounding.range($0.ciLow, $0.ciHigh) } ?? "—" : "—"
    let prediction = re.flatMap { $0.betweenSources ? rounding.range($0.piLow, $0.piHigh) : nil } ?? "—"
    return [String(q.figures.count), rangeText(rec.envelope.low, rec.envelope.high), centre, ci, prediction]
  }

  /// The sentence a compact page gives the quantities of one figure (report.md and report.html).
  static func oneFigureSentence(count: Int) -> String {
    "\(count == 1 ? "This quantity has" : "These \(count) quantities have") one figure each: "
      + "\(count == 1 ? "it is" : "each is") reported as stated, not reconciled, with its own interval. "
      + "Each figure and its source are in ranges.csv (a source row and a one_figure row) and in summary.json "
      + "(ranges.one_figure, with the line of the dataset that states it)."
  }

  /// The sources that agree, when not all do: "the largest group of mutually consistent
  /// sources, 31 of 50, shares 40,000–50,000; outside it: a, b, c and 16 more" (at most
  /// `listed` ids named), for the table, report.md and report.html alike.
  static func consistentGroupWords(_ rec: RangeReconciliation, listed: Int = 10) -> String? {
    guard let g = rec.consistentGroup else { return nil }
    let total = g.ids.count + g.outside.count
    var named = g.outside.prefix(listed).joined(separator: ", ")
    if g.outside.count > listed { named += " and \(g.outside.count - listed) more" }
    let shared: String
    switch (g.low, g.high) {
    case (let lo?, let hi?): shared = lo == hi ? NumberFormat.human(lo) : rangeText(lo, hi)
    case (let lo?, nil): shared = "at least \(NumberFormat.human(lo))"
    case (nil, let hi?): shared = "at most \(NumberFormat.human(hi))"
    case (nil, nil): shared = "any value"
    }
    return
      "the largest group of mutually consistent sources, \(g.ids.count) of \(total), shares \(shared); outside it: \(named)"
  }

  /// The `k`-th figure's share of the random-effects weight in words ("weight 12.3%"), nil
  /// when it is not pooled or the pool has no such weights (bounds), for report.md and
  /// report.html (the table has a column, CSV and JSON a `weight`).
  static func weightWords(_ q: QuantityRanges, _ k: Int) -> String? {
    guard let w = q.reconciliation.weights, let i = q.reconciliation.entry(ofInput: k).0 else { return nil }
    return "weight \(NumberFormat.human(100 * w[i], significant: 3))%"
  }
}
