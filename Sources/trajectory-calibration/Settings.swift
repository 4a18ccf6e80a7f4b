import Statistics

/// The command line of trajectory-calibration.
struct Settings {
  /// Data sets per simulation.
  var datasets = 500
  /// Which simulations: "prior", "misspecified" or both.
  var simulations = ["prior", "misspecified"]
  /// The base seed: data set `j` of a simulation has a seed derived from it, the simulation and `j`.
  var seed: UInt64 = 2028
  /// Data sets fitted at a time (each fit runs its chains one after another).
  var threads = 2
  /// The fits' options (the defaults of `TrajectoryOptions`, Stan's).
  var chains = 4
  var warmup = 1000
  var draws = 1000
  var targetAcceptance = 0.8
  /// `L`: ranks are taken among this many thinned draws.
  var thin = 99
  /// Bins of the chi-square tests (at most; fewer when a quantity has few ranks).
  var bins = 20
  /// Stop handing out new data sets of a simulation after this many minutes (nil: never).
  var minutes: Double?
  /// Folder for the CSV files.
  var output = "trajectory-calibration-out"

  static let usage = """
    usage: trajectory-calibration [--datasets N] [--simulation prior|misspecified|both] [--seed S]
                                  [--threads K] [--chains C] [--warmup W] [--draws D]
                                  [--target-acceptance A] [--thin L] [--bins B] [--minutes M]
                                  [--output DIR]
      Simulation-based calibration of the trajectory model (Talts et al. 2018): N data sets drawn
      from the model's prior (TrajectorySimulation.draw), each fitted (4 chains of 1000 + 1000 by
      default), the rank of each true value among L thinned draws, chi-square tests of their
      uniformity and the coverage of the 90% intervals; then N misspecified data sets (one series
      biased threefold, a tenth of the statements from an outlying source). Writes DIR/ranks.csv,
      DIR/datasets.csv and DIR/flags.csv and prints a summary. --minutes M stops handing out data sets of each
      simulation after M minutes (the data sets done are then 0..<n, the same on every run).
    """

  /// Parses `arguments` (without the program name); nil with a message for a bad one.
  static func parse(_ arguments: [String]) -> Result<Settings, Failure> {
    var s = Settings()
    var i = 0
    func value() -> String? {
      i += 1
      return i < arguments.count ? arguments[i] : nil
    }
    while i < arguments.count {
      let flag = arguments[i]
      switch flag {
      case "--help", "-h": return .failure(Failure(message: usage))
      case "--datasets":
        guard let v = value().flatMap(Int.init), v > 0 else { return .failure(Failure(flag)) }
        s.datasets = v
      case "--simulation":
        switch value() {
        case "prior": s.simulations = ["prior"]
        case "misspecified": s.simulations = ["misspecified"]
        case "both": s.simulations = ["prior", "misspecified"]
        default: return .failure(Failure(flag))
        }
      case "--seed":
        guard let v = value().flatMap({ UInt64($0) }) else { return .failure(Failure(flag)) }
        s.seed = v
      case "--threads":
        guard let v = value().flatMap(Int.init), v > 0 else { return .failure(Failure(flag)) }
        s.threads = v
      case "--chains":
        guard let v = value().flatMap(Int.init), v > 0 else { return .failure(Failure(flag)) }
        s.chains = v
      case "--warmup":
        guard let v = value().flatMap(Int.init), v >= 0 else { return .failure(Failure(flag)) }
        s.warmup = v
      case "--draws":
        guard let v = value().flatMap(Int.init), v >= 4 else { return .failure(Failure(flag)) }
        s.draws = v
      case "--target-acceptance":
        guard let v = value().flatMap(Double.init), v > 0, v < 1 else { return .failure(Failure(flag)) }
        s.targetAcceptance = v
      case "--thin":
        guard let v = value().flatMap(Int.init), v > 0 else { return .failure(Failure(flag)) }
        s.thin = v
      case "--bins":
        guard let v = value().flatMap(Int.init), v > 1 else { return .failure(Failure(flag)) }
        s.bins = v
      case "--minutes":
        guard let v = value().flatMap(Double.init), v > 0 else { return .failure(Failure(flag)) }
        s.minutes = v
      case "--output":
        guard let v = value() else { return .failure(Failure(flag)) }
        s.output = v
      default: return .failure(Failure(message: "unknown argument \(flag)\n\(usage)"))
      }
      i += 1
    }
    guard s.thin <= s.chains * s.draws else {
      return .failure(Failure(message: "--thin \(s.thin) exceeds the draws \(s.chains * s.draws)"))
    }
    return .success(s)
  }

  /// The fit options of data set seed `seed`.
  func options(seed: UInt64) -> TrajectoryOptions {
    TrajectoryOptions(
      seed: seed, chains: chains, warmup: warmup, draws: draws, threads: 1, targetAcceptance: targetAcceptance)
  }

  /// The simulation's settings by name.
  static func simulation(_ name: String) -> TrajectorySimulation.Settings {
    name == "misspecified" ? .misspecified : .prior
  }

  /// The seed of data set `index` of simulation `name`: SplitMix64's finaliser of the base seed,
  /// the simulation and the index, so that neighbouring data sets are unrelated.
  func datasetSeed(_ name: String, _ index: Int) -> UInt64 {
    var z = seed &+ (name == "misspecified" ? 0x4D49_5353 : 0x5052_494F) &* 0x9E37_79B9_7F4A_7C15
    z = z &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A message for a bad command line.
struct Failure: Error {
  var message: String
  init(message: String) { self.message = message }
  init(_ flag: String) { message = "\(flag) needs a valid value\n\(Settings.usage)" }
}
