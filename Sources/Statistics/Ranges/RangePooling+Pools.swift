import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension RangePooling {
  /// The weighted mixture of lognormals; median and central `level` interval by bisection on log x.
  /// Sources that are not normal on the scale (a two-piece around a stated centre, a uniform
  /// for hard bounds) are mixed with their exact CDF (``mixedLinearPool(_:level:scale:)``);
  /// bounds cannot be mixed and must be left out by the caller.
  public static func linearPool(_ d: [SourceDistribution], level: Double, scale: PoolingScale = .log) -> PooledRange? {
    guard !d.isEmpty else { return nil }
    if d.contains(where: { $0.shape != .normal }) { return mixedLinearPool(d, level: level, scale: scale) }
    let total = d.reduce(0) { $0 + $1.weight }
    let lo = d.map { $0.mu - 12 * $0.sigma }.min() ?? 0
    let hi = d.map { $0.mu + 12 * $0.sigma }.max() ?? 0
    /// The components packed without their ids, weights normalised once.
    struct Component {
      var mu: Double
      var sigma: Double
      var w: Double
      /// σ√(2π): the density is w·e^{-z²/2}/(σ√(2π)).
      var norm: Double
      /// 1/σ, for the approximate steps.
      var inverseSigma: Double
    }
    let components = d.map {
      Component(
        mu: $0.mu, sigma: $0.sigma, w: $0.weight / total, norm: $0.sigma * 2.5066282746310002,
        inverseSigma: 1 / $0.sigma)
    }
    /// F(t), the mixture density and its derivative from the tabulated normal CDF
    /// (``NormalCDFTable``): within about 1e-11 of the exact F, at a fraction of its cost.
    func approximateCDFAndDensity(_ t: Double) -> (f: Double, density: Double, slope: Double) {
      NormalCDFTable.shared.nodes.withUnsafeBufferPointer { nodes in
        guard let p = nodes.baseAddress else { return (.nan, .nan, .nan) }
        var f = 0.0
        var density = 0.0
        var slope = 0.0
        for x in components {
          let z = (t - x.mu) * x.inverseSigma
          let (cdf, phi) = NormalCDFTable.cdfAndDensity(z, p)
          f += x.w * cdf
          let term = x.w * phi * x.inverseSigma
          density += term
          slope -= term * z * x.inverseSigma
        }
        return (f, density, slope)
      }
    }
    /// F(t), its derivative (the mixture density) and the density's derivative. F is summed
    /// with compensation: with thousands of sources a plain sum's rounding moves F by hundreds
    /// of units in the last place near the root, and Newton then wanders on that noise. Each
    /// source takes one `erfc` and one `exp` (`Normal.cdfAndKernel`).
    func cdfAndDensity(_ t: Double) -> (f: Double, density: Double, slope: Double) {
      var s = Summation.Accumulator()
      var density = 0.0
      var slope = 0.0
      for x in components {
        let z = (t - x.mu) / x.sigma
        let (cdf, kernel) = Normal.cdfAndKernel(z)
        s.add(x.w * cdf)
        let term = x.w * kernel / x.norm
        density += term
        slope -= term * z / x.sigma
      }
      return (s.value, density, slope)
    }
    // Newton steps on F(t) = p inside a shrinking bracket, bisecting whenever a step would
    // leave it (the mixture CDF is increasing and smooth, so Newton converges in a few steps
    // where bisection needs about 55); stops when the step or the bracket is down to two
    // units in the last place of t.
    // The start: the normal with the mixture's mean and variance, whose quantiles are close to
    // the mixture's when the components overlap (Newton then needs a few steps, not the dozen
    // from the middle of the bracket).
    var meanSum = Summation.Accumulator()
    var secondSum = Summation.Accumulator()
    for x in d {
      meanSum.add(x.weight * x.mu)
      secondSum.add(x.weight * (x.sigma * x.sigma + x.mu * x.mu))
    }
    let mean = meanSum.value / total
    let spread = max(0, secondSum.value / total - mean * mean).squareRoot()
    func quantile(_ p: Double) -> Double {
      var a = lo
      var b = hi
      var t = mean + Normal.quantile(p) * spread
      if !(t > a && t < b) { t = (a + b) / 2 }
      // First, Halley steps on the tabulated F (bisecting when a step would leave the
      // bracket) until a step is below 1e-3 of the spread: Halley's error after such a step
      // is of the order of step³/spread², about 1e-9 of the spread, so t is then close enough
      // to the root that the steps on the exact F below usually need one evaluation of it
      // (from the normal start they needed three or four, each an `erfc` and an `exp` per
      // source; these take two or three evaluations of the table). Only the start of the
      // exact steps moves: where they stop and what they return is decided by the exact F.
      if spread > 0 && spread.isFinite {
        var ca = a
        var cb = b
        for _ in 0..<100 {
          let (f, density, slope) = approximateCDFAndDensity(t)
          if f == p { break }
          if f < p { ca = t } else { cb = t }
          let g = f - p
          let denominator = 2 * density * density - g * slope
          let halley = density > 0 && denominator > 0 ? t - 2 * g * density / denominator : .nan
          let inside = halley > ca && halley < cb
          let next = inside ? halley : (ca + cb) / 2
          let moved = abs(next - t)
          t = next
          if (inside && moved <= 1e-3 * spread) || cb - ca <= 1e-9 * spread { break }
        }
        if !(t > a && t < b) { t = (a + b) / 2 }
      }
      for _ in 0..<200 {
        let (f, density, slope) = cdfAndDensity(t)
        if f == p { break }  // t is the root as far as F can tell
        if f < p { a = t } else { b = t }
        let newton = density > 0 ? t - (f - p) / density : .nan
        let step = newton - t
        let resolution = 2 * max(t.ulp, Double.leastNormalMagnitude)
        // Converged: the Newton step is down to two units in the last place of t. (Checked
        // before the bracket test: a step below one ulp leaves t where it is, on the bracket's
        // end, and must not be taken for a step out of the bracket.)
        if abs(step) <= resolution {
          if newton >= a && newton <= b { t = newton }
          break
        }
        let inside = newton > a && newton < b
        // Newton's error after this step is about |F''/(2F')|·step²: when that is below an
        // eighth of an ulp the step lands on the root and no further evaluation is needed.
        if inside && abs(slope / (2 * density)) * step * step <= 0.125 * t.ulp {
          t = newton
          break
        }
        let next = inside ? newton : (a + b) / 2
        let done = b - a <= resolution
        t = next
        if done { break }
      }
      return scale.inverse(t)
    }
    return PooledRange(
      method: "linear opinion pool (mixture)", estimate: quantile(0.5),
      low: quantile(0.5 - level / 2), high: quantile(0.5 + level / 2))
  }

  /// The normalised weighted geometric mean of lognormal densities, itself lognormal:
  /// precision Σ wᵢ/σᵢ² and mean Σ (wᵢ μᵢ/σᵢ²) / Σ (wᵢ/σᵢ²), with Σ wᵢ = 1.
  public static func logarithmicPool(_ d: [SourceDistribution], level: Double, scale: PoolingScale = .log)
    -> PooledRange?
  {
    guard !d.isEmpty else { return nil }
    let total = d.reduce(0) { $0 + $1.weight }
    var precision = 0.0
    var weighted = 0.0
    for x in d {
      let w = x.weight / total
      precision += w / (x.sigma * x.sigma)
      weighted += w * x.mu / (x.sigma * x.sigma)
    }
    let mu = weighted / precision
    let sigma = (1 / precision).squareRoot()
    let z = Normal.quantile(0.5 + level / 2)
    return PooledRange(
      method: "logarithmic opinion pool", estimate: scale.inverse(mu),
      low: scale.inverse(mu - z * sigma), high: scale.inverse(mu + z * sigma))
  }
}
