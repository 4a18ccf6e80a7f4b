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

/// Self-contained HTML pages of a report: one `report.html` per dataset and an index.
///
/// Each page carries its CSS inline and its charts as inline SVG drawn in Swift — no
/// JavaScript, no fonts, images or scripts fetched from anywhere. Every piece of text from the
/// data is escaped. The markup is also well-formed XML (void elements closed with `/>`, only
/// the XML entities), and the output is a pure function of the input: no timestamps, no
/// random ids, no iteration over dictionaries, so the same input gives byte-identical pages.
public enum HTMLReport {
  /// One row of the claims table: a stated claim checked against the computed number.
  public typealias ClaimRow = (
    id: String, claim: String, status: String, computed: String, stated: String, detail: String
  )

  /// The report page of one dataset: a floating-bar chart and provenance table per reconciled
  /// quantity, a trend chart and table per series.
  public static func dataset(_ r: DatasetReport) -> String {
    dataset(r, claims: [], joinpoints: [:])
  }

  /// The report page of one dataset, with a claims table (failed claims first) and the
  /// joinpoint years of each series (keyed by quantity) drawn on its trend chart.
  ///
  /// - Parameters:
  ///   - r: the analyses.
  ///   - claims: rows for the claims table; nothing is rendered when empty.
  ///   - joinpoints: joinpoint years per quantity; looked up, never iterated.
  public static func dataset(_ r: DatasetReport, claims: [ClaimRow], joinpoints: [String: [Double]]) -> String {
    var body = "<header>\n<p class=\"crumb\"><a href=\"../index.html\">All datasets</a></p>\n"
    body += "<h1>\(Markup.escape(r.name))</h1>\n"
    body += "<p>Source file: <code>\(Markup.escape(r.file.path))</code> — \(r.file.figures.count) figures, quantities: \(r.file.quantities().map { "<code>\(Markup.escape($0))</code>" }.joined(separator: ", ")).</p>\n"
    var toc: [String] = []
    for q in r.ranges { toc.append("<li><a href=\"#\(anchor("ranges", q.quantity))\">\(Markup.escape(q.quantity))</a>: reconciled range</li>") }
    for t in r.trends { toc.append("<li><a href=\"#\(anchor("trend", t.quantity))\">\(Markup.escape(t.quantity))</a>: trend</li>") }
    if !toc.isEmpty { body += "<nav><ul>\n" + toc.joined(separator: "\n") + "\n</ul></nav>\n" }
    body += "</header>\n"
    if !r.file.warnings.isEmpty {
      body += "<section class=\"warnings\"><h2>Warnings reading the file</h2>\n<ul>\n"
      for w in r.file.warnings { body += "<li>\(Markup.escape(w.description))</li>\n" }
      body += "</ul></section>\n"
    }
    body += claimsTable(claims)
    for (i, q) in r.ranges.enumerated() { body += rangesSection(q, index: i) }
    for t in r.trends {
      body += trendSection(t, unit: unit(of: t.quantity, in: r.file), modelChoice: r.modelChoices[t.quantity] ?? t.modelChoice, joinpoints: joinpoints[t.quantity] ?? [], file: r.file)
    }
    return page(title: "\(r.name) — reconcile report", body: body)
  }

  /// The index page: one row per dataset, linking its `report.html` and its data files by
  /// URL-encoded relative paths (``RelativeLink``: `./NAME/report.html`, the name
  /// percent-encoded), so that no dataset name is read as a scheme (`javascript:`), a
  /// fragment (`#`), a query (`?`) or an escape (`%`).
  public static func index(_ reports: [DatasetReport], claims: [ClaimRow] = []) -> String {
    var body = "<header><h1>reconcile report</h1>\n<p>Figures that disagree, reconciled with their provenance. One page per dataset.</p></header>\n"
    body += claimsTable(claims)
    body += "<table>\n<thead><tr><th>dataset</th><th>figures</th><th>reconciled ranges</th><th>trends</th><th>data</th></tr></thead>\n<tbody>\n"
    for r in reports {
      let name = Markup.escape(r.name)
      func href(_ file: String) -> String { Markup.escape(RelativeLink.path([r.name, file])) }
      let files = ["ranges.csv", "trend.csv", "summary.json", "report.md"].map { "<a href=\"\(href($0))\">\($0)</a>" }.joined(separator: " ")
      body += "<tr><td><a href=\"\(href("report.html"))\">\(name)</a></td><td class=\"num\">\(r.file.figures.count)</td>"
      body += "<td>\(r.ranges.map { Markup.escape($0.quantity) }.joined(separator: ", "))</td>"
      body += "<td>\(r.trends.map { Markup.escape($0.quantity) }.joined(separator: ", "))</td><td>\(files)</td></tr>\n"
    }
    body += "</tbody>\n</table>\n"
    return page(title: "reconcile report", body: body)
  }

  /// The claims table, failed rows first (then errors, then passes; file order within each),
  /// each row coloured by its status. Renders nothing for an empty list.
  public static func claimsTable(_ rows: [ClaimRow]) -> String {
    guard !rows.isEmpty else { return "" }
    func rank(_ s: String) -> Int {
      switch s.lowercased() {
      case "fail": return 0
      case "error": return 1
      case "pass": return 3
      default: return 2
      }
    }
    let ordered = rows.enumerated().sorted { a, b in
      rank(a.element.status) != rank(b.element.status) ? rank(a.element.status) < rank(b.element.status) : a.offset < b.offset
    }.map(\.element)
    let failed = rows.filter { $0.status.lowercased() == "fail" }.count
    var out = "<section id=\"claims\"><h2>Claims</h2>\n<p>\(rows.count) claims checked, \(failed) failed.</p>\n"
    out += "<table class=\"claims\">\n<thead><tr><th>status</th><th>id</th><th>claim</th><th>computed</th><th>stated</th><th>detail</th></tr></thead>\n<tbody>\n"
    for c in ordered {
      let cls = ["fail", "error", "pass"].contains(c.status.lowercased()) ? c.status.lowercased() : "other"
      out += "<tr class=\"status-\(cls)\"><td class=\"status\">\(Markup.escape(c.status))</td><td><code>\(Markup.escape(c.id))</code></td><td>\(Markup.escape(c.claim))</td><td class=\"num\">\(Markup.escape(c.computed))</td><td class=\"num\">\(Markup.escape(c.stated))</td><td>\(Markup.escape(c.detail))</td></tr>\n"
    }
    out += "</tbody>\n</table></section>\n"
    return out
  }

  /// The floating-bar chart of one reconciled quantity as an `<svg>` element.
  ///
  /// - Parameter index: distinguishes the chart's pattern ids from other charts on a page.
  public static func rangeChart(_ q: QuantityRanges, index: Int = 0) -> String {
    SVGRangeChart(q, index: index).svg
  }

  /// The trend chart of one series as an `<svg>` element, with optional joinpoint years.
  public static func trendChart(_ t: TrendResult, unit: String, joinpoints: [Double] = []) -> String {
    SVGTrendChart(t, unit: unit, joinpoints: joinpoints).svg
  }

  // MARK: - Sections

  static func rangesSection(_ q: QuantityRanges, index: Int) -> String {
    let rec = q.reconciliation
    let level = pct(rec.level)
    var out = "<section id=\"\(anchor("ranges", q.quantity))\">\n<h2>\(Markup.escape(q.quantity))\(q.unit.isEmpty ? "" : " (\(Markup.escape(q.unit)))"): reconciled range</h2>\n"
    out += "<figure>\n" + SVGRangeChart(q, index: index).svg + "\n"
    out += "<figcaption>Each source's range is read as the central interval of a \(rec.scale == .log ? "lognormal" : "normal") distribution at its coverage (0.9 unless stated); a point figure as right within a factor of 2. Pooled intervals are at \(level). When the sources disagree, the prediction interval is the honest answer: the confidence interval only says where their common centre lies.</figcaption>\n</figure>\n"
    if rec.intersection == nil && !rec.conflictPairs.isEmpty {
      out += "<h3>Conflicting pairs</h3>\n<p>No single range is consistent with every pooled figure. These pairs do not overlap:</p>\n<ul class=\"conflicts\">\n"
      for (a, b) in rec.conflictPairs {
        out += "<li><code>\(Markup.escape(a))</code> (\(Markup.escape(figureText(q, a)))) and <code>\(Markup.escape(b))</code> (\(Markup.escape(figureText(q, b))))</li>\n"
      }
      out += "</ul>\n"
    }
    out += "<h3>Pooled ranges</h3>\n<ul>\n"
    out += "<li>Envelope: \(rec.envelope.low == nil && rec.envelope.high == nil ? "unbounded at both ends (open-ended figures)" : Markup.escape(rangeText(rec.envelope.low, rec.envelope.high)))</li>\n"
    out += "<li>Intersection: \(rec.intersection.map { Markup.escape(rangeText($0.low, $0.high)) } ?? "none — the sources conflict")</li>\n"
    if let re = rec.randomEffects {
      out += "<li>Random effects (\(rec.scale.rawValue) scale, DerSimonian–Laird, k = \(re.k)): \(Markup.escape(NumberFormat.human(re.estimate))); \(level) CI \(Markup.escape(rangeText(re.ciLow, re.ciHigh))); prediction interval \(Markup.escape(rangeText(re.piLow, re.piHigh))); τ² = \(Markup.escape(NumberFormat.human(re.tau2, significant: 3))), I² = \(Markup.escape(NumberFormat.human(re.i2, significant: 3)))%</li>\n"
    }
    if let lp = rec.linearPool {
      out += "<li>Linear opinion pool: median \(Markup.escape(NumberFormat.human(lp.estimate))), central \(level) \(Markup.escape(rangeText(lp.low, lp.high)))</li>\n"
    }
    if let gp = rec.logarithmicPool {
      out += "<li>Logarithmic opinion pool: median \(Markup.escape(NumberFormat.human(gp.estimate))), central \(level) \(Markup.escape(rangeText(gp.low, gp.high)))</li>\n"
    }
    out += "</ul>\n"
    if !rec.leaveOneOut.isEmpty {
      out += "<h3>Leave one out (random effects)</h3>\n<table>\n<thead><tr><th>without</th><th>estimate</th><th>\(level) CI</th><th>prediction</th></tr></thead>\n<tbody>\n"
      for l in rec.leaveOneOut {
        out += "<tr><td><code>\(Markup.escape(l.id))</code></td><td class=\"num\">\(Markup.escape(NumberFormat.human(l.pooled.estimate)))</td><td class=\"num\">\(Markup.escape(rangeText(l.pooled.ciLow, l.pooled.ciHigh)))</td><td class=\"num\">\(Markup.escape(rangeText(l.pooled.piLow, l.pooled.piHigh)))</td></tr>\n"
      }
      out += "</tbody>\n</table>\n"
    }
    out += "<h3>Provenance</h3>\n<table class=\"provenance\">\n<thead><tr><th>id</th><th>source</th><th>published</th><th>figure</th><th>pooled</th><th>document</th><th>quote</th><th>method and note</th></tr></thead>\n<tbody>\n"
    for (k, f) in q.figures.enumerated() {
      let (distribution, excludedReason) = q.pooling(ofFigure: k)
      let pooled = excludedReason.map { "no — \($0)" } ?? (distribution != nil ? "yes" : "no")
      out += "<tr id=\"\(anchor("figure", f.id))\"><td><code>\(Markup.escape(f.id))</code></td><td>\(Markup.escape(f.source))</td><td>\(Markup.escape(f.published))</td>"
      out += "<td class=\"fig\">\(Markup.escape(figureText(q, f.id)))</td><td class=\"pooled\">\(Markup.escape(pooled))</td><td><code>\(Markup.escape(f.document))</code></td>"
      out += "<td class=\"quote\"><blockquote>\(Markup.escape(f.quote))</blockquote></td><td class=\"note\">\(Markup.escape(methodAndNote(f)))</td></tr>\n"
    }
    out += "</tbody>\n</table>\n</section>\n"
    return out
  }

  static func trendSection(_ t: TrendResult, unit: String, modelChoice: String, joinpoints: [Double], file: FiguresFile) -> String {
    let chart = SVGTrendChart(t, unit: unit, joinpoints: joinpoints)
    let level = pct(t.fit.level)
    var out = "<section id=\"\(anchor("trend", t.quantity))\">\n<h2>\(Markup.escape(t.quantity))\(unit.isEmpty ? "" : " (\(Markup.escape(unit)))"): trend</h2>\n"
    out += "<p><strong>Model:</strong> \(Markup.escape(modelChoice.isEmpty ? t.model.rawValue : modelChoice))</p>\n"
    out += "<p><strong>Assumes:</strong> \(Markup.escape(t.assumption))</p>\n"
    out += "<figure>\n" + chart.svg + "\n<figcaption>\(Markup.escape(chart.scaleExplanation)) Bands are for a full year; a partial period enters the model with the offset log(exposure) and is drawn at its annualised value.</figcaption>\n</figure>\n"
    out += "<ul>\n"
    if let g = t.growthFactor.estimate {
      out += "<li>Growth factor per year: \(Markup.escape(NumberFormat.human(g))) (\(level) CI \(Markup.escape(rangeText(t.growthFactor.low, t.growthFactor.high))))</li>\n"
      out += "<li>Annual percent change: \(Markup.escape(NumberFormat.human(t.annualPercentChange.estimate, significant: 3)))% (\(level) CI \(Markup.escape(NumberFormat.human(t.annualPercentChange.low, significant: 3)))% to \(Markup.escape(NumberFormat.human(t.annualPercentChange.high, significant: 3)))%)</li>\n"
    }
    if let d = t.doublingTime.estimate {
      out += "<li>Doubling time: \(Markup.escape(NumberFormat.human(d, significant: 3))) years (\(level) CI \(Markup.escape(NumberFormat.human(t.doublingTime.low, significant: 3))) to \(Markup.escape(t.doublingTime.high.map { NumberFormat.human($0, significant: 3) } ?? "unbounded")))</li>\n"
    }
    if let theta = t.fit.theta {
      out += "<li>θ (negative binomial): \(Markup.escape(NumberFormat.human(theta, significant: 4)))</li>\n"
    } else {
      out += "<li>Dispersion: \(Markup.escape(NumberFormat.human(t.fit.dispersion, significant: 4)))</li>\n"
    }
    if !joinpoints.isEmpty {
      out += "<li>Joinpoints: \(joinpoints.map { NumberFormat.plain(($0 * 100).rounded() / 100) }.joined(separator: ", "))</li>\n"
    }
    out += "</ul>\n"
    for w in t.warnings { out += "<p class=\"warning\">Warning: \(Markup.escape(w))</p>\n" }
    out += "<table>\n<thead><tr><th>period</th><th>exposure</th><th>observed</th><th>annualised</th><th>fitted</th><th>\(level) CI</th><th>prediction</th></tr></thead>\n<tbody>\n"
    for p in t.points {
      let cls = p.projected ? " class=\"projected\"" : (p.exposure < 1 ? " class=\"partial\"" : "")
      out += "<tr\(cls)><td>\(Markup.escape(p.period))\(p.projected ? " (projected)" : "")\(p.exposure < 1 && !p.projected ? " (\(Markup.escape(SVGTrendChart.partialLabel(p))))" : "")</td>"
      out += "<td class=\"num\">\(Markup.escape(NumberFormat.human(p.exposure, significant: 3)))</td><td class=\"num\">\(Markup.escape(NumberFormat.human(p.observed, significant: 6)))</td>"
      out += "<td class=\"num\">\(Markup.escape(NumberFormat.human(p.annualized, significant: 4)))</td><td class=\"num\">\(Markup.escape(NumberFormat.human(p.fitted, significant: 4)))</td>"
      out += "<td class=\"num\">\(Markup.escape(rangeText(p.ciLow, p.ciHigh)))</td><td class=\"num\">\(Markup.escape(rangeText(p.piLow, p.piHigh)))</td></tr>\n"
    }
    out += "</tbody>\n</table>\n"
    // Provenance: figures sharing source, document and quote are one row.
    var groups: [(ids: [String], figure: Figure)] = []
    for f in file.figures where f.quantity == t.quantity {
      if let i = groups.firstIndex(where: { $0.figure.source == f.source && $0.figure.document == f.document && $0.figure.quote == f.quote && $0.figure.published == f.published }) {
        groups[i].ids.append(f.id)
      } else {
        groups.append(([f.id], f))
      }
    }
    out += "<h3>Provenance</h3>\n<table class=\"provenance\">\n<thead><tr><th>ids</th><th>source</th><th>published</th><th>document</th><th>quote</th><th>method</th></tr></thead>\n<tbody>\n"
    for g in groups {
      out += "<tr><td>\(g.ids.map { "<code>\(Markup.escape($0))</code>" }.joined(separator: " "))</td><td>\(Markup.escape(g.figure.source))</td><td>\(Markup.escape(g.figure.published))</td><td><code>\(Markup.escape(g.figure.document))</code></td><td class=\"quote\"><blockquote>\(Markup.escape(g.figure.quote))</blockquote></td><td>\(Markup.escape(g.figure.method))</td></tr>\n"
    }
    out += "</tbody>\n</table>\n</section>\n"
    return out
  }

  // MARK: - Helpers

  /// An id attribute value: `kind-` then the name with anything but [A-Za-z0-9_-] as "_".
  static func anchor(_ kind: String, _ name: String) -> String {
    kind + "-" + String(name.unicodeScalars.map { s -> Character in
      (s.properties.isASCIIHexDigit || ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_" || s == "-") ? Character(s) : "_"
    })
  }

  static func unit(of quantity: String, in file: FiguresFile) -> String {
    file.figures.first { $0.quantity == quantity && !$0.unit.isEmpty }?.unit ?? ""
  }

  static func figureText(_ q: QuantityRanges, _ id: String) -> String {
    guard let k = q.figures.firstIndex(where: { $0.id == id }) else { return "" }
    let f = q.figures[k]
    let textual = q.textual[k]
    let low = textual ? f.verbal?.low : (f.low ?? f.value)
    let high = textual ? f.verbal?.high : (f.high ?? f.value)
    return f.text.map { "“\($0)”: \(rangeText(low, high))" } ?? rangeText(low, high)
  }

  static func methodAndNote(_ f: Figure) -> String {
    [f.method, f.note, f.derivedFrom.isEmpty ? "" : "derived from \(f.derivedFrom.joined(separator: ", "))"]
      .filter { !$0.isEmpty }.joined(separator: ". ")
  }

  static let css = """
    body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#222;max-width:1000px;margin:0 auto;padding:16px 20px;line-height:1.45;font-size:15px}
    h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.3em;margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}h3{font-size:1.05em;margin-top:1.4em}
    code{font-family:"DejaVu Sans Mono",Menlo,monospace;font-size:.9em}
    .crumb{font-size:.9em;margin:0}
    figure{margin:1em 0}figcaption{font-size:.9em;color:#444;margin-top:.4em}
    svg.chart{max-width:100%;height:auto;display:block;border:1px solid #e4e4e4}
    table{border-collapse:collapse;width:100%;font-size:.85em;margin:.6em 0}
    th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
    th{background:#f4f4f4}td.num{text-align:right;white-space:nowrap}
    blockquote{margin:0;font-style:italic;color:#333}
    tr.partial td{background:#fff4ec}tr.projected td{color:#555;font-style:italic}
    .warning,.warnings li{color:#8a4b00}
    table.claims tr.status-fail td{background:#fde0dd}table.claims tr.status-error td{background:#fff3cd}
    table.claims tr.status-pass td{background:#e5f5e0}td.status{font-weight:bold;text-transform:uppercase}
    table.claims tr.status-fail td.status{color:#b2182b}table.claims tr.status-pass td.status{color:#1b7837}
    ul.conflicts li{color:#8b1a1a}
    table.provenance td.fig{text-align:right;min-width:8em}
    table.provenance td.quote{width:34%}table.provenance td.note{width:20%}table.provenance td.pooled{min-width:9em}
    """

  static func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
    <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <meta name="generator" content="reconcile"/>
    <title>\(Markup.escape(title))</title>
    <style>
    \(css)
    </style>
    </head>
    <body>
    \(body)<footer><p>Written by <code>reconcile report</code>. Every figure links back to its source, document and quote.</p></footer>
    </body>
    </html>

    """
  }
}
