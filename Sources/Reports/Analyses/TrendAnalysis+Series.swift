import Figures
import Statistics

extension TrendAnalysis {
  /// One figure of a series as the models use it: a count (or level) over the whole years
  /// `first`…`last`, or part of one year.
  struct Row {
    /// The figure.
    var figure: Figure
    /// Its period.
    var period: Period
    /// The count (a flow or a cumulative total) or the level (a stock).
    var count: Double
    /// The period's length in years for a flow (the sum of the fractions of the years it
    /// covers); the number of years a cumulative total covers; 1 for a stock, which is a level
    /// and never annualised.
    var exposure: Double
    /// Where the outputs place it in time, in years: the calendar year of a period within one
    /// year (a partial year keeps its year), the middle of a count over several years (for
    /// charts: the count models put the sum of the yearly means of its years in the
    /// likelihood, ``TrendAnalysis/fitComposite(quantity:rows:checks:model:level:through:)``).
    var time: Double
    /// The first calendar year the count covers (a cumulative total: its stated start, or the
    /// first year a count of its series covers).
    var first: Int
    /// The last calendar year it covers.
    var last: Int
    /// When it was published (nil when the `published` cell is empty or not a date).
    var published: PublicationDate?

    /// The calendar year the row is shown at: its year, or the middle year of a count over
    /// several years.
    var year: Int { Int(time.rounded(.down)) }
    /// The last calendar year the row covers.
    var lastYear: Int { last }
    /// Whether the row is a cumulative total.
    var cumulative: Bool { figure.measure == .cumulative }
    /// Whether the row covers more than one calendar year (a bucket).
    var spansYears: Bool { first != last }
    /// The period as the outputs show it: as written, or `FIRST/LAST` for a cumulative
    /// total, the years it counts.
    var label: String { cumulative ? "\(first)/\(last)" : period.text }

    init(figure: Figure, period: Period, count: Double) {
      self.figure = figure
      self.period = period
      self.count = count
      let stock = figure.measure == .stock
      exposure = stock ? 1 : period.exposure
      time = Self.time(of: period, stock: stock)
      first = period.years.lowerBound
      last = period.years.upperBound
      published = PublicationDate(figure.published)
    }

    /// A cumulative total counting the whole years `first`…`last`.
    init(cumulative figure: Figure, period: Period, count: Double, first: Int, last: Int) {
      self.figure = figure
      self.period = period
      self.count = count
      exposure = Double(last - first + 1)
      time = (Double(first) + Double(last)) / 2
      self.first = first
      self.last = last
      published = PublicationDate(figure.published)
    }

    /// The fraction of the calendar year `year` the row counts: 1 for a year a cumulative
    /// total covers, the period's days in it over the year's days for a flow.
    func fraction(of year: Int) -> Double { cumulative ? 1 : period.fraction(of: year) }

    /// The row as a conflict names it.
    var reference: PrintingRef {
      let label: String
      if cumulative {
        label = "the cumulative total through \(last) (counted from \(first))"
      } else if spansYears {
        label = "the \(first)–\(last) bucket"
      } else {
        label = period.text
      }
      return PrintingRef(id: figure.id, label: label, value: count, published: figure.published)
    }

    /// The time of a period: its calendar year, or, for a flow over several years, the middle
    /// of the period on the scale where a whole year y is centred at y (so `1999/2001` is at
    /// 2000 and `1999/2000` at 1999.5). Only where it is drawn: until issue #29 the count models
    /// read such a flow as its exposure times the yearly rate at that middle, which for a rate
    /// growing by a factor g a year falls short of the sum of the yearly rates by about
    /// (L ln g)²/24 over L years; they now put that sum in the likelihood.
    static func time(of period: Period, stock: Bool) -> Double {
      guard period.spansYears, !stock else { return Double(period.year) }
      let first = Double(CalendarDate.daysIn(year: period.start.year))
      let start = Double(period.start.year) + Double(period.start.dayOfYear - 1) / first
      return start + period.exposure / 2 - 0.5
    }
  }

  /// One series ready to fit: its counts (each printing resolved), the cumulative totals to
  /// check against them, the figures later printings revise, and what was left out.
  struct SeriesToFit {
    /// The series name.
    var name: String
    /// The counts the fit uses, sorted by time.
    var rows: [Row]
    /// Cumulative totals checked against them (not in the likelihood).
    var checks: [Row] = []
    /// Figures a later printing revises, with what replaced them.
    var conflicts: [PrintingConflict] = []
    /// Figures that could not be used, with why.
    var notes: [String] = []
  }

  /// The series of a quantity, ready to fit, and what was left out.
  struct GroupedSeries {
    /// Series with enough figures, each sorted by time.
    var series: [SeriesToFit]
    /// Series with too few figures.
    var unfitted: [UnfittedSeries]
    /// Figures left out because a later figure revises them.
    var superseded: [SupersededFigure]
    /// What `--vintage` left out, in a sentence.
    var vintageNote: String? = nil
  }

  /// Whether `figure` was published on or before `vintage`: its `published` cell is a date
  /// whose last possible day is not after it (``PublicationDate``).
  static func published(_ figure: Figure, by vintage: CalendarDate) -> Bool {
    guard let date = PublicationDate(figure.published) else { return false }
    return date.lastDay <= vintage
  }

  /// "vintage 2003-01-01: the figures published on or before it (25 of 35 left out: …)".
  static func vintageSentence(_ vintage: CalendarDate, left: Int, of total: Int) -> String {
    "vintage \(vintage): the series as it stood then — only figures published on or before it (\(left) of \(total) left out: published later, or with no `published` date)"
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
  ///   with the rest of its series, or covers a year another figure of the same publication
  ///   date covers (``resolve(_:quantity:)``).
  static func seriesRows(
    _ files: [FiguresFile], quantity: String, minimum: Int, vintage: CalendarDate? = nil
  ) throws(AnalysisError) -> GroupedSeries {
    let all = files.flatMap(\.figures)
    var figs = all.filter { $0.quantity == quantity }
    if figs.isEmpty {
      // Each name once, in order of first appearance (a set: a file may hold 100,000 names).
      var order: [String] = []
      var seen = Set<String>()
      for f in all where seen.insert(f.quantity).inserted { order.append(f.quantity) }
      throw .unknownQuantity(quantity, available: order)
    }
    var vintageNote: String? = nil
    if let vintage {
      let kept = figs.filter { published($0, by: vintage) }
      vintageNote = vintageSentence(vintage, left: figs.count - kept.count, of: figs.count)
      guard !kept.isEmpty else {
        throw RangesAnalysis.filesError(
          figs,
          "\(quantity): no figure was published on or before \(vintage) (--vintage; a figure with no `published` date is never known to be)"
        )
      }
      figs = kept
    }
    // A figure published after the vintage revises nothing.
    let parts = partition(figs, superseded: supersededIDsOf(figs))
    if let sentence = notATrend(parts.groups, quantity: quantity, minimum: minimum) {
      throw RangesAnalysis.filesError(figs, sentence)
    }
    var out = GroupedSeries(series: [], unfitted: [], superseded: parts.superseded)
    out.vintageNote = vintageNote
    for group in parts.groups {
      if group.figures.count < minimum && parts.groups.count > 1 {
        out.unfitted.append(
          UnfittedSeries(
            series: group.name, ids: group.figures.map(\.id),
            reason: "a\(minimum == 3 ? " joinpoint" : "") trend needs at least \(minimum)"))
        continue
      }
      var series = try resolve(group.figures, quantity: quantity)
      series.name = group.name
      out.series.append(series)
    }
    return out
  }
}
