#ifndef RECONCILE_CLAPACK_SHIM_H
#define RECONCILE_CLAPACK_SHIM_H
// LAPACK, LAPACKE and CBLAS as Debian ships them (liblapack-dev, liblapacke-dev,
// libopenblas-dev). `lapack_int` is a macro in lapack.h, which Swift cannot import,
// so it is re-exported here as a typedef.
#include <lapack.h>
#include <lapacke.h>
#include <cblas.h>
typedef lapack_int clapack_int;
#endif
