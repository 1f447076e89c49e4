/* imdn.c - IMDN documents (message/imdn+xml, RFC 5438), read with libxml2
 * without DTDs, entities or network access */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "internal.h"

#define IMDN_XMLNS "urn:ietf:params:xml:ns:imdn"

static const char *const status_names[] = { NULL, "delivered", "failed",
    "forbidden", "error", "displayed", "processed", "stored" };
static const char *const kind_names[] = { NULL, "delivery-notification",
    "display-notification", "processing-notification" };

CPIM_API const char *
cpim_imdn_status_name(cpim_imdn_status status)
{
	if (status < CPIM_IMDN_DELIVERED || status > CPIM_IMDN_STORED)
		return NULL;
	return status_names[status];
}

static int
status_fits(cpim_imdn_kind kind, cpim_imdn_status st)
{
	if (st == CPIM_IMDN_FORBIDDEN || st == CPIM_IMDN_ERROR)
		return kind >= CPIM_IMDN_DELIVERY && kind <= CPIM_IMDN_PROCESSING;
	switch (kind) {
	case CPIM_IMDN_DELIVERY:
		return st == CPIM_IMDN_DELIVERED || st == CPIM_IMDN_FAILED;
	case CPIM_IMDN_DISPLAY:
		return st == CPIM_IMDN_DISPLAYED;
	case CPIM_IMDN_PROCESSING:
		return st == CPIM_IMDN_PROCESSED || st == CPIM_IMDN_STORED;
	default:
		return 0;
	}
}

/* "<!DOCTYPE" anywhere, in any case */
static int
has_doctype(const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n;

	while ((q = memchr(q, '<', (size_t)(end - q))) != NULL) {
		if ((size_t)(end - q) >= 9 &&
		    cpim__memcaseeq((const char *)q, 9, "<!doctype"))
			return 1;
		q++;
	}
	return 0;
}

static int
xml_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The encoding the XML declaration names, if any, is UTF-8.  Checked
 * before libxml2 sees the bytes: it would decode a document declared UTF-7
 * (valid UTF-8 all the same) and find there a DOCTYPE that has_doctype()
 * cannot see. */
static int
declared_utf8(const unsigned char *p, size_t n)
{
	const unsigned char *end, *e, *v;
	unsigned char q;

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	if (n < 6 || memcmp(p, "<?xml", 5) != 0 || !xml_space(p[5]))
		return 1;
	if (!(end = memmem(p, n, "?>", 2)))
		return 0;
	if (!(e = memmem(p, (size_t)(end - p), "encoding", 8)))
		return 1;
	for (e += 8; e < end && xml_space(*e); e++)
		;
	if (e >= end || *e++ != '=')
		return 0;
	while (e < end && xml_space(*e))
		e++;
	if (e >= end || (*e != '"' && *e != '\''))
		return 0;
	q = *e++;
	for (v = e; e < end && *e != q; e++)
		;
	return e < end && e - v == 5 && cpim__memcaseeq((const char *)v, 5, "utf-8");
}

/* ---------------------------------------------------------------- reading */

enum { F_MSGID, F_DATETIME, F_RCPT, F_ORIG, F_SUBJECT, F_MAX };

struct rd {
	xmlChar *f[F_MAX];
	cpim_imdn_kind kind;
	cpim_imdn_status status;
	int64_t us;
	cpim_error *err;
};

static int
fail(struct rd *r, int code, const xmlNode *n, const char *what)
{
	unsigned line = n ? (unsigned)xmlGetLineNo(n) : 0;

	cpim__err_at(r->err, code, line, line ? 1 : 0, 0, "%s", what);
	return code;
}

static int
in_ns(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && n->ns &&
	    !strcmp((const char *)n->ns->href, IMDN_XMLNS);
}

static int
is(const xmlNode *n, const char *name)
{
	return in_ns(n) && !strcmp((const char *)n->name, name);
}

static int
check_depth(struct rd *r, const xmlNode *root)
{
	const xmlNode *n = root;
	int depth = 1;

	while (n) {
		if (depth > CPIM_IMDN_MAX_DEPTH)
			return fail(r, CPIM_TOOBIG, n, "xml nested too deeply");
		if (n->children && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			depth++;
			continue;
		}
		while (n && n != root && !n->next) {
			n = n->parent;
			depth--;
		}
		if (!n || n == root)
			break;
		n = n->next;
	}
	return 0;
}

static int
read_status(struct rd *r, const xmlNode *notif, cpim_imdn_kind kind)
{
	const xmlNode *st, *c;
	int k;

	for (st = notif->children; st && !is(st, "status"); st = st->next)
		;
	if (!st)
		return fail(r, CPIM_SYNTAX, notif, "expected status element");
	for (c = st->children; c && !in_ns(c); c = c->next)
		;
	for (k = CPIM_IMDN_DELIVERED; c && k <= CPIM_IMDN_STORED; k++)
		if (!strcmp((const char *)c->name, status_names[k]))
			break;
	if (!c || k > CPIM_IMDN_STORED || !status_fits(kind, (cpim_imdn_status)k))
		return fail(r, CPIM_SYNTAX, st, "expected a status for this notification");
	r->kind = kind;
	r->status = (cpim_imdn_status)k;
	return 0;
}

static int
read_field(struct rd *r, const xmlNode *n)
{
	static const char *const names[F_MAX] = { "message-id", "datetime",
	    "recipient-uri", "original-recipient-uri", "subject" };
	int k;

	for (k = CPIM_IMDN_DELIVERY; k <= CPIM_IMDN_PROCESSING; k++) {
		if (!is(n, kind_names[k]))
			continue;
		if (r->kind)
			return fail(r, CPIM_SYNTAX, n, "more than one notification");
		return read_status(r, n, (cpim_imdn_kind)k);
	}
	for (k = 0; k < F_MAX && !is(n, names[k]); k++)
		;
	if (k == F_MAX)
		return 0;   /* extension element: ignored */
	if (r->f[k])
		return fail(r, CPIM_SYNTAX, n, "element appears twice");
	if (!(r->f[k] = xmlNodeGetContent(n)))
		return CPIM_NOMEM;
	/* what cpim_imdn_write() would refuse is not read either: a
	 * Message-ID with a line break would not match its message */
	if (cpim__check_value((const char *)r->f[k], strlen((const char *)r->f[k]), 1) !=
	    strlen((const char *)r->f[k])) {
		char what[64];
		snprintf(what, sizeof what, "control character in %s", names[k]);
		return fail(r, CPIM_SYNTAX, n, what);
	}
	return 0;
}

static int
read_root(struct rd *r, const xmlNode *root)
{
	const xmlNode *n;
	int rc;

	if (!root || !is(root, "imdn"))
		return fail(r, CPIM_SYNTAX, root, "expected imdn root element");
	if ((rc = check_depth(r, root)))
		return rc;
	for (n = root->children; n; n = n->next)
		if ((rc = read_field(r, n)))
			return rc;
	if (!r->f[F_MSGID] || !*r->f[F_MSGID])
		return fail(r, CPIM_SYNTAX, root, "expected message-id element");
	if (!r->f[F_DATETIME])
		return fail(r, CPIM_SYNTAX, root, "expected datetime element");
	if (!r->kind)
		return fail(r, CPIM_SYNTAX, root, "expected a notification element");
	if (cpim_datetime_parse(&r->us, (const char *)r->f[F_DATETIME],
	    strlen((const char *)r->f[F_DATETIME])))
		return fail(r, CPIM_SYNTAX, root, "invalid datetime");
	return 0;
}

/* copy the fields into one allocation owned by the caller */
static int
pack(cpim_imdn **out, struct rd *r)
{
	size_t total = sizeof(cpim_imdn), len[F_MAX];
	const char **dst[F_MAX];
	cpim_imdn *d;
	char *p;
	int k;

	for (k = 0; k < F_MAX; k++) {
		len[k] = r->f[k] ? strlen((const char *)r->f[k]) + 1 : 0;
		total += len[k];
	}
	if (!(d = malloc(total)))
		return CPIM_NOMEM;
	*d = (cpim_imdn)CPIM_IMDN_INIT;
	dst[F_MSGID] = &d->message_id;
	dst[F_DATETIME] = &d->datetime;
	dst[F_RCPT] = &d->recipient_uri;
	dst[F_ORIG] = &d->original_recipient_uri;
	dst[F_SUBJECT] = &d->subject;
	p = (char *)(d + 1);
	for (k = 0; k < F_MAX; k++) {
		if (!len[k])
			continue;
		memcpy(p, r->f[k], len[k]);
		*dst[k] = p;
		p += len[k];
	}
	d->kind = r->kind;
	d->status = r->status;
	d->datetime_us = r->us;
	*out = d;
	return 0;
}

static int
xml_fail(struct rd *r, xmlParserCtxtPtr ctxt)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	char msg[160];
	size_t n;

	snprintf(msg, sizeof msg, "%s", e && e->message ? e->message :
	    "not well-formed");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (msg[0] >= 'A' && msg[0] <= 'Z')
		msg[0] = (char)(msg[0] + 32);
	cpim__err_at(r->err, CPIM_SYNTAX, e ? (unsigned)e->line : 0,
	    e && e->line ? (unsigned)(e->int2 > 0 ? e->int2 : 1) : 0, 0,
	    "not well-formed xml: %s", msg);
	return CPIM_SYNTAX;
}

static int
check_input(const void *xml, size_t len, cpim_error *err)
{
	if (len > CPIM_IMDN_MAX_SIZE)
		return cpim__err(err, CPIM_TOOBIG, "imdn document over %d bytes",
		    CPIM_IMDN_MAX_SIZE);
	if (memchr(xml, '\0', len) || !cpim_utf8_valid(xml, len))
		return cpim__err(err, CPIM_SYNTAX, "imdn document not valid utf-8");
	if (!declared_utf8(xml, len))
		return cpim__err(err, CPIM_SYNTAX, "imdn encoding must be utf-8");
	if (has_doctype(xml, len))
		return cpim__err(err, CPIM_UNSAFE, "doctype not allowed in imdn");
	return 0;
}

static int
parse_doc(struct rd *r, xmlParserCtxtPtr ctxt, const void *xml, size_t len)
{
	xmlDocPtr doc;
	int rc;

	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return xml_fail(r, ctxt);
	if (doc->intSubset || doc->extSubset)
		rc = cpim__err(r->err, CPIM_UNSAFE, "doctype not allowed in imdn");
	else if (doc->encoding && !cpim__strcaseeq((const char *)doc->encoding,
	    "UTF-8"))
		rc = cpim__err(r->err, CPIM_SYNTAX, "imdn encoding must be utf-8");
	else
		rc = read_root(r, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return rc;
}

CPIM_API int
cpim_imdn_parse(cpim_imdn **out, const void *xml, size_t len, cpim_error *err)
{
	struct rd r;
	xmlParserCtxtPtr ctxt;
	int rc, k;

	if (out)
		*out = NULL;
	if (!out || !xml)
		return cpim__err(err, CPIM_INVALID, "invalid argument");
	if ((rc = check_input(xml, len, err)))
		return rc;
	memset(&r, 0, sizeof r);
	r.err = err;
	xmlInitParser();
	if (!(ctxt = xmlNewParserCtxt()))
		return cpim__err(err, CPIM_NOMEM, "out of memory");
	rc = parse_doc(&r, ctxt, xml, len);
	if (!rc)
		rc = pack(out, &r);
	for (k = 0; k < F_MAX; k++)
		xmlFree(r.f[k]);
	xmlFreeParserCtxt(ctxt);
	if (!rc && err)
		memset(err, 0, sizeof *err);
	return rc;
}

CPIM_API void
cpim_imdn_free(cpim_imdn *doc)
{
	free(doc);
}

/* ---------------------------------------------------------------- writing */

static int
text_ok(const char *s)
{
	size_t n = strlen(s);

	return cpim__check_value(s, n, 1) == n;
}

static void
xml_text(cpim__sb *sb, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : *s == '"' ? "&quot;" :
		    *s == '\'' ? "&apos;" : NULL;

		if (!rep)
			continue;
		cpim__sb_add(sb, run, (size_t)(s - run));
		cpim__sb_str(sb, rep);
		run = s + 1;
	}
	cpim__sb_add(sb, run, (size_t)(s - run));
}

static void
element(cpim__sb *sb, const char *name, const char *text)
{
	if (!text)
		return;
	cpim__sb_str(sb, "  <");
	cpim__sb_str(sb, name);
	cpim__sb_str(sb, ">");
	xml_text(sb, text);
	cpim__sb_str(sb, "</");
	cpim__sb_str(sb, name);
	cpim__sb_str(sb, ">\n");
}

static int
check_doc(const cpim_imdn *d)
{
	const char *f[] = { d->message_id, d->datetime, d->recipient_uri,
	    d->original_recipient_uri, d->subject };
	int64_t us;
	size_t i;

	if (d->version != CPIM_IMDN_VERSION || !d->message_id ||
	    !*d->message_id || !status_fits(d->kind, d->status))
		return CPIM_INVALID;
	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		if (f[i] && !text_ok(f[i]))
			return CPIM_INVALID;
	if (d->datetime && cpim_datetime_parse(&us, d->datetime,
	    strlen(d->datetime)))
		return CPIM_INVALID;
	return 0;
}

CPIM_API int
cpim_imdn_write(cpim_buf *out, const cpim_imdn *d)
{
	cpim__sb sb = { NULL, 0, 0, 0 };
	char dt[CPIM_DATETIME_MAX];
	int rc;

	if (!out || !d)
		return CPIM_INVALID;
	out->ptr = NULL;
	out->size = 0;
	if ((rc = check_doc(d)))
		return rc;
	if (!d->datetime && (rc = cpim_datetime_format(dt, sizeof dt,
	    d->datetime_us)))
		return rc;
	cpim__sb_str(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<imdn xmlns=\"" IMDN_XMLNS "\">\n");
	element(&sb, "message-id", d->message_id);
	element(&sb, "datetime", d->datetime ? d->datetime : dt);
	element(&sb, "recipient-uri", d->recipient_uri);
	element(&sb, "original-recipient-uri", d->original_recipient_uri);
	element(&sb, "subject", d->subject);
	cpim__sb_str(&sb, "  <");
	cpim__sb_str(&sb, kind_names[d->kind]);
	cpim__sb_str(&sb, ">\n    <status><");
	cpim__sb_str(&sb, status_names[d->status]);
	cpim__sb_str(&sb, "/></status>\n  </");
	cpim__sb_str(&sb, kind_names[d->kind]);
	cpim__sb_str(&sb, ">\n</imdn>\n");
	return cpim__sb_finish(&sb, out);
}
