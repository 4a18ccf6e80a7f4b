import Figures
import Testing

@testable import Reports

@Suite("JSON reader: repeated names and depth")
struct JSONReaderLimitsTests {
  static func error(_ text: String) -> Diagnostic? {
    do throws(ComparisonError) {
      _ = try JSONReader.parse(Array(text.utf8), path: "x.json")
      return nil
    } catch {
      return error.diagnostics.first
    }
  }

  @Test("A member name repeated in one object is an error at the repeat, naming the first")
  func duplicateNames() {
    let d = Self.error("{\"a\": 1, \"b\": {\"a\": 2},\n \"a\": 3}")
    #expect(d?.description == "x.json:2:2: error: duplicate member name \"a\" in an object (first at line 1, column 2)")
    // The same name in different objects is fine.
    #expect(Self.error("[{\"a\": 1}, {\"a\": 2}, {\"b\": {\"a\": 3}, \"a\": 4}]") == nil)
  }

  @Test("Nesting: 512 levels are read, 513 are an error, 100,000 do not crash")
  func depth() {
    #expect(Self.error(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) == nil)
    #expect(Self.error(String(repeating: "[", count: 513) + String(repeating: "]", count: 513))?.location.column == 513)
    #expect(Self.error(String(repeating: "{\"a\":", count: 100_000))?.message == "nesting deeper than 512")
  }
}
