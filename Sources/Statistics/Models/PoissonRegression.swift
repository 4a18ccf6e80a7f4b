import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Poisson and quasi-Poisson regression with log link, fitted by iteratively reweighted
/// least squares (Nelder & Wedderburn 1972; McCullagh & Nelder 1989, §2.5), as R's `glm`.
///
/// log E[yᵢ] = offsetᵢ + xᵢβ. Each iteration solves the weighted least-squares problem
/// zᵢ = ηᵢ − offsetᵢ + (yᵢ − μᵢ)/μᵢ with weights μᵢ through LAPACK's pivoted QR. Iteration
/// starts from μ = y + 0.1 (R's `mustart`) and stops when the deviance's relative change
/// |D − D₀| / (|D| + 0.1) falls below `tolerance` (1e-8 and 25 iterations, as R's
/// `glm.control`). The covariance is (X'WX)⁻¹ at the weights of the last iteration, as R
/// reports it; a tighter `tolerance` gives the covariance at the maximum-likelihood estimate.
///
/// Deviance D = 2 Σ [yᵢ log(yᵢ/μᵢ) − (yᵢ − μᵢ)]; log-likelihood Σ [yᵢ log μᵢ − μᵢ − log yᵢ!];
/// AIC = −2 logLik + 2 rank. For quasi-Poisson the dispersion is Pearson's
/// X²/(n − rank) and intervals use t(n − rank), as `summary.glm` does.
public enum PoissonRegression {
  /// Fits the model.
  ///
  /// - Parameters:
  ///   - design: n×p design matrix (include an intercept column if wanted).
  ///   - counts: n non-negative counts.
  ///   - names: p parameter names.
  ///   - offset: optional n offsets on the log scale (log exposure).
  ///   - quasi: estimate the dispersion (quasi-Poisson) instead of fixing it at 1.
  ///   - level: confidence level of the Wald intervals.
  ///   - tolerance: convergence tolerance on the relative change of the deviance.
  ///   - maxIterations: iteration cap; when reached the fit reports `converged == false`.
  /// - Throws: `StatisticsError.invalidInput` for negative or non-finite counts, mismatched
  ///   lengths or no observations; `.numerical` when the weighted solve fails.
  public static func fit(
    design: Matrix, counts: [Double], names: [String], offset: [Double]? = nil,
    quasi: Bool = false, level: Double = 0.95, tolerance: Double = 1e-8,
    maxIterations: Int = 25
  ) throws(StatisticsError) -> ModelFit {
    var workspace = CountModelWorkspace()
    return try fit(
      design: design, counts: counts, names: names, offset: offset, quasi: quasi, level: level,
      tolerance: tolerance, maxIterations: maxIterations, workspace: &workspace)
  }

  /// As above, with all the buffers of the iterations supplied by the caller, so that a
  /// batch of fits on one thread allocates almost nothing per iteration (the results are
  /// the same as with fresh buffers).
  public static func fit(
    design: Matrix, counts: [Double], names: [String], offset: [Double]? = nil,
    quasi: Bool = false, level: Double = 0.95, tolerance: Double = 1e-8,
    maxIterations: Int = 25, workspace: inout CountModelWorkspace
  ) throws(StatisticsError) -> ModelFit {
    let off = try IRLS.checkCounts(design: design, counts: counts, names: names, offset: offset)
    let n = counts.count
    IRLSBuffers.resize(&workspace.current.eta, n)
    for i in 0..<n { workspace.current.eta[i] = log(counts[i] + 0.1) }
    let irls = try IRLS.run(
      design: design, y: counts, offset: off, family: NegativeBinomial.poissonFamily,
      tolerance: tolerance, maxIterations: maxIterations, workspace: &workspace.solver, covariance: true,
      buffers: &workspace.current)
    var warnings: [String] = []
    if counts.allSatisfy({ $0 == 0 }) {
      warnings.append(
        "all counts are zero: the rate's maximum-likelihood estimate is 0 (log rate −∞), so the coefficients and intervals shown are where the iteration stopped, not estimates"
      )
    }
    if irls.diverged {
      warnings.append(
        "fitted rates reached 0 or overflowed: the estimates diverge (all-zero counts or perfect separation)")
    }
    // (with covariance: true the last step is always formed)
    let final = try irls.reported(
      design: design, buffers: workspace.current, workspace: &workspace.solver, scratch: &workspace.trial.fitted)
    let deviance = irls.deviance
    let iterations = irls.iterations
    let converged = irls.converged
    let rank = final.rank
    let df = n - rank
    var pearsonSum = Summation.Accumulator()
    var loglik = 0.0
    workspace.current.mu.withUnsafeBufferPointer { mu in
      workspace.current.weights.withUnsafeBufferPointer { lastWeights in
        for i in 0..<n {
          let r = (counts[i] - mu[i]) / mu[i]
          pearsonSum.add(lastWeights[i] * r * r)
        }
        for i in 0..<n { loglik += counts[i] * log(mu[i]) - mu[i] - SpecialFunctions.logFactorial(counts[i]) }
      }
    }
    let pearson = pearsonSum.value
    let dispersion = quasi ? (df > 0 ? pearson / Double(df) : .nan) : 1
    var cov = final.unscaledCovariance
    // (× 1 changes nothing; skipping it spares copying the matrix.)
    if dispersion != 1 { for k in cov.storage.indices { cov.storage[k] *= dispersion } }
    for (i, a) in final.aliased.enumerated() where a {
      warnings.append("coefficient '\(names[i])' is not estimable (its column is a linear combination of the others)")
    }
    if !converged {
      warnings.append("IRLS did not converge in \(iterations) iterations")
    }
    let params = parameterTable(
      names: names, estimates: final.coefficients, covariance: cov,
      df: quasi ? Double(df) : nil, level: level)
    return ModelFit(
      model: quasi ? .quasipoisson : .poisson, n: n, dfResidual: df, converged: converged,
      iterations: iterations, parameters: params, residualSD: nil, rSquared: nil,
      deviance: deviance, logLikelihood: quasi ? nil : loglik,
      aic: quasi ? nil : -2 * loglik + 2 * Double(rank), dispersion: dispersion,
      covariance: cov, fitted: Array(workspace.current.mu), level: level, warnings: warnings)
  }

  /// Poisson deviance 2 Σ [y log(y/μ) − (y − μ)], with 0·log 0 = 0.
  public static func poissonDeviance(_ y: [Double], _ mu: [Double]) -> Double {
    guard mu.count == y.count else { return .nan }
    let n = y.count
    var sum = Summation.Accumulator()
    // The logarithms first, as a vector (``VectorMath``; log 1 = 0 where y = 0, unused), then
    // the terms in order.
    withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { logs in
      y.withUnsafeBufferPointer { y in
        mu.withUnsafeBufferPointer { mu in
          for i in 0..<n { logs[i] = y[i] > 0 ? y[i] / mu[i] : 1 }
          VectorMath.log(UnsafeBufferPointer(logs), into: logs)
          for i in 0..<n {
            let a = y[i] > 0 ? y[i] * logs[i] : 0
            sum.add(2 * (a - (y[i] - mu[i])))
          }
        }
      }
    }
    return sum.value
  }
}
