import Foundation
import TestSupport
import Testing

@testable import Statistics

/// Invariances every estimator must have, checked on the metafor fixture inputs and on seeded
/// random data: permutation invariance, location and scale equivariance.
@Suite("Meta-analysis invariances")
struct MetaPropertyTests {
  /// Fixture cases where every estimator converges, plus 20 random sets.
  static let datasets: [(String, [Double], [Double])] = {
    var out: [(String, [Double], [Double])] = []
    for name in MetaFixture.caseNames where !name.hasPrefix("noconv") && !name.hasPrefix("localmax") {
      if let d = MetaFixture.inputs[name] { out.append((name, d.y, d.v)) }
    }
    var g = SplitMix(state: 42)
    for i in 0..<20 {
      let k = Int.random(in: 2...30, using: &g)
      let tau = Double.random(in: 0...1, using: &g)
      var y: [Double] = []
      var v: [Double] = []
      for _ in 0..<k {
        let vi = Double.random(in: 0.01...1, using: &g)
        // Box–Muller normal deviate.
        let u1 = Double.random(in: Double.ulpOfOne...1, using: &g)
        let u2 = Double.random(in: 0...1, using: &g)
        let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        v.append(vi)
        y.append(0.5 + z * (vi + tau * tau).squareRoot())
      }
      out.append(("random\(i)", y, v))
    }
    return out
  }()

  static var names: [String] { datasets.map(\.0) }

  static func data(_ name: String) throws -> ([Double], [Double]) {
    let d = try #require(datasets.first { $0.0 == name })
    return (d.1, d.2)
  }

  @Test("Invariant to the order of studies", arguments: names)
  func permutation(_ name: String) throws {
    let (y, v) = try Self.data(name)
    var g = SplitMix(state: UInt64(y.count) &* 7919)
    let order = Array(y.indices).shuffled(using: &g).reversed()
    let yp = order.map { y[$0] }
    let vp = order.map { v[$0] }
    for method in TauSquaredEstimator.allCases {
      for test in MetaTest.allCases {
        let a = try MetaAnalysis.fit(estimates: y, variances: v, method: method, test: test)
        let b = try MetaAnalysis.fit(estimates: yp, variances: vp, method: method, test: test)
        #expect(a.converged == b.converged)
        // PM's root is found to R's loose tolerance; rounding differences may move it within it.
        // Values far below the variances (τ² ≈ 1e-6 beside vᵢ ≈ 1e4) are only defined to
        // rounding, hence the absolute 1e-10.
        let tol = method == .PM ? 1e-3 : 1e-8
        for ((key, x), (_, z)) in zip(metaValues(a), metaValues(b)) {
          let (x, z) = (x ?? .nan, z ?? .nan)
          #expect(
            isClose(x, z, relative: tol, absolute: 1e-10, equalNaNs: true),
            "\(name) \(method) \(test) \(key): \(x) vs \(z)")
        }
      }
    }
  }

  @Test("Adding a constant shifts the estimate and intervals, nothing else", arguments: names)
  func location(_ name: String) throws {
    let (y, v) = try Self.data(name)
    let c = 3.25
    let shifted = y.map { $0 + c }
    for method in TauSquaredEstimator.allCases {
      for test in MetaTest.allCases {
        let a = try MetaAnalysis.fit(estimates: y, variances: v, method: method, test: test)
        let b = try MetaAnalysis.fit(estimates: shifted, variances: v, method: method, test: test)
        let tol = method == .PM ? 1e-3 : 1e-7
        let spread = max(abs(a.ciHigh - a.ciLow), 1e-300)
        for (x, z) in [
          (a.estimate, b.estimate), (a.ciLow, b.ciLow), (a.ciHigh, b.ciHigh), (a.piLow, b.piLow), (a.piHigh, b.piHigh),
        ] {
          #expect(abs((x + c) - z) <= tol * spread + 1e-12 * abs(z), "\(name) \(method) \(test): \(x) + c vs \(z)")
        }
        #expect(
          isClose(a.tau2, b.tau2, relative: tol, absolute: tol * 1e-8, equalNaNs: true),
          "\(name) \(method) \(test) tau2")
        #expect(
          isClose(a.standardError, b.standardError, relative: tol, absolute: tol * 1e-8, equalNaNs: true),
          "\(name) \(method) \(test) se")
        #expect(
          isClose(a.q, b.q, relative: 1e-8, absolute: 1e-8 * 1e-8, equalNaNs: true)
            && isClose(a.i2, b.i2, relative: tol, absolute: tol * 1e-8, equalNaNs: true))
      }
    }
  }

  @Test("Estimates × c, variances × c²: estimates scale by c, τ² by c², I², Q and z unchanged", arguments: names)
  func scale(_ name: String) throws {
    let (y, v) = try Self.data(name)
    for c in [1e-3, 2.5, -4.0, 1e3] {
      let ys = y.map { $0 * c }
      let vs = v.map { $0 * c * c }
      for method in TauSquaredEstimator.allCases {
        for test in MetaTest.allCases {
          let a = try MetaAnalysis.fit(estimates: y, variances: v, method: method, test: test)
          let b = try MetaAnalysis.fit(estimates: ys, variances: vs, method: method, test: test)
          #expect(
            isClose(a.q, b.q, relative: 1e-8, absolute: 1e-8 * 1e-8, equalNaNs: true),
            "\(name) \(method) \(test) c=\(c) Q")
          if method.isIterative {
            // metafor's iterations stop on absolute criteria (|Δτ²| ≤ 1e-5; PM's root to
            // 1.22e-4 on [0, max(100, 10 mad²)]), which are not scale equivariant: the two fits
            // agree only to those tolerances, in their own units, and only when c is not so
            // small that the stopping rule swamps τ² itself.
            guard abs(c) >= 1 else { continue }
            #expect(
              abs(a.tau2 * c * c - b.tau2) <= 2.5e-4 * (c * c + 1),
              "\(name) \(method) \(test) c=\(c) tau2 \(a.tau2 * c * c) vs \(b.tau2)")
            continue
          }
          let tol = 1e-7
          #expect(
            isClose(a.estimate * c, b.estimate, relative: tol, absolute: tol * (1e-8 * abs(c)), equalNaNs: true),
            "\(name) \(method) \(test) c=\(c) estimate")
          #expect(
            isClose(a.standardError * abs(c), b.standardError, relative: tol, absolute: tol * 1e-8, equalNaNs: true),
            "\(name) \(method) \(test) c=\(c) se")
          #expect(
            isClose(a.tau2 * c * c, b.tau2, relative: tol, absolute: tol * (1e-8 * (c * c)), equalNaNs: true),
            "\(name) \(method) \(test) c=\(c) tau2 \(a.tau2 * c * c) vs \(b.tau2)")
          #expect(
            isClose(a.i2, b.i2, relative: tol, absolute: tol * (1e-8 * 100), equalNaNs: true)
              && isClose(a.h2, b.h2, relative: tol, absolute: tol * 1e-8, equalNaNs: true))
          #expect(
            isClose(a.statistic * (c < 0 ? -1 : 1), b.statistic, relative: tol, absolute: tol * 1e-8, equalNaNs: true))
          let lo = c > 0 ? a.ciLow * c : a.ciHigh * c
          let pl = c > 0 ? a.piLow * c : a.piHigh * c
          #expect(
            isClose(lo, b.ciLow, relative: tol, absolute: tol * (1e-8 * abs(c)), equalNaNs: true),
            "\(name) \(method) \(test) c=\(c) ci")
          #expect(
            isClose(pl, b.piLow, relative: tol, absolute: tol * (1e-8 * abs(c)), equalNaNs: true),
            "\(name) \(method) \(test) c=\(c) pi")
        }
      }
    }
  }
}
