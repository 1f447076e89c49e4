/* build.c - constructing a Message/CPIM message */
#include <stdio.h>
#include <string.h>

#include "msg.h"

static int
valid_name(const char *s, int allow_empty)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!cpim__namechar((unsigned char)s[i]))
			return 0;
	return allow_empty || i > 0;
}

/* a value: no control byte (CR, LF, NUL…), well-formed UTF-8 */
static int
valid_value(const char *v)
{
	size_t n = strlen(v);

	return cpim__check_value(v, n, 0) == n && v[0] != ' ';
}

static int
typed(cpim_msg *m, struct cpim__hdr *h, cpim_error *err)
{
	struct cpim__verr ve = { 0, NULL };
	int rc;

	if (!*h->prefix && cpim__core_kind(h->name, h->nlen) != HK_EXT)
		rc = cpim__hdr_core(m, h, 1, &ve);
	else
		rc = cpim__hdr_ext(m, h, 1, &ve);
	if (rc == CPIM_NOTFOUND)
		return cpim__err(err, CPIM_INVALID,
		    "undeclared namespace prefix '%s'", h->prefix);
	if (rc == CPIM_SYNTAX)
		return cpim__err(err, rc, "%s in %s header at byte %zu", ve.what,
		    h->name, ve.pos);
	return rc;
}

static int
add_hdr(cpim_msg *m, const char *prefix, const char *name,
    const char *params, const char *lang, const char *value, cpim_error *err)
{
	struct cpim__hdr *h;
	size_t len;
	int rc;

	len = strlen(prefix) + strlen(name) + strlen(params) + strlen(value) + 3;
	if (len > CPIM_DEFAULT_MAX_LINE)
		return cpim__err(err, CPIM_TOOBIG, "header line too long");
	if (m->nhdrs + m->nmime >= CPIM_DEFAULT_MAX_HEADERS)
		return cpim__err(err, CPIM_TOOBIG, "too many headers");
	if (!(h = cpim__msg_push(m, 0)))
		return CPIM_NOMEM;
	h->prefix = cpim__strndup(&m->arena, prefix, strlen(prefix));
	h->name = cpim__strndup(&m->arena, name, strlen(name));
	h->params = cpim__strndup(&m->arena, params, strlen(params));
	h->lang = lang ? cpim__strndup(&m->arena, lang, strlen(lang)) : NULL;
	h->value = cpim__strndup(&m->arena, value, strlen(value));
	h->nlen = strlen(name);
	h->vlen = strlen(value);
	rc = h->prefix && h->name && h->params && h->value &&
	    (!lang || h->lang) ? typed(m, h, err) : CPIM_NOMEM;
	if (rc)
		m->nhdrs--;
	return rc;
}

CPIM_API int
cpim_msg_add_header(cpim_msg *m, const char *prefix, const char *name,
    const char *value, cpim_error *err)
{
	if (!prefix)
		prefix = "";
	if (!m || !name || !value)
		return cpim__err(err, CPIM_INVALID, "invalid argument");
	if (!valid_name(prefix, 1) || !valid_name(name, 0))
		return cpim__err(err, CPIM_INVALID, "invalid header name");
	if (!*prefix && cpim__strcaseeq(name, "Content-Type"))
		return cpim__err(err, CPIM_INVALID,
		    "content-type is not a cpim header");
	if (!valid_value(value))
		return cpim__err(err, CPIM_INVALID,
		    "control character or invalid utf-8 in header value");
	return add_hdr(m, prefix, name, "", NULL, value, err);
}

/* run add_header with a value printed into a buffer */
static int
add_fmt(cpim_msg *m, const char *prefix, const char *name, cpim__sb *sb)
{
	int rc;

	if (sb->failed) {
		cpim_buf_free(&(cpim_buf){ sb->ptr, 0 });
		return CPIM_NOMEM;
	}
	rc = cpim_msg_add_header(m, prefix, name, sb->ptr ? sb->ptr : "", NULL);
	cpim_buf_free(&(cpim_buf){ sb->ptr, 0 });
	return rc;
}

CPIM_API int
cpim_msg_add_ns(cpim_msg *m, const char *prefix, const char *urn)
{
	cpim__sb sb = { NULL, 0, 0, 0 };

	if (!prefix)
		prefix = "";
	if (!m || !urn || !*urn || !valid_name(prefix, 1) ||
	    strpbrk(urn, "<> \"\t"))
		return CPIM_INVALID;
	if (*prefix) {
		cpim__sb_str(&sb, prefix);
		cpim__sb_str(&sb, " ");
	}
	cpim__sb_str(&sb, "<");
	cpim__sb_str(&sb, urn);
	cpim__sb_str(&sb, ">");
	return add_fmt(m, NULL, "NS", &sb);
}

/* a formal name as an RFC 3862 String */
static void
quote(cpim__sb *sb, const char *s)
{
	char esc[8];

	cpim__sb_str(sb, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			cpim__sb_add(sb, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			cpim__sb_str(sb, esc);
		} else {
			cpim__sb_add(sb, s, 1);
		}
	}
	cpim__sb_str(sb, "\"");
}

static const char *
imdn_prefix(cpim_msg *m)
{
	size_t i;

	for (i = 0; i < m->nns; i++)
		if (*m->ns[i].pub.prefix && m->ns[i].known == NS_IMDN)
			return m->ns[i].pub.prefix;
	if (cpim_msg_add_ns(m, "imdn", CPIM_NS_IMDN))
		return NULL;
	return "imdn";
}

static const char *
addr_name(cpim_addr_kind kind)
{
	static const char *names[] = { NULL, "From", "To", "cc", "Original-To",
	    "IMDN-Record-Route", "IMDN-Route" };

	return kind >= CPIM_ADDR_FROM && kind <= CPIM_ADDR_IMDN_ROUTE ?
	    names[kind] : NULL;
}

CPIM_API int
cpim_msg_add_addr(cpim_msg *m, cpim_addr_kind kind, const char *name,
    const char *uri)
{
	cpim__sb sb = { NULL, 0, 0, 0 };
	const char *hname = addr_name(kind), *prefix = NULL;

	if (!m || !uri || !*uri || strpbrk(uri, "<> \"\t") || !hname ||
	    (name && !cpim_utf8_valid(name, strlen(name))))
		return CPIM_INVALID;
	if (kind >= CPIM_ADDR_IMDN_ORIGINAL_TO && !(prefix = imdn_prefix(m)))
		return CPIM_INVALID;
	if (name && *name) {
		quote(&sb, name);
		cpim__sb_str(&sb, " ");
	}
	cpim__sb_str(&sb, "<");
	cpim__sb_str(&sb, uri);
	cpim__sb_str(&sb, ">");
	return add_fmt(m, prefix, hname, &sb);
}

CPIM_API int
cpim_msg_add_subject(cpim_msg *m, const char *text, const char *lang)
{
	char params[80];
	size_t i;

	if (!m || !text || !valid_value(text))
		return CPIM_INVALID;
	if (!lang)
		return add_hdr(m, "", "Subject", "", NULL, text, NULL);
	for (i = 0; lang[i]; i++)
		if (!cpim__namechar((unsigned char)lang[i]))
			return CPIM_INVALID;
	if (!i || i > 64)
		return CPIM_INVALID;
	snprintf(params, sizeof params, ";lang=%s", lang);
	return add_hdr(m, "", "Subject", params, lang, text, NULL);
}

CPIM_API int
cpim_msg_set_datetime(cpim_msg *m, int64_t us)
{
	char text[CPIM_DATETIME_MAX];
	int rc;

	if (!m)
		return CPIM_INVALID;
	if ((rc = cpim_datetime_format(text, sizeof text, us)))
		return rc;
	return cpim_msg_add_header(m, NULL, "DateTime", text, NULL);
}

static int
valid_mime_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == ':')
			return 0;
	return i > 0;
}

CPIM_API int
cpim_msg_add_mime_header(cpim_msg *m, const char *name, const char *value)
{
	struct cpim__hdr *h;

	if (!m || !name || !value || !valid_mime_name(name) ||
	    !valid_value(value))
		return CPIM_INVALID;
	if (strlen(name) + strlen(value) + 2 > CPIM_DEFAULT_MAX_LINE ||
	    m->nhdrs + m->nmime >= CPIM_DEFAULT_MAX_HEADERS)
		return CPIM_TOOBIG;
	if (!(h = cpim__msg_push(m, 1)))
		return CPIM_NOMEM;
	h->name = cpim__strndup(&m->arena, name, strlen(name));
	h->value = cpim__strndup(&m->arena, value, strlen(value));
	h->nlen = strlen(name);
	h->vlen = strlen(value);
	if (h->name && h->value)
		return 0;
	m->nmime--;
	return CPIM_NOMEM;
}

CPIM_API int
cpim_msg_set_content(cpim_msg *m, const char *content_type, const void *data,
    size_t len)
{
	unsigned char *copy = NULL;
	size_t i;
	int rc;

	if (!m || !content_type || (!data && len))
		return CPIM_INVALID;
	if (len && !(copy = cpim__alloc(&m->arena, len)))
		return CPIM_NOMEM;
	for (i = 0; i < m->nmime; i++)
		if (cpim__strcaseeq(m->mime[i].name, "Content-Type"))
			break;
	if ((rc = cpim_msg_add_mime_header(m, "Content-Type", content_type)))
		return rc;
	if (i < m->nmime - 1) {
		m->mime[i].value = m->mime[m->nmime - 1].value;
		m->mime[i].vlen = m->mime[m->nmime - 1].vlen;
		m->nmime--;
	}
	if (len)
		memcpy(copy, data, len);
	m->content = copy;
	m->clen = len;
	m->coff = SIZE_MAX;
	return 0;
}
