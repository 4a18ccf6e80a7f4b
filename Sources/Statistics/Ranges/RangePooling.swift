import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reconciles ranges quoted by several sources.
///
/// Each source's range [L, H] is read as the central `coverage` interval of a lognormal:
/// μ = (ln L + ln H)/2, σ = (ln H − ln L) / (2 z₍₁₊c₎/₂). A point figure v is read as the
/// range [v/f, v·f] at its coverage, f = `pointFactor` (2 by default): a stated
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
  /// The level of the pooled intervals when none is asked for (`ranges --level`'s default).
  public static let defaultLevel = 0.9

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
    _ inputs: [RangeInput], level: Double = defaultLevel, pointFactor: Double = 2, detail: Bool = true,
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
        if let problem = spreadProblem(
          spread(rl, rh, z: z(s.coverage), pointFactor: pointFactor, log: false), scale: .natural)
        {
          readings.append(.bounded(problem))
          continue
        }
        logScale = false
      }
      readings.append(r)
    }
    let scale: PoolingScale = logScale ? .log : .natural
    // The envelope takes every figure read as a distribution (an open end makes its side
    // open); the intersection and the conflicts only those with bounds to respect.
    func widenEnvelope(_ lo: Double?, _ hi: Double?) {
      if let e = envLow { envLow = lo.map { min(e, $0) } }
      if let e = envHigh { envHigh = hi.map { max(e, $0) } }
    }
    func narrowIntersection(_ index: Int, _ lo: Double?, _ hi: Double?) {
      let bLow = lo ?? -.infinity
      let bHigh = hi ?? .infinity
      bounds.append((index, bLow, bHigh))
      interLow = max(interLow, bLow)
      interHigh = min(interHigh, bHigh)
    }
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
        widenEnvelope(lo, hi)
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .bounded(let reason):
        // A one-sided bound, a source weighted 0, a spread that cannot be pooled: in the
        // envelope and the intersection.
        widenEnvelope(lo, hi)
        narrowIntersection(index, lo, hi)
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .pooled(let rl, let rh, let isPoint):
        widenEnvelope(lo, hi)
        narrowIntersection(index, lo, hi)
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

    // Conflicts in O(k) (`disjointSources`). Pairs are listed (up to `maxListedPairs`, in
    // input order) only as far as the analyst can read them. Without `findConflicts` none is
    // looked for: no source is found conflicting, and no pair.
    let (conflicts, pairs, pairCount) =
      findConflicts ? disjointSources(bounds, of: inputs) : ([], [], 0)
    let intersection: (low: Double, high: Double)? =
      (bounds.isEmpty || interLow > interHigh) ? nil : (interLow, interHigh)

    let re = try randomEffects(dists, level: level, scale: scale)
    // Leave-one-out costs O(k²); beyond `maxLeaveOneOut` sources one source moves the pool
    // little and the table would be unreadable, so it is left out (and said so).
    let loo =
      detail && withLeaveOneOut && dists.count > 2 && dists.count <= maxLeaveOneOut
      ? try leaveOneOut(dists, level: level, scale: scale) : []
    return RangeReconciliation(
      distributions: dists, excluded: excluded, envelope: (envLow, envHigh),
      intersection: intersection, conflictPairs: pairs, conflictPairCount: pairCount, conflicts: conflicts,
      randomEffects: re,
      linearPool: detail || dists.count <= maxLinearPoolWithoutDetail
        ? linearPool(dists, level: level, scale: scale) : nil,
      logarithmicPool: logarithmicPool(dists, level: level, scale: scale), leaveOneOut: loo,
      level: level, scale: scale,
      leaveOneOutOmitted: detail && withLeaveOneOut && dists.count > maxLeaveOneOut, outcomes: outcomes)
  }
}
