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

/// Counts published over several years, and cumulative totals, in the count models (issue
/// #29): the composite link model (``CompositeLink``; Thompson & Baker 1981). The trend is per
/// year, log μₜ = β₀ + β₁t + log eₜ, and each count the series uses — a single year, part of
/// one (exposure eₜ < 1), several years (a bucket: `1999/2001`, or a cumulative total that no
/// printing as recent counts year by year) — enters the Poisson, quasi-Poisson or negative
/// binomial likelihood as the sum of the yearly means of the years it covers. A bucket over
/// part of a year (`2003-03-18/2006-06-30`) counts that year at the fraction it covers, as the
/// year's exposure. The fit gives each year inside a bucket its implied mean with an interval;
/// those means sum to the bucket's fitted total. Stated cumulative totals that overlap the
/// counts are checked against the sums of the counts and of the means.
extension TrendAnalysis {
  /// Whether a series is fitted by the composite link model under `model` (nil: the default
  /// count model): a flow series with a count over several years or a cumulative total, under a
  /// count model.
  static func usesCompositeLink(_ series: SeriesToFit, model: TrendModel?) -> Bool {
    guard series.rows.first?.figure.measure != .stock else { return false }
    switch model {
    case .loglinear, .linear, .joinpoint: return false
    case .poisson, .quasipoisson, .negbin, nil:
      return !series.checks.isEmpty || series.rows.contains { $0.spansYears || $0.cumulative }
    }
  }

  /// The error for a least-squares model asked to fit a count over several years.
  static func bucketRefusal(_ rows: [Row], quantity: String, model: TrendModel) -> AnalysisError? {
    guard let bucket = rows.first(where: { $0.spansYears }) else { return nil }
    let what = bucket.cumulative ? "a cumulative total over" : "a count over"
    if model == .joinpoint {
      return .located(
        bucket.figure.location,
        "\(quantity): figure '\(bucket.figure.id)' is \(what) several years (\(bucket.first)–\(bucket.last)); the least-squares joinpoint models (loglinear, weighted) need one count per year and cannot split it: use --joinpoint-model poisson or negbin, which put the sum of the yearly means it covers in the likelihood"
      )
    }
    return .located(
      bucket.figure.location,
      "\(quantity): figure '\(bucket.figure.id)' is \(what) several years (\(bucket.first)–\(bucket.last)); the least-squares model \(model.rawValue) needs one count per year and cannot split it: use a count model (poisson, quasipoisson or negbin), which puts the sum of the yearly means it covers in the likelihood"
    )
  }

  /// One composite link fit of the rows, over the modelled years `years`.
  static func compositeFit(
    _ family: CompositeLinkFamily, rows: [Row], years: ClosedRange<Int>, quantity: String, level: Double
  ) throws(AnalysisError) -> (fit: CompositeLinkFit, design: CompositeLinkDesign) {
    var exposure = [Double](repeating: 1, count: years.count)
    for r in rows {
      for y in r.first...r.last { exposure[y - years.lowerBound] = r.fraction(of: y) }
    }
    do throws(StatisticsError) {
      let design = try CompositeLinkDesign.trend(firstYear: years.lowerBound, lastYear: years.upperBound)
      let buckets = rows.map { CompositeBucket(first: $0.first, last: $0.last, count: $0.count) }
      let fit = try CompositeLink.fit(
        family, buckets: buckets, design: design, exposure: exposure, options: CompositeLinkOptions(level: level))
      return (fit, design)
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
  }

  /// Fits a series with the composite link model: `model`, or by default the negative
  /// binomial when the likelihood-ratio test of the Poisson against it (on the same buckets)
  /// rejects the Poisson, else the Poisson. `checks` are the cumulative totals to check.
  static func fitComposite(
    quantity: String, rows: [Row], checks: [Row], model: TrendModel?, level: Double, through: Int?
  ) throws(AnalysisError) -> TrendResult {
    guard rows.count >= 2 else {
      throw .located(
        rows.first?.figure.location ?? checks.first?.figure.location ?? SourceLocation(path: "<no file>", line: 1),
        "\(quantity): a trend needs at least 2 periods with counts, found \(rows.count)")
    }
    for r in rows where !(r.count.isFinite && r.count >= 0) {
      throw .located(
        r.figure.location,
        "\(quantity): count \(NumberFormat.human(r.count)) of figure '\(r.figure.id)' must be finite and non-negative for a count model"
      )
    }
    let all = rows + checks
    let first = all.map(\.first).min() ?? 0
    let last = all.map(\.last).max() ?? 0
    let years = first...max(last, first + 1)
    let poisson = try compositeFit(.poisson, rows: rows, years: years, quantity: quantity, level: level)
    let nb = try? compositeFit(.negativeBinomial, rows: rows, years: years, quantity: quantity, level: level)
    let diagnostics = compositeOverdispersion(poisson.fit, nb?.fit)
    let chosen: TrendModel
    let choice: String
    if let model {
      chosen = model
      choice = "\(model.rawValue), as asked (--model)."
    } else if let p = diagnostics.lrPValue, p < 0.05, diagnostics.theta != nil {
      chosen = .negbin
      choice =
        "negbin: the likelihood-ratio test of Poisson against negative binomial, both fitted to the counts as published (composite link), rejects Poisson (LR = \(NumberFormat.human(diagnostics.lrStatistic, significant: 4)), p = \(NumberFormat.human(p, significant: 2)); Pearson dispersion \(NumberFormat.human(diagnostics.pearsonDispersion, significant: 3))): the counts vary more than a Poisson model allows."
    } else {
      chosen = .poisson
      let why =
        diagnostics.lrPValue.map {
          "the likelihood-ratio test finds no overdispersion (p = \(NumberFormat.human($0, significant: 2)); Pearson dispersion \(NumberFormat.human(diagnostics.pearsonDispersion, significant: 3)))"
        } ?? "the negative binomial fit is not available (θ → ∞: no overdispersion)"
      choice = "poisson: \(why)."
    }
    let fitted: (fit: CompositeLinkFit, design: CompositeLinkDesign)
    switch chosen {
    case .poisson: fitted = poisson
    case .negbin:
      if let nb {
        fitted = nb
      } else {
        fitted = try compositeFit(.negativeBinomial, rows: rows, years: years, quantity: quantity, level: level)
      }
    default: fitted = try compositeFit(.quasiPoisson, rows: rows, years: years, quantity: quantity, level: level)
    }
    var result = try compositeResult(
      quantity: quantity, rows: rows, fitted: fitted, model: chosen, level: level, through: through)
    result.modelChoice = choice
    if model == nil,
      let close = closeCallSentence(
        p: diagnostics.lrPValue, poisson: try? poisson.fit.trendModelFit(centre: poisson.design.centre),
        negbin: try? nb?.fit.trendModelFit(centre: nb?.design.centre ?? 0), level: level)
    {
      result.modelChoice += " " + close
    }
    result.overdispersion = diagnostics
    result.cumulativeChecks = try checks.map { c throws(AnalysisError) in
      try cumulativeCheck(c, fit: fitted.fit, quantity: quantity)
    }
    return result
  }

  /// Pearson's dispersion of the Poisson fit over the buckets and the likelihood-ratio test
  /// of Poisson against the negative binomial on the same buckets (p = ½ P(χ²₁ > LR); not
  /// given when the negative binomial fit failed or θ is unbounded).
  static func compositeOverdispersion(_ poisson: CompositeLinkFit, _ nb: CompositeLinkFit?) -> Overdispersion {
    let phi = poisson.dfResidual > 0 ? poisson.pearsonChiSquare / Double(poisson.dfResidual) : .nan
    guard let nb, nb.converged, let llNB = nb.logLikelihood, let llP = poisson.logLikelihood, let theta = nb.theta
    else {
      return Overdispersion(pearsonDispersion: phi, lrStatistic: nil, lrPValue: nil, theta: nil)
    }
    let lr = max(0, 2 * (llNB - llP))
    return Overdispersion(
      pearsonDispersion: phi, lrStatistic: lr, lrPValue: Overdispersion.boundaryPValue(lr), theta: theta)
  }

  /// The trend result of a composite link fit: the coefficients on the design [1, year],
  /// every count's row (a bucket's fitted average a year beside its observed one), the implied
  /// rows of the years inside each bucket, projections, and the buckets' summaries. A design
  /// with joinpoints passes its `modelFit` (coefficients on [1, year, hinges]).
  static func compositeResult(
    quantity: String, rows: [Row], fitted: (fit: CompositeLinkFit, design: CompositeLinkDesign), model: TrendModel,
    level: Double, through: Int?, modelFit: ModelFit? = nil
  ) throws(AnalysisError) -> TrendResult {
    let composite = fitted.fit
    let fit: ModelFit
    do throws(StatisticsError) {
      if let modelFit {
        fit = modelFit
      } else {
        fit = try composite.trendModelFit(centre: fitted.design.centre)
      }
    } catch {
      throw filesError(rows, "\(quantity): \(error.description)")
    }
    let hinges = fitted.design.joinpoints
    var warnings = fit.warnings
    let converged = fit.converged
    if !converged {
      warnings.append(
        "the \(model.rawValue) fit did not converge: no intervals are given, and the estimates are where the iteration stopped"
      )
    }
    let (growth, apc, doubling) = growthIntervals(fit, multiplicative: true)
    let crit = fit.criticalValue(level: level)
    func point(_ year: Int, period: String, exposure: Double, observed: Double?, id: String, projected: Bool)
      throws(AnalysisError) -> TrendPoint
    {
      let lp: (estimate: Double, standardError: Double)
      do {
        lp = try fit.linearPredictor([1, Double(year)] + hinges.map { max(0, Double(year) - $0) })
      } catch {
        throw filesError(rows, "\(quantity): \(error.description)")
      }
      let band = countBand(
        model: model, fit: fit, eta: lp.estimate, standardError: lp.standardError, critical: crit,
        predictive: converged)
      return TrendPoint(
        period: period, year: year, time: Double(year), exposure: exposure, observed: observed, band: band,
        converged: converged, stock: false, level: level, projected: projected, id: id,
        countDispersion: countDispersion(model: model, fit: fit, mean: exp(lp.estimate) * exposure))
    }
    var points: [TrendPoint] = []
    var buckets: [TrendBucket] = []
    let years = Dictionary(uniqueKeysWithValues: composite.years.map { ($0.year, $0) })
    for (j, r) in rows.enumerated() {
      guard r.spansYears, j < composite.buckets.count else {
        points.append(
          try point(
            r.first, period: r.label, exposure: r.exposure, observed: r.count, id: r.figure.id, projected: false))
        continue
      }
      // A bucket: its fitted total λ and its published count's predictive interval, divided by
      // its length in years (the fitted average a year, beside the annualised count).
      let b = composite.buckets[j]
      let band = countBand(
        model: model, fit: fit, eta: log(b.fitted), standardError: b.logStandardError, critical: crit,
        per: r.exposure, predictive: converged)
      points.append(
        TrendPoint(
          period: r.label, year: r.year, time: r.time, exposure: r.exposure, observed: r.count, band: band,
          converged: converged, stock: false, level: level, projected: false, id: r.figure.id,
          countDispersion: countDispersion(model: model, fit: fit, mean: b.fitted)))
      for y in r.first...r.last {
        var implied = try point(
          y, period: String(y), exposure: r.fraction(of: y), observed: nil, id: r.figure.id, projected: false)
        implied.implied = true
        points.append(implied)
      }
      buckets.append(
        TrendBucket(
          id: r.figure.id, firstYear: r.first, lastYear: r.last, cumulative: r.cumulative, observed: r.count,
          fitted: b.fitted, low: b.low, high: b.high, implied: (r.first...r.last).compactMap { years[$0] }))
    }
    if let through, let last = rows.map(\.lastYear).max(), through > last {
      for y in (last + 1)...through {
        points.append(try point(y, period: String(y), exposure: 1, observed: nil, id: "", projected: true))
      }
    }
    if model == .poisson && fit.dfResidual > 0 {
      let phi = composite.pearsonChiSquare / Double(fit.dfResidual)
      if phi > 1.5 {
        warnings.append(
          "overdispersion: Pearson dispersion \(NumberFormat.human(phi, significant: 3)) > 1.5 — the Poisson intervals are too narrow; prefer --model quasipoisson"
        )
      }
    }
    var result = TrendResult(
      quantity: quantity, model: model, fit: fit, growthFactor: growth, annualPercentChange: apc,
      doublingTime: doubling, points: points, warnings: warnings,
      assumption: assumption(model, stock: false)
        + " Each count is the sum of the yearly means of the years it covers (composite link): a count over several years enters the likelihood once, as published\(model == .negbin ? ", with the θ of a published figure" : "")."
    )
    result.compositeLink = true
    result.buckets = buckets
    return result
  }

  /// A stated cumulative total checked against the fit: the observed sum of the counts when
  /// they cover exactly its years, else the fitted sum's interval (``CompositeLinkFit/checkCumulative(stated:through:from:tolerance:level:)``).
  /// A total is a whole number: it is checked to within 0.5, an `about` total to within 1%.
  static func cumulativeCheck(_ c: Row, fit: CompositeLinkFit, quantity: String) throws(AnalysisError)
    -> CumulativeCheck
  {
    let tolerance = c.figure.kind == .about ? max(0.5, 0.01 * c.count) : 0.5
    do throws(StatisticsError) {
      let check = try fit.checkCumulative(stated: c.count, through: c.last, from: c.first, tolerance: tolerance)
      // The model's line starts with "pass  " or "fail  ": the claim-style status leads, then the id.
      let body =
        check.line.hasPrefix("pass  ") || check.line.hasPrefix("fail  ") ? String(check.line.dropFirst(6)) : check.line
      return CumulativeCheck(
        id: c.figure.id, firstYear: check.firstYear, lastYear: check.lastYear, stated: check.stated,
        tolerance: tolerance, observed: check.observed, observedNote: check.observedNote, fitted: check.fitted,
        fittedLow: check.fittedLow, fittedHigh: check.fittedHigh, basis: check.basis.rawValue, passed: check.passed,
        line: "\(check.passed ? "PASS" : "FAIL")  \(c.figure.id): \(body)")
    } catch {
      throw .located(c.figure.location, "\(quantity): cumulative total '\(c.figure.id)': \(error.description)")
    }
  }

  /// A stated cumulative total checked against the counts alone (under a least-squares model,
  /// which gives no fitted sum of counts): pass or fail when the counts used cover exactly its
  /// years, else not checked.
  static func observedCheck(_ c: Row, rows: [Row]) -> CumulativeCheck {
    let tolerance = c.figure.kind == .about ? max(0.5, 0.01 * c.count) : 0.5
    var covered = 0
    var sum = 0.0
    var note = "the counts cover exactly these years"
    for r in rows where r.last >= c.first && r.first <= c.last {
      guard r.first >= c.first, r.last <= c.last, r.fraction(of: r.first) == 1, r.fraction(of: r.last) == 1 else {
        note = "\(r.figure.id) (\(r.label)) is not inside \(c.first)–\(c.last) in whole years"
        covered = -1
        break
      }
      covered += r.last - r.first + 1
      sum += r.count
    }
    if covered >= 0 && covered != c.last - c.first + 1 { note = "no count covers some of \(c.first)–\(c.last)" }
    let years = c.first == c.last ? "\(c.first)" : "\(c.first)–\(c.last)"
    let stated = NumberFormat.human(c.count, significant: 15)
    guard covered == c.last - c.first + 1 else {
      return CumulativeCheck(
        id: c.figure.id, firstYear: c.first, lastYear: c.last, stated: c.count, tolerance: tolerance, observed: nil,
        observedNote: note, basis: "none", passed: nil,
        line:
          "NOT CHECKED  \(c.figure.id): cumulative \(years): stated \(stated); no observed sum (\(note)), and a least-squares model gives no fitted sum of counts"
      )
    }
    let passed = abs(sum - c.count) <= tolerance
    return CumulativeCheck(
      id: c.figure.id, firstYear: c.first, lastYear: c.last, stated: c.count, tolerance: tolerance, observed: sum,
      observedNote: note, basis: "observed", passed: passed,
      line:
        "\(passed ? "PASS" : "FAIL")  \(c.figure.id): cumulative \(years): stated \(stated); observed \(NumberFormat.human(sum, significant: 15)) (\(note); difference \(NumberFormat.human(abs(sum - c.count), significant: 15)), tolerance \(NumberFormat.human(tolerance)))"
    )
  }
}
