/* sweep.c - removing expired deferred messages, oldest expiry first, in
 * bounded write transactions (a daemon calls it on a timer). */
#include <stdlib.h>

#include "internal.h"

#define SWEEP_BATCH 500

typedef struct sweep_ctx {
	int64_t now;
	size_t max;           /* messages per transaction */
	uint64_t deleted;     /* in this transaction */
	int more;             /* the batch was full: call again */
} sweep_ctx;

static int
sweep_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	sweep_ctx *c = arg;
	unsigned char key[24];
	MDB_val k = { 24, key }, v;
	MDB_cursor *cur;
	ims_id *ids = malloc(c->max * sizeof(*ids));
	size_t n = 0, seen = 0;
	int rc;

	c->deleted = 0;
	c->more = 0;
	if (!ids)
		return ENOMEM;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_EXPIRY], &cur))) {
		free(ids);
		return ims__map_err(rc);
	}
	memset(key, 0, sizeof(key));
	/* held and history messages are passed over: look a little further */
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0 && n < c->max && seen++ < 4 * c->max && k.mv_size == 24 &&
	       ims__rd_be_time(k.mv_data) <= c->now) {
		memcpy(ids[n++].b, (unsigned char *)k.mv_data + 8, 16);
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	rc = rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	c->more = n == c->max;
	for (size_t i = 0; i < n && rc == 0; i++) {
		ims__decbuf d = { 0 };
		ims__recx x;
		ims_msg m;
		rc = ims__msg_load(&m, &x, &d, st, txn, &ids[i]);
		ims__decbuf_free(&d);
		if (rc == IMS_NOTFOUND || (rc == 0 && (m.folder != IMS_FOLDER_DEFERRED ||
		                                       m.flags & IMS_MSGF_HELD))) {
			rc = 0;
			continue;
		}
		if (rc == 0 && (rc = ims__delete_txn(st, txn, &ids[i], NULL, NULL)) == 0)
			c->deleted++;
	}
	free(ids);
	return rc;
}

int
ims_deferred_sweep(uint64_t *count, ims_store *st, int64_t now)
{
	sweep_ctx c = { now == IMS_TIME_NONE ? ims__now_us() : now, SWEEP_BATCH, 0, 1 };
	uint64_t total = 0;
	int rc = 0;

	while (rc == 0 && c.more) {
		rc = ims__write(st, sweep_txn, &c);
		total += rc == 0 ? c.deleted : 0;
		if (rc == 0 && c.more && c.deleted == 0)
			break; /* only held or history messages at the front */
	}
	if (count)
		*count = total;
	return rc;
}
