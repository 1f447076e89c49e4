/* util.c - arena, errors, buffers and character classes */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CHUNK_HDR CPIM__CHUNK_HDR

static unsigned char *
chunk_data(struct cpim__chunk *c)
{
	return (unsigned char *)c + CHUNK_HDR;
}

/* make sure the head chunk has n free bytes */
int
cpim__arena_reserve(cpim__arena *a, size_t n)
{
	struct cpim__chunk *c;
	size_t cap;

	if (a->head && a->head->cap - a->head->used >= n)
		return 0;
	if (n > SIZE_MAX / 2 - CHUNK_HDR)
		return CPIM_NOMEM;
	cap = a->head ? a->head->cap * 2 : 1024;
	if (cap < n)
		cap = n;
	if (cap > SIZE_MAX / 2 - CHUNK_HDR)
		cap = n;
	c = malloc(CHUNK_HDR + cap);
	if (!c)
		return CPIM_NOMEM;
	c->next = a->head;
	c->cap = cap;
	c->used = 0;
	a->head = c;
	return 0;
}

/* cpim__alloc() of n aligned bytes when the head chunk is full */
void *
cpim__alloc_new(cpim__arena *a, size_t n)
{
	void *p;

	if (cpim__arena_reserve(a, n))
		return NULL;
	p = chunk_data(a->head) + a->head->used;
	a->head->used += n;
	return p;
}

/* make room for n elements in an arena array, doubling its capacity */
int
cpim__grow(cpim__arena *a, void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p;

	if (n <= *cap)
		return 0;
	while (ncap < n)
		ncap *= 2;
	if (ncap > SIZE_MAX / size)
		return CPIM_NOMEM;
	p = cpim__alloc(a, ncap * size);
	if (!p)
		return CPIM_NOMEM;
	if (*cap)
		memcpy(p, *arr, *cap * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

void
cpim__arena_free(cpim__arena *a)
{
	struct cpim__chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		free(c);
		c = next;
	}
}

/* free an arena given by value: the one inside the object it holds */
void
cpim__arena_release(cpim__arena a)
{
	cpim__arena_free(&a);
}

/* ---------------------------------------------------------------- errors */

static void err_vset(cpim_error *err, int code, unsigned line, unsigned col,
    size_t off, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void
err_vset(cpim_error *err, int code, unsigned line, unsigned col, size_t off,
    const char *fmt, va_list ap)
{
	int n = 0;

	err->code = code;
	err->line = line;
	err->column = col;
	err->offset = off;
	if (line)
		n = snprintf(err->message, sizeof err->message,
		    "line %u, column %u: ", line, col);
	if (n < 0 || (size_t)n >= sizeof err->message)
		n = 0;
	vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
}

void
cpim__err_at(cpim_error *err, int code, unsigned line, unsigned col,
    size_t off, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	err_vset(err, code, line, col, off, fmt, ap);
	va_end(ap);
}

int
cpim__err(cpim_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		err_vset(err, code, 0, 0, 0, fmt, ap);
		va_end(ap);
	}
	return code;
}

CPIM_API const char *
cpim_strerror(int err)
{
	switch (err) {
	case CPIM_OK:       return "success";
	case CPIM_NOMEM:    return "out of memory";
	case CPIM_INVALID:  return "invalid argument";
	case CPIM_SYNTAX:   return "syntax error";
	case CPIM_TOOBIG:   return "over a size limit";
	case CPIM_NOTFOUND: return "not found";
	case CPIM_UNSAFE:   return "unsafe xml refused";
	default:            return "unknown error";
	}
}

CPIM_API const char *
cpim_version(void)
{
	return CPIM_VERSION_STRING;
}

CPIM_API const char *
cpim_warning_str(int code)
{
	switch (code) {
	case CPIM_WARN_LF_ONLY:
		return "line ends with lf instead of crlf";
	case CPIM_WARN_STRAY_CONTENT_TYPE:
		return "stray content-type line before the cpim headers";
	case CPIM_WARN_EXTRA_BLANK_LINE:
		return "extra blank line between header blocks";
	case CPIM_WARN_UNDECLARED_PREFIX:
		return "header prefix without ns declaration";
	default:
		return "unknown warning";
	}
}

/* ---------------------------------------------------------------- buffers */

void
cpim__sb_add(cpim__sb *sb, const void *p, size_t n)
{
	size_t ncap;
	char *q;

	if (sb->failed)
		return;
	if (n > SIZE_MAX - sb->len - 1) {
		sb->failed = 1;
		return;
	}
	if (sb->len + n + 1 > sb->cap) {
		ncap = sb->cap ? sb->cap : 256;
		while (ncap < sb->len + n + 1)
			ncap = ncap > SIZE_MAX / 2 ? sb->len + n + 1 : ncap * 2;
		q = realloc(sb->ptr, ncap);
		if (!q) {
			sb->failed = 1;
			return;
		}
		sb->ptr = q;
		sb->cap = ncap;
	}
	if (n)
		memcpy(sb->ptr + sb->len, p, n);
	sb->len += n;
	sb->ptr[sb->len] = '\0';
}

void
cpim__sb_str(cpim__sb *sb, const char *s)
{
	cpim__sb_add(sb, s, strlen(s));
}

int
cpim__sb_finish(cpim__sb *sb, cpim_buf *out)
{
	if (!sb->failed && !sb->ptr)
		cpim__sb_add(sb, "", 0);
	if (sb->failed) {
		free(sb->ptr);
		out->ptr = NULL;
		out->size = 0;
		return CPIM_NOMEM;
	}
	out->ptr = sb->ptr;
	out->size = sb->len;
	return 0;
}

CPIM_API void
cpim_buf_free(cpim_buf *buf)
{
	if (!buf)
		return;
	free(buf->ptr);
	buf->ptr = NULL;
	buf->size = 0;
}

/* ---------------------------------------------------------------- chars */

/* character classes, see CPIM__C_* in internal.h */
const unsigned char cpim__ctype[256] = {
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	16, 63, 48, 59, 59, 63, 59, 63, 56, 56, 63, 63, 56, 63, 62, 56,
	63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 24, 56, 48, 56, 48, 56,
	56, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
	63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 56, 56, 56, 59, 63,
	63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
	63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 56, 59, 56, 63,  0,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
	 8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,  8,
};

/* ASCII case folding, see cpim__lower() */
const unsigned char cpim__fold[256] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
	0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x40, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
	0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
	0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
	0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
	0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/* length of one well-formed UTF-8 sequence at p, 0 when invalid */
size_t
cpim__utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* the one UTF-8 check of both libraries (libimstore calls it too) */
CPIM_API int
cpim_utf8_valid(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, k;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = cpim__utf8_len(p + i, len - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

void
cpim__opts_resolve(cpim_parse_opts *o, const cpim_parse_opts *in)
{
	cpim_parse_opts d = CPIM_PARSE_OPTS_INIT;

	*o = in ? *in : d;
	if (!o->max_size)
		o->max_size = CPIM_DEFAULT_MAX_SIZE;
	if (!o->max_line)
		o->max_line = CPIM_DEFAULT_MAX_LINE;
	if (!o->max_headers)
		o->max_headers = CPIM_DEFAULT_MAX_HEADERS;
}
