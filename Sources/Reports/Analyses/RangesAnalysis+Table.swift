import Figures
import Statistics

extension RangesAnalysis {
  /// A plain-text table for the terminal.
  public static func table(_ results: [QuantityRanges], digits: Int? = nil) -> String {
    let rounding = PublicationRounding(digits: digits)
    var out = ""
    for r in results {
      let rec = r.reconciliation
      out += "\(r.quantity)\(r.unit.isEmpty ? "" : " (\(r.unit))")\n"
      // The reading is shown where it is more than a point or a range.
      let words = r.figures.indices.map { readingWords(r, $0) }
      let showReading = words.contains { $0 != nil }
      // Each pooled source's share of the random-effects weight (issue #30: a wide range could
      // outweigh three points unseen).
      let weights = rec.weights
      var rows: [[String]] = [
        ["id", "source", "year", "low", "high"] + (showReading ? ["reading"] : []) + ["pooled"]
          + (weights == nil ? [] : ["weight"])
      ]
      for k in r.figures.indices {
        let f = r.figures[k]
        let (low, high) = statedEnds(f, textual: r.textual[k])
        rows.append(
          [
            f.id, f.source, f.period.map { String($0.year) } ?? "", NumberFormat.human(low, significant: 6),
            NumberFormat.human(high, significant: 6),
          ] + (showReading ? [words[k] ?? reading(r, k).rawValue] : [])
            + [r.pooling(ofFigure: k).excludedReason == nil ? "yes" : "no"]
            + (weights.map { w in
              [rec.entry(ofInput: k).0.map { NumberFormat.human(100 * w[$0], significant: 3) + "%" } ?? "—"]
            } ?? []))
      }
      out += TextTable.render(rows) + "\n"
      // One figure, reported as read: no envelope or intersection to speak of.
      let single = r.figures.count == 1 && rec.reported != nil
      if !single { out += "  envelope:     \(envelopeText(rec))\n" }
      if single {
      } else if let i = rec.intersection {
        out += "  intersection: \(rangeText(i.low, i.high))\n"
      } else {
        // The group that agrees, not every pair (the pairs are in JSON): fifty sources fit a
        // screen (issue #30).
        out += "  intersection: none — the sources conflict\n"
        if let words = consistentGroupWords(rec) { out += "    \(words)\n" }
        out +=
          "    \(rec.conflictPairCount) conflicting pair\(rec.conflictPairCount == 1 ? "" : "s") (listed in --format json)\n"
      }
      for (id, reason) in rec.excluded { out += "  not pooled: \(id) — \(reason)\n" }
      for d in rec.distributions where !d.shape.isBound {
        if let note = d.note { out += "  reading: \(d.id) — \(note)\n" }
      }
      if let one = reportedWords(rec) { out += "  \(one)\n" }
      if let re = rec.randomEffects {
        out += "  \(pooledWords(re, level: rec.level, scale: rec.scale, rounding: rounding))\n"
      }
      for line in poolLines(rec, rounding: rounding) { out += "  \(line)\n" }
      if let words = modalityWords(rec) { out += "  \(words)\n" }
      for note in rec.notes { out += "  \(note)\n" }
      if let words = assumptionWords(rec) { out += "  \(words)\n" }
      if let (title, rows) = sensitivityTable(rec, rounding: rounding) {
        out += "  \(title):\n"
        out += TextTable.render(rows).split(separator: "\n").map { "  \($0)\n" }.joined()
      }
      if r.byYear.count > 1 {
        // The last years only, when there are many (all of them in JSON): fifty sources fit a
        // screen.
        let shownYears = r.byYear.suffix(tableYears)
        out +=
          "  consensus by publication year (all figures published up to that year)\(r.byYear.count > tableYears ? "; the last \(tableYears) of \(r.byYear.count) (all in --format json)" : ""):\n"
        for y in shownYears {
          let re = y.reconciliation.randomEffects
          if let one = y.reconciliation.reported {
            out += "    \(y.year): k = 1, one figure (\(one.id)): \(byYearFigure(one, level: rec.level))\n"
          } else if let re, !re.betweenSources {
            let lp = y.reconciliation.linearPool
            out +=
              "    \(y.year): k = \(re.k), common effect \(rounding.estimate(re.estimate, low: re.ciLow, high: re.ciHigh)) (\(pct(rec.level)) CI \(rounding.range(re.ciLow, re.ciHigh))), linear pool median \(rounding.estimate(lp?.estimate, low: lp?.low, high: lp?.high))\n"
          } else {
            let lp = y.reconciliation.linearPool
            out +=
              "    \(y.year): k = \(re?.k ?? 0), random effects \(rounding.estimate(re?.estimate, low: re?.piLow, high: re?.piHigh)) (\(pct(rec.level)) prediction \(rounding.range(re?.piLow, re?.piHigh))), linear pool median \(rounding.estimate(lp?.estimate, low: lp?.low, high: lp?.high))\n"
          }
        }
      }
      if rec.leaveOneOutOmitted {
        out += "  leave-one-out: not computed for more than \(RangePooling.maxLeaveOneOut) sources\n"
      }
      if !rec.leaveOneOut.isEmpty {
        // With many sources, the ones whose removal moves the estimate most (all in JSON).
        let all = rec.leaveOneOut
        let shown: [LeaveOneOut]
        if all.count > tableLeaveOneOut, let centre = rec.randomEffects?.estimate, centre > 0 {
          // How far the estimate moves without the source, as a factor either way.
          func moved(_ l: LeaveOneOut) -> Double { max(l.pooled.estimate / centre, centre / l.pooled.estimate) }
          let ranked = all.sorted { moved($0) > moved($1) }
          let keep = Set(ranked.prefix(tableLeaveOneOut).map { $0.id })
          shown = all.filter { keep.contains($0.id) }
        } else {
          shown = all
        }
        out +=
          "  leave-one-out (\(rec.randomEffects?.betweenSources == false ? "common effect" : "random effects"))\(shown.count < all.count ? ", the \(shown.count) of \(all.count) sources that move it most (all in --format json)" : ""):\n"
        for l in shown {
          out +=
            "    without \(l.id): \(rounding.estimate(l.pooled.estimate, low: l.pooled.ciLow, high: l.pooled.ciHigh)) (\(pct(rec.level)) CI \(rounding.range(l.pooled.ciLow, l.pooled.ciHigh)))\n"
        }
      }
      out += "\n"
    }
    return TerminalText.escape(out)
  }

  /// The most publication years the table lists, and the most leave-one-out lines.
  static let tableYears = 8
  static let tableLeaveOneOut = 5

  /// One figure of the by-year view: its centre and its own interval, or its bound.
  static func byYearFigure(_ one: ReportedFigure, level: Double) -> String {
    guard let estimate = one.estimate else { return rangeText(one.low, one.high) }
    return "\(NumberFormat.human(estimate)) (its own \(pct(level)) interval \(rangeText(one.low, one.high)))"
  }
}
