import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Normal–normal random effects by maximum likelihood with censored observations: estimates
/// yᵢ with known sampling variances sᵢ², some of them observed only as a bound.
///
/// Each source's latent estimate is Yᵢ ~ N(μ, sᵢ² + τ²). An exact observation contributes its
/// normal log density, −½ ln(2π vᵢ) − (yᵢ − μ)²/(2vᵢ) with vᵢ = sᵢ² + τ²; a lower bound ("Yᵢ ≥
/// cᵢ") contributes ln Φ((μ − cᵢ)/√vᵢ), an upper bound ln Φ((cᵢ − μ)/√vᵢ) (Tobit-type censoring,
/// as in survival models). μ̂ and τ̂² ≥ 0 maximise the sum. Each term is concave in μ, so for a
/// fixed τ² the profile maximiser μ̂(τ²) is unique and found by a safeguarded Newton iteration;
/// τ̂² is then the root of the profile score ∂ℓ/∂τ² at μ̂(τ²) (0 when that score is not
/// positive at 0), by a safeguarded Newton iteration whose slope is the Schur complement
/// ℓ_ττ − ℓ_μτ²/ℓ_μμ. The standard error of μ̂ comes from the observed information (the
/// negative Hessian of ℓ at the maximum; with τ̂² = 0, or τ² fixed, from ℓ_μμ alone), the CI
/// is μ̂ ± z·SE and the prediction interval μ̂ ± z·√(τ̂² + SE²). Without censored observations
/// this is the ML estimator of metafor's `rma(method = "ML")` with z-based intervals.
public enum CensoredRandomEffects {
  /// How an estimate was observed.
  public enum Side: Sendable, Equatable {
    /// Observed as yᵢ.
    case exact
    /// Observed only as Yᵢ ≥ yᵢ.
    case atLeast
    /// Observed only as Yᵢ ≤ yᵢ.
    case atMost
  }

  /// One source: its estimate (or bound) and its sampling variance sᵢ².
  public struct Observation: Sendable, Equatable {
    /// The estimate, or the bound.
    public var y: Double
    /// sᵢ² > 0.
    public var variance: Double
    /// Exact, or a bound.
    public var side: Side
    /// Creates an observation.
    public init(y: Double, variance: Double, side: Side) {
      self.y = y
      self.variance = variance
      self.side = side
    }
  }

  /// The fit.
  public struct Result: Sendable, Equatable {
    /// μ̂.
    public var estimate: Double
    /// SE(μ̂) from the observed information.
    public var standardError: Double
    /// τ̂² (0 when not estimated).
    public var tau2: Double
    /// I² (percent): τ̂² / (τ̂² + s̃²), s̃² = (k − 1)Σwᵢ / ((Σwᵢ)² − Σwᵢ²), wᵢ = 1/sᵢ²
    /// (Higgins & Thompson 2002, as metafor).
    public var i2: Double
    /// μ̂ ∓ z·SE.
    public var ciLow: Double
    /// μ̂ ± z·SE.
    public var ciHigh: Double
    /// μ̂ ∓ z·√(τ̂² + SE²).
    public var piLow: Double
    /// μ̂ ± z·√(τ̂² + SE²).
    public var piHigh: Double
    /// The maximised log-likelihood.
    public var logLikelihood: Double
  }

  /// Fits the model.
  ///
  /// - Parameters:
  ///   - observations: the sources (at least one exact, so that the maximum is finite).
  ///   - estimateTau2: estimate τ² (false: τ² = 0, the common-effect model).
  ///   - level: level of the intervals, in (0, 1).
  /// - Returns: nil when no observation is exact and the bounds leave μ unbounded (bounds on
  ///   one side only), or the likelihood has no finite maximum.
  /// - Throws: `StatisticsError.invalidInput` when a variance is not positive and finite, a
  ///   value is not finite, or `level` is outside (0, 1).
  public static func fit(_ observations: [Observation], estimateTau2: Bool, level: Double) throws(StatisticsError)
    -> Result?
  {
    guard level > 0 && level < 1 else { throw .invalidInput("level must be in (0, 1), got \(level)") }
    for o in observations where !(o.variance > 0 && o.variance.isFinite && o.y.isFinite) {
      throw .invalidInput("each estimate needs a finite value and a positive finite variance")
    }
    guard !observations.isEmpty else { return nil }
    let hasExact = observations.contains { $0.side == .exact }
    let hasLower = observations.contains { $0.side == .atLeast }
    let hasUpper = observations.contains { $0.side == .atMost }
    // With only bounds on one side the likelihood grows without limit as μ runs off.
    guard hasExact || (hasLower && hasUpper) else { return nil }
    let model = Model(observations: observations)
    var tau2 = 0.0
    guard var mu = model.profileMean(tau2: 0) else { return nil }
    if estimateTau2 && model.derivatives(mu: mu, tau2: 0).t > 0 {
      guard let (t, m) = model.profileMaximum(start: mu) else { return nil }
      tau2 = t
      mu = m
    }
    let d = model.derivatives(mu: mu, tau2: tau2)
    let a = -d.mm
    let b = -d.mt
    let c = -d.tt
    let variance: Double
    if estimateTau2 && tau2 > 0 {
      let det = a * c - b * b
      guard det > 0 && c > 0 else { return nil }
      variance = c / det
    } else {
      guard a > 0 else { return nil }
      variance = 1 / a
    }
    let se = variance.squareRoot()
    let z = Normal.quantile(0.5 + level / 2)
    let half = z * se
    let predictionHalf = z * (tau2 + variance).squareRoot()
    var sw = 0.0
    var sw2 = 0.0
    for o in observations {
      let w = 1 / o.variance
      sw += w
      sw2 += w * w
    }
    let k = Double(observations.count)
    let typical = observations.count > 1 ? (k - 1) * sw / (sw * sw - sw2) : .nan
    return Result(
      estimate: mu, standardError: se, tau2: tau2, i2: 100 * tau2 / (tau2 + typical), ciLow: mu - half,
      ciHigh: mu + half, piLow: mu - predictionHalf, piHigh: mu + predictionHalf,
      logLikelihood: model.logLikelihood(mu: mu, tau2: tau2))
  }

  /// The log-likelihood and its derivatives.
  struct Model {
    let observations: [Observation]

    /// ln Φ(u), accurate far into the lower tail.
    static func logCDF(_ u: Double) -> Double {
      if u > -30 { return log(Normal.cdf(u)) }
      // Φ(u) = φ(u)/(−u) · (1 − 1/u² + 3/u⁴ − 15/u⁶ + …) for large −u.
      let r = 1 / (u * u)
      return -0.5 * u * u - 0.918_938_533_204_672_8 - log(-u) + log1p(-r + 3 * r * r - 15 * r * r * r)
    }

    /// The inverse Mills ratio λ(u) = φ(u)/Φ(u).
    static func mills(_ u: Double) -> Double {
      if u > -30 { return exp(-0.5 * u * u) / 2.506_628_274_631_000_2 / Normal.cdf(u) }
      let r = 1 / (u * u)
      return -u / (1 - r + 3 * r * r - 15 * r * r * r)
    }

    func logLikelihood(mu: Double, tau2: Double) -> Double {
      var sum = Summation.Accumulator()
      for o in observations {
        let v = o.variance + tau2
        switch o.side {
        case .exact:
          let e = o.y - mu
          sum.add(-0.5 * log(2 * Double.pi * v) - e * e / (2 * v))
        case .atLeast: sum.add(Self.logCDF((mu - o.y) / v.squareRoot()))
        case .atMost: sum.add(Self.logCDF((o.y - mu) / v.squareRoot()))
        }
      }
      return sum.value
    }

    /// ∂ℓ/∂μ, ∂ℓ/∂τ² and the second derivatives at (μ, τ²).
    func derivatives(mu: Double, tau2: Double) -> (m: Double, t: Double, mm: Double, mt: Double, tt: Double) {
      var m = Summation.Accumulator()
      var t = Summation.Accumulator()
      var mm = Summation.Accumulator()
      var mt = Summation.Accumulator()
      var tt = Summation.Accumulator()
      for o in observations {
        let v = o.variance + tau2
        switch o.side {
        case .exact:
          let e = o.y - mu
          m.add(e / v)
          t.add(-0.5 / v + e * e / (2 * v * v))
          mm.add(-1 / v)
          mt.add(-e / (v * v))
          tt.add(0.5 / (v * v) - e * e / (v * v * v))
        case .atLeast, .atMost:
          let sign: Double = o.side == .atLeast ? 1 : -1
          let root = v.squareRoot()
          let u = sign * (mu - o.y) / root
          let lambda = Self.mills(u)
          let slope = -lambda * (u + lambda)  // λ'(u)
          let uM = sign / root
          let uT = -u / (2 * v)
          let uMT = -uM / (2 * v)
          let uTT = 3 * u / (4 * v * v)
          m.add(lambda * uM)
          t.add(lambda * uT)
          mm.add(slope * uM * uM)
          mt.add(slope * uM * uT + lambda * uMT)
          tt.add(slope * uT * uT + lambda * uTT)
        }
      }
      return (m.value, t.value, mm.value, mt.value, tt.value)
    }

    /// μ̂(τ²): the root of ∂ℓ/∂μ (decreasing in μ), by Newton steps inside a bracket, from
    /// `start` when given (the previous τ²'s root: the outer search moves τ² little, and
    /// Newton from there needs two or three steps where from the bracket's middle it needs a
    /// dozen).
    func profileMean(tau2: Double, start: Double? = nil) -> Double? {
      let ys = observations.map(\.y)
      let spread = observations.map { (($0.variance + tau2)).squareRoot() }.max() ?? 1
      guard var lo = ys.min(), var hi = ys.max(), spread.isFinite else { return nil }
      var width = max(spread, hi - lo, 1)
      lo -= width
      hi += width
      var grown = 0
      while derivatives(mu: lo, tau2: tau2).m <= 0 || derivatives(mu: hi, tau2: tau2).m >= 0 {
        width *= 2
        lo -= width
        hi += width
        grown += 1
        if grown > 60 || !width.isFinite { return nil }
      }
      var x = (lo + hi) / 2
      if let start, start > lo && start < hi { x = start }
      for _ in 0..<300 {
        let d = derivatives(mu: x, tau2: tau2)
        if d.m == 0 { return x }
        if d.m > 0 { lo = x } else { hi = x }
        let newton = d.mm < 0 ? x - d.m / d.mm : .nan
        let next = newton > lo && newton < hi ? newton : (lo + hi) / 2
        let step = abs(next - x)
        x = next
        if step <= 4 * max(x.ulp, Double.leastNormalMagnitude) || hi - lo <= 4 * max(x.ulp, Double.leastNormalMagnitude)
        {
          break
        }
      }
      return x
    }

    /// The profile score g(τ²) = ∂ℓ/∂τ² at μ̂(τ²), and its slope ℓ_ττ − ℓ_μτ²/ℓ_μμ.
    func profileScore(_ tau2: Double, start: Double? = nil) -> (mu: Double, g: Double, slope: Double)? {
      guard let mu = profileMean(tau2: tau2, start: start) else { return nil }
      let d = derivatives(mu: mu, tau2: tau2)
      return (mu, d.t, d.tt - d.mt * d.mt / d.mm)
    }

    /// τ̂² > 0 and μ̂ where the profile score (positive at 0) falls to zero.
    func profileMaximum(start: Double) -> (tau2: Double, mu: Double)? {
      var lo = 0.0
      let variances = observations.map(\.variance)
      var hi = max(variances.max() ?? 1, 1e-12)
      var grown = 0
      var mu = start
      while let s = profileScore(hi, start: mu), s.g > 0 {
        mu = s.mu
        lo = hi
        hi *= 4
        grown += 1
        if grown > 200 || !hi.isFinite { return nil }
      }
      var t = (lo + hi) / 2
      for _ in 0..<300 {
        guard let s = profileScore(t, start: mu) else { return nil }
        mu = s.mu
        if s.g == 0 { break }
        if s.g > 0 { lo = t } else { hi = t }
        let newton = s.slope < 0 ? t - s.g / s.slope : .nan
        let next = newton > lo && newton < hi ? newton : (lo + hi) / 2
        let step = abs(next - t)
        t = next
        let resolution = 4 * max(t.ulp, Double.leastNormalMagnitude)
        if step <= resolution || hi - lo <= resolution {
          if let last = profileScore(t, start: mu) { mu = last.mu }
          break
        }
      }
      return (t, mu)
    }
  }
}
