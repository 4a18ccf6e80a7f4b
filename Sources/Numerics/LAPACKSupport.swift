import CLAPACK

/// Internal thin wrappers over LAPACKE (column-major) with dimension checks and
/// `info` translation into `NumericsError`.
///
/// LAPACKE's high-level drivers perform the `lwork = -1` workspace query
/// internally and allocate the optimal workspace (LAPACKE reference
/// implementation, `lapacke_dgeqp3.c`, `lapacke_dormqr.c`).
enum LAPACK {
  static let columnMajor = Int32(LAPACK_COL_MAJOR)

  static func char(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }

  /// Converts a Swift `Int` dimension to LAPACK's integer type.
  static func int(_ n: Int, _ what: String) throws(NumericsError) -> clapack_int {
    guard n >= 0, n <= Int(Int32.max) else {
      throw .invalidArgument("\(what) = \(n) does not fit LAPACK's 32-bit integer")
    }
    return clapack_int(n)
  }

  static func check(_ info: clapack_int, _ routine: String) throws(NumericsError) {
    if info != 0 { throw .lapack(routine: routine, info: Int(info)) }
  }

  /// Householder QR with column pivoting (`dgeqp3`): `A P = Q R`.
  /// `a` is overwritten by `R` (upper triangle) and the reflectors; returns
  /// zero-based pivots (`perm[k]` = original column at position `k`) and `tau`.
  static func geqp3(_ a: inout [Double], m: Int, n: Int) throws(NumericsError) -> (perm: [Int], tau: [Double]) {
    let mm = try int(m, "rows")
    let nn = try int(n, "columns")
    let lda = try int(max(1, m), "lda")
    var jpvt = [clapack_int](repeating: 0, count: n)  // 0 = free column
    var tau = [Double](repeating: 0, count: max(1, min(m, n)))
    let info = a.withUnsafeMutableBufferPointer { ap in
      jpvt.withUnsafeMutableBufferPointer { jp in
        tau.withUnsafeMutableBufferPointer { tp in
          LAPACKE_dgeqp3(columnMajor, mm, nn, ap.baseAddress, lda, jp.baseAddress, tp.baseAddress)
        }
      }
    }
    try check(info, "dgeqp3")
    var perm: [Int] = []
    perm.reserveCapacity(n)
    for p in jpvt {
      let k = Int(p) - 1  // LAPACK pivots are 1-based
      guard k >= 0, k < n else { throw .lapack(routine: "dgeqp3", info: -6) }
      perm.append(k)
    }
    return (perm, tau)
  }

  /// Applies `Qᵀ` from a QR factorization (`dormqr`, side = L, trans = T) to the
  /// `m × nrhs` column-major matrix `c`.
  static func ormqrTranspose(qr: [Double], m: Int, k: Int, tau: [Double], c: inout [Double], nrhs: Int)
    throws(NumericsError)
  {
    try ormqr(qr: qr, m: m, k: k, tau: tau, c: &c, nrhs: nrhs, transpose: true)
  }

  /// Applies `Q` (`transpose == false`) or `Qᵀ` from a QR factorization (`dormqr`, side = L).
  static func ormqr(qr: [Double], m: Int, k: Int, tau: [Double], c: inout [Double], nrhs: Int, transpose: Bool)
    throws(NumericsError)
  {
    let mm = try int(m, "rows")
    let kk = try int(k, "reflectors")
    let nr = try int(nrhs, "nrhs")
    let lda = try int(max(1, m), "lda")
    let info = qr.withUnsafeBufferPointer { ap in
      tau.withUnsafeBufferPointer { tp in
        c.withUnsafeMutableBufferPointer { cp in
          LAPACKE_dormqr(
            columnMajor, char("L"), transpose ? char("T") : char("N"), mm, nr, kk, ap.baseAddress, lda, tp.baseAddress,
            cp.baseAddress, lda)
        }
      }
    }
    try check(info, "dormqr")
  }

  /// Solves `R z = c` (or `Rᵀ z = c`) for the leading `k × k` upper triangle of `a` (leading dimension `lda`) (`dtrtrs`).
  static func trtrsUpper(_ a: [Double], lda: Int, k: Int, _ c: inout [Double], ldc: Int, transpose: Bool = false)
    throws(NumericsError)
  {
    let kk = try int(k, "order")
    let la = try int(max(1, lda), "lda")
    let lc = try int(max(1, ldc), "ldc")
    let info = a.withUnsafeBufferPointer { ap in
      c.withUnsafeMutableBufferPointer { cp in
        LAPACKE_dtrtrs(
          columnMajor, char("U"), transpose ? char("T") : char("N"), char("N"), kk, 1, ap.baseAddress, la,
          cp.baseAddress, lc)
      }
    }
    if info > 0 { throw .singular("dtrtrs: R(\(info),\(info)) is exactly zero") }
    try check(info, "dtrtrs")
  }

  /// Overwrites the `k × k` upper triangular `r` with `R⁻¹ R⁻ᵀ` (`dtrtri` then `dlauum`),
  /// upper triangle only.
  static func upperInverseGram(_ r: inout [Double], k: Int) throws(NumericsError) {
    let kk = try int(k, "order")
    let ld = try int(max(1, k), "lda")
    var info = r.withUnsafeMutableBufferPointer { rp in
      LAPACKE_dtrtri(columnMajor, char("U"), char("N"), kk, rp.baseAddress, ld)
    }
    if info > 0 { throw .singular("dtrtri: R(\(info),\(info)) is exactly zero") }
    try check(info, "dtrtri")
    info = r.withUnsafeMutableBufferPointer { rp in
      LAPACKE_dlauum(columnMajor, char("U"), kk, rp.baseAddress, ld)
    }
    try check(info, "dlauum")
  }

  /// Cholesky factorization `A = Uᵀ U` (`dpotrf`, upper).
  static func potrf(_ a: inout [Double], n: Int) throws(NumericsError) {
    let nn = try int(n, "order")
    let ld = try int(max(1, n), "lda")
    let info = a.withUnsafeMutableBufferPointer { ap in
      LAPACKE_dpotrf(columnMajor, char("U"), nn, ap.baseAddress, ld)
    }
    if info > 0 { throw .singular("dpotrf: leading minor of order \(info) is not positive definite") }
    try check(info, "dpotrf")
  }

  /// Inverse from the Cholesky factor (`dpotri`, upper triangle).
  static func potri(_ a: inout [Double], n: Int) throws(NumericsError) {
    let nn = try int(n, "order")
    let ld = try int(max(1, n), "lda")
    let info = a.withUnsafeMutableBufferPointer { ap in
      LAPACKE_dpotri(columnMajor, char("U"), nn, ap.baseAddress, ld)
    }
    if info > 0 { throw .singular("dpotri: U(\(info),\(info)) is exactly zero") }
    try check(info, "dpotri")
  }

  /// Solves `A x = b` from the Cholesky factor (`dpotrs`, upper).
  static func potrs(_ u: [Double], n: Int, _ b: inout [Double]) throws(NumericsError) {
    let nn = try int(n, "order")
    let ld = try int(max(1, n), "lda")
    let info = u.withUnsafeBufferPointer { up in
      b.withUnsafeMutableBufferPointer { bp in
        LAPACKE_dpotrs(columnMajor, char("U"), nn, 1, up.baseAddress, ld, bp.baseAddress, ld)
      }
    }
    try check(info, "dpotrs")
  }
}

/// Error-free transformations used for compensated dot products
/// (T. Ogita, S. M. Rump, S. Oishi, "Accurate sum and dot product",
/// SIAM J. Sci. Comput. 26 (2005) 1955–1988, Algorithm Dot2: TwoSum plus
/// FMA-based TwoProduct).
enum Compensated {
  /// `y0 - Σ a[i]·b[i]` evaluated as if in twice the working precision, then rounded.
  static func residual(_ y0: Double, _ a: [Double], _ b: [Double]) -> Double {
    var s = y0
    var c = 0.0
    for i in 0..<min(a.count, b.count) {
      let h = -a[i] * b[i]
      let herr = (-h).addingProduct(-a[i], b[i])  // exact: -a*b - h
      let t = s + h
      let z = t - s
      c += (s - (t - z)) + (h - z) + herr
      s = t
    }
    return s + c
  }
}
