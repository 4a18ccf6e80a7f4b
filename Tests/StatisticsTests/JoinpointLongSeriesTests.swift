import Foundation
import Testing

@testable import Statistics

/// The table search (`GramHingeSearch`) that long series use, against the QR per placement
/// (`HingeSearch`) that the R reference tests pin, and the bound on the search's work.
@Suite("Joinpoint on long series")
struct JoinpointLongSeriesTests {
  /// A broken line with two changes of slope and N(0, sd²) noise, `r` responses (the first the
  /// series, the others with independent noise), column-major.
  static func responses(n: Int, r: Int, sd: Double, seed: UInt64) -> (years: [Double], z: [Double]) {
    let years = (0..<n).map { Double(1900 + $0) }
    var z: [Double] = []
    for c in 0..<r {
      let e = JoinpointTests.noise(n, sd: sd, seed: seed &+ UInt64(c))
      for i in 0..<n {
        let t = Double(i) / Double(n)
        z.append(2 + 1.5 * t + 3 * max(t - 0.35, 0) - 5 * max(t - 0.7, 0) + e[i])
      }
    }
    return (years, z)
  }

  @Test(
    "Every response's best placement and RSS agree with the QR per placement",
    arguments: [(n: 24, k: 1), (n: 24, k: 2), (n: 31, k: 3), (n: 40, k: 2)])
  func tablesAgreeWithQR(_ c: (n: Int, k: Int)) throws {
    let r = 40
    let (years, z) = Self.responses(n: c.n, r: r, sd: 0.05, seed: UInt64(c.n * 10 + c.k))
    let candidates = JoinpointCandidates(years: years, gridPerUnit: 0, minEnd: 2, minBetween: 2)
    let weights = [Double](repeating: 1, count: c.n)
    var qr = try HingeSearch(periods: years, sqrtWeights: weights, responses: z, r: r, maxJoinpoints: c.k)
    let tables = try GramHingeSearch(
      periods: years, sqrtWeights: weights, responses: z, r: r, positions: candidates.positions)
    for k in 0...c.k {
      let a = try qr.best(k, candidates: candidates)
      let b = tables.best(k, candidates: candidates)
      for col in 0..<r {
        #expect(abs(a.rss[col] - b.rss[col]) <= 1e-9 * max(a.rss[col], 1e-300), "k \(k) response \(col)")
        #expect(a.sets[col] == b.sets[col], "k \(k) response \(col): \(a.sets[col]) vs \(b.sets[col])")
      }
    }
  }

  @Test("Weighted series and a grid between observations: the same placements as the QR")
  func weightedGrid() throws {
    let n = 20
    let r = 12
    let (years, z) = Self.responses(n: n, r: r, sd: 0.03, seed: 99)
    let weights = (0..<n).map { 0.5 + Double($0 % 5) / 4 }
    let sw = weights.map { $0.squareRoot() }
    let wz = (0..<(n * r)).map { z[$0] * sw[$0 % n] }
    let candidates = JoinpointCandidates(years: years, gridPerUnit: 2, minEnd: 2, minBetween: 2)
    var qr = try HingeSearch(periods: years, sqrtWeights: sw, responses: wz, r: r, maxJoinpoints: 2)
    let tables = try GramHingeSearch(
      periods: years, sqrtWeights: sw, responses: wz, r: r, positions: candidates.positions)
    for k in 1...2 {
      let a = try qr.best(k, candidates: candidates)
      let b = tables.best(k, candidates: candidates)
      #expect(a.sets == b.sets, "k \(k)")
      for col in 0..<r { #expect(abs(a.rss[col] - b.rss[col]) <= 1e-9 * a.rss[col], "k \(k) response \(col)") }
    }
  }

  /// An exact fit (RSS 0) has ties the tables must break as the QR does: the first placement.
  @Test("An exact broken line: the break found and its RSS at the rounding level")
  func exactFit() throws {
    let years = (0..<60).map(Double.init)
    let y = years.map { 1 + 0.1 * $0 - 0.25 * max($0 - 33, 0) }
    let candidates = JoinpointCandidates(years: years, gridPerUnit: 0, minEnd: 2, minBetween: 2)
    let tables = try GramHingeSearch(
      periods: years, sqrtWeights: [Double](repeating: 1, count: 60), responses: y, r: 1,
      positions: candidates.positions)
    let b = tables.best(1, candidates: candidates)
    #expect(b.sets[0].map { candidates.positions[$0] } == [33])
    #expect(b.rss[0] < 1e-20)
  }

  @Test("The search switches to the tables only where the QR's work is large")
  func switchPoint() {
    // The reference series (at most 29 points, 3 joinpoints, 1,000 permuted series) stay on the QR.
    let c29 = JoinpointCandidates(years: (0..<29).map(Double.init), gridPerUnit: 0, minEnd: 2, minBetween: 2)
    #expect(JoinpointSearch.usesQR(k: 3, n: 29, r: 1000, placements: c29.count(3)))
    let c100 = JoinpointCandidates(years: (0..<100).map(Double.init), gridPerUnit: 0, minEnd: 2, minBetween: 2)
    #expect(!JoinpointSearch.usesQR(k: 3, n: 100, r: 1000, placements: c100.count(3)))
  }

  @Test("Long series: how many joinpoints can be searched, by series length and method")
  func searchable() throws {
    func years(_ n: Int) -> [Double] { (0..<n).map { Double(1800 + $0) } }
    // 1,000 series (the permutation test): 200 periods still search 3 joinpoints
    // (C(192, 3) = 1,161,280 placements), 400 periods only 2.
    let s200 = try #require(Joinpoint.searchableJoinpoints(years: years(200), series: 1000))
    #expect(s200.joinpoints == 3)
    #expect(s200.placements[3] == 1_161_280)
    let s400 = try #require(Joinpoint.searchableJoinpoints(years: years(400), series: 1000))
    #expect(s400.joinpoints == 2)
    // BIC fits the observed series only: 400 periods search 3.
    #expect(Joinpoint.searchableJoinpoints(years: years(400), series: 1)?.joinpoints == 3)
  }

  /// 200 periods, the permutation test up to 3 joinpoints: the search finishes, finds the two
  /// breaks of the generating line, and its chosen fit is the QR refit at those joinpoints.
  @Test("200 periods: the permutation test runs and finds the breaks")
  func twoHundred() throws {
    let (years, z) = Self.responses(n: 200, r: 1, sd: 0.05, seed: 5)
    let started = Date()
    let (fit, report) = try Joinpoint.select(
      years: years, logRates: z, maxJoinpoints: 3, method: .permutation(permutations: 99, seed: 1))
    let seconds = Date().timeIntervalSince(started)
    #expect(report.maxJoinpoints == 3)
    #expect(fit.k >= 2)
    // The generating breaks at t = 0.35 and 0.7 of the span: years 1970 and 2040.
    #expect(fit.joinpoints.contains { abs($0 - 1970) <= 3 })
    #expect(fit.joinpoints.contains { abs($0 - 2040) <= 3 })
    let refit = try Joinpoint.fit(years: years, logRates: z, at: fit.joinpoints)
    #expect(abs(refit.rss - fit.rss) <= 1e-12 * fit.rss)
    // Generous for a debug build on a shared machine (a release build takes well under a second).
    #expect(seconds < 120)
  }
}
