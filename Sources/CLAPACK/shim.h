#ifndef RECONCILE_CLAPACK_SHIM_H
#define RECONCILE_CLAPACK_SHIM_H
// LAPACK, LAPACKE and CBLAS as Debian ships them (liblapack-dev, liblapacke-dev,
// libopenblas-dev). `lapack_int` is a macro in lapack.h, which Swift cannot import,
// so it is re-exported here as a typedef.
#include <lapack.h>
#include <lapacke.h>
#include <cblas.h>
typedef lapack_int clapack_int;
// dorm2r: the unblocked Q^T c (Householder reflectors applied one by one) that dormqr calls
// itself when there are fewer reflectors than its block size; lapack.h does not declare it.
// The two size_t are gfortran's hidden lengths of the character arguments.
void dorm2r_(char const* side, char const* trans, lapack_int const* m, lapack_int const* n,
             lapack_int const* k, double const* A, lapack_int const* lda, double const* tau,
             double* C, lapack_int const* ldc, double* work, lapack_int* info, size_t, size_t);
#endif
