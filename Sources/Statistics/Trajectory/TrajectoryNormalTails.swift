import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Normal log-probabilities that stay finite far into the tails, for the censored and interval
/// likelihoods of the trajectory model (`TrajectoryDensity`).
enum NormalTails {
  /// 1/√(2π).
  static let inverseSqrtTwoPi = 0.3989422804014327
  /// ½ log(2π).
  static let halfLogTwoPi = 0.9189385332046728

  /// Below this argument `Φ` is computed from Laplace's continued fraction of the Mills ratio
  /// instead of `erfc`: `Φ(-37)` ≈ 5.7e-300 is still a normal double, `Φ(-38.5)` is not.
  static let tailCut = -37.0

  /// `log Φ(v)` and the inverse Mills ratio `φ(v)/Φ(v)` (the derivative of `log Φ`).
  ///
  /// Above `tailCut`, `Φ` from `Normal.cdfAndKernel` (erfc with its argument's rounding error
  /// corrected, full relative accuracy in the lower tail). Below, `Φ(v) = φ(v)/f` with
  /// `f = t + 1/(t + 2/(t + 3/(t + …)))`, `t = -v` (Laplace's continued fraction for the
  /// reciprocal Mills ratio), evaluated backwards from 24 terms: at `t ≥ 37` its truncation
  /// error is far below one ulp. So `log Φ(v) = -v²/2 - ½log 2π - log f` and `φ/Φ = f`.
  @inline(__always)
  static func logCDFAndMills(_ v: Double) -> (logCDF: Double, mills: Double) {
    if v > tailCut {
      let (c, kernel) = Normal.cdfAndKernel(v)
      return (log(c), kernel * inverseSqrtTwoPi / c)
    }
    let f = reciprocalMills(-v)
    return (-0.5 * v * v - halfLogTwoPi - log(f), f)
  }

  /// `log Φ(v)`.
  @inline(__always)
  static func logCDF(_ v: Double) -> Double {
    if v > tailCut { return log(Normal.cdf(v)) }
    return -0.5 * v * v - halfLogTwoPi - log(reciprocalMills(-v))
  }

  /// `φ(t)/(1 - Φ(t))` for `t ≥ 37` (or infinite) by the backward continued fraction.
  @inline(__always)
  static func reciprocalMills(_ t: Double) -> Double {
    if t.isInfinite { return t }
    var f = t
    var k = 24.0
    while k > 0 {
      f = t + k / f
      k -= 1
    }
    return f
  }

  /// `log φ(v)`.
  @inline(__always)
  static func logDensity(_ v: Double) -> Double { -0.5 * v * v - halfLogTwoPi }

  /// `Φ(b) - Φ(a)` for `a < b`, as a difference of upper tails when `a ≥ 0`, of lower tails
  /// when `b ≤ 0` (each from `erfc`, relatively accurate), else as `½(erf(b/√2) + erf(-a/√2))`.
  /// Underflows to 0 beyond about 38 sds.
  @inline(__always)
  static func intervalMass(_ a: Double, _ b: Double) -> Double {
    let (first, second, straddles) = intervalArguments(a, b)
    if straddles { return 0.5 * (erf(first) + erf(second)) }
    return 0.5 * (erfc(first) - erfc(second))
  }

  /// The two arguments whose `erf` or `erfc` give `Φ(b) - Φ(a)` (`intervalMass`): `(a, b)/√2`
  /// when `a ≥ 0`, `(-b, -a)/√2` when `b ≤ 0`, with `½(erfc(first) - erfc(second))`; else
  /// (`straddles`) `(b, -a)/√2` with `½(erf(first) + erf(second))`.
  @inline(__always)
  static func intervalArguments(_ a: Double, _ b: Double) -> (first: Double, second: Double, straddles: Bool) {
    let rootHalf = 0.7071067811865476
    if a >= 0 { return (a * rootHalf, b * rootHalf, false) }
    if b <= 0 { return (-b * rootHalf, -a * rootHalf, false) }
    return (b * rootHalf, -a * rootHalf, true)
  }

  /// `log(Φ(b) - Φ(a))` for `a < b`, with `∂/∂a = -φ(a)/P` and `∂/∂b = φ(b)/P`.
  ///
  /// Computed without cancellation or underflow: for `a ≥ 0` by the symmetry
  /// `Φ(b) - Φ(a) = Φ(-a) - Φ(-b)`; when `a < 0 < b` as `½(erf(b/√2) + erf(-a/√2))`, two
  /// positive terms; when `a < b ≤ 0` as `log Φ(b) + log(-expm1(log Φ(a) - log Φ(b)))`.
  /// An empty interval, `a ≥ b` (as when `s²` overflows to infinity and both ends scale to ±0),
  /// has mass 0: `logP = -∞` with zero derivatives (the symmetry would otherwise recurse forever).
  static func logIntervalMass(_ a: Double, _ b: Double) -> (logP: Double, dA: Double, dB: Double) {
    if a >= b { return (-.infinity, 0, 0) }
    if a >= 0 {
      let r = logIntervalMass(-b, -a)
      return (r.logP, -r.dB, -r.dA)
    }
    if b > 0 {
      let rootHalf = 0.7071067811865476
      let p = 0.5 * (erf(b * rootHalf) + erf(-a * rootHalf))
      let logP = log(p)
      return (logP, -exp(logDensity(a) - logP), exp(logDensity(b) - logP))
    }
    let la = logCDF(a)
    let lb = logCDF(b)
    let logP = lb + log(-expm1(la - lb))
    return (logP, -exp(logDensity(a) - logP), exp(logDensity(b) - logP))
  }
}
