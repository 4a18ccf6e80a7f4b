import Foundation
import Testing

@testable import Statistics

/// Selection, AAPC identities and input validation for `Joinpoint`.
@Suite("Joinpoint selection, AAPC and input checks")
struct JoinpointTests {
  /// MoU arrivals 1993–2002; 2002 covers 211 of 365 days.
  static let mouYears = (1993...2002).map(Double.init)
  static let mouLogRates: [Double] = {
    let counts: [Double] = [8, 51, 41, 56, 86, 71, 148, 312, 583, 629]
    let exposure = [Double](repeating: 1, count: 9) + [211.0 / 365.0]
    return zip(counts, exposure).map { log($0 / $1) }
  }()

  /// Deterministic N(0, sd²) noise (Box–Muller on SplitMix64).
  static func noise(_ n: Int, sd: Double, seed: UInt64) -> [Double] {
    var g = SplitMix64(seed: seed)
    return (0..<n).map { _ in
      let u1 = (Double(g.next() >> 11) + 0.5) / 9_007_199_254_740_992
      let u2 = Double(g.next() >> 11) / 9_007_199_254_740_992
      return sd * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
  }

  static let years20 = (2000..<2020).map(Double.init)
  static let straight: [Double] = zip(years20, noise(20, sd: 0.02, seed: 7)).map { 1 + 0.05 * ($0 - 2000) + $1 }
  static let broken: [Double] = zip(years20, noise(20, sd: 0.02, seed: 11)).map {
    1 + 0.15 * ($0 - 2000) - 0.3 * max($0 - 2009, 0) + $1
  }

  @Test("permutation selection is deterministic for a fixed seed")
  func deterministic() throws {
    let method = JoinpointSelectionMethod.permutation(permutations: 199, seed: 42)
    let a = try Joinpoint.select(years: Self.years20, logRates: Self.broken, maxJoinpoints: 3, method: method)
    let b = try Joinpoint.select(years: Self.years20, logRates: Self.broken, maxJoinpoints: 3, method: method)
    #expect(a.report.chosen == b.report.chosen)
    #expect(a.report.tests == b.report.tests)
    #expect(a.best.joinpoints == b.best.joinpoints)
    let c = try Joinpoint.select(
      years: Self.years20, logRates: Self.straight, maxJoinpoints: 3,
      method: .permutation(permutations: 199, seed: 43))
    let d = try Joinpoint.select(
      years: Self.years20, logRates: Self.straight, maxJoinpoints: 3,
      method: .permutation(permutations: 199, seed: 43))
    #expect(c.report.tests.map(\.pValue) == d.report.tests.map(\.pValue))
  }

  @Test(
    "a straight line with small noise selects K = 0",
    arguments: [
      JoinpointSelectionMethod.permutation(permutations: 499, seed: 2024), .bic,
    ])
  func straightLine(_ method: JoinpointSelectionMethod) throws {
    let (fit, report) = try Joinpoint.select(
      years: Self.years20, logRates: Self.straight, maxJoinpoints: 3, method: method)
    #expect(report.chosen == 0)
    #expect(fit.k == 0)
    #expect(report.maxJoinpoints == 3)
    #expect(abs(fit.segments[0].slope - 0.05) < 0.01)
  }

  @Test(
    "a clearly broken line selects K = 1 at the break",
    arguments: [
      JoinpointSelectionMethod.permutation(permutations: 499, seed: 2024), .bic,
    ])
  func brokenLine(_ method: JoinpointSelectionMethod) throws {
    let (fit, report) = try Joinpoint.select(
      years: Self.years20, logRates: Self.broken, maxJoinpoints: 3, method: method)
    #expect(report.chosen == 1)
    #expect(fit.joinpoints == [2009])
    #expect(fit.selection?.chosen == 1)
    if case .permutation = method {
      #expect(report.tests.first?.nullJoinpoints == 0)
      #expect(report.tests.first?.alternativeJoinpoints == 3)
      #expect(report.tests.first?.level == 0.05 / 3)
    } else {
      #expect(report.tests.isEmpty)
    }
  }

  @Test("weighted selection finds the break too")
  func weighted() throws {
    let w = Self.years20.map { 0.5 + ($0 - 2000) / 10 }
    let y = Self.broken  // same series, weights vary smoothly
    for method in [JoinpointSelectionMethod.permutation(permutations: 299, seed: 5), .bic] {
      let (fit, report) = try Joinpoint.select(
        years: Self.years20, logRates: y, weights: w, maxJoinpoints: 2, method: method)
      #expect(report.chosen == 1)
      #expect(fit.joinpoints == [2009])
    }
  }

  @Test("BIC follows NCI's formula ln(SSE/n) + (2k+2) ln(n)/n")
  func bicFormula() throws {
    let (_, report) = try Joinpoint.select(
      years: Self.years20, logRates: Self.broken, maxJoinpoints: 2, method: .bic)
    for k in 0...2 {
      let fit = try Joinpoint.fit(years: Self.years20, logRates: Self.broken, joinpoints: k)
      #expect(abs(report.rss[k] - fit.rss) <= 1e-10 * fit.rss)
      let expected = log(fit.rss / 20) + Double(2 * k + 2) * log(20.0) / 20
      #expect(abs(report.bic[k] - expected) < 1e-9)
    }
  }

  @Test("AAPC over one segment equals that segment's APC")
  func aapcOneSegment() throws {
    let fit = try Joinpoint.fit(years: Self.years20, logRates: Self.broken, joinpoints: 1)
    for s in fit.segments {
      let a = try Joinpoint.aapc(fit, from: s.from, to: s.to)
      #expect(a == s.apc)
      let inner = try Joinpoint.aapc(fit, from: s.from + 0.5, to: s.to - 0.5)
      #expect(inner == s.apc)
    }
    // Across the joinpoint: the length-weighted mean of the two slopes.
    let a = try Joinpoint.aapc(fit, from: 2000, to: 2019)
    let s = fit.segments
    let w0 = (s[0].to - 2000) / 19
    #expect(abs(a.slope - (w0 * s[0].slope + (1 - w0) * s[1].slope)) < 1e-12)
    #expect(a.df == nil)
    #expect(a.low < a.estimate && a.estimate < a.high)
  }

  @Test("AAPC of a straight-line fit equals its APC")
  func aapcStraight() throws {
    let fit = try Joinpoint.fit(years: Self.years20, logRates: Self.straight, joinpoints: 0)
    let a = try Joinpoint.aapc(fit, from: 2000, to: 2019)
    #expect(a == fit.segments[0].apc)
    #expect(a.df == 18)
    #expect(abs(a.estimate - 100 * (exp(a.slope) - 1)) < 1e-12)
  }

  @Test("APC interval uses t with n − (2K + 2) degrees of freedom")
  func apcInterval() throws {
    let fit = try Joinpoint.fit(years: Self.years20, logRates: Self.broken, joinpoints: 1)
    #expect(fit.df == 16)
    #expect(fit.residualDF == 17)
    let s = fit.segments[1]
    // t(16) 0.975 quantile = 2.119905299221...
    let q = 2.1199052992210112
    #expect(abs(s.apc.low - 100 * (exp(s.slope - q * s.slopeSE) - 1)) < 1e-9)
    #expect(abs(s.apc.high - 100 * (exp(s.slope + q * s.slopeSE) - 1)) < 1e-9)
  }

  @Test("uncentred coefficients reproduce the fitted values")
  func coefficients() throws {
    let fit = try Joinpoint.fit(years: Self.mouYears, logRates: Self.mouLogRates, joinpoints: 2)
    for (i, t) in Self.mouYears.enumerated() {
      var v = fit.coefficients[0] + fit.coefficients[1] * t
      for (k, tau) in fit.joinpoints.enumerated() { v += fit.coefficients[k + 2] * max(t - tau, 0) }
      #expect(abs(v - fit.fitted[i]) < 1e-9)
    }
  }

  @Test("the MoU series: both selection methods")
  func mou() throws {
    let perm = try Joinpoint.select(
      years: Self.mouYears, logRates: Self.mouLogRates, maxJoinpoints: 3,
      method: .permutation(permutations: 4499, seed: 20_021_130))
    let bic = try Joinpoint.select(
      years: Self.mouYears, logRates: Self.mouLogRates, maxJoinpoints: 3, method: .bic)
    #expect(perm.report.maxJoinpoints == 2)  // n = 10 admits at most 2 under the (2, 2) rule
    #expect(bic.report.maxJoinpoints == 2)
    for (name, r) in [("permutation", perm), ("BIC", bic)] {
      var line = "MoU \(name): K=\(r.report.chosen) joinpoints=\(r.best.joinpoints)"
      for t in r.report.tests {
        line +=
          " [H0 k=\(t.nullJoinpoints) vs k=\(t.alternativeJoinpoints): T=\(t.statistic) p=\(t.pValue) level=\(t.level) reject=\(t.rejected)]"
      }
      line += " BIC=\(r.report.bic) RSS=\(r.report.rss)"
      for s in r.best.segments {
        line += String(
          format: " | %.0f–%.0f APC %.2f (%.2f, %.2f)", s.from, s.to, s.apc.estimate, s.apc.low, s.apc.high)
      }
      let a = try Joinpoint.aapc(r.best, from: 1993, to: 2002)
      line += String(format: " | AAPC 1993–2002 %.2f (%.2f, %.2f)", a.estimate, a.low, a.high)
      print(line)
    }
  }

  @Test("grid search finds a break between observations")
  func grid() throws {
    let y = Self.years20.map { 1 + 0.1 * ($0 - 2000) - 0.3 * max($0 - 2009.5, 0) }
    let fit = try Joinpoint.fit(
      years: Self.years20, logRates: y, joinpoints: 1, options: JoinpointOptions(gridPerUnit: 2))
    #expect(fit.joinpoints == [2009.5])
    #expect(fit.rss < 1e-20)
  }

  @Test("ties in RSS go to the first placement in lexicographic order")
  func ties() throws {
    // y = |t − 3| on 0…6 is fitted exactly with the joinpoint at 3.
    let t = (0...6).map(Double.init)
    let y = t.map { abs($0 - 3) }
    let fit = try Joinpoint.fit(years: t, logRates: y, joinpoints: 1)
    #expect(fit.joinpoints == [3])
    // z is symmetric about t = 3, so joinpoints at 2 and 4 give the same RSS (and 3 a larger one).
    let z: [Double] = [0, 0, 1, 0, 1, 0, 0]
    let g = try Joinpoint.fit(years: t, logRates: z, joinpoints: 1)
    #expect(g.joinpoints == [2])  // 2 and 4 tie by symmetry; 2 comes first
  }

  @Test("bad input throws instead of trapping")
  func badInput() {
    let t = Self.years20
    let y = Self.straight
    #expect(throws: StatisticsError.self) { try Joinpoint.fit(years: t, logRates: Array(y.dropLast()), joinpoints: 1) }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: t, logRates: y, weights: [1, 2], joinpoints: 1)
    }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: t, logRates: [.nan] + y.dropFirst(), joinpoints: 1)
    }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: [.infinity] + t.dropFirst(), logRates: y, joinpoints: 1)
    }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: t.reversed(), logRates: y, joinpoints: 1)
    }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: t, logRates: y, weights: [0] + Array(repeating: 1, count: 19), joinpoints: 1)
    }
    #expect(throws: StatisticsError.self) { try Joinpoint.fit(years: t, logRates: y, joinpoints: -1) }
    // Too short: 10 observations admit 2 joinpoints, not 3; 4 observations admit none.
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: Self.mouYears, logRates: Self.mouLogRates, joinpoints: 3)
    }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: [1, 2, 3, 4], logRates: [0, 1, 0, 1], joinpoints: 1)
    }
    #expect(throws: StatisticsError.self) { try Joinpoint.fit(years: [1, 2], logRates: [0, 1], joinpoints: 0) }
    #expect(throws: StatisticsError.self) { try Joinpoint.fit(years: [], logRates: [], joinpoints: 0) }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.select(
        years: t, logRates: y, maxJoinpoints: 2, method: .permutation(permutations: 0, seed: 1))
    }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(years: t, logRates: y, joinpoints: 1, options: JoinpointOptions(gridPerUnit: -1))
    }
    #expect(throws: StatisticsError.self) {
      try Joinpoint.fit(
        years: t, logRates: y, joinpoints: 5, options: JoinpointOptions(gridPerUnit: 100, maxCandidateSets: 1000))
    }
    #expect(throws: StatisticsError.self) { try Joinpoint.fit(years: t, logRates: y, at: [2030]) }
    #expect(throws: StatisticsError.self) { try Joinpoint.fit(years: t, logRates: y, at: [2010, 2005]) }
    if let fit = try? Joinpoint.fit(years: t, logRates: y, joinpoints: 0) {
      #expect(throws: StatisticsError.self) { try Joinpoint.aapc(fit, from: 2010, to: 2005) }
      #expect(throws: StatisticsError.self) { try Joinpoint.aapc(fit, from: 1990, to: 2005) }
      #expect(throws: StatisticsError.self) { try Joinpoint.aapc(fit, from: 2000, to: .nan) }
    }
  }

  @Test("a short series lowers the maximum number of joinpoints in select")
  func shortSeries() throws {
    #expect(Joinpoint.maximumJoinpoints(years: Self.mouYears) == 2)
    #expect(Joinpoint.maximumJoinpoints(years: [1, 2, 3, 4]) == 0)
    #expect(Joinpoint.maximumJoinpoints(years: [1, 2, 3, 4, 5]) == 1)
    let (fit, report) = try Joinpoint.select(
      years: [1, 2, 3, 4], logRates: [0, 0.1, 0.25, 0.3], maxJoinpoints: 3, method: .bic)
    #expect(report.maxJoinpoints == 0)
    #expect(report.requestedMaxJoinpoints == 3)
    #expect(fit.k == 0)
  }
}
