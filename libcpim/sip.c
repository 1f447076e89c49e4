/* sip.c - reading a SIP request as received on the wire (RFC 3261) */
#include <stdio.h>
#include <string.h>

#include "sipmsg.h"

struct sp {
	unsigned char *b;
	size_t n, pos, le, next;
	unsigned line;
	int strict;
	cpim_parse_opts o;
	struct cpim_sip_msg *m;
	cpim_error *err;
};

static int
fail(struct sp *p, int code, size_t off, const char *what)
{
	cpim__err_at(p->err, code, p->line, (unsigned)(off - p->pos + 1), off,
	    "%s", what);
	return code;
}

static int
line_get(struct sp *p, const char *eof)
{
	size_t avail = p->n - p->pos, lim = p->o.max_line + 2;
	const unsigned char *nl = memchr(p->b + p->pos, '\n',
	    avail < lim ? avail : lim);

	if (!nl && avail >= lim)
		return fail(p, CPIM_TOOBIG, p->pos + p->o.max_line,
		    "line too long");
	if (!nl)
		return fail(p, CPIM_SYNTAX, p->n, eof);
	p->le = (size_t)(nl - p->b);
	p->next = p->le + 1;
	if (p->le > p->pos && p->b[p->le - 1] == '\r')
		p->le--;
	else if (p->strict)
		return fail(p, CPIM_SYNTAX, p->le, "expected crlf line end");
	if (p->le - p->pos > p->o.max_line)
		return fail(p, CPIM_TOOBIG, p->pos + p->o.max_line, "line too long");
	return 0;
}

static void
advance(struct sp *p)
{
	p->pos = p->next;
	p->line++;
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Method SP Request-URI SP "SIP/2.0" */
static int
request_line(struct sp *p)
{
	size_t i = p->pos, s;
	int rc;

	if ((rc = line_get(p, "expected request line")))
		return rc;
	while (i < p->le && cpim__sip_tokenchar(p->b[i]))
		i++;
	if (i == p->pos || i >= p->le || p->b[i] != ' ')
		return fail(p, CPIM_SYNTAX, i, "expected method and ' '");
	p->b[i] = '\0';
	p->m->method = (const char *)p->b + p->pos;
	for (s = ++i; i < p->le && p->b[i] > 0x20 && p->b[i] < 0x7f; i++)
		;
	if (i == s || !memchr(p->b + s, ':', i - s) || i >= p->le ||
	    p->b[i] != ' ')
		return fail(p, CPIM_SYNTAX, i, "expected request-uri and ' '");
	p->b[i++] = '\0';
	p->m->ruri = (const char *)p->b + s;
	if (p->le - i != 7 || memcmp(p->b + i, "SIP/2.0", 7))
		return fail(p, CPIM_SYNTAX, i, "expected 'SIP/2.0' at end of request line");
	advance(p);
	return 0;
}

static const char *
long_name(const char *name, size_t n)
{
	static const char *const compact[26] = {
		"Accept-Contact", "Referred-By", "Content-Type",
		"Request-Disposition", "Content-Encoding", "From", NULL, NULL,
		"Call-ID", "Reject-Contact", "Supported", "Content-Length",
		"Contact", "Identity-Info", "Event", NULL, NULL, "Refer-To",
		"Subject", "To", "Allow-Events", "Via", NULL, "Session-Expires",
		"Identity", NULL };
	int c;

	if (n != 1)
		return NULL;
	c = name[0] | 0x20;
	return c >= 'a' && c <= 'z' ? compact[c - 'a'] : NULL;
}

/* continuation lines: joined to the value ending at *vend with one SP */
static int
unfold(struct sp *p, size_t *vend)
{
	size_t i, k;
	int rc;

	for (;;) {
		advance(p);
		if ((rc = line_get(p, "unexpected end of input in headers")))
			return rc;
		if (p->le == p->pos || !is_wsp(p->b[p->pos]))
			return 0;
		for (i = p->pos; i < p->le && is_wsp(p->b[i]); i++)
			;
		k = cpim__check_value((const char *)p->b + i, p->le - i, 1);
		if (i + k < p->le)
			return fail(p, CPIM_SYNTAX, i + k, "invalid byte in header value");
		if (*vend - p->m->h[p->m->nh - 1].voff + (p->le - i) + 1 > p->o.max_line)
			return fail(p, CPIM_TOOBIG, p->pos, "header too long");
		p->b[(*vend)++] = ' ';
		memmove(p->b + *vend, p->b + i, p->le - i);
		*vend += p->le - i;
	}
}

static int
header_line(struct sp *p)
{
	size_t i = p->pos, nend, vend, k;
	struct cpim__siph *h;
	const char *ln;
	int rc;

	if (p->m->nh >= p->o.max_headers)
		return fail(p, CPIM_TOOBIG, p->pos, "too many headers");
	while (i < p->le && cpim__sip_tokenchar(p->b[i]))
		i++;
	if (i == p->pos)
		return fail(p, CPIM_SYNTAX, i, is_wsp(p->b[i]) ?
		    "unexpected continuation line" : "expected header name");
	nend = i;
	while (i < p->le && is_wsp(p->b[i]))
		i++;
	if (i >= p->le || p->b[i] != ':')
		return fail(p, CPIM_SYNTAX, i, "expected ':' after header name");
	for (i++; i < p->le && is_wsp(p->b[i]); i++)
		;
	k = cpim__check_value((const char *)p->b + i, p->le - i, 1);
	if (i + k < p->le)
		return fail(p, CPIM_SYNTAX, i + k, "invalid byte in header value");
	if (cpim__grow(&p->m->arena, (void **)&p->m->h, &p->m->hcap,
	    p->m->nh + 1, sizeof *p->m->h))
		return CPIM_NOMEM;
	h = &p->m->h[p->m->nh++];
	ln = long_name((const char *)p->b + p->pos, nend - p->pos);
	p->b[nend] = '\0';
	h->name = ln ? ln : (const char *)p->b + p->pos;
	h->line = p->line;
	h->loff = p->pos;
	h->voff = i;
	vend = p->le;
	if ((rc = unfold(p, &vend)))
		return rc;
	while (vend > h->voff && is_wsp(p->b[vend - 1]))
		vend--;
	p->b[vend] = '\0';
	h->value = (const char *)p->b + h->voff;
	return 0;
}

static int
headers(struct sp *p)
{
	int rc;

	if ((rc = line_get(p, "unexpected end of input in headers")))
		return rc;
	while (p->le != p->pos)
		if ((rc = header_line(p)))
			return rc;
	advance(p);
	return 0;
}

/* ---------------------------------------------------------------- fields */

static int
hfail(struct sp *p, const struct cpim__siph *h, size_t pos, const char *what)
{
	size_t off = h->voff + pos;

	cpim__err_at(p->err, CPIM_SYNTAX, h->line, (unsigned)(off - h->loff + 1),
	    off, "%s in %s header", what, h->name);
	return CPIM_SYNTAX;
}

/* 1*DIGIT only: no sign, no hex, no overflow past max */
static int
decimal(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; v[i] >= '0' && v[i] <= '9'; i++) {
		if (x > (max - (uint64_t)(v[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return i && !v[i] ? 0 : -1;
}

static int
content_length(struct sp *p, const struct cpim__siph *h, int *seen,
    uint64_t *cl)
{
	uint64_t v;

	if (decimal(h->value, SIZE_MAX, &v))
		return hfail(p, h, 0, "expected decimal length");
	if (*seen && v != *cl)
		return hfail(p, h, 0, "content-length differs from an earlier one");
	*seen = 1;
	*cl = v;
	return 0;
}

static int
cseq(struct sp *p, const struct cpim__siph *h)
{
	const char *v = h->value, *sp = strpbrk(v, " \t");
	uint64_t n;
	char num[16];

	if (!sp || (size_t)(sp - v) >= sizeof num)
		return hfail(p, h, 0, "expected sequence number and method");
	memcpy(num, v, (size_t)(sp - v));
	num[sp - v] = '\0';
	if (decimal(num, 0x7fffffff, &n))
		return hfail(p, h, 0, "expected sequence number below 2^31");
	while (is_wsp((unsigned char)*sp))
		sp++;
	if (strcmp(sp, p->m->method))
		return hfail(p, h, (size_t)(sp - v), "method differs from request line");
	p->m->cseq = (uint32_t)n;
	return 0;
}

static int
addr(struct sp *p, const struct cpim__siph *h, cpim_sip_addr *out)
{
	const char *what = NULL;
	size_t pos = 0;
	int rc;

	if (out->uri)
		return hfail(p, h, 0, "header appears twice");
	rc = cpim__sip_addr(&p->m->arena, out, h->value, strlen(h->value),
	    &pos, &what);
	return rc == CPIM_SYNTAX ? hfail(p, h, pos, what) : rc;
}

static int
once(struct sp *p, const struct cpim__siph *h, const char **slot)
{
	if (*slot)
		return hfail(p, h, 0, "header appears twice");
	if (!*h->value)
		return hfail(p, h, 0, "expected a value");
	*slot = h->value;
	return 0;
}

static int
simple_field(struct sp *p, const struct cpim__siph *h)
{
	struct cpim_sip_msg *m = p->m;
	uint64_t v;

	if (cpim__strcaseeq(h->name, "Date")) {
		if (m->has_date++)
			return hfail(p, h, 0, "header appears twice");
		if (cpim_sip_date_parse(&m->date, h->value, strlen(h->value)))
			return hfail(p, h, 0, "expected rfc 1123 date in gmt");
	} else if (cpim__strcaseeq(h->name, "Expires")) {
		if (decimal(h->value, UINT64_MAX, &v))
			return hfail(p, h, 0, "expected delta-seconds");
		m->expires = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		m->has_expires = 1;
	} else if (cpim__strcaseeq(h->name, "Call-ID")) {
		if (strpbrk(h->value, " \t"))
			return hfail(p, h, 0, "whitespace in call-id");
		return once(p, h, &m->call_id);
	} else if (cpim__strcaseeq(h->name, "Content-Type")) {
		return once(p, h, &m->ctype);
	}
	return 0;
}

static int
field(struct sp *p, const struct cpim__siph *h, int *clseen, uint64_t *cl)
{
	const char *what = NULL;
	size_t pos = 0;
	int rc;

	if (cpim__strcaseeq(h->name, "From"))
		return addr(p, h, &p->m->from);
	if (cpim__strcaseeq(h->name, "To"))
		return addr(p, h, &p->m->to);
	if (cpim__strcaseeq(h->name, "CSeq"))
		return cseq(p, h);
	if (cpim__strcaseeq(h->name, "Content-Length"))
		return content_length(p, h, clseen, cl);
	if (cpim__strcaseeq(h->name, "P-Asserted-Identity")) {
		rc = cpim__sip_addr_list(p->m, h->value, &pos, &what);
		return rc == CPIM_SYNTAX ? hfail(p, h, pos, what) : rc;
	}
	return simple_field(p, h);
}

static int
missing(struct sp *p, const char *name)
{
	cpim__err_at(p->err, CPIM_SYNTAX, 0, 0, 0, "missing %s header", name);
	return CPIM_SYNTAX;
}

static int
fields(struct sp *p)
{
	int clseen = 0, rc, has_cseq = 0;
	uint64_t cl = 0;
	size_t i;

	for (i = 0; i < p->m->nh; i++) {
		if (cpim__strcaseeq(p->m->h[i].name, "CSeq")) {
			if (has_cseq++)
				return hfail(p, &p->m->h[i], 0, "header appears twice");
		}
		if ((rc = field(p, &p->m->h[i], &clseen, &cl)))
			return rc;
	}
	if (!p->m->from.uri)
		return missing(p, "from");
	if (!p->m->to.uri)
		return missing(p, "to");
	if (!p->m->call_id)
		return missing(p, "call-id");
	if (!has_cseq)
		return missing(p, "cseq");
	p->m->body = p->b + p->pos;
	p->m->boff = p->pos;
	p->m->blen = p->n - p->pos;
	if (clseen && cl > p->m->blen)
		return cpim__err(p->err, CPIM_SYNTAX,
		    "body of %zu bytes shorter than content-length %llu",
		    p->m->blen, (unsigned long long)cl);
	if (clseen && cl < p->m->blen)
		return cpim__err(p->err, CPIM_SYNTAX,
		    "%zu bytes after the content-length body",
		    p->m->blen - (size_t)cl);
	return 0;
}

static int
sip_begin(struct sp *p, const void *data, size_t len,
    const cpim_parse_opts *opts)
{
	cpim__arena a = { NULL };

	if (opts && opts->version != CPIM_PARSE_OPTS_VERSION)
		return cpim__err(p->err, CPIM_INVALID, "unknown options version");
	cpim__opts_resolve(&p->o, opts);
	p->strict = (p->o.flags & CPIM_PARSE_STRICT) != 0;
	if (len > p->o.max_size)
		return cpim__err(p->err, CPIM_TOOBIG, "request over the size limit");
	if (len > SIZE_MAX / 2 ||
	    cpim__arena_reserve(&a, sizeof *p->m + len + 2048))
		return cpim__err(p->err, CPIM_NOMEM, "out of memory");
	p->m = cpim__alloc(&a, sizeof *p->m);
	memset(p->m, 0, sizeof *p->m);
	p->m->arena = a;
	p->b = cpim__alloc(&p->m->arena, len + 1);
	memcpy(p->b, data, len);
	p->b[len] = '\0';
	p->n = len;
	p->line = 1;
	return 0;
}

CPIM_API int
cpim_sip_parse(cpim_sip_msg **out, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err)
{
	struct sp p;
	int rc;

	memset(&p, 0, sizeof p);
	p.err = err;
	if (out)
		*out = NULL;
	if (!out || (!data && len))
		return cpim__err(err, CPIM_INVALID, "invalid argument");
	if ((rc = sip_begin(&p, data ? data : "", len, opts)))
		return rc;
	if ((rc = request_line(&p)) || (rc = headers(&p)) || (rc = fields(&p))) {
		if (rc == CPIM_NOMEM)
			cpim__err(err, rc, "out of memory");
		cpim_sip_free(p.m);
		return rc;
	}
	if (err)
		memset(err, 0, sizeof *err);
	*out = p.m;
	return 0;
}

CPIM_API void
cpim_sip_free(cpim_sip_msg *m)
{
	cpim__arena a;

	if (!m)
		return;
	a = m->arena;
	cpim__arena_free(&a);
}
