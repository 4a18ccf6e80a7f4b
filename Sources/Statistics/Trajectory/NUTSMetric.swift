import CLAPACK

/// The metric of the No-U-Turn sampler's kinetic energy: the mass matrix's inverse, adapted in
/// Stan's windows to the posterior covariance of the draws.
public enum NUTSMetric: Sendable, Equatable {
  /// A diagonal inverse metric: each coordinate's variance (Stan's default, `diag_e`).
  case diagonal
  /// A dense inverse metric: the whole covariance (Stan's `dense_e`), which takes out linear
  /// correlations between coordinates that a diagonal metric leaves to the step size.
  case dense
}

/// A dense metric as a change of coordinates. With the inverse metric `Σ = L·Lᵀ` (Cholesky,
/// LAPACK `dpotrf`), Hamiltonian dynamics in `q` with kinetic energy `½pᵀΣp` are those of
/// `y = L⁻¹q` with the unit metric: the momentum `Lᵀp` is standard normal, the sharp momentum
/// `Σp` and `p` pair as the same dot products, so the sampler runs unchanged on `y` and
/// evaluates the target at `q = L·y` with gradient `Lᵀ·∇q` (two BLAS `dgemv` per evaluation:
/// on 30 coordinates the general product of the triangle, zeros included, costs less than
/// `dtrmv`, whose OpenBLAS interface takes a lock for its work buffer on every call). Identity
/// until the first covariance is set.
struct DenseCoordinates {
  let dim: Int
  /// `L`, column-major, lower triangle (the strict upper triangle is zero).
  let factor: UnsafeMutablePointer<Double>
  /// The covariance `Σ` last set, column-major (both triangles).
  let covariance: UnsafeMutablePointer<Double>
  /// Workspaces for a position `q`: one for evaluations, one for the sampler, one for products.
  let q: UnsafeMutablePointer<Double>
  let held: UnsafeMutablePointer<Double>
  let scratch: UnsafeMutablePointer<Double>
  /// False while the metric is the identity (no product needed).
  private(set) var active = false

  init(dimension: Int) {
    dim = dimension
    factor = .allocate(capacity: 2 * dim * dim + 3 * dim)
    factor.initialize(repeating: 0, count: 2 * dim * dim + 3 * dim)
    covariance = factor + dim * dim
    q = covariance + dim * dim
    held = q + dim
    scratch = held + dim
    for i in 0..<dim {
      factor[i * dim + i] = 1
      covariance[i * dim + i] = 1
    }
  }

  func deallocate() { factor.deallocate() }

  /// `out = L·y` (a copy when the metric is the identity); `out` must not overlap `y`.
  func position(_ y: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
    guard active else {
      out.update(from: y, count: dim)
      return
    }
    let n = Int32(dim)
    cblas_dgemv(CblasColMajor, CblasNoTrans, n, n, 1, factor, n, y, 1, 0, out, 1)
  }

  /// `g = Lᵀ·g` in place: a gradient in `q` to one in `y`.
  func pullBack(_ g: UnsafeMutablePointer<Double>) {
    guard active else { return }
    let n = Int32(dim)
    cblas_dgemv(CblasColMajor, CblasTrans, n, n, 1, factor, n, g, 1, 0, scratch, 1)
    g.update(from: scratch, count: dim)
  }

  /// `q = L⁻¹·q` in place (BLAS `dtrsv`): a position in `q` to one in `y`.
  func coordinates(_ q: UnsafeMutablePointer<Double>) {
    guard active else { return }
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, Int32(dim), factor, Int32(dim), q, 1)
  }

  /// Makes `sigma` (column-major, lower triangle read) the inverse metric; false, leaving the
  /// metric as it was, when `dpotrf` finds it not positive definite.
  mutating func set(covariance sigma: UnsafePointer<Double>) -> Bool {
    let n = dim * dim
    let copy = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { copy.deallocate() }
    copy.update(from: sigma, count: n)
    let info = LAPACKE_dpotrf(Int32(LAPACK_COL_MAJOR), CChar(UInt8(ascii: "L")), Int32(dim), copy, Int32(dim))
    guard info == 0 else { return false }
    for j in 0..<dim {
      for i in 0..<dim {
        factor[j * dim + i] = i >= j ? copy[j * dim + i] : 0
        // Σ's upper triangle from its lower one.
        covariance[j * dim + i] = i >= j ? sigma[j * dim + i] : sigma[i * dim + j]
      }
    }
    active = true
    return true
  }
}
