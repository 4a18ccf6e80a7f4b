/// How figures are worded in print: numbers with scale words ("12.2 million"), and the hedges
/// and bounds of the `text` grammar ("more than 370,000", "as many as 300,000",
/// "about 30,000"). Documented in `datasets/README.md` ("Wording").
///
/// A *scaled number* is a number of ``NumberSyntax`` (thousands separators allowed, no
/// exponent when a scale word follows), then optionally whitespace and one scale word of
/// ``scaleWords``, in any case: `12.2 million` is 12,200,000, `300 thousand` is 300,000,
/// `1.2 billion` is 1,200,000,000. Abbreviations (`k`, `m`, `mn`, `bn`) are not read: `m`
/// means a thousand in some financial usage and a million in others, so they are refused
/// rather than guessed. The value is the decimal literal with its exponent shifted
/// (`12.2e6`), read with one correct rounding, so `12.2 million` equals the cell `12,200,000`.
///
/// A `text` cell is read, after trimming, lowercasing and collapsing inner whitespace, as
///
///     text   := hedge " " scaled-number | scaled-number
///     hedge  := one of ``hedges``
///
/// and anything else is looked up in the verbal table (``VerbalQuantities``), as before.
public enum FigureWording {
  /// The scale words and the power of ten each stands for.
  public static let scaleWords: [(word: String, exponent: Int)] = [
    ("thousand", 3), ("million", 6), ("billion", 9), ("trillion", 12),
  ]

  /// The hedges and bounds of the `text` grammar and the kind each gives, longest first (so
  /// that "no more than" is not read as "more than").
  public static let hedges: [(phrase: String, kind: FigureKind)] = [
    ("at least", .atLeast), ("more than", .atLeast), ("over", .atLeast), ("in excess of", .atLeast),
    ("exceeds", .atLeast),
    ("as many as", .atMost), ("up to", .atMost), ("at most", .atMost), ("fewer than", .atMost),
    ("less than", .atMost), ("no more than", .atMost),
    ("about", .about), ("around", .about), ("roughly", .about), ("approximately", .about), ("some", .about),
    ("an estimated", .about), ("close to", .about), ("nearly", .about),
  ].sorted { $0.phrase.count > $1.phrase.count }

  /// What a `text` cell says by the grammar: its kind (`point` for a bare number) and its
  /// number; nil when the text is not in the grammar (it may still be a verbal quantity).
  public static func reading(_ text: String) -> (kind: FigureKind, number: Double)? {
    let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    guard !words.isEmpty else { return nil }
    let normal = words.joined(separator: " ")
    for hedge in hedges where normal.hasPrefix(hedge.phrase + " ") {
      let rest = String(normal.dropFirst(hedge.phrase.count + 1))
      if case .number(let x) = scaledNumber(rest) { return (hedge.kind, x) }
      return nil
    }
    if case .number(let x) = scaledNumber(normal) { return (.point, x) }
    return nil
  }

  /// Reads a number cell that may end in a scale word (`12.2 million`): as
  /// ``NumberSyntax/parse(_:)`` for a cell without one (`missing` for empty and `NA`).
  public static func scaledNumber(_ text: String) -> NumberSyntax.Outcome {
    let plain = NumberSyntax.parse(text)
    if plain != .invalid { return plain }
    let trimmed = text.trimmingWhitespace()
    guard let space = trimmed.lastIndex(where: { $0 == " " || $0 == "\t" }) else { return .invalid }
    let word = trimmed[trimmed.index(after: space)...].lowercased()
    guard let scale = scaleWords.first(where: { $0.word == word }) else { return .invalid }
    let digits = String(trimmed[..<space]).trimmingWhitespace()
    guard !digits.contains(where: { $0 == "e" || $0 == "E" }), case .number = NumberSyntax.parse(digits),
      let x = Double(digits.filter { $0 != "," } + "e\(scale.exponent)"), x.isFinite
    else { return .invalid }
    return .number(x)
  }

  /// The phrase a kind is said with in messages: "at least 370,000", "about 30,000".
  static func describe(_ kind: FigureKind, _ x: Double) -> String {
    switch kind {
    case .point, .range: return formatNumber(x)
    case .atLeast: return "at least \(formatNumber(x))"
    case .atMost: return "at most \(formatNumber(x))"
    case .about: return "about \(formatNumber(x))"
    }
  }
}
