import CLAPACK

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// xoshiro256** (Blackman & Vigna 2018, "Scrambled linear pseudorandom number generators"),
/// its state filled by SplitMix64 from a seed and a stream (the chain). Deterministic on every
/// platform; normals by Marsaglia's polar method (one spare kept).
struct Xoshiro256StarStar {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64
  private var spare = 0.0
  private var hasSpare = false

  /// A generator for `seed` and `stream`: distinct streams give unrelated sequences.
  init(seed: UInt64, stream: UInt64) {
    var mixer = SplitMix64(seed: seed, stream: stream)
    s0 = mixer.next()
    s1 = mixer.next()
    s2 = mixer.next()
    s3 = mixer.next()
    if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the one state xoshiro must avoid
  }

  @inline(__always)
  private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// The next 64 random bits.
  @inline(__always)
  mutating func next() -> UInt64 {
    let result = Self.rotate(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = Self.rotate(s3, 45)
    return result
  }

  /// Uniform on [0, 1) with 53 random bits.
  @inline(__always)
  mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

  /// A standard normal (Marsaglia's polar method).
  mutating func normal() -> Double {
    if hasSpare {
      hasSpare = false
      return spare
    }
    while true {
      let u = 2 * uniform() - 1
      let v = 2 * uniform() - 1
      let s = u * u + v * v
      if s > 0 && s < 1 {
        let m = (-2 * log(s) / s).squareRoot()
        spare = v * m
        hasSpare = true
        return u * m
      }
    }
  }
}

/// Nesterov dual averaging of log step size (Hoffman & Gelman 2014, Algorithm 6) with Stan's
/// constants: target acceptance `delta`, `gamma` 0.05, `t0` 10, `kappa` 0.75, and
/// `mu = log(10·ε)` set from the step size at each (re)start.
struct DualAveraging {
  var delta: Double
  var gamma = 0.05
  var t0 = 10.0
  var kappa = 0.75
  private var mu = 0.0
  private var counter = 0.0
  private var sBar = 0.0
  private var xBar = 0.0

  init(delta: Double) { self.delta = delta }

  /// Restarts the averaging around `stepSize`.
  mutating func restart(stepSize: Double) {
    mu = log(10 * stepSize)
    counter = 0
    sBar = 0
    xBar = 0
  }

  /// The step size after a transition whose mean acceptance statistic was `acceptance`.
  mutating func learn(acceptance: Double) -> Double {
    counter += 1
    let a = min(1, acceptance.isNaN ? 0 : acceptance)
    let eta = 1 / (counter + t0)
    sBar = (1 - eta) * sBar + eta * (delta - a)
    let logStep = mu - sBar * counter.squareRoot() / gamma
    let weight = pow(counter, -kappa)
    xBar = (1 - weight) * xBar + weight * logStep
    return exp(logStep)
  }

  /// The final step size: the exponential of the averaged iterates.
  var averagedStepSize: Double { exp(xBar) }
}

/// Stan's windowed adaptation of the metric: after an initial fast buffer, the positions of slow
/// windows doubling in length (the last stretched to the terminal buffer) feed a Welford
/// variance (diagonal metric) or covariance (dense metric), which at each window's end becomes
/// the inverse metric, regularised towards a small multiple of the identity as
/// `(n/(n+5))·Σ + 1e-3·(5/(n+5))·I`.
struct MetricWindows {
  let warmup: Int
  let dense: Bool
  let dimension: Int
  private(set) var initBuffer = 75
  private(set) var termBuffer = 50
  private(set) var baseWindow = 25
  private var windowSize = 0
  private var nextWindowEnd = 0
  private var counter = 0
  let adapts: Bool
  private var n = 0.0
  private var mean: [Double]
  /// The sums of squares (diagonal: `dimension` values; dense: `dimension²`, column-major).
  private var m2: [Double]
  private var delta: [Double]
  private var after: [Double]
  /// The number of positions in the window that ended last.
  private(set) var windowCount = 0

  /// Windows for `warmup` iterations in `dimension` coordinates: 75/25…/50 when they fit,
  /// else 15% / 75% / 10%; no metric adaptation below 20 iterations.
  init(warmup: Int, dimension: Int, dense: Bool = false) {
    self.warmup = warmup
    self.dense = dense
    self.dimension = dimension
    mean = Array(repeating: 0, count: dimension)
    delta = mean
    after = mean
    m2 = Array(repeating: 0, count: dense ? dimension * dimension : dimension)
    adapts = warmup >= 20
    if adapts && initBuffer + baseWindow + termBuffer > warmup {
      initBuffer = Int(0.15 * Double(warmup))
      termBuffer = Int(0.1 * Double(warmup))
      baseWindow = warmup - (initBuffer + termBuffer)
    }
    windowSize = baseWindow
    nextWindowEnd = initBuffer + windowSize - 1
  }

  private var inWindow: Bool {
    adapts && counter >= initBuffer && counter < warmup - termBuffer && counter != warmup
  }

  private var atWindowEnd: Bool { adapts && counter == nextWindowEnd && counter != warmup }

  private mutating func advanceWindow() {
    let last = warmup - termBuffer - 1
    if nextWindowEnd == last { return }
    windowSize *= 2
    nextWindowEnd = counter + windowSize
    if nextWindowEnd != last && nextWindowEnd + 2 * windowSize >= warmup - termBuffer {
      nextWindowEnd = last
    }
  }

  /// Adds `q` to the running mean and sums of squares (Welford): with `d = q - mean` before and
  /// `d' = q - mean` after the mean's update, `m2 += d·d'ᵀ` (its diagonal for a diagonal metric).
  private mutating func accumulate(_ q: UnsafePointer<Double>) {
    n += 1
    let dim = dimension
    for i in 0..<dim {
      let d = q[i] - mean[i]
      delta[i] = d
      mean[i] += d / n
    }
    if dense {
      // m2 += (q - mean)·dᵀ (BLAS dger).
      for i in 0..<dim { after[i] = q[i] - mean[i] }
      cblas_dger(CblasColMajor, Int32(dim), Int32(dim), 1, after, 1, delta, 1, &m2, Int32(dim))
    } else {
      for i in 0..<dim { m2[i] += (q[i] - mean[i]) * delta[i] }
    }
  }

  /// Records the position after warmup iteration `counter` (0, 1, …); at a window's end writes
  /// the new regularised inverse metric into `metric` (`dimension` variances, or the
  /// `dimension²` covariance column-major for a dense metric) and returns true. With fewer than
  /// two positions in the window the metric is left as it is, and still true is returned.
  mutating func learn(_ q: UnsafePointer<Double>, into metric: UnsafeMutablePointer<Double>) -> Bool {
    defer { counter += 1 }
    if inWindow { accumulate(q) }
    guard atWindowEnd else { return false }
    windowCount = Int(n)
    advanceWindow()
    if n > 1 {
      let ridge = 1e-3 * (5 / (n + 5))
      for k in m2.indices { metric[k] = (n / (n + 5)) * (m2[k] / (n - 1)) }
      let stride = dense ? dimension + 1 : 1
      for i in 0..<dimension { metric[i * stride] += ridge }
    }
    n = 0
    for i in mean.indices { mean[i] = 0 }
    for k in m2.indices { m2[k] = 0 }
    return true
  }
}
