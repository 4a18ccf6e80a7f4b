import Numerics

extension TrajectorySimulation {
  /// One fit checked against the values its data were drawn from: the rank of each true value
  /// among `L` thinned posterior draws (Talts et al. 2018: uniform on `0…L` when the sampler
  /// draws from the posterior and the data come from the prior), and whether each central
  /// interval (the fit's `level`, from all draws) holds the true value.
  public struct Check: Sendable, Equatable {
    /// `L`, the number of thinned draws: every rank lies in `0…L`.
    public var draws: Int
    /// Per year, the rank of the true log-level.
    public var levelRanks: [Int]
    /// The rank of the true tau.
    public var tauRank: Int
    /// The rank of the true sigmaB.
    public var sigmaBRank: Int
    /// The rank of the true omega.
    public var omegaRank: Int
    /// Per series, the rank of the true bias; nil for the reference series (its bias is 0).
    public var biasRanks: [Int?]
    /// Per year, whether the level's central interval holds the true level.
    public var levelCovered: [Bool]
    /// Per series, whether the bias's central interval holds the true bias (true for the reference).
    public var biasCovered: [Bool]
    /// Per series, whether the bias's central interval lies wholly above or below 0 (the series
    /// is flagged as biased; false for the reference).
    public var biasExcludesZero: [Bool]
  }

  /// Checks `result` against `truth` with `thinnedTo` draws for the ranks (at most the fit's
  /// number of draws); see `Check`.
  public static func check(_ result: TrajectoryResult, truth: Truth, thinnedTo l: Int) -> Check {
    let d = result.draws
    let keep = thinnedIndices(count: d.count, keep: l)
    let level = result.level
    func interval(_ values: [Double]) -> (low: Double, high: Double) {
      let sorted = values.sorted()
      return (
        PosteriorDiagnostics.quantile(sorted: sorted, (1 - level) / 2),
        PosteriorDiagnostics.quantile(sorted: sorted, (1 + level) / 2)
      )
    }
    func thinnedRank(_ value: Double, _ values: [Double]) -> Int { rank(value, among: keep.map { values[$0] }) }
    var levelRanks: [Int] = []
    var levelCovered: [Bool] = []
    for (k, x) in truth.logLevels.enumerated() {
      let values = d.logLevels(year: k)
      levelRanks.append(thinnedRank(x, values))
      let i = interval(values)
      levelCovered.append(i.low <= x && x <= i.high)
    }
    var biasRanks: [Int?] = []
    var biasCovered: [Bool] = []
    var excludesZero: [Bool] = []
    for (k, bias) in result.biases.enumerated() {
      let truthBias = truth.logBiases[k]
      if bias.isReference {
        biasRanks.append(nil)
        biasCovered.append(true)
        excludesZero.append(false)
        continue
      }
      let values = (0..<d.count).map { d.logBiases[$0 * d.seriesCount + k] }
      biasRanks.append(thinnedRank(truthBias, values))
      let i = interval(values)
      biasCovered.append(i.low <= truthBias && truthBias <= i.high)
      excludesZero.append(i.low > 0 || i.high < 0)
    }
    return Check(
      draws: keep.count, levelRanks: levelRanks, tauRank: thinnedRank(truth.tau, d.tau),
      sigmaBRank: thinnedRank(truth.sigmaB, d.sigmaB), omegaRank: thinnedRank(truth.omega, d.omega),
      biasRanks: biasRanks, levelCovered: levelCovered, biasCovered: biasCovered, biasExcludesZero: excludesZero)
  }

  /// `keep` indices spread evenly over `0..<count` (the middle of each of `keep` equal parts),
  /// all of them when `keep >= count`: thinning that lowers the autocorrelation of the kept
  /// draws, across chains laid end to end.
  public static func thinnedIndices(count: Int, keep: Int) -> [Int] {
    guard keep < count else { return Array(0..<count) }
    return (0..<keep).map { k in ((2 * k + 1) * count) / (2 * keep) }
  }

  /// The rank of `value` among `draws`: how many draws lie below it (0…`draws.count`).
  public static func rank(_ value: Double, among draws: [Double]) -> Int {
    draws.reduce(0) { $0 + ($1 < value ? 1 : 0) }
  }

  /// A chi-square test that ranks are uniform on `0…maxRank`.
  public struct Uniformity: Sendable, Equatable {
    /// The number of ranks.
    public var count: Int
    /// Ranks per bin.
    public var observed: [Int]
    /// Expected ranks per bin under uniformity.
    public var expected: [Double]
    /// Pearson's statistic `Σ (observed - expected)²/expected`.
    public var statistic: Double
    /// Degrees of freedom: bins - 1.
    public var degreesOfFreedom: Int
    /// `P(χ² ≥ statistic)`; NaN for fewer than two bins or no ranks.
    public var pValue: Double
  }

  /// Pearson's chi-square test of `ranks` (each in `0…maxRank`) against the uniform distribution,
  /// in `bins` bins of consecutive ranks (bin `⌊r·bins/(maxRank+1)⌋`; equal bins when
  /// `maxRank + 1` is a multiple of `bins`, otherwise each bin's expectation counts its ranks).
  public static func uniformity(ranks: [Int], maxRank: Int, bins: Int) -> Uniformity {
    let values = maxRank + 1
    let b = max(1, min(bins, values))
    var observed = [Int](repeating: 0, count: b)
    var width = [Int](repeating: 0, count: b)
    for r in 0..<values { width[r * b / values] += 1 }
    for r in ranks where (0...maxRank).contains(r) { observed[r * b / values] += 1 }
    let n = observed.reduce(0, +)
    let expected = width.map { Double(n) * Double($0) / Double(values) }
    var statistic = 0.0
    for (o, e) in zip(observed, expected) where e > 0 { statistic += (Double(o) - e) * (Double(o) - e) / e }
    let p = b > 1 && n > 0 ? ChiSquared.sf(statistic, df: Double(b - 1)) : .nan
    return Uniformity(
      count: n, observed: observed, expected: expected, statistic: statistic, degreesOfFreedom: b - 1, pValue: p)
  }
}
