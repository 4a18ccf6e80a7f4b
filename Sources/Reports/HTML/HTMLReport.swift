import Figures
import FoundationEssentials
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Self-contained HTML pages of a report: one `report.html` per dataset and an index.
///
/// Each page carries its CSS inline and its charts as inline SVG drawn in Swift — no
/// JavaScript, no fonts, images or scripts fetched from anywhere. Every piece of text from the
/// data is escaped. The markup is also well-formed XML (void elements closed with `/>`, only
/// the XML entities), and the output is a pure function of the input: no timestamps, no
/// random ids, no iteration over dictionaries, so the same input gives byte-identical pages.
public enum HTMLReport {
  /// One row of the claims table: a stated claim checked against the computed number.
  /// `quote` is the sentence when other rows come from it too (they are shown under it), else empty.
  public typealias ClaimRow = (
    id: String, claim: String, status: String, computed: String, stated: String, detail: String, quote: String
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
    var body = datasetHead(
      name: r.name, path: r.file.path, figures: r.file.figures.count, quantities: r.file.quantities())
    var toc = ""
    for q in r.ranges { toc += tocEntry(ranges: q.quantity) }
    for t in r.trends { toc += tocEntry(trend: t.label) }
    body += tocBlock(toc) + datasetPreamble(warnings: r.file.warnings, claims: claims)
    for (i, q) in r.ranges.enumerated() {
      body += (r.notes[q.quantity].map(noteParagraph) ?? "") + rangesSection(q, index: i)
    }
    for t in r.trends {
      body += trendSection(
        t, unit: unit(of: t.quantity, in: r.file), modelChoice: r.modelChoices[t.label] ?? t.modelChoice,
        joinpoints: joinpoints[t.label] ?? joinpoints[t.quantity] ?? [], file: r.file)
    }
    return page(title: datasetTitle(r.name), body: body)
  }

  /// The title of a dataset's page.
  static func datasetTitle(_ name: String) -> String { "\(name) — reconcile report" }

  /// The most quantity names the head of a dataset's page lists; the rest are counted.
  static let listedQuantities = 100

  /// The head of a dataset's page, up to its table of contents.
  static func datasetHead(name: String, path: String, figures: Int, quantities: [String]) -> String {
    var body = "<header>\n<p class=\"crumb\"><a href=\"../index.html\">All datasets</a></p>\n"
    body += "<h1>\(Markup.escape(name))</h1>\n"
    var names = quantities.prefix(listedQuantities).map { "<code>\(Markup.escape($0))</code>" }.joined(separator: ", ")
    if quantities.count > listedQuantities { names += " and \(quantities.count - listedQuantities) more" }
    body += "<p>Source file: <code>\(Markup.escape(path))</code> — \(figures) figures, quantities: \(names).</p>\n"
    return body
  }

  /// A table-of-contents entry for a reconciled quantity.
  static func tocEntry(ranges quantity: String) -> String {
    "<li><a href=\"#\(anchor("ranges", quantity))\">\(Markup.escape(quantity))</a>: reconciled range</li>\n"
  }

  /// Why a quantity whose figures looked like a series is reconciled instead: a paragraph
  /// before its ranges.
  static func noteParagraph(_ sentence: String) -> String {
    "<p class=\"warning\">Not a trend — \(Markup.escape(sentence))</p>\n"
  }

  /// A table-of-contents entry for a series.
  static func tocEntry(trend quantity: String) -> String {
    "<li><a href=\"#\(anchor("trend", quantity))\">\(Markup.escape(quantity))</a>: trend</li>\n"
  }

  /// The table of contents around its entries (nothing without entries), and the header's end.
  static func tocBlock(_ entries: String) -> String {
    (entries.isEmpty ? "" : "<nav><ul>\n" + entries + "</ul></nav>\n") + "</header>\n"
  }

  /// The warnings of reading the file and the claims table, before the sections.
  static func datasetPreamble(warnings: [Diagnostic], claims: [ClaimRow]) -> String {
    var body = ""
    if !warnings.isEmpty {
      body += "<section class=\"warnings\"><h2>Warnings reading the file</h2>\n<ul>\n"
      for w in warnings { body += "<li>\(Markup.escape(w.description))</li>\n" }
      body += "</ul></section>\n"
    }
    return body + claimsTable(claims)
  }

  /// The page around `body`, as two pieces: what comes before the body and what after.
  static func pageParts(title: String) -> (before: String, after: String) {
    let mark = "\u{0}body\u{0}"
    let whole = page(title: title, body: mark)
    guard let r = whole.firstRange(of: mark) else { return (whole, "") }
    return (String(whole[..<r.lowerBound]), String(whole[r.upperBound...]))
  }

  /// The index page: one row per dataset, linking its `report.html` and its data files by
  /// URL-encoded relative paths (``RelativeLink``: `./NAME/report.html`, the name
  /// percent-encoded), so that no dataset name is read as a scheme (`javascript:`), a
  /// fragment (`#`), a query (`?`) or an escape (`%`).
  public static func index(_ reports: [DatasetReport], claims: [ClaimRow] = []) -> String {
    index(reports.map(DatasetSummary.init), claims: claims)
  }

  /// The index page over datasets.
  public static func index(_ datasets: [DatasetSummary], claims: [ClaimRow] = []) -> String {
    var body =
      "<header><h1>reconcile report</h1>\n<p>Figures that disagree, reconciled with their provenance. One page per dataset.</p></header>\n"
    body += claimsTable(claims)
    body +=
      "<table>\n<thead><tr><th>dataset</th><th>figures</th><th>reconciled ranges</th><th>trends</th><th>data</th></tr></thead>\n<tbody>\n"
    func names(_ list: [String]) -> String {
      var out = list.prefix(ReportBuilder.indexedQuantities).map { Markup.escape($0) }.joined(separator: ", ")
      if list.count > ReportBuilder.indexedQuantities {
        out += " and \(list.count - ReportBuilder.indexedQuantities) more"
      }
      return out
    }
    for r in datasets {
      let name = Markup.escape(r.name)
      func href(_ file: String) -> String { Markup.escape(RelativeLink.path([r.name, file])) }
      let files = r.files.map { "<a href=\"\(href($0))\">\($0)</a>" }
        .joined(separator: " ")
      body += "<tr><td><a href=\"\(href("report.html"))\">\(name)</a></td><td class=\"num\">\(r.figures)</td>"
      body += "<td>\(names(r.ranges))</td>"
      body += "<td>\(names(r.trends))</td><td>\(files)</td></tr>\n"
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
      case "fail", "inconsistent": return 0
      case "error": return 1
      case "pass": return 3
      default: return 2
      }
    }
    let ranked = rows.enumerated().sorted { a, b in
      rank(a.element.status) != rank(b.element.status)
        ? rank(a.element.status) < rank(b.element.status) : a.offset < b.offset
    }.map(\.element)
    // Rows from one sentence together, where the first of them stands, under the quote.
    var units: [[ClaimRow]] = []
    var unitOf: [String: Int] = [:]
    for c in ranked {
      if !c.quote.isEmpty, let u = unitOf[c.quote] {
        units[u].append(c)
        continue
      }
      if !c.quote.isEmpty { unitOf[c.quote] = units.count }
      units.append([c])
    }
    let failed = rows.filter { ["fail", "inconsistent"].contains($0.status.lowercased()) }.count
    var out = "<section id=\"claims\"><h2>Claims</h2>\n<p>\(rows.count) claims checked, \(failed) failed.</p>\n"
    out +=
      "<table class=\"claims\">\n<thead><tr><th>status</th><th>id</th><th>claim</th><th>computed</th><th>stated</th><th>detail</th></tr></thead>\n<tbody>\n"
    for (k, c) in units.flatMap({ unit in unit.enumerated().map { ($0.offset == 0 ? unit.count : 0, $0.element) } }) {
      if k > 1 {
        out +=
          "<tr class=\"quote\"><td colspan=\"6\">\(k) claims from one sentence: <q>\(Markup.escape(c.quote))</q></td></tr>\n"
      }
      let cls =
        c.status.lowercased() == "inconsistent"
        ? "fail" : ["fail", "error", "pass"].contains(c.status.lowercased()) ? c.status.lowercased() : "other"
      out +=
        "<tr class=\"status-\(cls)\"><td class=\"status\">\(Markup.escape(c.status))</td><td><code>\(Markup.escape(c.id))</code></td><td>\(Markup.escape(c.claim))</td><td class=\"num\">\(Markup.escape(c.computed))</td><td class=\"num\">\(Markup.escape(c.stated))</td><td>\(Markup.escape(c.detail))</td></tr>\n"
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
    var out =
      "<section id=\"\(anchor("ranges", q.quantity))\">\n<h2>\(Markup.escape(q.quantity))\(q.unit.isEmpty ? "" : " (\(Markup.escape(q.unit)))"): reconciled range</h2>\n"
    let detailed = q.figures.count <= detailedSources
    if !detailed {
      out +=
        "<p class=\"note\">\(q.figures.count) figures: too many to draw or list one by one here. Each figure's range, pooling and quote are in <a href=\"ranges.csv\">ranges.csv</a> and <a href=\"summary.json\">summary.json</a>.</p>\n"
    }
    if let one = RangesAnalysis.reportedWords(rec), q.figures.count == 1 {
      // One figure: reported as stated, the section kept short (no chart, no pooled views).
      out += "<p>\(Markup.escape(ReportBuilder.capitalised(one))).</p>\n"
      if let f = q.figures.first {
        out +=
          "<blockquote>\(Markup.escape(f.quote))</blockquote>\n<p class=\"note\">\(Markup.escape(f.source)), \(Markup.escape(f.published)) — \(Markup.escape(f.document))</p>\n"
      }
      return out + "</section>\n"
    }
    out += "<figure>\n" + (detailed ? SVGRangeChart(q, index: index).svg + "\n" : "")
    out +=
      "<figcaption>Each source's range is read as the central interval of a \(rec.scale == .log ? "lognormal" : "normal") distribution at its coverage (\(Figure.defaultCoverage) unless stated); a point figure as right within a factor of 2. Pooled intervals are at \(level), and assumption-based: they rest on those readings. When the sources disagree, the prediction interval is the honest answer: the confidence interval only says where their common centre lies.</figcaption>\n</figure>\n"
    if rec.intersection == nil, let words = RangesAnalysis.consistentGroupWords(rec) {
      out +=
        "<h3>Conflicts</h3>\n<p>No single range is consistent with every pooled figure: \(Markup.escape(words)). \(rec.conflictPairCount) pair\(rec.conflictPairCount == 1 ? " does" : "s do") not overlap; <a href=\"summary.json\">summary.json</a> lists them.</p>\n"
    }
    out += "<h3>Pooled ranges</h3>\n<ul>\n"
    out +=
      "<li>Envelope: \(rec.envelope.low == nil && rec.envelope.high == nil ? "unbounded at both ends (open-ended figures)" : Markup.escape(envelopeText(rec)))</li>\n"
    out +=
      "<li>Intersection: \(rec.intersection.map { Markup.escape(rangeText($0.low, $0.high)) } ?? "none — the sources conflict")</li>\n"
    for d in rec.distributions where !d.shape.isBound {
      if let note = d.note {
        out += "<li>Reading of <code>\(Markup.escape(d.id))</code>: \(Markup.escape(note))</li>\n"
      }
    }
    if let one = RangesAnalysis.reportedWords(rec) {
      out += "<li>\(Markup.escape(ReportBuilder.capitalised(one)))</li>\n"
    }
    for note in rec.notes { out += "<li>\(Markup.escape(ReportBuilder.capitalised(note)))</li>\n" }
    if let re = rec.randomEffects {
      let words = RangesAnalysis.pooledWords(re, level: rec.level, scale: rec.scale)
      out += "<li>\(Markup.escape(ReportBuilder.capitalised(words)))</li>\n"
    }
    for line in RangesAnalysis.poolLines(rec) { out += "<li>\(Markup.escape(ReportBuilder.capitalised(line)))</li>\n" }
    if let words = RangesAnalysis.modalityWords(rec) {
      out += "<li>\(Markup.escape(ReportBuilder.capitalised(words)))</li>\n"
    }
    out += "</ul>\n" + sensitivitySection(rec) + (detailed ? poolDensityFigure(rec, index: index) : "")
    if !rec.leaveOneOut.isEmpty && detailed {
      out +=
        "<h3>Leave one out (random effects)</h3>\n<table>\n<thead><tr><th>without</th><th>estimate</th><th>\(level) CI</th><th>\(level) prediction interval</th></tr></thead>\n<tbody>\n"
      for l in rec.leaveOneOut {
        out +=
          "<tr><td><code>\(Markup.escape(l.id))</code></td><td class=\"num\">\(Markup.escape(NumberFormat.human(l.pooled.estimate)))</td><td class=\"num\">\(Markup.escape(rangeText(l.pooled.ciLow, l.pooled.ciHigh)))</td><td class=\"num\">\(Markup.escape(rangeText(l.pooled.piLow, l.pooled.piHigh)))</td></tr>\n"
      }
      out += "</tbody>\n</table>\n"
    }
    guard detailed else { return out + "</section>\n" }
    out +=
      "<h3>Provenance</h3>\n<table class=\"provenance\">\n<thead><tr><th>id</th><th>source</th><th>published</th><th>figure</th><th>pooled</th><th>document</th><th>quote</th><th>method and note</th></tr></thead>\n<tbody>\n"
    for (k, f) in q.figures.enumerated() {
      let (distribution, excludedReason) = q.pooling(ofFigure: k)
      let pooled =
        excludedReason.map { "no — \($0)" }
        ?? (distribution != nil ? "yes" + (RangesAnalysis.weightWords(q, k).map { " (\($0))" } ?? "") : "no")
      out +=
        "<tr id=\"\(anchor("figure", f.id))\"><td><code>\(Markup.escape(f.id))</code></td><td>\(Markup.escape(f.source))</td><td>\(Markup.escape(f.published))</td>"
      out +=
        "<td class=\"fig\">\(Markup.escape(figureText(q, f.id)))</td><td class=\"pooled\">\(Markup.escape(pooled))</td><td><code>\(Markup.escape(f.document))</code></td>"
      out +=
        "<td class=\"quote\"><blockquote>\(Markup.escape(f.quote))</blockquote></td><td class=\"note\">\(Markup.escape(methodAndNote(f)))</td></tr>\n"
    }
    out += "</tbody>\n</table>\n</section>\n"
    return out
  }

  static func trendSection(_ t: TrendResult, unit: String, modelChoice: String, joinpoints: [Double], file: FiguresFile)
    -> String
  {
    let chart = SVGTrendChart(t, unit: unit, joinpoints: joinpoints)
    let level = pct(t.fit.level)
    let stock = t.measure == .stock
    var out =
      "<section id=\"\(anchor("trend", t.label))\">\n<h2>\(Markup.escape(t.label))\(unit.isEmpty ? "" : " (\(Markup.escape(unit)))"): trend\(stock ? " of levels (a stock, never annualised)" : "")</h2>\n"
    out += "<p><strong>Model:</strong> \(Markup.escape(modelChoice.isEmpty ? t.model.rawValue : modelChoice))</p>\n"
    out += "<p><strong>Assumes:</strong> \(Markup.escape(t.assumption))</p>\n"
    out +=
      "<figure>\n" + chart.svg
      + "\n<figcaption>\(Markup.escape(chart.scaleExplanation)) "
      + (stock
        ? "Each point is a level at its date (a stock), never annualised; the bands are for the level."
        : "Bands are for a full year; a partial period enters the model with the offset log(exposure) and is drawn at its annualised value; a count over several years enters it as the sum of the yearly means it covers, and is drawn at its yearly average in its middle year.")
      + "</figcaption>\n</figure>\n"
    out += "<ul>\n"
    if let g = t.growthFactor.estimate {
      out +=
        "<li>Growth factor per year: \(Markup.escape(NumberFormat.human(g))) (\(level) CI \(Markup.escape(rangeText(t.growthFactor.low, t.growthFactor.high))))</li>\n"
      out +=
        "<li>Annual percent change: \(Markup.escape(NumberFormat.human(t.annualPercentChange.estimate, significant: 3)))% (\(level) CI \(Markup.escape(NumberFormat.human(t.annualPercentChange.low, significant: 3)))% to \(Markup.escape(NumberFormat.human(t.annualPercentChange.high, significant: 3)))%)</li>\n"
    }
    if let d = t.doublingTime.estimate {
      out +=
        "<li>Doubling time: \(Markup.escape(NumberFormat.human(d, significant: 3))) years (\(level) CI \(Markup.escape(NumberFormat.human(t.doublingTime.low, significant: 3))) to \(Markup.escape(t.doublingTime.high.map { NumberFormat.human($0, significant: 3) } ?? "unbounded")))</li>\n"
    }
    if let theta = t.fit.theta {
      out += "<li>θ (negative binomial): \(Markup.escape(NumberFormat.human(theta, significant: 4)))</li>\n"
    } else {
      out += "<li>Dispersion: \(Markup.escape(NumberFormat.human(t.fit.dispersion, significant: 4)))</li>\n"
    }
    if !joinpoints.isEmpty {
      out +=
        "<li>Joinpoints: \(joinpoints.map { NumberFormat.plain(($0 * 100).rounded() / 100) }.joined(separator: ", "))</li>\n"
    }
    out += "</ul>\n"
    let details = TrendAnalysis.detailLines(t)
    if !details.isEmpty { out += "<ul>\n" + details.map { "<li>\(Markup.escape($0))</li>\n" }.joined() + "</ul>\n" }
    for w in t.warnings { out += "<p class=\"warning\">Warning: \(Markup.escape(w))</p>\n" }
    for n in t.notes { out += "<p class=\"note\">\(Markup.escape(n))</p>\n" }
    out +=
      stock
      ? "<table>\n<thead><tr><th>date</th><th>level</th><th>fitted</th><th>\(level) CI</th><th>prediction</th></tr></thead>\n<tbody>\n"
      : "<table>\n<thead><tr><th>period</th><th>exposure</th><th>observed</th><th>annualised</th><th>fitted</th><th>\(level) CI</th><th>prediction</th></tr></thead>\n<tbody>\n"
    for p in t.points where stock {
      out +=
        "<tr\(p.projected ? " class=\"projected\"" : "")><td>\(Markup.escape(p.period))\(p.projected ? " (projected)" : "")</td><td class=\"num\">\(Markup.escape(NumberFormat.human(p.observed, significant: 6)))</td>"
        + "<td class=\"num\">\(Markup.escape(NumberFormat.human(p.fitted, significant: 4)))</td><td class=\"num\">\(Markup.escape(rangeText(p.ciLow, p.ciHigh)))</td><td class=\"num\">\(Markup.escape(rangeText(p.piLow, p.piHigh)))</td></tr>\n"
    }
    for p in t.points where !stock {
      let cls = p.projected ? " class=\"projected\"" : (p.exposure < 1 ? " class=\"partial\"" : "")
      out +=
        "<tr\(cls)><td>\(Markup.escape(p.period))\(p.projected ? " (projected)" : p.implied ? " (implied)" : "")\(p.exposure < 1 && !p.projected ? " (\(Markup.escape(SVGTrendChart.partialLabel(p))))" : "")</td>"
      out +=
        "<td class=\"num\">\(Markup.escape(NumberFormat.human(p.exposure, significant: 3)))</td><td class=\"num\">\(Markup.escape(NumberFormat.human(p.observed, significant: 6)))</td>"
      out +=
        "<td class=\"num\">\(Markup.escape(NumberFormat.human(p.annualized, significant: 4)))</td><td class=\"num\">\(Markup.escape(NumberFormat.human(p.fitted, significant: 4)))</td>"
      out +=
        "<td class=\"num\">\(Markup.escape(rangeText(p.ciLow, p.ciHigh)))</td><td class=\"num\">\(Markup.escape(rangeText(p.piLow, p.piHigh)))</td></tr>\n"
    }
    out += "</tbody>\n</table>\n"
    // Provenance: figures sharing source, document and quote are one row.
    var groups: [(ids: [String], figure: Figure)] = []
    for f in file.figures where f.quantity == t.quantity && (!t.ofSeveral || f.seriesName == t.series) {
      if let i = groups.firstIndex(where: {
        $0.figure.source == f.source && $0.figure.document == f.document && $0.figure.quote == f.quote
          && $0.figure.published == f.published
      }) {
        groups[i].ids.append(f.id)
      } else {
        groups.append(([f.id], f))
      }
    }
    out +=
      "<h3>Provenance</h3>\n<table class=\"provenance\">\n<thead><tr><th>ids</th><th>source</th><th>published</th><th>document</th><th>quote</th><th>method</th></tr></thead>\n<tbody>\n"
    for g in groups {
      out +=
        "<tr><td>\(g.ids.map { "<code>\(Markup.escape($0))</code>" }.joined(separator: " "))</td><td>\(Markup.escape(g.figure.source))</td><td>\(Markup.escape(g.figure.published))</td><td><code>\(Markup.escape(g.figure.document))</code></td><td class=\"quote\"><blockquote>\(Markup.escape(g.figure.quote))</blockquote></td><td>\(Markup.escape(g.figure.method))</td></tr>\n"
    }
    out += "</tbody>\n</table>\n</section>\n"
    return out
  }

  /// The head of the table that lists reconciled quantities one per row (a dataset of many
  /// quantities).
  static func rangesTableHead(count: Int) -> String {
    "<section id=\"ranges\"><h2>Reconciled ranges: \(count) quantities</h2>\n<p>One row per quantity; each figure, with its source and quote, is in <a href=\"ranges.csv\">ranges.csv</a> and <a href=\"summary.json\">summary.json</a>.</p>\n"
      + "<table>\n<thead><tr><th>quantity</th><th>figures</th><th>envelope</th><th>random effects</th><th>\(pct(RangePooling.defaultLevel)) CI</th><th>\(pct(RangePooling.defaultLevel)) prediction interval</th></tr></thead>\n<tbody>\n"
  }

  /// What a compact page says of the quantities of one figure, instead of a row each.
  static func oneFigureParagraph(count: Int) -> String {
    "<section id=\"one-figure\"><h2>One figure each: \(count) quantit\(count == 1 ? "y" : "ies")</h2>\n<p>"
      + Markup.escape(RangesAnalysis.oneFigureSentence(count: count)) + "</p></section>\n"
  }

  /// One reconciled quantity as a row of that table.
  static func rangesRow(_ q: QuantityRanges) -> String {
    "<tr><td><code>\(Markup.escape(q.quantity))</code></td>"
      + RangesAnalysis.summaryCells(q).map { "<td class=\"num\">\(Markup.escape($0))</td>" }.joined() + "</tr>\n"
  }

  /// The head of the table that lists series one per row.
  static func trendTableHead(count: Int) -> String {
    "<section id=\"trends\"><h2>Trends: \(count) series</h2>\n<p>One row per series; each period is in <a href=\"trend.csv\">trend.csv</a> and <a href=\"summary.json\">summary.json</a>.</p>\n"
      + "<table>\n<thead><tr><th>quantity</th><th>model</th><th>periods</th><th>growth factor per year</th><th>CI</th></tr></thead>\n<tbody>\n"
  }

  /// One series as a row of that table.
  static func trendRow(_ t: TrendResult) -> String {
    "<tr><td><code>\(Markup.escape(t.quantity))</code></td><td>\(Markup.escape(t.model.rawValue))</td><td class=\"num\">\(t.points.filter { !$0.projected && !$0.implied }.count)</td>"
      + "<td class=\"num\">\(Markup.escape(t.growthFactor.estimate.map { NumberFormat.human($0) } ?? "—"))</td><td class=\"num\">\(Markup.escape(rangeText(t.growthFactor.low, t.growthFactor.high)))</td></tr>\n"
  }

  /// The end of those tables.
  static let tableFoot = "</tbody>\n</table></section>\n"

  // MARK: - Helpers

  /// The most figures a quantity's section draws and lists one by one; a quantity with more
  /// is summarised (its pooled ranges), its figures left to ranges.csv and summary.json.
  static let detailedSources = 60
  /// The most conflicting pairs a section lists.
  static let listedPairs = 20

  /// An id attribute value: `kind-` then the name with anything but [A-Za-z0-9_-] as "_".
  static func anchor(_ kind: String, _ name: String) -> String {
    kind + "-"
      + String(
        name.unicodeScalars.map { s -> Character in
          (s.properties.isASCIIHexDigit || ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_" || s == "-")
            ? Character(s) : "_"
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
