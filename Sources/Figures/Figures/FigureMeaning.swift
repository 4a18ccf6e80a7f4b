/// What kind of statement a figure is: the `kind` column, or inferred from the row when the
/// column is absent or its cell is empty (``Figure/inferredKind(value:low:high:)``, and the
/// hedges of the `text` grammar documented in `datasets/README.md`).
public enum FigureKind: String, Sendable, Hashable, CaseIterable {
  /// A stated number ("121").
  case point
  /// A range ("from 10,000 to 300,000"), with or without a stated centre in `value`.
  case range
  /// A lower bound ("at least 300,000", "more than 370,000"): `low` (or `value`) is the bound.
  case atLeast = "at_least"
  /// An upper bound ("as many as 300,000", "up to 300,000"): `high` (or `value`) is the bound.
  case atMost = "at_most"
  /// A hedged number ("about 30,000", "close to 400,000"): read as a point.
  case about
}

/// What a figure measures: the `measure` column, or inferred from the period when absent.
public enum FigureMeasure: String, Sendable, Hashable, CaseIterable {
  /// A level at a date or in a year ("in hiding in China in 2002"): never annualised.
  case stock
  /// A count over a period ("arrivals in 2001"); may cover several years.
  case flow
}

extension Figure {
  /// The kind the numeric cells imply when no kind is stated: both ends a range, one end a
  /// bound, a value alone a point (a verbal figure, with no number, is a range).
  public static func inferredKind(value: Double?, low: Double?, high: Double?) -> FigureKind {
    switch (low, high) {
    case (.some, .some): return .range
    case (.some, nil): return .atLeast
    case (nil, .some): return .atMost
    case (nil, nil): return value == nil ? .range : .point
    }
  }

  /// The series the figure belongs to: the `series` column, or its `source` when that is empty
  /// (each source is then its own series).
  public var seriesName: String { series.isEmpty ? source : series }

  /// Whether the figure covers only part of what its quantity counts (a non-empty `scope`).
  public var isScoped: Bool { !scope.isEmpty }
}
