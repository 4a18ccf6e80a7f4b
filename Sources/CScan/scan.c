#include "CScan.h"
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__SSE2__)
/* Bit j of the returned mask: the parity of the quotes at or before byte j of the 64 at p
   (XORed with all ones when the block starts inside quotes, it marks the bytes inside
   them); *lf: the LFs among those bytes. */
static inline uint64_t quote_parity64(const unsigned char *p, uint64_t *lf) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i newline = _mm_set1_epi8('\n');
  uint64_t q = 0, l = 0;
  for (int k = 0; k < 4; k++) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
    q |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << (16 * k);
    l |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)) << (16 * k);
  }
  q ^= q << 1;
  q ^= q << 2;
  q ^= q << 4;
  q ^= q << 8;
  q ^= q << 16;
  q ^= q << 32;
  *lf = l;
  return q;
}
#endif

size_t reconcile_last_record_end(const unsigned char *p, size_t n, int *quoted) {
  size_t last = 0;
  size_t i = 0;
  int state = *quoted ? 1 : 0;
#if defined(__SSE2__)
  /* All ones when inside quotes before the block. */
  uint64_t before = state ? ~(uint64_t)0 : 0;
  for (; i + 64 <= n; i += 64) {
    uint64_t l;
    uint64_t inside = quote_parity64(p + i, &l) ^ before;
    uint64_t ends = l & ~inside;
    if (ends) last = i + (size_t)(64 - __builtin_clzll(ends));
    before = (inside >> 63) ? ~(uint64_t)0 : 0;
  }
  state = before ? 1 : 0;
#endif
  for (; i < n; i++) {
    unsigned char c = p[i];
    if (c == '"') {
      state ^= 1;
    } else if (c == '\n' && !state) {
      last = i + 1;
    }
  }
  *quoted = state;
  return last;
}

size_t reconcile_first_record_end(const unsigned char *p, size_t n, int quoted, size_t *newlines) {
  size_t i = 0;
  size_t lines = 0;
  int state = quoted ? 1 : 0;
#if defined(__SSE2__)
  uint64_t before = state ? ~(uint64_t)0 : 0;
  for (; i + 64 <= n; i += 64) {
    uint64_t l;
    uint64_t inside = quote_parity64(p + i, &l) ^ before;
    uint64_t ends = l & ~inside;
    if (ends) {
      unsigned at = (unsigned)__builtin_ctzll(ends);
      uint64_t upTo = at == 63 ? ~(uint64_t)0 : ((2ull << at) - 1ull);
      *newlines += lines + (size_t)__builtin_popcountll(l & upTo);
      return i + at;
    }
    lines += (size_t)__builtin_popcountll(l);
    before = (inside >> 63) ? ~(uint64_t)0 : 0;
  }
  state = before ? 1 : 0;
#endif
  for (; i < n; i++) {
    unsigned char c = p[i];
    if (c == '"') {
      state ^= 1;
    } else if (c == '\n') {
      lines++;
      if (!state) {
        *newlines += lines;
        return i;
      }
    }
  }
  *newlines += lines;
  return n;
}

/* The first index in p[i..<n] holding a byte of the set (a comma when `commas`, a quote, or a
   byte outside 0x20-0x7E), or n; *comma_seen is set when a comma precedes it and `commas` is
   0 (inside quotes a comma is text, but the field then needs quoting on output). */
static long next_special(const unsigned char *p, long i, long n, int commas, int *comma_seen) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7F);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
    /* Signed: bytes >= 0x80 are negative, so "< 0x20" catches them with the controls. */
    __m128i odd = _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del));
    __m128i hit = _mm_or_si128(odd, _mm_cmpeq_epi8(v, quote));
    unsigned c = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma));
    unsigned m = (unsigned)_mm_movemask_epi8(hit);
    if (commas) m |= c;
    if (m) {
      unsigned at = (unsigned)__builtin_ctz(m);
      if (!commas && (c & ((1u << at) - 1u))) *comma_seen = 1;
      return i + (long)at;
    }
    if (!commas && c) *comma_seen = 1;
  }
#endif
  for (; i < n; i++) {
    unsigned char b = p[i];
    if (b == '"' || b < 0x20 || b > 0x7E) return i;
    if (b == ',') {
      if (commas) return i;
      *comma_seen = 1;
    }
  }
  return n;
}

long reconcile_split_plain(const unsigned char *p, long n, long *bounds, unsigned char *flags, long max) {
  long i = 0;
  long field = 0;
  for (;;) {
    if (field >= max) return -1;
    unsigned char flag = 0;
    long from, to;
    if (i < n && p[i] == '"') {
      i += 1;
      from = i;
      int comma = 0;
      for (;;) {
        long j = next_special(p, i, n, 0, &comma);
        if (j >= n || p[j] != '"') return -1; /* not closed, or a byte that is not printable */
        if (j + 1 < n && p[j + 1] == '"') {
          flag |= 3;
          i = j + 2;
          continue;
        }
        to = j;
        i = j + 1;
        break;
      }
      if (comma) flag |= 1;
      if (!(i == n || p[i] == ',')) return -1;
    } else {
      int unused = 0;
      from = i;
      long j = next_special(p, i, n, 1, &unused);
      if (j < n && p[j] != ',') return -1; /* a quote inside, or a byte that is not printable */
      to = j;
      i = j;
    }
    bounds[2 * field] = from;
    bounds[2 * field + 1] = to;
    flags[field] = flag;
    field += 1;
    if (i == n) break;
    i += 1; /* past the comma */
  }
  return field;
}

/* The bytes a simple record's reading stops at: quote, comma, and every byte below 0x0E or from
   0x80 up (LF, and those that send a record the long way: NUL, CR, 0x80 and above; the other
   controls are text, looked at and passed over). Bit j: p[j] is one of them, for j < len <= 64. */
static inline uint64_t record_specials(const unsigned char *p, long len) {
  uint64_t m = 0;
#if defined(__SSE2__)
  if (len == 64) {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i low = _mm_set1_epi8(0x0E);
    for (int k = 0; k < 4; k++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
      /* Signed: bytes >= 0x80 are negative, so "< 0x0E" catches them with the controls. */
      __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, comma)),
                                 _mm_cmplt_epi8(v, low));
      m |= (uint64_t)(uint32_t)_mm_movemask_epi8(hit) << (16 * k);
    }
    return m;
  }
#endif
  for (long j = 0; j < len; j++) {
    unsigned char c = p[j];
    if (c == '"' || c == ',' || c < 0x0E || c >= 0x80) m |= (uint64_t)1 << j;
  }
  return m;
}

long reconcile_split_record(const unsigned char *p, long i, long n, long *starts, long *ends, long count) {
  long field = 0;
  long from = i;       /* where the current field's bytes start */
  long fieldStart = i; /* where the current field starts (its opening quote when quoted) */
  long closedAt = -1;  /* the current field's closing quote, when it has been read */
  int inQuote = 0;
  for (long base = i; base < n; base += 64) {
    long len = n - base < 64 ? n - base : 64;
    uint64_t m = record_specials(p + base, len);
    while (m) {
      long j = base + (long)__builtin_ctzll(m);
      m &= m - 1;
      unsigned char c = p[j];
      if (c == ',' || c == '\n') {
        if (inQuote) continue; /* text inside quotes */
        /* A field ends: right after its closing quote when quoted. */
        if (closedAt >= 0 && j != closedAt + 1) return -1;
        if (field >= count) return -1;
        starts[field] = from;
        ends[field] = closedAt >= 0 ? closedAt : j;
        field += 1;
        if (c == '\n') return field == count ? j + 1 : -1;
        from = fieldStart = j + 1;
        closedAt = -1;
      } else if (c == '"') {
        if (inQuote) {
          inQuote = 0;
          closedAt = j;
        } else if (j == fieldStart && closedAt < 0) {
          inQuote = 1;
          from = j + 1;
        } else {
          return -1; /* a quote inside an unquoted field, or after a closing one ("") */
        }
      } else if (c == 0 || c == '\r' || c >= 0x80) {
        return -1;
      }
      /* Other controls (tab, ...) are text. */
    }
  }
  return -1; /* no LF: the block's last record, read the long way */
}

size_t reconcile_count_byte(const unsigned char *p, size_t n, unsigned char byte) {
  size_t count = 0;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i want = _mm_set1_epi8((char)byte);
  for (; i + 64 <= n; i += 64) {
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
      m |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, want)) << (16 * k);
    }
    count += (size_t)__builtin_popcountll(m);
  }
#endif
  for (; i < n; i++) count += p[i] == byte;
  return count;
}
