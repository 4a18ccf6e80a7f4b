import Figures
import Statistics

/// The trend models `reconcile trend` offers.
public enum TrendModel: String, Sendable, CaseIterable {
  /// Poisson GLM, log link, log(exposure) offset.
  case poisson
  /// Quasi-Poisson: Poisson estimates, Pearson dispersion.
  case quasipoisson
  /// Negative binomial GLM (θ by maximum likelihood, as MASS::glm.nb), log(exposure) offset.
  case negbin
  /// OLS on log(count / exposure); zero counts left out.
  case loglinear
  /// OLS on count / exposure.
  case linear
  /// Segmented log-linear regression (NCI Joinpoint): OLS on log(count / exposure) with 0…K
  /// joinpoints at observed years, K chosen by the permutation test of Kim et al. (2000).
  case joinpoint
}

/// The joinpoint models of `trend --model joinpoint` (`--joinpoint-model`).
public enum JoinpointModel: String, Sendable, CaseIterable {
  /// Poisson regression of the counts with hinge terms, exposure offsets, buckets in the
  /// likelihood (composite link); the placement of largest likelihood.
  case poisson
  /// The same with the negative binomial, θ estimated.
  case negbin
  /// Least squares on log(count / exposure) (NCI Joinpoint's constant-variance model).
  case loglinear
  /// Weighted least squares on log(count / exposure) with weights = count (NCI Joinpoint's
  /// Poisson-variance option for log rates: 1/Var(log y) ≈ μ by the delta method).
  case weighted

  /// Whether the model is a likelihood for counts (poisson, negbin).
  public var isCount: Bool { self == .poisson || self == .negbin }
}

/// How `trend --model joinpoint` chooses the number of joinpoints (`--select`).
public enum JoinpointRule: String, Sendable, CaseIterable {
  /// The sequential permutation tests of Kim et al. (2000) (least-squares models).
  case permutation
  /// The Bayesian information criterion.
  case bic
}

/// The Poisson fit's overdispersion without joinpoints and with the chosen ones.
public struct JoinpointDispersion: Sendable {
  /// The chosen joinpoints.
  public var joinpoints: [Double]
  /// Without joinpoints: Pearson dispersion of the Poisson fit, LR test against the negative binomial.
  public var without: Overdispersion
  /// With the chosen joinpoints.
  public var with: Overdispersion
  /// Whether the joinpoints remove most of the overdispersion: the dispersion without them
  /// above 1.5 and its excess over 1 at least halved by them.
  public var removesMost: Bool {
    without.pearsonDispersion > 1.5 && with.pearsonDispersion - 1 <= (without.pearsonDispersion - 1) / 2
  }
}

/// An estimate with its interval.
public struct Interval: Sendable, Equatable {
  /// Point estimate (nil when it does not exist).
  public var estimate: Double?
  /// Lower end (nil when unbounded or undefined).
  public var low: Double?
  /// Upper end (nil when unbounded or undefined).
  public var high: Double?
}

/// One period of a trend: observed, annualised and fitted values with their bands.
public struct TrendPoint: Sendable, Equatable {
  /// The period as written, the years a cumulative total counts (`1993/1998`), or the
  /// projected or implied year.
  public var period: String
  /// Calendar year.
  public var year: Int
  /// Covered fraction of the year; for a count over several years, its length in years (the
  /// row then covers those years, `year` being its middle one); 1 for a stock.
  public var exposure: Double
  /// The observed count or level (nil for projections).
  public var observed: Double?
  /// observed / exposure; nil for a stock (a level is never annualised) and for projections.
  public var annualized: Double?
  /// Interval for observed / exposure: the exact Poisson (Garwood 1936) interval of the count
  /// divided by the exposure, widened by the count model's dispersion at the count
  /// (``annualizedDispersion``; ``Statistics/Garwood/interval(count:level:dispersion:)``).
  public var annualizedLow: Double? = nil
  /// Upper end of that interval.
  public var annualizedHigh: Double? = nil
  /// The variance-to-mean ratio by which the annualised interval is widened: 1 + μ̂/θ̂ for the
  /// negative binomial (μ̂ the count's fitted mean), φ̂ (at least 1) for the quasi-Poisson, 1
  /// (the plain Poisson interval) for the other models.
  public var annualizedDispersion: Double = 1
  /// Fitted full-year value; for a count over several years, its fitted total divided by its
  /// length in years (the fitted average a year, beside `annualized`).
  public var fitted: Double
  /// Confidence band for the fitted full-year value (nil when the fit did not converge).
  public var ciLow: Double?
  /// Confidence band.
  public var ciHigh: Double?
  /// Prediction band for a full year's count (nil when the fit did not converge).
  public var piLow: Double?
  /// Prediction band.
  public var piHigh: Double?
  /// Whether the year lies beyond the data.
  public var projected: Bool
  /// The figure's id (empty for projections).
  public var id: String
  /// The joinpoint segment (1-based) the period lies in; 1 for unsegmented models.
  public var segment: Int = 1
  /// The time the model places the period at, in years: its calendar year, or the middle of
  /// a flow over several years (``TrendAnalysis`` documents the approximation).
  public var time: Double = 0
  /// Whether the figure is a stock (a level): no exposure, nothing annualised.
  public var stock: Bool = false
  /// Whether the row is a year inside a count over several years (a bucket), whose value the
  /// composite link fit implies: no observation of its own; `id` is the bucket's figure and
  /// `fitted` times `exposure` over the bucket's years sums to the bucket's fitted total.
  public var implied: Bool = false
}

extension TrendPoint {
  /// A period's point from its fitted band, as every trend model gives it: the observation
  /// annualised with its exact Poisson interval for a flow, widened by `countDispersion` (the
  /// count model's variance-to-mean ratio at the count; a stock is a level, never
  /// annualised), the bands only when the fit converged.
  init(
    period: String, year: Int, time: Double, exposure: Double, observed: Double?, band: TrendBand,
    converged: Bool = true, stock: Bool, level: Double, projected: Bool, id: String, countDispersion: Double = 1
  ) {
    self.init(
      period: period, year: year, exposure: exposure, observed: observed,
      annualized: stock ? nil : observed.map { $0 / exposure }, fitted: band.fitted,
      ciLow: converged ? band.confidenceLow : nil, ciHigh: converged ? band.confidenceHigh : nil,
      piLow: converged ? band.predictionLow : nil, piHigh: converged ? band.predictionHigh : nil,
      projected: projected, id: id)
    self.time = time
    self.stock = stock
    if !stock, let y = observed, let ci = Garwood.interval(count: y, level: level, dispersion: countDispersion) {
      annualizedDispersion = max(1, countDispersion)
      annualizedLow = ci.low / exposure
      annualizedHigh = ci.high / exposure
    }
  }
}

/// The result of a trend fit for one series of a quantity.
public struct TrendResult: Sendable {
  /// The quantity.
  public var quantity: String
  /// The series fitted (``Figures/Figure/seriesName``: the `series` column, or the source).
  public var series: String = ""
  /// Whether the quantity has other series too (then outputs name this one).
  public var ofSeveral: Bool = false
  /// Stock (levels) or flow (counts over periods).
  public var measure: FigureMeasure = .flow
  /// What happened to the quantity's other figures: series not fitted, superseded figures.
  public var notes: [String] = []
  /// The model.
  public var model: TrendModel
  /// The underlying regression.
  public var fit: ModelFit
  /// exp(slope) — the factor by which the yearly count multiplies.
  public var growthFactor: Interval
  /// 100 (growth factor − 1).
  public var annualPercentChange: Interval
  /// ln 2 / slope, in years (nil when the trend does not grow).
  public var doublingTime: Interval
  /// Points, observed then projected.
  public var points: [TrendPoint]
  /// Warnings for the analyst.
  public var warnings: [String]
  /// What the model assumes, in one sentence.
  public var assumption: String
  /// Why this model: asked for, or chosen by the overdispersion test.
  public var modelChoice: String = ""
  /// Overdispersion diagnostics of the count series.
  public var overdispersion: Overdispersion? = nil
  /// Growth over a chosen span of years (`--span`).
  public var span: SpanResult? = nil
  /// The joinpoint fit (model joinpoint only).
  public var joinpointFit: JoinpointFit? = nil
  /// The joinpoint model fitted (model joinpoint only).
  public var joinpointModel: JoinpointModel? = nil
  /// The Poisson fit's overdispersion without and with the chosen joinpoints (a count
  /// joinpoint model with at least one joinpoint).
  public var joinpointDispersion: JoinpointDispersion? = nil
  /// Whether the fit is the composite link model (a count over several years or a
  /// cumulative total in the series): each count is the sum of the yearly means it covers.
  public var compositeLink: Bool = false
  /// The counts over several years of a composite link fit, with the yearly means they imply.
  public var buckets: [TrendBucket] = []
  /// The series' stated cumulative totals checked against its counts and the fit.
  public var cumulativeChecks: [CumulativeCheck] = []
  /// Figures a later printing of the series revises (left out, the latest printing used).
  public var conflicts: [PrintingConflict] = []

  /// The quantity, with the series when the quantity has several (`q — series`).
  public var label: String { ofSeveral ? "\(quantity) — \(series.isEmpty ? "(no source)" : series)" : quantity }
}

/// The trends of one quantity: a fit for each series with enough figures, the series that
/// have too few, and the figures left out because later figures revise them.
public struct QuantityTrends: Sendable {
  /// The quantity.
  public var quantity: String
  /// One fit per series with enough figures, in order of each series' first figure.
  public var results: [TrendResult]
  /// Series with fewer figures than a trend needs: name, ids and why.
  public var unfitted: [UnfittedSeries]
  /// Figures named in another figure's `supersedes`: left out of every series.
  public var superseded: [SupersededFigure]
  /// The `--vintage` date the series were fitted as of (nil: every figure).
  public var vintage: CalendarDate? = nil
  /// What the vintage left out, in a sentence.
  public var vintageNote: String? = nil

  /// The sentences that say what was left out, for each output's notes.
  public var notes: [String] {
    (vintageNote.map { [$0] } ?? [])
      + unfitted.map {
        "not fitted: series \($0.series.isEmpty ? "(no source)" : $0.series) has \($0.ids.count) figure(s) (\($0.ids.joined(separator: ", "))); \($0.reason)"
      }
      + superseded.map {
        "superseded: \($0.id) is revised by \($0.by.joined(separator: ", ")) and left out of the trend"
      }
  }
}

/// A series of a quantity that is listed, not fitted.
public struct UnfittedSeries: Sendable, Equatable {
  /// The series name.
  public var series: String
  /// Its figures' ids.
  public var ids: [String]
  /// Why it is not fitted.
  public var reason: String
}

/// A figure that a later one revises (`supersedes`).
public struct SupersededFigure: Sendable, Equatable {
  /// The superseded figure's id.
  public var id: String
  /// The ids of the figures that name it in `supersedes`.
  public var by: [String]
}

/// Growth over a span of years, from the same model fitted to those years only.
public struct SpanResult: Sendable, Equatable {
  /// First year.
  public var from: Int
  /// Last year.
  public var to: Int
  /// Periods in the span.
  public var periods: Int
  /// Growth factor per year.
  public var growthFactor: Interval
  /// Annual percent change.
  public var annualPercentChange: Interval
  /// Doubling time.
  public var doublingTime: Interval

  /// Whether the interval for the growth factor contains 2 — "doubling each year" is then
  /// consistent with the data.
  public var consistentWithDoubling: Bool? {
    guard let lo = growthFactor.low, let hi = growthFactor.high else { return nil }
    return lo <= 2 && 2 <= hi
  }

  /// What the growth factor's interval says of "doubling each year" (``DoublingVerdict``); nil
  /// without an interval.
  public var doubling: DoublingVerdict? {
    guard let lo = growthFactor.low, let hi = growthFactor.high else { return nil }
    if lo <= 1 && hi >= 2 { return .cannotTell }
    if hi < 2 { return .below }
    if lo > 2 { return .above }
    return .consistent
  }
}

/// What an interval [L, H] for a growth factor per year says of "doubling each year" (a
/// factor of 2): `consistent` when it holds 2 and lies above 1 (growth, and doubling among the
/// rates the data allow); `below` when it lies below 2 (a flat or falling series is below
/// doubling); `above` when it lies above 2; `cannotTell` when it holds both 1 and 2 — no growth
/// and doubling are both consistent with the data, which then say nothing either way.
public enum DoublingVerdict: String, Sendable, Equatable {
  /// 1 < L ≤ 2 ≤ H.
  case consistent
  /// H < 2.
  case below
  /// L > 2.
  case above
  /// L ≤ 1 and H ≥ 2.
  case cannotTell = "cannot_tell"

  /// The words of the span line, after a dash.
  public var phrase: String {
    switch self {
    case .consistent: return "consistent with doubling each year (2 lies in the interval, 1 does not)"
    case .below: return "below doubling each year (the interval lies below 2)"
    case .above: return "above doubling each year (the interval lies above 2)"
    case .cannotTell:
      return "cannot tell whether it doubles each year (the interval holds both 1, no growth, and 2)"
    }
  }
}
