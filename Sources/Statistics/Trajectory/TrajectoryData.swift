/// The data and priors of the trajectory model: a latent log-level per year that every
/// statement observes through its kind, with a bias per series, a shared error per evidence
/// group, and a two-component (outlier) error mixture. Everything is on the natural-log scale.
///
/// The model (the same in Swift and in the emitted `model.stan`):
///
///     x[1]  ~ Normal(levelCenter, levelScale)                 log-level of the first year
///     x[t]  = x[t-1] + tau * z[t],  z[t] ~ Normal(0, 1)        first-order random walk, t = 2…T
///     tau   ~ Normal+(0, smoothnessScale)                      yearly change of the log-level
///     b[s]  = sigmaB * eta[s],  eta[s] ~ Normal(0, 1)          bias of series s (0 for the reference)
///     sigmaB ~ Normal+(0, biasScale)
///     e[g]  = omega * u[g],  u[g] ~ Normal(0, 1)               shared error of evidence group g
///     omega ~ Normal+(0, errorScale)                           error beyond each statement's own
///     mu[i] = x[year[i]] + b[series[i]] + e[group[i]]          (e = 0 for a statement alone)
///     s[i]  = sqrt(sigma[i]^2 + omega^2)  alone,  sigma[i]  in a group (omega is in e[g])
///     so[i] = sqrt(s[i]^2 + outlierScale^2)
///     statement i, through its kind, with D(m, s) a normal:
///       point     y[i]            (1-p) N(y | mu, s) + p N(y | mu, so)
///       lower     y* > y[i]       (1-p) (1 - Phi((y-mu)/s)) + p (1 - Phi((y-mu)/so))
///       upper     y* < y[i]       (1-p) Phi((y-mu)/s) + p Phi((y-mu)/so)
///       interval  lo < y* < hi    (1-p) [Phi((hi-mu)/s) - Phi((lo-mu)/s)] + p […so…]
///     p = outlierProbability; a statement's outlier probability is the posterior mean of
///     p·f_out / ((1-p)·f_in + p·f_out).
///
/// With no reference series the biases are random effects of mean zero: the level is what a
/// typical series would state. With a reference series, its bias is 0 and the level is on its
/// scale.
public struct TrajectoryData: Sendable, Equatable {
  /// The calendar years of the latent level, consecutive: `years[0]`, `years[0] + 1`, …
  public var years: [Int]
  /// The statements, each tied to one year, one series and at most one evidence group.
  public var statements: [TrajectoryStatement]
  /// Series names; `TrajectoryStatement.series` indexes this list.
  public var series: [String]
  /// Evidence groups with two or more statements; `TrajectoryStatement.group` indexes this list.
  public var groups: [String]
  /// The series whose bias is fixed at 0 (nil: biases are random effects of mean zero).
  public var reference: Int?
  /// The priors.
  public var priors: TrajectoryPriors

  /// Creates the data.
  public init(
    years: [Int], statements: [TrajectoryStatement], series: [String], groups: [String] = [],
    reference: Int? = nil, priors: TrajectoryPriors
  ) {
    self.years = years
    self.statements = statements
    self.series = series
    self.groups = groups
    self.reference = reference
    self.priors = priors
  }
}

/// How a statement observes the level: its number (log scale) and which side, if any, is open.
public enum TrajectoryObservationKind: Int, Sendable, Equatable, CaseIterable {
  /// A number (a point, "about", a range at its coverage read around its centre).
  case point = 1
  /// "At least" `y`: the statement's value lies above `y`.
  case lower = 2
  /// "At most" `y`: the statement's value lies below `y`.
  case upper = 3
  /// A hard minimum–maximum (coverage 1): the value lies between `low` and `high`.
  case interval = 4
}

/// One statement as the trajectory model sees it.
public struct TrajectoryStatement: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// Index into `TrajectoryData.years`.
  public var year: Int
  /// Index into `TrajectoryData.series`.
  public var series: Int
  /// Index into `TrajectoryData.groups`, nil when the statement shares its evidence with none.
  public var group: Int?
  /// How it observes the level.
  public var kind: TrajectoryObservationKind
  /// The log of its number (the bound, for `lower` and `upper`; unused for `interval`).
  public var y: Double
  /// log of the low end (`interval` only).
  public var low: Double
  /// log of the high end (`interval` only).
  public var high: Double
  /// The statement's own standard deviation on the log scale (> 0).
  public var sigma: Double

  /// Creates a statement.
  public init(
    id: String, year: Int, series: Int, group: Int? = nil, kind: TrajectoryObservationKind,
    y: Double, low: Double = 0, high: Double = 0, sigma: Double
  ) {
    self.id = id
    self.year = year
    self.series = series
    self.group = group
    self.kind = kind
    self.y = y
    self.low = low
    self.high = high
    self.sigma = sigma
  }
}

/// The priors and fixed constants of the trajectory model (see `TrajectoryData`).
public struct TrajectoryPriors: Sendable, Equatable {
  /// Prior centre of the first year's log-level (the median of the statements' logs by default).
  public var levelCenter: Double
  /// Prior sd of the first year's log-level: 2.5, a factor of 12 either way, weakly informative.
  public var levelScale: Double
  /// Half-normal scale of tau, the yearly sd of the log-level's change: 0.5 (a 65% change in a
  /// year is one prior sd; the data decide how smooth the level is).
  public var smoothnessScale: Double
  /// Half-normal scale of sigmaB, the sd of the series' biases: 0.5 (one series stating 65%
  /// more than another is one prior sd).
  public var biasScale: Double
  /// Half-normal scale of omega, the error beyond each statement's own sd: 0.5.
  public var errorScale: Double
  /// Prior probability that a statement is an outlier: 0.1.
  public var outlierProbability: Double
  /// Extra sd of an outlier on the log scale: 1.5 (a factor of 12 at 90%).
  public var outlierScale: Double

  /// The default priors around `levelCenter`.
  public static let defaultLevelScale = 2.5
  public static let defaultSmoothnessScale = 0.5
  public static let defaultBiasScale = 0.5
  public static let defaultErrorScale = 0.5
  public static let defaultOutlierProbability = 0.1
  public static let defaultOutlierScale = 1.5

  /// Creates priors (defaults as documented on each property).
  public init(
    levelCenter: Double, levelScale: Double = defaultLevelScale,
    smoothnessScale: Double = defaultSmoothnessScale, biasScale: Double = defaultBiasScale,
    errorScale: Double = defaultErrorScale, outlierProbability: Double = defaultOutlierProbability,
    outlierScale: Double = defaultOutlierScale
  ) {
    self.levelCenter = levelCenter
    self.levelScale = levelScale
    self.smoothnessScale = smoothnessScale
    self.biasScale = biasScale
    self.errorScale = errorScale
    self.outlierProbability = outlierProbability
    self.outlierScale = outlierScale
  }
}

/// The coordinates in which the sampler explores the trajectory model's posterior. Each is a
/// change of variables with its log-Jacobian in the density, so the posterior of the model's
/// quantities (`x`, `b`, `e`, `tau`, `sigmaB`, `omega`) is the same in all; only the sampler's
/// efficiency differs.
///
/// The walk's steps and the biases are partially centred (Papaspiliopoulos, Roberts & Sköld
/// 2007): with weight `w`, θ holds `v = d / tau^w` for the step `d = x[t] - x[t-1]`, so that
/// `v ~ N(0, tau^(1-w))`. `w = 1` is non-centred (`v = z`, as Stan's program), which suits a step
/// the data say little about; `w = 0` is centred (`v = d`), which suits a step the data pin down,
/// where `z` would have to follow `tau` in lockstep. Likewise `b[s] = sigmaB^w · v` with
/// `v ~ N(0, sigmaB^(1-w))`. Weights are rounded to quarters (powers from two square roots).
public struct TrajectoryParameterisation: Sendable, Equatable {
  /// Per year `t ≥ 1`, the weight of its step (index 0, the first year, is unused: θ holds
  /// `z[1]` with `x[1] = levelCenter + levelScale·z[1]`); years beyond the list have weight 1.
  public var stepWeights: [Double]
  /// Per series, the weight of its bias (a reference series' is unused); series beyond the list
  /// have weight 1.
  public var biasWeights: [Double]
  /// θ holds a signed `w ~ N(0, errorScale)` with `omega = |w|` and `e = w·u` instead of
  /// `log omega`: the same posterior of `(omega, e)` (the map is two-to-one, the density even),
  /// smooth at `omega = 0`, without the long exponential tail of `log omega` when the data say
  /// little beyond each statement's own error.
  public var signedOmega: Bool
  /// θ holds the log-levels themselves, `x[t] - levelCenter` (the steps' weights are then
  /// unused): centred like steps of weight 0, a linear map of them, but with the posterior's
  /// correlations local (neighbouring years) where the steps' are sums over the years, so that
  /// a diagonal or not yet adapted metric suits them too.
  public var centredLevels: Bool

  /// Creates a parameterisation.
  public init(
    stepWeights: [Double] = [], biasWeights: [Double] = [], signedOmega: Bool = false, centredLevels: Bool = false
  ) {
    self.stepWeights = stepWeights
    self.biasWeights = biasWeights
    self.signedOmega = signedOmega
    self.centredLevels = centredLevels
  }

  /// Stan's program's: `z`, `eta` and `u` standard normal, `log omega`.
  public static let nonCentred = TrajectoryParameterisation()

  /// The walk's steps and the biases centred three quarters (`d = tau^¼·v`, `b = sigmaB^¼·v`),
  /// omega signed: for data that pin the levels and the biases. Three quarters, not fully: with
  /// a few series `sigmaB` is loosely known, and fully centred biases meet its funnel (`b`
  /// pulled to 0 as `sigmaB` shrinks). On 50 statements over 22 years, 4 series, 32 seeds:
  /// fully centred biases, 15 fits with divergent transitions at a target acceptance of 0.8
  /// and 7 at 0.9; a quarter of `sigmaB` left in, none at 0.9. And fully centred levels left
  /// tau the fewest effective draws; a quarter of tau in each step (`centredStepWeight`) gave
  /// 10–15% less CPU per effective draw.
  ///
  /// A lone series is different: the data say nothing of its bias, only of the level plus the
  /// bias, so its bias stays non-centred (its prior's own shape) and the levels themselves are
  /// sampled, carrying the bias (θ holds what the series states; see `TrajectoryDensity`): on
  /// the arrivals table's 32 years, 8 times less CPU per fit than Stan's coordinates. With no
  /// weight below 1 these coordinates get a diagonal metric (`Trajectory.fit`), which there
  /// took 72–80 ms of CPU against 96–142 ms with the dense one.
  public static func centred(for data: TrajectoryData) -> TrajectoryParameterisation {
    if data.series.count == 1 {
      return TrajectoryParameterisation(biasWeights: [1], signedOmega: true, centredLevels: true)
    }
    return TrajectoryParameterisation(
      stepWeights: Array(repeating: centredStepWeight, count: data.years.count),
      biasWeights: Array(repeating: centredBiasWeight, count: data.series.count), signedOmega: true)
  }

  /// The weight `w` of the walk's steps in `centred(for:)`: a quarter of tau left in each step
  /// (`d = tau^¼·v`). Fully centred (the levels themselves), tau's effective draws were the
  /// fewest of all (about 1,700 of 4,000 on 50 statements over 22 years); with a quarter,
  /// seeds 1–40 took 10–15% less CPU per effective draw.
  public static let centredStepWeight = 0.25

  /// The weight `w` of the biases in `centred(for:)`.
  public static let centredBiasWeight = 0.25

  /// Stan's program's coordinates but omega signed: for data that say little.
  public static let nonCentredSignedOmega = TrajectoryParameterisation(signedOmega: true)

  /// `w` rounded to a quarter, as `k` in `w = k/4`, 0…4 (NaN: 4).
  static func quarters(_ weights: [Double], _ index: Int) -> Int {
    guard weights.indices.contains(index), !weights[index].isNaN else { return 4 }
    return Int((min(max(weights[index], 0), 1) * 4).rounded())
  }
}
