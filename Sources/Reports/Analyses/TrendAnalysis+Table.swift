import Figures
import Statistics

extension TrendAnalysis {
  /// A plain-text summary of every series of a quantity for the terminal: one block per
  /// fitted series, then what was left out.
  public static func table(_ q: QuantityTrends) -> String {
    var out = q.results.map { table($0) }.joined()
    if q.results.isEmpty {
      out = TerminalText.escape(q.notes.map { "\(q.quantity): \($0)\n" }.joined())
    }
    return out
  }

  /// A plain-text summary of one series for the terminal.
  public static func table(_ r: TrendResult) -> String {
    let lvl = pct(r.fit.level)
    let stock = r.measure == .stock
    let several = r.buckets.count
    let composite =
      r.compositeLink
      ? " (composite link: \(several == 0 ? "no" : "\(several)") count\(several == 1 ? "" : "s") over several years)"
      : ""
    var out =
      "\(r.label): \(r.model.rawValue) trend over \(r.fit.n) periods\(stock ? " (stock: levels at a date, never annualised)" : composite)\n"
    out += "  model: \(r.modelChoice)\n"
    out += "  assumes: \(r.assumption)\n"
    var rows: [[String]] = [["parameter", "estimate", "std. error", "\(lvl) CI"]]
    let converged = r.fit.intervalsUsable
    for p in r.fit.parameters {
      rows.append([
        p.name, NumberFormat.human(p.estimate, significant: 7),
        converged ? NumberFormat.human(p.standardError, significant: 5) : "—",
        converged ? rangeText(p.ciLow, p.ciHigh) : "— (did not converge)",
      ])
    }
    out += TextTable.render(rows) + "\n"
    if let g = r.growthFactor.estimate, !converged {
      out += "  growth factor per year: \(NumberFormat.human(g)) (did not converge: no interval)\n"
      out +=
        "  annual percent change:  \(NumberFormat.human(r.annualPercentChange.estimate, significant: 3))% (did not converge: no interval)\n"
    } else if let g = r.growthFactor.estimate {
      out +=
        "  growth factor per year: \(NumberFormat.human(g)) (\(lvl) CI \(rangeText(r.growthFactor.low, r.growthFactor.high)))\n"
      out +=
        "  annual percent change:  \(NumberFormat.human(r.annualPercentChange.estimate, significant: 3))% (\(lvl) CI \(NumberFormat.human(r.annualPercentChange.low, significant: 3))% to \(NumberFormat.human(r.annualPercentChange.high, significant: 3))%)\n"
    }
    if let d = r.doublingTime.estimate, !converged {
      out += "  doubling time: \(NumberFormat.human(d, significant: 3)) years (did not converge: no interval)\n"
    } else if let d = r.doublingTime.estimate {
      out +=
        "  doubling time: \(NumberFormat.human(d, significant: 3)) years (\(lvl) CI \(NumberFormat.human(r.doublingTime.low, significant: 3)) to \(r.doublingTime.high.map { NumberFormat.human($0, significant: 3) } ?? "unbounded"))\n"
    }
    if let theta = r.fit.theta {
      out +=
        "  theta: \(NumberFormat.human(theta, significant: 4)) (std. error \(NumberFormat.human(r.fit.thetaStandardError, significant: 3)))\n"
    } else {
      out += "  dispersion: \(NumberFormat.human(r.fit.dispersion, significant: 4))\n"
    }
    var prow: [[String]] = [
      stock
        ? ["date", "level", "fitted", "\(lvl) CI", "prediction"]
        : ["period", "exposure", "observed", "annualized", "fitted", "\(lvl) CI", "prediction"]
    ]
    for p in r.points {
      let name = p.period + (p.projected ? " (projected)" : p.implied ? " (implied)" : "")
      let fitted = [
        NumberFormat.human(p.fitted, significant: 4), rangeText(p.ciLow, p.ciHigh), rangeText(p.piLow, p.piHigh),
      ]
      prow.append(
        stock
          ? [name, NumberFormat.human(p.observed, significant: 6)] + fitted
          : [
            name, NumberFormat.human(p.exposure, significant: 3), NumberFormat.human(p.observed, significant: 6),
            NumberFormat.human(p.annualized, significant: 4),
          ] + fitted)
    }
    out += TextTable.render(prow) + "\n"
    for p in r.points where p.exposure < 1 && !p.projected && !p.implied && !stock {
      out +=
        "  partial period \(p.period) (\(NumberFormat.human(p.exposure, significant: 3)) of the year): \(NumberFormat.human(p.observed, significant: 6)) observed → \(NumberFormat.human(p.annualized, significant: 4)) a year (\(lvl) \(p.annualizedDispersion > 1 ? "CI" : "Poisson CI") \(rangeText(p.annualizedLow, p.annualizedHigh))\(p.annualizedDispersion > 1 ? ", exact Poisson widened by the \(r.model.rawValue) dispersion \(NumberFormat.human(p.annualizedDispersion, significant: 3))" : "")); the model's full year: \(NumberFormat.human(p.fitted, significant: 4)) (prediction \(rangeText(p.piLow, p.piHigh)))\n"
    }
    if let jp = r.joinpointFit {
      out +=
        "  joinpoints: \(jp.joinpoints.isEmpty ? "none" : jp.joinpoints.map { NumberFormat.plain($0) }.joined(separator: ", "))"
      if let sel = jp.selection {
        out += " (chosen by \(sel.tests.isEmpty ? "BIC" : "permutation test") among 0–\(sel.maxJoinpoints)"
        for t in sel.tests {
          out +=
            "; \(t.nullJoinpoints) vs \(t.alternativeJoinpoints): p = \(NumberFormat.human(t.pValue, significant: 3))"
        }
        out += ")"
      }
      out += "\n"
      for s in jp.segments {
        out +=
          "  segment \(NumberFormat.plain(s.from))–\(NumberFormat.plain(s.to)): APC \(NumberFormat.human(s.apc.estimate, significant: 3))% (\(lvl) CI \(NumberFormat.human(s.apc.low, significant: 3))% to \(NumberFormat.human(s.apc.high, significant: 3))%)\n"
      }
    }
    if let d = r.joinpointDispersion {
      for line in joinpointDispersionLines(d) { out += "  \(line)\n" }
    } else if let d = r.overdispersion {
      out += "  overdispersion: Pearson dispersion \(NumberFormat.human(d.pearsonDispersion, significant: 3))"
      if let lr = d.lrStatistic, let p = d.lrPValue {
        out +=
          "; LR test Poisson vs negative binomial: \(NumberFormat.human(lr, significant: 4)) (p = \(NumberFormat.human(p, significant: 2)))"
      }
      out += "\n"
    }
    if let sp = r.span {
      out +=
        "  \(sp.from)–\(sp.to) (\(sp.periods) periods): growth factor \(NumberFormat.human(sp.growthFactor.estimate, significant: 3)) (\(lvl) CI \(rangeText(sp.growthFactor.low, sp.growthFactor.high))), annual percent change \(NumberFormat.human(sp.annualPercentChange.estimate, significant: 3))% (\(NumberFormat.human(sp.annualPercentChange.low, significant: 3))% to \(NumberFormat.human(sp.annualPercentChange.high, significant: 3))%)"
      if let d = sp.doubling { out += " — \(d.phrase)" }
      out += "\n"
    }
    for line in detailLines(r) { out += "  \(line)\n" }
    for w in r.warnings { out += "  warning: \(w)\n" }
    for n in r.notes { out += "  \(n)\n" }
    return TerminalText.escape(out)
  }

  /// What a trend says of its counts over several years, its cumulative totals and its
  /// printings, one line each (the table, `report.md` and `report.html` show them):
  /// ``bucketLines(_:)``, the cumulative checks (`PASS`/`FAIL`), ``conflictLines(_:)``.
  public static func detailLines(_ r: TrendResult) -> [String] {
    bucketLines(r) + r.cumulativeChecks.map(\.line) + conflictLines(r.conflicts)
  }

  /// One line per count over several years of a composite link fit: its years, its
  /// published count and fitted total, and the yearly means it implies (which sum to that total).
  static func bucketLines(_ r: TrendResult) -> [String] {
    let lvl = pct(r.fit.level)
    var out: [String] = []
    for b in r.buckets {
      let what =
        b.cumulative
        ? "the cumulative total through \(b.lastYear), counted from \(b.firstYear), the series' first year"
        : "\(b.lastYear - b.firstYear + 1) years"
      let implied = b.implied.map {
        "\($0.year) \(NumberFormat.human($0.mean, significant: 4)) (\(rangeText($0.low, $0.high)))"
      }
      out.append(
        "bucket \(b.firstYear)–\(b.lastYear) (\(b.id); \(what)): \(NumberFormat.human(b.observed, significant: 15)) observed; fitted total \(NumberFormat.human(b.fitted, significant: 4)) (\(lvl) CI \(rangeText(b.low, b.high))); implied \(implied.joined(separator: ", ")), which sum to the fitted total"
      )
    }
    return out
  }

  /// The conflicts between printings: a heading, one line each, then for each set of figures
  /// replaced together (several years of an older printing against one later count) their sum.
  public static func conflictLines(_ conflicts: [PrintingConflict]) -> [String] {
    guard !conflicts.isEmpty else { return [] }
    var lines = ["printings that disagree (the latest publication of each year is used, the others left out):"]
    lines += conflicts.map { "conflict: \($0.line)" }
    var groups: [[String]: [PrintingConflict]] = [:]
    var order: [[String]] = []
    for c in conflicts {
      let key = c.against.map(\.id)
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(c)
    }
    for key in order {
      guard let group = groups[key], group.count > 1, let against = group.first?.against else { continue }
      let total = group.reduce(0.0) { $0 + $1.figure.value }
      let parts = group.map { NumberFormat.human($0.figure.value, significant: 15) }.joined(separator: " + ")
      let dates = Set(group.map(\.figure.published)).sorted().joined(separator: ", ")
      lines.append(
        "conflict total: \(group.map(\.figure.id).joined(separator: ", ")) (\(dates)): \(parts) = \(NumberFormat.human(total, significant: 15)) against \(against.map(\.text).joined(separator: " and "))"
      )
    }
    return lines
  }
}
