/* ingest.c - fill a message's metadata from a Message/CPIM payload or a raw
 * SIP MESSAGE request.  Fields the operator gave as options are kept. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"

/* SIP headers kept with the message (imstore(5) "kept headers"). */
static const char *const kept_sip[] = {
	"P-Asserted-Identity", "Privacy", "Call-ID", "Contribution-ID",
	"Conversation-ID", "In-Reply-To-Contribution-ID", "User-Agent",
	"Accept-Contact", NULL,
};

void
ingest_free(ingest *g)
{
	cpim_msg_free(g->cpim);
	cpim_sip_free(g->sip);
	free(g->to);
	free(g->cc);
	free(g->hdrs);
	memset(g, 0, sizeof(*g));
}

static int
report(const char *what, const char *src, int rc, const cpim_error *e)
{
	if (e->message[0])
		cli_err("cannot parse %s '%s': %s", what, src, e->message);
	else
		cli_err("cannot parse %s '%s': %s", what, src, cpim_strerror(rc));
	return EXIT_ERR;
}

static int
add_header(ingest *g, ims_msg *m, const char *name, const char *value)
{
	ims_header *h;

	if (m->nheaders >= IMS_HEADERS_MAX)
		return 0;
	if (m->headers != g->hdrs) { /* first ingest header: copy the options' */
		h = malloc((m->nheaders + 1) * sizeof(*h));
		if (h && m->nheaders)
			memcpy(h, m->headers, m->nheaders * sizeof(*h));
	} else {
		h = realloc(g->hdrs, (m->nheaders + 1) * sizeof(*h));
	}
	if (!h)
		return -1;
	if (m->headers != g->hdrs)
		free(g->hdrs);
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
		return -1;
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

/* Fill from the CPIM headers what the options left unset. */
static int
fill_from_cpim(ingest *g, ims_msg *m, const cpim_msg *cm)
{
	cpim_datetime dt;
	cpim_subject subj;
	cpim_addr a;

	if (!m->from.uri && cpim_msg_addr(&a, cm, CPIM_ADDR_FROM, 0) == 0) {
		m->from.uri = a.uri;
		m->from.name = a.name;
	}
	if (m->nto == 0 && cpim_addrs(&g->to, &m->nto, cm, CPIM_ADDR_TO))
		return -1;
	if (m->ncc == 0 && cpim_addrs(&g->cc, &m->ncc, cm, CPIM_ADDR_CC))
		return -1;
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

int
ingest_cpim(ingest *g, ims_msg *m, const unsigned char *data, size_t len,
            const char *src, int strict)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	cpim_error e;
	int rc;

	if (strict)
		o.flags |= CPIM_PARSE_STRICT;
	if ((rc = cpim_parse(&g->cpim, data, len, &o, &e)))
		return report("message/cpim", src, rc, &e);
	if (fill_from_cpim(g, m, g->cpim) ||
	    add_header(g, m, "Content-Type", "message/cpim"))
		return cli_fail(ENOMEM, "cannot read '%s'", src);
	return 0;
}

static int
is_cpim_type(const char *type)
{
	size_t n = strlen("message/cpim");

	return type && strncasecmp(type, "message/cpim", n) == 0 &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

static int
keep_sip_headers(ingest *g, ims_msg *m, const cpim_sip_msg *sm)
{
	for (size_t i = 0; i < cpim_sip_header_count(sm); i++) {
		cpim_header h;
		cpim_sip_header(&h, sm, i);
		for (int k = 0; kept_sip[k]; k++)
			if (strcasecmp(h.name, kept_sip[k]) == 0 &&
			    add_header(g, m, kept_sip[k], h.value))
				return -1;
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

/* What neither the options nor a CPIM body gave: To, Date, Expires, type. */
static int
sip_rest(ingest *g, ims_msg *m, const cpim_sip_msg *sm)
{
	cpim_sip_addr to;
	uint32_t expires;
	int64_t date;

	if (m->nto == 0) {
		cpim_sip_to(&to, sm);
		if (!(g->to = calloc(1, sizeof(*g->to))))
			return -1;
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
		m->expires = (int64_t)time(NULL) * 1000000 + (int64_t)expires * 1000000;
	if (!m->content_type)
		m->content_type = cpim_sip_content_type(sm);
	if (!m->conversation)
		m->conversation = cpim_sip_find(sm, "Conversation-ID", 0);
	if (!m->message_id) /* no imdn.Message-ID: retransmissions share Call-ID */
		m->message_id = cpim_sip_call_id(sm);
	return keep_sip_headers(g, m, sm);
}

int
ingest_sip(ingest *g, ims_msg *m, const unsigned char *data, size_t len,
           const char *src, int strict, cpim_content *body)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	cpim_error e;
	int rc;

	if (strict)
		o.flags |= CPIM_PARSE_STRICT;
	if ((rc = cpim_sip_parse(&g->sip, data, len, &o, &e)))
		return report("SIP request", src, rc, &e);
	if (strcmp(cpim_sip_method(g->sip), "MESSAGE") != 0) {
		cli_err("cannot store '%s': a %s request, not a MESSAGE", src,
		        cpim_sip_method(g->sip));
		return EXIT_ERR;
	}
	cpim_sip_body(body, g->sip);
	sip_identity(m, g->sip);
	if (is_cpim_type(cpim_sip_content_type(g->sip))) {
		if ((rc = cpim_parse(&g->cpim, body->data, body->len, &o, &e)))
			return report("the message/cpim body of", src, rc, &e);
		if (fill_from_cpim(g, m, g->cpim))
			return cli_fail(ENOMEM, "cannot read '%s'", src);
	}
	if (sip_rest(g, m, g->sip))
		return cli_fail(ENOMEM, "cannot read '%s'", src);
	return 0;
}
