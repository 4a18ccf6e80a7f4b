import Testing

@testable import Reports

@Suite("Pooled figures rounded to the digits their interval supports")
struct PublicationRoundingTests {
  @Test("The interval decides: three significant digits of its width, at least two of each number")
  func supported() {
    let r = PublicationRounding.supported
    // An interval spanning two orders of magnitude supports no six-digit centre.
    #expect(r.estimate(78_081, low: 7_101, high: 858_552) == "78,000")
    #expect(r.range(7_101, 858_552) == "7,100–859,000")
    #expect(r.estimate(104_794.44, low: 60_051.7, high: 182_873.7) == "105,000")
    #expect(r.range(60_051.7, 182_873.7) == "60,000–183,000")
    // A narrow interval keeps the digits it supports.
    #expect(r.estimate(1_234.5678, low: 1_230.1, high: 1_239.9) == "1,234.57")
    #expect(r.estimate(8.3, low: 4.15, high: 16.6) == "8.3")
    // No interval: four significant digits, as before.
    #expect(r.text(104_794.44, width: nil) == "104,794")
    #expect(r.text(nil, width: 1) == "—")
  }

  @Test("--digits fixes the significant digits")
  func fixed() {
    let r = PublicationRounding(digits: 2)
    #expect(r.estimate(104_794.44, low: 60_051.7, high: 182_873.7) == "100,000")
    #expect(r.range(46_089.5, 238_272.7) == "46,000–240,000")
    #expect(PublicationRounding(digits: 7).text(104_794.44, width: 1) == "104,794.4")
  }
}
