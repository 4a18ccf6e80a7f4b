import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Joinpoint regression of counts: a segmented log-linear rate fitted by maximum likelihood
/// (Poisson, or negative binomial with θ estimated), each published count entering the
/// likelihood as the sum of the yearly means of the years it covers (the composite link model,
/// ``CompositeLink``; Thompson & Baker 1981).
///
/// The yearly mean is `log μₜ = b₀ + b₁ t + Σ_k d_k (t − τ_k)₊ + log eₜ` (eₜ the year's
/// exposure, a partial year's fraction), over every modelled year; a count over one year is
/// that year's mean, a count over several (a bucket, or a cumulative total used as a count) the
/// sum of theirs. With one count per year the Poisson fit is R's
/// `glm(y ~ t + pmax(t − τ, 0) + …, family = poisson, offset = log(e))`.
///
/// **Placements.** The same admissible joinpoints as the least-squares search
/// (``JoinpointOptions``; NCI Joinpoint's rule), with each published count's position its last
/// year (a single year: the year): at least 2 counts strictly before the first joinpoint and
/// strictly after the last, 2 strictly between joinpoints. A joinpoint can therefore not fall
/// strictly inside a bucket. Every admissible placement of `K` joinpoints is fitted; the best
/// has the largest log-likelihood (for the Poisson, the smallest deviance; ties within 1e-12
/// relative to the first in lexicographic order). Placements whose fit fails are skipped. Where
/// the negative binomial's θ grows without bound (past ``CompositeLinkOptions/maxTheta``) its
/// likelihood's supremum is the Poisson one, and the Poisson fit stands for it
/// (``JoinpointCountFit/thetaUnbounded``).
///
/// **Number of joinpoints** by BIC (NCI Joinpoint's criterion, written for a likelihood):
/// `BIC(k) = −2ℓ_k + (2k + 2 + [θ]) ln n`, `n` the number of published counts and each
/// joinpoint counted as a parameter; the smallest wins, ties to the smaller `k`.
///
/// Intervals (APC, AAPC) are Wald intervals with the normal quantile, conditional on the
/// joinpoints, from the inverse observed information (for the negative binomial, the β block of
/// the joint inverse with log θ).
public enum JoinpointCount {
  /// The most admissible placements one search fits for one `K` (each placement is a full
  /// maximum-likelihood fit): about a second in a release build on this machine's small series.
  public static let maximumPlacements = 5_000

  /// The best fit with `joinpoints` joinpoints (exhaustive search over admissible placements).
  ///
  /// - Parameters:
  ///   - family: `.poisson` or `.negativeBinomial`.
  ///   - buckets: the published counts, not overlapping (``CompositeBucket``).
  ///   - firstYear: the first modelled year (≤ every bucket's first year).
  ///   - lastYear: the last modelled year (≥ every bucket's last year).
  ///   - exposure: per modelled year its exposure (nil: 1 each).
  ///   - joinpoints: `K ≥ 0`.
  ///   - options: admissible placements (grid search is not offered: joinpoints at counts' years).
  ///   - level: interval level.
  /// - Throws: `StatisticsError.invalidInput` for invalid input, a family other than Poisson or
  ///   negative binomial, a `K` the counts do not admit, a search larger than
  ///   ``maximumPlacements``; `.numerical` when no placement could be fitted.
  public static func fit(
    _ family: CompositeLinkFamily, buckets: [CompositeBucket], firstYear: Int, lastYear: Int,
    exposure: [Double]? = nil, joinpoints: Int, options: JoinpointOptions = JoinpointOptions(), level: Double = 0.95
  ) throws(StatisticsError) -> JoinpointCountFit {
    let search = try Search(
      family: family, buckets: buckets, firstYear: firstYear, lastYear: lastYear, exposure: exposure,
      options: options, level: level)
    guard joinpoints >= 0 else { throw .invalidInput("the number of joinpoints must be ≥ 0, got \(joinpoints)") }
    try search.checkAdmissible(joinpoints)
    return try search.best(joinpoints)
  }

  /// The fit with the joinpoints fixed at `locations` (no search).
  public static func fit(
    _ family: CompositeLinkFamily, buckets: [CompositeBucket], firstYear: Int, lastYear: Int,
    exposure: [Double]? = nil, at locations: [Double], level: Double = 0.95
  ) throws(StatisticsError) -> JoinpointCountFit {
    let search = try Search(
      family: family, buckets: buckets, firstYear: firstYear, lastYear: lastYear, exposure: exposure,
      options: JoinpointOptions(), level: level)
    return try search.fit(at: locations)
  }

  /// Chooses the number of joinpoints in `0…maxJoinpoints` by BIC and returns the chosen fit.
  /// `maxJoinpoints` is lowered to the largest `K` the counts admit (`n ≥ 2K + 3`, an admissible
  /// placement) and whose search has at most ``maximumPlacements`` placements.
  public static func select(
    _ family: CompositeLinkFamily, buckets: [CompositeBucket], firstYear: Int, lastYear: Int,
    exposure: [Double]? = nil, maxJoinpoints: Int, options: JoinpointOptions = JoinpointOptions(),
    level: Double = 0.95
  ) throws(StatisticsError) -> JoinpointCountSelection {
    let search = try Search(
      family: family, buckets: buckets, firstYear: firstYear, lastYear: lastYear, exposure: exposure,
      options: options, level: level)
    guard maxJoinpoints >= 0 else {
      throw .invalidInput("the maximum number of joinpoints must be ≥ 0, got \(maxJoinpoints)")
    }
    var kMax = 0
    while kMax < maxJoinpoints, search.admits(kMax + 1) { kMax += 1 }
    var fits: [JoinpointCountFit] = []
    for k in 0...kMax { fits.append(try search.best(k)) }
    let n = Double(buckets.count)
    let extra = family == .negativeBinomial ? 1.0 : 0.0
    let bic = fits.indices.map { k in -2 * fits[k].logLikelihood + (Double(2 * k + 2) + extra) * log(n) }
    var chosen = 0
    for k in bic.indices where bic[k] < bic[chosen] { chosen = k }
    var best = fits[chosen]
    let report = JoinpointSelection(
      method: .bic, requestedMaxJoinpoints: maxJoinpoints, maxJoinpoints: kMax, chosen: chosen,
      rss: fits.map(\.composite.deviance), joinpoints: fits.map(\.joinpoints), bic: bic, tests: [])
    best.segmented.selection = report
    return JoinpointCountSelection(
      best: best, fits: fits, requestedMaxJoinpoints: maxJoinpoints, maxJoinpoints: kMax, chosen: chosen, bic: bic)
  }

  /// The largest number of joinpoints the counts admit, or nil when the input is invalid.
  public static func maximumJoinpoints(
    buckets: [CompositeBucket], firstYear: Int, lastYear: Int, options: JoinpointOptions = JoinpointOptions()
  ) -> Int? {
    guard
      let search = try? Search(
        family: .poisson, buckets: buckets, firstYear: firstYear, lastYear: lastYear, exposure: nil,
        options: options, level: 0.95)
    else { return nil }
    var k = 0
    while search.admits(k + 1) { k += 1 }
    return k
  }

  /// The checked input and the placements of one family's search.
  struct Search {
    let family: CompositeLinkFamily
    let buckets: [CompositeBucket]
    let firstYear: Int
    let lastYear: Int
    let exposure: [Double]?
    let candidates: JoinpointCandidates
    let n: Int
    let level: Double

    init(
      family: CompositeLinkFamily, buckets: [CompositeBucket], firstYear: Int, lastYear: Int, exposure: [Double]?,
      options: JoinpointOptions, level: Double
    ) throws(StatisticsError) {
      guard family != .quasiPoisson else {
        throw .invalidInput("a joinpoint fit of counts is Poisson or negative binomial, not quasi-Poisson")
      }
      guard level > 0, level < 1 else { throw .invalidInput("level must be in (0, 1), got \(level)") }
      guard options.minObservationsFromEnd >= 1, options.minObservationsBetween >= 0 else {
        throw .invalidInput("the joinpoint options need at least 1 count from each end and 0 or more between")
      }
      let sorted = buckets.sorted { $0.first < $1.first }
      for (a, b) in zip(sorted, sorted.dropFirst()) where b.first <= a.last {
        throw .invalidInput("counts \(a.label) and \(b.label) overlap: a year would be counted twice")
      }
      self.family = family
      self.buckets = sorted
      self.firstYear = firstYear
      self.lastYear = lastYear
      self.exposure = exposure
      self.n = sorted.count
      self.level = level
      self.candidates = JoinpointCandidates(
        years: sorted.map { Double($0.last) }, gridPerUnit: 0, minEnd: options.minObservationsFromEnd,
        minBetween: options.minObservationsBetween)
    }

    func admits(_ k: Int) -> Bool { candidates.admits(k, maximum: maximumPlacements) }

    func checkAdmissible(_ k: Int) throws(StatisticsError) {
      try candidates.checkAdmissible(k, maximum: maximumPlacements, unit: "counts")
    }

    /// The fit at `taus` (the composite link model with hinge columns).
    func fit(at taus: [Double]) throws(StatisticsError) -> JoinpointCountFit {
      let design = try CompositeLinkDesign.trend(firstYear: firstYear, lastYear: lastYear, joinpoints: taus)
      let options = CompositeLinkOptions(level: level)
      var composite = try CompositeLink.fit(
        family, buckets: buckets, design: design, exposure: exposure, options: options)
      var unbounded = false
      if family == .negativeBinomial, !((composite.theta ?? 0) <= options.maxTheta) {
        // θ → ∞: the negative binomial's supremum is the Poisson likelihood; its limit is the Poisson fit.
        composite = try CompositeLink.fit(
          .poisson, buckets: buckets, design: design, exposure: exposure, options: options)
        unbounded = true
      }
      guard let ll = composite.logLikelihood, ll.isFinite else {
        throw .numerical("the \(family.rawValue) fit with joinpoints \(taus) has no finite log-likelihood")
      }
      var fit = JoinpointCountFit(composite: composite, design: design, counts: n, level: level)
      fit.thetaUnbounded = unbounded
      return fit
    }

    /// The maximised log-likelihood at `taus`, for ranking placements: the maximisation of
    /// ``fit(at:)`` (Fisher scoring, then Newton; for the negative binomial, rounds of scoring
    /// for β and θ's own search, then the joint Newton polish), started at `warm` — the maximum
    /// of the placement visited before, whose coefficients mean the same (intercept, slope, the
    /// changes of slope) — when its likelihood there is finite and above the cold start's, and
    /// without the intervals and tables of a full result, which only the chosen placement gets.
    /// The maximum is the same; the search visits neighbouring placements in turn, so a warm
    /// start saves most of the steps. `warm` becomes this placement's maximum.
    func logLikelihood(at taus: [Double], warm: inout CompositeLinkPoint?) throws(StatisticsError) -> Double {
      let design = try CompositeLinkDesign.trend(firstYear: firstYear, lastYear: lastYear, joinpoints: taus)
      let options = CompositeLinkOptions(level: level)
      let problem = try CompositeLink.problem(
        buckets: buckets, firstYear: firstYear, design: design.matrix, names: design.names, exposure: exposure,
        options: options, quasi: false)
      // The Poisson maximum: from the cold start or the warm one, whichever is higher.
      func poissonMaximum() throws(StatisticsError) -> CompositeLinkPoint {
        var budget = options.maxIterations
        var start = problem.point(beta: problem.startingCoefficients(), theta: nil)
        if let w = warm, w.beta.count == problem.p {
          let s = problem.point(beta: w.beta, theta: nil)
          if s.logLikelihood.isFinite, s.logLikelihood > start.logLikelihood { start = s }
        }
        guard start.logLikelihood.isFinite else {
          throw .numerical("the starting values give means that are not finite")
        }
        var (poisson, _, diverged) = try problem.fisherScoring(from: start, tolerance: 1e-12, budget: &budget)
        if !diverged {
          let polished = problem.newtonPolish(from: poisson, withTheta: false, budget: &budget)
          if polished.steps > 0 { poisson = polished.point }
        }
        return poisson
      }
      guard family == .negativeBinomial else {
        let poisson = try poissonMaximum()
        warm = poisson
        return poisson.logLikelihood
      }
      // Negative binomial: from the last placement's maximum (β and θ) when its likelihood here
      // is finite; else from the Poisson maximum with θ's moment estimate, as ``CompositeLink``.
      var from: CompositeLinkPoint? = nil
      if let w = warm, w.beta.count == problem.p, let t = w.theta, t.isFinite, t > 0, t <= options.maxTheta {
        let s = problem.point(beta: w.beta, theta: t)
        if s.logLikelihood.isFinite { from = s }
      }
      if from == nil {
        let poisson = try poissonMaximum()
        var spread = 0.0
        for j in 0..<problem.n {
          spread += (problem.counts[j] / poisson.lambda[j] - 1) * (problem.counts[j] / poisson.lambda[j] - 1)
        }
        var theta0 = Double(problem.n) / spread
        if !theta0.isFinite { theta0 = 1e6 }
        theta0 = min(1e6, max(1e-4, theta0))
        from = problem.point(beta: poisson.beta, theta: theta0)
      }
      guard let from else { throw .numerical("no starting point") }
      var budget = options.maxIterations
      var current = problem.maximiseTheta(from: from, maxTheta: options.maxTheta)
      var unbounded = (current.theta ?? 0) > options.maxTheta
      var stop = false
      while budget > 0, !unbounded, !stop {
        let before = current.logLikelihood
        (current, _, stop) = try problem.fisherScoring(from: current, tolerance: 1e-13, budget: &budget)
        current = problem.maximiseTheta(from: current, maxTheta: options.maxTheta)
        unbounded = (current.theta ?? 0) > options.maxTheta
        if CompositeLinkProblem.relativeChange(before, current.logLikelihood) < 1e-13 { break }
      }
      if !unbounded, !stop {
        let polished = problem.newtonPolish(from: current, withTheta: true, budget: &budget)
        if polished.steps > 0 { current = polished.point }
        unbounded = (current.theta ?? 0) > options.maxTheta
      }
      // θ → ∞: the supremum is the Poisson likelihood (``fit(at:)`` then reports the Poisson fit).
      guard !unbounded else {
        let poisson = try poissonMaximum()
        warm = nil
        return poisson.logLikelihood
      }
      warm = current
      return current.logLikelihood
    }

    /// The admissible placement of `k` joinpoints with the largest log-likelihood, fitted.
    func best(_ k: Int) throws(StatisticsError) -> JoinpointCountFit {
      var best: (taus: [Double], logLikelihood: Double)? = nil
      var lastError: StatisticsError? = nil
      var warm: CompositeLinkPoint? = nil
      try candidates.forEach(k) { (set: [Int]) throws(StatisticsError) in
        let taus = set.map { candidates.positions[$0] }
        do throws(StatisticsError) {
          let ll = try logLikelihood(at: taus, warm: &warm)
          guard ll.isFinite else { return }
          if let b = best {
            if ll > b.logLikelihood + 1e-12 * abs(b.logLikelihood) { best = (taus, ll) }
          } else {
            best = (taus, ll)
          }
        } catch {
          lastError = error
        }
      }
      guard let best else {
        throw .numerical(
          "no placement of \(k) joinpoint(s) could be fitted\(lastError.map { ": \($0.description)" } ?? "")")
      }
      return try fit(at: best.taus)
    }
  }
}

/// A joinpoint fit of counts: the composite link fit with hinge columns, and the segmented view
/// (coefficients on `[1, t, (t − τ₁)₊, …]`, segments with their APC, AAPC by ``Joinpoint/aapc(_:from:to:level:)``).
public struct JoinpointCountFit: Sendable {
  /// The maximum-likelihood fit (coefficients on the centred design, ``CompositeLinkDesign``).
  /// For the negative binomial where θ grows without bound, the Poisson fit (its limit).
  public var composite: CompositeLinkFit
  /// Whether the negative binomial's θ grew without bound at these joinpoints, so that
  /// `composite` is the Poisson fit, the negative binomial's limit (no overdispersion left).
  public var thetaUnbounded = false
  /// Its yearly design.
  public var design: CompositeLinkDesign
  /// Joinpoint locations.
  public var joinpoints: [Double] { design.joinpoints }
  /// The maximised log-likelihood.
  public var logLikelihood: Double { composite.logLikelihood ?? -.infinity }
  /// The segmented regression: coefficients `[b₀, b₁, d₁, …]` with `t` uncentred, their
  /// covariance, the segments with Wald (normal) APC intervals; `years` are the modelled years.
  public var segmented: JoinpointFit

  init(composite: CompositeLinkFit, design: CompositeLinkDesign, counts: Int, level: Double) {
    self.composite = composite
    self.design = design
    let p = composite.parameters.count
    let c = design.centre
    let a = composite.parameters.map(\.estimate)
    var coefficients = a
    if p >= 2 { coefficients[0] = a[0] - c * a[1] }
    // V' = J V Jᵀ with J the identity but J[0][1] = −c.
    let v = composite.covariance
    var u = v
    if p >= 2 {
      for j in 0..<p { u[0, j] = v[0, j] - c * v[1, j] }
      var w = u
      for i in 0..<p { w[i, 0] = u[i, 0] - c * u[i, 1] }
      u = w
    }
    let k = design.joinpoints.count
    let years = (composite.firstYear...composite.lastYear).map(Double.init)
    var segments: [JoinpointSegment] = []
    let edges = [Double(composite.firstYear)] + design.joinpoints + [Double(composite.lastYear)]
    for j in 0...k where p == k + 2 {
      var l = [Double](repeating: 0, count: p)
      l[1] = 1
      for i in 0..<j { l[2 + i] = 1 }
      let slope = zip(l, coefficients).reduce(0.0) { $0 + $1.0 * $1.1 }
      let se = max(0, quadraticForm(l, u)).squareRoot()
      segments.append(
        JoinpointSegment(
          from: edges[j], to: edges[j + 1], slope: slope, slopeSE: se,
          apc: PercentChange(slope: slope, standardError: se, level: level, df: nil)))
    }
    let fitted = composite.years.map { log($0.mean / $0.exposure) }
    segmented = JoinpointFit(
      years: years, k: k, joinpoints: design.joinpoints, segments: segments, coefficients: coefficients,
      covariance: u, rss: composite.deviance, sigma2: composite.dispersion, residualDF: composite.dfResidual,
      df: counts - (2 * k + 2), fitted: fitted, fittedSE: composite.years.map(\.logStandardError), level: level,
      selection: nil, likelihoodBased: true)
  }

  /// The fit as a ``ModelFit`` on `[1, year, (year − τ₁)₊, …]` (parameters `(Intercept)`,
  /// `year`, `year>τ`): the same maximum, the intercept moved to year 0 (see
  /// ``CompositeLinkFit/trendModelFit(centre:)``), Wald intervals with the normal quantile.
  public var modelFit: ModelFit {
    let names = ["(Intercept)", "year"] + joinpoints.map { "year>\(NumberFormatPlain.text($0))" }
    let table = parameterTable(
      names: names, estimates: segmented.coefficients, covariance: segmented.covariance, df: nil,
      level: composite.level)
    let kind: ModelKind = composite.family == .negativeBinomial ? .negbin : .poisson
    var fit = ModelFit(
      model: kind, n: composite.bucketCount, dfResidual: composite.dfResidual, converged: composite.converged,
      iterations: composite.iterations, parameters: table, residualSD: nil, rSquared: nil,
      deviance: composite.deviance, logLikelihood: composite.logLikelihood, aic: composite.aic,
      dispersion: composite.dispersion, covariance: segmented.covariance, fitted: composite.buckets.map(\.fitted),
      level: composite.level, warnings: composite.warnings)
    fit.stopReason = composite.stopReason
    fit.theta = composite.theta
    fit.thetaStandardError = composite.thetaStandardError
    return fit
  }

  /// Pearson's dispersion X² / (n − p) over the published counts.
  public var pearsonDispersion: Double {
    composite.dfResidual > 0 ? composite.pearsonChiSquare / Double(composite.dfResidual) : .nan
  }
}

/// What ``JoinpointCount/select(_:buckets:firstYear:lastYear:exposure:maxJoinpoints:options:level:)`` did.
public struct JoinpointCountSelection: Sendable {
  /// The chosen fit (its `segmented.selection` holds this report in the least-squares form:
  /// method BIC, deviances in `rss`).
  public var best: JoinpointCountFit
  /// The best fit for every `k = 0 … maxJoinpoints`.
  public var fits: [JoinpointCountFit]
  /// The maximum asked for.
  public var requestedMaxJoinpoints: Int
  /// The maximum searched.
  public var maxJoinpoints: Int
  /// The number chosen.
  public var chosen: Int
  /// BIC for every `k`.
  public var bic: [Double]
}
