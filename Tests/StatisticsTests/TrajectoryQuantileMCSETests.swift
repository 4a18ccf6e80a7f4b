import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// The quantiles' Monte Carlo standard errors (`PosteriorDiagnostics.quantileMCSE`) against R's
/// `posterior` 1.4.0 (`scripts/peers/trajectory/make-quantile-mcse-reference.R`).
@Suite("Quantile MCSE")
struct TrajectoryQuantileMCSETests {
  @Test("ESS and MCSE of quantiles equal posterior's on eight sets of chains")
  func againstPosterior() throws {
    var draws: [String: [Double]] = [:]
    for row in try Fixture.rows("trajectory-diagnostics-draws.csv") {
      let name = try #require(row["case"])
      draws[name, default: []].append(try #require(row["value"].flatMap(Double.init)))
    }
    let reference = try Fixture.rows("trajectory-quantile-mcse-reference.csv")
    #expect(reference.count == 40)
    for row in reference {
      let name = try #require(row["case"])
      let values = try #require(draws[name])
      let chains = try #require(row["chains"].flatMap(Int.init))
      let p = try #require(row["prob"].flatMap(Double.init))
      let ess = try #require(row["ess_quantile"].flatMap(Double.init))
      let mcse = try #require(row["mcse_quantile"].flatMap(Double.init))
      let gotESS = PosteriorDiagnostics.quantileESS(values, chains: chains, probability: p)
      let gotMCSE = PosteriorDiagnostics.quantileMCSE(values, chains: chains, probability: p)
      #expect(relativeDifference(gotESS, ess) < 1e-9, "\(name) p \(p): ESS \(gotESS) vs \(ess)")
      #expect(relativeDifference(gotMCSE, mcse) < 1e-12, "\(name) p \(p): MCSE \(gotMCSE) vs \(mcse)")
    }
  }

  /// Independent normal draws: the MCSEs of the median and the 5% quantile are close to their
  /// asymptotic values `√(p(1-p))/φ(z_p)/√S` (with 100 000 draws the estimator's own noise, an
  /// order-statistic spacing of a few hundred draws, is under 10%); degenerate input gives NaN.
  @Test("MCSE of independent normals and degenerate input")
  func independentNormals() {
    var g = SplitMix(state: 31)
    let count = 100_000
    let normals = (0..<count).map { _ in
      Normal.quantile(Double.random(in: Double.ulpOfOne...(1 - Double.ulpOfOne), using: &g))
    }
    for p in [0.5, 0.05] {
      let z = Normal.quantile(p)
      let density: Double = Foundation.exp(-z * z / 2) / (2 * Double.pi).squareRoot()
      let asymptotic: Double = (p * (1 - p)).squareRoot() / density / Double(count).squareRoot()
      let mcse = PosteriorDiagnostics.quantileMCSE(normals, chains: 4, probability: p)
      #expect(abs(mcse - asymptotic) < 0.25 * asymptotic, "p \(p): MCSE \(mcse) vs \(asymptotic)")
    }
    #expect(PosteriorDiagnostics.quantileMCSE([Double](repeating: 1, count: 400), chains: 4, probability: 0.5).isNaN)
    #expect(PosteriorDiagnostics.quantileMCSE(Array(normals[0..<12]), chains: 4, probability: 0.5).isNaN)
    #expect(PosteriorDiagnostics.quantileMCSE(Array(normals[0..<400]), chains: 4, probability: 1.5).isNaN)
  }
}
