/* notice.c - the IMDN (RFC 5438) a server sends about a stored message
 * whose sender asked for it: processing/stored when a deferred message is
 * stored, delivery/failed when one expired undelivered.  The message's
 * request is read from its envelope (msg/envelope.c); libcpim writes the
 * notification and its document. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpim.h"
#include "internal.h"

/* What a record not stored as CPIM asked for: its kept
 * Disposition-Notification and its time (as its envelope writes it), in a
 * message of their own: nothing else of the record (an address CPIM
 * cannot carry) can fail it. */
static int
record_request(cpim_msg **out, const ims_msg *m)
{
	const char *dn = ims__msg_header(m, "Disposition-Notification");
	int64_t t = m->sent != IMS_TIME_NONE ? m->sent : m->received;
	int rc;

	if ((rc = cpim_msg_new(out)))
		return ENOMEM;
	if (m->sent != IMS_TIME_NONE && m->sent_text &&
	    cpim_msg_add_header(*out, NULL, "DateTime", m->sent_text, NULL) == 0)
		rc = 0;
	else if (t != IMS_TIME_NONE)
		rc = cpim_msg_set_datetime(*out, t);
	if (rc != CPIM_NOMEM && dn && (rc = cpim_msg_add_ns(*out, "imdn", CPIM_NS_IMDN)) == 0)
		rc = cpim_msg_add_header(*out, "imdn", "Disposition-Notification", dn, NULL);
	if (rc == CPIM_NOMEM) {
		cpim_msg_free(*out);
		*out = NULL;
		return ENOMEM;
	}
	return 0; /* a value CPIM refuses asks for nothing */
}

/* The request as the sender made it, parsed: the stored payload as its
 * envelope hands it on, or what the record keeps of it; 1 when the
 * payload stored as CPIM is none (then nothing was asked for). */
static int
original(cpim_msg **out, ims_store *st, const ims_msg *m)
{
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	void *env;
	size_t len;
	int rc;

	if (!ims__msg_is_cpim(m))
		return record_request(out, m);
	if ((rc = ims_msg_envelope(&env, &len, st, m)))
		return rc;
	po.max_size = len + 1;
	rc = cpim_parse(out, env, len, &po, NULL);
	free(env);
	return rc == 0 ? 0 : rc == CPIM_NOMEM ? ENOMEM : 1;
}

/* Where the notification goes: the first IMDN-Record-Route, else the
 * sender the store knows (the asserted identity, not a From the sender
 * wrote in the payload); NULL for an anonymous sender. */
static const char *
notice_to(const cpim_msg *cm, const ims_msg *m)
{
	cpim_addr a;

	if (cpim_msg_addr(&a, cm, CPIM_ADDR_IMDN_RECORD_ROUTE, 0) == 0)
		return a.uri;
	if (!m->from.uri || ims_addr_is_anonymous(m->from.uri))
		return NULL;
	return m->from.uri;
}

/* The imdn+xml document: the original Message-ID and DateTime, the
 * recipient and the one it was first sent to. */
static int
notice_doc(cpim_buf *out, const cpim_msg *cm, const ims_msg *m,
           ims_notice_kind kind)
{
	cpim_imdn d = CPIM_IMDN_INIT;
	cpim_datetime dt;
	cpim_addr orig;
	const char *id = cpim_msg_imdn_message_id(cm);

	d.kind = kind == IMS_NOTICE_STORED ? CPIM_IMDN_PROCESSING : CPIM_IMDN_DELIVERY;
	d.status = kind == IMS_NOTICE_STORED ? CPIM_IMDN_STORED : CPIM_IMDN_FAILED;
	d.message_id = id ? id : m->message_id;
	if (cpim_msg_datetime(&dt, cm) == 0)
		d.datetime = dt.text;
	else
		d.datetime_us = m->sent != IMS_TIME_NONE ? m->sent : m->received;
	d.recipient_uri = m->owner;
	d.original_recipient_uri =
		cpim_msg_addr(&orig, cm, CPIM_ADDR_IMDN_ORIGINAL_TO, 0) == 0 ? orig.uri : m->owner;
	return cpim_imdn_write(out, &d);
}

/* The notification's envelope, with a new imdn.Message-ID. */
static int
notice_cpim(cpim_buf *out, const char *from, const char *to, int64_t now,
            const cpim_buf *doc)
{
	cpim_write_opts wo = CPIM_WRITE_OPTS_INIT;
	unsigned char rnd[16];
	char id[IMS_ID_STRLEN + 1];
	cpim_msg *cm;
	int rc;

	if ((rc = ims__random(rnd, sizeof(rnd))))
		return rc;
	ims_id_fmt(id, (const ims_id *)rnd);
	if ((rc = cpim_msg_new(&cm)))
		return rc;
	if (!(rc = cpim_msg_add_addr(cm, CPIM_ADDR_FROM, NULL, from)) &&
	    !(rc = cpim_msg_add_addr(cm, CPIM_ADDR_TO, NULL, to)) &&
	    !(rc = cpim_msg_set_datetime(cm, now)) &&
	    !(rc = cpim_msg_add_ns(cm, "imdn", CPIM_NS_IMDN)) &&
	    !(rc = cpim_msg_add_header(cm, "imdn", "Message-ID", id, NULL)) &&
	    !(rc = cpim_msg_set_content(cm, "message/imdn+xml", doc->ptr, doc->size)) &&
	    !(rc = cpim_msg_add_mime_header(cm, "Content-Disposition", "notification")))
		rc = cpim_write(out, cm, &wo);
	cpim_msg_free(cm);
	return rc;
}

static int
strdup_to(char **out, const char *s)
{
	return (*out = strdup(s)) ? 0 : ENOMEM;
}

/* Asked for, addressed: the document, its envelope, the result's copies. */
static int
notice_build(ims_notice *out, const cpim_msg *cm, const ims_msg *m,
             ims_notice_kind kind, const char *from, const char *to, int64_t now)
{
	cpim_buf doc = { NULL, 0 }, env = { NULL, 0 };
	int rc = notice_doc(&doc, cm, m, kind);

	if (rc == 0)
		rc = notice_cpim(&env, from, to, now, &doc);
	if (rc == CPIM_NOMEM)
		rc = ENOMEM;
	else if (rc <= CPIM_ERR_BASE)
		rc = IMS_INVALID; /* libcpim's: a value it cannot write */
	if (rc == 0 && !(out->body = malloc(env.size + 1)))
		rc = ENOMEM;
	if (rc == 0) {
		memcpy(out->body, env.ptr, env.size + 1);
		out->len = env.size;
		if ((rc = strdup_to(&out->to, to)) == 0)
			rc = strdup_to(&out->from, from);
	}
	cpim_buf_free(&doc);
	cpim_buf_free(&env);
	return rc;
}

int
ims_imdn_notice(ims_notice *out, ims_store *st, const ims_msg *msg,
                ims_notice_kind kind, const ims_notice_opts *opts)
{
	unsigned asked = kind == IMS_NOTICE_STORED ? CPIM_DN_PROCESSING
	               : CPIM_DN_NEGATIVE_DELIVERY;
	int64_t now = opts && opts->now != IMS_TIME_NONE ? opts->now : ims__now_us();
	const char *from, *to;
	cpim_msg *cm = NULL;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !st || !msg || !msg->owner ||
	    (kind != IMS_NOTICE_STORED && kind != IMS_NOTICE_EXPIRED) ||
	    (opts && opts->version != IMS_NOTICE_OPTS_VERSION))
		return IMS_INVALID;
	if ((rc = original(&cm, st, msg)))
		return rc == 1 ? 0 : rc;
	from = kind == IMS_NOTICE_STORED && opts && opts->server ? opts->server : msg->owner;
	if ((cpim_msg_imdn_disposition(cm) & asked) && (to = notice_to(cm, msg)))
		rc = notice_build(out, cm, msg, kind, from, to, now);
	cpim_msg_free(cm);
	if (rc)
		ims_notice_clear(out);
	return rc;
}

void
ims_notice_clear(ims_notice *n)
{
	if (!n)
		return;
	free(n->body);
	free(n->to);
	free(n->from);
	memset(n, 0, sizeof(*n));
}
