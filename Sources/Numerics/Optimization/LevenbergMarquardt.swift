import FoundationEssentials

/// Nonlinear least squares `min_x ½‖f(x)‖²` by the Levenberg–Marquardt method as implemented
/// in MINPACK's `lmder`.
///
/// **Method** (J. J. Moré, "The Levenberg–Marquardt algorithm: implementation and theory",
/// *Numerical Analysis*, Lecture Notes in Mathematics 630, Springer 1978, pp. 105–116;
/// MINPACK-1, Moré, Garbow & Hillstrom, ANL-80-74, 1980):
/// - a trust region `‖D p‖ ≤ Δ` in variables scaled by `D = diag(dⱼ)`, `dⱼ` the largest
///   Euclidean norm of Jacobian column j seen so far (`mode = 1` of `lmder`);
/// - each step solves `min ‖J p + f‖² + λ‖D p‖²` with the Levenberg parameter λ chosen by
///   `lmpar` (safeguarded Newton iteration on `‖D p(λ)‖ = Δ`, at most 10 steps) and
///   `qrsolv` (Givens rotations on the QR factor, so `JᵀJ` is never formed);
/// - `J P = Q R` by Householder QR with column pivoting (LAPACK `dgeqp3`), `Qᵀ f` by `dormqr`;
/// - the radius is updated from the ratio of actual to predicted reduction as in `lmder`
///   (halved or cut to a tenth when the ratio is ≤ ¼, doubled when ≥ ¾);
/// - stopping tests (MINPACK `info`): 1 both actual and predicted relative reductions of
///   ‖f‖² are ≤ `ftol`; 2 the relative change `Δ ≤ xtol·‖D x‖`; 3 both; 4 the cosine of the
///   angle between f and any Jacobian column is ≤ `gtol`; 5 `maxEvaluations` reached;
///   6–8 `ftol`, `xtol`, `gtol` below machine precision (no further progress possible).
///
/// Codes 1–4 and 6–8 count as converged: 6–8 mean the corresponding test can no longer
/// be passed because the iterates stopped changing at working precision. Trial points whose
/// residuals are not finite are rejected like any step that increases ‖f‖ (the radius
/// shrinks); a non-finite Jacobian at an accepted point stops the iteration, unconverged.
public enum LevenbergMarquardt {
  /// Tolerances and limits; the defaults are tight (≈ a few units of roundoff).
  public struct Options: Sendable, Equatable {
    /// Relative reduction tolerance on the sum of squares (MINPACK `ftol`).
    public var ftol: Double
    /// Relative tolerance on the scaled parameter vector (MINPACK `xtol`).
    public var xtol: Double
    /// Orthogonality tolerance between f and the Jacobian columns (MINPACK `gtol`).
    public var gtol: Double
    /// Maximum number of residual evaluations (MINPACK `maxfev`).
    public var maxEvaluations: Int
    /// Initial step bound factor: Δ₀ = factor·‖D x₀‖ (MINPACK `factor`, recommended 0.1–100).
    public var factor: Double

    /// Creates options; defaults `ftol = xtol = 1e-15`, `gtol = 0`, `maxEvaluations = 10000`,
    /// `factor = 100` (MINPACK's recommended default).
    public init(
      ftol: Double = 1e-15, xtol: Double = 1e-15, gtol: Double = 0, maxEvaluations: Int = 10_000,
      factor: Double = 100
    ) {
      self.ftol = ftol
      self.xtol = xtol
      self.gtol = gtol
      self.maxEvaluations = maxEvaluations
      self.factor = factor
    }
  }

  /// Why the iteration stopped: MINPACK `lmder` `info` codes 1–8, plus a non-finite Jacobian.
  public enum StopReason: Int, Sendable, Equatable, CustomStringConvertible {
    /// info 1: relative reduction of the sum of squares at most `ftol`.
    case sumOfSquaresConverged = 1
    /// info 2: relative change of the parameters at most `xtol`.
    case parametersConverged = 2
    /// info 3: both 1 and 2.
    case bothConverged = 3
    /// info 4: residuals orthogonal to the Jacobian columns to within `gtol`.
    case gradientConverged = 4
    /// info 5: the limit on residual evaluations was reached.
    case evaluationLimit = 5
    /// info 6: `ftol` is too small; no further reduction of the sum of squares is possible.
    case sumOfSquaresAtPrecision = 6
    /// info 7: `xtol` is too small; no further improvement of the parameters is possible.
    case parametersAtPrecision = 7
    /// info 8: `gtol` is too small; residuals orthogonal to the Jacobian at machine precision.
    case gradientAtPrecision = 8
    /// The Jacobian at an accepted point had a non-finite entry.
    case nonFiniteJacobian = 9

    /// Whether this stop means a (local) minimum was reached.
    public var isConverged: Bool { self != .evaluationLimit && self != .nonFiniteJacobian }

    /// The reason in words.
    public var description: String {
      switch self {
      case .sumOfSquaresConverged: return "relative reduction of the sum of squares below ftol"
      case .parametersConverged: return "relative change of the parameters below xtol"
      case .bothConverged:
        return "relative reduction of the sum of squares below ftol and parameter change below xtol"
      case .gradientConverged: return "residuals orthogonal to the Jacobian columns within gtol"
      case .evaluationLimit: return "evaluation limit reached before convergence"
      case .sumOfSquaresAtPrecision:
        return "no further reduction of the sum of squares possible at machine precision"
      case .parametersAtPrecision:
        return "no further change of the parameters possible at machine precision"
      case .gradientAtPrecision:
        return "residuals orthogonal to the Jacobian columns at machine precision"
      case .nonFiniteJacobian: return "Jacobian not finite at an accepted point"
      }
    }
  }

  /// The outcome of `minimize`.
  public struct Result: Sendable {
    /// The final parameters x (the best point found).
    public var parameters: [Double]
    /// f(x) at `parameters`.
    public var residuals: [Double]
    /// ‖f(x)‖², summed with compensation.
    public var sumOfSquares: Double
    /// Whether `stopReason` signals a minimum (see `StopReason.isConverged`).
    public var converged: Bool
    /// Outer iterations (Jacobian evaluations).
    public var iterations: Int
    /// Residual evaluations, the starting point included.
    public var functionEvaluations: Int
    /// Jacobian evaluations.
    public var jacobianEvaluations: Int
    /// Why the iteration stopped.
    public var stopReason: StopReason
  }

  /// Minimises ‖f(x)‖² from `start`.
  ///
  /// - Parameters:
  ///   - start: x₀, n ≥ 1 finite values.
  ///   - residualCount: m ≥ n, the length of f.
  ///   - options: tolerances and limits.
  ///   - residuals: f(x), m values. Non-finite values mark x as infeasible.
  ///   - jacobian: ∂fᵢ/∂xⱼ at x (m × n).
  /// - Throws: `NumericsError.invalidArgument` for bad options, m < n, non-finite x₀, or
  ///   non-finite f(x₀); `.dimensionMismatch` when a callback returns the wrong shape;
  ///   `.lapack` if the QR factorisation fails.
  public static func minimize(
    start: [Double], residualCount m: Int, options: Options = Options(),
    residuals: ([Double]) -> [Double], jacobian: ([Double]) -> Matrix
  ) throws(NumericsError) -> Result {
    let n = start.count
    guard n >= 1 else { throw .invalidArgument("no parameters to fit") }
    guard m >= n else { throw .invalidArgument("\(m) residuals cannot determine \(n) parameters") }
    guard options.ftol >= 0, options.xtol >= 0, options.gtol >= 0, options.factor > 0,
      options.maxEvaluations > 0
    else { throw .invalidArgument("tolerances must be ≥ 0, factor and maxEvaluations > 0") }
    guard start.allSatisfy(\.isFinite) else {
      throw .invalidArgument("starting values are not finite")
    }
    let epsmch = Double.ulpOfOne

    var x = start
    var fvec = residuals(x)
    guard fvec.count == m else {
      throw .dimensionMismatch("residuals returned \(fvec.count) values, expected \(m)")
    }
    guard fvec.allSatisfy(\.isFinite) else {
      throw .invalidArgument("residuals at the starting values are not finite")
    }
    var nfev = 1
    var njev = 0
    var fnorm = LeastSquares.euclideanNorm(fvec)
    var par = 0.0
    var delta = 0.0
    var xnorm = 0.0
    var diag = [Double](repeating: 0, count: n)
    var iter = 1
    var info: StopReason? = nil
    var r = [Double](repeating: 0, count: n * n)
    var ipvt = [Int](repeating: 0, count: n)
    var qtf = [Double](repeating: 0, count: n)
    var acnorm = [Double](repeating: 0, count: n)

    func finish(_ reason: StopReason) -> Result {
      Result(
        parameters: x, residuals: fvec, sumOfSquares: Summation.sum(fvec.map { $0 * $0 }),
        converged: reason.isConverged, iterations: njev, functionEvaluations: nfev,
        jacobianEvaluations: njev, stopReason: reason)
    }

    outer: while true {
      let jac = jacobian(x)
      njev += 1
      guard jac.rows == m, jac.columns == n, jac.storage.count == m * n else {
        throw .dimensionMismatch("Jacobian is \(jac.rows)×\(jac.columns), expected \(m)×\(n)")
      }
      guard jac.storage.allSatisfy(\.isFinite) else { return finish(.nonFiniteJacobian) }
      // Column norms, QR with pivoting, Qᵀf.
      for j in 0..<n {
        acnorm[j] = LeastSquares.euclideanNorm(Array(jac.storage[(j * m)..<((j + 1) * m)]))
      }
      var a = jac.storage
      let (perm, tau) = try LAPACK.geqp3(&a, m: m, n: n)
      ipvt = perm
      var qf = fvec
      try LAPACK.ormqrTranspose(qr: a, m: m, k: n, tau: tau, c: &qf, nrhs: 1)
      for j in 0..<n {
        qtf[j] = qf[j]
        for i in 0..<n { r[j * n + i] = i <= j ? a[j * m + i] : 0 }
      }
      if iter == 1 {
        for j in 0..<n { diag[j] = acnorm[j] == 0 ? 1 : acnorm[j] }
        xnorm = LeastSquares.euclideanNorm((0..<n).map { diag[$0] * x[$0] })
        delta = options.factor * xnorm
        if delta == 0 { delta = options.factor }
      }
      // Scaled gradient norm: max_j |cos(angle between f and column j)|.
      var gnorm = 0.0
      if fnorm != 0 {
        for j in 0..<n {
          let l = ipvt[j]
          guard acnorm[l] != 0 else { continue }
          var sum = 0.0
          for i in 0...j { sum += r[j * n + i] * (qtf[i] / fnorm) }
          gnorm = max(gnorm, abs(sum / acnorm[l]))
        }
      }
      if gnorm <= options.gtol { return finish(.gradientConverged) }
      for j in 0..<n { diag[j] = max(diag[j], acnorm[j]) }

      // Inner loop: find an acceptable step.
      while true {
        var step = lmpar(n: n, r: &r, ipvt: ipvt, diag: diag, qtb: qtf, delta: delta, par: &par)
        for j in 0..<n { step[j] = -step[j] }
        let trial = (0..<n).map { x[$0] + step[$0] }
        let pnorm = LeastSquares.euclideanNorm((0..<n).map { diag[$0] * step[$0] })
        if iter == 1 { delta = min(delta, pnorm) }
        let ftrial = residuals(trial)
        nfev += 1
        guard ftrial.count == m else {
          throw .dimensionMismatch("residuals returned \(ftrial.count) values, expected \(m)")
        }
        let feasible = ftrial.allSatisfy(\.isFinite)
        let fnorm1 = feasible ? LeastSquares.euclideanNorm(ftrial) : .infinity
        var actred = -1.0
        if 0.1 * fnorm1 < fnorm { actred = 1 - (fnorm1 / fnorm) * (fnorm1 / fnorm) }
        // Predicted reduction and directional derivative.
        var jp = [Double](repeating: 0, count: n)
        for j in 0..<n {
          let temp = step[ipvt[j]]
          for i in 0...j { jp[i] += r[j * n + i] * temp }
        }
        let temp1 = fnorm == 0 ? 0 : LeastSquares.euclideanNorm(jp) / fnorm
        let temp2 = fnorm == 0 ? 0 : par.squareRoot() * pnorm / fnorm
        let prered = temp1 * temp1 + temp2 * temp2 / 0.5
        let dirder = -(temp1 * temp1 + temp2 * temp2)
        let ratio = prered != 0 ? actred / prered : 0
        if ratio <= 0.25 {
          var temp = actred >= 0 ? 0.5 : 0.5 * dirder / (dirder + 0.5 * actred)
          if 0.1 * fnorm1 >= fnorm || temp < 0.1 || !temp.isFinite { temp = 0.1 }
          delta = temp * min(delta, pnorm / 0.1)
          par = par / temp
        } else if par == 0 || ratio >= 0.75 {
          delta = pnorm / 0.5
          par = 0.5 * par
        }
        if ratio >= 1e-4 {
          x = trial
          fvec = ftrial
          xnorm = LeastSquares.euclideanNorm((0..<n).map { diag[$0] * x[$0] })
          fnorm = fnorm1
          iter += 1
        }
        // Convergence tests.
        let fConverged = abs(actred) <= options.ftol && prered <= options.ftol && 0.5 * ratio <= 1
        let xConverged = delta <= options.xtol * xnorm
        if fConverged && xConverged {
          info = .bothConverged
        } else if fConverged {
          info = .sumOfSquaresConverged
        } else if xConverged {
          info = .parametersConverged
        }
        if info == nil {
          if nfev >= options.maxEvaluations {
            info = .evaluationLimit
          } else if abs(actred) <= epsmch && prered <= epsmch && 0.5 * ratio <= 1 {
            info = .sumOfSquaresAtPrecision
          } else if delta <= epsmch * xnorm {
            info = .parametersAtPrecision
          } else if gnorm <= epsmch {
            info = .gradientAtPrecision
          } else if !delta.isFinite || delta == 0 || !par.isFinite {
            info = .parametersAtPrecision
          }
        }
        if let info { return finish(info) }
        if ratio >= 1e-4 { continue outer }
      }
    }
  }

  /// MINPACK `lmpar`: given the pivoted QR factor R (n×n, column-major, upper triangle; the
  /// strict lower triangle is overwritten), D, Qᵀb and Δ, returns p minimising
  /// ‖J p − b‖² + λ‖D p‖² with λ (`par`, updated in place) such that ‖D p‖ ≈ Δ within 10%,
  /// or λ = 0 when the Gauss–Newton step is inside the region.
  static func lmpar(
    n: Int, r: inout [Double], ipvt: [Int], diag: [Double], qtb: [Double], delta: Double,
    par: inout Double
  ) -> [Double] {
    let dwarf = Double.leastNormalMagnitude
    var x = [Double](repeating: 0, count: n)
    var wa1 = [Double](repeating: 0, count: n)
    var wa2 = [Double](repeating: 0, count: n)
    var sdiag = [Double](repeating: 0, count: n)
    // Gauss–Newton direction (least-squares solution if R is singular).
    var nsing = n
    for j in 0..<n {
      wa1[j] = qtb[j]
      if r[j * n + j] == 0 && nsing == n { nsing = j }
      if nsing < n { wa1[j] = 0 }
    }
    if nsing >= 1 {
      for k in 0..<nsing {
        let j = nsing - 1 - k
        wa1[j] /= r[j * n + j]
        let temp = wa1[j]
        for i in 0..<j { wa1[i] -= r[j * n + i] * temp }
      }
    }
    for j in 0..<n { x[ipvt[j]] = wa1[j] }
    var iter = 0
    for j in 0..<n { wa2[j] = diag[j] * x[j] }
    var dxnorm = LeastSquares.euclideanNorm(wa2)
    var fp = dxnorm - delta
    if fp <= 0.1 * delta {
      par = 0
      return x
    }
    // Lower bound parl from the Newton step (only when R is nonsingular).
    var parl = 0.0
    if nsing >= n {
      for j in 0..<n {
        let l = ipvt[j]
        wa1[j] = diag[l] * (wa2[l] / dxnorm)
      }
      for j in 0..<n {
        var sum = 0.0
        for i in 0..<j { sum += r[j * n + i] * wa1[i] }
        wa1[j] = (wa1[j] - sum) / r[j * n + j]
      }
      let temp = LeastSquares.euclideanNorm(wa1)
      parl = ((fp / delta) / temp) / temp
      if !parl.isFinite { parl = 0 }
    }
    // Upper bound paru.
    for j in 0..<n {
      var sum = 0.0
      for i in 0...j { sum += r[j * n + i] * qtb[i] }
      wa1[j] = sum / diag[ipvt[j]]
    }
    let gnorm = LeastSquares.euclideanNorm(wa1)
    var paru = gnorm / delta
    if paru == 0 { paru = dwarf / min(delta, 0.1) }
    par = max(par, parl)
    par = min(par, paru)
    if par == 0 { par = gnorm / dxnorm }
    while true {
      iter += 1
      if par == 0 { par = max(dwarf, 0.001 * paru) }
      let sp = par.squareRoot()
      for j in 0..<n { wa1[j] = sp * diag[j] }
      x = qrsolv(n: n, r: &r, ipvt: ipvt, diag: wa1, qtb: qtb, sdiag: &sdiag)
      for j in 0..<n { wa2[j] = diag[j] * x[j] }
      dxnorm = LeastSquares.euclideanNorm(wa2)
      let temp = fp
      fp = dxnorm - delta
      if abs(fp) <= 0.1 * delta || (parl == 0 && fp <= temp && temp < 0) || iter == 10 { break }
      // Newton correction.
      for j in 0..<n {
        let l = ipvt[j]
        wa1[j] = diag[l] * (wa2[l] / dxnorm)
      }
      for j in 0..<n {
        wa1[j] /= sdiag[j]
        let t = wa1[j]
        if j + 1 < n { for i in (j + 1)..<n { wa1[i] -= r[j * n + i] * t } }
      }
      let tn = LeastSquares.euclideanNorm(wa1)
      let parc = ((fp / delta) / tn) / tn
      if fp > 0 { parl = max(parl, par) }
      if fp < 0 { paru = min(paru, par) }
      par = max(parl, par + parc)
      if !par.isFinite {
        par = paru
        break
      }
    }
    return x
  }

  /// MINPACK `qrsolv`: solves min ‖[R; D_p] z − [Qᵀb; 0]‖ for the pivoted D by Givens
  /// rotations. On return the strict lower triangle of `r` holds Sᵀ (strict part) and
  /// `sdiag` its diagonal, where Pᵀ(JᵀJ + D D)P = SᵀS. The upper triangle of `r` is kept.
  static func qrsolv(
    n: Int, r: inout [Double], ipvt: [Int], diag: [Double], qtb: [Double], sdiag: inout [Double]
  ) -> [Double] {
    var x = [Double](repeating: 0, count: n)
    var wa = [Double](repeating: 0, count: n)
    for j in 0..<n {
      for i in j..<n { r[j * n + i] = r[i * n + j] }
      x[j] = r[j * n + j]
      wa[j] = qtb[j]
    }
    for j in 0..<n {
      let l = ipvt[j]
      if diag[l] != 0 {
        for k in j..<n { sdiag[k] = 0 }
        sdiag[j] = diag[l]
        var qtbpj = 0.0
        for k in j..<n {
          if sdiag[k] == 0 { continue }
          let rkk = r[k * n + k]
          let c: Double
          let s: Double
          if abs(rkk) < abs(sdiag[k]) {
            let cotan = rkk / sdiag[k]
            s = 0.5 / (0.25 + 0.25 * cotan * cotan).squareRoot()
            c = s * cotan
          } else {
            let tan = sdiag[k] / rkk
            c = 0.5 / (0.25 + 0.25 * tan * tan).squareRoot()
            s = c * tan
          }
          r[k * n + k] = c * rkk + s * sdiag[k]
          let temp = c * wa[k] + s * qtbpj
          qtbpj = -s * wa[k] + c * qtbpj
          wa[k] = temp
          if k + 1 < n {
            for i in (k + 1)..<n {
              let t = c * r[k * n + i] + s * sdiag[i]
              sdiag[i] = -s * r[k * n + i] + c * sdiag[i]
              r[k * n + i] = t
            }
          }
        }
      }
      sdiag[j] = r[j * n + j]
      r[j * n + j] = x[j]
    }
    var nsing = n
    for j in 0..<n {
      if sdiag[j] == 0 && nsing == n { nsing = j }
      if nsing < n { wa[j] = 0 }
    }
    if nsing >= 1 {
      for k in 0..<nsing {
        let j = nsing - 1 - k
        var sum = 0.0
        if j + 1 < nsing { for i in (j + 1)..<nsing { sum += r[j * n + i] * wa[i] } }
        wa[j] = (wa[j] - sum) / sdiag[j]
      }
    }
    var out = [Double](repeating: 0, count: n)
    for j in 0..<n { out[ipvt[j]] = wa[j] }
    return out
  }
}
