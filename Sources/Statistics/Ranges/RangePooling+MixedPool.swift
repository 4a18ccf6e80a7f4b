import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension RangePooling {
  /// Where a mixture of `sources` lives on the scale: from the lowest to the highest of each
  /// source's μ ∓ `sds` σ (a two-piece: σ_L below, σ_U above) and each uniform's ends. The
  /// linear pool's quantiles search inside it (12 σ) and its density is drawn over it (4 σ).
  static func support(_ sources: [SourceDistribution], sds: Double) -> (lo: Double, hi: Double) {
    var lo = Double.infinity
    var hi = -Double.infinity
    for x in sources {
      switch x.shape {
      case .twoPiece(let sl, let sh):
        lo = min(lo, x.mu - sds * sl)
        hi = max(hi, x.mu + sds * sh)
      case .uniform(let a, let b):
        lo = min(lo, a)
        hi = max(hi, b)
      default:
        lo = min(lo, x.mu - sds * x.sigma)
        hi = max(hi, x.mu + sds * x.sigma)
      }
    }
    return (lo, hi)
  }

  /// The linear opinion pool of sources of any shape: the weighted mixture of their exact
  /// CDFs on the scale — a normal Φ((t − μ)/σ), a two-piece Φ((t − μ)/σ_L) below its median μ
  /// and Φ((t − μ)/σ_U) above it, a uniform (t − a)/(b − a) on [a, b] — and its quantiles by
  /// Newton steps inside a shrinking bracket (bisection where a step would leave it, or where
  /// the density is zero), to two units in the last place of t.
  static func mixedLinearPool(_ d: [SourceDistribution], level: Double, scale: PoolingScale) -> PooledRange? {
    let sources = d.filter { !$0.shape.isBound }
    guard !sources.isEmpty else { return nil }
    let total = sources.reduce(0) { $0 + $1.weight }
    let (lo, hi) = support(sources, sds: 12)
    func cdfAndDensity(_ t: Double) -> (f: Double, density: Double) {
      var f = Summation.Accumulator()
      var density = 0.0
      for x in sources {
        let w = x.weight / total
        let sigma: Double
        switch x.shape {
        case .uniform(let a, let b):
          if t >= b {
            f.add(w)
          } else if t > a {
            f.add(w * (t - a) / (b - a))
            density += w / (b - a)
          }
          continue
        case .twoPiece(let sl, let sh): sigma = t <= x.mu ? sl : sh
        default: sigma = x.sigma
        }
        let z = (t - x.mu) / sigma
        f.add(w * Normal.cdf(z))
        density += w * exp(-0.5 * z * z) / (sigma * 2.506_628_274_631_000_2)
      }
      return (f.value, density)
    }
    func quantile(_ p: Double) -> Double {
      var a = lo
      var b = hi
      var t = (a + b) / 2
      for _ in 0..<400 {
        let (f, density) = cdfAndDensity(t)
        if f == p { break }
        if f < p { a = t } else { b = t }
        let newton = density > 0 ? t - (f - p) / density : .nan
        let next = newton > a && newton < b ? newton : (a + b) / 2
        let resolution = 2 * max(abs(t).ulp, Double.leastNormalMagnitude)
        let step = abs(next - t)
        t = next
        if step <= resolution || b - a <= resolution { break }
      }
      return scale.inverse(t)
    }
    return PooledRange(
      method: "linear opinion pool (mixture)", estimate: quantile(0.5),
      low: quantile(0.5 - level / 2), high: quantile(0.5 + level / 2))
  }
}
