import Foundation
import Testing

/// `reconcile report` fits the trajectory of every quantity whose statements cover three or
/// more years (issue #28), through the same library call as `reconcile trajectory`.
@Suite("report: trajectories, end to end", .serialized)
struct ReportTrajectoryCLITests {
  /// The quantities of datasets/ whose statements (the trajectory model's selection) cover three
  /// or more years, by dataset folder.
  static let qualifying = [
    "mou-arrivals": ["mou_arrivals"], "nk-in-china": ["nk_in_china"],
    "unhcr-bangkok": ["unhcr_bangkok_cases", "unhcr_bangkok_persons"],
  ]

  static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

  @Test(
    "The report of datasets/ (the committed baseline, which a fresh report matches: CompareCLITests) has trajectory.csv, summary.json's trajectory and the sections for the quantities that qualify, and nothing of it for the others"
  )
  func reportTrajectoriesOfTheDatasets() throws {
    // The baseline, not a fresh report: a fresh one costs 33 s of CPU in a debug build (the
    // trajectories' samplers), and the baseline test compares it file by file and row by row.
    let out = CLI.root.appendingPathComponent("Tests/Fixtures/baseline")
    for name in ["hrw-2002-figures", "mou-arrivals", "nk-in-china", "unhcr-bangkok"] {
      let folder = out.appendingPathComponent(name)
      let expected = Self.qualifying[name] ?? []
      let csvURL = folder.appendingPathComponent("trajectory.csv")
      let summary = try #require(
        try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json")))
          as? [String: Any])
      let members = try #require(summary["trajectory"] as? [[String: Any]], "\(name): no trajectory member")
      #expect(members.compactMap { $0["quantity"] as? String } == expected, "\(name)")
      let package = try Self.text(folder.appendingPathComponent("datapackage.json"))
      let markdown = try Self.text(folder.appendingPathComponent("report.md"))
      let html = try Self.text(folder.appendingPathComponent("report.html"))
      let index = try Self.text(out.appendingPathComponent("index.md"))
      let indexRow = index.split(separator: "\n").first { $0.contains("[\(name)]") }.map(String.init) ?? ""
      if expected.isEmpty {
        #expect(!FileManager.default.fileExists(atPath: csvURL.path), "\(name): an empty trajectory.csv")
        #expect(!package.contains("trajectory.csv"), "\(name): datapackage.json describes trajectory.csv")
        #expect(!markdown.contains("trajectory"), "\(name): report.md mentions a trajectory")
        #expect(!html.contains("trajectory"), "\(name): report.html mentions a trajectory")
        #expect(!indexRow.contains("trajectory.csv"), "\(name): index.md links trajectory.csv")
        continue
      }
      let csv = try Self.text(csvURL)
      let lines = csv.split(separator: "\n").map(String.init)
      #expect(lines.first == "quantity,year,median,lo50,hi50,lo90,hi90,statements")
      #expect(Set(lines.dropFirst().map { String($0.prefix { $0 != "," }) }) == Set(expected), "\(name)")
      #expect(package.contains("\"path\": \"trajectory.csv\""), "\(name)")
      #expect(indexRow.contains("`trajectory.csv`"), "\(name): \(indexRow)")
      for q in expected {
        #expect(markdown.contains("## \(q.replacingOccurrences(of: "_", with: "\\_"))"), "\(name): \(q)")
        #expect(markdown.contains("): trajectory\n"), "\(name)")
        #expect(html.contains("id=\"trajectory-\(q)\""), "\(name): \(q)")
        #expect(html.contains("class=\"statement\""), "\(name): the chart's statements")
      }
    }
  }

  @Test("--no-trajectories: no trajectory.csv, an empty summary member, no section, no link")
  func noTrajectories() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("r")
    let r = try CLI.run(["report", "datasets/nk-in-china.csv", "--quiet", "--no-trajectories", "--out", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let folder = out.appendingPathComponent("nk-in-china")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("trajectory.csv").path))
    #expect(try Self.text(folder.appendingPathComponent("summary.json")).contains("\"trajectory\": []\n}"))
    for file in ["report.md", "report.html", "datapackage.json"] {
      #expect(!(try Self.text(folder.appendingPathComponent(file))).contains("trajectory"), "\(file)")
    }
    #expect(!(try Self.text(out.appendingPathComponent("index.md"))).contains("trajectory"))
  }

  @Test("The report's nk_in_china trajectory is `reconcile trajectory`'s output: its CSV rows and its JSON")
  func reportTrajectoryEqualsTheCommand() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("r")
    let r = try CLI.run(["report", "datasets/nk-in-china.csv", "--quiet", "--out", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    // nk_in_china: the report's rows and JSON are the command's.
    let folder = out.appendingPathComponent("nk-in-china")
    let command = ["trajectory", "datasets/nk-in-china.csv", "--quantity", "nk_in_china"]
    let csv = try CLI.run(command + ["--format", "csv"])
    #expect(csv.status == 0, "\(csv.stderr)")
    let reportRows = try Self.text(folder.appendingPathComponent("trajectory.csv")).split(separator: "\n")
      .dropFirst().filter { $0.hasPrefix("nk_in_china,") }.map { String($0.dropFirst("nk_in_china,".count)) }
    let commandRows = csv.stdout.split(separator: "\n").dropFirst().map(String.init)
    #expect(reportRows.count == 7)
    #expect(reportRows == commandRows)
    let json = try CLI.run(command + ["--format", "json"])
    #expect(json.status == 0, "\(json.stderr)")
    let fromCommand = try #require(try CLI.json(json.stdout) as? NSDictionary)
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json")))
        as? [String: Any])
    let fromReport = try #require((summary["trajectory"] as? [NSDictionary])?.first)
    #expect(fromReport.isEqual(fromCommand), "the report's trajectory JSON differs from the command's")
  }

  @Test(
    "compare: another seed's trajectory passes the Monte Carlo tolerance (CI on another CPU), a moved level and a changed statement fail"
  )
  func anotherRealisationPasses() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let base = dir.appendingPathComponent("base")
    let r = try CLI.run(["report", "datasets/nk-in-china.csv", "--quiet", "--out", base.path])
    #expect(r.status == 0, "\(r.stderr)")
    let command = ["trajectory", "datasets/nk-in-china.csv", "--quantity", "nk_in_china", "--seed", "2"]
    let csv = try CLI.run(command + ["--format", "csv"])
    let json = try CLI.run(command + ["--format", "json"])
    #expect(csv.status == 0 && json.status == 0, "\(csv.stderr)\(json.stderr)")
    // The JSON is spliced in as text, as the command wrote it, its settings those of the
    // baseline: what a CPU whose libm rounds one last bit differently gives is another
    // realisation under the same seed.
    #expect(json.stdout.components(separatedBy: "\"seed\": 2").count == 2)
    let seed2 = json.stdout.replacingOccurrences(of: "\"seed\": 2", with: "\"seed\": 1")

    /// A copy of the report whose nk_in_china trajectory is `trajectory` (JSON text) and `rows`.
    func variant(_ name: String, _ trajectory: String, _ rows: [String]) throws -> URL {
      let out = dir.appendingPathComponent(name)
      try FileManager.default.copyItem(at: base, to: out)
      let folder = out.appendingPathComponent("nk-in-china")
      let summaryURL = folder.appendingPathComponent("summary.json")
      let summary = try String(contentsOf: summaryURL, encoding: .utf8)
      let member = try #require(summary.range(of: "\"trajectory\": ["))
      try (summary[..<member.upperBound] + trajectory + "]\n}\n").write(
        to: summaryURL, atomically: true, encoding: .utf8)
      let header = "quantity,year,median,lo50,hi50,lo90,hi90,statements"
      try ([header] + rows.map { "nk_in_china," + $0 }).joined(separator: "\n").appending("\n")
        .write(to: folder.appendingPathComponent("trajectory.csv"), atomically: true, encoding: .utf8)
      return out
    }
    /// `text` with the first `"name": NUMBER` after `after` multiplied by `factor`.
    func scaled(_ text: String, after: String, _ name: String, by factor: Double) throws -> String {
      let from = try #require(text.range(of: after)).upperBound
      let key = try #require(text.range(of: "\"\(name)\": ", range: from..<text.endIndex))
      let end = text[key.upperBound...].firstIndex { $0 == "," || $0 == "\n" || $0 == "}" } ?? text.endIndex
      let value = try #require(Double(text[key.upperBound..<end]))
      return String(text[..<key.upperBound]) + "\(value * factor)" + text[end...]
    }
    let rows2 = csv.stdout.split(separator: "\n").dropFirst().map(String.init)
    #expect(rows2.count == 7)
    let other = try variant("seed2", seed2, rows2)
    let same = try CLI.run(["compare", base.path, other.path])
    #expect(same.status == 0, "another realisation fails the comparison:\n\(same.stdout)")
    #expect(same.stdout.contains("no differences"), "\(same.stdout)")
    // It did move: not byte-identical.
    #expect(
      try String(contentsOf: other.appendingPathComponent("nk-in-china/trajectory.csv"), encoding: .utf8)
        != String(contentsOf: base.appendingPathComponent("nk-in-china/trajectory.csv"), encoding: .utf8))

    // The 2006 level 40% higher in both files: beyond the tolerance, named.
    let moved = try scaled(seed2, after: "\"year\": 2006", "median", by: 1.4)
    let movedRows = rows2.enumerated().map { k, row -> String in
      guard k == rows2.count - 1 else { return row }
      var cells = row.split(separator: ",").map(String.init)
      cells[1] = String((Double(cells[1]) ?? 0) * 1.4)
      return cells.joined(separator: ",")
    }
    let level = try CLI.run(["compare", base.path, try variant("moved", moved, movedRows).path])
    #expect(level.status == 1)
    #expect(
      level.stdout.contains("nk-in-china/trajectory.csv  quantity=nk_in_china, year=2006  median"), "\(level.stdout)")
    #expect(level.stdout.contains("nk-in-china/summary.json  $.trajectory[quantity=nk_in_china].years[6]  median"))
    #expect(level.stdout.contains("2 differences in 2 files"), "\(level.stdout)")

    // A statement read with another sigma: what the model is given is compared strictly.
    let resigned = try scaled(seed2, after: "\"id\": \"ai-2000-range\"", "sigma", by: 1 + 1e-6)
    let input = try CLI.run(["compare", base.path, try variant("sigma", resigned, rows2).path])
    #expect(input.status == 1)
    #expect(input.stdout.contains("statements[id=ai-2000-range]  sigma"), "\(input.stdout)")
  }
}
