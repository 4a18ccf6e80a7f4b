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

/// The linear opinion pool's density as inline SVG (issue #30): the mixture on a log x axis
/// (linear when the quantity was pooled on the natural scale), each source's weighted
/// component faint beneath it, the median as a dashed line and the pooled central interval
/// shaded. A mixture can have several peaks, which its median and interval do not show.
///
/// Text sits in two caption lines above the plot and in tick labels below it (ticks spaced by
/// ``AxisScale/ticks(fontSize:horizontal:)``), so no two labels share a place.
struct SVGPoolDensityChart {
  static let width = 640.0
  static let height = 232.0
  static let fontSize = 12.0
  static let tickFontSize = 11.0
  /// The plot's box.
  static let left = 40.0
  static let right = 600.0
  static let top = 44.0
  static let bottom = 200.0

  var svg: String

  /// Nil when the quantity has no linear pool or its density was not computed.
  init?(_ rec: RangeReconciliation) {
    guard let lp = rec.linearPool, let density = RangePooling.linearPoolDensity(rec.distributions),
      let peak = density.density.max(), peak > 0
    else { return nil }
    let back = rec.scale.inverse
    let xs = density.grid.map(back)
    let range = (Self.left, Self.right)
    let scale =
      rec.scale == .log
      ? AxisScale.log(covering: xs + [lp.low, lp.high], range: range)
      : AxisScale.linear(covering: xs + [lp.low, lp.high], includeZero: false, range: range)
    func y(_ d: Double) -> Double { Self.bottom - (Self.bottom - Self.top) * d / peak }
    var c = SVGCanvas()
    // The pooled interval, shaded, and the axis line.
    let x0 = scale.clampedPixel(lp.low)
    let x1 = scale.clampedPixel(lp.high)
    c.rect(x0, Self.top, x1 - x0, Self.bottom - Self.top, "fill=\"#1f77b4\" fill-opacity=\"0.1\"")
    c.line(Self.left, Self.bottom, Self.right, Self.bottom, "stroke=\"#555\" stroke-width=\"1\"")
    // Each source's share, faint, then the mixture.
    for component in density.components {
      c.path(
        zip(xs, component).map { (scale.clampedPixel($0.0), y($0.1)) },
        "class=\"component\" fill=\"none\" stroke=\"#888\" stroke-opacity=\"0.55\" stroke-width=\"1\"")
    }
    c.path(
      zip(xs, density.density).map { (scale.clampedPixel($0.0), y($0.1)) },
      "class=\"mixture\" fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\"")
    let xm = scale.clampedPixel(lp.estimate)
    c.line(xm, Self.top, xm, Self.bottom, "stroke=\"#1f4e79\" stroke-width=\"1.5\" stroke-dasharray=\"5,3\"")
    // Ticks below the axis.
    for t in scale.ticks(fontSize: Self.tickFontSize) {
      let x = scale.clampedPixel(t)
      c.line(x, Self.bottom, x, Self.bottom + 4, "stroke=\"#555\"")
      // A label that would leave the chart is anchored at its tick's inner side instead.
      let label = Markup.tickLabel(t)
      let half = Markup.textWidth(label, fontSize: Self.tickFontSize) / 2 + 4
      let anchor = x - half < 0 ? "start" : x + half > Self.width ? "end" : "middle"
      c.text(
        x, Self.bottom + 17, label,
        "font-size=\"\(Markup.coord(Self.tickFontSize))\" text-anchor=\"\(anchor)\" fill=\"#333\"")
    }
    // Two caption lines above the plot.
    let modes = density.modes.count > 1 ? "; \(density.modes.count) modes" : ""
    let first = "Linear opinion pool: density\(rec.scale == .log ? " on a log axis" : ""); faint: each source's share"
    let second =
      "dashed: median \(NumberFormat.human(lp.estimate)); shaded: central \(pct(rec.level)) \(rangeText(lp.low, lp.high))\(modes)"
    // Truncation counts 0.55 em a character; a browser may need 0.62.
    let room = (Self.width - 2 * 16) * 0.55 / 0.62
    c.text(
      16, 16, Markup.truncate(first, maxWidth: room, fontSize: Self.fontSize),
      "font-size=\"\(Markup.coord(Self.fontSize))\" fill=\"#222\"")
    c.text(
      16, 34, Markup.truncate(second, maxWidth: room, fontSize: Self.fontSize),
      "font-size=\"\(Markup.coord(Self.fontSize))\" fill=\"#222\"")
    svg = svgDocument(
      width: Self.width, height: Self.height,
      label:
        "Density of the linear opinion pool: median \(NumberFormat.human(lp.estimate)), central \(pct(rec.level)) \(rangeText(lp.low, lp.high))\(modes)",
      body: c.body)
  }
}
