#ifndef RECONCILE_CSCAN_H
#define RECONCILE_CSCAN_H
#include <stddef.h>

/// The offset just past the last LF outside quotes in p[0..<n] (0 when there is none), an LF
/// being outside quotes when an even number of quotes precede it (counting from a start
/// inside quotes when *quoted is 1); *quoted is left as the state at p[n]. The CSV record
/// ends of RFC 4180, where "" toggles twice. 64 bytes at a time with SSE2 where available.
size_t reconcile_last_record_end(const unsigned char *p, size_t n, int *quoted);

#endif
