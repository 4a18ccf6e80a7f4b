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
/// kernels, and the bounds' and intervals' `erfc`, `erf` and kernels, come from `VectorMath`
/// (libmvec where the CPU has AVX2), so values can differ in the last bits between machines,
/// never between runs on one machine.
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
  let y: UnsafeMutablePointer<Double>
  let low: UnsafeMutablePointer<Double>
  let high: UnsafeMutablePointer<Double>
  /// +1 for `lower` (P = Φ((mu-y)/s)), -1 for `upper` (P = Φ((y-mu)/s)).
  let side: UnsafeMutablePointer<Double>
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
  /// The bounds' and intervals' workspaces (`logDensity`): per bound (j = k - pointEnd) two
  /// standardised distances `v`, their `erfc` arguments then values, their kernels' exponents
  /// then kernels, `1/s` and `1/so`, `mu` and `s²`; per interval (j = k - boundEnd) four
  /// standardised ends, their `erf`/`erfc` arguments (two per mass), those arguments' `erf` and
  /// `erfc`, the ends' kernels, `1/s` and `1/so`, `mu` and `s²`, and per mass 1 where it
  /// straddles 0 (`NormalTails.intervalArguments`).
  private let boundV: UnsafeMutablePointer<Double>
  private let boundErfc: UnsafeMutablePointer<Double>
  private let boundKernel: UnsafeMutablePointer<Double>
  private let boundScale: UnsafeMutablePointer<Double>
  private let boundMuS2: UnsafeMutablePointer<Double>
  private let intervalEnds: UnsafeMutablePointer<Double>
  private let intervalErf: UnsafeMutablePointer<Double>
  private let intervalErfc: UnsafeMutablePointer<Double>
  private let intervalKernel: UnsafeMutablePointer<Double>
  private let intervalScale: UnsafeMutablePointer<Double>
  private let intervalMuS2: UnsafeMutablePointer<Double>
  private let intervalStraddles: UnsafeMutablePointer<Double>

  /// The coordinates of θ (see `TrajectoryParameterisation`).
  public let parameterisation: TrajectoryParameterisation
  /// Per year and per series, `k` of the weight `k/4` (4: non-centred); see
  /// `TrajectoryParameterisation`.
  private let stepPower: UnsafeMutablePointer<Int>
  private let biasPower: UnsafeMutablePointer<Int>
  /// θ holds the log-levels less `levelCenter` (`TrajectoryParameterisation.centredLevels`).
  private let centredLevels: Bool
  /// Centred levels of a lone series: θ[t] holds what the series states, `x[t] + b`, less
  /// `levelCenter`, so that `x[t] = levelCenter + θ[t] - b` (a shift, Jacobian 1). The data say
  /// nothing of a lone series' bias, only of `x + b`: in θ = x the two share a ridge the
  /// sampler crawls along; here the likelihood holds θ alone and `b` keeps its prior.
  private let levelsCarryBias: Bool
  private let inverseLevelScale2: Double
  private let logLevelScale: Double
  /// `tau^(k/4)` and `sigmaB^(k/4)`, k = 0…4, at the last θ (`effects`).
  private let powers: UnsafeMutablePointer<Double>
  private let signedOmega: Bool
  private let logTwo = log(2.0)
  private let levelCenter: Double
  private let levelScale: Double
  private let inverseSmoothness2: Double
  private let inverseBias2: Double
  private let inverseError2: Double
  let outlierVariance: Double
  let p: Double
  let logP: Double
  let logOneMinusP: Double
  private let constant: Double

  /// Prepares the density of `data`.
  ///
  /// - Throws: `StatisticsError.invalidInput` when `data` fails `TrajectoryData.validate()`.
  public init(
    _ data: TrajectoryData, parameterisation: TrajectoryParameterisation = .nonCentred
  ) throws(StatisticsError) {
    try data.validate()
    self.parameterisation = parameterisation
    stepPower = .allocate(capacity: data.years.count + data.series.count)
    biasPower = stepPower + data.years.count
    for t in 0..<data.years.count {
      (stepPower + t).initialize(to: t == 0 ? 4 : TrajectoryParameterisation.quarters(parameterisation.stepWeights, t))
    }
    for k in 0..<data.series.count {
      let power = k == data.reference ? 4 : TrajectoryParameterisation.quarters(parameterisation.biasWeights, k)
      (biasPower + k).initialize(to: power)
    }
    centredLevels = parameterisation.centredLevels
    levelsCarryBias = parameterisation.centredLevels && data.series.count == 1
    inverseLevelScale2 = 1 / (data.priors.levelScale * data.priors.levelScale)
    logLevelScale = log(data.priors.levelScale)
    powers = .allocate(capacity: 10)
    powers.initialize(repeating: 1, count: 10)
    signedOmega = parameterisation.signedOmega
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
    let nb = bounds.count
    let ni = n - points.count - bounds.count
    let doubleCount = 10 * n + s + t + s + (g + 1) + s + (g + 1) + 10 * nb + 22 * ni
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
    boundV = pointKernel + n
    boundErfc = boundV + 2 * nb
    boundKernel = boundErfc + 2 * nb
    boundScale = boundKernel + 2 * nb
    boundMuS2 = boundScale + 2 * nb
    intervalEnds = boundMuS2 + 2 * nb
    intervalErf = intervalEnds + 4 * ni
    intervalErfc = intervalErf + 4 * ni
    intervalKernel = intervalErfc + 4 * ni
    intervalScale = intervalKernel + 4 * ni
    intervalMuS2 = intervalScale + 2 * ni
    intervalStraddles = intervalMuS2 + 2 * ni

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
    stepPower.deallocate()
    powers.deallocate()
    ints.deallocate()
    doubles.deallocate()
  }

  /// Fills the workspaces `x`, `b`, `e` from θ; returns `(tau, sigmaB, omega)`.
  @inline(__always)
  private func effects(_ theta: UnsafePointer<Double>) -> (tau: Double, sigmaB: Double, omega: Double) {
    let tau = exp(theta[logTauIndex])
    let sigmaB = exp(theta[logSigmaBIndex])
    // Signed: omega's draw is w itself (|w| reported), e = w·u.
    let omega = signedOmega ? theta[logOmegaIndex] : exp(theta[logOmegaIndex])
    Self.fillPowers(powers, tau)
    Self.fillPowers(powers + 5, sigmaB)
    for s in 0..<seriesCount { b[s] = biasMask[s] * powers[5 + biasPower[s]] * theta[etaStart + s] }
    if centredLevels {
      let shift = levelsCarryBias ? b[0] : 0
      for t in 0..<yearCount { x[t] = levelCenter + theta[t] - shift }
    } else {
      var level = levelCenter + levelScale * theta[0]
      x[0] = level
      for t in 1..<yearCount {
        level += powers[stepPower[t]] * theta[t]
        x[t] = level
      }
    }
    for g in 0..<groupCount { e[g] = omega * theta[uStart + g] }
    e[groupCount] = 0
    return (tau, sigmaB, omega)
  }

  /// The statements' running sums in `logDensity`.
  struct Sums {
    var lp: Double
    /// Π of the terms' factors not yet in `lp`, kept within [1e-200, 1e200].
    var product = 1.0
    /// Σ over statements alone of ∂ℓ/∂s², since ∂s²/∂ω² = 1.
    var dOmega2 = 0.0
  }

  /// Adds statement `k`'s term to the sums and its ∂ℓ/∂mu to its year's, series' and group's
  /// gradients (`gx`: ∂/∂x by year).
  @inline(__always)
  private func accumulate(_ k: Int, _ term: Term, _ gx: UnsafeMutablePointer<Double>, _ sums: inout Sums) {
    sums.lp += term.logPart
    let f = term.factor
    if f > 1e-100 && f < 1e100 {
      sums.product *= f
      if !(sums.product > 1e-200 && sums.product < 1e200) {
        sums.lp += log(sums.product)
        sums.product = 1
      }
    } else {
      sums.lp += log(f)
    }
    gx[yearOf[k]] += term.dMu
    gb[seriesOf[k]] += term.dMu
    ge[groupOf[k]] += term.dMu
    sums.dOmega2 += alone[k] * term.dS2
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
    // The running sums live in one struct passed inout: captured by a nested function, as
    // they were, each loop over the statements began dynamically checked accesses.
    var sums = Sums(lp: constant)
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
      accumulate(
        k, pointTerm(r: pointR[k], inv1: pointInv1[k], inv2: pointInv2[k], kernel: pointKernel[k]), gx, &sums)
    }
    // Bounds and intervals: every erfc, erf and kernel of them at once (`VectorMath`, four at
    // a time: a fifth of an erfc's cost), then each term (`boundMixture`, `intervalMixture`);
    // the far tails, where these underflow, one by one in log space (`boundTerm`,
    // `intervalTerm`).
    let boundCount = boundEnd - pointEnd
    for j in 0..<boundCount {
      let k = pointEnd + j
      let mu = x[yearOf[k]] + b[seriesOf[k]] + e[groupOf[k]]
      let s2 = sigma2[k] + alone[k] * omega2
      let (inverseS, inverseSo, v1, v2) = boundDistances(k, mu: mu, s2: s2)
      boundV[2 * j] = v1
      boundV[2 * j + 1] = v2
      boundErfc[2 * j] = Normal.cdfArgument(v1)
      boundErfc[2 * j + 1] = Normal.cdfArgument(v2)
      boundKernel[2 * j] = -0.5 * v1 * v1
      boundKernel[2 * j + 1] = -0.5 * v2 * v2
      boundScale[2 * j] = inverseS
      boundScale[2 * j + 1] = inverseSo
      boundMuS2[2 * j] = mu
      boundMuS2[2 * j + 1] = s2
    }
    if boundCount > 0 {
      let erfcs = UnsafeMutableBufferPointer(start: boundErfc, count: 2 * boundCount)
      VectorMath.erfc(UnsafeBufferPointer(erfcs), into: erfcs)
      let kernels = UnsafeMutableBufferPointer(start: boundKernel, count: 2 * boundCount)
      VectorMath.exp(UnsafeBufferPointer(kernels), into: kernels)
    }
    for j in 0..<boundCount {
      let k = pointEnd + j
      let v1 = boundV[2 * j]
      if v1 > NormalTails.tailCut {
        let v2 = boundV[2 * j + 1]
        let k1 = boundKernel[2 * j]
        let k2 = boundKernel[2 * j + 1]
        let term = boundMixture(
          k, v1: v1, v2: v2, inverseS: boundScale[2 * j], inverseSo: boundScale[2 * j + 1],
          c1: Normal.cdf(v1, erfcOfArgument: boundErfc[2 * j], kernel: k1), k1: k1,
          c2: Normal.cdf(v2, erfcOfArgument: boundErfc[2 * j + 1], kernel: k2), k2: k2)
        accumulate(k, term, gx, &sums)
      } else {
        accumulate(k, boundTerm(k, mu: boundMuS2[2 * j], s2: boundMuS2[2 * j + 1]), gx, &sums)
      }
    }
    let intervalCount = statementCount - boundEnd
    for j in 0..<intervalCount {
      let k = boundEnd + j
      let mu = x[yearOf[k]] + b[seriesOf[k]] + e[groupOf[k]]
      let s2 = sigma2[k] + alone[k] * omega2
      let (inverseS, inverseSo, a1, b1, a2, b2) = standardisedEnds(k, mu: mu, s2: s2)
      let ends = intervalEnds + 4 * j
      ends[0] = a1
      ends[1] = b1
      ends[2] = a2
      ends[3] = b2
      let (f1, s1, straddles1) = NormalTails.intervalArguments(a1, b1)
      let (f2, s2Argument, straddles2) = NormalTails.intervalArguments(a2, b2)
      let arguments = intervalErf + 4 * j
      arguments[0] = f1
      arguments[1] = s1
      arguments[2] = f2
      arguments[3] = s2Argument
      intervalStraddles[2 * j] = straddles1 ? 1 : 0
      intervalStraddles[2 * j + 1] = straddles2 ? 1 : 0
      let kernels = intervalKernel + 4 * j
      kernels[0] = -0.5 * a1 * a1
      kernels[1] = -0.5 * b1 * b1
      kernels[2] = -0.5 * a2 * a2
      kernels[3] = -0.5 * b2 * b2
      intervalScale[2 * j] = inverseS
      intervalScale[2 * j + 1] = inverseSo
      intervalMuS2[2 * j] = mu
      intervalMuS2[2 * j + 1] = s2
    }
    if intervalCount > 0 {
      let arguments = UnsafeBufferPointer(start: intervalErf, count: 4 * intervalCount)
      VectorMath.erfc(arguments, into: UnsafeMutableBufferPointer(start: intervalErfc, count: 4 * intervalCount))
      VectorMath.erf(arguments, into: UnsafeMutableBufferPointer(start: intervalErf, count: 4 * intervalCount))
      let kernels = UnsafeMutableBufferPointer(start: intervalKernel, count: 4 * intervalCount)
      VectorMath.exp(UnsafeBufferPointer(kernels), into: kernels)
    }
    for j in 0..<intervalCount {
      let k = boundEnd + j
      let f = intervalErf + 4 * j
      let c = intervalErfc + 4 * j
      let p1 = intervalStraddles[2 * j] == 1 ? 0.5 * (f[0] + f[1]) : 0.5 * (c[0] - c[1])
      let p2 = intervalStraddles[2 * j + 1] == 1 ? 0.5 * (f[2] + f[3]) : 0.5 * (c[2] - c[3])
      if p1 > Self.smallestMass && p2 > Self.smallestMass {
        let ends = intervalEnds + 4 * j
        let kernels = intervalKernel + 4 * j
        let term = intervalMixture(
          a1: ends[0], b1: ends[1], a2: ends[2], b2: ends[3], inverseS: intervalScale[2 * j],
          inverseSo: intervalScale[2 * j + 1], p1: p1, p2: p2, fa1: kernels[0], fb1: kernels[1], fa2: kernels[2],
          fb2: kernels[3])
        accumulate(k, term, gx, &sums)
      } else {
        accumulate(k, intervalTerm(k, mu: intervalMuS2[2 * j], s2: intervalMuS2[2 * j + 1]), gx, &sums)
      }
    }

    var lp = sums.lp + log(sums.product)
    let dOmega2 = sums.dOmega2

    let dTau = centredLevels ? levelPrior(gx, &lp, tau: tau) : walkBack(theta, gx, &lp, tau: tau)
    if levelsCarryBias {
      // b moves every x[t] by -b: ∂ℓ/∂b gains -Σ ∂ℓ/∂x[t] (gx is ∂ℓ/∂x in full by now).
      var total = 0.0
      for t in 0..<yearCount { total += gx[t] }
      gb[0] -= total
    }
    let tau2 = tau * tau * inverseSmoothness2
    lp += -0.5 * tau2 + theta[logTauIndex]
    gradient[logTauIndex] = dTau - tau2 + 1

    // Biases as the walk's steps, with sigmaB (the reference's eta: free, non-centred).
    var dSigmaB = 0.0
    var etaEta = 0.0
    var partialSigmaB = 0.0
    var partialLogSigmaB = 0.0
    let inverseSigmaB = 1 / sigmaB
    for s in 0..<seriesCount {
      let eta = theta[etaStart + s]
      let gbs = biasMask[s] * gb[s]
      let k = biasPower[s]
      if k == 4 {
        gradient[etaStart + s] = sigmaB * gbs - eta
        dSigmaB += eta * gbs
        etaEta += eta * eta
      } else {
        let a = powers[5 + k]
        let ratio = a * inverseSigmaB
        let precision = ratio * ratio
        let w = 0.25 * Double(k)
        gradient[etaStart + s] = a * gbs - eta * precision
        let scaled = eta * eta * precision
        partialSigmaB += w * a * eta * gbs + (1 - w) * (scaled - 1)
        etaEta += scaled
        partialLogSigmaB += 1 - w
      }
    }
    if partialLogSigmaB > 0 { lp -= partialLogSigmaB * log(sigmaB) }
    dSigmaB = dSigmaB * sigmaB + partialSigmaB
    let sigmaB2 = sigmaB * sigmaB * inverseBias2
    lp += -0.5 * etaEta - 0.5 * sigmaB2 + theta[logSigmaBIndex]
    gradient[logSigmaBIndex] = dSigmaB - sigmaB2 + 1

    var dOmega = 2 * omega * dOmega2
    var uu = 0.0
    for g in 0..<groupCount {
      let u = theta[uStart + g]
      gradient[uStart + g] = omega * ge[g] - u
      dOmega += u * ge[g]
      uu += u * u
    }
    let omegaTerm = omega2 * inverseError2
    if signedOmega {
      // w ~ N(0, errorScale), omega = |w|: half the half-normal's density, no Jacobian.
      lp += -0.5 * uu - 0.5 * omegaTerm - logTwo
      gradient[logOmegaIndex] = dOmega - omega * inverseError2
    } else {
      lp += -0.5 * uu - 0.5 * omegaTerm + theta[logOmegaIndex]
      gradient[logOmegaIndex] = omega * dOmega - omegaTerm + 1
    }
    return lp
  }

  /// The walk's prior in non-centred or partially centred steps, and the gradient carried
  /// back from x to θ: `run` is ∂ℓ/∂x[t] in full (x[t+1] moves with x[t]). A step of weight
  /// w = k/4 is d = a·v with a = tau^w and v ~ N(0, tau/a): ∂/∂v = a·run - v·(a/tau)²,
  /// ∂/∂log tau = w·a·v·run + (1 - w)·(v²·(a/tau)² - 1). Non-centred (k = 4): a = tau.
  /// Returns the walk's ∂ℓ/∂log tau.
  @inline(__always)
  private func walkBack(
    _ theta: UnsafePointer<Double>, _ gx: UnsafeMutablePointer<Double>, _ lp: inout Double, tau: Double
  ) -> Double {
    var run = 0.0
    var dTau = 0.0
    var zz = 0.0
    var partialTau = 0.0
    var partialSquares = 0.0
    var partialLogTau = 0.0
    let inverseTau = 1 / tau
    var t = yearCount - 1
    while t > 0 {
      let z = theta[t]
      run += gx[t]
      let k = stepPower[t]
      if k == 4 {
        dTau += z * run
        gx[t] = tau * run - z
        zz += z * z
      } else {
        let a = powers[k]
        let ratio = a * inverseTau
        let precision = ratio * ratio
        let w = 0.25 * Double(k)
        gx[t] = a * run - z * precision
        let scaled = z * z * precision
        partialTau += w * a * z * run + (1 - w) * (scaled - 1)
        partialSquares += scaled
        partialLogTau += 1 - w
      }
      t -= 1
    }
    run += gx[0]
    gx[0] = levelScale * run - theta[0]
    zz += theta[0] * theta[0]
    lp -= 0.5 * zz
    if partialLogTau > 0 { lp -= 0.5 * partialSquares + partialLogTau * log(tau) }
    dTau = dTau * tau + partialTau
    return dTau
  }

  /// The centred levels' prior, `x[1] ~ N(levelCenter, levelScale)` and
  /// `x[t] - x[t-1] ~ N(0, tau)` (Stan's density of z less the log-Jacobian
  /// `log levelScale + (T-1)·log tau` of x = walk(z)); adds its gradient to `gx`, which is then
  /// ∂ℓ/∂θ; returns its ∂ℓ/∂log tau.
  @inline(__always)
  private func levelPrior(_ gx: UnsafeMutablePointer<Double>, _ lp: inout Double, tau: Double) -> Double {
    let first = x[0] - levelCenter
    gx[0] -= first * inverseLevelScale2
    let inverseTau2 = 1 / (tau * tau)
    var steps = 0.0
    for t in 1..<max(yearCount, 1) {
      let d = x[t] - x[t - 1]
      steps += d * d
      let g = d * inverseTau2
      gx[t] -= g
      gx[t - 1] += g
    }
    let scaled = steps * inverseTau2
    let count = Double(yearCount - 1)
    lp -= 0.5 * (first * first * inverseLevelScale2 + scaled) + logLevelScale + count * log(tau)
    return scaled - count
  }

  /// Natural-parameter values of one θ: the log-level per year, the log-bias per series, each
  /// statement's `mu` and outlier responsibility (both in `TrajectoryData.statements` order),
  /// and the hyperparameters. Writes `yearCount`, `seriesCount`, `statementCount` and
  /// `statementCount` values; allocates nothing.
  public func quantities(
    _ theta: UnsafePointer<Double>, logLevels: UnsafeMutablePointer<Double>, biases: UnsafeMutablePointer<Double>,
    mu: UnsafeMutablePointer<Double>, outlier: UnsafeMutablePointer<Double>
  ) -> (tau: Double, sigmaB: Double, omega: Double) {
    var hyper = effects(theta)
    hyper.omega = abs(hyper.omega)
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
