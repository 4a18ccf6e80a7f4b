#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A fitted value of a trend with its confidence band (for the mean) and prediction band
/// (for a new observation).
public struct TrendBand: Sendable, Equatable {
  /// The fitted value on the response scale.
  public var fitted: Double
  /// Lower end of the confidence band.
  public var confidenceLow: Double
  /// Upper end of the confidence band.
  public var confidenceHigh: Double
  /// Lower end of the prediction band.
  public var predictionLow: Double
  /// Upper end of the prediction band.
  public var predictionHigh: Double

  /// Wald bands around a linear predictor η̂ with standard error se(η̂).
  ///
  /// The confidence band is η̂ ± q·se(η̂); the prediction band η̂ ± q·√(se(η̂)² + v), v the
  /// variance of a new observation on the same scale. On the log scale (`logScale`) every
  /// value is exponentiated: the fitted value is exp(η̂) and the bands exp(η̂ ± …).
  ///
  /// - Parameters:
  ///   - eta: the linear predictor η̂ (log of the mean when `logScale`).
  ///   - standardError: se(η̂).
  ///   - critical: the quantile q (z or t) of the two-sided level.
  ///   - observationVariance: v, the variance of a new observation on η's scale (for the log
  ///     scale see ``logCountVariance(mean:dispersion:theta:)``).
  ///   - logScale: whether η is on the log scale.
  public init(eta: Double, standardError se: Double, critical: Double, observationVariance: Double, logScale: Bool) {
    let s = (se * se + observationVariance).squareRoot()
    let values = (eta, eta - critical * se, eta + critical * se, eta - critical * s, eta + critical * s)
    if logScale {
      (fitted, confidenceLow, confidenceHigh, predictionLow, predictionHigh) =
        (exp(values.0), exp(values.1), exp(values.2), exp(values.3), exp(values.4))
    } else {
      (fitted, confidenceLow, confidenceHigh, predictionLow, predictionHigh) = values
    }
  }

  /// The variance of log Y for a count Y with mean μ, by the delta method: Var(log Y) ≈
  /// Var Y / μ² — φ/μ when Var Y = φμ (Poisson φ = 1, quasi-Poisson), 1/μ + 1/θ when
  /// Var Y = μ + μ²/θ (negative binomial, `theta` given).
  public static func logCountVariance(mean mu: Double, dispersion: Double, theta: Double?) -> Double {
    if let theta { return 1 / mu + 1 / theta }
    return dispersion / mu
  }
}
