import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Nonlinear least squares y ≈ f(x; θ) for a formula in the expression language, as R's `nls`
/// but fitted by Levenberg–Marquardt (`LevenbergMarquardt`, MINPACK `lmder`) with exact
/// derivatives (forward-mode automatic differentiation of the formula).
///
/// **Results** (Bates & Watts, *Nonlinear Regression Analysis and Its Applications*, Wiley
/// 1988, §2.3; R's `summary.nls` and `logLik.nls`):
/// - RSS = Σ (yᵢ − f(xᵢ; θ̂))², σ̂ = √(RSS / (n − p));
/// - Cov(θ̂) = σ̂² (JᵀJ)⁻¹ with J the Jacobian at θ̂, computed as P R⁻¹R⁻ᵀ Pᵀ from the pivoted
///   QR of the column-scaled J (`LeastSquares.solve`), never by inverting JᵀJ;
/// - t intervals θ̂ⱼ ± t(n − p) SEⱼ;
/// - log L = −n/2 (log 2π + 1 − log n + log RSS), AIC = −2 log L + 2 (p + 1).
///
/// **Convergence.** `converged` is the Levenberg–Marquardt verdict and additionally requires
/// the Bates–Watts relative offset (the Gauss–Newton increment at θ̂ measured against the
/// residual variation, R's `nls` convergence criterion) to be at most `offsetTolerance`;
/// otherwise `converged` is false and `stopReason` says why. Estimates of an unconverged fit
/// are returned (the best point found) but must not be trusted.
public enum NonlinearLeastSquares {
  /// Fits `formula` (the right-hand side f(x; θ)) to `response` by least squares.
  ///
  /// - Parameters:
  ///   - formula: the model, e.g. `b1*(1-exp(-b2*x))`.
  ///   - response: y, n finite values.
  ///   - data: predictor columns by name, each of length n (unused columns are ignored).
  ///   - start: parameter names and starting values, in the order reported.
  ///   - level: confidence level of the intervals, in (0, 1).
  ///   - maxEvaluations: limit on model evaluations.
  ///   - offsetTolerance: largest relative offset accepted as converged (default 1e-4;
  ///     R's `nls` uses 1e-5 with Gauss–Newton).
  /// - Throws: `StatisticsError.invalidInput` for a formula that does not parse (with its
  ///   column), a variable that is neither a data column nor a parameter (named), mismatched
  ///   lengths, non-finite data or starting values, fewer observations than parameters, or a
  ///   model that is not finite at the starting values; `.numerical` if LAPACK fails.
  public static func fit(
    formula: String, response: [Double], data: [String: [Double]],
    start: [(name: String, value: Double)], level: Double = 0.95, maxEvaluations: Int = 10_000,
    offsetTolerance: Double = 1e-4
  ) throws(StatisticsError) -> ModelFit {
    let expression: Expression
    do {
      expression = try Expression(formula)
    } catch {
      throw .invalidInput("formula '\(formula)': \(error.message) at column \(error.column)")
    }
    return try fit(
      expression: expression, response: response, data: data, start: start, level: level,
      maxEvaluations: maxEvaluations, offsetTolerance: offsetTolerance)
  }

  /// Fits a parsed formula; see `fit(formula:response:data:start:level:maxEvaluations:offsetTolerance:)`.
  /// - Throws: as the string form.
  public static func fit(
    expression: Expression, response: [Double], data: [String: [Double]],
    start: [(name: String, value: Double)], level: Double = 0.95, maxEvaluations: Int = 10_000,
    offsetTolerance: Double = 1e-4
  ) throws(StatisticsError) -> ModelFit {
    let n = response.count
    let p = start.count
    let names = start.map(\.name)
    guard p >= 1 else {
      throw .invalidInput("no parameters: give starting values for the formula's parameters")
    }
    guard Set(names).count == p else {
      throw .invalidInput("parameter names repeat in the starting values: \(names)")
    }
    for s in start where !s.value.isFinite {
      throw .invalidInput("starting value of '\(s.name)' is not finite")
    }
    guard level > 0, level < 1 else { throw .invalidInput("level must be in (0, 1), got \(level)") }
    guard maxEvaluations >= 1 else { throw .invalidInput("maxEvaluations must be positive") }
    guard n >= p else { throw .invalidInput("\(n) observations cannot determine \(p) parameters") }
    for (i, y) in response.enumerated() where !y.isFinite {
      throw .invalidInput("response value \(i + 1) is not finite")
    }
    for name in expression.variables {
      guard let col = data[name] else { continue }
      guard col.count == n else {
        throw .invalidInput("data column '\(name)' has \(col.count) values, the response has \(n)")
      }
      if let i = col.firstIndex(where: { !$0.isFinite }) {
        throw .invalidInput("data column '\(name)' value \(i + 1) is not finite")
      }
    }
    for name in names where !expression.variables.contains(name) {
      throw .invalidInput("parameter '\(name)' does not appear in the formula")
    }
    let model: CompiledExpression
    do {
      model = try CompiledExpression(expression, parameters: names, data: data, observations: n)
    } catch {
      if error.message.hasPrefix("unknown variable") {
        let name = expression.variables.first { !names.contains($0) && data[$0] == nil } ?? "?"
        throw .invalidInput(
          "formula names '\(name)' (column \(error.column)), which is neither a data column nor a parameter"
        )
      }
      throw .invalidInput("formula: \(error.message) at column \(error.column)")
    }
    let theta0 = start.map(\.value)
    let f0 = model.values(theta0)
    if let i = f0.firstIndex(where: { !$0.isFinite }) {
      throw .invalidInput(
        "the model is not finite at the starting values (observation \(i + 1): \(f0[i]))")
    }

    let options = LevenbergMarquardt.Options(maxEvaluations: maxEvaluations)
    let lm: LevenbergMarquardt.Result
    do {
      lm = try LevenbergMarquardt.minimize(
        start: theta0, residualCount: n, options: options,
        residuals: { theta in
          let v = model.values(theta)
          return (0..<n).map { v[$0] - response[$0] }
        },
        jacobian: { theta in model.valuesAndJacobian(theta).jacobian })
    } catch {
      throw error.asStatistics
    }

    // Statistics at the solution.
    let theta = lm.parameters
    let (fitted, jac) = model.valuesAndJacobian(theta)
    let residuals = (0..<n).map { response[$0] - fitted[$0] }
    let rss = Summation.sum(residuals.map { $0 * $0 })
    let df = n - p
    let sigma2 = df > 0 ? rss / Double(df) : .nan
    let nDouble = Double(n)
    var warnings: [String] = []
    var converged = lm.converged
    var reason = lm.stopReason.description
    var cov = Matrix(rows: p, columns: p, repeating: .nan)
    if jac.storage.allSatisfy(\.isFinite), rss.isFinite {
      do {
        let ls = try LeastSquares.solve(design: jac, response: residuals, tolerance: 1e-12)
        cov = ls.unscaledCovariance
        for k in cov.storage.indices { cov.storage[k] *= sigma2 }
        for (j, a) in ls.aliased.enumerated() where a {
          warnings.append(
            "singular gradient: parameter '\(names[j])' is not identifiable at the solution")
        }
        // Bates–Watts relative offset: ‖Q₁ᵀr‖/√p over ‖Q₂ᵀr‖/√(n−p).
        let q1 = Summation.sum(ls.fitted.map { $0 * $0 })
        let q2 = ls.residualSumOfSquares
        if df > 0, ls.rank == p {
          let offset =
            q2 > 0 ? ((q1 / Double(p)) / (q2 / Double(df))).squareRoot() : (q1 > 0 ? .infinity : 0)
          // Zero-residual problems (Lanczos1): the offset compares two rounding noises and
          // says nothing. The increment is then accepted when ‖Q₁ᵀr‖/√p is within a few
          // units of the rounding error of a residual, ε·rms(|yᵢ| + |fᵢ|): no iteration in
          // double precision can resolve a smaller one.
          let noise =
            Double.ulpOfOne
            * (Summation.sum(
              (0..<n).map {
                (abs(response[$0]) + abs(fitted[$0])) * (abs(response[$0]) + abs(fitted[$0]))
              }) / nDouble).squareRoot()
          let atRounding = (q1 / Double(p)).squareRoot() <= 4 * noise
          if converged, !(offset <= offsetTolerance), !atRounding {
            converged = false
            reason =
              "\(reason); but the relative offset \(offset) exceeds \(offsetTolerance): not a stationary point"
          }
        }
      } catch {
        warnings.append("covariance unavailable: \(error)")
      }
    } else {
      converged = false
      reason += "; model or Jacobian not finite at the final parameters"
    }
    if !converged { warnings.append("nonlinear least squares did not converge: \(reason)") }
    // A residual standard deviation near the rounding level of the response cannot be
    // computed to many digits in double precision: say how many it carries.
    let scale = response.map { abs($0) }.max() ?? 0
    if converged, sigma2 > 0, scale > 0 {
      let digits = log10(sigma2.squareRoot() / (Double.ulpOfOne * scale))
      if digits < 6 {
        warnings.append(
          "the residual standard deviation (\(sigma2.squareRoot())) is within \(Int((digits).rounded(.up))) digits of the rounding level of the data (max |y| = \(scale)): it and the standard errors carry only about \(max(0, Int(digits.rounded(.down)))) significant digits"
        )
      }
    }

    let nd = Double(n)
    let loglik = -0.5 * nd * (log(2 * Double.pi) + 1 - log(nd) + log(rss))
    let params = parameterTable(
      names: names, estimates: theta, covariance: cov, df: Double(df), level: level)
    var fit = ModelFit(
      model: .nls, n: n, dfResidual: df, converged: converged, iterations: lm.iterations,
      parameters: params, residualSD: sigma2.squareRoot(), rSquared: nil, deviance: rss,
      logLikelihood: loglik, aic: -2 * loglik + 2 * Double(p + 1), dispersion: sigma2,
      covariance: cov, fitted: fitted, level: level, warnings: warnings)
    fit.stopReason = reason
    return fit
  }
}
