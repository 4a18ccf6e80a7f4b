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
  /// The period as written, or the projected year.
  public var period: String
  /// Calendar year.
  public var year: Int
  /// Covered fraction of the year.
  public var exposure: Double
  /// The observed count (nil for projections).
  public var observed: Double?
  /// observed / exposure.
  public var annualized: Double?
  /// Exact Poisson (Garwood 1936) interval for observed / exposure: χ²-quantiles of the count
  /// divided by the exposure. It ignores overdispersion.
  public var annualizedLow: Double? = nil
  /// Upper end of that interval.
  public var annualizedHigh: Double? = nil
  /// Fitted full-year value.
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
}

/// The result of a trend fit for one quantity.
public struct TrendResult: Sendable {
  /// The quantity.
  public var quantity: String
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
}
