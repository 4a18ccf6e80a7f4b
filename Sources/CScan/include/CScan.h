#ifndef RECONCILE_CSCAN_H
#define RECONCILE_CSCAN_H
#include <stddef.h>

/// The offset just past the last LF outside quotes in p[0..<n] (0 when there is none), an LF
/// being outside quotes when an even number of quotes precede it (counting from a start
/// inside quotes when *quoted is 1); *quoted is left as the state at p[n]. The CSV record
/// ends of RFC 4180, where "" toggles twice. 64 bytes at a time with SSE2 where available.
size_t reconcile_last_record_end(const unsigned char *p, size_t n, int *quoted);

/// The offset of the first LF outside quotes in p[0..<n] (n when there is none), starting
/// inside quotes when `quoted` is 1; *newlines is increased by the LFs up to and including
/// it (all of them when there is none). 64 bytes at a time with SSE2 where available.
size_t reconcile_first_record_end(const unsigned char *p, size_t n, int quoted, size_t *newlines);

/// Splits one CSV record p[0..<n] (its line end removed) into at most `max` fields when it is
/// *plain*: every byte printable ASCII (0x20–0x7E), each field either unquoted (no quote in
/// it) or quoted whole ("..." with "" for a quote, followed by a comma or the end). Field k
/// lies at p[bounds[2k]..<bounds[2k+1]] (inside its quotes when quoted); flags[k] has bit 0
/// set when the field is quoted and holds a comma or a quote (it needs quoting again on
/// output) and bit 1 when it holds "" (its text is that of the bytes with "" read as ").
/// Returns the number of fields, or -1 when the record is not plain or has more than `max`
/// fields. 16 bytes at a time with SSE2 where available.
long reconcile_split_plain(const unsigned char *p, long n, long *bounds, unsigned char *flags, long max);

/// Splits the record that starts at p[i] of the block p[0..<n] into exactly `count` fields when
/// it is *simple*: it ends with an LF inside the block; no byte of it is NUL, CR or 0x80 and
/// above; and each field is either unquoted (no quote in it) or quoted whole ("..." without
/// "" inside, the closing quote followed at once by a comma or the LF; commas and LFs inside
/// are text). Field k lies at p[starts[k]..<ends[k]] (inside its quotes when quoted). Returns
/// the offset just past the record's LF, or -1 when the record is not simple or has another
/// number of fields (the caller then reads it byte by byte, with every rule of the format).
/// 64 bytes at a time with SSE2 where available.
long reconcile_split_record(const unsigned char *p, long i, long n, long *starts, long *ends, long count);

/// The number of bytes equal to `byte` in p[0..<n]; 64 bytes at a time with SSE2 where available.
size_t reconcile_count_byte(const unsigned char *p, size_t n, unsigned char byte);

#endif
