import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What kind of statement a source is, as range pooling reads it (the figures table's `kind`,
/// with `verbal` for a figure read through the verbal table).
public enum SourceKind: String, Sendable, Hashable, CaseIterable {
  /// A stated number, read as right within a factor of the point factor.
  case point
  /// A range, read at its coverage (a lognormal, a two-piece lognormal around a stated centre,
  /// or a uniform on the log scale for hard bounds, coverage 1).
  case range
  /// A lower bound: a censored observation in the random effects.
  case atLeast = "at_least"
  /// An upper bound: a censored observation in the random effects.
  case atMost = "at_most"
  /// A hedged number ("about 30,000"): pooled as a point.
  case about
  /// Words read through the verbal table: pooled as the range the table gives.
  case verbal

  /// The kind the numbers imply when none is stated: both ends a range, one end a bound, a
  /// value alone a point (the figures table's `Figure.inferredKind`).
  public static func inferred(value: Double?, low: Double?, high: Double?) -> SourceKind {
    switch (low, high) {
    case (.some, .some): return .range
    case (.some, nil): return .atLeast
    case (nil, .some): return .atMost
    case (nil, nil): return value == nil ? .range : .point
    }
  }
}

/// One source's figure, as range pooling sees it.
public struct RangeInput: Sendable, Equatable {
  /// The figure's id.
  public var id: String
  /// Lower end of the stated range (nil when open below).
  public var low: Double?
  /// Upper end of the stated range (nil when open above).
  public var high: Double?
  /// A point figure; with `low` and `high`, the range's stated centre (its median).
  public var value: Double?
  /// Probability that [low, high] is meant to hold the true value. Always stated by the
  /// caller: the default a figures row takes is the figures table's (`Figure.defaultCoverage`).
  /// Exactly 1 for a range is a hard minimum–maximum (a uniform on the log scale).
  public var coverage: Double
  /// Relative weight in the pools (default 1).
  public var weight: Double
  /// Why the figure is left out of pooling (e.g. it restates other figures); nil when pooled.
  public var excludedReason: String?
  /// What kind of statement it is; nil: inferred from the numbers (``SourceKind/inferred(value:low:high:)``).
  public var kind: SourceKind?
  /// Whether a figure left out (`excludedReason`) still widens the envelope: true for a
  /// restatement, false for a superseded figure or one of narrower scope.
  public var inEnvelope: Bool
  /// The figure's evidence group: of the figures sharing a non-empty group, only the first (in
  /// input order) that can be pooled is; the others are left out, in the envelope.
  public var evidence: String
  /// Whether the figure states its own coverage (false: `coverage` is the run's assumption,
  /// which the sensitivity table varies).
  public var coverageStated: Bool

  /// Creates an input.
  public init(
    id: String, low: Double?, high: Double?, value: Double?, coverage: Double,
    weight: Double = 1, excludedReason: String? = nil, kind: SourceKind? = nil, inEnvelope: Bool = true,
    evidence: String = "", coverageStated: Bool = false
  ) {
    self.id = id
    self.low = low
    self.high = high
    self.value = value
    self.coverage = coverage
    self.weight = weight
    self.excludedReason = excludedReason
    self.kind = kind
    self.inEnvelope = inEnvelope
    self.evidence = evidence
    self.coverageStated = coverageStated
  }

  /// The kind pooling reads it as: the stated one, else the one the numbers imply.
  public var resolvedKind: SourceKind { kind ?? .inferred(value: value, low: low, high: high) }

  /// The ends the figure states, as the envelope and the intersection take them: a point's
  /// value at both ends, a bound's number at its end and the other open.
  public var statedEnds: (low: Double?, high: Double?) {
    Self.statedEnds(kind: resolvedKind, value: value, low: low, high: high)
  }

  /// ``statedEnds`` of a figure of that kind and those numbers (no input built).
  public static func statedEnds(kind: SourceKind, value: Double?, low: Double?, high: Double?) -> (
    low: Double?, high: Double?
  ) {
    switch kind {
    case .atLeast: return (low ?? value, nil)
    case .atMost: return (nil, high ?? value)
    case .point, .about:
      if let value, low == nil, high == nil { return (value, value) }
      return (low ?? value, high ?? value)
    case .range, .verbal: return (low ?? value, high ?? value)
    }
  }

}

/// How a source's distribution is shaped on the pooling scale (log or natural).
public enum SourceShape: Sendable, Equatable {
  /// N(mu, sigma²).
  case normal
  /// Median mu, N(mu, sigmaLow²) below it and N(mu, sigmaHigh²) above it (a stated centre
  /// inside its range); pooled as N(mu, sigma²) with sigma = (sigmaLow + sigmaHigh)/2 where a
  /// method needs a normal.
  case twoPiece(sigmaLow: Double, sigmaHigh: Double)
  /// Uniform on [low, high] of the scale (hard bounds, coverage 1); pooled as N(mu, sigma²)
  /// with mu the midpoint and sigma = (high − low)/√12 where a method needs a normal.
  case uniform(low: Double, high: Double)
  /// A lower bound: the latent figure is at least exp(mu), with spread sigma (a point's).
  case atLeast
  /// An upper bound: the latent figure is at most exp(mu), with spread sigma (a point's).
  case atMost

  /// Whether the source is a censored observation (a bound).
  public var isBound: Bool {
    switch self {
    case .atLeast, .atMost: return true
    default: return false
    }
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
  /// How the figure was read: "point", "range", "at_least", "at_most", "about", "verbal".
  public var reading: String
  /// Relative weight.
  public var weight: Double
  /// The shape on the pooling scale (mu and sigma are its normal summary).
  public var shape: SourceShape = .normal
  /// Why it was read otherwise than its row suggests, or how (hard bounds); nil when plain.
  public var note: String? = nil
}

extension RangePooling {
  /// What an input is pooled as, before the scale is known.
  enum Reading {
    /// Left out for the caller's reason; in the envelope (a restatement).
    case restated(String)
    /// Left out of pooling but kept in the envelope and the intersection (a source of
    /// weight 0, a range whose spread cannot be pooled: reversed, or one whose σ²
    /// underflows or overflows on the scale).
    case bounded(String)
    /// Gives no distribution at all (a point figure of zero, a zero-width range at zero, a
    /// point figure whose factor reading overflows), or left out of everything by the caller
    /// (superseded, narrower scope): listed only, with the reason, and left out of the
    /// envelope, the intersection and the conflicts too.
    case unusable(String)
    /// Pooled: the range [low, high] it is read as, its kept centre (nil: the midpoint),
    /// whether it is hard bounds (coverage 1), and a note on how it was read.
    case pooled(
      low: Double, high: Double, isPoint: Bool, center: Double? = nil, hard: Bool = false, note: String? = nil)
    /// A bound: the latent figure is at least (or at most) `bound`; [low, high] is the point
    /// reading of the bound, which gives its spread.
    case bound(bound: Double, atLeast: Bool, low: Double, high: Double)

    /// The low end of the reading, when it is pooled (decides the scale).
    var pooledLow: Double? {
      switch self {
      case .pooled(let low, _, _, _, _, _): return low
      case .bound(_, _, let low, _): return low
      default: return nil
      }
    }
    /// The ends whose spread is checked: the reading's.
    var pooledEnds: (low: Double, high: Double)? {
      switch self {
      case .pooled(let low, let high, _, _, _, _): return (low, high)
      case .bound(_, _, let low, let high): return (low, high)
      default: return nil
      }
    }
  }

  /// The coverages a range may be read at as a distribution: below 0.001 the range would be a
  /// sliver of it (and σ = width/(2z) explodes as z → 0); above 0.999999 the normal quantile
  /// runs into the end of the Double grid near 1. Coverage exactly 1 (hard bounds) is read
  /// as a uniform on the log scale instead.
  public static let coverageRange: ClosedRange<Double> = 0.001...0.999_999

  /// Reads one input, independently of the scale.
  static func reading(_ s: RangeInput, pointFactor: Double) -> Reading {
    if let reason = s.excludedReason { return s.inEnvelope ? .restated(reason) : .unusable(reason) }
    let kind = s.resolvedKind
    let (lo, hi) = s.statedEnds
    guard let l = lo, let h = hi else {
      if kind == .atLeast || kind == .atMost, let x = lo ?? hi {
        return boundReading(s, x, atLeast: kind == .atLeast, pointFactor: pointFactor)
      }
      return .bounded(
        lo == nil && hi == nil
          ? "no number to pool"
          : lo == nil
            ? "one-sided bound (up to \(hi.map(plain) ?? "?")) of kind \(kind.rawValue): in the envelope, not pooled"
            : "one-sided bound (at least \(plain(lo ?? 0))) of kind \(kind.rawValue): in the envelope, not pooled")
    }
    guard s.weight > 0 && s.weight.isFinite else { return .bounded("weight is not positive") }
    let isPoint = l == h && s.value != nil && s.low == nil && s.high == nil
    let hard = s.coverage == 1 && !isPoint && l != h
    guard hard || coverageRange.contains(s.coverage) else {
      return .bounded(
        s.coverage == 1
          ? "coverage 1 (hard bounds) on a single number gives no spread: not pooled"
          : "coverage \(s.coverage) is outside \(coverageRange.lowerBound)–\(coverageRange.upperBound): it gives no usable spread"
      )
    }
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
    // A range: its stated centre is kept when it lies strictly inside.
    guard let v = s.value, s.low != nil, s.high != nil else {
      return .pooled(low: l, high: h, isPoint: false, hard: hard, note: hard ? hardNote : nil)
    }
    if hard {
      return .pooled(
        low: l, high: h, isPoint: false, hard: true,
        note: "\(hardNote); its stated value \(plain(v)) is shown, not pooled (a uniform has no centre to keep)")
    }
    guard l < v && v < h else {
      return .pooled(
        low: l, high: h, isPoint: false,
        note:
          "its stated value \(plain(v)) is not inside its own range \(plain(l))–\(plain(h)): pooled as the range without its centre"
      )
    }
    return .pooled(low: l, high: h, isPoint: false, center: v)
  }

  /// How hard bounds are read.
  static let hardNote = "range (hard bounds, coverage 1): read as a uniform on the scale"

  /// A bound's reading: its number, and the point reading that gives its spread.
  static func boundReading(_ s: RangeInput, _ x: Double, atLeast: Bool, pointFactor: Double) -> Reading {
    let side = atLeast ? "at least" : "at most"
    guard s.weight > 0 && s.weight.isFinite else { return .bounded("weight is not positive") }
    guard coverageRange.contains(s.coverage) else {
      return .bounded(
        "a bound (\(side) \(plain(x))) at coverage \(s.coverage) gives no spread: in the envelope, not pooled")
    }
    if x == 0 { return .bounded("a bound (\(side) 0) gives no scale for its uncertainty: in the envelope, not pooled") }
    let a = x / pointFactor
    let b = x * pointFactor
    guard a.isFinite && b.isFinite && x.isFinite else {
      return .bounded("a bound (\(side) \(plain(x))) whose spread overflows: in the envelope, not pooled")
    }
    return .bound(bound: x, atLeast: atLeast, low: min(a, b), high: max(a, b))
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
