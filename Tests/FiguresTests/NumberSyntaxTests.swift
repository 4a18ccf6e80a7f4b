import Testing

@testable import Figures

#if canImport(Glibc)
  import Glibc
#endif

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

  /// The exact fast path (≤ 15 significant digits, ≤ 22 decimals) must give the bits glibc's
  /// correctly rounded strtod gives, on literals drawn around its edges: 14–16 digits,
  /// leading and trailing zeros, signs, thousands separators, and up to 25 decimals.
  @Test("fast conversions agree bit for bit with strtod")
  func fastPathIsCorrectlyRounded() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 11
    }
    for _ in 0..<200_000 {
      let digitCount = 1 + Int(next() % 17)
      var digits = ""
      for k in 0..<digitCount { digits.append(Character(String(k == 0 && next() % 3 == 0 ? 0 : next() % 10))) }
      let point = Int(next() % UInt64(digitCount + 8))
      var text = digits
      if next() % 4 == 0 {
        // An integer (the fast path of bare and grouped integers up to 15 digits; longer ones
        // go the general way).
      } else if point < digitCount {
        let cut = text.index(text.startIndex, offsetBy: point)
        text = String(text[..<cut]) + "." + String(text[cut...])
      } else {
        text = "0." + String(repeating: "0", count: point - digitCount) + digits
      }
      // Thousands separators in the integer part, half of the time (strtod reads the literal
      // without them).
      let plainText = text
      let integerEnd = text.firstIndex(of: ".") ?? text.endIndex
      if next() % 2 == 0, text.distance(from: text.startIndex, to: integerEnd) > 3 {
        var integer = Array(text[..<integerEnd])
        var i = integer.count - 3
        while i > 0 {
          integer.insert(",", at: i)
          i -= 3
        }
        text = String(integer) + String(text[integerEnd...])
      }
      var sign = ""
      switch next() % 4 {
      case 0: sign = "-"
      case 1: sign = "+"
      default: break
      }
      text = sign + text
      let expected = strtod(sign + plainText, nil)
      guard case .number(let got) = NumberSyntax.parse(text) else {
        Issue.record("\(text) not read as a number")
        return
      }
      #expect(got.bitPattern == expected.bitPattern, "\(text): \(got) vs strtod \(expected)")
      if got.bitPattern != expected.bitPattern { return }
    }
  }

  @Test("missing markers", arguments: ["", "  ", "NA", "na", "N/A", "n/a"])
  func missing(_ text: String) {
    #expect(NumberSyntax.parse(text) == .missing)
  }
}
