#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
import Numerics

/// One source's figure, as range pooling sees it.
public struct RangeInput: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// Lower end of the stated range (nil when open below).
  public var low: Double?
  /// Upper end of the stated range (nil when open above).
  public var high: Double?
  /// A point figure, when no range was stated.
  public var value: Double?
  /// Probability that [low, high] is meant to hold the true value.
  public var coverage: Double
  /// Relative weight in the pools (default 1).
  public var weight: Double
  /// Why the figure is left out of pooling (e.g. it restates other figures); nil when pooled.
  public var excludedReason: String?

  /// Creates an input.
  public init(
    id: String, low: Double?, high: Double?, value: Double?, coverage: Double = 0.9,
    weight: Double = 1, excludedReason: String? = nil
  ) {
    self.id = id
    self.low = low
    self.high = high
    self.value = value
    self.coverage = coverage
    self.weight = weight
    self.excludedReason = excludedReason
  }
}

/// A source read as a lognormal distribution: log X ~ N(mu, sigma²).
public struct SourceDistribution: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// Low end used (the stated one, or the point figure ÷ the point factor).
  public var low: Double
  /// High end used.
  public var high: Double
  /// Geometric midpoint √(low·high) (the figure itself for a point figure); exp(mu) up to rounding.
  public var mid: Double
  /// Mean of log X.
  public var mu: Double
  /// Standard deviation of log X.
  public var sigma: Double
  /// How the distribution was obtained: "range", "point".
  public var reading: String
  /// Relative weight.
  public var weight: Double
}

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
  /// Smallest low and largest high over all sources (nil where some source is open-ended that way).
  public var envelope: (low: Double?, high: Double?)
  /// The range every pooled source agrees with, or nil when two of them are disjoint.
  public var intersection: (low: Double, high: Double)?
  /// Pairs of pooled sources whose ranges do not overlap (at most `maxListedPairs`).
  public var conflictPairs: [(String, String)]
  /// How many such pairs there are in all.
  public var conflictPairCount: Int
  /// Ids taking part in at least one conflict, in input order.
  public var conflicts: [String]
  /// Random-effects pooling of the log-scale midpoints (nil with fewer than one pooled source).
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

  /// Where input `k` went: the index of its distribution or of its exclusion (both nil when
  /// `k` is not an input).
  public func entry(ofInput k: Int) -> (distribution: Int?, exclusion: Int?) {
    guard k >= 0, k < outcomes.count else { return (nil, nil) }
    let i = outcomes[k]
    if i >= 0 { return (i < distributions.count ? i : nil, nil) }
    let e = -1 - i
    return (nil, e < excluded.count ? e : nil)
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

/// Reconciles ranges quoted by several sources.
///
/// Each source's range [L, H] is read as the central `coverage` interval of a lognormal:
/// μ = (ln L + ln H)/2, σ = (ln H − ln L) / (2 z₍₁₊c₎/₂). A point figure v is read as the
/// range [v/f, v·f] at the default coverage, f = `pointFactor` (2 by default): a stated
/// number without a range is taken to be right within a factor of f. When any pooled figure is
/// zero or negative the quantity is not a positive count: every source is then read as a
/// normal on the natural scale, μ = (L + H)/2, σ = (H − L)/(2 z), and pooled there. One-sided
/// bounds ("at least", "up to") have no second end to fix a spread: they are kept in the
/// envelope and intersection, and left out of pooling with the reason stated.
public enum RangePooling {
  /// The most conflicting pairs listed (their total is always counted).
  public static let maxListedPairs = 200
  /// Leave-one-out is computed for at most this many pooled sources: beyond it one source
  /// moves the pool little, and a table of one row per source is no longer read (60, as the
  /// report's pages draw at most 60 sources one by one).
  public static let maxLeaveOneOut = 60
  /// Without the detail (a by-year step), the linear pool is computed for at most this many.
  public static let maxLinearPoolWithoutDetail = 200

  /// Reconciles the inputs.
  ///
  /// - Parameters:
  ///   - inputs: the sources, in file order.
  ///   - level: level of the pooled intervals (CI, PI and the pools' central intervals).
  ///   - pointFactor: f for point figures (> 1).
  ///   - detail: compute leave-one-out (false for the by-year views).
  ///   - conflicts: find the conflicting sources and pairs. False leaves `conflicts` and
  ///     `conflictPairs` empty and `conflictPairCount` 0, for a caller that reports none of
  ///     them (the CSV rows of `ranges`); everything else is the same.
  ///   - leaveOneOut: compute leave-one-out (when `detail` asks for it). False leaves it
  ///     empty (and `leaveOneOutOmitted` false), for such a caller; everything else is the
  ///     same.
  ///
  /// Complexity: O(k log k) in the number of sources k, plus O(k²) for leave-one-out when
  /// k ≤ `maxLeaveOneOut` and for listing conflicting pairs among the conflicting sources.
  /// - Throws: `StatisticsError.invalidInput` when `level` or `pointFactor` is out of range.
  public static func reconcile(
    _ inputs: [RangeInput], level: Double = 0.9, pointFactor: Double = 2, detail: Bool = true,
    conflicts findConflicts: Bool = true, leaveOneOut withLeaveOneOut: Bool = true
  ) throws(StatisticsError) -> RangeReconciliation {
    guard level > 0 && level < 1 else { throw .invalidInput("level must be in (0, 1), got \(level)") }
    guard pointFactor > 1 && pointFactor.isFinite else {
      throw .invalidInput("point factor must be greater than 1, got \(pointFactor)")
    }
    var envLow: Double? = .infinity
    var envHigh: Double? = -.infinity
    var interLow = -Double.infinity
    var interHigh = Double.infinity
    // Each pooled input's bounds, with its position in `inputs` (for its id).
    var bounds: [(input: Int, low: Double, high: Double)] = []
    bounds.reserveCapacity(inputs.count)
    var dists: [SourceDistribution] = []
    var excluded: [(id: String, reason: String)] = []
    var outcomes: [Int] = []
    outcomes.reserveCapacity(inputs.count)

    // First, what each input would be pooled as, whatever the scale: its reading [rl, rh]
    // (a point figure v as [v/f, v·f]), or why it cannot be pooled. Only inputs that are
    // pooled decide the scale: a figure left out (a point figure of zero, a one-sided bound, a
    // restatement) must not change the result.
    var readings: [Reading] = []
    readings.reserveCapacity(inputs.count)
    var logScale = true
    var lastCoverage = Double.nan
    var lastZ = Double.nan
    func z(_ coverage: Double) -> Double {
      // Sources mostly share a coverage: its normal quantile is computed once.
      if coverage != lastCoverage {
        lastCoverage = coverage
        lastZ = Normal.quantile(0.5 + coverage / 2)
      }
      return lastZ
    }
    for s in inputs {
      let r = reading(s, pointFactor: pointFactor)
      if case .pooled(let rl, let rh, _) = r, rl <= 0 {
        // Pooled on the natural scale or not at all: its spread there must be usable.
        if let problem = spreadProblem(spread(rl, rh, z: z(s.coverage), pointFactor: pointFactor, log: false), scale: .natural) {
          readings.append(.bounded(problem))
          continue
        }
        logScale = false
      }
      readings.append(r)
    }
    let scale: PoolingScale = logScale ? .log : .natural
    for (index, s) in inputs.enumerated() {
      let lo = s.low ?? s.value
      let hi = s.high ?? s.value
      var r = readings[index]
      var spreadHere = (mu: 0.0, sigma: 0.0)
      if case .pooled(let rl, let rh, _) = r {
        spreadHere = spread(rl, rh, z: z(s.coverage), pointFactor: pointFactor, log: logScale)
        // Only a positive figure can fail here (the others were checked above), so the scale
        // stands. (Such a range is reversed, or its σ² underflows on the natural scale.)
        if let problem = spreadProblem(spreadHere, scale: scale) { r = .bounded(problem) }
      }
      switch r {
      case .unusable(let reason):
        // Not a figure that gives a distribution on any usable scale: listed with the
        // reason, and left out of the envelope, the intersection and the conflicts as well
        // as the pools.
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .restated(let reason):
        if let e = envLow { envLow = lo.map { min(e, $0) } }
        if let e = envHigh { envHigh = hi.map { max(e, $0) } }
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .bounded(let reason):
        // A one-sided bound, a source weighted 0, a spread that cannot be pooled: in the
        // envelope and the intersection.
        if let e = envLow { envLow = lo.map { min(e, $0) } }
        if let e = envHigh { envHigh = hi.map { max(e, $0) } }
        let bLow = lo ?? -.infinity
        let bHigh = hi ?? .infinity
        bounds.append((index, bLow, bHigh))
        interLow = max(interLow, bLow)
        interHigh = min(interHigh, bHigh)
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .pooled(let rl, let rh, let isPoint):
        if let e = envLow { envLow = lo.map { min(e, $0) } }
        if let e = envHigh { envHigh = hi.map { max(e, $0) } }
        let bLow = lo ?? -.infinity
        let bHigh = hi ?? .infinity
        bounds.append((index, bLow, bHigh))
        interLow = max(interLow, bLow)
        interHigh = min(interHigh, bHigh)
        let mid = isPoint ? (lo ?? .nan) : (logScale ? (rl * rh).squareRoot() : (rl + rh) / 2)
        outcomes.append(dists.count)
        dists.append(
          SourceDistribution(
            id: s.id, low: rl, high: rh, mid: mid, mu: spreadHere.mu, sigma: spreadHere.sigma,
            reading: isPoint ? "point" : "range", weight: s.weight))
      }
    }
    if envLow == .infinity { envLow = nil }
    if envHigh == -.infinity { envHigh = nil }

    // Conflicts in O(k): a source overlaps no other exactly when its high is below the
    // largest low of the others, or its low above the smallest high of the others. Pairs are
    // listed (up to `maxListedPairs`, in input order) only as far as the analyst can read them.
    // Only the two largest lows and the two smallest highs matter (with their repeats).
    // Without `findConflicts` both loops are skipped: no source is found conflicting, and the
    // count and the listing below have nothing to do.
    var maxLow = -Double.infinity
    var secondLow = -Double.infinity
    var minHigh = Double.infinity
    var secondHigh = Double.infinity
    for b in bounds where findConflicts {
      if b.low > maxLow {
        secondLow = maxLow
        maxLow = b.low
      } else if b.low > secondLow {
        secondLow = b.low
      }
      if b.high < minHigh {
        secondHigh = minHigh
        minHigh = b.high
      } else if b.high < secondHigh {
        secondHigh = b.high
      }
    }
    var conflicts: [String] = []
    // Positions in `bounds` of the conflicting sources, and whether some source is odd (NaN,
    // or low above high).
    var conflicting: [Int] = []
    var odd = false
    for (k, b) in bounds.enumerated() where findConflicts {
      let otherMaxLow = bounds.count > 1 ? (maxLow == b.low ? secondLow : maxLow) : -.infinity
      let otherMinHigh = bounds.count > 1 ? (minHigh == b.high ? secondHigh : minHigh) : .infinity
      if b.high < otherMaxLow || b.low > otherMinHigh {
        conflicts.append(inputs[b.input].id)
        conflicting.append(k)
      }
      if !(b.low <= b.high) { odd = true }
    }
    var pairs: [(String, String)] = []
    var pairCount = 0
    if !conflicts.isEmpty {
      // The candidates are the sources whose id is among the conflicting ones. When every
      // source has low ≤ high (no NaN), a source that conflicts with none overlaps every other
      // (its high is at least every other low, its low at most every other high): it adds no
      // pair and nothing to the count whether it is a candidate or not, and the conflicting
      // sources themselves will do, without hashing ids. With an odd source (NaN, or low
      // above high: it counts against itself) one sharing an id with a conflicting source can
      // matter, and the candidates are picked by id.
      let candidates: [(input: Int, low: Double, high: Double)]
      if odd {
        let involved = Set(conflicts)
        candidates = bounds.filter { involved.contains(inputs[$0.input].id) }
      } else {
        candidates = conflicting.map { bounds[$0] }
      }
      // A disjoint pair has exactly one member whose high is below the other's low, so the
      // count is Σᵢ #{j : low_j > high_i}.
      if odd {
        // In O(c log c), by binary search among the sorted lows (which may hold NaN).
        let candidateLows = candidates.map(\.low).sorted()
        for c in candidates {
          // First index whose low exceeds c.high.
          var lo = 0
          var hi = candidateLows.count
          while lo < hi {
            let mid = (lo + hi) / 2
            if candidateLows[mid] > c.high { hi = mid } else { lo = mid + 1 }
          }
          pairCount += candidateLows.count - lo
        }
      } else {
        // In O(c): lows and highs (no NaN) sorted by radix, then one merge: for each high in
        // increasing order, the lows at most it are a growing prefix of the sorted lows.
        let lows = RadixSort.sorted(candidates.map(\.low))
        let highs = RadixSort.sorted(candidates.map(\.high))
        var atMost = 0
        for h in highs {
          while atMost < lows.count && lows[atMost] <= h { atMost += 1 }
          pairCount += lows.count - atMost
        }
      }
      // List the first pairs in input order (i < j), stopping once enough are listed.
      listing: for i in candidates.indices {
        for j in candidates.indices where j > i {
          if candidates[i].high < candidates[j].low || candidates[j].high < candidates[i].low {
            pairs.append((inputs[candidates[i].input].id, inputs[candidates[j].input].id))
            if pairs.count == maxListedPairs { break listing }
          }
        }
      }
    }
    let intersection: (low: Double, high: Double)? =
      (bounds.isEmpty || interLow > interHigh) ? nil : (interLow, interHigh)

    let re = try randomEffects(dists, level: level, scale: scale)
    // Leave-one-out costs O(k²); beyond `maxLeaveOneOut` sources one source moves the pool
    // little and the table would be unreadable, so it is left out (and said so).
    var loo: [LeaveOneOut] = []
    if detail && withLeaveOneOut && dists.count > 2 && dists.count <= maxLeaveOneOut {
      for i in dists.indices {
        var rest = dists
        rest.remove(at: i)
        if let r = try randomEffects(rest, level: level, scale: scale) {
          loo.append(LeaveOneOut(id: dists[i].id, pooled: r))
        }
      }
    }
    return RangeReconciliation(
      distributions: dists, excluded: excluded, envelope: (envLow, envHigh),
      intersection: intersection, conflictPairs: pairs, conflictPairCount: pairCount, conflicts: conflicts,
      randomEffects: re,
      linearPool: detail || dists.count <= maxLinearPoolWithoutDetail ? linearPool(dists, level: level, scale: scale) : nil,
      logarithmicPool: logarithmicPool(dists, level: level, scale: scale), leaveOneOut: loo,
      level: level, scale: scale,
      leaveOneOutOmitted: detail && withLeaveOneOut && dists.count > maxLeaveOneOut, outcomes: outcomes)
  }

  /// What an input is pooled as, before the scale is known.
  enum Reading {
    /// Left out because it restates other figures (the caller's reason); in the envelope.
    case restated(String)
    /// Left out of pooling but kept in the envelope and the intersection (a one-sided bound,
    /// a source of weight 0, a range whose spread cannot be pooled: reversed, or one whose σ²
    /// underflows or overflows on the scale).
    case bounded(String)
    /// Gives no distribution at all (a point figure of zero, a zero-width range at zero, a
    /// point figure whose factor reading overflows): listed only, with the reason, and left
    /// out of the envelope, the intersection and the conflicts too.
    case unusable(String)
    /// Pooled: the range [low, high] it is read as.
    case pooled(low: Double, high: Double, isPoint: Bool)
  }

  /// The coverages a range may be read at: below 0.001 the range would be a sliver of the
  /// distribution (and σ = width/(2z) explodes as z → 0); above 0.999999 the normal quantile
  /// runs into the end of the Double grid near 1.
  public static let coverageRange: ClosedRange<Double> = 0.001...0.999_999

  /// Reads one input, independently of the scale.
  static func reading(_ s: RangeInput, pointFactor: Double) -> Reading {
    if let reason = s.excludedReason { return .restated(reason) }
    let lo = s.low ?? s.value
    let hi = s.high ?? s.value
    guard let l = lo, let h = hi else {
      return .bounded(
        lo == nil
          ? "one-sided bound (up to \(hi.map(plain) ?? "?")): in the envelope, not pooled"
          : "one-sided bound (at least \(plain(lo ?? 0))): in the envelope, not pooled")
    }
    guard s.weight > 0 && s.weight.isFinite else { return .bounded("weight is not positive") }
    guard coverageRange.contains(s.coverage) else {
      return .bounded(
        "coverage \(s.coverage) is outside \(coverageRange.lowerBound)–\(coverageRange.upperBound): it gives no usable spread")
    }
    let isPoint = s.low == nil && s.high == nil
    if isPoint && l == 0 { return .unusable("a point figure of zero gives no scale for its uncertainty") }
    if l == 0 && h == 0 { return .unusable("a zero-width range at zero gives no scale for its uncertainty") }
    if isPoint || l == h {
      // Read as right within a factor of f: v/f to v·f must both be finite.
      let a = l / pointFactor
      let b = l * pointFactor
      guard a.isFinite && b.isFinite else {
        return .unusable(
          "read as right within a factor of \(plain(pointFactor)), \(plain(l)) would span \(plain(min(a, b))) to \(plain(max(a, b))): the reading overflows, so it is not pooled")
      }
      if isPoint { return .pooled(low: min(a, b), high: max(a, b), isPoint: true) }
    }
    return .pooled(low: l, high: h, isPoint: false)
  }

  /// μ and σ of the reading [rl, rh] at normal quantile z, on the log or the natural scale;
  /// a zero-width range takes the point factor's width.
  static func spread(_ rl: Double, _ rh: Double, z: Double, pointFactor: Double, log useLog: Bool) -> (mu: Double, sigma: Double) {
    let fl = useLog ? log(rl) : rl
    let fh = useLog ? log(rh) : rh
    let mu = (fl + fh) / 2
    var sigma = (fh - fl) / (2 * z)
    if sigma == 0 {
      // A zero-width stated range: read as a point figure.
      let a = min(rl / pointFactor, rl * pointFactor)
      let b = max(rl / pointFactor, rl * pointFactor)
      sigma = ((useLog ? log(b) : b) - (useLog ? log(a) : a)) / (2 * z)
    }
    return (mu, sigma)
  }

  /// Why μ, σ cannot be pooled (nil when they can): both finite, σ > 0, and σ² a finite
  /// normal number (the pooling weighs by 1/σ²).
  static func spreadProblem(_ d: (mu: Double, sigma: Double), scale: PoolingScale) -> String? {
    let v = d.sigma * d.sigma
    if d.mu.isFinite && d.sigma.isFinite && d.sigma > 0 && v.isFinite && v >= Double.leastNormalMagnitude { return nil }
    if d.mu.isNaN || d.sigma.isNaN || d.sigma < 0 {
      return "its ends give no spread on the \(scale.rawValue) scale (low above high?)"
    }
    if !d.mu.isFinite || !d.sigma.isFinite || !v.isFinite {
      return "its range is too wide to pool on the \(scale.rawValue) scale: the spread overflows (σ = \(d.sigma))"
    }
    return "its range is too narrow to pool on the \(scale.rawValue) scale: σ = \(d.sigma), and σ² underflows"
  }

  /// DerSimonian–Laird random effects of the log midpoints with variances σᵢ².
  static func randomEffects(_ d: [SourceDistribution], level: Double, scale: PoolingScale) throws(StatisticsError)
    -> LogRandomEffects?
  {
    let back = scale.inverse
    guard !d.isEmpty else { return nil }
    let r = try RandomEffects.pool(
      estimates: d.map(\.mu), variances: d.map { $0.sigma * $0.sigma }, randomEffects: true,
      level: level)
    return LogRandomEffects(
      method: "random effects (DerSimonian-Laird) on the \(scale.rawValue) scale", estimate: back(r.estimate),
      ciLow: back(r.ciLow), ciHigh: back(r.ciHigh), piLow: back(r.piLow), piHigh: back(r.piHigh),
      tau2: r.tau2, i2: r.i2, k: r.k)
  }

  /// The weighted mixture of lognormals; median and central `level` interval by bisection on log x.
  public static func linearPool(_ d: [SourceDistribution], level: Double, scale: PoolingScale = .log) -> PooledRange? {
    guard !d.isEmpty else { return nil }
    let total = d.reduce(0) { $0 + $1.weight }
    let lo = d.map { $0.mu - 12 * $0.sigma }.min() ?? 0
    let hi = d.map { $0.mu + 12 * $0.sigma }.max() ?? 0
    /// The components packed without their ids, weights normalised once.
    struct Component {
      var mu: Double
      var sigma: Double
      var w: Double
      /// σ√(2π): the density is w·e^{-z²/2}/(σ√(2π)).
      var norm: Double
      /// 1/σ, for the approximate steps.
      var inverseSigma: Double
    }
    let components = d.map {
      Component(
        mu: $0.mu, sigma: $0.sigma, w: $0.weight / total, norm: $0.sigma * 2.5066282746310002,
        inverseSigma: 1 / $0.sigma)
    }
    /// F(t), the mixture density and its derivative from the tabulated normal CDF
    /// (``NormalCDFTable``): within about 1e-11 of the exact F, at a fraction of its cost.
    func approximateCDFAndDensity(_ t: Double) -> (f: Double, density: Double, slope: Double) {
      NormalCDFTable.shared.nodes.withUnsafeBufferPointer { nodes in
        guard let p = nodes.baseAddress else { return (.nan, .nan, .nan) }
        var f = 0.0
        var density = 0.0
        var slope = 0.0
        for x in components {
          let z = (t - x.mu) * x.inverseSigma
          let (cdf, phi) = NormalCDFTable.cdfAndDensity(z, p)
          f += x.w * cdf
          let term = x.w * phi * x.inverseSigma
          density += term
          slope -= term * z * x.inverseSigma
        }
        return (f, density, slope)
      }
    }
    /// F(t), its derivative (the mixture density) and the density's derivative. F is summed
    /// with compensation: with thousands of sources a plain sum's rounding moves F by hundreds
    /// of units in the last place near the root, and Newton then wanders on that noise. Each
    /// source takes one `erfc` and one `exp` (`Normal.cdfAndKernel`).
    func cdfAndDensity(_ t: Double) -> (f: Double, density: Double, slope: Double) {
      var s = Summation.Accumulator()
      var density = 0.0
      var slope = 0.0
      for x in components {
        let z = (t - x.mu) / x.sigma
        let (cdf, kernel) = Normal.cdfAndKernel(z)
        s.add(x.w * cdf)
        let term = x.w * kernel / x.norm
        density += term
        slope -= term * z / x.sigma
      }
      return (s.value, density, slope)
    }
    // Newton steps on F(t) = p inside a shrinking bracket, bisecting whenever a step would
    // leave it (the mixture CDF is increasing and smooth, so Newton converges in a few steps
    // where bisection needs about 55); stops when the step or the bracket is down to two
    // units in the last place of t.
    // The start: the normal with the mixture's mean and variance, whose quantiles are close to
    // the mixture's when the components overlap (Newton then needs a few steps, not the dozen
    // from the middle of the bracket).
    var meanSum = Summation.Accumulator()
    var secondSum = Summation.Accumulator()
    for x in d {
      meanSum.add(x.weight * x.mu)
      secondSum.add(x.weight * (x.sigma * x.sigma + x.mu * x.mu))
    }
    let mean = meanSum.value / total
    let spread = max(0, secondSum.value / total - mean * mean).squareRoot()
    func quantile(_ p: Double) -> Double {
      var a = lo
      var b = hi
      var t = mean + Normal.quantile(p) * spread
      if !(t > a && t < b) { t = (a + b) / 2 }
      // First, Halley steps on the tabulated F (bisecting when a step would leave the
      // bracket) until a step is below 1e-3 of the spread: Halley's error after such a step
      // is of the order of step³/spread², about 1e-9 of the spread, so t is then close enough
      // to the root that the steps on the exact F below usually need one evaluation of it
      // (from the normal start they needed three or four, each an `erfc` and an `exp` per
      // source; these take two or three evaluations of the table). Only the start of the
      // exact steps moves: where they stop and what they return is decided by the exact F.
      if spread > 0 && spread.isFinite {
        var ca = a
        var cb = b
        for _ in 0..<100 {
          let (f, density, slope) = approximateCDFAndDensity(t)
          if f == p { break }
          if f < p { ca = t } else { cb = t }
          let g = f - p
          let denominator = 2 * density * density - g * slope
          let halley = density > 0 && denominator > 0 ? t - 2 * g * density / denominator : .nan
          let inside = halley > ca && halley < cb
          let next = inside ? halley : (ca + cb) / 2
          let moved = abs(next - t)
          t = next
          if (inside && moved <= 1e-3 * spread) || cb - ca <= 1e-9 * spread { break }
        }
        if !(t > a && t < b) { t = (a + b) / 2 }
      }
      for _ in 0..<200 {
        let (f, density, slope) = cdfAndDensity(t)
        if f == p { break }  // t is the root as far as F can tell
        if f < p { a = t } else { b = t }
        let newton = density > 0 ? t - (f - p) / density : .nan
        let step = newton - t
        let resolution = 2 * max(t.ulp, Double.leastNormalMagnitude)
        // Converged: the Newton step is down to two units in the last place of t. (Checked
        // before the bracket test: a step below one ulp leaves t where it is, on the bracket's
        // end, and must not be taken for a step out of the bracket.)
        if abs(step) <= resolution {
          if newton >= a && newton <= b { t = newton }
          break
        }
        let inside = newton > a && newton < b
        // Newton's error after this step is about |F''/(2F')|·step²: when that is below an
        // eighth of an ulp the step lands on the root and no further evaluation is needed.
        if inside && abs(slope / (2 * density)) * step * step <= 0.125 * t.ulp {
          t = newton
          break
        }
        let next = inside ? newton : (a + b) / 2
        let done = b - a <= resolution
        t = next
        if done { break }
      }
      return scale.inverse(t)
    }
    return PooledRange(
      method: "linear opinion pool (mixture)", estimate: quantile(0.5),
      low: quantile(0.5 - level / 2), high: quantile(0.5 + level / 2))
  }

  /// The normalised weighted geometric mean of lognormal densities, itself lognormal:
  /// precision Σ wᵢ/σᵢ² and mean Σ (wᵢ μᵢ/σᵢ²) / Σ (wᵢ/σᵢ²), with Σ wᵢ = 1.
  public static func logarithmicPool(_ d: [SourceDistribution], level: Double, scale: PoolingScale = .log) -> PooledRange? {
    guard !d.isEmpty else { return nil }
    let total = d.reduce(0) { $0 + $1.weight }
    var precision = 0.0
    var weighted = 0.0
    for x in d {
      let w = x.weight / total
      precision += w / (x.sigma * x.sigma)
      weighted += w * x.mu / (x.sigma * x.sigma)
    }
    let mu = weighted / precision
    let sigma = (1 / precision).squareRoot()
    let z = Normal.quantile(0.5 + level / 2)
    return PooledRange(
      method: "logarithmic opinion pool", estimate: scale.inverse(mu),
      low: scale.inverse(mu - z * sigma), high: scale.inverse(mu + z * sigma))
  }
}

/// A number printed without exponent or trailing ".0" for messages.
func plain(_ x: Double) -> String {
  if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
  return String(x)
}
