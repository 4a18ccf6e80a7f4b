import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// Series on which MASS::glm.nb reports θ → ∞ although the likelihood has a finite maximum
/// (its theta.ml Newton iteration runs away from it): the fit must find the maximum, as
/// statsmodels' joint maximum likelihood does, and say that it differs from glm.nb.
/// scripts/peers/negbin/make-negbin-mle-reference.py writes the inputs and both peers' answers.
@Suite("Negative binomial: the maximum where glm.nb's θ iteration runs away")
struct NegativeBinomialMaximumTests {
  struct Case: Sendable, CustomStringConvertible {
    var name: String
    var year: [Double] = []
    var y: [Double] = []
    var offset: [Double] = []
    var description: String { name }
  }

  static let cases: [Case] = {
    guard let series = try? Fixture.series("negbin-mle-cases.csv", columns: ["year", "y", "log_exposure"]) else {
      return []
    }
    return series.map { Case(name: $0.name, year: $0.columns[0], y: $0.columns[1], offset: $0.columns[2]) }
  }()

  static let reference: [String: Double] =
    (try? Fixture.values("negbin-mle-reference.csv", keyedBy: ["case", "peer", "what"])) ?? [:]

  @Test func fixturesArePresent() {
    #expect(Self.cases.count == 4)
    #expect(Self.reference.count == 28)
  }

  @Test("β, θ and the log-likelihood are statsmodels' maximum; glm.nb's answer is far below it", arguments: cases)
  func findsTheMaximum(_ c: Case) throws {
    let design = try Matrix(columns: [Array(repeating: 1, count: c.year.count), c.year])
    let fit = try NegativeBinomial.fit(design: design, counts: c.y, names: ["(Intercept)", "year"], offset: c.offset)
    let ref = { (peer: String, what: String) throws -> Double in
      try #require(Self.reference["\(c.name)|\(peer)|\(what)"])
    }
    #expect(fit.converged)
    // In standard errors, as the bench compares slopes: statsmodels stops on a parameter change
    // of 1e-11, glm.nb's alternation on a log-likelihood change of 1e-8; a log-likelihood δ
    // below the maximum leaves a coefficient free by about √(2δ) standard errors (spikes: δ =
    // 1.4e-9, the slope 8e-5 standard errors from statsmodels'; h4885: 5e-7).
    for (i, what) in ["intercept", "slope"].enumerated() {
      let p = fit.parameters[i]
      #expect(abs(p.estimate - (try ref("statsmodels", what))) < 1e-3 * p.standardError, "\(what) \(p.estimate)")
    }
    #expect(relativeDifference(try #require(fit.theta), try ref("statsmodels", "theta")) < 1e-7)
    let ll = try #require(fit.logLikelihood)
    #expect(relativeDifference(ll, try ref("statsmodels", "log_likelihood")) < 1e-10)
    // The reason to differ from R: glm.nb's θ → ∞ leaves the likelihood far lower.
    #expect(ll > (try ref("glm.nb", "log_likelihood")) + 1)
    #expect(try ref("glm.nb", "theta") > 1e5)
    #expect(fit.warnings.contains { $0.contains("bracketed search") }, "\(fit.warnings)")
    #expect(!fit.warnings.contains { $0.contains("θ iteration limit") }, "\(fit.warnings)")
    // θ is where the profile score given the fitted means vanishes.
    let table = NegativeBinomial.SmallCounts(c.y)
    let theta = try #require(fit.theta)
    let score = NegativeBinomial.newtonSums(y: c.y, mu: fit.fitted, theta: theta, table: table).score
    let scale = NegativeBinomial.newtonSums(y: c.y, mu: fit.fitted, theta: theta, table: table).info * theta
    #expect(abs(score) < 1e-6 * scale, "score \(score) at θ = \(theta)")
  }

  @Test("A log-likelihood that is not finite (θ truncated at zero) is a failure, not a settled alternation")
  func nonFiniteLogLikelihoodIsNotSettled() {
    // glm.nb's comparison is false for NaN: taken as it is, NaN would pass for settled.
    for lm in [Double.nan, .infinity, -.infinity] {
      #expect(NegativeBinomial.alternationSettled(lm: lm, lm0: -10, delta: 0, d1: 2, d2: 1, tolerance: 1e-8) == nil)
      #expect(NegativeBinomial.alternationSettled(lm: lm, lm0: lm, delta: 0, d1: 2, d2: 1, tolerance: 1e-8) == nil)
    }
    #expect(
      NegativeBinomial.alternationSettled(lm: -10, lm0: -10 + 1e-12, delta: 1e-10, d1: 2, d2: 1, tolerance: 1e-8)
        == true)
    #expect(NegativeBinomial.alternationSettled(lm: -10, lm0: -10.1, delta: 0, d1: 2, d2: 1, tolerance: 1e-8) == false)
    #expect(NegativeBinomial.alternationSettled(lm: -10, lm0: -10, delta: 1e-3, d1: 2, d2: 1, tolerance: 1e-8) == false)
  }

  @Test("Series of one or two counts among zeros: a fit that says it converged has a finite log-likelihood and θ > 0")
  func nearlyAllZeros() throws {
    // Where θ runs to zero the log-likelihood is NaN and the fit must say it did not converge.
    // Which of these series get there depends on the last bits of the platform's arithmetic:
    // the series of check-negbin-maximum.py (seed 2) below reached θ = 0 on one machine and a
    // finite maximum (θ ≈ 0.06) on another. Whatever the path, no fit may claim convergence
    // with a log-likelihood that is not finite.
    var series: [(label: String, y: [Double], offset: [Double]?)] = []
    var seed2 = [Double](repeating: 0, count: 25)
    seed2[6] = 2
    var offset = [Double](repeating: 0, count: 25)
    offset[0] = -1.06146170595
    offset[9] = -0.110933963737
    offset[11] = -0.940374415353
    offset[15] = -1.26432875259
    series.append(("seed 2", seed2, offset))
    for n in [10, 25, 40] {
      for position in [0, 3, n / 2, n - 1] {
        for count in [1.0, 2, 3, 5] {
          var y = [Double](repeating: 0, count: n)
          y[position] = count
          series.append(("n \(n), \(count) at \(position)", y, nil))
          if position > 0 {
            y[0] = 1
            series.append(("n \(n), \(count) at \(position) and 1 at 0", y, nil))
          }
        }
      }
    }
    var converged = 0
    for s in series {
      let n = s.y.count
      let year = (0..<n).map { 2000 + Double($0) }
      let design = try Matrix(columns: [Array(repeating: 1, count: n), year])
      let fit: ModelFit
      let attempt = Result { () throws(StatisticsError) -> ModelFit in
        try NegativeBinomial.fit(design: design, counts: s.y, names: ["(Intercept)", "year"], offset: s.offset)
      }
      switch attempt {
      case .success(let f): fit = f
      case .failure(.numerical(_)): continue  // refused with a reason (the Poisson start diverged)
      case .failure(let error):
        Issue.record("\(s.label): \(error)")
        continue
      }
      let theta = try #require(fit.theta)
      if fit.converged {
        converged += 1
        #expect(fit.logLikelihood?.isFinite == true, "\(s.label): \(fit.warnings)")
        #expect(theta > 0, "\(s.label)")
      }
      if theta == 0 || !(fit.logLikelihood?.isFinite ?? false) {
        #expect(!fit.converged, "\(s.label): \(fit.warnings)")
      }
    }
    // Most of them converge (to θ unbounded, or a finite maximum): the property is exercised.
    #expect(converged > series.count / 2)
  }

  @Test("The search only runs where the score says a maximum lies below: θ unbounded stays unbounded")
  func unboundedThetaIsLeftAlone() throws {
    // Counts as close to their Poisson means as counts get: θ → ∞ is the right answer.
    let year = (0..<12).map { 2000 + Double($0) }
    let y: [Double] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]
    let design = try Matrix(columns: [Array(repeating: 1, count: 12), year])
    let fit = try NegativeBinomial.fit(design: design, counts: y, names: ["(Intercept)", "year"])
    #expect(fit.warnings.contains { $0.contains("θ iteration limit") }, "\(fit.warnings)")
    #expect(!fit.warnings.contains { $0.contains("bracketed search") })
    #expect(try #require(fit.theta) > 1e4)
  }
}
