import Foundation
import Numerics
import TestSupport
import Testing

@testable import Statistics

/// The dense metric, its windowed adaptation, and the trajectory model's other coordinates.
@Suite("Trajectory sampler: dense metric and parameterisations")
struct TrajectorySamplerTests {
  // MARK: Dense metric

  /// A 10-dimensional Gaussian with equicorrelation 0.95 and sds from 0.1 to 10: condition
  /// number about 2·10⁶, which a diagonal metric leaves to the step size.
  static func correlatedGaussian() -> (target: ClosureLogDensity, mean: [Double], covariance: [Double]) {
    let n = 10
    let rho = 0.95
    let mean = (0..<n).map { 3 * Double($0) - 10 }
    let sd = (0..<n).map { 0.1 * pow(100, Double($0) / Double(n - 1)) }
    // The precision of an equicorrelation matrix: (I - c·11ᵀ)/(1-ρ), c = ρ/(1 + (n-1)ρ).
    let c = rho / (1 + Double(n - 1) * rho)
    let target = ClosureLogDensity(dimension: n) { theta, gradient in
      var w = [Double](repeating: 0, count: n)
      for i in 0..<n { w[i] = (theta[i] - mean[i]) / sd[i] }
      let sum = w.reduce(0, +)
      var quadratic = 0.0
      for i in 0..<n {
        let rw = (w[i] - c * sum) / (1 - rho)
        quadratic += w[i] * rw
        gradient[i] = -rw / sd[i]
      }
      return -0.5 * quadratic
    }
    var covariance = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n { covariance[j * n + i] = (i == j ? 1 : rho) * sd[i] * sd[j] }
    }
    return (target, mean, covariance)
  }

  @Test("Dense-metric NUTS recovers a strongly correlated Gaussian's means and covariance")
  func denseMetricRecoversCovariance() throws {
    let (target, mean, covariance) = Self.correlatedGaussian()
    let n = target.dimension
    let options = NUTSOptions(warmup: 1000, draws: 1000, metric: .dense)
    let chains = try NUTS.sampleChains(chains: 4, threads: 2, options: options, seed: 5) { _ in target }
    #expect(chains.allSatisfy { $0.divergences == 0 && $0.maxTreeDepthHits == 0 })
    let draws = chains.flatMap(\.draws)
    let count = draws.count / n
    var m = [Double](repeating: 0, count: n)
    for d in 0..<count { for i in 0..<n { m[i] += draws[d * n + i] / Double(count) } }
    for i in 0..<n {
      let values = chains.flatMap { c in (0..<1000).map { c.draws[$0 * n + i] } }
      let sd = covariance[i * n + i].squareRoot()
      let ess = PosteriorDiagnostics.ess(values, chains: 4)
      #expect(ess > 1000, "coordinate \(i): ESS \(ess)")
      #expect(abs(m[i] - mean[i]) < 4 * sd / ess.squareRoot(), "coordinate \(i): mean \(m[i]) vs \(mean[i])")
      #expect(PosteriorDiagnostics.rHat(values, chains: 4) < 1.01)
    }
    // The draws' covariance, and each chain's adapted inverse metric, against the truth, as
    // correlations-scaled differences (a few percent from 4000 draws, ~10% from one window).
    for i in 0..<n {
      for j in 0..<n {
        var s = 0.0
        for d in 0..<count { s += (draws[d * n + i] - m[i]) * (draws[d * n + j] - m[j]) }
        s /= Double(count - 1)
        let scale = (covariance[i * n + i] * covariance[j * n + j]).squareRoot()
        #expect(abs(s - covariance[j * n + i]) < 0.1 * scale, "(\(i), \(j)): \(s) vs \(covariance[j * n + i])")
        for chain in chains {
          let adapted = chain.denseInverseMetric[j * n + i]
          #expect(abs(adapted - covariance[j * n + i]) < 0.3 * scale, "metric (\(i), \(j)): \(adapted)")
        }
      }
    }
    #expect(chains.allSatisfy { $0.inverseMetric.count == n && $0.denseInverseMetric.count == n * n })
    // Step sizes of a well-conditioned problem: the metric took the correlations out.
    #expect(chains.allSatisfy { $0.stepSize > 0.3 }, "\(chains.map(\.stepSize))")
  }

  @Test("A dense metric started from the true covariance samples well without metric adaptation")
  func initialDenseMetric() throws {
    let (target, mean, covariance) = Self.correlatedGaussian()
    let n = target.dimension
    // 19 warmup iterations: step size adaptation only (the metric adapts from 20 on).
    let options = NUTSOptions(warmup: 19, draws: 1000, metric: .dense, initialInverseMetric: covariance)
    let chains = try NUTS.sampleChains(chains: 2, threads: 2, options: options, seed: 3) { _ in target }
    for chain in chains {
      for j in 0..<n {
        for i in j..<n { #expect(chain.denseInverseMetric[j * n + i] == covariance[j * n + i]) }
      }
    }
    for i in 0..<n {
      let values = chains.flatMap { c in (0..<1000).map { c.draws[$0 * n + i] } }
      let m = values.reduce(0, +) / Double(values.count)
      let ess = PosteriorDiagnostics.ess(values, chains: 2)
      let sd = covariance[i * n + i].squareRoot()
      #expect(ess > 500, "coordinate \(i): ESS \(ess)")
      #expect(abs(m - mean[i]) < 4 * sd / ess.squareRoot(), "coordinate \(i): mean \(m) vs \(mean[i])")
    }
    // Without it, the identity metric of an unadapted chain needs far more leapfrog steps.
    let identity = try NUTS.sampleChains(
      chains: 2, threads: 2, options: NUTSOptions(warmup: 19, draws: 1000, metric: .dense), seed: 3
    ) { _ in target }
    #expect(chains.reduce(0) { $0 + $1.leapfrogSteps } * 4 < identity.reduce(0) { $0 + $1.leapfrogSteps })
    // A diagonal start of the wrong size is ignored (the identity, as Stan).
    let ignored = try NUTS.sampleChains(
      chains: 1, threads: 1, options: NUTSOptions(warmup: 0, draws: 10, initialInverseMetric: [1, 2]), seed: 3
    ) { _ in target }
    #expect(ignored[0].inverseMetric == Array(repeating: 1, count: n))
  }

  @Test("The dense metric's draws do not depend on the thread count")
  func denseDeterminism() throws {
    let (target, _, _) = Self.correlatedGaussian()
    let options = NUTSOptions(warmup: 150, draws: 50, metric: .dense)
    let one = try NUTS.sampleChains(chains: 3, threads: 1, options: options, seed: 9) { _ in target }
    let two = try NUTS.sampleChains(chains: 3, threads: 2, options: options, seed: 9) { _ in target }
    #expect(one == two)
  }

  @Test("Chains run again by number are those chains: the same draws as in the whole run, in the order asked")
  func chainsByNumber() throws {
    let (target, _, _) = Self.correlatedGaussian()
    let options = NUTSOptions(warmup: 150, draws: 50, metric: .dense)
    let all = try NUTS.sampleChains(chains: 3, threads: 2, options: options, seed: 9) { _ in target }
    let some = try NUTS.sampleChains(indices: [2, 0], threads: 2, options: options, seed: 9) { _ in target }
    #expect(some == [all[2], all[0]])
    var other = options
    other.targetAcceptance = 0.95
    let again = try NUTS.sampleChains(indices: [1], threads: 1, options: other, seed: 9) { _ in target }
    #expect(again.count == 1 && again[0] != all[1] && again[0].stepSize < all[1].stepSize)
  }

  @Test("The windows' regularised covariance equals a direct computation", arguments: [false, true])
  func windowCovariance(dense: Bool) {
    let n = 4
    let warmup = 200  // windows: iterations 75…99 and 100…149
    var g = SplitMix(state: 12)
    let positions = (0..<warmup).map { _ in (0..<n).map { _ in Double.random(in: -3...3, using: &g) } }
    var windows = MetricWindows(warmup: warmup, dimension: n, dense: dense)
    var metric = [Double](repeating: .nan, count: dense ? n * n : n)
    var ends: [Int] = []
    var written: [[Double]] = []
    var counts: [Int] = []
    for (k, q) in positions.enumerated() where windows.learn(q, into: &metric) {
      ends.append(k)
      written.append(metric)
      counts.append(windows.windowCount)
    }
    #expect(ends == [99, 149] && counts == [25, 50])
    for (end, start, got) in [(99, 75, written[0]), (149, 100, written[1])] {
      let window = Array(positions[start...end])
      let count = Double(window.count)
      let mean = (0..<n).map { i in window.reduce(0) { $0 + $1[i] } / count }
      for i in 0..<n {
        for j in 0..<n where dense || i == j {
          var s = 0.0
          for q in window { s += (q[i] - mean[i]) * (q[j] - mean[j]) }
          s /= count - 1
          let expected = (count / (count + 5)) * s + (i == j ? 1e-3 * 5 / (count + 5) : 0)
          let value = dense ? got[j * n + i] : got[i]
          #expect(isClose(value, expected, relative: 1e-12, absolute: 1e-15), "window to \(end), (\(i), \(j))")
        }
      }
    }
  }

  // MARK: Parameterisations

  static let mixed = TrajectoryParameterisation(
    stepWeights: [1, 0, 0.25, 0.5, 0.75, 1], biasWeights: [0, 0.5, 0], signedOmega: true)

  /// Every step and bias centred (weight 0), omega on the log scale.
  static func centredSteps(_ data: TrajectoryData) -> TrajectoryParameterisation {
    TrajectoryParameterisation(
      stepWeights: Array(repeating: 0, count: data.years.count), biasWeights: Array(repeating: 0, count: 3))
  }

  /// θ in `p`'s coordinates as Stan's (non-centred) θ, and the log of the density's change:
  /// `log p(θ) = log p_nc(θ') + logJacobian` (the signed omega's map is two-to-one: `- log 2`).
  static func toNonCentred(_ theta: [Double], _ p: TrajectoryParameterisation, _ data: TrajectoryData)
    -> (theta: [Double], logJacobian: Double)
  {
    let t = data.years.count
    let s = data.series.count
    let g = data.groups.count
    var out = theta
    let tau = exp(theta[t])
    let sigmaB = exp(theta[t + 1 + s])
    var logJacobian = 0.0
    if p.centredLevels {
      // θ = x - levelCenter: z[0] = θ[0]/levelScale, z[t] = (x[t] - x[t-1])/tau. A lone
      // series' levels carry its bias b: θ = x + b - levelCenter, so z[0] = (θ[0] - b)/levelScale
      // (b depends on its own coordinate only: the Jacobian is still the diagonal's).
      var shift = 0.0
      if s == 1, data.reference == nil {
        shift = pow(sigmaB, p.biasWeights[0]) * theta[t + 1]
      }
      out[0] = (theta[0] - shift) / data.priors.levelScale
      logJacobian -= log(data.priors.levelScale)
      for k in 1..<t {
        out[k] = (theta[k] - theta[k - 1]) / tau
        logJacobian -= log(tau)
      }
    } else {
      for k in 1..<t {
        let w = p.stepWeights[k]
        out[k] = pow(tau, w - 1) * theta[k]  // z = d/tau = tau^(w-1)·v
        logJacobian += (w - 1) * log(tau)
      }
    }
    for k in 0..<s where k != data.reference {
      let w = p.biasWeights[k]
      out[t + 1 + k] = pow(sigmaB, w - 1) * theta[t + 1 + k]
      logJacobian += (w - 1) * log(sigmaB)
    }
    guard p.signedOmega else { return (out, logJacobian) }
    let w = theta[t + 2 + s + g]
    out[t + 2 + s + g] = log(abs(w))
    for k in 0..<g { out[t + 2 + s + k] = w < 0 ? -theta[t + 2 + s + k] : theta[t + 2 + s + k] }
    logJacobian += -log(abs(w)) - log(2)
    return (out, logJacobian)
  }

  @Test("Other coordinates: the same posterior (the density less its log-Jacobian), and the same levels")
  func parameterisationsAgree() throws {
    let sets =
      [0, nil].map { TrajectoryTests.mixedData(reference: $0) }
      + [nil, 0].map { TrajectoryTests.loneData(reference: $0) }
    for data in sets {
      let nonCentred = try TrajectoryDensity(data)
      let coordinates =
        data.series.count == 1 ? [.centred(for: data)] : [Self.mixed, .centred(for: data), Self.centredSteps(data)]
      for p in coordinates {
        let weights = p
        let density = try TrajectoryDensity(data, parameterisation: p)
        var g = SplitMix(state: 31)
        var gradient = [Double](repeating: 0, count: density.dimension)
        for _ in 0..<20 {
          let theta = TrajectoryTests.randomTheta(density.dimension, &g)
          let (stan, logJacobian) = Self.toNonCentred(theta, weights, data)
          let value = density.logDensity(theta, gradient: &gradient)
          let expected = nonCentred.logDensity(stan, gradient: &gradient) + logJacobian
          #expect(isClose(value, expected, relative: 1e-12), "\(value) vs \(expected)")
          let a = try #require(density.values(at: theta))
          let b = try #require(nonCentred.values(at: stan))
          for (u, v) in zip(a.levels, b.levels) { #expect(isClose(u, v, relative: 1e-12)) }
          for (u, v) in zip(a.mu, b.mu) { #expect(isClose(u, v, relative: 1e-12, absolute: 1e-12)) }
          #expect(isClose(a.omega, b.omega, relative: 1e-12) && isClose(a.tau, b.tau, relative: 1e-12))
        }
      }
    }
  }

  @Test("The pilot's draws in centred levels carried to the fit's coordinates give the same point")
  func pilotDrawsCarriedOver() throws {
    for data in [TrajectoryTests.mixedData(), TrajectoryTests.mixedData(reference: nil)] {
      let main = TrajectoryParameterisation.centred(for: data)
      let levels = Trajectory.pilotParameterisation(main)
      #expect(levels.centredLevels && levels.biasWeights == main.biasWeights && levels.signedOmega == main.signedOmega)
      let from = try TrajectoryDensity(data, parameterisation: levels)
      let to = try TrajectoryDensity(data, parameterisation: main)
      let n = from.dimension
      var g = SplitMix(state: 41)
      let draws = (0..<5).flatMap { _ in TrajectoryTests.randomTheta(n, &g) }
      let carried = Trajectory.walkCoordinates(draws, count: 5, dimension: n, data: data, from: levels, to: main)
      #expect(carried != draws)
      for d in 0..<5 {
        let a = try #require(from.values(at: Array(draws[(d * n)..<(d * n + n)])))
        let b = try #require(to.values(at: Array(carried[(d * n)..<(d * n + n)])))
        for (u, v) in zip(a.levels, b.levels) { #expect(isClose(u, v, relative: 1e-12), "level \(u) vs \(v)") }
        for (u, v) in zip(a.mu, b.mu) { #expect(isClose(u, v, relative: 1e-12, absolute: 1e-12)) }
        #expect(a.tau == b.tau && a.sigmaB == b.sigmaB && a.omega == b.omega)
      }
    }
    // A lone series: the pilot runs in the fit's own coordinates, its draws kept as they are.
    let lone = TrajectoryTests.loneData()
    let main = TrajectoryParameterisation.centred(for: lone)
    #expect(Trajectory.pilotParameterisation(main) == main)
    let draws = [1.0, 2.0, 3.0]
    #expect(Trajectory.walkCoordinates(draws, count: 1, dimension: 3, data: lone, from: main, to: main) == draws)
  }

  @Test("Other coordinates: the analytic gradient equals central finite differences")
  func parameterisationGradient() throws {
    for data in [
      TrajectoryTests.mixedData(), TrajectoryTests.tailData(), TrajectoryTests.mixedData(reference: nil),
      TrajectoryTests.loneData(), TrajectoryTests.loneData(reference: 0),
    ] {
      let coordinates: [TrajectoryParameterisation] =
        data.series.count == 1
        ? [.centred(for: data), .nonCentredSignedOmega]
        : [Self.mixed, .centred(for: data), Self.centredSteps(data), .nonCentredSignedOmega]
      for p in coordinates {
        let density = try TrajectoryDensity(data, parameterisation: p)
        let n = density.dimension
        var g = SplitMix(state: 17)
        var gradient = [Double](repeating: 0, count: n)
        var scratch = gradient
        for _ in 0..<6 {
          var theta = TrajectoryTests.randomTheta(n, &g)
          let value = density.logDensity(theta, gradient: &gradient)
          #expect(value.isFinite)
          for i in 0..<n {
            let h = 1e-5
            let saved = theta[i]
            theta[i] = saved + h
            let up = density.logDensity(theta, gradient: &scratch)
            theta[i] = saved - h
            let down = density.logDensity(theta, gradient: &scratch)
            theta[i] = saved
            let numeric = (up - down) / (2 * h)
            #expect(
              isClose(gradient[i], numeric, relative: 2e-6, absolute: 2e-6 * max(1, abs(value) * 1e-3)),
              "coordinate \(i): analytic \(gradient[i]) vs numeric \(numeric)")
          }
        }
      }
    }
  }

  @Test("Centred and non-centred fits agree on the levels and hyperparameters within Monte Carlo error")
  func centredFitAgrees() throws {
    let data = TrajectoryTests.mixedData()
    let options = TrajectoryOptions(seed: 4, warmup: 500, draws: 1000)
    var results: [TrajectoryResult] = []
    for p in [TrajectoryParameterisation.nonCentred, .centred(for: data)] {
      var o = options
      o.parameterisation = p
      results.append(try Trajectory.fit(data, options: o))
    }
    let (a, b) = (results[0].draws, results[1].draws)
    func compare(_ x: [Double], _ y: [Double], _ what: String) {
      func meanAndError(_ v: [Double]) -> (Double, Double) {
        let m = v.reduce(0, +) / Double(v.count)
        let sd = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
        return (m, sd / PosteriorDiagnostics.bulkESS(v, chains: 4).squareRoot())
      }
      let (m1, e1) = meanAndError(x)
      let (m2, e2) = meanAndError(y)
      #expect(abs(m1 - m2) < 4.5 * (e1 * e1 + e2 * e2).squareRoot(), "\(what): \(m1) vs \(m2)")
    }
    for t in 0..<data.years.count { compare(a.logLevels(year: t), b.logLevels(year: t), "x[\(t)]") }
    compare(a.tau.map { log($0) }, b.tau.map { log($0) }, "log tau")
    compare(a.sigmaB.map { log($0) }, b.sigmaB.map { log($0) }, "log sigmaB")
    compare(a.omega, b.omega, "omega")
    #expect(results[1].parameterisation == .centred(for: data))
  }

  @Test("A statement with an infinite sd: log(Φ(0) - Φ(0)) is -infinity, not an endless recursion")
  func degenerateInterval() {
    #expect(NormalTails.logIntervalMass(0, 0).logP == -.infinity)
    #expect(NormalTails.logIntervalMass(-0.0, 0).logP == -.infinity)
  }
}
