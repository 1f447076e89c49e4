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

static int
fail(struct ps *p, int code, size_t off, const char *what)
{
	cpim__err_at(p->err, code, p->line, (unsigned)(off - p->pos + 1), off,
	    "%s", what);
	return code;
}

static void
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

/* find the current line; eof names what was expected at end of input */
static int
line_get(struct ps *p, const char *eof)
{
	size_t avail = p->n - p->pos, lim = p->o.max_line + 2;
	const unsigned char *nl;
	char msg[64];

	nl = memchr(p->b + p->pos, '\n', avail < lim ? avail : lim);
	if (!nl && avail >= lim) {
		snprintf(msg, sizeof msg, "line longer than %zu bytes",
		    p->o.max_line);
		return fail(p, CPIM_TOOBIG, p->pos + p->o.max_line, msg);
	}
	if (!nl)
		return fail(p, CPIM_SYNTAX, p->n, eof);
	p->le = (size_t)(nl - p->b);
	p->next = p->le + 1;
	if (p->le > p->pos && p->b[p->le - 1] == '\r')
		p->le--;
	else if (p->strict)
		return fail(p, CPIM_SYNTAX, p->le, "expected crlf line end");
	else
		warn(p->m, CPIM_WARN_LF_ONLY, p->line);
	if (p->le - p->pos > p->o.max_line)
		return fail(p, CPIM_TOOBIG, p->pos + p->o.max_line,
		    "header line too long");
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

static int
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
	const char *what = NULL;
	size_t s = *i, k, at;

	if (p->b[*i] == '"') {
		k = cpim__qstring(&p->m->arena, val, (const char *)p->b + *i,
		    p->le - *i, &what, &at);
		if (!k)
			return fail(p, CPIM_SYNTAX, *i + at, what);
		*i += k;
		return 0;
	}
	while (*i < p->le && cpim__tokenchar(p->b[*i]))
		(*i)++;
	if (*i == s)
		return fail(p, CPIM_SYNTAX, *i, "expected parameter value");
	*val = cpim__strndup(&p->m->arena, (const char *)p->b + s, *i - s);
	return *val ? 0 : CPIM_NOMEM;
}

/* *( ";" Param-name "=" Param-value ); remembers a lang parameter */
static int
params(struct ps *p, size_t *i, struct cpim__hdr *h)
{
	const char *val = NULL;
	size_t s;
	int rc;

	while (*i < p->le && p->b[*i] == ';') {
		s = ++(*i);
		while (*i < p->le && cpim__namechar(p->b[*i]))
			(*i)++;
		if (*i == s)
			return fail(p, CPIM_SYNTAX, *i, "expected parameter name");
		if (*i >= p->le || p->b[*i] != '=')
			return fail(p, CPIM_SYNTAX, *i,
			    "expected '=' after parameter name");
		(*i)++;
		if ((rc = param_value(p, i, &val)))
			return rc;
		if (cpim__memcaseeq((const char *)p->b + s, 4, "lang") &&
		    p->b[s + 4] == '=')
			h->lang = val;
	}
	return 0;
}

/* Header-name = [ Name-prefix "." ] Name; returns the ':' position */
static int
cpim_name(struct ps *p, size_t *i, size_t *dot)
{
	size_t s = p->pos;

	*dot = 0;
	while (*i < p->le && cpim__namechar(p->b[*i]))
		(*i)++;
	if (*i == s)
		return fail(p, CPIM_SYNTAX, *i, is_wsp(p->b[*i]) ?
		    "unexpected whitespace, expected header name" :
		    "expected header name");
	if (*i < p->le && p->b[*i] == '.') {
		*dot = (*i)++;
		s = *i;
		while (*i < p->le && cpim__namechar(p->b[*i]))
			(*i)++;
		if (*i == s)
			return fail(p, CPIM_SYNTAX, *i,
			    "expected header name after '.'");
	}
	if (*i >= p->le || p->b[*i] != ':')
		return fail(p, CPIM_SYNTAX, *i, "expected ':' after header name");
	return 0;
}

/* the SP before the value and the value itself; returns its start */
static int
cpim_value(struct ps *p, size_t *i)
{
	size_t k;

	if (*i < p->le && (p->b[*i] == ' ' || (!p->strict && p->b[*i] == '\t'))) {
		(*i)++;
		while (!p->strict && *i < p->le && is_wsp(p->b[*i]))
			(*i)++;
	} else if (*i < p->le || p->strict) {
		return fail(p, CPIM_SYNTAX, *i, "expected ' ' after ':'");
	}
	k = cpim__check_value((const char *)p->b + *i, p->le - *i, !p->strict);
	if (*i + k < p->le)
		return bad_byte(p, *i + k);
	return 0;
}

static int
cpim_line(struct ps *p)
{
	size_t i = p->pos, dot, colon, pend, vs;
	struct cpim__hdr *h = cpim__msg_push(p->m, 0);
	int rc;

	if (!h)
		return CPIM_NOMEM;
	if ((rc = count_header(p)) || (rc = cpim_name(p, &i, &dot)))
		return rc;
	colon = i++;
	if ((rc = params(p, &i, h)))
		return rc;
	pend = i;
	if ((rc = cpim_value(p, &i)))
		return rc;
	vs = i;
	if ((colon - p->pos) + (pend - colon) + 1 + (p->le - vs) > p->o.max_line)
		return fail(p, CPIM_TOOBIG, p->pos, "header line too long");
	p->b[colon] = '\0';
	if (dot)
		p->b[dot] = '\0';
	h->prefix = dot ? (const char *)p->b + p->pos : "";
	h->name = (const char *)p->b + (dot ? dot + 1 : p->pos);
	h->params = pend > colon + 1 ? (const char *)p->b + colon + 1 : "";
	p->b[pend] = '\0';   /* the SP, or the line end when the value is empty */
	h->value = vs < p->le ? (const char *)p->b + vs : "";
	p->b[p->le] = '\0';
	h->line = p->line;
	h->loff = p->pos;
	h->voff = vs;
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

static int
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

static int
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

/* one MIME header with its continuation lines; leaves the next line current */
static int
mime_line(struct ps *p)
{
	size_t i = p->pos, nend, vs, vend, k;
	struct cpim__hdr *h = cpim__msg_push(p->m, 1);
	int rc;

	if (!h)
		return CPIM_NOMEM;
	if ((rc = count_header(p)))
		return rc;
	while (i < p->le && p->b[i] > 0x20 && p->b[i] < 0x7f && p->b[i] != ':')
		i++;
	if (i == p->pos)
		return fail(p, CPIM_SYNTAX, i, "expected header name");
	nend = i;
	while (!p->strict && i < p->le && is_wsp(p->b[i]))
		i++;
	if (i >= p->le || p->b[i] != ':')
		return fail(p, CPIM_SYNTAX, i, "expected ':' after header name");
	for (i++; i < p->le && is_wsp(p->b[i]); i++)
		;
	k = cpim__check_value((const char *)p->b + i, p->le - i, 1);
	if (i + k < p->le)
		return bad_byte(p, i + k);
	h->line = p->line;
	h->loff = p->pos;
	h->voff = vs = i;
	h->name = (const char *)p->b + p->pos;
	p->b[nend] = '\0';
	vend = p->le;
	if ((rc = unfold(p, &vend)))
		return rc;
	while (vs < vend && is_wsp(p->b[vs]))
		vs++;
	if ((nend - h->loff) + 2 + (vend - vs) > p->o.max_line)
		return fail(p, CPIM_TOOBIG, p->pos, "header too long");
	p->b[vend] = '\0';
	h->value = (const char *)p->b + vs;
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
