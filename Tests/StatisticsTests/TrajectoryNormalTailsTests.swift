import Numerics
import Testing

@testable import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `NormalTails.logIntervalMass` on empty intervals, and the density where they arise.
@Suite("Trajectory normal tails")
struct TrajectoryNormalTailsTests {
  /// `a ≥ b` (`±0` at both ends, or reversed ends) is an empty interval: log mass −∞, no
  /// recursion. Before the guard, `a = b = 0` recursed until the stack overflowed (SIGSEGV).
  @Test("An empty interval has log mass −∞")
  func emptyInterval() {
    for (a, b) in [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0), (1.0, -1.0), (2.0, 2.0), (-3.0, -3.0)] {
      let r = NormalTails.logIntervalMass(a, b)
      #expect(r.logP == -.infinity && r.dA == 0 && r.dB == 0, "(\(a), \(b)): \(r)")
    }
    let r = NormalTails.logIntervalMass(-0.5, 0.5)
    #expect(abs(r.logP - log(Normal.cdf(0.5) - Normal.cdf(-0.5))) < 1e-14)
  }

  /// A θ whose `omega` overflows `s²` to infinity (log omega = 400, as a first step-size search
  /// can reach): the density of data with an interval is −∞ or NaN, not a crash. Random data
  /// set 20 of the Stan reference crashed the parity test this way.
  @Test("The density at an overflowing omega does not crash")
  func overflowingOmega() throws {
    let statements = [
      TrajectoryStatement(id: "p", year: 0, series: 0, kind: .point, y: 1, sigma: 0.2),
      TrajectoryStatement(id: "i", year: 1, series: 0, kind: .interval, y: 1, low: 0.5, high: 1.5, sigma: 0.3),
    ]
    let data = TrajectoryData(
      years: [2000, 2001], statements: statements, series: ["a"], priors: TrajectoryPriors(levelCenter: 1))
    var density = try TrajectoryDensity(data)
    var theta = [Double](repeating: 0.1, count: density.dimension)
    theta[density.logOmegaIndex] = 400
    var gradient = [Double](repeating: 0, count: density.dimension)
    let value = density.logDensity(theta, gradient: &gradient)
    #expect(!value.isFinite, "log density \(value) at log omega 400")
  }
}
