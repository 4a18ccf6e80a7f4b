import Foundation
import TestSupport
import Testing

@testable import Numerics

/// ψ and ψ′ against 50-digit mpmath values (Tests/Fixtures/numerics/polygamma.csv, written by
/// scripts/peers/numerics/make-polygamma-reference.py): 616 arguments from 1e-8 to 1e12,
/// including the values θ + y that negative binomial fits evaluate.
@Suite("Polygamma")
struct PolygammaTests {
  static func rows() throws -> [(x: Double, digamma: Double, trigamma: Double)] {
    let path = Fixtures.path("numerics/polygamma.csv")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var out: [(Double, Double, Double)] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("x,") {
      let f = line.split(separator: ",").compactMap { Double($0) }
      if f.count == 3 { out.append((f[0], f[1], f[2])) }
    }
    return out
  }

  @Test("digamma and trigamma, separately and together, agree with mpmath")
  func againstMpmath() throws {
    let rows = try Self.rows()
    #expect(rows.count == 616)
    var worst = (digamma: 0.0, trigamma: 0.0, pairD: 0.0, pairT: 0.0)
    for r in rows {
      worst.digamma = max(worst.digamma, relativeDifference(SpecialFunctions.digamma(r.x), r.digamma, floor: 1))
      worst.trigamma = max(worst.trigamma, relativeDifference(SpecialFunctions.trigamma(r.x), r.trigamma, floor: 1))
      let both = SpecialFunctions.digammaAndTrigamma(r.x)
      worst.pairD = max(worst.pairD, relativeDifference(both.digamma, r.digamma, floor: 1))
      worst.pairT = max(worst.pairT, relativeDifference(both.trigamma, r.trigamma, floor: 1))
    }
    #expect(worst.digamma < 1e-14, "digamma: worst relative error \(worst.digamma)")
    #expect(worst.trigamma < 1e-14, "trigamma: worst relative error \(worst.trigamma)")
    #expect(worst.pairD < 1e-14, "digammaAndTrigamma ψ: worst relative error \(worst.pairD)")
    #expect(worst.pairT < 1e-14, "digammaAndTrigamma ψ′: worst relative error \(worst.pairT)")
  }

  @Test("outside the domain: NaN, and the limits at infinity")
  func domain() {
    #expect(SpecialFunctions.digammaAndTrigamma(0).digamma.isNaN)
    #expect(SpecialFunctions.digammaAndTrigamma(-1).trigamma.isNaN)
    #expect(SpecialFunctions.digammaAndTrigamma(.nan).digamma.isNaN)
    #expect(SpecialFunctions.digammaAndTrigamma(.infinity) == (.infinity, 0))
  }
}
