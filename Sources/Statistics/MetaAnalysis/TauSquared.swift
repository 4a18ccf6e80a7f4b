#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#elseif canImport(Musl)
  import Musl
#endif

/// The outcome of estimating τ²: the value, its standard error, and how the algorithm ended.
struct TauSquaredEstimate {
  var tau2: Double
  var standardError: Double?
  var converged = true
  var iterations = 0
  var warnings: [String] = []
}

/// τ² estimators for the intercept-only random-effects model yᵢ = μ + uᵢ + εᵢ,
/// uᵢ ~ N(0, τ²), εᵢ ~ N(0, vᵢ), computed as metafor's `rma.uni` computes them (metafor 3.8:
/// the same starting values, thresholds, step rules and truncation at 0), and the standard
/// errors metafor reports as `se.tau2`.
///
/// Notation: wᵢ = 1/(vᵢ + τ²), P = W − wwᵀ/Σw, Q(τ²) = yᵀPy = Σwᵢ(yᵢ − μ̂)².
enum TauSquared {
  /// Convergence threshold on the change of τ² between iterations (metafor `threshold`).
  static let threshold = 1e-5
  /// Maximum number of iterations (metafor `maxiter`).
  static let maxIterations = 100
  /// R's default root-finding tolerance, `.Machine$double.eps^0.25` (metafor `tol`).
  static let rootTolerance = 0.0001220703125

  static let fisherMessage =
    "Fisher scoring algorithm did not converge. See 'help(rma)' for possible remedies."

  static func estimate(_ s: Studies, method: TauSquaredEstimator) -> TauSquaredEstimate {
    let k = s.k
    guard k > 1 else {
      // metafor's "k1" case: τ² = 0 and no standard error.
      return TauSquaredEstimate(tau2: 0, standardError: nil)
    }
    switch method {
    case .FE: return TauSquaredEstimate(tau2: 0, standardError: nil)
    case .DL: return dersimonianLaird(s)
    case .HE: return hedges(s)
    case .HS: return hunterSchmidt(s)
    case .SJ: return sidikJonkman(s)
    case .ML, .REML, .EB: return fisherScoring(s, method: method)
    case .PM: return pauleMandel(s)
    }
  }

  /// The common variance formula of the moment estimators, metafor's
  /// √(c²(2A + 4τ²B + 2τ⁴C)) for the quadratic form's mean and variance.
  private static func momentSE(scale: Double, a: Double, b: Double, c: Double, tau2: Double) -> Double {
    let t = max(tau2, 0)
    return (scale * scale * (2 * a + 4 * t * b + 2 * t * t * c)).squareRoot()
  }

  /// DerSimonian & Laird (1986): τ̂² = max(0, (Q − (k − 1)) / tr P) with wᵢ = 1/vᵢ.
  static func dersimonianLaird(_ s: Studies) -> TauSquaredEstimate {
    let df = Double(s.k - 1)
    let m = s.moments(tau2: 0)
    let tau2 = max(0, (m.rss - df) / m.trP)
    let se = momentSE(scale: 1 / m.trP, a: df, b: m.trP, c: m.trPP, tau2: tau2)
    return TauSquaredEstimate(tau2: tau2, standardError: se)
  }

  /// Hedges (1983): τ̂² = max(0, (Σ(yᵢ − ȳ)² − (1 − 1/k)Σvᵢ) / (k − 1)).
  static func hedges(_ s: Studies) -> TauSquaredEstimate {
    let df = Double(s.k - 1)
    let trPV = s.sumV() * (1 - 1 / Double(s.k))
    let tau2 = max(0, (s.unweightedRSS() - trPV) / df)
    let pvpv = s.sumPSquared(tau2: 0, unitWeights: true, aIsV: true, bIsV: true)
    let se = momentSE(scale: 1 / df, a: pvpv, b: trPV, c: df, tau2: tau2)
    return TauSquaredEstimate(tau2: tau2, standardError: se)
  }

  /// Hunter & Schmidt (2004): τ̂² = max(0, (Q − k) / Σwᵢ) with wᵢ = 1/vᵢ.
  static func hunterSchmidt(_ s: Studies) -> TauSquaredEstimate {
    let df = Double(s.k - 1)
    let m = s.moments(tau2: 0)
    let tau2 = max(0, (m.rss - Double(s.k)) / m.sw)
    let se = momentSE(scale: 1 / m.sw, a: df, b: m.trP, c: m.trPP, tau2: tau2)
    return TauSquaredEstimate(tau2: tau2, standardError: se)
  }

  /// Sidik & Jonkman (2005): from τ̂₀² = Σ(yᵢ − ȳ)²/k, τ̂² = τ̂₀² Q(τ̂₀²)/(k − 1).
  static func sidikJonkman(_ s: Studies) -> TauSquaredEstimate {
    let df = Double(s.k - 1)
    let tau0 = s.unweightedRSS() / Double(s.k)
    let m = s.moments(tau2: tau0)
    let tau2 = max(0, tau0 * m.rss / df)
    let pvpv = s.sumPSquared(tau2: tau0, aIsV: true, bIsV: true)
    let pvp = s.sumPSquared(tau2: tau0, aIsV: false, bIsV: true)
    let se = momentSE(scale: tau0 / df, a: pvpv, b: pvp, c: m.trPP, tau2: tau2)
    return TauSquaredEstimate(tau2: tau2, standardError: se)
  }

  /// ML (Hardy & Thompson 1996), REML (Viechtbauer 2005) and empirical Bayes (Morris 1983) by
  /// metafor's Fisher scoring: from τ₀² = max(0, Hedges), repeat τ² ← τ² + δ with
  ///
  /// - ML:   δ = (yᵀPPy − Σwᵢ) / Σwᵢ²
  /// - REML: δ = (yᵀPPy − tr P) / tr PP
  /// - EB:   δ = (yᵀPy · k/(k − 1) − k) / Σwᵢ
  ///
  /// halving δ while τ² + δ < 0, until |Δτ²| ≤ 10⁻⁵; more than 100 steps is non-convergence.
  /// For ML and REML a converged τ² > 10⁻⁵ whose log-likelihood is below that at τ² = 0 by
  /// more than 1.22·10⁻⁴ is replaced by 0, with metafor's warning.
  static func fisherScoring(_ s: Studies, method: TauSquaredEstimator) -> TauSquaredEstimate {
    let kk = Double(s.k)
    var tau2 = hedges(s).tau2
    var change = threshold + 1
    var iterations = 0
    var converged = true
    while change > threshold {
      iterations += 1
      let old = tau2
      let m = s.moments(tau2: tau2)
      var adj: Double
      switch method {
      case .ML: adj = (m.rssW2 - m.sw) / m.sw2
      case .REML: adj = (m.rssW2 - m.trP) / m.trPP
      default: adj = (m.rss * kk / (kk - 1) - kk) / m.sw
      }
      if adj.isNaN { adj = 0 }
      guard adj.isFinite else {
        converged = false
        break
      }
      while tau2 + adj < 0 { adj /= 2 }
      tau2 += adj
      change = abs(old - tau2)
      if iterations > maxIterations {
        converged = false
        break
      }
    }
    var warnings: [String] = []
    if !converged { warnings.append(fisherMessage) }
    if converged && (method == .ML || method == .REML) && tau2 > threshold {
      let gain = logLikelihood(s, tau2: tau2, reml: method == .REML) - logLikelihood(s, tau2: 0, reml: method == .REML)
      if -gain > rootTolerance {
        warnings.append(
          "Fisher scoring algorithm may have gotten stuck at a local maximum. Setting tau^2 = 0. Check the profile likelihood plot with profile()."
        )
        tau2 = 0
      }
    }
    tau2 = max(0, tau2)
    let se: Double
    let m = s.moments(tau2: tau2)
    switch method {
    case .ML: se = (2 / m.sw2).squareRoot()
    case .REML: se = (2 / m.trPP).squareRoot()
    default: se = (2 * kk * kk / (kk - 1)).squareRoot() / m.sw
    }
    return TauSquaredEstimate(
      tau2: tau2, standardError: se, converged: converged, iterations: iterations, warnings: warnings)
  }

  /// The (restricted) log-likelihood at τ², up to the constant −(k − p)/2 · log 2π.
  static func logLikelihood(_ s: Studies, tau2: Double, reml: Bool) -> Double {
    let m = s.moments(tau2: tau2)
    var logDet = 0.0
    for x in s.v { logDet += log(x + tau2) }
    var ll = -0.5 * logDet - 0.5 * m.rss
    if reml { ll -= 0.5 * log(m.sw) }
    return ll
  }

  /// Paule & Mandel (1982): the root of Q(τ²) = k − 1 on [0, max(100, 10·mad(y)²)], found by
  /// R's `uniroot` (Brent's zeroin, tolerance 1.22·10⁻⁴, at most 100 iterations), or 0 when
  /// Q(0) < k − 1. The standard error is metafor's √(2k²/(k − 1)) / Σwᵢ.
  static func pauleMandel(_ s: Studies) -> TauSquaredEstimate {
    let kk = Double(s.k)
    let target = kk - 1
    let f: (Double) -> Double = { s.moments(tau2: $0).rss - target }
    let upper = max(100, 10 * pow(s.medianAbsoluteDeviation(), 2))
    let f0 = f(0)
    var result = TauSquaredEstimate(tau2: 0, standardError: nil)
    if f0 < 0 {
      result.tau2 = 0
    } else {
      let fUpper = f(upper)
      if fUpper > 0 {
        result.tau2 = upper
        result.converged = false
        result.warnings.append(
          "Value of 'tau2.max' too low. Try increasing 'tau2.max' or switch to another 'method'.")
      } else {
        let root = Zeroin.solve(
          lower: 0, upper: upper, fLower: f0, fUpper: fUpper, tolerance: rootTolerance,
          maxIterations: maxIterations, f)
        result.tau2 = root.x
        result.iterations = root.iterations
        if !root.converged {
          result.warnings.append("_NOT_ converged in \(maxIterations) iterations")
        }
      }
    }
    result.tau2 = max(0, result.tau2)
    let sw = s.moments(tau2: result.tau2).sw
    result.standardError = (2 * kk * kk / (kk - 1)).squareRoot() / sw
    return result
  }
}

/// Brent's root finder as R's `uniroot` runs it (R's `R_zeroin2`, after Brent 1973,
/// *Algorithms for Minimization without Derivatives*, ch. 4), step for step, so that a root found
/// to R's loose default tolerance lands where R's does.
enum Zeroin {
  /// - Returns: the root estimate, iterations used, and whether the tolerance was met.
  static func solve(
    lower ax: Double, upper bx: Double, fLower fa0: Double, fUpper fb0: Double,
    tolerance tol: Double, maxIterations: Int, _ f: (Double) -> Double
  ) -> (x: Double, iterations: Int, converged: Bool) {
    var a = ax
    var b = bx
    var fa = fa0
    var fb = fb0
    var c = a
    var fc = fa
    if fa == 0 { return (a, 0, true) }
    if fb == 0 { return (b, 0, true) }
    var remaining = maxIterations + 1
    let eps = Double.ulpOfOne
    while remaining > 0 {
      remaining -= 1
      let prevStep = b - a
      if abs(fc) < abs(fb) {
        a = b
        b = c
        c = a
        fa = fb
        fb = fc
        fc = fa
      }
      let tolAct = 2 * eps * abs(b) + tol / 2
      var newStep = (c - b) / 2
      if abs(newStep) <= tolAct || fb == 0 {
        return (b, maxIterations + 1 - remaining - 1, true)
      }
      if abs(prevStep) >= tolAct && abs(fa) > abs(fb) {
        var p: Double
        var q: Double
        let cb = c - b
        if a == c {
          let t1 = fb / fa
          p = cb * t1
          q = 1 - t1
        } else {
          let qq = fa / fc
          let t1 = fb / fc
          let t2 = fb / fa
          p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1))
          q = (qq - 1) * (t1 - 1) * (t2 - 1)
        }
        if p > 0 { q = -q } else { p = -p }
        if p < (0.75 * cb * q - abs(tolAct * q) / 2) && p < abs(prevStep * q / 2) {
          newStep = p / q
        }
      }
      if abs(newStep) < tolAct {
        newStep = newStep > 0 ? tolAct : -tolAct
      }
      a = b
      fa = fb
      b += newStep
      fb = f(b)
      if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
        c = a
        fc = fa
      }
    }
    return (b, maxIterations, false)
  }
}
