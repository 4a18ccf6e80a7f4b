import CLAPACK
import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A validated composite link problem: the yearly design, the log exposures and the buckets as
/// year indices (0 = the first modelled year), in the caller's order. ``CompositeLink`` builds
/// it; the fitting functions (CompositeLinkFitter.swift) work on it.
struct CompositeLinkProblem: Sendable {
  /// Years × coefficients.
  let design: Matrix
  /// The coefficients' names.
  let names: [String]
  /// The calendar year of row 0.
  let firstYear: Int
  /// log eₜ per year.
  let offset: [Double]
  /// Per bucket, the index of its first and last year.
  let bucketFirst: [Int]
  let bucketLast: [Int]
  /// The published counts.
  let counts: [Double]
  /// log yⱼ! per bucket.
  let logFactorials: [Double]

  /// Modelled years.
  var years: Int { design.rows }
  /// Coefficients.
  var p: Int { design.columns }
  /// Buckets.
  var n: Int { counts.count }
}

/// The model at one value of the parameters: yearly means μₜ, bucket totals λⱼ and the
/// log-likelihood (−∞ where a mean is not a positive finite number).
struct CompositeLinkPoint: Sendable {
  var beta: [Double]
  /// θ of the negative binomial; nil for Poisson.
  var theta: Double?
  var mu: [Double]
  var lambda: [Double]
  var logLikelihood: Double
  /// The rounding noise of `logLikelihood`: 1e-14 times the sum of its terms' magnitudes.
  /// Changes below it are not seen as rises or falls.
  var noise: Double
}

/// Per bucket, the derivatives of its log-likelihood term ℓⱼ(λⱼ, φ), φ = log θ:
/// s = ∂ℓ/∂λ, h = ∂²ℓ/∂λ², and for the negative binomial a = ∂ℓ/∂φ, b = ∂²ℓ/∂φ²,
/// c = ∂²ℓ/∂λ∂φ (zero for Poisson).
struct CompositeLinkDerivatives {
  var s: [Double]
  var h: [Double]
  var a: [Double]
  var b: [Double]
  var c: [Double]
}

extension CompositeLinkProblem {
  /// μₜ = exp(xₜᵀβ + log eₜ).
  func means(_ beta: [Double]) -> [Double] {
    var mu = offset
    for k in 0..<p where beta[k] != 0 {
      let b = beta[k]
      for t in 0..<years { mu[t] += design[t, k] * b }
    }
    for t in 0..<years { mu[t] = exp(mu[t]) }
    return mu
  }

  /// λⱼ = Σ_{t ∈ Bⱼ} μₜ.
  func totals(_ mu: [Double]) -> [Double] {
    (0..<n).map { j in
      var sum = Summation.Accumulator()
      for t in bucketFirst[j]...bucketLast[j] { sum.add(mu[t]) }
      return sum.value
    }
  }

  /// The model at β (and θ for the negative binomial).
  func point(beta: [Double], theta: Double?) -> CompositeLinkPoint {
    let mu = means(beta)
    let lambda = totals(mu)
    var ll = -Double.infinity
    var magnitude = Double.infinity
    if lambda.allSatisfy({ $0 > 0 && $0.isFinite }), theta.map({ $0 > 0 && $0.isFinite }) ?? true {
      (ll, magnitude) = logLikelihoodAndMagnitude(lambda: lambda, theta: theta)
      if !ll.isFinite { ll = -.infinity }
    }
    return CompositeLinkPoint(
      beta: beta, theta: theta, mu: mu, lambda: lambda, logLikelihood: ll, noise: 1e-14 * magnitude)
  }

  /// Σⱼ log P(yⱼ | λⱼ): Poisson yⱼ log λⱼ − λⱼ − log yⱼ!, or NB2 with mean λⱼ and shape θ,
  /// log Γ(y+θ) − log Γ(θ) − log y! − y log(1 + θ/λ) − θ log(1 + λ/θ).
  /// Also returns the sum of the magnitudes of the pieces added, the scale of its rounding.
  func logLikelihoodAndMagnitude(lambda: [Double], theta: Double?) -> (value: Double, magnitude: Double) {
    var sum = Summation.Accumulator()
    var magnitude = 0.0
    for j in 0..<n {
      let y = counts[j]
      let l = lambda[j]
      if let theta {
        let a = SpecialFunctions.logGamma(y + theta)
        let b = SpecialFunctions.logGamma(theta)
        let c = y > 0 ? y * log1p(theta / l) : 0
        let d = theta * log1p(l / theta)
        sum.add(a - b - logFactorials[j] - c - d)
        magnitude += abs(a) + abs(b) + logFactorials[j] + abs(c) + abs(d)
      } else {
        let a = y > 0 ? y * log(l) : 0
        sum.add(a - l - logFactorials[j])
        magnitude += abs(a) + l + logFactorials[j]
      }
    }
    return (sum.value, magnitude)
  }

  /// The working design A = C·diag(μ)·X (buckets × coefficients): row j is Σ_{t ∈ Bⱼ} μₜ xₜ,
  /// the derivative of λⱼ with respect to β.
  func workingDesign(_ mu: [Double]) -> Matrix {
    var a = Matrix(rows: n, columns: p)
    for k in 0..<p {
      for j in 0..<n {
        var sum = Summation.Accumulator()
        for t in bucketFirst[j]...bucketLast[j] { sum.add(mu[t] * design[t, k]) }
        a[j, k] = sum.value
      }
    }
    return a
  }

  /// Each bucket's derivatives at `point` (see ``CompositeLinkDerivatives``). With φ = log θ,
  /// ∂ℓ/∂θ = ψ(y+θ) − ψ(θ) − log(1 + λ/θ) + (λ − y)/(θ + λ) and
  /// ∂²ℓ/∂θ² = ψ′(y+θ) − ψ′(θ) + λ/(θ(θ+λ)) + (y − λ)/(θ+λ)².
  func derivatives(_ point: CompositeLinkPoint) -> CompositeLinkDerivatives {
    var d = CompositeLinkDerivatives(
      s: [Double](repeating: 0, count: n), h: [Double](repeating: 0, count: n),
      a: [Double](repeating: 0, count: n), b: [Double](repeating: 0, count: n),
      c: [Double](repeating: 0, count: n))
    guard let theta = point.theta else {
      for j in 0..<n {
        let y = counts[j]
        let l = point.lambda[j]
        d.s[j] = (y - l) / l
        d.h[j] = -y / (l * l)
      }
      return d
    }
    let psi = SpecialFunctions.digamma(theta)
    let tri = SpecialFunctions.trigamma(theta)
    for j in 0..<n {
      let y = counts[j]
      let l = point.lambda[j]
      let m = theta + l
      d.s[j] = theta * (y - l) / (l * m)
      d.h[j] = -y / (l * l) + (y + theta) / (m * m)
      let (psiY, triY) = y > 0 ? SpecialFunctions.digammaAndTrigamma(y + theta) : (psi, tri)
      let first = (psiY - psi) - log1p(l / theta) + (l - y) / m
      let second = (triY - tri) + l / (theta * m) + (y - l) / (m * m)
      d.a[j] = theta * first
      d.b[j] = theta * theta * second + theta * first
      d.c[j] = theta * (y - l) / (m * m)
    }
    return d
  }

  /// The score: ∂ℓ/∂β = Aᵀs, and ∂ℓ/∂φ = Σ aⱼ appended when `withTheta`.
  func score(_ d: CompositeLinkDerivatives, workingDesign a: Matrix, withTheta: Bool) -> [Double] {
    var g = [Double](repeating: 0, count: withTheta ? p + 1 : p)
    for k in 0..<p {
      var sum = Summation.Accumulator()
      for j in 0..<n { sum.add(a[j, k] * d.s[j]) }
      g[k] = sum.value
    }
    if withTheta { g[p] = Summation.sum(d.a) }
    return g
  }

  /// The observed information −∂²ℓ, over β (and φ = log θ when `withTheta`):
  /// ∂²ℓ/∂β∂βᵀ = Aᵀ diag(h) A + Xᵀ diag(u) X with uₜ = μₜ Σ_{j ∋ t} sⱼ (λⱼ's own curvature in β),
  /// ∂²ℓ/∂β∂φ = Aᵀc, ∂²ℓ/∂φ² = Σ bⱼ. The products by BLAS (`dgemm`).
  func observedInformation(
    _ point: CompositeLinkPoint, _ d: CompositeLinkDerivatives, workingDesign a: Matrix, withTheta: Bool
  ) -> Matrix {
    var u = [Double](repeating: 0, count: years)
    for j in 0..<n { for t in bucketFirst[j]...bucketLast[j] { u[t] += d.s[j] } }
    for t in 0..<years { u[t] *= point.mu[t] }
    let ahA = Self.weightedCrossProduct(a, d.h)
    let xuX = Self.weightedCrossProduct(design, u)
    let q = withTheta ? p + 1 : p
    var info = Matrix(rows: q, columns: q)
    for k in 0..<p { for l in 0..<p { info[k, l] = -(ahA[k, l] + xuX[k, l]) } }
    if withTheta {
      for k in 0..<p {
        var sum = Summation.Accumulator()
        for j in 0..<n { sum.add(a[j, k] * d.c[j]) }
        info[k, p] = -sum.value
        info[p, k] = -sum.value
      }
      info[p, p] = -Summation.sum(d.b)
    }
    return info
  }

  /// The variance function V(λ) of a bucket total: λ (Poisson), λ + λ²/θ (negative binomial).
  static func variance(_ lambda: Double, theta: Double?) -> Double {
    guard let theta else { return lambda }
    return lambda + lambda * lambda / theta
  }

  /// The Fisher scoring step for β at `point`: δ = (AᵀWA)⁻¹AᵀW(y − λ) with W = diag(1/V(λ)),
  /// solved as the weighted least-squares problem of y − λ on A by LAPACK's pivoted QR
  /// (``LeastSquares/solve(design:response:weights:tolerance:)``).
  ///
  /// Returns nil when a column of A is aliased: at a point where some means vanish against
  /// others, the estimates running off to infinity (the input's own identifiability is checked
  /// before fitting, by ``identifiability()``).
  ///
  /// - Throws: `.numerical` when the solve fails.
  func fisherStep(_ point: CompositeLinkPoint, workingDesign a: Matrix) throws(StatisticsError) -> [Double]? {
    let residual = (0..<n).map { counts[$0] - point.lambda[$0] }
    let weights = point.lambda.map { 1 / Self.variance($0, theta: point.theta) }
    let solved: LeastSquaresResult
    do {
      solved = try LeastSquares.solve(design: a, response: residual, weights: weights)
    } catch {
      throw error.asStatistics
    }
    return solved.aliased.contains(true) ? nil : solved.coefficients
  }

  /// Checks that the buckets identify every coefficient: C·X (the working design at equal
  /// means) must have full column rank (LAPACK's pivoted QR, R's aliasing rule).
  ///
  /// - Throws: `.invalidInput` naming the first coefficient that cannot be identified.
  func identifiability() throws(StatisticsError) {
    let a = workingDesign([Double](repeating: 1, count: years))
    let solved: LeastSquaresResult
    do {
      solved = try LeastSquares.solve(design: a, response: [Double](repeating: 0, count: n))
    } catch {
      throw error.asStatistics
    }
    if let k = solved.aliased.firstIndex(of: true) {
      throw .invalidInput(
        "coefficient '\(names[k])' cannot be identified from these buckets: its column of C·X (bucket sums of the design) is a linear combination of the others (too few buckets, or a joinpoint with no published count after it)"
      )
    }
  }

  /// AᵀDA for D = diag(w), by `dgemm` on A and the row-scaled copy DA.
  static func weightedCrossProduct(_ a: Matrix, _ w: [Double]) -> Matrix {
    let rows = a.rows
    let cols = a.columns
    var scaled = a.storage
    for k in 0..<cols { for i in 0..<rows { scaled[k * rows + i] *= w[i] } }
    var out = [Double](repeating: 0, count: cols * cols)
    // (both below Int32.max: CompositeLink checks the sizes)
    let m = clapack_int(rows)
    let q = clapack_int(cols)
    a.storage.withUnsafeBufferPointer { ap in
      scaled.withUnsafeBufferPointer { dp in
        out.withUnsafeMutableBufferPointer { cp in
          cblas_dgemm(
            CblasColMajor, CblasTrans, CblasNoTrans, q, q, m, 1, ap.baseAddress, m, dp.baseAddress, m, 0,
            cp.baseAddress, q)
        }
      }
    }
    // (the shape is right by construction)
    return (try? Matrix(rows: cols, columns: cols, columnMajor: out)) ?? Matrix(rows: cols, columns: cols)
  }
}
