/* parse.c - the Message/CPIM parser: one pass over a private copy of the
 * input, NUL-terminating names and values in place */
#include <stdio.h>
#include <string.h>

#include "msg.h"

struct ps {
	unsigned char *b;      /* arena copy of the input, NUL-terminated */
	size_t n;
	size_t pos;            /* start of the current line */
	size_t le, next;       /* its end (before CR LF) and the next line */
	unsigned line;         /* number of the current line */
	size_t nheaders;
	int strict;
	cpim_parse_opts o;
	cpim_msg *m;
	cpim_error *err;
};

CPIM__COLD static int
fail(struct ps *p, int code, size_t off, const char *what)
{
	cpim__err_at(p->err, code, p->line, (unsigned)(off - p->pos + 1), off,
	    "%s", what);
	return code;
}

CPIM__COLD static void
warn(cpim_msg *m, int code, unsigned line)
{
	size_t i;

	for (i = 0; i < m->nwarn; i++)
		if (m->warn[i].code == code)
			return;
	if (m->nwarn < sizeof m->warn / sizeof m->warn[0]) {
		m->warn[m->nwarn].code = code;
		m->warn[m->nwarn++].line = line;
	}
}

/* no LF within the line limit: the line is too long or the input ends */
CPIM__COLD static int
no_line_end(struct ps *p, const char *eof)
{
	char msg[64];

	if (p->n - p->pos < p->o.max_line + 2)
		return fail(p, CPIM_SYNTAX, p->n, eof);
	snprintf(msg, sizeof msg, "line longer than %zu bytes", p->o.max_line);
	return fail(p, CPIM_TOOBIG, p->pos + p->o.max_line, msg);
}

/* line_get() of a line that does not end in CR LF, or of none; nl is the
 * LF memchr() found, or NULL */
CPIM__COLD static int
line_other(struct ps *p, const char *eof, const unsigned char *nl)
{
	const unsigned char *b = p->b;
	size_t pos = p->pos, le;

	if (!nl)
		return no_line_end(p, eof);
	le = (size_t)(nl - b);
	p->next = le + 1;
	if (le > pos && b[le - 1] == '\r')
		le--;
	else if (p->strict)
		return fail(p, CPIM_SYNTAX, p->le = le,
		    "expected crlf line end");
	else
		warn(p->m, CPIM_WARN_LF_ONLY, p->line);
	p->le = le;
	if (le - pos > p->o.max_line)
		return fail(p, CPIM_TOOBIG, pos + p->o.max_line,
		    "header line too long");
	return 0;
}

/* find the current line; eof names what was expected at end of input.  A
 * CR LF within max_line + 2 bytes is a line of at most max_line bytes */
static inline int
line_get(struct ps *p, const char *eof)
{
	const unsigned char *s = p->b + p->pos, *nl;
	size_t avail = p->n - p->pos, lim = p->o.max_line + 2;

	nl = memchr(s, '\n', avail < lim ? avail : lim);
	if (!nl || nl == s || nl[-1] != '\r')
		return line_other(p, eof, nl);
	p->le = (size_t)(nl - p->b) - 1;
	p->next = p->le + 2;
	return 0;
}

static void
advance(struct ps *p)
{
	p->pos = p->next;
	p->line++;
}

static int
count_header(struct ps *p)
{
	if (++p->nheaders <= p->o.max_headers)
		return 0;
	return fail(p, CPIM_TOOBIG, p->pos, "too many headers");
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* "Content-Type: message/cpim" (any case, optional parameters) */
static int
is_outer_ct(const struct ps *p)
{
	const char *s = (const char *)p->b + p->pos;
	size_t n = p->le - p->pos, i = 12;

	if (n < 12 || !cpim__memcaseeq(s, 12, "Content-Type"))
		return 0;
	while (i < n && is_wsp((unsigned char)s[i]))
		i++;
	if (i >= n || s[i++] != ':')
		return 0;
	while (i < n && is_wsp((unsigned char)s[i]))
		i++;
	if (n - i < 12 || !cpim__memcaseeq(s + i, 12, "message/cpim"))
		return 0;
	i += 12;
	return i == n || s[i] == ';' || is_wsp((unsigned char)s[i]);
}

static int
is_mime_name(const struct ps *p)
{
	const char *s = (const char *)p->b + p->pos;
	size_t n = p->le - p->pos;

	if (n && is_wsp((unsigned char)s[0]))
		return 1;
	return (n >= 8 && cpim__memcaseeq(s, 8, "Content-")) ||
	    (n >= 13 && cpim__memcaseeq(s, 12, "MIME-Version") &&
	    (s[12] == ':' || is_wsp((unsigned char)s[12])));
}

/* get the first line of a header block, skipping blank lines if lenient */
static int
block_start(struct ps *p, const char *eof)
{
	int rc;

	for (;;) {
		if ((rc = line_get(p, eof)) || p->le != p->pos)
			return rc;
		if (p->strict)
			return fail(p, CPIM_SYNTAX, p->pos,
			    "unexpected blank line, expected a header");
		warn(p->m, CPIM_WARN_EXTRA_BLANK_LINE, p->line);
		advance(p);
	}
}

/* an outer MIME block at the current line (`Content-Type: message/cpim`);
 * when no blank line ends it, it is a stray line (lenient) or an error */
static int
outer_block(struct ps *p)
{
	unsigned first = p->line;
	int rc;

	for (;;) {
		if ((rc = count_header(p)))
			return rc;
		advance(p);
		if ((rc = line_get(p, "expected blank line after mime headers")))
			return rc;
		if (p->le == p->pos) {
			p->m->outer = 1;
			advance(p);
			return 0;
		}
		if (!is_mime_name(p))
			break;
	}
	if (p->strict)
		return fail(p, CPIM_SYNTAX, p->pos,
		    "expected blank line after outer mime headers");
	warn(p->m, CPIM_WARN_STRAY_CONTENT_TYPE, first);
	return 0;
}

/* outer blocks before the cpim headers: one, or more when lenient, so that
 * a cpim block never starts with `Content-Type: message/cpim` */
static int
outer_blocks(struct ps *p)
{
	int rc, seen = 0;

	for (;;) {
		if ((rc = block_start(p, "expected cpim headers")) ||
		    !is_outer_ct(p))
			return rc;
		if (seen++ && p->strict)
			return fail(p, CPIM_SYNTAX, p->pos,
			    "unexpected second message/cpim content-type");
		if ((rc = outer_block(p)))
			return rc;
	}
}

CPIM__COLD static int
bad_byte(struct ps *p, size_t off)
{
	char msg[64];

	snprintf(msg, sizeof msg, "invalid byte 0x%02x in header value",
	    p->b[off]);
	return fail(p, CPIM_SYNTAX, off, msg);
}

/* Param-value = Token / Number / String; *i at its start */
static int
param_value(struct ps *p, size_t *i, const char **val)
{
	const unsigned char *b = p->b;
	const char *what = NULL;
	size_t s = *i, k, at;

	if (b[s] == '"') {
		k = cpim__qstring(&p->m->arena, val, (const char *)b + s,
		    p->le - s, &what, &at);
		if (!k)
			return fail(p, CPIM_SYNTAX, s + at, what);
		*i = s + k;
		return 0;
	}
	for (k = s; cpim__tokenchar(b[k]); k++)
		;
	*i = k;
	if (k == s)
		return fail(p, CPIM_SYNTAX, k, "expected parameter value");
	*val = cpim__strndup(&p->m->arena, (const char *)b + s, k - s);
	return *val ? 0 : CPIM_NOMEM;
}

/* *( ";" Param-name "=" Param-value ); remembers a lang parameter */
static int
params(struct ps *p, size_t *i, const char **lang)
{
	const unsigned char *b = p->b;
	const char *val = NULL;
	size_t s, e, k = *i;
	int rc;

	while (b[k] == ';') {
		for (s = e = k + 1; cpim__namechar(b[e]); e++)
			;
		if (e == s)
			return fail(p, CPIM_SYNTAX, e,
			    "expected parameter name");
		if (b[e] != '=')
			return fail(p, CPIM_SYNTAX, e,
			    "expected '=' after parameter name");
		k = e + 1;
		if ((rc = param_value(p, &k, &val)))
			return rc;
		if (CPIM__IS((const char *)b + s, e - s, "lang"))
			*lang = val;
	}
	*i = k;
	return 0;
}

/* the end of the run of NAMECHARs at b + k */
static size_t
name_end(const unsigned char *b, size_t k)
{
	const unsigned char *q = b + k;

	while (cpim__namechar(*q))
		q++;
	return (size_t)(q - b);
}

/* Header-name = [ Name-prefix "." ] Name; *i: the ':' position */
static int
cpim_name(struct ps *p, size_t *i, size_t *dot)
{
	const unsigned char *b = p->b;
	size_t s = p->pos, k = name_end(b, s);

	*dot = 0;
	if (k == s)
		return fail(p, CPIM_SYNTAX, k, is_wsp(b[k]) ?
		    "unexpected whitespace, expected header name" :
		    "expected header name");
	if (b[k] == '.') {
		*dot = k++;
		s = k;
		k = name_end(b, s);
		if (k == s)
			return fail(p, CPIM_SYNTAX, k,
			    "expected header name after '.'");
	}
	*i = k;
	if (b[k] != ':')
		return fail(p, CPIM_SYNTAX, k, "expected ':' after header name");
	return 0;
}

/* the SP before the value and the value itself; *i: its start */
static int
cpim_value(struct ps *p, size_t *i)
{
	const unsigned char *b = p->b;
	size_t k = *i, le = p->le, bad;

	if (b[k] == ' ' || (!p->strict && b[k] == '\t')) {
		k++;
		while (!p->strict && is_wsp(b[k]))
			k++;
	} else if (k < le || p->strict) {
		return fail(p, CPIM_SYNTAX, k, "expected ' ' after ':'");
	}
	*i = k;
	bad = k + cpim__check_value((const char *)b + k, le - k, !p->strict);
	if (bad < le)
		return bad_byte(p, bad);
	return 0;
}

/* one CPIM header line; scans by character class stop at b[le], the CR or
 * LF that ends the line */
static int
cpim_line(struct ps *p)
{
	size_t i = p->pos, le = p->le, dot, colon, pend, vs, ns;
	const char *lang = NULL;
	struct cpim__hdr *h;
	unsigned char *b = p->b;
	int rc;

	if ((rc = count_header(p)) || (rc = cpim_name(p, &i, &dot)))
		return rc;
	colon = i++;
	if ((rc = params(p, &i, &lang)))
		return rc;
	pend = i;
	if ((rc = cpim_value(p, &i)))
		return rc;
	vs = i;
	if ((colon - p->pos) + (pend - colon) + 1 + (le - vs) > p->o.max_line)
		return fail(p, CPIM_TOOBIG, p->pos, "header line too long");
	if (!(h = cpim__msg_push(p->m, 0)))
		return CPIM_NOMEM;
	ns = dot ? dot + 1 : p->pos;
	h->prefix = dot ? (const char *)b + p->pos : "";
	h->name = (const char *)b + ns;
	h->nlen = colon - ns;
	h->params = pend > colon + 1 ? (const char *)b + colon + 1 : "";
	h->lang = lang;
	h->value = vs < le ? (const char *)b + vs : "";
	h->vlen = le - vs;
	h->line = p->line;
	h->loff = p->pos;
	h->voff = vs;
	/* the fields end in place: ':', '.', the SP (or the line end when the
	 * value is empty) and the CR or LF become NULs */
	b[colon] = '\0';
	if (dot)
		b[dot] = '\0';
	b[pend] = '\0';
	b[le] = '\0';
	return 0;
}

static int
cpim_block(struct ps *p)
{
	int rc;

	if ((rc = block_start(p, "expected cpim headers")))
		return rc;
	while (p->le != p->pos) {
		if ((rc = cpim_line(p)))
			return rc;
		advance(p);
		if ((rc = line_get(p,
		    "unexpected end of input, expected blank line after cpim headers")))
			return rc;
	}
	advance(p);
	return 0;
}

CPIM__COLD static int
typed_fail(struct ps *p, const struct cpim__hdr *h, int rc,
    const struct cpim__verr *ve)
{
	size_t off = h->voff + ve->pos;

	if (rc == CPIM_NOMEM)
		return rc;
	cpim__err_at(p->err, rc, h->line, (unsigned)(off - h->loff + 1), off,
	    "%s in %s%s%s header", ve->what, h->prefix, *h->prefix ? "." : "",
	    h->name);
	return rc;
}

CPIM__COLD static int
undeclared(struct ps *p, const struct cpim__hdr *h)
{
	if (!p->strict) {
		warn(p->m, CPIM_WARN_UNDECLARED_PREFIX, h->line);
		return 0;
	}
	cpim__err_at(p->err, CPIM_SYNTAX, h->line, 1, h->loff,
	    "undeclared namespace prefix '%s'", h->prefix);
	return CPIM_SYNTAX;
}

/* interpret core headers (NS first of all), then extension headers */
static int
cpim_typed(struct ps *p)
{
	struct cpim__verr ve = { 0, NULL };
	struct cpim__hdr *h;
	size_t i;
	int rc;

	for (i = 0; i < p->m->nhdrs; i++) {
		h = &p->m->hdrs[i];
		if (!*h->prefix && (rc = cpim__hdr_core(p->m, h, p->strict, &ve)))
			return typed_fail(p, h, rc, &ve);
	}
	for (i = 0; i < p->m->nhdrs; i++) {
		h = &p->m->hdrs[i];
		if (h->kind != HK_EXT)
			continue;
		rc = cpim__hdr_ext(p->m, h, p->strict, &ve);
		if (rc == CPIM_NOTFOUND)
			rc = undeclared(p, h);
		else if (rc)
			return typed_fail(p, h, rc, &ve);
		if (rc)
			return rc;
	}
	return 0;
}

/* append continuation lines to the value ending at *vend */
static int
unfold(struct ps *p, size_t *vend)
{
	size_t k, n;
	int rc;

	for (;;) {
		advance(p);
		if ((rc = line_get(p,
		    "unexpected end of input, expected blank line after mime headers")))
			return rc;
		if (p->le == p->pos || !is_wsp(p->b[p->pos]))
			return 0;
		n = p->le - p->pos;
		k = cpim__check_value((const char *)p->b + p->pos, n, 1);
		if (k < n)
			return bad_byte(p, p->pos + k);
		memmove(p->b + *vend, p->b + p->pos, n);
		*vend += n;
	}
}

/* a MIME header name and the ':' after it; *i: the first byte of the
 * value, *nend: the end of the name */
static int
mime_name(struct ps *p, size_t *i, size_t *nend)
{
	const unsigned char *b = p->b;
	size_t k = p->pos;

	while (cpim__ctype[b[k]] & CPIM__C_MIME)
		k++;
	if (k == p->pos)
		return fail(p, CPIM_SYNTAX, k, "expected header name");
	*nend = k;
	while (!p->strict && is_wsp(b[k]))
		k++;
	if (b[k] != ':')
		return fail(p, CPIM_SYNTAX, k, "expected ':' after header name");
	for (k++; is_wsp(b[k]); k++)
		;
	*i = k;
	return 0;
}

/* one MIME header with its continuation lines; leaves the next line current;
 * scans by character class stop at b[le], the CR or LF that ends the line */
static int
mime_line(struct ps *p)
{
	size_t i = 0, nend = 0, vs, vend, k;
	struct cpim__hdr *h = cpim__msg_push(p->m, 1);
	unsigned char *b = p->b;
	int rc;

	if (!h)
		return CPIM_NOMEM;
	if ((rc = count_header(p)) || (rc = mime_name(p, &i, &nend)))
		return rc;
	k = cpim__check_value((const char *)b + i, p->le - i, 1);
	if (i + k < p->le)
		return bad_byte(p, i + k);
	h->line = p->line;
	h->loff = p->pos;
	h->voff = vs = i;
	h->name = (const char *)b + p->pos;
	h->nlen = nend - p->pos;
	b[nend] = '\0';
	vend = p->le;
	if ((rc = unfold(p, &vend)))
		return rc;
	while (vs < vend && is_wsp(b[vs]))
		vs++;
	if ((nend - h->loff) + 2 + (vend - vs) > p->o.max_line)
		return fail(p, CPIM_TOOBIG, p->pos, "header too long");
	b[vend] = '\0';
	h->value = (const char *)b + vs;
	h->vlen = vend - vs;
	return 0;
}

static int
mime_block(struct ps *p)
{
	int rc;

	if ((rc = block_start(p,
	    "unexpected end of input, expected encapsulated mime headers")))
		return rc;
	if (is_wsp(p->b[p->pos]))
		return fail(p, CPIM_SYNTAX, p->pos,
		    "unexpected whitespace, expected header name");
	while (p->le != p->pos)
		if ((rc = mime_line(p)))
			return rc;
	advance(p);
	p->m->content = p->b + p->pos;
	p->m->clen = p->n - p->pos;
	p->m->coff = p->pos;
	return 0;
}

static int
parse_all(struct ps *p)
{
	int rc;

	if ((rc = outer_blocks(p)) || (rc = cpim_block(p)) ||
	    (rc = cpim_typed(p)) || (rc = mime_block(p)))
		return rc;
	return 0;
}

static int
parse_begin(struct ps *p, const void *data, size_t len,
    const cpim_parse_opts *opts)
{
	size_t reserve;
	int rc;

	if (opts && opts->version != CPIM_PARSE_OPTS_VERSION)
		return cpim__err(p->err, CPIM_INVALID, "unknown options version");
	cpim__opts_resolve(&p->o, opts);
	p->strict = (p->o.flags & CPIM_PARSE_STRICT) != 0;
	if (len > p->o.max_size)
		return cpim__err(p->err, CPIM_TOOBIG,
		    "input of %zu bytes over the %zu byte limit", len,
		    p->o.max_size);
	reserve = len + 1 + 24 * sizeof(struct cpim__hdr) + 512;
	if (len > SIZE_MAX / 2 || (rc = cpim__msg_alloc(&p->m, reserve)))
		return cpim__err(p->err, CPIM_NOMEM, "out of memory");
	p->b = cpim__alloc(&p->m->arena, len + 1);
	memcpy(p->b, data, len);
	p->b[len] = '\0';
	p->n = len;
	p->line = 1;
	return 0;
}

CPIM_API int
cpim_parse(cpim_msg **out, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err)
{
	struct ps p;
	int rc;

	memset(&p, 0, sizeof p);
	p.err = err;
	if (out)
		*out = NULL;
	if (!out || (!data && len))
		return cpim__err(err, CPIM_INVALID, "invalid argument");
	if ((rc = parse_begin(&p, data ? data : "", len, opts)))
		return rc;
	if ((rc = parse_all(&p))) {
		if (rc == CPIM_NOMEM)
			cpim__err(err, rc, "out of memory");
		cpim_msg_free(p.m);
		return rc;
	}
	if (err)
		memset(err, 0, sizeof *err);
	*out = p.m;
	return 0;
}
