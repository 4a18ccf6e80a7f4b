import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Escaping and number formatting shared by the HTML page and its inline SVG charts.
///
/// Everything written here is also well-formed XML: text and attribute values escape
/// `& < > " '`, and coordinates are plain decimals rounded to 0.01 px, so the same input
/// always gives the same bytes.
enum Markup {
  /// Escapes text for an HTML/XML text node or a double-quoted attribute value.
  static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s.unicodeScalars {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default:
        // Control characters other than tab and line feed are not allowed in XML 1.0.
        if ch.value < 0x20 && ch != "\t" && ch != "\n" {
          out += " "
        } else {
          out.unicodeScalars.append(ch)
        }
      }
    }
    return out
  }

  /// A coordinate: rounded to 0.01, written as a plain decimal ("12.5", "-3", "0.07").
  static func coord(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    let r = (x * 100).rounded() / 100
    return NumberFormat.plain(r == 0 ? 0 : r)
  }

  /// Approximate width in pixels of `text` at `fontSize` in a sans-serif face (0.6 em per
  /// character, a little generous so labels do not collide).
  static func textWidth(_ text: String, fontSize: Double) -> Double {
    Double(text.count) * fontSize * 0.6
  }

  /// Shortens `text` to at most `maxWidth` pixels at `fontSize`, ending with "…" when cut
  /// (0.55 em per character: DejaVu Sans averages about 0.51 em on mixed text).
  static func truncate(_ text: String, maxWidth: Double, fontSize: Double) -> String {
    let maxChars = max(4, Int(maxWidth / (fontSize * 0.55)))
    guard text.count > maxChars else { return text }
    return String(text.prefix(maxChars - 1)).trimmingBlanks() + "…"
  }

  /// A label for an axis tick: thousands grouped ("10,000"), no exponent ("0.5").
  static func tickLabel(_ v: Double) -> String {
    NumberFormat.groupThousands(NumberFormat.plain(v))
  }
}

/// An exact power of ten: 10^k by repeated multiplication (k ≥ 0, exact up to 10²²) or one
/// correctly rounded division (k < 0), so ticks print as "0.001", not "0.0010000000000000002".
func powerOfTen(_ k: Int) -> Double {
  var p = 1.0
  for _ in 0..<abs(k) { p *= 10 }
  return k >= 0 ? p : 1 / p
}

/// m × 10^k computed so that the decimal prints exactly (m / 10^-k for negative k).
func scaled(_ m: Double, _ k: Int) -> Double {
  k >= 0 ? m * powerOfTen(k) : m / powerOfTen(-k)
}

/// A mapping from data values to pixels along one axis, linear or logarithmic.
///
/// A log scale maps v to `range.0 + (log10 v − log10 d₀) / (log10 d₁ − log10 d₀) · (range.1 − range.0)`,
/// so each factor of 10 takes the same width. Values outside the domain (or non-positive
/// values on a log scale) are clamped to the domain's ends by `clampedPixel`.
struct AxisScale: Sendable, Equatable {
  /// How values map to pixels.
  enum Kind: String, Sendable {
    case linear
    case log
  }

  var kind: Kind
  /// The data interval shown, low < high (both > 0 on a log scale).
  var domain: (low: Double, high: Double)
  /// The pixel interval; `range.low` is where `domain.low` lands (may be greater than `range.high`).
  var range: (low: Double, high: Double)

  static func == (a: AxisScale, b: AxisScale) -> Bool {
    a.kind == b.kind && a.domain == b.domain && a.range == b.range
  }

  /// The pixel position of `v` (unclamped; nil for non-positive values on a log scale).
  func pixel(_ v: Double) -> Double? {
    guard v.isFinite else { return nil }
    let t: Double
    switch kind {
    case .linear:
      t = (v - domain.low) / (domain.high - domain.low)
    case .log:
      guard v > 0 else { return nil }
      t = (log10(v) - log10(domain.low)) / (log10(domain.high) - log10(domain.low))
    }
    return range.low + t * (range.high - range.low)
  }

  /// The pixel position of `v` clamped into the domain (non-positive log values go to the low end).
  func clampedPixel(_ v: Double) -> Double {
    let c = min(max(v, domain.low), domain.high)
    return pixel(c) ?? range.low
  }

  /// A log scale whose ends are 1-2-5 × 10^k values enclosing every positive value.
  static func log(covering values: [Double], range: (low: Double, high: Double)) -> AxisScale {
    let positive = values.filter { $0.isFinite && $0 > 0 }
    var lo = positive.min() ?? 1
    var hi = positive.max() ?? 10
    if lo == hi {
      lo /= 2
      hi *= 2
    }
    return AxisScale(kind: .log, domain: (niceBelow(lo), niceAbove(hi)), range: range)
  }

  /// A linear scale with "nice" ends (multiples of a 1-2-5 step) enclosing every value (and
  /// zero when `includeZero`).
  static func linear(covering values: [Double], includeZero: Bool, range: (low: Double, high: Double)) -> AxisScale {
    let finite = values.filter(\.isFinite)
    var lo = finite.min() ?? 0
    var hi = finite.max() ?? 1
    if includeZero {
      lo = min(lo, 0)
      hi = max(hi, 0)
    }
    if lo == hi {
      lo -= 1
      hi += 1
    }
    let step = niceStep((hi - lo) / 6)
    let a = (lo / step.value).rounded(.down)
    let b = (hi / step.value).rounded(.up)
    return AxisScale(kind: .linear, domain: (scaled(a * step.m, step.k), scaled(b * step.m, step.k)), range: range)
  }

  /// The largest 1-2-5 × 10^k value ≤ v (v > 0).
  static func niceBelow(_ v: Double) -> Double {
    let k = Int(floor(log10(v)))
    var best = scaled(1, k - 1)
    for kk in [k - 1, k, k + 1] {
      for m in [1.0, 2, 5] {
        let c = scaled(m, kk)
        if c <= v * (1 + 1e-12) && c > best { best = c }
      }
    }
    return best
  }

  /// The smallest 1-2-5 × 10^k value ≥ v (v > 0).
  static func niceAbove(_ v: Double) -> Double {
    let k = Int(floor(log10(v)))
    var best = scaled(1, k + 2)
    for kk in [k - 1, k, k + 1] {
      for m in [1.0, 2, 5] {
        let c = scaled(m, kk)
        if c >= v * (1 - 1e-12) && c < best { best = c }
      }
    }
    return best
  }

  /// A 1-2-5 × 10^k step near `raw` (m ∈ {1, 2, 5}).
  static func niceStep(_ raw: Double) -> (m: Double, k: Int, value: Double) {
    let r = raw > 0 && raw.isFinite ? raw : 1
    let k = Int(floor(log10(r)))
    let f = r / powerOfTen(k)
    let m: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
    if m == 10 { return (1, k + 1, scaled(1, k + 1)) }
    return (m, k, scaled(m, k))
  }

  /// Labelled ticks whose labels, `fontSize` px high, do not collide.
  ///
  /// Log scale: 1-2-5 × 10^k inside the domain; when labels would touch, 1 × 10^k only, then
  /// every second, third… decade. Linear scale: multiples of a 1-2-5 step.
  func ticks(fontSize: Double = 11, horizontal: Bool = true) -> [Double] {
    let length = abs(range.high - range.low)
    func fits(_ t: [Double]) -> Bool {
      guard t.count > 1 else { return true }
      for (a, b) in zip(t, t.dropFirst()) {
        guard let pa = pixel(a), let pb = pixel(b) else { return false }
        let need =
          horizontal
          ? (Markup.textWidth(Markup.tickLabel(a), fontSize: fontSize)
            + Markup.textWidth(Markup.tickLabel(b), fontSize: fontSize)) / 2 + 10
          : fontSize * 1.6
        if abs(pb - pa) < need { return false }
      }
      return true
    }
    switch kind {
    case .log:
      let k0 = Int(floor(log10(domain.low) + 1e-9))
      let k1 = Int(ceil(log10(domain.high) - 1e-9))
      func candidates(_ ms: [Double], every: Int) -> [Double] {
        var out: [Double] = []
        var k = k0
        while k <= k1 {
          for m in ms {
            let v = scaled(m, k)
            if v >= domain.low * (1 - 1e-12) && v <= domain.high * (1 + 1e-12) { out.append(v) }
          }
          k += every
        }
        return out
      }
      for (ms, every) in [([1.0, 2, 5], 1), ([1.0], 1), ([1.0], 2), ([1.0], 3), ([1.0], 5)] {
        let t = candidates(ms, every: every)
        if fits(t) && t.count >= 2 { return t }
      }
      return candidates([1.0], every: 10)
    case .linear:
      var target = max(2, Int(length / 80))
      while target >= 2 {
        let step = AxisScale.niceStep((domain.high - domain.low) / Double(target))
        let a = Int((domain.low / step.value).rounded(.up))
        let b = Int((domain.high / step.value).rounded(.down))
        let t = a <= b ? (a...b).map { scaled(Double($0) * step.m, step.k) } : []
        if fits(t) { return t }
        target -= 1
      }
      return [domain.low, domain.high]
    }
  }

  /// Minor (unlabelled) log ticks: 1…9 × 10^k inside the domain, for gridlines.
  func minorTicks() -> [Double] {
    guard kind == .log else { return [] }
    let k0 = Int(floor(log10(domain.low) + 1e-9))
    let k1 = Int(ceil(log10(domain.high) - 1e-9))
    guard k1 - k0 <= 6 else { return [] }
    var out: [Double] = []
    for k in k0...k1 {
      for m in 1...9 {
        let v = scaled(Double(m), k)
        if v >= domain.low && v <= domain.high { out.append(v) }
      }
    }
    return out
  }
}

/// A growing SVG fragment: elements appended in call order.
/// A chart's whole `<svg>` element: accessible label and title, optional `<defs>`, a white
/// background, then the body.
func svgDocument(width: Double, height: Double, label: String, defs: String = "", body: String) -> String {
  var out =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Markup.coord(width))\" height=\"\(Markup.coord(height))\" viewBox=\"0 0 \(Markup.coord(width)) \(Markup.coord(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" role=\"img\" aria-label=\"\(Markup.escape(label))\">\n"
  out += "<title>\(Markup.escape(label))</title>\n"
  if !defs.isEmpty { out += "<defs>\(defs)</defs>\n" }
  out += "<rect x=\"0\" y=\"0\" width=\"\(Markup.coord(width))\" height=\"\(Markup.coord(height))\" fill=\"white\"/>\n"
  return out + body + "</svg>"
}

struct SVGCanvas {
  var body = ""

  mutating func raw(_ s: String) { body += s + "\n" }

  mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ attrs: String) {
    body +=
      "<line x1=\"\(Markup.coord(x1))\" y1=\"\(Markup.coord(y1))\" x2=\"\(Markup.coord(x2))\" y2=\"\(Markup.coord(y2))\" \(attrs)/>\n"
  }

  mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ attrs: String, title: String? = nil) {
    let open =
      "<rect x=\"\(Markup.coord(x))\" y=\"\(Markup.coord(y))\" width=\"\(Markup.coord(max(0, w)))\" height=\"\(Markup.coord(max(0, h)))\" \(attrs)"
    if let title {
      body += open + "><title>\(Markup.escape(title))</title></rect>\n"
    } else {
      body += open + "/>\n"
    }
  }

  mutating func circle(_ cx: Double, _ cy: Double, _ r: Double, _ attrs: String, title: String? = nil) {
    let open = "<circle cx=\"\(Markup.coord(cx))\" cy=\"\(Markup.coord(cy))\" r=\"\(Markup.coord(r))\" \(attrs)"
    if let title {
      body += open + "><title>\(Markup.escape(title))</title></circle>\n"
    } else {
      body += open + "/>\n"
    }
  }

  mutating func text(_ x: Double, _ y: Double, _ s: String, _ attrs: String = "") {
    body +=
      "<text x=\"\(Markup.coord(x))\" y=\"\(Markup.coord(y))\"\(attrs.isEmpty ? "" : " " + attrs)>\(Markup.escape(s))</text>\n"
  }

  mutating func path(_ points: [(Double, Double)], _ attrs: String, close: Bool = false) {
    guard let first = points.first else { return }
    var d = "M\(Markup.coord(first.0)),\(Markup.coord(first.1))"
    for p in points.dropFirst() { d += " L\(Markup.coord(p.0)),\(Markup.coord(p.1))" }
    if close { d += " Z" }
    body += "<path d=\"\(d)\" \(attrs)/>\n"
  }

  /// A filled triangle pointing right (`direction` 1) or left (−1) with its tip at (x, y).
  mutating func arrow(tipX x: Double, y: Double, direction: Double, size: Double, _ attrs: String) {
    path([(x, y), (x - direction * size, y - size * 0.7), (x - direction * size, y + size * 0.7)], attrs, close: true)
  }
}

/// What a legend entry's swatch looks like.
enum LegendSwatch: Equatable {
  /// A filled bar in a colour (fill, opacity).
  case bar(String, Double)
  /// A hatched bar (pattern id).
  case hatched(String)
  /// An outlined bar.
  case outline(String)
  /// A filled dot.
  case dot(String)
  /// A hollow dot.
  case hollowDot(String)
  /// A line (colour, dash array or "").
  case line(String, String)
  /// A short bar ending in an arrowhead (an open end).
  case arrow(String)
}

/// Lays legend entries out left to right, wrapping at `width`; returns the height used.
func drawLegend(
  _ items: [(LegendSwatch, String)], into c: inout SVGCanvas, x: Double, y: Double, width: Double
) -> Double {
  let fontSize = 11.0
  var cx = x
  var cy = y
  let rowHeight = 18.0
  for (swatch, label) in items {
    let w = 26 + Markup.textWidth(label, fontSize: fontSize) + 16
    if cx + w > x + width && cx > x {
      cx = x
      cy += rowHeight
    }
    let my = cy + 6
    switch swatch {
    case .bar(let fill, let opacity):
      c.rect(cx, my - 5, 20, 10, "fill=\"\(fill)\" fill-opacity=\"\(Markup.coord(opacity))\"")
    case .hatched(let pattern):
      c.rect(cx, my - 5, 20, 10, "fill=\"url(#\(pattern))\" stroke=\"#888\" stroke-width=\"1\"")
    case .outline(let stroke):
      c.rect(cx, my - 5, 20, 10, "fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"1.5\"")
    case .dot(let fill):
      c.circle(cx + 10, my, 4.5, "fill=\"\(fill)\"")
    case .hollowDot(let stroke):
      c.circle(cx + 10, my, 4.5, "fill=\"white\" stroke=\"\(stroke)\" stroke-width=\"2\"")
    case .line(let stroke, let dash):
      c.line(
        cx, my, cx + 20, my,
        "stroke=\"\(stroke)\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")")
    case .arrow(let fill):
      c.rect(cx, my - 5, 12, 10, "fill=\"\(fill)\"")
      c.arrow(tipX: cx + 21, y: my, direction: 1, size: 9, "fill=\"\(fill)\"")
    }
    c.text(cx + 26, my + 4, label, "font-size=\"11\" fill=\"#222\"")
    cx += w
  }
  return cy + rowHeight - y
}
