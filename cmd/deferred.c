/* deferred.c - imstore deferred: the Deferred Messaging function as the IM
 * server calls it, for operators and tests: store, summary, lease, ack,
 * release, delete, on-register.  USER is the authenticated user. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { D_DURATION = 100, D_URILIST, D_FILTER, D_LIMIT, D_USER };

static const cli_opt store_opts[] = {
	OPT_INCLUDE(msg_opts, "message options"),
	OPT_END,
};

static const cli_opt summary_opts[] = {
	OPT_STRING(D_FILTER, 0, "filter", "FILTER", "only the messages matching FILTER"),
	OPT_NUMBER(D_LIMIT, 'n', "limit", "N", 1, 0, "at most N messages"),
	OPT_END,
};

static const cli_opt lease_opts[] = {
	OPT_DURATION(D_DURATION, 0, "duration", "DUR", 1,
	             "how long the lease holds (default: the store's)"),
	OPT_FILE(D_URILIST, 0, "uri-list", "FILE", "the Message-IDs of an RFC 4826 URI-list"),
	OPT_END,
};

static const cli_opt delete_opts[] = {
	OPT_FILE(D_URILIST, 0, "uri-list", "FILE", "the Message-IDs of an RFC 4826 URI-list"),
	OPT_STRING(D_FILTER, 0, "filter", "FILTER", "only the messages matching FILTER"),
	OPT_END,
};

static const cli_opt register_opts[] = {
	OPT_DURATION(D_DURATION, 0, "duration", "DUR", 1,
	             "how long the lease of a push holds (default: the store's)"),
	OPT_END,
};

static const cli_opt retry_opts[] = {
	OPT_STRING(D_USER, 'u', "user", "USER", "only the messages of USER"),
	OPT_END,
};

typedef struct dargs {
	cli *c;
	const char *user;
	int64_t duration;
	const char *urilist, *filter;
	uint64_t limit;
	char **ids;          /* Message-IDs: operands, then the URI-list's */
	size_t nids;
	cli_names_t names;
	ims_store *st;
} dargs;

static void
parse_opts(dargs *d, const cli *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		switch (o->id) {
		case D_DURATION: d->duration = o->t; break;
		case D_URILIST: d->urilist = o->val; break;
		case D_FILTER: d->filter = o->val; break;
		case D_LIMIT: d->limit = o->n; break;
		default: break;
		}
	}
}

/* Message-IDs from the operands after USER and from --uri-list. */
static int
gather_ids(dargs *d)
{
	int rc = cli_names(&d->names, d->c->operands + 1, d->c->noperands - 1, d->urilist);

	d->ids = d->names.all;
	d->nids = d->names.n;
	return rc;
}

static void
kv_int(printer *p, const char *key, int64_t v)
{
	p->ops->key(p, key);
	p->ops->integer(p, v);
}

static void
kv_str(printer *p, const char *key, const char *v)
{
	p->ops->key(p, key);
	p->ops->str(p, v);
}

/* ---------------------------------------------------------------- store */

/* STORED (the server answers 202) or NOT STORED with the reason (480). */
static int
store_result(dargs *d, int rc, const ims_id *id, ims_refusal why)
{
	printer *p = d->c->out;
	int stored = rc != IMS_REFUSED;
	char s[IMS_ID_STRLEN + 1];

	ims_id_fmt(s, id);
	p->ops->begin_map(p);
	kv_str(p, "result", stored ? "stored" : "not-stored");
	kv_str(p, stored ? "id" : "reason", stored ? s : ims_refusal_name(why));
	p->ops->end_map(p);
	p->ops->record_end(p);
	if (stored)
		return EXIT_OK;
	cli_err("not stored for '%s': %s", d->user, ims_refusal_name(why));
	return cli_exit_refusal(why);
}

static int
sub_store(dargs *d)
{
	msgin a;
	ims_refusal why;
	ims_id id;
	ims_errinfo e;
	int rc = EXIT_USAGE, st;

	msgin_init(&a);
	for (size_t i = 0; i < d->c->nopts; i++)
		if (msgin_option(&a, &d->c->opts[i]))
			goto out;
	a.m.owner = d->user;
	if ((rc = msgin_read(&a, d->c->noperands == 2 ? d->c->operands[1] : NULL)))
		goto out;
	if (ims_msg_check(&a.m, &e)) {
		cli_err("cannot store message: %s", e.message);
		rc = EXIT_DATAERR;
		goto out;
	}
	st = ims_deferred_store(&id, &why, d->st, &a.m, a.body, a.body_len);
	if (st == 0 || st == IMS_EXISTS || st == IMS_REFUSED)
		rc = store_result(d, st, &id, why);
	else
		rc = cli_fail(st, "cannot store message %s for %s",
		              cli_quote(a.m.message_id), cli_quote(d->user));
out:
	msgin_free(&a);
	return rc;
}

/* ---------------------------------------------------------------- summary */

static int
sub_summary(dargs *d)
{
	ims_filter *f = NULL;
	ims_query *q;
	const ims_msg *m;
	uint64_t n = 0;
	int rc;

	if (d->filter && (rc = cli_filter_str(&f, d->filter)))
		return rc;
	rc = ims_deferred_query(&q, d->st, d->user, f, NULL);
	if (rc == 0 && d->c->format == FMT_XML) {
		char *xml;
		size_t len;
		if ((rc = ims_deferred_list_xml(&xml, &len, q, (size_t)d->limit)) == 0) {
			d->c->out->ops->raw(d->c->out, xml, len);
			free(xml);
		}
	} else if (rc == 0) {
		while ((!d->limit || n < d->limit) && (rc = ims_query_next(&m, q)) == 0) {
			n++;
			if (d->c->format == FMT_JSON) {
				print_msg(d->c->out, m);
				d->c->out->ops->record_end(d->c->out);
			} else {
				print_msg_row(d->c->out, m);
			}
		}
		rc = rc == IMS_ITEROVER ? 0 : rc;
	}
	ims_query_free(q);
	ims_filter_free(f);
	return rc ? cli_fail(rc, "cannot list the deferred messages of '%s'", d->user) : 0;
}

/* ---------------------------------------------------------------- lease */

static void
print_lease(dargs *d, const ims_lease *l)
{
	printer *p = d->c->out;
	char t[48];

	if (d->c->format != FMT_JSON) {
		cli_fmt_time(t, sizeof(t), ims_lease_deadline(l));
		print_line(p, "lease %s until %s, %zu message%s", ims_lease_count(l)
		           ? ims_lease_token(l) : "-", t, ims_lease_count(l),
		           ims_lease_count(l) == 1 ? "" : "s");
		for (size_t i = 0; i < ims_lease_count(l); i++)
			print_msg_row(p, ims_lease_msg(l, i));
		return;
	}
	p->ops->key(p, "lease");
	p->ops->str(p, ims_lease_count(l) ? ims_lease_token(l) : NULL);
	p->ops->key(p, "deadline");
	print_time(p, ims_lease_deadline(l));
	p->ops->key(p, "messages");
	p->ops->begin_list(p);
	for (size_t i = 0; i < ims_lease_count(l); i++)
		print_msg(p, ims_lease_msg(l, i));
	p->ops->end_list(p);
}

static int
sub_lease(dargs *d)
{
	ims_lease *l;
	int rc;

	if ((rc = gather_ids(d)))
		return rc;
	rc = ims_deferred_lease(&l, d->st, d->user, (const char *const *)d->ids, d->nids,
	                        d->duration);
	if (rc)
		return cli_fail(rc, "cannot lease the deferred messages of '%s'", d->user);
	if (d->c->format == FMT_JSON)
		d->c->out->ops->begin_map(d->c->out);
	print_lease(d, l);
	if (d->c->format == FMT_JSON) {
		d->c->out->ops->end_map(d->c->out);
		d->c->out->ops->record_end(d->c->out);
	}
	ims_lease_free(l);
	return 0;
}

static int
sub_settle(dargs *d, int ack)
{
	const char *token = d->c->operands[1];
	uint64_t n;
	int rc;

	rc = (ack ? ims_deferred_ack : ims_deferred_release)(&n, d->st, d->user, token);
	if (rc == IMS_NOTFOUND || rc == IMS_INVALID) {
		cli_err("no lease '%s' for '%s'", token, d->user);
		return EXIT_NOTFOUND;
	}
	if (rc)
		return cli_fail(rc, "cannot settle lease '%s'", token);
	d->c->out->ops->begin_map(d->c->out);
	kv_int(d->c->out, ack ? "acknowledged" : "released", (int64_t)n);
	d->c->out->ops->end_map(d->c->out);
	d->c->out->ops->record_end(d->c->out);
	return 0;
}

/* ---------------------------------------------------------------- delete */

static int
sub_delete(dargs *d)
{
	ims_filter *f = NULL;
	uint64_t n;
	int rc;

	if ((rc = gather_ids(d)))
		return rc;
	if (!d->filter && d->nids == 0) {
		cli_err("deferred delete needs Message-IDs, --uri-list or --filter");
		return EXIT_USAGE;
	}
	if (d->filter && d->nids) {
		cli_err("give Message-IDs or --filter, not both");
		return EXIT_USAGE;
	}
	if (d->filter && (rc = cli_filter_str(&f, d->filter)))
		return rc;
	rc = ims_deferred_delete(&n, d->st, d->user, (const char *const *)d->ids, d->nids, f);
	ims_filter_free(f);
	if (rc)
		return cli_fail(rc, "cannot delete deferred messages of '%s'", d->user);
	d->c->out->ops->begin_map(d->c->out);
	kv_int(d->c->out, "deleted", (int64_t)n);
	d->c->out->ops->end_map(d->c->out);
	d->c->out->ops->record_end(d->c->out);
	return 0;
}

/* ---------------------------------------------------------------- register */

static int
sub_register(dargs *d)
{
	static const char *const actions[] = { "nothing", "push", "notify" };
	printer *p = d->c->out;
	ims_register r;
	int rc = ims_deferred_on_register(&r, d->st, d->user, d->duration);

	if (rc)
		return cli_fail(rc, "cannot decide the registration of '%s'", d->user);
	if (d->c->format != FMT_JSON) {
		print_line(p, "%s %llu", actions[r.action], (unsigned long long)r.waiting);
		if (r.lease)
			print_lease(d, r.lease);
		if (r.summary)
			p->ops->raw(p, r.summary, r.summary_len);
	} else {
		p->ops->begin_map(p);
		kv_str(p, "action", actions[r.action]);
		kv_int(p, "waiting", (int64_t)r.waiting);
		if (r.lease)
			print_lease(d, r.lease);
		if (r.summary)
			kv_str(p, "summary", r.summary);
		p->ops->end_map(p);
		p->ops->record_end(p);
	}
	ims_register_clear(&r);
	return 0;
}

/* ---------------------------------------------------------------- retry */

/* imstore deferred retry [--user USER] [FILTER...]: not under with_user,
 * its user is an option and optional. */
static int
run_retry(cli *c)
{
	const char *user = NULL;
	ims_filter *f = NULL;
	ims_store *st;
	uint64_t n = 0;
	int rc;

	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].id == D_USER)
			user = c->opts[i].val;
	if (user && (rc = cli_check_user(user)))
		return rc;
	if (c->noperands && (rc = cli_filter(&f, c->operands, c->noperands)))
		return rc;
	if ((rc = cli_open(&st, c, 0)) == 0) {
		if ((rc = ims_deferred_retry(&n, st, user, f)))
			rc = cli_fail(rc, "cannot retry deferred messages (%llu handed back)",
			              (unsigned long long)n);
		ims_store_close(st);
	}
	ims_filter_free(f);
	if (rc)
		return rc;
	c->out->ops->begin_map(c->out);
	kv_int(c->out, "retried", (int64_t)n);
	c->out->ops->end_map(c->out);
	c->out->ops->record_end(c->out);
	return 0;
}

/* ---------------------------------------------------------------- dispatch */

static int sub_ack(dargs *d) { return sub_settle(d, 1); }
static int sub_release(dargs *d) { return sub_settle(d, 0); }

/* What every subcommand does first: the options read, the operands and
 * USER checked, the store open. */
static int
with_user(cli *c, size_t min, size_t max, unsigned flags, int (*fn)(dargs *d))
{
	dargs d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.c = c;
	d.user = c->operands[0];
	parse_opts(&d, c);
	if ((rc = cli_open_user(&d.st, c, min, max, flags)))
		return rc;
	rc = fn(&d);
	ims_store_close(d.st);
	cli_names_free(&d.names, c->operands + 1);
	return rc;
}

static int run_store(cli *c) { return with_user(c, 1, 2, 0, sub_store); }
static int run_summary(cli *c) { return with_user(c, 1, 1, IMS_OPEN_RDONLY, sub_summary); }
static int run_lease(cli *c) { return with_user(c, 1, SIZE_MAX, 0, sub_lease); }
static int run_ack(cli *c) { return with_user(c, 2, 2, 0, sub_ack); }
static int run_release(cli *c) { return with_user(c, 2, 2, 0, sub_release); }
static int run_delete(cli *c) { return with_user(c, 1, SIZE_MAX, 0, sub_delete); }
static int run_register(cli *c) { return with_user(c, 1, 1, 0, sub_register); }

static const cli_cmd deferred_subs[] = {
	{ "store", run_store, "USER [FILE | -]",
	  "store a message for USER, who is not available", store_opts, FMTS_TEXT_JSON, NULL },
	{ "summary", run_summary, "USER", "list the deferred messages of USER",
	  summary_opts, FMTS_ALL, NULL },
	{ "lease", run_lease, "USER [MESSAGE-ID...]",
	  "hand messages of USER out for delivery, under a lease", lease_opts,
	  FMTS_TEXT_JSON, NULL },
	{ "ack", run_ack, "USER TOKEN", "the messages of a lease are delivered: delete them",
	  NULL, FMTS_TEXT_JSON, NULL },
	{ "release", run_release, "USER TOKEN",
	  "the messages of a lease are not delivered: keep them", NULL, FMTS_TEXT_JSON, NULL },
	{ "delete", run_delete, "USER [MESSAGE-ID...]",
	  "delete deferred messages of USER unread", delete_opts, FMTS_TEXT_JSON, NULL },
	{ "retry", run_retry, "[FILTER...]",
	  "retry now: hand leased messages back to pending at once", retry_opts,
	  FMTS_TEXT_JSON, NULL },
	{ "on-register", run_register, "USER",
	  "USER registers: what the server does (nothing, push or notify)", register_opts,
	  FMTS_TEXT_JSON, NULL },
	CLI_SUBS_END,
};

const cli_cmd cmd_deferred = {
	"deferred", NULL, "SUBCOMMAND USER [ARGS...]",
	"the Deferred Messaging function: store, summary, lease, ack, release, delete, retry, on-register",
	NULL, FMTS_ALL, deferred_subs,
};
