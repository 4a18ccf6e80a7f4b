import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Settings of a trajectory fit (`Trajectory.fit`).
public struct TrajectoryOptions: Sendable, Equatable {
  /// The seed of every chain's random numbers: the same seed gives the same result.
  public var seed: UInt64
  /// Independent chains.
  public var chains: Int
  /// Warmup (adaptation) iterations per chain (a fifth of them when `Trajectory.fit` chooses the
  /// centred coordinates, its chains then starting from a pilot run's metric).
  public var warmup: Int
  /// Kept draws per chain (at least 4).
  public var draws: Int
  /// Coverage of the reported interval `low`–`high` of every summary, in (0, 1).
  public var level: Double
  /// Chains run this many at a time; the result does not depend on it.
  public var threads: Int
  /// The sampler's largest tree depth.
  public var maxTreeDepth: Int
  /// The step size adaptation's target acceptance statistic.
  public var targetAcceptance: Double
  /// The sampler's metric, adapted during warmup; nil: dense in centred coordinates (where the
  /// data pin sums of the walk's steps, correlations a diagonal metric leaves to the step
  /// size), diagonal in non-centred ones.
  public var metric: NUTSMetric?
  /// The coordinates the sampler explores (the posterior is the same in all); nil: chosen by a
  /// short pilot run (`Trajectory.fit`).
  public var parameterisation: TrajectoryParameterisation?

  /// Creates options; the defaults are Stan's (4 chains of 1000 warmup and 1000 draws, tree
  /// depth 10, target acceptance 0.8) with a 90% interval and two threads; the coordinates and the metric chosen by a pilot run.
  public init(
    seed: UInt64 = 1, chains: Int = 4, warmup: Int = 1000, draws: Int = 1000, level: Double = 0.9,
    threads: Int = 2, maxTreeDepth: Int = 10, targetAcceptance: Double = 0.8, metric: NUTSMetric? = nil,
    parameterisation: TrajectoryParameterisation? = nil
  ) {
    self.seed = seed
    self.chains = chains
    self.warmup = warmup
    self.draws = draws
    self.level = level
    self.threads = threads
    self.maxTreeDepth = maxTreeDepth
    self.targetAcceptance = targetAcceptance
    self.metric = metric
    self.parameterisation = parameterisation
  }

  /// - Throws: `StatisticsError.invalidInput` for a setting out of its domain.
  func validate() throws(StatisticsError) {
    guard chains >= 1 else { throw .invalidInput("chains must be at least 1, got \(chains)") }
    guard warmup >= 0 else { throw .invalidInput("warmup must not be negative, got \(warmup)") }
    guard draws >= 4 else { throw .invalidInput("draws per chain must be at least 4, got \(draws)") }
    guard level > 0, level < 1 else { throw .invalidInput("level must lie strictly between 0 and 1, got \(level)") }
    guard threads >= 1 else { throw .invalidInput("threads must be at least 1, got \(threads)") }
    guard (1...30).contains(maxTreeDepth) else {
      throw .invalidInput("the maximum tree depth must be between 1 and 30, got \(maxTreeDepth)")
    }
    guard targetAcceptance > 0, targetAcceptance < 1 else {
      throw .invalidInput("the target acceptance must lie strictly between 0 and 1, got \(targetAcceptance)")
    }
  }
}

/// A summary of one quantity's posterior draws. Quantiles are R's type 7 (linear between order
/// statistics: `h = (S-1)p`, 0-based).
public struct PosteriorSummary: Sendable, Equatable {
  /// The posterior mean.
  public var mean: Double
  /// The median.
  public var median: Double
  /// The 5% quantile.
  public var q05: Double
  /// The 25% quantile.
  public var q25: Double
  /// The 75% quantile.
  public var q75: Double
  /// The 95% quantile.
  public var q95: Double
  /// The `(1 - level)/2` quantile.
  public var low: Double
  /// The `(1 + level)/2` quantile.
  public var high: Double

  /// Summarises `draws` with the central interval of coverage `level`.
  public init(draws: [Double], level: Double) {
    self.init(draws: draws, sorted: RadixSort.sorted(draws), level: level)
  }

  /// Summarises `draws`, given them in increasing order as `sorted` too (a sort already made,
  /// as `PosteriorDiagnostics.all`'s).
  init(draws: [Double], sorted: [Double], level: Double) {
    self.init(
      mean: draws.isEmpty ? .nan : draws.reduce(0, +) / Double(draws.count), level: level,
      quantile: { PosteriorDiagnostics.quantile(sorted: sorted, $0) })
  }

  /// The summary of a mean and the quantile function `quantile`.
  private init(mean: Double, level: Double, quantile q: (Double) -> Double) {
    self.mean = mean
    median = q(0.5)
    q05 = q(0.05)
    q25 = q(0.25)
    q75 = q(0.75)
    q95 = q(0.95)
    low = q((1 - level) / 2)
    high = q((1 + level) / 2)
  }

  /// Summarises the exponentials of `logDraws`, given the log draws in increasing order as
  /// `sortedLogs` (exp keeps the order): the quantiles are those of
  /// `init(draws:sorted:level:)` on `exp` of both — each takes the exponentials of the two order
  /// statistics it needs, the same numbers, not of every draw. The mean's exponentials are
  /// libmvec's (`VectorMath.exp`), which may differ from glibc's `exp` in a last bit.
  init(logDraws: [Double], sortedLogs: [Double], level: Double) {
    var mean = Double.nan
    if !logDraws.isEmpty {
      var natural = [Double](repeating: 0, count: logDraws.count)
      logDraws.withUnsafeBufferPointer { x in natural.withUnsafeMutableBufferPointer { VectorMath.exp(x, into: $0) } }
      mean = natural.reduce(0, +) / Double(natural.count)
    }
    self.init(
      mean: mean, level: level,
      quantile: { p in PosteriorDiagnostics.quantile(count: sortedLogs.count, p) { exp(sortedLogs[$0]) } })
  }
}

/// The fitted level of one year, on the natural scale (the exponential of the log-level).
public struct TrajectoryYearLevel: Sendable, Equatable {
  /// The calendar year.
  public var year: Int
  /// The level's posterior summary (natural scale).
  public var level: PosteriorSummary
}

/// One series' fitted bias.
public struct TrajectorySeriesBias: Sendable, Equatable {
  /// The series' name.
  public var series: String
  /// Whether this is the reference series (bias fixed at 0).
  public var isReference: Bool
  /// The bias `b` on the log scale.
  public var logBias: PosteriorSummary
  /// The bias as a factor `exp(b)`: what the series states over the level.
  public var factor: PosteriorSummary
  /// What the series states over its yardstick, log scale (see `flagged`): its `logBias` when
  /// the data have a reference series, else `b[s]` less the median of the other series' biases,
  /// per draw (0 for a lone series: nothing to compare it with). 0 for the reference.
  public var logContrast: PosteriorSummary
  /// The posterior probability that the series states more than `flagFactor` times its
  /// yardstick, or less than 1/`flagFactor` of it, whichever is larger:
  /// `max(P(c > log f), P(c < -log f))` for the contrast `c` (`logContrast`). 0 for the reference.
  public var flagProbability: Double
  /// Whether the series is flagged as biased: `flagProbability ≥ flagThreshold`, that is, with
  /// 90% probability it states at least 1.5 times, or at most 1/1.5 of, what the reference
  /// states (with a reference series) or what the median of the other series states (without
  /// one). A contrast, not `logBias` itself: without a reference, the biases are random effects
  /// of mean zero and the level is what a typical series states, so one series biased threefold
  /// also moves the level, and `logBias`'s interval carries the uncertainty of that common
  /// offset, which the contrast does not. The other series only: with the series itself among
  /// them, one series biased threefold among four would be judged against the mean of itself and
  /// one other. With two series the yardstick of each is the other: the flag then says that the
  /// two disagree, not which one is right.
  public var flagged: Bool
  /// What the statements say of the series against its yardstick (see `Verdict`).
  public var verdict: Verdict

  /// What the statements say of a series against its yardstick, from its contrast `c`
  /// (`logContrast`) at the fit's level.
  public enum Verdict: String, Sendable, Equatable {
    /// `flagged`: with probability 0.9 or more it states 1.5× its yardstick or more, or 1/1.5 or less.
    case flagged
    /// Not flagged, and the contrast's central interval lies within a factor of 1.5 either way
    /// (`1/1.5 < exp(c) < 1.5` at both ends): the series is in line with its yardstick.
    case inLine = "in_line"
    /// Neither: the interval reaches a factor of 1.5 on one side or both, and the statements
    /// cannot tell whether the series is out of line. Not a clean bill: in the misspecified
    /// simulation (`scripts/trajectory-calibration`) a series stating three times the level is
    /// often here when its statements are few or noisy.
    case uncertain
    /// The reference series (`--reference`): its bias is 0 by definition.
    case reference
    /// The only series: nothing to compare it with.
    case alone

    /// The verdict of a non-reference series among `seriesCount` series, flagged or not, whose
    /// contrast's central interval is `low`…`high` (log scale).
    public static func of(flagged: Bool, low: Double, high: Double, seriesCount: Int) -> Verdict {
      if seriesCount < 2 { return .alone }
      if flagged { return .flagged }
      let cut = log(TrajectorySeriesBias.flagFactor)
      return low > -cut && high < cut ? .inLine : .uncertain
    }
  }

  /// The factor beyond which a series is flagged: 1.5 (one series stating 50% more than the
  /// others, a difference an analyst acts on; `TrajectoryPriors.biasScale`'s one prior sd is 1.65).
  public static let flagFactor = 1.5
  /// The posterior probability above which a series is flagged: 0.9.
  public static let flagThreshold = 0.9
}

/// One statement's fit.
public struct TrajectoryStatementFit: Sendable, Equatable {
  /// The statement's id.
  public var id: String
  /// The posterior mean of its outlier responsibility `p·f_out/((1-p)·f_in + p·f_out)`.
  public var outlierProbability: Double
  /// The posterior median of `mu = x[year] + b[series] + e[group]` (log scale; its exponential
  /// is the median on the natural scale).
  public var fittedLogMedian: Double
}

/// How well the sampler did.
public struct TrajectoryConvergence: Sendable, Equatable {
  /// The largest rank-normalised split R-hat over the year levels, tau, sigmaB and omega.
  public var maxRHat: Double
  /// The smallest bulk effective sample size over the same quantities.
  public var minBulkESS: Double
  /// The smallest tail effective sample size over the same quantities.
  public var minTailESS: Double
  /// Kept transitions that diverged, over all chains.
  public var divergences: Int
  /// Kept transitions that reached the maximum tree depth, over all chains.
  public var maxTreeDepthHits: Int
  /// The adapted step size of each chain.
  public var stepSizes: [Double]
  /// Leapfrog steps (gradient evaluations) over all chains, warmup included (and the pilot run's,
  /// when `Trajectory.fit` ran one and kept the centred fit).
  public var leapfrogSteps: Int
  /// Warmup iterations per chain of the fit that gave the draws (see `TrajectoryOptions.warmup`).
  public var warmupPerChain = 0
}

/// The raw posterior draws, chain after chain: draw `d` of chain `c` is row `c·drawsPerChain + d`.
public struct TrajectoryDraws: Sendable, Equatable {
  /// The number of chains.
  public var chains: Int
  /// Kept draws per chain.
  public var drawsPerChain: Int
  /// `T`, the number of years.
  public var yearCount: Int
  /// `S`, the number of series.
  public var seriesCount: Int
  /// The log-levels `x`, `(chains·drawsPerChain) × T` row-major.
  public var logLevels: [Double]
  /// The log-biases `b`, `(chains·drawsPerChain) × S` row-major (0 for a reference series).
  public var logBiases: [Double]
  /// tau per draw.
  public var tau: [Double]
  /// sigmaB per draw.
  public var sigmaB: [Double]
  /// omega per draw.
  public var omega: [Double]
  /// The log density (`TrajectoryDensity`) per draw, in the coordinates it was sampled in
  /// (`TrajectoryResult.parameterisation`): it differs between coordinates by their
  /// log-Jacobian, the posterior does not.
  public var logDensity: [Double]

  /// The number of rows, `chains·drawsPerChain`.
  public var count: Int { chains * drawsPerChain }

  /// The log-level of year index `year` in row `draw`.
  public func logLevel(draw: Int, year: Int) -> Double { logLevels[draw * yearCount + year] }

  /// The draws of year index `year`'s log-level, chain after chain.
  public func logLevels(year: Int) -> [Double] { (0..<count).map { logLevels[$0 * yearCount + year] } }
}

/// The fit of the trajectory model.
public struct TrajectoryResult: Sendable, Equatable {
  /// The coverage of every summary's `low`–`high`.
  public var level: Double
  /// The level per year, natural scale.
  public var years: [TrajectoryYearLevel]
  /// The bias per series.
  public var biases: [TrajectorySeriesBias]
  /// Per statement, in `TrajectoryData.statements` order.
  public var statements: [TrajectoryStatementFit]
  /// tau, the yearly sd of the log-level's change.
  public var tau: PosteriorSummary
  /// sigmaB, the sd of the series' biases.
  public var sigmaB: PosteriorSummary
  /// omega, the error beyond each statement's own sd.
  public var omega: PosteriorSummary
  /// Convergence diagnostics.
  public var diagnostics: TrajectoryConvergence
  /// Sentences for a reader when the diagnostics call the result into doubt.
  public var warnings: [String]
  /// The raw draws.
  public var draws: TrajectoryDraws
  /// The coordinates the draws were sampled in (`TrajectoryOptions.parameterisation`, or the
  /// fit's choice).
  public var parameterisation = TrajectoryParameterisation.nonCentred
}

/// The model's quantities at one parameter vector θ (see `TrajectoryDensity.values(at:)`).
public struct TrajectoryPointValues: Sendable, Equatable {
  /// The level per year on the natural scale, `exp(x[t])`.
  public var levels: [Double]
  /// The bias per series on the log scale (0 for the reference series).
  public var logBiases: [Double]
  /// Each statement's `mu` (log scale), in `TrajectoryData.statements` order.
  public var mu: [Double]
  /// Each statement's outlier responsibility `p·f_out / ((1-p)·f_in + p·f_out)`, in the same order.
  public var outlierResponsibility: [Double]
  /// tau.
  public var tau: Double
  /// sigmaB.
  public var sigmaB: Double
  /// omega.
  public var omega: Double
}

extension TrajectoryDensity {
  /// The natural-scale level per year, the biases, each statement's `mu` and outlier
  /// responsibility, and the hyperparameters at θ; nil when θ does not hold `dimension` values.
  /// (Allocates its result; `quantities` is the allocation-free form.)
  public func values(at theta: [Double]) -> TrajectoryPointValues? {
    guard theta.count == dimension else { return nil }
    var logLevels = [Double](repeating: 0, count: yearCount)
    var biases = [Double](repeating: 0, count: seriesCount)
    var mu = [Double](repeating: 0, count: statementCount)
    var outlier = [Double](repeating: 0, count: statementCount)
    let hyper = theta.withUnsafeBufferPointer { th in
      logLevels.withUnsafeMutableBufferPointer { l in
        biases.withUnsafeMutableBufferPointer { b in
          mu.withUnsafeMutableBufferPointer { m in
            outlier.withUnsafeMutableBufferPointer { o in
              guard let th = th.baseAddress, let l = l.baseAddress, let b = b.baseAddress, let m = m.baseAddress,
                let o = o.baseAddress
              else { return (tau: Double.nan, sigmaB: Double.nan, omega: Double.nan) }
              return quantities(th, logLevels: l, biases: b, mu: m, outlier: o)
            }
          }
        }
      }
    }
    return TrajectoryPointValues(
      levels: logLevels.map { exp($0) }, logBiases: biases, mu: mu, outlierResponsibility: outlier, tau: hyper.tau,
      sigmaB: hyper.sigmaB, omega: hyper.omega)
  }
}
