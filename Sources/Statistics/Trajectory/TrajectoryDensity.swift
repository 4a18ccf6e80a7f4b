import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The log posterior density of the trajectory model (see `TrajectoryData`) and its analytic
/// gradient, over the unconstrained parameter vector
///
///     θ = (z[1…T], log tau, eta[1…S], log sigmaB, u[1…G], log omega)
///
/// with `x[1] = levelCenter + levelScale·z[1]`, `x[t] = x[t-1] + tau·z[t]`, `b[s] = sigmaB·eta[s]`
/// (0 for the reference series), `e[g] = omega·u[g]`. The density is that of θ: standard
/// normals for `z`, `eta` and `u`, the half-normal priors of `tau`, `sigmaB` and `omega` with the
/// log-Jacobians `log tau`, `log sigmaB`, `log omega` of their log transforms (as Stan adds for
/// `<lower=0>`), and the statements' mixture likelihoods. Every normalising constant is
/// included, so the value is the log of a proper prior density of θ plus the log-likelihood.
/// The reference series' `eta` keeps its N(0, 1) prior but enters no likelihood.
///
/// An instance owns preallocated workspaces: evaluation allocates nothing, and one instance
/// must not be used from two threads at once (make one per chain). The point statements'
/// kernels come from `VectorMath.exp` (libmvec where the CPU has AVX2), so values can differ
/// in the last bits between machines, never between runs on one machine.
public final class TrajectoryDensity: LogDensityFunction {
  /// Length of θ: `T + S + G + 3`.
  public let dimension: Int
  /// `T`, the number of years.
  public let yearCount: Int
  /// `S`, the number of series.
  public let seriesCount: Int
  /// `G`, the number of evidence groups.
  public let groupCount: Int
  /// `N`, the number of statements.
  public let statementCount: Int

  /// Index of `log tau` in θ.
  public var logTauIndex: Int { yearCount }
  /// Index of `eta[0]` in θ.
  public var etaStart: Int { yearCount + 1 }
  /// Index of `log sigmaB` in θ.
  public var logSigmaBIndex: Int { yearCount + 1 + seriesCount }
  /// Index of `u[0]` in θ.
  public var uStart: Int { yearCount + 2 + seriesCount }
  /// Index of `log omega` in θ.
  public var logOmegaIndex: Int { yearCount + 2 + seriesCount + groupCount }

  // Statements in internal order (points, then lower/upper bounds, then intervals).
  let pointEnd: Int
  let boundEnd: Int
  /// The statement's index in `TrajectoryData.statements`, by internal position.
  let original: [Int]
  private let ints: UnsafeMutablePointer<Int>
  private let doubles: UnsafeMutablePointer<Double>
  private let yearOf: UnsafeMutablePointer<Int>
  private let seriesOf: UnsafeMutablePointer<Int>
  /// Group slot; `groupCount` (whose effect is 0) for a statement alone.
  private let groupOf: UnsafeMutablePointer<Int>
  /// 1 for a statement alone (omega is in its sd), 0 in a group.
  private let alone: UnsafeMutablePointer<Double>
  private let sigma2: UnsafeMutablePointer<Double>
  private let y: UnsafeMutablePointer<Double>
  private let low: UnsafeMutablePointer<Double>
  private let high: UnsafeMutablePointer<Double>
  /// +1 for `lower` (P = Φ((mu-y)/s)), -1 for `upper` (P = Φ((y-mu)/s)).
  private let side: UnsafeMutablePointer<Double>
  /// 0 for the reference series, 1 otherwise.
  private let biasMask: UnsafeMutablePointer<Double>
  // Workspaces.
  private let x: UnsafeMutablePointer<Double>
  private let b: UnsafeMutablePointer<Double>
  private let e: UnsafeMutablePointer<Double>
  private let gb: UnsafeMutablePointer<Double>
  private let ge: UnsafeMutablePointer<Double>
  /// Per point statement: `y - mu`, `1/s²`, `1/so²` and the inlier kernel `e^{-k}` (see
  /// `pointTerm`), the kernels computed together by `VectorMath.exp`.
  private let pointR: UnsafeMutablePointer<Double>
  private let pointInv1: UnsafeMutablePointer<Double>
  private let pointInv2: UnsafeMutablePointer<Double>
  private let pointKernel: UnsafeMutablePointer<Double>

  private let levelCenter: Double
  private let levelScale: Double
  private let inverseSmoothness2: Double
  private let inverseBias2: Double
  private let inverseError2: Double
  private let outlierVariance: Double
  private let p: Double
  private let logP: Double
  private let logOneMinusP: Double
  private let constant: Double

  /// Prepares the density of `data`.
  ///
  /// - Throws: `StatisticsError.invalidInput` when `data` fails `TrajectoryData.validate()`.
  public init(_ data: TrajectoryData) throws(StatisticsError) {
    try data.validate()
    let t = data.years.count
    let s = data.series.count
    let g = data.groups.count
    let n = data.statements.count
    yearCount = t
    seriesCount = s
    groupCount = g
    statementCount = n
    dimension = t + s + g + 3
    let byKind: (TrajectoryObservationKind) -> [Int] = { kind in
      data.statements.indices.filter { data.statements[$0].kind == kind }
    }
    let points = byKind(.point)
    let bounds = byKind(.lower) + byKind(.upper)
    original = points + bounds + byKind(.interval)
    pointEnd = points.count
    boundEnd = points.count + bounds.count

    ints = .allocate(capacity: 3 * n)
    yearOf = ints
    seriesOf = ints + n
    groupOf = ints + 2 * n
    let doubleCount = 10 * n + s + t + s + (g + 1) + s + (g + 1)
    doubles = .allocate(capacity: doubleCount)
    doubles.initialize(repeating: 0, count: doubleCount)
    alone = doubles
    sigma2 = doubles + n
    y = doubles + 2 * n
    low = doubles + 3 * n
    high = doubles + 4 * n
    side = doubles + 5 * n
    biasMask = doubles + 6 * n
    x = biasMask + s
    b = x + t
    e = b + s
    gb = e + (g + 1)
    ge = gb + s
    pointR = ge + (g + 1)
    pointInv1 = pointR + n
    pointInv2 = pointInv1 + n
    pointKernel = pointInv2 + n

    for (k, i) in original.enumerated() {
      let st = data.statements[i]
      (yearOf + k).initialize(to: st.year)
      (seriesOf + k).initialize(to: st.series)
      (groupOf + k).initialize(to: st.group ?? g)
      alone[k] = st.group == nil ? 1 : 0
      sigma2[k] = st.sigma * st.sigma
      y[k] = st.y
      low[k] = st.low
      high[k] = st.high
      side[k] = st.kind == .upper ? -1 : 1
    }
    for k in 0..<s { biasMask[k] = k == data.reference ? 0 : 1 }

    let pr = data.priors
    levelCenter = pr.levelCenter
    levelScale = pr.levelScale
    inverseSmoothness2 = 1 / (pr.smoothnessScale * pr.smoothnessScale)
    inverseBias2 = 1 / (pr.biasScale * pr.biasScale)
    inverseError2 = 1 / (pr.errorScale * pr.errorScale)
    outlierVariance = pr.outlierScale * pr.outlierScale
    p = pr.outlierProbability
    logP = log(p)
    logOneMinusP = log1p(-p)
    // Standard normals (z, eta, u), three half-normals, and the points' 1/√(2π).
    let halfNormal = log(2.0) - NormalTails.halfLogTwoPi
    constant =
      -Double(t + s + g + points.count) * NormalTails.halfLogTwoPi + 3 * halfNormal
      - log(pr.smoothnessScale) - log(pr.biasScale) - log(pr.errorScale)
  }

  deinit {
    ints.deallocate()
    doubles.deallocate()
  }

  /// One statement's likelihood as `exp(logPart)·factor` (the factor, a probability or density
  /// of moderate size, is multiplied into a running product so that most statements cost no
  /// `log`), its derivatives with respect to `mu` and to its inlier variance `s²`, and its
  /// outlier responsibility `p·f_out / ((1-p)·f_in + p·f_out)`.
  struct Term {
    var logPart: Double
    var factor: Double
    var dMu: Double
    var dS2: Double
    var outlier: Double
  }

  /// A point statement, less its constant `-½log 2π`: with `r = y - mu`,
  /// `(1-p)/s·e^{-r²/2s²} + p/so·e^{-r²/2so²}` as `e^{-r²/2so²}·((1-p)/s·e^{-k} + p/so)`,
  /// `k = r²/2·(1/s² - 1/so²) ≥ 0`: no overflow, and an inlier term that underflows leaves the
  /// outlier term.
  /// Given `r = y - mu`, `inv1 = 1/s²`, `inv2 = 1/so²` and `kernel = e^{-k}`.
  @inline(__always)
  func pointTerm(r: Double, inv1: Double, inv2: Double, kernel: Double) -> Term {
    let r2 = r * r
    let inlier = (1 - p) * inv1.squareRoot() * kernel
    let outlier = p * inv2.squareRoot()
    let total = inlier + outlier
    let inverseTotal = 1 / total
    let wIn = inlier * inverseTotal
    let wOut = outlier * inverseTotal
    let dMu = (wIn * inv1 + wOut * inv2) * r
    let dS2 = 0.5 * (wIn * (r2 * inv1 - 1) * inv1 + wOut * (r2 * inv2 - 1) * inv2)
    return Term(logPart: -0.5 * r2 * inv2, factor: total, dMu: dMu, dS2: dS2, outlier: wOut)
  }

  /// A lower (`side` +1) or upper (`side` -1) bound: the mixture of `Φ(side·(mu-y)/s)` and
  /// `Φ(side·(mu-y)/so)`; summed directly while `Φ` is a normal double, else in log space.
  @inline(__always)
  func boundTerm(_ k: Int, mu: Double, s2: Double) -> Term {
    let inverseS = 1 / s2.squareRoot()
    let inverseSo = 1 / (s2 + outlierVariance).squareRoot()
    let d = side[k] * (mu - y[k])
    let v1 = d * inverseS
    let v2 = d * inverseSo
    var term = Term(logPart: 0, factor: 1, dMu: 0, dS2: 0, outlier: 0)
    let g1: Double
    let g2: Double
    if v1 > NormalTails.tailCut {
      let (c1, k1) = Normal.cdfAndKernel(v1)
      let (c2, k2) = Normal.cdfAndKernel(v2)
      let inlier = (1 - p) * c1
      let outlier = p * c2
      let total = inlier + outlier
      let inverseTotal = 1 / total
      term.factor = total
      term.outlier = outlier * inverseTotal
      let scale = NormalTails.inverseSqrtTwoPi * inverseTotal
      g1 = (1 - p) * k1 * scale
      g2 = p * k2 * scale
    } else {
      let (l1, m1) = NormalTails.logCDFAndMills(v1)
      let (l2, m2) = NormalTails.logCDFAndMills(v2)
      let mix = Self.logSumExp(logOneMinusP + l1, logP + l2)
      term.logPart = mix.value
      term.outlier = mix.second
      g1 = mix.first * m1
      g2 = mix.second * m2
    }
    term.dMu = side[k] * (g1 * inverseS + g2 * inverseSo)
    term.dS2 = -0.5 * (g1 * v1 * inverseS * inverseS + g2 * v2 * inverseSo * inverseSo)
    return term
  }

  /// An interval `low < y* < high`: the mixture of `Φ((high-mu)/s) - Φ((low-mu)/s)` and the same
  /// with `so`. Summed directly (`NormalTails.intervalMass`) while both masses are normal
  /// doubles, else in log space (`NormalTails.logIntervalMass`).
  @inline(__always)
  func intervalTerm(_ k: Int, mu: Double, s2: Double) -> Term {
    let inverseS = 1 / s2.squareRoot()
    let inverseSo = 1 / (s2 + outlierVariance).squareRoot()
    let a1 = (low[k] - mu) * inverseS
    let b1 = (high[k] - mu) * inverseS
    let a2 = (low[k] - mu) * inverseSo
    let b2 = (high[k] - mu) * inverseSo
    let p1 = NormalTails.intervalMass(a1, b1)
    let p2 = NormalTails.intervalMass(a2, b2)
    if p1 > 1e-280 && p2 > 1e-280 {
      let inlier = (1 - p) * p1
      let outlier = p * p2
      let total = inlier + outlier
      let inverseTotal = 1 / total
      let w1 = (1 - p) * NormalTails.inverseSqrtTwoPi * inverseTotal
      let w2 = p * NormalTails.inverseSqrtTwoPi * inverseTotal
      let fa1 = exp(-0.5 * a1 * a1)
      let fb1 = exp(-0.5 * b1 * b1)
      let fa2 = exp(-0.5 * a2 * a2)
      let fb2 = exp(-0.5 * b2 * b2)
      let dMu = -(w1 * (fb1 - fa1) * inverseS + w2 * (fb2 - fa2) * inverseSo)
      let dS2 =
        -0.5
        * (w1 * (b1 * fb1 - a1 * fa1) * inverseS * inverseS + w2 * (b2 * fb2 - a2 * fa2) * inverseSo * inverseSo)
      return Term(logPart: 0, factor: total, dMu: dMu, dS2: dS2, outlier: outlier * inverseTotal)
    }
    let r1 = NormalTails.logIntervalMass(a1, b1)
    let r2 = NormalTails.logIntervalMass(a2, b2)
    let mix = Self.logSumExp(logOneMinusP + r1.logP, logP + r2.logP)
    let dMu = -(mix.first * (r1.dA + r1.dB) * inverseS + mix.second * (r2.dA + r2.dB) * inverseSo)
    let dS2 =
      -0.5
      * (mix.first * (r1.dA * a1 + r1.dB * b1) * inverseS * inverseS + mix.second * (r2.dA * a2 + r2.dB * b2)
        * inverseSo * inverseSo)
    return Term(logPart: mix.value, factor: 1, dMu: dMu, dS2: dS2, outlier: mix.second)
  }

  /// `log(eᵃ + eᵇ)` and the shares `eᵃ/(eᵃ + eᵇ)`, `eᵇ/(eᵃ + eᵇ)`.
  @inline(__always)
  static func logSumExp(_ a: Double, _ b: Double) -> (value: Double, first: Double, second: Double) {
    let m = max(a, b)
    if m == -.infinity { return (-.infinity, 0.5, 0.5) }
    let ea = exp(a - m)
    let eb = exp(b - m)
    let total = ea + eb
    return (m + log(total), ea / total, eb / total)
  }

  /// Fills the workspaces `x`, `b`, `e` from θ; returns `(tau, sigmaB, omega)`.
  @inline(__always)
  private func effects(_ theta: UnsafePointer<Double>) -> (tau: Double, sigmaB: Double, omega: Double) {
    let tau = exp(theta[logTauIndex])
    let sigmaB = exp(theta[logSigmaBIndex])
    let omega = exp(theta[logOmegaIndex])
    var level = levelCenter + levelScale * theta[0]
    x[0] = level
    for t in 1..<yearCount {
      level += tau * theta[t]
      x[t] = level
    }
    for s in 0..<seriesCount { b[s] = biasMask[s] * sigmaB * theta[etaStart + s] }
    for g in 0..<groupCount { e[g] = omega * theta[uStart + g] }
    e[groupCount] = 0
    return (tau, sigmaB, omega)
  }

  /// The log density at θ (`dimension` values); writes its gradient into `gradient`.
  /// Non-finite θ gives a NaN or infinite value, never a trap.
  public func logDensity(_ theta: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>) -> Double {
    let (tau, sigmaB, omega) = effects(theta)
    let omega2 = omega * omega
    let gx = gradient  // ∂/∂x accumulates in the z slots, then is carried back to z
    for t in 0..<yearCount { gx[t] = 0 }
    for s in 0..<seriesCount { gb[s] = 0 }
    for g in 0...groupCount { ge[g] = 0 }
    var lp = constant
    var product = 1.0  // Π of the terms' factors not yet in lp, kept within [1e-200, 1e200]
    var dOmega2 = 0.0  // Σ over statements alone of ∂ℓ/∂s², since ∂s²/∂ω² = 1
    @inline(__always) func add(_ k: Int, _ term: Term) {
      lp += term.logPart
      let f = term.factor
      if f > 1e-100 && f < 1e100 {
        product *= f
        if !(product > 1e-200 && product < 1e200) {
          lp += log(product)
          product = 1
        }
      } else {
        lp += log(f)
      }
      gx[yearOf[k]] += term.dMu
      gb[seriesOf[k]] += term.dMu
      ge[groupOf[k]] += term.dMu
      dOmega2 += alone[k] * term.dS2
    }
    for k in 0..<pointEnd {
      let r = y[k] - (x[yearOf[k]] + b[seriesOf[k]] + e[groupOf[k]])
      let s2 = sigma2[k] + alone[k] * omega2
      let inv1 = 1 / s2
      let inv2 = 1 / (s2 + outlierVariance)
      pointR[k] = r
      pointInv1[k] = inv1
      pointInv2[k] = inv2
      pointKernel[k] = -0.5 * r * r * (inv1 - inv2)
    }
    VectorMath.exp(
      UnsafeBufferPointer(start: pointKernel, count: pointEnd),
      into: UnsafeMutableBufferPointer(start: pointKernel, count: pointEnd))
    for k in 0..<pointEnd {
      add(k, pointTerm(r: pointR[k], inv1: pointInv1[k], inv2: pointInv2[k], kernel: pointKernel[k]))
    }
    for k in pointEnd..<boundEnd {
      let mu = x[yearOf[k]] + b[seriesOf[k]] + e[groupOf[k]]
      add(k, boundTerm(k, mu: mu, s2: sigma2[k] + alone[k] * omega2))
    }
    for k in boundEnd..<statementCount {
      let mu = x[yearOf[k]] + b[seriesOf[k]] + e[groupOf[k]]
      add(k, intervalTerm(k, mu: mu, s2: sigma2[k] + alone[k] * omega2))
    }

    lp += log(product)

    // Random walk: ∂/∂z[t] = tau·Σ_{u≥t} ∂/∂x[u] (levelScale for t = 0), plus the N(0, 1) prior.
    var run = 0.0
    var dTau = 0.0
    var zz = 0.0
    var t = yearCount - 1
    while t > 0 {
      let z = theta[t]
      run += gx[t]
      dTau += z * run
      gx[t] = tau * run - z
      zz += z * z
      t -= 1
    }
    run += gx[0]
    gx[0] = levelScale * run - theta[0]
    zz += theta[0] * theta[0]
    lp -= 0.5 * zz
    let tau2 = tau * tau * inverseSmoothness2
    lp += -0.5 * tau2 + theta[logTauIndex]
    gradient[logTauIndex] = tau * dTau - tau2 + 1

    var dSigmaB = 0.0
    var etaEta = 0.0
    for s in 0..<seriesCount {
      let eta = theta[etaStart + s]
      let gbs = biasMask[s] * gb[s]
      gradient[etaStart + s] = sigmaB * gbs - eta
      dSigmaB += eta * gbs
      etaEta += eta * eta
    }
    let sigmaB2 = sigmaB * sigmaB * inverseBias2
    lp += -0.5 * etaEta - 0.5 * sigmaB2 + theta[logSigmaBIndex]
    gradient[logSigmaBIndex] = sigmaB * dSigmaB - sigmaB2 + 1

    var dOmega = 2 * omega * dOmega2
    var uu = 0.0
    for g in 0..<groupCount {
      let u = theta[uStart + g]
      gradient[uStart + g] = omega * ge[g] - u
      dOmega += u * ge[g]
      uu += u * u
    }
    let omegaTerm = omega2 * inverseError2
    lp += -0.5 * uu - 0.5 * omegaTerm + theta[logOmegaIndex]
    gradient[logOmegaIndex] = omega * dOmega - omegaTerm + 1
    return lp
  }

  /// Natural-parameter values of one θ: the log-level per year, the log-bias per series, each
  /// statement's `mu` and outlier responsibility (both in `TrajectoryData.statements` order),
  /// and the hyperparameters. Writes `yearCount`, `seriesCount`, `statementCount` and
  /// `statementCount` values; allocates nothing.
  public func quantities(
    _ theta: UnsafePointer<Double>, logLevels: UnsafeMutablePointer<Double>, biases: UnsafeMutablePointer<Double>,
    mu: UnsafeMutablePointer<Double>, outlier: UnsafeMutablePointer<Double>
  ) -> (tau: Double, sigmaB: Double, omega: Double) {
    let hyper = effects(theta)
    let omega2 = hyper.omega * hyper.omega
    for t in 0..<yearCount { logLevels[t] = x[t] }
    for s in 0..<seriesCount { biases[s] = b[s] }
    for k in 0..<statementCount {
      let m = x[yearOf[k]] + b[seriesOf[k]] + e[groupOf[k]]
      let s2 = sigma2[k] + alone[k] * omega2
      let term: Term
      if k < pointEnd {
        let r = y[k] - m
        let inv1 = 1 / s2
        let inv2 = 1 / (s2 + outlierVariance)
        term = pointTerm(r: r, inv1: inv1, inv2: inv2, kernel: exp(-0.5 * r * r * (inv1 - inv2)))
      } else {
        term = k < boundEnd ? boundTerm(k, mu: m, s2: s2) : intervalTerm(k, mu: m, s2: s2)
      }
      mu[original[k]] = m
      outlier[original[k]] = term.outlier
    }
    return hyper
  }

  /// `logDensity` on arrays (for tests and scripts; allocates nothing beyond its arguments).
  /// NaN when either array does not hold `dimension` values.
  public func logDensity(_ theta: [Double], gradient: inout [Double]) -> Double {
    guard theta.count == dimension, gradient.count == dimension else { return .nan }
    return theta.withUnsafeBufferPointer { th in
      gradient.withUnsafeMutableBufferPointer { g in
        guard let th = th.baseAddress, let g = g.baseAddress else { return .nan }
        return logDensity(th, gradient: g)
      }
    }
  }
}
