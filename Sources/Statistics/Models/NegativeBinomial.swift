import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Negative binomial (NB2) regression with log link and θ by maximum likelihood, as
/// `MASS::glm.nb` (Venables & Ripley 2002, §7.4).
///
/// Var Y = μ + μ²/θ. The algorithm is glm.nb's, step for step, so results agree with R to
/// rounding: a Poisson fit; θ by Newton–Raphson on the profile score (`theta.ml`, stopping
/// when the step is below ε^¼ ≈ 1.2e-4 or after `maxIterations`); then alternation of an IRLS
/// fit at fixed θ and a θ update from the previous means, until
/// |ΔlogLik|/√(2 max(1, df)) + |Δθ| < `tolerance`. Standard errors come from the last
/// weighted solve with dispersion 1; SE(θ) = 1/√(observed information);
/// AIC = −2 logLik + 2 rank + 2 (θ counts).
///
/// One departure: where `theta.ml` stops at its iteration limit with the score negative (the
/// likelihood falling as θ grows, so a maximum lies below where it stopped — its unguarded
/// Newton step overshot to a negative θ and it then climbed away), θ is found by a bracketed
/// search (``bracketedTheta(y:mu:from:table:)``) and the fit says so; glm.nb reports θ → ∞
/// there, with a log-likelihood from 11 to 35,000 units below the maximum on the series of
/// Tests/Fixtures/statistics/negbin-mle-reference.csv (3 of 50,000 series generated as
/// scripts/bench makes them; 3% of short, strongly overdispersed ones:
/// scripts/peers/negbin/check-negbin-maximum.py).
public enum NegativeBinomial {
  /// Fits the model.
  ///
  /// - Parameters:
  ///   - design: n×p design matrix (with an intercept column if wanted).
  ///   - counts: non-negative counts.
  ///   - names: parameter names.
  ///   - offset: log exposures, if any.
  ///   - level: level of the Wald (z) intervals.
  ///   - tolerance: glm.control's epsilon (1e-8).
  ///   - maxIterations: glm.control's maxit (25), used for every loop as glm.nb does.
  /// - Throws: `StatisticsError.invalidInput` for bad counts or shapes; `.numerical` when a solve fails.
  public static func fit(
    design: Matrix, counts: [Double], names: [String], offset: [Double]? = nil,
    level: Double = 0.95, tolerance: Double = 1e-8, maxIterations: Int = 25
  ) throws(StatisticsError) -> ModelFit {
    var workspace = CountModelWorkspace()
    return try fit(
      design: design, counts: counts, names: names, offset: offset, level: level, tolerance: tolerance,
      maxIterations: maxIterations, workspace: &workspace)
  }

  /// glm.nb's test that the alternation of θ and the coefficients has settled: the change of
  /// the log-likelihood over `d1` plus the change of θ over `d2` is within `tolerance`. Nil
  /// when the log-likelihood is not finite (θ truncated at zero): a comparison with NaN is
  /// false, so glm.nb's test would take it for settled; it is a failure.
  static func alternationSettled(
    lm: Double, lm0: Double, delta: Double, d1: Double, d2: Double, tolerance: Double
  ) -> Bool? {
    guard lm.isFinite else { return nil }
    return !(abs(lm0 - lm) / d1 + abs(delta) / d2 > tolerance)
  }

  /// As above, with all the buffers of the iterations supplied by the caller, so that a
  /// batch of fits on one thread allocates almost nothing per fit (the results are the same
  /// as with fresh buffers).
  ///
  /// The accepted fit's arrays are in `workspace.current`; each refit runs in
  /// `workspace.trial` and the two are swapped when it is accepted, so a diverged refit
  /// leaves the last stable fit in place without a copy.
  public static func fit(
    design: Matrix, counts: [Double], names: [String], offset: [Double]? = nil,
    level: Double = 0.95, tolerance: Double = 1e-8, maxIterations: Int = 25,
    workspace: inout CountModelWorkspace
  ) throws(StatisticsError) -> ModelFit {
    let off = try IRLS.checkCounts(design: design, counts: counts, names: names, offset: offset)
    let y = counts
    let n = y.count
    var warnings: [String] = []
    IRLSBuffers.resize(&workspace.current.eta, n)
    workspace.current.eta.withUnsafeMutableBufferPointer { eta in
      for i in 0..<n { eta[i] = y[i] + 0.1 }
      VectorMath.log(UnsafeBufferPointer(eta), into: eta)
    }
    var fit = try IRLS.run(
      design: design, y: y, offset: off, family: poissonFamily, tolerance: tolerance,
      maxIterations: maxIterations, workspace: &workspace.solver, covariance: false,
      buffers: &workspace.current)
    if fit.diverged {
      throw .numerical("the Poisson start diverged (all-zero counts or perfect separation); θ cannot be estimated")
    }
    let hasTable = workspace.smallCounts.build(y)
    var theta = try thetaML(
      y: y, mu: workspace.current.mu, limit: maxIterations, warnings: &warnings,
      table: hasTable ? workspace.smallCounts : nil)
    let df = Double(max(1, n - fit.rank))
    let d1 = (2 * df).squareRoot()
    let d2 = 1.0
    var delta = 1.0
    IRLSBuffers.resize(&workspace.logFactorials, n)
    for i in 0..<n { workspace.logFactorials[i] = SpecialFunctions.logFactorial(y[i]) }
    // The log-likelihood leaves log μ in the trial refit's starting linear predictor.
    workspace.trial.resize(n)
    var lm = logLikelihood(
      y: y, mu: workspace.current.mu, theta: theta.value, logFactorials: workspace.logFactorials,
      logMu: &workspace.trial.eta)
    var lm0 = lm + 2 * d1
    var outer = 0
    var diverged = false
    var totalIterations = fit.iterations
    // Whether the solver's last factorization is the accepted fit's last step.
    var solverHoldsCurrent = true
    while true {
      outer += 1
      guard outer <= maxIterations else {
        warnings.append("alternation limit reached: θ and the coefficients did not settle in \(maxIterations) rounds")
        break
      }
      guard let settled = alternationSettled(lm: lm, lm0: lm0, delta: delta, d1: d1, d2: d2, tolerance: tolerance)
      else {
        warnings.append("the log-likelihood is not finite at θ = \(theta.value): the fit did not converge")
        diverged = true
        break
      }
      if settled { break }
      let th = theta.value
      // Starts from η = log μ of the accepted fit (in workspace.trial.eta).
      let refit = try IRLS.run(
        design: design, y: y, offset: off, family: nbFamily(th), tolerance: tolerance,
        maxIterations: maxIterations, workspace: &workspace.solver, covariance: false,
        buffers: &workspace.trial)
      totalIterations += refit.iterations
      if refit.diverged || !(th > 0) {
        // θ near 0 (extreme overdispersion) makes the working weights vanish: stop with the
        // last stable fit and say so, rather than report numbers from a diverged iteration.
        warnings.append(
          "IRLS diverged at θ = \(th) (extreme overdispersion): the estimates are from the last stable iteration and did not converge"
        )
        diverged = true
        solverHoldsCurrent = false
        break
      }
      fit = refit
      let t0 = theta.value
      // θ from the means before this refit, as glm.nb.
      theta = try thetaML(
        y: y, mu: workspace.current.mu, limit: maxIterations, warnings: &warnings,
        table: hasTable ? workspace.smallCounts : nil)
      swap(&workspace.current, &workspace.trial)
      delta = t0 - theta.value
      lm0 = lm
      lm = logLikelihood(
        y: y, mu: workspace.current.mu, theta: theta.value, logFactorials: workspace.logFactorials,
        logMu: &workspace.trial.eta)
    }
    // Only the reported fit needs its covariance.
    let last = try fit.reported(
      design: design, buffers: workspace.current, workspace: &workspace.solver, scratch: &workspace.trial.fitted,
      solverHoldsLastStep: solverHoldsCurrent)
    let converged = fit.converged && outer <= maxIterations && !diverged
    if !fit.converged { warnings.append("IRLS did not converge in \(fit.iterations) iterations") }
    let rank = last.rank
    for (i, a) in last.aliased.enumerated() where a {
      warnings.append("coefficient '\(names[i])' is not estimable (its column is a linear combination of the others)")
    }
    let params = parameterTable(
      names: names, estimates: last.coefficients, covariance: last.unscaledCovariance,
      df: nil, level: level)
    var seen = Set<String>()
    warnings = warnings.filter { seen.insert($0).inserted }
    var result = ModelFit(
      model: .negbin, n: n, dfResidual: n - rank, converged: converged, iterations: totalIterations,
      parameters: params, residualSD: nil, rSquared: nil, deviance: fit.deviance,
      logLikelihood: lm, aic: -2 * lm + 2 * Double(rank) + 2, dispersion: 1,
      covariance: last.unscaledCovariance, fitted: Array(workspace.current.mu), level: level, warnings: warnings)
    result.theta = theta.value
    result.thetaStandardError = theta.standardError
    result.stopReason = converged ? "log-likelihood and θ changes below tolerance" : "iteration limit"
    result.coefficientsConverged = fit.converged && !diverged
    return result
  }

  static let poissonFamily = LogLinkFamily(theta: nil)

  static func nbFamily(_ theta: Double) -> LogLinkFamily { LogLinkFamily(theta: theta) }

  /// The NB log-likelihood Σ [log Γ(θ+y) − log Γ(θ) − log y! + θ log θ + y log μ − (θ+y) log(θ+μ)].
  /// `logFactorials` holds log yᵢ! (they do not change between the rounds of a fit).
  static func logLikelihood(y: [Double], mu: [Double], theta: Double, logFactorials: [Double]) -> Double {
    var logMu = [Double](repeating: 0, count: y.count)
    return logLikelihood(y: y, mu: mu, theta: theta, logFactorials: logFactorials, logMu: &logMu)
  }

  /// As above, also writing log μᵢ into `logMu` (y.count elements): the next refit's start,
  /// whose logarithms the y log μ terms compute anyway.
  static func logLikelihood(
    y: [Double], mu: [Double], theta: Double, logFactorials: [Double], logMu: inout [Double]
  ) -> Double {
    // Terms constant over i are computed once (same values, so the same bits).
    let lgTheta: Double = lgamma(theta)
    let thetaLogTheta = theta * log(theta)
    guard mu.count == y.count, logFactorials.count == y.count, logMu.count == y.count else { return .nan }
    let n = y.count
    var sum = Summation.Accumulator()
    // log μᵢ and log(θ + μᵢ) first, as vectors (``VectorMath``), then the terms in order.
    withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { logThetaMu in
      y.withUnsafeBufferPointer { y in
        mu.withUnsafeBufferPointer { mu in
          logFactorials.withUnsafeBufferPointer { logFactorials in
            logMu.withUnsafeMutableBufferPointer { logMu in
              VectorMath.log(mu, into: logMu)
              for i in 0..<n { logThetaMu[i] = theta + mu[i] }
              VectorMath.log(UnsafeBufferPointer(logThetaMu), into: logThetaMu)
              for i in 0..<n {
                // y log μ, with log(μ + 1) for y = 0 as before (0 · a finite log is 0 either way).
                let yLogMu = y[i] == 0 ? y[i] * log(mu[i] + 1) : y[i] * logMu[i]
                sum.add(
                  lgamma(theta + y[i]) - lgTheta - logFactorials[i] + thetaLogTheta
                    + yLogMu - (theta + y[i]) * logThetaMu[i])
              }
            }
          }
        }
      }
    }
    return sum.value
  }

  /// Small integer counts, for evaluating Σ ψ(θ + yᵢ) by the recurrence
  /// ψ(θ + y) = ψ(θ) + Σ_{k<y} 1/(θ + k) for all of them at once:
  /// `exceeding[k]` = number of such counts above k. Counts above `limit`, or not integers,
  /// are evaluated directly (`small[i]` false).
  struct SmallCounts {
    var small: [Bool] = []
    var exceeding: [Double] = []
    /// Whether every count is in the table.
    var allSmall = false
    /// Scratch: how many counts take each value.
    var perValue: [Double] = []

    /// An empty table (``build(_:limit:)`` fills it).
    init() {}

    /// nil when the table would cost more than evaluating ψ directly (counts too large for
    /// how many there are).
    init?(_ y: [Double], limit: Int = 64) {
      guard build(y, limit: limit) else { return nil }
    }

    /// Fills the table for `y`, reusing the arrays; false when the table would cost more
    /// than evaluating ψ directly (the table is unusable then).
    mutating func build(_ y: [Double], limit: Int = 64) -> Bool {
      small.removeAll(keepingCapacity: true)
      var top = 0
      var count = 0
      for v in y {
        let s = v >= 0 && v <= Double(limit) && v == v.rounded()
        small.append(s)
        if s {
          top = max(top, Int(v))
          count += 1
        }
      }
      guard count > 0, top <= 4 * count else { return false }
      allSmall = count == y.count
      // exceeding[k] = #{yᵢ > k}: a count per value, then sums from the top down.
      perValue.removeAll(keepingCapacity: true)
      perValue.append(contentsOf: repeatElement(0, count: top + 1))
      for (v, s) in zip(y, small) where s { perValue[Int(v)] += 1 }
      IRLSBuffers.resize(&exceeding, top)
      var above = 0.0
      for k in stride(from: top - 1, through: 0, by: -1) {
        above += perValue[k + 1]
        exceeding[k] = above
      }
      return true
    }

    /// (Σ over the small counts of ψ(θ + yᵢ) − ψ(θ), and of ψ′(θ + yᵢ) − ψ′(θ)).
    func sums(theta: Double) -> (digamma: Double, trigamma: Double) {
      var d = 0.0
      var t = 0.0
      for k in exceeding.indices {
        let inv = 1 / (theta + Double(k))
        d += exceeding[k] * inv
        t -= exceeding[k] * inv * inv
      }
      return (d, t)
    }
  }

  /// The score and information of `thetaML` at θ = `theta` (≥ 0): the table's sums over the
  /// small counts first, then each observation's terms in order.
  ///
  /// The sums are kept in locals of the loop's own function (``newtonTerms``), not in variables
  /// captured by the closures that lend the buffers: a captured variable that a closure
  /// mutates is boxed on the heap, allocated, checked for exclusive access at every use and
  /// released, which cost a sixteenth of a batch of negative binomial fits.
  @inline(__always)
  static func newtonSums(y: [Double], mu: [Double], theta t0: Double, table: SmallCounts?) -> (
    score: Double, info: Double
  ) {
    guard mu.count == y.count, table.map({ $0.small.count == y.count }) ?? true else { return (.nan, .nan) }
    var start = (score: 0.0, info: 0.0)
    if let table {
      let (d, t) = table.sums(theta: t0)
      start = (d, -t)
    }
    let n = y.count
    // log(μᵢ + θ) first, as a vector (``VectorMath``).
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { logM -> (score: Double, info: Double) in
      y.withUnsafeBufferPointer { y -> (score: Double, info: Double) in
        mu.withUnsafeBufferPointer { mu -> (score: Double, info: Double) in
          for i in 0..<n { logM[i] = mu[i] + t0 }
          VectorMath.log(UnsafeBufferPointer(logM), into: logM)
          let logs = UnsafeBufferPointer(logM)
          if let table, table.allSmall {
            // Every count is in the table: ψ(θ) and ψ′(θ) are not needed (the same terms as below).
            return newtonTerms(y: y, mu: mu, logM: logs, theta: t0, small: nil, allSmall: true, start: start)
          }
          if let table {
            return table.small.withUnsafeBufferPointer {
              newtonTerms(y: y, mu: mu, logM: logs, theta: t0, small: $0, allSmall: false, start: start)
            }
          }
          // No table: every count by ψ directly.
          return newtonTerms(y: y, mu: mu, logM: logs, theta: t0, small: nil, allSmall: false, start: start)
        }
      }
    }
  }

  /// Each observation's terms of the score and information, added in order to `start`: by the
  /// table's recurrence for the small counts (all of them when `allSmall`), by ψ and ψ′
  /// otherwise (`small` nil and not `allSmall`: every count by ψ).
  @inline(__always)
  static func newtonTerms(
    y: UnsafeBufferPointer<Double>, mu: UnsafeBufferPointer<Double>, logM: UnsafeBufferPointer<Double>,
    theta t0: Double, small: UnsafeBufferPointer<Bool>?, allSmall: Bool, start: (score: Double, info: Double)
  ) -> (score: Double, info: Double) {
    var score = start.score
    var info = start.info
    // Functions of t0 alone are evaluated once per step.
    let logT0 = log(t0)
    let invT0 = 1 / t0
    let n = y.count
    if allSmall {
      for i in 0..<n {
        let a = t0 + y[i]
        let m = mu[i] + t0
        let invM = 1 / m
        score += logT0 + 1 - logM[i] - a * invM
        info += -invT0 + 2 * invM - a * invM * invM
      }
      return (score, info)
    }
    let psi0 = SpecialFunctions.digamma(t0)
    let tri0 = SpecialFunctions.trigamma(t0)
    for i in 0..<n {
      let a = t0 + y[i]
      let m = mu[i] + t0
      let invM = 1 / m
      if let small, small[i] {
        score += logT0 + 1 - logM[i] - a * invM
        info += -invT0 + 2 * invM - a * invM * invM
      } else {
        let (psiA, triA) = SpecialFunctions.digammaAndTrigamma(a)
        score += psiA - psi0 + logT0 + 1 - logM[i] - a * invM
        info += -triA + tri0 - invT0 + 2 * invM - a * invM * invM
      }
    }
    return (score, info)
  }

  /// θ by Newton–Raphson on the score given the means, as MASS's `theta.ml`.
  ///
  /// Score Σ [ψ(θ + yᵢ) − ψ(θ) + log θ + 1 − log(θ + μᵢ) − (θ + yᵢ)/(θ + μᵢ)] and information
  /// as R writes them; for small integer counts the ψ and ψ′ differences come from the
  /// recurrence (``SmallCounts``), the same quantities with fewer operations.
  static func thetaML(
    y: [Double], mu: [Double], limit: Int, warnings: inout [String], table: SmallCounts?
  ) throws(StatisticsError) -> (value: Double, standardError: Double) {
    let n = Double(y.count)
    var s = 0.0
    for i in y.indices { s += (y[i] / mu[i] - 1) * (y[i] / mu[i] - 1) }
    var t0 = n / s
    var it = 0
    var delta = 1.0
    var info = Double.nan
    let eps = pow(Double.ulpOfOne, 0.25)
    while true {
      it += 1
      guard it < limit, abs(delta) > eps else { break }
      t0 = abs(t0)
      let score: Double
      (score, info) = newtonSums(y: y, mu: mu, theta: t0, table: table)
      delta = score / info
      t0 += delta
      if !t0.isFinite {
        throw .numerical("θ diverged: the counts show no overdispersion (a Poisson model fits; θ → ∞)")
      }
    }
    if t0 < 0 {
      t0 = 0
      warnings.append("θ estimate truncated at zero")
    }
    if it == limit {
      // theta.ml's Newton iteration has no safeguard: from its moment start it can step past
      // a finite maximum (to a negative θ, which it then reflects) and climb away from it for
      // good, at the same pace as it does when θ really is unbounded. Which of the two: the
      // score where it stopped is negative (the likelihood falls as θ grows) when a maximum lies
      // below; it is then found by a bracketed search, and kept only if its likelihood is
      // higher. (MASS::glm.nb has no such check and reports θ → ∞ there.)
      if let root = bracketedTheta(y: y, mu: mu, from: t0, table: table) {
        warnings.append(
          "θ by a bracketed search: the Newton iteration of MASS::theta.ml ran away from a finite maximum (R's glm.nb reports θ → ∞ for these counts)"
        )
        return root
      }
      warnings.append(
        "θ iteration limit reached: θ grows without bound, i.e. the counts show no overdispersion and a Poisson model is adequate"
      )
    }
    return (t0, (1 / info).squareRoot())
  }

  /// The maximum over θ of the likelihood given the means when it lies below `from` (where
  /// theta.ml stopped), with its standard error 1/√(information); nil when there is none to
  /// find: the score at `from` is not negative, no θ below it has a positive score (down to
  /// θ = 1e-8), or the root's likelihood is not above that at `from` by more than 1e-6.
  ///
  /// The score is positive near 0 (any count above 0 makes ψ(θ + y) − ψ(θ) grow as 1/θ) and
  /// negative at `from`: the bracket is kept and narrowed by Newton steps, or by its geometric
  /// midpoint when a step would leave it, until the step is below 1e-13 of θ.
  static func bracketedTheta(
    y: [Double], mu: [Double], from: Double, table: SmallCounts?
  ) -> (value: Double, standardError: Double)? {
    guard from > 0, from.isFinite else { return nil }
    var hi = from
    guard newtonSums(y: y, mu: mu, theta: hi, table: table).score < 0 else { return nil }
    var lo = hi
    var found = false
    // Down by fours to θ = 1e-8 (counts far more dispersed than that have a maximum below
    // 1e-8 of where theta.ml stopped: a spike of thousands among zeros, θ ≈ 0.01).
    while lo > 1e-8 {
      lo /= 4
      let score = newtonSums(y: y, mu: mu, theta: lo, table: table).score
      guard score.isFinite else { return nil }
      if score > 0 {
        found = true
        break
      }
      hi = lo
    }
    guard found else { return nil }
    var t = (lo * hi).squareRoot()
    for _ in 0..<200 {
      let (score, i) = newtonSums(y: y, mu: mu, theta: t, table: table)
      guard score.isFinite, i.isFinite else { return nil }
      if score == 0 { break }
      if score > 0 { lo = t } else { hi = t }
      let newton = i > 0 ? t + score / i : .nan
      let inside = newton > lo && newton < hi
      let next = inside ? newton : (lo * hi).squareRoot()
      let moved = abs(next - t)
      t = next
      if (inside && moved <= 1e-13 * t) || hi - lo <= 1e-15 * hi { break }
    }
    let info = newtonSums(y: y, mu: mu, theta: t, table: table).info
    // The two likelihoods given the same means (log y! left out: it does not depend on θ). A
    // gain below 1e-6 is within the rounding of these sums at a large θ (terms of the order of
    // θ log θ cancel), and means nothing statistically: theta.ml's answer stands then.
    let noFactorials = [Double](repeating: 0, count: y.count)
    let gain =
      logLikelihood(y: y, mu: mu, theta: t, logFactorials: noFactorials)
      - logLikelihood(y: y, mu: mu, theta: from, logFactorials: noFactorials)
    guard info > 0, gain > 1e-6 else { return nil }
    return (t, (1 / info).squareRoot())
  }
}
