#include "CVectorMath.h"
#include <math.h>

#if defined(__linux__) && defined(__x86_64__) && defined(__GLIBC__)
#include <immintrin.h>
#define RECONCILE_LIBMVEC 1

// glibc's AVX2 variants (the x86-64 vector function ABI names, as the compiler would call them
// for `#pragma omp simd` loops).
__attribute__((target("avx2,fma"))) __m256d _ZGVdN4v_log(__m256d);
__attribute__((target("avx2,fma"))) __m256d _ZGVdN4v_exp(__m256d);
__attribute__((target("avx2,fma"))) __m256d _ZGVdN4v_erf(__m256d);
__attribute__((target("avx2,fma"))) __m256d _ZGVdN4v_erfc(__m256d);

static int vector_state = -1;

static int have_vector(void) {
  int s = __atomic_load_n(&vector_state, __ATOMIC_RELAXED);
  if (s < 0) {
    __builtin_cpu_init();
    s = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    __atomic_store_n(&vector_state, s, __ATOMIC_RELAXED);
  }
  return s;
}

typedef __m256d (*vector_function)(__m256d);

// out[i] = f(x[i]), four at a time; the last n mod 4 padded with `pad_value` (an argument
// with a finite result).
__attribute__((target("avx2,fma"))) static void apply_avx2(
    vector_function f, double pad_value, const double *x, double *out, long n) {
  long i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, f(_mm256_loadu_pd(x + i)));
  if (i < n) {
    double pad[4] = {pad_value, pad_value, pad_value, pad_value};
    for (long j = i; j < n; j++) pad[j - i] = x[j];
    double r[4];
    _mm256_storeu_pd(r, f(_mm256_loadu_pd(pad)));
    for (long j = i; j < n; j++) out[j] = r[j - i];
  }
}
#endif

void reconcile_log_array(const double *x, double *out, long n) {
#ifdef RECONCILE_LIBMVEC
  if (have_vector()) {
    apply_avx2(_ZGVdN4v_log, 1, x, out, n);
    return;
  }
#endif
  for (long i = 0; i < n; i++) out[i] = log(x[i]);
}

void reconcile_exp_array(const double *x, double *out, long n) {
#ifdef RECONCILE_LIBMVEC
  if (have_vector()) {
    apply_avx2(_ZGVdN4v_exp, 0, x, out, n);
    return;
  }
#endif
  for (long i = 0; i < n; i++) out[i] = exp(x[i]);
}

void reconcile_erf_array(const double *x, double *out, long n) {
#ifdef RECONCILE_LIBMVEC
  if (have_vector()) {
    apply_avx2(_ZGVdN4v_erf, 0, x, out, n);
    return;
  }
#endif
  for (long i = 0; i < n; i++) out[i] = erf(x[i]);
}

void reconcile_erfc_array(const double *x, double *out, long n) {
#ifdef RECONCILE_LIBMVEC
  if (have_vector()) {
    apply_avx2(_ZGVdN4v_erfc, 0, x, out, n);
    return;
  }
#endif
  for (long i = 0; i < n; i++) out[i] = erfc(x[i]);
}

int reconcile_vector_math_available(void) {
#ifdef RECONCILE_LIBMVEC
  return have_vector();
#else
  return 0;
#endif
}
