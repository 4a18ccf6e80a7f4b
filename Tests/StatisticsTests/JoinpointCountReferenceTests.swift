import Foundation
import TestSupport
import Testing

@testable import Statistics

/// Joinpoint fits of counts against an independent exhaustive search in R
/// (scripts/peers/joinpoint-count/make-joinpoint-count-reference.R: `glm(family = poisson)`,
/// `MASS::glm.nb` and `lm(weights = y)` on the hinge design for every admissible placement).
@Suite("Joinpoint of counts agrees with an exhaustive glm / glm.nb / weighted lm search in R")
struct JoinpointCountReferenceTests {
  struct Series: Sendable {
    var years: [Int] = []
    var counts: [Double] = []
    var exposure: [Double] = []
  }

  struct Case: Sendable, CustomStringConvertible {
    var name: String
    var model: String
    var k: Int
    var description: String { "\(name) \(model) K=\(k)" }
  }

  static func rows(_ name: String) -> [[String: String]] {
    (try? Fixtures.csv("joinpoint/\(name)")) ?? []
  }

  static let series: [String: Series] = {
    var out: [String: Series] = [:]
    for r in rows("count-cases.csv") {
      guard let c = r["case"], let y = Int(r["year"] ?? ""), let n = Double(r["count"] ?? ""),
        let e = Double(r["exposure"] ?? "")
      else { continue }
      out[c, default: Series()].years.append(y)
      out[c, default: Series()].counts.append(n)
      out[c, default: Series()].exposure.append(e)
    }
    return out
  }()

  /// reference["case/model/K"]["quantity"][index]
  static let reference: [String: [String: [Int: Double]]] = {
    var out: [String: [String: [Int: Double]]] = [:]
    for r in rows("count-reference.csv") {
      guard let c = r["case"], let m = r["model"], let k = r["k"], let q = r["quantity"],
        let i = Int(r["index"] ?? ""), let v = Double(r["value"] ?? "")
      else { continue }
      out["\(c)/\(m)/\(k)", default: [:]][q, default: [:]][i] = v
    }
    return out
  }()

  static let cases: [Case] = reference.keys.sorted().compactMap { key in
    let parts = key.split(separator: "/").map(String.init)
    guard parts.count == 3, let k = Int(parts[2]), k >= 0 else { return nil }
    return Case(name: parts[0], model: parts[1], k: k)
  }

  static let selections: [Case] = reference.keys.sorted().compactMap { key in
    let parts = key.split(separator: "/").map(String.init)
    guard parts.count == 3, parts[2] == "-1" else { return nil }
    return Case(name: parts[0], model: parts[1], k: -1)
  }

  static func buckets(_ s: Series) -> [CompositeBucket] {
    zip(s.years, s.counts).map { CompositeBucket(year: $0, count: $1) }
  }

  @Test("fixtures are present: 22 series, Poisson and weighted for each, negative binomial for most")
  func fixturesPresent() {
    #expect(Self.series.count == 22)
    #expect(Self.cases.filter { $0.model == "poisson" }.count >= 22 * 2)
    #expect(Self.cases.filter { $0.model == "weighted" }.count >= 22 * 2)
    #expect(Self.cases.filter { $0.model == "negbin" }.count >= 20)
    #expect(Self.selections.count >= 30)
  }

  @Test("joinpoints and coefficients match R to 1e-6", arguments: cases)
  func matchesR(_ c: Case) throws {
    let s = try #require(Self.series[c.name])
    let ref = try #require(Self.reference["\(c.name)/\(c.model)/\(c.k)"])
    let expected = c.k == 0 ? [] : (1...c.k).compactMap { ref["joinpoint"]?[$0] }
    var worst: [String: Double] = [:]
    func check(_ q: String, _ a: Double, _ b: Double?, tolerance: Double, floor: Double = 1) {
      guard let b else {
        Issue.record("missing reference \(q)")
        return
      }
      let e = relativeDifference(a, b, floor: floor)
      worst[q] = max(worst[q] ?? 0, e)
      #expect(e <= tolerance, "\(q): \(a) vs R \(b)")
    }
    let first = try #require(s.years.first)
    let last = try #require(s.years.last)
    switch c.model {
    case "weighted":
      let fit = try Joinpoint.fit(
        years: s.years.map(Double.init), logRates: zip(s.counts, s.exposure).map { log($0 / $1) },
        weights: s.counts, joinpoints: c.k)
      #expect(fit.joinpoints == expected)
      guard fit.joinpoints == expected else { return }
      for (j, b) in fit.coefficients.enumerated() {
        check("coefficient", b, ref["coefficient"]?[j], tolerance: 1e-6)
        check("se", fit.covariance[j, j].squareRoot(), ref["se"]?[j], tolerance: 1e-6, floor: 0)
      }
      check("rss", fit.rss, ref["rss"]?[0], tolerance: 1e-9, floor: 0)
    default:
      let family: CompositeLinkFamily = c.model == "negbin" ? .negativeBinomial : .poisson
      let fit = try JoinpointCount.fit(
        family, buckets: Self.buckets(s), firstYear: first, lastYear: last, exposure: s.exposure, joinpoints: c.k)
      #expect(fit.joinpoints == expected)
      guard fit.joinpoints == expected else { return }
      for (j, b) in fit.segmented.coefficients.enumerated() {
        check("coefficient", b, ref["coefficient"]?[j], tolerance: 1e-6)
        // glm.nb's standard errors hold θ fixed; reconcile's allow for θ being estimated.
        if family == .poisson {
          check("se", fit.segmented.covariance[j, j].squareRoot(), ref["se"]?[j], tolerance: 1e-6, floor: 0)
        }
      }
      check("loglik", fit.logLikelihood, ref["loglik"]?[0], tolerance: 1e-9)
      if family == .poisson {
        check("dispersion", fit.pearsonDispersion, ref["dispersion"]?[0], tolerance: 1e-6, floor: 0)
        let aapc = try Joinpoint.aapc(
          fit.segmented, from: Double(s.years[1]), to: Double(s.years[s.years.count - 2]))
        check("aapcSlope", aapc.slope, ref["aapcSlope"]?[0], tolerance: 1e-6, floor: aapc.standardError)
        check("aapcSE", aapc.standardError, ref["aapcSE"]?[0], tolerance: 1e-6, floor: 0)
        // (R writes the statistic only where glm.nb's θ stays below 1e6: past it glm.nb's
        // log-likelihood loses its digits.)
        if let lr = ref["lrNB"]?[0] {
          let nb = try JoinpointCount.fit(
            .negativeBinomial, buckets: Self.buckets(s), firstYear: first, lastYear: last, exposure: s.exposure,
            at: fit.joinpoints)
          check("lrNB", 2 * (nb.logLikelihood - fit.logLikelihood), lr, tolerance: 1e-5)
        }
      }
      if family == .negativeBinomial {
        check("theta", fit.composite.theta ?? .nan, ref["theta"]?[0], tolerance: 1e-5, floor: 0)
      }
    }
    let line = worst.keys.sorted().map { "\($0)=\(String(format: "%.1e", worst[$0] ?? 0))" }.joined(separator: " ")
    print("joinpoint-count-vs-R \(c): \(line)")
  }

  @Test("BIC chooses the number of joinpoints R's BIC chooses", arguments: selections)
  func selectionMatchesR(_ c: Case) throws {
    let s = try #require(Self.series[c.name])
    let expected = try #require(Self.reference["\(c.name)/\(c.model)/-1"]?["chosenK"]?[0])
    let family: CompositeLinkFamily = c.model == "negbin" ? .negativeBinomial : .poisson
    let first = try #require(s.years.first)
    let last = try #require(s.years.last)
    let sel = try JoinpointCount.select(
      family, buckets: Self.buckets(s), firstYear: first, lastYear: last, exposure: s.exposure, maxJoinpoints: 3)
    #expect(Double(sel.chosen) == expected)
    #expect(sel.best.joinpoints == sel.fits[sel.chosen].joinpoints)
  }
}
