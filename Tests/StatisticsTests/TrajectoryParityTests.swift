import Foundation
import TestSupport
import Testing

@testable import Statistics

/// Parity with Stan (issue #28): on the seed data (`Tests/Fixtures/trajectory/seed-nk`, the
/// `nk_in_china` statements of `datasets/nk-in-china.csv` as `reconcile trajectory --emit-stan`
/// writes them) and the 20 reference data sets (`random-NN`), each sampled by Stan 2.35 with 4
/// chains of 1000 warmup and 10,000 to 200,000 draws (each run's in its `stan-run.txt`), our sampler's posterior quantiles
/// agree with Stan's within Monte Carlo error and within 2% on the log scale.
///
/// For every year's level, the 5%, 50% and 95% quantiles on the log scale: the difference `d`
/// must satisfy `|d| ≤ 4·√(mcse_ours² + mcse_stan²)` (the MCSEs of `posterior::mcse_quantile`,
/// ours by `PosteriorDiagnostics.quantileMCSE`; Stan's natural-scale MCSE over the quantile is
/// its log-scale MCSE, the delta method, as the log is monotone), and `|d| ≤ 0.02` wherever the
/// two samplers' Monte Carlo error leaves that bound checkable: `4·√(mcse_ours² + mcse_stan²) ≤
/// 0.02`. Elsewhere a 4-sd Monte Carlo difference alone exceeds 2%, and the bound would be a coin
/// toss: those quantiles are counted and printed, never silently passed, and at least
/// `minimumCheckedShare` of all level quantiles must be checked at 2%, so that the bound cannot
/// quietly stop being tested. Series biases and tau, sigmaB and omega: the medians within
/// `4·√(mcse_ours² + mcse_stan²)`.
///
/// Some data sets are held further (`heldInFull`): Stan sampled them longer (the seed data 200,000
/// draws a chain; random-01, -04, -17 and -20 70,000, 30,000, 40,000 and 50,000) and our fit
/// takes more draws too, so that every one of their level quantiles is checkable at 2% — and
/// must be, and must hold it.
///
/// Our fits run 4 chains of 1000 warmup and `drawsPerChain` draws (seed 2800 + NN; 2800 for the
/// seed data) at Stan's `adapt_delta` of the run (0.95; 0.99 for random-08): at the default 0.8
/// our sampler diverges on some of these posteriors (random-02, -05, -10, -14), and the
/// comparison is of one sampler with another at the same settings. Where a posterior is wide
/// (a 90% interval spanning a factor of ten and more: sparse years, projected years), no
/// feasible number of draws brings the 5% and 95% quantiles' MCSE near 0.005: `posterior`'s
/// MCSE of a tail quantile is about `2·sd/√ESS`, so a log-scale sd of 1 would need 160,000
/// effective draws on each side. Each data set's line printed by the test gives the numbers.
@Suite("Trajectory parity with Stan")
struct TrajectoryParityTests {
  /// One compared quantile.
  struct Comparison {
    var what: String
    var difference: Double
    var mcseOurs: Double
    var mcseStan: Double
    var combined: Double { (mcseOurs * mcseOurs + mcseStan * mcseStan).squareRoot() }
    var standardized: Double { abs(difference) / combined }
    /// Whether the 2% bound is checkable: the combined MCSE is at most a quarter of it.
    var twoPercentCheckable: Bool { TrajectoryParityTests.sigmas * combined <= TrajectoryParityTests.logBound }
  }

  static let logBound = 0.02
  static let sigmas = 4.0
  /// Our draws per chain: the Monte Carlo error of our 5% and 95% quantiles then lies near
  /// Stan's on most quantiles, at a few seconds per data set in a debug build.
  static let drawsPerChain = 10_000
  /// The data sets held to 2% in full, with our draws per chain on each: with Stan's longer runs
  /// (log-scale MCSE at most about 0.003), ours at most about 0.0035 bring every level
  /// quantile's `4·√(mcse_ours² + mcse_stan²)` under 0.02. The seed data: 100,000.
  static let heldInFull: [Int: Int] = [0: 100_000, 1: 60_000, 4: 20_000, 17: 35_000, 20: 50_000]
  /// The smallest share of all level quantiles (the seed and the 20 data sets) held to 2%, so
  /// that the bound cannot quietly stop being tested (too few draws on either side).
  /// (306 of 891, 34.3%, in the run of 2026-12-07 15:31 UTC, the 177 of the data sets held in
  /// full among them: the 5% and 95% quantiles of wide posteriors stay beyond reach elsewhere).
  static let minimumCheckedShare = 0.3

  /// The data set `k` (0: the seed data, else `random-NN`) as `TrajectoryData`.
  static func data(_ k: Int) throws -> TrajectoryData {
    let text = try String(contentsOf: Fixtures.url(folder(k) + "/data.json"), encoding: .utf8)
    return try TrajectoryStanModelTests.trajectoryData(TrajectoryStanTests.decode(text))
  }

  static func folder(_ k: Int) -> String {
    k == 0 ? "trajectory/seed-nk" : "trajectory/random-" + (k < 10 ? "0\(k)" : "\(k)")
  }

  static func name(_ k: Int) -> String { k == 0 ? "seed-nk" : "random-" + (k < 10 ? "0\(k)" : "\(k)") }

  /// The step size adaptation's target with which Stan sampled data set `k` (`stan-run.txt`).
  static func adaptDelta(_ k: Int) throws -> Double {
    let text = try String(contentsOf: Fixtures.url(folder(k) + "/stan-run.txt"), encoding: .utf8)
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("adapt_delta: ") })
    return try #require(Double(line.dropFirst("adapt_delta: ".count)))
  }

  /// Stan's rows of `stan-quantiles.csv`, keyed by "quantity index".
  static func stan(_ k: Int) throws -> [String: [String: Double]] {
    var out: [String: [String: Double]] = [:]
    for row in try Fixtures.csv(folder(k) + "/stan-quantiles.csv") {
      let key = "\(row["quantity"] ?? "") \(row["index"] ?? "")"
      out[key] = row.compactMapValues { Double($0) }
    }
    return out
  }

  /// Our fit and the comparisons on data set `k`.
  static func compare(_ k: Int) throws -> (levels: [Comparison], others: [Comparison], fit: TrajectoryResult) {
    let data = try data(k)
    let fit = try Trajectory.fit(
      data,
      options: TrajectoryOptions(
        seed: 2800 + UInt64(k), draws: heldInFull[k] ?? drawsPerChain, threads: 1,
        targetAcceptance: try adaptDelta(k)))
    let stan = try stan(k)
    let d = fit.draws
    func ours(_ values: [Double], _ p: Double) -> (q: Double, mcse: Double) {
      (
        PosteriorDiagnostics.quantile(sorted: values.sorted(), p),
        PosteriorDiagnostics.quantileMCSE(values, chains: d.chains, probability: p)
      )
    }
    var levels: [Comparison] = []
    for year in 0..<data.years.count {
      let row = try #require(stan["level \(year + 1)"], "no Stan row for level \(year + 1)")
      let logs = d.logLevels(year: year)
      for (p, name) in [(0.05, "q05"), (0.5, "q50"), (0.95, "q95")] {
        let q = try #require(row[name])
        let mcse = try #require(row["mcse_" + name])
        let o = ours(logs, p)
        levels.append(
          Comparison(what: "level[\(year + 1)] \(name)", difference: o.q - log(q), mcseOurs: o.mcse, mcseStan: mcse / q)
        )
      }
    }
    var others: [Comparison] = []
    for s in 0..<data.series.count {
      let row = try #require(stan["bias \(s + 1)"])
      let values = (0..<d.count).map { d.logBiases[$0 * d.seriesCount + s] }
      if s == data.reference {
        #expect(values.allSatisfy { $0 == 0 } && row["q50"] == 0, "\(name(k)): reference bias not 0")
        continue
      }
      let o = ours(values, 0.5)
      others.append(
        Comparison(
          what: "bias[\(s + 1)] q50", difference: o.q - (try #require(row["q50"])), mcseOurs: o.mcse,
          mcseStan: try #require(row["mcse_q50"])))
    }
    for (name, values) in [("tau", d.tau), ("sigmaB", d.sigmaB), ("omega", d.omega)] {
      let row = try #require(stan["\(name) 1"])
      let o = ours(values, 0.5)
      others.append(
        Comparison(
          what: "\(name) q50", difference: o.q - (try #require(row["q50"])), mcseOurs: o.mcse,
          mcseStan: try #require(row["mcse_q50"])))
    }
    return (levels, others, fit)
  }

  /// The seed data and the 20 data sets, fitted two at a time (each fit's chains one after
  /// another: the draws do not depend on it), then checked together: every data set's
  /// quantiles, and the share of level quantiles held to 2%.
  @Test("Quantiles of the level, biases and hyperparameters agree with Stan's; most are held to 2%")
  func parity() throws {
    let sets = Array(0...20)
    let results = Results(count: sets.count)
    DispatchQueue.concurrentPerform(iterations: 2) { worker in
      for k in stride(from: worker, to: sets.count, by: 2) {
        results.put(k, Result { try Self.compare(sets[k]) })
      }
    }
    var checked = 0
    var total = 0
    for k in sets {
      let (levels, others, fit) = try results.get(k).get()
      check(k, levels: levels, others: others, fit: fit)
      if Self.heldInFull[k] != nil {
        let unchecked = levels.filter { !$0.twoPercentCheckable }.map(\.what)
        #expect(unchecked.isEmpty, "\(Self.name(k)): not checkable at 2% (too few draws on one side): \(unchecked)")
      }
      checked += levels.filter(\.twoPercentCheckable).count
      total += levels.count
    }
    print("parity: \(checked) of \(total) level quantiles held to 2% on the log scale")
    #expect(
      Double(checked) >= Self.minimumCheckedShare * Double(total),
      "only \(checked) of \(total) level quantiles are held to 2%: too few draws on one side")
  }

  /// The fits' outcomes by data set, filled from two threads.
  final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<(levels: [Comparison], others: [Comparison], fit: TrajectoryResult), any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func put(_ k: Int, _ value: Result<(levels: [Comparison], others: [Comparison], fit: TrajectoryResult), any Error>)
    {
      lock.lock()
      values[k] = value
      lock.unlock()
    }
    func get(_ k: Int) throws -> Result<(levels: [Comparison], others: [Comparison], fit: TrajectoryResult), any Error>
    {
      lock.lock()
      defer { lock.unlock() }
      return try #require(values[k])
    }
  }

  /// Records every failed comparison of data set `k` and prints its summary line.
  func check(_ k: Int, levels: [Comparison], others: [Comparison], fit: TrajectoryResult) {
    for c in levels + others where !(c.standardized <= Self.sigmas) {
      let message =
        "\(Self.name(k)) \(c.what): ours − Stan's = \(c.difference), beyond \(Self.sigmas)·\(c.combined)"
        + " (MCSE ours \(c.mcseOurs), Stan's \(c.mcseStan))"
      Issue.record(Comment(rawValue: message))
    }
    for c in levels where c.twoPercentCheckable && !(abs(c.difference) <= Self.logBound) {
      let message =
        "\(Self.name(k)) \(c.what): ours − Stan's = \(c.difference) on the log scale, beyond \(Self.logBound)"
        + " (MCSE ours \(c.mcseOurs), Stan's \(c.mcseStan))"
      Issue.record(Comment(rawValue: message))
    }
    // No divergent transition anywhere, random-09 included (53 of 40,000 in fully centred
    // coordinates until the fit fell back to Stan's coordinates on any divergence).
    #expect(fit.diagnostics.divergences == 0, "\(Self.name(k)): \(fit.diagnostics.divergences) divergences")
    // The summary line the report quotes: per quantile, the worst standardized and absolute differences.
    var line = "parity \(Self.name(k)):"
    for name in ["q05", "q50", "q95"] {
      let these = levels.filter { $0.what.hasSuffix(name) }
      let z = these.map(\.standardized).max() ?? .nan
      let a = these.map { abs($0.difference) }.max() ?? .nan
      let unchecked = these.filter { !$0.twoPercentCheckable }.count
      let stanMCSE = these.map(\.mcseStan)
      let ourMCSE = these.map(\.mcseOurs)
      line +=
        " \(name) z \(Self.format(z)) |d| \(Self.format(a)) MCSE Stan \(Self.format(stanMCSE.min() ?? .nan))"
        + "–\(Self.format(stanMCSE.max() ?? .nan)) ours \(Self.format(ourMCSE.min() ?? .nan))"
        + "–\(Self.format(ourMCSE.max() ?? .nan)) 2%-unchecked \(unchecked)/\(these.count)"
        + " |d|>2% \(these.filter { abs($0.difference) > Self.logBound }.count);"
    }
    let z = others.map(\.standardized).max() ?? .nan
    line += " biases+hyper z \(Self.format(z)); max R-hat \(Self.format(fit.diagnostics.maxRHat))"
    print(line)
  }

  static func format(_ x: Double) -> String { String(format: "%.4f", x) }
}
