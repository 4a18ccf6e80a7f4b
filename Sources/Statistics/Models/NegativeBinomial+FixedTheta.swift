import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension NegativeBinomial {
  /// Fits the negative binomial GLM with θ known (R's `glm(…, family = negative.binomial(θ))`,
  /// MASS): IRLS from μ = y + 0.1 with weights μ/(1 + μ/θ), the covariance (X'WX)⁻¹ at the last
  /// weights, z intervals. Only the coefficients are estimated, so a series too short to
  /// estimate θ (two counts for a slope) can borrow it from a longer fit.
  ///
  /// - Parameters:
  ///   - design: n×p design matrix.
  ///   - counts: non-negative counts.
  ///   - names: parameter names.
  ///   - offset: log exposures, if any.
  ///   - theta: the known θ > 0.
  ///   - level: level of the Wald intervals.
  /// - Returns: the fit, with `theta` set and no standard error for it.
  /// - Throws: `StatisticsError.invalidInput` for bad counts, shapes or θ; `.numerical` when a
  ///   solve fails.
  public static func fit(
    design: Matrix, counts: [Double], names: [String], offset: [Double]? = nil, theta: Double,
    level: Double = 0.95, tolerance: Double = 1e-8, maxIterations: Int = 25
  ) throws(StatisticsError) -> ModelFit {
    guard theta > 0, theta.isFinite else { throw .invalidInput("θ must be positive and finite, got \(theta)") }
    let off = try IRLS.checkCounts(design: design, counts: counts, names: names, offset: offset)
    let n = counts.count
    var workspace = CountModelWorkspace()
    IRLSBuffers.resize(&workspace.current.eta, n)
    for i in 0..<n { workspace.current.eta[i] = log(counts[i] + 0.1) }
    let irls = try IRLS.run(
      design: design, y: counts, offset: off, family: nbFamily(theta), tolerance: tolerance,
      maxIterations: maxIterations, workspace: &workspace.solver, covariance: true, buffers: &workspace.current)
    var warnings: [String] = []
    if irls.diverged {
      warnings.append("fitted means reached 0 or overflowed: the estimates diverge")
    }
    if !irls.converged { warnings.append("IRLS did not converge in \(irls.iterations) iterations") }
    let final = try irls.reported(
      design: design, buffers: workspace.current, workspace: &workspace.solver, scratch: &workspace.trial.fitted)
    IRLSBuffers.resize(&workspace.logFactorials, n)
    for i in 0..<n { workspace.logFactorials[i] = SpecialFunctions.logFactorial(counts[i]) }
    let mu = Array(workspace.current.mu)
    let loglik = logLikelihood(y: counts, mu: mu, theta: theta, logFactorials: workspace.logFactorials)
    let params = parameterTable(
      names: names, estimates: final.coefficients, covariance: final.unscaledCovariance, df: nil, level: level)
    var result = ModelFit(
      model: .negbin, n: n, dfResidual: n - final.rank, converged: irls.converged && !irls.diverged,
      iterations: irls.iterations, parameters: params, residualSD: nil, rSquared: nil, deviance: irls.deviance,
      logLikelihood: loglik, aic: -2 * loglik + 2 * Double(final.rank), dispersion: 1,
      covariance: final.unscaledCovariance, fitted: mu, level: level, warnings: warnings)
    result.theta = theta
    result.stopReason = irls.converged ? "relative change of the deviance below tolerance" : "iteration limit"
    return result
  }
}
