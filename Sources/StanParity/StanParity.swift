import Foundation
import Statistics
import TestSupport

/// Parity of our trajectory fit with Stan's sampling of the emitted model (issue #28), in one
/// place for the test that runs on every `scripts/test` (`TrajectoryParityTests`, our fits at a
/// debug build's affordable draws) and for `scripts/trajectory-parity` (release builds, the draws
/// that Stan's longest references need to be held to 2% in full).
///
/// A reference is a folder as `scripts/peers/trajectory/make-reference.sh` writes it:
/// `data.json` (the emitted data), `stan-quantiles.csv` (R's `posterior` summaries of Stan's
/// draws) and `stan-run.txt` (the run's settings and diagnostics).
///
/// For every year's level, the 5%, 50% and 95% quantiles on the log scale: the difference `d`
/// must satisfy `|d| ≤ 4·√(mcse_ours² + mcse_stan²)` (the MCSEs of `posterior::mcse_quantile`,
/// ours by `PosteriorDiagnostics.quantileMCSE`; Stan's natural-scale MCSE over the quantile is
/// its log-scale MCSE, the delta method, as the log is monotone), and `|d| ≤ 0.02` wherever the
/// two samplers' Monte Carlo error leaves that bound checkable: `4·√(mcse_ours² + mcse_stan²) ≤
/// 0.02`. Elsewhere a 4-sd Monte Carlo difference alone exceeds 2%, and the bound would be a coin
/// toss: such quantiles are counted, never silently passed. Series biases and tau, sigmaB and
/// omega: the medians within `4·√(mcse_ours² + mcse_stan²)`.
public enum StanParity {
  /// The bound on a level quantile's difference on the log scale.
  public static let logBound = 0.02
  /// Differences are judged in units of the two samplers' combined Monte Carlo error.
  public static let sigmas = 4.0

  /// One compared quantile.
  public struct Comparison: Sendable {
    public var what: String
    public var difference: Double
    public var mcseOurs: Double
    public var mcseStan: Double
    public var combined: Double { (mcseOurs * mcseOurs + mcseStan * mcseStan).squareRoot() }
    public var standardized: Double { abs(difference) / combined }
    /// Whether the 2% bound is checkable: the combined MCSE is at most a quarter of it.
    public var twoPercentCheckable: Bool { StanParity.sigmas * combined <= StanParity.logBound }
  }

  /// A malformed or incomplete reference folder.
  public struct ReferenceError: Error, CustomStringConvertible {
    public var description: String
  }

  /// One reference folder, read.
  public struct Reference: Sendable {
    /// The folder's last component (`seed-nk`, `random-01`, …).
    public var name: String
    public var data: TrajectoryData
    /// The step size adaptation's target with which Stan sampled it.
    public var adaptDelta: Double
    /// `stan-quantiles.csv`'s rows, keyed by "quantity index".
    public var quantiles: [String: [String: Double]]

    public init(folder: URL) throws {
      name = folder.lastPathComponent
      data = try StanParity.trajectoryData(Data(contentsOf: folder.appendingPathComponent("data.json")))
      let run = try String(contentsOf: folder.appendingPathComponent("stan-run.txt"), encoding: .utf8)
      func value(_ key: String) throws -> String {
        guard let line = run.split(separator: "\n").first(where: { $0.hasPrefix(key + ": ") }) else {
          throw ReferenceError(description: "\(folder.path)/stan-run.txt: no \(key)")
        }
        return String(line.dropFirst(key.count + 2))
      }
      guard let delta = Double(try value("adapt_delta")) else {
        throw ReferenceError(description: "\(folder.path)/stan-run.txt: adapt_delta is not a number")
      }
      adaptDelta = delta
      var rows: [String: [String: Double]] = [:]
      for row in try Fixtures.csv(at: folder.appendingPathComponent("stan-quantiles.csv")) {
        rows["\(row["quantity"] ?? "") \(row["index"] ?? "")"] = row.compactMapValues { Double($0) }
      }
      quantiles = rows
    }

    func row(_ key: String) throws -> [String: Double] {
      guard let row = quantiles[key] else { throw ReferenceError(description: "\(name): no Stan row for \(key)") }
      return row
    }

    func cell(_ row: [String: Double], _ column: String, _ key: String) throws -> Double {
      guard let v = row[column] else { throw ReferenceError(description: "\(name): no \(column) for \(key)") }
      return v
    }
  }

  /// The fields of the emitted `data.json` (1-based indices, as Stan reads them).
  public struct StanData: Decodable, Equatable, Sendable {
    public var T: Int
    public var N: Int
    public var S: Int
    public var G: Int
    public var year: [Int]
    public var series: [Int]
    public var group: [Int]
    public var kind: [Int]
    public var y: [Double]
    public var low: [Double]
    public var high: [Double]
    public var sigma: [Double]
    public var reference: Int
    public var levelCenter: Double
    public var levelScale: Double
    public var smoothnessScale: Double
    public var biasScale: Double
    public var errorScale: Double
    public var outlierProbability: Double
    public var outlierScale: Double
  }

  /// The emitted `data.json` (JSONDecoder reads doubles exactly) as 0-based `TrajectoryData`;
  /// series and groups get made-up names.
  public static func trajectoryData(_ json: Data) throws -> TrajectoryData {
    try trajectoryData(JSONDecoder().decode(StanData.self, from: json))
  }

  /// `StanData` as 0-based `TrajectoryData`; series and groups get made-up names.
  public static func trajectoryData(_ d: StanData) throws -> TrajectoryData {
    let columns = [d.year.count, d.series.count, d.group.count, d.kind.count, d.y.count, d.low.count, d.high.count]
    guard columns.allSatisfy({ $0 == d.N }), d.sigma.count == d.N else {
      throw ReferenceError(description: "data.json: a statement column's length is not N = \(d.N)")
    }
    let statements = try (0..<d.N).map { i in
      guard let kind = TrajectoryObservationKind(rawValue: d.kind[i]) else {
        throw ReferenceError(description: "data.json: statement \(i + 1) has kind \(d.kind[i])")
      }
      return TrajectoryStatement(
        id: "s\(i + 1)", year: d.year[i] - 1, series: d.series[i] - 1, group: d.group[i] == 0 ? nil : d.group[i] - 1,
        kind: kind, y: d.y[i], low: d.low[i], high: d.high[i], sigma: d.sigma[i])
    }
    let priors = TrajectoryPriors(
      levelCenter: d.levelCenter, levelScale: d.levelScale, smoothnessScale: d.smoothnessScale,
      biasScale: d.biasScale, errorScale: d.errorScale, outlierProbability: d.outlierProbability,
      outlierScale: d.outlierScale)
    return TrajectoryData(
      years: Array(0..<d.T), statements: statements, series: (0..<d.S).map { "series \($0)" },
      groups: (0..<d.G).map { "group \($0)" }, reference: d.reference == 0 ? nil : d.reference - 1, priors: priors)
  }

  /// Our fit of a reference's data and its comparisons with Stan's quantiles.
  public struct Outcome: Sendable {
    public var name: String
    public var levels: [Comparison]
    public var others: [Comparison]
    public var fit: TrajectoryResult
    /// Whether the reference bias (if any) is 0 in every draw of ours and in Stan's median.
    public var referenceBiasIsZero: Bool

    /// Every failed comparison, worded for a report: beyond 4 combined MCSE, or beyond 2%
    /// where that bound is checkable.
    public var failures: [String] {
      var out: [String] = []
      for c in levels + others where !(c.standardized <= StanParity.sigmas) {
        out.append(
          "\(name) \(c.what): ours − Stan's = \(c.difference), beyond \(StanParity.sigmas)·\(c.combined)"
            + " (MCSE ours \(c.mcseOurs), Stan's \(c.mcseStan))")
      }
      for c in levels where c.twoPercentCheckable && !(abs(c.difference) <= StanParity.logBound) {
        out.append(
          "\(name) \(c.what): ours − Stan's = \(c.difference) on the log scale, beyond \(StanParity.logBound)"
            + " (MCSE ours \(c.mcseOurs), Stan's \(c.mcseStan))")
      }
      if !referenceBiasIsZero { out.append("\(name): the reference series' bias is not 0") }
      return out
    }

    /// Our draws per chain at which every level quantile would be checkable at 2%, from this
    /// fit's `draws` and MCSEs (an MCSE falls as one over the root of the draws), or nil where
    /// Stan's MCSE alone leaves a quantile unchecked (`sigmas · mcse_stan ≥ 0.02`).
    public func drawsToCheckAll(draws: Int) -> Int? {
      let allowed = StanParity.logBound / StanParity.sigmas
      var needed = 0.0
      for c in levels {
        let room = allowed * allowed - c.mcseStan * c.mcseStan
        guard room > 0 else { return nil }
        needed = max(needed, Double(draws) * c.mcseOurs * c.mcseOurs / room)
      }
      return Int(needed.rounded(.up))
    }

    /// The level quantiles whose Monte Carlo error leaves the 2% bound unchecked.
    public var unchecked: [String] { levels.filter { !$0.twoPercentCheckable }.map(\.what) }

    /// Per quantile (5%, 50%, 95%) the worst standardized and absolute differences, the two
    /// samplers' MCSE ranges and the unchecked count; then the biases' and hyperparameters'
    /// worst standardized difference and our fit's largest R-hat.
    public var summary: String {
      var line = "parity \(name):"
      for q in ["q05", "q50", "q95"] {
        let these = levels.filter { $0.what.hasSuffix(q) }
        let stan = these.map(\.mcseStan)
        let ours = these.map(\.mcseOurs)
        line +=
          " \(q) z \(f(these.map(\.standardized).max())) |d| \(f(these.map { abs($0.difference) }.max()))"
          + " MCSE Stan \(f(stan.min()))–\(f(stan.max())) ours \(f(ours.min()))–\(f(ours.max()))"
          + " 2%-unchecked \(these.filter { !$0.twoPercentCheckable }.count)/\(these.count)"
          + " |d|>2% \(these.filter { abs($0.difference) > StanParity.logBound }.count);"
      }
      return line + " biases+hyper z \(f(others.map(\.standardized).max())); max R-hat \(f(fit.diagnostics.maxRHat))"
    }

    private func f(_ x: Double?) -> String { String(format: "%.4f", x ?? .nan) }
  }

  /// Fits `reference.data` with 4 chains of 1000 warmup and `draws` draws at Stan's
  /// `adapt_delta`, chains one after another (`threads`: the draws do not depend on it), and
  /// compares its quantiles with Stan's.
  public static func compare(_ reference: Reference, seed: UInt64, draws: Int, threads: Int = 1) throws -> Outcome {
    let data = reference.data
    let fit = try Trajectory.fit(
      data,
      options: TrajectoryOptions(seed: seed, draws: draws, threads: threads, targetAcceptance: reference.adaptDelta))
    let d = fit.draws
    // A quantity's draws are sorted once for all its quantiles and their MCSEs (at 700,000
    // draws a chain, nine sorts of 2.8 million a year were most of a comparison's time).
    func ours(_ values: [Double], _ probabilities: [Double]) -> [(q: Double, mcse: Double)] {
      let sorted = values.sorted()
      return probabilities.map { p in
        (
          PosteriorDiagnostics.quantile(sorted: sorted, p),
          PosteriorDiagnostics.quantileMCSE(values, sorted: sorted, chains: d.chains, probability: p)
        )
      }
    }
    var levels: [Comparison] = []
    for year in 0..<data.years.count {
      let key = "level \(year + 1)"
      let row = try reference.row(key)
      let o3 = ours(d.logLevels(year: year), [0.05, 0.5, 0.95])
      for (o, name) in zip(o3, ["q05", "q50", "q95"]) {
        let q = try reference.cell(row, name, key)
        let mcse = try reference.cell(row, "mcse_" + name, key)
        levels.append(
          Comparison(what: "level[\(year + 1)] \(name)", difference: o.q - log(q), mcseOurs: o.mcse, mcseStan: mcse / q)
        )
      }
    }
    var others: [Comparison] = []
    var referenceBiasIsZero = true
    for s in 0..<data.series.count {
      let key = "bias \(s + 1)"
      let row = try reference.row(key)
      let values = (0..<d.count).map { d.logBiases[$0 * d.seriesCount + s] }
      if s == data.reference {
        referenceBiasIsZero = values.allSatisfy { $0 == 0 } && row["q50"] == 0
        continue
      }
      let o = ours(values, [0.5])[0]
      others.append(
        Comparison(
          what: "bias[\(s + 1)] q50", difference: o.q - (try reference.cell(row, "q50", key)), mcseOurs: o.mcse,
          mcseStan: try reference.cell(row, "mcse_q50", key)))
    }
    for (name, values) in [("tau", d.tau), ("sigmaB", d.sigmaB), ("omega", d.omega)] {
      let key = "\(name) 1"
      let row = try reference.row(key)
      let o = ours(values, [0.5])[0]
      others.append(
        Comparison(
          what: "\(name) q50", difference: o.q - (try reference.cell(row, "q50", key)), mcseOurs: o.mcse,
          mcseStan: try reference.cell(row, "mcse_q50", key)))
    }
    return Outcome(
      name: reference.name, levels: levels, others: others, fit: fit, referenceBiasIsZero: referenceBiasIsZero)
  }
}

extension StanParity {
  /// Our fit's seed on a reference: 2800 plus the number its name ends in (`random-05`: 2805),
  /// 2800 for a name without one (`seed-nk`).
  public static func seed(for name: String) -> UInt64 {
    2800 + (UInt64(String(name.reversed().prefix { $0.isNumber }.reversed())) ?? 0)
  }
}
