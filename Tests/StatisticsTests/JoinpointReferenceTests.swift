import Foundation
import TestSupport
import Testing

@testable import Statistics

/// Joinpoint fits against an independent exhaustive search in R
/// (scripts/peers/joinpoint/make-joinpoint-reference.R: lm() on the hinge design for every
/// admissible placement, vcov() and predict(se.fit = TRUE) for the best one).
@Suite("Joinpoint agrees with an exhaustive lm() search in R")
struct JoinpointReferenceTests {
  struct Case: Sendable, CustomStringConvertible {
    var name: String
    var k: Int
    var grid: Int
    var years: [Double]
    var y: [Double]
    var weights: [Double]?
    var description: String { "\(name) K=\(k)" }
  }

  /// Rows of `Tests/Fixtures/joinpoint/<name>` (none when it is missing; `fixturesPresent` fails then).
  static func rows(_ name: String) -> [[String: String]] {
    (try? Fixtures.csv("joinpoint/\(name)")) ?? []
  }

  static let cases: [Case] = {
    var order: [String] = []
    var byName: [String: Case] = [:]
    for r in rows("joinpoint-cases.csv") {
      guard let name = r["case"], let grid = Int(r["grid"] ?? ""), let t = Double(r["year"] ?? ""),
        let y = Double(r["y"] ?? "")
      else { continue }
      if byName[name] == nil {
        order.append(name)
        byName[name] = Case(name: name, k: 0, grid: grid, years: [], y: [], weights: nil)
      }
      byName[name]?.years.append(t)
      byName[name]?.y.append(y)
      if let w = Double(r["weight"] ?? "") {
        let previous = byName[name]?.weights ?? []
        byName[name]?.weights = previous + [w]
      }
    }
    return order.compactMap { byName[$0] }.flatMap { c in
      [1, 2].map { k in
        var d = c
        d.k = k
        return d
      }
    }
  }()

  /// reference["case/K"]["quantity"][index]
  static let reference: [String: [String: [Int: Double]]] = {
    var out: [String: [String: [Int: Double]]] = [:]
    for r in rows("joinpoint-reference.csv") {
      guard let c = r["case"], let k = r["k"], let q = r["quantity"], let i = Int(r["index"] ?? ""),
        let v = Double(r["value"] ?? "")
      else { continue }
      out["\(c)/\(k)", default: [:]][q, default: [:]][i] = v
    }
    return out
  }()

  @Test("fixtures are present") func fixturesPresent() {
    #expect(Self.cases.count >= 2 * 21)
    #expect(Self.reference.count == Self.cases.count)
  }

  @Test("joinpoints, RSS, slopes, SEs, AAPC and fitted values match R", arguments: cases)
  func matchesR(_ c: Case) throws {
    let ref = try #require(Self.reference["\(c.name)/\(c.k)"])
    let fit = try Joinpoint.fit(
      years: c.years, logRates: c.y, weights: c.weights, joinpoints: c.k,
      options: JoinpointOptions(gridPerUnit: c.grid))
    let jp = (1...c.k).compactMap { ref["joinpoint"]?[$0] }
    #expect(fit.joinpoints == jp)
    guard fit.joinpoints == jp else { return }
    let tol = 1e-9
    var worst: [String: Double] = [:]
    func check(_ q: String, _ a: Double, _ b: Double?, floor: Double = 0) {
      guard let b else {
        Issue.record("missing reference \(q)")
        return
      }
      let e = relativeDifference(a, b, floor: floor)
      worst[q] = max(worst[q] ?? 0, e)
      #expect(e <= tol, "\(q): \(a) vs R \(b)")
    }
    check("rss", fit.rss, ref["rss"]?[0])
    for (j, s) in fit.segments.enumerated() {
      // Slopes can be near zero: relative to max(|slope|, its SE).
      check("slope", s.slope, ref["slope"]?[j], floor: s.slopeSE)
      check("slopeSE", s.slopeSE, ref["slopeSE"]?[j])
    }
    let first = c.years[0]
    let last = c.years[c.years.count - 1]
    let aapc = try Joinpoint.aapc(fit, from: first, to: last)
    check("aapcSlope", aapc.slope, ref["aapcSlope"]?[0], floor: aapc.standardError)
    check("aapcSE", aapc.standardError, ref["aapcSE"]?[0])
    for i in c.years.indices {
      check("fitted", fit.fitted[i], ref["fitted"]?[i])
      check("fittedSE", fit.fittedSE[i], ref["fittedSE"]?[i])
    }
    let line = worst.keys.sorted().map { "\($0)=\(String(format: "%.1e", worst[$0] ?? 0))" }.joined(separator: " ")
    print("joinpoint-vs-R \(c.name) K=\(c.k): \(line)")
  }
}
