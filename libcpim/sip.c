/* sip.c - reading a SIP request as received on the wire (RFC 3261) */
#include <stdio.h>
#include <string.h>

#include "lines.h"
#include "sipmsg.h"

struct sp {
	cpim__lines r;
	struct cpim_sip_msg *m;
};

static const cpim__lines_conf sip_lines = { "line too long", 0, NULL };

/* Method SP Request-URI SP "SIP/2.0" */
static int
request_line(struct sp *p)
{
	size_t i = p->r.pos, s;
	int rc;

	if ((rc = cpim__lines_get(&p->r, "expected request line")))
		return rc;
	while (i < p->r.le && cpim__sip_tokenchar(p->r.b[i]))
		i++;
	if (i == p->r.pos || i >= p->r.le || p->r.b[i] != ' ')
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, i,
		    "expected method and ' '");
	p->r.b[i] = '\0';
	p->m->method = (const char *)p->r.b + p->r.pos;
	for (s = ++i; i < p->r.le && p->r.b[i] > 0x20 && p->r.b[i] < 0x7f; i++)
		;
	if (i == s || !memchr(p->r.b + s, ':', i - s) || i >= p->r.le ||
	    p->r.b[i] != ' ')
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, i,
		    "expected request-uri and ' '");
	p->r.b[i++] = '\0';
	p->m->ruri = (const char *)p->r.b + s;
	if (p->r.le - i != 7 || memcmp(p->r.b + i, "SIP/2.0", 7))
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, i,
		    "expected 'SIP/2.0' at end of request line");
	cpim__lines_advance(&p->r);
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

/* the value from b[i] to the end of the line: printable or UTF-8 */
static int
value_check(struct sp *p, size_t i)
{
	size_t k = cpim__check_value((const char *)p->r.b + i, p->r.le - i, 1);

	if (i + k < p->r.le)
		return cpim__lines_fail(&p->r, CPIM_SYNTAX, i + k,
		    "invalid byte in header value");
	return 0;
}

/* continuation lines: joined to the value ending at *vend with one SP */
static int
unfold(struct sp *p, size_t *vend)
{
	cpim__lines *r = &p->r;
	size_t i, voff = p->m->h[p->m->nh - 1].voff;
	int rc;

	while ((rc = cpim__lines_fold(r,
	    "unexpected end of input in headers")) == 1) {
		for (i = r->pos; i < r->le && cpim__is_wsp(r->b[i]); i++)
			;
		if ((rc = value_check(p, i)))
			return rc;
		if (*vend - voff + (r->le - i) + 1 > r->o.max_line)
			return cpim__lines_fail(r, CPIM_TOOBIG, r->pos,
			    "header too long");
		r->b[(*vend)++] = ' ';
		memmove(r->b + *vend, r->b + i, r->le - i);
		*vend += r->le - i;
	}
	return rc;
}

static int
header_line(struct sp *p)
{
	cpim__lines *r = &p->r;
	size_t i = 0, nend = 0, vend;
	struct cpim__siph *h;
	const char *ln;
	int rc;

	if (p->m->nh >= r->o.max_headers)
		return cpim__lines_fail(r, CPIM_TOOBIG, r->pos,
		    "too many headers");
	if ((rc = cpim__lines_name(r, CPIM__C_SIPTOK, 1, &nend, &i)) ||
	    (rc = value_check(p, i)))
		return rc;
	if (cpim__grow(&p->m->arena, (void **)&p->m->h, &p->m->hcap,
	    p->m->nh + 1, sizeof *p->m->h))
		return CPIM_NOMEM;
	h = &p->m->h[p->m->nh++];
	ln = long_name((const char *)r->b + r->pos, nend - r->pos);
	r->b[nend] = '\0';
	h->name = ln ? ln : (const char *)r->b + r->pos;
	h->line = r->line;
	h->loff = r->pos;
	h->voff = i;
	vend = r->le;
	if ((rc = unfold(p, &vend)))
		return rc;
	while (vend > h->voff && cpim__is_wsp(r->b[vend - 1]))
		vend--;
	r->b[vend] = '\0';
	h->value = (const char *)r->b + h->voff;
	return 0;
}

static int
headers(struct sp *p)
{
	int rc;

	if ((rc = cpim__lines_get(&p->r,
	    "unexpected end of input in headers")))
		return rc;
	while (p->r.le != p->r.pos)
		if ((rc = header_line(p)))
			return rc;
	cpim__lines_advance(&p->r);
	return 0;
}

/* ---------------------------------------------------------------- fields */

static int
hfail(struct sp *p, const struct cpim__siph *h, size_t pos, const char *what)
{
	size_t off = h->voff + pos;

	cpim__err_at(p->r.err, CPIM_SYNTAX, h->line,
	    (unsigned)(off - h->loff + 1), off, "%s in %s header", what, h->name);
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
	while (cpim__is_wsp((unsigned char)*sp))
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
	cpim__err_at(p->r.err, CPIM_SYNTAX, 0, 0, 0, "missing %s header", name);
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
	p->m->body = p->r.b + p->r.pos;
	p->m->boff = p->r.pos;
	p->m->blen = p->r.n - p->r.pos;
	if (clseen && cl > p->m->blen)
		return cpim__err(p->r.err, CPIM_SYNTAX,
		    "body of %zu bytes shorter than content-length %llu",
		    p->m->blen, (unsigned long long)cl);
	if (!clseen && (p->r.o.flags & CPIM_PARSE_SIP_STREAM))
		return missing(p, "content-length");
	/* bytes past Content-Length: a datagram's are discarded (RFC 3261
	 * 18.3), a stream's are the next message's; either way not the body */
	if (clseen && cl < p->m->blen)
		p->m->blen = (size_t)cl;
	p->m->total = p->m->boff + p->m->blen;
	return 0;
}

static int
sip_begin(struct sp *p, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err)
{
	cpim__arena a = { NULL };
	int rc;

	if ((rc = cpim__lines_open(&p->r, opts, err, &sip_lines)))
		return rc;
	if (len > p->r.o.max_size)
		return cpim__err(err, CPIM_TOOBIG, "request over the size limit");
	if (len > SIZE_MAX / 2 ||
	    cpim__arena_reserve(&a, sizeof *p->m + len + 2048))
		return cpim__err(err, CPIM_NOMEM, "out of memory");
	p->m = cpim__alloc(&a, sizeof *p->m);
	memset(p->m, 0, sizeof *p->m);
	p->m->arena = a;
	if (cpim__lines_input(&p->r, &p->m->arena, data, len))
		return cpim__err(err, CPIM_NOMEM, "out of memory");
	return 0;
}

static int
sip_all(struct sp *p)
{
	int rc;

	if ((rc = request_line(p)) || (rc = headers(p)) || (rc = fields(p)))
		return rc;
	return 0;
}

CPIM_API int
cpim_sip_parse(cpim_sip_msg **out, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err)
{
	struct sp p;
	int rc;

	memset(&p, 0, sizeof p);
	if (out)
		*out = NULL;
	if (!out || (!data && len))
		return cpim__err(err, CPIM_INVALID, "invalid argument");
	if ((rc = sip_begin(&p, data ? data : "", len, opts, err)) ||
	    (rc = cpim__lines_end(&p.r, sip_all(&p)))) {
		cpim_sip_free(p.m);
		return rc;
	}
	*out = p.m;
	return 0;
}

CPIM_API void
cpim_sip_free(cpim_sip_msg *m)
{
	if (m)
		cpim__arena_release(m->arena);
}
