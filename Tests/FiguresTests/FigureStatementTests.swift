import Foundation
import TestSupport
import Testing

@testable import Figures

/// What a statement says: the kind, measure, series, supersedes, scope and evidence columns,
/// the wording of `text` and scale words, and the errors of rows that contradict themselves.
@Suite("Figures reader: what a statement says")
struct FigureStatementTests {
  // MARK: The columns

  @Test(
    "kind: each word, in any case, with spaces or hyphens for underscores",
    arguments: [
      ("point", FigureKind.point, "7", "", ""), ("Range", .range, "", "5", "9"), ("at_least", .atLeast, "", "5", ""),
      ("at least", .atLeast, "", "5", ""), ("AT-MOST", .atMost, "", "", "9"), ("about", .about, "7", "", ""),
    ])
  func kindWords(_ word: String, _ kind: FigureKind, _ value: String, _ low: String, _ high: String) throws {
    let file = try figures("quantity,value,low,high,kind\nx,\(value),\(low),\(high),\(word)\n")
    #expect(file.figures[0].kind == kind)
    #expect(file.figures[0].kindStated)
  }

  @Test("measure: stock and flow stated; series, supersedes, scope and evidence as written")
  func otherColumns() throws {
    let file = try figures(
      """
      id,quantity,value,period,measure,series,supersedes,scope,evidence
      a,x,1,2002,stock,Pew,,,
      b,x,2,2002,Flow,Pew, a ; ;c ,Yanbian only,ngo-300k
      c,x,3,2003,,,,,
      """)
    let f = file.figures
    #expect(f.map(\.measure) == [.stock, .flow, .flow])
    #expect(f.map(\.measureStated) == [true, true, false])
    #expect(f.map(\.series) == ["Pew", "Pew", ""])
    #expect(f[1].supersedes == ["a", "c"])
    #expect(f[0].supersedes.isEmpty)
    #expect(f.map(\.scope) == ["", "Yanbian only", ""])
    #expect(f[1].isScoped && !f[0].isScoped)
    #expect(f.map(\.evidence) == ["", "ngo-300k", ""])
  }

  @Test("without the columns (or with empty cells) kind and measure are inferred, and not stated")
  func inferred() throws {
    for header in ["quantity,value,low,high,text,period", "quantity,value,low,high,text,period,kind,measure"] {
      let pad = header.hasSuffix("measure") ? ",," : ""
      let file = try figures(
        """
        \(header)
        x,7,,,,2002\(pad)
        x,,5,9,,2002-07\(pad)
        x,,5,,,2002-01-01\(pad)
        x,,,9,,2001/2003\(pad)
        x,,,,tens of thousands,\(pad)
        """)
      #expect(file.figures.map(\.kind) == [.point, .range, .atLeast, .atMost, .range], "\(header)")
      #expect(file.figures.allSatisfy { !$0.kindStated && !$0.measureStated })
      // A single day is a stock; a year, a month, several years or no period, a flow.
      #expect(file.figures.map(\.measure) == [.flow, .flow, .stock, .flow, .flow])
    }
  }

  @Test("a multi-year flow validates, with its exposure in years")
  func multiYearFlow() throws {
    let file = try figures(
      "quantity,value,period,measure\ndeaths,\"601,027\",2003-03-18/2006-06-30,flow\nx,1000,1999/2001,\n")
    #expect(file.figures[0].period?.spansYears == true)
    #expect(file.figures[1].measure == .flow)
    #expect(file.figures[1].period?.exposure == 3)
  }

  @Test("HXL hashtags map the statement columns", arguments: FigureColumn.statementColumns)
  func statementHashtags(_ column: FigureColumn) throws {
    #expect(FigureColumn(hashtag: "#meta+\(column.rawValue)") == column)
    let map = ColumnMap(header: ["quantity", "Art"], hashtags: ["", "#meta+\(column.rawValue)"])
    #expect(map[column] == 1)
    #expect(map.extraIndices.isEmpty)
  }

  @Test("one mapping: names first, the first of each name, hashtags only for unknown names")
  func columnMap() {
    let map = ColumnMap(
      header: ["Quantity", "value", "VALUE", "Derived From", "x", "y"],
      hashtags: ["#indicator", "#meta+kind", "#affected+min", "", "#meta+kind", "#meta+series"])
    #expect(map.quantity == 0 && map.value == 1 && map.derivedFrom == 3)
    #expect(map.low == nil)  // "VALUE" is a known name, so its hashtag does not map it
    #expect(map[.kind] == 4 && map[.series] == 5)
    #expect(map.extraIndices == [2])
    #expect(map.count == 6)
    #expect(map.hasStatementColumns)
    #expect(!ColumnMap(header: ["quantity", "value", "weight"]).hasStatementColumns)
  }

  @Test("every column is documented in datasets/README.md")
  func documented() throws {
    let readme = try String(
      contentsOf: Fixtures.repositoryRoot.appendingPathComponent("datasets/README.md"), encoding: .utf8)
    for column in FigureColumn.allCases {
      #expect(readme.contains("| `\(column.rawValue)` |"), "\(column.rawValue) is not in the columns table")
      #expect(!column.meaning.isEmpty && !column.whenEmpty.isEmpty)
    }
  }

  // MARK: Wording

  @Test(
    "scale words in value, low and high, in any case",
    arguments: [
      ("12.2 million", 12_200_000.0), ("1.2 billion", 1_200_000_000), ("300 thousand", 300_000),
      ("\"1,500 Thousand\"", 1_500_000), ("2 TRILLION", 2e12), ("-1.5 million", -1_500_000), ("0.5 million", 500_000),
    ])
  func scaleWords(_ cell: String, _ expected: Double) throws {
    let file = try figures("quantity,value,low,high\nx,\(cell),,\ny,,\(cell),\nz,,,\(cell)\n")
    #expect(file.figures[0].value == expected)
    #expect(file.figures[1].low == expected)
    #expect(file.figures[2].high == expected)
  }

  @Test(
    "abbreviations and other words after a number are bad numbers",
    arguments: ["12.2m", "12.2 m", "3 bn", "5k", "2 millions", "1e3 million", "million"])
  func notScaleWords(_ cell: String) {
    let column = 3
    #expect(
      messages("quantity,value\nx,\(cell)\n") == ["t.csv:2:\(column): error: bad number '\(cell)' in column value"])
  }

  /// Every phrase of the grammar (as `datasets/README.md` lists it), alone in `text`: the kind,
  /// and the number in its cell.
  @Test(
    "hedges and bounds in text fill the kind and the number",
    arguments: [
      ("at least", FigureKind.atLeast), ("more than", .atLeast), ("over", .atLeast), ("in excess of", .atLeast),
      ("exceeds", .atLeast), ("as many as", .atMost), ("up to", .atMost), ("at most", .atMost),
      ("fewer than", .atMost), ("less than", .atMost), ("no more than", .atMost), ("about", .about),
      ("around", .about), ("roughly", .about), ("approximately", .about), ("some", .about),
      ("an estimated", .about), ("close to", .about), ("nearly", .about),
    ])
  func hedges(_ phrase: String, _ kind: FigureKind) throws {
    let file = try figures("quantity,value,low,high,text\nx,,,,\"\(phrase.uppercased()) 370,000\"\n")
    let f = file.figures[0]
    #expect(f.kind == kind)
    #expect(!f.kindStated)
    switch kind {
    case .atLeast: #expect(f.low == 370_000 && f.value == nil && f.high == nil)
    case .atMost: #expect(f.high == 370_000 && f.value == nil && f.low == nil)
    default: #expect(f.value == 370_000 && f.low == nil && f.high == nil)
    }
  }

  @Test(
    "bare numbers, with or without scale words, are points",
    arguments: [("300", 300.0), ("\"300,000\"", 300_000), ("12.2 million", 12_200_000), ("  1.2   Billion ", 1.2e9)])
  func bareNumbers(_ text: String, _ expected: Double) throws {
    let f = try figures("quantity,text\nx,\(text)\n").figures[0]
    #expect(f.kind == .point && f.value == expected && f.verbal == nil)
  }

  @Test("the common wordings of issue 27 read as what they say")
  func commonWording() throws {
    let file = try figures(
      """
      quantity,text
      x,"as many as 300,000"
      x,"more than 370,000"
      x,12.2 million
      x,"about 30,000"
      x,"close to 400,000"
      x,tens of thousands
      """)
    let f = file.figures
    #expect(f.map(\.kind) == [.atMost, .atLeast, .point, .about, .about, .range])
    #expect(f[0].effectiveLow == nil && f[0].effectiveHigh == 300_000)
    #expect(f[1].effectiveLow == 370_000 && f[1].effectiveHigh == nil)
    #expect(f[2].value == 12_200_000 && f[3].value == 30_000 && f[4].value == 400_000)
    #expect(f[5].verbal?.phrase == "tens of thousands")
  }

  @Test("a text that agrees with the cells gives its kind")
  func agreeingText() throws {
    let file = try figures(
      """
      quantity,value,low,high,text
      x,"30,000",,,"about 30,000"
      x,370000,,,"more than 370,000"
      x,,,300000,"as many as 300,000"
      x,98000,8000,194000,"about 98,000"
      x,12200000,,,12.2 million
      x,8000000,,,eight million
      """)
    let f = file.figures
    #expect(f.map(\.kind) == [.about, .atLeast, .atMost, .range, .point, .point])
    // The bound stays where it was given (`low` or `value` is an at_least figure's bound).
    #expect(f[1].value == 370_000 && f[1].low == nil)
    #expect(f[2].high == 300_000 && f[2].value == nil)
    #expect(f[3].value == 98_000 && f[3].low == 8_000 && f[3].high == 194_000)
    // Not in the grammar (words for the number), and numbers given: kept as printed.
    #expect(f[5].text == "eight million" && f[5].value == 8_000_000)
  }

  @Test("a stated bound may be given in value")
  func statedBoundInValue() throws {
    let f = try figures("quantity,value,kind\nx,5,at_least\nx,9,at_most\n").figures
    #expect(f.map(\.kind) == [.atLeast, .atMost])
    #expect(f[0].value == 5 && f[0].low == nil && f[1].value == 9 && f[1].high == nil)
  }

  // MARK: Contradictions

  @Test(
    "contradictory rows: each a located error",
    arguments: [
      (
        "x,,5,10,,at_least,2002,,",
        "t.csv:2:10: error: kind at_least has a high (10): an at_least figure has no upper end; give its bound in low or value, or make it a range"
      ),
      (
        "x,,5,10,,at_most,2002,,",
        "t.csv:2:10: error: kind at_most has a low (5): an at_most figure has no lower end; give its bound in high or value, or make it a range"
      ),
      ("x,,5,,,range,2002,,", "t.csv:2:8: error: kind range needs both low and high (or a verbal text): it has low 5"),
      (
        "x,7,,,,range,2002,,", "t.csv:2:8: error: kind range needs both low and high (or a verbal text): it has value 7"
      ),
      (
        "x,7,1,9,,about,2002,,",
        "t.csv:2:10: error: kind about has low and high (value 7, low 1, high 9): it is one number; give it in value, or make it a range"
      ),
      (
        "x,,1,,,point,2002,,",
        "t.csv:2:8: error: kind point has a low (low 1): it is one number; give it in value, or make it a range"
      ),
      ("x,,,,tens of thousands,point,2002,,", "t.csv:2:24: error: kind point needs a value"),
      ("x,,,,hundreds,at_least,2002,,", "t.csv:2:15: error: kind at_least needs its bound in low or value"),
      (
        "x,300,,,\"more than 370,000\",,2002,,",
        "t.csv:2:9: error: text 'more than 370,000' (at least 370000) disagrees with the cells: value 300"
      ),
      (
        "x,,,,\"about 30,000\",at_most,2002,,",
        "t.csv:2:21: error: kind at_most contradicts text 'about 30,000' (about 30000)"
      ),
      (
        "x,,5,10,more than 5,,2002,,",
        "t.csv:2:9: error: text 'more than 5' (at least 5), a figure of kind at_least, has a high (10): an at_least figure has no upper end; give its bound in low or value, or make it a range"
      ),
      (
        "x,,10,300000,\"300,000\",,2002,,",
        "t.csv:2:14: error: text '300,000' (300000) disagrees with the cells: low 10, high 300000"
      ),
      (
        "x,7,,,,atleast,2002,,",
        "t.csv:2:8: error: unknown kind 'atleast' in column kind: did you mean 'at_least'? (accepted: point, range, at_least, at_most, about)"
      ),
      (
        "x,7,,,,,2002,stok,",
        "t.csv:2:14: error: unknown measure 'stok' in column measure: did you mean 'stock'? (accepted: stock, flow, cumulative)"
      ),
      (
        "x,7,,,,,2002,gauge,",
        "t.csv:2:14: error: unknown measure 'gauge' in column measure: (accepted: stock, flow, cumulative)"
      ),
      (
        "x,7,,,,,1999/2001,stock,",
        "t.csv:2:19: error: a stock over a period that spans years (1999/2001): a stock is a level at a date or in one year; make it a flow, or give the date or year it stands at"
      ),
    ])
  func contradictions(_ row: String, _ message: String) {
    #expect(messages("quantity,value,low,high,text,kind,period,measure,coverage\n\(row)\n") == [message])
  }

  @Test(
    "A cumulative total is one count to a date: a day, a year or START/END, kind point or about",
    arguments: [
      ("x,34314,,,,,2024,cumulative,", FigureKind.point, "2024"),
      ("x,34314,,,,point,2024-12-31,Cumulative,", .point, "2024-12-31"),
      ("x,947,,,,,1993/1998,cumulative,", .point, "1993/1998"),
      ("x,,,,\"about 34,000\",,2024,cumulative,", .about, "2024"),
    ])
  func cumulative(_ row: String, _ kind: FigureKind, _ period: String) throws {
    let file = try figures("quantity,value,low,high,text,kind,period,measure,coverage\n\(row)\n")
    #expect(file.figures[0].measure == .cumulative)
    #expect(file.figures[0].measureStated)
    #expect(file.figures[0].kind == kind)
    #expect(file.figures[0].period?.text == period)
    #expect(file.figures[0].measure.countsEvents)
    #expect(!FigureMeasure.stock.countsEvents)
  }

  @Test(
    "A cumulative total that is a range or a bound, runs to a month, or has no period is an error at its cell",
    arguments: [
      (
        "x,,30000,35000,,,2024,cumulative,",
        "t.csv:2:23: error: a cumulative total is one count (kind point or about), not a range (range): give the running total in value"
      ),
      (
        "x,34314,,,,at_least,2024,cumulative,",
        "t.csv:2:12: error: a cumulative total is one count (kind point or about), not a bound (at_least): give the running total in value"
      ),
      (
        "x,34314,,,,,2024-06,cumulative,",
        "t.csv:2:13: error: a cumulative total runs to a date, and the month 2024-06 does not say which day: give YYYY-MM-DD, a year YYYY (through its end) or START/END"
      ),
      (
        "x,34314,,,,,,cumulative,",
        "t.csv:2:14: error: a cumulative total needs the date it runs to in period: YYYY-MM-DD, a year YYYY (through its end) or START/END (stating its start)"
      ),
    ])
  func cumulativeErrors(_ row: String, _ message: String) {
    #expect(messages("quantity,value,low,high,text,kind,period,measure,coverage\n\(row)\n") == [message])
  }

  @Test("supersedes names ids of the file, not the row's own")
  func supersedes() {
    #expect(
      messages("id,quantity,value,supersedes\na,x,1,\nb,x,2,\"a; zz\"\nc,x,3,c\n") == [
        "t.csv:3:7: error: supersedes names unknown id 'zz'",
        "t.csv:4:7: error: supersedes names the row's own id 'c': a figure cannot revise itself",
      ])
    #expect(messages("id,quantity,value,supersedes\na,x,1,\nb,x,2,a\n").isEmpty)
  }

  @Test("a stock in one year or at one date is fine")
  func stocks() throws {
    let f = try figures("quantity,value,period,measure\nx,1,2002,stock\nx,2,2007-01-01,\nx,3,2002-01/2002-06,stock\n")
      .figures
    #expect(f.map(\.measure) == [.stock, .stock, .stock])
  }
}
