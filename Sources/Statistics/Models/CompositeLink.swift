import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The likelihood of a composite link model's published counts.
public enum CompositeLinkFamily: String, Sendable, CaseIterable {
  /// Each bucket's count is Poisson with mean λⱼ = Σ_{t ∈ Bⱼ} μₜ; maximum likelihood.
  case poisson
  /// Each bucket's count is negative binomial (NB2) with mean λⱼ and variance λⱼ + λⱼ²/θ,
  /// one θ for every bucket, estimated by maximum likelihood jointly with β.
  ///
  /// The negative binomial is put on the published total, which is a modelling choice and
  /// not what negative binomial years would give: a sum of independent NB2 counts with a
  /// common θ is not NB2 with that θ. It is negative binomial only when the years' means are
  /// equal (with shape kθ for k years), and the family closed under sums is NB1 (variance
  /// proportional to the mean). Here a bucket of six years has the same θ as a single year:
  /// the overdispersion is that of the published figures. The reference in
  /// scripts/peers/composite defines the likelihood the same way.
  case negativeBinomial = "negbin"
  /// The Poisson estimates, with the dispersion φ = Pearson X²/(n − p) over the buckets;
  /// the covariance is φ times the Poisson one and intervals use t(n − p).
  case quasiPoisson = "quasipoisson"
}

/// One published count and the whole years it covers, `first` through `last` (calendar
/// years, both included; a single year is a bucket with `first == last`).
///
/// A bucket that starts before anything was counted ("every arrival up to 1998") must be
/// given a stated first year: the model spreads the count over exactly the years of the
/// bucket, so 947 "up to 1998" counted from 1993 is six years at about 158 a year, and from
/// 1989 ten years at about 95 — the fitted level and trend differ. Say which start was used.
public struct CompositeBucket: Sendable, Equatable {
  /// The first year the count covers.
  public var first: Int
  /// The last year the count covers.
  public var last: Int
  /// The published count (a whole number ≥ 0).
  public var count: Double

  /// A count covering the years `first` through `last`.
  public init(first: Int, last: Int, count: Double) {
    self.first = first
    self.last = last
    self.count = count
  }

  /// A count for the single year `year`.
  public init(year: Int, count: Double) {
    self.init(first: year, last: year, count: count)
  }

  /// "1999–2001", or "2002" for a single year.
  public var label: String { first == last ? "\(first)" : "\(first)–\(last)" }
}

/// Settings of a composite link fit.
public struct CompositeLinkOptions: Sendable, Equatable {
  /// The confidence level of every interval in the result, in (0, 1).
  public var level: Double
  /// The fit is converged only when its last step changed the log-likelihood by less than
  /// this, relatively (|Δℓ|/(|ℓ| + 0.1)).
  public var logLikelihoodTolerance: Double
  /// … and when every parameter's score times its standard error, maxₖ |∂ℓ/∂θₖ|·SEₖ (the
  /// rise in log-likelihood that moving one standard error would give, to first order), is
  /// below this.
  public var gradientTolerance: Double
  /// The budget of Fisher scoring and Newton steps (θ's own steps are not counted).
  public var maxIterations: Int
  /// Negative binomial: θ beyond this is taken as unbounded (the counts show no
  /// overdispersion), and the fit is not converged.
  public var maxTheta: Double

  /// Settings with the defaults: 95% intervals, 1e-10 on the log-likelihood, 1e-9 on the
  /// scaled gradient, 200 steps, θ up to 1e8.
  public init(
    level: Double = 0.95, logLikelihoodTolerance: Double = 1e-10, gradientTolerance: Double = 1e-9,
    maxIterations: Int = 200, maxTheta: Double = 1e8
  ) {
    self.level = level
    self.logLikelihoodTolerance = logLikelihoodTolerance
    self.gradientTolerance = gradientTolerance
    self.maxIterations = maxIterations
    self.maxTheta = maxTheta
  }
}

/// The composite link model for counts published over buckets of years (Thompson & Baker
/// 1981; Eilers 2007): the linear predictor is per year, log μₜ = xₜᵀβ + log eₜ (eₜ an
/// exposure, 1 by default), while each published count yⱼ covers a bucket Bⱼ of whole years
/// with E[yⱼ] = λⱼ = Σ_{t ∈ Bⱼ} μₜ. So a table giving "up to 1998", "1999–2001" and then
/// single years is fitted as published, each count in the likelihood once, and the model
/// says how a bucket divides into years.
///
/// **Fitting.** Fisher scoring: with C the bucket-by-year 0/1 matrix, the working design is
/// A = C·diag(μ)·X (∂λ/∂β) and each step solves the weighted least-squares problem of y − λ
/// on A with weights 1/V(λ) by LAPACK's pivoted QR, line-searched; for the negative binomial,
/// rounds of this at fixed θ alternate with θ's maximisation at fixed means. Then Newton
/// steps on the observed information (Cholesky, LAPACK) until a step no longer changes the
/// log-likelihood. The fit reports `converged` only when the last step's relative change is
/// below `logLikelihoodTolerance`, the scaled gradient below `gradientTolerance`, the
/// information is positive definite, the budget was not spent and θ is finite; otherwise it
/// still returns where it stopped, with `converged == false` and a warning saying why.
///
/// **Covariance.** The inverse of the *observed* information −∂²ℓ at the estimate (with a
/// composite link it differs from the expected information, except when every bucket is a
/// single year, where the two coincide for Poisson). For the negative binomial it is the
/// joint information of (β, log θ), so the coefficients' standard errors allow for θ being
/// estimated, and SE(θ) = θ·SE(log θ). Quasi-Poisson multiplies the Poisson covariance by φ.
/// The R reference (scripts/peers/composite/make-composite-reference.R) computes the same.
///
/// **Input rules.** Buckets must lie within the modelled years, cover at least one year
/// each and must not overlap: a year counted in two published figures (a total and its
/// parts) would enter the likelihood twice, so give a cumulative total to
/// ``CompositeLinkFit/checkCumulative(stated:through:from:tolerance:level:)`` instead.
/// Years without a bucket are allowed (unpublished years: the model predicts them).
/// Counts are whole numbers ≥ 0, not all zero; exposures finite and positive; the design
/// finite, with at least as many buckets as coefficients (one more for quasi-Poisson).
public enum CompositeLink {
  /// Fits the model with a ``CompositeLinkDesign`` (trend and joinpoints).
  ///
  /// - Parameters:
  ///   - family: Poisson, negative binomial or quasi-Poisson.
  ///   - buckets: the published counts, each with its years.
  ///   - design: the yearly design (its years are the modelled years).
  ///   - exposure: per modelled year the exposure eₜ > 0 (a partial year's fraction); nil for 1.
  ///   - options: level, tolerances and budget.
  /// - Throws: `StatisticsError.invalidInput` for input breaking the rules above or
  ///   coefficients the buckets cannot identify; `.numerical` when the linear algebra fails.
  public static func fit(
    _ family: CompositeLinkFamily, buckets: [CompositeBucket], design: CompositeLinkDesign,
    exposure: [Double]? = nil, options: CompositeLinkOptions = CompositeLinkOptions()
  ) throws(StatisticsError) -> CompositeLinkFit {
    try fit(
      family, buckets: buckets, firstYear: design.firstYear, design: design.matrix, names: design.names,
      exposure: exposure, options: options)
  }

  /// Fits the model with any yearly design: row i of `design` is the year `firstYear + i`.
  ///
  /// - Parameters:
  ///   - family: Poisson, negative binomial or quasi-Poisson.
  ///   - buckets: the published counts, each with its years.
  ///   - firstYear: the calendar year of the design's first row.
  ///   - design: years × coefficients, finite.
  ///   - names: the coefficients' names.
  ///   - exposure: per modelled year the exposure eₜ > 0; nil for 1.
  ///   - options: level, tolerances and budget.
  /// - Throws: as ``fit(_:buckets:design:exposure:options:)``.
  public static func fit(
    _ family: CompositeLinkFamily, buckets: [CompositeBucket], firstYear: Int, design: Matrix, names: [String],
    exposure: [Double]? = nil, options: CompositeLinkOptions = CompositeLinkOptions()
  ) throws(StatisticsError) -> CompositeLinkFit {
    let problem = try problem(
      buckets: buckets, firstYear: firstYear, design: design, names: names, exposure: exposure, options: options,
      quasi: family == .quasiPoisson)
    let poisson = try problem.maximisePoisson(options: options)
    let outcome =
      family == .negativeBinomial
      ? try problem.maximiseNegativeBinomial(from: poisson.point, options: options) : poisson
    return CompositeLinkFit(family: family, problem: problem, outcome: outcome, options: options)
  }

  /// Checks the input and builds the problem (see the rules in the type's documentation).
  static func problem(
    buckets: [CompositeBucket], firstYear: Int, design: Matrix, names: [String], exposure: [Double]?,
    options: CompositeLinkOptions, quasi: Bool
  ) throws(StatisticsError) -> CompositeLinkProblem {
    guard options.level > 0, options.level < 1 else {
      throw .invalidInput("the confidence level must be between 0 and 1 (got \(options.level))")
    }
    guard options.logLikelihoodTolerance > 0, options.gradientTolerance > 0,
      options.logLikelihoodTolerance.isFinite, options.gradientTolerance.isFinite
    else { throw .invalidInput("the tolerances must be positive and finite") }
    guard options.maxIterations >= 1 else { throw .invalidInput("maxIterations must be at least 1") }
    guard options.maxTheta > 0, !options.maxTheta.isNaN else { throw .invalidInput("maxTheta must be positive") }
    let years = design.rows
    let p = design.columns
    guard years >= 1, p >= 1 else { throw .invalidInput("the design has no years or no coefficients (\(years)×\(p))") }
    guard years <= Int(Int32.max), design.storage.count == years * p else {
      throw .invalidInput("the design's storage does not match its \(years)×\(p) shape")
    }
    guard names.count == p else { throw .invalidInput("\(names.count) names for \(p) design columns") }
    guard design.storage.allSatisfy(\.isFinite) else { throw .invalidInput("the design has a non-finite value") }
    let (lastYear, overflow) = firstYear.addingReportingOverflow(years - 1)
    guard !overflow else { throw .invalidInput("the modelled years run past the largest integer") }
    let exposures = exposure ?? [Double](repeating: 1, count: years)
    guard exposures.count == years else {
      throw .invalidInput("\(exposures.count) exposures for \(years) modelled years (\(firstYear)–\(lastYear))")
    }
    for (t, e) in exposures.enumerated() where !(e.isFinite && e > 0) {
      throw .invalidInput("the exposure of \(firstYear + t) is \(e): exposures must be finite and positive")
    }
    guard !buckets.isEmpty else { throw .invalidInput("no buckets: there are no published counts to fit") }
    for b in buckets {
      guard b.first <= b.last else {
        throw .invalidInput("bucket \(b.first)–\(b.last) is empty: its first year is after its last")
      }
      guard b.first >= firstYear, b.last <= lastYear else {
        throw .invalidInput(
          "bucket \(b.label) lies outside the modelled years \(firstYear)–\(lastYear): a bucket that starts before them needs a stated first year, and the years must include it"
        )
      }
      guard b.count.isFinite else {
        throw .invalidInput("the count of \(b.label) is \(b.count): counts must be finite")
      }
      guard b.count >= 0 else {
        throw .invalidInput("the count of \(b.label) is \(b.count): counts cannot be negative")
      }
      guard b.count == b.count.rounded() else {
        throw .invalidInput("the count of \(b.label) is \(b.count): counts must be whole numbers")
      }
    }
    let order = buckets.indices.sorted { buckets[$0].first < buckets[$1].first }
    for (i, k) in zip(order, order.dropFirst()) where buckets[k].first <= buckets[i].last {
      throw .invalidInput(
        "buckets \(buckets[i].label) and \(buckets[k].label) overlap in \(buckets[k].first): a year would be counted twice; give a cumulative total to the cumulative check instead"
      )
    }
    guard buckets.contains(where: { $0.count > 0 }) else {
      throw .invalidInput("every count is zero: the means' maximum-likelihood estimate is 0 (log mean −∞)")
    }
    let needed = quasi ? p + 1 : p
    guard buckets.count >= needed else {
      throw .invalidInput(
        "\(buckets.count) buckets cannot identify \(p) coefficients\(quasi ? " and a dispersion" : ""): at least \(needed) are needed"
      )
    }
    let problem = CompositeLinkProblem(
      design: design, names: names, firstYear: firstYear, offset: exposures.map { log($0) },
      bucketFirst: buckets.map { $0.first - firstYear }, bucketLast: buckets.map { $0.last - firstYear },
      counts: buckets.map(\.count), logFactorials: buckets.map { SpecialFunctions.logFactorial($0.count) })
    try problem.identifiability()
    return problem
  }
}
