/* envelope.c - the Message/CPIM bytes (RFC 3862) a stored message is
 * delivered in (a pushed SIP MESSAGE, an MSRP SEND): a payload kept whole
 * as it came, else an envelope libcpim writes from the record. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpim.h"
#include "internal.h"

/* The namespace of the kept headers in a written envelope: they are the
 * original request's (P-Asserted-Identity, Call-ID, Conversation-ID…), no
 * CPIM header, so a reader that does not know the namespace ignores them
 * (RFC 3862 section 3.4). */
#define KEPT_NS "urn:imstore:params:kept-header"
#define KEPT_PREFIX "kept"
/* The From of a sender who asked for privacy (RFC 3323 section 4.1.1.3). */
#define ANONYMOUS "sip:anonymous@anonymous.invalid"

int
ims__msg_is_cpim(const ims_msg *m)
{
	if (m->content_type && cpim_type_is_cpim(m->content_type))
		return 1;
	/* a CPIM payload kept whole: its outer type is a kept header */
	for (size_t i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, "Content-Type") == 0 &&
		    cpim_type_is_cpim(m->headers[i].value))
			return 1;
	return 0;
}

const char *
ims__msg_header(const ims_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (m->headers[i].name && strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	return NULL;
}

/* After the first empty line from at, and the blank lines that follow. */
static size_t
past_blank(const unsigned char *p, size_t len, size_t at)
{
	while (at < len) {
		const unsigned char *nl = memchr(p + at, '\n', len - at);
		size_t line = nl ? (size_t)(nl - (p + at)) : len - at;
		at += line + 1;
		if (line == 0 || (line == 1 && p[at - 2] == '\r'))
			break;
	}
	while (at < len && (p[at] == '\n' ||
	                    (p[at] == '\r' && at + 1 < len && p[at + 1] == '\n')))
		at += p[at] == '\n' ? 1 : 2;
	return at;
}

static cpim_msg *
parse(const unsigned char *p, size_t len)
{
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	cpim_msg *cm = NULL;

	po.max_size = len + 1;
	return cpim_parse(&cm, p, len, &po, NULL) == 0 ? cm : NULL;
}

/* Where the CPIM headers start: after the outer MIME blocks (the request's
 * own Content-Type, stored with a payload that had it), each cut only when
 * what is left parses as the same message.  A payload that does not parse
 * is handed on as it is. */
size_t
ims__cpim_start(const unsigned char *p, size_t len)
{
	cpim_msg *whole = parse(p, len), *cur = whole, *rest;
	size_t at = 0, next;

	for (int i = 0; i < 4 && cur && cpim_msg_has_outer(cur); i++) {
		if ((next = past_blank(p, len, at)) >= len ||
		    !(rest = parse(p + next, len - next)))
			break;
		if (!cpim_msg_equal(whole, rest)) {
			cpim_msg_free(rest);
			break;
		}
		if (cur != whole)
			cpim_msg_free(cur);
		cur = rest;
		at = next;
	}
	if (cur != whole)
		cpim_msg_free(cur);
	cpim_msg_free(whole);
	return at;
}

/* Whether the sender asked for privacy (RFC 3323, RFC 3325): a kept
 * Privacy header (any of them: a request may carry several) with a token
 * other than "none" and "critical". */
static int
private_sender(const ims_msg *m)
{
	for (size_t i = 0; i < m->nheaders; i++) {
		const char *v = m->headers[i].value;
		size_t n;

		if (!m->headers[i].name || strcasecmp(m->headers[i].name, "Privacy"))
			continue;
		while (v && *v) {
			v += strspn(v, " \t;");
			n = strcspn(v, " \t;");
			if (n && !(n == 4 && strncasecmp(v, "none", 4) == 0) &&
			    !(n == 8 && strncasecmp(v, "critical", 8) == 0))
				return 1;
			v += n;
		}
	}
	return 0;
}

/* The headers that name the sender or its host, left out for privacy. */
static int
identifying(const char *name)
{
	return strcasecmp(name, "P-Asserted-Identity") == 0 ||
	       strcasecmp(name, "Call-ID") == 0 || strcasecmp(name, "User-Agent") == 0;
}

/* An address, its display name dropped when libcpim refuses it. */
static int
add_addr(cpim_msg *cm, cpim_addr_kind kind, const ims_addr *a)
{
	if (!a->uri)
		return 0;
	if (cpim_msg_add_addr(cm, kind, a->name, a->uri) == 0)
		return 0;
	return cpim_msg_add_addr(cm, kind, NULL, a->uri);
}

/* From (anonymous when the sender asked for privacy: the stored From is
 * the asserted identity), To, cc and DateTime: the sent time as written when CPIM can carry
 * that text, else as UTC; the received time when it was not sent with one. */
static int
add_core(cpim_msg *cm, const ims_msg *m)
{
	static const ims_addr anonymous = { ANONYMOUS, "Anonymous" };
	int64_t t = m->sent != IMS_TIME_NONE ? m->sent : m->received;
	int rc = add_addr(cm, CPIM_ADDR_FROM, private_sender(m) ? &anonymous : &m->from);

	for (size_t i = 0; i < m->nto && rc == 0; i++)
		rc = add_addr(cm, CPIM_ADDR_TO, &m->to[i]);
	for (size_t i = 0; i < m->ncc && rc == 0; i++)
		rc = add_addr(cm, CPIM_ADDR_CC, &m->cc[i]);
	if (rc)
		return rc;
	if (m->sent != IMS_TIME_NONE && m->sent_text &&
	    cpim_msg_add_header(cm, NULL, "DateTime", m->sent_text, NULL) == 0)
		; /* e.g. a SIP Date is no RFC 3339 time: written from sent */
	else if (t != IMS_TIME_NONE && (rc = cpim_msg_set_datetime(cm, t)))
		return rc;
	if (m->subject && (rc = cpim_msg_add_subject(cm, m->subject, NULL)) &&
	    rc != CPIM_INVALID)
		return rc;
	return 0;
}

/* The IMDN Message-ID and Disposition-Notification, then the other kept
 * headers in their namespace; a value CPIM cannot carry is left out. */
static int
add_extensions(cpim_msg *cm, const ims_msg *m)
{
	const char *dn = ims__msg_header(m, "Disposition-Notification");
	const char *call_id = ims__msg_header(m, "Call-ID");
	int rc, kept = 0, priv = private_sender(m);

	if ((rc = cpim_msg_add_ns(cm, "imdn", CPIM_NS_IMDN)))
		return rc;
	if (m->message_id && !(priv && call_id && strcmp(call_id, m->message_id) == 0) &&
	    (rc = cpim_msg_add_header(cm, "imdn", "Message-ID", m->message_id, NULL)) &&
	    rc != CPIM_INVALID && rc != CPIM_SYNTAX)
		return rc;
	if (dn && (rc = cpim_msg_add_header(cm, "imdn", "Disposition-Notification",
	                                    dn, NULL)) &&
	    rc != CPIM_INVALID && rc != CPIM_SYNTAX)
		return rc;
	for (size_t i = 0; i < m->nheaders; i++) {
		const ims_header *h = &m->headers[i];
		if (!h->name || !h->value || strcasecmp(h->name, "Content-Type") == 0 ||
		    strcasecmp(h->name, "Disposition-Notification") == 0 ||
		    (priv && identifying(h->name)))
			continue;
		if (!kept++ && (rc = cpim_msg_add_ns(cm, KEPT_PREFIX, KEPT_NS)))
			return rc;
		rc = cpim_msg_add_header(cm, KEPT_PREFIX, h->name, h->value, NULL);
		if (rc && rc != CPIM_INVALID && rc != CPIM_SYNTAX)
			return rc;
	}
	return 0;
}

int
ims__msg_cpim_build(cpim_msg **out, const ims_msg *m, const void *body,
                    size_t len)
{
	int rc;

	if ((rc = cpim_msg_new(out)))
		return ENOMEM;
	if ((rc = add_core(*out, m)) == 0 && (rc = add_extensions(*out, m)) == 0)
		rc = cpim_msg_set_content(*out, m->content_type ? m->content_type
		                          : "text/plain", body, len);
	if (rc) {
		cpim_msg_free(*out);
		*out = NULL;
	}
	return rc == 0 ? 0 : rc == CPIM_NOMEM ? ENOMEM : IMS_INVALID;
}

/* The record's envelope, written; *out malloc()ed with a NUL. */
static int
envelope_write(void **out, size_t *out_len, const ims_msg *m,
               const void *body, size_t len)
{
	cpim_write_opts wo = CPIM_WRITE_OPTS_INIT;
	cpim_buf b = { NULL, 0 };
	cpim_msg *cm;
	int rc = ims__msg_cpim_build(&cm, m, body, len);

	if (rc)
		return rc;
	if ((rc = cpim_write(&b, cm, &wo)))
		rc = rc == CPIM_NOMEM ? ENOMEM : IMS_INVALID;
	else if (!(*out = malloc(b.size + 1)))
		rc = ENOMEM;
	else {
		memcpy(*out, b.ptr, b.size + 1);
		*out_len = b.size;
	}
	cpim_buf_free(&b);
	cpim_msg_free(cm);
	return rc;
}

int
ims_msg_envelope(void **out, size_t *out_len, ims_store *st, const ims_msg *msg)
{
	void *body;
	size_t len, at;
	int rc;

	if (out)
		*out = NULL;
	if (out_len)
		*out_len = 0;
	if (!out || !out_len || !st || !msg)
		return IMS_INVALID;
	if ((rc = ims_body_get(&body, &len, st, &msg->id)))
		return rc;
	if (!ims__msg_is_cpim(msg)) {
		rc = envelope_write(out, out_len, msg, body, len);
		free(body);
		return rc;
	}
	if ((at = ims__cpim_start(body, len)) != 0)
		memmove(body, (char *)body + at, len - at + 1); /* with its NUL */
	*out = body;
	*out_len = len - at;
	return 0;
}
