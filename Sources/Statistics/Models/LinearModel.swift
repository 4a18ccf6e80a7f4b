import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ordinary and weighted least squares, as R's `lm`.
///
/// Solves min Σ wᵢ (yᵢ − xᵢβ)² by Householder QR with column pivoting through LAPACK
/// (see `LeastSquares.solve`); σ² = RSS / (n − rank); Cov(β) = σ² (X'WX)⁻¹.
/// The log-likelihood is the Gaussian one at the ML σ̂² = RSS/n, with the weights'
/// Jacobian term ½ Σ log wᵢ, as R's `logLik.lm`.
public enum LinearModel {
  /// Fits y on the design matrix `design` (which must already contain an intercept column if one is wanted).
  ///
  /// - Parameters:
  ///   - design: n×p design matrix.
  ///   - response: n responses.
  ///   - names: p parameter names.
  ///   - weights: optional non-negative weights (WLS); rows of weight zero do not count in n.
  ///   - hasIntercept: whether R² is centred.
  ///   - level: confidence level of the intervals.
  ///   - tolerance: a column is aliased (left out, as R's `lm` does) when less than this
  ///     fraction of its norm remains after projecting out the columns before it. 1e-12 —
  ///     stricter than R's 1e-7 — so that ill-conditioned but distinct columns (NIST Filip's
  ///     x¹…x¹⁰) are kept and fitted accurately.
  /// - Throws: `StatisticsError` for mismatched lengths, non-finite data, or too few observations.
  public static func fit(
    design: Matrix, response: [Double], names: [String], weights: [Double]? = nil,
    hasIntercept: Bool, level: Double = 0.95, tolerance: Double = 1e-12
  ) throws(StatisticsError) -> ModelFit {
    guard names.count == design.columns else {
      throw .invalidInput("\(names.count) names for \(design.columns) design columns")
    }
    let ls: LeastSquaresResult
    do {
      ls = try LeastSquares.solve(design: design, response: response, weights: weights, tolerance: tolerance)
    } catch {
      throw error.asStatistics
    }
    let w = weights ?? Array(repeating: 1.0, count: response.count)
    let nUsed = w.filter { $0 > 0 }.count
    let df = nUsed - ls.rank
    let rss = ls.residualSumOfSquares
    let sigma2 = df > 0 ? rss / Double(df) : .nan
    var cov = ls.unscaledCovariance
    for k in cov.storage.indices { cov.storage[k] *= sigma2 }

    // R²: 1 − RSS / TSS, TSS about the weighted mean when there is an intercept.
    var tss = 0.0
    let sw = Summation.sum(w)
    let mean = hasIntercept ? Summation.sum(zip(w, response).map { $0 * $1 }) / sw : 0
    tss = Summation.sum(zip(w, response).map { $0 * ($1 - mean) * ($1 - mean) })
    let r2 = tss > 0 ? 1 - rss / tss : .nan

    let n = Double(nUsed)
    let logWeights = Summation.sum(w.filter { $0 > 0 }.map { log($0) })
    let loglik = 0.5 * (logWeights - n * (log(2 * Double.pi) + 1 - log(n) + log(rss)))
    var warnings: [String] = []
    for (i, a) in ls.aliased.enumerated() where a {
      warnings.append("coefficient '\(names[i])' is not estimable (its column is a linear combination of the others)")
    }
    if df <= 0 {
      warnings.append(
        "no residual degrees of freedom (\(nUsed) observation(s) for \(ls.rank) estimable coefficient(s)): the fit is exact and σ, standard errors and intervals cannot be estimated"
      )
    }
    let largest = max(response.map { abs($0) }.max() ?? 0, design.storage.map { abs($0) }.max() ?? 0)
    if !rss.isFinite || !tss.isFinite || ls.coefficients.contains(where: { $0.isInfinite }) {
      warnings.append(
        "overflow: values up to \(largest) make sums of squares exceed the range of double precision; rescale the data (e.g. divide the columns by a power of ten) and refit"
      )
    } else if rss == 0 && df > 0 {
      warnings.append("perfect fit: every residual is 0, so σ and the standard errors are 0")
    }
    let params = parameterTable(
      names: names, estimates: ls.coefficients, covariance: cov, df: Double(df), level: level)
    return ModelFit(
      model: weights == nil ? .ols : .wls, n: nUsed, dfResidual: df, converged: true, iterations: 1,
      parameters: params, residualSD: sigma2.squareRoot(), rSquared: r2, deviance: rss,
      logLikelihood: loglik, aic: -2 * loglik + 2 * Double(ls.rank + 1), dispersion: sigma2,
      covariance: cov, fitted: ls.fitted, level: level, warnings: warnings)
  }
}
