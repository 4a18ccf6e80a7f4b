#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Numerics

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
    var sum = Summation.Accumulator()
    for i in y.indices {
      sum.add(2 * (y[i] * log(max(1, y[i]) / mu[i]) - (y[i] + theta) * log((y[i] + theta) / (mu[i] + theta))))
    }
    return sum.value
  }
}

/// The state IRLS ends in, as R's `glm.fit` leaves it.
struct IRLSResult {
  /// The last weighted least-squares solve (its coefficients are the estimates; its
  /// unscaled covariance is (X'WX)⁻¹ at the weights it used).
  var last: LeastSquaresResult
  /// Working weights of that solve.
  var weights: [Double]
  /// Fitted means after the last update.
  var mu: [Double]
  /// Linear predictor (with offset) after the last update.
  var eta: [Double]
  /// Deviance at `mu`.
  var deviance: Double
  /// Iterations used.
  var iterations: Int
  /// Whether the deviance criterion was met.
  var converged: Bool
  /// Whether μ ran to 0 or overflowed.
  var diverged: Bool
  /// Working response of the last solve.
  var response: [Double] = []
  /// True when `last` came from the fast solve and its covariance was not formed (the fit
  /// was asked not to): ``withCovariance(design:workspace:)`` forms it.
  var covariancePending = false

  /// This result with `last.unscaledCovariance` formed, by solving the last step again (same
  /// response and weights, so the same factorization and numbers) and reading the covariance
  /// off it; the accurate solver if the fast one declines.
  func withCovariance(design: Matrix, workspace: inout WeightedLeastSquaresWorkspace) throws(StatisticsError) -> IRLSResult {
    guard covariancePending else { return self }
    var copy = self
    copy.covariancePending = false
    var fitted = [Double](repeating: 0, count: design.rows)
    if workspace.solve(design: design, response: response, weights: weights, fitted: &fitted),
      let step = workspace.result(design: design, response: response, weights: weights, fitted: fitted)
    {
      copy.last = step
      return copy
    }
    do {
      copy.last = try LeastSquares.solve(design: design, response: response, weights: weights)
    } catch {
      throw error.asStatistics
    }
    return copy
  }
}

/// Iteratively reweighted least squares for log-link GLMs (Nelder & Wedderburn 1972), with the
/// start, stopping rule and bookkeeping of R's `glm.fit`: each step solves
/// zᵢ = ηᵢ − oᵢ + (yᵢ − μᵢ)/μᵢ on X with weights μᵢ²/V(μᵢ) by pivoted QR; iteration stops
/// when |D − D₀|/(|D| + 0.1) < tolerance.
enum IRLS {
  static func fit(
    design: Matrix, y: [Double], offset: [Double], family: LogLinkFamily, etaStart: [Double],
    tolerance: Double, maxIterations: Int
  ) throws(StatisticsError) -> IRLSResult {
    var workspace = WeightedLeastSquaresWorkspace()
    return try fit(
      design: design, y: y, offset: offset, family: family, etaStart: etaStart, tolerance: tolerance,
      maxIterations: maxIterations, workspace: &workspace)
  }

  /// As above, with the solver's buffers supplied by the caller (reused across fits).
  ///
  /// With `covariance: false` the fast solve's last step is reported without forming its
  /// covariance (`covariancePending`), for callers that refit many times and report one fit.
  static func fit(
    design: Matrix, y: [Double], offset: [Double], family: LogLinkFamily, etaStart: [Double],
    tolerance: Double, maxIterations: Int, workspace: inout WeightedLeastSquaresWorkspace,
    covariance: Bool = true
  ) throws(StatisticsError) -> IRLSResult {
    let n = y.count
    var eta = etaStart
    var mu = eta.map { exp($0) }
    var previous = family.deviance(y, mu)
    var deviance = previous
    var last: LeastSquaresResult? = nil
    // The last solve's weights and response; swapped with `w` and `z` after each solve (which
    // rewrite every element before the next one), so no iteration copies an array.
    var lastWeights = [Double](repeating: 0, count: n)
    var lastResponse = [Double](repeating: 0, count: n)
    // true while the last step was taken by the fast solve and still needs the accurate one.
    var pending = false
    var fitted = [Double](repeating: 0, count: n)
    var z = [Double](repeating: 0, count: n)
    var w = [Double](repeating: 0, count: n)
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
      var finite = true
      for i in 0..<n {
        z[i] = eta[i] - offset[i] + (y[i] - mu[i]) / mu[i]
        w[i] = mu[i] * mu[i] / family.variance(mu[i])
        if !(w[i].isFinite && w[i] >= 0 && z[i].isFinite) { finite = false }
      }
      guard finite else {
        // The working weights left the range of doubles: the fit diverges from here on.
        diverged = true
        if last == nil && !pending { throw .numerical("the working weights are not finite at the start: the model cannot be fitted to these counts") }
        break
      }
      // Intermediate steps by plain QR in a reused workspace; the accurate path only when
      // that one declines (near-dependent columns, non-finite values).
      if workspace.solve(design: design, response: z, weights: w, fitted: &fitted) {
        pending = true
        swap(&lastResponse, &z)
      } else {
        let step = try accurate(z, w)
        last = step
        pending = false
        for i in 0..<n { fitted[i] = step.fitted[i] }
      }
      swap(&lastWeights, &w)
      for i in 0..<n {
        eta[i] = fitted[i] + offset[i]
        mu[i] = exp(eta[i])
      }
      if mu.contains(where: { !$0.isFinite || $0 <= 0 }) {
        diverged = true
        muDiverged = true
        break
      }
      deviance = family.deviance(y, mu)
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
        last = workspace.resultWithoutCovariance(fitted: fitted)
        covariancePending = true
        pending = false
      } else if let step = workspace.result(design: design, response: lastResponse, weights: lastWeights, fitted: fitted) {
        last = step
        pending = false
      }
    }
    if pending {
      // The reported step: the last weighted solve again (same z and w), by the accurate
      // path, and the state it leads to.
      let step = try accurate(lastResponse, lastWeights)
      last = step
      for i in 0..<n {
        eta[i] = step.fitted[i] + offset[i]
        mu[i] = exp(eta[i])
      }
      if mu.contains(where: { !$0.isFinite || $0 <= 0 }) {
        diverged = true
      } else if !muDiverged {
        // (after μ ran off, the deviance stays that of the step before, as without the fast path)
        deviance = family.deviance(y, mu)
      }
    }
    guard let final = last else { throw .numerical("no iteration was run") }
    return IRLSResult(
      last: final, weights: lastWeights, mu: mu, eta: eta, deviance: deviance,
      iterations: iterations, converged: converged, diverged: diverged, response: lastResponse,
      covariancePending: covariancePending)
  }

  /// Validates counts, design and offset shared by the count models.
  static func checkCounts(design: Matrix, counts: [Double], names: [String], offset: [Double]?) throws(StatisticsError) -> [Double] {
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
