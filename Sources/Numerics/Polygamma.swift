#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

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
      r
      * (1.0 / 12 - r
        * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760 - r * (1.0 / 12)))))))
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
      + (r / v)
      * (1.0 / 6 - r
        * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66 - r * (691.0 / 2730 - r * (7.0 / 6)))))))
    return result + series
  }

  /// ψ(x) and ψ′(x) together, for x > 0: the recurrences of `digamma` and `trigamma` share
  /// one division per step (1/x² as (1/x)²), and the two asymptotic series share 1/x and
  /// 1/x². Agrees with the separate functions to a few units in the last place; relative
  /// error below 1e-14 against 50-digit mpmath (Tests/Fixtures/numerics/polygamma.csv).
  /// NaN for x ≤ 0 or NaN.
  @inline(__always)
  public static func digammaAndTrigamma(_ x: Double) -> (digamma: Double, trigamma: Double) {
    guard x > 0, x.isFinite else { return x == .infinity ? (.infinity, 0) : (.nan, .nan) }
    var v = x
    var d = 0.0
    var t = 0.0
    while v < 10 {
      let inv = 1 / v
      d -= inv
      t += inv * inv
      v += 1
    }
    let inv = 1 / v
    let r = inv * inv
    let dSeries =
      r
      * (1.0 / 12 - r
        * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760 - r * (1.0 / 12)))))))
    let tSeries =
      inv + r / 2
      + (r * inv)
      * (1.0 / 6 - r
        * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66 - r * (691.0 / 2730 - r * (7.0 / 6)))))))
    return (d + log(v) - 0.5 * inv - dSeries, t + tSeries)
  }
}
