import Figures
import FoundationEssentials
import Numerics
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension TrendAnalysis {
  /// Fits one model to a series; `prefitted`, when given, is that model's fit to these rows
  /// (from the overdispersion test), used instead of fitting again. `predictions` false (a
  /// span's fit, whose growth alone is reported) skips the count models' predictive intervals.
  static func fitSeries(
    quantity: String, rows: [Row], model: TrendModel, level: Double, through: Int?, prefitted: ModelFit? = nil,
    predictions: Bool = true
  ) throws(AnalysisError) -> TrendResult {
    var warnings: [String] = []
    var used = rows
    if model == .loglinear {
      let zeros = rows.filter { $0.count <= 0 }
      if !zeros.isEmpty {
        warnings.append(
          "log-linear model: \(zeros.count) zero count(s) left out (\(zeros.map { $0.figure.id }.joined(separator: ", "))) because log 0 is undefined; a count model keeps them"
        )
        used = rows.filter { $0.count > 0 }
      }
    }
    guard used.count >= 2 else {
      throw .located(
        (used.first ?? rows.first)?.figure.location ?? SourceLocation(path: "<no file>", line: 1),
        "\(quantity): a trend needs at least 2 periods with counts, found \(used.count)")
    }
    if model == .poisson || model == .quasipoisson || model == .negbin {
      for r in used where !(r.count.isFinite && r.count >= 0) {
        throw .located(
          r.figure.location,
          "\(quantity): count \(NumberFormat.human(r.count)) of figure '\(r.figure.id)' must be finite and non-negative for a \(model.rawValue) model"
        )
      }
    }
    let fit: ModelFit
    if let prefitted {
      fit = prefitted
    } else {
      fit = try fitModel(quantity: quantity, rows: rows, used: used, model: model, level: level)
    }
    warnings += fit.warnings
    guard fit.parameters.count == 2 else {
      throw filesError(rows, "\(quantity): the fit has \(fit.parameters.count) parameters, not 2")
    }
    // A fit that did not converge has no trustworthy standard errors: no interval anywhere
    // (growth, percent change, doubling time, bands), only the values where it stopped.
    let converged = fit.intervalsUsable
    if !converged {
      warnings.append(
        "the \(model.rawValue) fit did not converge: no intervals are given, and the estimates are where the iteration stopped"
      )
    }
    let (growth, apc, doubling) = growthIntervals(fit, multiplicative: model != .linear)
    let crit = fit.criticalValue(level: level)
    var points: [TrendPoint] = []
    let stock = rows.first?.figure.measure == .stock
    // The negative binomial's prediction integrates θ by its likelihood (``ThetaIntegration``).
    let thetaNodes = model == .negbin && converged && predictions ? thetaNodes(rows: used, level: level) : []
    func point(
      year: Int, time: Double, period: String, exposure: Double, observed: Double?, id: String, projected: Bool
    ) throws(AnalysisError) -> TrendPoint {
      let lp: (estimate: Double, standardError: Double)
      do {
        lp = try fit.linearPredictor([1, time])
      } catch {
        throw filesError(rows, "\(quantity): \(error.description)")
      }
      // Count models: ``countBand`` (the predictive distribution for the negative binomial and
      // quasi-Poisson); σ² for the least-squares models.
      let band: TrendBand
      var dispersion = 1.0
      switch model {
      case .poisson, .quasipoisson, .negbin:
        band = countBand(
          model: model, fit: fit, eta: lp.estimate, standardError: lp.standardError, critical: crit,
          predictive: converged && predictions, thetaNodes: thetaNodes, row: [1, time])
        dispersion = countDispersion(model: model, fit: fit, mean: exp(lp.estimate) * exposure)
      case .loglinear, .linear, .joinpoint:
        band = TrendBand(
          eta: lp.estimate, standardError: lp.standardError, critical: crit, observationVariance: fit.dispersion,
          logScale: model == .loglinear)
      }
      return TrendPoint(
        period: period, year: year, time: time, exposure: exposure, observed: observed, band: band,
        converged: converged, stock: stock, level: level, projected: projected, id: id, countDispersion: dispersion)
    }
    for r in rows {
      points.append(
        try point(
          year: r.year, time: r.time, period: r.label, exposure: r.exposure, observed: r.count,
          id: r.figure.id, projected: false))
    }
    if let through, let last = rows.map(\.lastYear).max(), through > last {
      for y in (last + 1)...through {
        points.append(
          try point(
            year: y, time: Double(y), period: String(y), exposure: 1, observed: nil, id: "", projected: true))
      }
    }
    if (model == .poisson) && fit.dfResidual > 0 && fit.dispersion == 1 {
      let phi = Overdispersion.pearsonDispersion(
        counts: used.map(\.count), fitted: fit.fitted, dfResidual: fit.dfResidual)
      if phi > 1.5 {
        warnings.append(
          "overdispersion: Pearson dispersion \(NumberFormat.human(phi, significant: 3)) > 1.5 — the Poisson intervals are too narrow; prefer --model quasipoisson"
        )
      }
    }
    let assumption = assumption(model, stock: stock)
    return TrendResult(
      quantity: quantity, model: model, fit: fit, growthFactor: growth, annualPercentChange: apc,
      doublingTime: doubling, points: points, warnings: warnings, assumption: assumption)
  }

  /// Growth factor exp(β), annual percent change 100(exp β − 1) and doubling time ln 2/β of
  /// the slope β (the second parameter), with intervals only when the fit's standard errors
  /// can be used; for an additive model (`multiplicative` false) none of them.
  static func growthIntervals(_ fit: ModelFit, multiplicative: Bool) -> (Interval, Interval, Interval) {
    let slope = fit.parameters[1]
    let converged = fit.intervalsUsable
    let growth =
      multiplicative
      ? Interval(
        estimate: exp(slope.estimate), low: converged ? exp(slope.ciLow) : nil,
        high: converged ? exp(slope.ciHigh) : nil)
      : Interval(estimate: nil, low: nil, high: nil)
    let apc = Interval(
      estimate: growth.estimate.map { 100 * ($0 - 1) }, low: growth.low.map { 100 * ($0 - 1) },
      high: growth.high.map { 100 * ($0 - 1) })
    var doubling = Interval(estimate: nil, low: nil, high: nil)
    if multiplicative {
      let d = Growth.doublingTime(
        slope: slope.estimate, low: converged ? slope.ciLow : nil, high: converged ? slope.ciHigh : nil)
      doubling = Interval(estimate: d.estimate, low: d.low, high: d.high)
    }
    return (growth, apc, doubling)
  }

  /// What a model assumes, in one sentence.
  static func assumption(_ model: TrendModel, stock: Bool) -> String {
    switch model {
    case .poisson:
      return "Counts are Poisson with a log-linear trend in the yearly rate; variance equals the mean."
    case .negbin:
      return
        "Counts are negative binomial with a log-linear trend in the yearly rate; variance μ + μ²/θ, θ estimated by maximum likelihood."
    case .quasipoisson:
      return
        "Log-linear trend in the yearly rate; variance proportional to the mean, with the factor estimated from Pearson residuals."
    case .loglinear:
      return stock
        ? "log(level) follows a straight line in time with normal, equal-variance errors; a stock is a level at a date, never annualised."
        : "log(yearly rate) follows a straight line with normal, equal-variance errors."
    case .joinpoint: return ""
    case .linear:
      return "The yearly rate follows a straight line with normal, equal-variance errors (additive growth)."
    }
  }

  /// The least-squares or GLM fit of `model` to the rows `used` (log link and log-exposure
  /// offset for count models; log(count / exposure) or count / exposure for least squares).
  static func fitModel(quantity: String, rows: [Row], used: [Row], model: TrendModel, level: Double)
    throws(AnalysisError) -> ModelFit
  {
    let years = used.map(\.time)
    let design: Matrix
    do {
      design = try Matrix(columns: [Array(repeating: 1, count: used.count), years])
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
    let names = ["(Intercept)", "year"]
    let fit: ModelFit
    do {
      switch model {
      case .poisson, .quasipoisson:
        fit = try PoissonRegression.fit(
          design: design, counts: used.map(\.count), names: names,
          offset: used.map { log($0.exposure) }, quasi: model == .quasipoisson, level: level)
      case .negbin:
        fit = try NegativeBinomial.fit(
          design: design, counts: used.map(\.count), names: names,
          offset: used.map { log($0.exposure) }, level: level)
      case .loglinear:
        fit = try LinearModel.fit(
          design: design, response: used.map { log($0.count / $0.exposure) }, names: names,
          hasIntercept: true, level: level)
      case .linear, .joinpoint:
        fit = try LinearModel.fit(
          design: design, response: used.map { $0.count / $0.exposure }, names: names,
          hasIntercept: true, level: level)
      }
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
    return fit
  }
}
