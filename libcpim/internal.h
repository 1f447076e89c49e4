/* internal.h - helpers shared by the libcpim sources; not installed. */
#ifndef CPIM_INTERNAL_H
#define CPIM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpim.h"

/* ---- arena: bump allocation in a few chunks, freed at once ---- */
struct cpim__chunk {
	struct cpim__chunk *next;
	size_t cap;
	size_t used;
};

typedef struct cpim__arena {
	struct cpim__chunk *head;  /* chunk being filled; older ones follow */
} cpim__arena;

#define CPIM__ALIGN 16
#define CPIM__CHUNK_HDR ((sizeof(struct cpim__chunk) + CPIM__ALIGN - 1) & \
	~(size_t)(CPIM__ALIGN - 1))

int cpim__arena_reserve(cpim__arena *a, size_t n);
void *cpim__alloc_new(cpim__arena *a, size_t n);

/* n bytes aligned to CPIM__ALIGN; NULL when out of memory.  The common
 * case, room in the head chunk, is inline */
static inline void *
cpim__alloc(cpim__arena *a, size_t n)
{
	struct cpim__chunk *c = a->head;
	void *p;

	if (n > SIZE_MAX - CPIM__ALIGN)
		return NULL;
	n = (n + CPIM__ALIGN - 1) & ~(size_t)(CPIM__ALIGN - 1);
	if (!c || c->cap - c->used < n)
		return cpim__alloc_new(a, n);
	p = (unsigned char *)c + CPIM__CHUNK_HDR + c->used;
	c->used += n;
	return p;
}
/* s[0..n) and a NUL in the arena; NULL when out of memory */
static inline char *
cpim__strndup(cpim__arena *a, const char *s, size_t n)
{
	char *p = n < SIZE_MAX ? cpim__alloc(a, n + 1) : NULL;

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int cpim__grow(cpim__arena *a, void **arr, size_t *cap, size_t n, size_t size);
void cpim__arena_free(cpim__arena *a);
void cpim__arena_release(cpim__arena a);

/* ---- errors ---- */
/* error paths: kept out of line so the parser's hot functions stay small */
#define CPIM__COLD __attribute__((cold, noinline))
void cpim__err_at(cpim_error *err, int code, unsigned line, unsigned col,
    size_t off, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int cpim__err(cpim_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- growable output buffer ---- */
typedef struct cpim__sb {
	char *ptr;
	size_t len, cap;
	int failed;
} cpim__sb;

void cpim__sb_add(cpim__sb *sb, const void *p, size_t n);
void cpim__sb_str(cpim__sb *sb, const char *s);
int cpim__sb_finish(cpim__sb *sb, cpim_buf *out);

/* ---- characters ---- */
extern const unsigned char cpim__ctype[256];
#define CPIM__C_NAME   1u   /* RFC 3862 NAMECHAR */
#define CPIM__C_TOKEN  2u   /* RFC 3862 TOKENCHAR */
#define CPIM__C_SIPTOK 4u   /* RFC 3261 token */
#define CPIM__C_URI    8u   /* inside <...>: no SP, CTL, '<', '>', '"' */
#define CPIM__C_VALUE  16u  /* printable US-ASCII, SP included */
#define CPIM__C_MIME   32u  /* MIME header name: printable, no SP or ':' */
#define cpim__namechar(c) (cpim__ctype[(unsigned char)(c)] & CPIM__C_NAME)
#define cpim__tokenchar(c) (cpim__ctype[(unsigned char)(c)] & CPIM__C_TOKEN)
#define cpim__sip_tokenchar(c) (cpim__ctype[(unsigned char)(c)] & CPIM__C_SIPTOK)
size_t cpim__utf8_len(const unsigned char *p, size_t n); /* 0: invalid */
/* first byte not allowed in a header value (controls, bad UTF-8), n if none */
size_t cpim__check_value(const char *v, size_t n, int tab_ok);
/* the number of CPIM__C_URI bytes at the start of s[0..n) */
size_t cpim__uri_span(const char *s, size_t n);
/* ASCII case folding: 'A'..'Z' to 'a'..'z', every other byte itself */
extern const unsigned char cpim__fold[256];
static inline int
cpim__lower(int c)
{
	return cpim__fold[(unsigned char)c];
}

/* NUL-terminated a and b equal ignoring ASCII case */
static inline int
cpim__strcaseeq(const char *a, const char *b)
{
	while (*a && cpim__lower(*a) == cpim__lower(*b)) {
		a++;
		b++;
	}
	return cpim__lower(*a) == cpim__lower(*b);
}

/* a[0..n) equals b[0..n) ignoring ASCII case */
static inline int
cpim__caseeqn(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cpim__lower(a[i]) != cpim__lower(b[i]))
			return 0;
	return 1;
}

/* a[0..n) equals the string literal lit ignoring ASCII case; the exact
 * spelling, the common case, is one inline memcmp */
#define CPIM__IS(a, n, lit) ((n) == sizeof(lit) - 1 && \
	(!memcmp((a), lit, sizeof(lit) - 1) || \
	cpim__caseeqn((a), lit, sizeof(lit) - 1)))

/* a[0..n) equals NUL-terminated b, ignoring ASCII case */
static inline int
cpim__memcaseeq(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!b[i] || cpim__lower(a[i]) != cpim__lower(b[i]))
			return 0;
	return b[n] == '\0';
}
void cpim__opts_resolve(cpim_parse_opts *o, const cpim_parse_opts *in);

/* ---- time ---- */
int64_t cpim__days_from_civil(int y, unsigned m, unsigned d);
int cpim__valid_date(int y, unsigned m, unsigned d);
/* parse RFC 3339; on error *errpos is the offset of the bad byte */
int cpim__datetime_parse(int64_t *out, const char *s, size_t len,
    size_t *errpos, const char **what);

/* ---- quoted strings (RFC 3862 String with escapes) ---- */
/* decode the String starting at s[0] == '"'; returns bytes consumed or 0,
 * then *what and *errat (the offset in s of the problem) say why */
size_t cpim__qstring(cpim__arena *a, const char **out, const char *s,
    size_t n, const char **what, size_t *errat);

#define CPIM__MAX_NS 64

#endif
