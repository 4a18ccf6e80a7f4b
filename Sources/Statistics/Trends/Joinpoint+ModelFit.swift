import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension JoinpointFit {
  /// The segmented regression as a `ModelFit`: parameters `(Intercept)`, `year` and one
  /// `year>τ` hinge per joinpoint, with t intervals on n − 2K − 2 degrees of freedom (NCI's
  /// count, the joinpoints being estimated), σ² = RSS/(n − K − 2) as R's `lm` on the hinge design.
  public var modelFit: ModelFit {
    let names = ["(Intercept)", "year"] + joinpoints.map { "year>\(NumberFormatPlain.text($0))" }
    let params = parameterTable(
      names: names, estimates: coefficients, covariance: covariance, df: Double(max(df, 1)), level: level)
    let n = Double(years.count)
    let loglik = -0.5 * n * (log(2 * Double.pi) + 1 - log(n) + log(rss))
    var f = ModelFit(
      model: .ols, n: years.count, dfResidual: residualDF, converged: true, iterations: 1,
      parameters: params, residualSD: sigma2.squareRoot(), rSquared: nil, deviance: rss,
      logLikelihood: loglik, aic: -2 * loglik + 2 * Double(coefficients.count + 1 + k),
      dispersion: sigma2, covariance: covariance, fitted: fitted, level: level, warnings: [])
    f.stopReason = k == 0 ? "no joinpoint" : "exhaustive search over admissible joinpoint positions"
    return f
  }

  /// log-rate at year `t` and its standard error (conditional on the joinpoints).
  public func predict(_ t: Double) -> (estimate: Double, standardError: Double) {
    var x = [1.0, t]
    for tau in joinpoints { x.append(max(0, t - tau)) }
    var eta = 0.0
    var v = 0.0
    for i in x.indices where i < coefficients.count {
      eta += x[i] * coefficients[i]
      for j in x.indices where j < coefficients.count { v += x[i] * covariance[i, j] * x[j] }
    }
    return (eta, max(0, v).squareRoot())
  }

  /// The index (1-based) of the segment containing year `t`.
  public func segment(of t: Double) -> Int {
    var s = 1
    for tau in joinpoints where t > tau { s += 1 }
    return s
  }
}

/// Joinpoint years printed without a trailing ".0".
enum NumberFormatPlain {
  static func text(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(x)
  }
}
