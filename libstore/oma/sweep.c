/* sweep.c - removing expired deferred messages, oldest expiry first, in
 * bounded write transactions (a daemon calls it on a timer); then what
 * deleted messages left (reap.c). */
#include <stdlib.h>

#include "internal.h"

#define SWEEP_BATCH 500
#define EXPIRY_KEY 24 /* expires(8) id(16) */

typedef struct sweep_ctx {
	int64_t now;
	size_t max;           /* messages per transaction */
	unsigned char start[EXPIRY_KEY]; /* resume after this key */
	int started;          /* start is set */
	/* results of the last run of sweep_txn (it may run more than once) */
	unsigned char next[EXPIRY_KEY];
	uint64_t deleted;
	int more;             /* stopped before the end: call again */
} sweep_ctx;

/* Position cur on the first expiry entry after c->start (or the first). */
static int
seek(MDB_cursor *cur, MDB_val *k, MDB_val *v, const sweep_ctx *c)
{
	int rc;

	if (!c->started)
		return mdb_cursor_get(cur, k, v, MDB_FIRST);
	k->mv_size = EXPIRY_KEY;
	k->mv_data = ims__uc(c->start);
	rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	if (rc == 0 && k->mv_size == EXPIRY_KEY && memcmp(k->mv_data, c->start, EXPIRY_KEY) == 0)
		rc = mdb_cursor_get(cur, k, v, MDB_NEXT);
	return rc;
}

/* The ids of the next (up to) c->max expired entries after c->start,
 * c->next the last of them: held and history messages among them are
 * passed over by the caller, and the next call goes on after them.  An
 * LMDB code. */
static int
collect(ims_id *ids, size_t *n, sweep_ctx *c, MDB_cursor *cur)
{
	MDB_val k, v;
	int rc = seek(cur, &k, &v, c);

	*n = 0;
	c->more = 0;
	while (rc == 0 && k.mv_size == EXPIRY_KEY && ims__rd_be_time(k.mv_data) <= c->now) {
		if (*n == c->max) {
			c->more = 1;
			break;
		}
		memcpy(c->next, k.mv_data, EXPIRY_KEY);
		memcpy(ids[(*n)++].b, (unsigned char *)k.mv_data + 8, 16);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether the record of id is an expired deferred message not held:
 * 1 yes, 0 no (or gone), or an error. */
static int
sweepable(ims_msg *m, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	int rc = ims__msg_load(m, &x, &d, st, txn, id);

	ims__decbuf_free(&d);
	if (rc == IMS_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	return m->folder == IMS_FOLDER_DEFERRED;
}

static int
sweep_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	sweep_ctx *c = arg;
	MDB_cursor *cur;
	ims_id *ids = malloc(c->max * sizeof(*ids));
	size_t n = 0;
	int rc;

	c->deleted = 0;
	if (!ids)
		return ENOMEM;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_EXPIRY], &cur))) {
		free(ids);
		return ims__map_err(rc);
	}
	rc = ims__map_err(collect(ids, &n, c, cur));
	mdb_cursor_close(cur);
	for (size_t i = 0; i < n && rc == 0; i++) {
		ims_msg m;
		int ok = sweepable(&m, st, txn, &ids[i]);
		if (ok < 0) {
			rc = ok;
			break;
		}
		if (!ok || m.flags & IMS_MSGF_HELD)
			continue;
		if ((rc = ims__delete_txn(st, txn, &ids[i], NULL, NULL)) == 0)
			c->deleted++;
	}
	free(ids);
	return rc;
}

typedef struct reap_ctx {
	size_t max, done;
} reap_ctx;

static int
reap_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	reap_ctx *r = arg;

	return ims__reap(&r->done, st, txn, r->max);
}

/* Finish the deletions that acknowledgements and users' deletes left for
 * later (reap.c), in transactions sized as the expiry sweep's. */
static int
reap_all(ims_store *st)
{
	reap_ctx r;
	int rc;

	do {
		int64_t t0 = ims__now_us();
		r.max = IMS__MIN(SWEEP_BATCH, ims__delete_fit(st, IMS__TXN_BUDGET_US));
		r.done = 0;
		if ((rc = ims__write(st, reap_txn, &r)))
			return rc;
		ims__delete_learn(st, ims__now_us() - t0, r.done);
	} while (r.done == r.max);
	return 0;
}

int
ims_deferred_sweep(uint64_t *count, ims_store *st, int64_t now)
{
	sweep_ctx c;
	uint64_t total = 0;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.now = now == IMS_TIME_NONE ? ims__now_us() : now;
	c.more = 1;
	while (rc == 0 && c.more) {
		int64_t t0 = ims__now_us();
		c.max = IMS__MIN(SWEEP_BATCH, ims__delete_fit(st, IMS__TXN_BUDGET_US));
		if ((rc = ims__write(st, sweep_txn, &c)))
			break;
		ims__delete_learn(st, ims__now_us() - t0, (size_t)c.deleted);
		total += c.deleted;
		/* the next transaction starts after what this one examined */
		memcpy(c.start, c.next, EXPIRY_KEY);
		c.started = 1;
	}
	if (rc == 0)
		rc = reap_all(st);
	if (count)
		*count = total;
	return rc;
}

int
ims_deferred_sweep_dry(ims_delete_result *out, ims_store *st, int64_t now)
{
	ims_delete_result r = { 0, 0, 0, 0, 0 };
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, crc;

	if (out)
		*out = r;
	if (now == IMS_TIME_NONE)
		now = ims__now_us();
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_EXPIRY], &cur))) {
		ims__txn_abort(st, txn);
		return ims__map_err(rc);
	}
	crc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (crc == 0 && k.mv_size == EXPIRY_KEY && ims__rd_be_time(k.mv_data) <= now) {
		ims_msg m;
		ims_id id;
		memcpy(id.b, (unsigned char *)k.mv_data + 8, 16);
		if ((rc = sweepable(&m, st, txn, &id)) < 0)
			break;
		if (rc && m.flags & IMS_MSGF_HELD)
			r.held++;
		else if (rc) {
			r.deleted++;
			r.bytes += m.size;
		}
		rc = 0;
		crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && crc != 0 && crc != MDB_NOTFOUND)
		rc = ims__map_err(crc);
	mdb_cursor_close(cur);
	ims__txn_abort(st, txn);
	if (out)
		*out = r;
	return rc;
}
