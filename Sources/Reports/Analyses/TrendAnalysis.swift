import Figures
import FoundationEssentials
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
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

/// Overdispersion diagnostics: does a Poisson model fit the spread of the counts?
public struct Overdispersion: Sendable, Equatable {
  /// Pearson X² / (n − p) of the Poisson fit; ≈ 1 when Poisson fits.
  public var pearsonDispersion: Double
  /// 2 (ℓ_NB − ℓ_Poisson); nil when θ → ∞.
  public var lrStatistic: Double?
  /// Its p-value, ½ P(χ²₁ > LR).
  public var lrPValue: Double?
  /// The negative binomial θ.
  public var theta: Double?
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

/// `reconcile trend`: growth of a yearly count with honest intervals.
///
/// Time enters as the calendar year of each period. A partial period (exposure e < 1) enters
/// count models through the offset log e — never by scaling the count; for the OLS models
/// its count is annualised (count / e). Fitted values and bands are for a full year.
/// Confidence bands: exp(η̂ ± q·se(η̂)); prediction bands for count models use the log-scale
/// normal approximation exp(η̂ ± q·√(se(η̂)² + φ/μ̂)) (delta method, Var Y = φμ), and for
/// the log-linear model exp(η̂ ± t·√(se(η̂)² + s²)).
public enum TrendAnalysis {
  /// How many years past the last observed one `through` may project (`--through`): beyond a
  /// few decades a log-linear extrapolation says nothing, and the table would only grow.
  public static let projectionHorizon = 50

  /// What is wrong with `--through` and `--span` for a series observed over `years`
  /// (sorted), as a usage message naming the option; nil when both are fine. `through` must
  /// lie from the last observed year to `projectionHorizon` years after it; the span
  /// `FROM:TO` within the observed years, covering at least 2 of them.
  public static func optionProblem(years: [Int], through: Int?, span: ClosedRange<Int>?) -> String? {
    guard let first = years.first, let last = years.last else { return nil }
    if let through {
      if through < last {
        return "--through \(through) is before the last observed year, \(last): give a year from \(last) to \(last + projectionHorizon)"
      }
      if through > last + projectionHorizon {
        return "--through \(through) is more than \(projectionHorizon) years after the last observed year, \(last): give a year from \(last) to \(last + projectionHorizon)"
      }
    }
    if let span {
      if span.lowerBound < first || span.upperBound > last {
        return "--span \(span.lowerBound):\(span.upperBound) reaches outside the observed years \(first)–\(last): give FROM:TO within them"
      }
      let covered = years.filter { span.contains($0) }.count
      if covered < 2 {
        return "--span \(span.lowerBound):\(span.upperBound) covers \(covered) observed period(s); a growth rate needs at least 2"
      }
    }
    return nil
  }

  /// The calendar years of `quantity`'s figures in `files`, sorted (those with a period).
  public static func observedYears(_ files: [FiguresFile], quantity: String) -> [Int] {
    var years: [Int] = []
    for file in files {
      for f in file.figures where f.quantity == quantity {
        if let p = f.period { years.append(p.year) }
      }
    }
    return years.sorted()
  }

  /// Fits the trend of `quantity` over the figures of `files`.
  /// - Throws: `AnalysisError` when the quantity is missing, a figure has no point value or no
  ///   period, two figures share a period, or the fit fails.
  public static func run(
    _ files: [FiguresFile], quantity: String, model: TrendModel? = nil, level: Double = 0.95,
    through: Int? = nil, span: ClosedRange<Int>? = nil, maxJoinpoints: Int? = nil,
    seed: UInt64 = 20_021_130, selectByBIC: Bool = false, gridPerYear: Int = 0
  ) throws(AnalysisError) -> TrendResult {
    let rows = try series(files, quantity: quantity)
    if let through, let last = rows.last?.period.year, through > last + projectionHorizon {
      throw filesError(rows, "\(quantity): --through \(through) is more than \(projectionHorizon) years after the last observed year, \(last)")
    }
    // The Poisson-vs-negative-binomial diagnostics choose and qualify count models; the
    // segmented log-linear fit does not use them (and the report runs it beside the count fit).
    let diagnostics = model == .joinpoint ? nil : overdispersion(rows, level: level)
    let chosen: TrendModel
    let choice: String
    if let model {
      chosen = model
      choice = "\(model.rawValue), as asked (--model)."
    } else if let d = diagnostics, let p = d.lrPValue, p < 0.05, d.theta != nil {
      chosen = .negbin
      choice = "negbin: the likelihood-ratio test of Poisson against negative binomial rejects Poisson (LR = \(NumberFormat.human(d.lrStatistic, significant: 4)), p = \(NumberFormat.human(p, significant: 2)); Pearson dispersion \(NumberFormat.human(d.pearsonDispersion, significant: 3))): the counts vary more than a Poisson model allows."
    } else {
      chosen = .poisson
      let why = diagnostics.flatMap { d in d.lrPValue.map { "the likelihood-ratio test finds no overdispersion (p = \(NumberFormat.human($0, significant: 2)); Pearson dispersion \(NumberFormat.human(d.pearsonDispersion, significant: 3)))" } } ?? "the negative binomial fit is not available (θ → ∞: no overdispersion)"
      choice = "poisson: \(why)."
    }
    var result: TrendResult
    if chosen == .joinpoint {
      result = try fitJoinpoint(
        quantity: quantity, rows: rows, level: level, through: through, maxJoinpoints: maxJoinpoints, seed: seed,
        selectByBIC: selectByBIC, gridPerYear: gridPerYear)
    } else {
      result = try fitSeries(quantity: quantity, rows: rows, model: chosen, level: level, through: through)
    }
    result.modelChoice = choice
    result.overdispersion = diagnostics
    if let span, let jp = result.joinpointFit {
      // Joinpoint: the average annual percent change of the fitted segments over the span.
      do throws(StatisticsError) {
        let a = try Joinpoint.aapc(jp, from: Double(span.lowerBound), to: Double(span.upperBound), level: level)
        let g = Interval(estimate: 1 + a.estimate / 100, low: 1 + a.low / 100, high: 1 + a.high / 100)
        var d = Interval(estimate: nil, low: nil, high: nil)
        if a.slope > 0 {
          d.estimate = log(2) / a.slope
          d.low = a.high > 0 ? log(2) / log(1 + a.high / 100) : nil
          d.high = a.low > 0 ? log(2) / log(1 + a.low / 100) : nil
        }
        result.span = SpanResult(
          from: span.lowerBound, to: span.upperBound, periods: rows.filter { span.contains($0.period.year) }.count,
          growthFactor: g, annualPercentChange: Interval(estimate: a.estimate, low: a.low, high: a.high), doublingTime: d)
      } catch {
        throw filesError(rows, "\(quantity): --span: \(error.description)")
      }
    } else if let span {
      let sub = rows.filter { span.contains($0.period.year) }
      guard sub.count >= 2 else {
        throw filesError(rows, "\(quantity): --span \(span.lowerBound):\(span.upperBound) covers \(sub.count) period(s); a growth rate needs at least 2")
      }
      let fit = try fitSeries(quantity: quantity, rows: sub, model: chosen == .joinpoint ? .loglinear : chosen, level: level, through: nil)
      result.warnings += fit.warnings.map { "span \(span.lowerBound)–\(span.upperBound): \($0)" }
      result.span = SpanResult(
        from: span.lowerBound, to: span.upperBound, periods: sub.count, growthFactor: fit.growthFactor,
        annualPercentChange: fit.annualPercentChange, doublingTime: fit.doublingTime)
    }
    return result
  }

  typealias Row = (figure: Figure, period: Period, count: Double)

  /// An error about the series as a whole, named by the file(s) its figures came from.
  static func filesError(_ rows: [Row], _ message: String) -> AnalysisError {
    RangesAnalysis.filesError(rows.map(\.figure), message)
  }

  /// The figures of `quantity` as a yearly series, sorted by year.
  static func series(_ files: [FiguresFile], quantity: String) throws(AnalysisError) -> [Row] {
    let all = files.flatMap(\.figures)
    let figs = all.filter { $0.quantity == quantity }
    if figs.isEmpty {
      // Each name once, in order of first appearance (a set: a file may hold 100,000 names).
      var order: [String] = []
      var seen = Set<String>()
      for f in all where seen.insert(f.quantity).inserted { order.append(f.quantity) }
      throw .unknownQuantity(quantity, available: order)
    }
    var rows: [Row] = []
    var seen: [Int: String] = [:]
    for f in figs {
      guard let p = f.period else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' has no period; a trend needs one per figure")
      }
      guard let v = f.value ?? ((f.low != nil && f.low == f.high) ? f.low : nil) else {
        throw .located(f.location, "\(quantity): figure '\(f.id)' is a range, not a count; a trend needs point values")
      }
      if let other = seen[p.year] {
        throw .located(f.location, "\(quantity): figures '\(other)' and '\(f.id)' both cover \(p.year); a trend needs one count per year")
      }
      seen[p.year] = f.id
      rows.append((f, p, v))
    }
    return rows.sorted { $0.period.year < $1.period.year }
  }

  /// Pearson dispersion of the Poisson fit and the likelihood-ratio test of Poisson against
  /// the negative binomial: LR = 2 (ℓ_NB − ℓ_P), p = ½ P(χ²₁ > LR) because θ⁻¹ = 0 lies on the
  /// boundary (Self & Liang 1987). Nil when the series cannot be fitted.
  static func overdispersion(_ rows: [Row], level: Double) -> Overdispersion? {
    guard rows.count >= 3,
      let design = try? Matrix(columns: [Array(repeating: 1, count: rows.count), rows.map { Double($0.period.year) }])
    else { return nil }
    let names = ["(Intercept)", "year"]
    let counts = rows.map(\.count)
    let offset = rows.map { log($0.period.exposure) }
    guard let p = try? PoissonRegression.fit(design: design, counts: counts, names: names, offset: offset, level: level),
      let llP = p.logLikelihood, p.dfResidual > 0
    else { return nil }
    var x2 = 0.0
    for (y, mu) in zip(counts, p.fitted) { x2 += (y - mu) * (y - mu) / mu }
    let phi = x2 / Double(p.dfResidual)
    guard let nb = try? NegativeBinomial.fit(design: design, counts: counts, names: names, offset: offset, level: level),
      let llNB = nb.logLikelihood, !nb.warnings.contains(where: { $0.contains("θ iteration limit") })
    else {
      return Overdispersion(pearsonDispersion: phi, lrStatistic: nil, lrPValue: nil, theta: nil)
    }
    let lr = max(0, 2 * (llNB - llP))
    return Overdispersion(
      pearsonDispersion: phi, lrStatistic: lr, lrPValue: lr > 0 ? 0.5 * ChiSquared.sf(lr, df: 1) : 1,
      theta: nb.theta)
  }

  /// Joinpoint regression of log(count / exposure) on the year; zero counts left out.
  static func fitJoinpoint(
    quantity: String, rows: [Row], level: Double, through: Int?, maxJoinpoints: Int?, seed: UInt64,
    selectByBIC: Bool = false, gridPerYear: Int = 0
  ) throws(AnalysisError) -> TrendResult {
    var warnings: [String] = []
    let used = rows.filter { $0.count > 0 }
    guard used.count >= 3 else {
      throw .located(
        (used.first ?? rows.first)?.figure.location ?? SourceLocation(path: "<no file>", line: 1),
        "\(quantity): a joinpoint trend needs at least 3 periods with positive counts, found \(used.count)")
    }
    if used.count < rows.count {
      warnings.append("joinpoint (log-linear): \(rows.count - used.count) zero count(s) left out because log 0 is undefined")
    }
    let years = used.map { Double($0.period.year) }
    let logRates = used.map { log($0.count / $0.period.exposure) }
    let selected: (best: JoinpointFit, report: JoinpointSelection)
    do throws(StatisticsError) {
      var options = JoinpointOptions()
      options.gridPerUnit = max(0, gridPerYear)
      let cap = Joinpoint.maximumJoinpoints(years: years, options: options) ?? 0
      var requested = maxJoinpoints ?? min(3, cap)
      let limit = joinpointSearchLimit(years: years, asked: requested, selectByBIC: selectByBIC, gridPerYear: gridPerYear)
      if let limit {
        if maxJoinpoints != nil { throw StatisticsError.invalidInput(limit.message) }
        requested = limit.searchable
        warnings.append(limit.message)
      }
      selected = try Joinpoint.select(
        years: years, logRates: logRates, maxJoinpoints: max(0, requested),
        method: selectByBIC ? .bic : .permutation(permutations: permutations, seed: seed), options: options, level: level)
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
    let jp = selected.best
    let fit = jp.modelFit
    let crit = StudentT.quantile(0.5 + level / 2, df: Double(max(jp.df, 1)))
    func point(_ year: Int, period: String, exposure: Double, observed: Double?, id: String, projected: Bool) -> TrendPoint {
      let p = jp.predict(Double(year))
      let s = (p.standardError * p.standardError + jp.sigma2).squareRoot()
      var tp = TrendPoint(
        period: period, year: year, exposure: exposure, observed: observed,
        annualized: observed.map { $0 / exposure }, fitted: exp(p.estimate),
        ciLow: exp(p.estimate - crit * p.standardError), ciHigh: exp(p.estimate + crit * p.standardError),
        piLow: exp(p.estimate - crit * s), piHigh: exp(p.estimate + crit * s), projected: projected, id: id)
      tp.segment = jp.segment(of: Double(year))
      if let y = observed, let ci = garwood(y, level: level) {
        tp.annualizedLow = ci.low / exposure
        tp.annualizedHigh = ci.high / exposure
      }
      return tp
    }
    var points = rows.map { point($0.period.year, period: $0.period.text, exposure: $0.period.exposure, observed: $0.count, id: $0.figure.id, projected: false) }
    if let through, let last = rows.last?.period.year, through > last {
      for y in (last + 1)...through { points.append(point(y, period: String(y), exposure: 1, observed: nil, id: "", projected: true)) }
    }
    // Growth over the whole series: the average annual percent change (AAPC).
    var growth = Interval(estimate: nil, low: nil, high: nil)
    var apc = growth
    var doubling = growth
    if let first = years.first, let last = years.last, last > first,
      let a = try? Joinpoint.aapc(jp, from: first, to: last, level: level)
    {
      apc = Interval(estimate: a.estimate, low: a.low, high: a.high)
      growth = Interval(estimate: 1 + a.estimate / 100, low: 1 + a.low / 100, high: 1 + a.high / 100)
      if a.slope > 0 {
        let hiSlope = log(1 + a.high / 100)
        let loSlope = log(1 + a.low / 100)
        doubling = Interval(estimate: log(2) / a.slope, low: hiSlope > 0 ? log(2) / hiSlope : nil, high: loSlope > 0 ? log(2) / loSlope : nil)
      }
    }
    if let sel = jp.selection ?? Optional(selected.report), sel.maxJoinpoints < sel.requestedMaxJoinpoints {
      warnings.append("at most \(sel.maxJoinpoints) joinpoint(s) fit \(years.count) periods (2 observations from each end and between joinpoints); \(sel.requestedMaxJoinpoints) were asked for")
    }
    var result = TrendResult(
      quantity: quantity, model: .joinpoint, fit: fit, growthFactor: growth, annualPercentChange: apc,
      doublingTime: doubling, points: points, warnings: warnings,
      assumption: "log(yearly rate) follows connected straight lines that change slope at 0–K joinpoints (observed years), with normal, equal-variance errors; the number of joinpoints is chosen by " + (selectByBIC ? "BIC." : "a permutation test (Kim et al. 2000, 999 permutations, fixed seed)."))
    result.joinpointFit = jp
    return result
  }

  /// Permuted series the permutation test searches besides the observed one.
  static let permutations = 999

  /// When `asked` joinpoints are more than an exhaustive search can fit in seconds over these
  /// years (``Joinpoint/searchableJoinpoints(years:options:series:)``, 1 series for BIC,
  /// 1 + 999 for the permutation test), the largest number that can be searched and why;
  /// nil when `asked` can be searched (or is more than the series admits, which the
  /// selection lowers by itself).
  static func joinpointSearchLimit(years: [Double], asked: Int, selectByBIC: Bool, gridPerYear: Int)
    -> (searchable: Int, message: String)?
  {
    var options = JoinpointOptions()
    options.gridPerUnit = max(0, gridPerYear)
    let series = selectByBIC ? 1 : permutations + 1
    guard let cap = Joinpoint.maximumJoinpoints(years: years, options: options),
      let limits = Joinpoint.searchableJoinpoints(years: years, options: options, series: series),
      limits.joinpoints < min(asked, cap)
    else { return nil }
    let k = limits.joinpoints + 1
    let placements = k < limits.placements.count ? limits.placements[k] : .infinity
    let what = selectByBIC ? "" : " for each of the \(series) series of the permutation test"
    return (
      limits.joinpoints,
      "\(k) joinpoints over \(years.count) periods would mean fitting \(NumberFormat.human(placements, significant: 3)) placements\(what); at most \(limits.joinpoints) joinpoint(s) are searched on a series this long (--joinpoints \(limits.joinpoints)\(selectByBIC ? "" : ", or --select bic, which searches the observed series only"))"
    )
  }

  /// What is wrong with `--joinpoints` for `quantity` (more joinpoints than an exhaustive search
  /// can fit in seconds on its series), as a usage message; nil when nothing is.
  public static func joinpointProblem(
    _ files: [FiguresFile], quantity: String, maxJoinpoints: Int?, selectByBIC: Bool, gridPerYear: Int
  ) -> String? {
    guard let asked = maxJoinpoints, let rows = try? series(files, quantity: quantity) else { return nil }
    let years = rows.filter { $0.count > 0 }.map { Double($0.period.year) }
    guard years.count >= 3 else { return nil }
    return joinpointSearchLimit(years: years, asked: asked, selectByBIC: selectByBIC, gridPerYear: gridPerYear)
      .map { "--joinpoints \(asked): \($0.message)" }
  }

  /// The exact (Garwood 1936) interval for a Poisson count y: χ² quantiles with 2y and 2y + 2
  /// degrees of freedom, halved. Nil for a count that is negative or not whole.
  static func garwood(_ y: Double, level: Double) -> (low: Double, high: Double)? {
    guard y >= 0, y == y.rounded() else { return nil }
    let alpha = 1 - level
    let low = y == 0 ? 0 : ChiSquared.quantile(alpha / 2, df: 2 * y) / 2
    return (low, ChiSquared.quantile(1 - alpha / 2, df: 2 * y + 2) / 2)
  }

  /// Fits one model to a series.
  static func fitSeries(
    quantity: String, rows: [Row], model: TrendModel, level: Double, through: Int?
  ) throws(AnalysisError) -> TrendResult {
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
      throw .located(
        (used.first ?? rows.first)?.figure.location ?? SourceLocation(path: "<no file>", line: 1),
        "\(quantity): a trend needs at least 2 periods with counts, found \(used.count)")
    }
    if model == .poisson || model == .quasipoisson || model == .negbin {
      for r in used where !(r.count.isFinite && r.count >= 0) {
        throw .located(
          r.figure.location,
          "\(quantity): count \(NumberFormat.human(r.count)) of figure '\(r.figure.id)' must be finite and non-negative for a \(model.rawValue) model")
      }
    }
    let years = used.map { Double($0.period.year) }
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
          offset: used.map { log($0.period.exposure) }, quasi: model == .quasipoisson, level: level)
      case .negbin:
        fit = try NegativeBinomial.fit(
          design: design, counts: used.map(\.count), names: names,
          offset: used.map { log($0.period.exposure) }, level: level)
      case .loglinear:
        fit = try LinearModel.fit(
          design: design, response: used.map { log($0.count / $0.period.exposure) }, names: names,
          hasIntercept: true, level: level)
      case .linear, .joinpoint:
        fit = try LinearModel.fit(
          design: design, response: used.map { $0.count / $0.period.exposure }, names: names,
          hasIntercept: true, level: level)
      }
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
    warnings += fit.warnings
    guard fit.parameters.count == 2 else {
      throw filesError(rows, "\(quantity): the fit has \(fit.parameters.count) parameters, not 2")
    }
    let slope = fit.parameters[1]
    // A fit that did not converge has no trustworthy standard errors: no interval anywhere
    // (growth, percent change, doubling time, bands), only the values where it stopped.
    let converged = fit.intervalsUsable
    if !converged {
      warnings.append("the \(model.rawValue) fit did not converge: no intervals are given, and the estimates are where the iteration stopped")
    }
    let multiplicative = model != .linear
    let growth =
      multiplicative
      ? Interval(
        estimate: exp(slope.estimate), low: converged ? exp(slope.ciLow) : nil, high: converged ? exp(slope.ciHigh) : nil)
      : Interval(estimate: nil, low: nil, high: nil)
    let apc = Interval(
      estimate: growth.estimate.map { 100 * ($0 - 1) }, low: growth.low.map { 100 * ($0 - 1) },
      high: growth.high.map { 100 * ($0 - 1) })
    var doubling = Interval(estimate: nil, low: nil, high: nil)
    if multiplicative && slope.estimate > 0 {
      doubling.estimate = log(2) / slope.estimate
      doubling.low = converged && slope.ciHigh > 0 ? log(2) / slope.ciHigh : nil
      doubling.high = converged && slope.ciLow > 0 ? log(2) / slope.ciLow : nil
    }
    let crit = fit.criticalValue(level: level)
    var points: [TrendPoint] = []
    func point(year: Int, period: String, exposure: Double, observed: Double?, id: String, projected: Bool) throws(AnalysisError) -> TrendPoint {
      let lp: (estimate: Double, standardError: Double)
      do {
        lp = try fit.linearPredictor([1, Double(year)])
      } catch {
        throw filesError(rows, "\(quantity): \(error.description)")
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
      case .linear, .joinpoint:
        fitted = eta
        cl = eta - crit * se
        ch = eta + crit * se
        let s = (se * se + fit.dispersion).squareRoot()
        pl = eta - crit * s
        ph = eta + crit * s
      }
      var point = TrendPoint(
        period: period, year: year, exposure: exposure, observed: observed,
        annualized: observed.map { $0 / exposure }, fitted: fitted, ciLow: converged ? cl : nil,
        ciHigh: converged ? ch : nil, piLow: converged ? pl : nil, piHigh: converged ? ph : nil,
        projected: projected, id: id)
      if let y = observed, let ci = garwood(y, level: level) {
        point.annualizedLow = ci.low / exposure
        point.annualizedHigh = ci.high / exposure
      }
      return point
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
    case .joinpoint: assumption = ""
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
      ("parameters", .array(r.fit.parameters.map { p in
        var p = p
        if !r.fit.intervalsUsable {
          // No interval from a fit that did not converge (nor its standard error and test).
          (p.standardError, p.statistic, p.pValue, p.ciLow, p.ciHigh) = (.nan, .nan, .nan, .nan, .nan)
        }
        return FitAnalysis.parameterJSON(p)
      })),
      ("growth_factor", interval(r.growthFactor)),
      ("annual_percent_change", interval(r.annualPercentChange)),
      ("doubling_time", interval(r.doublingTime)),
      ("dispersion", .num(r.fit.dispersion)),
      ("theta", .num(r.fit.theta)),
      ("deviance", .num(r.fit.deviance)),
      ("log_likelihood", .num(r.fit.logLikelihood)),
      ("aic", .num(r.fit.aic)),
      ("assumption", .string(r.assumption)),
      ("model_choice", .string(r.modelChoice)),
      ("joinpoints", joinpointsJSON(r)),
      ("segments", segmentsJSON(r)),
      ("joinpoint_selection", selectionJSON(r)),
      (
        "overdispersion",
        r.overdispersion.map {
          .object([
            ("pearson_dispersion", .num($0.pearsonDispersion)), ("lr_statistic", .num($0.lrStatistic)),
            ("lr_p_value", .num($0.lrPValue)), ("theta", .num($0.theta)),
          ])
        } ?? .null
      ),
      (
        "span",
        r.span.map { sp in
          .object([
            ("from", .int(sp.from)), ("to", .int(sp.to)), ("periods", .int(sp.periods)),
            ("growth_factor", interval(sp.growthFactor)),
            ("annual_percent_change", interval(sp.annualPercentChange)),
            ("doubling_time", interval(sp.doublingTime)),
            ("consistent_with_doubling", sp.consistentWithDoubling.map { .bool($0) } ?? .null),
          ])
        } ?? .null
      ),
      ("warnings", .array(r.warnings.map { .string($0) })),
      (
        "points",
        .array(
          r.points.map { p in
            .object([
              ("period", .string(p.period)), ("year", .int(p.year)), ("exposure", .num(p.exposure)),
              ("observed", .num(p.observed)), ("annualized", .num(p.annualized)),
              ("annualized_ci_low", .num(p.annualizedLow)), ("annualized_ci_high", .num(p.annualizedHigh)),
              ("fitted", .num(p.fitted)), ("ci_low", .num(p.ciLow)), ("ci_high", .num(p.ciHigh)),
              ("pi_low", .num(p.piLow)), ("pi_high", .num(p.piHigh)),
              ("projected", .bool(p.projected)), ("segment", .int(p.segment)), ("id", .string(p.id)),
            ])
          })
      ),
    ])
  }

  static func joinpointsJSON(_ r: TrendResult) -> JSON {
    guard let jp = r.joinpointFit else { return .null }
    return .array(jp.joinpoints.map { JSON.number($0) })
  }

  static func segmentsJSON(_ r: TrendResult) -> JSON {
    guard let jp = r.joinpointFit else { return .null }
    var items: [JSON] = []
    for s in jp.segments {
      let apc: JSON = .object([("estimate", .num(s.apc.estimate)), ("ci_low", .num(s.apc.low)), ("ci_high", .num(s.apc.high))])
      let members: [(String, JSON)] = [
        ("from", .number(s.from)), ("to", .number(s.to)), ("slope", .num(s.slope)),
        ("slope_std_error", .num(s.slopeSE)), ("annual_percent_change", apc),
      ]
      items.append(.object(members))
    }
    return .array(items)
  }

  static func selectionJSON(_ r: TrendResult) -> JSON {
    guard let sel = r.joinpointFit?.selection else { return .null }
    var tests: [JSON] = []
    for t in sel.tests {
      let members: [(String, JSON)] = [
        ("null", .int(t.nullJoinpoints)), ("alternative", .int(t.alternativeJoinpoints)),
        ("p_value", .num(t.pValue)), ("level", .num(t.level)), ("rejected", .bool(t.rejected)),
      ]
      tests.append(.object(members))
    }
    let members: [(String, JSON)] = [
      ("method", .string(String(describing: sel.method))), ("max_joinpoints", .int(sel.maxJoinpoints)),
      ("chosen", .int(sel.chosen)), ("tests", .array(tests)),
    ]
    return .object(members)
  }

  /// Chart data: one row per period.
  public static func csv(_ results: [TrendResult]) -> CSVWriter {
    var w = CSVWriter(header: [
      "quantity", "model", "period", "year", "exposure", "observed", "annualized",
      "annualized_ci_low", "annualized_ci_high", "fitted", "ci_low", "ci_high", "pi_low", "pi_high",
      "projected", "partial", "segment", "id",
    ])
    for r in results {
      for p in r.points {
        w.append([
          r.quantity, r.model.rawValue, p.period, String(p.year), CSVWriter.cell(p.exposure),
          CSVWriter.cell(p.observed), CSVWriter.cell(p.annualized), CSVWriter.cell(p.annualizedLow),
          CSVWriter.cell(p.annualizedHigh), CSVWriter.cell(p.fitted),
          CSVWriter.cell(p.ciLow), CSVWriter.cell(p.ciHigh), CSVWriter.cell(p.piLow),
          CSVWriter.cell(p.piHigh), p.projected ? "yes" : "no", p.exposure < 1 ? "yes" : "no", String(p.segment), p.id,
        ])
      }
    }
    return w
  }

  /// A plain-text summary for the terminal.
  public static func table(_ r: TrendResult) -> String {
    let lvl = pct(r.fit.level)
    var out = "\(r.quantity): \(r.model.rawValue) trend over \(r.fit.n) periods\n"
    out += "  model: \(r.modelChoice)\n"
    out += "  assumes: \(r.assumption)\n"
    var rows: [[String]] = [["parameter", "estimate", "std. error", "\(lvl) CI"]]
    let converged = r.fit.intervalsUsable
    for p in r.fit.parameters {
      rows.append([
        p.name, NumberFormat.human(p.estimate, significant: 7),
        converged ? NumberFormat.human(p.standardError, significant: 5) : "—",
        converged ? rangeText(p.ciLow, p.ciHigh) : "— (did not converge)",
      ])
    }
    out += TextTable.render(rows) + "\n"
    if let g = r.growthFactor.estimate, !converged {
      out += "  growth factor per year: \(NumberFormat.human(g)) (did not converge: no interval)\n"
      out += "  annual percent change:  \(NumberFormat.human(r.annualPercentChange.estimate, significant: 3))% (did not converge: no interval)\n"
    } else if let g = r.growthFactor.estimate {
      out += "  growth factor per year: \(NumberFormat.human(g)) (\(lvl) CI \(rangeText(r.growthFactor.low, r.growthFactor.high)))\n"
      out += "  annual percent change:  \(NumberFormat.human(r.annualPercentChange.estimate, significant: 3))% (\(lvl) CI \(NumberFormat.human(r.annualPercentChange.low, significant: 3))% to \(NumberFormat.human(r.annualPercentChange.high, significant: 3))%)\n"
    }
    if let d = r.doublingTime.estimate, !converged {
      out += "  doubling time: \(NumberFormat.human(d, significant: 3)) years (did not converge: no interval)\n"
    } else if let d = r.doublingTime.estimate {
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
    for p in r.points where p.exposure < 1 && !p.projected {
      out += "  partial period \(p.period) (\(NumberFormat.human(p.exposure, significant: 3)) of the year): \(NumberFormat.human(p.observed, significant: 6)) observed → \(NumberFormat.human(p.annualized, significant: 4)) a year (\(lvl) Poisson CI \(rangeText(p.annualizedLow, p.annualizedHigh))); the model's full year: \(NumberFormat.human(p.fitted, significant: 4)) (prediction \(rangeText(p.piLow, p.piHigh)))\n"
    }
    if let jp = r.joinpointFit {
      out += "  joinpoints: \(jp.joinpoints.isEmpty ? "none" : jp.joinpoints.map { NumberFormat.plain($0) }.joined(separator: ", "))"
      if let sel = jp.selection {
        out += " (chosen by \(sel.tests.isEmpty ? "BIC" : "permutation test") among 0–\(sel.maxJoinpoints)"
        for t in sel.tests { out += "; \(t.nullJoinpoints) vs \(t.alternativeJoinpoints): p = \(NumberFormat.human(t.pValue, significant: 3))" }
        out += ")"
      }
      out += "\n"
      for s in jp.segments {
        out += "  segment \(NumberFormat.plain(s.from))–\(NumberFormat.plain(s.to)): APC \(NumberFormat.human(s.apc.estimate, significant: 3))% (\(lvl) CI \(NumberFormat.human(s.apc.low, significant: 3))% to \(NumberFormat.human(s.apc.high, significant: 3))%)\n"
      }
    }
    if let d = r.overdispersion {
      out += "  overdispersion: Pearson dispersion \(NumberFormat.human(d.pearsonDispersion, significant: 3))"
      if let lr = d.lrStatistic, let p = d.lrPValue {
        out += "; LR test Poisson vs negative binomial: \(NumberFormat.human(lr, significant: 4)) (p = \(NumberFormat.human(p, significant: 2)))"
      }
      out += "\n"
    }
    if let sp = r.span {
      out += "  \(sp.from)–\(sp.to) (\(sp.periods) periods): growth factor \(NumberFormat.human(sp.growthFactor.estimate, significant: 3)) (\(lvl) CI \(rangeText(sp.growthFactor.low, sp.growthFactor.high))), annual percent change \(NumberFormat.human(sp.annualPercentChange.estimate, significant: 3))% (\(NumberFormat.human(sp.annualPercentChange.low, significant: 3))% to \(NumberFormat.human(sp.annualPercentChange.high, significant: 3))%)"
      if let d = sp.consistentWithDoubling {
        out += d ? " — consistent with doubling each year (2 lies in the interval)" : " — NOT doubling each year (2 lies outside the interval)"
      }
      out += "\n"
    }
    for w in r.warnings { out += "  warning: \(w)\n" }
    return TerminalText.escape(out)
  }
}
