import Testing

@testable import Figures

@Suite("Verbal quantities")
struct VerbalQuantitiesTests {
  @Test("every phrase in the table looks itself up", arguments: VerbalQuantities.table)
  func everyPhrase(_ entry: VerbalQuantity) throws {
    #expect(VerbalQuantities.lookup(entry.phrase) == entry)
    #expect(VerbalQuantities.lookup(entry.phrase.uppercased()) == entry)
    #expect(VerbalQuantities.lookup("some \(entry.phrase) of") == entry)
    #expect(entry.low > 0 && entry.low <= entry.high)
    #expect(!entry.note.isEmpty)
  }

  @Test(
    "the documented anchors",
    arguments: [
      ("a handful", 3.0, 10.0), ("a few", 2, 9), ("several", 3, 9), ("dozens", 24, 99),
      ("scores", 40, 199), ("hundreds", 200, 999), ("thousands", 2_000, 9_999),
      ("tens of thousands", 20_000, 99_999), ("hundreds of thousands", 200_000, 999_999),
      ("millions", 2_000_000, 9_999_999),
    ])
  func anchors(_ phrase: String, _ low: Double, _ high: Double) throws {
    let entry = try #require(VerbalQuantities.lookup(phrase))
    #expect(entry.low == low)
    #expect(entry.high == high)
  }

  @Test(
    "tolerated spellings",
    arguments: [
      ("Tens of thousands", "tens of thousands"), ("  tens  of thousands of ", "tens of thousands"),
      ("some hundreds", "hundreds"), ("about a dozen", "a dozen"), ("Scores.", "scores"),
      ("(thousands)", "thousands"), ("an estimated tens of thousands", "tens of thousands"),
      ("\"Hundreds of thousands\"", "hundreds of thousands"),
      ("around several thousand", "several thousand"), ("tens of", "tens"),
    ])
  func spellings(_ text: String, _ phrase: String) {
    #expect(VerbalQuantities.lookup(text)?.phrase == phrase)
  }

  @Test("not in the table", arguments: ["zillions", "many", "", "some", "of", "about", "50,000"])
  func unknown(_ text: String) {
    #expect(VerbalQuantities.lookup(text) == nil)
  }

  @Test("plural-unit phrases do not overlap and stay below the next order of magnitude")
  func ordering() throws {
    let units = [
      "dozens", "hundreds", "thousands", "tens of thousands", "hundreds of thousands", "millions",
    ]
    let entries = try units.map { try #require(VerbalQuantities.lookup($0)) }
    for (a, b) in zip(entries, entries.dropFirst()) { #expect(a.high < b.low) }
    #expect(try #require(VerbalQuantities.lookup("tens of thousands")).high < 100_000)
  }
}
