/* lines.h - the header-line reader of both parsers (Message/CPIM in
 * parse.c, SIP in sip.c): the options and the private NUL-terminated copy
 * of the input, CR LF line ends (LF alone when lenient) within max_line,
 * folded continuation lines, "Name: value" splitting, and errors at a line
 * and column.  What the two formats say differently is in a
 * cpim__lines_conf. */
#ifndef CPIM_LINES_H
#define CPIM_LINES_H

#include "internal.h"

typedef struct cpim__lines cpim__lines;

typedef struct cpim__lines_conf {
	const char *long_line;   /* a line over max_line */
	int unended_says_limit;  /* no line end within max_line: "line longer
	                            than N bytes" rather than long_line */
	void (*lf_only)(cpim__lines *r); /* a lenient LF-only line end; may
	                                    be NULL */
} cpim__lines_conf;

struct cpim__lines {
	unsigned char *b;      /* arena copy of the input, NUL-terminated */
	size_t n;              /* its length */
	size_t pos;            /* start of the current line */
	size_t le, next;       /* its end (before CR LF) and the next line */
	unsigned line;         /* number of the current line, 1-based */
	int strict;            /* CPIM_PARSE_STRICT */
	cpim_parse_opts o;     /* the options, defaults resolved */
	cpim_error *err;
	const cpim__lines_conf *conf;
};

/* the options (version, defaults, strictness) into r; err and conf set */
int cpim__lines_open(cpim__lines *r, const cpim_parse_opts *opts,
    cpim_error *err, const cpim__lines_conf *conf);
/* the input copied into the arena a, NUL-terminated; the first line next */
int cpim__lines_input(cpim__lines *r, cpim__arena *a, const void *data,
    size_t len);

/* an error at byte off of the current line; returns code */
CPIM__COLD int cpim__lines_fail(cpim__lines *r, int code, size_t off,
    const char *what);
CPIM__COLD int cpim__lines_other(cpim__lines *r, const char *eof,
    const unsigned char *nl);

/* find the current line; eof names what was expected at the end of the
 * input.  A CR LF within max_line + 2 bytes is a line of at most max_line
 * bytes, the common case inline; every other end is cpim__lines_other() */
static inline int
cpim__lines_get(cpim__lines *r, const char *eof)
{
	const unsigned char *s = r->b + r->pos, *nl;
	size_t avail = r->n - r->pos, lim = r->o.max_line + 2;

	nl = memchr(s, '\n', avail < lim ? avail : lim);
	if (!nl || nl == s || nl[-1] != '\r')
		return cpim__lines_other(r, eof, nl);
	r->le = (size_t)(nl - r->b) - 1;
	r->next = r->le + 2;
	return 0;
}

/* the next line becomes the current one */
static inline void
cpim__lines_advance(cpim__lines *r)
{
	r->pos = r->next;
	r->line++;
}

static inline int
cpim__is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* past the current line, get the next: 1 when it continues a folded
 * header (it starts with SP or HTAB), 0 when not, or an error */
static inline int
cpim__lines_fold(cpim__lines *r, const char *eof)
{
	int rc;

	cpim__lines_advance(r);
	if ((rc = cpim__lines_get(r, eof)))
		return rc;
	return r->le != r->pos && cpim__is_wsp(r->b[r->pos]);
}

/* the header name (bytes of the character class cls) at the start of the
 * current line and its ':', with white space before the ':' when
 * wsp_colon, and after it; *nend: the end of the name, *vs: the value.
 * The scans stop at b[le], the CR or LF that ends the line */
static inline int
cpim__lines_name(cpim__lines *r, unsigned cls, int wsp_colon, size_t *nend,
    size_t *vs)
{
	const unsigned char *b = r->b;
	size_t k = r->pos;

	while (cpim__ctype[b[k]] & cls)
		k++;
	if (k == r->pos)
		return cpim__lines_fail(r, CPIM_SYNTAX, k, cpim__is_wsp(b[k]) ?
		    "unexpected continuation line" : "expected header name");
	*nend = k;
	while (wsp_colon && cpim__is_wsp(b[k]))
		k++;
	if (b[k] != ':')
		return cpim__lines_fail(r, CPIM_SYNTAX, k,
		    "expected ':' after header name");
	for (k++; cpim__is_wsp(b[k]); k++)
		;
	*vs = k;
	return 0;
}

/* the end of a parse: the error cleared on success, out of memory named */
static inline int
cpim__lines_end(cpim__lines *r, int rc)
{
	if (rc == CPIM_NOMEM)
		cpim__err(r->err, rc, "out of memory");
	else if (rc == 0 && r->err)
		memset(r->err, 0, sizeof *r->err);
	return rc;
}

#endif
