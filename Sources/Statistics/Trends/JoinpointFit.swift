import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where joinpoints may be placed (NCI Joinpoint's grid-search settings).
///
/// A set of joinpoints `τ₁ < … < τ_K` is admissible when at least `minObservationsFromEnd`
/// observations lie strictly before `τ₁` and strictly after `τ_K`, and at least
/// `minObservationsBetween` strictly between consecutive joinpoints — NCI Joinpoint's "minimum
/// number of observations from a joinpoint to either end" and "between two joinpoints"
/// (both counted excluding a joinpoint that sits on an observation; NCI default 2 and 2).
/// With the defaults and observed positions, joinpoints can sit on the 3rd to the (n−2)nd
/// observation, consecutive joinpoints at least 3 observations apart, so `K` joinpoints need
/// `n ≥ 3K + 2`. In addition every fit needs `n ≥ 2K + 3` so that the NCI degrees of freedom
/// `n − (2K + 2)` are positive.
///
/// **Short series.** The rule is not relaxed silently: `Joinpoint.fit` throws when no admissible
/// placement of `K` joinpoints exists, and `Joinpoint.select` lowers the maximum number of
/// joinpoints to the largest admissible one (reported in `JoinpointSelection.maxJoinpoints`).
/// Callers that want a looser rule for very short series pass smaller minimums here.
public struct JoinpointOptions: Sendable, Equatable {
  /// `0`: joinpoints only at observed periods (NCI default). `m ≥ 1`: also at `tⱼ + i/m` between
  /// consecutive observations (Lerman's grid search). At most 1000.
  public var gridPerUnit: Int
  /// Minimum observations strictly before the first and strictly after the last joinpoint (≥ 1).
  public var minObservationsFromEnd: Int
  /// Minimum observations strictly between two joinpoints (≥ 0).
  public var minObservationsBetween: Int
  /// Upper bound on the number of joinpoint sets one exhaustive search may visit; a larger
  /// search throws `invalidInput` instead of running for hours.
  public var maxCandidateSets: Int

  /// Creates options; the defaults are NCI Joinpoint's (observed positions, 2, 2).
  public init(
    gridPerUnit: Int = 0, minObservationsFromEnd: Int = 2, minObservationsBetween: Int = 2,
    maxCandidateSets: Int = 20_000_000
  ) {
    self.gridPerUnit = gridPerUnit
    self.minObservationsFromEnd = minObservationsFromEnd
    self.minObservationsBetween = minObservationsBetween
    self.maxCandidateSets = maxCandidateSets
  }
}

/// A percent change per unit of time and its confidence interval.
///
/// For a slope `β` of log rate per unit time, the percent change is `100 (exp β − 1)` and the
/// interval `100 (exp(β ± q · se) − 1)`, `q` the t(df) quantile (or the normal one when `df`
/// is nil) — NCI Joinpoint's parametric APC/AAPC interval.
public struct PercentChange: Sendable, Equatable {
  /// The slope on the log scale (`β`).
  public var slope: Double
  /// Standard error of `slope`, conditional on the joinpoint locations.
  public var standardError: Double
  /// `100 (exp β − 1)`.
  public var estimate: Double
  /// Lower end of the interval.
  public var low: Double
  /// Upper end of the interval.
  public var high: Double
  /// Degrees of freedom of the t quantile; nil when the normal quantile was used.
  public var df: Int?

  /// Creates a percent change from a slope, its SE and the critical value's reference.
  init(slope: Double, standardError: Double, level: Double, df: Int?) {
    self.slope = slope
    self.standardError = standardError
    self.df = df
    let p = 0.5 + level / 2
    let q: Double
    if let df, df > 0 {
      q = StudentT.quantile(p, df: Double(df))
    } else if df == nil {
      q = Normal.quantile(p)
    } else {
      q = .nan
    }
    estimate = 100 * Self.expm1(slope)
    low = 100 * Self.expm1(slope - q * standardError)
    high = 100 * Self.expm1(slope + q * standardError)
  }

  /// `exp(x) − 1` without cancellation near 0 (C `expm1`).
  static func expm1(_ x: Double) -> Double { cExpm1(x) }
}

/// One line segment of a joinpoint fit: from a period (first observation or joinpoint) to the next.
public struct JoinpointSegment: Sendable, Equatable {
  /// Start of the segment.
  public var from: Double
  /// End of the segment.
  public var to: Double
  /// Slope of log rate per unit time: `b₁ + d₁ + … + d_j` for the segment after the j-th joinpoint.
  public var slope: Double
  /// Its standard error `sqrt(Lᵀ V L)` from the covariance `V` of the segmented fit, conditional
  /// on the joinpoint locations.
  public var slopeSE: Double
  /// Annual percent change `100 (exp(slope) − 1)` with its t(n − 2K − 2) interval.
  public var apc: PercentChange
}

/// A continuous piecewise-linear (joinpoint) fit of log rates against time.
///
/// The model (Kim, Fay, Feuer & Midthune 2000, "Permutation tests for joinpoint regression with
/// applications to cancer rates", Stat Med 19:335–351, eq. 1) is
/// `E yₜ = b₀ + b₁ t + Σ_k d_k (t − τ_k)₊`, fitted by (weighted) least squares for the joinpoints
/// `τ` that minimise the residual sum of squares over all admissible placements.
public struct JoinpointFit: Sendable {
  /// The periods `t`, increasing.
  public var years: [Double]
  /// Number of joinpoints `K`.
  public var k: Int
  /// Joinpoint locations `τ₁ < … < τ_K`.
  public var joinpoints: [Double]
  /// The `K + 1` segments in time order.
  public var segments: [JoinpointSegment]
  /// `[b₀, b₁, d₁, …, d_K]` of `b₀ + b₁ t + Σ d_k (t − τ_k)₊` (t uncentred, so `b₀` is the
  /// value at t = 0).
  public var coefficients: [Double]
  /// Covariance of `coefficients`, `σ̂² (XᵀWX)⁻¹` with `σ̂² = RSS / (n − K − 2)` (conditional on
  /// the joinpoints, as R's `vcov(lm(...))` on the hinge design).
  public var covariance: Matrix
  /// Weighted residual sum of squares `Σ wᵢ (yᵢ − ŷᵢ)²`.
  public var rss: Double
  /// `σ̂² = RSS / (n − K − 2)`.
  public var sigma2: Double
  /// Residual degrees of freedom of the linear fit given the joinpoints, `n − K − 2`.
  public var residualDF: Int
  /// NCI degrees of freedom `n − (2K + 2)`, counting each joinpoint as a parameter; used for the
  /// t quantiles of the APC intervals.
  public var df: Int
  /// Fitted log rates `ŷₜ`.
  public var fitted: [Double]
  /// Standard errors of `ŷₜ`, `sqrt(xₜᵀ V xₜ)`.
  public var fittedSE: [Double]
  /// Confidence level of the intervals.
  public var level: Double
  /// How `k` was chosen, when it came from `Joinpoint.select`; nil for a fit with fixed `k`.
  public var selection: JoinpointSelection?
  /// Whether the fit is a maximum-likelihood fit of counts (``JoinpointCount``): its APC and
  /// AAPC intervals use the normal quantile (Wald), not t(n − 2K − 2).
  public var likelihoodBased: Bool = false
}

/// How the number of joinpoints is chosen.
public enum JoinpointSelectionMethod: Sendable, Equatable {
  /// Kim et al. (2000) sequential permutation tests at overall level `alpha`, each test with
  /// `permutations` permuted data sets drawn from a SplitMix64 generator started at `seed`.
  case permutation(permutations: Int = 999, seed: UInt64, alpha: Double = 0.05)
  /// NCI's Bayesian information criterion `ln(SSE_k / n) + (2k + 2) ln(n) / n`.
  case bic
}

/// One permutation test of `H₀: k = k₀` against `H₁: k = k₁` (Kim et al. 2000, §3).
public struct JoinpointPermutationTest: Sendable, Equatable {
  /// `k₀`.
  public var nullJoinpoints: Int
  /// `k₁`.
  public var alternativeJoinpoints: Int
  /// Observed statistic `(RSS₀ − RSS₁) / RSS₁`.
  public var statistic: Double
  /// Permuted statistics at least as large as the observed one.
  public var exceedances: Int
  /// Number of permuted data sets `B`.
  public var permutations: Int
  /// `(1 + exceedances) / (B + 1)`.
  public var pValue: Double
  /// Bonferroni-adjusted level of this test, `α / (K_max − k₀)`.
  public var level: Double
  /// `pValue ≤ level`.
  public var rejected: Bool
}

/// What `Joinpoint.select` did.
public struct JoinpointSelection: Sendable {
  /// The method that chose `chosen`.
  public var method: JoinpointSelectionMethod
  /// The maximum number of joinpoints asked for.
  public var requestedMaxJoinpoints: Int
  /// The maximum actually searched: the request lowered to what the series admits.
  public var maxJoinpoints: Int
  /// The number of joinpoints chosen.
  public var chosen: Int
  /// Best RSS for k = 0 … maxJoinpoints.
  public var rss: [Double]
  /// Best joinpoints for k = 0 … maxJoinpoints.
  public var joinpoints: [[Double]]
  /// NCI BIC for k = 0 … maxJoinpoints (computed for either method).
  public var bic: [Double]
  /// The permutation tests in the order performed (empty for BIC).
  public var tests: [JoinpointPermutationTest]
}
