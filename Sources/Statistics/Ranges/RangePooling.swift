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
/// Each source is read by its kind (``SourceKind``). A range [L, H] is the central `coverage`
/// interval of a lognormal: μ = (ln L + ln H)/2, σ = (ln H − ln L) / (2 z₍₁₊c₎/₂). A range with
/// a stated centre v strictly inside it is a two-piece lognormal with median v: σ_L =
/// (ln v − ln L)/z below it, σ_U = (ln H − ln v)/z above it, so that P(X ≤ L) = (1 − c)/2 and
/// P(X ≤ H) = (1 + c)/2 exactly; the linear pool uses that CDF, and the random effects and the
/// logarithmic pool, which need a normal, take μ = ln v and σ = (σ_L + σ_U)/2. A range at
/// coverage exactly 1 (hard bounds) is a uniform on the log scale: μ the midpoint of the logs,
/// σ = (ln H − ln L)/√12. A point figure v (or "about" v) is read as the range [v/f, v·f] at its
/// coverage, f = `pointFactor` (2 by default): a stated number without a range is taken to be
/// right within a factor of f. A bound ("at least X", "at most X") is a censored observation:
/// its latent log figure is N(μ, s² + τ²) with s a point's spread, observed only as ≥ ln X
/// (or ≤); the random effects then come from maximum likelihood
/// (``CensoredRandomEffects``), and the opinion pools, which need a distribution, leave it
/// out with the reason. When any pooled figure is zero or negative the quantity is not a
/// positive count: every source is then read on the natural scale instead, and pooled there.
///
/// One pooled figure is reported, not reconciled (``RangeReconciliation/reported``); two
/// give a common-effect (inverse-variance) pool, with no between-source variance.
public enum RangePooling {
  /// The most conflicting pairs listed (their total is always counted).
  public static let maxListedPairs = 200
  /// Leave-one-out is computed for at most this many pooled sources: beyond it one source
  /// moves the pool little, and a table of one row per source is no longer read (60, as the
  /// report's pages draw at most 60 sources one by one).
  /// f of a point figure read as right within a factor of f at 90% (`ranges --point-factor`).
  public static let defaultPointFactor = 2.0
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
  ///   - tau2Interval: compute τ²'s Q-profile interval (three or more sources, no bound; with
  ///     `detail`). False leaves it nil, for a caller that reports none (the CSV).
  ///   - interval: Knapp–Hartung and t(k−2), or z-based intervals, for three or more sources
  ///     without bounds (`ranges --interval`).
  ///   - pools: compute the opinion pools. False leaves them nil (the sensitivity table's
  ///     poolings, which report the random effects only).
  ///   - sensitivity: compute the sensitivity table (``sensitivity(_:level:interval:)``) when
  ///     two or more figures are pooled.
  ///
  /// Complexity: O(k log k) in the number of sources k, plus O(k²) for leave-one-out when
  /// k ≤ `maxLeaveOneOut` and for listing conflicting pairs among the conflicting sources.
  /// - Throws: `StatisticsError.invalidInput` when `level` or `pointFactor` is out of range.
  public static func reconcile(
    _ inputs: [RangeInput], level: Double = defaultLevel, pointFactor: Double = defaultPointFactor, detail: Bool = true,
    conflicts findConflicts: Bool = true, leaveOneOut withLeaveOneOut: Bool = true, tau2Interval: Bool = true,
    interval: RangeInterval = .knha, pools withPools: Bool = true, sensitivity withSensitivity: Bool = false
  ) throws(StatisticsError) -> RangeReconciliation {
    guard level > 0 && level < 1 else { throw .invalidInput("level must be in (0, 1), got \(level)") }
    guard pointFactor > 1 && pointFactor.isFinite else {
      throw .invalidInput("point factor must be greater than 1, got \(pointFactor)")
    }
    var envLow: Double? = .infinity
    var envHigh: Double? = -.infinity
    var openBelow = false
    var openAbove = false
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
    /// μ and σ of a pooled reading: hard bounds as a uniform on the scale, σ = (b − a)/√12;
    /// the rest at their coverage's normal quantile.
    func spreadOf(_ r: Reading, _ s: RangeInput, log useLog: Bool) -> (mu: Double, sigma: Double) {
      guard let (rl, rh) = r.pooledEnds else { return (.nan, .nan) }
      if case .pooled(_, _, _, _, true, _) = r {
        let a = useLog ? log(rl) : rl
        let b = useLog ? log(rh) : rh
        return ((a + b) / 2, (b - a) / 12.0.squareRoot())
      }
      return spread(rl, rh, z: z(s.coverage), pointFactor: pointFactor, log: useLog)
    }
    for s in inputs {
      let r = reading(s, pointFactor: pointFactor)
      if let (rl, _) = r.pooledEnds, rl <= 0 {
        // Pooled on the natural scale or not at all: its spread there must be usable.
        if let problem = spreadProblem(spreadOf(r, s, log: false), scale: .natural) {
          readings.append(.bounded(problem))
          continue
        }
        logScale = false
      }
      readings.append(r)
    }
    let scale: PoolingScale = logScale ? .log : .natural
    let toScale: (Double) -> Double = logScale ? { log($0) } : { $0 }
    // The envelope spans every stated number of the figures read as distributions (a bound's
    // number counts on its own side, and its open end is noted, not made the envelope's: every
    // stated number is known); the intersection and the conflicts take only those with bounds
    // to respect.
    func widenEnvelope(_ lo: Double?, _ hi: Double?) {
      for x in [lo, hi] {
        guard let x else { continue }
        if let e = envLow { envLow = min(e, x) }
        if let e = envHigh { envHigh = max(e, x) }
      }
      if lo == nil { openBelow = true }
      if hi == nil { openAbove = true }
    }
    func narrowIntersection(_ index: Int, _ lo: Double?, _ hi: Double?) {
      let bLow = lo ?? -.infinity
      let bHigh = hi ?? .infinity
      bounds.append((index, bLow, bHigh))
      interLow = max(interLow, bLow)
      interHigh = min(interHigh, bHigh)
    }
    // Evidence groups: the id of the figure each group is pooled through.
    var representative: [String: String] = [:]
    for (index, s) in inputs.enumerated() {
      let (lo, hi) = s.statedEnds
      var r = readings[index]
      var spreadHere = (mu: 0.0, sigma: 0.0)
      if r.pooledEnds != nil {
        spreadHere = spreadOf(r, s, log: logScale)
        // Only a positive figure can fail here (the others were checked above), so the scale
        // stands. (Such a range is reversed, or its σ² underflows on the scale.)
        if let problem = spreadProblem(spreadHere, scale: scale) { r = .bounded(problem) }
      }
      if !s.evidence.isEmpty, r.pooledEnds != nil {
        if let first = representative[s.evidence] {
          r = .restated("shares evidence \(s.evidence) with \(first): pooled once")
        } else {
          representative[s.evidence] = s.id
        }
      }
      switch r {
      case .unusable(let reason):
        // Not a figure that gives a distribution on any usable scale (or one the caller
        // leaves out of everything): listed with the reason, and left out of the envelope,
        // the intersection and the conflicts as well as the pools.
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .restated(let reason):
        widenEnvelope(lo, hi)
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .bounded(let reason):
        // A source weighted 0, a spread that cannot be pooled: in the envelope and the
        // intersection.
        widenEnvelope(lo, hi)
        narrowIntersection(index, lo, hi)
        outcomes.append(-1 - excluded.count)
        excluded.append((s.id, reason))
        continue
      case .bound(let x, let atLeast, _, _):
        // A censored observation: the latent figure's centre is the bound, its spread a point's.
        widenEnvelope(lo, hi)
        narrowIntersection(index, lo, hi)
        outcomes.append(dists.count)
        dists.append(
          SourceDistribution(
            id: s.id, low: x, high: x, mid: x, mu: toScale(x), sigma: spreadHere.sigma,
            reading: atLeast ? SourceKind.atLeast.rawValue : SourceKind.atMost.rawValue, weight: s.weight,
            shape: atLeast ? .atLeast : .atMost,
            note: "\(atLeast ? "at least" : "at most") \(plain(x)): a censored observation in the random effects"))
      case .pooled(let rl, let rh, let isPoint, let center, let hard, let note):
        widenEnvelope(lo, hi)
        narrowIntersection(index, lo, hi)
        var mu = spreadHere.mu
        var sigma = spreadHere.sigma
        var shape = SourceShape.normal
        var mid = isPoint ? (lo ?? .nan) : (logScale ? (rl * rh).squareRoot() : (rl + rh) / 2)
        if let center {
          // A two-piece distribution with median `center` and the range at its coverage.
          let zc = z(s.coverage)
          let c = toScale(center)
          let sl = (c - toScale(rl)) / zc
          let sh = (toScale(rh) - c) / zc
          mu = c
          sigma = (sl + sh) / 2
          shape = .twoPiece(sigmaLow: sl, sigmaHigh: sh)
          mid = center
        } else if hard {
          shape = .uniform(low: toScale(rl), high: toScale(rh))
        }
        let kind = s.resolvedKind
        outcomes.append(dists.count)
        dists.append(
          SourceDistribution(
            id: s.id, low: rl, high: rh, mid: mid, mu: mu, sigma: sigma,
            reading: isPoint ? (kind == .about ? "about" : "point") : (kind == .verbal ? "verbal" : "range"),
            weight: s.weight, shape: shape, note: note))
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

    // One pooled figure is reported, not reconciled: its own reading is the answer. Bounds
    // enter only the random effects (as censored observations); the opinion pools mix the
    // distributions of the others, and need two of them.
    let reported = dists.count == 1 ? reportedFigure(dists[0], level: level, scale: scale) : nil
    let poolable = dists.filter { !$0.shape.isBound }
    let pools = withPools && dists.count >= 2 && poolable.count >= 2
    // τ²'s Q-profile interval (two root searches) where it is reported: not for the by-year
    // view's poolings, leave-one-out's, or a caller that shows none (the CSV).
    let re =
      dists.count >= 2
      ? try randomEffects(dists, level: level, scale: scale, tau2Interval: detail && tau2Interval, interval: interval)
      : nil
    // Leave-one-out costs O(k²); beyond `maxLeaveOneOut` sources one source moves the pool
    // little and the table would be unreadable, so it is left out (and said so).
    let loo =
      detail && withLeaveOneOut && dists.count > 2 && dists.count <= maxLeaveOneOut
      ? try leaveOneOut(dists, level: level, scale: scale, interval: interval) : []
    var notes: [String] = []
    // A centre outside most sources' own figures (issue #30: a wide range outweighing three
    // points put the "consensus" above three of four sources without a word).
    if let re, bounds.count >= 3 {
      let above = bounds.filter { re.estimate > $0.high }.count
      let below = bounds.filter { re.estimate < $0.low }.count
      if 2 * (above + below) > bounds.count {
        notes.append(
          "the random-effects centre (about \(plain(roundedTo3(re.estimate)))) lies outside the stated figures of \(above + below) of \(bounds.count) sources (above \(above), below \(below)): see the weights — a source with a wide range can carry the pool"
        )
      }
    }
    if dists.count >= 2 && re == nil {
      notes.append("random effects: the pooled figures are bounds on one side only, which give no finite estimate")
    }
    if withPools && dists.count >= 2 && poolable.count < dists.count {
      let ids = dists.filter(\.shape.isBound).map(\.id)
      notes.append(
        "opinion pools: \(ids.joined(separator: ", ")) \(ids.count == 1 ? "is a bound, which gives" : "are bounds, which give") no distribution to mix: left out of them"
          + (pools ? "" : "; fewer than two distributions remain, so no opinion pool"))
    }
    return RangeReconciliation(
      distributions: dists, excluded: excluded, envelope: (envLow, envHigh), envelopeOpen: (openBelow, openAbove),
      intersection: intersection, conflictPairs: pairs, conflictPairCount: pairCount, conflicts: conflicts,
      consistentGroup: findConflicts && intersection == nil ? consistentGroup(bounds, of: inputs) : nil,
      randomEffects: re,
      linearPool: pools && (detail || poolable.count <= maxLinearPoolWithoutDetail)
        ? linearPool(poolable, level: level, scale: scale) : nil,
      logarithmicPool: pools ? logarithmicPool(poolable, level: level, scale: scale) : nil, leaveOneOut: loo,
      level: level, scale: scale,
      leaveOneOutOmitted: detail && withLeaveOneOut && dists.count > maxLeaveOneOut, outcomes: outcomes,
      reported: reported, notes: notes,
      sensitivity: withSensitivity && dists.count >= 2
        ? sensitivity(inputs, level: level, interval: interval, base: (dists, excluded.count, scale)) : [],
      interval: interval, pointFactor: pointFactor)
  }
}

/// `x` to three significant digits (for a number quoted in a note).
func roundedTo3(_ x: Double) -> Double {
  guard x != 0, x.isFinite else { return x }
  let e = Int(log10(abs(x)).rounded(.down)) - 2
  let unit = pow(10, Double(e))
  return (x / unit).rounded() * unit
}
