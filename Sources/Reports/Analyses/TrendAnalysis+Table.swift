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
    var out =
      "\(r.label): \(r.model.rawValue) trend over \(r.fit.n) periods\(stock ? " (stock: levels at a date, never annualised)" : "")\n"
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
      let name = p.period + (p.projected ? " (projected)" : "")
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
    for p in r.points where p.exposure > 1 && !p.projected && !stock {
      out +=
        "  several years: \(p.period) (\(NumberFormat.human(p.exposure, significant: 3)) years): \(NumberFormat.human(p.observed, significant: 6)) observed → \(NumberFormat.human(p.annualized, significant: 4)) a year, placed at the middle of the period (\(NumberFormat.plain(p.time))); the model's yearly rate there: \(NumberFormat.human(p.fitted, significant: 4))\n"
    }
    for p in r.points where p.exposure < 1 && !p.projected && !stock {
      out +=
        "  partial period \(p.period) (\(NumberFormat.human(p.exposure, significant: 3)) of the year): \(NumberFormat.human(p.observed, significant: 6)) observed → \(NumberFormat.human(p.annualized, significant: 4)) a year (\(lvl) Poisson CI \(rangeText(p.annualizedLow, p.annualizedHigh))); the model's full year: \(NumberFormat.human(p.fitted, significant: 4)) (prediction \(rangeText(p.piLow, p.piHigh)))\n"
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
    if let d = r.overdispersion {
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
      if let d = sp.consistentWithDoubling {
        out +=
          d
          ? " — consistent with doubling each year (2 lies in the interval)"
          : " — NOT doubling each year (2 lies outside the interval)"
      }
      out += "\n"
    }
    for w in r.warnings { out += "  warning: \(w)\n" }
    for n in r.notes { out += "  \(n)\n" }
    return TerminalText.escape(out)
  }
}
