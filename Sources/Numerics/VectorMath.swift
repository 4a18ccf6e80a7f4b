import CVectorMath

/// Logarithms, exponentials and error functions of whole arrays, for the inner loops of the
/// count models and of the trajectory model's gradient.
///
/// On x86-64 Linux with AVX2 and FMA they come four at a time from glibc's vector math
/// library (libmvec): `log` within 1 ulp, `exp`, `erf` and `erfc` within 2 of the exact value
/// (measured against mpmath at 50 digits on 3,000 arguments each,
/// Tests/NumericsTests/VectorMathTests), where glibc's scalar functions are within 1; so
/// results can differ from the scalar ones in
/// the last bit or two. Each value's result depends on that value alone (a short tail is padded,
/// not computed another way), so the same input gives the same bits on every run. Elsewhere (no
/// AVX2, another platform) the scalar functions are used.
public enum VectorMath {
  /// Whether the vector routines are in use on this machine.
  public static var isVectorized: Bool { reconcile_vector_math_available() != 0 }

  /// `out[i] = log(x[i])` for every index of `x` (`out` at least as long; it may be `x`
  /// itself: `log(UnsafeBufferPointer(b), into: b)`).
  @inlinable
  public static func log(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
    apply(reconcile_log_array, x, out)
  }

  /// `out[i] = exp(x[i])` for every index of `x` (`out` at least as long; it may be `x` itself).
  @inlinable
  public static func exp(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
    apply(reconcile_exp_array, x, out)
  }

  /// `out[i] = erf(x[i])` for every index of `x` (`out` at least as long; it may be `x` itself).
  @inlinable
  public static func erf(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
    apply(reconcile_erf_array, x, out)
  }

  /// `out[i] = erfc(x[i])` for every index of `x` (`out` at least as long; it may be `x` itself).
  @inlinable
  public static func erfc(_ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
    apply(reconcile_erfc_array, x, out)
  }

  @inlinable
  static func apply(
    _ f: (UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, Int) -> Void,
    _ x: UnsafeBufferPointer<Double>, _ out: UnsafeMutableBufferPointer<Double>
  ) {
    guard x.count > 0, out.count >= x.count, let xp = x.baseAddress, let op = out.baseAddress else { return }
    f(xp, op, x.count)
  }
}
