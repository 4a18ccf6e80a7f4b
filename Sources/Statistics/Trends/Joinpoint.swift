import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Joinpoint regression of log rates on time (NCI Joinpoint's log-linear model).
///
/// The model is continuous and piecewise linear in the period `t`:
/// `yₜ = b₀ + b₁ t + Σ_{k=1}^{K} d_k (t − τ_k)₊ + εₜ`, with `yₜ = log(rateₜ)` (the caller passes
/// log rates, e.g. `log(count / exposure)`) and optional weights (`Var εₜ ∝ 1/wₜ`). For a given
/// `K` the joinpoints `τ` are found by exhaustive search over every admissible placement
/// (`JoinpointOptions`), each placement fitted by least squares; `K` itself is chosen by the
/// sequential permutation tests of Kim, Fay, Feuer & Midthune (2000), "Permutation tests for
/// joinpoint regression with applications to cancer rates", Stat Med 19:335–351, or by NCI's
/// BIC. Segment slopes, annual percent changes (APC) and the average annual percent change
/// (AAPC, Clegg, Hankey, Tiwari, Feuer & Edwards (2009), "Estimating average annual per cent
/// change in trend analysis", Stat Med 28:3670–3682) follow NCI Joinpoint's documentation.
public enum Joinpoint {
  /// Fits the best `K`-joinpoint model: the admissible joinpoints minimising the (weighted) RSS.
  ///
  /// - Parameters:
  ///   - years: periods `t`, strictly increasing, finite.
  ///   - logRates: `yₜ = log(rateₜ)`, finite, same length.
  ///   - weights: optional weights, finite and `> 0`, same length.
  ///   - joinpoints: `K ≥ 0`.
  ///   - options: admissible positions (NCI defaults).
  ///   - level: confidence level of the APC intervals, in (0, 1).
  /// - Returns: the fit; among placements with equal RSS (to 1e-12 relative) the first in
  ///   lexicographic order of the joinpoint positions.
  /// - Throws: `StatisticsError.invalidInput` for mismatched lengths, non-finite values,
  ///   non-increasing years, non-positive weights, or when the series is too short for `K`
  ///   joinpoints under `options`; `.numerical` if LAPACK fails.
  /// - Complexity: one `n × (K+2)` QR per admissible placement — `O(C(P, K) · n K²)` for `P`
  ///   candidate positions.
  public static func fit(
    years: [Double], logRates: [Double], weights: [Double]? = nil, joinpoints: Int,
    options: JoinpointOptions = JoinpointOptions(), level: Double = 0.95
  ) throws(StatisticsError) -> JoinpointFit {
    let data = try Series(years: years, logRates: logRates, weights: weights, options: options, level: level)
    guard joinpoints >= 0 else { throw .invalidInput("the number of joinpoints must be ≥ 0, got \(joinpoints)") }
    let candidates = data.candidates(options)
    try data.checkAdmissible(joinpoints, candidates: candidates, options: options)
    var search = JoinpointSearch(
      periods: data.years, sqrtWeights: data.sqrtWeights, responses: data.weightedResponse, r: 1,
      maxJoinpoints: joinpoints, candidates: candidates)
    let best = try search.best(joinpoints)
    guard let set = best.sets.first, best.rss.first?.isFinite == true else {
      throw .numerical("every admissible placement of \(joinpoints) joinpoints gave a rank-deficient design")
    }
    return try data.fit(at: set.map { candidates.positions[$0] }, level: level)
  }

  /// Fits the model with the joinpoints fixed at `locations` (no search).
  ///
  /// - Parameter locations: strictly increasing, strictly inside `(years.first, years.last)`.
  /// - Throws: `StatisticsError.invalidInput` for invalid data or locations, or when
  ///   `n < 2K + 3`; `.numerical` when the hinge design is rank deficient.
  public static func fit(
    years: [Double], logRates: [Double], weights: [Double]? = nil, at locations: [Double],
    level: Double = 0.95
  ) throws(StatisticsError) -> JoinpointFit {
    let data = try Series(
      years: years, logRates: logRates, weights: weights, options: JoinpointOptions(), level: level)
    guard locations.allSatisfy(\.isFinite) else { throw .invalidInput("joinpoint locations must be finite") }
    for i in locations.indices.dropFirst() where !(locations[i] > locations[i - 1]) {
      throw .invalidInput("joinpoint locations must be strictly increasing")
    }
    if let a = locations.first, let b = locations.last, let t0 = years.first, let t1 = years.last,
      !(a > t0 && b < t1)
    {
      throw .invalidInput("joinpoint locations must lie strictly between \(t0) and \(t1)")
    }
    guard data.n >= 2 * locations.count + 3 else {
      throw .invalidInput(
        "\(locations.count) joinpoint(s) need at least \(2 * locations.count + 3) observations, got \(data.n)")
    }
    return try data.fit(at: locations, level: level)
  }

  /// Chooses the number of joinpoints in `0…maxJoinpoints` and returns the chosen fit.
  ///
  /// **Permutation tests** (Kim et al. 2000, §3; NCI Joinpoint "Selecting the final model"):
  /// start with `k₀ = 0`, `k₁ = K_max`; test `H₀: k = k₀` against `H₁: k = k₁`; if rejected
  /// `k₀ += 1`, else `k₁ −= 1`; stop when `k₀ = k₁`, which is the answer. Each test is done at
  /// level `α / (K_max − k₀)`, NCI's Bonferroni-type correction that keeps the overall level at
  /// most `α`. The statistic is `T = (RSS₀ − RSS₁) / RSS₁` (a monotone function of Kim et al.'s
  /// F-type ratio for fixed `n`, `k₀`, `k₁`). Its null distribution is obtained by permuting the
  /// residuals of the best `k₀` fit: with `ŷ⁽⁰⁾` the fitted values and standardised residuals
  /// `rᵢ = √wᵢ (yᵢ − ŷᵢ⁽⁰⁾)`, each permuted series is `yᵢ* = ŷᵢ⁽⁰⁾ + r_{π(i)} / √wᵢ`, and both
  /// the `k₀` and the `k₁` models are refitted to it by the full exhaustive search. The p-value
  /// is `(1 + #{T* ≥ T}) / (B + 1)` (so NCI's 4499 permutations give multiples of 1/4500), and
  /// the test rejects when `p ≤ α / (K_max − k₀)`. Permutations are uniform (Fisher–Yates with
  /// SplitMix64 and rejection sampling); each test `(k₀, k₁)` draws from its own stream derived
  /// from `seed`, so results are reproducible across runs and platforms.
  ///
  /// **BIC** (NCI Joinpoint): `BIC(k) = ln(SSE_k / n) + (2k + 2) ln(n) / n`, where `SSE_k` is the
  /// best (weighted) RSS with `k` joinpoints and `2k + 2` counts the joinpoints as parameters;
  /// the smallest value wins (ties to the smaller `k`).
  ///
  /// `maxJoinpoints` is lowered to the largest `K` the series admits under `options` (never
  /// below 0); the report gives both numbers.
  ///
  /// - Throws: `StatisticsError.invalidInput` for invalid data, `maxJoinpoints < 0`,
  ///   `permutations` outside `1…1_000_000`, `alpha` outside (0, 1), a search larger than
  ///   `options.maxCandidateSets`; `.numerical` if LAPACK fails.
  /// - Complexity: the permutation method repeats the searches for `k₀` and `k₁` on `B + 1`
  ///   responses at once (one QR per placement, `Qᵀ` applied to all responses), for at most
  ///   `K_max` tests.
  public static func select(
    years: [Double], logRates: [Double], weights: [Double]? = nil, maxJoinpoints: Int,
    method: JoinpointSelectionMethod, options: JoinpointOptions = JoinpointOptions(),
    level: Double = 0.95
  ) throws(StatisticsError) -> (best: JoinpointFit, report: JoinpointSelection) {
    let data = try Series(years: years, logRates: logRates, weights: weights, options: options, level: level)
    guard maxJoinpoints >= 0 else {
      throw .invalidInput("the maximum number of joinpoints must be ≥ 0, got \(maxJoinpoints)")
    }
    if case .permutation(let b, _, let alpha) = method {
      guard (1...1_000_000).contains(b) else { throw .invalidInput("permutations must be in 1…1000000, got \(b)") }
      guard alpha > 0, alpha < 1 else { throw .invalidInput("alpha must be in (0, 1), got \(alpha)") }
    }
    let candidates = data.candidates(options)
    let longest = candidates.longestChain()
    var kMax = 0
    while kMax < maxJoinpoints, data.n >= 2 * (kMax + 1) + 3, kMax + 1 <= longest { kMax += 1 }
    for k in 0...kMax { try data.checkAdmissible(k, candidates: candidates, options: options) }

    // Best fit for every k on the observed series.
    var search = JoinpointSearch(
      periods: data.years, sqrtWeights: data.sqrtWeights, responses: data.weightedResponse, r: 1,
      maxJoinpoints: kMax, candidates: candidates)
    var rss: [Double] = []
    var locations: [[Double]] = []
    for k in 0...kMax {
      let best = try search.best(k)
      guard let set = best.sets.first, let value = best.rss.first, value.isFinite else {
        throw .numerical("every admissible placement of \(k) joinpoints gave a rank-deficient design")
      }
      locations.append(set.map { candidates.positions[$0] })
      rss.append(value)
    }
    let nd = Double(data.n)
    let bic = rss.indices.map { k in log(rss[k] / nd) + Double(2 * k + 2) * log(nd) / nd }

    var chosen = 0
    var tests: [JoinpointPermutationTest] = []
    switch method {
    case .bic:
      for k in bic.indices where bic[k] < bic[chosen] { chosen = k }
    case .permutation(let b, let seed, let alpha):
      var k0 = 0
      var k1 = kMax
      while k0 < k1 {
        let test = try data.permutationTest(
          k0: k0, k1: k1, nullLocations: locations[k0], kMax: kMax, permutations: b, seed: seed,
          alpha: alpha, candidates: candidates)
        tests.append(test)
        if test.rejected { k0 += 1 } else { k1 -= 1 }
      }
      chosen = k0
    }
    var best = try data.fit(at: locations[chosen], level: level)
    let report = JoinpointSelection(
      method: method, requestedMaxJoinpoints: maxJoinpoints, maxJoinpoints: kMax, chosen: chosen,
      rss: rss, joinpoints: locations, bic: bic, tests: tests)
    best.selection = report
    return (best, report)
  }

  /// Average annual percent change over `[from, to]` (Clegg et al. 2009; NCI Joinpoint "AAPC").
  ///
  /// The AAPC slope is the mean of the segment slopes weighted by the length of each segment
  /// inside `[from, to]`: `β̄ = Σ_j (ℓ_j / (to − from)) β_j = b₁ + Σ_k c_k d_k` with
  /// `c_k = (to − max(from, τ_k))₊ / (to − from)`; `AAPC = 100 (exp β̄ − 1)`, its SE is
  /// `sqrt(Lᵀ V L)` for `L = (0, 1, c₁, …, c_K)`. As NCI does, when `[from, to]` lies within one
  /// segment the AAPC is that segment's APC with its t(n − 2K − 2) interval; when it spans a
  /// joinpoint the interval uses the normal quantile (NCI's parametric AAPC interval). A fit of
  /// counts (``JoinpointFit/likelihoodBased``) uses the normal quantile throughout.
  ///
  /// - Throws: `StatisticsError.invalidInput` unless `fit.years.first ≤ from < to ≤ fit.years.last`
  ///   and `level ∈ (0, 1)`.
  public static func aapc(_ fit: JoinpointFit, from: Double, to: Double, level: Double = 0.95)
    throws(StatisticsError) -> PercentChange
  {
    guard let first = fit.years.first, let last = fit.years.last else { throw .invalidInput("the fit has no periods") }
    guard from.isFinite, to.isFinite, from >= first, to <= last, from < to else {
      throw .invalidInput("AAPC range [\(from), \(to)] must satisfy \(first) ≤ from < to ≤ \(last)")
    }
    guard level > 0, level < 1 else { throw .invalidInput("level must be in (0, 1), got \(level)") }
    let p = fit.k + 2
    guard fit.coefficients.count == p, fit.covariance.rows == p, fit.covariance.columns == p else {
      throw .invalidInput("the fit's coefficients and covariance do not match its \(fit.k) joinpoints")
    }
    var l = [Double](repeating: 0, count: p)
    l[1] = 1
    for (k, tau) in fit.joinpoints.enumerated() { l[k + 2] = max(0, to - max(from, tau)) / (to - from) }
    let slope = zip(l, fit.coefficients).reduce(0.0) { $0 + $1.0 * $1.1 }
    let se = quadraticForm(l, fit.covariance).squareRoot()
    let spansJoinpoint = fit.joinpoints.contains { $0 > from && $0 < to }
    if !spansJoinpoint, let segment = fit.segments.first(where: { $0.from <= from && to <= $0.to }) {
      return PercentChange(
        slope: segment.slope, standardError: segment.slopeSE, level: level, df: fit.likelihoodBased ? nil : fit.df)
    }
    return PercentChange(slope: slope, standardError: se, level: level, df: nil)
  }

  /// The longest series a joinpoint fit takes: the table search keeps n × n tables (the hinge
  /// columns and their Gram matrix, 32 MB each at 2,000).
  public static let maximumObservations = 2000

  /// The work, admissible placements × series searched, that ``searchableJoinpoints(years:options:series:)``
  /// allows one search: about a second or two on one core for the table search
  /// (``GramHingeSearch``), whose cost per placement and series is a few floating-point operations.
  public static let searchBudget = 1.5e9

  /// The largest number of joinpoints `K` (up to what the series admits) whose exhaustive
  /// search over `series` responses (1 for BIC, permutations + 1 for the permutation test)
  /// visits at most `searchBudget` placement–series pairs, with the number of placements of
  /// `K`; nil when the data are invalid. A series of 400 periods admits 3 joinpoints in about
  /// 10 million placements, so its permutation test (1,000 series) can search 2 of them.
  public static func searchableJoinpoints(
    years: [Double], options: JoinpointOptions = JoinpointOptions(), series: Int
  ) -> (joinpoints: Int, placements: [Double])? {
    guard
      let data = try? Series(
        years: years, logRates: years.map { _ in 0 }, weights: nil, options: options, level: 0.95)
    else { return nil }
    let candidates = data.candidates(options)
    var placements: [Double] = [1]
    var k = 0
    while data.n >= 2 * (k + 1) + 3 {
      let count = candidates.count(k + 1)
      guard count >= 1 else { break }
      placements.append(count)
      guard count * Double(max(1, series)) <= searchBudget, count <= Double(options.maxCandidateSets) else { break }
      k += 1
    }
    return (k, placements)
  }

  /// The largest number of joinpoints the series admits under `options` (`n ≥ 2K + 3` and at
  /// least one admissible placement), or nil when the data are invalid.
  public static func maximumJoinpoints(years: [Double], options: JoinpointOptions = JoinpointOptions()) -> Int? {
    guard
      let data = try? Series(
        years: years, logRates: years.map { _ in 0 }, weights: nil, options: options, level: 0.95)
    else { return nil }
    let candidates = data.candidates(options)
    return max(0, min(candidates.longestChain(), (data.n - 3) / 2))
  }
}

/// `xᵀ A x`.
func quadraticForm(_ x: [Double], _ a: Matrix) -> Double {
  var s = 0.0
  for i in x.indices where i < a.rows {
    for j in x.indices where j < a.columns { s += x[i] * a[i, j] * x[j] }
  }
  return s
}
