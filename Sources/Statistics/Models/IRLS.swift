import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A GLM family with the log link: Poisson (V(μ) = μ) or negative binomial with known θ
/// (V(μ) = μ + μ²/θ). A value, not closures, so the per-observation functions inline.
struct LogLinkFamily: Sendable {
  /// θ of the negative binomial; nil for Poisson.
  var theta: Double?

  /// V(μ).
  @inline(__always)
  func variance(_ mu: Double) -> Double {
    guard let theta else { return mu }
    return mu + mu * mu / theta
  }

  /// Σ deviance residuals at μ.
  func deviance(_ y: [Double], _ mu: [Double]) -> Double {
    guard let theta else { return PoissonRegression.poissonDeviance(y, mu) }
    guard mu.count == y.count else { return .nan }
    let n = y.count
    var sum = Summation.Accumulator()
    // The 2n logarithms first, as a vector (``VectorMath``), then the terms in order.
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n) { logs in
      y.withUnsafeBufferPointer { y in
        mu.withUnsafeBufferPointer { mu in
          for i in 0..<n {
            logs[i] = max(1, y[i]) / mu[i]
            logs[n + i] = (y[i] + theta) / (mu[i] + theta)
          }
          VectorMath.log(UnsafeBufferPointer(logs), into: logs)
          for i in 0..<n {
            sum.add(2 * (y[i] * logs[i] - (y[i] + theta) * logs[n + i]))
          }
        }
      }
    }
    return sum.value
  }
}

/// The arrays one IRLS run works in, kept by the caller so that a batch of fits reuses them
/// (every element an iteration reads was written earlier in the same run, so stale contents
/// never matter). On entry `eta` holds the starting linear predictor; on return `eta` and
/// `mu` are the final linear predictor and means, and `weights` and `response` the working
/// weights and response of the last weighted solve.
struct IRLSBuffers: Sendable {
  var eta: [Double] = []
  var mu: [Double] = []
  /// Working weights of the last solve.
  var weights: [Double] = []
  /// Working response of the last fast solve.
  var response: [Double] = []
  var fitted: [Double] = []
  var z: [Double] = []
  var w: [Double] = []

  init() {}

  /// Gives every array `n` elements (keeping their storage, so no allocation once it has grown).
  mutating func resize(_ n: Int) {
    Self.resize(&eta, n)
    Self.resize(&mu, n)
    Self.resize(&weights, n)
    Self.resize(&response, n)
    Self.resize(&fitted, n)
    Self.resize(&z, n)
    Self.resize(&w, n)
  }

  static func resize(_ a: inout [Double], _ n: Int) {
    if a.count > n {
      a.removeLast(a.count - n)
    } else if a.count < n {
      a.append(contentsOf: repeatElement(0, count: n - a.count))
    }
  }
}

/// How an IRLS run in ``IRLSBuffers`` ended (the arrays are in the buffers).
struct IRLSOutcome {
  /// The last weighted solve when it was formed (nil when `covariancePending`: the fast
  /// solve's step, whose response and weights are in the buffers).
  var last: LeastSquaresResult?
  /// Rank of the last solve (the number of columns for the fast solve).
  var rank: Int
  /// Deviance at `mu`.
  var deviance: Double
  /// Iterations used.
  var iterations: Int
  /// Whether the deviance criterion was met.
  var converged: Bool
  /// Whether μ ran to 0 or overflowed.
  var diverged: Bool
  /// True when the last step came from the fast solve and its result was not formed.
  var covariancePending: Bool

  /// The reported step: `last`, or the last weighted solve again (same response and weights,
  /// so the same factorization and numbers) with its covariance; the accurate solver if the
  /// fast one declines. `scratch` receives the fitted values of the solve.
  ///
  /// `solverHoldsLastStep`: the workspace's last solve was this run's last step (no solve
  /// since), so its factorization is read directly instead of being computed again.
  func reported(
    design: Matrix, buffers: IRLSBuffers, workspace: inout WeightedLeastSquaresWorkspace, scratch: inout [Double],
    solverHoldsLastStep: Bool = false
  ) throws(StatisticsError) -> LeastSquaresResult {
    if !covariancePending, let last { return last }
    if solverHoldsLastStep {
      if let step = workspace.result(
        design: design, response: buffers.response, weights: buffers.weights, fitted: buffers.fitted)
      {
        return step
      }
    } else if workspace.solve(design: design, response: buffers.response, weights: buffers.weights, fitted: &scratch),
      let step = workspace.result(design: design, response: buffers.response, weights: buffers.weights, fitted: scratch)
    {
      return step
    }
    do {
      return try LeastSquares.solve(design: design, response: buffers.response, weights: buffers.weights)
    } catch {
      throw error.asStatistics
    }
  }
}

/// Iteratively reweighted least squares for log-link GLMs (Nelder & Wedderburn 1972), with the
/// start, stopping rule and bookkeeping of R's `glm.fit`: each step solves
/// zᵢ = ηᵢ − oᵢ + (yᵢ − μᵢ)/μᵢ on X with weights μᵢ²/V(μᵢ) by pivoted QR; iteration stops
/// when |D − D₀|/(|D| + 0.1) < tolerance.
enum IRLS {
  /// IRLS in the caller's arrays: `buffers.eta` (n values) is the start; the other arrays
  /// are resized to n and overwritten. See ``IRLSBuffers`` for what they hold on return.
  ///
  /// With `covariance: false` the fast solve's last step is not formed (`last` nil,
  /// `covariancePending`), for callers that refit many times and report one fit.
  static func run(
    design: Matrix, y: [Double], offset: [Double], family: LogLinkFamily,
    tolerance: Double, maxIterations: Int, workspace: inout WeightedLeastSquaresWorkspace,
    covariance: Bool, buffers b: inout IRLSBuffers
  ) throws(StatisticsError) -> IRLSOutcome {
    let n = y.count
    guard b.eta.count == n else { throw .invalidInput("starting values have \(b.eta.count) entries for \(n) counts") }
    guard offset.count == n else { throw .invalidInput("offset has \(offset.count) values for \(n) counts") }
    b.resize(n)
    b.eta.withUnsafeBufferPointer { eta in
      b.mu.withUnsafeMutableBufferPointer { mu in VectorMath.exp(eta, into: mu) }
    }
    var previous = family.deviance(y, b.mu)
    var deviance = previous
    var last: LeastSquaresResult? = nil
    // The last solve's weights and response (b.weights, b.response) are swapped with `w` and
    // `z` after each solve (which rewrite every element before the next one), so no
    // iteration copies an array.
    // true while the last step was taken by the fast solve and still needs the accurate one.
    var pending = false
    var iterations = 0
    var converged = false
    var diverged = false
    var muDiverged = false
    func accurate(_ z: [Double], _ w: [Double]) throws(StatisticsError) -> LeastSquaresResult {
      do {
        return try LeastSquares.solve(design: design, response: z, weights: w)
      } catch {
        throw error.asStatistics
      }
    }
    while iterations < maxIterations {
      iterations += 1
      let finite = Self.workingValues(y: y, offset: offset, family: family, buffers: &b)
      guard finite else {
        // The working weights left the range of doubles: the fit diverges from here on.
        diverged = true
        if last == nil && !pending {
          throw .numerical(
            "the working weights are not finite at the start: the model cannot be fitted to these counts")
        }
        break
      }
      // Intermediate steps by plain QR in a reused workspace; the accurate path only when
      // that one declines (near-dependent columns, non-finite values).
      if workspace.solve(design: design, response: b.z, weights: b.w, fitted: &b.fitted) {
        pending = true
        swap(&b.response, &b.z)
      } else {
        let step = try accurate(b.z, b.w)
        last = step
        pending = false
        for i in 0..<n { b.fitted[i] = step.fitted[i] }
      }
      swap(&b.weights, &b.w)
      if !Self.update(fitted: b.fitted, offset: offset, eta: &b.eta, mu: &b.mu) {
        diverged = true
        muDiverged = true
        break
      }
      deviance = family.deviance(y, b.mu)
      if abs(deviance - previous) / (abs(deviance) + 0.1) < tolerance {
        converged = true
        break
      }
      previous = deviance
    }
    var covariancePending = false
    if pending, !muDiverged, !diverged {
      // The reported step is the last weighted solve itself (its factorization gives the
      // covariance); eta, mu and the deviance already follow from it.
      if !covariance {
        last = nil
        covariancePending = true
        pending = false
      } else if let step = workspace.result(design: design, response: b.response, weights: b.weights, fitted: b.fitted)
      {
        last = step
        pending = false
      }
    }
    if pending {
      // The reported step: the last weighted solve again (same z and w), by the accurate
      // path, and the state it leads to.
      let step = try accurate(b.response, b.weights)
      last = step
      if !Self.update(fitted: step.fitted, offset: offset, eta: &b.eta, mu: &b.mu) {
        diverged = true
      } else if !muDiverged {
        // (after μ ran off, the deviance stays that of the step before, as without the fast path)
        deviance = family.deviance(y, b.mu)
      }
    }
    let rank: Int
    if covariancePending {
      rank = design.columns
    } else if let last {
      rank = last.rank
    } else {
      throw .numerical("no iteration was run")
    }
    return IRLSOutcome(
      last: last, rank: rank, deviance: deviance, iterations: iterations, converged: converged,
      diverged: diverged, covariancePending: covariancePending)
  }

  /// One step's working response zᵢ = ηᵢ − oᵢ + (yᵢ − μᵢ)/μᵢ and weights wᵢ = μᵢ²/V(μᵢ) into
  /// `b.z` and `b.w` (all arrays of y's length); false when one is not finite or a weight is
  /// negative.
  @inline(__always)
  static func workingValues(y: [Double], offset: [Double], family: LogLinkFamily, buffers b: inout IRLSBuffers) -> Bool
  {
    let n = y.count
    guard offset.count == n, b.eta.count == n, b.mu.count == n, b.z.count == n, b.w.count == n else { return false }
    var finite = true
    y.withUnsafeBufferPointer { y in
      offset.withUnsafeBufferPointer { offset in
        b.eta.withUnsafeBufferPointer { eta in
          b.mu.withUnsafeBufferPointer { muv in
            b.z.withUnsafeMutableBufferPointer { zv in
              b.w.withUnsafeMutableBufferPointer { wv in
                for i in 0..<n {
                  let mu = muv[i]
                  let z = eta[i] - offset[i] + (y[i] - mu) / mu
                  let w = mu * mu / family.variance(mu)
                  zv[i] = z
                  wv[i] = w
                  if !(w.isFinite && w >= 0 && z.isFinite) { finite = false }
                }
              }
            }
          }
        }
      }
    }
    return finite
  }

  /// ηᵢ = fittedᵢ + oᵢ and μᵢ = exp ηᵢ (all arrays of the same length); false when a μ is not
  /// finite or not positive (every element is written either way).
  @inline(__always)
  static func update(fitted: [Double], offset: [Double], eta: inout [Double], mu: inout [Double]) -> Bool {
    let n = fitted.count
    guard offset.count == n, eta.count == n, mu.count == n else { return false }
    var good = true
    fitted.withUnsafeBufferPointer { fitted in
      offset.withUnsafeBufferPointer { offset in
        eta.withUnsafeMutableBufferPointer { etav in
          mu.withUnsafeMutableBufferPointer { muv in
            for i in 0..<n { etav[i] = fitted[i] + offset[i] }
            VectorMath.exp(UnsafeBufferPointer(etav), into: muv)
            for i in 0..<n where !muv[i].isFinite || muv[i] <= 0 { good = false }
          }
        }
      }
    }
    return good
  }

  /// Validates counts, design and offset shared by the count models.
  static func checkCounts(design: Matrix, counts: [Double], names: [String], offset: [Double]?) throws(StatisticsError)
    -> [Double]
  {
    let n = counts.count
    guard n > 0 else { throw .invalidInput("no observations to fit") }
    guard design.rows == n else { throw .invalidInput("design has \(design.rows) rows for \(n) counts") }
    guard names.count == design.columns else {
      throw .invalidInput("\(names.count) names for \(design.columns) design columns")
    }
    for y in counts where !(y.isFinite && y >= 0) {
      throw .invalidInput("counts must be finite and non-negative (found \(y))")
    }
    let off = offset ?? Array(repeating: 0, count: n)
    guard off.count == n else { throw .invalidInput("offset has \(off.count) values for \(n) counts") }
    for o in off where !o.isFinite { throw .invalidInput("offsets must be finite (found \(o))") }
    return off
  }
}
