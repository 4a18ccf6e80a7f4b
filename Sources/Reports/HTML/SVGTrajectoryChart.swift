import FoundationEssentials
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The trajectory chart of one quantity, as inline SVG (`reconcile report`'s trajectory section).
///
/// Over the years: the 90% band (light), the 50% band (darker) and the median line (dashed
/// over projected years). Each statement at its year, coloured by series: a dot (a number), a
/// vertical bar with caps (a hard range), an arrow from its bound (up for "at least", down for
/// "at most"); an outlier (probability above 0.5) has a red ring. Statements of one year are
/// spread a few pixels apart. The y axis is logarithmic; the left margin is as wide as the
/// longest tick label needs, so the rotated axis title never covers a label. Every statement
/// is one `<g class="statement">` with its `<title>`; every text is escaped; the output is a
/// function of the report alone.
struct SVGTrajectoryChart {
  static let width = 960.0
  static let plotHeight = 380.0
  /// Series colours (Okabe–Ito, then Tableau's darker tones), in order of first appearance;
  /// they repeat past ten series.
  static let palette = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#8c564b", "#7f7f7f", "#bcbd22",
  ]
  static let fontSize = 11.0

  let report: TrajectoryReport
  let x: AxisScale
  let y: AxisScale
  let yTicks: [Double]
  let left: Double
  let right = 24.0
  let top = 16.0

  /// Lays the chart out.
  init(_ r: TrajectoryReport) {
    report = r
    let years = r.result.years.map { Double($0.year) }
    let x0 = (years.min() ?? 0) - 0.5
    let x1 = (years.max() ?? 1) + 0.5
    var values: [Double] = []
    for y in r.result.years { values += [y.level.q05, y.level.q95, y.level.median] }
    for s in r.input.sources {
      values.append(s.center)
      if let i = s.interval { values += [i.low, i.high] }
    }
    let yRange = (low: top + SVGTrajectoryChart.plotHeight, high: top)
    y = AxisScale.log(covering: values, range: yRange)
    yTicks = y.ticks(fontSize: SVGTrajectoryChart.fontSize, horizontal: false)
    // Room for the rotated title (x 16 ± half its height), a gap, the widest label, the tick.
    let widest = yTicks.map { Markup.textWidth(Markup.tickLabel($0), fontSize: SVGTrajectoryChart.fontSize) }.max() ?? 0
    left = 16 + 8 + 10 + widest + 8 + 5
    x = AxisScale(kind: .linear, domain: (x0, x1), range: (left, SVGTrajectoryChart.width - right))
  }

  /// The colour of series `k`.
  static func color(_ k: Int) -> String { palette[((k % palette.count) + palette.count) % palette.count] }

  /// The chart as an `<svg>` element.
  var svg: String {
    var c = SVGCanvas()
    let plotBottom = top + SVGTrajectoryChart.plotHeight
    let plotLeft = x.range.low
    let plotRight = x.range.high
    let font = "font-size=\"11\""
    for v in y.minorTicks() {
      let py = y.clampedPixel(v)
      c.line(plotLeft, py, plotRight, py, "stroke=\"#f0f0f0\" stroke-width=\"1\"")
    }
    for v in yTicks {
      let py = y.clampedPixel(v)
      c.line(plotLeft, py, plotRight, py, "stroke=\"#dcdcdc\" stroke-width=\"1\"")
      c.line(plotLeft - 5, py, plotLeft, py, "stroke=\"#444\" stroke-width=\"1\"")
      c.text(plotLeft - 8, py + 4, Markup.tickLabel(v), "\(font) text-anchor=\"end\" fill=\"#333\"")
    }
    let years = report.result.years
    let first = years.first?.year ?? 0
    let last = years.last?.year ?? 0
    let span = max(1, last - first)
    let step = [1, 2, 5, 10, 20, 50].first { (plotRight - plotLeft) / Double(span) * Double($0) >= 44 } ?? 100
    for year in first...max(first, last) where year % step == 0 || step == 1 {
      let px = x.clampedPixel(Double(year))
      c.line(px, plotBottom, px, plotBottom + 5, "stroke=\"#444\" stroke-width=\"1\"")
      c.text(px, plotBottom + 18, String(year), "\(font) text-anchor=\"middle\" fill=\"#333\"")
    }
    c.line(plotLeft, plotBottom, plotRight, plotBottom, "stroke=\"#444\" stroke-width=\"1\"")
    c.line(plotLeft, top, plotLeft, plotBottom, "stroke=\"#444\" stroke-width=\"1\"")
    let bold = "font-size=\"12\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222\""
    c.text((plotLeft + plotRight) / 2, plotBottom + 38, "year", bold)
    let unit = report.input.unit.isEmpty ? report.input.quantity : report.input.unit
    let cy = (top + plotBottom) / 2
    c.text(16, cy, "\(unit) — log scale", "\(bold) transform=\"rotate(-90 16 \(Markup.coord(cy)))\"")
    // Bands and the median.
    func band(_ lo: (PosteriorSummary) -> Double, _ hi: (PosteriorSummary) -> Double, _ fill: String) {
      guard years.count >= 2 else { return }
      var poly = years.map { (x.clampedPixel(Double($0.year)), y.clampedPixel(hi($0.level))) }
      poly += years.reversed().map { (x.clampedPixel(Double($0.year)), y.clampedPixel(lo($0.level))) }
      c.path(poly, "fill=\"\(fill)\" stroke=\"none\"", close: true)
    }
    band({ $0.q05 }, { $0.q95 }, "#dbe7f3")
    band({ $0.q25 }, { $0.q75 }, "#9ecae1")
    let observed = years.filter { !report.isProjected($0.year) }
    let projected = years.filter { report.isProjected($0.year) }
    c.path(
      observed.map { (x.clampedPixel(Double($0.year)), y.clampedPixel($0.level.median)) },
      "fill=\"none\" stroke=\"#08306b\" stroke-width=\"2.5\"")
    if let end = observed.last, !projected.isEmpty {
      c.path(
        ([end] + projected).map { (x.clampedPixel(Double($0.year)), y.clampedPixel($0.level.median)) },
        "fill=\"none\" stroke=\"#08306b\" stroke-width=\"2.5\" stroke-dasharray=\"7 5\"")
      let px = x.clampedPixel(Double(end.year) + 0.5)
      c.line(px, top, px, plotBottom, "stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"3 3\"")
      c.text(px + 6, top + 14, "projected", "\(font) font-style=\"italic\" fill=\"#555\"")
    }
    statements(into: &c)
    // Legend: the bands and line, then one entry per series, then how marks read.
    let level = report.result.level
    var items: [(LegendSwatch, String)] = [
      (.line("#08306b", ""), "median level"), (.bar("#9ecae1", 1), "50% interval"),
      (.bar("#dbe7f3", 1), "90% interval"),
    ]
    for (k, name) in report.input.data.series.enumerated() {
      let label = Markup.truncate(name, maxWidth: 300, fontSize: SVGTrajectoryChart.fontSize)
      let bias = report.result.biases.indices.contains(k) ? report.result.biases[k] : nil
      let words =
        bias.map {
          $0.isReference
            ? " (reference)"
            : " (bias \(TrajectoryAnalysis.factor($0.factor.median)), \(pct(level)) \(TrajectoryAnalysis.ratio($0.factor.low))–\(TrajectoryAnalysis.ratio($0.factor.high)))"
        } ?? ""
      items.append((.dot(SVGTrajectoryChart.color(k)), label + words))
    }
    items.append((.hollowDot("#d62728"), "outlier (probability above 0.5)"))
    var legend = SVGCanvas()
    let legendTop = plotBottom + 54
    let used = drawLegend(items, into: &legend, x: 8, y: legendTop, width: SVGTrajectoryChart.width - 16)
    legend.text(
      8, legendTop + used + 12,
      "Marks: a dot is a number (a point, or a range at its centre); a bar with caps a hard range; an arrow a bound (up: at least, down: at most).",
      "\(font) fill=\"#444\"")
    let height = legendTop + used + 24
    let label =
      "Trajectory of \(report.input.quantity): the level by year with its 50% and 90% intervals, and each statement by series"
    return svgDocument(width: SVGTrajectoryChart.width, height: height, label: label, body: c.body + legend.body)
  }

  /// One `<g class="statement">` per statement.
  func statements(into c: inout SVGCanvas) {
    let sources = report.input.sources
    let data = report.input.data
    var perYear: [Int: Int] = [:]
    var rank: [Int] = []
    for s in sources {
      rank.append(perYear[s.year, default: 0])
      perYear[s.year, default: 0] += 1
    }
    for (k, s) in sources.enumerated() where data.statements.indices.contains(k) {
      let t = data.statements[k]
      let color = SVGTrajectoryChart.color(t.series)
      let count = perYear[s.year] ?? 1
      let px = x.clampedPixel(Double(s.year)) + (Double(rank[k]) - Double(count - 1) / 2) * 9
      let py = y.clampedPixel(s.center)
      let fit = report.result.statements.indices.contains(k) ? report.result.statements[k] : nil
      let p = fit?.outlierProbability ?? 0
      let title =
        "\(s.id) — \(s.series), \(s.year): \(TrajectoryAnalysis.statedText(s)) (\(s.reading.rawValue)); outlier probability \(NumberFormat.human(p, significant: 2))"
      c.raw(
        "<g class=\"statement\" data-kind=\"\(TrajectoryAnalysis.kindName(t.kind))\"><title>\(Markup.escape(title))</title>"
      )
      let stroke = "stroke=\"\(color)\" stroke-width=\"2.5\""
      switch t.kind {
      case .point:
        c.circle(px, py, 4.5, "fill=\"\(color)\" stroke=\"white\" stroke-width=\"1\"")
      case .interval:
        let lo = y.clampedPixel(s.interval?.low ?? s.center)
        let hi = y.clampedPixel(s.interval?.high ?? s.center)
        c.line(px, lo, px, hi, stroke)
        c.line(px - 5, lo, px + 5, lo, stroke)
        c.line(px - 5, hi, px + 5, hi, stroke)
      case .lower, .upper:
        let up = t.kind == .lower
        let tip = py + (up ? -22 : 22)
        c.line(px - 6, py, px + 6, py, stroke)
        c.line(px, py, px, tip + (up ? 6 : -6), stroke)
        c.path(
          [(px, tip), (px - 5, tip + (up ? 8 : -8)), (px + 5, tip + (up ? 8 : -8))], "fill=\"\(color)\"", close: true)
      }
      if p > TrajectoryAnalysis.outlierThreshold {
        c.circle(px, py, 9, "fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"")
      }
      c.raw("</g>")
    }
  }
}

extension HTMLReport {
  /// The trajectory chart of `r` as an `<svg>` element.
  public static func trajectoryChart(_ r: TrajectoryReport) -> String { SVGTrajectoryChart(r).svg }

  /// A report section for a trajectory: the chart, the level by year (with the chart data's
  /// file), each series' bias as a factor with its interval and in words, the outliers
  /// (probability above 0.5), each named with its source and what it states, and the
  /// sampler's warnings.
  public static func trajectorySection(_ r: TrajectoryReport) -> String {
    let res = r.result
    let q = r.input.quantity
    var out =
      "<section id=\"\(anchor("trajectory", q))\">\n<h2>\(Markup.escape(q))\(r.input.unit.isEmpty ? "" : " (\(Markup.escape(r.input.unit)))"): trajectory</h2>\n"
    out += "<figure>\n" + SVGTrajectoryChart(r).svg + "\n"
    out +=
      "<figcaption>The level by year (posterior median, 50% and 90% intervals) from \(r.input.data.statements.count) statements in \(r.input.data.series.count) series. \(Markup.escape(res.level == 0.9 ? "" : "Biases at \(pct(res.level)). "))Each series' bias is what it states over the level, as a factor; \(r.input.data.reference == nil ? "the biases have mean zero on the log scale, so the level is what a typical series would state" : "the reference series has no bias, so the level is on its scale").</figcaption>\n</figure>\n"
    out +=
      "<h3>Level by year</h3>\n<p>Chart data in <a href=\"trajectory.csv\">trajectory.csv</a>; everything in <a href=\"summary.json\">summary.json</a> (<code>trajectory</code>).</p>\n<table>\n<thead><tr><th>year</th><th>median</th><th>50% interval</th><th>90% interval</th><th>statements</th></tr></thead>\n<tbody>\n"
    let counts = r.input.statementsPerYear
    for (k, y) in res.years.enumerated() {
      out +=
        "<tr\(r.isProjected(y.year) ? " class=\"projected\"" : "")><td>\(y.year)\(r.isProjected(y.year) ? " (projected)" : "")</td><td class=\"num\">\(Markup.escape(TrajectoryAnalysis.level(y.level.median)))</td><td class=\"num\">\(Markup.escape(TrajectoryAnalysis.band(y.level.q25, y.level.q75)))</td><td class=\"num\">\(Markup.escape(TrajectoryAnalysis.band(y.level.q05, y.level.q95)))</td><td class=\"num\">\(counts.indices.contains(k) ? counts[k] : 0)</td></tr>\n"
    }
    out += "</tbody>\n</table>\n"
    out +=
      "<h3>Bias by series</h3>\n<table>\n<thead><tr><th>series</th><th>factor</th><th>\(pct(res.level)) interval</th><th>reading</th></tr></thead>\n<tbody>\n"
    for b in res.biases {
      out +=
        "<tr><td>\(Markup.escape(b.series))</td><td class=\"num\">\(Markup.escape(TrajectoryAnalysis.factor(b.factor.median)))</td><td class=\"num\">\(Markup.escape(TrajectoryAnalysis.ratio(b.factor.low)))–\(Markup.escape(TrajectoryAnalysis.ratio(b.factor.high)))</td><td>\(Markup.escape(TrajectoryAnalysis.biasWords(b, level: res.level, hasReference: r.input.data.reference != nil)))</td></tr>\n"
    }
    out += "</tbody>\n</table>\n<h3>Outliers</h3>\n"
    let outliers = r.outliers
    if outliers.isEmpty {
      out += "<p>No statement is more likely than not an outlier (probability above 0.5).</p>\n"
    } else {
      out += "<ul>\n"
      for k in outliers {
        let s = r.input.sources[k]
        out +=
          "<li><code>\(Markup.escape(s.id))</code> (\(Markup.escape(s.series)), \(s.year)): \(Markup.escape(TrajectoryAnalysis.statedText(s))); outlier probability \(Markup.escape(NumberFormat.human(res.statements[k].outlierProbability, significant: 2)))</li>\n"
      }
      out += "</ul>\n"
    }
    for w in res.warnings { out += "<p class=\"warning\">Warning: \(Markup.escape(w))</p>\n" }
    return out + "</section>\n"
  }
}
