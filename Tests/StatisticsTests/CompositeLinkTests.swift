import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// The composite link model (issue #29) against R: scripts/peers/composite/make-composite-reference.R
/// writes Tests/Fixtures/composite (inputs and R's answers; nothing there comes from reconcile).
@Suite("Composite link model agrees with R and keeps its buckets' sums")
struct CompositeLinkTests {
  struct Case: Sendable, CustomStringConvertible {
    var name: String
    var firstYear: Int
    var lastYear: Int
    var joinpoints: [Double]
    var buckets: [CompositeBucket]
    var exposure: [Double]
    var description: String { name }
  }

  static let cases: [Case] = {
    guard let rows = try? Fixtures.csv("composite/cases.csv"),
      let yearRows = try? Fixtures.csv("composite/years.csv")
    else { return [] }
    var order: [String] = []
    var byName: [String: Case] = [:]
    for r in rows {
      guard let name = r["case"], let first = Int(r["first_year"] ?? ""), let last = Int(r["last_year"] ?? ""),
        let bf = Int(r["bucket_first"] ?? ""), let bl = Int(r["bucket_last"] ?? ""),
        let count = Double(r["count"] ?? "")
      else { continue }
      if byName[name] == nil {
        order.append(name)
        let joinpoints = (r["joinpoints"] ?? "").split(separator: ";").compactMap { Double($0) }
        byName[name] = Case(
          name: name, firstYear: first, lastYear: last, joinpoints: joinpoints, buckets: [],
          exposure: [Double](repeating: 1, count: last - first + 1))
      }
      byName[name]?.buckets.append(CompositeBucket(first: bf, last: bl, count: count))
    }
    for r in yearRows {
      guard let name = r["case"], let year = Int(r["year"] ?? ""), let e = Double(r["exposure"] ?? ""),
        let c = byName[name]
      else { continue }
      byName[name]?.exposure[year - c.firstYear] = e
    }
    return order.compactMap { byName[$0] }
  }()

  static let reference: [String: Double] = {
    guard let rows = try? Fixtures.csv("composite/reference.csv") else { return [:] }
    var out: [String: Double] = [:]
    for r in rows {
      guard let c = r["case"], let f = r["family"], let t = r["term"], let w = r["what"],
        let v = Double(r["value"] ?? "")
      else { continue }
      out["\(c)|\(f)|\(t)|\(w)"] = v
    }
    return out
  }()

  static func ref(_ c: String, _ family: CompositeLinkFamily, _ term: String, _ what: String) throws -> Double {
    try #require(reference["\(c)|\(family.rawValue)|\(term)|\(what)"], "\(c) \(family) \(term) \(what)")
  }

  static func fit(_ c: Case, _ family: CompositeLinkFamily) throws -> CompositeLinkFit {
    let design = try CompositeLinkDesign.trend(firstYear: c.firstYear, lastYear: c.lastYear, joinpoints: c.joinpoints)
    return try CompositeLink.fit(family, buckets: c.buckets, design: design, exposure: c.exposure)
  }

  static func named(_ name: String) throws -> Case { try #require(cases.first { $0.name == name }) }

  /// The worst relative differences from R of one fit, by kind.
  struct Worst: CustomStringConvertible {
    var coefficient = 0.0
    var se = 0.0
    var other = 0.0
    var interval = 0.0
    var description: String {
      "coef \(coefficient), se \(se), loglik/theta/fitted \(other), interval ends \(interval)"
    }
  }

  @Test func fixturesArePresent() {
    #expect(Self.cases.count == 23)
    #expect(Self.reference.count > 7000)
    #expect(Self.cases.filter { $0.name.hasPrefix("random") }.count == 20)
  }

  @Test(
    "Coefficients (1e-6), SEs (1e-5), log-likelihood, θ, buckets and yearly means agree with R",
    arguments: cases)
  func matchesR(_ c: Case) throws {
    for family in CompositeLinkFamily.allCases {
      let fit = try Self.fit(c, family)
      #expect(fit.converged, "\(c) \(family): \(fit.stopReason)")
      #expect(fit.scaledGradient < 1e-9)
      var worst = Worst()
      for p in fit.parameters {
        let est = try Self.ref(c.name, family, p.name, "estimate")
        let se = try Self.ref(c.name, family, p.name, "std_error")
        // relative to max(|estimate|, SE): an estimate near 0 is measured on its SE's scale
        worst.coefficient = max(worst.coefficient, relativeDifference(p.estimate, est, floor: se))
        worst.se = max(worst.se, relativeDifference(p.standardError, se))
      }
      #expect(worst.coefficient < 1e-6, "\(c) \(family) coefficients")
      #expect(worst.se < 1e-5, "\(c) \(family) standard errors")
      var others: [(Double?, String)] = [
        (fit.deviance, "deviance"), (fit.pearsonChiSquare, "pearson"), (fit.dispersion, "dispersion"),
      ]
      if family != .quasiPoisson { others.append((fit.logLikelihood, "log_likelihood")) }
      if family == .negativeBinomial { others.append((fit.theta, "theta")) }
      for (value, what) in others {
        worst.other = max(worst.other, relativeDifference(value, try Self.ref(c.name, family, "", what)))
      }
      if family == .negativeBinomial {
        let se = try Self.ref(c.name, family, "", "theta_se")
        worst.se = max(worst.se, relativeDifference(fit.thetaStandardError, se))
      }
      for b in fit.buckets {
        let label = "\(b.first)-\(b.last)"
        worst.other = max(
          worst.other, relativeDifference(b.fitted, try Self.ref(c.name, family, label, "bucket_fitted")))
        worst.interval = max(
          worst.interval, relativeDifference(b.low, try Self.ref(c.name, family, label, "bucket_low")),
          relativeDifference(b.high, try Self.ref(c.name, family, label, "bucket_high")))
      }
      for y in fit.years {
        let label = "\(y.year)"
        worst.other = max(worst.other, relativeDifference(y.mean, try Self.ref(c.name, family, label, "mean")))
        worst.interval = max(
          worst.interval, relativeDifference(y.low, try Self.ref(c.name, family, label, "mean_low")),
          relativeDifference(y.high, try Self.ref(c.name, family, label, "mean_high")))
      }
      #expect(worst.other < 1e-7, "\(c) \(family) log-likelihood, θ, fitted values")
      #expect(worst.interval < 1e-5, "\(c) \(family) interval ends")
      if ProcessInfo.processInfo.environment["COMPOSITE_LINK_REPORT"] != nil {
        print("composite-vs-R \(c.name) \(family.rawValue): \(worst)")
      }
    }
  }

  @Test("Every bucket's yearly means sum to its fitted total; 1999–2001 to 1e-9", arguments: cases)
  func yearsSumToBuckets(_ c: Case) throws {
    for family in CompositeLinkFamily.allCases {
      let fit = try Self.fit(c, family)
      for b in fit.buckets {
        let sum = fit.years.filter { $0.year >= b.first && $0.year <= b.last }.reduce(0) { $0 + $1.mean }
        #expect(relativeDifference(sum, b.fitted) < 1e-9, "\(c) \(family) \(b.first)–\(b.last)")
      }
      if c.name.hasPrefix("official") {
        let split = fit.years.filter { (1999...2001).contains($0.year) }.map(\.mean)
        let bucket = try #require(fit.buckets.first { $0.first == 1999 && $0.last == 2001 })
        #expect(split.count == 3)
        #expect(relativeDifference(split.reduce(0, +), bucket.fitted) < 1e-9)
        if ProcessInfo.processInfo.environment["COMPOSITE_LINK_REPORT"] != nil {
          let coefficients = fit.parameters.map { "\($0.name) \($0.estimate) (SE \($0.standardError))" }
          print("composite-arrivals \(c.name) \(family.rawValue): \(coefficients.joined(separator: ", "))")
          print(
            "composite-arrivals \(c.name) \(family.rawValue): θ \(fit.theta.map { "\($0)" } ?? "-") (SE \(fit.thetaStandardError.map { "\($0)" } ?? "-")), dispersion \(fit.dispersion), logLik \(fit.logLikelihood.map { "\($0)" } ?? "-"), converged \(fit.converged)"
          )
          for y in fit.years where (1999...2001).contains(y.year) {
            print("composite-arrivals \(c.name) \(family.rawValue): \(y.year) \(y.mean) (\(y.low)–\(y.high))")
          }
          print(
            "composite-arrivals \(c.name) \(family.rawValue): 1999–2001 fitted \(bucket.fitted) (\(bucket.low)–\(bucket.high)), observed 1043"
          )
          for (stated, through) in [(34_314.0, 2024), (33_882.0, 2022)] {
            print("composite-arrivals \(c.name) " + (try fit.checkCumulative(stated: stated, through: through)).line)
          }
        }
      }
    }
  }

  @Test("With every bucket a single year, the Poisson fit is PoissonRegression's (1e-9)")
  func singlesEqualPoissonRegression() throws {
    let older = try Self.named("older_singles")
    let official = try Self.named("official")
    let later = Case(
      name: "singles 2002-2024, partial 2024", firstYear: 2002, lastYear: 2024, joinpoints: [2008],
      buckets: official.buckets.filter { $0.first >= 2002 },
      exposure: [Double](repeating: 1, count: 22) + [0.5])
    for c in [older, later] {
      #expect(c.buckets.allSatisfy { $0.first == $0.last })
      let design = try CompositeLinkDesign.trend(firstYear: c.firstYear, lastYear: c.lastYear, joinpoints: c.joinpoints)
      let composite = try CompositeLink.fit(.poisson, buckets: c.buckets, design: design, exposure: c.exposure)
      let glm = try PoissonRegression.fit(
        design: design.matrix, counts: c.buckets.map(\.count), names: design.names, offset: c.exposure.map { log($0) },
        tolerance: 1e-15, maxIterations: 100)
      #expect(composite.converged && glm.converged)
      // glm's covariance (and so PoissonRegression's) is at the weights of the iteration before
      // the last, ~1e-9 from the one at the estimate (R's glm with epsilon 1e-15 shows the same
      // on these counts): the SEs are compared with (Xᵀdiag(μ̂)X)⁻¹ at PoissonRegression's means.
      let x = design.matrix
      var information = Matrix(rows: x.columns, columns: x.columns)
      for k in 0..<x.columns {
        for l in 0..<x.columns {
          information[k, l] = (0..<x.rows).reduce(0) { $0 + glm.fitted[$1] * x[$1, k] * x[$1, l] }
        }
      }
      let covariance = try Cholesky.inverse(information)
      for (k, (a, b)) in zip(composite.parameters, glm.parameters).enumerated() {
        #expect(relativeDifference(a.estimate, b.estimate, floor: b.standardError) < 1e-9, "\(c) \(a.name)")
        #expect(relativeDifference(a.standardError, covariance[k, k].squareRoot()) < 1e-9, "\(c) \(a.name) se")
        #expect(relativeDifference(a.standardError, b.standardError) < 1e-8, "\(c) \(a.name) glm's se")
      }
      #expect(relativeDifference(composite.logLikelihood, try #require(glm.logLikelihood)) < 1e-9)
      #expect(relativeDifference(composite.deviance, glm.deviance) < 1e-8)
      for (y, m) in zip(composite.years, glm.fitted) { #expect(relativeDifference(y.mean, m) < 1e-9) }
    }
  }

  @Test("The cumulative check passes 34,314 through 2024 and 33,882 through 2022 on observed sums")
  func cumulativeTotals() throws {
    let c = try Self.named("official")
    for family in CompositeLinkFamily.allCases {
      let fit = try Self.fit(c, family)
      for (stated, through) in [(34_314.0, 2024), (33_882.0, 2022)] {
        let check = try fit.checkCumulative(stated: stated, through: through)
        #expect(check.passed, "\(check.line)")
        #expect(check.basis == .observed)
        #expect(check.observed == stated)
        #expect(check.firstYear == 1993 && check.lastYear == through)
        let label = "1993-\(through)"
        #expect(relativeDifference(check.fitted, try Self.ref(c.name, family, label, "cumulative_fitted")) < 1e-7)
        #expect(relativeDifference(check.fittedLow, try Self.ref(c.name, family, label, "cumulative_low")) < 1e-5)
        #expect(relativeDifference(check.fittedHigh, try Self.ref(c.name, family, label, "cumulative_high")) < 1e-5)
        #expect(
          check.line.hasPrefix("pass  cumulative 1993–\(through): stated \(through == 2024 ? "34,314" : "33,882")"))
      }
      // Poisson with an intercept: the fitted grand total is the observed one (its score).
      if family != .negativeBinomial {
        let all = try fit.checkCumulative(stated: 34_314, through: 2024)
        #expect(relativeDifference(all.fitted, 34_314) < 1e-9)
      }
      let wrong = try fit.checkCumulative(stated: 35_000, through: 2024)
      #expect(!wrong.passed)
      #expect(wrong.line.hasPrefix("fail  cumulative 1993–2024: stated 35,000; observed 34,314"))
      // From 1995 the 1993–1998 bucket crosses the start: no observed sum, the fitted interval decides.
      let partial = try fit.checkCumulative(stated: 33_000, through: 2024, from: 1995)
      #expect(partial.observed == nil)
      #expect(partial.basis == .fittedInterval)
      #expect(partial.observedNote.contains("1993–1998"))
      #expect(
        partial.passed == (fit.converged && partial.fittedLow - 0.5 <= 33_000 && 33_000 <= partial.fittedHigh + 0.5))
      if ProcessInfo.processInfo.environment["COMPOSITE_LINK_REPORT"] != nil {
        for line in [
          try fit.checkCumulative(stated: 34_314, through: 2024),
          try fit.checkCumulative(stated: 33_882, through: 2022),
        ] {
          print("composite-check \(line.line)")
        }
      }
    }
  }

  @Test("Quasi-Poisson: the Poisson estimates, SEs times √dispersion")
  func quasiPoisson() throws {
    let c = try Self.named("official_hinges")
    let poisson = try Self.fit(c, .poisson)
    let quasi = try Self.fit(c, .quasiPoisson)
    #expect(quasi.logLikelihood == nil)
    #expect(relativeDifference(quasi.dispersion, poisson.pearsonChiSquare / Double(poisson.dfResidual)) < 1e-12)
    for (q, p) in zip(quasi.parameters, poisson.parameters) {
      #expect(q.estimate == p.estimate)
      #expect(relativeDifference(q.standardError, p.standardError * quasi.dispersion.squareRoot()) < 1e-12)
    }
  }

  @Test("The stated start of 'up to 1998' changes the fit")
  func startOfFirstBucketMatters() throws {
    let c = try Self.named("official")
    let from1993 = try Self.fit(c, .poisson)
    var earlier = c
    earlier.firstYear = 1989
    earlier.buckets[0].first = 1989
    earlier.exposure = [Double](repeating: 1, count: 2024 - 1989 + 1)
    let from1989 = try Self.fit(earlier, .poisson)
    #expect(from1989.converged)
    #expect(abs(from1989.parameters[1].estimate - from1993.parameters[1].estimate) > 1e-3)
  }

  @Test("Non-convergence is a flag with a reason, never a silent answer")
  func nonConvergenceIsReported() throws {
    let c = try Self.named("official_hinges")
    let design = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024, joinpoints: [1998, 2008])
    let short = try CompositeLink.fit(
      .negativeBinomial, buckets: c.buckets, design: design, options: CompositeLinkOptions(maxIterations: 1))
    #expect(!short.converged)
    #expect(short.stopReason.hasPrefix("not converged"))
    #expect(!short.warnings.isEmpty)
    #expect(try short.checkCumulative(stated: 36_000, through: 2024, from: 1995).line.contains("did not converge"))
    // Counts on an exact geometric trend show no overdispersion: θ runs off.
    let years = 2000...2009
    let flat = years.map { CompositeBucket(year: $0, count: (100 * pow(1.1, Double($0 - 2000))).rounded()) }
    let nb = try CompositeLink.fit(
      .negativeBinomial, buckets: flat, design: try CompositeLinkDesign.trend(firstYear: 2000, lastYear: 2009))
    #expect(!nb.converged)
    #expect(nb.warnings.contains { $0.contains("θ grows without bound") })
    // One hinge at 1998, the last year of the 1993–1998 bucket: the likelihood rises without end
    // as the slope before 1998 grows, the 947 moving onto 1998 alone (R's optim runs off too).
    let hinge = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024, joinpoints: [1998])
    let runaway = try CompositeLink.fit(.poisson, buckets: c.buckets, design: hinge)
    #expect(!runaway.converged)
    #expect(runaway.warnings.contains { $0.contains("diverge") || $0.contains("budget") }, "\(runaway.warnings)")
  }

  /// Expects `body` to throw `StatisticsError.invalidInput` with a message containing `phrase`.
  static func expectInvalid(
    _ phrase: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
  ) {
    do {
      try body()
      Issue.record("no error; expected invalid input mentioning '\(phrase)'", sourceLocation: sourceLocation)
    } catch let error as StatisticsError {
      guard case .invalidInput(let message) = error, message.contains(phrase) else {
        Issue.record("\(error) does not mention '\(phrase)'", sourceLocation: sourceLocation)
        return
      }
    } catch {
      Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
  }

  @Test("Bad input throws invalidInput with a clear message")
  func badInput() throws {
    let design = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024, joinpoints: [2008])
    let good = try Self.named("official").buckets
    func fit(_ buckets: [CompositeBucket], exposure: [Double]? = nil) throws {
      _ = try CompositeLink.fit(.poisson, buckets: buckets, design: design, exposure: exposure)
    }
    var b = good
    b[0].first = 1990
    Self.expectInvalid("outside the modelled years") { try fit(b) }
    b = good
    b[1] = CompositeBucket(first: 1998, last: 2001, count: 1043)
    Self.expectInvalid("overlap in 1998") { try fit(b) }
    Self.expectInvalid("overlap") { try fit(good + [CompositeBucket(first: 1993, last: 2024, count: 34_314)]) }
    b = good
    b[5].count = -3
    Self.expectInvalid("cannot be negative") { try fit(b) }
    b[5].count = .nan
    Self.expectInvalid("must be finite") { try fit(b) }
    b[5].count = .infinity
    Self.expectInvalid("must be finite") { try fit(b) }
    b[5].count = 12.5
    Self.expectInvalid("whole numbers") { try fit(b) }
    b = good
    b[1] = CompositeBucket(first: 2001, last: 1999, count: 1043)
    Self.expectInvalid("is empty") { try fit(b) }
    Self.expectInvalid("no buckets") { try fit([]) }
    Self.expectInvalid("every count is zero") {
      try fit(good.map { CompositeBucket(first: $0.first, last: $0.last, count: 0) })
    }
    Self.expectInvalid("cannot identify 3 coefficients") { try fit(Array(good.prefix(2))) }
    var e = [Double](repeating: 1, count: 32)
    e[4] = .nan
    Self.expectInvalid("exposure of 1997") { try fit(good, exposure: e) }
    e[4] = 0
    Self.expectInvalid("exposure of 1997") { try fit(good, exposure: e) }
    Self.expectInvalid("31 exposures for 32") { try fit(good, exposure: Array(e.prefix(31))) }
    // A hinge after the last published count cannot be identified.
    let late = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024, joinpoints: [2015])
    Self.expectInvalid("cannot be identified") {
      _ = try CompositeLink.fit(.poisson, buckets: good.filter { $0.last <= 2012 }, design: late)
    }
    var m = design.matrix
    m[3, 1] = .infinity
    Self.expectInvalid("non-finite") {
      _ = try CompositeLink.fit(.poisson, buckets: good, firstYear: 1993, design: m, names: design.names)
    }
    Self.expectInvalid("2 names for 3") {
      _ = try CompositeLink.fit(.poisson, buckets: good, firstYear: 1993, design: design.matrix, names: ["a", "b"])
    }
    Self.expectInvalid("confidence level") {
      _ = try CompositeLink.fit(.poisson, buckets: good, design: design, options: CompositeLinkOptions(level: 1.5))
    }
    Self.expectInvalid("strictly between") {
      _ = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024, joinpoints: [2024])
    }
    Self.expectInvalid("strictly between") {
      _ = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024, joinpoints: [.nan])
    }
    Self.expectInvalid("given twice") {
      _ = try CompositeLinkDesign.trend(firstYear: 1993, lastYear: 2024, joinpoints: [2000, 2000])
    }
    Self.expectInvalid("at least two") { _ = try CompositeLinkDesign.trend(firstYear: 2024, lastYear: 1993) }
    let fitted = try CompositeLink.fit(.poisson, buckets: good, design: design)
    Self.expectInvalid("not all modelled") { _ = try fitted.checkCumulative(stated: 34_314, through: 2030) }
    Self.expectInvalid("wrong order") { _ = try fitted.checkCumulative(stated: 1, through: 2000, from: 2010) }
    Self.expectInvalid("stated total") { _ = try fitted.checkCumulative(stated: -1, through: 2024) }
    Self.expectInvalid("tolerance") { _ = try fitted.checkCumulative(stated: 1, through: 2024, tolerance: .nan) }
    Self.expectInvalid("confidence level") { _ = try fitted.yearMeans(level: 0) }
  }
}
