import Foundation
import StanParity
import TestSupport
import Testing

@testable import Statistics

/// Parity with Stan (issue #28): on the seed data (`Tests/Fixtures/trajectory/seed-nk`, the
/// `nk_in_china` statements of `datasets/nk-in-china.csv` as `reconcile trajectory --emit-stan`
/// writes them) and the 20 reference data sets (`random-NN`), each sampled by Stan 2.35 with 4
/// chains of 1000 warmup and 10,000 to 200,000 draws (each run's in its `stan-run.txt`), our sampler's posterior quantiles
/// agree with Stan's within Monte Carlo error and within 2% on the log scale.
///
/// The comparison is `StanParity`'s (its documentation gives the rules): for every year's level
/// the 5%, 50% and 95% quantiles on the log scale within 4 combined MCSE, and within 2% wherever
/// the two samplers' Monte Carlo error leaves that bound checkable; elsewhere the bound would be a
/// coin toss, and such quantiles are counted and printed, never silently passed: at least
/// `minimumCheckedShare` of all level quantiles must be checked at 2%, so that the bound cannot
/// quietly stop being tested. Series biases and tau, sigmaB and omega: the medians within
/// 4 combined MCSE.
///
/// Some data sets are held further (`heldInFull`): Stan sampled them longer (the seed data 200,000
/// draws a chain; random-01, -04, -17 and -20 70,000, 30,000, 40,000 and 50,000) and our fit
/// takes more draws too, so that every one of their level quantiles is checkable at 2% — and
/// must be, and must hold it. `scripts/trajectory-parity` holds more data sets in full with the
/// same comparison in a release build, at the hundreds of thousands of draws a chain that their
/// wider posteriors need on our side (minutes each: more than a test run affords).
///
/// Our fits run 4 chains of 1000 warmup and `drawsPerChain` draws (seed 2800 + NN; 2800 for the
/// seed data) at Stan's `adapt_delta` of the run (0.95, or 0.99 where Stan's run at 0.95
/// diverged or was sampled at 0.99 from the start, as its `stan-run.txt` says): at the default 0.8
/// our sampler diverges on some of these posteriors (random-02, -05, -10, -14), and the
/// comparison is of one sampler with another at the same settings. Where a posterior is wide
/// (a 90% interval spanning a factor of ten and more: sparse years, projected years), no
/// affordable number of draws brings the 5% and 95% quantiles' MCSE near 0.005: `posterior`'s
/// MCSE of a tail quantile is about `2·sd/√ESS`, so a log-scale sd of 1 would need 160,000
/// effective draws on each side. Each data set's line printed by the test gives the numbers.
@Suite("Trajectory parity with Stan")
struct TrajectoryParityTests {
  /// Our draws per chain: the Monte Carlo error of our 5% and 95% quantiles then lies near
  /// Stan's on most quantiles, at a few seconds per data set in a debug build.
  static let drawsPerChain = 10_000
  /// The data sets held to 2% in full, with our draws per chain on each: with Stan's longer runs
  /// (log-scale MCSE at most about 0.003), ours at most about 0.0035 bring every level
  /// quantile's `4·√(mcse_ours² + mcse_stan²)` under 0.02. The seed data: 100,000.
  static let heldInFull: [Int: Int] = [0: 100_000, 1: 60_000, 4: 20_000, 17: 35_000, 20: 50_000]
  /// The smallest share of all level quantiles (the seed and the 20 data sets) held to 2%, so
  /// that the bound cannot quietly stop being tested (too few draws on either side).
  /// (397 of 891, 44.6%, in the run of 2026-12-08 03:23 UTC, with Stan's longer references of
  /// random-02, -03, -05 to -08, -10 to -15, -18 and -19: the 5% and 95% quantiles of wide posteriors
  /// need more of our draws than a test run affords; scripts/trajectory-parity gives them those).
  static let minimumCheckedShare = 0.35

  /// The reference folder of data set `k` (0: the seed data, else `random-NN`).
  static func reference(_ k: Int) throws -> StanParity.Reference {
    try StanParity.Reference(folder: Fixtures.url("trajectory/" + name(k)))
  }

  /// The data set `k` as `TrajectoryData`.
  static func data(_ k: Int) throws -> TrajectoryData { try reference(k).data }

  static func name(_ k: Int) -> String { k == 0 ? "seed-nk" : "random-" + (k < 10 ? "0\(k)" : "\(k)") }

  /// Our fit of data set `k` (seed 2800 + k, chains one after another) and its comparisons.
  static func compare(_ k: Int) throws -> StanParity.Outcome {
    try StanParity.compare(reference(k), seed: StanParity.seed(for: name(k)), draws: heldInFull[k] ?? drawsPerChain)
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
      let outcome = try results.get(k).get()
      for failure in outcome.failures { Issue.record(Comment(rawValue: failure)) }
      // No divergent transition anywhere, random-09 included (53 of 40,000 in fully centred
      // coordinates until the fit fell back to Stan's coordinates on any divergence).
      let divergences = outcome.fit.diagnostics.divergences
      #expect(divergences == 0, "\(Self.name(k)): \(divergences) divergences")
      if Self.heldInFull[k] != nil {
        #expect(
          outcome.unchecked.isEmpty,
          "\(Self.name(k)): not checkable at 2% (too few draws on one side): \(outcome.unchecked)")
      }
      print(outcome.summary)
      checked += outcome.levels.filter(\.twoPercentCheckable).count
      total += outcome.levels.count
    }
    print("parity: \(checked) of \(total) level quantiles held to 2% on the log scale")
    #expect(
      Double(checked) >= Self.minimumCheckedShare * Double(total),
      "only \(checked) of \(total) level quantiles are held to 2%: too few draws on one side")
  }

  /// The fits' outcomes by data set, filled from two threads.
  final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Result<StanParity.Outcome, any Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func put(_ k: Int, _ value: Result<StanParity.Outcome, any Error>) {
      lock.lock()
      values[k] = value
      lock.unlock()
    }
    func get(_ k: Int) throws -> Result<StanParity.Outcome, any Error> {
      lock.lock()
      defer { lock.unlock() }
      return try #require(values[k])
    }
  }
}

/// `trajectory-parity`, the executable `scripts/trajectory-parity` runs in a release build: the
/// same comparison (`StanParity`) from the command line, its exit status the verdict.
@Suite("trajectory-parity")
struct TrajectoryParityExecutableTests {
  /// The executable beside the test bundle (swift build puts both in the same folder).
  static let executable: URL? = {
    var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
    var candidates: [URL] = []
    for _ in 0..<4 {
      candidates.append(dir.appendingPathComponent("trajectory-parity"))
      dir = dir.deletingLastPathComponent()
    }
    candidates.append(Fixtures.repositoryRoot.appendingPathComponent(".build/debug/trajectory-parity"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) && !$0.hasDirectoryPath }
  }()

  static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = try #require(executable, "trajectory-parity not found; run `swift build` first")
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  static let seed = Fixtures.path("trajectory/seed-nk")

  @Test("Holds on the seed data at 2,000 draws; --full then fails: the tails are not checkable at 2%")
  func seedData() throws {
    let held = try Self.run([Self.seed + "=2000"])
    #expect(held.status == 0, "\(held.output)")
    #expect(held.output.contains("parity seed-nk: q05 z "))
    #expect(held.output.contains("; 0 failures"))
    let full = try Self.run(["--full", Self.seed + "=2000"])
    #expect(full.status == 1)
    #expect(full.output.contains("FAILED seed-nk: not checkable at 2% (too few draws on one side): [\"level[1] q05\""))
  }

  @Test("A Stan reference 10% off in one year's median fails, naming the quantile")
  func shiftedReference() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("parity-\(UUID().uuidString)")
    let copy = folder.appendingPathComponent("seed-nk")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.seed), to: copy)
    let csv = copy.appendingPathComponent("stan-quantiles.csv")
    var lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
    let row = try #require(lines.firstIndex { $0.hasPrefix("level,3,") })
    var cells = lines[row].split(separator: ",").map(String.init)
    cells[3] = "\(try #require(Double(cells[3])) * 1.1)"  // q50
    lines[row] = cells.joined(separator: ",")
    try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
    let result = try Self.run([copy.path + "=2000"])
    #expect(result.status == 1)
    #expect(result.output.contains("FAILED seed-nk level[3] q50: ours − Stan's = -0.09"))
  }

  @Test("Usage and reference errors exit 2 with a message")
  func errors() throws {
    for arguments in [[], [Self.seed], [Self.seed + "=0"], [Self.seed + "=many"], ["/nonexistent/random-01=100"]] {
      let result = try Self.run(arguments)
      #expect(result.status == 2, "\(arguments): \(result.status)")
      #expect(result.output.hasPrefix("error:") || result.output.hasPrefix("usage:"), "\(arguments): \(result.output)")
    }
  }
}
