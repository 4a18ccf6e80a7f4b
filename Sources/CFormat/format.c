#include <stdio.h>
#include "CFormat.h"

int reconcile_format_scientific(char *buffer, size_t size, int precision, double x) {
  return snprintf(buffer, size, "%.*e", precision, x);
}
