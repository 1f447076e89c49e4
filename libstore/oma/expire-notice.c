/* expire-notice.c - expire with notice: the delivery/failed IMDN of each
 * deferred message the expiry sweep at a given time removes, whose sender
 * asked for it (ims_imdn_notice()), produced before the sweep. */
#include <stdlib.h>

#include "internal.h"

#define BATCH 500
#define EXPIRY_KEY 24 /* expires(8) id(16), as the sweep reads them */

typedef struct expiry_walk {
	int64_t now;
	unsigned char after[EXPIRY_KEY]; /* resume after this key */
	int started, more;
	ims_id ids[BATCH];
	size_t n;
} expiry_walk;

/* Whether the sweep removes the message of id: deferred, not held. */
static int
swept(int *yes, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc = ims__msg_load(&m, &x, &d, st, txn, id);

	*yes = rc == 0 && m.folder == IMS_FOLDER_DEFERRED && !(m.flags & IMS_MSGF_HELD);
	ims__decbuf_free(&d);
	return rc == IMS_NOTFOUND ? 0 : rc;
}

/* The next batch of expiry entries at or before now, in one read
 * snapshot: the ids of those the sweep removes. */
static int
next_batch(expiry_walk *w, ims_store *st)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k = { EXPIRY_KEY, w->after }, v;
	size_t seen = 0;
	int rc, crc, yes;

	w->n = 0;
	w->more = 0;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = ims__map_err(mdb_cursor_open(txn, st->dbi[IMS__DB_IX_EXPIRY], &cur)))) {
		ims__txn_abort(st, txn);
		return rc;
	}
	crc = mdb_cursor_get(cur, &k, &v, w->started ? MDB_SET_RANGE : MDB_FIRST);
	if (crc == 0 && w->started && k.mv_size == EXPIRY_KEY &&
	    memcmp(k.mv_data, w->after, EXPIRY_KEY) == 0)
		crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	while (rc == 0 && crc == 0 && k.mv_size == EXPIRY_KEY &&
	       ims__rd_be_time(k.mv_data) <= w->now && !(w->more = seen == BATCH)) {
		const ims_id *id = (const ims_id *)((unsigned char *)k.mv_data + 8);
		seen++;
		memcpy(w->after, k.mv_data, EXPIRY_KEY);
		if ((rc = swept(&yes, st, txn, id)) == 0 && yes)
			w->ids[w->n++] = *id;
		crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && crc && crc != MDB_NOTFOUND)
		rc = ims__map_err(crc);
	w->started = 1;
	mdb_cursor_close(cur);
	ims__txn_abort(st, txn);
	return rc;
}

/* One message's notice, to the callback when its sender asked for it. */
static int
notice_one(uint64_t *count, ims_store *st, const ims_id *id,
           const ims_notice_opts *opts, ims_notice_cb cb, void *payload)
{
	ims_notice n;
	ims_msg *m = NULL;
	int rc = ims_get(&m, st, id);

	if (rc)
		return rc == IMS_NOTFOUND ? 0 : rc; /* gone since */
	if ((rc = ims_imdn_notice(&n, st, m, IMS_NOTICE_EXPIRED, opts)) == 0 && n.body) {
		(*count)++;
		rc = cb ? cb(m, &n, payload) : 0;
	}
	ims_notice_clear(&n);
	ims_msg_free(m);
	return rc;
}

int
ims_deferred_expire_notices(uint64_t *count, ims_store *st, int64_t now,
                            const ims_notice_opts *opts, ims_notice_cb cb,
                            void *payload)
{
	expiry_walk *w;
	uint64_t total = 0;
	int rc = 0;

	if (count)
		*count = 0;
	if (!st)
		return IMS_INVALID;
	if (!(w = calloc(1, sizeof(*w))))
		return ENOMEM;
	w->now = now == IMS_TIME_NONE ? ims__now_us() : now;
	do {
		if ((rc = next_batch(w, st)))
			break;
		for (size_t i = 0; i < w->n && rc == 0; i++)
			rc = notice_one(&total, st, &w->ids[i], opts, cb, payload);
	} while (rc == 0 && w->more);
	free(w);
	if (count)
		*count = total;
	return rc;
}
