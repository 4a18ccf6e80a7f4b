import Foundation
import Numerics
import TestSupport
import Testing

/// A least-squares case from `Tests/Fixtures/numerics/leastsquares.csv`, written by
/// `scripts/peers/numerics/make-leastsquares-reference.R` (R's `lm.wfit` and
/// `solve(crossprod(sqrt(w) * X))`).
struct LMCase: Sendable {
  var x: [Int: [Int: Double]] = [:]
  var y: [Int: Double] = [:]
  var w: [Int: Double] = [:]
  var coef: [Int: Double?] = [:]
  var cov: [Int: [Int: Double]] = [:]
  var rss = Double.nan
  var resid: [Int: Double] = [:]

  static let all: [String: LMCase] = {
    let path = Fixtures.path("numerics/leastsquares.csv")
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
    var cases: [String: LMCase] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("case,") {
      let f = line.split(separator: ",").map(String.init)
      guard f.count == 5, let i = Int(f[2]), let j = Int(f[3]) else { continue }
      let v = Double(f[4])
      var c = cases[f[0]] ?? LMCase()
      switch f[1] {
      case "x": c.x[i, default: [:]][j] = v
      case "y": c.y[i] = v
      case "w": c.w[i] = v
      case "coef": c.coef[j] = .some(v)
      case "cov": c.cov[i, default: [:]][j] = v
      case "rss": c.rss = v ?? .nan
      case "resid": c.resid[i] = v
      default: break
      }
      cases[f[0]] = c
    }
    return cases
  }()

  var n: Int { y.count }
  var p: Int { coef.count }
  func design() throws -> Matrix {
    var columns: [[Double]] = []
    for j in 1...p { columns.append((1...n).map { x[$0]?[j] ?? .nan }) }
    return try Matrix(columns: columns)
  }
}

@Suite("Least squares against R's lm.wfit")
struct LeastSquaresReferenceTests {
  @Test(
    "Coefficients, aliasing, covariance, RSS and residuals match R", arguments: ["weighted3", "unweighted4", "aliased"])
  func matchesR(name: String) throws {
    let c = try #require(LMCase.all[name], "fixture case \(name) missing")
    let fit = try LeastSquares.solve(
      design: try c.design(), response: (1...c.n).map { c.y[$0] ?? .nan },
      weights: (1...c.n).map { c.w[$0] ?? .nan })
    for j in 1...c.p {
      let expected = c.coef[j] ?? nil
      if let e = expected {
        #expect(!fit.aliased[j - 1])
        #expect(abs(fit.coefficients[j - 1] - e) <= 1e-12 * max(1, abs(e)), "coef \(j)")
      } else {
        #expect(fit.aliased[j - 1], "R aliases column \(j)")
        #expect(fit.coefficients[j - 1].isNaN)
      }
    }
    for (i, row) in c.cov {
      for (j, e) in row {
        #expect(abs(fit.unscaledCovariance[i - 1, j - 1] - e) <= 1e-12 * max(1, abs(e)), "cov \(i),\(j)")
      }
    }
    #expect(abs(fit.residualSumOfSquares - c.rss) <= 1e-12 * c.rss)
    for i in 1...c.n { #expect(abs(fit.residuals[i - 1] - (c.resid[i] ?? .nan)) <= 1e-12) }
    #expect(fit.rank == c.coef.values.filter { $0 != nil }.count)
  }
}
