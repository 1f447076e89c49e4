/* history.c - imstore history: the Conversation History function: record,
 * list, show, transcript, rename, delete.  USER is the authenticated user. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { H_FILTER = 100, H_LIMIT, H_URILIST };

static const cli_opt record_opts[] = {
	OPT_INCLUDE(msg_opts, "message options"),
	OPT_END,
};

static const cli_opt list_opts[] = {
	OPT_STRING(H_FILTER, 0, "filter", "FILTER", "only messages matching FILTER"),
	OPT_NUMBER(H_LIMIT, 'n', "limit", "N", 1, 0, "at most N conversations"),
	OPT_END,
};

static const cli_opt show_opts[] = {
	OPT_FILE(H_URILIST, 0, "uri-list", "FILE",
	         "the history references of an RFC 4826 URI-list"),
	OPT_NUMBER(H_LIMIT, 'n', "limit", "N", 1, 0, "at most N messages"),
	OPT_END,
};

static const cli_opt delete_opts[] = {
	OPT_FILE(H_URILIST, 0, "uri-list", "FILE",
	         "the history references of an RFC 4826 URI-list"),
	OPT_STRING(H_FILTER, 0, "filter", "FILTER", "only messages matching FILTER"),
	OPT_END,
};

typedef struct hargs {
	cli *c;
	const char *user;
	const char *filter, *urilist;
	uint64_t limit;
	ims_store *st;
} hargs;

static void
parse_opts(hargs *h, const cli *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		if (o->id == H_FILTER)
			h->filter = o->val;
		if (o->id == H_URILIST)
			h->urilist = o->val;
		if (o->id == H_LIMIT)
			h->limit = o->n;
	}
}

static void
end_record(printer *p)
{
	p->ops->end_map(p);
	p->ops->record_end(p);
}

/* ---------------------------------------------------------------- record */

static int
sub_record(hargs *h)
{
	printer *p = h->c->out;
	char s[IMS_ID_STRLEN + 1];
	ims_errinfo e;
	ims_id id;
	msgin a;
	int rc = EXIT_USAGE, st;

	msgin_init(&a);
	for (size_t i = 0; i < h->c->nopts; i++)
		if (msgin_option(&a, &h->c->opts[i]))
			goto out;
	a.m.owner = h->user;
	if ((rc = msgin_read(&a, h->c->noperands == 2 ? h->c->operands[1] : NULL)))
		goto out;
	if (ims_msg_check(&a.m, &e)) {
		cli_err("cannot record message: %s", e.message);
		rc = EXIT_DATAERR;
		goto out;
	}
	st = ims_history_record(&id, h->st, h->user, &a.m, a.body, a.body_len);
	if (st == IMS_REFUSED) {
		cli_err("not recorded for '%s': history is not active for %s mode", h->user,
		        ims_mode_name(a.m.mode));
		rc = cli_exit_refusal(IMS_REFUSAL_INACTIVE);
		goto out;
	}
	if (st && st != IMS_EXISTS) {
		rc = cli_fail(st, "cannot record message %s for %s",
		              cli_quote(a.m.message_id), cli_quote(h->user));
		goto out;
	}
	ims_id_fmt(s, &id);
	p->ops->begin_map(p);
	p->ops->key(p, "id");
	p->ops->str(p, s);
	p->ops->key(p, "stored");
	p->ops->boolean(p, st == 0);
	end_record(p);
	rc = EXIT_OK;
out:
	msgin_free(&a);
	return rc;
}

/* ---------------------------------------------------------------- list */

/* Tab-separated: conversation, start, end, mode, count, bytes, the
 * participants separated by commas, the name or else the subject. */
static void
conv_row(printer *p, const ims_conversation *cv)
{
	char a[48], b[48], count[24], bytes[24];

	cli_fmt_time(a, sizeof(a), cv->start);
	cli_fmt_time(b, sizeof(b), cv->end);
	snprintf(count, sizeof(count), "%llu", (unsigned long long)cv->count);
	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)cv->bytes);
	print_column(p, cv->id);
	print_column(p, a);
	print_column(p, b);
	print_column(p, ims_mode_name(cv->mode));
	print_column(p, count);
	print_column(p, bytes);
	print_column(p, "");
	for (size_t i = 0; i < cv->nparticipants; i++)
		print_text(p, "%s%s", i ? "," : "", cv->participants[i].uri);
	print_column(p, cv->name ? cv->name : cv->subject ? cv->subject : "");
	p->ops->record_end(p);
}

static void
conv_json(printer *p, const ims_conversation *cv)
{
	p->ops->begin_map(p);
	p->ops->key(p, "conversation");
	p->ops->str(p, cv->id);
	p->ops->key(p, "name");
	p->ops->str(p, cv->name);
	p->ops->key(p, "subject");
	p->ops->str(p, cv->subject);
	p->ops->key(p, "mode");
	p->ops->str(p, ims_mode_name(cv->mode));
	p->ops->key(p, "start");
	print_time(p, cv->start);
	p->ops->key(p, "end");
	print_time(p, cv->end);
	p->ops->key(p, "count");
	p->ops->integer(p, (int64_t)cv->count);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)cv->bytes);
	p->ops->key(p, "participants");
	p->ops->begin_list(p);
	for (size_t i = 0; i < cv->nparticipants; i++) {
		p->ops->begin_map(p);
		p->ops->key(p, "uri");
		p->ops->str(p, cv->participants[i].uri);
		p->ops->key(p, "name");
		p->ops->str(p, cv->participants[i].name);
		p->ops->end_map(p);
	}
	p->ops->end_list(p);
	end_record(p);
}

static int
sub_list(hargs *h)
{
	ims_filter *f = NULL;
	ims_conv_list *l;
	size_t n;
	int rc;

	if (h->filter && (rc = cli_filter_str(&f, h->filter)))
		return rc;
	rc = ims_history_conversations(&l, h->st, h->user, f);
	ims_filter_free(f);
	if (rc)
		return cli_fail(rc, "cannot list the history of '%s'", h->user);
	n = ims_conv_list_count(l);
	if (h->limit && n > h->limit)
		n = (size_t)h->limit;
	if (h->c->format == FMT_XML) {
		char *xml;
		size_t len;
		if ((rc = ims_history_list_xml(&xml, &len, l, h->user)) == 0) {
			h->c->out->ops->raw(h->c->out, xml, len);
			free(xml);
		}
	}
	for (size_t i = 0; h->c->format != FMT_XML && i < n; i++) {
		if (h->c->format == FMT_JSON)
			conv_json(h->c->out, ims_conv_list_get(l, i));
		else
			conv_row(h->c->out, ims_conv_list_get(l, i));
	}
	ims_conv_list_free(l);
	return rc ? cli_fail(rc, "cannot write the history list of '%s'", h->user) : 0;
}

/* ---------------------------------------------------------------- show */

/* The messages of the named conversations, each in received order: the
 * stream a server sends over MSRP. */
static int
show_one(hargs *h, const char *conv, uint64_t *n)
{
	ims_query *q;
	const ims_msg *m;
	int rc;

	if ((rc = ims_history_transcript(&q, h->st, h->user, conv, NULL)))
		return cli_fail(rc, "cannot read conversation '%s'", conv);
	while ((!h->limit || *n < h->limit) && (rc = ims_query_next(&m, q)) == 0) {
		(*n)++;
		if (h->c->format == FMT_JSON) {
			print_msg(h->c->out, m);
			h->c->out->ops->record_end(h->c->out);
		} else {
			print_msg_row(h->c->out, m);
		}
	}
	ims_query_free(q);
	if (rc && rc != IMS_ITEROVER)
		return cli_fail(rc, "cannot read conversation '%s'", conv);
	return 0;
}

static int
sub_show(hargs *h)
{
	cli_names_t names;
	uint64_t n = 0;
	int rc;

	if ((rc = cli_names(&names, h->c->operands + 1, h->c->noperands - 1, h->urilist)))
		return rc;
	if (names.n == 0) {
		cli_err("usage: imstore history show USER CONVERSATION... [--uri-list FILE]");
		rc = EXIT_USAGE;
	}
	for (size_t i = 0; i < names.n && rc == 0; i++)
		rc = show_one(h, names.all[i], &n);
	cli_names_free(&names, h->c->operands + 1);
	return rc;
}

static int
write_out(const void *chunk, size_t len, void *payload)
{
	printer *p = payload;

	return p->ops->raw(p, chunk, len);
}

static int
sub_transcript(hargs *h)
{
	int rc = ims_history_transcript_xml(h->st, h->user, h->c->operands[1], write_out,
	                                    h->c->out);

	return rc ? cli_fail(rc, "cannot write the transcript of '%s'", h->c->operands[1]) : 0;
}

/* ---------------------------------------------------------------- change */

static int
sub_rename(hargs *h)
{
	const char *conv = h->c->operands[1];
	int rc = ims_history_rename(h->st, h->user, conv,
	                            h->c->noperands == 3 ? h->c->operands[2] : NULL);

	if (rc == IMS_NOTFOUND) {
		cli_err("no conversation '%s' in the history of '%s'", conv, h->user);
		return EXIT_NOTFOUND;
	}
	return rc ? cli_fail(rc, "cannot rename '%s'", conv) : 0;
}

static int
sub_delete(hargs *h)
{
	ims_filter *f = NULL;
	cli_names_t names;
	uint64_t n;
	int rc;

	if ((rc = cli_names(&names, h->c->operands + 1, h->c->noperands - 1, h->urilist)))
		return rc;
	if (!h->filter == (names.n == 0)) {
		cli_err("usage: imstore history delete USER CONVERSATION... [--uri-list FILE] | "
		        "imstore history delete USER --filter FILTER");
		rc = EXIT_USAGE;
	}
	if (rc == 0 && h->filter)
		rc = cli_filter_str(&f, h->filter);
	if (rc == 0 && (rc = ims_history_delete(&n, h->st, h->user,
	                                        (const char *const *)(void *)names.all,
	                                        names.n, f)))
		rc = cli_fail(rc, "cannot delete from the history of '%s'", h->user);
	ims_filter_free(f);
	cli_names_free(&names, h->c->operands + 1);
	if (rc)
		return rc;
	h->c->out->ops->begin_map(h->c->out);
	h->c->out->ops->key(h->c->out, "deleted");
	h->c->out->ops->integer(h->c->out, (int64_t)n);
	end_record(h->c->out);
	return 0;
}

/* ---------------------------------------------------------------- dispatch */

/* What every subcommand does first: the options read, the operands and
 * USER checked, the store open. */
static int
with_user(cli *c, size_t min, size_t max, unsigned flags, int (*fn)(hargs *h))
{
	hargs h;
	int rc;

	memset(&h, 0, sizeof(h));
	h.c = c;
	h.user = c->operands[0];
	parse_opts(&h, c);
	if ((rc = cli_open_user(&h.st, c, min, max, flags)))
		return rc;
	rc = fn(&h);
	ims_store_close(h.st);
	return rc;
}

static int run_record(cli *c) { return with_user(c, 1, 2, 0, sub_record); }
static int run_list(cli *c) { return with_user(c, 1, 1, IMS_OPEN_RDONLY, sub_list); }
static int run_show(cli *c) { return with_user(c, 1, SIZE_MAX, IMS_OPEN_RDONLY, sub_show); }
static int
run_transcript(cli *c)
{
	return with_user(c, 2, 2, IMS_OPEN_RDONLY, sub_transcript);
}
static int run_rename(cli *c) { return with_user(c, 2, 3, 0, sub_rename); }
static int run_delete(cli *c) { return with_user(c, 1, SIZE_MAX, 0, sub_delete); }

static const cli_cmd history_subs[] = {
	{ "record", run_record, "USER [FILE | -]",
	  "record a message of a conversation of USER", record_opts, FMTS_TEXT_JSON, NULL },
	{ "list", run_list, "USER", "list the conversations in the history of USER",
	  list_opts, FMTS_ALL, NULL },
	{ "show", run_show, "USER CONVERSATION...",
	  "the messages of conversations, each in received order", show_opts,
	  FMTS_TEXT_JSON, NULL },
	{ "transcript", run_transcript, "USER CONVERSATION",
	  "a conversation as a transcript document (XML)", NULL, FMTS_ALL, NULL },
	{ "rename", run_rename, "USER CONVERSATION [NAME]",
	  "give a conversation a name, or take it away", NULL, FMTS_TEXT_JSON, NULL },
	{ "delete", run_delete, "USER CONVERSATION...",
	  "delete conversations, or messages, from the history of USER", delete_opts,
	  FMTS_TEXT_JSON, NULL },
	CLI_SUBS_END,
};

const cli_cmd cmd_history = {
	"history", NULL, "SUBCOMMAND USER [ARGS...]",
	"the Conversation History function: record, list, show, transcript, rename, delete",
	NULL, FMTS_ALL, history_subs,
};
