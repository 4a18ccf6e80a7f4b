import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One modelled year's implied mean μₜ with its confidence interval (delta method on the
/// log scale: log μₜ ± q·SE, SE² = xₜᵀVxₜ).
public struct CompositeYearMean: Sendable, Equatable {
  /// The calendar year.
  public var year: Int
  /// Its exposure eₜ.
  public var exposure: Double
  /// The implied mean μₜ (the expected count of the year at its exposure).
  public var mean: Double
  /// Lower end of the interval.
  public var low: Double
  /// Upper end of the interval.
  public var high: Double
  /// The standard error of log μₜ.
  public var logStandardError: Double
}

/// One bucket's published count beside the model's total λⱼ = Σ_{t ∈ Bⱼ} μₜ and its
/// confidence interval (delta method on the log scale).
public struct CompositeBucketFit: Sendable, Equatable {
  /// The bucket's first year.
  public var first: Int
  /// The bucket's last year.
  public var last: Int
  /// The published count.
  public var observed: Double
  /// The fitted total λⱼ.
  public var fitted: Double
  /// Lower end of the interval for λⱼ.
  public var low: Double
  /// Upper end of the interval for λⱼ.
  public var high: Double
  /// The standard error of log λⱼ.
  public var logStandardError: Double
  /// (yⱼ − λⱼ)/√V(λⱼ) (not divided by the quasi-Poisson dispersion).
  public var pearsonResidual: Double
}

/// The result of ``CompositeLink/fit(_:buckets:firstYear:design:names:exposure:options:)``.
///
/// Intervals are Wald intervals on the log scale with z quantiles (t(n − p) for
/// quasi-Poisson), from `covariance`: the inverse observed information (see ``CompositeLink``).
/// A fit that did not converge still carries the numbers where it stopped, with
/// `converged == false` and the reason in `stopReason` and `warnings`: use them only to see
/// what went wrong.
public struct CompositeLinkFit: Sendable {
  /// The family fitted.
  public var family: CompositeLinkFamily
  /// The first modelled year.
  public var firstYear: Int
  /// The last modelled year.
  public var lastYear: Int
  /// The coefficients with their standard errors and intervals at `level`.
  public var parameters: [ParameterEstimate]
  /// The coefficients' covariance: the inverse observed information (the β block of the
  /// joint (β, log θ) inverse for the negative binomial; times the dispersion for
  /// quasi-Poisson). NaN when the information is not positive definite.
  public var covariance: Matrix
  /// The maximised log-likelihood of the bucket counts (nil for quasi-Poisson).
  public var logLikelihood: Double?
  /// −2ℓ + 2(p + 1 for θ) (nil for quasi-Poisson).
  public var aic: Double?
  /// The deviance over the buckets: 2Σ[y log(y/λ) − (y − λ)] (Poisson, quasi-Poisson) or
  /// 2Σ[y log(y/λ) − (y + θ) log((y + θ)/(λ + θ))] (negative binomial).
  public var deviance: Double
  /// Pearson's X² = Σ (yⱼ − λⱼ)²/V(λⱼ) over the buckets.
  public var pearsonChiSquare: Double
  /// X²/(n − p) for quasi-Poisson; 1 otherwise.
  public var dispersion: Double
  /// θ of the negative binomial (nil otherwise).
  public var theta: Double?
  /// θ's standard error, θ·SE(log θ) from the joint information (NaN when θ is unbounded).
  public var thetaStandardError: Double?
  /// The number of buckets n.
  public var bucketCount: Int
  /// n − p.
  public var dfResidual: Int
  /// Whether every convergence criterion held (see ``CompositeLink``).
  public var converged: Bool
  /// Fisher scoring and Newton steps taken.
  public var iterations: Int
  /// The relative change of the log-likelihood at the last step.
  public var relativeChange: Double
  /// maxₖ |∂ℓ/∂θₖ|·SEₖ at the estimate.
  public var scaledGradient: Double
  /// Why the fit stopped, in words.
  public var stopReason: String
  /// What the analyst should know (non-convergence, θ unbounded …).
  public var warnings: [String]
  /// The level of the intervals in `parameters`, `years` and `buckets`.
  public var level: Double
  /// The implied mean of every modelled year, at `level`.
  public var years: [CompositeYearMean]
  /// Every bucket, observed and fitted, in the order given, at `level`.
  public var buckets: [CompositeBucketFit]

  /// The yearly design, the log exposures, the buckets' year indices and counts, and the
  /// means, for the intervals and the cumulative check.
  let design: Matrix
  let offset: [Double]
  let bucketFirst: [Int]
  let bucketLast: [Int]
  let mu: [Double]
  let counts: [Double]
  let pearsonResiduals: [Double]

  init(
    family: CompositeLinkFamily, problem: CompositeLinkProblem, outcome: CompositeLinkOutcome,
    options: CompositeLinkOptions
  ) {
    let point = outcome.point
    let n = problem.n
    let p = problem.p
    let theta = family == .negativeBinomial ? point.theta : nil
    var pearson = Summation.Accumulator()
    var deviance = Summation.Accumulator()
    var residuals: [Double] = []
    for j in 0..<n {
      let y = problem.counts[j]
      let l = point.lambda[j]
      let v = CompositeLinkProblem.variance(l, theta: theta)
      residuals.append((y - l) / v.squareRoot())
      pearson.add((y - l) * (y - l) / v)
      let yLog = y > 0 ? y * log(y / l) : 0
      if let theta {
        deviance.add(2 * (yLog - (y + theta) * log((y + theta) / (l + theta))))
      } else {
        deviance.add(2 * (yLog - (y - l)))
      }
    }
    let df = n - p
    let dispersion = family == .quasiPoisson ? pearson.value / Double(df) : 1
    var covariance = Matrix(rows: p, columns: p, repeating: .nan)
    if let inverse = outcome.inverseInformation {
      for k in 0..<p { for l in 0..<p { covariance[k, l] = inverse[k, l] * dispersion } }
    }
    self.family = family
    self.firstYear = problem.firstYear
    self.lastYear = problem.firstYear + problem.years - 1
    self.covariance = covariance
    self.parameters = parameterTable(
      names: problem.names, estimates: point.beta, covariance: covariance,
      df: family == .quasiPoisson ? Double(df) : nil, level: options.level)
    let quasi = family == .quasiPoisson
    self.logLikelihood = quasi ? nil : point.logLikelihood
    self.aic = quasi ? nil : -2 * point.logLikelihood + 2 * Double(p + (theta == nil ? 0 : 1))
    self.deviance = deviance.value
    self.pearsonChiSquare = pearson.value
    self.dispersion = dispersion
    self.theta = theta
    if let theta {
      let v = outcome.thetaUnbounded ? Double.nan : (outcome.inverseInformation?[p, p] ?? .nan)
      self.thetaStandardError = theta * v.squareRoot()
    } else {
      self.thetaStandardError = nil
    }
    self.bucketCount = n
    self.dfResidual = df
    self.iterations = outcome.iterations
    self.relativeChange = outcome.relativeChange
    self.scaledGradient = outcome.scaledGradient
    self.level = options.level
    self.design = problem.design
    self.offset = problem.offset
    self.bucketFirst = problem.bucketFirst
    self.bucketLast = problem.bucketLast
    self.mu = point.mu
    self.counts = problem.counts
    self.pearsonResiduals = residuals
    var reasons: [String] = []
    if outcome.thetaUnbounded {
      reasons.append(
        "θ grows without bound (past \(options.maxTheta)): the bucket totals show no overdispersion, and the Poisson fit is the one to use"
      )
    }
    if outcome.diverged {
      reasons.append(
        "the estimates diverge: the likelihood keeps rising as coefficients run off, some years' means vanishing against others (a bucket's count pushed onto part of its years; a joinpoint inside or at the end of a bucket can do this)"
      )
    }
    if outcome.iterationLimit { reasons.append("the budget of \(options.maxIterations) steps ran out") }
    if outcome.inverseInformation == nil {
      reasons.append("the observed information is not positive definite: the point reached is not a maximum")
    }
    if !(outcome.scaledGradient <= options.gradientTolerance) {
      reasons.append("the scaled gradient \(outcome.scaledGradient) is above \(options.gradientTolerance)")
    }
    if !(outcome.relativeChange <= options.logLikelihoodTolerance) {
      reasons.append(
        "the last step changed the log-likelihood by \(outcome.relativeChange) relative, above \(options.logLikelihoodTolerance)"
      )
    }
    self.converged = reasons.isEmpty
    self.stopReason =
      reasons.isEmpty
      ? "converged: relative change \(outcome.relativeChange), scaled gradient \(outcome.scaledGradient)"
      : "not converged: " + reasons.joined(separator: "; ")
    self.warnings = reasons.isEmpty ? [] : ["the fit did not converge: " + reasons.joined(separator: "; ")]
    self.years = []
    self.buckets = []
    // (the level was checked with the input)
    self.years = (try? yearMeans(level: options.level)) ?? []
    self.buckets = (try? bucketTotals(level: options.level)) ?? []
  }

  /// The quantile of two-sided intervals at `level`: z, or t(n − p) for quasi-Poisson.
  public func criticalValue(level: Double) -> Double {
    let q = 0.5 + level / 2
    return family == .quasiPoisson ? StudentT.quantile(q, df: Double(dfResidual)) : Normal.quantile(q)
  }

  /// The implied mean of every modelled year with its interval at `level`.
  ///
  /// - Throws: `StatisticsError.invalidInput` when `level` is not in (0, 1).
  public func yearMeans(level: Double) throws(StatisticsError) -> [CompositeYearMean] {
    let q = try critical(level)
    return (0..<design.rows).map { t in
      let (estimate, se) = sum(from: t, through: t)
      return CompositeYearMean(
        year: firstYear + t, exposure: exp(offset[t]), mean: estimate, low: estimate * exp(-q * se),
        high: estimate * exp(q * se), logStandardError: se)
    }
  }

  /// Every bucket, observed and fitted, with the fitted total's interval at `level`.
  ///
  /// - Throws: `StatisticsError.invalidInput` when `level` is not in (0, 1).
  public func bucketTotals(level: Double) throws(StatisticsError) -> [CompositeBucketFit] {
    let q = try critical(level)
    return bucketFirst.indices.map { j in
      let (estimate, se) = sum(from: bucketFirst[j], through: bucketLast[j])
      return CompositeBucketFit(
        first: firstYear + bucketFirst[j], last: firstYear + bucketLast[j], observed: counts[j],
        fitted: estimate, low: estimate * exp(-q * se), high: estimate * exp(q * se), logStandardError: se,
        pearsonResidual: pearsonResiduals[j])
    }
  }

  /// The fitted sum Σ μₜ over the years `first` through `last` with its interval at `level`
  /// (delta method on the log scale: SE² = gᵀVg/S², g = Σ μₜxₜ).
  ///
  /// - Throws: `StatisticsError.invalidInput` when the years are not modelled ones or are in
  ///   the wrong order, or `level` is not in (0, 1).
  public func fittedSum(from first: Int, through last: Int, level: Double) throws(StatisticsError) -> (
    estimate: Double, low: Double, high: Double, logStandardError: Double
  ) {
    let q = try critical(level)
    guard first <= last else { throw .invalidInput("the years \(first)–\(last) are in the wrong order") }
    guard first >= firstYear, last <= lastYear else {
      throw .invalidInput("the years \(first)–\(last) are not all modelled (\(firstYear)–\(lastYear))")
    }
    let (estimate, se) = sum(from: first - firstYear, through: last - firstYear)
    return (estimate, estimate * exp(-q * se), estimate * exp(q * se), se)
  }

  func critical(_ level: Double) throws(StatisticsError) -> Double {
    guard level > 0, level < 1 else {
      throw .invalidInput("the confidence level must be between 0 and 1 (got \(level))")
    }
    return criticalValue(level: level)
  }

  /// Σ μₜ over the year indices `a`…`b` and the standard error of its logarithm.
  func sum(from a: Int, through b: Int) -> (estimate: Double, logStandardError: Double) {
    let p = design.columns
    var total = Summation.Accumulator()
    var g = [Double](repeating: 0, count: p)
    for t in a...b {
      total.add(mu[t])
      for k in 0..<p { g[k] += mu[t] * design[t, k] }
    }
    let s = total.value
    var variance = 0.0
    for k in 0..<p { for l in 0..<p { variance += g[k] * covariance[k, l] * g[l] } }
    return (s, variance.squareRoot() / s)
  }
}
