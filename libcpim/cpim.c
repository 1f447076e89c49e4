/* cpim.c - the Message/CPIM model: typed headers and accessors */
#include <string.h>

#include "msg.h"

/* header arrays a message starts with, enough for a typical one */
#define HDRS0 8
#define MIME0 4
#define NS0 4
#define ARRAYS0 (HDRS0 * sizeof(struct cpim__hdr) + \
	MIME0 * sizeof(struct cpim__hdr) + NS0 * sizeof(struct cpim__ns))

/* a message, its arrays and reserve more bytes in one allocation */
int
cpim__msg_alloc(cpim_msg **out, size_t reserve)
{
	cpim__arena a = { NULL };
	cpim_msg *m;

	if (reserve > SIZE_MAX - sizeof *m - ARRAYS0 - 64 ||
	    cpim__arena_reserve(&a, sizeof *m + ARRAYS0 + 64 + reserve))
		return CPIM_NOMEM;
	m = cpim__alloc(&a, sizeof *m + ARRAYS0);
	memset(m, 0, sizeof *m);
	m->hdrs = (struct cpim__hdr *)(m + 1);
	m->hcap = HDRS0;
	m->mime = m->hdrs + HDRS0;
	m->mcap = MIME0;
	m->ns = (struct cpim__ns *)(m->mime + MIME0);
	m->nscap = NS0;
	m->arena = a;
	m->coff = SIZE_MAX;
	*out = m;
	return 0;
}

/* room for one more CPIM or MIME header (cpim__msg_push()) */
int
cpim__msg_grow(cpim_msg *m, int mime)
{
	if (mime)
		return cpim__grow(&m->arena, (void **)&m->mime, &m->mcap,
		    m->nmime + 1, sizeof *m->mime);
	return cpim__grow(&m->arena, (void **)&m->hdrs, &m->hcap, m->nhdrs + 1,
	    sizeof *m->hdrs);
}

CPIM_API int
cpim_msg_new(cpim_msg **out)
{
	if (!out)
		return CPIM_INVALID;
	return cpim__msg_alloc(out, 2048);
}

CPIM_API void
cpim_msg_free(cpim_msg *m)
{
	if (m)
		cpim__arena_release(m->arena);
}

/* the kind of a header of the core namespace; n is strlen(name) */
unsigned
cpim__core_kind(const char *name, size_t n)
{
	switch (n) {
	case 2:
		return CPIM__IS(name, n, "To") ? HK_TO :
		    CPIM__IS(name, n, "NS") ? HK_NS :
		    CPIM__IS(name, n, "cc") ? HK_CC : HK_EXT;
	case 4:
		return CPIM__IS(name, n, "From") ? HK_FROM : HK_EXT;
	case 7:
		return CPIM__IS(name, n, "Subject") ? HK_SUBJECT :
		    CPIM__IS(name, n, "Require") ? HK_REQUIRE : HK_EXT;
	case 8:
		return CPIM__IS(name, n, "DateTime") ? HK_DATETIME : HK_EXT;
	default:
		return HK_EXT;
	}
}

static unsigned
imdn_kind(const char *name, size_t n)
{
	switch (n) {
	case 8:
		return CPIM__IS(name, n, "DateTime") ? HK_IMDN_DATETIME : HK_EXT;
	case 10:
		return CPIM__IS(name, n, "Message-ID") ? HK_IMDN_MSGID :
		    CPIM__IS(name, n, "IMDN-Route") ? HK_IMDN_ROUTE : HK_EXT;
	case 11:
		return CPIM__IS(name, n, "Original-To") ? HK_IMDN_ORIGINAL_TO :
		    HK_EXT;
	case 17:
		return CPIM__IS(name, n, "IMDN-Record-Route") ?
		    HK_IMDN_RECORD_ROUTE : HK_EXT;
	case 24:
		return CPIM__IS(name, n, "Disposition-Notification") ?
		    HK_IMDN_DN : HK_EXT;
	default:
		return HK_EXT;
	}
}

static int
typed_datetime(struct cpim__hdr *h, int strict, struct cpim__verr *ve)
{
	size_t n = h->vlen, pos = 0;
	const char *what = NULL;

	while (!strict && n && (h->value[n - 1] == ' ' || h->value[n - 1] == '\t'))
		n--;
	if (cpim__datetime_parse(&h->time, h->value, n, &pos, &what))
		return cpim__verr(ve, pos, what);
	return 0;
}

static int
add_ns_decl(cpim_msg *m, const char *prefix, const char *urn,
    struct cpim__verr *ve)
{
	size_t i, n;

	for (i = 0; i < m->nns; i++) {
		if (strcmp(m->ns[i].pub.prefix, prefix))
			continue;
		if (strcmp(m->ns[i].pub.urn, urn))
			return cpim__verr(ve, 0, "namespace prefix declared twice");
		return 0;
	}
	if (m->nns >= CPIM__MAX_NS)
		return cpim__verr(ve, 0, "too many namespace declarations");
	if (m->nns == m->nscap && cpim__grow(&m->arena, (void **)&m->ns,
	    &m->nscap, m->nns + 1, sizeof *m->ns))
		return CPIM_NOMEM;
	m->ns[m->nns].pub.prefix = prefix;
	m->ns[m->nns].pub.urn = urn;
	n = strlen(urn);
	m->ns[m->nns++].known = CPIM__IS(urn, n, CPIM_NS_IMDN) ? NS_IMDN :
	    CPIM__IS(urn, n, CPIM_NS_FINAL_REPORT) ? NS_FINAL_REPORT : 0;
	return 0;
}

/* interpret a header of the core namespace (no prefix) */
int
cpim__hdr_core(cpim_msg *m, struct cpim__hdr *h, int strict,
    struct cpim__verr *ve)
{
	int rc;

	h->kind = cpim__core_kind(h->name, h->nlen);
	switch (h->kind) {
	case HK_FROM: case HK_TO: case HK_CC:
		return cpim__parse_addr(&m->arena, h->value, h->vlen, strict,
		    &h->a_name, &h->a_uri, ve);
	case HK_DATETIME:
		return typed_datetime(h, strict, ve);
	case HK_NS:
		rc = cpim__parse_ns(&m->arena, h->value, h->vlen, &h->a_name,
		    &h->a_uri, ve);
		return rc ? rc : add_ns_decl(m, h->a_name, h->a_uri, ve);
	default:
		return 0;
	}
}

static const struct cpim__ns *
ns_find(const cpim_msg *m, const char *prefix)
{
	size_t i;

	for (i = 0; i < m->nns; i++)
		if (!strcmp(m->ns[i].pub.prefix, prefix))
			return &m->ns[i];
	return NULL;
}

CPIM_API const char *
cpim_msg_ns_lookup(const cpim_msg *m, const char *prefix)
{
	const struct cpim__ns *ns = m && prefix ? ns_find(m, prefix) : NULL;

	return ns ? ns->pub.urn : NULL;
}

static int
typed_imdn(cpim_msg *m, struct cpim__hdr *h, int strict, struct cpim__verr *ve)
{
	h->kind = imdn_kind(h->name, h->nlen);
	switch (h->kind) {
	case HK_IMDN_MSGID:
		return *h->value ? 0 : cpim__verr(ve, 0, "expected message-id value");
	case HK_IMDN_DATETIME:
		return typed_datetime(h, strict, ve);
	case HK_IMDN_DN:
		return cpim__parse_dn(h->value, &h->bits, ve);
	case HK_IMDN_ORIGINAL_TO: case HK_IMDN_RECORD_ROUTE: case HK_IMDN_ROUTE:
		return cpim__parse_addr(&m->arena, h->value, h->vlen, strict,
		    &h->a_name, &h->a_uri, ve);
	default:
		return 0;
	}
}

static int
typed_final_report(struct cpim__hdr *h, struct cpim__verr *ve)
{
	if (!CPIM__IS(h->name, h->nlen, "Final-Report"))
		return 0;
	h->kind = HK_FINAL_REPORT;
	if (CPIM__IS(h->value, h->vlen, "yes"))
		h->bits = 1;
	else if (!CPIM__IS(h->value, h->vlen, "no"))
		return cpim__verr(ve, 0, "expected 'yes' or 'no'");
	return 0;
}

/* resolve the namespace of an extension header and interpret known ones;
 * CPIM_NOTFOUND when its prefix is not declared */
int
cpim__hdr_ext(cpim_msg *m, struct cpim__hdr *h, int strict,
    struct cpim__verr *ve)
{
	const struct cpim__ns *ns = ns_find(m, h->prefix);

	if (!ns)
		return *h->prefix ? CPIM_NOTFOUND : 0;
	h->ns = ns->pub.urn;
	if (ns->known == NS_IMDN)
		return typed_imdn(m, h, strict, ve);
	if (ns->known == NS_FINAL_REPORT)
		return typed_final_report(h, ve);
	return 0;
}

/* ---------------------------------------------------------------- accessors */

static void
to_header(cpim_header *out, const struct cpim__hdr *h)
{
	out->prefix = h->prefix;
	out->name = h->name;
	out->ns = h->ns;
	out->params = h->params;
	out->lang = h->lang;
	out->value = h->value;
}

CPIM_API size_t
cpim_msg_header_count(const cpim_msg *m)
{
	return m ? m->nhdrs : 0;
}

CPIM_API int
cpim_msg_header(cpim_header *out, const cpim_msg *m, size_t i)
{
	if (!out || !m || i >= m->nhdrs)
		return CPIM_NOTFOUND;
	to_header(out, &m->hdrs[i]);
	return 0;
}

static int
ns_match(const struct cpim__hdr *h, const char *ns)
{
	if (!ns)
		return !h->ns && !*h->prefix;
	return h->ns && cpim__strcaseeq(h->ns, ns);
}

CPIM_API int
cpim_msg_find(cpim_header *out, const cpim_msg *m, const char *ns,
    const char *name, size_t nth)
{
	size_t i;

	if (!out || !m || !name)
		return CPIM_INVALID;
	for (i = 0; i < m->nhdrs; i++) {
		if (!ns_match(&m->hdrs[i], ns) ||
		    !cpim__strcaseeq(m->hdrs[i].name, name) || nth--)
			continue;
		to_header(out, &m->hdrs[i]);
		return 0;
	}
	return CPIM_NOTFOUND;
}

static const struct cpim__hdr *
nth_kind(const cpim_msg *m, unsigned kind, size_t nth)
{
	size_t i;

	for (i = 0; m && i < m->nhdrs; i++)
		if (m->hdrs[i].kind == kind && !nth--)
			return &m->hdrs[i];
	return NULL;
}

static size_t
count_kind(const cpim_msg *m, unsigned kind)
{
	size_t i, n = 0;

	for (i = 0; m && i < m->nhdrs; i++)
		n += m->hdrs[i].kind == kind;
	return n;
}

static unsigned
addr_hk(cpim_addr_kind kind)
{
	switch (kind) {
	case CPIM_ADDR_FROM: return HK_FROM;
	case CPIM_ADDR_TO: return HK_TO;
	case CPIM_ADDR_CC: return HK_CC;
	case CPIM_ADDR_IMDN_ORIGINAL_TO: return HK_IMDN_ORIGINAL_TO;
	case CPIM_ADDR_IMDN_RECORD_ROUTE: return HK_IMDN_RECORD_ROUTE;
	case CPIM_ADDR_IMDN_ROUTE: return HK_IMDN_ROUTE;
	default: return ~0u;
	}
}

CPIM_API size_t
cpim_msg_addr_count(const cpim_msg *m, cpim_addr_kind kind)
{
	return count_kind(m, addr_hk(kind));
}

CPIM_API int
cpim_msg_addr(cpim_addr *out, const cpim_msg *m, cpim_addr_kind kind, size_t i)
{
	const struct cpim__hdr *h = nth_kind(m, addr_hk(kind), i);

	if (!out || !h)
		return CPIM_NOTFOUND;
	out->name = h->a_name;
	out->uri = h->a_uri;
	return 0;
}

static int
get_datetime(cpim_datetime *out, const cpim_msg *m, unsigned kind)
{
	const struct cpim__hdr *h = nth_kind(m, kind, 0);

	if (!out || !h)
		return CPIM_NOTFOUND;
	out->text = h->value;
	out->us = h->time;
	return 0;
}

CPIM_API int
cpim_msg_datetime(cpim_datetime *out, const cpim_msg *m)
{
	return get_datetime(out, m, HK_DATETIME);
}

CPIM_API int
cpim_msg_imdn_datetime(cpim_datetime *out, const cpim_msg *m)
{
	return get_datetime(out, m, HK_IMDN_DATETIME);
}

CPIM_API size_t
cpim_msg_subject_count(const cpim_msg *m)
{
	return count_kind(m, HK_SUBJECT);
}

CPIM_API int
cpim_msg_subject(cpim_subject *out, const cpim_msg *m, size_t i)
{
	const struct cpim__hdr *h = nth_kind(m, HK_SUBJECT, i);

	if (!out || !h)
		return CPIM_NOTFOUND;
	out->text = h->value;
	out->lang = h->lang;
	return 0;
}

CPIM_API size_t
cpim_msg_ns_count(const cpim_msg *m)
{
	return m ? m->nns : 0;
}

CPIM_API int
cpim_msg_ns(cpim_ns *out, const cpim_msg *m, size_t i)
{
	if (!out || !m || i >= m->nns)
		return CPIM_NOTFOUND;
	*out = m->ns[i].pub;
	return 0;
}

CPIM_API const char *
cpim_msg_imdn_message_id(const cpim_msg *m)
{
	const struct cpim__hdr *h = nth_kind(m, HK_IMDN_MSGID, 0);

	return h ? h->value : NULL;
}

CPIM_API unsigned
cpim_msg_imdn_disposition(const cpim_msg *m)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; m && i < m->nhdrs; i++)
		if (m->hdrs[i].kind == HK_IMDN_DN)
			bits |= m->hdrs[i].bits;
	return bits;
}

CPIM_API int
cpim_msg_final_report(int *out, const cpim_msg *m)
{
	const struct cpim__hdr *h = nth_kind(m, HK_FINAL_REPORT, 0);

	if (!out || !h)
		return CPIM_NOTFOUND;
	*out = (int)h->bits;
	return 0;
}

CPIM_API size_t
cpim_msg_mime_count(const cpim_msg *m)
{
	return m ? m->nmime : 0;
}

CPIM_API int
cpim_msg_mime_header(cpim_header *out, const cpim_msg *m, size_t i)
{
	if (!out || !m || i >= m->nmime)
		return CPIM_NOTFOUND;
	to_header(out, &m->mime[i]);
	return 0;
}

CPIM_API const char *
cpim_msg_content_type(const cpim_msg *m)
{
	size_t i;

	for (i = 0; m && i < m->nmime; i++)
		if (cpim__strcaseeq(m->mime[i].name, "Content-Type"))
			return m->mime[i].value;
	return NULL;
}

CPIM_API void
cpim_msg_content(cpim_content *out, const cpim_msg *m)
{
	if (!out)
		return;
	out->data = m ? m->content : NULL;
	out->len = m ? m->clen : 0;
	out->offset = m ? m->coff : SIZE_MAX;
}

CPIM_API int
cpim_msg_has_outer(const cpim_msg *m)
{
	return m ? m->outer : 0;
}

CPIM_API size_t
cpim_msg_warning_count(const cpim_msg *m)
{
	return m ? m->nwarn : 0;
}

CPIM_API int
cpim_msg_warning(cpim_warning *out, const cpim_msg *m, size_t i)
{
	if (!out || !m || i >= m->nwarn)
		return CPIM_NOTFOUND;
	*out = m->warn[i];
	return 0;
}

static int
hdr_equal(const struct cpim__hdr *a, const struct cpim__hdr *b)
{
	return !strcmp(a->prefix, b->prefix) && !strcmp(a->name, b->name) &&
	    !strcmp(a->params, b->params) && !strcmp(a->value, b->value);
}

CPIM_API int
cpim_msg_equal(const cpim_msg *a, const cpim_msg *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->nhdrs != b->nhdrs || a->nmime != b->nmime || a->clen != b->clen)
		return 0;
	for (i = 0; i < a->nhdrs; i++)
		if (!hdr_equal(&a->hdrs[i], &b->hdrs[i]))
			return 0;
	for (i = 0; i < a->nmime; i++)
		if (!hdr_equal(&a->mime[i], &b->mime[i]))
			return 0;
	return !a->clen || !memcmp(a->content, b->content, a->clen);
}
