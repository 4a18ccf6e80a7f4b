import Dispatch
import Foundation
import Numerics
import Testing

@testable import Statistics

/// A small simulation-based calibration of the trajectory model (the full one is
/// `scripts/trajectory-calibration`), and the simulation's generator and rank statistics.
@Suite("Trajectory calibration")
struct TrajectoryCalibrationTests {
  // MARK: Small calibration

  /// Smaller data sets than the full run's, for speed in a debug build.
  static let small = TrajectorySimulation.Settings(years: 5...10, statements: 5...20, series: 1...3)
  static let datasets = 60
  /// L: 20 rank values, in 4 bins of 5 (15 ranks expected per bin).
  static let thin = 19

  /// Fits data set `j` (2 chains of 300 warmup + 200 draws) and checks it against its truth.
  static func fitAndCheck(_ j: Int) -> (check: TrajectorySimulation.Check, seed: UInt64)? {
    let seed = 9000 + UInt64(j)
    let (data, truth) = TrajectorySimulation.draw(seed: seed, settings: small)
    let options = TrajectoryOptions(seed: seed, chains: 2, warmup: 300, draws: 200, threads: 1)
    guard let fit = try? Trajectory.fit(data, options: options) else { return nil }
    return (TrajectorySimulation.check(fit, truth: truth, thinnedTo: thin), seed)
  }

  /// 60 data sets from the prior, fitted with few draws: the ranks of one year's level per data
  /// set (the year chosen by the seed), of tau and of omega are not grossly non-uniform (chi-square
  /// on 4 bins, p > 0.001), and the level's 90% intervals hold the truth within a binomial band
  /// (counting each data set as one observation: ±3·√(0.09/60), 78–100%). A sampler or model off
  /// by a sign or a factor fails it: see `scripts/peers/trajectory/README.md`, where planting a
  /// doubled walk sd or flipped bounds in the generator is reported to fail this test.
  @Test("Ranks of 60 prior data sets are not grossly non-uniform; the 90% intervals cover")
  func smallCalibration() throws {
    let results = Box()
    DispatchQueue.concurrentPerform(iterations: 2) { w in
      for j in stride(from: w, to: Self.datasets, by: 2) { results.put(j, Self.fitAndCheck(j)) }
    }
    let outcomes = results.all()
    #expect(outcomes.count == Self.datasets, "fits failed: \(Self.datasets - outcomes.count)")
    let oneYear = outcomes.map { $0.check.levelRanks[Int($0.seed % UInt64($0.check.levelRanks.count))] }
    let tests: [(String, [Int])] = [
      ("level (one year per data set)", oneYear), ("tau", outcomes.map(\.check.tauRank)),
      ("omega", outcomes.map(\.check.omegaRank)),
    ]
    var line = "small calibration of \(outcomes.count) data sets:"
    for (name, ranks) in tests {
      let u = TrajectorySimulation.uniformity(ranks: ranks, maxRank: Self.thin, bins: 4)
      line += " \(name) \(u.observed) p \(u.pValue);"
      #expect(u.pValue > 0.001, "\(name): ranks per bin \(u.observed), chi-square \(u.statistic), p \(u.pValue)")
    }
    let covered = outcomes.flatMap(\.check.levelCovered)
    let rate = Double(covered.filter { $0 }.count) / Double(covered.count)
    let band = 3 * (0.09 / Double(outcomes.count)).squareRoot()
    print(line + " level coverage \(rate) of \(covered.count)")
    #expect(abs(rate - 0.9) <= band, "coverage \(rate) of \(covered.count) levels, outside 0.9 ± \(band)")
  }

  /// The outcomes, stored from two threads.
  final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int: (check: TrajectorySimulation.Check, seed: UInt64)] = [:]
    func put(_ j: Int, _ item: (check: TrajectorySimulation.Check, seed: UInt64)?) {
      lock.lock()
      defer { lock.unlock() }
      items[j] = item
    }
    func all() -> [(check: TrajectorySimulation.Check, seed: UInt64)] {
      lock.lock()
      defer { lock.unlock() }
      return items.keys.sorted().compactMap { items[$0] }
    }
  }

  // MARK: The generator

  /// The same seed gives the same data set and truth; every data set is valid and within its
  /// settings; one-sided statements and intervals are consistent with nothing but their kind.
  @Test("The generator is deterministic and its data sets are valid")
  func generator() throws {
    #expect(TrajectorySimulation.draw(seed: 5) == TrajectorySimulation.draw(seed: 5))
    #expect(TrajectorySimulation.draw(seed: 5).data != TrajectorySimulation.draw(seed: 6).data)
    var kinds: [TrajectoryObservationKind: Int] = [:]
    var withReference = 0
    var withGroups = 0
    for seed in UInt64(0)..<300 {
      let (data, truth) = TrajectorySimulation.draw(seed: seed)
      try data.validate()
      #expect((5...25).contains(data.years.count) && (5...50).contains(data.statements.count))
      #expect((1...4).contains(data.series.count) && data.groups.count <= 4)
      #expect(truth.logLevels.count == data.years.count && truth.outliers.count == data.statements.count)
      #expect(truth.logBiases.count == data.series.count && truth.groupErrors.count == data.groups.count)
      if let r = data.reference {
        #expect(truth.logBiases[r] == 0)
        withReference += 1
      }
      if !data.groups.isEmpty { withGroups += 1 }
      for g in data.groups.indices {
        #expect((2...4).contains(data.statements.filter { $0.group == g }.count))
      }
      for s in data.statements { kinds[s.kind, default: 0] += 1 }
      #expect(truth.biasedSeries == nil && truth.outlyingSeries == nil)
    }
    // Reference in 40%, groups in up to 60% of data sets; kinds 55/15/15/15% (bounds split by the value).
    #expect((90...150).contains(withReference), "reference in \(withReference) of 300")
    #expect((120...185).contains(withGroups), "groups in \(withGroups) of 300")
    let total = Double(kinds.values.reduce(0, +))
    #expect(abs(Double(kinds[.point] ?? 0) / total - 0.55) < 0.03)
    #expect(abs(Double((kinds[.lower] ?? 0) + (kinds[.upper] ?? 0)) / total - 0.30) < 0.03)
    #expect(abs(Double(kinds[.interval] ?? 0) / total - 0.15) < 0.03)
    #expect(kinds[.lower] ?? 0 > 0 && kinds[.upper] ?? 0 > 0)
  }

  /// The latent values follow their priors: x[1] ~ N(levelCenter, levelScale), tau/scale
  /// half-normal (mean √(2/π)), the walk's steps z ~ N(0, 1), outliers at the prior probability.
  @Test("The generator draws the latent values from the model's priors")
  func priors() throws {
    var first: [Double] = []
    var tau: [Double] = []
    var steps: [Double] = []
    var outliers = 0
    var expectedOutliers = 0.0
    for seed in UInt64(0)..<2000 {
      let (data, truth) = TrajectorySimulation.draw(seed: seed)
      let p = data.priors
      first.append((truth.logLevels[0] - p.levelCenter) / p.levelScale)
      tau.append(truth.tau / p.smoothnessScale)
      if truth.tau > 1e-3 {
        for t in 1..<truth.logLevels.count { steps.append((truth.logLevels[t] - truth.logLevels[t - 1]) / truth.tau) }
      }
      outliers += truth.outliers.filter { $0 }.count
      expectedOutliers += p.outlierProbability * Double(data.statements.count)
    }
    func moments(_ v: [Double]) -> (mean: Double, sd: Double) {
      let m = v.reduce(0, +) / Double(v.count)
      return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot())
    }
    let x = moments(first)
    #expect(abs(x.mean) < 0.1 && abs(x.sd - 1) < 0.06, "x[1]: \(x)")
    let z = moments(steps)
    #expect(abs(z.mean) < 0.03 && abs(z.sd - 1) < 0.03, "walk steps: \(z)")
    let halfNormalMean = (2 / Double.pi).squareRoot()
    #expect(abs(moments(tau).mean - halfNormalMean) < 0.04, "tau/scale mean \(moments(tau).mean)")
    #expect(abs(Double(outliers) / expectedOutliers - 1) < 0.08, "outliers \(outliers) vs \(expectedOutliers)")
  }

  /// The misspecified settings: one series' bias is log 3, never the reference, and it states
  /// at least 5 of the 20–50 statements over 5–15 years; an extra outlying series states a tenth
  /// of them.
  @Test("Misspecified data sets have a threefold bias and an outlying source")
  func misspecified() throws {
    for seed in UInt64(0)..<200 {
      let (data, truth) = TrajectorySimulation.draw(seed: seed, settings: .misspecified)
      try data.validate()
      let biased = try #require(truth.biasedSeries)
      let outlying = try #require(truth.outlyingSeries)
      #expect(truth.logBiases[biased] == log(3.0))
      #expect(data.reference != biased && data.reference != outlying && biased != outlying)
      #expect(outlying == data.series.count - 1 && (3...5).contains(data.series.count))
      let fromOutlying = data.statements.filter { $0.series == outlying }.count
      #expect(fromOutlying == max(1, Int((0.1 * Double(data.statements.count)).rounded())))
      #expect(data.statements.filter { $0.series == biased }.count >= 5)
      #expect((20...50).contains(data.statements.count) && (5...15).contains(data.years.count))
    }
  }

  // MARK: Ranks

  @Test("Ranks, thinning and the chi-square test of uniformity")
  func rankStatistics() {
    #expect(TrajectorySimulation.rank(2.5, among: [3, 1, 2, 4]) == 2)
    #expect(TrajectorySimulation.rank(0, among: [3, 1]) == 0 && TrajectorySimulation.rank(9, among: [3, 1]) == 2)
    #expect(TrajectorySimulation.thinnedIndices(count: 10, keep: 5) == [1, 3, 5, 7, 9])
    #expect(TrajectorySimulation.thinnedIndices(count: 4000, keep: 99).count == 99)
    #expect(TrajectorySimulation.thinnedIndices(count: 3, keep: 5) == [0, 1, 2])
    // Ranks 0…19 once each in 4 bins: perfectly uniform.
    let even = TrajectorySimulation.uniformity(ranks: Array(0...19), maxRank: 19, bins: 4)
    #expect(even.observed == [5, 5, 5, 5] && even.statistic == 0 && even.pValue == 1)
    // All in the first bin: statistic (20-5)²/5 + 3·5 = 60 on 3 df.
    let skewed = TrajectorySimulation.uniformity(ranks: [Int](repeating: 0, count: 20), maxRank: 19, bins: 4)
    #expect(skewed.statistic == 60 && skewed.degreesOfFreedom == 3)
    #expect(abs(skewed.pValue - ChiSquared.sf(60, df: 3)) < 1e-15 && skewed.pValue < 1e-11)
    // Unequal bins: 0…4 in 2 bins holds 3 and 2 values.
    let unequal = TrajectorySimulation.uniformity(ranks: [0, 1, 2, 3, 4], maxRank: 4, bins: 2)
    #expect(unequal.expected == [3, 2] && unequal.observed == [3, 2])
  }
}
