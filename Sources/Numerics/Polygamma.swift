import Foundation

extension SpecialFunctions {
  /// The digamma function ψ(x) = d/dx log Γ(x), for x > 0.
  ///
  /// Upward recurrence ψ(x) = ψ(x + 1) − 1/x to x ≥ 10, then the asymptotic series
  /// ψ(x) ~ log x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) (Abramowitz & Stegun 6.3.18) through x⁻¹⁶;
  /// relative error below 1e-15 for x ≥ 1e-8. Returns NaN for x ≤ 0 or NaN.
  public static func digamma(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == .infinity ? .infinity : .nan }
    var v = x
    var result = 0.0
    while v < 10 {
      result -= 1 / v
      v += 1
    }
    let r = 1 / (v * v)
    let series =
      r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760 - r * (1.0 / 12)))))))
    return result + log(v) - 0.5 / v - series
  }

  /// The trigamma function ψ′(x), for x > 0.
  ///
  /// Recurrence ψ′(x) = ψ′(x + 1) + 1/x² to x ≥ 10, then ψ′(x) ~ 1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹
  /// (A&S 6.4.12); relative error below 1e-15. Returns NaN for x ≤ 0 or NaN.
  public static func trigamma(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return x == .infinity ? 0 : .nan }
    var v = x
    var result = 0.0
    while v < 10 {
      result += 1 / (v * v)
      v += 1
    }
    let r = 1 / (v * v)
    let series =
      1 / v + r / 2
      + (r / v) * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66 - r * (691.0 / 2730 - r * (7.0 / 6)))))))
    return result + series
  }
}
