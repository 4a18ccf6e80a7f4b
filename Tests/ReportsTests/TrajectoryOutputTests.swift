import Figures
import Foundation
import Statistics
import TestSupport
import Testing

@testable import Reports

/// `reconcile trajectory`'s outputs from a fitted report: the CSV's chart data, the JSON's
/// keys, the table's sentences, and the SVG chart (well-formed XML, one mark per statement,
/// escaped names, outliers ringed, room for long tick labels).
@Suite("trajectory: outputs and chart", .serialized)
struct TrajectoryOutputTests {
  /// Statements of every kind in two series, one of them named `<script>`, in the hundreds of
  /// millions (tick labels of 11 characters and more), and one wild statement.
  static let rows = [
    "a1,q,200000000,,,,point,persons,2000,stock,,Agency,,,,,",
    "a2,q,,150000000,400000000,,range,persons,2001,stock,1,Agency,,,,,",
    "s1,q,,300000000,,,at_least,persons,2002,stock,,<script>alert(1)</script>,,,,,",
    "s2,q,,,900000000,,at_most,persons,2003,stock,,<script>alert(1)</script>,,,,,",
    "a3,q,250000000,,,,point,persons,2004,stock,,Agency,,,,,",
    "a4,q,260000000,,,,point,persons,2004,stock,,Agency,,,,,",
    "s3,q,240000000,,,,point,persons,2005,stock,,<script>alert(1)</script>,,,,,",
    "wild,q,90000000000,,,,point,persons,2003,stock,,Agency,,,,,",
  ]

  static func report(year: Int? = nil, to: Int? = nil) throws -> TrajectoryReport {
    let file = try TrajectoryInputTests.file(rows)
    return try TrajectoryAnalysis.run(
      [file], settings: TrajectorySettings(quantity: "q", to: to, draws: 200, year: year))
  }

  @Test("CSV: the header exactly, one row per year, the statements of each year, quantiles in order")
  func csv() throws {
    let r = try Self.report(to: 2007)
    let lines = TrajectoryAnalysis.csv(r).text.split(separator: "\n").map(String.init)
    #expect(lines.first == "year,median,lo50,hi50,lo90,hi90,statements")
    #expect(lines.count == 1 + 8)
    let cells = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
    #expect(cells.map { $0[0] } == (2000...2007).map(String.init))
    #expect(cells.map { $0[6] } == ["1", "1", "1", "2", "2", "1", "0", "0"])
    for row in cells {
      let v = row[1...5].compactMap { Double($0) }
      #expect(v.count == 5)
      // lo90 ≤ lo50 ≤ median ≤ hi50 ≤ hi90.
      #expect(v[3] <= v[1] && v[1] <= v[0] && v[0] <= v[2] && v[2] <= v[4], "\(row)")
    }
  }

  @Test("JSON: the issue's keys, biases as factors, the consensus with --year, prior sensitivity per prior and scale")
  func json() throws {
    let r = try Self.report(year: 2006, to: 2006)
    let doc = try #require(
      try JSONSerialization.jsonObject(with: Data(TrajectoryAnalysis.json(r).serialized().utf8)) as? [String: Any])
    for key in [
      "years", "series", "bias_scale", "statements", "left_out", "diagnostics", "priors", "consensus",
      "prior_sensitivity",
    ] {
      #expect(doc[key] != nil, "no \(key)")
    }
    let years = try #require(doc["years"] as? [[String: Any]])
    #expect(years.count == 7)
    for key in ["year", "median", "lo50", "hi50", "lo90", "hi90"] { #expect(years[0][key] != nil, "years: \(key)") }
    let series = try #require(doc["series"] as? [[String: Any]])
    #expect(series.map { $0["series"] as? String } == ["Agency", "<script>alert(1)</script>"])
    for key in ["series", "bias_median", "bias_low", "bias_high"] { #expect(series[0][key] != nil, "series: \(key)") }
    // Factors exp(b): the medians are positive, around 1.
    let bias = try #require(series[0]["bias_median"] as? Double)
    #expect(bias > 0.2 && bias < 5)
    #expect(relativeDifference(bias, r.result.biases[0].factor.median) < 1e-15)
    #expect((doc["bias_scale"] as? String)?.hasPrefix("factor: exp(b)") == true)
    let statements = try #require(doc["statements"] as? [[String: Any]])
    #expect(statements.map { $0["id"] as? String } == ["a1", "a2", "s1", "s2", "a3", "a4", "s3", "wild"])
    #expect(
      statements.map { $0["kind"] as? String } == [
        "point", "interval", "lower", "upper", "point", "point", "point", "point",
      ])
    for key in ["id", "year", "series", "kind", "outlier_probability", "fitted"] {
      #expect(statements[0][key] != nil, "statements: \(key)")
    }
    let diagnostics = try #require(doc["diagnostics"] as? [String: Any])
    for key in ["max_rhat", "min_bulk_ess", "min_tail_ess", "divergences", "max_treedepth_hits", "warnings"] {
      #expect(diagnostics[key] != nil, "diagnostics: \(key)")
    }
    let priors = try #require(doc["priors"] as? [String: Any])
    #expect(priors.count == 7)
    #expect(priors["smoothness_scale"] as? Double == 0.5)
    let consensus = try #require(doc["consensus"] as? [String: Any])
    #expect(consensus["year"] as? Int == 2006 && consensus["projected"] as? Bool == true)
    let sensitivity = try #require(doc["prior_sensitivity"] as? [[String: Any]])
    // Two priors × three scales × two years (the last observed and --year).
    #expect(sensitivity.count == 12)
    #expect(Set(sensitivity.compactMap { $0["year"] as? Int }) == [2005, 2006])
    #expect(
      sensitivity.filter { $0["year"] as? Int == 2005 }.map { "\($0["prior"] ?? "") \($0["scale"] ?? "")" } == [
        "smoothness 0.25", "smoothness 0.5", "smoothness 1", "bias 0.25", "bias 0.5", "bias 1",
      ])
    // The default rows are the main fit's.
    let main = try #require(r.result.years.first { $0.year == 2005 })
    let row = try #require(sensitivity.first { $0["prior"] as? String == "bias" && $0["factor"] as? Double == 1 })
    #expect(row["median"] as? Double == main.level.median)
  }

  @Test("The wild statement is an outlier: named in the table and ringed in the chart")
  func outlier() throws {
    let r = try Self.report()
    let wild = try #require(r.input.sources.firstIndex { $0.id == "wild" })
    #expect(r.outliers == [wild])
    let table = TrajectoryAnalysis.table(r)
    #expect(table.contains("  outlier: wild (Agency, 2003: 90,000,000,000): probability "))
    let svg = HTMLReport.trajectoryChart(r)
    #expect(svg.components(separatedBy: "stroke=\"#d62728\" stroke-width=\"2\"").count - 1 == 1 + 1)  // ring + legend
  }

  @Test("The table: the band at 3 significant digits, biases in words, diagnostics, prior sensitivity")
  func table() throws {
    let r = try Self.report(year: 2004)
    let table = TrajectoryAnalysis.table(r)
    #expect(
      table.hasPrefix(
        "q (persons): trajectory 2000–2005 from 8 statements in 2 series; 4 chains × 200 draws (seed 1)\n"))
    let median = TrajectoryAnalysis.level(r.result.years[0].level.median)
    #expect(median.hasSuffix(",000,000") || median.hasSuffix("0,000,000"), "\(median) has more than 3 digits")
    #expect(table.contains("    Agency: states about "))
    #expect(table.contains("the level (90% interval "))
    #expect(table.contains("  consensus for 2004: "))
    #expect(table.contains("  diagnostics: max R-hat "))
    #expect(table.contains("  prior sensitivity (the level's median and 90% interval; the same seed):"))
    #expect(table.contains("smoothness (tau)  0.25 (×0.5)"))
    // Terminal text: the series name is shown as written (no control characters in it).
    #expect(table.contains("<script>alert(1)</script>: states about"))
  }

  @Test("SVG: well-formed XML, one mark per statement of its kind, the series name escaped, deterministic")
  func svg() throws {
    let r = try Self.report(to: 2007)
    let svg = HTMLReport.trajectoryChart(r)
    #expect(xmlProblem(svg) == nil, "\(xmlProblem(svg) ?? "")")
    #expect(svg.components(separatedBy: "<g class=\"statement\"").count - 1 == r.input.sources.count)
    for kind in ["point", "interval", "lower", "upper"] {
      let expected = r.input.data.statements.filter { TrajectoryAnalysis.kindName($0.kind) == kind }.count
      #expect(svg.components(separatedBy: "data-kind=\"\(kind)\"").count - 1 == expected, "\(kind)")
    }
    #expect(!svg.contains("<script"))
    #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(svg.contains(">projected</text>"))
    #expect(HTMLReport.trajectoryChart(try Self.report(to: 2007)) == svg)
    let section = HTMLReport.trajectorySection(r)
    #expect(xmlProblem(section) == nil)
    #expect(section.hasPrefix("<section id=\"trajectory-q\">"))
    #expect(section.contains("<h3>Bias by series</h3>") && section.contains("<h3>Outliers</h3>"))
    #expect(section.contains("<code>wild</code>"))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-trajectory-chart")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try HTMLReport.page(title: "trajectory", body: section).write(
      to: dir.appendingPathComponent("trajectory.html"), atomically: true, encoding: .utf8)
  }

  @Test("SVG: the y tick labels (10+ characters) end left of the plot and clear of the rotated axis title")
  func tickLabelsHaveRoom() throws {
    let r = try Self.report()
    let chart = SVGTrajectoryChart(r)
    let labels = chart.yTicks.map(Markup.tickLabel)
    #expect(labels.contains { $0.count >= 11 }, "\(labels)")
    let widest = labels.map { Markup.textWidth($0, fontSize: 11) }.max() ?? 0
    // Labels end 8 px left of the plot; the title is centred at x 16, 12 px high.
    #expect(chart.x.range.low - 8 - widest >= 16 + 6 + 8)
    let svg = chart.svg
    for label in labels {
      #expect(svg.contains("text-anchor=\"end\" fill=\"#333\">\(label)</text>"), "\(label)")
    }
  }

  /// Three series state 1,000 a year over 2010–2015; a fourth ("High") states three times as
  /// much. Its flag (`TrajectorySeriesBias.flagged`) reaches the table and the JSON, and no
  /// other series is flagged. The truth is the data's construction.
  @Test("A series stating three times what the others state is FLAGGED in the table and flagged in the JSON")
  func biasedSeriesFlaggedInOutputs() throws {
    var rows: [String] = []
    let wiggle = [0.97, 1.04, 0.99, 1.02, 0.96, 1.03]
    for (s, name) in ["High", "B", "C", "D"].enumerated() {
      for (k, year) in (2010...2015).enumerated() {
        let value = Int((s == 0 ? 3000.0 : 1000.0) * wiggle[(k + s) % 6])
        rows.append("\(name)-\(year),q,\(value),,,,point,persons,\(year),stock,,\(name),,,,,")
      }
    }
    let r = try TrajectoryAnalysis.run(
      [try TrajectoryInputTests.file(rows)], settings: TrajectorySettings(quantity: "q", draws: 300))
    let table = TrajectoryAnalysis.table(r)
    let flaggedLines = table.split(separator: "\n").filter { $0.contains("FLAGGED") }
    #expect(flaggedLines.count == 1 && flaggedLines[0].contains("High:"), "\(table)")
    #expect(flaggedLines.first?.contains("at least 1.5×") == true)
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(TrajectoryAnalysis.json(r).serialized().utf8)) as? [String: Any])
    let series = try #require(json["series"] as? [[String: Any]])
    let flags = Dictionary(uniqueKeysWithValues: series.map { ($0["series"] as? String ?? "", $0["flagged"] as? Bool) })
    #expect(flags == ["High": true, "B": false, "C": false, "D": false], "\(series)")
    let p = series.compactMap { $0["flag_probability"] as? Double }
    #expect(p.count == 4 && p.allSatisfy { (0...1).contains($0) })
  }

  /// Four series over `years`: "High" states three times what B, C and D state (each a
  /// point a year, within 4% of 1,000 or 3,000).
  static func fourSeries(years: ClosedRange<Int>, reference: String? = nil) throws -> TrajectoryReport {
    var rows: [String] = []
    let wiggle = [0.97, 1.04, 0.99, 1.02, 0.96, 1.03]
    for (s, name) in ["High", "B", "C", "D"].enumerated() {
      for (k, year) in years.enumerated() {
        let value = Int((s == 0 ? 3000.0 : 1000.0) * wiggle[(k + s) % 6])
        rows.append("\(name)-\(year),q,\(value),,,,point,persons,\(year),stock,,\(name),,,,,")
      }
    }
    return try TrajectoryAnalysis.run(
      [try TrajectoryInputTests.file(rows)],
      settings: TrajectorySettings(quantity: "q", draws: 300, reference: reference))
  }

  /// The series' JSON objects by name.
  static func seriesJSON(_ r: TrajectoryReport) throws -> [String: [String: Any]] {
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(TrajectoryAnalysis.json(r).serialized().utf8)) as? [String: Any])
    let series = try #require(json["series"] as? [[String: Any]])
    return Dictionary(uniqueKeysWithValues: series.map { ($0["series"] as? String ?? "", $0) })
  }

  /// Twelve years of four series: the statements pin B, C and D to within a factor of 1.2 of
  /// each other, so each is "in line" (its interval over the others inside 1/1.5…1.5), High is
  /// flagged, and the figures relative to the others say so: High's interval above 1.5, the
  /// others' inside. With B as the reference the yardstick is B, the reference's own verdict
  /// "reference", its relative figures 1.
  @Test("Each series' verdict against the others: flagged, in line; relative figures in the table and JSON")
  func verdictsAndRelativeFigures() throws {
    let r = try Self.fourSeries(years: 2010...2021)
    let series = try Self.seriesJSON(r)
    #expect(
      series.mapValues { $0["verdict"] as? String } == [
        "High": "flagged", "B": "in_line", "C": "in_line", "D": "in_line",
      ])
    let high = try #require(series["High"])
    #expect(try #require(high["relative_low"] as? Double) > 1.5)
    for name in ["B", "C", "D"] {
      let s = try #require(series[name])
      let (lo, mid, hi) = (
        s["relative_low"] as? Double ?? .nan, s["relative_median"] as? Double ?? .nan,
        s["relative_high"] as? Double ?? .nan
      )
      #expect(1 / 1.5 < lo && lo < mid && mid < hi && hi < 1.5, "\(name): \(lo) \(mid) \(hi)")
    }
    let table = TrajectoryAnalysis.table(r)
    let lines = table.split(separator: "\n").map(String.init)
    for name in ["B", "C", "D"] {
      let line = try #require(lines.first { $0.hasPrefix("    \(name): ") })
      #expect(
        line.contains("what the others state (")
          && line.hasSuffix("; in line with the others (within 1.5× either way)"), "\(line)")
    }
    #expect(
      ReportBuilder.trajectorySentence(r).contains("B about ")
        && ReportBuilder.trajectorySentence(r).contains(", in line with the others"))
    #expect(
      ReportBuilder.trajectorySentence(r).contains("High about ")
        && ReportBuilder.trajectorySentence(r).contains(", flagged as biased (probability"))

    let referenced = try Self.fourSeries(years: 2010...2021, reference: "B")
    let withReference = try Self.seriesJSON(referenced)
    #expect(
      withReference.mapValues { $0["verdict"] as? String } == [
        "High": "flagged", "B": "reference", "C": "in_line", "D": "in_line",
      ])
    #expect(withReference["B"]?["relative_median"] as? Double == 1)
    let referencedTable = TrajectoryAnalysis.table(referenced)
    #expect(referencedTable.contains("it states at least 1.5× what the reference states"), "\(referencedTable)")
    #expect(referencedTable.contains("; in line with the reference (within 1.5× either way)"))
    #expect(
      !referencedTable.contains("what the others state ("),
      "with a reference the level is on its scale: no second factor")
  }

  /// One statement a series, in three different years: nothing pins one series against the
  /// others, and the output says the statements cannot tell — not that the series is in line.
  @Test("Few statements: the verdict is that the statements cannot tell, in the table, JSON and report sentence")
  func verdictCannotTell() throws {
    let rows = [
      "a,q,1000,,,,point,persons,2010,stock,,A,,,,,", "b,q,1100,,,,point,persons,2011,stock,,B,,,,,",
      "c,q,900,,,,point,persons,2012,stock,,C,,,,,",
    ]
    let r = try TrajectoryAnalysis.run(
      [try TrajectoryInputTests.file(rows)], settings: TrajectorySettings(quantity: "q", draws: 300))
    let series = try Self.seriesJSON(r)
    #expect(series.mapValues { $0["verdict"] as? String } == ["A": "uncertain", "B": "uncertain", "C": "uncertain"])
    for s in series.values {
      #expect((s["relative_low"] as? Double ?? 1) < 1 / 1.5 && (s["relative_high"] as? Double ?? 1) > 1.5)
    }
    let table = TrajectoryAnalysis.table(r)
    #expect(
      table.components(separatedBy: "; cannot tell if out of line (may be 1.5× or 1/1.5 of the others)").count == 4,
      "\(table)")
    #expect(ReportBuilder.trajectorySentence(r).components(separatedBy: ", cannot tell against the others").count == 4)
  }

  /// A lone series has nothing to compare with: verdict "alone", relative figures 1, no clause.
  @Test("A lone series: verdict alone, no comparison in its line")
  func loneSeriesVerdict() throws {
    let rows = ["a,q,1000,,,,point,persons,2010,stock,,A,,,,,", "b,q,1100,,,,point,persons,2012,stock,,A,,,,,"]
    let r = try TrajectoryAnalysis.run(
      [try TrajectoryInputTests.file(rows)], settings: TrajectorySettings(quantity: "q", draws: 300))
    let a = try #require(try Self.seriesJSON(r)["A"])
    #expect(a["verdict"] as? String == "alone")
    #expect(a["relative_low"] as? Double == 1 && a["relative_high"] as? Double == 1)
    let line = try #require(TrajectoryAnalysis.table(r).split(separator: "\n").first { $0.hasPrefix("    A: ") })
    #expect(line.hasSuffix(")") && !line.contains("others"), "\(line)")
  }
}
