/* delete.c - deleting messages and changing their state. */
#include <stdlib.h>
#include <time.h>

#include "internal.h"

static int
delete_one(ims_store *st, MDB_txn *txn, void *ctx)
{
	return ims__delete_txn(st, txn, ctx, NULL, NULL);
}

int
ims_delete(ims_store *st, const ims_id *id)
{
	if (!id)
		return IMS_INVALID;
	return ims__write(st, delete_one, (void *)(uintptr_t)id);
}

typedef struct state_ctx {
	const ims_id *id;
	ims_state state;
	int64_t delivered;
} state_ctx;

/* Rewrite a record with a new state, flags, delivery time and lease (as a
 * version 2 record, whatever its version was). */
int
ims__rec_rewrite(ims_store *st, MDB_txn *txn, const ims_id *id, ims_state state,
                 unsigned flags, int64_t delivered, int64_t lease_until)
{
	MDB_val k = { 16, ims__uc(id->b) }, v;
	unsigned char *copy;
	int rc = ims__rec_get(&v, st, txn, id);

	if (rc)
		return rc;
	if ((rc = ims__rec_patch(&copy, &v.mv_size, v.mv_data, v.mv_size, state, flags,
	                         delivered, lease_until)))
		return rc;
	v.mv_data = copy;
	rc = ims__map_err(mdb_put(txn, st->dbi[IMS__DB_MSG], &k, &v, 0));
	free(copy);
	return rc;
}

/* A user deletes one of their messages: gone, or, under legal hold, only
 * hidden from them. */
int
ims__user_delete(ims_store *st, MDB_txn *txn, const ims_id *id, const ims_msg *m,
                 const ims__recx *x)
{
	if (m->flags & IMS_MSGF_HELD)
		return ims__rec_rewrite(st, txn, id, m->state, m->flags | IMS_MSGF_HIDDEN,
		                        m->delivered, x->lease_until);
	return ims__delete_lazy(st, txn, id);
}

static int
state_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	state_ctx *s = ctx;
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc = ims__msg_load(&m, &x, &d, st, txn, s->id);

	ims__decbuf_free(&d);
	if (rc)
		return rc;
	return ims__rec_rewrite(st, txn, s->id, s->state, m.flags, s->delivered,
	                        x.lease_until);
}

int
ims_set_state(ims_store *st, const ims_id *id, ims_state state,
              int64_t delivered)
{
	state_ctx s = { id, state, delivered };

	if (!id || (unsigned)state > IMS_STATE_FAILED)
		return IMS_INVALID;
	return ims__write(st, state_txn, &s);
}

/* ---- bulk delete: read a batch of ids, delete them in one transaction ---- */

typedef struct batch_ctx {
	ims_id *ids;
	size_t n;
	size_t from, to;          /* this transaction: ids[from, to) */
	int64_t budget;           /* µs a transaction may run */
	const ims_filter *f;
	ims_delete_result r;
} batch_ctx;

static int
batch_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	batch_ctx *b = ctx;
	int64_t start = ims__now_us();
	int rc = 0;

	memset(&b->r, 0, sizeof(b->r));
	for (size_t i = b->from; i < b->n && rc == 0; i++) {
		b->to = i + 1;
		/* half the budget for the work, the rest for the commit */
		if (i > b->from && ims__now_us() - start > b->budget / 2) {
			b->to = i; /* the rest in the next transaction */
			break;
		}
		uint64_t bytes = 0;
		rc = ims__delete_txn(st, txn, &b->ids[i], b->f, &bytes);
		if (rc == 0) {
			b->r.deleted++;
			b->r.bytes += bytes;
		} else if (rc == IMS_HELD) {
			b->r.held++;
			rc = 0;
		} else if (rc == IMS_NOTFOUND) {
			rc = 0; /* gone or changed since it was read */
		}
	}
	return rc;
}

/* A dry run counts what it would delete and collects nothing. */
static int
dry_count(const ims_msg *m, void *arg)
{
	ims_delete_result *dry = arg;

	if (m->flags & IMS_MSGF_HELD)
		dry->held++;
	else {
		dry->deleted++;
		dry->bytes += m->size;
	}
	return 0;
}

/* Read up to cap matching ids after *cursor; *more when there may be more. */
static int
batch_read(batch_ctx *b, size_t cap, char *cursor, int *more,
           ims_store *st, const ims_filter *f, ims_delete_result *dry)
{
	ims_query_opts qo = IMS_QUERY_OPTS_INIT;
	ims_query *q;
	int rc;

	qo.cursor = cursor[0] ? cursor : NULL;
	if ((rc = ims_query_open(&q, st, f, &qo)))
		return rc;
	rc = ims__query_ids(b->ids, &b->n, cap, more, cursor, q,
	                    dry ? dry_count : NULL, dry);
	ims_query_free(q);
	return rc;
}

/* Sleep so that no more than rate messages a second go. */
static void
throttle(double rate, uint64_t done, int64_t t0)
{
	int64_t due, now;

	if (rate <= 0)
		return;
	due = t0 + (int64_t)((double)done / rate * 1e6);
	now = ims__now_us();
	if (due > now) {
		struct timespec ts = { (time_t)((due - now) / 1000000),
		                       (long)((due - now) % 1000000) * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* How many messages a transaction may take to end, commit included,
 * within 4/5 of budget µs, by what they cost lately; FIRST_TXN while that
 * is not known.  The commit (page writes and two syncs) is most of a
 * transaction, so the work's own time alone cannot bound it. */
#define FIRST_TXN 64
size_t
ims__delete_fit(ims_store *st, int64_t budget)
{
	int64_t ns = __atomic_load_n(&st->del_ns, __ATOMIC_RELAXED);
	int64_t n = ns > 0 ? budget * 800 / ns : FIRST_TXN;

	return (size_t)IMS__MAX(n, 8);
}

/* A transaction of n messages took us µs: a moving average. */
void
ims__delete_learn(ims_store *st, int64_t us, size_t n)
{
	int64_t ns, old;

	if (n == 0)
		return;
	ns = IMS__MAX(us * 1000 / (int64_t)n, 1);
	old = __atomic_load_n(&st->del_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&st->del_ns, old ? (old * 3 + ns) / 4 : ns, __ATOMIC_RELAXED);
}

/* Delete b->ids[0, n) in write transactions of at most cap ids that end,
 * commit included, within about b->budget µs, adding what they did to
 * *total. */
static int
delete_batches(ims_store *st, batch_ctx *b, size_t n, size_t cap, double rate,
               int64_t t0, ims_delete_result *total)
{
	int rc = 0;

	for (b->from = 0; b->from < n && rc == 0; b->from = b->to) {
		int64_t ts = ims__now_us();
		b->n = IMS__MIN(n, b->from + IMS__MIN(cap, ims__delete_fit(st, b->budget)));
		if ((rc = ims__write(st, batch_txn, b)))
			break;
		ims__delete_learn(st, ims__now_us() - ts, b->to - b->from);
		total->deleted += b->r.deleted;
		total->bytes += b->r.bytes;
		total->held += b->r.held;
		total->txns++;
		total->longest_txn_us = IMS__MAX(total->longest_txn_us, ims__now_us() - ts);
		throttle(rate, total->deleted, t0);
	}
	return rc;
}

int
ims_delete_filter(ims_delete_result *out, ims_store *st, const ims_filter *f,
                  const ims_delete_opts *opts)
{
	ims_delete_opts defaults = IMS_DELETE_OPTS_INIT;
	const ims_delete_opts *o = opts ? opts : &defaults;
	size_t cap = o->batch ? o->batch : 1000;
	char cursor[IMS_CURSOR_STRLEN + 1] = "";
	ims_delete_result total = { 0, 0, 0, 0, 0 };
	batch_ctx b = { NULL, 0, 0, 0, o->max_txn_us > 0 ? o->max_txn_us : IMS__TXN_BUDGET_US, f,
	                { 0, 0, 0, 0, 0 } };
	int64_t t0 = ims__now_us();
	int rc, more = 1;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!f)
		return IMS_INVALID;
	if ((rc = ims__check(st)))
		return rc;
	if (o->dry_run) {
		rc = batch_read(&b, SIZE_MAX, cursor, &more, st, f, &total);
		goto done;
	}
	if (!(b.ids = malloc(cap * sizeof(*b.ids))))
		return ENOMEM;
	while (more && rc == 0) {
		if ((rc = batch_read(&b, cap, cursor, &more, st, f, NULL)) || b.n == 0)
			break;
		rc = delete_batches(st, &b, b.n, cap, o->rate, t0, &total);
	}
	free(b.ids);
done:
	if (out)
		*out = total;
	return rc;
}

int
ims_delete_ids(ims_delete_result *out, ims_store *st, const ims_id *ids,
               size_t n, const ims_delete_opts *opts)
{
	ims_delete_opts defaults = IMS_DELETE_OPTS_INIT;
	const ims_delete_opts *o = opts ? opts : &defaults;
	size_t cap = o->batch ? o->batch : 1000;
	ims_delete_result total = { 0, 0, 0, 0, 0 };
	batch_ctx b = { (ims_id *)(uintptr_t)ids, 0, 0, 0,
	                o->max_txn_us > 0 ? o->max_txn_us : IMS__TXN_BUDGET_US, NULL,
	                { 0, 0, 0, 0, 0 } };
	int64_t t0 = ims__now_us();
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((n && !ids) || o->dry_run)
		return IMS_INVALID;
	if ((rc = ims__check(st)))
		return rc;
	rc = delete_batches(st, &b, n, cap, o->rate, t0, &total);
	if (out)
		*out = total;
	return rc;
}
