import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One source's figure, as range pooling sees it.
public struct RangeInput: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// Lower end of the stated range (nil when open below).
  public var low: Double?
  /// Upper end of the stated range (nil when open above).
  public var high: Double?
  /// A point figure, when no range was stated.
  public var value: Double?
  /// Probability that [low, high] is meant to hold the true value. Always stated by the
  /// caller: the default a figures row takes is the figures table's (`Figure.defaultCoverage`).
  public var coverage: Double
  /// Relative weight in the pools (default 1).
  public var weight: Double
  /// Why the figure is left out of pooling (e.g. it restates other figures); nil when pooled.
  public var excludedReason: String?

  /// Creates an input.
  public init(
    id: String, low: Double?, high: Double?, value: Double?, coverage: Double,
    weight: Double = 1, excludedReason: String? = nil
  ) {
    self.id = id
    self.low = low
    self.high = high
    self.value = value
    self.coverage = coverage
    self.weight = weight
    self.excludedReason = excludedReason
  }
}

/// A source read as a lognormal distribution: log X ~ N(mu, sigma²).
public struct SourceDistribution: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// Low end used (the stated one, or the point figure ÷ the point factor).
  public var low: Double
  /// High end used.
  public var high: Double
  /// Geometric midpoint √(low·high) (the figure itself for a point figure); exp(mu) up to rounding.
  public var mid: Double
  /// Mean of log X.
  public var mu: Double
  /// Standard deviation of log X.
  public var sigma: Double
  /// How the distribution was obtained: "range", "point".
  public var reading: String
  /// Relative weight.
  public var weight: Double
}

extension RangePooling {
  /// What an input is pooled as, before the scale is known.
  enum Reading {
    /// Left out because it restates other figures (the caller's reason); in the envelope.
    case restated(String)
    /// Left out of pooling but kept in the envelope and the intersection (a one-sided bound,
    /// a source of weight 0, a range whose spread cannot be pooled: reversed, or one whose σ²
    /// underflows or overflows on the scale).
    case bounded(String)
    /// Gives no distribution at all (a point figure of zero, a zero-width range at zero, a
    /// point figure whose factor reading overflows): listed only, with the reason, and left
    /// out of the envelope, the intersection and the conflicts too.
    case unusable(String)
    /// Pooled: the range [low, high] it is read as.
    case pooled(low: Double, high: Double, isPoint: Bool)
  }

  /// The coverages a range may be read at: below 0.001 the range would be a sliver of the
  /// distribution (and σ = width/(2z) explodes as z → 0); above 0.999999 the normal quantile
  /// runs into the end of the Double grid near 1.
  public static let coverageRange: ClosedRange<Double> = 0.001...0.999_999

  /// Reads one input, independently of the scale.
  static func reading(_ s: RangeInput, pointFactor: Double) -> Reading {
    if let reason = s.excludedReason { return .restated(reason) }
    let lo = s.low ?? s.value
    let hi = s.high ?? s.value
    guard let l = lo, let h = hi else {
      return .bounded(
        lo == nil
          ? "one-sided bound (up to \(hi.map(plain) ?? "?")): in the envelope, not pooled"
          : "one-sided bound (at least \(plain(lo ?? 0))): in the envelope, not pooled")
    }
    guard s.weight > 0 && s.weight.isFinite else { return .bounded("weight is not positive") }
    guard coverageRange.contains(s.coverage) else {
      return .bounded(
        "coverage \(s.coverage) is outside \(coverageRange.lowerBound)–\(coverageRange.upperBound): it gives no usable spread"
      )
    }
    let isPoint = s.low == nil && s.high == nil
    if isPoint && l == 0 { return .unusable("a point figure of zero gives no scale for its uncertainty") }
    if l == 0 && h == 0 { return .unusable("a zero-width range at zero gives no scale for its uncertainty") }
    if isPoint || l == h {
      // Read as right within a factor of f: v/f to v·f must both be finite.
      let a = l / pointFactor
      let b = l * pointFactor
      guard a.isFinite && b.isFinite else {
        return .unusable(
          "read as right within a factor of \(plain(pointFactor)), \(plain(l)) would span \(plain(min(a, b))) to \(plain(max(a, b))): the reading overflows, so it is not pooled"
        )
      }
      if isPoint { return .pooled(low: min(a, b), high: max(a, b), isPoint: true) }
    }
    return .pooled(low: l, high: h, isPoint: false)
  }

  /// μ and σ of the reading [rl, rh] at normal quantile z, on the log or the natural scale;
  /// a zero-width range takes the point factor's width.
  static func spread(_ rl: Double, _ rh: Double, z: Double, pointFactor: Double, log useLog: Bool) -> (
    mu: Double, sigma: Double
  ) {
    let fl = useLog ? log(rl) : rl
    let fh = useLog ? log(rh) : rh
    let mu = (fl + fh) / 2
    var sigma = (fh - fl) / (2 * z)
    if sigma == 0 {
      // A zero-width stated range: read as a point figure.
      let a = min(rl / pointFactor, rl * pointFactor)
      let b = max(rl / pointFactor, rl * pointFactor)
      sigma = ((useLog ? log(b) : b) - (useLog ? log(a) : a)) / (2 * z)
    }
    return (mu, sigma)
  }

  /// Why μ, σ cannot be pooled (nil when they can): both finite, σ > 0, and σ² a finite
  /// normal number (the pooling weighs by 1/σ²).
  static func spreadProblem(_ d: (mu: Double, sigma: Double), scale: PoolingScale) -> String? {
    let v = d.sigma * d.sigma
    if d.mu.isFinite && d.sigma.isFinite && d.sigma > 0 && v.isFinite && v >= Double.leastNormalMagnitude { return nil }
    if d.mu.isNaN || d.sigma.isNaN || d.sigma < 0 {
      return "its ends give no spread on the \(scale.rawValue) scale (low above high?)"
    }
    if !d.mu.isFinite || !d.sigma.isFinite || !v.isFinite {
      return "its range is too wide to pool on the \(scale.rawValue) scale: the spread overflows (σ = \(d.sigma))"
    }
    return "its range is too narrow to pool on the \(scale.rawValue) scale: σ = \(d.sigma), and σ² underflows"
  }
}

/// A number printed without exponent or trailing ".0" for messages.
func plain(_ x: Double) -> String {
  if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
  return String(x)
}
