/// A figure printed in words ("tens of thousands") and the numeric range it is read as.
public struct VerbalQuantity: Sendable, Hashable {
  /// The canonical phrase, lowercase ("tens of thousands").
  public var phrase: String
  /// The smallest count the phrase is read to allow.
  public var low: Double
  /// The largest count the phrase is read to allow.
  public var high: Double
  /// Why these bounds.
  public var note: String

  /// Creates an entry.
  public init(phrase: String, low: Double, high: Double, note: String) {
    self.phrase = phrase
    self.low = low
    self.high = high
    self.note = note
  }
}

/// The project's documented reading of verbal quantities.
///
/// Conventions behind the table: a plural of a unit ("hundreds", "thousands") means at least
/// two of that unit and fewer than the next unit up, so each range ends just below the
/// next phrase's order of magnitude and ranges of the plural unit phrases never overlap; the
/// small-number words ("a few", "several", "a handful") follow common English usage and do
/// overlap. Ranges are deliberately wide: a verbal figure enters the analyses as a wide
/// interval, never as a point.
public enum VerbalQuantities {
  /// The table, from smallest to largest.
  public static let table: [VerbalQuantity] = [
    VerbalQuantity(
      phrase: "a couple", low: 2, high: 3,
      note: "literally two; loosely two or three"),
    VerbalQuantity(
      phrase: "a few", low: 2, high: 9,
      note: "more than one, fewer than ten; usually read as three to five"),
    VerbalQuantity(
      phrase: "a handful", low: 3, high: 10,
      note: "as many as can be counted on the fingers: at most ten"),
    VerbalQuantity(
      phrase: "several", low: 3, high: 9,
      note: "more than two, not many; below ten, or the text would say dozens"),
    VerbalQuantity(
      phrase: "a dozen", low: 10, high: 15,
      note: "about twelve; a rounded count, so ten to fifteen"),
    VerbalQuantity(
      phrase: "dozens", low: 24, high: 99,
      note: "at least two dozen; below a hundred, or the text would say hundreds"),
    VerbalQuantity(
      phrase: "tens", low: 20, high: 99,
      note: "at least two tens, fewer than a hundred (a common rendering of Korean 수십)"),
    VerbalQuantity(
      phrase: "scores", low: 40, high: 199,
      note: "at least two score (40); below two hundred, where hundreds would be used"),
    VerbalQuantity(
      phrase: "hundreds", low: 200, high: 999,
      note: "at least two hundred, fewer than a thousand"),
    VerbalQuantity(
      phrase: "a few hundred", low: 200, high: 900,
      note: "two to nine hundreds, by the reading of a few"),
    VerbalQuantity(
      phrase: "several hundred", low: 300, high: 900,
      note: "three to nine hundreds, by the reading of several"),
    VerbalQuantity(
      phrase: "thousands", low: 2_000, high: 9_999,
      note: "at least two thousand, fewer than ten thousand"),
    VerbalQuantity(
      phrase: "a few thousand", low: 2_000, high: 9_000,
      note: "two to nine thousands, by the reading of a few"),
    VerbalQuantity(
      phrase: "several thousand", low: 3_000, high: 9_000,
      note: "three to nine thousands, by the reading of several"),
    VerbalQuantity(
      phrase: "tens of thousands", low: 20_000, high: 99_999,
      note:
        "at least two ten-thousands; strictly below 100,000, or it would be hundreds of thousands"),
    VerbalQuantity(
      phrase: "hundreds of thousands", low: 200_000, high: 999_999,
      note: "at least two hundred thousand, fewer than a million"),
    VerbalQuantity(
      phrase: "millions", low: 2_000_000, high: 9_999_999,
      note: "at least two million, fewer than ten million"),
  ]

  /// Leading words that hedge a phrase without changing its range.
  static let hedges = [
    "some", "about", "around", "roughly", "approximately", "an estimated", "estimated",
  ]

  /// The entry for `text`, or `nil` when it is not in the table.
  ///
  /// Matching ignores case, surrounding whitespace and punctuation, repeated inner spaces,
  /// a leading hedge (`some`, `about`, `around`, `roughly`, `approximately`, `an estimated`)
  /// and a trailing `of` ("tens of thousands of" → "tens of thousands").
  public static func lookup(_ text: String) -> VerbalQuantity? {
    let key = normalize(text)
    return table.first { $0.phrase == key }
  }

  /// The matching key for `text`.
  static func normalize(_ text: String) -> String {
    var words = text.lowercased()
      .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
      .map(String.init)
    var changed = true
    while changed {
      changed = false
      for hedge in hedges {
        let hedgeWords = hedge.split(separator: " ").map(String.init)
        if words.count > hedgeWords.count, Array(words.prefix(hedgeWords.count)) == hedgeWords {
          words.removeFirst(hedgeWords.count)
          changed = true
        }
      }
    }
    if words.count > 1, words.last == "of" { words.removeLast() }
    return words.joined(separator: " ")
  }
}
