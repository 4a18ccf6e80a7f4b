import Foundation
import Testing

@testable import Statistics

/// Doubling time ln 2 / β and its interval.
@Suite("Doubling time of a log-linear trend")
struct GrowthTests {
  /// ln 2 / β computed independently (Python `math.log(2) / β`), and exp(β T₂) = 2.
  @Test(arguments: [(0.05, 13.862943611198904), (log(1.5), 1.7095112913514547), (log(2.0), 1.0)])
  func doublingTime(slope: Double, expected: Double) throws {
    let t = try #require(Growth.doublingTime(slope: slope))
    #expect(abs(t - expected) <= 1e-15 * expected)
    #expect(abs(exp(slope * t) - 2) < 1e-14)
  }

  @Test(arguments: [0.0, -0.1, .nan])
  func noDoublingWithoutGrowth(slope: Double) {
    #expect(Growth.doublingTime(slope: slope) == nil)
    let d = Growth.doublingTime(slope: slope, low: -0.2, high: 0.3)
    #expect(d.estimate == nil && d.low == nil && d.high == nil)
  }

  /// The slope's interval maps to the doubling time's interval in reverse order; the MoU
  /// negative binomial trend (slope 0.4316603, 95% CI 0.3479–0.5155) doubles in 1.61 years
  /// (1.34 to 1.99).
  @Test func intervalReversesTheSlopes() {
    let d = Growth.doublingTime(slope: 0.4316603, low: 0.3479, high: 0.5155)
    #expect(abs((d.estimate ?? 0) - 1.6058) < 1e-4)
    #expect(abs((d.low ?? 0) - 1.3446) < 1e-4)
    #expect(abs((d.high ?? 0) - 1.9924) < 1e-4)
  }

  /// A slope interval reaching 0 leaves the doubling time unbounded above; no interval, none.
  @Test func unboundedAndMissingEnds() {
    let d = Growth.doublingTime(slope: 0.1, low: -0.05, high: 0.25)
    #expect(d.high == nil)
    #expect(abs((d.low ?? 0) - log(2) / 0.25) < 1e-15)
    let e = Growth.doublingTime(slope: 0.1, low: nil, high: nil)
    #expect(e.estimate != nil && e.low == nil && e.high == nil)
  }
}
