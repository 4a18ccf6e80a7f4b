import Dispatch

/// A differentiable log density: the target of `NUTS`.
public protocol LogDensityFunction: SendableMetatype {
  /// The number of (unconstrained) parameters.
  var dimension: Int { get }
  /// The log density at `theta` (`dimension` values), up to a constant; writes its gradient
  /// into `gradient`. A non-finite value marks a point outside the support.
  mutating func logDensity(_ theta: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>) -> Double
}

/// A log density given as a closure `(theta, gradient) -> log density`.
public struct ClosureLogDensity: LogDensityFunction, Sendable {
  /// The number of parameters.
  public let dimension: Int
  /// The density: reads `dimension` values, writes as many gradient values, returns the log density.
  public let body: @Sendable (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Double

  /// Wraps `body` as a target of `dimension` parameters.
  public init(
    dimension: Int, _ body: @escaping @Sendable (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Double
  ) {
    self.dimension = dimension
    self.body = body
  }

  /// Calls `body`.
  public func logDensity(_ theta: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>) -> Double {
    body(theta, gradient)
  }
}

/// Settings of the No-U-Turn sampler.
public struct NUTSOptions: Sendable, Equatable {
  /// Warmup (adaptation) iterations per chain.
  public var warmup: Int
  /// Kept draws per chain.
  public var draws: Int
  /// The largest tree depth (2^depth leapfrog steps at most per transition).
  public var maxTreeDepth: Int
  /// The step size adaptation's target mean acceptance statistic.
  public var targetAcceptance: Double
  /// Initial values are drawn uniformly from (-initRadius, initRadius) in each coordinate.
  public var initRadius: Double
  /// The metric adapted during warmup.
  public var metric: NUTSMetric
  /// The inverse metric to start from: `dimension` variances for a diagonal metric, a
  /// `dimension²` covariance (column-major, positive definite) for a dense one; nil (or a value
  /// of another size, or not usable): the identity, as Stan. It lasts until an adaptation window
  /// ends, except that a dense one is kept through windows of fewer than `2·dimension`
  /// positions, whose covariance would be poorer.
  public var initialInverseMetric: [Double]?
  /// Whether a usable `initialInverseMetric` is kept through the whole warmup, the windows
  /// then only restarting the step size's adaptation at their ends (false: as described above).
  public var keepsInitialMetric: Bool

  /// Stan's defaults: 1000 warmup, 1000 draws, depth 10, delta 0.8, initial values in (-2, 2),
  /// a diagonal metric.
  public init(
    warmup: Int = 1000, draws: Int = 1000, maxTreeDepth: Int = 10, targetAcceptance: Double = 0.8,
    initRadius: Double = 2, metric: NUTSMetric = .diagonal, initialInverseMetric: [Double]? = nil,
    keepsInitialMetric: Bool = false
  ) {
    self.warmup = warmup
    self.draws = draws
    self.maxTreeDepth = maxTreeDepth
    self.targetAcceptance = targetAcceptance
    self.initRadius = initRadius
    self.metric = metric
    self.initialInverseMetric = initialInverseMetric
    self.keepsInitialMetric = keepsInitialMetric
  }
}

/// One chain's output.
public struct NUTSChain: Sendable, Equatable {
  /// The kept draws, `draws × dimension`, row-major (draw `d`, coordinate `i` at `d·dimension + i`).
  public var draws: [Double]
  /// The log density of each kept draw.
  public var logDensity: [Double]
  /// The number of coordinates.
  public var dimension: Int
  /// Kept transitions that diverged (energy error above 1000).
  public var divergences: Int
  /// Kept transitions that reached the maximum tree depth.
  public var maxTreeDepthHits: Int
  /// The adapted step size.
  public var stepSize: Double
  /// The adapted inverse metric's diagonal (the variances, for either metric).
  public var inverseMetric: [Double]
  /// The adapted dense inverse metric, `dimension × dimension` column-major (empty for a
  /// diagonal metric).
  public var denseInverseMetric: [Double]
  /// The mean acceptance statistic of the kept transitions.
  public var meanAcceptance: Double
  /// Leapfrog steps over the whole run, warmup included.
  public var leapfrogSteps: Int
}

extension NUTS {
  /// Runs `chains` chains, `threads` at a time, each on its own target from `makeTarget(chain)`.
  /// Chain `c` draws from stream `c` of `seed`, so the result does not depend on `threads`.
  ///
  /// - Throws: the first chain's error, in chain order.
  public static func sampleChains<Target: LogDensityFunction>(
    chains: Int, threads: Int = 1, options: NUTSOptions = NUTSOptions(), seed: UInt64,
    makeTarget: @escaping @Sendable (Int) throws(StatisticsError) -> Target
  ) throws(StatisticsError) -> [NUTSChain] {
    try sampleChains(
      indices: Array(0..<max(chains, 0)), threads: threads, options: options, seed: seed, makeTarget: makeTarget)
  }

  /// Runs the chains numbered `indices` (chain `c` on stream `c` of `seed`, as
  /// `sampleChains(chains:…)` runs it), `threads` at a time; the result in the order of
  /// `indices`.
  ///
  /// - Throws: the first chain's error, in that order.
  public static func sampleChains<Target: LogDensityFunction>(
    indices: [Int], threads: Int = 1, options: NUTSOptions = NUTSOptions(), seed: UInt64,
    makeTarget: @escaping @Sendable (Int) throws(StatisticsError) -> Target
  ) throws(StatisticsError) -> [NUTSChain] {
    let count = indices.count
    var results = [Result<NUTSChain, StatisticsError>?](repeating: nil, count: count)
    inParallel(count, threads: threads, into: &results) { k in
      let c = indices[k]
      do throws(StatisticsError) {
        var target = try makeTarget(c)
        return .success(try sample(&target, options: options, seed: seed, chain: c))
      } catch {
        return .failure(error)
      }
    }
    var chainsOut: [NUTSChain] = []
    for result in results {
      switch result {
      case .success(let chain): chainsOut.append(chain)
      case .failure(let error): throw error
      case nil: throw .numerical("a chain did not run")
      }
    }
    return chainsOut
  }

  /// `out[k] = body(k)` for `k` in `0..<count`, `threads` at a time (each index by one thread,
  /// in strides), so the result is the same at any thread count: the chains of a fit, and its
  /// summaries (`Trajectory.summarise`).
  static func inParallel<T>(
    _ count: Int, threads: Int, into out: inout [T], _ body: @Sendable (Int) -> T
  ) {
    let workers = max(1, min(threads, count))
    if workers == 1 {
      for k in 0..<count { out[k] = body(k) }
      return
    }
    out.withUnsafeMutableBufferPointer { buffer in
      nonisolated(unsafe) let slots = buffer
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        for k in stride(from: w, to: count, by: workers) { slots[k] = body(k) }
      }
    }
  }
}
