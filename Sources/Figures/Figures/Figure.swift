/// One figure quoted in a source: a point, a range, or words, with its provenance.
public struct Figure: Sendable, Hashable {
  /// The `id` column; when empty, `"<file stem>:<line>"` (such figures cannot be named in
  /// `derived_from`).
  public var id: String
  /// Machine name of what is counted (`nk_in_china`).
  public var quantity: String
  /// The unit (`persons`, `households`); empty when not given.
  public var unit: String
  /// A point figure.
  public var value: Double?
  /// The lower end of a range; alone it means "at least".
  public var low: Double?
  /// The upper end of a range; alone it means "up to".
  public var high: Double?
  /// The figure in words as printed ("tens of thousands"), if given.
  public var text: String?
  /// The verbal table's entry when `text` matched it.
  public var verbal: VerbalQuantity?
  /// The reference period, if given.
  public var period: Period?
  /// The probability that [effectiveLow, effectiveHigh] is meant to hold the true value:
  /// within ``coverageRange``, or 1 for a hard minimum–maximum range; ``defaultCoverage``
  /// when not given.
  public var coverage: Double
  /// Who published the figure.
  public var source: String
  /// When it was published, as written.
  public var published: String
  /// Where: a URL or document reference.
  public var document: String
  /// The sentence the figure was taken from.
  public var quote: String
  /// How the source arrived at it.
  public var method: String
  /// Free-text remarks.
  public var note: String
  /// Ids of the figures this one restates or summarises (split on `;`, trimmed, empties
  /// dropped), so that pooling never counts the same evidence twice.
  public var derivedFrom: [String]
  /// Columns the reader does not know, keyed by header name as written, values as written.
  public var extra: [String: String]
  /// The row's first line (no column).
  public var location: SourceLocation

  /// Whether the row stated `coverage` (false when it took the default).
  public var coverageStated: Bool = false

  /// What kind of statement it is (stated in `kind`, or inferred: ``FigureKind``).
  public var kind: FigureKind = .point
  /// Whether the row stated `kind` (false when it was inferred).
  public var kindStated: Bool = false
  /// Stock or flow (stated in `measure`, or inferred from the period: a single day is a stock).
  public var measure: FigureMeasure = .flow
  /// Whether the row stated `measure`.
  public var measureStated: Bool = false
  /// The `series` column: one organisation's continuing estimate; empty when not stated (the
  /// source is then the series, ``seriesName``).
  public var series: String = ""
  /// Ids of the figures this one revises (split on `;`): they stay in the provenance tables,
  /// marked, and are left out of every analysis.
  public var supersedes: [String] = []
  /// What part of the quantity the figure covers when narrower than it ("Yanbian only");
  /// empty for the whole.
  public var scope: String = ""
  /// A name shared by the figures that rest on one underlying estimate: they enter pooling once.
  public var evidence: String = ""

  /// The default `coverage`: the coverage a range is read at when its row states none and
  /// `--coverage` is not given. The one definition of it: the reader, and the pooling of
  /// `ranges` (its `--coverage` default, both of its paths) and of the report, take it from here.
  public static let defaultCoverage = 0.9

  /// The coverages a row may state: below 0.001 a range would be a sliver of its distribution
  /// (σ = width / (2z) explodes as z → 0), above 0.999999 the normal quantile runs into the
  /// end of the Double grid near 1. (Range pooling leaves out any other, `RangePooling.coverageRange`.)
  public static let coverageRange: ClosedRange<Double> = 0.001...0.999_999

  /// The coverage of a hard minimum–maximum range (a count that cannot lie outside it): a row
  /// may state it besides ``coverageRange``.
  public static let hardRangeCoverage = 1.0

  /// Whether a row may state coverage `p`: within ``coverageRange``, or exactly
  /// ``hardRangeCoverage``.
  public static func acceptsCoverage(_ p: Double) -> Bool {
    coverageRange.contains(p) || p == hardRangeCoverage
  }

  /// Creates a figure; every provenance field defaults to empty.
  public init(
    id: String, quantity: String, unit: String = "", value: Double? = nil, low: Double? = nil,
    high: Double? = nil, text: String? = nil, verbal: VerbalQuantity? = nil,
    period: Period? = nil, coverage: Double = Figure.defaultCoverage, source: String = "",
    published: String = "", document: String = "", quote: String = "", method: String = "",
    note: String = "", derivedFrom: [String] = [], extra: [String: String] = [:],
    location: SourceLocation
  ) {
    self.id = id
    self.quantity = quantity
    self.unit = unit
    self.value = value
    self.low = low
    self.high = high
    self.text = text
    self.verbal = verbal
    self.period = period
    self.coverage = coverage
    self.source = source
    self.published = published
    self.document = document
    self.quote = quote
    self.method = method
    self.note = note
    self.derivedFrom = derivedFrom
    self.extra = extra
    self.location = location
  }

  /// Whether the analyses' range comes from explicit `low`/`high` columns.
  private var hasExplicitRange: Bool { low != nil || high != nil }

  /// The lower end the analyses use: `low` when either `low` or `high` is given (so `nil`
  /// for an "up to" range), else `value` as a point, else the verbal table's low end.
  public var effectiveLow: Double? {
    if hasExplicitRange { return low }
    if let value { return value }
    return verbal?.low
  }

  /// The upper end the analyses use: `high` when either `low` or `high` is given (so `nil`
  /// for an "at least" range), else `value` as a point, else the verbal table's high end.
  public var effectiveHigh: Double? {
    if hasExplicitRange { return high }
    if let value { return value }
    return verbal?.high
  }
}

/// A figures file: its figures in file order and the warnings found reading it.
public struct FiguresFile: Sendable, Hashable {
  /// The path the file was read from.
  public var path: String
  /// The header's column names, as written.
  public var columns: [String]
  /// The figures, one per data row, in file order.
  public var figures: [Figure]
  /// Warnings (negative counts, a value outside its own range…); errors are thrown instead.
  public var warnings: [Diagnostic]

  /// Creates a file.
  public init(path: String, columns: [String], figures: [Figure], warnings: [Diagnostic]) {
    self.path = path
    self.columns = columns
    self.figures = figures
    self.warnings = warnings
  }

  /// The distinct quantities, in order of first appearance.
  public func quantities() -> [String] {
    var seen = Set<String>()
    var result: [String] = []
    for figure in figures where seen.insert(figure.quantity).inserted {
      result.append(figure.quantity)
    }
    return result
  }
}
