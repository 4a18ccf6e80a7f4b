import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The prediction interval for a new count of a log-linear count model, from its predictive
/// distribution: the count distribution mixed over the estimates' uncertainty.
///
/// A new count Y at a linear predictor η has, given the parameters, the model's count
/// distribution with mean μ = e^η. The estimates are uncertain: η ~ N(η̂, se(η̂)²) (its Wald
/// distribution) and the spread parameter s (log θ for the negative binomial, log φ for the
/// quasi-Poisson) ~ N(ŝ, se(ŝ)²), independent of η (for the negative binomial with a log link
/// the information of β and θ is block-diagonal, Lawless 1987). The predictive distribution
/// function is the mixture
///
///     F(y) = ∫∫ F_count(y | e^(η̂ + se·z), s(u)) φ(z) φ(u) dz du,
///
/// computed by the trapezoid rule on both normal variables (|z| ≤ 7, |u| ≤ 5), which converges
/// geometrically for these smooth integrands (Trefethen & Weideman 2014): the step in z is
/// at most 1 and at most the log-scale width of the count distribution over se(η̂), so that
/// the integrand's variation in z is always resolved; the error is below 1e-8 in F. The
/// interval ends are integers: the lower end is the smallest y with F(y) ≥ α/2 and the upper
/// the smallest y with F(y) ≥ 1 − α/2, so each tail holds at most α/2 of the predictive
/// distribution (a little less, by the counts' discreteness). No random numbers: the same
/// inputs give the same interval on every platform up to the last bits of `exp` and `log`.
///
/// Count distributions:
/// - negative binomial with shape θ: Var Y = μ + μ²/θ, F(y) = I_{θ/(θ+μ)}(θ, y + 1);
/// - quasi-Poisson with dispersion φ: Var Y = φμ, the negative binomial with θ = μ/(φ − 1)
///   (the count distribution of that mean and variance that is a gamma mixture of Poissons)
///   when φ > 1, the Poisson when φ ≤ 1 (an underdispersed count has no such mixture);
///   log φ has variance 2/df (that of the log of a χ²_df/df, the Pearson estimate's law under
///   the model) and se(η̂) scales with √(φ/φ̂);
/// - Poisson: F(y) = Q(y + 1, μ).
///
/// Lawless, J. F. (1987). Negative binomial and mixed Poisson regression. *Canadian Journal of
/// Statistics* 15, 209–225. Trefethen, L. N. & Weideman, J. A. C. (2014). The exponentially
/// convergent trapezoidal rule. *SIAM Review* 56, 385–458.
public struct CountPrediction: Sendable, Equatable {
  /// The spread of the count around its mean, with the uncertainty of its parameter.
  public enum Spread: Sendable, Equatable {
    /// Poisson: Var Y = μ.
    case poisson
    /// Negative binomial: Var Y = μ + μ²/θ, log θ ~ N(log θ̂, `logThetaSE`²).
    case negativeBinomial(theta: Double, logThetaSE: Double)
    /// Quasi-Poisson: Var Y = φμ, log φ ~ N(log φ̂, 2/`df`).
    case quasiPoisson(dispersion: Double, df: Int)
  }

  /// The largest standard error of log θ used: beyond it the normal approximation of log θ
  /// means nothing (θ barely determined — large, where the counts show little overdispersion).
  public static let maxLogThetaSE = 1.0

  /// The linear predictor's estimate η̂ (log of the mean count).
  public var eta: Double
  /// se(η̂) (at the estimated dispersion, for the quasi-Poisson).
  public var standardError: Double
  /// The count distribution.
  public var spread: Spread
  /// The mixture's nodes: log mean, θ (infinity: Poisson) and weight (the weights sum to 1).
  private var nodes: [(logMean: Double, theta: Double, weight: Double)] = []

  /// The predictive distribution of a count with linear predictor η̂ ± se and `spread`.
  ///
  /// A θ that is not finite (or a θ standard error that is not) is taken as Poisson (or θ
  /// known); se(log θ) is capped at ``maxLogThetaSE``.
  public init(eta: Double, standardError: Double, spread: Spread) {
    self.eta = eta
    self.standardError = standardError.isFinite ? max(0, standardError) : 0
    self.spread = spread
    nodes = Self.nodes(eta: eta, se: self.standardError, spread: spread)
  }

  /// One component of a mixture over θ: the linear predictor's estimate and standard error at
  /// that θ, θ itself (infinity: Poisson) and the component's weight.
  public struct Component: Sendable, Equatable {
    /// η̂ at this θ.
    public var eta: Double
    /// se(η̂) at this θ.
    public var standardError: Double
    /// θ.
    public var theta: Double
    /// The weight (the weights are normalised to sum to 1).
    public var weight: Double

    /// Creates a component.
    public init(eta: Double, standardError: Double, theta: Double, weight: Double) {
      self.eta = eta
      self.standardError = standardError
      self.theta = theta
      self.weight = weight
    }
  }

  /// The predictive distribution mixed over given values of θ: Σₖ wₖ ∫ NB(y | e^(ηₖ + seₖ·z), θₖ)
  /// φ(z) dz, each component's η integrated by the same trapezoid rule (a mixture over θ by
  /// the integrated likelihood, where θ's normal approximation is poor: see
  /// ``ThetaIntegration``). `eta`, `standardError` and `spread` describe the component of
  /// largest weight (for the starting guesses of the quantiles). Components of weight 0 or
  /// less, or not finite, are left out; nil when none is left.
  public init?(components: [Component]) {
    let used = components.filter {
      $0.weight > 0 && $0.weight.isFinite && $0.eta.isFinite && $0.standardError.isFinite && $0.theta > 0
    }
    let total = used.reduce(0) { $0 + $1.weight }
    guard let top = used.max(by: { $0.weight < $1.weight }), total > 0 else { return nil }
    eta = top.eta
    standardError = max(0, top.standardError)
    spread = .negativeBinomial(theta: top.theta, logThetaSE: 0)
    var all: [(logMean: Double, theta: Double, weight: Double)] = []
    for c in used {
      for n in Self.nodes(
        eta: c.eta, se: max(0, c.standardError), spread: .negativeBinomial(theta: c.theta, logThetaSE: 0))
      {
        all.append((n.logMean, n.theta, n.weight * c.weight / total))
      }
    }
    nodes = all.filter { $0.weight > 1e-16 }
  }

  public static func == (a: CountPrediction, b: CountPrediction) -> Bool {
    a.eta == b.eta && a.standardError == b.standardError && a.spread == b.spread && a.nodes.count == b.nodes.count
  }

  /// The predictive distribution function P(Y ≤ y); 0 below 0.
  public func cdf(_ y: Double) -> Double {
    guard y >= 0 else { return 0 }
    let k = y.rounded(.down)
    var total = 0.0
    for n in nodes { total += n.weight * Self.countCDF(k, logMean: n.logMean, theta: n.theta) }
    return min(1, total)
  }

  /// The smallest count y ≥ 0 with P(Y ≤ y) ≥ `p`, for 0 < p < 1 (nil otherwise or when the
  /// mean is not finite).
  public func quantile(_ p: Double) -> Double? {
    guard p > 0, p < 1, eta.isFinite, exp(eta).isFinite else { return nil }
    let guess = exp(eta + Normal.quantile(p) * (standardError * standardError + approximateLogVariance).squareRoot())
    return Self.integerQuantile(p, guess: guess.isFinite ? guess : exp(eta), cdf: cdf)
  }

  /// The two-sided prediction interval at `level`: the α/2 and 1 − α/2 quantiles (integers).
  public func interval(level: Double) -> (low: Double, high: Double)? {
    let alpha = 1 - level
    guard alpha > 0, alpha < 1, let low = quantile(alpha / 2), let high = quantile(1 - alpha / 2) else { return nil }
    return (low, high)
  }

  /// Var(log Y) by the delta method at η̂ (for the starting guess of a quantile).
  var approximateLogVariance: Double {
    let mu = exp(eta)
    switch spread {
    case .poisson: return 1 / mu
    case .negativeBinomial(let theta, _): return 1 / mu + (theta.isFinite ? 1 / theta : 0)
    case .quasiPoisson(let phi, _): return max(phi, 1e-12) / mu
    }
  }

  /// P(Y ≤ k) for a whole k ≥ 0: negative binomial I_{θ/(θ+μ)}(θ, k + 1), or Poisson Q(k + 1, μ)
  /// where θ is infinite or so large (θ > 10⁴(μ + 1)) that the two differ by less than the
  /// counts' resolution.
  static func countCDF(_ k: Double, logMean: Double, theta: Double) -> Double {
    let mu = exp(logMean)
    if !(mu > 0) { return 1 }
    if !mu.isFinite { return 0 }
    if !theta.isFinite || theta > 1e4 * (mu + 1) {
      return SpecialFunctions.regularizedGammaQ(k + 1, mu)
    }
    // θ/(θ+μ) written as 1/(1 + μ/θ), its complement as 1/(1 + θ/μ): both to full accuracy.
    return SpecialFunctions.regularizedBeta(1 / (1 + mu / theta), a: theta, b: k + 1)
  }

  /// The mixture's nodes (see the type's documentation).
  static func nodes(eta: Double, se: Double, spread: Spread) -> [(logMean: Double, theta: Double, weight: Double)] {
    // The second variable: log θ or log φ, its standard error, and the θ of each of its values
    // at a mean μ (quasi-Poisson: θ = μ/(φ − 1), Poisson when φ ≤ 1).
    let centre: Double
    var sd: Double
    switch spread {
    case .poisson:
      centre = 0
      sd = 0
    case .negativeBinomial(let theta, let s):
      guard theta.isFinite, theta > 0 else { return nodes(eta: eta, se: se, spread: .poisson) }
      centre = log(theta)
      sd = s.isFinite ? min(max(s, 0), maxLogThetaSE) : 0
    case .quasiPoisson(let phi, let df):
      centre = log(max(phi, 1e-300))
      sd = df > 0 ? (2 / Double(df)).squareRoot() : 0
    }
    if !(sd > 0) { sd = 0 }
    let outer: [(value: Double, weight: Double)] =
      sd == 0 ? [(centre, 1)] : trapezoid(halfWidth: 5, step: 1).map { (centre + sd * $0.z, $0.weight) }
    // The narrowest log-scale width of the count distribution over the nodes, at the upper end
    // of the means: the step in z resolves it.
    let muHigh = exp(eta + 3 * se)
    let widthSquared: Double
    switch spread {
    case .poisson: widthSquared = 1 / muHigh
    case .negativeBinomial: widthSquared = 1 / muHigh + exp(-(outer.map(\.value).max() ?? centre))
    case .quasiPoisson: widthSquared = max(1, exp(outer.map(\.value).min() ?? centre)) / muHigh
    }
    let step = se > 0 ? min(1, max(7.0 / 400, widthSquared.squareRoot() / se)) : 1
    let inner = se > 0 ? trapezoid(halfWidth: 7, step: step) : [(z: 0, weight: 1)]
    var out: [(logMean: Double, theta: Double, weight: Double)] = []
    out.reserveCapacity(inner.count * outer.count)
    for o in outer {
      // The quasi-Poisson's se(η̂) is at φ̂: at another φ it scales with √(φ/φ̂).
      let scale: Double
      if case .quasiPoisson = spread { scale = exp((o.value - centre) / 2) } else { scale = 1 }
      for i in inner {
        let w = o.weight * i.weight
        guard w > 1e-16 else { continue }
        let logMean = eta + se * scale * i.z
        let theta: Double
        switch spread {
        case .poisson: theta = .infinity
        case .negativeBinomial: theta = exp(o.value)
        case .quasiPoisson:
          let phi = exp(o.value)
          theta = phi > 1 ? exp(logMean) / (phi - 1) : .infinity
        }
        out.append((logMean, theta, w))
      }
    }
    let total = out.reduce(0) { $0 + $1.weight }
    return out.map { ($0.logMean, $0.theta, $0.weight / total) }
  }

  /// The trapezoid rule for ∫ f(z) φ(z) dz on z = 0, ±h, ±2h, … within ±`halfWidth` (weights
  /// φ(z)·h, summing to 1 within the tails' mass beyond ±halfWidth).
  static func trapezoid(halfWidth: Double, step h: Double) -> [(z: Double, weight: Double)] {
    let k = Int((halfWidth / h).rounded(.up))
    return (-k...k).map { i in
      let z = Double(i) * h
      return (z, h * exp(-z * z / 2) / (2 * Double.pi).squareRoot())
    }
  }

  /// The smallest whole y ≥ 0 with `cdf(y)` ≥ `p`: a bracket grown from `guess`, then false
  /// position on whole numbers (Illinois variant, with bisection when a step does not halve the
  /// bracket).
  static func integerQuantile(_ p: Double, guess: Double, cdf: (Double) -> Double) -> Double {
    let g = max(0, guess.rounded())
    let fg = cdf(g)
    // lo < hi whole numbers with cdf(lo) < p ≤ cdf(hi); lo = −1 stands for "below 0".
    var lo: Double
    var hi: Double
    var flo: Double
    var fhi: Double
    var step = max(1, (0.1 * g).rounded(.up))
    if fg >= p {
      (hi, fhi) = (g, fg)
      while true {
        let next = hi - step
        if next < 0 {
          (lo, flo) = (-1, 0)
          break
        }
        let f = cdf(next)
        if f < p {
          (lo, flo) = (next, f)
          break
        }
        (hi, fhi) = (next, f)
        step *= 2
      }
    } else {
      (lo, flo) = (g, fg)
      while true {
        let next = lo + step
        let f = cdf(next)
        if f >= p || !next.isFinite || next > 1e300 {
          (hi, fhi) = (next, f)
          break
        }
        (lo, flo) = (next, f)
        step *= 2
      }
    }
    var glo = flo - p
    var ghi = fhi - p
    var side = 0
    var bisect = false
    while hi - lo > 1 {
      let width = hi - lo
      var m: Double
      if bisect || !(ghi > glo) {
        m = ((lo + hi) / 2).rounded(.down)
      } else {
        m = (lo - glo * (hi - lo) / (ghi - glo)).rounded()
      }
      m = min(max(m, lo + 1), hi - 1)
      let gm = cdf(m) - p
      if gm >= 0 {
        (hi, ghi) = (m, gm)
        if side == -1 { glo /= 2 }
        side = -1
      } else {
        (lo, glo) = (m, gm)
        if side == 1 { ghi /= 2 }
        side = 1
      }
      bisect = hi - lo > width / 2
    }
    return hi
  }
}
