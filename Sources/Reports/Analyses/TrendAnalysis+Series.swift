import Figures
import Statistics

extension TrendAnalysis {
  /// One figure of a series as the models use it.
  struct Row {
    /// The figure.
    var figure: Figure
    /// Its period.
    var period: Period
    /// The count (a flow) or the level (a stock).
    var count: Double
    /// The period's length in years for a flow (its offset is log exposure); 1 for a stock,
    /// which is a level and never annualised.
    var exposure: Double
    /// Where the models place it in time, in years: the calendar year of a period within one
    /// year (a partial year keeps its year), the middle of a flow over several years.
    var time: Double

    /// The calendar year the row is shown at: its year, or the middle year of a flow over
    /// several years.
    var year: Int { Int(time.rounded(.down)) }
    /// The last calendar year the period touches.
    var lastYear: Int { period.years.upperBound }

    init(figure: Figure, period: Period, count: Double) {
      self.figure = figure
      self.period = period
      self.count = count
      let stock = figure.measure == .stock
      exposure = stock ? 1 : period.exposure
      time = Self.time(of: period, stock: stock)
    }

    /// The time of a period: its calendar year, or, for a flow over several years, the middle
    /// of the period on the scale where a whole year y is centred at y (so `1999/2001` is at
    /// 2000 and `1999/2000` at 1999.5). The models then read the flow as its exposure times
    /// the yearly rate at that middle, exp(β₀ + β₁ t): exact for a constant rate, and for a
    /// rate growing by a factor g a year the sum of the yearly rates exceeds it by about
    /// (L ln g)²/24 for a flow of L years (4.6% for g = 1.54 over 3 years). Issue #29 puts the
    /// sum of the yearly means covered into the likelihood instead.
    static func time(of period: Period, stock: Bool) -> Double {
      guard period.spansYears, !stock else { return Double(period.year) }
      let first = Double(CalendarDate.daysIn(year: period.start.year))
      let start = Double(period.start.year) + Double(period.start.dayOfYear - 1) / first
      return start + period.exposure / 2 - 0.5
    }
  }

  /// The series of a quantity, ready to fit, and what was left out.
  struct GroupedSeries {
    /// Series with enough figures, each sorted by time.
    var series: [(name: String, rows: [Row])]
    /// Series with too few figures.
    var unfitted: [UnfittedSeries]
    /// Figures left out because a later figure revises them.
    var superseded: [SupersededFigure]
  }

  /// An error about the series as a whole, named by the file(s) its figures came from.
  static func filesError(_ rows: [Row], _ message: String) -> AnalysisError {
    RangesAnalysis.filesError(rows.map(\.figure), message)
  }

  /// The ids named in any figure's `supersedes`, each with the ids of the figures that name it.
  static func supersededIDs(_ files: [FiguresFile]) -> [String: [String]] {
    var by: [String: [String]] = [:]
    for file in files {
      for f in file.figures {
        for id in f.supersedes where id != f.id { by[id, default: []].append(f.id) }
      }
    }
    return by
  }

  /// The figures of `quantity` that are not superseded, grouped by series in order of each
  /// series' first figure, and the superseded ones. `superseded` is ``supersededIDs(_:)``.
  static func partition(_ figures: [Figure], superseded: [String: [String]]) -> (
    groups: [(name: String, figures: [Figure])], superseded: [SupersededFigure]
  ) {
    var order: [String] = []
    var groups: [String: [Figure]] = [:]
    var left: [SupersededFigure] = []
    for f in figures {
      if let by = superseded[f.id] {
        left.append(SupersededFigure(id: f.id, by: by))
        continue
      }
      let name = f.seriesName
      if groups[name] == nil { order.append(name) }
      groups[name, default: []].append(f)
    }
    return (order.map { ($0, groups[$0] ?? []) }, left)
  }

  /// The sentence that says the figures of `quantity` are a set of estimates from several
  /// series rather than a trend: there are at least two series and none has `minimum`
  /// figures. Nil when some series can be fitted, or when there is one series (its own
  /// error then says how many periods it lacks).
  public static func notATrend(_ figures: [Figure], quantity: String, minimum: Int = 2) -> String? {
    let parts = partition(figures.filter { $0.quantity == quantity }, superseded: supersededIDsOf(figures))
    return notATrend(parts.groups, quantity: quantity, minimum: minimum)
  }

  /// ``supersededIDs(_:)`` over one list of figures.
  static func supersededIDsOf(_ figures: [Figure]) -> [String: [String]] {
    supersededIDs([FiguresFile(path: "", columns: [], figures: figures, warnings: [])])
  }

  static func notATrend(_ groups: [(name: String, figures: [Figure])], quantity: String, minimum: Int) -> String? {
    guard groups.count >= 2, groups.allSatisfy({ $0.figures.count < minimum }) else { return nil }
    let counts = groups.map { "\($0.name.isEmpty ? "(no source)" : $0.name): \($0.figures.count)" }
    return
      "\(quantity): a set of estimates from \(groups.count) series, not a trend: figures from different series are never one trend, and no series has the \(minimum) figures a trend needs (\(counts.joined(separator: "; "))); compare them with `reconcile ranges`"
  }

  /// The figures of `quantity` as yearly series: superseded figures left out, the rest grouped
  /// by series; a series with fewer than `minimum` figures is listed, not fitted (unless it is
  /// the only one, whose fit then says what it lacks).
  /// - Throws: `AnalysisError` when the quantity is missing, the figures are a set of estimates
  ///   from several series (``notATrend(_:quantity:minimum:)``), or a figure of a series to fit
  ///   has no period or no point value, is a stock over several years, mixes stock and flow
  ///   with the rest of its series, or covers a year another figure of its series covers.
  static func seriesRows(_ files: [FiguresFile], quantity: String, minimum: Int) throws(AnalysisError)
    -> GroupedSeries
  {
    let all = files.flatMap(\.figures)
    let figs = all.filter { $0.quantity == quantity }
    if figs.isEmpty {
      // Each name once, in order of first appearance (a set: a file may hold 100,000 names).
      var order: [String] = []
      var seen = Set<String>()
      for f in all where seen.insert(f.quantity).inserted { order.append(f.quantity) }
      throw .unknownQuantity(quantity, available: order)
    }
    let parts = partition(figs, superseded: supersededIDs(files))
    if let sentence = notATrend(parts.groups, quantity: quantity, minimum: minimum) {
      throw RangesAnalysis.filesError(figs, sentence)
    }
    var out = GroupedSeries(series: [], unfitted: [], superseded: parts.superseded)
    for group in parts.groups {
      if group.figures.count < minimum && parts.groups.count > 1 {
        out.unfitted.append(
          UnfittedSeries(
            series: group.name, ids: group.figures.map(\.id),
            reason: "a\(minimum == 3 ? " joinpoint" : "") trend needs at least \(minimum)"))
        continue
      }
      out.series.append((group.name, try rows(group.figures, quantity: quantity)))
    }
    return out
  }

  /// One series' figures as rows sorted by time, each checked.
  static func rows(_ figs: [Figure], quantity: String) throws(AnalysisError) -> [Row] {
    var rows: [Row] = []
    var seen: [Int: String] = [:]
    let measure = figs.first?.measure ?? .flow
    for f in figs {
      guard let p = f.period else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' has no period; a trend needs one per figure")
      }
      guard let v = f.value ?? ((f.low != nil && f.low == f.high) ? f.low : nil) else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' is a range, not a count; a trend needs point values")
      }
      if f.measure != measure {
        throw .located(
          f.location,
          "\(quantity): figure '\(f.id)' is a \(f.measure.rawValue) and '\(figs[0].id)' a \(measure.rawValue) of the same series; a trend models levels or counts, not both"
        )
      }
      if f.measure == .stock && p.spansYears {
        throw .located(
          f.location,
          "\(quantity): figure '\(f.id)' is a stock over several years (\(p.text)); a stock is a level at a date")
      }
      for year in p.years {
        if let other = seen[year] {
          throw .located(
            f.location,
            "\(quantity): figures '\(other)' and '\(f.id)' both cover \(year); a trend needs one count per year")
        }
        seen[year] = f.id
      }
      rows.append(Row(figure: f, period: p, count: v))
    }
    return rows.sorted { $0.time < $1.time }
  }
}
