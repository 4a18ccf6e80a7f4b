#ifndef RECONCILE_CFORMAT_H
#define RECONCILE_CFORMAT_H
#include <stddef.h>

/// snprintf(buffer, size, "%.*e", precision, x): C's correctly rounded scientific notation,
/// callable from Swift without boxing the arguments as CVarArg.
int reconcile_format_scientific(char *buffer, size_t size, int precision, double x);

/// Atomically exchanges the files or folders at two paths (Linux renameat2 with
/// RENAME_EXCHANGE); 0 on success, -1 with errno set where the system or file system cannot.
int reconcile_exchange_paths(const char *a, const char *b);

#endif
