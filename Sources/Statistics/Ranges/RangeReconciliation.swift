import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A pooled range: a central value and an interval.
public struct PooledRange: Sendable, Equatable {
  /// The method's name.
  public var method: String
  /// The central value (median on the natural scale).
  public var estimate: Double
  /// Lower end.
  public var low: Double
  /// Upper end.
  public var high: Double
}

/// The random-effects view of the pooled ranges, back on the natural scale.
public struct LogRandomEffects: Sendable, Equatable {
  /// "random effects (DL) on log scale".
  public var method: String
  /// exp(μ̂): the pooled geometric centre.
  public var estimate: Double
  /// exp of the confidence interval for μ.
  public var ciLow: Double
  /// exp of the confidence interval for μ.
  public var ciHigh: Double
  /// exp of the prediction interval: where a new, independent source's figure would fall.
  public var piLow: Double
  /// exp of the prediction interval.
  public var piHigh: Double
  /// τ² on the log scale.
  public var tau2: Double
  /// I² (percent).
  public var i2: Double
  /// Number of sources pooled.
  public var k: Int
  /// Whether τ² was estimated: false for a common-effect pool (two figures), where `tau2` and `i2` are 0
  /// and not reported.
  public var betweenSources: Bool = true
  /// How many of the `k` sources are bounds, pooled as censored observations (then μ and τ²
  /// are maximum likelihood estimates, and the CI comes from the observed information).
  public var censored: Int = 0
  /// τ²'s Q-profile interval at the level (three or more sources, no bound; nil otherwise).
  public var tau2Low: Double? = nil
  public var tau2High: Double? = nil
  /// Whether the CI is Knapp–Hartung's and the prediction interval uses t(k−2) (three or more
  /// sources, no bound); false: z-based (two sources, or maximum likelihood with bounds).
  public var smallSample: Bool = false
}

/// One pooled figure, reported as read rather than reconciled: its centre and its interval at
/// the level (for a bound, its number at its end and the other open).
public struct ReportedFigure: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// How it was read ("point", "range", "at_least", …).
  public var reading: String
  /// Its centre: the stated value, or the range's midpoint; nil for a bound.
  public var estimate: Double?
  /// The lower end of its central interval at the level (for a bound: its own end, or nil).
  public var low: Double?
  /// The upper end of its central interval at the level.
  public var high: Double?
}

/// Leave-one-out influence: the random-effects result without one source.
public struct LeaveOneOut: Sendable, Equatable {
  /// The source left out.
  public var id: String
  /// The pooled result without it.
  public var pooled: LogRandomEffects
}

/// The result of reconciling the figures of one quantity.
public struct RangeReconciliation: Sendable {
  /// Every source's distribution (pooled ones only).
  public var distributions: [SourceDistribution]
  /// Sources left out of pooling, with the reason.
  public var excluded: [(id: String, reason: String)]
  /// Smallest stated low and largest stated high over the figures (a bound counts on its own
  /// side; nil when no figure states that side).
  public var envelope: (low: Double?, high: Double?)
  /// Whether a bound among the figures leaves the envelope open below (an "at most") or above
  /// (an "at least"): the envelope's ends are the stated numbers, the bound says more is possible.
  public var envelopeOpen: (below: Bool, above: Bool) = (false, false)
  /// The range every pooled source agrees with, or nil when two of them are disjoint.
  public var intersection: (low: Double, high: Double)?
  /// Pairs of pooled sources whose ranges do not overlap (at most `maxListedPairs`).
  public var conflictPairs: [(String, String)]
  /// How many such pairs there are in all.
  public var conflictPairCount: Int
  /// Ids taking part in at least one conflict, in input order.
  public var conflicts: [String]
  /// When the pooled sources do not all overlap: the largest group that does, and the range
  /// it shares (nil when they all overlap, or conflicts were not looked for).
  public var consistentGroup: ConsistentGroup? = nil
  /// Random-effects pooling of the log-scale centres (nil with fewer than two pooled sources;
  /// a common-effect pool with two, `betweenSources` false).
  public var randomEffects: LogRandomEffects?
  /// Linear opinion pool: the weighted mixture of the sources' distributions (Stone 1961).
  public var linearPool: PooledRange?
  /// Logarithmic opinion pool: normalised weighted geometric mean of the densities (Genest & Zidek 1986).
  public var logarithmicPool: PooledRange?
  /// Random effects without each source in turn.
  public var leaveOneOut: [LeaveOneOut]
  /// Level of the pooled intervals.
  public var level: Double
  /// The scale the sources were pooled on.
  public var scale: PoolingScale
  /// Whether leave-one-out was skipped because there are more than `maxLeaveOneOut` sources.
  public var leaveOneOutOmitted: Bool
  /// What became of each input, in input order: `i ≥ 0` is `distributions[i]`, `i < 0` is
  /// `excluded[-1 - i]` (every input is one or the other). Lets a caller find an input's
  /// entry by position, even when two inputs share an id.
  public var outcomes: [Int] = []
  /// With exactly one pooled figure: that figure, reported as read (no random effects, no
  /// pools, no leave-one-out); nil otherwise.
  public var reported: ReportedFigure? = nil
  /// What the pooling could not do, in words (bounds left out of the opinion pools, no
  /// finite estimate from bounds alone).
  public var notes: [String] = []
  /// The random effects under other readings (``RangePooling/sensitivity(_:level:interval:)``):
  /// empty unless asked for and two or more figures are pooled.
  public var sensitivity: [SensitivityCell] = []
  /// How the random-effects intervals of three or more sources without bounds were computed.
  public var interval: RangeInterval = .knha
  /// The point factor the figures were read with.
  public var pointFactor: Double = RangePooling.defaultPointFactor

  /// Where input `k` went: the index of its distribution or of its exclusion (both nil when
  /// `k` is not an input).
  public func entry(ofInput k: Int) -> (distribution: Int?, exclusion: Int?) {
    guard k >= 0, k < outcomes.count else { return (nil, nil) }
    let i = outcomes[k]
    if i >= 0 { return (i < distributions.count ? i : nil, nil) }
    let e = -1 - i
    return (nil, e < excluded.count ? e : nil)
  }

  /// Each pooled source's share of the random-effects weight, wᵢ = 1/(σᵢ² + τ̂²) normalised
  /// to sum to 1 (τ̂² = 0 for a common effect), in `distributions` order; nil with no random
  /// effects, or with bounds (a censored likelihood has no such weights).
  public var weights: [Double]? {
    guard let re = randomEffects, re.censored == 0 else { return nil }
    let tau2 = re.betweenSources ? re.tau2 : 0
    let w = distributions.map { 1 / ($0.sigma * $0.sigma + tau2) }
    let total = w.reduce(0, +)
    guard total > 0, total.isFinite else { return nil }
    return w.map { $0 / total }
  }
}

/// The scale ranges are pooled on: log (lognormal sources) when every pooled figure is
/// positive, natural (normal sources) when the quantity can be zero or negative.
public enum PoolingScale: String, Sendable {
  /// log x: lognormal sources, multiplicative uncertainty.
  case log
  /// x: normal sources, additive uncertainty.
  case natural

  /// Back from the pooling scale to the quantity's.
  public var inverse: @Sendable (Double) -> Double {
    switch self {
    case .log: return { exp($0) }
    case .natural: return { $0 }
    }
  }
}
