#ifndef RECONCILE_CFORMAT_H
#define RECONCILE_CFORMAT_H
#include <stddef.h>

/// snprintf(buffer, size, "%.*e", precision, x): C's correctly rounded scientific notation,
/// callable from Swift without boxing the arguments as CVarArg.
int reconcile_format_scientific(char *buffer, size_t size, int precision, double x);

#endif
