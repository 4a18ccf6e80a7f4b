import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Convergence diagnostics of MCMC draws as in Vehtari, Gelman, Simpson, Carpenter & Bürkner
/// (2021), "Rank-normalization, folding, and localization: an improved R-hat for assessing
/// convergence of MCMC", Bayesian Analysis 16(2): rank-normalised split R-hat, bulk ESS and
/// tail ESS.
///
/// Draws are given chain after chain: `values[c·n + i]` is draw `i` of chain `c`, with `n =
/// values.count / chains`. Chains are split in halves (an odd chain loses its middle draw).
/// The autocovariances are the biased (divide by `n`) direct sums, computed lag by lag only as
/// far as Geyer's initial positive sequence needs them. A quantity that is not finite, or
/// constant, has NaN diagnostics.
public enum PosteriorDiagnostics {
  /// Rank-normalised split R-hat: the larger of the basic R-hat of the rank-normalised draws
  /// (bulk) and of the rank-normalised folded draws `|x - median|` (tails; the median of all
  /// draws).
  public static func rHat(_ values: [Double], chains: Int) -> Double {
    guard let split = split(values, chains: chains) else { return .nan }
    let bulk = basicRHat(rankNormalised(split.values), chains: split.chains)
    let m = median(values)
    let tail = basicRHat(rankNormalised(split.values.map { abs($0 - m) }), chains: split.chains)
    if bulk.isNaN || tail.isNaN { return .nan }
    return max(bulk, tail)
  }

  /// Bulk effective sample size: the ESS of the rank-normalised split chains.
  public static func bulkESS(_ values: [Double], chains: Int) -> Double {
    guard let split = split(values, chains: chains) else { return .nan }
    return ess(rankNormalised(split.values), chains: split.chains)
  }

  /// Tail effective sample size: the smaller ESS of the indicators `x ≤ q05` and `x ≤ q95`
  /// (quantiles of type 7 of all draws) on the split chains.
  public static func tailESS(_ values: [Double], chains: Int) -> Double {
    guard let split = split(values, chains: chains) else { return .nan }
    let sorted = RadixSort.sorted(values)
    var result = Double.infinity
    for p in [0.05, 0.95] {
      let q = quantile(sorted: sorted, p)
      let e = ess(split.values.map { $0 <= q ? 1 : 0 }, chains: split.chains)
      if e.isNaN { return .nan }
      result = min(result, e)
    }
    return result
  }

  /// The `p` quantile of sorted values by R's type 7: `h = (n-1)p`, linear between the order
  /// statistics at `⌊h⌋` and `⌊h⌋ + 1` (0-based). NaN for no values.
  public static func quantile(sorted: [Double], _ p: Double) -> Double {
    quantile(count: sorted.count, p) { sorted[$0] }
  }

  /// `quantile(sorted:_:)` of `count` values in increasing order, the value at position `k`
  /// given by `value(k)`: only the two order statistics it needs are asked for.
  @inline(__always)
  static func quantile(count: Int, _ p: Double, _ value: (Int) -> Double) -> Double {
    guard count > 0, p >= 0, p <= 1 else { return .nan }
    let h = Double(count - 1) * p
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, count - 1)
    let a = value(lo)
    return a + (h - Double(lo)) * (value(hi) - a)
  }

  /// The median (type 7).
  static func median(_ values: [Double]) -> Double { quantile(sorted: RadixSort.sorted(values), 0.5) }

  /// The chains halved: `2·chains` chains of `⌊n/2⌋` draws. Nil when a chain has fewer than 4
  /// draws, `values` does not divide into the chains, or a value is not finite.
  static func split(_ values: [Double], chains: Int) -> (values: [Double], chains: Int)? {
    guard chains > 0, values.count % chains == 0 else { return nil }
    let n = values.count / chains
    guard n >= 4, values.allSatisfy(\.isFinite) else { return nil }
    let half = n / 2
    var out: [Double] = []
    out.reserveCapacity(2 * chains * half)
    for c in 0..<chains {
      out.append(contentsOf: values[(c * n)..<(c * n + half)])
      out.append(contentsOf: values[(c * n + n - half)..<(c * n + n)])
    }
    return (out, 2 * chains)
  }

  /// Normal scores of the pooled ranks (ties averaged): `Φ⁻¹((r - 3/8)/(S + 1/4))`. One score
  /// per group of equal values of the sorted copy, handed to each value through the sort's order.
  /// `scores`, when it holds `S` values, is `normalScores(count: S)`: the score of every rank
  /// without ties, so that only tied groups call `Normal.quantile` (the same values).
  static func rankNormalised(_ values: [Double], scores table: [Double] = []) -> [Double] {
    let (sorted, order) = RadixSort.sortedWithOrder(values)
    return rankNormalised(sorted: sorted, order: order, scores: table)
  }

  /// `rankNormalised(_:scores:)` of values given sorted, with `order[k]` the index of the value
  /// at sorted position `k` (any order among equal values: they share one score).
  static func rankNormalised(sorted: [Double], order: [Int32], scores table: [Double] = []) -> [Double] {
    let s = sorted.count
    let useTable = table.count == s
    var scores = [Double](repeating: 0, count: s)
    var i = 0
    while i < s {
      var j = i
      while j + 1 < s && sorted[j + 1] == sorted[i] { j += 1 }
      let score =
        useTable && i == j ? table[i] : Normal.quantile((Double(i + j) / 2 + 1 - 0.375) / (Double(s) + 0.25))
      for k in i...j { scores[Int(order[k])] = score }
      i = j + 1
    }
    return scores
  }

  /// The normal scores `Φ⁻¹((r - 3/8)/(count + 1/4))` of the ranks `r = 1…count` without ties,
  /// for `rankNormalised(_:scores:)` and `all(_:chains:scores:)`: computed once per fit instead
  /// of twice per quantity.
  static func normalScores(count: Int) -> [Double] {
    (0..<max(count, 0)).map { Normal.quantile((Double($0) + 1 - 0.375) / (Double(count) + 0.25)) }
  }

  /// `rHat`, `bulkESS` and `tailESS` of the same draws together, sharing the split chains, the
  /// sort and the rank-normalised draws (the same values as the three calls); `scores` as in
  /// `rankNormalised(_:scores:)`, for the split chains' count of draws. Also the draws sorted,
  /// which the caller's summary of them reuses (`PosteriorSummary(draws:sorted:level:)`).
  ///
  /// When the split chains keep every draw in its place (an even number of draws a chain), one
  /// sort serves all three: the draws' ranks are those of the split chains, and the folded draws
  /// `|x - m|` come in increasing order by walking out from the median through the sorted draws
  /// (down from it, `m - x` grows; up from it, `x - m` grows), merging the two runs, instead of
  /// sorting them again. The values are the same as the three sorts' (equal values share a score
  /// whatever their order).
  static func all(_ values: [Double], chains: Int, scores: [Double] = []) -> (
    rHat: Double, bulkESS: Double, tailESS: Double, sorted: [Double]
  ) {
    guard let split = split(values, chains: chains) else { return (.nan, .nan, .nan, RadixSort.sorted(values)) }
    let sorted: [Double]
    let normalised: [Double]
    let foldedScores: [Double]
    let m: Double
    if split.values.count == values.count {
      let (s, order) = RadixSort.sortedWithOrder(values)
      sorted = s
      m = quantile(sorted: sorted, 0.5)
      normalised = rankNormalised(sorted: sorted, order: order, scores: scores)
      let (foldedSorted, foldedOrder) = foldedInOrder(sorted: sorted, order: order, around: m)
      foldedScores = rankNormalised(sorted: foldedSorted, order: foldedOrder, scores: scores)
    } else {
      sorted = RadixSort.sorted(values)
      m = quantile(sorted: sorted, 0.5)
      normalised = rankNormalised(split.values, scores: scores)
      foldedScores = rankNormalised(split.values.map { abs($0 - m) }, scores: scores)
    }
    let bulk = basicRHat(normalised, chains: split.chains)
    let tail = basicRHat(foldedScores, chains: split.chains)
    let rHat = bulk.isNaN || tail.isNaN ? .nan : max(bulk, tail)
    var tailESS = Double.infinity
    for p in [0.05, 0.95] {
      let q = quantile(sorted: sorted, p)
      let e = ess(split.values.map { $0 <= q ? 1 : 0 }, chains: split.chains)
      if e.isNaN {
        tailESS = .nan
        break
      }
      tailESS = min(tailESS, e)
    }
    return (rHat, ess(normalised, chains: split.chains), tailESS, sorted)
  }

  /// The folded values `|x - m|` of the values given sorted (`order[k]` the index of the value
  /// at sorted position `k`), in increasing order, with the index of each: a merge of the sorted
  /// values below `m`, walked down, and those from `m` up, walked up.
  static func foldedInOrder(sorted: [Double], order: [Int32], around m: Double) -> (sorted: [Double], order: [Int32]) {
    let n = sorted.count
    var out = [Double](repeating: 0, count: n)
    var outOrder = [Int32](repeating: 0, count: n)
    // The first position at or above m (binary search: sorted is increasing).
    var lo = 0
    var hi = n
    while lo < hi {
      let mid = (lo + hi) / 2
      if sorted[mid] < m { lo = mid + 1 } else { hi = mid }
    }
    var down = lo - 1
    var up = lo
    for k in 0..<n {
      let below = down >= 0 ? abs(sorted[down] - m) : Double.infinity
      let above = up < n ? abs(sorted[up] - m) : Double.infinity
      if up >= n || (down >= 0 && below < above) {
        out[k] = below
        outOrder[k] = order[down]
        down -= 1
      } else {
        out[k] = above
        outOrder[k] = order[up]
        up += 1
      }
    }
    return (out, outOrder)
  }

  /// The basic R-hat `√((n-1)/n + B/(n·W))` of equal-length chains (B/n the variance of the
  /// chain means, W the mean within-chain variance).
  static func basicRHat(_ values: [Double], chains m: Int) -> Double {
    let n = values.count / m
    guard m > 1, n > 1 else { return .nan }
    var means = [Double](repeating: 0, count: m)
    var within = 0.0
    for c in 0..<m {
      let chain = values[(c * n)..<(c * n + n)]
      let mean = chain.reduce(0, +) / Double(n)
      means[c] = mean
      within += chain.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
    }
    within /= Double(m)
    let grand = means.reduce(0, +) / Double(m)
    let between = means.reduce(0) { $0 + ($1 - grand) * ($1 - grand) } / Double(m - 1)
    guard within > 0 else { return .nan }
    return ((Double(n - 1) / Double(n) * within + between) / within).squareRoot()
  }

  /// The effective sample size of equal-length chains by Geyer's initial positive and
  /// monotone sequences on the combined autocorrelations, as in Stan and `posterior`.
  static func ess(_ values: [Double], chains m: Int) -> Double {
    let n = values.count / m
    guard m > 0, n >= 3 else { return .nan }
    guard let first = values.first, values.contains(where: { $0 != first }) else { return .nan }
    var means = [Double](repeating: 0, count: m)
    for c in 0..<m { means[c] = values[(c * n)..<(c * n + n)].reduce(0, +) / Double(n) }
    /// The mean over chains of the biased autocovariance at `lag`.
    func autocovariance(_ lag: Int) -> Double {
      var total = 0.0
      for c in 0..<m {
        let base = c * n
        let mean = means[c]
        var sum = 0.0
        for i in 0..<(n - lag) { sum += (values[base + i] - mean) * (values[base + i + lag] - mean) }
        total += sum / Double(n)
      }
      return total / Double(m)
    }
    let meanVariance = autocovariance(0) * Double(n) / Double(n - 1)
    var varPlus = meanVariance * Double(n - 1) / Double(n)
    if m > 1 {
      let grand = means.reduce(0, +) / Double(m)
      varPlus += means.reduce(0) { $0 + ($1 - grand) * ($1 - grand) } / Double(m - 1)
    }
    func rho(_ lag: Int) -> Double { 1 - (meanVariance - autocovariance(lag)) / varPlus }
    var rhos = [Double](repeating: 0, count: n + 1)
    var even = 1.0
    var odd = rho(1)
    rhos[0] = even
    rhos[1] = odd
    var t = 0
    while t < n - 5 && !(even + odd).isNaN && even + odd > 0 {
      t += 2
      even = rho(t)
      odd = rho(t + 1)
      if even + odd >= 0 {
        rhos[t] = even
        rhos[t + 1] = odd
      }
    }
    let maxT = t
    if even > 0 { rhos[maxT] = even }
    t = 0
    while t <= maxT - 4 {
      t += 2
      if rhos[t] + rhos[t + 1] > rhos[t - 2] + rhos[t - 1] {
        rhos[t] = (rhos[t - 2] + rhos[t - 1]) / 2
        rhos[t + 1] = rhos[t]
      }
    }
    let total = Double(m * n)
    var tau = -1 + rhos[maxT]
    for k in 0..<maxT { tau += 2 * rhos[k] }
    tau = max(tau, 1 / log10(total))
    return total / tau
  }
}
