/* sipaddr.c - SIP name-addr / addr-spec values and RFC 1123 dates */
#include <string.h>

#include "sipmsg.h"

struct ap {
	const char *v;
	size_t n, i;
	size_t *errpos;
	const char **what;
};

static int
bad(struct ap *p, const char *what)
{
	*p->errpos = p->i;
	*p->what = what;
	return CPIM_SYNTAX;
}

static void
lws(struct ap *p)
{
	while (p->i < p->n && (p->v[p->i] == ' ' || p->v[p->i] == '\t'))
		p->i++;
}

/* quoted-string with quoted-pairs; p->i at the opening quote */
static int
quoted(struct ap *p, cpim__arena *a, const char **out)
{
	char *o = cpim__alloc(a, p->n - p->i + 1);
	size_t k = 0;

	if (!o)
		return CPIM_NOMEM;
	for (p->i++; p->i < p->n && p->v[p->i] != '"'; p->i++) {
		if (p->v[p->i] == '\\' && ++p->i >= p->n)
			break;
		o[k++] = p->v[p->i];
	}
	if (p->i >= p->n)
		return bad(p, "unbalanced quotes");
	p->i++;
	o[k] = '\0';
	*out = o;
	return 0;
}

/* display name before '<': a quoted string or tokens */
static int
display(struct ap *p, cpim__arena *a, const char **out)
{
	size_t s = p->i, e;

	*out = NULL;
	if (p->i < p->n && p->v[p->i] == '"') {
		int rc = quoted(p, a, out);

		lws(p);
		return rc;
	}
	while (p->i < p->n && p->v[p->i] != '<') {
		if (p->v[p->i] == '"')
			return bad(p, "unbalanced quotes");
		p->i++;
	}
	for (e = p->i; e > s && (p->v[e - 1] == ' ' || p->v[e - 1] == '\t'); e--)
		;
	if (e > s && !(*out = cpim__strndup(a, p->v + s, e - s)))
		return CPIM_NOMEM;
	return 0;
}

static int
uri_ok(const char *u, size_t n)
{
	size_t i;

	if (!n || !memchr(u, ':', n))
		return 0;
	for (i = 0; i < n; i++)
		if (u[i] == ' ' || u[i] == '\t' || u[i] == '"' || u[i] == '<' ||
		    u[i] == '>')
			return 0;
	return 1;
}

/* *( ";" token [ "=" ( token / host / quoted-string ) ] ); finds tag */
static int
params(struct ap *p, cpim__arena *a, cpim_sip_addr *out)
{
	size_t s = p->i, ns, ne, vs;

	while (p->i < p->n && p->v[p->i] == ';') {
		p->i++;
		lws(p);
		for (ns = p->i; p->i < p->n && cpim__sip_tokenchar((unsigned char)p->v[p->i]); p->i++)
			;
		if ((ne = p->i) == ns)
			return bad(p, "expected parameter name");
		lws(p);
		if (p->i >= p->n || p->v[p->i] != '=')
			continue;
		p->i++;
		lws(p);
		vs = p->i;
		if (p->i < p->n && p->v[p->i] == '"') {
			const char *q;
			int rc = quoted(p, a, &q);

			if (rc)
				return rc;
		} else {
			while (p->i < p->n && (cpim__sip_tokenchar((unsigned char)p->v[p->i]) ||
			    strchr("[]:", p->v[p->i])))
				p->i++;
		}
		if (p->i == vs)
			return bad(p, "expected parameter value");
		if (ne - ns == 3 && cpim__memcaseeq(p->v + ns, 3, "tag") && !out->tag &&
		    !(out->tag = cpim__strndup(a, p->v + vs, p->i - vs)))
			return CPIM_NOMEM;
		lws(p);
	}
	out->params = cpim__strndup(a, p->v + s, p->i - s);
	return out->params ? 0 : CPIM_NOMEM;
}

static int
name_addr(struct ap *p, cpim__arena *a, cpim_sip_addr *out)
{
	size_t s;
	int rc;

	if ((rc = display(p, a, &out->display)))
		return rc;
	if (p->i >= p->n || p->v[p->i] != '<')
		return bad(p, "expected '<' after display name");
	for (s = ++p->i; p->i < p->n && p->v[p->i] != '>'; p->i++)
		;
	if (p->i >= p->n)
		return bad(p, "expected '>' after uri");
	if (!uri_ok(p->v + s, p->i - s))
		return bad(p, "invalid uri");
	if (!(out->uri = cpim__strndup(a, p->v + s, p->i - s)))
		return CPIM_NOMEM;
	p->i++;
	lws(p);
	return params(p, a, out);
}

static int
addr_spec(struct ap *p, cpim__arena *a, cpim_sip_addr *out)
{
	size_t s = p->i;

	while (p->i < p->n && p->v[p->i] != ';' && p->v[p->i] != ' ' &&
	    p->v[p->i] != '\t' && p->v[p->i] != ',')
		p->i++;
	if (!uri_ok(p->v + s, p->i - s))
		return bad(p, "invalid uri");
	if (!(out->uri = cpim__strndup(a, p->v + s, p->i - s)))
		return CPIM_NOMEM;
	lws(p);
	return params(p, a, out);
}

static int
is_name_addr(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && v[i] != ';'; i++)
		if (v[i] == '<' || v[i] == '"')
			return 1;
	return 0;
}

static int
one_addr(struct ap *p, cpim__arena *a, cpim_sip_addr *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	lws(p);
	rc = is_name_addr(p->v + p->i, p->n - p->i) ? name_addr(p, a, out) :
	    addr_spec(p, a, out);
	if (rc)
		return rc;
	lws(p);
	return 0;
}

int
cpim__sip_addr(cpim__arena *a, cpim_sip_addr *out, const char *v, size_t n,
    size_t *errpos, const char **what)
{
	struct ap p = { v, n, 0, errpos, what };
	int rc;

	if ((rc = one_addr(&p, a, out)))
		return rc;
	if (p.i != n)
		return bad(&p, p.v[p.i] == '"' ? "unbalanced quotes" :
		    "unexpected text after address");
	return 0;
}

/* comma-separated addresses, appended to m->pai */
int
cpim__sip_addr_list(struct cpim_sip_msg *m, const char *v, size_t *errpos,
    const char **what)
{
	struct ap p = { v, strlen(v), 0, errpos, what };
	int rc;

	for (;;) {
		if (cpim__grow(&m->arena, (void **)&m->pai, &m->paicap,
		    m->npai + 1, sizeof *m->pai))
			return CPIM_NOMEM;
		if ((rc = one_addr(&p, &m->arena, &m->pai[m->npai])))
			return rc;
		m->npai++;
		if (p.i == p.n)
			return 0;
		if (p.v[p.i] != ',')
			return bad(&p, "expected ',' between addresses");
		p.i++;
	}
}

/* ---------------------------------------------------------------- dates */

static int
num(const char *s, size_t k, unsigned *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

static int
pick(const char *s, const char *list, unsigned *out)
{
	unsigned i;

	for (i = 0; list[i * 3]; i++)
		if (!memcmp(s, list + i * 3, 3)) {
			*out = i;
			return 0;
		}
	return -1;
}

/* "Sat, 13 Nov 2010 23:29:00 GMT" */
CPIM_API int
cpim_sip_date_parse(int64_t *out, const char *s, size_t len)
{
	unsigned wd, d, mo, y, h, mi, sec;

	if (!out || !s || len != 29 || s[3] != ',' || s[4] != ' ' ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
	    s[22] != ':' || s[25] != ' ' || memcmp(s + 26, "GMT", 3))
		return CPIM_SYNTAX;
	if (pick(s, "MonTueWedThuFriSatSun", &wd) ||
	    pick(s + 8, "JanFebMarAprMayJunJulAugSepOctNovDec", &mo) ||
	    num(s + 5, 2, &d) || num(s + 12, 4, &y) || num(s + 17, 2, &h) ||
	    num(s + 20, 2, &mi) || num(s + 23, 2, &sec))
		return CPIM_SYNTAX;
	if (!cpim__valid_date((int)y, mo + 1, d) || h > 23 || mi > 59 || sec > 60)
		return CPIM_SYNTAX;
	*out = (cpim__days_from_civil((int)y, mo + 1, d) * 86400 +
	    h * 3600 + mi * 60 + sec) * 1000000;
	return 0;
}
