import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Data sets drawn from the trajectory model's own generative process (see `TrajectoryData`),
/// for simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018,
/// "Validating Bayesian inference algorithms with simulation-based calibration") and for
/// checks under misspecification.
///
/// Per data set: `T`, `N` and `S` uniform in their ranges; the priors' level centre uniform in
/// [-1, 9] and, with probability `otherPriorsProbability`, scales other than the defaults; a
/// reference series with probability `referenceProbability`; with probability
/// `groupProbability`, up to four disjoint evidence groups of 2–4 statements. Then, as the model
/// says: `z`, `tau`, `x`; `eta`, `sigmaB`, `b` (0 for the reference); `omega`, `u`, `e`; per
/// statement a year and a series (uniform), its own sd `sigma ~ U(0.1, 0.6)`, outlier with
/// probability `p`, and its value `y* ~ N(mu, s)` or `N(mu, so)`.
///
/// What is stated of `y*` is drawn without looking at `y*` (kind: point 55%, one-sided 30%,
/// interval 15%), so that every statement's likelihood is exactly the model's:
/// - a point states `y*`;
/// - a one-sided statement has a cut `c` drawn before `y*` is looked at, from the values already
///   stated (the point nearest in year among the earlier statements, plus N(0, 0.5²); or the
///   prior's `N(levelCenter, levelScale²)` when there is none): "at least c" when `y* > c`,
///   "at most c" otherwise. The cut depends only on observed data and independent noise, so the
///   likelihood of "at least c" is `P(y* > c)`, the model's;
/// - an interval is the cell `[lo, lo + w)` holding `y*` of a grid of width `w ~ U(0.2, 1.5)`
///   with a random offset: rounding, whose likelihood is `P(lo < y* < lo + w)`.
///
/// Misspecification (`Settings.misspecified`): one series' bias is fixed at
/// `biasedSeriesLogBias` whatever `sigmaB` (the others' at 0 with `othersUnbiased`), it states at least `biasedSeriesMinimum` of the
/// statements, and an extra series, the outlying source, states `outlyingFraction` of the
/// statements with a further sd `outlyingExtraSD` added to theirs.
///
/// The same seed gives the same data set on every platform.
public enum TrajectorySimulation {
  /// What kind of data sets to draw.
  public struct Settings: Sendable, Equatable {
    /// Range of `T`, the number of years.
    public var years: ClosedRange<Int>
    /// Range of `N`, the number of statements.
    public var statements: ClosedRange<Int>
    /// Range of the number of series drawn from the model (the outlying source is extra).
    public var series: ClosedRange<Int>
    /// Probability that one series is the reference (never the biased one or the outlying source).
    public var referenceProbability: Double
    /// Probability that the data set has evidence groups.
    public var groupProbability: Double
    /// Probability of priors other than the defaults (scales halved or doubled, other outlier settings).
    public var otherPriorsProbability: Double
    /// The log-bias of one series, fixed whatever the model draws (nil: every bias from the model).
    public var biasedSeriesLogBias: Double?
    /// Fraction of the statements stated by an extra, outlying series (0: none).
    public var outlyingFraction: Double
    /// The outlying series' extra sd on the log scale, added in quadrature to each statement's own.
    public var outlyingExtraSD: Double
    /// The fewest statements of the biased series (at random positions; 0: as many as chance
    /// gives it, like every series).
    public var biasedSeriesMinimum: Int
    /// Whether every series but the biased one states the level itself (bias 0), so that the
    /// biased series is the one series out of line; false: their biases come from the model.
    public var othersUnbiased: Bool

    /// Creates settings; the defaults draw from the model's prior (`prior`).
    public init(
      years: ClosedRange<Int> = 5...25, statements: ClosedRange<Int> = 5...50, series: ClosedRange<Int> = 1...4,
      referenceProbability: Double = 0.4, groupProbability: Double = 0.6, otherPriorsProbability: Double = 0.25,
      biasedSeriesLogBias: Double? = nil, outlyingFraction: Double = 0, outlyingExtraSD: Double = 1.5,
      biasedSeriesMinimum: Int = 0, othersUnbiased: Bool = false
    ) {
      self.years = years
      self.statements = statements
      self.series = series
      self.referenceProbability = referenceProbability
      self.groupProbability = groupProbability
      self.otherPriorsProbability = otherPriorsProbability
      self.biasedSeriesLogBias = biasedSeriesLogBias
      self.outlyingFraction = outlyingFraction
      self.outlyingExtraSD = outlyingExtraSD
      self.biasedSeriesMinimum = biasedSeriesMinimum
      self.othersUnbiased = othersUnbiased
    }

    /// Data sets from the model's prior: everything as the model says.
    public static let prior = Settings()

    /// Misspecified data sets: 5–15 years and 20–50 statements (several sources stating most
    /// years), 2–4 series from the model, one of them biased threefold (log-bias `log 3`) and
    /// stating at least 5 of the statements, the others stating the level itself (bias 0: "one
    /// series biased threefold", the rest not), and an outlying source stating a tenth of them
    /// with a further sd of 1.5 (a factor of 12 at 90%). A series' bias is known only against
    /// other series' statements of the same and nearby years: the threefold series' contrast
    /// with the others has a 90% interval about 1.0 wide on the log scale (median of 500 data
    /// sets, `scripts/trajectory-calibration`), so a threefold bias (1.1) clears "1.5× with 90%
    /// probability" in about half of them.
    public static let misspecified = Settings(
      years: 5...15, statements: 20...50, series: 2...4, biasedSeriesLogBias: log(3.0), outlyingFraction: 0.1,
      outlyingExtraSD: 1.5, biasedSeriesMinimum: 5, othersUnbiased: true)
  }

  /// The values drawn for one data set.
  public struct Truth: Sendable, Equatable {
    /// The log-level `x` per year.
    public var logLevels: [Double]
    /// The bias `b` per series (log scale; 0 for the reference).
    public var logBiases: [Double]
    /// The yearly sd of the log-level's change.
    public var tau: Double
    /// The sd of the series' biases.
    public var sigmaB: Double
    /// The error beyond each statement's own sd.
    public var omega: Double
    /// The shared error `e` per evidence group.
    public var groupErrors: [Double]
    /// Per statement, whether it was drawn from the outlier component.
    public var outliers: [Bool]
    /// The series whose bias was fixed (`Settings.biasedSeriesLogBias`), if any.
    public var biasedSeries: Int?
    /// The outlying source's series index, if any.
    public var outlyingSeries: Int?
  }

  /// Draws one data set and the values behind it.
  public static func draw(seed: UInt64, settings: Settings = .prior) -> (data: TrajectoryData, truth: Truth) {
    var g = SimulationRandom(seed: seed)
    let t = g.integer(in: settings.years)
    let n = g.integer(in: settings.statements)
    let modelSeries = g.integer(in: settings.series)
    let priors = drawPriors(&g, otherProbability: settings.otherPriorsProbability)

    // Series: the model's, then the outlying source.
    let outlyingCount =
      settings.outlyingFraction > 0 ? max(1, Int((settings.outlyingFraction * Double(n)).rounded())) : 0
    let outlying: Int? = outlyingCount > 0 ? modelSeries : nil
    let seriesCount = modelSeries + (outlying == nil ? 0 : 1)
    let biased: Int? = settings.biasedSeriesLogBias == nil ? nil : g.integer(in: 0...(modelSeries - 1))
    let candidates = (0..<modelSeries).filter { $0 != biased }
    var reference: Int?
    if !candidates.isEmpty, g.uniform() < settings.referenceProbability {
      reference = candidates[g.integer(in: 0...(candidates.count - 1))]
    }

    // Evidence groups: disjoint sets of 2–4 statements.
    var group = [Int?](repeating: nil, count: n)
    var groupCount = 0
    if g.uniform() < settings.groupProbability, n >= 6 {
      var pool = g.permutation(n)
      for _ in 0..<g.integer(in: 1...min(4, n / 3)) {
        let size = g.integer(in: 2...4)
        guard pool.count >= size else { break }
        for i in pool.prefix(size) { group[i] = groupCount }
        pool.removeFirst(size)
        groupCount += 1
      }
    }

    // The latent quantities.
    let z = (0..<t).map { _ in g.normal() }
    let tau = abs(priors.smoothnessScale * g.normal())
    var x = [priors.levelCenter + priors.levelScale * z[0]]
    for k in 1..<t { x.append(x[k - 1] + tau * z[k]) }
    let eta = (0..<seriesCount).map { _ in g.normal() }
    let sigmaB = abs(priors.biasScale * g.normal())
    var b = eta.map { sigmaB * $0 }
    if let reference { b[reference] = 0 }
    if settings.othersUnbiased { b = b.map { _ in 0 } }
    if let biased, let fixed = settings.biasedSeriesLogBias { b[biased] = fixed }
    let omega = abs(priors.errorScale * g.normal())
    let e = (0..<groupCount).map { _ in omega * g.normal() }

    // The statements: the outlying source's at random positions.
    var fromOutlying = [Bool](repeating: false, count: n)
    let order = g.permutation(n)
    for i in order.prefix(outlyingCount) { fromOutlying[i] = true }
    // The biased series' fewest statements, at the next positions of the same permutation.
    var fromBiased = [Bool](repeating: false, count: n)
    if biased != nil {
      for i in order.dropFirst(outlyingCount).prefix(settings.biasedSeriesMinimum) { fromBiased[i] = true }
    }
    var statements: [TrajectoryStatement] = []
    var outliers: [Bool] = []
    var points: [(year: Int, value: Double)] = []
    for i in 0..<n {
      let year = g.integer(in: 0...(t - 1))
      let drawn = fromOutlying[i] ? seriesCount - 1 : g.integer(in: 0...(modelSeries - 1))
      let series = fromBiased[i] ? (biased ?? drawn) : drawn
      let sigma = 0.1 + 0.5 * g.uniform()
      let s = group[i] == nil ? (sigma * sigma + omega * omega).squareRoot() : sigma
      let isOutlier = g.uniform() < priors.outlierProbability
      var sd = isOutlier ? (s * s + priors.outlierScale * priors.outlierScale).squareRoot() : s
      if fromOutlying[i] { sd = (sd * sd + settings.outlyingExtraSD * settings.outlyingExtraSD).squareRoot() }
      let mu = x[year] + b[series] + (group[i].map { e[$0] } ?? 0)
      let kindDraw = g.uniform()
      // Censoring settings are drawn before the value, so they cannot depend on it.
      let cut = cutValue(&g, year: year, points: points, priors: priors)
      let width = 0.2 + 1.3 * g.uniform()
      let offset = width * g.uniform()
      let value = mu + sd * g.normal()
      var statement = TrajectoryStatement(
        id: "s\(i + 1)", year: year, series: series, group: group[i], kind: .point, y: value, sigma: sigma)
      if kindDraw < 0.55 {
        points.append((year, value))
      } else if kindDraw < 0.85 {
        statement.kind = value > cut ? .lower : .upper
        statement.y = cut
      } else {
        let low = offset + width * ((value - offset) / width).rounded(.down)
        statement.kind = .interval
        statement.low = low
        statement.high = low + width
        statement.y = low + width / 2
      }
      statements.append(statement)
      outliers.append(isOutlier)
    }
    var names = (0..<modelSeries).map { "series \($0 + 1)" }
    if outlying != nil { names.append("outlying source") }
    let data = TrajectoryData(
      years: Array(2000..<(2000 + t)), statements: statements, series: names,
      groups: (0..<groupCount).map { "group \($0 + 1)" }, reference: reference, priors: priors)
    let truth = Truth(
      logLevels: x, logBiases: b, tau: tau, sigmaB: sigmaB, omega: omega, groupErrors: e, outliers: outliers,
      biasedSeries: biased, outlyingSeries: outlying)
    return (data, truth)
  }

  /// The priors: level centre uniform in [-1, 9]; with probability `otherProbability` each
  /// scale halved or doubled and the outlier probability and scale changed, so that a prior
  /// wired wrongly shows.
  static func drawPriors(_ g: inout SimulationRandom, otherProbability: Double) -> TrajectoryPriors {
    var priors = TrajectoryPriors(levelCenter: -1 + 10 * g.uniform())
    if g.uniform() < otherProbability {
      let factor = { (g: inout SimulationRandom) in g.uniform() < 0.5 ? 0.5 : 2.0 }
      priors.levelScale = g.uniform() < 0.5 ? 1.5 : 4
      priors.smoothnessScale *= factor(&g)
      priors.biasScale *= factor(&g)
      priors.errorScale *= factor(&g)
      priors.outlierProbability = g.uniform() < 0.5 ? 0.05 : 0.2
      priors.outlierScale = g.uniform() < 0.5 ? 1 : 2.5
    }
    return priors
  }

  /// The cut of a one-sided statement in year `year`: the earlier point nearest in year (the
  /// first of the nearest) plus N(0, 0.5²), or N(levelCenter, levelScale²) when there is none.
  /// Always draws one normal, so the stream does not depend on the points.
  static func cutValue(
    _ g: inout SimulationRandom, year: Int, points: [(year: Int, value: Double)], priors: TrajectoryPriors
  ) -> Double {
    let noise = g.normal()
    guard let nearest = points.min(by: { abs($0.year - year) < abs($1.year - year) }) else {
      return priors.levelCenter + priors.levelScale * noise
    }
    return nearest.value + 0.5 * noise
  }
}

/// The simulation's random numbers: SplitMix64 (Steele, Lea & Flood 2014) on a seed scrambled
/// once, normals by inversion (`Normal.quantile` of a uniform in (0, 1)). Deterministic on every
/// platform, independent of the sampler's generator.
struct SimulationRandom {
  /// The project's SplitMix64, its state the first output for `seed` mixed with "TRAJECTY".
  private var bits: SplitMix64

  /// A generator for `seed`.
  init(seed: UInt64) {
    var first = SplitMix64(state: seed ^ 0x5452_414A_4543_5459)  // "TRAJECTY"
    bits = SplitMix64(state: first.next())
  }

  /// The next 64 random bits.
  mutating func next() -> UInt64 { bits.next() }

  /// Uniform in (0, 1): 53 random bits, centred in their cell.
  mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

  /// A standard normal.
  mutating func normal() -> Double { Normal.quantile(uniform()) }

  /// Uniform on the integers of `range` (by floor of a uniform: bias below 2⁻⁵⁰ for small ranges).
  mutating func integer(in range: ClosedRange<Int>) -> Int {
    let k = Int(uniform() * Double(range.count))
    return range.lowerBound + min(k, range.count - 1)
  }

  /// A random permutation of `0..<n` (Fisher–Yates).
  mutating func permutation(_ n: Int) -> [Int] {
    var out = Array(0..<n)
    guard n > 1 else { return out }
    for i in stride(from: n - 1, to: 0, by: -1) { out.swapAt(i, integer(in: 0...i)) }
    return out
  }
}
