import Numerics

/// Φ and φ tabulated for the linear pool's first, approximate Halley steps: cubic Hermite
/// interpolation between nodes 1/128 apart on [-9, 9], from Φ and its derivative φ at each
/// node (both from ``Normal/cdfAndKernel(_:)``). It reproduces Φ to within about 5e-12
/// (the interpolation error is at most h⁴/384·max|φ'''| with h = 1/128), φ to about 2e-9,
/// and takes a few multiplications and four loads where `erfc` and `exp` take a hundred
/// cycles or more. Outside [-9, 9], Φ is 0 or 1 to within 2e-19 and φ below 1e-17.
///
/// It only steers: the quantiles the linear pool reports are fixed by steps on the exact
/// mixture CDF, which start where these approximate steps end.
struct NormalCDFTable: Sendable {
  static let limit = 9.0
  static let perUnit = 128.0
  /// Intervals between the nodes.
  static let intervals = 2304
  /// Φ(zᵢ) and φ(zᵢ)/128 interleaved, for zᵢ = -9 + i/128, i = 0...2304.
  let nodes: [Double]

  static let shared = NormalCDFTable()

  private init() {
    let intervals = Self.intervals
    var nodes: [Double] = []
    nodes.reserveCapacity(2 * (intervals + 1))
    for i in 0...intervals {
      let z = -Self.limit + Double(i) / Self.perUnit
      let (cdf, kernel) = Normal.cdfAndKernel(z)
      nodes.append(cdf)
      nodes.append(kernel / 2.5066282746310002 / Self.perUnit)
    }
    self.nodes = nodes
  }

  /// Approximate Φ(z) and φ(z) from the nodes at `p` (`nodes`' storage). NaN gives (0, 0).
  @inline(__always)
  static func cdfAndDensity(_ z: Double, _ p: UnsafePointer<Double>) -> (cdf: Double, density: Double) {
    if !(z > -limit) { return (0, 0) }
    if !(z < limit) { return (1, 0) }
    let x = (z + limit) * perUnit
    // z just below 9 can round to the last node: its interval is the one before it.
    let i = min(Int(x), intervals - 1)
    let s = x - Double(i)
    let p0 = p[2 &* i]
    let d0 = p[2 &* i &+ 1]
    let p1 = p[2 &* i &+ 2]
    let d1 = p[2 &* i &+ 3]
    let s2 = s * s
    let s3 = s2 * s
    // Hermite basis: h01 = 3s² - 2s³ (h00 = 1 - h01), h10 = s³ - 2s² + s, h11 = s³ - s².
    let h01 = 3 * s2 - 2 * s3
    let h10 = s3 - 2 * s2 + s
    let h11 = s3 - s2
    let cdf = p0 + h01 * (p1 - p0) + h10 * d0 + h11 * d1
    // d/ds, then × 128 for d/dz.
    let slope = (6 * s - 6 * s2) * (p1 - p0) + (3 * s2 - 4 * s + 1) * d0 + (3 * s2 - 2 * s) * d1
    return (cdf, slope * perUnit)
  }
}
