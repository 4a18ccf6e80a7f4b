import Foundation
import TestSupport
import Testing

@testable import Statistics

/// Parity with Stan (issue #28): on each of the 20 reference data sets
/// (`Tests/Fixtures/trajectory/random-NN`, sampled by Stan 2.35 with 4×1000 draws), our sampler's
/// posterior quantiles agree with Stan's within Monte Carlo error.
///
/// For every year's level, the 5%, 50% and 95% quantiles on the log scale: the difference `d`
/// must satisfy `|d| ≤ 4·√(mcse_ours² + mcse_stan²)` (the MCSEs of `posterior::mcse_quantile`,
/// ours by `PosteriorDiagnostics.quantileMCSE`; Stan's natural-scale MCSE over the quantile is
/// its log-scale MCSE, the delta method, as the log is monotone), and `|d| ≤ 0.02` wherever
/// Stan's own log-scale MCSE leaves that bound checkable: `4·mcse_stan ≤ 0.02`. Elsewhere Stan's
/// reference is too imprecise for a 2% bound (a 4-sd difference of its MCSE alone exceeds 2%):
/// those quantiles are counted and printed, never silently passed. Our own MCSE is no excuse: a
/// quantile our sampler estimates imprecisely is still held to 2% where Stan's is precise.
/// Series biases and tau, sigmaB and omega: the medians within `4·√(mcse_ours² + mcse_stan²)`.
///
/// Stan's reference is too imprecise for the issue's 2% bound almost everywhere: of the 870 level
/// quantiles (20 data sets, 5/50/95%), Stan's log-scale MCSE exceeds 0.005 on 850 and 0.02 itself
/// on 392 (up to 0.16, random-09's q95). Only 20 medians (random-04, -06, -17, -20) are held to
/// 2%. Each data set's line printed by the test gives the numbers.
///
/// Run time: the 20 fits run in the debug test process, about 90 s of CPU (two minutes on two
/// busy cores, in parallel with the rest of the suite); a release executable would be faster but
/// its build would cost the suite more than it saves, and with fewer draws our own MCSE, which
/// the 2% bound does not excuse, would grow.
///
/// Our fits use the default options (4 chains, 1000 warmup + 1000 draws) with seed 2800 + NN,
/// except the step size adaptation's target, Stan's `adapt_delta` of the run (0.95; 0.99 for
/// random-08, see `stan-run.txt`): at the default 0.8 our sampler diverges on some of these
/// posteriors (random-02, -05, -10, -14: 6, 1, 27 and 2 transitions), and the comparison is of
/// one sampler with another at the same settings.
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
    /// Whether the 2% bound is checkable: Stan's MCSE is at most a quarter of it.
    var twoPercentCheckable: Bool { 4 * mcseStan <= TrajectoryParityTests.logBound }
  }

  static let logBound = 0.02
  static let sigmas = 4.0

  /// The reference data set `random-NN` as `TrajectoryData`.
  static func data(_ k: Int) throws -> TrajectoryData {
    let text = try String(contentsOf: Fixtures.url(folder(k) + "/data.json"), encoding: .utf8)
    return try TrajectoryStanModelTests.trajectoryData(TrajectoryStanTests.decode(text))
  }

  static func folder(_ k: Int) -> String { "trajectory/random-" + (k < 10 ? "0\(k)" : "\(k)") }

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
      data, options: TrajectoryOptions(seed: 2800 + UInt64(k), targetAcceptance: try adaptDelta(k)))
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
        #expect(values.allSatisfy { $0 == 0 } && row["q50"] == 0, "random-\(k): reference bias not 0")
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

  @Test("Quantiles of the level, biases and hyperparameters agree with Stan's", arguments: 1...20)
  func parity(_ k: Int) throws {
    let (levels, others, fit) = try Self.compare(k)
    for c in levels + others where !(c.standardized <= Self.sigmas) {
      let message =
        "random-\(k) \(c.what): ours − Stan's = \(c.difference), beyond \(Self.sigmas)·\(c.combined)"
        + " (MCSE ours \(c.mcseOurs), Stan's \(c.mcseStan))"
      Issue.record(Comment(rawValue: message))
    }
    for c in levels where c.twoPercentCheckable && !(abs(c.difference) <= Self.logBound) {
      let message =
        "random-\(k) \(c.what): ours − Stan's = \(c.difference) on the log scale, beyond \(Self.logBound)"
        + " (MCSE ours \(c.mcseOurs), Stan's \(c.mcseStan))"
      Issue.record(Comment(rawValue: message))
    }
    #expect(fit.diagnostics.divergences == 0, "random-\(k): \(fit.diagnostics.divergences) divergences")
    // The summary line the report quotes: per quantile, the worst standardized and absolute differences.
    var line = "parity random-\(k < 10 ? "0" : "")\(k):"
    for name in ["q05", "q50", "q95"] {
      let these = levels.filter { $0.what.hasSuffix(name) }
      let z = these.map(\.standardized).max() ?? .nan
      let a = these.map { abs($0.difference) }.max() ?? .nan
      let unchecked = these.filter { !$0.twoPercentCheckable }.count
      let stanMCSE = these.map(\.mcseStan)
      line +=
        " \(name) z \(Self.format(z)) |d| \(Self.format(a)) Stan MCSE \(Self.format(stanMCSE.min() ?? .nan))"
        + "–\(Self.format(stanMCSE.max() ?? .nan)) 2%-unchecked \(unchecked)/\(these.count)"
        + " |d|>2% \(these.filter { abs($0.difference) > Self.logBound }.count);"
    }
    let z = others.map(\.standardized).max() ?? .nan
    line += " biases+hyper z \(Self.format(z)); max R-hat \(Self.format(fit.diagnostics.maxRHat))"
    print(line)
  }

  static func format(_ x: Double) -> String { String(format: "%.4f", x) }
}
