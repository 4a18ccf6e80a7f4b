import Foundation
import Numerics
import Testing

@testable import Statistics

/// `Normal.cdfAndKernel`, which the linear pool calls once per source and evaluation: its CDF
/// against `Normal.cdf` and its kernel against `exp(-x²/2)`, over the body and both tails.
@Suite("Normal CDF and density kernel from one exp")
struct NormalCdfAndKernelTests {
  /// The arguments: random ones over [-40, 40], a fine grid over the far tails (|x| from 30 to
  /// 40, where Φ(-x) is subnormal and the CDF's correction term matters most), and the edges.
  static func arguments() -> [Double] {
    var g = SplitMix(state: 2026)
    var xs: [Double] = (0..<200_000).map { _ in Double.random(in: -40...40, using: &g) }
    for k in 0...10_000 {
      let x = 30 + Double(k) / 1000
      xs += [x, -x]
    }
    xs += [0, -0.0, 1e-300, -1e-300, 1, -1, 1.7677669529663687, -1.7677669529663687, 38, -38, 38.5, -38.5, 39, -39]
    return xs
  }

  @Test("Φ(x) equals Normal.cdf to within one ulp, the kernel is exp(-x²/2) exactly")
  func againstSeparateCalls() {
    var differing = 0
    var worstUlps = 0.0
    for x in Self.arguments() {
      let (cdf, kernel) = Normal.cdfAndKernel(x)
      let reference = Normal.cdf(x)
      #expect(kernel == exp(-0.5 * x * x), "kernel at \(x)")
      if cdf != reference {
        differing += 1
        let ulps = abs(cdf - reference) / max(reference.ulp, Double.leastNonzeroMagnitude)
        worstUlps = max(worstUlps, ulps)
      }
      #expect(
        abs(cdf - reference) <= max(reference.ulp, Double.leastNonzeroMagnitude), "cdf at \(x): \(cdf) vs \(reference)")
    }
    // The shared exp moves the correction by under 1e-25 of Φ: a last-bit difference is
    // possible only at a rounding tie, and none occurs here.
    #expect(differing == 0, "\(differing) differ, worst \(worstUlps) ulp")
  }

  @Test("Tails, infinities and NaN")
  func edges() {
    #expect(Normal.cdfAndKernel(-38).cdf > 0)
    #expect(Normal.cdfAndKernel(-38).cdf == Normal.cdf(-38))
    #expect(Normal.cdfAndKernel(-40).cdf == 0)
    #expect(Normal.cdfAndKernel(40) == (1, 0))
    #expect(Normal.cdfAndKernel(-.infinity) == (0, 0))
    #expect(Normal.cdfAndKernel(.infinity) == (1, 0))
    #expect(Normal.cdfAndKernel(0) == (0.5, 1))
    let nan = Normal.cdfAndKernel(.nan)
    #expect(nan.cdf.isNaN && nan.kernel.isNaN)
  }
}
