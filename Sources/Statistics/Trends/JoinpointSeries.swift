import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A validated series for joinpoint fitting.
struct Series {
  let years: [Double]
  let y: [Double]
  let weights: [Double]?
  let sqrtWeights: [Double]
  let n: Int

  /// Validates lengths, finiteness, ordering, weights, options and level.
  init(years: [Double], logRates: [Double], weights: [Double]?, options: JoinpointOptions, level: Double)
    throws(StatisticsError)
  {
    let n = years.count
    guard logRates.count == n else {
      throw .invalidInput("years has \(n) values but logRates has \(logRates.count)")
    }
    guard n >= 3 else { throw .invalidInput("a joinpoint fit needs at least 3 observations, got \(n)") }
    guard n <= Joinpoint.maximumObservations else {
      throw .invalidInput(
        "a joinpoint fit takes at most \(Joinpoint.maximumObservations) observations, got \(n): the exhaustive search's tables grow as n²"
      )
    }
    if let i = years.firstIndex(where: { !$0.isFinite }) { throw .invalidInput("year \(i + 1) is not finite") }
    if let i = logRates.firstIndex(where: { !$0.isFinite }) {
      throw .invalidInput("log rate \(i + 1) is not finite (a zero or negative rate?)")
    }
    for i in 1..<n where !(years[i] > years[i - 1]) {
      throw .invalidInput("years must be strictly increasing (year \(i + 1) = \(years[i]) after \(years[i - 1]))")
    }
    var sw = [Double](repeating: 1, count: n)
    if let w = weights {
      guard w.count == n else { throw .invalidInput("years has \(n) values but weights has \(w.count)") }
      for (i, wi) in w.enumerated() {
        guard wi.isFinite, wi > 0 else {
          throw .invalidInput("weight \(i + 1) is \(wi); weights must be finite and > 0")
        }
        sw[i] = wi.squareRoot()
      }
    }
    guard level > 0, level < 1 else { throw .invalidInput("level must be in (0, 1), got \(level)") }
    guard (0...1000).contains(options.gridPerUnit) else {
      throw .invalidInput("gridPerUnit must be in 0…1000, got \(options.gridPerUnit)")
    }
    guard options.minObservationsFromEnd >= 1, options.minObservationsBetween >= 0 else {
      throw .invalidInput("minimum observations must be ≥ 1 from either end and ≥ 0 between joinpoints")
    }
    guard options.maxCandidateSets >= 1 else { throw .invalidInput("maxCandidateSets must be ≥ 1") }
    self.years = years
    self.y = logRates
    self.weights = weights
    self.sqrtWeights = sw
    self.n = n
  }

  /// `W^{1/2} y`.
  var weightedResponse: [Double] { zip(sqrtWeights, y).map { $0 * $1 } }

  func candidates(_ options: JoinpointOptions) -> JoinpointCandidates {
    JoinpointCandidates(
      years: years, gridPerUnit: options.gridPerUnit, minEnd: options.minObservationsFromEnd,
      minBetween: options.minObservationsBetween)
  }

  /// Throws unless `k` joinpoints can be fitted (`JoinpointCandidates.checkAdmissible`), the
  /// search at most `options.maxCandidateSets` placements.
  func checkAdmissible(_ k: Int, candidates: JoinpointCandidates, options: JoinpointOptions) throws(StatisticsError) {
    try candidates.checkAdmissible(
      k, maximum: options.maxCandidateSets, unit: "observations",
      hint: "; at most \(Joinpoint.maximumJoinpoints(years: years, options: options) ?? 0) joinpoint(s) fit this series"
    )
  }

  /// The least-squares fit with joinpoints at `taus`, by `LeastSquares.solve` (QR with iterative
  /// refinement) on the design `[1, t − c, (t − τ₁)₊, …]` with `c` the mean period; the intercept
  /// and covariance are then mapped to the uncentred parametrisation `b₀ = a₀ − c b₁`.
  func fit(at taus: [Double], level: Double) throws(StatisticsError) -> JoinpointFit {
    let k = taus.count
    let p = k + 2
    let centre = Summation.mean(years)
    var columns: [[Double]] = [[Double](repeating: 1, count: n), years.map { $0 - centre }]
    for t in taus { columns.append(years.map { max($0 - t, 0) }) }
    let design: Matrix
    let ls: LeastSquaresResult
    do {
      design = try Matrix(columns: columns)
      ls = try LeastSquares.solve(design: design, response: y, weights: weights, tolerance: 1e-10)
    } catch {
      throw error.asStatistics
    }
    guard ls.rank == p else {
      throw .numerical("the hinge design for joinpoints \(taus) is rank deficient (rank \(ls.rank) < \(p))")
    }
    let residualDF = n - p
    let sigma2 = ls.residualSumOfSquares / Double(residualDF)
    var v = ls.unscaledCovariance
    for i in v.storage.indices { v.storage[i] *= sigma2 }
    let df = n - (2 * k + 2)

    // Segments: slope_j = b₁ + d₁ + … + d_j.
    var segments: [JoinpointSegment] = []
    let edges = [years[0]] + taus + [years[n - 1]]
    for j in 0...k {
      var l = [Double](repeating: 0, count: p)
      l[1] = 1
      for m in 0..<j { l[m + 2] = 1 }
      let slope = zip(l, ls.coefficients).reduce(0.0) { $0 + $1.0 * $1.1 }
      let se = quadraticForm(l, v).squareRoot()
      segments.append(
        JoinpointSegment(
          from: edges[j], to: edges[j + 1], slope: slope, slopeSE: se,
          apc: PercentChange(slope: slope, standardError: se, level: level, df: df)))
    }
    var fittedSE = [Double](repeating: 0, count: n)
    var row = [Double](repeating: 0, count: p)
    for i in 0..<n {
      for j in 0..<p { row[j] = design[i, j] }
      fittedSE[i] = quadraticForm(row, v).squareRoot()
    }
    // Uncentred parametrisation: b₀ = a₀ − c b₁; V' = J V Jᵀ with J = I − c e₀ e₁ᵀ.
    var coefficients = ls.coefficients
    coefficients[0] -= centre * coefficients[1]
    var u = v
    for j in 0..<p { u[0, j] = v[0, j] - centre * v[1, j] }
    var cov = u
    for i in 0..<p { cov[i, 0] = u[i, 0] - centre * u[i, 1] }
    return JoinpointFit(
      years: years, k: k, joinpoints: taus, segments: segments, coefficients: coefficients,
      covariance: cov, rss: ls.residualSumOfSquares, sigma2: sigma2, residualDF: residualDF, df: df,
      fitted: ls.fitted, fittedSE: fittedSE, level: level, selection: nil)
  }

  /// One permutation test of `k₀` against `k₁` joinpoints (Kim et al. 2000, §3); see
  /// `Joinpoint.select` for the procedure.
  func permutationTest(
    k0: Int, k1: Int, nullLocations: [Double], kMax: Int, permutations b: Int, seed: UInt64,
    alpha: Double, candidates: JoinpointCandidates
  ) throws(StatisticsError) -> JoinpointPermutationTest {
    let null = try fit(at: nullLocations, level: 0.95)
    let base = (0..<n).map { sqrtWeights[$0] * null.fitted[$0] }
    let residuals = (0..<n).map { sqrtWeights[$0] * (y[$0] - null.fitted[$0]) }
    let r = b + 1
    var responses = [Double](repeating: 0, count: n * r)
    let observed = weightedResponse
    for i in 0..<n { responses[i] = observed[i] }
    var rng = SplitMix64(seed: seed, stream: UInt64(k0) << 32 | UInt64(k1))
    var order = Array(0..<n)
    for c in 1..<r {
      for i in 0..<n { order[i] = i }
      rng.shuffle(&order)
      for i in 0..<n { responses[c * n + i] = base[i] + residuals[order[i]] }
    }
    var search = JoinpointSearch(
      periods: years, sqrtWeights: sqrtWeights, responses: responses, r: r, maxJoinpoints: k1, candidates: candidates)
    let rss0 = try search.best(k0).rss
    let rss1 = try search.best(k1).rss
    func statistic(_ c: Int) -> Double {
      let a = rss0[c]
      let b = rss1[c]
      if b > 0 { return (a - b) / b }
      return a > 0 ? .infinity : 0
    }
    let t = statistic(0)
    var exceed = 0
    for c in 1..<r where statistic(c) >= t - 1e-12 * abs(t) { exceed += 1 }
    let p = Double(1 + exceed) / Double(r)
    let level = alpha / Double(kMax - k0)
    return JoinpointPermutationTest(
      nullJoinpoints: k0, alternativeJoinpoints: k1, statistic: t, exceedances: exceed, permutations: b,
      pValue: p, level: level, rejected: p <= level)
  }
}

/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators",
/// OOPSLA; constants of Vigna's reference `splitmix64.c`): a 64-bit state advanced by the golden
/// gamma and a finalising mix. Deterministic on every platform, unlike `SystemRandomNumberGenerator`.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  /// A generator for `seed`, with `stream` mixed in so that different tests draw independent-looking
  /// sequences from one user seed.
  init(seed: UInt64, stream: UInt64 = 0) {
    var s = SplitMix64(state: seed)
    state = s.next() ^ (stream &* 0xD1B5_4A32_D192_ED03)
  }

  init(state: UInt64) { self.state = state }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform integer in `0..<bound` (`bound ≥ 1`) by rejection of the biased low range.
  mutating func below(_ bound: UInt64) -> UInt64 {
    guard bound > 1 else { return 0 }
    let threshold = (0 &- bound) % bound
    while true {
      let x = next()
      if x >= threshold { return x % bound }
    }
  }

  /// Fisher–Yates shuffle (Knuth, TAOCP vol. 2, Algorithm 3.4.2P).
  mutating func shuffle(_ a: inout [Int]) {
    var i = a.count - 1
    while i > 0 {
      let j = Int(below(UInt64(i + 1)))
      a.swapAt(i, j)
      i -= 1
    }
  }
}
