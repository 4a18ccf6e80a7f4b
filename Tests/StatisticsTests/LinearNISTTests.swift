import Foundation
import Numerics
import StRD
import TestSupport
import Testing

@testable import Statistics

/// The 11 NIST StRD linear regression sets through `LinearModel` (the code behind
/// `reconcile fit --model ols`). Data and certified values are read from the .dat files at
/// test time; nothing certified is copied into the code.
@Suite("NIST StRD linear regression")
struct LinearNISTTests {
  static let files: [URL] = StRD.files(.linear)

  /// The model NIST specifies, as `fit` options: no intercept for NoInt1/2, a polynomial in x
  /// for one-predictor sets with more than two parameters, all predictors otherwise.
  static func model(_ set: StRDDataset) throws -> (design: Matrix, names: [String], intercept: Bool) {
    let n = set.observationCount
    let xs = Array(set.variables.dropFirst())
    let p = set.certified.count
    let noIntercept = set.name.hasPrefix("NoInt")
    var columns: [[Double]] = noIntercept ? [] : [Array(repeating: 1, count: n)]
    var names: [String] = noIntercept ? [] : ["(Intercept)"]
    if xs.count == 1 {
      let x = set.column(1)
      let degree = noIntercept ? p : p - 1
      for d in 1...degree {
        columns.append(x.map { pow($0, Double(d)) })
        names.append(d == 1 ? "x" : "x^\(d)")
      }
    } else {
      for j in 1...xs.count {
        columns.append(set.column(j))
        names.append(xs[j - 1])
      }
    }
    return (try Matrix(columns: columns), names, !noIntercept)
  }

  @Test func allElevenSetsArePresent() {
    #expect(Self.files.count == 11)
  }

  @Test("Every coefficient and standard error: LRE ≥ 9 (Filip ≥ 7)", arguments: files)
  func certifiedDigits(_ url: URL) throws {
    let set = try StRD.load(path: url.path)
    let (design, names, intercept) = try Self.model(set)
    #expect(design.columns == set.certified.count)
    let fit = try LinearModel.fit(design: design, response: set.response, names: names, hasIntercept: intercept)
    let floor = set.name == "Filip" ? 7.0 : 9.0
    for (p, c) in zip(fit.parameters, set.certified) {
      #expect(
        logRelativeError(p.estimate, c.estimate) >= floor, "\(set.name) \(c.name): \(p.estimate) vs \(c.estimate)")
      if c.standardError != 0 {
        #expect(
          logRelativeError(p.standardError, c.standardError) >= floor,
          "\(set.name) SE \(c.name): \(p.standardError) vs \(c.standardError)")
      } else {
        #expect(p.standardError < 1e-13 * max(1, abs(p.estimate)), "\(set.name) SE \(c.name) should be 0")
      }
    }
    if let sd = set.residualSD, sd != 0 {
      #expect(logRelativeError(try #require(fit.residualSD), sd) >= floor)
    }
    if let r2 = set.rSquared {
      #expect(
        logRelativeError(try #require(fit.rSquared), r2) >= floor, "\(set.name) R² \(fit.rSquared ?? .nan) vs \(r2)")
    }
  }
}
