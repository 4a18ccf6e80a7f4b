import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// GLMs against R's glm (scripts/peers/make-glm-reference.R writes the references).
@Suite("Count models agree with R's glm and lm")
struct PoissonRegressionTests {
  struct Case: Sendable, CustomStringConvertible {
    var name: String
    var year: [Double]
    var y: [Double]
    var exposure: [Double]
    var description: String { name }
  }

  static let cases: [Case] = {
    guard let series = try? Fixture.series("glm-cases.csv", columns: ["year", "y", "exposure"]) else { return [] }
    return series.map { Case(name: $0.name, year: $0.columns[0], y: $0.columns[1], exposure: $0.columns[2]) }
  }()

  static let reference: [String: Double] =
    (try? Fixture.values("glm-reference.csv", keyedBy: ["case", "model", "term", "what"])) ?? [:]

  @Test func fixturesArePresent() {
    #expect(Self.cases.count >= 15)
    #expect(Self.reference.count >= 500)
  }

  func design(_ c: Case) throws -> Matrix {
    try Matrix(columns: [Array(repeating: 1, count: c.year.count), c.year])
  }

  @Test("Poisson and quasi-Poisson match R's default glm to 1e-8", arguments: cases)
  func matchesDefaultGLM(_ c: Case) throws {
    for quasi in [false, true] {
      let label = quasi ? "quasipoisson" : "poisson"
      let fit = try PoissonRegression.fit(
        design: design(c), counts: c.y, names: ["(Intercept)", "year"],
        offset: c.exposure.map { log($0) }, quasi: quasi)
      #expect(fit.converged)
      for (i, term) in ["(Intercept)", "year"].enumerated() {
        let est = try #require(Self.reference["\(c.name)|\(label)|\(term)|estimate"])
        let se = try #require(Self.reference["\(c.name)|\(label)|\(term)|std_error"])
        #expect(relativeDifference(fit.parameters[i].estimate, est) < 1e-8, "\(c.name) \(label) \(term) estimate")
        #expect(relativeDifference(fit.parameters[i].standardError, se) < 1e-8, "\(c.name) \(label) \(term) se")
      }
      let dev = try #require(Self.reference["\(c.name)|\(label)||deviance"])
      let disp = try #require(Self.reference["\(c.name)|\(label)||dispersion"])
      let iters = try #require(Self.reference["\(c.name)|\(label)||iterations"])
      #expect(relativeDifference(fit.deviance, dev) < 1e-8)
      #expect(relativeDifference(fit.dispersion, disp) < 1e-8)
      #expect(Double(fit.iterations) == iters)
      if !quasi {
        let aic = try #require(Self.reference["\(c.name)|poisson||aic"])
        #expect(relativeDifference(try #require(fit.aic), aic) < 1e-10)
      } else {
        #expect(fit.aic == nil)
      }
    }
  }

  @Test("At a tight tolerance, estimates and SEs match R's tightly converged glm", arguments: cases)
  func matchesTightGLM(_ c: Case) throws {
    for quasi in [false, true] {
      let label = quasi ? "quasipoisson_tight" : "poisson_tight"
      let fit = try PoissonRegression.fit(
        design: design(c), counts: c.y, names: ["(Intercept)", "year"],
        offset: c.exposure.map { log($0) }, quasi: quasi, tolerance: 1e-11, maxIterations: 100)
      for (i, term) in ["(Intercept)", "year"].enumerated() {
        let est = try #require(Self.reference["\(c.name)|\(label)|\(term)|estimate"])
        let se = try #require(Self.reference["\(c.name)|\(label)|\(term)|std_error"])
        #expect(relativeDifference(fit.parameters[i].estimate, est) < 1e-9)
        #expect(relativeDifference(fit.parameters[i].standardError, se) < 1e-8)
      }
    }
  }

  @Test("Log-linear OLS matches R's lm on log rates", arguments: cases)
  func logLinearMatchesLM(_ c: Case) throws {
    let keep = c.y.indices.filter { c.y[$0] > 0 }
    let x = try Matrix(columns: [Array(repeating: 1, count: keep.count), keep.map { c.year[$0] }])
    let fit = try LinearModel.fit(
      design: x, response: keep.map { log(c.y[$0] / c.exposure[$0]) }, names: ["(Intercept)", "year"],
      hasIntercept: true)
    for (i, term) in ["(Intercept)", "year"].enumerated() {
      let est = try #require(Self.reference["\(c.name)|loglinear|\(term)|estimate"])
      let se = try #require(Self.reference["\(c.name)|loglinear|\(term)|std_error"])
      #expect(relativeDifference(fit.parameters[i].estimate, est) < 1e-9)
      #expect(relativeDifference(fit.parameters[i].standardError, se) < 1e-9)
    }
    let sd = try #require(Self.reference["\(c.name)|loglinear||residual_sd"])
    let r2 = try #require(Self.reference["\(c.name)|loglinear||r_squared"])
    let aic = try #require(Self.reference["\(c.name)|loglinear||aic"])
    #expect(relativeDifference(try #require(fit.residualSD), sd) < 1e-10)
    #expect(relativeDifference(try #require(fit.rSquared), r2) < 1e-10)
    #expect(relativeDifference(try #require(fit.aic), aic) < 1e-10)
  }

  @Test("Negative binomial matches MASS::glm.nb to 1e-8 (estimates, SEs, θ, SE(θ), log-likelihood)", arguments: cases)
  func negbinMatchesGLMNB(_ c: Case) throws {
    let fit = try NegativeBinomial.fit(
      design: design(c), counts: c.y, names: ["(Intercept)", "year"], offset: c.exposure.map { log($0) })
    for (i, term) in ["(Intercept)", "year"].enumerated() {
      let est = try #require(Self.reference["\(c.name)|negbin|\(term)|estimate"])
      let se = try #require(Self.reference["\(c.name)|negbin|\(term)|std_error"])
      #expect(
        relativeDifference(fit.parameters[i].estimate, est) < 1e-8,
        "\(c.name) \(term) estimate \(fit.parameters[i].estimate) vs \(est)")
      #expect(relativeDifference(fit.parameters[i].standardError, se) < 1e-8, "\(c.name) \(term) se")
    }
    let limit = try #require(Self.reference["\(c.name)|negbin||theta_limit"])
    if limit == 1 {
      // R's theta.ml ran into its iteration limit: θ → ∞ (no overdispersion) and its value is
      // numerical noise in R and here alike. Both must say so; the coefficients above still agree.
      #expect(fit.warnings.contains { $0.contains("θ iteration limit") }, "\(fit.warnings)")
      #expect(try #require(fit.theta) > 1e4)
      return
    }
    #expect(!fit.warnings.contains { $0.contains("θ iteration limit") })
    let theta = try #require(Self.reference["\(c.name)|negbin||theta"])
    let thetaSE = try #require(Self.reference["\(c.name)|negbin||theta_se"])
    let ll = try #require(Self.reference["\(c.name)|negbin||log_likelihood"])
    let aic = try #require(Self.reference["\(c.name)|negbin||aic"])
    let dev = try #require(Self.reference["\(c.name)|negbin||deviance"])
    #expect(relativeDifference(try #require(fit.theta), theta) < 1e-8, "theta \(fit.theta ?? .nan) vs \(theta)")
    #expect(relativeDifference(try #require(fit.thetaStandardError), thetaSE) < 1e-8)
    #expect(relativeDifference(try #require(fit.logLikelihood), ll) < 1e-10)
    #expect(relativeDifference(try #require(fit.aic), aic) < 1e-10)
    #expect(relativeDifference(fit.deviance, dev) < 1e-8)
  }

  @Test func rejectsNegativeCounts() throws {
    let x = try Matrix(columns: [[1, 1, 1], [1, 2, 3]])
    #expect(throws: StatisticsError.self) {
      try PoissonRegression.fit(design: x, counts: [1, -2, 3], names: ["a", "b"])
    }
    #expect(throws: StatisticsError.self) {
      try PoissonRegression.fit(design: x, counts: [1, .nan, 3], names: ["a", "b"])
    }
    #expect(throws: StatisticsError.self) {
      try PoissonRegression.fit(design: x, counts: [1, 2], names: ["a", "b"])
    }
  }

  @Test("All-zero counts give a warning and no crash")
  func allZeroCounts() throws {
    let x = try Matrix(columns: [[1, 1, 1, 1], [1, 2, 3, 4]])
    let fit = try PoissonRegression.fit(design: x, counts: [0, 0, 0, 0], names: ["a", "b"])
    #expect(!fit.converged || fit.parameters[0].estimate < -10)
    #expect(!fit.warnings.isEmpty || fit.converged)
  }
}
