/* value.c - header value helpers: strings, addresses, NS, tokens */
#include <string.h>

#include "msg.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long
hex4(const char *s, size_t n)
{
	long v = 0;
	size_t i;
	int h;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		h = hexval((unsigned char)s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* "\uXXXX" (with a following low surrogate when XXXX is a high one);
 * s points after the 'u'; returns bytes consumed, 0 on error */
static size_t
esc_u(const char *s, size_t n, unsigned long *cp)
{
	long hi = hex4(s, n), lo;

	if (hi < 0 || hi == 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return 0;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = (unsigned long)hi;
		return 4;
	}
	if (n < 10 || s[4] != '\\' || s[5] != 'u')
		return 0;
	lo = hex4(s + 6, n - 6);
	if (lo < 0xdc00 || lo > 0xdfff)
		return 0;
	*cp = 0x10000 + (((unsigned long)hi - 0xd800) << 10) +
	    ((unsigned long)lo - 0xdc00);
	return 10;
}

/* one escape after a backslash at s[0]; returns bytes consumed, 0 on error */
static size_t
escape(const char *s, size_t n, char *o, size_t *olen)
{
	static const char from[] = "btnr\"'\\", to[] = "\b\t\n\r\"'\\";
	const char *q;
	unsigned long cp;
	size_t k;

	if (n < 2)
		return 0;
	if (s[1] == 'u') {
		k = esc_u(s + 2, n - 2, &cp);
		if (!k)
			return 0;
		*olen = put_utf8(o, cp);
		return k + 2;
	}
	q = s[1] ? strchr(from, s[1]) : NULL;
	if (!q)
		return 0;
	*o = to[q - from];
	*olen = 1;
	return 2;
}

/* decode the String at s[0] == '"'; returns bytes consumed, 0 on error */
size_t
cpim__qstring(cpim__arena *a, const char **out, const char *s, size_t n,
    const char **what, size_t *errat)
{
	char *o = cpim__alloc(a, n + 1);
	size_t i = 1, olen = 0, k, w;

	*errat = 0;
	if (!o) {
		*what = "out of memory";
		return 0;
	}
	while (i < n && s[i] != '"') {
		if (s[i] == '\\') {
			k = escape(s + i, n - i, o + olen, &w);
			if (!k) {
				*what = "invalid escape in quoted string";
				*errat = i;
				return 0;
			}
			i += k;
			olen += w;
		} else {
			o[olen++] = s[i++];
		}
	}
	if (i >= n) {
		*what = "expected '\"' to end quoted string";
		*errat = 0; /* at the quote that is never closed */
		return 0;
	}
	o[olen] = '\0';
	*out = o;
	return i + 1;
}

/* a typed value refused at pos, for what reason: CPIM_SYNTAX */
CPIM__COLD int
cpim__verr(struct cpim__verr *ve, size_t pos, const char *what)
{
	ve->pos = pos;
	ve->what = what;
	return CPIM_SYNTAX;
}

/* Formal-name = 1*( Token SP ) / String; lenient takes any text up to '<' */
static int
formal_name(cpim__arena *a, const char *v, size_t *i, int strict,
    const char **name, struct cpim__verr *ve)
{
	size_t start = *i, end, k, at;
	const char *what = NULL;

	if (v[*i] == '"') {
		k = cpim__qstring(a, name, v + *i, strlen(v + *i), &what, &at);
		if (!k)
			return cpim__verr(ve, *i + at, what);
		*i += k;
		while (v[*i] == ' ')
			(*i)++;
		return 0;
	}
	for (k = start; v[k] && v[k] != '<' && v[k] != '"'; k++)
		if (strict && v[k] != ' ' && !cpim__tokenchar((unsigned char)v[k]))
			return cpim__verr(ve, k, "expected token or '<' in address");
	*i = end = k;
	if (end == start)
		return 0;   /* no name: *name stays NULL */
	while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
		end--;
	if (end > start && strict && end == k)
		return cpim__verr(ve, k, "expected ' ' before '<'");
	*name = end > start ? cpim__strndup(a, v + start, end - start) : NULL;
	if (end > start && !*name)
		return cpim__verr(ve, start, "out of memory");
	return 0;
}

/* "<" URI ">" at v + *i, v of n bytes; URI without spaces, quotes or
 * angle brackets */
static int
angle_uri(cpim__arena *a, const char *v, size_t n, size_t *i,
    const char **uri, struct cpim__verr *ve)
{
	size_t s = *i, k;

	if (v[s] != '<')
		return cpim__verr(ve, s, "expected '<' before uri");
	s++;
	k = s + cpim__uri_span(v + s, n - s);
	*i = k;
	if (v[k] != '>')
		return cpim__verr(ve, k, "expected '>' after uri");
	if (k == s)
		return cpim__verr(ve, k, "expected uri between '<' and '>'");
	*uri = cpim__strndup(a, v + s, k - s);
	if (!*uri)
		return cpim__verr(ve, s, "out of memory");
	*i = k + 1;
	return 0;
}

static int
trailing(const char *v, size_t i, int strict, struct cpim__verr *ve)
{
	while (!strict && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (v[i])
		return cpim__verr(ve, i, "unexpected text after '>'");
	return 0;
}

int
cpim__parse_addr(cpim__arena *a, const char *v, size_t n, int strict,
    const char **name, const char **uri, struct cpim__verr *ve)
{
	size_t i = 0;
	int rc;

	*name = NULL;
	if (!strict)
		while (v[i] == ' ' || v[i] == '\t')
			i++;
	if ((rc = formal_name(a, v, &i, strict, name, ve)) ||
	    (rc = angle_uri(a, v, n, &i, uri, ve)))
		return rc;
	return trailing(v, i, strict, ve);
}

/* NS value: [ Name-prefix SP ] "<" URI ">" */
int
cpim__parse_ns(cpim__arena *a, const char *v, size_t n, const char **prefix,
    const char **urn, struct cpim__verr *ve)
{
	size_t i = 0;
	int rc;

	while (cpim__namechar((unsigned char)v[i]))
		i++;
	*prefix = cpim__strndup(a, v, i);
	if (!*prefix)
		return cpim__verr(ve, 0, "out of memory");
	if (i && v[i] != ' ')
		return cpim__verr(ve, i, "expected ' ' after namespace prefix");
	while (v[i] == ' ')
		i++;
	if ((rc = angle_uri(a, v, n, &i, urn, ve)))
		return rc;
	return trailing(v, i, 0, ve);
}

/* Disposition-Notification: comma-separated tokens */
int
cpim__parse_dn(const char *v, unsigned *bits, struct cpim__verr *ve)
{
	static const struct { const char *tok; unsigned bit; } known[] = {
		{ "positive-delivery", CPIM_DN_POSITIVE_DELIVERY },
		{ "negative-delivery", CPIM_DN_NEGATIVE_DELIVERY },
		{ "display", CPIM_DN_DISPLAY },
		{ "processing", CPIM_DN_PROCESSING },
	};
	size_t i = 0, s, k;
	unsigned b;

	*bits = 0;
	for (;;) {
		while (v[i] == ' ' || v[i] == '\t')
			i++;
		s = i;
		while (cpim__tokenchar((unsigned char)v[i]))
			i++;
		if (i == s)
			return cpim__verr(ve, i, "expected disposition token");
		b = CPIM_DN_OTHER;
		for (k = 0; k < sizeof known / sizeof known[0]; k++)
			if (cpim__memcaseeq(v + s, i - s, known[k].tok))
				b = known[k].bit;
		*bits |= b;
		while (v[i] == ' ' || v[i] == '\t')
			i++;
		if (!v[i])
			return 0;
		if (v[i++] != ',')
			return cpim__verr(ve, i - 1, "expected ',' between dispositions");
	}
}
