import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension PosteriorDiagnostics {
  /// The Monte Carlo standard error of the `p` quantile of MCMC draws, as R's `posterior`
  /// package (1.4.0, `mcse_quantile`) computes it after Vehtari, Gelman, Simpson, Carpenter &
  /// Bürkner (2021), "Rank-normalization, folding, and localization", Bayesian Analysis 16(2),
  /// section 4.3:
  ///
  /// 1. the effective sample size `E` of the indicator `x ≤ q_p` (`quantileESS`);
  /// 2. the `Φ(-1)` and `Φ(1)` quantiles `a₁`, `a₂` of Beta(`E·p + 1`, `E·(1-p) + 1`), the
  ///    posterior of the probability below `q_p` after `E` independent draws;
  /// 3. half the distance between the order statistics at ranks `max(⌊a₁S⌋, 1)` and
  ///    `min(⌈a₂S⌉, S)` (1-based) of the `S` draws.
  ///
  /// The ±1 sd probabilities are `posterior`'s rounded constants 0.1586553 and 0.8413447.
  /// Draws are given chain after chain (see `PosteriorDiagnostics`). NaN when the ESS is (a
  /// constant indicator, a non-finite draw, chains shorter than 4 draws) or `p` is outside [0, 1].
  public static func quantileMCSE(_ values: [Double], chains: Int, probability p: Double) -> Double {
    quantileMCSE(values, sorted: values.sorted(), chains: chains, probability: p)
  }

  /// `quantileMCSE` with the draws' ascending copy given, so that several quantiles of one
  /// quantity sort its draws once.
  public static func quantileMCSE(_ values: [Double], sorted: [Double], chains: Int, probability p: Double) -> Double {
    let e = quantileESS(values, sorted: sorted, chains: chains, probability: p)
    guard e.isFinite, e > 0 else { return .nan }
    let below = betaQuantile(0.158_655_3, a: e * p + 1, b: e * (1 - p) + 1)
    let above = betaQuantile(0.841_344_7, a: e * p + 1, b: e * (1 - p) + 1)
    guard below.isFinite, above.isFinite else { return .nan }
    let s = sorted.count
    let low = max(Int((below * Double(s)).rounded(.down)), 1)
    let high = min(Int((above * Double(s)).rounded(.up)), s)
    return (sorted[high - 1] - sorted[low - 1]) / 2
  }

  /// The effective sample size of the `p` quantile: the ESS (split chains, Geyer's initial
  /// monotone sequence) of the indicator `x ≤ q_p`, `q_p` the type-7 quantile of all draws; for
  /// `p = 1`, `p` is taken as `(S - ½)/S`, as `posterior::ess_quantile` does.
  public static func quantileESS(_ values: [Double], chains: Int, probability p: Double) -> Double {
    quantileESS(values, sorted: values.sorted(), chains: chains, probability: p)
  }

  /// `quantileESS` with the draws' ascending copy given.
  static func quantileESS(_ values: [Double], sorted: [Double], chains: Int, probability p: Double) -> Double {
    guard p >= 0, p <= 1, let split = split(values, chains: chains) else { return .nan }
    let probability = p == 1 ? (Double(values.count) - 0.5) / Double(values.count) : p
    let q = quantile(sorted: sorted, probability)
    return ess(split.values.map { $0 <= q ? 1 : 0 }, chains: split.chains)
  }

  /// The `u` quantile of Beta(`a`, `b`): if `F` is F-distributed with `2a` and `2b` degrees of
  /// freedom, `aF/(b + aF)` is Beta(`a`, `b`).
  static func betaQuantile(_ u: Double, a: Double, b: Double) -> Double {
    let f = FDistribution.quantile(u, df1: 2 * a, df2: 2 * b)
    guard f.isFinite else { return .nan }
    return a * f / (b + a * f)
  }
}
