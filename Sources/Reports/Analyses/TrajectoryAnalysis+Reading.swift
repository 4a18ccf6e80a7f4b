import Figures
import Statistics

/// Why a figure is not a statement of the trajectory.
struct LeftOutReason: Error, Equatable {
  var reason: String
  init(_ reason: String) { self.reason = reason }
}

/// One figure read as a statement: the model's statement (its year and series indices are set
/// when the data are assembled), with its calendar year, series name and natural-scale centre.
struct StatementReading {
  var statement: TrajectoryStatement
  var year: Int
  var series: String
  var measure: FigureMeasure
  var reading: SourceKind
  var center: Double
  var interval: (low: Double, high: Double)?
  var stated: (value: Double?, low: Double?, high: Double?)
}

extension TrajectoryAnalysis {
  /// The series name of a figure with neither `series` nor `source`.
  static let unnamedSeries = "(no series or source)"

  /// The figure as a statement about the level of its year, or why it is not one.
  ///
  /// Left out: a superseded figure, a restatement (`derived_from`) and a figure of narrower
  /// `scope`, with the reasons `ranges` gives (``RangesAnalysis/leftOut(_:supersededBy:)``);
  /// a figure without a period; a flow over several years (issue #29 spreads it over them) or
  /// over part of a year (its count is not the year's); and a figure with no reading on the log
  /// scale (zero or below, or one `ranges` does not pool). The year is the period's (a stock
  /// dated at a day or a month: that year).
  static func statement(_ f: Figure, supersededBy: [String: String]) -> Result<StatementReading, LeftOutReason> {
    if let reason = RangesAnalysis.leftOut(f, supersededBy: supersededBy).reason { return .failure(.init(reason)) }
    guard let period = f.period else {
      return .failure(.init("no period: the trajectory places each statement at its period's year"))
    }
    if f.measure == .cumulative {
      return .failure(
        .init("a cumulative total (\(period.text)): a sum over years, not the level of one (trend checks it)"))
    }
    if f.measure == .flow && period.spansYears {
      return .failure(
        .init(
          "a flow over several years (\(period.text)): not placed at one year (issue #29 spreads it over the years it covers)"
        ))
    }
    if f.measure == .flow && period.isPartial {
      return .failure(
        .init(
          "a flow over part of a year (\(period.text), \(NumberFormat.human(period.exposure, significant: 3)) of it): not the count of its year"
        ))
    }
    let textual = f.low == nil && f.high == nil && f.value == nil && f.verbal != nil
    let input = RangeInput(
      id: f.id, low: textual ? f.verbal?.low : f.low, high: textual ? f.verbal?.high : f.high, value: f.value,
      coverage: statedCoverage(f) ?? Figure.defaultCoverage, kind: RangesAnalysis.sourceKind(f, textual: textual))
    let d: SourceDistribution
    switch logReading(input) {
    case .success(let read): d = read
    case .failure(let why): return .failure(why)
    }
    let series = f.seriesName.isEmpty ? unnamedSeries : f.seriesName
    var read = StatementReading(
      statement: TrajectoryStatement(id: f.id, year: 0, series: 0, kind: .point, y: d.mu, sigma: d.sigma),
      year: period.year, series: series, measure: f.measure, reading: input.resolvedKind, center: d.mid,
      stated: (f.value, input.statedEnds.low, input.statedEnds.high))
    switch d.shape {
    case .normal, .twoPiece:
      break
    case .uniform(let low, let high):
      // A hard range: the value lies between its ends; the statement's own error at the edges
      // is a point's (a bound's, on each side).
      read.statement.kind = .interval
      read.statement.low = low
      read.statement.high = high
      read.statement.y = (low + high) / 2
      read.statement.sigma = pointSigma
      read.interval = (d.low, d.high)
    case .atLeast:
      read.statement.kind = .lower
    case .atMost:
      read.statement.kind = .upper
    }
    return .success(read)
  }

  /// The log-scale reading `ranges` gives the figure `input` alone: its distribution from
  /// `RangePooling.reconcile` (μ, σ, shape), or why it has none on the log scale.
  static func logReading(_ input: RangeInput) -> Result<SourceDistribution, LeftOutReason> {
    let rec: RangeReconciliation
    do {
      rec = try RangePooling.reconcile([input], detail: false, conflicts: false, leaveOneOut: false)
    } catch {
      return .failure(.init("no reading: \(error.description)"))
    }
    if let reason = rec.excluded.first?.reason { return .failure(.init("not read: \(reason)")) }
    guard rec.scale == .log, let d = rec.distributions.first else {
      return .failure(.init("zero or below: the trajectory is on the log scale"))
    }
    return .success(d)
  }

  /// A point's sd on the log scale at the default coverage: ln 2 / z₀.₉₅ (right within a
  /// factor of 2 at 90%), as `ranges` reads a point. The error of a hard range's edges.
  static let pointSigma: Double = {
    let one = RangeInput(id: "", low: nil, high: nil, value: 1, coverage: Figure.defaultCoverage, kind: .point)
    // (A point of 1 always has a reading; NaN would fail the data's validation, loudly.)
    if case .success(let d) = logReading(one) { return d.sigma }
    return .nan
  }()
}
