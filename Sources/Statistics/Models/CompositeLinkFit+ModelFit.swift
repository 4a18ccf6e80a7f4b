import Numerics

extension CompositeLinkFit {
  /// The fit of a log-linear trend (a ``CompositeLinkDesign`` without joinpoints, whose
  /// columns are `[1, t − t̄]`) as a ``ModelFit`` of the design `[1, t]`: the same maximum,
  /// reparameterised so that the intercept is log μ at year 0, as `trend`'s other fits give it.
  ///
  /// With J = [[1, −t̄], [0, 1]], the coefficients are Jβ — the slope unchanged, the intercept
  /// β₀ − t̄β₁ — and the covariance JVJᵀ; standard errors, statistics, p-values and intervals
  /// are recomputed from them at the fit's level (z, or t(n − p) for quasi-Poisson). The fitted
  /// values are the buckets' totals λⱼ, in the order the buckets were given; `n` is the number
  /// of buckets.
  ///
  /// - Parameter centre: t̄, the centre of the design's year column (``CompositeLinkDesign/centre``).
  /// - Throws: `StatisticsError.invalidInput` when the fit does not have exactly the two
  ///   coefficients "(Intercept)" and "year".
  public func trendModelFit(centre: Double) throws(StatisticsError) -> ModelFit {
    guard parameters.count == 2, covariance.rows == 2, covariance.columns == 2 else {
      throw .invalidInput("a trend has two coefficients, (Intercept) and year; this fit has \(parameters.count)")
    }
    let (b0, b1) = (parameters[0].estimate, parameters[1].estimate)
    let v = covariance
    var shifted = Matrix(rows: 2, columns: 2)
    shifted[0, 0] = v[0, 0] - 2 * centre * v[0, 1] + centre * centre * v[1, 1]
    shifted[0, 1] = v[0, 1] - centre * v[1, 1]
    shifted[1, 0] = shifted[0, 1]
    shifted[1, 1] = v[1, 1]
    let kind: ModelKind =
      switch family {
      case .poisson: .poisson
      case .negativeBinomial: .negbin
      case .quasiPoisson: .quasipoisson
      }
    let table = parameterTable(
      names: ["(Intercept)", "year"], estimates: [b0 - centre * b1, b1], covariance: shifted,
      df: family == .quasiPoisson ? Double(dfResidual) : nil, level: level)
    var fit = ModelFit(
      model: kind, n: bucketCount, dfResidual: dfResidual, converged: converged, iterations: iterations,
      parameters: table, residualSD: nil, rSquared: nil, deviance: deviance, logLikelihood: logLikelihood, aic: aic,
      dispersion: dispersion, covariance: shifted, fitted: buckets.map(\.fitted), level: level, warnings: warnings)
    fit.stopReason = stopReason
    fit.theta = theta
    fit.thetaStandardError = thetaStandardError
    return fit
  }
}
