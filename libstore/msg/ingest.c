/* ingest.c - a Message/CPIM payload or a SIP MESSAGE request as a message:
 * libcpim reads it, the metadata the caller left unset is filled from its
 * headers, and the body to store is named.  What it fills points into the
 * ims_ingest object (strings, arrays) or the caller's input (the body). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cpim.h"
#include "imstore.h"

struct ims_ingest {
	cpim_msg *cpim;             /* the payload, or the SIP body's */
	cpim_sip_msg *sip;
	ims_addr *to, *cc;          /* arrays the message points into */
	ims_header *hdrs;
	const unsigned char *body;  /* in the caller's input */
	size_t body_len;
};

/* SIP headers kept with the message (imstore(5) "kept headers"). */
static const char *const kept_sip[] = {
	"P-Asserted-Identity", "Privacy", "Call-ID", "Contribution-ID",
	"Conversation-ID", "In-Reply-To-Contribution-ID", "User-Agent",
	"Accept-Contact", NULL,
};

/* ---------------------------------------------------------------- errors */

static int
fail(ims_ingest_error *err, int code, ims_ingest_part part, const char *what)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		err->code = code;
		err->part = part;
		snprintf(err->message, sizeof(err->message), "%s", what);
	}
	return code;
}

/* libcpim's failure: its code mapped, its position and message kept */
static int
fail_cpim(ims_ingest_error *err, ims_ingest_part part, int rc,
          const cpim_error *e)
{
	int code = rc == CPIM_NOMEM ? ENOMEM : rc == CPIM_TOOBIG ? IMS_TOOBIG
	         : IMS_INVALID;

	fail(err, code, part, e->message[0] ? e->message : cpim_strerror(rc));
	if (err) {
		err->line = e->line;
		err->column = e->column;
		err->offset = e->offset;
	}
	return code;
}

/* ---------------------------------------------------------------- filling */

static int
add_header(ims_ingest *g, ims_msg *m, const char *name, const char *value)
{
	ims_header *h;

	if (m->nheaders >= IMS_HEADERS_MAX)
		return 0;
	if (m->headers != g->hdrs) { /* the first one added: the caller's first */
		h = malloc((m->nheaders + 1) * sizeof(*h));
		if (h && m->nheaders)
			memcpy(h, m->headers, m->nheaders * sizeof(*h));
	} else {
		h = realloc(g->hdrs, (m->nheaders + 1) * sizeof(*h));
	}
	if (!h)
		return ENOMEM;
	g->hdrs = h;
	h[m->nheaders].name = name;
	h[m->nheaders].value = value;
	m->headers = h;
	m->nheaders++;
	return 0;
}

static int
cpim_addrs(ims_addr **out, size_t *n, const cpim_msg *cm, cpim_addr_kind kind)
{
	size_t count = cpim_msg_addr_count(cm, kind);
	ims_addr *v;

	if (count == 0)
		return 0;
	if (!(v = calloc(count, sizeof(*v))))
		return ENOMEM;
	for (size_t i = 0; i < count; i++) {
		cpim_addr a;
		cpim_msg_addr(&a, cm, kind, i);
		v[i].uri = a.uri;
		v[i].name = a.name;
	}
	*out = v;
	*n = count;
	return 0;
}

/* Fill from the CPIM headers what the caller left unset. */
static int
fill_from_cpim(ims_ingest *g, ims_msg *m, const cpim_msg *cm)
{
	cpim_datetime dt;
	cpim_subject subj;
	cpim_addr a;

	if (!m->from.uri && cpim_msg_addr(&a, cm, CPIM_ADDR_FROM, 0) == 0) {
		m->from.uri = a.uri;
		m->from.name = a.name;
	}
	if ((m->nto == 0 && cpim_addrs(&g->to, &m->nto, cm, CPIM_ADDR_TO)) ||
	    (m->ncc == 0 && cpim_addrs(&g->cc, &m->ncc, cm, CPIM_ADDR_CC)))
		return ENOMEM;
	if (g->to)
		m->to = g->to;
	if (g->cc)
		m->cc = g->cc;
	if (!m->owner && m->nto)
		m->owner = m->to[0].uri; /* the recipient's store */
	if (!m->sent_text && cpim_msg_datetime(&dt, cm) == 0) {
		m->sent = dt.us;
		m->sent_text = dt.text;
	}
	if (!m->subject && cpim_msg_subject(&subj, cm, 0) == 0)
		m->subject = subj.text;
	if (!m->message_id)
		m->message_id = cpim_msg_imdn_message_id(cm);
	if (!m->content_type)
		m->content_type = cpim_msg_content_type(cm);
	return 0;
}

static int
keep_sip_headers(ims_ingest *g, ims_msg *m, const cpim_sip_msg *sm)
{
	for (size_t i = 0; i < cpim_sip_header_count(sm); i++) {
		cpim_header h;
		cpim_sip_header(&h, sm, i);
		for (int k = 0; kept_sip[k]; k++)
			if (strcasecmp(h.name, kept_sip[k]) == 0 &&
			    add_header(g, m, kept_sip[k], h.value))
				return ENOMEM;
	}
	return 0;
}

/* Owner from the Request-URI, originator from P-Asserted-Identity (else
 * From). */
static void
sip_identity(ims_msg *m, const cpim_sip_msg *sm)
{
	cpim_sip_addr from;

	if (!m->owner)
		m->owner = cpim_sip_request_uri(sm);
	if (!m->from.uri) {
		if (cpim_sip_pai_count(sm) == 0 || cpim_sip_pai(&from, sm, 0) != 0)
			cpim_sip_from(&from, sm);
		m->from.uri = from.uri;
		m->from.name = from.display;
	}
}

/* What neither the caller nor a CPIM body gave: To, Date, Expires, type,
 * conversation, Message-ID; then the kept headers. */
static int
sip_rest(ims_ingest *g, ims_msg *m, const cpim_sip_msg *sm, int64_t now)
{
	cpim_sip_addr to;
	uint32_t expires;
	int64_t date;

	if (m->nto == 0) {
		cpim_sip_to(&to, sm);
		if (!(g->to = calloc(1, sizeof(*g->to))))
			return ENOMEM;
		g->to[0].uri = to.uri;
		g->to[0].name = to.display;
		m->to = g->to;
		m->nto = 1;
	}
	if (m->sent == IMS_TIME_NONE && cpim_sip_date(&date, sm) == 0) {
		m->sent = date;
		m->sent_text = cpim_sip_find(sm, "Date", 0);
	}
	if (m->expires == IMS_TIME_NONE && cpim_sip_expires(&expires, sm) == 0)
		m->expires = now + (int64_t)expires * 1000000;
	if (!m->content_type)
		m->content_type = cpim_sip_content_type(sm);
	if (!m->conversation)
		m->conversation = cpim_sip_find(sm, "Conversation-ID", 0);
	if (!m->message_id) /* no imdn.Message-ID: retransmissions share Call-ID */
		m->message_id = cpim_sip_call_id(sm);
	return keep_sip_headers(g, m, sm);
}

/* ---------------------------------------------------------------- calls */

/* the arguments checked, the options resolved, a new object in *out */
static int
ingest_begin(ims_ingest **out, cpim_parse_opts *po, int64_t *now,
             const ims_msg *msg, const void *data, size_t len,
             const ims_ingest_opts *opts, ims_ingest_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
	if (out)
		*out = NULL;
	if (!out || !msg || (!data && len))
		return fail(err, IMS_INVALID, IMS_INGEST_PART_NONE,
		            "invalid argument");
	if (opts && opts->version != IMS_INGEST_OPTS_VERSION)
		return fail(err, IMS_INVALID, IMS_INGEST_PART_NONE,
		            "unknown options version");
	if (opts && (opts->flags & IMS_INGEST_STRICT))
		po->flags |= CPIM_PARSE_STRICT;
	*now = opts && opts->now != IMS_TIME_NONE ? opts->now
	     : (int64_t)time(NULL) * 1000000;
	if (!(*out = calloc(1, sizeof(**out))))
		return fail(err, ENOMEM, IMS_INGEST_PART_NONE, "out of memory");
	return 0;
}

/* the end of a call: the message filled on success, the object freed on
 * failure */
static int
ingest_end(ims_ingest **out, ims_msg *msg, const ims_msg *m, int rc,
           ims_ingest_error *err)
{
	if (rc == ENOMEM && (!err || err->part == IMS_INGEST_PART_NONE))
		fail(err, ENOMEM, IMS_INGEST_PART_NONE, "out of memory");
	if (rc) {
		ims_ingest_free(*out);
		*out = NULL;
		return rc;
	}
	*msg = *m;
	if (err)
		memset(err, 0, sizeof(*err));
	return 0;
}

/* one reader per input kind: the input into g and m, 0 or an error */
typedef int (*ingest_reader)(ims_ingest *g, ims_msg *m,
                             const unsigned char *data, size_t len,
                             const cpim_parse_opts *po, int64_t now,
                             ims_ingest_error *err);

static int
read_cpim(ims_ingest *g, ims_msg *m, const unsigned char *data, size_t len,
          const cpim_parse_opts *po, int64_t now, ims_ingest_error *err)
{
	cpim_error e;
	int rc;

	(void)now;
	g->body = data;
	g->body_len = len;
	if ((rc = cpim_parse(&g->cpim, data, len, po, &e)))
		return fail_cpim(err, IMS_INGEST_PART_CPIM, rc, &e);
	if ((rc = fill_from_cpim(g, m, g->cpim)))
		return rc;
	return add_header(g, m, "Content-Type", "message/cpim");
}

/* the parsed request into g and m */
static int
sip_fill(ims_ingest *g, ims_msg *m, const unsigned char *data,
         const cpim_parse_opts *po, int64_t now, ims_ingest_error *err)
{
	cpim_content body;
	cpim_error e;
	char what[200];
	int rc;

	if (strcmp(cpim_sip_method(g->sip), "MESSAGE") != 0) {
		/* no article: "a"/"an" cannot be chosen for any method token */
		snprintf(what, sizeof(what), "not a MESSAGE request: the method is '%.64s'",
		         cpim_sip_method(g->sip));
		return fail(err, IMS_INVALID, IMS_INGEST_PART_METHOD, what);
	}
	cpim_sip_body(&body, g->sip);
	g->body = data + body.offset; /* the caller's bytes, not the copy */
	g->body_len = body.len;
	sip_identity(m, g->sip);
	if (cpim_type_is_cpim(cpim_sip_content_type(g->sip))) {
		if ((rc = cpim_parse(&g->cpim, body.data, body.len, po, &e)))
			return fail_cpim(err, IMS_INGEST_PART_SIP_BODY, rc, &e);
		/* the body kept is the whole payload: say so, as read_cpim() does */
		if ((rc = fill_from_cpim(g, m, g->cpim)) ||
		    (rc = add_header(g, m, "Content-Type", "message/cpim")))
			return rc;
	}
	return sip_rest(g, m, g->sip, now);
}

static int
read_sip(ims_ingest *g, ims_msg *m, const unsigned char *data, size_t len,
         const cpim_parse_opts *po, int64_t now, ims_ingest_error *err)
{
	cpim_error e;
	int rc;

	if ((rc = cpim_sip_parse(&g->sip, data, len, po, &e)))
		return fail_cpim(err, IMS_INGEST_PART_SIP, rc, &e);
	return sip_fill(g, m, data, po, now, err);
}

/* the message filled on a copy, given back only on success */
static int
ingest(ims_ingest **out, ims_msg *msg, const void *data, size_t len,
       const ims_ingest_opts *opts, ims_ingest_error *err, ingest_reader rd)
{
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	ims_msg m;
	int64_t now;
	int rc;

	if ((rc = ingest_begin(out, &po, &now, msg, data, len, opts, err)))
		return rc;
	m = *msg;
	rc = rd(*out, &m, data, len, &po, now, err);
	return ingest_end(out, msg, &m, rc, err);
}

int
ims_ingest_cpim(ims_ingest **out, ims_msg *msg, const void *data, size_t len,
                const ims_ingest_opts *opts, ims_ingest_error *err)
{
	return ingest(out, msg, data, len, opts, err, read_cpim);
}

int
ims_ingest_sip(ims_ingest **out, ims_msg *msg, const void *data, size_t len,
               const ims_ingest_opts *opts, ims_ingest_error *err)
{
	return ingest(out, msg, data, len, opts, err, read_sip);
}

void
ims_ingest_body(const void **out, size_t *out_len, const ims_ingest *g)
{
	*out = g ? g->body : NULL;
	*out_len = g ? g->body_len : 0;
}

void
ims_ingest_free(ims_ingest *g)
{
	if (!g)
		return;
	cpim_msg_free(g->cpim);
	cpim_sip_free(g->sip);
	free(g->to);
	free(g->cc);
	free(g->hdrs);
	free(g);
}
