import Figures
import Statistics

extension MetaFiguresReport {
  /// The JSON object: `quantity`, `unit`, `scale` ("log"), every key of
  /// ``MetaAnalysisReport/json(_:group:)`` (on the log scale), `natural` (`estimate`,
  /// `ci_low`, `ci_high`, `pi_low`, `pi_high`: exp of the log-scale values), `figures` (per
  /// pooled figure: `id`, `line`, `source`, `value`, `low`, `high`, `coverage`, `center`
  /// ("value" or "geometric_midpoint"), `natural` (the centre), `yi`, `sei`, `weight` in
  /// percent) and `left_out` (`id`, `line`, `reason`).
  public static func json(_ m: MetaFiguresResult) -> JSON {
    var members: [(String, JSON)] = [
      ("quantity", .string(m.quantity)), ("unit", .string(m.unit)), ("scale", .string("log")),
    ]
    if case .object(let fit) = MetaAnalysisReport.json(m.result) { members += fit }
    let n = m.natural
    members.append(
      (
        "natural",
        .object([
          ("estimate", .num(n.estimate)), ("ci_low", .num(n.ciLow)), ("ci_high", .num(n.ciHigh)),
          ("pi_low", .num(n.piLow)), ("pi_high", .num(n.piHigh)),
        ])
      ))
    members.append(
      (
        "figures",
        .array(
          m.used.map { u in
            .object([
              ("id", .string(u.figure.id)), ("line", .int(u.figure.location.line)),
              ("source", .string(u.figure.source)), ("value", .num(u.figure.value)), ("low", .num(u.figure.low)),
              ("high", .num(u.figure.high)), ("coverage", .num(u.coverage)),
              ("center", .string(u.log.centreIsGeometricMidpoint ? "geometric_midpoint" : "value")),
              ("natural", .num(u.log.centre)), ("yi", .num(u.log.estimate)), ("sei", .num(u.log.standardError)),
              ("weight", .num(u.weight)),
            ])
          })
      ))
    members.append(
      (
        "left_out",
        .array(
          m.leftOut.map {
            .object([
              ("id", .string($0.figure.id)), ("line", .int($0.figure.location.line)), ("reason", .string($0.reason)),
            ])
          })
      ))
    return .object(members)
  }

  static let csvHeader = [
    "quantity", "row", "id", "line", "center", "yi", "sei", "weight", "natural", "natural_low", "natural_high",
    "coverage", "reason",
  ]

  /// CSV, one row per figure (chart-ready as a forest plot): `row` is `figure` (pooled:
  /// `yi`, `sei`, `weight` in percent; `natural` its centre, `natural_low`–`natural_high` its
  /// interval at `coverage`, `center` "value" or "geometric_midpoint"), then `pooled` (the
  /// estimate and its confidence interval at the level, natural = exp), `prediction` (its
  /// prediction interval), and `left_out` rows with the `reason`.
  public static func csv(_ m: MetaFiguresResult) -> CSVWriter {
    var w = CSVWriter(header: csvHeader)
    let cell = CSVWriter.cell
    for u in m.used {
      let f = u.figure
      w.append([
        m.quantity, "figure", f.id, String(f.location.line),
        u.log.centreIsGeometricMidpoint ? "geometric_midpoint" : "value", cell(u.log.estimate),
        cell(u.log.standardError), cell(u.weight), cell(u.log.centre), cell(f.low), cell(f.high), cell(u.coverage), "",
      ])
    }
    let r = m.result
    let n = m.natural
    w.append([
      m.quantity, "pooled", "", "", "", cell(r.estimate), cell(r.standardError), cell(100), cell(n.estimate),
      cell(n.ciLow), cell(n.ciHigh), cell(r.level), "",
    ])
    w.append([
      m.quantity, "prediction", "", "", "", cell(r.estimate), "", "", cell(n.estimate), cell(n.piLow), cell(n.piHigh),
      cell(r.level), "",
    ])
    for l in m.leftOut {
      w.append(
        [m.quantity, "left_out", l.figure.id, String(l.figure.location.line)] + Array(repeating: "", count: 8) + [
          l.reason
        ])
    }
    return w
  }

  /// The terminal table: the figures pooled (centre, interval, coverage, log estimate, SE,
  /// weight), the meta-analysis as for study estimates (log scale), the pooled estimate and
  /// intervals on the natural scale, and the figures left out with their reasons.
  public static func table(_ m: MetaFiguresResult) -> String {
    let unit = m.unit.isEmpty ? "" : " (\(m.unit))"
    var out =
      "\(m.quantity)\(unit): \(m.used.count) of \(m.used.count + m.leftOut.count) figures pooled on the log scale\n"
    out += "  ln estimate = ln(value), SE = (ln high − ln low)/(2z), z the normal quantile of (1 + coverage)/2\n"
    var rows: [[String]] = [["id", "source", "value", "interval", "coverage", "ln estimate", "SE", "weight"]]
    var midpoints = false
    for u in m.used {
      midpoints = midpoints || u.log.centreIsGeometricMidpoint
      rows.append([
        u.figure.id, u.figure.source,
        NumberFormat.human(u.log.centre, significant: 6) + (u.log.centreIsGeometricMidpoint ? " *" : ""),
        rangeText(u.figure.low, u.figure.high), pct(u.coverage), NumberFormat.human(u.log.estimate, significant: 6),
        NumberFormat.human(u.log.standardError, significant: 4), NumberFormat.human(u.weight, significant: 3) + "%",
      ])
    }
    out += TextTable.render(rows) + "\n"
    if midpoints { out += "  * no value stated: the geometric midpoint √(low·high)\n" }
    out += MetaAnalysisReport.tableBlock(m.group)
    let n = m.natural
    let level = pct(m.result.level)
    out += "  natural scale (exp): estimate \(NumberFormat.human(n.estimate, significant: 6)); "
    out += "\(level) CI \(rangeText(n.ciLow, n.ciHigh)); \(level) PI \(rangeText(n.piLow, n.piHigh))\n"
    if !m.leftOut.isEmpty { out += "  left out:\n" }
    for l in m.leftOut { out += "    \(l.figure.id) (line \(l.figure.location.line)): \(l.reason)\n" }
    return TerminalText.escape(out)
  }
}

extension MetaOutcome {
  /// The warnings to print on standard error: the figures file's, and the fits' (located at
  /// each analysis's first row).
  public func warnings(path: String) -> [Diagnostic] {
    switch self {
    case .studies(let results): return MetaAnalysisReport.warnings(results, path: path)
    case .figures(let m): return m.fileWarnings + MetaAnalysisReport.warnings([m.group], path: path)
    }
  }

  /// The JSON document (`grouped`: study estimates analysed `--by` a column).
  public func jsonDocument(grouped: Bool) -> [[UInt8]] {
    switch self {
    case .studies(let results): return MetaAnalysisReport.jsonDocument(results, grouped: grouped)
    case .figures(let m): return MetaFiguresReport.json(m).document()
    }
  }

  /// The CSV text.
  public var csv: String {
    switch self {
    case .studies(let results): return MetaAnalysisReport.csv(results).text
    case .figures(let m): return MetaFiguresReport.csv(m).text
    }
  }

  /// The terminal table.
  public var table: String {
    switch self {
    case .studies(let results): return MetaAnalysisReport.table(results)
    case .figures(let m): return MetaFiguresReport.table(m)
    }
  }
}
