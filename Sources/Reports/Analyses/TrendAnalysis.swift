import Figures
import Foundation
import Numerics
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
  /// Fitted full-year value.
  public var fitted: Double
  /// Confidence band for the fitted full-year value.
  public var ciLow: Double
  /// Confidence band.
  public var ciHigh: Double
  /// Prediction band for a full year's count.
  public var piLow: Double
  /// Prediction band.
  public var piHigh: Double
  /// Whether the year lies beyond the data.
  public var projected: Bool
  /// The figure's id (empty for projections).
  public var id: String
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
}

/// `reconcile trend`: growth of a yearly count with honest intervals.
///
/// Time enters as the calendar year of each period. A partial period (exposure e < 1) enters
/// count models through the offset log e — never by scaling the count; for the OLS models
/// its count is annualised (count / e). Fitted values and bands are for a full year.
/// Confidence bands: exp(η̂ ± q·se(η̂)); prediction bands for count models use the log-scale
/// normal approximation exp(η̂ ± q·√(se(η̂)² + φ/μ̂)) (delta method, Var Y = φμ), and for
/// the log-linear model exp(η̂ ± t·√(se(η̂)² + s²)).
public enum TrendAnalysis {
  /// Fits the trend of `quantity` over the figures of `files`.
  /// - Throws: `AnalysisError` when the quantity is missing, a figure has no point value or no
  ///   period, two figures share a period, or the fit fails.
  public static func run(
    _ files: [FiguresFile], quantity: String, model: TrendModel, level: Double = 0.95,
    through: Int? = nil
  ) throws(AnalysisError) -> TrendResult {
    let all = files.flatMap(\.figures)
    let figs = all.filter { $0.quantity == quantity }
    if figs.isEmpty {
      var order: [String] = []
      for f in all where !order.contains(f.quantity) { order.append(f.quantity) }
      throw .unknownQuantity(quantity, available: order)
    }
    var rows: [(figure: Figure, period: Period, count: Double)] = []
    var seen: [Int: String] = [:]
    for f in figs {
      guard let p = f.period else {
        throw .analysis(quantity, "\(f.location): figure '\(f.id)' has no period; a trend needs one per figure")
      }
      guard let v = f.value ?? ((f.low != nil && f.low == f.high) ? f.low : nil) else {
        throw .analysis(quantity, "\(f.location): figure '\(f.id)' is a range, not a count; a trend needs point values")
      }
      if let other = seen[p.year] {
        throw .analysis(quantity, "\(f.location): figures '\(other)' and '\(f.id)' both cover \(p.year); a trend needs one count per year")
      }
      seen[p.year] = f.id
      rows.append((f, p, v))
    }
    rows.sort { $0.period.year < $1.period.year }
    var warnings: [String] = []
    var used = rows
    if model == .loglinear {
      let zeros = rows.filter { $0.count <= 0 }
      if !zeros.isEmpty {
        warnings.append("log-linear model: \(zeros.count) zero count(s) left out (\(zeros.map { $0.figure.id }.joined(separator: ", "))) because log 0 is undefined; a count model keeps them")
        used = rows.filter { $0.count > 0 }
      }
    }
    guard used.count >= 2 else {
      throw .analysis(quantity, "a trend needs at least 2 periods with counts, found \(used.count)")
    }
    let years = used.map { Double($0.period.year) }
    let design: Matrix
    do {
      design = try Matrix(columns: [Array(repeating: 1, count: used.count), years])
    } catch {
      throw .analysis(quantity, error.description)
    }
    let names = ["(Intercept)", "year"]
    let fit: ModelFit
    do {
      switch model {
      case .poisson, .quasipoisson:
        fit = try PoissonRegression.fit(
          design: design, counts: used.map(\.count), names: names,
          offset: used.map { log($0.period.exposure) }, quasi: model == .quasipoisson, level: level)
      case .negbin:
        fit = try NegativeBinomial.fit(
          design: design, counts: used.map(\.count), names: names,
          offset: used.map { log($0.period.exposure) }, level: level)
      case .loglinear:
        fit = try LinearModel.fit(
          design: design, response: used.map { log($0.count / $0.period.exposure) }, names: names,
          hasIntercept: true, level: level)
      case .linear:
        fit = try LinearModel.fit(
          design: design, response: used.map { $0.count / $0.period.exposure }, names: names,
          hasIntercept: true, level: level)
      }
    } catch {
      throw .analysis(quantity, error.description)
    }
    warnings += fit.warnings
    let slope = fit.parameters[1]
    let multiplicative = model != .linear
    let growth =
      multiplicative
      ? Interval(estimate: exp(slope.estimate), low: exp(slope.ciLow), high: exp(slope.ciHigh))
      : Interval(estimate: nil, low: nil, high: nil)
    let apc = Interval(
      estimate: growth.estimate.map { 100 * ($0 - 1) }, low: growth.low.map { 100 * ($0 - 1) },
      high: growth.high.map { 100 * ($0 - 1) })
    var doubling = Interval(estimate: nil, low: nil, high: nil)
    if multiplicative && slope.estimate > 0 {
      doubling.estimate = log(2) / slope.estimate
      doubling.low = slope.ciHigh > 0 ? log(2) / slope.ciHigh : nil
      doubling.high = slope.ciLow > 0 ? log(2) / slope.ciLow : nil
    }
    let crit = fit.criticalValue(level: level)
    var points: [TrendPoint] = []
    func point(year: Int, period: String, exposure: Double, observed: Double?, id: String, projected: Bool) throws(AnalysisError) -> TrendPoint {
      let lp: (estimate: Double, standardError: Double)
      do {
        lp = try fit.linearPredictor([1, Double(year)])
      } catch {
        throw .analysis(quantity, error.description)
      }
      let eta = lp.estimate
      let se = lp.standardError
      var fitted = 0.0, cl = 0.0, ch = 0.0, pl = 0.0, ph = 0.0
      switch model {
      case .poisson, .quasipoisson, .negbin:
        fitted = exp(eta)
        cl = exp(eta - crit * se)
        ch = exp(eta + crit * se)
        // Var(log Y) ≈ Var Y / μ² = φ/μ (Poisson, quasi-Poisson) or 1/μ + 1/θ (negative binomial).
        let countVariance = model == .negbin ? 1 / fitted + 1 / (fit.theta ?? .infinity) : fit.dispersion / fitted
        let s = (se * se + countVariance).squareRoot()
        pl = exp(eta - crit * s)
        ph = exp(eta + crit * s)
      case .loglinear:
        fitted = exp(eta)
        cl = exp(eta - crit * se)
        ch = exp(eta + crit * se)
        let s = (se * se + fit.dispersion).squareRoot()
        pl = exp(eta - crit * s)
        ph = exp(eta + crit * s)
      case .linear:
        fitted = eta
        cl = eta - crit * se
        ch = eta + crit * se
        let s = (se * se + fit.dispersion).squareRoot()
        pl = eta - crit * s
        ph = eta + crit * s
      }
      return TrendPoint(
        period: period, year: year, exposure: exposure, observed: observed,
        annualized: observed.map { $0 / exposure }, fitted: fitted, ciLow: cl, ciHigh: ch,
        piLow: pl, piHigh: ph, projected: projected, id: id)
    }
    for r in rows {
      points.append(
        try point(
          year: r.period.year, period: r.period.text, exposure: r.period.exposure, observed: r.count,
          id: r.figure.id, projected: false))
    }
    if let through, let last = rows.last?.period.year, through > last {
      for y in (last + 1)...through {
        points.append(try point(year: y, period: String(y), exposure: 1, observed: nil, id: "", projected: true))
      }
    }
    if (model == .poisson) && fit.dfResidual > 0 && fit.dispersion == 1 {
      let pearson = zip(used, fit.fitted).reduce(0.0) { $0 + ($1.0.count - $1.1) * ($1.0.count - $1.1) / $1.1 }
      let phi = pearson / Double(fit.dfResidual)
      if phi > 1.5 {
        warnings.append("overdispersion: Pearson dispersion \(NumberFormat.human(phi, significant: 3)) > 1.5 — the Poisson intervals are too narrow; prefer --model quasipoisson")
      }
    }
    let assumption: String
    switch model {
    case .poisson: assumption = "Counts are Poisson with a log-linear trend in the yearly rate; variance equals the mean."
    case .negbin: assumption = "Counts are negative binomial with a log-linear trend in the yearly rate; variance μ + μ²/θ, θ estimated by maximum likelihood."
    case .quasipoisson: assumption = "Log-linear trend in the yearly rate; variance proportional to the mean, with the factor estimated from Pearson residuals."
    case .loglinear: assumption = "log(yearly rate) follows a straight line with normal, equal-variance errors."
    case .linear: assumption = "The yearly rate follows a straight line with normal, equal-variance errors (additive growth)."
    }
    return TrendResult(
      quantity: quantity, model: model, fit: fit, growthFactor: growth, annualPercentChange: apc,
      doublingTime: doubling, points: points, warnings: warnings, assumption: assumption)
  }

  /// The contract's JSON object.
  public static func json(_ r: TrendResult) -> JSON {
    func interval(_ i: Interval) -> JSON {
      .object([("estimate", .num(i.estimate)), ("ci_low", .num(i.low)), ("ci_high", .num(i.high))])
    }
    return .object([
      ("quantity", .string(r.quantity)),
      ("model", .string(r.model.rawValue)),
      ("n", .int(r.fit.n)),
      ("df_residual", .int(r.fit.dfResidual)),
      ("converged", .bool(r.fit.converged)),
      ("iterations", .int(r.fit.iterations)),
      ("level", .num(r.fit.level)),
      ("parameters", .array(r.fit.parameters.map(FitAnalysis.parameterJSON))),
      ("growth_factor", interval(r.growthFactor)),
      ("annual_percent_change", interval(r.annualPercentChange)),
      ("doubling_time", interval(r.doublingTime)),
      ("dispersion", .num(r.fit.dispersion)),
      ("theta", .num(r.fit.theta)),
      ("deviance", .num(r.fit.deviance)),
      ("log_likelihood", .num(r.fit.logLikelihood)),
      ("aic", .num(r.fit.aic)),
      ("assumption", .string(r.assumption)),
      ("warnings", .array(r.warnings.map { .string($0) })),
      (
        "points",
        .array(
          r.points.map { p in
            .object([
              ("period", .string(p.period)), ("year", .int(p.year)), ("exposure", .num(p.exposure)),
              ("observed", .num(p.observed)), ("annualized", .num(p.annualized)),
              ("fitted", .num(p.fitted)), ("ci_low", .num(p.ciLow)), ("ci_high", .num(p.ciHigh)),
              ("pi_low", .num(p.piLow)), ("pi_high", .num(p.piHigh)),
              ("projected", .bool(p.projected)), ("id", .string(p.id)),
            ])
          })
      ),
    ])
  }

  /// Chart data: one row per period.
  public static func csv(_ results: [TrendResult]) -> CSVWriter {
    var w = CSVWriter(header: [
      "quantity", "model", "period", "year", "exposure", "observed", "annualized", "fitted", "ci_low",
      "ci_high", "pi_low", "pi_high", "projected", "partial", "id",
    ])
    for r in results {
      for p in r.points {
        w.append([
          r.quantity, r.model.rawValue, p.period, String(p.year), CSVWriter.cell(p.exposure),
          CSVWriter.cell(p.observed), CSVWriter.cell(p.annualized), CSVWriter.cell(p.fitted),
          CSVWriter.cell(p.ciLow), CSVWriter.cell(p.ciHigh), CSVWriter.cell(p.piLow),
          CSVWriter.cell(p.piHigh), p.projected ? "yes" : "no", p.exposure < 1 ? "yes" : "no", p.id,
        ])
      }
    }
    return w
  }

  /// A plain-text summary for the terminal.
  public static func table(_ r: TrendResult) -> String {
    let lvl = pct(r.fit.level)
    var out = "\(r.quantity): \(r.model.rawValue) trend over \(r.fit.n) periods\n"
    out += "  assumes: \(r.assumption)\n"
    var rows: [[String]] = [["parameter", "estimate", "std. error", "\(lvl) CI"]]
    for p in r.fit.parameters {
      rows.append([p.name, NumberFormat.human(p.estimate, significant: 7), NumberFormat.human(p.standardError, significant: 5), rangeText(p.ciLow, p.ciHigh)])
    }
    out += TextTable.render(rows) + "\n"
    if let g = r.growthFactor.estimate {
      out += "  growth factor per year: \(NumberFormat.human(g)) (\(lvl) CI \(rangeText(r.growthFactor.low, r.growthFactor.high)))\n"
      out += "  annual percent change:  \(NumberFormat.human(r.annualPercentChange.estimate, significant: 3))% (\(lvl) CI \(NumberFormat.human(r.annualPercentChange.low, significant: 3))% to \(NumberFormat.human(r.annualPercentChange.high, significant: 3))%)\n"
    }
    if let d = r.doublingTime.estimate {
      out += "  doubling time: \(NumberFormat.human(d, significant: 3)) years (\(lvl) CI \(NumberFormat.human(r.doublingTime.low, significant: 3)) to \(r.doublingTime.high.map { NumberFormat.human($0, significant: 3) } ?? "unbounded"))\n"
    }
    if let theta = r.fit.theta {
      out += "  theta: \(NumberFormat.human(theta, significant: 4)) (std. error \(NumberFormat.human(r.fit.thetaStandardError, significant: 3)))\n"
    } else {
      out += "  dispersion: \(NumberFormat.human(r.fit.dispersion, significant: 4))\n"
    }
    var prow: [[String]] = [["period", "exposure", "observed", "annualized", "fitted", "\(lvl) CI", "prediction"]]
    for p in r.points {
      prow.append([
        p.period + (p.projected ? " (projected)" : ""), NumberFormat.human(p.exposure, significant: 3),
        NumberFormat.human(p.observed, significant: 6), NumberFormat.human(p.annualized, significant: 4),
        NumberFormat.human(p.fitted, significant: 4), rangeText(p.ciLow, p.ciHigh), rangeText(p.piLow, p.piHigh),
      ])
    }
    out += TextTable.render(prow) + "\n"
    for w in r.warnings { out += "  warning: \(w)\n" }
    return out
  }
}
