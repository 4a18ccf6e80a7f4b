import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a composite link maximisation ended: the point reached and what is known of it.
struct CompositeLinkOutcome {
  var point: CompositeLinkPoint
  /// Fisher scoring and Newton steps taken (θ's own one-dimensional steps not counted).
  var iterations: Int
  /// Relative change |Δℓ|/(|ℓ| + 0.1) of the last step taken (0 when the last attempted step
  /// could not raise the likelihood: the maximum to rounding).
  var relativeChange: Double
  /// maxₖ |∂ℓ/∂θₖ| · SEₖ over the parameters (β, and log θ for the negative binomial).
  var scaledGradient: Double
  /// The inverse observed information over the same parameters; nil when the information
  /// is not positive definite (not a maximum).
  var inverseInformation: Matrix?
  /// Whether the iteration budget ran out.
  var iterationLimit: Bool
  /// Negative binomial: θ passed `maxTheta` (no overdispersion to estimate).
  var thetaUnbounded: Bool
  /// A Fisher step met an aliased working design after the start: some years' means vanish
  /// against others as coefficients run off (the maximum is at infinity).
  var diverged: Bool
}

extension CompositeLinkProblem {
  /// |new − old| / (|new| + 0.1), glm's relative criterion.
  static func relativeChange(_ old: Double, _ new: Double) -> Double {
    abs(new - old) / (abs(new) + 0.1)
  }

  /// A start for β: each bucket's count spread over its years in proportion to their
  /// exposures, and log(share + 0.5) − log eₜ regressed on the years' design rows (least
  /// squares, LAPACK). Coefficients it cannot determine start at 0.
  func startingCoefficients() -> [Double] {
    var rows: [Int] = []
    var z: [Double] = []
    for j in 0..<n {
      var exposure = 0.0
      for t in bucketFirst[j]...bucketLast[j] { exposure += exp(offset[t]) }
      for t in bucketFirst[j]...bucketLast[j] {
        rows.append(t)
        z.append(log(counts[j] * exp(offset[t]) / exposure + 0.5) - offset[t])
      }
    }
    var x = Matrix(rows: rows.count, columns: p)
    for k in 0..<p { for (i, t) in rows.enumerated() { x[i, k] = design[t, k] } }
    guard let solved = try? LeastSquares.solve(design: x, response: z) else {
      return [Double](repeating: 0, count: p)
    }
    return solved.coefficients.map { $0.isFinite ? $0 : 0 }
  }

  /// The best point along `direction` from `point` (β, and log θ as the last entry when the
  /// direction has p + 1): the full step, halved until the likelihood does not fall by more
  /// than its rounding noise (60 halvings at most). `accepted` is false when no such step was
  /// found.
  func lineSearch(from point: CompositeLinkPoint, direction: [Double]) -> (point: CompositeLinkPoint, accepted: Bool) {
    var t = 1.0
    for _ in 0..<60 {
      var beta = point.beta
      for k in 0..<p { beta[k] += t * direction[k] }
      var theta = point.theta
      if let th = theta, direction.count > p { theta = th * exp(t * direction[p]) }
      let trial = self.point(beta: beta, theta: theta)
      if trial.logLikelihood.isFinite, trial.logLikelihood >= point.logLikelihood - max(point.noise, trial.noise) {
        return (trial, true)
      }
      t /= 2
    }
    return (point, false)
  }

  /// Fisher scoring for β at the point's θ until the relative change of the likelihood is
  /// below `tolerance` or `budget` steps are spent; `diverged` when a step meets an aliased
  /// working design.
  func fisherScoring(from start: CompositeLinkPoint, tolerance: Double, budget: inout Int) throws(StatisticsError)
    -> (point: CompositeLinkPoint, relativeChange: Double, diverged: Bool)
  {
    var current = start
    var change = Double.infinity
    while budget > 0 {
      budget -= 1
      guard let step = try fisherStep(current, workingDesign: workingDesign(current.mu)) else {
        return (current, change, true)
      }
      let (next, accepted) = lineSearch(from: current, direction: step)
      guard accepted else {
        change = 0
        break
      }
      change = Self.relativeChange(current.logLikelihood, next.logLikelihood)
      current = next
      if change < tolerance { break }
    }
    return (current, change, false)
  }

  /// θ by maximising the likelihood over log θ at fixed means: Newton steps where the
  /// curvature is negative, unit steps up the slope otherwise, each at most 3 on the log scale
  /// and line-searched; stops when a step is below 1e-12, or θ passes `maxTheta`.
  func maximiseTheta(from start: CompositeLinkPoint, maxTheta: Double) -> CompositeLinkPoint {
    var current = start
    for _ in 0..<200 {
      let d = derivatives(current)
      let slope = Summation.sum(d.a)
      let curvature = Summation.sum(d.b)
      guard slope != 0, slope.isFinite, curvature.isFinite else { break }
      var step = curvature < 0 ? -slope / curvature : (slope > 0 ? 1 : -1)
      step = min(3, max(-3, step))
      var direction = [Double](repeating: 0, count: p + 1)
      direction[p] = step
      let (next, accepted) = lineSearch(from: current, direction: direction)
      guard accepted else { break }
      let moved = abs(log(next.theta ?? 1) - log(current.theta ?? 1))
      current = next
      if moved < 1e-12 || (current.theta ?? 0) > maxTheta { break }
    }
    return current
  }

  /// Newton's method on the observed information (inverted by Cholesky, LAPACK), line-searched,
  /// over β (and log θ when `withTheta`), until a step is below 1e-9 standard errors in every
  /// parameter (the next would be of the order of its square), cannot raise the likelihood,
  /// or 50 steps are taken.
  func newtonPolish(from start: CompositeLinkPoint, withTheta: Bool, budget: inout Int)
    -> (point: CompositeLinkPoint, relativeChange: Double, steps: Int)
  {
    var current = start
    var change = Double.infinity
    var steps = 0
    while budget > 0, steps < 50 {
      let a = workingDesign(current.mu)
      let d = derivatives(current)
      let g = score(d, workingDesign: a, withTheta: withTheta)
      let info = observedInformation(current, d, workingDesign: a, withTheta: withTheta)
      guard let inverse = try? Cholesky.inverse(info) else { break }
      var direction = [Double](repeating: 0, count: g.count)
      var size = 0.0
      for k in g.indices {
        for l in g.indices { direction[k] += inverse[k, l] * g[l] }
        size = max(size, abs(direction[k]) / inverse[k, k].squareRoot())
      }
      budget -= 1
      steps += 1
      if withTheta { direction[p] = min(3, max(-3, direction[p])) }
      let (next, accepted) = lineSearch(from: current, direction: direction)
      guard accepted else {
        change = 0
        break
      }
      change = Self.relativeChange(current.logLikelihood, next.logLikelihood)
      current = next
      if !(size >= 1e-9) { break }
    }
    return (current, change, steps)
  }

  /// The scaled gradient and the inverse observed information at `point`.
  func assess(_ point: CompositeLinkPoint, withTheta: Bool) -> (scaledGradient: Double, inverse: Matrix?) {
    let a = workingDesign(point.mu)
    let d = derivatives(point)
    let g = score(d, workingDesign: a, withTheta: withTheta)
    let info = observedInformation(point, d, workingDesign: a, withTheta: withTheta)
    guard let inverse = try? Cholesky.inverse(info) else { return (.nan, nil) }
    var worst = 0.0
    for k in g.indices {
      let v = abs(g[k]) * inverse[k, k].squareRoot()
      worst = v.isNaN ? .nan : max(worst, v)
      if worst.isNaN { break }
    }
    return (worst, inverse)
  }

  /// The Poisson maximum: Fisher scoring from ``startingCoefficients()`` to a relative change
  /// of 1e-12, then the Newton polish.
  func maximisePoisson(options: CompositeLinkOptions) throws(StatisticsError) -> CompositeLinkOutcome {
    var budget = options.maxIterations
    let start = point(beta: startingCoefficients(), theta: nil)
    guard start.logLikelihood.isFinite else {
      throw .numerical("the starting values give means that are not finite: rescale the design")
    }
    var (current, change, diverged) = try fisherScoring(from: start, tolerance: 1e-12, budget: &budget)
    if !diverged {
      let polished = newtonPolish(from: current, withTheta: false, budget: &budget)
      if polished.steps > 0 { (current, change) = (polished.point, polished.relativeChange) }
    }
    let (scaled, inverse) = assess(current, withTheta: false)
    return CompositeLinkOutcome(
      point: current, iterations: options.maxIterations - budget, relativeChange: change,
      scaledGradient: scaled, inverseInformation: inverse,
      iterationLimit: budget == 0 && !(change <= options.logLikelihoodTolerance), thetaUnbounded: false,
      diverged: diverged)
  }

  /// The negative binomial maximum from the Poisson one: θ from the moment estimate
  /// n / Σ(yⱼ/λⱼ − 1)² refined at the Poisson means; rounds of Fisher scoring for β at fixed
  /// θ and θ at fixed means until a round changes the likelihood by less than 1e-13 relative;
  /// then the joint Newton polish over (β, log θ).
  func maximiseNegativeBinomial(from poisson: CompositeLinkPoint, options: CompositeLinkOptions)
    throws(StatisticsError) -> CompositeLinkOutcome
  {
    var budget = options.maxIterations
    var spread = 0.0
    for j in 0..<n { spread += (counts[j] / poisson.lambda[j] - 1) * (counts[j] / poisson.lambda[j] - 1) }
    var theta0 = Double(n) / spread
    if !theta0.isFinite { theta0 = 1e6 }
    theta0 = min(1e6, max(1e-4, theta0))
    var current = maximiseTheta(from: point(beta: poisson.beta, theta: theta0), maxTheta: options.maxTheta)
    var change = Double.infinity
    var unbounded = (current.theta ?? 0) > options.maxTheta
    var diverged = false
    while budget > 0, !unbounded, !diverged {
      let before = current.logLikelihood
      (current, _, diverged) = try fisherScoring(from: current, tolerance: 1e-13, budget: &budget)
      current = maximiseTheta(from: current, maxTheta: options.maxTheta)
      unbounded = (current.theta ?? 0) > options.maxTheta
      change = Self.relativeChange(before, current.logLikelihood)
      if change < 1e-13 { break }
    }
    if !unbounded, !diverged {
      let polished = newtonPolish(from: current, withTheta: true, budget: &budget)
      if polished.steps > 0 { (current, change) = (polished.point, polished.relativeChange) }
      unbounded = (current.theta ?? 0) > options.maxTheta
    }
    // At an unbounded θ the joint information is singular in log θ: β's is taken alone.
    let (scaled, inverse) = assess(current, withTheta: !unbounded)
    return CompositeLinkOutcome(
      point: current, iterations: options.maxIterations - budget, relativeChange: change,
      scaledGradient: scaled, inverseInformation: inverse,
      iterationLimit: budget == 0 && !(change <= options.logLikelihoodTolerance), thetaUnbounded: unbounded,
      diverged: diverged)
  }
}
