// trajectory-calibration: simulation-based calibration of the trajectory model (issue #28;
// Talts, Betancourt, Simpson, Vehtari & Gelman 2018). Data sets drawn from the model's prior by
// `TrajectorySimulation.draw` are fitted by `Trajectory.fit`; the ranks of the true values among
// thinned posterior draws must be uniform and the 90% intervals must hold the truth 90% of the
// time. A second simulation fits misspecified data (a series biased threefold, an outlying
// source). Deterministic given the seed, whatever the thread count. See `Settings.usage`.
// Usage: swift run -c release trajectory-calibration [options]   (scripts/trajectory-calibration)
import Dispatch
import Foundation
import Statistics

/// One data set's fit, reduced to what the summary and the CSV files need.
struct Outcome: Sendable {
  var simulation: String
  var index: Int
  var seed: UInt64
  var data: TrajectoryData
  var truth: TrajectorySimulation.Truth
  var check: TrajectorySimulation.Check?
  /// Per year, the fit's central interval of the log-level (the fit's level, 90%).
  var levelIntervals: [(low: Double, high: Double)] = []
  /// Per series, the central interval of the log-bias.
  var biasIntervals: [(low: Double, high: Double)] = []
  /// Per series, whether the fit flags it as biased (`TrajectorySeriesBias.flagged`) and its
  /// flag probability.
  var biasFlags: [Bool] = []
  var flagProbabilities: [Double] = []
  /// Per series, the fit's verdict against its yardstick (`TrajectorySeriesBias.verdict`).
  var verdicts: [TrajectorySeriesBias.Verdict] = []
  /// Per series, the 5%, 50% and 95% quantiles of its contrast (`TrajectorySeriesBias.logContrast`).
  var contrasts: [(q05: Double, q50: Double, q95: Double)] = []
  /// tau's central interval.
  var tauInterval: (low: Double, high: Double) = (.nan, .nan)
  var sigmaBInterval: (low: Double, high: Double) = (.nan, .nan)
  var omegaInterval: (low: Double, high: Double) = (.nan, .nan)
  var diagnostics: TrajectoryConvergence?
  /// The mean posterior outlier probability of the outlying source's statements, and of the others.
  var outlierProbability: (outlying: Double, others: Double) = (.nan, .nan)
  var seconds = 0.0
  var error: String?
}

/// The shared queue of data set indices and the outcomes, handed out in order under a lock.
final class Work: @unchecked Sendable {
  private let lock = NSLock()
  private var next = 0
  private let count: Int
  private let deadline: ContinuousClock.Instant?
  private var outcomes: [Outcome?]
  private var done = 0

  init(count: Int, minutes: Double?) {
    self.count = count
    outcomes = [Outcome?](repeating: nil, count: count)
    deadline = minutes.map { ContinuousClock.now + .milliseconds(Int($0 * 60_000)) }
  }

  /// The next index, or nil when all are handed out or the time is up.
  func take() -> Int? {
    lock.lock()
    defer { lock.unlock() }
    if let deadline, ContinuousClock.now >= deadline { return nil }
    guard next < count else { return nil }
    next += 1
    return next - 1
  }

  /// Stores an outcome; returns how many are done.
  func put(_ outcome: Outcome) -> Int {
    lock.lock()
    defer { lock.unlock() }
    outcomes[outcome.index] = outcome
    done += 1
    return done
  }

  /// The outcomes of the indices handed out (all of `0..<n` are done when the workers return).
  func results() -> [Outcome] {
    lock.lock()
    defer { lock.unlock() }
    return outcomes.prefix(next).compactMap { $0 }
  }
}

/// Draws, fits and checks data set `index` of simulation `name`.
func run(_ name: String, _ index: Int, _ settings: Settings) -> Outcome {
  let seed = settings.datasetSeed(name, index)
  let (data, truth) = TrajectorySimulation.draw(seed: seed, settings: Settings.simulation(name))
  var outcome = Outcome(simulation: name, index: index, seed: seed, data: data, truth: truth)
  let clock = ContinuousClock()
  let start = clock.now
  do {
    let fit = try Trajectory.fit(data, options: settings.options(seed: seed ^ 0x00F1_7000))
    outcome.check = TrajectorySimulation.check(fit, truth: truth, thinnedTo: settings.thin)
    outcome.levelIntervals = fit.years.map { (log($0.level.low), log($0.level.high)) }
    outcome.biasIntervals = fit.biases.map { ($0.logBias.low, $0.logBias.high) }
    outcome.biasFlags = fit.biases.map(\.flagged)
    outcome.flagProbabilities = fit.biases.map(\.flagProbability)
    outcome.verdicts = fit.biases.map(\.verdict)
    outcome.contrasts = fit.biases.map { ($0.logContrast.q05, $0.logContrast.median, $0.logContrast.q95) }
    outcome.tauInterval = (fit.tau.low, fit.tau.high)
    outcome.sigmaBInterval = (fit.sigmaB.low, fit.sigmaB.high)
    outcome.omegaInterval = (fit.omega.low, fit.omega.high)
    outcome.diagnostics = fit.diagnostics
    if let outlying = truth.outlyingSeries {
      var sums = (outlying: 0.0, others: 0.0)
      var counts = (outlying: 0, others: 0)
      for (statement, f) in zip(data.statements, fit.statements) {
        if statement.series == outlying {
          sums.outlying += f.outlierProbability
          counts.outlying += 1
        } else {
          sums.others += f.outlierProbability
          counts.others += 1
        }
      }
      outcome.outlierProbability = (sums.outlying / Double(counts.outlying), sums.others / Double(counts.others))
    }
  } catch {
    outcome.error = "\(error)"
  }
  let elapsed = clock.now - start
  outcome.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  return outcome
}

/// Runs one simulation on `settings.threads` threads.
func simulate(_ name: String, _ settings: Settings) -> (outcomes: [Outcome], seconds: Double) {
  let work = Work(count: settings.datasets, minutes: settings.minutes)
  let clock = ContinuousClock()
  let start = clock.now
  DispatchQueue.concurrentPerform(iterations: settings.threads) { _ in
    while let j = work.take() {
      let done = work.put(run(name, j, settings))
      if done % 25 == 0 {
        let elapsed = clock.now - start
        FileHandle.standardError.write(Data("\(name): \(done) data sets, \(elapsed.components.seconds) s\n".utf8))
      }
    }
  }
  let elapsed = clock.now - start
  return (work.results(), Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

let settings: Settings
switch Settings.parse(Array(CommandLine.arguments.dropFirst())) {
case .success(let s): settings = s
case .failure(let f):
  FileHandle.standardError.write(Data((f.message + "\n").utf8))
  exit(f.message == Settings.usage ? 0 : 2)
}

do {
  try FileManager.default.createDirectory(atPath: settings.output, withIntermediateDirectories: true)
} catch {
  FileHandle.standardError.write(Data("cannot create \(settings.output): \(error)\n".utf8))
  exit(1)
}
print("# trajectory-calibration \(CommandLine.arguments.dropFirst().joined(separator: " "))")
print(
  "# seed \(settings.seed); fits: \(settings.chains) chains × (\(settings.warmup) warmup + \(settings.draws) draws),"
    + " target acceptance \(settings.targetAcceptance); ranks among L = \(settings.thin) thinned draws;"
    + " \(settings.threads) data sets at a time")
var all: [Outcome] = []
var seconds: [String: Double] = [:]
for name in settings.simulations {
  let (outcomes, elapsed) = simulate(name, settings)
  all += outcomes
  seconds[name] = elapsed
  print("")
  if name == "misspecified" {
    Report.misspecified(outcomes, settings: settings, seconds: elapsed)
  } else {
    Report.prior(outcomes, settings: settings, seconds: elapsed)
  }
}
do {
  try Report.writeCSV(all, settings: settings)
  print("\nwrote \(settings.output)/ranks.csv, \(settings.output)/datasets.csv and \(settings.output)/flags.csv")
} catch {
  FileHandle.standardError.write(Data("cannot write the CSV files: \(error)\n".utf8))
  exit(1)
}
