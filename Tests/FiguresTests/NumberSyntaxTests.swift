import Testing

@testable import Figures

@Suite("Number syntax")
struct NumberSyntaxTests {
  @Test(
    "accepted numbers",
    arguments: [
      ("300,000", 300_000.0), ("1,234,567.5", 1_234_567.5), (" 42 ", 42), ("-3", -3), ("+3", 3),
      (".5", 0.5), ("5.", 5), ("1e3", 1000), ("2.5E-2", 0.025), ("999", 999), ("1234", 1234),
    ])
  func accepted(_ text: String, _ expected: Double) {
    #expect(NumberSyntax.parse(text) == .number(expected))
  }

  @Test(
    "rejected text",
    arguments: [
      "abc", "NaN", "nan", "inf", "Infinity", "-inf", "0x10", "1,2", "1,2345", "12,34,567", ",100",
      "100,", "1e", "1e400", "5%", "$5", "1 000", "--1", ".", "e5", "1.2.3",
    ])
  func rejected(_ text: String) {
    #expect(NumberSyntax.parse(text) == .invalid)
  }

  @Test("missing markers", arguments: ["", "  ", "NA", "na", "N/A", "n/a"])
  func missing(_ text: String) {
    #expect(NumberSyntax.parse(text) == .missing)
  }
}
