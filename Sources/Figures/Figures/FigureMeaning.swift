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

/// What a figure measures: the `measure` column, or inferred from the period when absent
/// (never inferred to be `cumulative`, which must be stated).
public enum FigureMeasure: String, Sendable, Hashable, CaseIterable {
  /// A level at a date or in a year ("in hiding in China in 2002"): never annualised.
  case stock
  /// A count over a period ("arrivals in 2001"); may cover several years.
  case flow
  /// A running total of a flow up to a date ("34,314 arrivals in all through 2024"): a point
  /// count (kind `point` or `about`) whose period is the date or year it runs to, counted from
  /// the first year of its series, or `START/END` when it states its start. A trend puts it in
  /// the likelihood as the sum of the yearly means it covers when no printing of its series
  /// as recent as it counts those years, and otherwise checks it against them.
  case cumulative

  /// Whether the figure counts events (a flow or a running total of one), not a level.
  public var countsEvents: Bool { self != .stock }
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
