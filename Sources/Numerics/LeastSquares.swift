/// Result of a (weighted) linear least-squares fit; see `LeastSquares.solve`.
public struct LeastSquaresResult: Sendable {
  /// Coefficients `b` in the original column order of the design; columns judged
  /// aliased (linearly dependent on earlier columns) get `.nan`, like `NA` in R's `lm`.
  public var coefficients: [Double]
  /// `aliased[j]` is `true` when column `j` was dropped as linearly dependent.
  public var aliased: [Bool]
  /// Numerical rank: number of non-aliased columns.
  public var rank: Int
  /// Fitted values `X b` on the original (unweighted) scale, using the non-aliased columns.
  public var fitted: [Double]
  /// Residuals `y - X b` on the original (unweighted) scale.
  public var residuals: [Double]
  /// `Σ wᵢ rᵢ²` (plain `Σ rᵢ²` without weights), summed with Neumaier compensation.
  public var residualSumOfSquares: Double
  /// `(Xᵀ W X)⁻¹` over the non-aliased columns, in original column order (`p × p`);
  /// rows and columns belonging to aliased columns are `.nan`. Multiply by the
  /// residual variance `σ̂² = RSS / (n_w - rank)` to get the covariance of `b`.
  public var unscaledCovariance: Matrix
}

/// Linear least squares `min_b Σ wᵢ (yᵢ - xᵢᵀ b)²` by Householder QR with column pivoting.
public enum LeastSquares {
  /// Solves the (optionally weighted) least-squares problem for `design` `X` (`n × p`) and `response` `y`.
  ///
  /// **Method.**
  /// 1. Rows are multiplied by `√wᵢ` (`X_w = W^{1/2} X`, `y_w = W^{1/2} y`); zero weights
  ///    make the row drop out of the fit (its residual is still reported).
  /// 2. Each column of `X_w` is divided by the power of two `dⱼ` with `‖xⱼ‖/dⱼ ∈ [1, 2)`
  ///    (zero columns keep `dⱼ = 1`), giving `X_s = X_w D⁻¹` exactly (no rounding). This
  ///    equilibrates the columns (van der Sluis) and is undone exactly:
  ///    `b = D⁻¹ b_s`, `(X_wᵀX_w)⁻¹ = D⁻¹ (X_sᵀX_s)⁻¹ D⁻¹`.
  /// 3. `X_s P = Q R` by LAPACK `dgeqp3` (Businger–Golub pivoting); `|R_kk|` is then
  ///    non-increasing. **Aliasing rule:** a column is aliased when, after projecting out the
  ///    columns kept before it, less than `tolerance` of its own Euclidean norm is left —
  ///    the criterion of R's `lm` (LINPACK `dqrdc2` with `tol = 1e-7`, which moves a column
  ///    to the end when its remaining norm falls below `tol` times its original norm).
  ///    Because the columns of `X_s` have nearly equal norms this is, up to a factor of two,
  ///    `|R_kk| <= tolerance · |R₁₁|`, which is the test applied to the `dgeqp3` factor; when
  ///    it finds a deficiency, the aliased columns are chosen as R does, scanning the columns
  ///    in their original order (residual by twice-applied modified Gram–Schmidt against the
  ///    kept earlier columns), and the kept columns are refactored with `dgeqp3`.
  /// 4. `c = Qᵀ y_s` by `dormqr`, `R z = c₁` by `dtrtrs`, followed by three steps of
  ///    iterative refinement of the augmented system `[I A; Aᵀ 0][r; x] = [y; 0]`
  ///    (Å. Björck, "Iterative refinement of linear least squares solutions I", BIT 7 (1967)
  ///    257–278; *Numerical Methods for Least Squares Problems*, SIAM 1996, §2.9), with the
  ///    residuals `y - r - Ax` and `-Aᵀr` accumulated in doubled precision (Ogita–Rump–Oishi
  ///    Dot2) and each correction solved with the same `Q`, `R` (`dtrtrs` with `Rᵀ` and `R`,
  ///    `dormqr` with `Qᵀ` and `Q`). This corrects the `κ²·‖r‖` term that limits plain QR on
  ///    ill-conditioned designs with large residuals (NIST Wampler4/5).
  /// 5. `(X_sᵀX_s)⁻¹ = P R⁻¹ R⁻ᵀ Pᵀ` from `dtrtri` and `dlauum`; `XᵀX` is never formed.
  ///
  /// References: G. H. Golub & C. F. Van Loan, *Matrix Computations*, 4th ed., §5.4.2;
  /// LAPACK Users' Guide §2.4.2.3; R source `src/library/stats/R/lm.R`, `src/appl/dqrdc2.f`.
  ///
  /// - Parameters:
  ///   - design: `n × p` design matrix `X`, `n >= 1`, `p >= 1`, all entries finite.
  ///   - response: `y`, length `n`, finite.
  ///   - weights: optional `w`, length `n`, finite and `>= 0`.
  ///   - tolerance: aliasing tolerance in `[0, 1)`, default `1e-7` as in `lm`.
  /// - Throws: `NumericsError.dimensionMismatch` for inconsistent lengths,
  ///   `NumericsError.invalidArgument` for empty, non-finite or negative input,
  ///   `NumericsError.lapack` if LAPACK reports an error.
  public static func solve(
    design: Matrix, response: [Double], weights: [Double]? = nil,
    tolerance: Double = 1e-7
  ) throws(NumericsError) -> LeastSquaresResult {
    let n = design.rows
    let p = design.columns
    guard n >= 1, p >= 1 else {
      throw .invalidArgument("design must have at least one row and one column (got \(n)×\(p))")
    }
    guard design.storage.count == n * p else {
      throw .dimensionMismatch("design storage has \(design.storage.count) elements, expected \(n * p)")
    }
    guard response.count == n else {
      throw .dimensionMismatch("response has \(response.count) values, design has \(n) rows")
    }
    guard tolerance.isFinite, tolerance >= 0, tolerance < 1 else {
      throw .invalidArgument("tolerance must be in [0, 1), got \(tolerance)")
    }
    guard design.storage.allSatisfy(\.isFinite) else { throw .invalidArgument("design contains non-finite values") }
    guard response.allSatisfy(\.isFinite) else { throw .invalidArgument("response contains non-finite values") }
    var sw = [Double](repeating: 1, count: n)
    if let w = weights {
      guard w.count == n else { throw .dimensionMismatch("weights has \(w.count) values, design has \(n) rows") }
      for (i, wi) in w.enumerated() {
        guard wi.isFinite, wi >= 0 else {
          throw .invalidArgument("weight \(i) is \(wi); weights must be finite and nonnegative")
        }
        sw[i] = wi.squareRoot()
      }
    }

    // Weighted, column-scaled design X_s and weighted response y_w.
    var xs = design.storage
    var scale = [Double](repeating: 1, count: p)
    for j in 0..<p {
      var col = [Double](repeating: 0, count: n)
      for i in 0..<n { col[i] = design.storage[j * n + i] * sw[i] }
      let norm = euclideanNorm(col)
      // Power of two with norm/d in [1, 2): the scaling is exact, so refinement below
      // works on the caller's problem, not on a rounded copy of it.
      let d = norm > 0 && norm.isFinite ? Double(sign: .plus, exponent: norm.exponent, significand: 1) : 1
      scale[j] = d
      for i in 0..<n { xs[j * n + i] = col[i] / d }
    }
    var yw = [Double](repeating: 0, count: n)
    for i in 0..<n { yw[i] = response[i] * sw[i] }

    // Rank decision.
    var aliased = [Bool](repeating: false, count: p)
    do {
      var a = xs
      _ = try LAPACK.geqp3(&a, m: n, n: p)
      let r11 = abs(a[0])
      var rank = 0
      for k in 0..<min(n, p) where abs(a[k * n + k]) > tolerance * r11 && r11 > 0 { rank = k + 1 }
      if rank < p { aliased = sequentialAliasing(xs, n: n, p: p, tolerance: tolerance) }
    }

    // Factor the kept columns; fall back to pivot order if still numerically deficient.
    var kept: [Int] = []
    var qr: [Double] = []
    var perm: [Int] = []
    var tau: [Double] = []
    var k = 0
    while true {
      kept = (0..<p).filter { !aliased[$0] }
      k = kept.count
      if k == 0 { break }
      qr = []
      qr.reserveCapacity(n * k)
      for j in kept { qr.append(contentsOf: xs[(j * n)..<((j + 1) * n)]) }
      (perm, tau) = try LAPACK.geqp3(&qr, m: n, n: k)
      let r11 = abs(qr[0])
      var firstBad: Int? = nil
      for i in 0..<k {
        if i >= n || !(abs(qr[i * n + i]) > tolerance * r11) || r11 == 0 {
          firstBad = i
          break
        }
      }
      guard let bad = firstBad else { break }
      for i in bad..<k { aliased[kept[perm[i]]] = true }
    }

    var coefficients = [Double](repeating: .nan, count: p)
    var covariance = Matrix(rows: p, columns: p, repeating: .nan)
    var fitted = [Double](repeating: 0, count: n)
    if k > 0 {
      // Solve R z = (Qᵀ y)₁, then refine (x, r) on the augmented system
      // [I A; Aᵀ 0][r; x] = [y; 0] with residuals in doubled precision (Björck 1967).
      var bs = [Double](repeating: 0, count: k)  // coefficients of the kept, scaled columns (kept order)
      var c0 = yw
      try LAPACK.ormqr(qr: qr, m: n, k: min(n, k), tau: tau, c: &c0, nrhs: 1, transpose: true)
      try LAPACK.trtrsUpper(qr, lda: n, k: k, &c0, ldc: n)
      for i in 0..<k { bs[perm[i]] = c0[i] }
      var columnsKept: [[Double]] = kept.map { j in Array(xs[(j * n)..<((j + 1) * n)]) }
      var rowBuffer = [Double](repeating: 0, count: k)
      func rowResidual(_ i: Int, _ base: Double, _ x: [Double]) -> Double {
        for t in 0..<k { rowBuffer[t] = columnsKept[t][i] }
        return Compensated.residual(base, rowBuffer, x)
      }
      var rw = [Double](repeating: 0, count: n)
      for i in 0..<n { rw[i] = rowResidual(i, yw[i], bs) }
      // [xᵢ; 1] and [x; rᵢ], filled in place (no arrays per row).
      var rowAndOne = [Double](repeating: 1, count: k + 1)
      var xAndR = [Double](repeating: 0, count: k + 1)
      for _ in 0..<3 {
        var f = [Double](repeating: 0, count: n)
        for t in 0..<k { xAndR[t] = bs[t] }
        for i in 0..<n {  // f = y - r - A x, with r as an extra term of the compensated dot product
          for t in 0..<k { rowAndOne[t] = columnsKept[t][i] }
          xAndR[k] = rw[i]
          f[i] = Compensated.residual(yw[i], rowAndOne, xAndR)
        }
        var g = [Double](repeating: 0, count: max(n, k))
        for i in 0..<k { g[i] = Compensated.residual(0, columnsKept[perm[i]], rw) }  // (-Aᵀr) in pivoted order
        var h = Array(g[0..<k]) + [Double](repeating: 0, count: max(0, n - k))
        try LAPACK.trtrsUpper(qr, lda: n, k: k, &h, ldc: n, transpose: true)  // h = R⁻ᵀ g
        var d = f
        try LAPACK.ormqr(qr: qr, m: n, k: min(n, k), tau: tau, c: &d, nrhs: 1, transpose: true)  // d = Qᵀ f
        var dx = d
        for i in 0..<k { dx[i] = d[i] - h[i] }
        try LAPACK.trtrsUpper(qr, lda: n, k: k, &dx, ldc: n)  // R dx' = d₁ - h
        var dr = d
        for i in 0..<k { dr[i] = h[i] }
        try LAPACK.ormqr(qr: qr, m: n, k: min(n, k), tau: tau, c: &dr, nrhs: 1, transpose: false)  // dr = Q [h; d₂]
        guard dx[0..<k].allSatisfy(\.isFinite), dr.allSatisfy(\.isFinite) else { break }
        for i in 0..<k { bs[perm[i]] += dx[i] }
        for i in 0..<n { rw[i] += dr[i] }
      }
      columnsKept = []

      for (t, j) in kept.enumerated() { coefficients[j] = bs[t] / scale[j] }

      // Unscaled covariance: P R⁻¹ R⁻ᵀ Pᵀ, then D⁻¹ · D⁻¹.
      var r = [Double](repeating: 0, count: k * k)
      for c in 0..<k { for i in 0...c { r[c * k + i] = qr[c * n + i] } }
      try LAPACK.upperInverseGram(&r, k: k)
      for c in 0..<k {
        for i in 0..<k {
          let v = i <= c ? r[c * k + i] : r[i * k + c]
          let a = kept[perm[i]]
          let b = kept[perm[c]]
          covariance[a, b] = v / (scale[a] * scale[b])
        }
      }
    }
    // Fitted values and residuals on the original scale.
    var residuals = [Double](repeating: 0, count: n)
    var row = [Double](repeating: 0, count: k)
    var coef = [Double](repeating: 0, count: k)
    for (t, j) in kept.enumerated() { coef[t] = coefficients[j] }
    for i in 0..<n {
      for (t, j) in kept.enumerated() { row[t] = design.storage[j * n + i] }
      let negFit = Compensated.residual(0, row, coef)
      fitted[i] = -negFit
      residuals[i] = Compensated.residual(response[i], row, coef)
    }
    var terms = [Double](repeating: 0, count: n)
    for i in 0..<n { terms[i] = (sw[i] * residuals[i]) * (sw[i] * residuals[i]) }
    if let w = weights { for i in 0..<n { terms[i] = w[i] * residuals[i] * residuals[i] } }
    return LeastSquaresResult(
      coefficients: coefficients, aliased: aliased, rank: k, fitted: fitted, residuals: residuals,
      residualSumOfSquares: Summation.sum(terms), unscaledCovariance: covariance)
  }

  /// Euclidean norm with scaling against overflow/underflow (as BLAS `dnrm2`).
  static func euclideanNorm(_ x: [Double]) -> Double {
    let big = x.reduce(0) { max($0, abs($1)) }
    guard big > 0, big.isFinite else { return big }
    var s = 0.0
    for v in x {
      let t = v / big
      s += t * t
    }
    return big * s.squareRoot()
  }

  /// R-style choice of aliased columns: scanning in original order, a column is aliased when
  /// its component orthogonal to the kept earlier columns has norm `<= tolerance` times its
  /// own norm. Orthogonalisation is modified
  /// Gram–Schmidt applied twice ("twice is enough", Giraud et al., Numer. Math. 101 (2005)).
  static func sequentialAliasing(_ xs: [Double], n: Int, p: Int, tolerance: Double) -> [Bool] {
    var basis: [[Double]] = []
    var aliased = [Bool](repeating: false, count: p)
    for j in 0..<p {
      var v = Array(xs[(j * n)..<((j + 1) * n)])
      let norm0 = euclideanNorm(v)
      if norm0 == 0 {
        aliased[j] = true
        continue
      }
      for _ in 0..<2 {
        for q in basis {
          var dot = 0.0
          for i in 0..<n { dot += q[i] * v[i] }
          for i in 0..<n { v[i] -= dot * q[i] }
        }
      }
      let norm = euclideanNorm(v)
      if norm <= tolerance * norm0 || basis.count >= n {
        aliased[j] = true
      } else {
        basis.append(v.map { $0 / norm })
      }
    }
    return aliased
  }
}

/// Cholesky factorization helpers for small symmetric positive-definite matrices.
public enum Cholesky {
  private static func validated(_ a: Matrix) throws(NumericsError) -> [Double] {
    guard a.rows == a.columns else { throw .dimensionMismatch("matrix must be square, got \(a.rows)×\(a.columns)") }
    guard a.rows >= 1 else { throw .invalidArgument("matrix must be at least 1×1") }
    guard a.storage.count == a.rows * a.columns else {
      throw .dimensionMismatch("storage size does not match dimensions")
    }
    guard a.storage.allSatisfy(\.isFinite) else { throw .invalidArgument("matrix contains non-finite values") }
    return a.storage
  }

  /// Inverse of a symmetric positive-definite matrix `A`.
  ///
  /// `A = Uᵀ U` by LAPACK `dpotrf` (upper triangle of `A` is read; the strictly lower part is
  /// ignored), then `A⁻¹ = U⁻¹ U⁻ᵀ` by `dpotri`; the upper triangle is mirrored to return the
  /// full symmetric inverse (LAPACK Users' Guide §2.4.1; Golub & Van Loan §4.2).
  /// - Throws: `NumericsError.singular` when `A` is not positive definite,
  ///   `dimensionMismatch` for non-square input, `invalidArgument` for non-finite entries.
  public static func inverse(_ a: Matrix) throws(NumericsError) -> Matrix {
    var s = try validated(a)
    let n = a.rows
    try LAPACK.potrf(&s, n: n)
    try LAPACK.potri(&s, n: n)
    for j in 0..<n { for i in (j + 1)..<max(j + 1, n) { s[j * n + i] = s[i * n + j] } }
    return try Matrix(rows: n, columns: n, columnMajor: s)
  }

  /// Solves `A x = b` for symmetric positive-definite `A` by `dpotrf` + `dpotrs`
  /// (upper triangle of `A` is read).
  /// - Throws: `NumericsError.singular` when `A` is not positive definite,
  ///   `dimensionMismatch` when `b.count != A.rows`, `invalidArgument` for non-finite input.
  public static func solve(_ a: Matrix, _ b: [Double]) throws(NumericsError) -> [Double] {
    var s = try validated(a)
    let n = a.rows
    guard b.count == n else { throw .dimensionMismatch("right-hand side has \(b.count) values, matrix is \(n)×\(n)") }
    guard b.allSatisfy(\.isFinite) else { throw .invalidArgument("right-hand side contains non-finite values") }
    try LAPACK.potrf(&s, n: n)
    var x = b
    try LAPACK.potrs(s, n: n, &x)
    return x
  }
}
