/// The k studies of one meta-analysis, viewed without copying, with the sums every τ² estimator
/// needs. Internal: the public entry point is ``MetaAnalysis/fit(estimates:variances:method:test:level:)``.
///
/// As metafor does, τ² estimators work on the centred estimates yᵢ − ȳ (which changes nothing
/// mathematically, since the intercept absorbs the shift, but keeps sums of squares small).
struct Studies {
  let y: UnsafeBufferPointer<Double>
  let v: UnsafeBufferPointer<Double>
  /// The unweighted mean ȳ used for centring.
  let mean: Double

  var k: Int { y.count }

  init(y: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>) {
    self.y = y
    self.v = v
    var s = 0.0
    for x in y { s += x }
    mean = y.isEmpty ? 0 : s / Double(y.count)
  }

  /// Sums for weights wᵢ = 1/(vᵢ + τ²) and P = W − wwᵀ/Σw, the residual-forming matrix of
  /// the intercept-only weighted fit.
  struct Moments {
    /// Σwᵢ.
    var sw = 0.0
    /// Σwᵢ².
    var sw2 = 0.0
    /// The weighted mean of the centred estimates.
    var mu = 0.0
    /// yᵀPy = Σwᵢ(yᵢ − μ̂)², the generalised Q statistic.
    var rss = 0.0
    /// yᵀPPy = Σwᵢ²(yᵢ − μ̂)².
    var rssW2 = 0.0
    /// tr P = Σ(wᵢ − wᵢ²/Σw).
    var trP = 0.0
    /// tr PP = Σᵢⱼ Pᵢⱼ².
    var trPP = 0.0
  }

  /// The sums of ``Moments`` at τ² (two passes, no allocation).
  ///
  /// - Complexity: O(k).
  func moments(tau2: Double) -> Moments {
    var m = Moments()
    var swy = 0.0
    for i in 0..<k {
      let w = 1 / (v[i] + tau2)
      m.sw += w
      m.sw2 += w * w
      swy += w * (y[i] - mean)
    }
    m.mu = swy / m.sw
    var prefix = 0.0  // Σ_{j<i} wⱼ², for the off-diagonal part of tr PP without cancellation
    var off = 0.0
    var diag2 = 0.0
    for i in 0..<k {
      let w = 1 / (v[i] + tau2)
      let r = (y[i] - mean) - m.mu
      m.rss += w * r * r
      m.rssW2 += w * w * r * r
      let d = w - w * w / m.sw
      m.trP += d
      diag2 += d * d
      off += w * w * prefix
      prefix += w * w
    }
    m.trPP = diag2 + 2 * off / (m.sw * m.sw)
    return m
  }

  /// Σᵢⱼ aᵢ bⱼ Pᵢⱼ² for P = W − wwᵀ/Σw with wᵢ = 1/(vᵢ + τ²) (or wᵢ = 1 when `unitWeights`,
  /// the centring matrix I − J/k), where aᵢ is vᵢ when `aIsV` and 1 otherwise, likewise b.
  /// These are metafor's `sum(P*P)`, `sum(PV*P)` and `sum(PV*t(PV))`.
  ///
  /// The off-diagonal part Σ_{i≠j} aᵢwᵢ² bⱼwⱼ² is accumulated from prefix sums, so it has no
  /// cancellation. - Complexity: O(k).
  func sumPSquared(tau2: Double, unitWeights: Bool = false, aIsV: Bool, bIsV: Bool) -> Double {
    var sw = 0.0
    for i in 0..<k { sw += unitWeights ? 1 : 1 / (v[i] + tau2) }
    var diag = 0.0
    var off = 0.0
    var prefixA = 0.0
    var prefixB = 0.0
    for i in 0..<k {
      let w = unitWeights ? 1 : 1 / (v[i] + tau2)
      let a = aIsV ? v[i] : 1
      let b = bIsV ? v[i] : 1
      let d = w - w * w / sw
      diag += a * b * d * d
      let w2 = w * w
      off += b * w2 * prefixA + a * w2 * prefixB
      prefixA += a * w2
      prefixB += b * w2
    }
    return diag + off / (sw * sw)
  }

  /// Σ(yᵢ − ȳ)², the unweighted residual sum of squares (metafor's RSS with P = I − J/k).
  func unweightedRSS() -> Double {
    var s = 0.0
    for x in y { s += x - mean }
    let m = s / Double(k)
    var r = 0.0
    for x in y {
      let d = (x - mean) - m
      r += d * d
    }
    return r
  }

  /// Σvᵢ.
  func sumV() -> Double {
    var s = 0.0
    for x in v { s += x }
    return s
  }

  /// R's `mad(y)`: 1.4826 × the median absolute deviation from the median.
  func medianAbsoluteDeviation() -> Double {
    let sorted = y.sorted()
    let med = Self.median(sorted)
    let dev = sorted.map { abs($0 - med) }.sorted()
    return 1.4826 * Self.median(dev)
  }

  static func median(_ sorted: [Double]) -> Double {
    let n = sorted.count
    guard n > 0 else { return .nan }
    let h = n / 2
    return n % 2 == 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2
  }
}
