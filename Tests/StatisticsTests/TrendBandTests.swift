import Foundation
import Testing

@testable import Statistics

/// Confidence and prediction bands of a fitted trend value.
@Suite("Trend bands")
struct TrendBandTests {
  /// A Poisson mean of 100 with se(log μ̂) = 0.1 at 95%: confidence 100 e^{±1.96·0.1},
  /// prediction 100 e^{±1.96·√(0.01 + 1/100)} (values from Python's math module).
  @Test func logScalePoisson() {
    let v = TrendBand.logCountVariance(mean: 100, dispersion: 1, theta: nil)
    let b = TrendBand(
      eta: log(100), standardError: 0.1, critical: 1.959963984540054, observationVariance: v, logScale: true)
    for (got, want) in [
      (b.fitted, 100.00000000000004), (b.confidenceLow, 82.20151951983898), (b.confidenceHigh, 121.65225239646028),
      (b.predictionLow, 75.79174798722589), (b.predictionHigh, 131.94048515262415),
    ] {
      #expect(abs(got - want) <= 1e-13 * want, "\(got) vs \(want)")
    }
  }

  /// Var(log Y) ≈ φ/μ, or 1/μ + 1/θ for the negative binomial.
  @Test func logCountVariance() {
    #expect(TrendBand.logCountVariance(mean: 50, dispersion: 2, theta: nil) == 0.04)
    #expect(abs(TrendBand.logCountVariance(mean: 50, dispersion: 1, theta: 4) - 0.27) < 1e-15)
    #expect(TrendBand.logCountVariance(mean: 50, dispersion: 1, theta: .infinity) == 0.02)
  }

  /// On the identity scale the bands are η̂ ± q·se and η̂ ± q·√(se² + σ²).
  @Test func identityScale() {
    let b = TrendBand(eta: 10, standardError: 3, critical: 2, observationVariance: 16, logScale: false)
    #expect(b.fitted == 10)
    #expect(b.confidenceLow == 4 && b.confidenceHigh == 16)
    #expect(b.predictionLow == 0 && b.predictionHigh == 20)
  }
}
