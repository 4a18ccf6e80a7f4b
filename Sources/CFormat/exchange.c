#define _GNU_SOURCE
#include <errno.h>
#include "CFormat.h"
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

int reconcile_exchange_paths(const char *a, const char *b) {
#if defined(__linux__) && defined(SYS_renameat2)
  // RENAME_EXCHANGE = 2; AT_FDCWD = -100.
  return (int)syscall(SYS_renameat2, -100, a, -100, b, 2);
#else
  errno = ENOSYS;
  return -1;
#endif
}
