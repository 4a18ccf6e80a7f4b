import Figures
import Statistics

/// The level of one year under one prior setting (prior sensitivity).
public struct TrajectorySensitivity: Sendable, Equatable {
  /// Which prior's scale was changed: `smoothness` (tau's half-normal scale) or `bias` (sigmaB's).
  public var prior: String
  /// The factor applied to its default scale: 0.5, 1 (the default fit) or 2.
  public var factor: Double
  /// The scale used.
  public var scale: Double
  /// The calendar year.
  public var year: Int
  /// The level's posterior median that year.
  public var median: Double
  /// Its 5% quantile.
  public var lo90: Double
  /// Its 95% quantile.
  public var hi90: Double
  /// The fit's largest R-hat.
  public var maxRHat: Double
  /// The fit's divergent transitions.
  public var divergences: Int
}

/// `reconcile trajectory`'s result: the data, the fit, the consensus of one year and the fits
/// under other priors.
public struct TrajectoryReport: Sendable {
  /// What was asked for.
  public var settings: TrajectorySettings
  /// The data and where each statement came from.
  public var input: TrajectoryInput
  /// The sampler's settings.
  public var options: TrajectoryOptions
  /// The fit.
  public var result: TrajectoryResult
  /// `--year`'s level, when asked for.
  public var consensus: TrajectoryYearLevel?
  /// The last observed year's (and `--year`'s) level under the default priors and with the
  /// smoothness and bias scales halved and doubled.
  public var sensitivity: [TrajectorySensitivity]

  /// Whether `year` lies past the last statement's year (a projection).
  public func isProjected(_ year: Int) -> Bool { year > input.lastObserved }

  /// The statements whose outlier probability is above ``TrajectoryAnalysis/outlierThreshold``,
  /// as indices into the statements.
  public var outliers: [Int] {
    result.statements.indices.filter { result.statements[$0].outlierProbability > TrajectoryAnalysis.outlierThreshold }
  }
}

extension TrajectoryAnalysis {
  /// The factors prior sensitivity applies to the smoothness and bias scales.
  public static let sensitivityFactors = [0.5, 2.0]

  /// The sampler's settings for `settings`: Stan's defaults (4 chains, 1000 warmup
  /// iterations, tree depth 10, target acceptance 0.8), `--draws` per chain, `--seed`, `--level`.
  public static func options(_ settings: TrajectorySettings) -> TrajectoryOptions {
    TrajectoryOptions(seed: settings.seed, draws: settings.draws, level: settings.level)
  }

  /// Reads the quantity's statements (``input(_:settings:)``), fits the trajectory model, and
  /// refits it with the smoothness and the bias prior scales halved and doubled (four more
  /// fits, the same seed) for the sensitivity of the last observed year's level (and
  /// `--year`'s).
  ///
  /// - Throws: `AnalysisError`: as ``input(_:settings:)`` does; `.file` (65) when the sampler
  ///   cannot start.
  public static func run(_ files: [FiguresFile], settings: TrajectorySettings) throws(AnalysisError)
    -> TrajectoryReport
  {
    if let problem = optionSyntaxProblem(settings) { throw .usage(problem) }
    let input = try input(files, settings: settings)
    let options = options(settings)
    let result = try fit(input, input.data, options)
    var consensus: TrajectoryYearLevel?
    if let year = settings.year { consensus = result.years.first { $0.year == year } }
    var years = [input.lastObserved]
    if let year = settings.year, year != input.lastObserved { years.append(year) }
    var sensitivity: [TrajectorySensitivity] = []
    let defaults = input.data.priors
    func rows(_ prior: String, _ factor: Double, _ scale: Double, _ r: TrajectoryResult) {
      for year in years {
        guard let level = r.years.first(where: { $0.year == year })?.level else { continue }
        sensitivity.append(
          TrajectorySensitivity(
            prior: prior, factor: factor, scale: scale, year: year, median: level.median, lo90: level.q05,
            hi90: level.q95, maxRHat: r.diagnostics.maxRHat, divergences: r.diagnostics.divergences))
      }
    }
    for prior in ["smoothness", "bias"] {
      let base = prior == "smoothness" ? defaults.smoothnessScale : defaults.biasScale
      for factor in [sensitivityFactors[0], 1, sensitivityFactors[1]] {
        if factor == 1 {
          rows(prior, 1, base, result)
          continue
        }
        var data = input.data
        if prior == "smoothness" {
          data.priors.smoothnessScale = base * factor
        } else {
          data.priors.biasScale = base * factor
        }
        rows(prior, factor, base * factor, try fit(input, data, options))
      }
    }
    return TrajectoryReport(
      settings: settings, input: input, options: options, result: result, consensus: consensus,
      sensitivity: sensitivity)
  }

  /// `Trajectory.fit`, its failure named by the files.
  static func fit(_ input: TrajectoryInput, _ data: TrajectoryData, _ options: TrajectoryOptions)
    throws(AnalysisError) -> TrajectoryResult
  {
    do {
      return try Trajectory.fit(data, options: options)
    } catch {
      throw .file(input.paths.joined(separator: ", "), "\(input.quantity): the trajectory model: \(error.description)")
    }
  }
}
