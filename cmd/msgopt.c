/* msgopt.c - the options and inputs that describe a message, shared by
 * every command that stores one (put, deferred store, history record):
 * metadata options, and --cpim / --sip input, which libimstore reads
 * (ims_ingest_cpim(), ims_ingest_sip()) to fill what the options left unset. */
#include <stdlib.h>
#include <string.h>

#include "cpim.h"
#include "cli.h"

/* Values parsed by their type (opt.c) before msgin_option() sees them; a
 * keyword's words in the order of its ims_ enum. */
const cli_opt msg_opts[] = {
	OPT_KEYWORD(MO_MODE, 0, "mode", "MODE", "pager large session", "mode, pager by default"),
	OPT_STRING(MO_FROM, 'f', "from", "ADDR", "originator, optionally as 'Name <uri>' (required unless the input gives it)"),
	OPT_STRING(MO_TO, 't', "to", "ADDR", "a To recipient (repeatable)"),
	OPT_STRING(MO_CC, 0, "cc", "ADDR", "a cc recipient (repeatable)"),
	OPT_STRING(MO_TYPE, 0, "type", "TYPE", "content type with parameters (default text/plain)"),
	OPT_STRING(MO_SUBJECT, 0, "subject", "TEXT", "subject"),
	OPT_STRING(MO_MSGID, 'm', "message-id", "ID", "Message-ID, unique per owner and folder (required unless the input gives it)"),
	OPT_STRING(MO_CONV, 0, "conversation", "ID", "conversation or session identity"),
	OPT_TIME(MO_EXPIRES, 0, "expires", "TIME", 0, "expiry: a UTC time or a duration from now (72h)"),
	OPT_TIME(MO_RECEIVED, 0, "received", "TIME", 0, "time received by the server (default now)"),
	OPT_TIME(MO_SENT, 0, "sent", "TIME", 0, "time sent (DateTime), kept as text too"),
	OPT_STRING(MO_HEADER, 'H', "header", "'NAME: VALUE'", "an original header to keep (repeatable)"),
	OPT_FILE(MO_CPIM, 0, "cpim", "FILE",
	  "read a Message/CPIM payload ('-': stdin): metadata from its headers"),
	OPT_FILE(MO_SIP, 0, "sip", "FILE",
	  "read a raw SIP MESSAGE request ('-': stdin): metadata from its headers"),
	OPT_FLAG(MO_STRICT, 0, "strict", "parse --cpim and --sip input strictly (RFC 3862)"),
	OPT_END,
};

void
msgin_init(msgin *a)
{
	memset(a, 0, sizeof(*a));
	a->m = (ims_msg)IMS_MSG_INIT;
}

static char *
own(msgin *a, const char *val)
{
	char **v = realloc(a->owned, (a->nowned + 1) * sizeof(*v));
	char *copy;

	if (!v)
		return NULL;
	a->owned = v;
	if (!(copy = strdup(val)))
		return NULL;
	return v[a->nowned++] = copy;
}

/* An address as a CPIM From, To or cc header gives it, or a bare URI: read
 * by libcpim's one address parser (cpim_addr_parse()). */
static int
parse_addr(msgin *pa, ims_addr *out, const char *val)
{
	cpim_addr ca;
	cpim_buf mem;
	cpim_error e;
	int rc;

	if ((rc = cpim_addr_parse(&ca, &mem, val, 0, &e))) {
		cli_err("invalid address %s: %s", cli_quote(val), e.message);
		return -1;
	}
	out->name = ca.name ? own(pa, ca.name) : NULL;
	out->uri = own(pa, ca.uri);
	cpim_buf_free(&mem);
	if (!out->uri || (ca.name && !out->name)) {
		cli_err("out of memory");
		return -1;
	}
	return 0;
}

static int
add_addr(msgin *pa, ims_addr **v, size_t *n, const char *val)
{
	ims_addr *a = realloc(*v, (*n + 1) * sizeof(*a));

	if (!a)
		return -1;
	*v = a;
	if (parse_addr(pa, &a[*n], val))
		return -1;
	(*n)++;
	return 0;
}

static int
add_header(msgin *a, const char *val)
{
	ims_header *h = realloc(a->hdrs, (a->m.nheaders + 1) * sizeof(*h));
	char *copy, *colon;

	if (!h)
		return -1;
	a->hdrs = h;
	if (!(copy = own(a, val)))
		return -1;
	if (!(colon = strchr(copy, ':')) || colon == copy) {
		cli_err("invalid header %s (expected 'NAME: VALUE')", cli_quote(val));
		return -1;
	}
	*colon++ = '\0';
	while (*colon == ' ')
		colon++;
	h[a->m.nheaders].name = copy;
	h[a->m.nheaders].value = colon;
	a->m.nheaders++;
	a->m.headers = a->hdrs;
	return 0;
}

int
msgin_option(msgin *a, const cli_arg *o)
{
	ims_msg *m = &a->m;

	switch (o->id) {
	case MO_MODE: m->mode = (ims_mode)(IMS_MODE_PAGER + o->word); return 0;
	case MO_FROM: return parse_addr(a, &m->from, o->val);
	case MO_TO: return add_addr(a, &a->to, &m->nto, o->val);
	case MO_CC: return add_addr(a, &a->cc, &m->ncc, o->val);
	case MO_TYPE: m->content_type = o->val; return 0;
	case MO_SUBJECT: m->subject = o->val; return 0;
	case MO_MSGID: m->message_id = o->val; return 0;
	case MO_CONV: m->conversation = o->val; return 0;
	case MO_EXPIRES: m->expires = o->t; return 0;
	case MO_RECEIVED: m->received = o->t; return 0;
	case MO_SENT: m->sent_text = o->val; m->sent = o->t; return 0;
	case MO_HEADER: return add_header(a, o->val);
	case MO_CPIM: a->cpim = o->val; return 0;
	case MO_SIP: a->sip = o->val; return 0;
	case MO_STRICT: a->strict = 1; return 0;
	default: return 0;
	}
}

static int
check_required(const msgin *a)
{
	const char *missing = !a->m.owner ? "--owner" : !a->m.from.uri ? "--from"
	                    : !a->m.message_id ? "--message-id" : NULL;

	if (!missing)
		return 0;
	cli_err("the message needs %s%s", missing, a->cpim || a->sip
	        ? " (the input does not give it)" : "");
	return -1;
}

void
msgin_free(msgin *a)
{
	for (size_t i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	free(a->owned);
	ims_ingest_free(a->g);
	if (a->data)
		cli_free_input(a->data, a->len, a->mapped);
	free(a->to);
	free(a->cc);
	free(a->hdrs);
}

/* A failed ingest, in the words imstore(1) has always used. */
static int
ingest_report(const char *src, int rc, const ims_ingest_error *e)
{
	static const char *const part[] = {
		[IMS_INGEST_PART_CPIM] = "message/cpim",
		[IMS_INGEST_PART_SIP] = "SIP request",
		[IMS_INGEST_PART_SIP_BODY] = "the message/cpim body of",
	};

	switch (e->part) {
	case IMS_INGEST_PART_CPIM:
	case IMS_INGEST_PART_SIP:
	case IMS_INGEST_PART_SIP_BODY:
		cli_err("cannot parse %s '%s': %s", part[e->part], src, e->message);
		return EXIT_DATAERR;
	case IMS_INGEST_PART_METHOD:
		cli_err("cannot store '%s': %s", src, e->message);
		return EXIT_DATAERR;
	default:
		return cli_fail(rc, "cannot read '%s'", src);
	}
}

/* --cpim or --sip: the library fills what the options left unset. */
static int
ingest(msgin *a, const char *src)
{
	ims_ingest_opts o = IMS_INGEST_OPTS_INIT;
	ims_ingest_error e;
	int rc;

	if (a->strict)
		o.flags |= IMS_INGEST_STRICT;
	if (a->cpim)
		rc = ims_ingest_cpim(&a->g, &a->m, a->data, a->len, &o, &e);
	else
		rc = ims_ingest_sip(&a->g, &a->m, a->data, a->len, &o, &e);
	if (rc)
		return ingest_report(src, rc, &e);
	ims_ingest_body(&a->body, &a->body_len, a->g);
	/* stored all the same: the owner's copy is what was received */
	if (a->m.from.uri && ims_addr_is_anonymous(a->m.from.uri))
		cli_err("warning: the originator of %s is anonymous (%s, RFC 3323 "
		        "privacy): give --from (with --sip, a P-Asserted-Identity does) to "
		        "file it under the real sender",
		        cli_quote(src), cli_quote(a->m.from.uri));
	return 0;
}

/* Read the input (--cpim, --sip, the FILE operand or stdin), take metadata
 * from it, check what is required.  Returns 0 or an exit code. */
int
msgin_read(msgin *a, const char *operand)
{
	const char *path = a->cpim ? a->cpim : a->sip ? a->sip : operand ? operand : "-";
	int rc;

	if (a->cpim && a->sip) {
		cli_err("--cpim and --sip cannot be combined");
		return EXIT_USAGE;
	}
	if (operand && (a->cpim || a->sip)) {
		cli_err("a FILE operand cannot be combined with --cpim or --sip");
		return EXIT_USAGE;
	}
	a->m.to = a->to;
	a->m.cc = a->cc;
	if ((rc = cli_read_input(&a->data, &a->len, &a->mapped, path)))
		return cli_fail(rc, "cannot read '%s'", path);
	a->body = a->data;
	a->body_len = a->len;
	if ((a->cpim || a->sip) && (rc = ingest(a, path)))
		return rc;
	return check_required(a) ? EXIT_USAGE : 0;
}
