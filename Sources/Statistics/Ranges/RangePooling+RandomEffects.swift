import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension RangePooling {
  /// The pooled centre of two or more sources. Without bounds: DerSimonian–Laird random
  /// effects of the centres μᵢ with variances σᵢ² (three or more sources), or the
  /// common-effect (inverse-variance) pool of two, which cannot estimate a between-source
  /// variance. With bounds: maximum likelihood with the bounds as censored observations
  /// (``CensoredRandomEffects``), τ² fixed at 0 for two sources; nil when the pooled figures
  /// are bounds on one side only (no finite estimate) or fewer than two.
  static func randomEffects(
    _ d: [SourceDistribution], level: Double, scale: PoolingScale, tau2Interval: Bool = false,
    interval: RangeInterval = .knha
  ) throws(StatisticsError)
    -> LogRandomEffects?
  {
    let back = scale.inverse
    guard d.count >= 2 else { return nil }
    let censored = d.reduce(0) { $0 + ($1.shape.isBound ? 1 : 0) }
    if censored == 0 && d.count > 2 {
      // Three or more sources: the Knapp–Hartung CI and the t(k−2) prediction interval, and
      // τ²'s Q-profile interval (issue #30: z quantiles understate the uncertainty of a
      // handful of sources); z-based intervals when asked for (`--interval z`).
      let r = try RangesRandomEffects.fit(
        estimates: d.map(\.mu), variances: d.map { $0.sigma * $0.sigma }, level: level, interval: interval,
        tau2Interval: tau2Interval)
      return randomEffects(r, scale: scale, interval: interval)
    }
    if censored == 0 {
      let r = try RandomEffects.pool(
        estimates: d.map(\.mu), variances: d.map { $0.sigma * $0.sigma }, randomEffects: false, level: level)
      return LogRandomEffects(
        method:
          "common effect (inverse-variance) on the \(scale.rawValue) scale: two figures give no between-source variance",
        estimate: back(r.estimate), ciLow: back(r.ciLow), ciHigh: back(r.ciHigh), piLow: back(r.piLow),
        piHigh: back(r.piHigh), tau2: 0, i2: 0, k: r.k, betweenSources: false)
    }
    let observations = d.map { x -> CensoredRandomEffects.Observation in
      let side: CensoredRandomEffects.Side =
        switch x.shape {
        case .atLeast: .atLeast
        case .atMost: .atMost
        default: .exact
        }
      return CensoredRandomEffects.Observation(y: x.mu, variance: x.sigma * x.sigma, side: side)
    }
    guard let r = try CensoredRandomEffects.fit(observations, estimateTau2: d.count > 2, level: level) else {
      return nil
    }
    let bounds = "\(censored) censored bound\(censored == 1 ? "" : "s")"
    return LogRandomEffects(
      method: d.count > 2
        ? "random effects (maximum likelihood, \(bounds)) on the \(scale.rawValue) scale; CI from the observed information"
        : "common effect (maximum likelihood, \(bounds)) on the \(scale.rawValue) scale: two figures give no between-source variance; CI from the observed information",
      estimate: back(r.estimate), ciLow: back(r.ciLow), ciHigh: back(r.ciHigh), piLow: back(r.piLow),
      piHigh: back(r.piHigh), tau2: r.tau2, i2: d.count > 2 ? r.i2 : 0, k: d.count, betweenSources: d.count > 2,
      censored: censored)
  }

  /// Three or more sources' random effects, back on the quantity's scale.
  static func randomEffects(_ r: RangesRandomEffects, scale: PoolingScale, interval: RangeInterval)
    -> LogRandomEffects
  {
    let back = scale.inverse
    let method =
      interval == .knha
      ? "random effects (DerSimonian-Laird τ², Knapp-Hartung CI, t(k-2) prediction interval) on the \(scale.rawValue) scale"
      : "random effects (DerSimonian-Laird τ², z CI and prediction interval) on the \(scale.rawValue) scale"
    return LogRandomEffects(
      method: method, estimate: back(r.estimate), ciLow: back(r.ciLow), ciHigh: back(r.ciHigh), piLow: back(r.piLow),
      piHigh: back(r.piHigh), tau2: r.tau2, i2: r.i2, k: r.k, tau2Low: r.tau2Interval?.low,
      tau2High: r.tau2Interval?.high, smallSample: interval == .knha)
  }

  /// One figure as its own answer: its centre and the central `level` interval of its
  /// reading (a bound: its number, the other end open).
  static func reportedFigure(_ d: SourceDistribution, level: Double, scale: PoolingScale) -> ReportedFigure {
    // An end that is the stated one up to the round trip through the scale (the level is the
    // figure's coverage) is the stated number exactly: "as stated" is not 41822.00000000003.
    let round = scale.inverse
    func back(_ t: Double) -> Double {
      let x = round(t)
      for stated in [d.low, d.high] where abs(x - stated) <= 1e-12 * abs(stated) { return stated }
      return x
    }
    let z = Normal.quantile(0.5 + level / 2)
    switch d.shape {
    case .atLeast:
      return ReportedFigure(id: d.id, reading: d.reading, estimate: nil, low: d.mid, high: nil)
    case .atMost:
      return ReportedFigure(id: d.id, reading: d.reading, estimate: nil, low: nil, high: d.mid)
    case .normal:
      return ReportedFigure(
        id: d.id, reading: d.reading, estimate: d.mid, low: back(d.mu - z * d.sigma), high: back(d.mu + z * d.sigma))
    case .twoPiece(let sl, let sh):
      return ReportedFigure(
        id: d.id, reading: d.reading, estimate: d.mid, low: back(d.mu - z * sl), high: back(d.mu + z * sh))
    case .uniform(let a, let b):
      let tail = (1 - level) / 2
      return ReportedFigure(
        id: d.id, reading: d.reading, estimate: d.mid, low: back(a + tail * (b - a)), high: back(b - tail * (b - a)))
    }
  }

  /// The random effects without each source in turn (a source whose rest gives none is
  /// skipped). O(k²) in the number of sources k.
  static func leaveOneOut(
    _ dists: [SourceDistribution], level: Double, scale: PoolingScale, interval: RangeInterval = .knha
  ) throws(StatisticsError) -> [LeaveOneOut] {
    var loo: [LeaveOneOut] = []
    for i in dists.indices {
      var rest = dists
      rest.remove(at: i)
      if let r = try randomEffects(rest, level: level, scale: scale, interval: interval) {
        loo.append(LeaveOneOut(id: dists[i].id, pooled: r))
      }
    }
    return loo
  }
}
