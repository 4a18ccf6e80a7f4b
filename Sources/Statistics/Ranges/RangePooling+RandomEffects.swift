import Numerics

extension RangePooling {
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

  /// The random effects without each source in turn (a source whose rest gives none is
  /// skipped). O(k²) in the number of sources k.
  static func leaveOneOut(_ dists: [SourceDistribution], level: Double, scale: PoolingScale) throws(StatisticsError)
    -> [LeaveOneOut]
  {
    var loo: [LeaveOneOut] = []
    for i in dists.indices {
      var rest = dists
      rest.remove(at: i)
      if let r = try randomEffects(rest, level: level, scale: scale) {
        loo.append(LeaveOneOut(id: dists[i].id, pooled: r))
      }
    }
    return loo
  }
}
