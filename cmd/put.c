/* put.c - imstore put: store one message from a file or stdin. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum {
	P_OWNER = 100, P_FOLDER, P_MODE, P_FROM, P_TO, P_CC, P_TYPE, P_SUBJECT,
	P_MSGID, P_CONV, P_EXPIRES, P_RECEIVED, P_SENT, P_STATE, P_HEADER,
	P_CPIM, P_SIP, P_STRICT,
};

static const cli_opt put_opts[] = {
	{ P_OWNER, 'o', "owner", "ADDR", NULL, "the IM address whose store it is (required unless the input gives it)" },
	{ P_FOLDER, 0, "folder", "FOLDER", "deferred history", "deferred (default) or history" },
	{ P_MODE, 0, "mode", "MODE", "pager large session", "pager (default), large or session" },
	{ P_FROM, 'f', "from", "ADDR", NULL, "originator, optionally as 'Name <uri>' (required unless the input gives it)" },
	{ P_TO, 't', "to", "ADDR", NULL, "a To recipient (repeatable)" },
	{ P_CC, 0, "cc", "ADDR", NULL, "a cc recipient (repeatable)" },
	{ P_TYPE, 0, "type", "TYPE", NULL, "content type with parameters (default text/plain)" },
	{ P_SUBJECT, 0, "subject", "TEXT", NULL, "subject" },
	{ P_MSGID, 'm', "message-id", "ID", NULL, "Message-ID, unique per owner and folder (required unless the input gives it)" },
	{ P_CONV, 0, "conversation", "ID", NULL, "conversation or session identity" },
	{ P_EXPIRES, 0, "expires", "TIME", NULL, "expiry: a UTC time or a duration from now (72h)" },
	{ P_RECEIVED, 0, "received", "TIME", NULL, "time received by the server (default now)" },
	{ P_SENT, 0, "sent", "TIME", NULL, "time sent (DateTime), kept as text too" },
	{ P_STATE, 0, "state", "STATE", "stored pending delivering delivered failed",
	  "initial state (default pending in deferred, stored in history)" },
	{ P_HEADER, 'H', "header", "'NAME: VALUE'", NULL, "an original header to keep (repeatable)" },
	{ P_CPIM, 0, "cpim", "FILE", "file",
	  "read a Message/CPIM payload ('-': stdin): metadata from its headers" },
	{ P_SIP, 0, "sip", "FILE", "file",
	  "read a raw SIP MESSAGE request ('-': stdin): metadata from its headers" },
	{ P_STRICT, 0, "strict", NULL, NULL, "parse --cpim and --sip input strictly (RFC 3862)" },
	{ 0, 0, NULL, NULL, NULL, NULL },
};

typedef struct put_args {
	ims_msg m;
	ims_addr *to, *cc;
	ims_header *hdrs;
	int state_set;
	char **owned;         /* copies of option values the above point into */
	size_t nowned;
	const char *cpim, *sip; /* --cpim / --sip input */
	int strict;
} put_args;

static char *
own(put_args *a, const char *val)
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

/* "Name <uri>" or "\"Name\" <uri>" or "uri" -> name (or NULL) and uri. */
static int
split_addr(ims_addr *out, char *s)
{
	char *lt = strchr(s, '<'), *gt;

	out->name = NULL;
	out->uri = s;
	if (!lt)
		return 0;
	if (!(gt = strchr(lt, '>')) || gt[1] != '\0')
		return -1;
	*gt = '\0';
	out->uri = lt + 1;
	while (lt > s && (lt[-1] == ' ' || lt[-1] == '\t'))
		lt--;
	*lt = '\0';
	if (*s == '"' && lt > s + 1 && lt[-1] == '"') {
		lt[-1] = '\0';
		s++;
	}
	out->name = *s ? s : NULL;
	return 0;
}

static int
add_addr(put_args *pa, ims_addr **v, size_t *n, const char *val)
{
	ims_addr *a = realloc(*v, (*n + 1) * sizeof(*a));
	char *copy;

	if (!a)
		return -1;
	*v = a;
	if (!(copy = own(pa, val)))
		return -1;
	if (split_addr(&a[*n], copy)) {
		cli_err("invalid address '%s'", val);
		return -1;
	}
	(*n)++;
	return 0;
}

static int
add_header(put_args *a, const char *val)
{
	ims_header *h = realloc(a->hdrs, (a->m.nheaders + 1) * sizeof(*h));
	char *copy, *colon;

	if (!h)
		return -1;
	a->hdrs = h;
	if (!(copy = own(a, val)))
		return -1;
	if (!(colon = strchr(copy, ':')) || colon == copy) {
		cli_err("invalid header '%s' (expected 'NAME: VALUE')", val);
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

static int
time_opt(int64_t *out, const char *name, const char *val)
{
	if (cli_parse_time(out, val, (int64_t)time(NULL) * 1000000) == 0)
		return 0;
	cli_err("invalid time '%s' for --%s (expected 2026-01-31T10:00:00Z or 72h)",
	        val, name);
	return -1;
}

static int
one_arg(put_args *a, const cli_arg *o)
{
	ims_msg *m = &a->m;

	switch (o->id) {
	case P_OWNER: m->owner = o->val; return 0;
	case P_FOLDER:
		if (ims_folder_parse(&m->folder, o->val) == 0)
			return 0;
		cli_err("unknown folder '%s' (expected deferred or history)", o->val);
		return -1;
	case P_MODE:
		if (ims_mode_parse(&m->mode, o->val) == 0)
			return 0;
		cli_err("unknown mode '%s' (expected pager, large or session)", o->val);
		return -1;
	case P_STATE:
		a->state_set = 1;
		if (ims_state_parse(&m->state, o->val) == 0)
			return 0;
		cli_err("unknown state '%s'", o->val);
		return -1;
	case P_FROM: {
		char *copy = own(a, o->val);
		if (copy && split_addr(&m->from, copy) == 0)
			return 0;
		cli_err("invalid address '%s'", o->val);
		return -1;
	}
	case P_TO: return add_addr(a, &a->to, &m->nto, o->val);
	case P_CC: return add_addr(a, &a->cc, &m->ncc, o->val);
	case P_TYPE: m->content_type = o->val; return 0;
	case P_SUBJECT: m->subject = o->val; return 0;
	case P_MSGID: m->message_id = o->val; return 0;
	case P_CONV: m->conversation = o->val; return 0;
	case P_EXPIRES: return time_opt(&m->expires, "expires", o->val);
	case P_RECEIVED: return time_opt(&m->received, "received", o->val);
	case P_SENT:
		m->sent_text = o->val;
		return time_opt(&m->sent, "sent", o->val);
	case P_HEADER: return add_header(a, o->val);
	case P_CPIM: a->cpim = o->val; return 0;
	case P_SIP: a->sip = o->val; return 0;
	case P_STRICT: a->strict = 1; return 0;
	default: return 0;
	}
}

static int
check_required(const put_args *a)
{
	const char *missing = !a->m.owner ? "--owner" : !a->m.from.uri ? "--from"
	                    : !a->m.message_id ? "--message-id" : NULL;

	if (!missing)
		return 0;
	cli_err("put needs %s%s", missing, a->cpim || a->sip
	        ? " (the input does not give it)" : "");
	return -1;
}

static void
free_args(put_args *a)
{
	for (size_t i = 0; i < a->nowned; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->to);
	free(a->cc);
	free(a->hdrs);
}

static int
report(cli *c, const ims_id *id, int existed)
{
	char s[IMS_ID_STRLEN + 1];

	ims_id_fmt(s, id);
	if (c->format != FMT_JSON) {
		printf("%s\n", s);
		return EXIT_OK;
	}
	c->out->ops->begin_map(c->out);
	c->out->ops->key(c->out, "id");
	c->out->ops->str(c->out, s);
	c->out->ops->key(c->out, "stored");
	c->out->ops->boolean(c->out, !existed);
	c->out->ops->end_map(c->out);
	c->out->ops->record_end(c->out);
	return EXIT_OK;
}

static int
store(cli *c, put_args *a, const void *body, size_t len)
{
	ims_errinfo e;
	ims_store *st;
	ims_id id;
	int rc;

	if (ims_msg_check(&a->m, &e)) {
		cli_err("cannot store message: %s", e.message);
		return EXIT_ERR;
	}
	if ((rc = cli_open(&st, c, 0)))
		return rc;
	rc = ims_put(&id, st, &a->m, body, len);
	ims_store_close(st);
	if (rc == 0 || rc == IMS_EXISTS)
		return report(c, &id, rc == IMS_EXISTS);
	return cli_fail(rc, "cannot store message '%.40s' for '%.80s'",
	                a->m.message_id, a->m.owner);
}

/* Read the input, take metadata from it (--cpim, --sip), then store. */
static int
ingest_and_store(cli *c, put_args *a)
{
	const char *path = a->cpim ? a->cpim : a->sip ? a->sip
	                 : c->noperands ? c->operands[0] : "-";
	unsigned char *data = NULL;
	cpim_content body = { NULL, 0, 0 };
	size_t len = 0;
	ingest g;
	int mapped = 0, rc;

	memset(&g, 0, sizeof(g));
	if ((rc = cli_read_input(&data, &len, &mapped, path)))
		return cli_fail(rc, "cannot read '%s'", path);
	body.data = data;
	body.len = len;
	if (a->cpim)
		rc = ingest_cpim(&g, &a->m, data, len, path, a->strict);
	else if (a->sip)
		rc = ingest_sip(&g, &a->m, data, len, path, a->strict, &body);
	if (rc == 0)
		rc = check_required(a) ? EXIT_USAGE : 0;
	if (rc == 0) {
		if (!a->state_set)
			a->m.state = a->m.folder == IMS_FOLDER_HISTORY
			           ? IMS_STATE_STORED : IMS_STATE_PENDING;
		rc = store(c, a, body.data, body.len);
	}
	ingest_free(&g);
	cli_free_input(data, len, mapped);
	return rc;
}

static int
run_put(cli *c)
{
	put_args a;
	int rc = EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	a.m = (ims_msg)IMS_MSG_INIT;
	for (size_t i = 0; i < c->nopts; i++)
		if (one_arg(&a, &c->opts[i]))
			goto out;
	if (c->noperands > 1 || (c->noperands && (a.cpim || a.sip))) {
		cli_err("put takes at most one FILE, and none with --cpim or --sip");
		goto out;
	}
	if (a.cpim && a.sip) {
		cli_err("--cpim and --sip cannot be combined");
		goto out;
	}
	a.m.to = a.to;
	a.m.cc = a.cc;
	rc = ingest_and_store(c, &a);
out:
	free_args(&a);
	return rc;
}

const cli_cmd cmd_put = {
	"put", run_put, "[FILE | -]", "store one message (body from FILE or stdin)",
	put_opts, 1u << FMT_TEXT | 1u << FMT_JSON,
};
