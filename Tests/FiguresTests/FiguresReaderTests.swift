import TestSupport
import Testing

@testable import Figures

@Suite("Figures reader")
struct FiguresReaderTests {
  @Test("fixture with BOM, CRLF, quoted thousands and an embedded CRLF")
  func bomCRLF() throws {
    let file = try FiguresReader.read(path: Fixtures.path("figures/bom_crlf.csv"))
    #expect(file.warnings.isEmpty)
    #expect(file.columns.first == "id")
    #expect(file.figures.map(\.id) == ["unhcr-2002", "hrw-2002", "gov-2002-07"])
    #expect(file.figures.map(\.location.line) == [2, 4, 5])
    #expect(file.quantities() == ["nk_in_china", "mou_arrivals"])

    let unhcr = file.figures[0]
    #expect(unhcr.low == 10_000 && unhcr.high == 300_000 && unhcr.value == nil)
    #expect(unhcr.effectiveLow == 10_000 && unhcr.effectiveHigh == 300_000)
    #expect(unhcr.quote == "Estimates range from 10,000\r\nto 300,000.")
    #expect(unhcr.extra == ["Region": "north-east"])
    #expect(unhcr.unit == "persons" && unhcr.source == "UNHCR")
    #expect(unhcr.period?.exposure == 1)

    let hrw = file.figures[1]
    #expect(hrw.text == "tens of thousands")
    #expect(hrw.verbal?.phrase == "tens of thousands")
    #expect(hrw.effectiveLow == 20_000 && hrw.effectiveHigh == 99_999)
    #expect(hrw.period?.exposure == 211.0 / 365.0)
    #expect(hrw.period?.isPartial == true)
    #expect(hrw.derivedFrom == ["unhcr-2002"])
    #expect(hrw.quote == "\"Tens of thousands\" of North Koreans")
    #expect(hrw.coverage == 0.9)

    let gov = file.figures[2]
    #expect(gov.value == 1138)
    #expect(gov.effectiveLow == 1138 && gov.effectiveHigh == 1138)
    #expect(gov.period?.exposure == 31.0 / 365.0)
  }

  @Test("embedded newlines keep later line numbers right")
  func embeddedNewlines() {
    #expect(
      messages("quantity,value,quote\nx,1,\"line one\nline two\"\nx,abc,ok\n") == [
        "t.csv:4:3: error: bad number 'abc' in column value"
      ])
  }

  @Test("open-ended ranges: at least, up to")
  func openEnded() throws {
    let file = try figures("quantity,low,high\nx,\"5,000\",\ny,,200\n")
    #expect(file.figures[0].effectiveLow == 5_000 && file.figures[0].effectiveHigh == nil)
    #expect(file.figures[1].effectiveLow == nil && file.figures[1].effectiveHigh == 200)
  }

  @Test("a value with a range uses the range; a value alone is a point")
  func effectiveRange() throws {
    let file = try figures("quantity,value,low,high,text\nx,50,40,60,\ny,7,,,dozens\n")
    #expect(file.figures[0].effectiveLow == 40 && file.figures[0].effectiveHigh == 60)
    #expect(file.figures[1].effectiveLow == 7 && file.figures[1].effectiveHigh == 7)
    #expect(file.figures[1].verbal?.phrase == "dozens")
  }

  @Test("every verbal phrase is read from a text column", arguments: VerbalQuantities.table)
  func verbalRow(_ entry: VerbalQuantity) throws {
    let file = try figures("quantity,text\nx,\"Some \(entry.phrase.capitalized)\"\n")
    #expect(file.figures[0].verbal == entry)
    #expect(file.figures[0].effectiveLow == entry.low)
    #expect(file.figures[0].effectiveHigh == entry.high)
  }

  @Test("text outside the table is kept as printed when the row has a number")
  func printedText() throws {
    let file = try figures("quantity,value,text\nx,5,about five\n")
    #expect(file.figures[0].text == "about five")
    #expect(file.figures[0].verbal == nil)
    #expect(file.warnings.isEmpty)
  }

  @Test("case-insensitive column names, default ids, derived_from splitting, unknown columns")
  func columns() throws {
    let file = try figures(
      "ID,Quantity,VALUE,Derived From,Region\na,x,1,,n\n,x,2, a ; ;a2 ,s\na2,y,3,,\n",
      path: "data/nk.csv")
    #expect(file.figures.map(\.id) == ["a", "nk:3", "a2"])
    #expect(file.figures[1].derivedFrom == ["a", "a2"])
    #expect(file.figures[1].extra == ["Region": "s"])
    #expect(file.quantities() == ["x", "y"])
  }

  @Test(
    "coverage: fraction, percentage, default, and out of range",
    arguments: [
      ("0.95", "0.95"), ("95%", "0.95"), ("", "0.9"),
    ])
  func coverage(_ cell: String, _ expected: String) throws {
    let file = try figures("quantity,value,coverage\nx,1,\(cell)\n")
    #expect(isClose(file.figures[0].coverage, Double(expected) ?? .nan, relative: 1e-12, absolute: 1e-12))
  }

  /// A coverage must be a usable probability: 1e-300 would make a range a sliver of its
  /// distribution (σ = width/(2z), z → 0), 0.9999999 runs into the end of the normal quantile.
  /// Exactly 1 is a hard minimum–maximum range, and is accepted.
  @Test(
    "coverage outside 0.001–0.999999 and not 1",
    arguments: ["0", "1.5", "-0.2", "100.5%", "1e-300", "0.0001", "0.9999999", "1.0000001"])
  func badCoverage(_ cell: String) {
    #expect(
      messages("quantity,value,coverage\nx,1,\(cell)\n") == [
        "t.csv:2:5: error: coverage \(cell) must lie between 0.001 and 0.999999, or be 1 for a hard minimum–maximum range (the probability that the range holds the value)"
      ])
  }

  @Test("coverage exactly 1 (a hard minimum–maximum range) is accepted", arguments: ["1", "1.0", "100%"])
  func hardCoverage(_ cell: String) throws {
    let file = try figures("quantity,low,high,coverage\nx,10,300,\(cell)\n")
    #expect(file.figures[0].coverage == 1)
    #expect(file.figures[0].coverageStated)
  }

  @Test("warnings: negative numbers, a value outside its own range")
  func warnings() {
    #expect(
      messages("quantity,value,low,high\nx,-5,,\ny,50,60,70\n") == [
        "t.csv:2:3: warning: negative number -5 in column value",
        "t.csv:3:3: warning: value 50 lies outside its range 60–70",
      ])
  }

  @Test("blank rows (all cells empty) are skipped")
  func blankRows() throws {
    let file = try figures("quantity,value\nx,1\n,\n , \ny,2\n")
    #expect(file.figures.map(\.quantity) == ["x", "y"])
    #expect(file.figures.map(\.location.line) == [2, 5])
  }

  @Test("HXL hashtag row maps unknown header names and is not data")
  func hxl() throws {
    let file = try FiguresReader.read(path: Fixtures.path("figures/hxl.csv"))
    #expect(file.figures.count == 2)
    let first = file.figures[0]
    #expect(first.quantity == "nk_in_china")
    #expect(first.value == 50_000)
    #expect(first.period?.year == 2002)
    #expect(first.source == "UNHCR")
    #expect(first.document == "https://example.org/a")
    #expect(first.extra == ["Country": "China"])
    #expect(first.location.line == 3)
    #expect(file.figures[1].location.line == 4)
  }

  @Test("HXL row still counts for line numbers")
  func hxlLines() {
    #expect(
      messages("Indicator,Affected\n#indicator,#affected\nx,abc\n") == [
        "t.csv:3:3: error: bad number 'abc' in column Affected"
      ])
  }

  @Test(
    "HXL hashtags",
    arguments: [
      ("#affected", "value"), ("#affected+min", "low"), ("#population+max", "high"),
      ("#value", "value"), ("#date", "period"), ("#date+reported", "published"),
      ("#meta+source", "source"), ("#meta+url", "document"), ("#meta+document", "document"),
      ("#meta+quote", "quote"), ("#indicator", "quantity"), ("#item+name", "quantity"),
      ("#indicator+value+num", "value"), ("#meta+id", "id"), ("#description", "note"),
      ("# Affected + killed", "value"),
    ])
  func hashtags(_ tag: String, _ column: String) {
    #expect(FigureColumn(hashtag: tag)?.rawValue == column)
  }

  @Test("header names win over hashtags")
  func namesWin() throws {
    let file = try figures("quantity,value,Count\n#indicator,#x,#affected\nq,1,2\n")
    #expect(file.figures[0].quantity == "q")
    #expect(file.figures[0].value == 1)
    #expect(file.figures[0].extra == ["Count": "2"])
  }

  // MARK: Errors, with their exact compiler-style text.

  @Test(
    "each error, exactly",
    arguments: [
      (
        "inverted range", "quantity,low,high\nx,\"300,000\",\"10,000\"\n",
        "t.csv:2:3: error: inverted range: low 300000 > high 10000"
      ),
      (
        "bad number", "quantity,value\nx,abc\n",
        "t.csv:2:3: error: bad number 'abc' in column value"
      ),
      ("NaN", "quantity,value\nx,NaN\n", "t.csv:2:3: error: bad number 'NaN' in column value"),
      (
        "ragged row", "quantity,value,low,high,text,period,id\nx,1,2,3,4\n",
        "t.csv:2:10: error: row has 5 fields, header has 7"
      ),
      (
        "unterminated quote", "quantity,value\nx,\"12\n",
        "t.csv:2:3: error: unterminated quoted field: no closing quote before the end of the file"
      ),
      (
        "invalid date", "quantity,value,period\nx,1,2002-02-30\n",
        "t.csv:2:5: error: bad period: 2002-02-30 is not a valid date: February 2002 has 28 days"
      ),
      (
        "end before start", "quantity,value,period\nx,1,2002-07-30/2002-01-01\n",
        "t.csv:2:5: error: bad period: interval 2002-07-30/2002-01-01 ends before it starts"
      ),
      (
        "unknown verbal quantity", "quantity,text\nx,zillions\n",
        "t.csv:2:3: error: unknown verbal quantity 'zillions': not in the verbal table; give value, low or high"
      ),
      (
        "duplicate id", "id,quantity,value\na,x,1\na,x,2\n",
        "t.csv:3:1: error: duplicate id 'a' (first used on line 2)"
      ),
      (
        "cyclic derived_from", "id,quantity,value,derived_from\na,x,1,b\nb,x,2,a\n",
        "t.csv:2:7: error: derived_from cycle: a -> b -> a"
      ),
      (
        "self-derived", "id,quantity,value,derived_from\na,x,1,a\n",
        "t.csv:2:7: error: derived_from cycle: a -> a"
      ),
      (
        "unknown derived_from id", "id,quantity,value,derived_from\na,x,1,zz\n",
        "t.csv:2:7: error: derived_from names unknown id 'zz'"
      ),
      ("empty file", "", "t.csv:1:1: error: file is empty: expected a header row"),
      (
        "header only", "quantity,value\n",
        "t.csv:1: error: no figures: the file has a header but no data rows"
      ),
      (
        "no quantity column", "value\n1\n",
        "t.csv:1: error: missing required column 'quantity' (columns: value)"
      ),
      ("empty quantity", "quantity,value\n ,1\n", "t.csv:2:1: error: missing quantity"),
      (
        "no figure", "quantity,value,text,source\nx,,,UN\n",
        "t.csv:2: error: row has no figure: give value, low/high or text"
      ),
      (
        "bad period text", "quantity,value,period\nx,1,spring\n",
        "t.csv:2:5: error: bad period: 'spring' is not a period: expected YYYY, YYYY-MM, YYYY-MM-DD or START/END"
      ),
    ])
  func error(_ name: String, _ text: String, _ expected: String) {
    #expect(messages(text) == [expected], "\(name)")
  }

  @Test("CSV errors and figure errors are reported together; ragged rows are not validated")
  func csvAndFigureErrors() {
    #expect(
      messages("quantity,value\nx,abc\ny,1,2\nz,\"12\n") == [
        "t.csv:2:3: error: bad number 'abc' in column value",
        "t.csv:3:5: error: row has 3 fields, header has 2",
        "t.csv:4:3: error: unterminated quoted field: no closing quote before the end of the file",
      ])
    #expect(
      messages("quantity,value\nx,1,2\n") == ["t.csv:2:5: error: row has 3 fields, header has 2"])
  }

  @Test("invalid data exits 65")
  func exitCode65() {
    do {
      _ = try figures("quantity,value\nx,abc\n")
      Issue.record("expected an error")
    } catch {
      #expect(error.exitCode == 65)
    }
  }

  @Test("all errors in a file, in file order")
  func allErrors() {
    let path = Fixtures.path("figures/errors.csv")
    do {
      _ = try FiguresReader.read(path: path)
      Issue.record("expected an error")
    } catch {
      #expect(error.exitCode == 65)
      #expect(
        error.diagnostics.map(\.description) == [
          "\(path):2:15: error: bad number 'abc' in column value",
          "\(path):3:16: error: inverted range: low 300000 > high 10000",
          "\(path):4:18: error: unknown verbal quantity 'zillions': not in the verbal table; give value, low or high",
          "\(path):5:1: error: duplicate id 'a' (first used on line 2)",
          "\(path):5:20: error: bad period: 2002-02-30 is not a valid date: February 2002 has 28 days",
          "\(path):6:20: error: bad period: interval 2002-07-30/2002-01-01 ends before it starts",
          "\(path):6:42: error: derived_from names unknown id 'zz'",
        ])
    }
  }

  @Test(
    "fixture errors: unterminated quote, header only, empty file",
    arguments: [
      (
        "unterminated.csv",
        ":3:5: error: unterminated quoted field: no closing quote before the end of the file"
      ),
      ("header_only.csv", ":1: error: no figures: the file has a header but no data rows"),
      ("empty.csv", ":1:1: error: file is empty: expected a header row"),
    ])
  func fixtureErrors(_ name: String, _ suffix: String) {
    let path = Fixtures.path("figures/\(name)")
    do {
      _ = try FiguresReader.read(path: path)
      Issue.record("expected an error")
    } catch {
      #expect(error.diagnostics.map(\.description) == [path + suffix])
    }
  }

  @Test("a missing file gives exit code 66")
  func missing() {
    do {
      _ = try FiguresReader.read(path: Fixtures.path("figures/does-not-exist.csv"))
      Issue.record("expected an error")
    } catch {
      #expect(error.exitCode == 66)
      #expect(error.description.hasSuffix("does-not-exist.csv: error: no such file"))
    }
  }
}

@Suite("Figures reader on generated files")
struct FiguresReaderFuzzTests {
  static let columns = [
    "id", "quantity", "value", "low", "high", "text", "period", "coverage", "derived_from",
    "Affected", "note",
  ]
  static let cells = [
    "", "x", "1", "-5", "\"300,000\"", "abc", "NaN", "2002", "2002-02-30", "2002-01/2002-06",
    "2003/2002", "a", "b", "a;b", "b; a", "tens of thousands", "zillions", "0.95", "2", "#affected",
    "#indicator", "\"q\"\"uote\"", "\"multi\nline\"", "é",
  ]

  @Test("random figures files never crash, and every diagnostic points inside the file")
  func generated() {
    var generator = SplitMix64(seed: 2024)
    func pick<T>(_ list: [T]) -> T { list[Int(generator.next() % UInt64(list.count))] }
    for _ in 0..<2000 {
      var header = Self.columns.filter { _ in generator.next() % 2 == 0 }
      if generator.next() % 4 != 0 { header.append("quantity") }
      header = Array(Set(header)).sorted()
      var text = header.joined(separator: ",") + "\n"
      for _ in 0..<Int(generator.next() % 6) {
        let width = header.count + (generator.next() % 10 == 0 ? 1 : 0)
        text += (0..<width).map { _ in pick(Self.cells) }.joined(separator: ",")
        text += generator.next() % 5 == 0 ? "\r\n" : "\n"
      }
      let lineCount = text.utf8.filter { $0 == 0x0A }.count + 1
      for message in messages(text) {
        let parts = message.split(separator: ":")
        let line = parts.count > 1 ? Int(parts[1]) : nil
        #expect(
          line.map { $0 >= 1 && $0 <= lineCount } == true, "\(message) in \(text.debugDescription)")
      }
    }
  }
}
