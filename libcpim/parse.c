/* parse.c - the Message/CPIM parser: one pass over a private copy of the
 * input, NUL-terminating names and values in place */
#include <stdio.h>
#include <string.h>

#include "lines.h"
#include "msg.h"

struct ps {
	cpim__lines r;         /* first: lf_only() finds the parser from it */
	size_t nheaders;
	cpim_msg *m;
};

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

static int
count_header(struct ps *p)
{
	if (++p->nheaders <= p->r.o.max_headers)
		return 0;
	return cpim__lines_fail(&p->r, CPIM_TOOBIG, p->r.pos,
	    "too many headers");
}

/* "Content-Type: message/cpim" (any case, optional parameters) */
static int
is_outer_ct(const struct ps *p)
{
	const char *s = (const char *)p->r.b + p->r.pos;
	size_t n = p->r.le - p->r.pos, i = 12;

	if (n < 12 || !cpim__memcaseeq(s, 12, "Content-Type"))
		return 0;
	while (i < n && cpim__is_wsp((unsigned char)s[i]))
		i++;
	if (i >= n || s[i++] != ':')
		return 0;
	while (i < n && cpim__is_wsp((unsigned char)s[i]))
		i++;
	if (n - i < 12 || !cpim__memcaseeq(s + i, 12, "message/cpim"))
		return 0;
	i += 12;
	return i == n || s[i] == ';' || cpim__is_wsp((unsigned char)s[i]);
}

static int
is_mime_name(const struct ps *p)
{
	const char *s = (const char *)p->r.b + p->r.pos;
	size_t n = p->r.le - p->r.pos;

	if (n && cpim__is_wsp((unsigned char)s[0]))
		return 1;
	return (n >= 8 && cpim__memcaseeq(s, 8, "Content-")) ||
	    (n >= 13 && cpim__memcaseeq(s, 12, "MIME-Version") &&
	    (s[12] == ':' || cpim__is_wsp((unsigned char)s[12])));
}

/* get the first line of a header block, skipping blank lines if lenient */
static int
block_start(struct ps *p, const char *eof)
{
	int rc;

	for (;;) {
		if ((rc = cpim__lines_get(&p->r, eof)) || p->r.le != p->r.pos)
			return rc;
		if (p->r.strict)
			return cpim__lines_fail(&p->r, CPIM_SYNTAX, p->r.pos,
			    "unexpected blank line, expected a header");
		warn(p->m, CPIM_WARN_EXTRA_BLANK_LINE, p->r.line);
		cpim__lines_advance(&p->r);
	}
}

/* an outer MIME block at the current line (`Content-Type: message/cpim`);
 * when no blank line ends it, it is a stray line (lenient) or an error */
static int
outer_block(struct ps *p)
{
	unsigned first = p->r.line;
	int rc;

	for (;;) {
		if ((rc = count_header(p)))
			return rc;
		cpim__lines_advance(&p->r);
		if ((rc = cpim__lines_get(&p->r,
		    "expected blank line after mime headers")))
			return rc;
		if (p->r.le == p->r.pos) {
			p->m->outer = 1;
			cpim__lines_advance(&p->r);
			return 0;
		}
		if (!is_mime_name(p))
			break;
	}
	if (p->r.strict)
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, p->r.pos,
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
		if (seen++ && p->r.strict)
			return cpim__lines_fail(&p->r, CPIM_SYNTAX, p->r.pos,
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
	    p->r.b[off]);
	return cpim__lines_fail(&p->r, CPIM_SYNTAX, off, msg);
}

/* Param-value = Token / Number / String; *i at its start */
static int
param_value(struct ps *p, size_t *i, const char **val)
{
	const unsigned char *b = p->r.b;
	const char *what = NULL;
	size_t s = *i, k, at;

	if (b[s] == '"') {
		k = cpim__qstring(&p->m->arena, val, (const char *)b + s,
		    p->r.le - s, &what, &at);
		if (!k)
			return cpim__lines_fail(&p->r, CPIM_SYNTAX, s + at,
			    what);
		*i = s + k;
		return 0;
	}
	for (k = s; cpim__tokenchar(b[k]); k++)
		;
	*i = k;
	if (k == s)
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, k,
		    "expected parameter value");
	*val = cpim__strndup(&p->m->arena, (const char *)b + s, k - s);
	return *val ? 0 : CPIM_NOMEM;
}

/* *( ";" Param-name "=" Param-value ); remembers a lang parameter */
static int
params(struct ps *p, size_t *i, const char **lang)
{
	const unsigned char *b = p->r.b;
	const char *val = NULL;
	size_t s, e, k = *i;
	int rc;

	while (b[k] == ';') {
		for (s = e = k + 1; cpim__namechar(b[e]); e++)
			;
		if (e == s)
			return cpim__lines_fail(&p->r, CPIM_SYNTAX, e,
			    "expected parameter name");
		if (b[e] != '=')
			return cpim__lines_fail(&p->r, CPIM_SYNTAX, e,
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
	const unsigned char *b = p->r.b;
	size_t s = p->r.pos, k = name_end(b, s);

	*dot = 0;
	if (k == s)
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, k,
		    cpim__is_wsp(b[k]) ?
		    "unexpected whitespace, expected header name" :
		    "expected header name");
	if (b[k] == '.') {
		*dot = k++;
		s = k;
		k = name_end(b, s);
		if (k == s)
			return cpim__lines_fail(&p->r, CPIM_SYNTAX, k,
			    "expected header name after '.'");
	}
	*i = k;
	if (b[k] != ':')
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, k,
		    "expected ':' after header name");
	return 0;
}

/* the SP before the value and the value itself; *i: its start */
static int
cpim_value(struct ps *p, size_t *i)
{
	const unsigned char *b = p->r.b;
	size_t k = *i, le = p->r.le, bad;

	if (b[k] == ' ' || (!p->r.strict && b[k] == '\t')) {
		k++;
		while (!p->r.strict && cpim__is_wsp(b[k]))
			k++;
	} else if (k < le || p->r.strict) {
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, k,
		    "expected ' ' after ':'");
	}
	*i = k;
	bad = k + cpim__check_value((const char *)b + k, le - k, !p->r.strict);
	if (bad < le)
		return bad_byte(p, bad);
	return 0;
}

/* one CPIM header line; scans by character class stop at b[le], the CR or
 * LF that ends the line */
static int
cpim_line(struct ps *p)
{
	size_t i = p->r.pos, le = p->r.le, dot, colon, pend, vs, ns, bad;
	const char *lang = NULL;
	struct cpim__hdr *h;
	unsigned char *b = p->r.b;
	int rc;

	if ((rc = count_header(p)) || (rc = cpim_name(p, &i, &dot)))
		return rc;
	colon = i++;
	if ((rc = params(p, &i, &lang)))
		return rc;
	pend = i;
	/* a quoted parameter value is checked as a value is: no NUL, no
	 * control, valid UTF-8 (a NUL would cut the value a reader gets) */
	if (pend > colon + 1 && (bad = colon + 1 + cpim__check_value(
	    (const char *)b + colon + 1, pend - colon - 1, !p->r.strict)) < pend)
		return bad_byte(p, bad);
	if ((rc = cpim_value(p, &i)))
		return rc;
	vs = i;
	if ((colon - p->r.pos) + (pend - colon) + 1 + (le - vs) >
	    p->r.o.max_line)
		return cpim__lines_fail(&p->r, CPIM_TOOBIG, p->r.pos,
		    "header line too long");
	if (!(h = cpim__msg_push(p->m, 0)))
		return CPIM_NOMEM;
	ns = dot ? dot + 1 : p->r.pos;
	h->prefix = dot ? (const char *)b + p->r.pos : "";
	h->name = (const char *)b + ns;
	h->nlen = colon - ns;
	h->params = pend > colon + 1 ? (const char *)b + colon + 1 : "";
	h->lang = lang;
	h->value = vs < le ? (const char *)b + vs : "";
	h->vlen = le - vs;
	h->line = p->r.line;
	h->loff = p->r.pos;
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
	while (p->r.le != p->r.pos) {
		if ((rc = cpim_line(p)))
			return rc;
		cpim__lines_advance(&p->r);
		if ((rc = cpim__lines_get(&p->r,
		    "unexpected end of input, expected blank line after cpim headers")))
			return rc;
	}
	cpim__lines_advance(&p->r);
	return 0;
}

CPIM__COLD static int
typed_fail(struct ps *p, const struct cpim__hdr *h, int rc,
    const struct cpim__verr *ve)
{
	size_t off = h->voff + ve->pos;

	if (rc == CPIM_NOMEM)
		return rc;
	cpim__err_at(p->r.err, rc, h->line, (unsigned)(off - h->loff + 1), off,
	    "%s in %s%s%s header", ve->what, h->prefix, *h->prefix ? "." : "",
	    h->name);
	return rc;
}

CPIM__COLD static int
undeclared(struct ps *p, const struct cpim__hdr *h)
{
	if (!p->r.strict) {
		warn(p->m, CPIM_WARN_UNDECLARED_PREFIX, h->line);
		return 0;
	}
	cpim__err_at(p->r.err, CPIM_SYNTAX, h->line, 1, h->loff,
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
		if (!*h->prefix &&
		    (rc = cpim__hdr_core(p->m, h, p->r.strict, &ve)))
			return typed_fail(p, h, rc, &ve);
	}
	for (i = 0; i < p->m->nhdrs; i++) {
		h = &p->m->hdrs[i];
		if (h->kind != HK_EXT)
			continue;
		rc = cpim__hdr_ext(p->m, h, p->r.strict, &ve);
		if (rc == CPIM_NOTFOUND)
			rc = undeclared(p, h);
		else if (rc)
			return typed_fail(p, h, rc, &ve);
		if (rc)
			return rc;
	}
	return 0;
}

/* append continuation lines, leading white space kept, to the value
 * ending at *vend */
static int
unfold(struct ps *p, size_t *vend)
{
	cpim__lines *r = &p->r;
	size_t k, n;
	int rc;

	while ((rc = cpim__lines_fold(r, "unexpected end of input, "
	    "expected blank line after mime headers")) == 1) {
		n = r->le - r->pos;
		k = cpim__check_value((const char *)r->b + r->pos, n, 1);
		if (k < n)
			return bad_byte(p, r->pos + k);
		memmove(r->b + *vend, r->b + r->pos, n);
		*vend += n;
	}
	return rc;
}

/* one MIME header with its continuation lines; leaves the next line current;
 * scans by character class stop at b[le], the CR or LF that ends the line */
static int
mime_line(struct ps *p)
{
	size_t i = 0, nend = 0, vs, vend, k;
	struct cpim__hdr *h = cpim__msg_push(p->m, 1);
	unsigned char *b = p->r.b;
	int rc;

	if (!h)
		return CPIM_NOMEM;
	if ((rc = count_header(p)) ||
	    (rc = cpim__lines_name(&p->r, CPIM__C_MIME, !p->r.strict, &nend,
	    &i)))
		return rc;
	k = cpim__check_value((const char *)b + i, p->r.le - i, 1);
	if (i + k < p->r.le)
		return bad_byte(p, i + k);
	h->line = p->r.line;
	h->loff = p->r.pos;
	h->voff = vs = i;
	h->name = (const char *)b + p->r.pos;
	h->nlen = nend - p->r.pos;
	b[nend] = '\0';
	vend = p->r.le;
	if ((rc = unfold(p, &vend)))
		return rc;
	while (vs < vend && cpim__is_wsp(b[vs]))
		vs++;
	if ((nend - h->loff) + 2 + (vend - vs) > p->r.o.max_line)
		return cpim__lines_fail(&p->r, CPIM_TOOBIG, p->r.pos,
		    "header too long");
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
	if (cpim__is_wsp(p->r.b[p->r.pos]))
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, p->r.pos,
		    "unexpected whitespace, expected header name");
	while (p->r.le != p->r.pos)
		if ((rc = mime_line(p)))
			return rc;
	cpim__lines_advance(&p->r);
	p->m->content = p->r.b + p->r.pos;
	p->m->clen = p->r.n - p->r.pos;
	p->m->coff = p->r.pos;
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

/* a lenient LF-only line end: a warning on the message */
CPIM__COLD static void
lf_only(cpim__lines *r)
{
	struct ps *p = (struct ps *)(void *)r;

	warn(p->m, CPIM_WARN_LF_ONLY, r->line);
}

static const cpim__lines_conf cpim_lines = {
	"header line too long", 1, lf_only,
};

static int
parse_begin(struct ps *p, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err)
{
	size_t reserve;
	int rc;

	if ((rc = cpim__lines_open(&p->r, opts, err, &cpim_lines)))
		return rc;
	if (len > p->r.o.max_size)
		return cpim__err(err, CPIM_TOOBIG,
		    "input of %zu bytes over the %zu byte limit", len,
		    p->r.o.max_size);
	reserve = len + 1 + 24 * sizeof(struct cpim__hdr) + 512;
	if (len > SIZE_MAX / 2 || cpim__msg_alloc(&p->m, reserve) ||
	    cpim__lines_input(&p->r, &p->m->arena, data, len))
		return cpim__err(err, CPIM_NOMEM, "out of memory");
	return 0;
}

CPIM_API int
cpim_parse(cpim_msg **out, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err)
{
	struct ps p;
	int rc;

	memset(&p, 0, sizeof p);
	if (out)
		*out = NULL;
	if (!out || (!data && len))
		return cpim__err(err, CPIM_INVALID, "invalid argument");
	if ((rc = parse_begin(&p, data ? data : "", len, opts, err)) ||
	    (rc = cpim__lines_end(&p.r, parse_all(&p)))) {
		cpim_msg_free(p.m);
		return rc;
	}
	*out = p.m;
	return 0;
}
