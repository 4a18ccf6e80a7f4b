import Numerics

/// One estimated coefficient of a fitted model, with its Wald interval.
public struct ParameterEstimate: Sendable, Equatable {
  /// The parameter's name: `(Intercept)`, a column name, `x^2`, or a formula parameter.
  public var name: String
  /// The point estimate. NaN when the column was aliased (rank-deficient design).
  public var estimate: Double
  /// The standard error: sqrt of the covariance diagonal times the dispersion.
  public var standardError: Double
  /// The test statistic estimate / standardError (z for fixed-dispersion models, t otherwise).
  public var statistic: Double
  /// The two-sided p-value of `statistic`.
  public var pValue: Double
  /// Lower end of the Wald interval at the fit's level.
  public var ciLow: Double
  /// Upper end of the Wald interval at the fit's level.
  public var ciHigh: Double

  /// Creates a parameter estimate.
  public init(
    name: String, estimate: Double, standardError: Double, statistic: Double, pValue: Double,
    ciLow: Double, ciHigh: Double
  ) {
    self.name = name
    self.estimate = estimate
    self.standardError = standardError
    self.statistic = statistic
    self.pValue = pValue
    self.ciLow = ciLow
    self.ciHigh = ciHigh
  }
}

/// The family of a fitted model, as named on the command line.
public enum ModelKind: String, Sendable, CaseIterable {
  /// Ordinary least squares.
  case ols
  /// Weighted least squares.
  case wls
  /// Poisson GLM with log link.
  case poisson
  /// Quasi-Poisson: Poisson estimates, Pearson dispersion.
  case quasipoisson
  /// Negative binomial (NB2) GLM with log link, θ by maximum likelihood (as MASS::glm.nb).
  case negbin
  /// Nonlinear least squares on a formula.
  case nls
}

/// The result of fitting a linear model or a GLM: what `reconcile fit` prints.
///
/// Definitions follow R's `lm` and `glm`: `deviance` is the residual sum of squares
/// (weighted) for least squares and the GLM deviance otherwise; `aic` is
/// −2 logLik + 2 (p + 1) for least squares (σ counts) and −2 logLik + 2p for Poisson.
public struct ModelFit: Sendable {
  /// Which model was fitted.
  public var model: ModelKind
  /// Observations used.
  public var n: Int
  /// Residual degrees of freedom, n − rank.
  public var dfResidual: Int
  /// Whether the fitting iteration converged (always true for least squares).
  public var converged: Bool
  /// Iterations used (1 for least squares).
  public var iterations: Int
  /// The coefficients in design-column order.
  public var parameters: [ParameterEstimate]
  /// sqrt(dispersion) for least squares; nil for GLMs.
  public var residualSD: Double?
  /// R² for least squares (centred when the model has an intercept); nil for GLMs.
  public var rSquared: Double?
  /// Residual deviance.
  public var deviance: Double
  /// Maximised log-likelihood (nil for quasi-likelihood models).
  public var logLikelihood: Double?
  /// Akaike's information criterion (nil for quasi-likelihood models).
  public var aic: Double?
  /// 1 for Poisson, the Pearson estimate for quasi-Poisson, σ² for least squares.
  public var dispersion: Double
  /// Covariance of the estimates, scaled by the dispersion (p×p, design order).
  public var covariance: Matrix
  /// Fitted values on the response scale (with the offset for GLMs).
  public var fitted: [Double]
  /// The confidence level used for the intervals.
  public var level: Double
  /// Warnings worth showing the analyst (aliased columns, zero-weight rows …).
  public var warnings: [String]
  /// Why an iterative fit stopped (e.g. "relative reduction below ftol"); nil for direct solves.
  public var stopReason: String? = nil
  /// The negative binomial shape θ (Var Y = μ + μ²/θ) and its standard error; nil otherwise.
  public var theta: Double? = nil
  /// Standard error of θ.
  public var thetaStandardError: Double? = nil
  /// Negative binomial only: whether the coefficients' own iteration (IRLS at the final θ)
  /// converged without diverging — true also when θ's alternation with them reached its
  /// limit, as it does when θ → ∞ (no overdispersion), where `converged` is false but the
  /// coefficients and their standard errors stand. Nil for the other models (`converged`
  /// says it).
  public var coefficientsConverged: Bool? = nil

  /// Whether the estimates' standard errors, and so any interval built on them, can be used:
  /// `coefficientsConverged` where the model has it, else `converged`.
  public var intervalsUsable: Bool { coefficientsConverged ?? converged }

  /// The quantile used for Wald intervals: z for Poisson, t(df) otherwise.
  public var usesNormalReference: Bool { model == .poisson || model == .negbin }

  /// The critical value for a two-sided interval at `level`.
  public func criticalValue(level: Double) -> Double {
    let p = 0.5 + level / 2
    if usesNormalReference || dfResidual <= 0 { return Normal.quantile(p) }
    return StudentT.quantile(p, df: Double(dfResidual))
  }

  /// The linear predictor x·β and its standard error sqrt(x' V x) for a design row `x`.
  ///
  /// - Throws: `StatisticsError.invalidInput` when `x` has the wrong length.
  public func linearPredictor(_ x: [Double]) throws(StatisticsError) -> (estimate: Double, standardError: Double) {
    let p = parameters.count
    guard x.count == p else {
      throw .invalidInput("design row has \(x.count) entries, the model has \(p) parameters")
    }
    var eta = 0.0
    var variance = 0.0
    for i in 0..<p {
      guard !parameters[i].estimate.isNaN else { continue }
      eta += x[i] * parameters[i].estimate
      for j in 0..<p where !parameters[j].estimate.isNaN {
        variance += x[i] * covariance[i, j] * x[j]
      }
    }
    return (eta, variance.squareRoot())
  }
}

/// Errors raised by the statistical models.
public enum StatisticsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The input cannot be fitted as given (lengths, signs, too few observations).
  case invalidInput(String)
  /// The linear algebra failed (a LAPACK error, a singular system).
  case numerical(String)

  public var description: String {
    switch self {
    case .invalidInput(let m): return m
    case .numerical(let m): return "numerical failure: \(m)"
    }
  }
}

extension NumericsError {
  var asStatistics: StatisticsError {
    switch self {
    case .invalidArgument(let m), .dimensionMismatch(let m): return .invalidInput(m)
    default: return .numerical(description)
    }
  }
}

/// Two-sided p-value for a statistic under N(0,1) or t(df).
func twoSidedPValue(_ statistic: Double, df: Double?) -> Double {
  guard statistic.isFinite else { return statistic.isNaN ? .nan : 0 }
  let a = abs(statistic)
  if let df, df.isFinite, df > 0 { return 2 * StudentT.sf(a, df: df) }
  return 2 * Normal.sf(a)
}

/// Builds the parameter table from estimates and covariance.
func parameterTable(
  names: [String], estimates: [Double], covariance: Matrix, df: Double?, level: Double
) -> [ParameterEstimate] {
  let crit: Double
  if let df, df.isFinite, df > 0 {
    crit = StudentT.quantile(0.5 + level / 2, df: df)
  } else {
    crit = Normal.quantile(0.5 + level / 2)
  }
  var out: [ParameterEstimate] = []
  out.reserveCapacity(names.count)
  for (i, name) in names.enumerated() {
    let b = i < estimates.count ? estimates[i] : .nan
    let v = i < covariance.rows ? covariance[i, i] : .nan
    let se = v >= 0 ? v.squareRoot() : .nan
    let stat = b / se
    out.append(
      ParameterEstimate(
        name: name, estimate: b, standardError: se, statistic: stat,
        pValue: twoSidedPValue(stat, df: df), ciLow: b - crit * se, ciHigh: b + crit * se))
  }
  return out
}

extension ModelFit {
  /// The fit with its dispersion set to a known `phi` (a quasi-Poisson span too short to
  /// estimate its own borrows the series'): the covariance is the unscaled one times `phi`,
  /// intervals use z (the dispersion is not estimated from these counts).
  public func withKnownDispersion(_ phi: Double) -> ModelFit {
    var fit = self
    let factor = phi / dispersion
    if factor.isFinite {
      for k in fit.covariance.storage.indices { fit.covariance.storage[k] *= factor }
    } else {
      for k in fit.covariance.storage.indices { fit.covariance.storage[k] = .nan }
    }
    fit.dispersion = phi
    fit.parameters = parameterTable(
      names: parameters.map(\.name), estimates: parameters.map(\.estimate), covariance: fit.covariance, df: nil,
      level: level)
    return fit
  }
}
