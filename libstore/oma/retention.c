/* retention.c - removing history messages kept longer than their owner's
 * retention (the store's, or the user's own), oldest first, in bounded
 * write transactions; the daemon's timer calls it with the deferred sweep. */
#include <stdlib.h>

#include "internal.h"

#define RET_BATCH 500
#define TIME_KEY 24 /* received(8) id(16) */

/* The shortest retention of any user (0: every history is kept forever),
 * so that nothing received after now minus it needs to be looked at. */
static int
shortest_retention(int64_t *out, ims_store *st, MDB_txn *txn, const ims_config *cfg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, crc;

	*out = cfg->history_retention;
	if (st->no_quota)
		return 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_QUOTA], &cur)))
		return ims__map_err(rc);
	while ((crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		ims_quota q;
		if (ims__quota_parse(&q, v.mv_data, v.mv_size))
			continue; /* verify reports it; the store's retention applies */
		if ((q.set & IMS_QUOTA_HISTORY_RETENTION) && q.history_retention > 0 &&
		    (*out == 0 || q.history_retention < *out))
			*out = q.history_retention;
	}
	mdb_cursor_close(cur);
	return crc == MDB_NOTFOUND ? 0 : ims__map_err(crc);
}

typedef struct ret_ctx {
	int64_t now;
	unsigned char start[TIME_KEY];
	int started;
	int dry;
	size_t max;           /* messages examined per transaction */
	/* of the last run of ret_txn */
	unsigned char next[TIME_KEY];
	int more;
	ims_delete_result r;
} ret_ctx;

/* Whether the message of id is past its owner's retention: 1, 0, or an
 * error; *size its body bytes, *held whether it is held. */
static int
past_retention(uint64_t *size, int *held, ims_store *st, MDB_txn *txn,
               const ims_id *id, const ims_config *cfg, int64_t now)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	ims_quota q;
	int rc = ims__msg_load(&m, &x, &d, st, txn, id);

	ims__decbuf_free(&d);
	if (rc == IMS_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (m.folder != IMS_FOLDER_HISTORY)
		return 0;
	if ((rc = ims__quota_read(&q, st, txn, x.owner_atom, cfg)))
		return rc;
	*size = m.size;
	*held = !!(m.flags & IMS_MSGF_HELD);
	return q.history_retention > 0 && m.received < now - q.history_retention;
}

static int
ret_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	ret_ctx *c = arg;
	ims_config cfg;
	int64_t shortest;
	MDB_cursor *cur;
	MDB_val k, v;
	size_t seen = 0;
	int rc, crc;

	memset(&c->r, 0, sizeof(c->r));
	c->more = 0;
	if ((rc = ims__config_read(&cfg, st, txn)) ||
	    (rc = shortest_retention(&shortest, st, txn, &cfg)) || shortest == 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_TIME], &cur)))
		return ims__map_err(rc);
	if (c->started) {
		k.mv_size = TIME_KEY;
		k.mv_data = c->start;
		crc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (crc == 0 && k.mv_size == TIME_KEY && memcmp(k.mv_data, c->start, TIME_KEY) == 0)
			crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	} else
		crc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (crc == 0 && rc == 0 && k.mv_size == TIME_KEY &&
	       ims__rd_be_time(k.mv_data) < c->now - shortest) {
		ims_id id;
		uint64_t size = 0;
		int held = 0, past;
		if (!c->dry && seen == c->max) {
			c->more = 1;
			break;
		}
		seen++;
		memcpy(c->next, k.mv_data, TIME_KEY);
		memcpy(id.b, (unsigned char *)k.mv_data + 8, 16);
		if ((past = past_retention(&size, &held, st, txn, &id, &cfg, c->now)) < 0) {
			rc = past;
			break;
		}
		if (past && held)
			c->r.held++;
		else if (past && !c->dry) {
			/* the cursor is repositioned after the deletion */
			if ((rc = ims__delete_txn(st, txn, &id, NULL, NULL)))
				break;
			c->r.deleted++;
			c->r.bytes += size;
			k.mv_size = TIME_KEY;
			k.mv_data = c->next;
			crc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			continue;
		} else if (past) {
			c->r.deleted++;
			c->r.bytes += size;
		}
		crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && crc != 0 && crc != MDB_NOTFOUND)
		rc = ims__map_err(crc);
	mdb_cursor_close(cur);
	return rc;
}

int
ims_history_sweep(ims_delete_result *out, ims_store *st, int64_t now, int dry_run)
{
	ims_delete_result total = { 0, 0, 0, 0, 0 };
	ret_ctx c;
	MDB_txn *txn;
	int rc = 0;

	if (out)
		*out = total;
	memset(&c, 0, sizeof(c));
	c.now = now == IMS_TIME_NONE ? ims__now_us() : now;
	c.dry = dry_run;
	if (dry_run) {
		if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
			return rc;
		rc = ret_txn(st, txn, &c);
		ims__txn_abort(st, txn);
		total = c.r;
	} else {
		c.more = 1;
		while (rc == 0 && c.more) {
			int64_t t0 = ims__now_us();
			c.max = IMS__MIN(RET_BATCH, ims__delete_fit(st, IMS__TXN_BUDGET_US));
			if ((rc = ims__write(st, ret_txn, &c)))
				break;
			ims__delete_learn(st, ims__now_us() - t0, (size_t)c.r.deleted);
			total.deleted += c.r.deleted;
			total.bytes += c.r.bytes;
			total.held += c.r.held;
			total.txns++;
			total.longest_txn_us = IMS__MAX(total.longest_txn_us, ims__now_us() - t0);
			memcpy(c.start, c.next, TIME_KEY);
			c.started = 1;
		}
	}
	if (out)
		*out = total;
	return rc;
}
