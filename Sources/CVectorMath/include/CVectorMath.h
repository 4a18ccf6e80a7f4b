#ifndef RECONCILE_CVECTORMATH_H
#define RECONCILE_CVECTORMATH_H

/// out[i] = log(x[i]) for 0 <= i < n (out may be x). On x86-64 Linux with AVX2 and FMA the
/// values come four at a time from glibc's vector math library (libmvec's `_ZGVdN4v_log`:
/// within 1 ulp of the exact value, measured against mpmath by Tests/NumericsTests; about 2.5
/// times the throughput of the scalar `log`),
/// the last n mod 4 through the same routine with the rest of the vector padded, so that a
/// value's logarithm does not depend on where it stands in the array. Elsewhere: `log`.
void reconcile_log_array(const double *x, double *out, long n);

/// out[i] = exp(x[i]), as `reconcile_log_array` (libmvec's `_ZGVdN4v_exp`: within 2 ulp of
/// the exact value, measured as above).
void reconcile_exp_array(const double *x, double *out, long n);

/// out[i] = erf(x[i]), as `reconcile_log_array` (libmvec's `_ZGVdN4v_erf`: within 2 ulp of
/// the exact value, measured as above).
void reconcile_erf_array(const double *x, double *out, long n);

/// out[i] = erfc(x[i]), as `reconcile_log_array` (libmvec's `_ZGVdN4v_erfc`: within 2 ulp of
/// the exact value where it is a normal double, subnormal below about 1e-308, measured as
/// above; about five times the throughput of the scalar `erfc`).
void reconcile_erfc_array(const double *x, double *out, long n);

/// 1 when the vector routines are in use on this machine, 0 when the scalar ones are.
int reconcile_vector_math_available(void);

#endif
