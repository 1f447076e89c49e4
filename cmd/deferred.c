/* deferred.c - imstore deferred: the Deferred Messaging function as the IM
 * server calls it, for operators and tests: store, summary, lease, ack,
 * release, delete, on-register.  USER is the authenticated user. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { D_DURATION = 100, D_URILIST, D_FILTER, D_LIMIT };

static const cli_opt deferred_opts[] = {
	{ D_DURATION, 0, "duration", "DUR", NULL, "lease and on-register: how long the lease holds (default: the store's)" },
	{ D_URILIST, 0, "uri-list", "FILE", "file", "lease and delete: the Message-IDs of an RFC 4826 URI-list" },
	{ D_FILTER, 0, "filter", "FILTER", NULL, "summary and delete: only the messages matching FILTER" },
	{ D_LIMIT, 'n', "limit", "N", NULL, "summary: at most N messages" },
	{ 0, 0, NULL, NULL, NULL, NULL },
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

static int
parse_opts(dargs *d, cli *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		int64_t t;
		switch (o->id) {
		case D_DURATION:
			if (cli_parse_time(&t, o->val, 0) || t <= 0 || strchr(o->val, '-')) {
				cli_err("invalid duration '%s' (expected 90s, 5m, 2h…)", o->val);
				return EXIT_USAGE;
			}
			d->duration = t;
			break;
		case D_URILIST: d->urilist = o->val; break;
		case D_FILTER: d->filter = o->val; break;
		case D_LIMIT:
			if (cli_parse_u64(&d->limit, o->val) || d->limit == 0) {
				cli_err("invalid limit '%s'", o->val);
				return EXIT_USAGE;
			}
			break;
		default: break;
		}
	}
	return 0;
}

/* Message-IDs from the operands after USER and from --uri-list. */
static int
gather_ids(dargs *d)
{
	int rc = cli_names(&d->names, d->c->operands + 2, d->c->noperands - 2, d->urilist);

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
	return EXIT_ERR;
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
	if (d->c->noperands > 3) {
		cli_err("deferred store takes USER and at most one FILE");
		goto out;
	}
	if ((rc = msgin_read(&a, d->c->noperands == 3 ? d->c->operands[2] : NULL)))
		goto out;
	if (ims_msg_check(&a.m, &e)) {
		cli_err("cannot store message: %s", e.message);
		rc = EXIT_ERR;
		goto out;
	}
	st = ims_deferred_store(&id, &why, d->st, &a.m, a.body, a.body_len);
	if (st == 0 || st == IMS_EXISTS || st == IMS_REFUSED)
		rc = store_result(d, st, &id, why);
	else
		rc = cli_fail(st, "cannot store message '%.40s' for '%.80s'",
		              a.m.message_id, d->user);
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
			fwrite(xml, 1, len, stdout);
			free(xml);
		}
	} else if (rc == 0) {
		while ((!d->limit || n < d->limit) && (rc = ims_query_next(&m, q)) == 0) {
			n++;
			if (d->c->format == FMT_JSON) {
				print_msg(d->c->out, m);
				d->c->out->ops->record_end(d->c->out);
			} else {
				print_msg_row(stdout, m);
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
		printf("lease %s until %s, %zu message%s\n", ims_lease_count(l) ? ims_lease_token(l)
		       : "-", t, ims_lease_count(l), ims_lease_count(l) == 1 ? "" : "s");
		for (size_t i = 0; i < ims_lease_count(l); i++)
			print_msg_row(stdout, ims_lease_msg(l, i));
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
	const char *token = d->c->noperands == 3 ? d->c->operands[2] : NULL;
	uint64_t n;
	int rc;

	if (!token) {
		cli_err("deferred %s takes USER and a lease token", ack ? "ack" : "release");
		return EXIT_USAGE;
	}
	rc = (ack ? ims_deferred_ack : ims_deferred_release)(&n, d->st, d->user, token);
	if (rc == IMS_NOTFOUND || rc == IMS_INVALID) {
		cli_err("no lease '%s' for '%s'", token, d->user);
		return EXIT_ERR;
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
		printf("%s %llu\n", actions[r.action], (unsigned long long)r.waiting);
		if (r.lease)
			print_lease(d, r.lease);
		if (r.summary)
			fwrite(r.summary, 1, r.summary_len, stdout);
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

/* ---------------------------------------------------------------- dispatch */

static int sub_ack(dargs *d) { return sub_settle(d, 1); }
static int sub_release(dargs *d) { return sub_settle(d, 0); }

static const struct {
	const char *name;
	int (*fn)(dargs *d);
	int xml, write;
} subs[] = {
	{ "store", sub_store, 0, 1 }, { "summary", sub_summary, 1, 0 },
	{ "lease", sub_lease, 0, 1 }, { "ack", sub_ack, 0, 1 },
	{ "release", sub_release, 0, 1 }, { "delete", sub_delete, 0, 1 },
	{ "on-register", sub_register, 0, 1 },
};

static int
run_deferred(cli *c)
{
	dargs d;
	size_t i, nsubs = sizeof(subs) / sizeof(*subs);
	int rc;

	memset(&d, 0, sizeof(d));
	d.c = c;
	if (c->noperands < 2) {
		cli_err("usage: imstore deferred SUBCOMMAND USER (store, summary, lease, "
		        "ack, release, delete, on-register)");
		return EXIT_USAGE;
	}
	for (i = 0; i < nsubs && strcmp(subs[i].name, c->operands[0]) != 0; i++)
		;
	if (i == nsubs) {
		cli_err("unknown deferred subcommand '%s'", c->operands[0]);
		return EXIT_USAGE;
	}
	if (c->format == FMT_XML && !subs[i].xml) {
		cli_err("deferred %s has no XML output", subs[i].name);
		return EXIT_USAGE;
	}
	d.user = c->operands[1];
	if ((rc = cli_check_user(d.user)) || (rc = parse_opts(&d, c)) ||
	    (rc = cli_open(&d.st, c, subs[i].write ? 0 : IMS_OPEN_RDONLY)))
		return rc;
	rc = subs[i].fn(&d);
	ims_store_close(d.st);
	cli_names_free(&d.names, c->operands + 2);
	return rc;
}

const cli_cmd cmd_deferred = {
	"deferred", run_deferred, "SUBCOMMAND USER [ARGS...]",
	"the Deferred Messaging function: store, summary, lease, ack, release, delete, on-register",
	deferred_opts, 1u << FMT_TEXT | 1u << FMT_JSON | 1u << FMT_XML, msg_opts,
};
