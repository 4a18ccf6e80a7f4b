#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The No-U-Turn sampler as in Stan: multinomial sampling of trajectory states, biased
/// progressive sampling at the top level and uniform within subtrees, the generalised no-U-turn
/// criterion on the sharp momenta (Betancourt 2017, "A conceptual introduction to Hamiltonian
/// Monte Carlo", also across the two halves of every merged subtree), leapfrog steps, a
/// diagonal or dense metric adapted in Stan's windows, and dual-averaging step size adaptation.
public enum NUTS {
  /// Runs chain `chain` on `target` from the seed: the same `(seed, chain)` gives the same draws.
  ///
  /// - Throws: `StatisticsError.numerical` when no finite initial point is found in 100 tries
  ///   or no usable step size exists.
  public static func sample<Target: LogDensityFunction>(
    _ target: inout Target, options: NUTSOptions = NUTSOptions(), seed: UInt64, chain: Int = 0
  ) throws(StatisticsError) -> NUTSChain {
    let sampler = NUTSSampler(target: target, options: options, seed: seed, chain: chain)
    let result = try sampler.run()
    target = sampler.target.pointee
    return result
  }
}

/// The state of one chain: its target, random numbers and preallocated vectors. A point is
/// `q`, the gradient and the log density: `2·dimension + 1` doubles.
final class NUTSSampler<Target: LogDensityFunction> {
  /// The target and the chain's mutable state (random numbers, step size, metric coordinates,
  /// tallies) live behind pointers: as the class's stored properties, each access from the
  /// tree building (a gradient, a uniform draw, a tally) was a dynamically enforced exclusive
  /// access, about 4% of a trajectory fit's time.
  let target: UnsafeMutablePointer<Target>
  let options: NUTSOptions
  let dim: Int
  private struct State {
    var rng: Xoshiro256StarStar
    var stepSize = 1.0
    var coordinates: DenseCoordinates? = nil
    var leapfrogs = 0
    var totalLeapfrogs = 0
    var sumAcceptance = 0.0
    var divergent = false
  }
  private let state: UnsafeMutablePointer<State>
  private var rng: Xoshiro256StarStar {
    @inline(__always) _read { yield state.pointee.rng }
    @inline(__always) _modify { yield &state.pointee.rng }
  }
  var stepSize: Double {
    @inline(__always) get { state.pointee.stepSize }
    @inline(__always) set { state.pointee.stepSize = newValue }
  }
  /// A dense metric as a change of coordinates (nil for a diagonal metric): the points then
  /// hold `y = L⁻¹q` and the gradient in `y`.
  private var coordinates: DenseCoordinates? {
    @inline(__always) _read { yield state.pointee.coordinates }
    @inline(__always) _modify { yield &state.pointee.coordinates }
  }
  // Per-transition tallies.
  private var leapfrogs: Int {
    @inline(__always) get { state.pointee.leapfrogs }
    @inline(__always) set { state.pointee.leapfrogs = newValue }
  }
  private var totalLeapfrogs: Int {
    @inline(__always) get { state.pointee.totalLeapfrogs }
    @inline(__always) set { state.pointee.totalLeapfrogs = newValue }
  }
  private var sumAcceptance: Double {
    @inline(__always) get { state.pointee.sumAcceptance }
    @inline(__always) set { state.pointee.sumAcceptance = newValue }
  }
  private var divergent: Bool {
    @inline(__always) get { state.pointee.divergent }
    @inline(__always) set { state.pointee.divergent = newValue }
  }
  private let block: UnsafeMutablePointer<Double>
  private let pointSize: Int
  // The position being integrated and its momentum.
  private let z: UnsafeMutablePointer<Double>
  private let zp: UnsafeMutablePointer<Double>
  private let current: UnsafeMutablePointer<Double>
  private let sample: UnsafeMutablePointer<Double>
  private let propose: UnsafeMutablePointer<Double>
  private let forward: UnsafeMutablePointer<Double>
  private let forwardP: UnsafeMutablePointer<Double>
  private let backward: UnsafeMutablePointer<Double>
  private let backwardP: UnsafeMutablePointer<Double>
  private let inverseMetric: UnsafeMutablePointer<Double>
  // Momenta and sharp momenta at the ends of the forward and backward subtrees, and sums.
  private let pFF: UnsafeMutablePointer<Double>
  private let sFF: UnsafeMutablePointer<Double>
  private let pFB: UnsafeMutablePointer<Double>
  private let sFB: UnsafeMutablePointer<Double>
  private let pBF: UnsafeMutablePointer<Double>
  private let sBF: UnsafeMutablePointer<Double>
  private let pBB: UnsafeMutablePointer<Double>
  private let sBB: UnsafeMutablePointer<Double>
  private let rho: UnsafeMutablePointer<Double>
  private let rhoF: UnsafeMutablePointer<Double>
  private let rhoB: UnsafeMutablePointer<Double>
  /// Per tree depth 1…maxTreeDepth: the inner ends and sums of the two halves and the final
  /// half's proposal (7 vectors and a point).
  private let levels: UnsafeMutablePointer<Double>
  private let levelSize: Int

  init(target: Target, options: NUTSOptions, seed: UInt64, chain: Int) {
    self.target = .allocate(capacity: 1)
    self.target.initialize(to: target)
    self.options = options
    dim = target.dimension
    state = .allocate(capacity: 1)
    state.initialize(to: State(rng: Xoshiro256StarStar(seed: seed, stream: UInt64(truncatingIfNeeded: chain))))
    pointSize = 2 * dim + 1
    levelSize = 7 * dim + pointSize
    let depth = max(options.maxTreeDepth, 1)
    let count = 7 * pointSize + 4 * dim + 11 * dim + depth * levelSize
    block = .allocate(capacity: count)
    block.initialize(repeating: 0, count: count)
    var at = block
    func take(_ n: Int) -> UnsafeMutablePointer<Double> {
      defer { at += n }
      return at
    }
    z = take(pointSize)
    current = take(pointSize)
    sample = take(pointSize)
    propose = take(pointSize)
    forward = take(pointSize)
    backward = take(pointSize)
    _ = take(pointSize)
    zp = take(dim)
    forwardP = take(dim)
    backwardP = take(dim)
    inverseMetric = take(dim)
    pFF = take(dim)
    sFF = take(dim)
    pFB = take(dim)
    sFB = take(dim)
    pBF = take(dim)
    sBF = take(dim)
    pBB = take(dim)
    sBB = take(dim)
    rho = take(dim)
    rhoF = take(dim)
    rhoB = take(dim)
    levels = take(depth * levelSize)
    for i in 0..<dim { inverseMetric[i] = 1 }
    if options.metric == .dense { coordinates = DenseCoordinates(dimension: dim) }
    if let initial = options.initialInverseMetric {
      if var c = coordinates, initial.count == dim * dim {
        if initial.withUnsafeBufferPointer({ $0.baseAddress.map { c.set(covariance: $0) } ?? false }) {
          coordinates = c
        }
      } else if coordinates == nil, initial.count == dim, initial.allSatisfy({ $0 > 0 && $0.isFinite }) {
        for i in 0..<dim { inverseMetric[i] = initial[i] }
      }
    }
  }

  deinit {
    target.deinitialize(count: 1)
    target.deallocate()
    coordinates?.deallocate()
    state.deinitialize(count: 1)
    state.deallocate()
    block.deallocate()
  }

  @inline(__always)
  private func copy(_ from: UnsafePointer<Double>, to: UnsafeMutablePointer<Double>, _ n: Int) {
    to.update(from: from, count: n)
  }

  @inline(__always)
  private func logDensity(_ point: UnsafeMutablePointer<Double>) -> Double {
    let value: Double
    if let c = coordinates, c.active {
      c.position(point, into: c.q)
      value = target.pointee.logDensity(c.q, gradient: point + dim)
      c.pullBack(point + dim)
    } else {
      value = target.pointee.logDensity(point, gradient: point + dim)
    }
    point[2 * dim] = value
    return value
  }

  /// The position of `point` in the target's coordinates, written to `out`.
  @inline(__always)
  private func position(_ point: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    if let c = coordinates {
      c.position(point, into: out)
    } else {
      out.update(from: point, count: dim)
    }
  }

  @inline(__always)
  private func hamiltonian(_ point: UnsafePointer<Double>, _ p: UnsafePointer<Double>) -> Double {
    var kinetic = 0.0
    for i in 0..<dim { kinetic += inverseMetric[i] * p[i] * p[i] }
    let h = -point[2 * dim] + 0.5 * kinetic
    return h.isNaN ? .infinity : h
  }

  @inline(__always)
  private func sampleMomentum() {
    for i in 0..<dim { zp[i] = rng.normal() / inverseMetric[i].squareRoot() }
  }

  /// One leapfrog step of `epsilon` on `z`, `zp`.
  @inline(__always)
  private func leapfrog(_ epsilon: Double) {
    let half = 0.5 * epsilon
    let g = z + dim
    for i in 0..<dim {
      zp[i] += half * g[i]
      z[i] += epsilon * inverseMetric[i] * zp[i]
    }
    _ = logDensity(z)
    for i in 0..<dim { zp[i] += half * g[i] }
  }

  @inline(__always)
  private func sharp(_ p: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    for i in 0..<dim { out[i] = inverseMetric[i] * p[i] }
  }

  /// The generalised no-U-turn criterion: both end sharp momenta point along `rho + extra`.
  @inline(__always)
  private func noUTurn(
    _ sharpMinus: UnsafePointer<Double>, _ sharpPlus: UnsafePointer<Double>, _ rho: UnsafePointer<Double>,
    plus extra: UnsafePointer<Double>? = nil
  ) -> Bool {
    var a = 0.0
    var b = 0.0
    if let extra {
      for i in 0..<dim {
        let r = rho[i] + extra[i]
        a += sharpMinus[i] * r
        b += sharpPlus[i] * r
      }
    } else {
      for i in 0..<dim {
        a += sharpMinus[i] * rho[i]
        b += sharpPlus[i] * rho[i]
      }
    }
    return a > 0 && b > 0
  }

  /// `log(eᵃ + eᵇ)` and the share `eᵇ/(eᵃ + eᵇ)`, from one `exp` (the subtree's weight and
  /// the chance of the final half's proposal: uniform sampling within a subtree).
  @inline(__always)
  private static func logAddExpWithShare(_ a: Double, _ b: Double) -> (value: Double, share: Double) {
    if b == -.infinity { return (a, 0) }
    if a == -.infinity { return (b, 1) }
    let e = exp(-abs(a - b))
    let total = 1 + e
    return (max(a, b) + log1p(e), b >= a ? 1 / total : e / total)
  }

  @inline(__always)
  private static func logAddExp(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    let m = max(a, b)
    return m + log1p(exp(-abs(a - b)))
  }

  /// Builds a subtree of `2^depth` leapfrog steps from `z` in direction `sign`, as Stan's
  /// recursive doubling: returns false when it diverged or made a U-turn inside.
  private func buildTree(
    depth: Int, propose: UnsafeMutablePointer<Double>, sharpBegin: UnsafeMutablePointer<Double>,
    sharpEnd: UnsafeMutablePointer<Double>, rho: UnsafeMutablePointer<Double>, pBegin: UnsafeMutablePointer<Double>,
    pEnd: UnsafeMutablePointer<Double>, h0: Double, sign: Double, logSumWeight: inout Double
  ) -> Bool {
    if depth == 0 {
      leapfrog(sign * stepSize)
      leapfrogs += 1
      let h = hamiltonian(z, zp)
      if h - h0 > 1000 { divergent = true }
      logSumWeight = Self.logAddExp(logSumWeight, h0 - h)
      sumAcceptance += h0 - h > 0 ? 1 : exp(h0 - h)
      copy(z, to: propose, pointSize)
      sharp(zp, into: sharpBegin)
      copy(sharpBegin, to: sharpEnd, dim)
      for i in 0..<dim { rho[i] += zp[i] }
      copy(zp, to: pBegin, dim)
      copy(zp, to: pEnd, dim)
      return !divergent
    }
    let level = levels + (depth - 1) * levelSize
    let pInitEnd = level
    let sInitEnd = level + dim
    let rhoInit = level + 2 * dim
    let pFinalBegin = level + 3 * dim
    let sFinalBegin = level + 4 * dim
    let rhoFinal = level + 5 * dim
    let proposeFinal = level + 7 * dim
    for i in 0..<dim {
      rhoInit[i] = 0
      rhoFinal[i] = 0
    }
    var logSumInit = -Double.infinity
    guard
      buildTree(
        depth: depth - 1, propose: propose, sharpBegin: sharpBegin, sharpEnd: sInitEnd, rho: rhoInit,
        pBegin: pBegin, pEnd: pInitEnd, h0: h0, sign: sign, logSumWeight: &logSumInit)
    else { return false }
    var logSumFinal = -Double.infinity
    guard
      buildTree(
        depth: depth - 1, propose: proposeFinal, sharpBegin: sFinalBegin, sharpEnd: sharpEnd, rho: rhoFinal,
        pBegin: pFinalBegin, pEnd: pEnd, h0: h0, sign: sign, logSumWeight: &logSumFinal)
    else { return false }
    let (logSumSubtree, finalShare) = Self.logAddExpWithShare(logSumInit, logSumFinal)
    logSumWeight = Self.logAddExp(logSumWeight, logSumSubtree)
    if rng.uniform() < finalShare {
      copy(proposeFinal, to: propose, pointSize)
    }
    // Across the whole subtree, then across each half extended by the other's nearest momentum.
    var persist = noUTurn(sharpBegin, sFinalBegin, rhoInit, plus: pFinalBegin)
    persist = persist && noUTurn(sInitEnd, sharpEnd, rhoFinal, plus: pInitEnd)
    let rhoSubtree = rhoInit
    for i in 0..<dim {
      rhoSubtree[i] += rhoFinal[i]
      rho[i] += rhoSubtree[i]
    }
    return noUTurn(sharpBegin, sharpEnd, rhoSubtree) && persist
  }

  /// One NUTS transition from `current`; returns its acceptance statistic and whether it
  /// diverged or reached the maximum depth.
  func transition() -> (acceptance: Double, divergent: Bool, maxDepth: Bool) {
    sampleMomentum()
    copy(current, to: z, pointSize)
    let h0 = hamiltonian(z, zp)
    copy(z, to: forward, pointSize)
    copy(z, to: backward, pointSize)
    copy(zp, to: forwardP, dim)
    copy(zp, to: backwardP, dim)
    copy(z, to: sample, pointSize)
    sharp(zp, into: sFF)
    for i in 0..<dim {
      let p = zp[i]
      pFF[i] = p
      pFB[i] = p
      pBF[i] = p
      pBB[i] = p
      rho[i] = p
      let s = sFF[i]
      sFB[i] = s
      sBF[i] = s
      sBB[i] = s
    }
    var logSumWeight = 0.0
    leapfrogs = 0
    sumAcceptance = 0
    divergent = false
    var depth = 0
    while depth < options.maxTreeDepth {
      for i in 0..<dim {
        rhoF[i] = 0
        rhoB[i] = 0
      }
      var logSumSubtree = -Double.infinity
      let valid: Bool
      if rng.uniform() > 0.5 {
        copy(forward, to: z, pointSize)
        copy(forwardP, to: zp, dim)
        copy(rho, to: rhoB, dim)
        copy(pFF, to: pBF, dim)
        copy(sFF, to: sBF, dim)
        valid = buildTree(
          depth: depth, propose: propose, sharpBegin: sFB, sharpEnd: sFF, rho: rhoF, pBegin: pFB, pEnd: pFF,
          h0: h0, sign: 1, logSumWeight: &logSumSubtree)
        copy(z, to: forward, pointSize)
        copy(zp, to: forwardP, dim)
      } else {
        copy(backward, to: z, pointSize)
        copy(backwardP, to: zp, dim)
        copy(rho, to: rhoF, dim)
        copy(pBB, to: pFB, dim)
        copy(sBB, to: sFB, dim)
        valid = buildTree(
          depth: depth, propose: propose, sharpBegin: sBF, sharpEnd: sBB, rho: rhoB, pBegin: pBF, pEnd: pBB,
          h0: h0, sign: -1, logSumWeight: &logSumSubtree)
        copy(z, to: backward, pointSize)
        copy(zp, to: backwardP, dim)
      }
      if !valid { break }
      depth += 1
      if logSumSubtree > logSumWeight || rng.uniform() < exp(logSumSubtree - logSumWeight) {
        copy(propose, to: sample, pointSize)
      }
      logSumWeight = Self.logAddExp(logSumWeight, logSumSubtree)
      for i in 0..<dim { rho[i] = rhoB[i] + rhoF[i] }
      var persist = noUTurn(sBB, sFF, rho)
      persist = persist && noUTurn(sBB, sFB, rhoB, plus: pFB)
      persist = persist && noUTurn(sBF, sFF, rhoF, plus: pBF)
      if !persist { break }
    }
    totalLeapfrogs += leapfrogs
    copy(sample, to: current, pointSize)
    let acceptance = leapfrogs > 0 ? sumAcceptance / Double(leapfrogs) : 0
    return (acceptance, divergent, depth >= options.maxTreeDepth)
  }

  /// Stan's initial step size heuristic from `current`: double (or halve) the step size while
  /// one leapfrog step's acceptance stays above (below) 0.8.
  func initStepSize() throws(StatisticsError) {
    if stepSize == 0 || stepSize > 1e7 || stepSize.isNaN { return }
    let logTarget = log(0.8)
    func trial() -> Double {
      copy(current, to: z, pointSize)
      sampleMomentum()
      let h0 = hamiltonian(z, zp)
      leapfrog(stepSize)
      return h0 - hamiltonian(z, zp)
    }
    let increase = trial() > logTarget
    while true {
      let delta = trial()
      if increase ? !(delta > logTarget) : !(delta < logTarget) { break }
      stepSize = increase ? 2 * stepSize : 0.5 * stepSize
      if stepSize > 1e7 {
        throw .numerical("the step size grew beyond 1e7 while tuning: the posterior looks improper")
      }
      if stepSize == 0 { throw .numerical("no acceptably small step size: the log density is not smooth") }
    }
  }

  /// Finds an initial point with a finite log density and gradient (up to 100 uniform draws
  /// in (-initRadius, initRadius)).
  private func initialise() throws(StatisticsError) {
    for _ in 0..<100 {
      for i in 0..<dim { current[i] = options.initRadius * (2 * rng.uniform() - 1) }
      coordinates?.coordinates(current)  // drawn in the target's coordinates, as Stan's
      let value = logDensity(current)
      var finite = value.isFinite
      for i in 0..<dim where !current[dim + i].isFinite { finite = false }
      if finite { return }
    }
    throw .numerical("no initial value with a finite log density and gradient in 100 tries")
  }

  /// The adapted inverse metric's diagonal: the variances.
  private var inverseMetricDiagonal: [Double] {
    guard let c = coordinates else { return Array(UnsafeBufferPointer(start: inverseMetric, count: dim)) }
    return (0..<dim).map { c.covariance[$0 * dim + $0] }
  }

  /// Warmup with adaptation, then the kept draws.
  func run() throws(StatisticsError) -> NUTSChain {
    try initialise()
    stepSize = 1
    try initStepSize()
    var averaging = DualAveraging(delta: options.targetAcceptance)
    averaging.restart(stepSize: stepSize)
    var windows = MetricWindows(warmup: options.warmup, dimension: dim, dense: coordinates != nil)
    let metric = UnsafeMutablePointer<Double>.allocate(capacity: coordinates == nil ? dim : dim * dim)
    defer { metric.deallocate() }
    let q = coordinates?.held ?? metric
    let keepInitial = coordinates?.active == true
    let keepAlways = keepInitial && options.keepsInitialMetric
    for _ in 0..<max(options.warmup, 0) {
      let t = transition()
      stepSize = averaging.learn(acceptance: t.acceptance)
      if coordinates != nil { position(current, into: q) }
      if windows.learn(coordinates == nil ? current : q, into: metric) {
        if keepAlways || (keepInitial && windows.windowCount < 2 * dim) {
          // A dense estimate from fewer positions than twice the dimension is poorer than a
          // metric the caller started from: keep that one (the step size still restarts).
        } else if coordinates == nil {
          inverseMetric.update(from: metric, count: dim)
        } else if coordinates?.set(covariance: metric) == true {
          // The current point in the new coordinates.
          coordinates?.coordinates(q)
          current.update(from: q, count: dim)
          _ = logDensity(current)
        }
        try initStepSize()
        averaging.restart(stepSize: stepSize)
      }
    }
    if options.warmup > 0 { stepSize = averaging.averagedStepSize }
    let n = max(options.draws, 0)
    var draws = [Double](repeating: 0, count: n * dim)
    var values = [Double](repeating: 0, count: n)
    var divergences = 0
    var maxDepthHits = 0
    var acceptance = 0.0
    draws.withUnsafeMutableBufferPointer { out in
      guard let out = out.baseAddress else { return }
      for d in 0..<n {
        let t = transition()
        if t.divergent { divergences += 1 }
        if t.maxDepth { maxDepthHits += 1 }
        acceptance += t.acceptance
        position(current, into: out + d * dim)
        values[d] = current[2 * dim]
      }
    }
    return NUTSChain(
      draws: draws, logDensity: values, dimension: dim, divergences: divergences, maxTreeDepthHits: maxDepthHits,
      stepSize: stepSize, inverseMetric: inverseMetricDiagonal,
      denseInverseMetric: coordinates.map { Array(UnsafeBufferPointer(start: $0.covariance, count: dim * dim)) } ?? [],
      meanAcceptance: n > 0 ? acceptance / Double(n) : .nan, leapfrogSteps: totalLeapfrogs)
  }
}
