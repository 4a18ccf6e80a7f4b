import Foundation
import Numerics
import Testing

@testable import Statistics

/// The tabulated Φ that steers the linear pool's first Newton steps, against Φ and φ from
/// Foundation's erfc and exp at points between and on the nodes, past both ends and at NaN.
@Suite("Tabulated normal CDF")
struct NormalCDFTableTests {
  @Test("Within 1e-11 of Φ and 5e-9 of φ on [-10, 10]; 0 or 1 outside [-9, 9]; NaN gives 0")
  func accuracy() {
    NormalCDFTable.shared.nodes.withUnsafeBufferPointer { nodes in
      guard let p = nodes.baseAddress else {
        Issue.record("empty table")
        return
      }
      var worstCDF = 0.0
      var worstDensity = 0.0
      var z = -10.0
      while z <= 10 {
        let (cdf, density) = NormalCDFTable.cdfAndDensity(z, p)
        worstCDF = max(worstCDF, abs(cdf - 0.5 * erfc(-z / 2.0.squareRoot())))
        worstDensity = max(worstDensity, abs(density - exp(-z * z / 2) / (2 * Double.pi).squareRoot()))
        z += 0.000_713  // not a divisor of 1/128: points everywhere between the nodes
      }
      #expect(worstCDF < 1e-11, "worst |Φ̃ - Φ| = \(worstCDF)")
      #expect(worstDensity < 5e-9, "worst |φ̃ - φ| = \(worstDensity)")
      for node in [-9.0, -1, 0, 0.5, 8.9921875] {
        let (cdf, _) = NormalCDFTable.cdfAndDensity(node, p)
        #expect(abs(cdf - 0.5 * erfc(-node / 2.0.squareRoot())) < 1e-16, "node \(node)")
      }
      #expect(NormalCDFTable.cdfAndDensity(-9.5, p) == (0, 0))
      #expect(NormalCDFTable.cdfAndDensity(9, p) == (1, 0))
      // Just below 9, where (z + 9)·128 rounds to the last node: its interval, not past it.
      #expect(abs(NormalCDFTable.cdfAndDensity(9.0.nextDown, p).cdf - 1) < 1e-15)
      #expect(NormalCDFTable.cdfAndDensity(.nan, p) == (0, 0))
    }
  }
}
