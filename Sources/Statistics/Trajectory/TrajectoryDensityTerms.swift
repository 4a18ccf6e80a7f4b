import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The statements' likelihood terms of `TrajectoryDensity`, one per kind.
extension TrajectoryDensity {
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
  /// `Φ(side·(mu-y)/so)`; summed directly while `Φ` is a normal double (`boundMixture`), else in
  /// log space.
  @inline(__always)
  func boundTerm(_ k: Int, mu: Double, s2: Double) -> Term {
    let (inverseS, inverseSo, v1, v2) = boundDistances(k, mu: mu, s2: s2)
    if v1 > NormalTails.tailCut {
      let (c1, k1) = Normal.cdfAndKernel(v1)
      let (c2, k2) = Normal.cdfAndKernel(v2)
      return boundMixture(k, v1: v1, v2: v2, inverseS: inverseS, inverseSo: inverseSo, c1: c1, k1: k1, c2: c2, k2: k2)
    }
    let (l1, m1) = NormalTails.logCDFAndMills(v1)
    let (l2, m2) = NormalTails.logCDFAndMills(v2)
    let mix = Self.logSumExp(logOneMinusP + l1, logP + l2)
    let g1 = mix.first * m1
    let g2 = mix.second * m2
    return Term(
      logPart: mix.value, factor: 1, dMu: side[k] * (g1 * inverseS + g2 * inverseSo),
      dS2: -0.5 * (g1 * v1 * inverseS * inverseS + g2 * v2 * inverseSo * inverseSo), outlier: mix.second)
  }

  /// A bound's `1/s`, `1/so` and its standardised distances `v1 = side·(mu - y)/s`, `v2 = …/so`.
  @inline(__always)
  func boundDistances(_ k: Int, mu: Double, s2: Double) -> (
    inverseS: Double, inverseSo: Double, v1: Double, v2: Double
  ) {
    let inverseS = 1 / s2.squareRoot()
    let inverseSo = 1 / (s2 + outlierVariance).squareRoot()
    let d = side[k] * (mu - y[k])
    return (inverseS, inverseSo, d * inverseS, d * inverseSo)
  }

  /// A bound's term from `c1 = Φ(v1)`, `c2 = Φ(v2)` and their kernels `e^{-v²/2}` (`v1 >
  /// NormalTails.tailCut`, so both are normal doubles), however they were computed.
  @inline(__always)
  func boundMixture(
    _ k: Int, v1: Double, v2: Double, inverseS: Double, inverseSo: Double, c1: Double, k1: Double, c2: Double,
    k2: Double
  ) -> Term {
    let inlier = (1 - p) * c1
    let outlier = p * c2
    let total = inlier + outlier
    let inverseTotal = 1 / total
    let scale = NormalTails.inverseSqrtTwoPi * inverseTotal
    let g1 = (1 - p) * k1 * scale
    let g2 = p * k2 * scale
    return Term(
      logPart: 0, factor: total, dMu: side[k] * (g1 * inverseS + g2 * inverseSo),
      dS2: -0.5 * (g1 * v1 * inverseS * inverseS + g2 * v2 * inverseSo * inverseSo), outlier: outlier * inverseTotal)
  }

  /// An interval `low < y* < high`: the mixture of `Φ((high-mu)/s) - Φ((low-mu)/s)` and the same
  /// with `so`. Summed directly (`intervalMixture`) while both masses are normal doubles, else
  /// in log space (`NormalTails.logIntervalMass`).
  @inline(__always)
  func intervalTerm(_ k: Int, mu: Double, s2: Double) -> Term {
    let (inverseS, inverseSo, a1, b1, a2, b2) = standardisedEnds(k, mu: mu, s2: s2)
    let p1 = NormalTails.intervalMass(a1, b1)
    let p2 = NormalTails.intervalMass(a2, b2)
    if p1 > Self.smallestMass && p2 > Self.smallestMass {
      return intervalMixture(
        a1: a1, b1: b1, a2: a2, b2: b2, inverseS: inverseS, inverseSo: inverseSo, p1: p1, p2: p2,
        fa1: exp(-0.5 * a1 * a1), fb1: exp(-0.5 * b1 * b1), fa2: exp(-0.5 * a2 * a2), fb2: exp(-0.5 * b2 * b2))
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

  /// An interval's `1/s`, `1/so` and its standardised ends `(low - mu)/s`, `(high - mu)/s`,
  /// then the same over `so`.
  @inline(__always)
  func standardisedEnds(_ k: Int, mu: Double, s2: Double) -> (
    inverseS: Double, inverseSo: Double, a1: Double, b1: Double, a2: Double, b2: Double
  ) {
    let inverseS = 1 / s2.squareRoot()
    let inverseSo = 1 / (s2 + outlierVariance).squareRoot()
    let lowGap = low[k] - mu
    let highGap = high[k] - mu
    return (inverseS, inverseSo, lowGap * inverseS, highGap * inverseS, lowGap * inverseSo, highGap * inverseSo)
  }

  /// Below this an interval's mass is summed in log space (`intervalTerm`).
  static let smallestMass = 1e-280

  /// An interval's term from its standardised ends, masses `p1`, `p2` (both above
  /// `smallestMass`) and the ends' kernels `e^{-a²/2}`, however they were computed.
  @inline(__always)
  func intervalMixture(
    a1: Double, b1: Double, a2: Double, b2: Double, inverseS: Double, inverseSo: Double, p1: Double, p2: Double,
    fa1: Double, fb1: Double, fa2: Double, fb2: Double
  ) -> Term {
    let inlier = (1 - p) * p1
    let outlier = p * p2
    let total = inlier + outlier
    let inverseTotal = 1 / total
    let w1 = (1 - p) * NormalTails.inverseSqrtTwoPi * inverseTotal
    let w2 = p * NormalTails.inverseSqrtTwoPi * inverseTotal
    let dMu = -(w1 * (fb1 - fa1) * inverseS + w2 * (fb2 - fa2) * inverseSo)
    let dS2 =
      -0.5
      * (w1 * (b1 * fb1 - a1 * fa1) * inverseS * inverseS + w2 * (b2 * fb2 - a2 * fa2) * inverseSo * inverseSo)
    return Term(logPart: 0, factor: total, dMu: dMu, dS2: dS2, outlier: outlier * inverseTotal)
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

  /// `p[k] = x^(k/4)`, k = 0…4, from two square roots.
  @inline(__always)
  static func fillPowers(_ p: UnsafeMutablePointer<Double>, _ x: Double) {
    let half = x.squareRoot()
    let quarter = half.squareRoot()
    p[0] = 1
    p[1] = quarter
    p[2] = half
    p[3] = half * quarter
    p[4] = x
  }
}
