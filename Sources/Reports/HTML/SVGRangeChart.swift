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

/// A floating-bar chart of one reconciled quantity, as inline SVG.
///
/// One row per source in file order — a bar from low to high with a dot at the (geometric)
/// midpoint, a dot for a point figure (with a dotted line for the ÷2–×2 reading pooling gives
/// it), an arrow for an open end ("at least", "up to"), hatching for a figure left out of
/// pooling — then the pooled rows: the random-effects confidence and prediction intervals,
/// the linear and logarithmic opinion pools, the envelope and the intersection. The x axis is
/// logarithmic when the quantity was pooled on the log scale, with ticks at 1-2-5 × 10^k.
struct SVGRangeChart {
  /// How a row is drawn.
  enum Style: String, CaseIterable {
    case source, point, notPooled, randomCI, randomPI, linearPool, logPool, envelope, intersection
  }

  /// One row of the chart.
  struct Row {
    /// Source id or the pooled row's key (`random_effects_ci`, …).
    var key: String
    /// The short label in the left gutter.
    var name: String
    /// The caption above the bar.
    var caption: String
    var low: Double?
    var mid: Double?
    var high: Double?
    var style: Style
    /// For a point figure: the range pooling read it as.
    var reading: (low: Double, high: Double)?
    /// Whether the row is one of the pooled or combined ranges.
    var pooled: Bool
  }

  /// The geometry of a drawn row (pixels), for tests and for the SVG.
  struct Bar {
    var key: String
    /// Left end (x of low, or the plot's left edge when open).
    var x0: Double
    /// Right end.
    var x1: Double
    /// x of the midpoint dot, if drawn.
    var xMid: Double?
    /// Vertical centre.
    var y: Double
    var openLow: Bool
    var openHigh: Bool
  }

  static let width = 960.0
  static let rowHeight = 38.0
  static let fontSize = 12.0

  var quantity: String
  var unit: String
  var scale: AxisScale
  var rows: [Row]
  var gutter: Double
  var top = 16.0
  var idPrefix: String
  var randomCentre: Double?

  /// Lays the chart out for a quantity; `index` makes pattern ids unique within a page.
  init(_ q: QuantityRanges, index: Int = 0) {
    let rec = q.reconciliation
    quantity = q.quantity
    unit = q.unit
    idPrefix = "rc\(index)"
    let level = pct(rec.level)
    var rows: [Row] = []
    for (k, f) in q.figures.enumerated() {
      let (low, high) = RangesAnalysis.statedEnds(f, textual: q.textual[k])
      let (d, excludedReason) = q.pooling(ofFigure: k)
      let year = f.period.map { String($0.year) } ?? String(f.published.prefix(4))
      var figure = f.text.map { "“\($0)” read as \(rangeText(low, high))" } ?? rangeText(low, high)
      let isPoint = low != nil && low == high
      if isPoint, let d { figure += " (pooled as \(rangeText(d.low, d.high)))" }
      var caption = "\(f.source)\(year.isEmpty ? "" : ", \(year)") — \(figure)"
      let style: Style
      if !f.derivedFrom.isEmpty {
        style = .notPooled
        caption += " — not pooled: restates \(f.derivedFrom.joined(separator: ", "))"
      } else if let reason = excludedReason {
        style = .notPooled
        caption += " — not pooled: \(reason)"
      } else if d == nil {
        style = .notPooled
        caption += " — not pooled"
      } else {
        style = isPoint ? .point : .source
      }
      rows.append(
        Row(
          key: f.id, name: f.id, caption: caption, low: low,
          mid: isPoint ? low : (low == nil || high == nil ? nil : (d?.mid ?? geometricMid(low, high))),
          high: high, style: isPoint && style == .notPooled ? .notPooled : style,
          reading: isPoint ? d.map { ($0.low, $0.high) } : nil, pooled: false))
    }
    if let re = rec.randomEffects, !re.betweenSources {
      rows.append(
        Row(
          key: "common_effect_ci", name: "Common effect, \(level) CI",
          caption:
            "Common effect (\(rec.scale.rawValue) scale, k = \(re.k); two figures give no between-source variance): centre \(NumberFormat.human(re.estimate)); \(level) CI \(rangeText(re.ciLow, re.ciHigh))",
          low: re.ciLow, mid: re.estimate, high: re.ciHigh, style: .randomCI, reading: nil, pooled: true))
    } else if let re = rec.randomEffects {
      let method = re.censored > 0 ? "maximum likelihood, \(re.censored) censored" : "DL"
      rows.append(
        Row(
          key: "random_effects_ci", name: "Random effects, \(level) CI",
          caption:
            "Random effects (\(rec.scale.rawValue) scale, \(method), k = \(re.k)): centre \(NumberFormat.human(re.estimate)); \(level) CI \(rangeText(re.ciLow, re.ciHigh))",
          low: re.ciLow, mid: re.estimate, high: re.ciHigh, style: .randomCI, reading: nil, pooled: true))
      rows.append(
        Row(
          key: "random_effects_pi", name: "Random effects, \(level) PI",
          caption:
            "\(level) prediction interval (where another independent estimate would fall): \(rangeText(re.piLow, re.piHigh)) (τ² = \(NumberFormat.human(re.tau2, significant: 3)), I² = \(NumberFormat.human(re.i2, significant: 3))%)",
          low: re.piLow, mid: re.estimate, high: re.piHigh, style: .randomPI, reading: nil, pooled: true))
    }
    if let lp = rec.linearPool {
      rows.append(
        Row(
          key: "linear_pool", name: "Linear opinion pool",
          caption:
            "Linear opinion pool (mixture, Stone 1961): median \(NumberFormat.human(lp.estimate)), central \(level) \(rangeText(lp.low, lp.high))",
          low: lp.low, mid: lp.estimate, high: lp.high, style: .linearPool, reading: nil, pooled: true))
    }
    if let gp = rec.logarithmicPool {
      rows.append(
        Row(
          key: "log_pool", name: "Logarithmic opinion pool",
          caption:
            "Logarithmic opinion pool (Genest & Zidek 1986): median \(NumberFormat.human(gp.estimate)), central \(level) \(rangeText(gp.low, gp.high))",
          low: gp.low, mid: gp.estimate, high: gp.high, style: .logPool, reading: nil, pooled: true))
    }
    rows.append(
      Row(
        key: "envelope", name: "Envelope",
        caption:
          "Envelope of all figures: \(rec.envelope.low == nil && rec.envelope.high == nil ? "unbounded at both ends (open-ended figures)" : envelopeText(rec))",
        low: rec.envelope.low, mid: nil, high: rec.envelope.high, style: .envelope, reading: nil, pooled: true))
    if let i = rec.intersection {
      rows.append(
        Row(
          key: "intersection", name: "Intersection",
          caption: "Range every pooled figure allows: \(rangeText(i.low, i.high))",
          low: i.low, mid: nil, high: i.high, style: .intersection, reading: nil, pooled: true))
    } else {
      rows.append(
        Row(
          key: "intersection", name: "Intersection",
          caption:
            "No intersection: \(rec.conflictPairs.count) pair(s) of pooled figures do not overlap (listed below the chart)",
          low: nil, mid: nil, high: nil, style: .intersection, reading: nil, pooled: true))
    }
    self.rows = rows
    randomCentre = rec.randomEffects?.estimate
    let longest = rows.map { Markup.textWidth($0.name, fontSize: SVGRangeChart.fontSize) }.max() ?? 100
    gutter = min(260, max(120, longest + 24))
    var values: [Double] = []
    for r in rows {
      values += [r.low, r.mid, r.high].compactMap { $0 }
      if let rd = r.reading { values += [rd.low, rd.high] }
    }
    let range = (low: gutter, high: SVGRangeChart.width - 48)
    if rec.scale == .log && values.allSatisfy({ $0 > 0 }) {
      scale = AxisScale.log(covering: values, range: range)
    } else {
      scale = AxisScale.linear(covering: values, includeZero: values.allSatisfy { $0 >= 0 }, range: range)
    }
  }

  /// The y of row `i`'s bar centre (a gap separates sources from pooled rows).
  func rowCentre(_ i: Int) -> Double {
    let sources = rows.filter { !$0.pooled }.count
    let gap = i >= sources ? 22.0 : 0
    return top + Double(i) * SVGRangeChart.rowHeight + 26 + gap
  }

  /// Pixel geometry of every row with at least one end.
  var bars: [Bar] {
    var out: [Bar] = []
    for (i, r) in rows.enumerated() {
      // A row with no ends is not drawn, except the envelope: open-ended figures make it unbounded.
      guard r.low != nil || r.high != nil || r.style == .envelope else { continue }
      let x0 = r.low.map { scale.clampedPixel($0) } ?? scale.range.low
      let x1 = r.high.map { scale.clampedPixel($0) } ?? scale.range.high
      out.append(
        Bar(
          key: r.key, x0: x0, x1: x1, xMid: r.mid.map { scale.clampedPixel($0) }, y: rowCentre(i),
          openLow: r.low == nil, openHigh: r.high == nil))
    }
    return out
  }

  static func colour(_ s: Style) -> String {
    switch s {
    case .source, .point: return "#3b6ea5"
    case .notPooled: return "#8a8a8a"
    case .randomCI: return "#b2182b"
    case .randomPI: return "#ef8a62"
    case .linearPool: return "#1b7837"
    case .logPool: return "#7b3294"
    case .envelope: return "#222222"
    case .intersection: return "#d4a017"
    }
  }

  /// The chart as an `<svg>` element.
  var svg: String {
    var c = SVGCanvas()
    let plotLeft = scale.range.low
    let plotRight = scale.range.high
    let lastY = rowCentre(max(0, rows.count - 1))
    let plotTop = top
    let plotBottom = lastY + 16
    let hatch = "\(idPrefix)-hatch"
    // Gridlines and ticks.
    for v in scale.minorTicks() {
      guard let x = scale.pixel(v) else { continue }
      c.line(x, plotTop, x, plotBottom, "stroke=\"#f0f0f0\" stroke-width=\"1\"")
    }
    let ticks = scale.ticks(fontSize: 11)
    for v in ticks {
      guard let x = scale.pixel(v) else { continue }
      c.line(x, plotTop, x, plotBottom, "stroke=\"#dcdcdc\" stroke-width=\"1\"")
      c.line(x, plotBottom, x, plotBottom + 5, "stroke=\"#444\" stroke-width=\"1\"")
      c.text(x, plotBottom + 18, Markup.tickLabel(v), "font-size=\"11\" text-anchor=\"middle\" fill=\"#333\"")
    }
    c.line(plotLeft, plotBottom, plotRight, plotBottom, "stroke=\"#444\" stroke-width=\"1\"")
    let unitText = unit.isEmpty ? quantity : unit
    let axisTitle =
      "\(unitText) — \(scale.kind == .log ? "log scale (each gridline step is a factor)" : "linear scale")"
    c.text(
      (plotLeft + plotRight) / 2, plotBottom + 38, axisTitle,
      "font-size=\"12\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222\"")
    // Separator between the sources and the pooled rows.
    let sources = rows.filter { !$0.pooled }.count
    if sources < rows.count {
      let y = rowCentre(sources) - 30
      c.line(8, y, plotRight, y, "stroke=\"#999\" stroke-width=\"1\" stroke-dasharray=\"4 3\"")
      c.text(8, y + 13, "Pooled and combined", "font-size=\"11\" font-style=\"italic\" fill=\"#555\"")
    }
    if let centre = randomCentre, let x = scale.pixel(centre) {
      c.line(
        x, plotTop, x, plotBottom,
        "stroke=\"\(SVGRangeChart.colour(.randomCI))\" stroke-width=\"1\" stroke-dasharray=\"2 3\" stroke-opacity=\"0.7\""
      )
    }
    let geometry = Dictionary(bars.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    let captionWidth = SVGRangeChart.width - 16 - plotLeft
    for (i, r) in rows.enumerated() {
      let y = rowCentre(i)
      let colour = SVGRangeChart.colour(r.style)
      c.text(
        plotLeft - 10, y + 4, Markup.truncate(r.name, maxWidth: plotLeft - 18, fontSize: 12),
        "font-size=\"12\" text-anchor=\"end\" fill=\"#222\"")
      c.text(
        plotLeft, y - 10, Markup.truncate(r.caption, maxWidth: captionWidth, fontSize: 11),
        "font-size=\"11\" fill=\"#444\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\"")
      guard let b = geometry[r.key] else { continue }
      let h = 10.0
      let title = "\(r.key): \(r.caption)"
      if r.low != nil && r.low == r.high {
        if let rd = r.reading {
          c.line(
            scale.clampedPixel(rd.low), y, scale.clampedPixel(rd.high), y,
            "stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-dasharray=\"1 3\"")
        }
        let fill = r.style == .notPooled ? "url(#\(hatch))" : colour
        c.circle(b.x0, y, 5.5, "fill=\"\(fill)\" stroke=\"\(colour)\" stroke-width=\"1.5\"", title: title)
        continue
      }
      let inset = 9.0
      let x0 = b.openLow ? b.x0 + inset : b.x0
      let x1 = b.openHigh ? b.x1 - inset : b.x1
      switch r.style {
      case .envelope:
        c.rect(x0, y - h / 2, x1 - x0, h, "fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\"", title: title)
      case .notPooled:
        c.rect(
          x0, y - h / 2, x1 - x0, h, "fill=\"url(#\(hatch))\" stroke=\"\(colour)\" stroke-width=\"1\"", title: title)
      case .randomPI:
        c.rect(x0, y - h / 2, x1 - x0, h, "fill=\"\(colour)\" fill-opacity=\"0.55\"", title: title)
      default:
        c.rect(x0, y - h / 2, x1 - x0, h, "fill=\"\(colour)\" fill-opacity=\"0.85\"", title: title)
      }
      if b.openLow { c.arrow(tipX: b.x0, y: y, direction: -1, size: inset, "fill=\"\(colour)\"") }
      if b.openHigh { c.arrow(tipX: b.x1, y: y, direction: 1, size: inset, "fill=\"\(colour)\"") }
      if let xm = b.xMid, r.style != .envelope, r.style != .intersection {
        c.circle(xm, y, 3.5, "fill=\"white\" stroke=\"#111\" stroke-width=\"1.5\"")
      }
    }
    // Legend: only the styles drawn.
    var items: [(LegendSwatch, String)] = []
    let used = Set(rows.filter { $0.low != nil || $0.high != nil || $0.style == .envelope }.map(\.style))
    let hasOpen = rows.contains { ($0.low == nil) != ($0.high == nil) }
    let hasReading = rows.contains { $0.reading != nil }
    if used.contains(.source) {
      items.append((.bar(SVGRangeChart.colour(.source), 0.85), "source range (dot: midpoint)"))
    }
    if used.contains(.point) {
      items.append(
        (
          .dot(SVGRangeChart.colour(.point)),
          hasReading ? "point figure (dotted: ÷2–×2 reading used in pooling)" : "point figure"
        ))
    }
    if hasOpen { items.append((.arrow(SVGRangeChart.colour(.source)), "open end (at least / up to)")) }
    if used.contains(.notPooled) { items.append((.hatched(hatch), "not pooled (restates others, or one-sided)")) }
    if used.contains(.randomCI) { items.append((.bar(SVGRangeChart.colour(.randomCI), 0.85), "random-effects CI")) }
    if used.contains(.randomPI) {
      items.append((.bar(SVGRangeChart.colour(.randomPI), 0.55), "random-effects prediction interval"))
    }
    if randomCentre != nil { items.append((.line(SVGRangeChart.colour(.randomCI), "2 3"), "random-effects centre")) }
    if used.contains(.linearPool) {
      items.append((.bar(SVGRangeChart.colour(.linearPool), 0.85), "linear opinion pool"))
    }
    if used.contains(.logPool) {
      items.append((.bar(SVGRangeChart.colour(.logPool), 0.85), "logarithmic opinion pool"))
    }
    if used.contains(.envelope) { items.append((.outline(SVGRangeChart.colour(.envelope)), "envelope")) }
    if used.contains(.intersection) { items.append((.bar(SVGRangeChart.colour(.intersection), 0.85), "intersection")) }
    var legend = SVGCanvas()
    let legendTop = plotBottom + 54
    let legendHeight = drawLegend(items, into: &legend, x: 8, y: legendTop, width: SVGRangeChart.width - 16)
    let height = legendTop + legendHeight + 8
    let label = "Floating-bar chart of \(quantity): \(rows.filter { !$0.pooled }.count) figures and their pooled ranges"
    let defs =
      "<pattern id=\"\(hatch)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#8a8a8a\" stroke-width=\"2\"/></pattern>"
    return svgDocument(width: SVGRangeChart.width, height: height, label: label, defs: defs, body: c.body + legend.body)
  }
}
