import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The linear opinion pool's density on the pooling scale, drawn and searched for modes.
public struct LinearPoolDensity: Sendable {
  /// Grid points on the pooling scale (log x on the log scale), increasing.
  public var grid: [Double]
  /// The mixture's density at each grid point (per unit of the pooling scale).
  public var density: [Double]
  /// Each source's weighted component at each grid point (`components[i][g]`), in the order
  /// of the pooled distributions that are not bounds; their sum is `density`.
  public var components: [[Double]]
  /// The modes: grid points where the density peaks, in increasing order (see
  /// ``RangePooling/linearPoolDensity(_:points:)``).
  public var modes: [Double]
}

extension RangePooling {
  /// The most sources whose mixture density `ranges` evaluates (for the modes and the
  /// report's picture): beyond it the cost, `points` evaluations per source, outgrows the
  /// rest of the analysis.
  public static let maxDensitySources = 2000

  /// The density of the linear opinion pool of `d` (bounds left out, as the pool leaves them)
  /// on `points` grid points spanning every component to 4 σ (a uniform's ends), with each
  /// weighted component, and its modes. A mode is a local maximum of the density on the
  /// grid, at least 1% as high as the highest, separated from every higher one by a dip below
  /// 90% of its own height (a shoulder or a flat top is not a second mode). Nil with no
  /// distribution to mix, or more than ``maxDensitySources``.
  ///
  /// Components: a normal wᵢφ((t − μᵢ)/σᵢ)/σᵢ, a two-piece wᵢφ((t − μᵢ)/σ)/σ with σ_L below
  /// its median and σ_U above, a uniform wᵢ/(b − a) on [a, b]; weights normalised to sum to 1.
  public static func linearPoolDensity(_ d: [SourceDistribution], points: Int = 401) -> LinearPoolDensity? {
    let sources = d.filter { !$0.shape.isBound && $0.weight > 0 }
    guard !sources.isEmpty, sources.count <= maxDensitySources, points >= 3 else { return nil }
    let total = sources.reduce(0) { $0 + $1.weight }
    let (lo, hi) = support(sources, sds: 4)
    guard lo.isFinite, hi.isFinite, hi > lo else { return nil }
    let step = (hi - lo) / Double(points - 1)
    let grid = (0..<points).map { lo + Double($0) * step }
    var density = [Double](repeating: 0, count: points)
    var components: [[Double]] = []
    components.reserveCapacity(sources.count)
    for x in sources {
      let w = x.weight / total
      var c = [Double](repeating: 0, count: points)
      for (g, t) in grid.enumerated() {
        switch x.shape {
        case .uniform(let a, let b):
          c[g] = t >= a && t <= b ? w / (b - a) : 0
        case .twoPiece(let sl, let sh):
          let s = t <= x.mu ? sl : sh
          let z = (t - x.mu) / s
          c[g] = w * exp(-0.5 * z * z) / (s * 2.506_628_274_631_000_2)
        default:
          let z = (t - x.mu) / x.sigma
          c[g] = w * exp(-0.5 * z * z) / (x.sigma * 2.506_628_274_631_000_2)
        }
        density[g] += c[g]
      }
      components.append(c)
    }
    return LinearPoolDensity(grid: grid, density: density, components: components, modes: modes(grid, density))
  }

  /// The modes of a density on a grid (``linearPoolDensity(_:points:)``).
  static func modes(_ grid: [Double], _ density: [Double]) -> [Double] {
    let n = density.count
    guard n >= 3, let top = density.max(), top > 0 else { return [] }
    // Local maxima (the first point of a flat top), each with its height.
    var peaks: [Int] = []
    for g in 0..<n {
      let left = g == 0 ? -Double.infinity : density[g - 1]
      let right = g == n - 1 ? -Double.infinity : density[g + 1]
      if density[g] > left && density[g] >= right && density[g] >= 0.01 * top { peaks.append(g) }
    }
    // Adjacent peaks without a dip below 90% of the lower one between them are one mode.
    var kept: [Int] = []
    for p in peaks {
      guard let last = kept.last else {
        kept.append(p)
        continue
      }
      let dip = density[last...p].min() ?? 0
      if dip >= 0.9 * min(density[last], density[p]) {
        if density[p] > density[last] { kept[kept.count - 1] = p }
      } else {
        kept.append(p)
      }
    }
    return kept.map { grid[$0] }
  }
}
