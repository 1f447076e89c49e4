/* purge.c - imstore purge: delete what retention no longer keeps, in short
 * write transactions that a live server's writes do not wait behind. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { PU_OLDER = 100, PU_EXPIRED, PU_DRY, PU_BATCH, PU_RATE, PU_MAXTXN, PU_SECURE,
       PU_NOTICES };

static const cli_opt purge_opts[] = {
	OPT_DURATION(PU_OLDER, 0, "older-than", "DUR", 0,
	             "only messages received more than DUR ago (30d, 12h)"),
	OPT_FLAG(PU_EXPIRED, 0, "expired", "also remove expired deferred messages and history past its retention"),
	OPT_FLAG(PU_NOTICES, 0, "notices", "with --expired: show the IMDN failure notices their senders asked for"),
	OPT_FLAG(PU_DRY, 'n', "dry-run", "report exactly what would go, delete nothing"),
	OPT_NUMBER(PU_BATCH, 0, "batch", "N", 1, 100000000,
	           "at most N messages per write transaction (default 1000)"),
	OPT_NUMBER(PU_RATE, 0, "rate", "N", 1, 100000000,
	           "at most N messages a second (default: no limit)"),
	OPT_NUMBER(PU_MAXTXN, 0, "max-txn", "MS", 1, 100000000,
	           "end a write transaction after MS milliseconds (default 50)"),
	OPT_FLAG(PU_SECURE, 0, "secure", "then compact the store, so that no purged byte stays in its file"),
	OPT_END,
};

typedef struct pargs {
	const char *older;       /* --older-than as given, for the audit trail */
	int64_t older_us;        /* and as parsed */
	int expired;
	int notices;             /* --notices: show the expired ones' IMDNs */
	uint64_t nnotices;
	int secure;
	ims_delete_opts o;
} pargs;

static int
parse_opts(pargs *a, cli *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		switch (o->id) {
		case PU_OLDER: a->older = o->val; a->older_us = o->t; break;
		case PU_EXPIRED: a->expired = 1; break;
		case PU_NOTICES: a->notices = 1; break;
		case PU_SECURE: a->secure = 1; break;
		case PU_DRY: a->o.dry_run = 1; break;
		case PU_BATCH: a->o.batch = (size_t)o->n; break;
		case PU_RATE: a->o.rate = (double)o->n; break;
		case PU_MAXTXN: a->o.max_txn_us = (int64_t)o->n * 1000; break;
		}
	}
	return 0;
}

/* --older-than: what older:DUR matches now (to the microsecond, as a
 * FILTER operand's terms), made from the value: no filter text is written.
 * Refused, as the term is, before the year 1. */
static int
older_filter(ims_filter **out, const pargs *a)
{
	struct timespec ts;
	int64_t now;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	rc = ims_filter_received(out, INT64_MIN, now - a->older_us);
	if (rc == IMS_INVALID) {
		cli_err("invalid filter 'older:%s': invalid duration %s "
		        "(years 1 to 9999 only)", a->older, cli_quote(a->older));
		return EXIT_USAGE;
	}
	return rc ? cli_fail(rc, "cannot build the filter 'older:%s'", a->older) : 0;
}

/* FILTER... and --older-than DUR combined, or NULL when neither is given. */
static int
build_filter(ims_filter **out, cli *c, const pargs *a)
{
	ims_filter *ops = NULL, *older = NULL;
	int rc = 0;

	*out = NULL;
	if ((c->noperands && (rc = cli_filter(&ops, c->operands, c->noperands))) ||
	    (a->older && (rc = older_filter(&older, a))))
		goto out;
	if (ops && older)
		rc = ims_filter_and(out, ops, older) ? EXIT_OSERR : 0;
	else {
		*out = ops ? ops : older;
		ops = older = NULL;
	}
	if (rc == 0 && *out && ims_filter_is_all(*out)) {
		ims_filter_free(*out);
		*out = NULL;
		cli_err("refusing to purge every message: give a filter or --older-than");
		rc = EXIT_USAGE;
	}
out:
	ims_filter_free(ops);
	ims_filter_free(older);
	return rc;
}

static void
report(cli *c, const ims_delete_result *r, uint64_t swept, uint64_t retained, int dry,
       double secs, const pargs *a)
{
	printer *p = c->out;

	if (c->format != FMT_JSON) {
		print_text(p, "%s %llu message%s (%llu bytes)", dry ? "would purge" : "purged",
		           (unsigned long long)r->deleted, r->deleted == 1 ? "" : "s",
		           (unsigned long long)r->bytes);
		if (swept)
			print_text(p, " and %llu expired deferred", (unsigned long long)swept);
		if (retained)
			print_text(p, "%s %llu past history retention", swept ? "," : " and",
			           (unsigned long long)retained);
		if (r->held)
			print_text(p, ", kept %llu under legal hold", (unsigned long long)r->held);
		if (a->notices)
			print_text(p, ", %llu failure notice%s", (unsigned long long)a->nnotices,
			           a->nnotices == 1 ? "" : "s");
		if (!dry)
			print_text(p, " in %.2f s, %llu transactions, the longest %.1f ms",
			           secs, (unsigned long long)r->txns, r->longest_txn_us / 1000.0);
		p->ops->record_end(p);
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, dry ? "would_purge" : "purged");
	p->ops->integer(p, (int64_t)r->deleted);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)r->bytes);
	p->ops->key(p, "held");
	p->ops->integer(p, (int64_t)r->held);
	p->ops->key(p, "expired");
	p->ops->integer(p, (int64_t)swept);
	p->ops->key(p, "retention");
	p->ops->integer(p, (int64_t)retained);
	if (a->notices) {
		p->ops->key(p, "notices");
		p->ops->integer(p, (int64_t)a->nnotices);
	}
	p->ops->key(p, "transactions");
	p->ops->integer(p, (int64_t)r->txns);
	p->ops->key(p, "longest_txn_ms");
	p->ops->integer(p, r->longest_txn_us / 1000);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

/* The purge in the audit trail: its filter and options, never content. */
static void
audit(cli *c, ims_store *st, const pargs *a, uint64_t n, uint64_t bytes)
{
	char *ops = c->noperands ? cli_join(c->operands, c->noperands) : NULL;
	char what[1024];
	ims_audit_entry e = { 0, "purge", NULL, what, NULL, n, bytes };
	int rc;

	snprintf(what, sizeof(what), "%s%s%s%s%s%s", ops ? ops : "",
	         a->older ? " --older-than " : "", a->older ? a->older : "",
	         a->expired ? " --expired" : "", a->notices ? " --notices" : "",
	         a->secure ? " --secure" : "");
	e.filter = what[0] == ' ' ? what + 1 : what;
	free(ops);
	if ((rc = ims_audit_record(st, &e)))
		cli_fail(rc, "purged, but cannot record it in the audit trail");
}

/* One failure notice, before the sweep removes its message: in text a
 * line (to, owner, Message-ID) then the message/cpim body as it is sent;
 * in JSON an object. */
static int
print_notice(const ims_msg *m, const ims_notice *n, void *payload)
{
	printer *p = ((cli *)payload)->out;

	if (p->ops->is_text) {
		print_column(p, "notice");
		print_column(p, n->to);
		print_column(p, m->owner);
		print_column_text(p, m->message_id);
		p->ops->record_end(p);
		if (p->ops->raw(p, n->body, n->len) || p->ops->raw(p, "\n", 1))
			return EIO;
		return 0;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "notice");
	p->ops->begin_map(p);
	p->ops->key(p, "to");
	p->ops->str(p, n->to);
	p->ops->key(p, "from");
	p->ops->str(p, n->from);
	p->ops->key(p, "owner");
	p->ops->str(p, m->owner);
	p->ops->key(p, "message_id");
	p->ops->str(p, m->message_id);
	p->ops->key(p, "body");
	p->ops->strn(p, n->body, n->len);
	p->ops->end_map(p);
	p->ops->end_map(p);
	p->ops->record_end(p);
	return 0;
}

/* Whether the history retention sweep at now removes m (not held). */
static int
past_retention(int *out, ims_store *st, const ims_msg *m, int64_t now,
               char *last_owner, ims_quota *q)
{
	int rc = 0;

	*out = 0;
	if (m->folder != IMS_FOLDER_HISTORY)
		return 0;
	/* the query is in received order: cache the owner's quota */
	if (strcmp(last_owner, m->owner) != 0) {
		if ((rc = ims_quota_get(q, st, m->owner)))
			return rc;
		snprintf(last_owner, IMS_ADDR_MAX + 1, "%s", m->owner);
	}
	*out = q->history_retention > 0 && m->received < now - q->history_retention;
	return 0;
}

/* What --expired --dry-run would do: the sweeps' counts, then the matches
 * of the filter that the sweeps would not have removed before it. */
static int
dry_expired(ims_delete_result *r, uint64_t *swept, uint64_t *retained, ims_store *st,
            const ims_filter *f, int64_t now)
{
	ims_query_opts qo = IMS_QUERY_OPTS_INIT;
	ims_delete_result e, h;
	ims_query *q;
	const ims_msg *m;
	char last_owner[IMS_ADDR_MAX + 1] = "";
	ims_quota quota;
	int rc = ims_deferred_sweep_dry(&e, st, now), past;

	if (rc || (rc = ims_history_sweep(&h, st, now, 1)))
		return rc;
	*swept = e.deleted;
	*retained = h.deleted;
	if (!f)
		return 0;
	if ((rc = ims_query_open(&q, st, f, &qo)))
		return rc;
	while ((rc = ims_query_next(&m, q)) == 0) {
		if (m->flags & IMS_MSGF_HELD)
			r->held++;
		else if (m->folder == IMS_FOLDER_DEFERRED && m->expires != IMS_TIME_NONE &&
		         m->expires <= now)
			continue;
		else if ((rc = past_retention(&past, st, m, now, last_owner, &quota)))
			break;
		else if (!past) {
			r->deleted++;
			r->bytes += m->size;
		}
	}
	ims_query_free(q);
	return rc == IMS_ITEROVER ? 0 : rc;
}

static int
run_purge(cli *c)
{
	pargs a;
	ims_filter *f = NULL;
	ims_delete_result r = { 0, 0, 0, 0, 0 };
	ims_store *st;
	uint64_t swept = 0, retained = 0;
	ims_delete_result hr;
	struct timespec t0, t1;
	int64_t now;
	int rc;

	memset(&a, 0, sizeof(a));
	a.o = (ims_delete_opts)IMS_DELETE_OPTS_INIT;
	if ((rc = parse_opts(&a, c)) || (rc = build_filter(&f, c, &a)))
		return rc;
	if (!f && !a.expired) {
		cli_err("purge needs a FILTER, --older-than or --expired");
		return EXIT_USAGE;
	}
	if (a.notices && !a.expired) {
		ims_filter_free(f);
		cli_err("--notices needs --expired");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(&st, c, a.o.dry_run ? IMS_OPEN_RDONLY : 0))) {
		ims_filter_free(f);
		return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_REALTIME, &t1); /* the notices and the sweep: one instant */
	now = (int64_t)t1.tv_sec * 1000000 + t1.tv_nsec / 1000;
	if (a.notices)
		rc = ims_deferred_expire_notices(&a.nnotices, st, now, NULL, print_notice, c);
	if (rc == 0 && a.expired && a.o.dry_run)
		rc = dry_expired(&r, &swept, &retained, st, f, now);
	else if (rc == 0) {
		if (a.expired)
			rc = ims_deferred_sweep(&swept, st, now);
		if (a.expired && rc == 0 && (rc = ims_history_sweep(&hr, st, IMS_TIME_NONE, 0)) == 0)
			retained = hr.deleted;
		if (rc == 0 && f)
			rc = ims_delete_filter(&r, st, f, &a.o);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!a.o.dry_run && (r.deleted || swept || retained))
		audit(c, st, &a, r.deleted + swept + retained, r.bytes);
	ims_store_close(st);
	ims_filter_free(f);
	if (rc)
		return cli_fail(rc, "cannot purge '%s' (%llu purged before the error)",
		                c->store_path, (unsigned long long)(r.deleted + swept + retained));
	report(c, &r, swept, retained, a.o.dry_run, (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, &a);
	if (a.secure && !a.o.dry_run) {
		/* the purged bytes leave the file only with a rewrite of it */
		ims_compact_result cr;
		if ((rc = cli_compact(&cr, c)))
			return rc;
		cli_compact_report(c, &cr);
	}
	return EXIT_OK;
}

const cli_cmd cmd_purge = {
	"purge", run_purge, "[FILTER...]",
	"delete what retention no longer keeps, in short transactions",
	purge_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
