import CLAPACK

/// Reusable buffers for many small weighted least-squares solves, such as the iterations of
/// IRLS over a batch of groups.
///
/// **Method.** `X_w = W^{1/2} X = Q R` by LAPACK `dgeqrf` (no pivoting, no column scaling),
/// `c = Qᵀ W^{1/2} z` by `dormqr`, `R b = c₁` by BLAS `dtrsv` — below 32 columns by `dgeqr2` and
/// `dorm2r`, the unblocked routines those two call themselves there — plain Householder QR, which is
/// backward stable (Golub & Van Loan, *Matrix Computations*, 4th ed., §5.3.3) but has none of
/// the iterative refinement, rank decision or covariance of `LeastSquares.solve`. It is meant
/// for intermediate steps whose result only feeds the next step; the reported fit should come
/// from `LeastSquares.solve`.
///
/// The LAPACKE `_work` entry points are used, so there is no per-call allocation: the
/// workspace query is done once per number of columns, and the buffers only grow.
///
/// **Fallback rule.** `solve` returns `false` (and the caller should use
/// `LeastSquares.solve`) when `n < p`, a weight or value is not finite or negative, LAPACK
/// reports an error, the result is not finite, or a column looks close to dependent: its
/// component orthogonal to the earlier weighted columns, `|R_jj|`, is at most `1e-5` of its
/// own weighted norm (a hundred times more cautious than the `1e-7` aliasing rule of
/// `LeastSquares.solve`, so that every problem that one would call rank deficient falls back).
///
/// **Reporting a step.** After a successful `solve`, `result(design:response:weights:)` gives
/// the full `LeastSquaresResult` of that solve from the same factorization: the unscaled
/// covariance is `(R̃ᵀR̃)⁻¹` by LAPACK `dpotri` on the triangular factor of the centred
/// weighted design, mapped back to the original columns by the (exact, linear) change of
/// coordinates of the centring. Householder QR is backward stable, so on a problem that passed
/// the dependence check (condition number of the centred weighted design below about
/// `p/1e-5`) the relative error of coefficients and covariance is at most about `κ·u ≈ 1e-11`
/// — well inside the agreement with R (1e-8) that the count models promise — while
/// `LeastSquares.solve` remains the path for everything that falls back.
///
/// A value type; give each thread its own.
public struct WeightedLeastSquaresWorkspace: Sendable {
  private var a: [Double] = []
  private var tau: [Double] = []
  private var c: [Double] = []
  private var work: [Double] = []
  private var norms: [Double] = []
  private var means: [Double] = []
  private var workColumns = -1
  private var inverse: [Double] = []
  private var roots: [Double] = []
  private var scratch: [Double] = []
  /// Index of the constant column the last `solve` centred on, or -1.
  private var centredOn = -1
  /// Coefficients of the last successful `solve`, in design column order (length `p`).
  public private(set) var coefficients: [Double] = []

  /// Creates an empty workspace; buffers are sized on first use.
  public init() {}

  /// Relative size of `|R_jj|` below which a column is treated as possibly dependent.
  static let dependenceThreshold = 1e-5

  /// Below this many columns the QR is LAPACK's unblocked `dgeqr2`/`dorm2r`, which is what
  /// `dgeqrf`/`dormqr` run there anyway: their block size is 32 (and `dgeqrf` blocks only
  /// beyond 128 columns), so one reflector at a time is their own path.
  static let unblockedColumns = 32

  /// Solves `min_b Σ wᵢ (zᵢ - xᵢᵀ b)²` and writes the unweighted fitted values `X b`
  /// into `fitted` (resized to `n`); the coefficients are left in `coefficients`.
  ///
  /// - Parameters:
  ///   - design: `n × p` design `X`.
  ///   - response: `z`, length `n`.
  ///   - weights: `w`, length `n`, finite and `>= 0`.
  ///   - fitted: receives `X b`.
  /// - Returns: `true` on success; `false` when the caller should fall back to
  ///   `LeastSquares.solve` (see the fallback rule above). `fitted` is unspecified then.
  /// - Complexity: O(n p²) with no heap allocation once the buffers have grown to size.
  public mutating func solve(design: Matrix, response: [Double], weights: [Double], fitted: inout [Double]) -> Bool {
    let n = design.rows
    let p = design.columns
    guard n >= 1, p >= 1, n >= p, n <= Int(Int32.max), design.storage.count == n * p,
      response.count == n, weights.count == n
    else { return false }
    if a.count < n * p { a = [Double](repeating: 0, count: n * p) }
    if c.count < n { c = [Double](repeating: 0, count: n) }
    if tau.count < p { tau = [Double](repeating: 0, count: p) }
    if norms.count < p { norms = [Double](repeating: 0, count: p) }
    if means.count < p { means = [Double](repeating: 0, count: p) }
    if coefficients.count != p { coefficients = [Double](repeating: 0, count: p) }
    if fitted.count != n { fitted = [Double](repeating: 0, count: n) }
    if workColumns != p {
      guard let lwork = Self.workspaceSize(n: n, p: p) else { return false }
      if work.count < lwork { work = [Double](repeating: 0, count: lwork) }
      workColumns = p
    }

    // Centring (as the accuracy of plain QR needs on designs like an intercept plus calendar
    // years): with a constant column k, every other column j is replaced by xⱼ − mⱼ·x_k/x_k₀,
    // mⱼ its weighted mean, which leaves the fitted values unchanged and is undone below.
    if roots.count < n { roots = [Double](repeating: 0, count: n) }
    var constant = -1
    // The preparation runs on raw buffers: these loops are most of a small solve's cost.
    let prepared: Bool = design.storage.withUnsafeBufferPointer { X in
      weights.withUnsafeBufferPointer { W in
        response.withUnsafeBufferPointer { Z in
          a.withUnsafeMutableBufferPointer { A in
            c.withUnsafeMutableBufferPointer { C in
              roots.withUnsafeMutableBufferPointer { R in
                means.withUnsafeMutableBufferPointer { M in
                  norms.withUnsafeMutableBufferPointer { N in
                    for j in 0..<p {
                      let v0 = X[j * n]
                      guard v0 != 0, v0.isFinite else { continue }
                      var same = true
                      for i in 1..<max(1, n) where X[j * n + i] != v0 {
                        same = false
                        break
                      }
                      if same {
                        constant = j
                        break
                      }
                    }
                    var wsum = 0.0
                    for i in 0..<n {
                      let wi = W[i]
                      guard wi.isFinite, wi >= 0, Z[i].isFinite else { return false }
                      wsum += wi
                    }
                    guard wsum > 0, wsum.isFinite else { return false }
                    for j in 0..<p {
                      var m = 0.0
                      if constant >= 0 && j != constant {
                        for i in 0..<n { m += W[i] * X[j * n + i] }
                        m /= wsum
                      }
                      M[j] = m
                    }
                    // X_w = W^{1/2} X (centred), c = W^{1/2} z, and the weighted column norms.
                    for i in 0..<n {
                      R[i] = W[i].squareRoot()
                      C[i] = Z[i] * R[i]
                    }
                    for j in 0..<p {
                      var big = 0.0
                      let m = M[j]
                      for i in 0..<n {
                        let v = (X[j * n + i] - m) * R[i]
                        A[j * n + i] = v
                        big = max(big, abs(v))
                      }
                      guard big.isFinite else { return false }
                      var ss = 0.0
                      if big > 0 {
                        let scale = 1 / big
                        for i in 0..<n {
                          let t = A[j * n + i] * scale
                          ss += t * t
                        }
                      }
                      N[j] = big * ss.squareRoot()
                    }
                    return true
                  }
                }
              }
            }
          }
        }
      }
    }
    guard prepared else { return false }

    let mm = clapack_int(n)
    let pp = clapack_int(p)
    let lwork = clapack_int(work.count)
    let columnMajor = Int32(LAPACK_COL_MAJOR)
    let info: clapack_int = a.withUnsafeMutableBufferPointer { ap in
      tau.withUnsafeMutableBufferPointer { tp in
        c.withUnsafeMutableBufferPointer { cp in
          work.withUnsafeMutableBufferPointer { wp in
            // Below their block size dgeqrf and dormqr run dgeqr2 and dorm2r themselves: those
            // are called directly there (the same arithmetic, so the same bits), without the
            // block-size queries of every call.
            let unblocked = p < Self.unblockedColumns
            var m = mm
            var cols = pp
            var one: clapack_int = 1
            var info: clapack_int = 0
            if unblocked {
              dgeqr2_(&m, &cols, ap.baseAddress, &m, tp.baseAddress, wp.baseAddress, &info)
            } else {
              info = LAPACKE_dgeqrf_work(columnMajor, mm, pp, ap.baseAddress, mm, tp.baseAddress, wp.baseAddress, lwork)
            }
            guard info == 0 else { return info }
            // Dependence check before the triangular solve.
            for j in 0..<p where !(abs(ap[j * n + j]) > Self.dependenceThreshold * norms[j]) { return -1000 }
            if unblocked {
              var side = CChar(UInt8(ascii: "L"))
              var trans = CChar(UInt8(ascii: "T"))
              dorm2r_(
                &side, &trans, &m, &one, &cols, ap.baseAddress, &m, tp.baseAddress, cp.baseAddress, &m, wp.baseAddress,
                &info, 1, 1)
            } else {
              info = LAPACKE_dormqr_work(
                columnMajor, CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")), mm, 1, pp,
                ap.baseAddress, mm, tp.baseAddress, cp.baseAddress, mm, wp.baseAddress, lwork)
            }
            guard info == 0 else { return info }
            // R b = c₁ by BLAS `dtrsv`, which is what `dtrtrs` computes for one right-hand side
            // (through `dtrsm`); its check for an exact zero on the diagonal is the dependence
            // check above, which rejects far smaller diagonals. OpenBLAS's `dtrsm` takes a
            // buffer from its memory pool under a mutex at every call, which two workers solving
            // thousands of 2-column steps contend for; `dtrsv` does not. The same bits on the
            // 10,000 negative binomial and Poisson bench fits and 40,000 more.
            cblas_dtrsv(
              CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, pp, ap.baseAddress, mm, cp.baseAddress, 1)
            return 0
          }
        }
      }
    }
    guard info == 0 else { return false }
    for j in 0..<p {
      guard c[j].isFinite else { return false }
      coefficients[j] = c[j]
    }
    let finite: Bool = design.storage.withUnsafeBufferPointer { X in
      means.withUnsafeBufferPointer { M in
        coefficients.withUnsafeBufferPointer { B in
          fitted.withUnsafeMutableBufferPointer { F in
            for i in 0..<n {
              var s = 0.0
              for j in 0..<p { s += (X[j * n + i] - M[j]) * B[j] }
              guard s.isFinite else { return false }
              F[i] = s
            }
            return true
          }
        }
      }
    }
    guard finite else { return false }
    centredOn = constant
    // Back to the original columns: b_k += Σⱼ mⱼ bⱼ / x_k₀.
    if constant >= 0 {
      var shift = 0.0
      for j in 0..<p where j != constant { shift += means[j] * coefficients[j] }
      coefficients[constant] -= shift / design.storage[constant * n]
    }
    return true
  }

  /// The full result of the last successful `solve` (same `design`, `response` and
  /// `weights`), or `nil` when LAPACK fails (the caller then uses `LeastSquares.solve`).
  /// `fitted` must be the values that `solve` wrote.
  ///
  /// - Complexity: O(n p + p³).
  public mutating func result(design: Matrix, response: [Double], weights: [Double], fitted: [Double])
    -> LeastSquaresResult?
  {
    let n = design.rows
    let p = design.columns
    guard coefficients.count == p, fitted.count == n, response.count == n, weights.count == n, a.count >= n * p else {
      return nil
    }
    if inverse.count < p * p { inverse = [Double](repeating: 0, count: p * p) }
    for j in 0..<p {
      for i in 0..<p { inverse[j * p + i] = i <= j ? a[j * n + i] : 0 }
    }
    let info = inverse.withUnsafeMutableBufferPointer { ip in
      LAPACKE_dpotri_work(
        Int32(LAPACK_COL_MAJOR), CChar(UInt8(ascii: "U")), clapack_int(p), ip.baseAddress, clapack_int(p))
    }
    guard info == 0 else { return nil }
    // C = (R̃ᵀR̃)⁻¹ in centred coordinates (upper triangle from dpotri, mirrored).
    var c = Matrix(rows: p, columns: p)
    for j in 0..<p {
      for i in 0...j {
        let v = inverse[j * p + i]
        c[i, j] = v
        c[j, i] = v
      }
    }
    // b = T b̃ with T = I except row k: T[k][j] = −m_j/x_k₀ (j ≠ k); Cov = T C Tᵀ.
    if centredOn >= 0 {
      let k = centredOn
      let x0 = design.storage[k * n]
      if scratch.count < 2 * p { scratch = [Double](repeating: 0, count: 2 * p) }
      // t = row k of T (scratch[0..<p]); row k of T C (= column k of C Tᵀ by symmetry) in
      // scratch[p..<2p].
      for j in 0..<p { scratch[j] = j == k ? 1 : -means[j] / x0 }
      for j in 0..<p {
        var s = 0.0
        for l in 0..<p { s += scratch[l] * c[l, j] }
        scratch[p + j] = s
      }
      var kk = 0.0
      for l in 0..<p { kk += scratch[p + l] * scratch[l] }
      for j in 0..<p where j != k {
        c[k, j] = scratch[p + j]
        c[j, k] = scratch[p + j]
      }
      c[k, k] = kk
    }
    for v in c.storage where !v.isFinite { return nil }
    var residuals = [Double](repeating: 0, count: n)
    var rss = Summation.Accumulator()
    for i in 0..<n {
      residuals[i] = response[i] - fitted[i]
      rss.add(weights[i] * residuals[i] * residuals[i])
    }
    return LeastSquaresResult(
      coefficients: coefficients, aliased: [Bool](repeating: false, count: p), rank: p,
      fitted: fitted, residuals: residuals, residualSumOfSquares: rss.value,
      unscaledCovariance: c)
  }

  /// The last successful `solve` as a result without its covariance (NaN) or residuals, for
  /// steps that are not reported; `result(design:response:weights:fitted:)` forms the rest.
  public func resultWithoutCovariance(fitted: [Double]) -> LeastSquaresResult {
    let p = coefficients.count
    return LeastSquaresResult(
      coefficients: coefficients, aliased: [Bool](repeating: false, count: p), rank: p,
      fitted: fitted, residuals: [], residualSumOfSquares: .nan,
      unscaledCovariance: Matrix(rows: p, columns: p, repeating: .nan))
  }

  /// Optimal `lwork` for `dgeqrf` and `dormqr` (one right-hand side) on `n × p`, by the
  /// `lwork = -1` queries; nil if LAPACK reports an error.
  private static func workspaceSize(n: Int, p: Int) -> Int? {
    let columnMajor = Int32(LAPACK_COL_MAJOR)
    let mm = clapack_int(n)
    let pp = clapack_int(p)
    var q1 = 0.0
    var q2 = 0.0
    var dummy = 0.0
    var t = 0.0
    var cc = 0.0
    let i1 = LAPACKE_dgeqrf_work(columnMajor, mm, pp, &dummy, mm, &t, &q1, -1)
    let i2 = LAPACKE_dormqr_work(
      columnMajor, CChar(UInt8(ascii: "L")), CChar(UInt8(ascii: "T")), mm, 1, pp, &dummy, mm, &t, &cc, mm, &q2, -1)
    guard i1 == 0, i2 == 0, q1.isFinite, q2.isFinite else { return nil }
    return max(1, p, Int(q1), Int(q2))
  }
}
