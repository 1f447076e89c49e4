/* scan.c - the byte scans of the parser: header values (printable ASCII
 * and UTF-8) and URIs, 16 bytes at a time with SSE2, 8 at a time without */
#include <string.h>

#include "internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>

static __m128i
load16(const unsigned char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* bit i set when p[i] is outside 0x20..0x7e (signed compares: bytes from
 * 0x80 are negative) */
static unsigned
unprintable16(const unsigned char *p)
{
	__m128i x = load16(p);
	__m128i ok = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x1f)),
	    _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)));

	return (unsigned)_mm_movemask_epi8(ok) ^ 0xffffu;
}

/* bit i set when p[i] is not a CPIM__C_URI byte: 0x00..0x20, '"', '<',
 * '>', DEL */
static unsigned
nonuri16(const unsigned char *p)
{
	__m128i x = load16(p);
	__m128i bad = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x);

	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8('<')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8('>')));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f)));
	return (unsigned)_mm_movemask_epi8(bad);
}

/* the first i in p[0..n), n >= 16, where f(p + i) has a bit, or n; the
 * last block overlaps the ones before so that no byte is read past n */
static size_t
span16(const unsigned char *p, size_t n, unsigned (*f)(const unsigned char *))
{
	size_t i;
	unsigned m;

	for (i = 0; i + 16 <= n; i += 16)
		if ((m = f(p + i)))
			return i + (size_t)__builtin_ctz(m);
	if (i == n || !(m = f(p + n - 16)))
		return n;
	return n - 16 + (size_t)__builtin_ctz(m);
}
#endif

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* 8 bytes all in 0x20..0x7e (has-less / has-more bit tricks) */
static int
printable8(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return !(((w - ONES * 0x20) & ~w & HIGHS) |
	    (((w + ONES * (127 - 0x7e)) | w) & HIGHS));
}

/* the length of the printable ASCII run at p[0..n); where it is not exact
 * (8-byte steps) it is short, never long */
static size_t
printable_run(const unsigned char *p, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__)
	if (n >= 16)
		return span16(p, n, unprintable16);
#endif
	while (i + 8 <= n && printable8(p + i))
		i += 8;
	/* the last bytes as one word overlapping the checked ones */
	if (i < n && n >= 8 && i + 8 > n && printable8(p + n - 8))
		return n;
	return i;
}

/* position of the first byte not allowed in a header value, n when none:
 * printable ASCII, well-formed UTF-8, and HTAB when tab_ok */
size_t
cpim__check_value(const char *v, size_t n, int tab_ok)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0, k;

	while ((i += printable_run(p + i, n - i)) < n) {
		if (cpim__ctype[p[i]] & CPIM__C_VALUE) {
			i++;
		} else if (p[i] >= 0x80) {
			k = cpim__utf8_len(p + i, n - i);
			if (!k)
				return i;
			i += k;
		} else if (p[i] == '\t' && tab_ok) {
			i++;
		} else {
			return i;
		}
	}
	return n;
}

/* the number of CPIM__C_URI bytes at the start of p[0..n) */
size_t
cpim__uri_span(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

#if defined(__SSE2__)
	if (n >= 16)
		return span16(p, n, nonuri16);
#endif
	while (i < n && (cpim__ctype[p[i]] & CPIM__C_URI))
		i++;
	return i;
}
