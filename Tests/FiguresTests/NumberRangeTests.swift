import Testing

@testable import Figures

/// Literals outside the range of a Double are errors that say so, never a silent 0 or ∞.
@Suite("Number syntax: out of range")
struct NumberRangeTests {
  @Test(
    "A nonzero literal below the smallest normal double underflows",
    arguments: ["1e-400", "-1e-400", "2.5e-330", "1e-310", "0.000001e-305", "1,000e-400"])
  func underflow(_ text: String) {
    #expect(NumberSyntax.parse(text) == .invalid)
    #expect(NumberSyntax.rangeProblem(text)?.hasPrefix("underflows") == true)
  }

  @Test(
    "Zero written any way, and the smallest normal double, are numbers",
    arguments: [
      ("0", 0.0), ("0e-999", 0.0), ("0.000e5", 0.0), ("-0", 0.0), ("2.2250738585072014e-308", 2.2250738585072014e-308),
      ("1e-300", 1e-300),
    ])
  func inRange(_ c: (text: String, value: Double)) {
    #expect(NumberSyntax.parse(c.text) == .number(c.value))
    #expect(NumberSyntax.rangeProblem(c.text) == nil)
  }

  @Test("A literal above the largest double overflows", arguments: ["1e400", "-1e309", "2e308"])
  func overflow(_ text: String) {
    #expect(NumberSyntax.parse(text) == .invalid)
    #expect(NumberSyntax.rangeProblem(text)?.hasPrefix("overflows") == true)
  }

  @Test("Text that is not a number has no range problem", arguments: ["abc", "1,2", "NaN", "inf", "1e"])
  func notANumber(_ text: String) {
    #expect(NumberSyntax.rangeProblem(text) == nil)
  }

  @Test("The figures reader names the cell and says it underflows")
  func readerMessage() {
    let text = "id,quantity,value,low\na,q,5,\nb,q,1e-400,\nc,q,,2e-320\n"
    let result = Result { () throws(FiguresError) in try FiguresReader.parse(Array(text.utf8), path: "u.csv") }
    guard case .failure(.invalid(let diagnostics, _)) = result else {
      Issue.record("expected diagnostics, got \(result)")
      return
    }
    #expect(
      diagnostics.map(\.description) == [
        "u.csv:3:5: error: number '1e-400' in column value is out of range: it underflows: its magnitude is below the smallest normal double, 2.2e-308",
        "u.csv:4:6: error: number '2e-320' in column low is out of range: it underflows: its magnitude is below the smallest normal double, 2.2e-308",
      ])
  }
}
