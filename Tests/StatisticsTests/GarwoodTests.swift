import Foundation
import Testing

@testable import Statistics

/// The exact Poisson interval against Garwood's published values and against its definition.
@Suite("Garwood exact Poisson interval")
struct GarwoodTests {
  /// 95% limits for k = 0…3 as tabulated (Garwood 1936; e.g. Ulm 1990, Table 1), to the
  /// printed precision.
  @Test(arguments: [
    (0.0, 0.0, 3.689), (1.0, 0.0253, 5.572), (2.0, 0.2422, 7.225), (3.0, 0.6187, 8.767),
  ])
  func publishedValues(k: Double, low: Double, high: Double) throws {
    let ci = try #require(Garwood.interval(count: k, level: 0.95))
    #expect(abs(ci.low - low) < 5e-4, "k = \(k): low \(ci.low) vs \(low)")
    #expect(abs(ci.high - high) < 5e-4, "k = \(k): high \(ci.high) vs \(high)")
  }

  /// P(X ≤ k) for X ~ Poisson(μ), summed term by term (independent of the χ² quantiles).
  static func poissonCDF(_ k: Int, mean mu: Double) -> Double {
    var term = exp(-mu)
    var sum = term
    if k > 0 {
      for j in 1...k {
        term *= mu / Double(j)
        sum += term
      }
    }
    return sum
  }

  /// The limits solve the two one-sided tail equations: P(X ≥ k | L) = α/2 and
  /// P(X ≤ k | U) = α/2.
  @Test(arguments: [0, 1, 2, 5, 10, 25, 60], [0.90, 0.95, 0.99])
  func tailEquations(k: Int, level: Double) throws {
    let ci = try #require(Garwood.interval(count: Double(k), level: level))
    let halfAlpha = (1 - level) / 2
    #expect(abs(Self.poissonCDF(k, mean: ci.high) - halfAlpha) < 1e-9 * max(1, Double(k)), "k = \(k) upper")
    if k == 0 {
      #expect(ci.low == 0)
    } else {
      #expect(abs((1 - Self.poissonCDF(k - 1, mean: ci.low)) - halfAlpha) < 1e-9 * Double(k), "k = \(k) lower")
    }
    #expect(ci.low <= Double(k) && Double(k) < ci.high)
  }

  @Test(arguments: [-1.0, 2.5, .nan])
  func notACount(y: Double) {
    #expect(Garwood.interval(count: y, level: 0.95) == nil)
  }
}
