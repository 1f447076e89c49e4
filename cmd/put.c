/* put.c - imstore put: store one message from a file or stdin. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { P_OWNER = 100, P_FOLDER, P_STATE, P_EXPIRED };

/* A keyword's words in the order of its ims_ enum: put_option() reads the
 * index the parser matched. */
static const cli_opt put_opts[] = {
	OPT_STRING(P_OWNER, 'o', "owner", "ADDR", "the IM address whose store it is (required unless the input gives it)"),
	OPT_KEYWORD(P_FOLDER, 0, "folder", "FOLDER", "deferred history", "folder, deferred by default"),
	OPT_KEYWORD(P_STATE, 0, "state", "STATE", "stored pending delivering delivered failed",
	            "initial state, pending in deferred and stored in history by default"),
	OPT_FLAG(P_EXPIRED, 0, "expired", "store a deferred message whose --expires has passed (a restore, a test)"),
	OPT_INCLUDE(msg_opts, "message options"),
	OPT_END,
};

static int
put_option(msgin *a, const cli_arg *o, int *state_set, int *expired)
{
	switch (o->id) {
	case P_EXPIRED: *expired = 1; return 0;
	case P_OWNER: a->m.owner = o->val; return 0;
	case P_FOLDER: a->m.folder = (ims_folder)(IMS_FOLDER_DEFERRED + o->word); return 0;
	case P_STATE:
		*state_set = 1;
		a->m.state = (ims_state)(IMS_STATE_STORED + o->word);
		return 0;
	default:
		return msgin_option(a, o);
	}
}

static int
report(cli *c, const ims_id *id, int existed)
{
	char s[IMS_ID_STRLEN + 1];

	ims_id_fmt(s, id);
	if (c->format != FMT_JSON) {
		print_line(c->out, "%s", s);
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
store(cli *c, msgin *a, const void *body, size_t len)
{
	ims_errinfo e;
	ims_store *st;
	ims_id id;
	int rc;

	if (ims_msg_check(&a->m, &e)) {
		cli_err("cannot store message: %s", e.message);
		return EXIT_DATAERR;
	}
	if ((rc = cli_open(&st, c, 0)))
		return rc;
	rc = ims_put(&id, st, &a->m, body, len);
	ims_store_close(st);
	if (rc == 0 || rc == IMS_EXISTS)
		return report(c, &id, rc == IMS_EXISTS);
	return cli_fail(rc, "cannot store message %s for %s",
	                cli_quote(a->m.message_id), cli_quote(a->m.owner));
}

/* A deferred message already expired is refused, as ims_deferred_store()
 * refuses it (deferred store): the sweep would only remove it. */
static int
refuse_expired(const cli *c, const msgin *a)
{
	if (a->m.folder != IMS_FOLDER_DEFERRED || a->m.expires == IMS_TIME_NONE ||
	    a->m.expires > c->now)
		return 0;
	cli_err("not stored for %s: %s (--expires has passed; --expired stores it)",
	        cli_quote(a->m.owner), ims_refusal_name(IMS_REFUSAL_EXPIRED));
	return cli_exit_refusal(IMS_REFUSAL_EXPIRED);
}

static int
run_put(cli *c)
{
	msgin a;
	int rc = EXIT_USAGE, state_set = 0, expired = 0;

	msgin_init(&a);
	for (size_t i = 0; i < c->nopts; i++)
		if (put_option(&a, &c->opts[i], &state_set, &expired))
			goto out;
	if (c->noperands > 1) {
		cli_err("put takes at most one FILE");
		goto out;
	}
	if ((rc = msgin_read(&a, c->noperands ? c->operands[0] : NULL)))
		goto out;
	if (!state_set)
		a.m.state = a.m.folder == IMS_FOLDER_HISTORY ? IMS_STATE_STORED
		                                             : IMS_STATE_PENDING;
	if (!expired && (rc = refuse_expired(c, &a)))
		goto out;
	rc = store(c, &a, a.body, a.body_len);
out:
	msgin_free(&a);
	return rc;
}

const cli_cmd cmd_put = {
	"put", run_put, "[FILE | -]", "store one message (body from FILE or stdin)",
	put_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
