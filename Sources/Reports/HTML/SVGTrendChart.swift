import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A trend chart of one series, as inline SVG.
///
/// Prediction band (light) and confidence band (darker) for a full year's count, the fitted
/// line (dashed over projected years), the observed counts as filled points, partial periods
/// as hollow points at their annualised value with their exact Poisson interval and a label
/// ("partial: 211/365 of year"), and joinpoints as vertical dashed lines. The y axis is
/// logarithmic when the observed values span more than 30× (`SVGTrendChart.logThreshold`).
struct SVGTrendChart {
  /// Ratio max/min of the observed (annualised) values above which the y axis is logarithmic.
  static let logThreshold = 30.0
  static let width = 960.0
  static let plotHeight = 380.0

  var result: TrendResult
  var unit: String
  var joinpoints: [Double]
  var x: AxisScale
  var y: AxisScale
  /// max/min of the observed values (nil when fewer than one positive value).
  var spread: Double?
  /// The plot's left edge: the rotated y-axis title's band, then room for the longest tick
  /// label (issue #30: a fixed 78 px let the title cover labels of ten or more characters,
  /// 10,000,000 showing as 0,000,000).
  let left: Double
  let right = 24.0
  /// The y-axis title's centre line and the room a tick label's character takes, at 11 px.
  static let titleX = 16.0
  static let tickCharacterWidth = 11.0 * 0.62
  let top = 16.0

  /// Lays the chart out.
  init(_ t: TrendResult, unit: String, joinpoints: [Double] = []) {
    result = t
    self.unit = unit
    self.joinpoints = joinpoints
    let observed = t.points.compactMap { $0.annualized ?? $0.observed }.filter { $0 > 0 }
    if let lo = observed.min(), let hi = observed.max(), lo > 0 {
      spread = hi / lo
    } else {
      spread = nil
    }
    var values: [Double] = []
    for p in t.points {
      // (a count over several years is drawn at its yearly average, not its total)
      values += (p.exposure > 1 && !p.stock ? [p.annualized] : [p.observed, p.annualized]).compactMap { $0 }
      // Only partial periods draw their (exact Poisson, widened by the dispersion) interval.
      if p.exposure < 1 { values += [p.annualizedLow, p.annualizedHigh].compactMap { $0 } }
      values += [p.fitted] + [p.ciLow, p.ciHigh, p.piLow, p.piHigh].compactMap { $0 }
    }
    let yRange = (low: top + SVGTrendChart.plotHeight, high: top)
    if let s = spread, s > SVGTrendChart.logThreshold, let lo = observed.min() {
      // Keep the bands from stretching the axis over many empty decades: at most 10× below
      // the smallest observed value (lower band ends are clipped there).
      let floor = lo / 10
      y = AxisScale.log(covering: values.filter { $0 >= floor }, range: yRange)
    } else {
      y = AxisScale.linear(covering: values, includeZero: values.allSatisfy { $0 >= 0 }, range: yRange)
    }
    // The title's band (its 12 px line, rotated, around titleX), a gap, the longest label, and
    // the 8 px between a label and the axis.
    let longest = y.ticks(fontSize: 11, horizontal: false).map { Markup.tickLabel($0).count }.max() ?? 0
    left = max(78, SVGTrendChart.titleX + 10 + Double(longest) * SVGTrendChart.tickCharacterWidth + 8)
    let years = t.points.map { Double($0.year) } + joinpoints
    let x0 = (years.min() ?? 0) - 0.5
    let x1 = (years.max() ?? 1) + 0.5
    x = AxisScale(kind: .linear, domain: (x0, x1), range: (left, SVGTrendChart.width - right))
  }

  /// Whether the y axis is logarithmic.
  var isLog: Bool { y.kind == .log }

  /// A sentence for the reader saying which y scale is used and why.
  var scaleExplanation: String {
    let s = spread.map { NumberFormat.human($0, significant: 3) + "×" } ?? "—"
    if isLog {
      return
        "The y axis is logarithmic: the observed values span \(s) (more than \(NumberFormat.human(SVGTrendChart.logThreshold))×), and on a log scale a constant growth rate is a straight line."
    }
    return
      "The y axis is linear: the observed values span \(s) (at most \(NumberFormat.human(SVGTrendChart.logThreshold))×)."
  }

  /// "211/365" for a partial period's covered days over its year's days.
  static func partialLabel(_ p: TrendPoint) -> String {
    let y = p.year
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
    let daysInYear = leap ? 366 : 365
    let days = Int((p.exposure * Double(daysInYear)).rounded())
    return "partial: \(days)/\(daysInYear) of year"
  }

  /// The chart as an `<svg>` element.
  var svg: String {
    var c = SVGCanvas()
    let plotTop = top
    let plotBottom = top + SVGTrendChart.plotHeight
    let plotLeft = x.range.low
    let plotRight = x.range.high
    // A count over several years is drawn as its yearly average over its years (below); the
    // line and the bands run through the years it implies.
    let pts = result.points.filter { $0.stock || $0.exposure <= 1 }.sorted { $0.year < $1.year }
    // Grid and y ticks.
    for v in y.minorTicks() {
      let py = y.clampedPixel(v)
      c.line(plotLeft, py, plotRight, py, "stroke=\"#f0f0f0\" stroke-width=\"1\"")
    }
    for v in y.ticks(fontSize: 11, horizontal: false) {
      let py = y.clampedPixel(v)
      c.line(plotLeft, py, plotRight, py, "stroke=\"#dcdcdc\" stroke-width=\"1\"")
      c.line(plotLeft - 5, py, plotLeft, py, "stroke=\"#444\" stroke-width=\"1\"")
      c.text(plotLeft - 8, py + 4, Markup.tickLabel(v), "font-size=\"11\" text-anchor=\"end\" fill=\"#333\"")
    }
    // x ticks: every year, or every 2nd/5th/10th when crowded.
    let y0 = Int((x.domain.low + 0.5).rounded())
    let y1 = Int((x.domain.high - 0.5).rounded())
    let span = max(1, y1 - y0)
    let step = [1, 2, 5, 10, 20, 50].first { (x.range.high - x.range.low) / Double(span) * Double($0) >= 44 } ?? 100
    var year = y0
    while year <= y1 {
      if year % step == 0 || step == 1 {
        let px = x.clampedPixel(Double(year))
        c.line(px, plotBottom, px, plotBottom + 5, "stroke=\"#444\" stroke-width=\"1\"")
        c.text(px, plotBottom + 18, String(year), "font-size=\"11\" text-anchor=\"middle\" fill=\"#333\"")
      }
      year += 1
    }
    c.line(plotLeft, plotBottom, plotRight, plotBottom, "stroke=\"#444\" stroke-width=\"1\"")
    c.line(plotLeft, plotTop, plotLeft, plotBottom, "stroke=\"#444\" stroke-width=\"1\"")
    c.text(
      (plotLeft + plotRight) / 2, plotBottom + 38, "year (calendar year of the period)",
      "font-size=\"12\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222\"")
    let yTitle =
      "\(unit.isEmpty ? result.quantity : unit)\(result.measure == .stock ? " (level)" : " per year") — \(isLog ? "log scale" : "linear scale")"
    let cy = (plotTop + plotBottom) / 2
    let tx = SVGTrendChart.titleX
    c.text(
      tx, cy, yTitle,
      "font-size=\"12\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222\" transform=\"rotate(-90 \(Markup.coord(tx)) \(Markup.coord(cy)))\""
    )
    // Bands.
    // (None from a fit that did not converge: its points carry no band.)
    func band(_ lo: KeyPath<TrendPoint, Double?>, _ hi: KeyPath<TrendPoint, Double?>, _ fill: String) {
      guard pts.count >= 2, pts.allSatisfy({ $0[keyPath: lo] != nil && $0[keyPath: hi] != nil }) else { return }
      var poly: [(Double, Double)] = pts.map {
        (x.clampedPixel(Double($0.year)), y.clampedPixel($0[keyPath: hi] ?? .nan))
      }
      poly += pts.reversed().map { (x.clampedPixel(Double($0.year)), y.clampedPixel($0[keyPath: lo] ?? .nan)) }
      c.path(poly, "fill=\"\(fill)\" stroke=\"none\"", close: true)
    }
    band(\.piLow, \.piHigh, "#c6dbef")
    band(\.ciLow, \.ciHigh, "#6baed6")
    // Projection region marker.
    let observedPts = pts.filter { !$0.projected }
    let projectedPts = pts.filter(\.projected)
    if let last = observedPts.last, !projectedPts.isEmpty {
      let px = x.clampedPixel(Double(last.year) + 0.5)
      c.line(px, plotTop, px, plotBottom, "stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"3 3\"")
      c.text(px + 6, plotTop + 14, "projected", "font-size=\"11\" font-style=\"italic\" fill=\"#555\"")
    }
    // Joinpoints.
    for j in joinpoints {
      let px = x.clampedPixel(j)
      c.line(px, plotTop, px, plotBottom, "stroke=\"#d95f02\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"")
      c.text(
        px + 4, plotBottom - 8, "joinpoint \(NumberFormat.plain((j * 100).rounded() / 100))",
        "font-size=\"11\" fill=\"#d95f02\"")
    }
    // Fitted line: solid over the data, dashed over projections.
    c.path(
      observedPts.map { (x.clampedPixel(Double($0.year)), y.clampedPixel($0.fitted)) },
      "fill=\"none\" stroke=\"#08306b\" stroke-width=\"2.5\"")
    if let last = observedPts.last, !projectedPts.isEmpty {
      let dashed = [last] + projectedPts
      c.path(
        dashed.map { (x.clampedPixel(Double($0.year)), y.clampedPixel($0.fitted)) },
        "fill=\"none\" stroke=\"#08306b\" stroke-width=\"2.5\" stroke-dasharray=\"7 5\"")
    }
    // Observed points.
    for p in observedPts {
      let px = x.clampedPixel(Double(p.year))
      guard let obs = p.observed else { continue }
      if p.exposure < 1, let a = p.annualized {
        if let lo = p.annualizedLow, let hi = p.annualizedHigh {
          c.line(px, y.clampedPixel(lo), px, y.clampedPixel(hi), "stroke=\"#e6550d\" stroke-width=\"1.5\"")
        }
        let py = y.clampedPixel(a)
        c.circle(
          px, py, 5.5, "fill=\"white\" stroke=\"#e6550d\" stroke-width=\"2.5\"",
          title:
            "\(p.period): \(NumberFormat.human(obs, significant: 6)) observed over \(NumberFormat.human(p.exposure, significant: 3)) of the year → \(NumberFormat.human(a, significant: 4)) a year"
        )
        let label = SVGTrendChart.partialLabel(p)
        let lw = Markup.textWidth(label, fontSize: 11)
        let rightSide = px + 10 + lw < plotRight
        c.text(
          rightSide ? px + 10 : px - 10, py - 8, label,
          "font-size=\"11\" fill=\"#a63603\" text-anchor=\"\(rightSide ? "start" : "end")\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\""
        )
      } else {
        c.circle(
          px, y.clampedPixel(obs), 4.5, "fill=\"#111\"",
          title: "\(p.period): \(NumberFormat.human(obs, significant: 6))")
      }
    }
    // Counts over several years: their yearly average as a bar over the years they cover.
    for b in result.buckets {
      guard let p = result.points.first(where: { $0.id == b.id && !$0.implied }), let a = p.annualized else {
        continue
      }
      let py = y.clampedPixel(a)
      let (x0, x1) = (x.clampedPixel(Double(b.firstYear) - 0.4), x.clampedPixel(Double(b.lastYear) + 0.4))
      c.rect(
        x0, py - 2, x1 - x0, 4, "fill=\"#111\"",
        title:
          "\(b.firstYear)–\(b.lastYear): \(NumberFormat.human(b.observed, significant: 15)) over \(b.lastYear - b.firstYear + 1) years → \(NumberFormat.human(a, significant: 4)) a year on average"
      )
    }
    // Legend.
    var items: [(LegendSwatch, String)] = [(.dot("#111"), "observed count (full year)")]
    if !result.buckets.isEmpty { items.append((.bar("#111", 1), "count over several years: its yearly average")) }
    if observedPts.contains(where: { $0.exposure < 1 }) {
      items.append(
        (
          .hollowDot("#e6550d"),
          result.model == .negbin || result.model == .quasipoisson
            ? "partial period, annualised (bar: exact Poisson interval widened by the dispersion)"
            : "partial period, annualised (bar: exact Poisson interval)"
        ))
    }
    items.append((.line("#08306b", ""), "fitted (\(result.model.rawValue))"))
    if !projectedPts.isEmpty { items.append((.line("#08306b", "7 5"), "projected")) }
    let level = pct(result.fit.level)
    items.append((.bar("#6baed6", 1), "\(level) confidence band"))
    items.append((.bar("#c6dbef", 1), "\(level) prediction band (a full year's count)"))
    if !joinpoints.isEmpty { items.append((.line("#d95f02", "6 4"), "joinpoint")) }
    var legend = SVGCanvas()
    let legendTop = plotBottom + 54
    let legendHeight = drawLegend(items, into: &legend, x: 8, y: legendTop, width: SVGTrendChart.width - 16)
    let height = legendTop + legendHeight + 8
    let label =
      "Trend chart of \(result.quantity): observed counts, fitted \(result.model.rawValue) trend and its bands"
    return svgDocument(width: SVGTrendChart.width, height: height, label: label, body: c.body + legend.body)
  }
}
