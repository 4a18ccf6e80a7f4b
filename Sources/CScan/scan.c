#include "CScan.h"
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

size_t reconcile_last_record_end(const unsigned char *p, size_t n, int *quoted) {
  size_t last = 0;
  size_t i = 0;
  int state = *quoted ? 1 : 0;
#if defined(__SSE2__)
  /* All ones when inside quotes before the block. */
  uint64_t before = state ? ~(uint64_t)0 : 0;
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i lf = _mm_set1_epi8('\n');
  for (; i + 64 <= n; i += 64) {
    uint64_t q = 0, l = 0;
    for (int k = 0; k < 4; k++) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
      q |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << (16 * k);
      l |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)) << (16 * k);
    }
    /* Bit j of x: the parity of the quotes at or before byte j of the block. */
    uint64_t x = q;
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    uint64_t inside = x ^ before;
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
