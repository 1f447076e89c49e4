/* addr.c - canonical IM addresses.
 *
 * Two addresses name the same address-of-record when their canonical forms
 * are equal bytewise.  The rules follow RFC 3261 §19.1.4 (URI comparison)
 * and §10.3 (address-of-record: no password, parameters or headers) for
 * sip:, sips:, im: and pres:, and RFC 3966 for tel:.
 */
#include <string.h>

#include "internal.h"

/* Output with a hard capacity: keeps counting past the end so that the
 * caller can tell "too big" from "invalid" after the whole input is read. */
struct obuf {
	char *p;
	size_t cap;   /* usable bytes, the NUL included */
	size_t len;   /* bytes produced, may exceed cap */
};

static void
put(struct obuf *o, char c)
{
	if (o->len + 1 < o->cap)
		o->p[o->len] = c;
	o->len++;
}

static void
puts_n(struct obuf *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 3261 unreserved = alphanum / mark */
static int
is_unreserved(int c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("-_.!~*'()", c));
}

/* RFC 3261 user-unreserved: may appear unescaped in the user part */
static int
is_user_unreserved(int c)
{
	return c && strchr("&=+$,;?/", c) != NULL;
}

static int
is_lws(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_visual_sep(int c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

static int
ci_eq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n && lit[i]; i++)
		if (lower((unsigned char)s[i]) != lit[i])
			return 0;
	return i == n && lit[i] == '\0';
}

/* Valid UTF-8 without C0 controls (but HTAB), DEL or C1 controls. */
static int
text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!ims__utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 0;
		if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return 0;
	}
	return 1;
}

/*
 * A telephone number (RFC 3966 global or local number, possibly followed by
 * ;parameters): visual separators dropped, hex digits lowercased, parameters
 * dropped except phone-context of a local number.  Returns 0, or -1 when
 * the text is not a telephone number (nothing is written then).
 */
static int
put_phone(struct obuf *o, const char *s, size_t n)
{
	size_t num = 0, i, digits = 0;
	const char *ctx = NULL;
	size_t ctxlen = 0;
	int global;

	while (num < n && s[num] != ';')
		num++;
	global = num > 0 && s[0] == '+';
	for (i = global; i < num; i++) {
		int c = (unsigned char)s[i];
		if (is_visual_sep(c))
			continue;
		if (global ? !is_digit(c) : (hexval(c) < 0 && c != '*' && c != '#'))
			return -1;
		digits++;
	}
	if (digits == 0)
		return -1;
	/* parameters: ;name[=value] */
	for (i = num; i < n;) {
		size_t b = ++i, eq = 0;
		while (i < n && s[i] != ';') {
			if (s[i] == '=' && !eq)
				eq = i;
			i++;
		}
		if (i == b)
			continue;
		if (eq && ci_eq(s + b, eq - b, "phone-context")) {
			ctx = s + eq + 1;
			ctxlen = i - eq - 1;
		}
	}
	if (ctx) {
		/* descriptor = domainname / global-number-digits */
		size_t d = 0;
		for (i = 0; i < ctxlen; i++) {
			int c = (unsigned char)ctx[i];
			if (ctx[0] == '+' ? (i > 0 && !is_digit(c) && !is_visual_sep(c))
			                  : (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-'))
				return -1;
			d += is_alpha(c) || is_digit(c);
		}
		if (d == 0)
			return -1;
	}
	for (i = 0; i < num; i++)
		if (!is_visual_sep((unsigned char)s[i]))
			put(o, (char)lower((unsigned char)s[i]));
	if (ctx && !global) {
		puts_n(o, ";phone-context=", 15);
		for (i = 0; i < ctxlen; i++)
			if (ctx[0] != '+' || !is_visual_sep((unsigned char)ctx[i]))
				put(o, (char)lower((unsigned char)ctx[i]));
	}
	return 0;
}

/*
 * The user part of a sip/sips/im/pres URI: unreserved characters unescaped,
 * other escapes in uppercase hex, characters the grammar does not allow
 * unescaped escaped.  With @p phone, then normalised as a telephone number
 * when it is one.
 */
static int
put_user(struct obuf *o, const char *s, size_t n, int phone)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[IMS_ADDR_MAX + 1] = "";
	struct obuf t = { tmp, sizeof(tmp), 0 };

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n)
				return IMS_INVALID;
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return IMS_INVALID;
			c = h << 4 | l;
			i += 2;
			if (!is_unreserved(c)) {
				put(&t, '%');
				put(&t, hex[c >> 4]);
				put(&t, hex[c & 15]);
				continue;
			}
		} else if (!is_unreserved(c) && !is_user_unreserved(c)) {
			put(&t, '%');
			put(&t, hex[c >> 4]);
			put(&t, hex[c & 15]);
			continue;
		}
		put(&t, (char)c);
	}
	if (t.len >= t.cap) {        /* too long for any address */
		o->len += t.len;
		return 0;
	}
	if (phone && put_phone(o, tmp, t.len) == 0)
		return 0;
	puts_n(o, tmp, t.len);
	return 0;
}

/* sip:, sips:, im:, pres: after the scheme's ':' */
static int
put_sipish(struct obuf *o, const char *r, size_t n, int need_user)
{
	const char *at = memchr(r, '@', n), *user = NULL;
	size_t i, ulen = 0, h, hlen, port = 0, plen = 0;
	int phone = 0, rc;

	if (at) {
		user = r;
		while (user + ulen < at && user[ulen] != ':')
			ulen++;
		if (ulen == 0)
			return IMS_INVALID;
		i = (size_t)(at - r) + 1;
	} else {
		if (need_user)
			return IMS_INVALID;
		i = 0;
	}
	/* host: IPv6 reference or hostname / IPv4 address */
	h = i;
	if (i < n && r[i] == '[') {
		while (++i < n && r[i] != ']')
			if (hexval((unsigned char)r[i]) < 0 && r[i] != ':' && r[i] != '.')
				return IMS_INVALID;
		if (i >= n || i == h + 1)
			return IMS_INVALID;
		i++;
	} else {
		for (; i < n && r[i] != ':' && r[i] != ';' && r[i] != '?'; i++) {
			int c = (unsigned char)r[i];
			if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_')
				return IMS_INVALID;
		}
	}
	hlen = i - h;
	if (hlen == 0)
		return IMS_INVALID;
	if (i < n && r[i] == ':') {
		unsigned long v = 0;
		port = ++i;
		for (; i < n && is_digit((unsigned char)r[i]); i++)
			v = v * 10 + (unsigned long)(r[i] - '0');
		plen = i - port;
		if (plen == 0 || plen > 5 || v > 65535)
			return IMS_INVALID;
	}
	if (i < n && r[i] != ';' && r[i] != '?')
		return IMS_INVALID;
	/* uri-parameters: only user=phone matters */
	while (i < n && r[i] == ';') {
		size_t b = ++i;
		while (i < n && r[i] != ';' && r[i] != '?')
			i++;
		if (ci_eq(r + b, i - b, "user=phone"))
			phone = 1;
	}
	if (user) {
		rc = put_user(o, user, ulen, phone);
		if (rc != 0)
			return rc;
		put(o, '@');
	}
	for (size_t k = 0; k < hlen; k++)
		put(o, (char)lower((unsigned char)r[h + k]));
	if (plen) {
		put(o, ':');
		puts_n(o, r + port, plen);
	}
	return 0;
}

static int
put_uri(struct obuf *o, const char *u, size_t n)
{
	size_t i, slen;
	const char *r;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"')
			return IMS_INVALID;
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (n == 0 || !is_alpha((unsigned char)u[0]))
		return IMS_INVALID;
	for (slen = 1; slen < n && u[slen] != ':'; slen++) {
		int c = (unsigned char)u[slen];
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
			return IMS_INVALID;
	}
	if (slen >= n - 1)   /* no ':' or nothing after it */
		return IMS_INVALID;
	for (i = 0; i <= slen; i++)
		put(o, (char)lower((unsigned char)u[i]));
	r = u + slen + 1;
	n -= slen + 1;
	if (ci_eq(u, slen, "sip") || ci_eq(u, slen, "sips"))
		return put_sipish(o, r, n, 0);
	if (ci_eq(u, slen, "im") || ci_eq(u, slen, "pres"))
		return put_sipish(o, r, n, 1);
	if (ci_eq(u, slen, "tel"))
		return put_phone(o, r, n) == 0 ? 0 : IMS_INVALID;
	puts_n(o, r, n);
	return 0;
}

int
ims_addr_canon(char *out, size_t cap, const char *addr)
{
	struct obuf o;
	const char *s, *e, *lt, *gt;
	size_t n;
	int rc;

	if (!out || !addr)
		return IMS_INVALID;
	if (cap > 0)
		out[0] = '\0';
	n = strlen(addr);
	if (!text_ok(addr, n))
		return IMS_INVALID;
	s = addr;
	e = addr + n;
	while (s < e && is_lws((unsigned char)*s))
		s++;
	while (e > s && is_lws((unsigned char)e[-1]))
		e--;

	/* name-addr: [display-name] "<" URI ">" */
	lt = memchr(s, '<', (size_t)(e - s));
	if (s < e && *s == '"') {
		const char *q = s + 1;
		while (q < e && *q != '"')
			q += (*q == '\\' && q + 1 < e) ? 2 : 1;
		if (q >= e)
			return IMS_INVALID;        /* unbalanced quote */
		q++;
		while (q < e && is_lws((unsigned char)*q))
			q++;
		if (q >= e || *q != '<')
			return IMS_INVALID;
		lt = q;
	} else if (lt) {
		for (const char *q = s; q < lt; q++)
			if (*q == '"' || *q == '>')
				return IMS_INVALID;
	}
	if (lt) {
		gt = memchr(lt, '>', (size_t)(e - lt));
		if (!gt || gt != e - 1)
			return IMS_INVALID;        /* unbalanced, or text after '>' */
		s = lt + 1;
		e = gt;
	}

	o.p = out;
	o.cap = cap < IMS_ADDR_MAX + 1 ? cap : IMS_ADDR_MAX + 1;
	o.len = 0;
	rc = put_uri(&o, s, (size_t)(e - s));
	if (rc != 0) {
		if (cap > 0)
			out[0] = '\0';
		return rc;
	}
	if (o.len + 1 > o.cap) {
		if (cap > 0)
			out[0] = '\0';
		return IMS_TOOBIG;
	}
	out[o.len] = '\0';
	return 0;
}

/* The host of RFC 3323's anonymous URI, which RCS privacy sends as From. */
#define ANON_HOST "anonymous.invalid"

int
ims_addr_is_anonymous(const char *addr)
{
	char canon[IMS_ADDR_MAX + 1];
	const char *at;
	size_t n;

	if (!addr || ims_addr_canon(canon, sizeof(canon), addr))
		return 0;
	if (strncmp(canon, "sip:", 4) && strncmp(canon, "sips:", 5) &&
	    strncmp(canon, "im:", 3))
		return 0;
	if (!(at = strrchr(canon, '@')))
		return 0;
	n = strlen(at + 1);
	/* the host, with or without a port */
	return strncmp(at + 1, ANON_HOST, sizeof(ANON_HOST) - 1) == 0 &&
	       (n == sizeof(ANON_HOST) - 1 || at[sizeof(ANON_HOST)] == ':');
}
