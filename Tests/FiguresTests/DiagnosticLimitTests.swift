import Testing

@testable import Figures

/// Readers keep only what the CLI prints: the first 100 diagnostics in file order, a count of
/// the rest, and messages of bounded length.
@Suite("Diagnostics kept: the first 100 and a count")
struct DiagnosticLimitTests {
  static func invalid(_ body: () throws(FiguresError) -> Void) -> FiguresError? {
    do throws(FiguresError) {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test("A collector keeps the first diagnostics by line and column, whatever order they come in")
  func collector() {
    var c = DiagnosticCollector()
    for line in (1...10_000).reversed() {
      c.append(.error("bad \(line)", at: SourceLocation(path: "t.csv", line: line, column: 3)))
    }
    c.append(.error("header", at: SourceLocation(path: "t.csv", line: 1, column: 1)))
    #expect(c.total == 10_001)
    #expect(c.diagnostics.count == 100)
    #expect(c.omitted == 9_901)
    #expect(c.diagnostics.first?.message == "header")
    #expect(c.diagnostics.dropFirst().map(\.location.line) == Array(1...99))
    // Across files: the first to arrive.
    var files = DiagnosticCollector(inFileOrder: false)
    files.append(contentsOf: c)
    files.append(contentsOf: [.error("other", at: SourceLocation(path: "a.csv", line: 1))], omitted: 5)
    #expect(files.total == 10_007)
    #expect(files.diagnostics.count == 100)
    #expect(files.diagnostics.allSatisfy { $0.location.path == "t.csv" })
  }

  @Test("5,000 bad rows and duplicate header names: 100 kept, in file order, and the total counted")
  func figuresReaderKeepsTheFirst() throws {
    var text = "quantity,value,value\n"
    for _ in 0..<5_000 { text += "q,abc,1\n" }
    let error = try #require(Self.invalid { () throws(FiguresError) in _ = try figures(text) })
    #expect(error.exitCode == 65)
    #expect(error.diagnostics.count == 100)
    #expect(error.omittedDiagnostics == 4_901)
    // The header's error is found last but is first in the file.
    #expect(
      error.diagnostics.first?.description
        == "t.csv:1:16: error: duplicate column name 'value' (same as header field 2)")
    #expect(error.diagnostics[1].description == "t.csv:2:3: error: bad number 'abc' in column value")
    #expect(error.diagnostics.last?.location.line == 100)
    #expect(error.description.hasSuffix("4901 more errors not shown (5001 in all)"))
  }

  @Test("CSV-level errors are bounded too: a header of 50,000 duplicate names")
  func csvReaderKeepsTheFirst() throws {
    let text = Array(repeating: "a", count: 50_000).joined(separator: ",") + "\n"
    let error = try #require(
      Self.invalid { () throws(FiguresError) in _ = try CSVReader.parse(Array(text.utf8), path: "h.csv") })
    #expect(error.diagnostics.count == 100)
    #expect(error.omittedDiagnostics == 49_899)
    #expect(error.diagnostics.last?.location.column == 201)
  }

  @Test("A cell of a megabyte is quoted to 200 characters and '…'; a long header is listed in part")
  func longCells() throws {
    let cell = String(repeating: "x", count: 1_000_000)
    let error = try #require(Self.invalid { () throws(FiguresError) in _ = try figures("quantity,value\nq,\(cell)\n") })
    let message = try #require(error.diagnostics.first?.message)
    #expect(message == "bad number '\(String(repeating: "x", count: 200))…' in column value")
    let noQuantity = try #require(Self.invalid { () throws(FiguresError) in _ = try figures("\(cell),b\n1,2\n") })
    let missing = try #require(noQuantity.diagnostics.first?.message)
    #expect(missing.hasPrefix("missing required column 'quantity' (columns: xxxx"))
    #expect(missing.count < 300)
  }

  @Test("Claims files keep the first 100 errors and count the rest")
  func claimsReader() throws {
    var text = "id,claim,formula,op,stated\n"
    for k in 0..<300 { text += "c\(k),x,a,bad,1\n" }
    let error = try #require(
      Self.invalid { () throws(FiguresError) in
        _ = try ClaimsReader.parse(Array(text.utf8), path: "c.csv")
      })
    #expect(error.diagnostics.count == 100)
    #expect(error.omittedDiagnostics == 200)
    #expect(error.diagnostics.first?.description.hasPrefix("c.csv:2:") == true)
  }
}
