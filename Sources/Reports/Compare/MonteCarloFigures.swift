import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// How `compare` judges the report's Monte Carlo figures: the trajectory's (issue #28), in
/// `trajectory.csv` and under `trajectory` in `summary.json`.
///
/// The sampler gives the same bits for a seed on one machine, but it calls glibc's libm
/// directly (through Glibc, not Foundation): `exp`, `log`, `log1p`, `pow`, `erf` and `erfc`,
/// of which glibc picks FMA variants of `exp`, `log` and `pow` by CPU, and libmvec's vector
/// `exp` where the CPU has AVX2 and FMA. A machine whose CPU differs can change a last bit, and
/// after the first accept-or-reject or tree-building decision that changes, the chains are
/// another Monte Carlo realisation. So these figures
/// are compared with what another realisation moves them by:
///
/// - a level, a bias or a hyperparameter (an object with a 90% interval: `lo90`–`hi90`,
///   `bias_low`–`bias_high`, `low`–`high`): on the log scale, within a share of the width of
///   the baseline's interval, ``centralShare`` for the median and the 50% interval's ends and
///   ``tailShare`` for the 90% interval's ends. Between five seeds (every pair, each as the
///   baseline) on the report's four trajectories of datasets/ the largest moves were 0.049 of
///   the width for a median or quartile and 0.23 for an end of a 90% interval (the upper end
///   of a heavy-tailed prior-sensitivity refit; 0.21 for the lower end of a hyperparameter);
/// - a statement's `fitted`: within ``fittedLogTolerance`` on the log scale (largest move
///   between seeds: 0.056); its `outlier_probability` within ``probabilityTolerance`` (0.023);
/// - the sampler's `diagnostics` (R-hat, effective sample sizes, step sizes, leapfrog steps,
///   divergences and the warnings they give), each refit's `max_rhat` and `divergences`, and
///   a statement's `outlier` verdict and a series' `flagged` (their probabilities are compared,
///   within ``probabilityTolerance``): reported when they differ,
///   informational, never failing (a realisation with 9 divergent transitions where another
///   had none was seen);
/// - everything else — years, counts, what each statement states and its spread, the priors,
///   the settings, the figures left out — with the comparison's own tolerance, as every
///   other figure of a report.
enum MonteCarloFigures {
  /// The share of the 90% interval's log width a median or a 50% interval's end may move.
  static let centralShare = 0.1
  /// The share of the 90% interval's log width an end of the 90% interval may move.
  static let tailShare = 0.4
  /// How far a statement's `fitted` may move on the log scale.
  static let fittedLogTolerance = 0.15
  /// How far an outlier probability may move.
  static let probabilityTolerance = 0.1

  /// How one figure is judged.
  enum Rule: Equatable {
    /// With the comparison's tolerance.
    case strict
    /// Differences are reported and never fail.
    case informational
    /// Within `share` of the interval's log width.
    case band(Double)
    /// Within this distance on the log scale.
    case logDistance(Double)
    /// Within this absolute distance.
    case absolute(Double)
  }

  static let central: Set<String> = ["median", "lo50", "hi50", "bias_median", "relative_median"]
  static let tails: Set<String> = [
    "lo90", "hi90", "low", "high", "bias_low", "bias_high", "relative_low", "relative_high",
  ]

  /// Whether a report file is `trajectory.csv`.
  static func isTrajectoryCSV(_ file: String) -> Bool { FilePath.lastComponent(file) == "trajectory.csv" }

  /// Whether a JSON path of `file` lies in the trajectory member of a `summary.json`.
  static func isTrajectory(file: String, path: String) -> Bool {
    FilePath.lastComponent(file) == "summary.json"
      && (path == "$.trajectory" || path.hasPrefix("$.trajectory[") || path.hasPrefix("$.trajectory."))
  }

  /// The rule for member `name` of the object at `parent` (a path under `$.trajectory`).
  static func rule(parent: String, name: String) -> Rule {
    if parent.contains(".diagnostics") || name == "diagnostics" { return .informational }
    if parent.contains(".prior_sensitivity[") && (name == "max_rhat" || name == "divergences") {
      return .informational
    }
    if parent.contains(".statements[") {
      switch name {
      case "fitted": return .logDistance(fittedLogTolerance)
      case "outlier_probability": return .absolute(probabilityTolerance)
      case "outlier": return .informational
      default: return .strict
      }
    }
    if parent.contains(".series[") {
      // A series' bias flag (#28): its probability is a Monte Carlo figure as an outlier's is;
      // the verdict is reported when it differs, informational.
      if name == "flag_probability" { return .absolute(probabilityTolerance) }
      if name == "flagged" || name == "verdict" { return .informational }
    }
    let sampled =
      parent.contains(".years[") || parent.contains(".series[") || parent.contains(".prior_sensitivity[")
      || parent.contains(".hyperparameters.") || parent.hasSuffix(".consensus")
    guard sampled else { return .strict }
    if central.contains(name) { return .band(centralShare) }
    if tails.contains(name) { return .band(tailShare) }
    return .strict
  }

  /// The rule for a column of `trajectory.csv` (its levels by year; the year and the count of
  /// statements are compared strictly).
  static func csvRule(_ column: String) -> Rule {
    central.contains(column) ? .band(centralShare) : tails.contains(column) ? .band(tailShare) : .strict
  }

  /// The log width of an object's 90% interval, from its `lo90`–`hi90`, `bias_low`–`bias_high`
  /// or `low`–`high` (whichever it has, in that order; `value` reads a member as a number);
  /// nil when it has none or they are not positive.
  static func logWidth(_ value: (String) -> Double?) -> Double? {
    logWidth(value, pairs: [("lo90", "hi90"), ("bias_low", "bias_high"), ("low", "high")])
  }

  /// The log width of a series' interval of what it states over its yardstick
  /// (`relative_low`–`relative_high`), by which its `relative_*` members are judged; nil as
  /// `logWidth`'s.
  static func relativeLogWidth(_ value: (String) -> Double?) -> Double? {
    logWidth(value, pairs: [("relative_low", "relative_high")])
  }

  /// The log width of the first of `pairs` an object has.
  static func logWidth(_ value: (String) -> Double?, pairs: [(String, String)]) -> Double? {
    for (lo, hi) in pairs {
      if let a = value(lo), let b = value(hi) {
        guard a > 0, b > 0, b >= a else { return nil }
        return log(b) - log(a)
      }
    }
    return nil
  }

  /// Whether `current` passes for `baseline` under `rule`; `width` is the object's interval's
  /// log width (for `.band`; without it the comparison's tolerance applies).
  static func accepts(baseline: Double, current: Double, rule: Rule, width: Double?, tolerance: Tolerance) -> Bool {
    if tolerance.accepts(baseline: baseline, current: current) { return true }
    switch rule {
    case .strict: return false
    case .informational: return true
    case .absolute(let d): return abs(current - baseline) <= d
    case .logDistance(let d):
      return baseline > 0 && current > 0 && abs(log(current) - log(baseline)) <= d
    case .band(let share):
      guard let width, baseline > 0, current > 0 else { return false }
      return abs(log(current) - log(baseline)) <= share * width
    }
  }
}
