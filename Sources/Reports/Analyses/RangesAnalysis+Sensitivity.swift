import Figures
import Statistics

// The sensitivity table (issue #30), the words that say every interval is assumption-based,
// and the linear pool's modes, for every renderer of `ranges`.

extension RangesAnalysis {
  /// The names of a pooled result's intervals at `level`: "90% Knapp-Hartung CI" and "90%
  /// prediction interval, t(k-2)", as the CSV's pooled rows name them.
  static func intervalNames(_ re: LogRandomEffects, level: Double) -> (ci: String, pi: String) {
    if !re.betweenSources { return ("\(pct(level)) CI", "") }
    if re.censored > 0 {
      return ("\(pct(level)) CI from the observed information", "\(pct(level)) prediction interval")
    }
    return re.smallSample
      ? ("\(pct(level)) Knapp-Hartung CI", "\(pct(level)) prediction interval, t(k-2)")
      : ("\(pct(level)) CI", "\(pct(level)) prediction interval")
  }

  /// JSON `sensitivity`: one object per cell — `coverage`, `point_factor`, `estimate`,
  /// `ci_low`, `ci_high`, `pi_low`, `pi_high` (null without a prediction interval: a common
  /// effect) and `level`.
  static func sensitivityJSON(_ rec: RangeReconciliation) -> JSON {
    .array(
      rec.sensitivity.map { cell in
        let re = cell.pooled
        let prediction = re?.betweenSources == true
        return .object([
          ("coverage", .num(cell.coverage)), ("point_factor", .num(cell.pointFactor)),
          ("estimate", .num(re?.estimate)), ("ci_low", .num(re?.ciLow)), ("ci_high", .num(re?.ciHigh)),
          ("pi_low", .num(prediction ? re?.piLow : nil)), ("pi_high", .num(prediction ? re?.piHigh : nil)),
          ("level", .num(rec.level)),
        ])
      })
  }

  /// Each cell's CSV ids and the start of its label, in the order of
  /// `RangeReconciliation.sensitivity`: `coverage=0.5;point_factor=1.5;ci` (and `;pi`).
  static let sensitivityCSVKeys: [(ci: String, pi: String, label: String)] = RangePooling.sensitivityCoverages
    .flatMap { c in
      RangePooling.sensitivityPointFactors.map { f in
        let id = "coverage=\(NumberFormat.plain(c));point_factor=\(NumberFormat.plain(f))"
        return (
          id + ";ci", id + ";pi",
          "Sensitivity: coverage \(NumberFormat.plain(c)) where none is stated, point factor \(NumberFormat.plain(f)); random effects, "
        )
      }
    }

  /// The sensitivity rows of the CSV (kind `sensitivity`): per cell its CI, and its
  /// prediction interval where it has one, with the estimate as `mid`.
  static func writeCSVSensitivity<Sink: RangesCSVSink & ~Copyable>(
    quantity: String, _ rec: RangeReconciliation, to w: inout Sink
  ) {
    // The cells mostly share a model: their interval names are made once.
    var named: (model: (Bool, Bool, Bool), names: (ci: String, pi: String))? = nil
    for (i, cell) in rec.sensitivity.enumerated() where i < sensitivityCSVKeys.count {
      guard let re = cell.pooled else { continue }
      let keys = sensitivityCSVKeys[i]
      let model = (re.betweenSources, re.censored > 0, re.smallSample)
      let names: (ci: String, pi: String)
      if let named, named.model == model {
        names = named.names
      } else {
        names = intervalNames(re, level: rec.level)
        named = (model, names)
      }
      for (id, name, low, high) in [(keys.ci, names.ci, re.ciLow, re.ciHigh), (keys.pi, names.pi, re.piLow, re.piHigh)]
      where !name.isEmpty {
        w.text(quantity)
        w.literal("sensitivity")
        w.text(id)
        w.text(keys.label + name)
        w.number(low)
        w.number(re.estimate)
        w.number(high)
        w.endRow()
      }
    }
  }

  /// The sensitivity table as text: its title, then a header row and a row per coverage, each
  /// cell the estimate with its prediction interval (its CI where there is none: a common
  /// effect). Nil without a table.
  static func sensitivityTable(_ rec: RangeReconciliation, rounding: PublicationRounding = .supported) -> (
    title: String, rows: [[String]]
  )? {
    guard !rec.sensitivity.isEmpty else { return nil }
    let prediction = rec.sensitivity.allSatisfy { $0.pooled?.betweenSources != false }
    let interval = prediction ? "\(pct(rec.level)) prediction interval" : "\(pct(rec.level)) CI"
    let title =
      "sensitivity to the assumed readings — random-effects estimate (\(interval)); rows: the coverage assumed where a figure states none (--coverage), columns: the point factor (--point-factor)"
    var rows = [["coverage"] + RangePooling.sensitivityPointFactors.map { "point factor \(NumberFormat.plain($0))" }]
    for (j, c) in RangePooling.sensitivityCoverages.enumerated() {
      var row = [pct(c)]
      for m in RangePooling.sensitivityPointFactors.indices {
        let index = j * RangePooling.sensitivityPointFactors.count + m
        guard index < rec.sensitivity.count, let re = rec.sensitivity[index].pooled else {
          row.append("—")
          continue
        }
        let (lo, hi) = prediction ? (re.piLow, re.piHigh) : (re.ciLow, re.ciHigh)
        row.append("\(rounding.estimate(re.estimate, low: lo, high: hi)) (\(rounding.range(lo, hi)))")
      }
      rows.append(row)
    }
    return (title, rows)
  }

  /// That every pooled interval rests on assumed readings, in words (nil when nothing is
  /// pooled): "intervals are assumption-based: …".
  static func assumptionWords(_ rec: RangeReconciliation) -> String? {
    guard rec.distributions.count >= 2 else { return nil }
    return
      "every pooled interval is an assumption-based interval: it rests on reading each range as the central interval at its coverage and each point figure as right within a factor of \(NumberFormat.plain(rec.pointFactor))\(rec.sensitivity.isEmpty ? "" : " (the sensitivity table shows how the random effects move with those readings)")"
  }

  /// When the linear opinion pool's density has more than one mode, in words: its median
  /// alone does not summarise it. Nil when it has one, or none was computed.
  static func modalityWords(_ rec: RangeReconciliation) -> String? {
    guard rec.linearPool != nil, let density = RangePooling.linearPoolDensity(rec.distributions),
      density.modes.count > 1
    else { return nil }
    let back = rec.scale.inverse
    let at = density.modes.map { NumberFormat.human(back($0), significant: 2) }.joined(separator: ", ")
    return
      "the linear opinion pool is multimodal: its density has \(density.modes.count) modes (near \(at)), so its median alone does not summarise it"
  }
}

extension RangesAnalysis {
  /// The sensitivity table as a Markdown section (empty without one).
  static func sensitivityMarkdown(_ rec: RangeReconciliation) -> String {
    guard let (title, rows) = sensitivityTable(rec), let head = rows.first else { return "" }
    var out = "\n**\(Markdown.text(ReportBuilder.capitalised(title))).**\n\n"
    out += "| " + head.map(Markdown.text).joined(separator: " | ") + " |\n"
    out += "|" + String(repeating: "---|", count: head.count) + "\n"
    for row in rows.dropFirst() { out += "| " + row.map(Markdown.text).joined(separator: " | ") + " |\n" }
    return out
  }
}
