import Figures
import Foundation
import Statistics
import TestSupport
import Testing

@testable import Reports

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Parses `text` as XML; returns nil when well-formed, else the parser's message.
func xmlProblem(_ text: String) -> String? {
  let parser = XMLParser(data: Data(text.utf8))
  if parser.parse() { return nil }
  return parser.parserError.map { "\($0)" } ?? "not well-formed"
}

/// Every `<svg …>…</svg>` fragment of a page, in order.
func svgFragments(_ html: String) -> [String] {
  var out: [String] = []
  var rest = html[...]
  while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex)
  {
    out.append(String(rest[start.lowerBound..<end.upperBound]))
    rest = rest[end.upperBound...]
  }
  return out
}

/// The bundled datasets, analysed as `reconcile report` does.
enum BundledReports {
  static let root = Fixtures.repositoryRoot
  static let names = ["nk-in-china", "mou-arrivals", "unhcr-bangkok"]

  static func file(_ name: String) throws -> FiguresFile {
    try FiguresReader.read(path: root.appendingPathComponent("datasets/\(name).csv").path)
  }

  /// Without trajectories: this page (`HTMLReport.dataset`) does not draw them, and their
  /// sampler would make every call seconds long (ReportTrajectoryTests checks the report's).
  static func report(_ name: String) throws -> DatasetReport {
    try ReportBuilder.analyse(try file(name), name: name, trajectories: false)
  }

  /// `Tests/Fixtures/html/open-ended.csv`: "at least" / "up to" figures on a log scale, and a
  /// quantity with negative ends (natural scale).
  static func openEnded() throws -> DatasetReport {
    let path = Fixtures.path("html/open-ended.csv")
    return try ReportBuilder.analyse(try FiguresReader.read(path: path), name: "open-ended")
  }
}

@Suite("HTML report pages")
struct HTMLReportTests {
  @Test("The page and each chart are well-formed XML", arguments: BundledReports.names)
  func wellFormed(_ name: String) throws {
    let r = try BundledReports.report(name)
    let html = HTMLReport.dataset(r)
    #expect(xmlProblem(html) == nil, "\(name): \(xmlProblem(html) ?? "")")
    let charts = svgFragments(html)
    // A range chart per reconciled quantity, a density picture per linear pool (issue #30).
    let densities = r.ranges.filter { SVGPoolDensityChart($0.reconciliation) != nil }.count
    #expect(charts.count == r.ranges.count + densities + r.trends.count)
    #expect(densities > 0 || name != "nk-in-china")
    for svg in charts { #expect(xmlProblem(svg) == nil) }
    #expect(xmlProblem(HTMLReport.index([r])) == nil)
  }

  @Test("Self-contained: no script, no external fetches", arguments: BundledReports.names)
  func selfContained(_ name: String) throws {
    let html = HTMLReport.dataset(try BundledReports.report(name))
    #expect(!html.contains("<script"))
    #expect(!html.contains("src="))
    #expect(!html.contains("<link"))
    #expect(!html.contains("@import"))
    #expect(!html.contains("url(http"))
  }

  @Test("Every source id, every pooled label and every quote's document appear", arguments: BundledReports.names)
  func everySourceAppears(_ name: String) throws {
    let r = try BundledReports.report(name)
    let html = HTMLReport.dataset(r)
    for f in r.file.figures {
      #expect(html.contains(Markup.escape(f.id)), "\(f.id)")
      #expect(html.contains(Markup.escape(f.document)), "\(f.document)")
      // (a figure transcribed from outside the seeds quotes nothing)
      #expect(f.quote.isEmpty || html.contains(Markup.escape(f.quote)), "quote of \(f.id)")
    }
    for q in r.ranges {
      let svg = HTMLReport.rangeChart(q)
      for label in [
        "Random effects, 90% CI", "Random effects, 90% PI", "Linear opinion pool", "Logarithmic opinion pool",
        "Envelope", "Intersection",
      ] {
        #expect(svg.contains(label), "\(label)")
      }
      for f in q.figures { #expect(svg.contains(">\(Markup.escape(f.id))</text>"), "\(f.id) labels a bar") }
    }
  }

  @Test func quotesAreEscaped() throws {
    var file = try BundledReports.file("nk-in-china")
    file.figures[0].quote = "a <b> & \"c\" 'd'"
    file.figures[0].source = "S&P <Research>"
    let html = HTMLReport.dataset(try ReportBuilder.analyse(file, name: "x<y&z"))
    #expect(html.contains("a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;"))
    #expect(html.contains("S&amp;P &lt;Research&gt;"))
    #expect(!html.contains("<b>"))
    #expect(!html.contains("S&P"))
    #expect(html.contains("x&lt;y&amp;z"))
    #expect(xmlProblem(html) == nil)
  }

  @Test("Byte-identical output for the same input", arguments: BundledReports.names)
  func deterministic(_ name: String) throws {
    let a = try BundledReports.report(name)
    let b = try BundledReports.report(name)
    #expect(HTMLReport.dataset(a) == HTMLReport.dataset(a))
    #expect(HTMLReport.dataset(a) == HTMLReport.dataset(b))
    #expect(HTMLReport.index([a, b]) == HTMLReport.index([a, b]))
  }

  @Test func indexLinksEveryReport() throws {
    let reports = try BundledReports.names.map(BundledReports.report)
    let index = HTMLReport.index(reports)
    // Relative, URL-encoded, behind "./" (the bundled names need no encoding).
    for n in BundledReports.names { #expect(index.contains("href=\"./\(n)/report.html\"")) }
    #expect(xmlProblem(index) == nil)
  }

  @Test func claimsTableIsEmptyForNoClaimsAndPutsFailuresFirst() {
    #expect(HTMLReport.claimsTable([]) == "")
    let html = HTMLReport.claimsTable([
      (id: "c1", claim: "doubles yearly", status: "pass", computed: "1.66", stated: "2", detail: "ok", quote: ""),
      (
        id: "c2", claim: "at least <300,000>", status: "fail", computed: "78,081", stated: "300,000", detail: "outside",
        quote: ""
      ),
      (id: "c3", claim: "x", status: "error", computed: "", stated: "", detail: "no such quantity", quote: ""),
    ])
    let fail = html.range(of: "c2")
    let error = html.range(of: "c3")
    let pass = html.range(of: "c1")
    #expect(fail != nil && error != nil && pass != nil)
    if let fail, let error, let pass {
      #expect(fail.lowerBound < error.lowerBound && error.lowerBound < pass.lowerBound)
    }
    #expect(html.contains("status-fail") && html.contains("status-pass"))
    #expect(html.contains("&lt;300,000&gt;"))
    #expect(xmlProblem(html) == nil)
  }
}

@Suite("HTML charts: scales and geometry")
struct HTMLChartTests {
  @Test func logScaleMapsEachFactorOfTenToTheSameWidth() throws {
    let s = AxisScale.log(covering: [7_101, 858_551], range: (100, 900))
    #expect(s.domain.low == 5_000 && s.domain.high == 1_000_000)
    let w1 = try #require(s.pixel(100_000)) - (try #require(s.pixel(10_000)))
    let w2 = try #require(s.pixel(1_000_000)) - (try #require(s.pixel(100_000)))
    #expect(abs(w1 - w2) < 1e-9)
    #expect(s.ticks() == [5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000])
    #expect(Markup.tickLabel(1_000_000) == "1,000,000")
    #expect(Markup.tickLabel(0.5) == "0.5")
  }

  @Test func logTicksThinOutWhenCrowded() {
    let s = AxisScale.log(covering: [0.001, 1e9], range: (0, 300))
    let t = s.ticks()
    #expect(t.count >= 2)
    for (a, b) in zip(t, t.dropFirst()) {
      let gap = (s.pixel(b) ?? 0) - (s.pixel(a) ?? 0)
      #expect(gap >= Markup.textWidth(Markup.tickLabel(b), fontSize: 11) / 2)
    }
  }

  @Test func linearScaleHasNiceEnds() {
    let s = AxisScale.linear(covering: [3, 92], includeZero: true, range: (0, 500))
    #expect(s.domain.low == 0 && s.domain.high == 100)
    #expect(s.ticks().first == 0 && s.ticks().last == 100)
  }

  @Test func barsAreOrderedAndScaled() throws {
    let r = try BundledReports.report("nk-in-china")
    let q = try #require(r.ranges.first)
    let chart = SVGRangeChart(q)
    #expect(chart.scale.kind == .log)
    let bars = chart.bars
    // One bar per figure and per pooled range, top to bottom in row order.
    #expect(bars.map(\.key).prefix(q.figures.count) == ArraySlice(q.figures.map(\.id)))
    for (a, b) in zip(bars, bars.dropFirst()) { #expect(a.y < b.y) }
    for b in bars { #expect(b.x0 <= b.x1) }
    // x of a bar's end is monotone in its value.
    var ends: [(Double, Double)] = []
    for row in chart.rows {
      guard let hi = row.high, let bar = bars.first(where: { $0.key == row.key }) else { continue }
      ends.append((hi, bar.x1))
      if let lo = row.low { ends.append((lo, bar.x0)) }
    }
    let sorted = ends.sorted { $0.0 < $1.0 }
    for (a, b) in zip(sorted, sorted.dropFirst()) {
      #expect(a.1 <= b.1 + 1e-9, "\(a.0) → \(a.1) but \(b.0) → \(b.1)")
      if a.0 < b.0 { #expect(a.1 < b.1) }
    }
    // 10,000 → 100,000 and 30,000 → 300,000 take the same width on the log axis.
    let d1 = try #require(chart.scale.pixel(100_000)) - (try #require(chart.scale.pixel(10_000)))
    let d2 = try #require(chart.scale.pixel(300_000)) - (try #require(chart.scale.pixel(30_000)))
    #expect(abs(d1 - d2) < 1e-9)
    let svg = chart.svg
    #expect(svg.contains(">100,000</text>"))
    #expect(svg.contains("log scale"))
    #expect(svg.contains("not pooled"))
    #expect(svg.contains("url(#rc0-hatch)"))
  }

  @Test func openEndsAreArrowsAndNegativeQuantitiesGetALinearAxis() throws {
    let r = try BundledReports.openEnded()
    #expect(xmlProblem(HTMLReport.dataset(r)) == nil)
    let detained = try #require(r.ranges.first { $0.quantity == "detained" })
    let chart = SVGRangeChart(detained)
    #expect(chart.scale.kind == .log)
    let bars = Dictionary(chart.bars.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    let atLeast = try #require(bars["det-a"])
    #expect(atLeast.openHigh && !atLeast.openLow && atLeast.x1 == chart.scale.range.high)
    let upTo = try #require(bars["det-c"])
    #expect(upTo.openLow && !upTo.openHigh && upTo.x0 == chart.scale.range.low)
    #expect(atLeast.xMid == nil && upTo.xMid == nil)
    // The envelope spans the stated numbers; the bounds leave it open at both ends, which its
    // label says (issue #27: every stated number is known).
    let envelope = try #require(bars["envelope"])
    #expect(!envelope.openLow && !envelope.openHigh)
    #expect(detained.reconciliation.envelopeOpen == (true, true))
    #expect(chart.svg.contains("open at both ends: bounds"))
    #expect(chart.svg.contains("open end (at least / up to)"))
    #expect(chart.svg.contains("at least 1,000"))
    let net = try #require(r.ranges.first { $0.quantity == "net_change" })
    let linear = SVGRangeChart(net, index: 1)
    #expect(linear.scale.kind == .linear)
    #expect(linear.scale.domain.low <= -200)
    #expect(linear.svg.contains("linear scale"))
    let zero = try #require(linear.scale.pixel(0))
    let a = try #require(linear.bars.first { $0.key == "net-a" })
    #expect(a.x0 < zero && zero < a.x1)
    #expect(HTMLReport.dataset(r).contains("&quot;At least 1,000 &lt;detained&gt; &amp; counted&quot;"))
  }

  @Test func chartsOnOnePageHaveDistinctPatternIDs() throws {
    let r = try BundledReports.report("nk-in-china")
    let q = try #require(r.ranges.first)
    #expect(HTMLReport.rangeChart(q, index: 0).contains("id=\"rc0-hatch\""))
    #expect(HTMLReport.rangeChart(q, index: 1).contains("id=\"rc1-hatch\""))
  }

  @Test func trendChartMarksPartialYearsProjectionsAndJoinpoints() throws {
    let file = try BundledReports.file("mou-arrivals")
    // The series as it stood in 2003: the 2002 printing, with its partial year.
    let vintage = TrendAnalysis.parseVintage("2003-01-01")
    let t = try #require(
      try TrendAnalysis.run([file], quantity: "mou_arrivals", through: 2004, vintage: vintage).results.first)
    let chart = SVGTrendChart(t, unit: "persons", joinpoints: [1998])
    #expect(chart.isLog)
    #expect(chart.scaleExplanation.contains("logarithmic"))
    let svg = chart.svg
    #expect(xmlProblem(svg) == nil)
    #expect(svg.contains("partial: 211/365 of year"))
    #expect(svg.contains("joinpoint 1998"))
    #expect(svg.contains("stroke-dasharray=\"7 5\""))
    #expect(svg.contains("persons per year — log scale"))
    #expect(svg.contains("prediction band") && svg.contains("confidence band"))
    let plain = SVGTrendChart(t, unit: "persons").svg
    #expect(!plain.contains("joinpoint"))
    #expect(!plain.contains("count over several years"))
  }

  @Test func trendChartDrawsCountsOverSeveralYearsAtTheirYearlyAverage() throws {
    let file = try BundledReports.file("mou-arrivals")
    let t = try #require(try TrendAnalysis.run([file], quantity: "mou_arrivals").results.first)
    let svg = SVGTrendChart(t, unit: "persons").svg
    #expect(xmlProblem(svg) == nil)
    #expect(svg.contains("count over several years: its yearly average"))
    #expect(svg.contains("<title>1999–2001: 1,043 over 3 years → 347.7 a year on average</title>"))
    #expect(svg.contains("<title>1993–1998: 947 over 6 years → 157.8 a year on average</title>"))
    // The bucket's total is not drawn as a year's count.
    #expect(!svg.contains("<title>1999/2001: 1,043</title>"))
  }

  @Test func linearTrendAxisForANarrowSeries() throws {
    var file = try BundledReports.file("mou-arrivals")
    file.figures = file.figures.filter {
      ($0.period?.year ?? 0) >= 1994 && ($0.period?.year ?? 0) <= 1998 && $0.published == "2002-11"
    }
    let t = try #require(try TrendAnalysis.run([file], quantity: "mou_arrivals").results.first)
    let chart = SVGTrendChart(t, unit: "persons")
    #expect(!chart.isLog)
    #expect(chart.svg.contains("linear scale"))
  }
}

@Suite("HTML report files for viewing")
struct HTMLReportFilesTests {
  /// Writes every bundled dataset's page (and a page with projections, joinpoints and claims)
  /// into a temporary folder, so `scripts/screenshot` can render them.
  @Test func writesBundledPages() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-html-report")
    var reports = try BundledReports.names.map(BundledReports.report)
    let file = try BundledReports.file("mou-arrivals")
    var demo = try ReportBuilder.analyse(file, name: "mou-arrivals-projected", trajectories: false)
    demo.trends = try TrendAnalysis.run([file], quantity: "mou_arrivals", through: 2026).results
    reports.append(demo)
    reports.append(try BundledReports.openEnded())
    for r in reports {
      let html =
        r.name == demo.name
        ? HTMLReport.dataset(
          r,
          claims: [
            (
              id: "doubling", claim: "arrivals double every year", status: "fail", computed: "1.66", stated: "2",
              detail: "2 lies outside the 95% CI 1.475–1.868", quote: ""
            ),
            (
              id: "arrivals-2001", claim: "583 arrivals in 2001", status: "pass", computed: "583", stated: "583",
              detail: "", quote: ""
            ),
          ], joinpoints: ["mou_arrivals": [1998]])
        : HTMLReport.dataset(r)
      #expect(xmlProblem(html) == nil)
      try Self.write(html, to: dir.appendingPathComponent("\(r.name)/report.html").path)
      let ranges = RangesAnalysis.csv(r.ranges)
      let trend = TrendAnalysis.csv(r.trends)
      try Self.write(ranges.text, to: dir.appendingPathComponent("\(r.name)/ranges.csv").path)
      try Self.write(trend.text, to: dir.appendingPathComponent("\(r.name)/trend.csv").path)
      let package = DataPackage.descriptor(
        name: r.name,
        resources: [
          (path: "ranges.csv", csv: ranges, description: "Floating-bar chart data"),
          (path: "trend.csv", csv: trend, description: "Trend chart data"),
        ])
      try Self.write(
        package.serialized() + "\n", to: dir.appendingPathComponent("\(r.name)/datapackage.json").path)
    }
    try Self.write(HTMLReport.index(reports), to: dir.appendingPathComponent("index.html").path)
    print("HTML report pages written to \(dir.path)")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("index.html").path))
  }
}

extension HTMLReportFilesTests {
  /// Writes `text` to `path`, creating its folder.
  static func write(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }
}
