import Figures
import Foundation
import Testing

@testable import Reports

/// Which quantities get a trajectory in the report (issue #28): those whose statements cover
/// three or more years; a dataset with none gets no `trajectory.csv` and no link to one.
@Suite("report: which quantities get a trajectory")
struct ReportTrajectoryTests {
  static let header = "id,quantity,value,low,high,unit,period,source,published,quote\n"
  /// A quantity stated in 2000 and 2001 (`reconcile trajectory` fits it; the report does not),
  /// and one stated once.
  static let twoYears =
    "a1,two_years,1000,,,persons,2000,A,2001-01,one\nb1,two_years,,800,3000,persons,2001,B,2002-01,two\n"
    + "c1,one_year,500,,,persons,2000,A,2001-01,three\n"

  static func analyse(_ rows: String, name: String) throws -> DatasetReport {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-trep-\(UUID().uuidString).csv")
    defer { try? FileManager.default.removeItem(at: url) }
    try (header + rows).write(to: url, atomically: true, encoding: .utf8)
    return try ReportBuilder.analyse(try FiguresReader.read(path: url.path), name: name)
  }

  static func output(_ r: DatasetReport, _ file: String) -> String? {
    r.outputs.first { $0.0 == "\(r.name)/\(file)" }?.1
  }

  @Test("Statements in two years: no trajectory.csv, no description, no link, an empty summary member")
  func noQualifyingQuantity() throws {
    let r = try Self.analyse(Self.twoYears, name: "few")
    #expect(r.trajectories.isEmpty)
    #expect(Self.output(r, "trajectory.csv") == nil)
    #expect(Self.output(r, "summary.json")?.contains("\"trajectory\": []\n}") == true)
    for file in ["datapackage.json", "report.md", "report.html"] {
      let text = try #require(Self.output(r, file), "\(file) missing")
      #expect(!text.contains("trajectory"), "\(file) mentions a trajectory")
    }
    #expect(!DatasetSummary(r).files.contains("trajectory.csv"))
    #expect(!ReportBuilder.index([r]).contains("trajectory"))
  }

  @Test("A third year makes it qualify: trajectory.csv written, described and linked, the section written")
  func thirdYearQualifies() throws {
    let r = try Self.analyse(
      Self.twoYears + "d1,two_years,1500,,,persons,2003,C,2004-01,four\n", name: "enough")
    #expect(r.trajectories.map(\.input.quantity) == ["two_years"])
    let csv = try #require(Self.output(r, "trajectory.csv"))
    let lines = csv.split(separator: "\n")
    // A UTF-8 byte-order mark first, as every CSV of the report (#30), then the header.
    #expect(lines.first == "\u{FEFF}quantity,year,median,lo50,hi50,lo90,hi90,statements")
    // 2000–2003, the gap year 2002 included: the rows of `reconcile trajectory --format csv`.
    #expect(
      lines.dropFirst().map { $0.split(separator: ",").prefix(2).joined(separator: ",") } == [
        "two_years,2000", "two_years,2001", "two_years,2002", "two_years,2003",
      ])
    #expect(
      Array(lines.dropFirst().map { String($0.dropFirst("two_years,".count)) })
        == TrajectoryAnalysis.csv(try #require(r.trajectories.first)).text.split(separator: "\n").dropFirst().map(
          String.init))
    #expect(Self.output(r, "datapackage.json")?.contains("\"path\": \"trajectory.csv\"") == true)
    #expect(Self.output(r, "report.md")?.contains("## two\\_years (persons): trajectory") == true)
    #expect(Self.output(r, "report.html")?.contains("<section id=\"trajectory-two_years\">") == true)
    #expect(DatasetSummary(r).files.contains("trajectory.csv"))
    #expect(ReportBuilder.index([r]).contains("`trajectory.csv`"))
    // Failed diagnostics are written under the section.
    var warned = try #require(r.trajectories.first)
    #expect(warned.result.warnings.isEmpty)
    #expect(!(Self.output(r, "report.md") ?? "").contains("> warning:"))
    warned.result.warnings = ["max R-hat 1.05 is above 1.01: the chains disagree"]
    #expect(
      ReportBuilder.markdownTrajectory(warned).contains(
        "\n> warning: max R-hat 1.05 is above 1.01: the chains disagree\n"))
    #expect(
      HTMLReport.trajectorySection(warned).contains(
        "<p class=\"warning\">Warning: max R-hat 1.05 is above 1.01: the chains disagree</p>"))
    // The quantity of one statement still has none.
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data((Self.output(r, "summary.json") ?? "").utf8)) as? [String: Any])
    #expect((summary["trajectory"] as? [[String: Any]])?.compactMap { $0["quantity"] as? String } == ["two_years"])
  }

  @Test("The trajectory section is well-formed XML and escapes the data's text")
  func sectionIsWellFormed() throws {
    let rows =
      Self.twoYears.replacingOccurrences(of: "two_years", with: "a<b&c")
      + "d1,a<b&c,1500,,,persons,2003,\"C <x> & y\",2004-01,four\n"
    let r = try Self.analyse(rows, name: "escaped")
    let html = try #require(Self.output(r, "report.html"))
    #expect(html.contains("<section id=\"trajectory-a_b_c\">"))
    #expect(html.contains("C &lt;x&gt; &amp; y"))
    #expect(!html.contains("C <x>"))
    #expect(xmlProblem(html) == nil, "\(xmlProblem(html) ?? "")")
    #expect(Self.output(r, "report.md")?.contains("## a&lt;b&amp;c (persons): trajectory") == true)
  }

  @Test("A dataset of more than 200 quantities lists its trajectories one row each")
  func compactPage() throws {
    var rows = Self.twoYears + "d1,two_years,1500,,,persons,2003,C,2004-01,four\n"
    for k in 0..<DatasetDocuments.compactFrom { rows += "x\(k),single_\(k),\(k + 1),,,persons,2001,S,2002-01,one\n" }
    let r = try Self.analyse(rows, name: "many")
    let md = try #require(Self.output(r, "report.md"))
    #expect(md.contains("## Trajectories: 1 quantity\n"))
    #expect(md.contains("| two\\_years | 2000–2003 | 3 | 2003 | "), "\(md)")
    #expect(!md.contains("): trajectory\n"))
    let html = try #require(Self.output(r, "report.html"))
    #expect(html.contains("<h2>Trajectories: 1 quantity</h2>"))
    #expect(!html.contains("<svg"), "a compact page draws no chart")
    #expect(Self.output(r, "trajectory.csv") != nil)
  }
}
