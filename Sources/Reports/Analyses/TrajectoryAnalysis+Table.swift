import Figures
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension TrajectoryAnalysis {
  /// A level for people: 3 significant digits, thousands grouped (the intervals are wide;
  /// more digits would claim a precision the posterior does not have).
  static func level(_ x: Double?) -> String { NumberFormat.human(x.map { significant($0, 3) }, significant: 3) }

  /// `x` rounded to `digits` significant digits (`NumberFormat.human` rounds only the
  /// decimals: 97,378 stays 97,378 at 3 digits; here it is 97,400). Above the decimal point the
  /// division and product by a power of ten are exact for the integers they give.
  static func significant(_ x: Double, _ digits: Int) -> Double {
    guard x.isFinite, x != 0 else { return x }
    let magnitude = Int(abs(x).log10Floor())
    let k = magnitude - digits + 1
    guard k > 0 else { return x }
    let scale = NumberFormat.pow10(k)
    return (x / scale).rounded() * scale
  }

  /// `a–b` at 3 significant digits.
  static func band(_ a: Double?, _ b: Double?) -> String { "\(level(a))–\(level(b))" }

  /// A bias factor: 2 significant digits and "×".
  static func factor(_ x: Double?) -> String { ratio(x) + "×" }

  /// A ratio for people: 2 significant digits.
  static func ratio(_ x: Double?) -> String { NumberFormat.human(x.map { significant($0, 2) }, significant: 2) }

  /// A plain-text report for the terminal: the level by year with its 50% and 90% intervals,
  /// the statements, each series' bias as a factor in words, the outliers, the figures left
  /// out, `--year`'s consensus, the diagnostics and their warnings, and the prior sensitivity.
  public static func table(_ r: TrajectoryReport) -> String {
    let res = r.result
    let data = r.input.data
    let o = r.options
    var out =
      "\(r.input.quantity)\(r.input.unit.isEmpty ? "" : " (\(r.input.unit))"): trajectory \(data.years.first ?? 0)–\(data.years.last ?? 0) from \(data.statements.count) statements in \(data.series.count) series; \(o.chains) chains × \(NumberFormat.human(Double(o.draws), significant: 6)) draws (seed \(o.seed))\n"
    let counts = r.input.statementsPerYear
    var rows = [["year", "median", "50% interval", "90% interval", "statements"]]
    for (k, y) in res.years.enumerated() {
      rows.append([
        String(y.year) + (r.isProjected(y.year) ? " (projected)" : ""), level(y.level.median),
        band(y.level.q25, y.level.q75), band(y.level.q05, y.level.q95),
        String(counts.indices.contains(k) ? counts[k] : 0),
      ])
    }
    out += TextTable.render(rows) + "\n"
    out += "  statements:\n"
    rows = [["id", "year", "series", "reading", "stated", "fitted", "outlier p"]]
    for (k, s) in r.input.sources.enumerated() {
      let fit = res.statements.indices.contains(k) ? res.statements[k] : nil
      rows.append([
        s.id, String(s.year), s.series, s.reading.rawValue, statedText(s), level(fit.map { exp($0.fittedLogMedian) }),
        NumberFormat.human(fit?.outlierProbability, significant: 2),
      ])
    }
    out += TextTable.render(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    out += "  bias by series (a factor: what the series states over the level; \(pct(res.level)) intervals):\n"
    for b in res.biases {
      out += "    \(b.series): \(biasWords(b, level: res.level, hasReference: data.reference != nil))\n"
    }
    let outliers = r.outliers
    if outliers.isEmpty {
      out += "  outliers (probability above \(NumberFormat.plain(outlierThreshold))): none\n"
    }
    for k in outliers {
      let s = r.input.sources[k]
      let fit = res.statements[k]
      out +=
        "  outlier: \(s.id) (\(s.series), \(s.year): \(statedText(s))): probability \(NumberFormat.human(fit.outlierProbability, significant: 2)); the model puts what it states at \(level(exp(fit.fittedLogMedian)))\n"
    }
    for l in r.input.leftOut { out += "  left out: \(l.id) — \(l.reason)\n" }
    if let c = r.consensus { out += "  \(consensusSentence(r, c))\n" }
    out +=
      "  hyperparameters (median, \(pct(res.level)) interval): tau \(hyper(res.tau)) (yearly change of the log-level); sigmaB \(hyper(res.sigmaB)) (spread of the series' biases, log scale); omega \(hyper(res.omega)) (error beyond each statement's own)\n"
    out += "  \(diagnosticsLine(res.diagnostics))\n"
    for w in res.warnings { out += "  warning: \(w)\n" }
    out += sensitivityTable(r)
    return TerminalText.escape(out + "\n")
  }

  /// A statement as stated: "10,000", "about 30,000", "50,000–300,000", "98,000
  /// (8,000–194,000)", "20,000–99,999 (verbal)", "at least X", "at most X", "… (hard)".
  static func statedText(_ s: TrajectoryStatementSource) -> String {
    let n = { (x: Double?) in NumberFormat.human(x, significant: 6) }
    switch s.reading {
    case .atLeast: return "at least \(n(s.center))"
    case .atMost: return "at most \(n(s.center))"
    case .point: return n(s.center)
    case .about: return "about \(n(s.center))"
    case .range, .verbal:
      let ends = "\(n(s.stated.low))–\(n(s.stated.high))"
      if s.interval != nil { return ends + " (hard)" }
      if s.reading == .verbal { return ends + " (verbal)" }
      return s.stated.value.map { "\(n($0)) (\(ends))" } ?? ends
    }
  }

  /// A series' bias in words: "states about 1.8× the level (90% interval 1.2–2.7)"; without a
  /// reference, also what it states over the others (its contrast: "1.9× what the others state
  /// (1.1–3.4)"); then its verdict (`TrajectorySeriesBias.Verdict`): flagged, in line, or that
  /// the statements cannot tell — an unflagged series is not thereby cleared.
  static func biasWords(_ b: TrajectorySeriesBias, level: Double, hasReference: Bool) -> String {
    if b.isReference { return "the reference: its bias is fixed at 1× (the level is on its scale)" }
    var words =
      "states about \(factor(b.factor.median)) the level (\(pct(level)) interval \(ratio(b.factor.low))–\(ratio(b.factor.high)))"
    let c = b.logContrast
    let (whom, what) = yardstickWords(hasReference: hasReference)
    if !hasReference, b.verdict != .alone {
      words += ", \(factor(exp(c.median))) \(what) (\(ratio(exp(c.low)))–\(ratio(exp(c.high))))"
    }
    let cut = log(TrajectorySeriesBias.flagFactor)
    switch b.verdict {
    case .flagged:
      return words
        + "; FLAGGED as biased: with probability \(NumberFormat.human(b.flagProbability, significant: 2)) it states \(flaggedSide(b)) \(what)"
    case .inLine:
      return words + "; in line with \(whom) (within 1.5× either way)"
    case .uncertain:
      let sides =
        c.high >= cut && c.low <= -cut
        ? "1.5× or 1/1.5 of \(whom)" : c.high >= cut ? "1.5× \(whom)" : "1/1.5 of \(whom)"
      return words + "; cannot tell if out of line (may be \(sides))"
    case .reference, .alone:
      return words
    }
  }

  /// A series' verdict in a clause for the report's sentence on the biases: ", flagged as biased
  /// (probability 0.97 that it states at least 1.5× what the others state)", ", in line with the
  /// others", ", cannot tell against the others"; empty for the reference and a lone series.
  static func verdictClause(_ b: TrajectorySeriesBias, hasReference: Bool) -> String {
    let (whom, what) = yardstickWords(hasReference: hasReference)
    switch b.verdict {
    case .flagged:
      return
        ", flagged as biased (probability \(NumberFormat.human(b.flagProbability, significant: 2)) that it states \(flaggedSide(b)) \(what))"
    case .inLine: return ", in line with \(whom)"
    case .uncertain: return ", cannot tell against \(whom)"
    case .reference, .alone: return ""
    }
  }

  /// What a series is judged against (`TrajectorySeriesBias.logContrast`'s yardstick), in words:
  /// "the reference" and "what the reference states" with a reference series, else "the others"
  /// and "what the others state".
  static func yardstickWords(hasReference: Bool) -> (whom: String, what: String) {
    hasReference ? ("the reference", "what the reference states") : ("the others", "what the others state")
  }

  /// The side a flagged series is out on: "at least 1.5×" or "at most 1/1.5 of".
  static func flaggedSide(_ b: TrajectorySeriesBias) -> String {
    b.logContrast.median > 0 ? "at least 1.5×" : "at most 1/1.5 of"
  }

  /// "0.21 (0.02–0.75)".
  static func hyper(_ s: PosteriorSummary) -> String {
    "\(NumberFormat.human(s.median, significant: 2)) (\(NumberFormat.human(s.low, significant: 2))–\(NumberFormat.human(s.high, significant: 2)))"
  }

  /// `--year`'s consensus in one sentence.
  static func consensusSentence(_ r: TrajectoryReport, _ c: TrajectoryYearLevel) -> String {
    let l = c.level
    var text =
      "consensus for \(c.year)\(r.isProjected(c.year) ? " (projected past the last statement, \(r.input.lastObserved))" : ""): \(level(l.median)) (50% interval \(band(l.q25, l.q75)); 90% interval \(band(l.q05, l.q95))"
    if r.result.level != 0.9 && r.result.level != 0.5 {
      text += "; \(pct(r.result.level)) interval \(band(l.low, l.high))"
    }
    return text + ")"
  }

  /// The diagnostics in one line, with the thresholds the warnings use.
  static func diagnosticsLine(_ d: TrajectoryConvergence) -> String {
    "diagnostics: max R-hat \(NumberFormat.human(d.maxRHat, significant: 4)) (warns above 1.01), min bulk ESS \(NumberFormat.human(d.minBulkESS.rounded(), significant: 6)) (warns below 400), min tail ESS \(NumberFormat.human(d.minTailESS.rounded(), significant: 6)), \(d.divergences) divergent transitions, \(d.maxTreeDepthHits) at the maximum tree depth"
  }

  /// The prior sensitivity as a small table: one row per prior and scale, one column per year.
  static func sensitivityTable(_ r: TrajectoryReport) -> String {
    var years: [Int] = []
    for s in r.sensitivity where !years.contains(s.year) { years.append(s.year) }
    guard !years.isEmpty else { return "" }
    let out = "  prior sensitivity (the level's median and 90% interval; the same seed):\n"
    var rows = [["prior", "scale"] + years.map { "\($0)\(r.isProjected($0) ? " (projected)" : "")" }]
    var keys: [(String, Double)] = []
    for s in r.sensitivity where !keys.contains(where: { $0 == (s.prior, s.factor) }) {
      keys.append((s.prior, s.factor))
    }
    for (prior, factor) in keys {
      let cells = r.sensitivity.filter { $0.prior == prior && $0.factor == factor }
      guard let first = cells.first else { continue }
      let name = prior == "smoothness" ? "smoothness (tau)" : "bias (sigmaB)"
      let scale =
        NumberFormat.human(first.scale, significant: 3)
        + (factor == 1 ? " (default)" : " (×\(NumberFormat.plain(factor)))")
      rows.append(
        [name, scale]
          + years.map { y in
            cells.first { $0.year == y }.map { "\(level($0.median)) (\(band($0.lo90, $0.hi90)))" } ?? "—"
          })
    }
    return out + TextTable.render(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
  }
}
