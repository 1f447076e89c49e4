/* quota.c - per-user quota overrides (database "quota"):
 *   key   owner(4)
 *   value version(1) = 1, set(1) IMS_QUOTA_* bits, policy(1), zero(1),
 *         deferred count, deferred bytes, history count, history bytes,
 *         history retention (µs), 8 bytes big-endian each
 * A field whose bit is clear follows the store's configuration. */
#include "internal.h"

#define QUOTA_LEN 44

int
ims__quota_parse(ims_quota *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	ims_quota q = IMS_QUOTA_INIT;

	if (len != QUOTA_LEN || p[0] != 1 || (p[1] & ~IMS_QUOTA_ALL) || p[1] == 0 ||
	    p[2] > IMS_HISTORY_DROP_OLDEST || p[3] != 0)
		return IMS_CORRUPT;
	q.set = p[1];
	q.history_policy = (ims_history_policy)p[2];
	q.deferred_max_count = ims__rd_be64(p + 4);
	q.deferred_max_bytes = ims__rd_be64(p + 12);
	q.history_max_count = ims__rd_be64(p + 20);
	q.history_max_bytes = ims__rd_be64(p + 28);
	q.history_retention = (int64_t)ims__rd_be64(p + 36);
	if (q.history_retention < 0)
		return IMS_CORRUPT;
	*out = q;
	return 0;
}

static void
apply(ims_quota *q, const ims_quota *own)
{
	unsigned s = own->set;

	q->set = s;
	if (s & IMS_QUOTA_DEFERRED_COUNT)
		q->deferred_max_count = own->deferred_max_count;
	if (s & IMS_QUOTA_DEFERRED_BYTES)
		q->deferred_max_bytes = own->deferred_max_bytes;
	if (s & IMS_QUOTA_HISTORY_COUNT)
		q->history_max_count = own->history_max_count;
	if (s & IMS_QUOTA_HISTORY_BYTES)
		q->history_max_bytes = own->history_max_bytes;
	if (s & IMS_QUOTA_HISTORY_POLICY)
		q->history_policy = own->history_policy;
	if (s & IMS_QUOTA_HISTORY_RETENTION)
		q->history_retention = own->history_retention;
}

static void
from_config(ims_quota *q, const ims_config *cfg)
{
	ims_quota def = IMS_QUOTA_INIT;

	*q = def;
	q->deferred_max_count = cfg->deferred_max_count;
	q->deferred_max_bytes = cfg->deferred_max_bytes;
	q->history_max_count = cfg->history_max_count;
	q->history_max_bytes = cfg->history_max_bytes;
	q->history_policy = cfg->history_policy;
	q->history_retention = cfg->history_retention;
}

int
ims__quota_read(ims_quota *out, ims_store *st, MDB_txn *txn, uint32_t owner,
                const ims_config *cfg)
{
	unsigned char key[4];
	MDB_val k = { 4, key }, v;
	ims_quota own;
	int rc;

	from_config(out, cfg);
	if (st->no_quota)
		return 0; /* a store no writable open has given the database yet */
	ims__be32(key, owner);
	rc = mdb_get(txn, st->dbi[IMS__DB_QUOTA], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return ims__map_err(rc);
	if ((rc = ims__quota_parse(&own, v.mv_data, v.mv_size)))
		return rc;
	apply(out, &own);
	return 0;
}

int
ims_quota_get(ims_quota *out, ims_store *st, const char *user)
{
	char canon[IMS_ADDR_MAX + 1];
	ims_config cfg;
	MDB_txn *txn;
	uint32_t owner;
	int rc;

	if (user && ims_addr_canon(canon, sizeof(canon), user))
		return IMS_INVALID;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = ims__config_read(&cfg, st, txn)))
		goto done;
	from_config(out, &cfg);
	if (!user)
		goto done;
	rc = ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, canon);
	if (rc == 0)
		rc = ims__quota_read(out, st, txn, owner, &cfg);
	else if (rc == IMS_NOTFOUND)
		rc = 0; /* never seen: the store's */
done:
	ims__txn_abort(st, txn);
	return rc;
}

typedef struct quota_ctx {
	const char *user;
	const ims_quota *q;
} quota_ctx;

static int
quota_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	quota_ctx *c = ctx;
	const ims_quota *q = c->q;
	unsigned char key[4], val[QUOTA_LEN];
	MDB_val k = { 4, key }, v = { QUOTA_LEN, val };
	uint32_t owner;
	int rc = ims__atom_intern(&owner, st, txn, IMS__ATOM_ADDR, c->user);

	if (rc)
		return rc;
	ims__be32(key, owner);
	if (q->set == 0) {
		rc = mdb_del(txn, st->dbi[IMS__DB_QUOTA], &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	}
	memset(val, 0, sizeof(val));
	val[0] = 1;
	val[1] = (unsigned char)q->set;
	val[2] = (unsigned char)q->history_policy;
	ims__be64(val + 4, q->set & IMS_QUOTA_DEFERRED_COUNT ? q->deferred_max_count : 0);
	ims__be64(val + 12, q->set & IMS_QUOTA_DEFERRED_BYTES ? q->deferred_max_bytes : 0);
	ims__be64(val + 20, q->set & IMS_QUOTA_HISTORY_COUNT ? q->history_max_count : 0);
	ims__be64(val + 28, q->set & IMS_QUOTA_HISTORY_BYTES ? q->history_max_bytes : 0);
	ims__be64(val + 36, q->set & IMS_QUOTA_HISTORY_RETENTION ?
	          (uint64_t)q->history_retention : 0);
	if (!(q->set & IMS_QUOTA_HISTORY_POLICY))
		val[2] = 0;
	return ims__map_err(mdb_put(txn, st->dbi[IMS__DB_QUOTA], &k, &v, 0));
}

int
ims_quota_set(ims_store *st, const char *user, const ims_quota *q)
{
	char canon[IMS_ADDR_MAX + 1];
	quota_ctx c = { canon, q };

	if (!user || !q || q->version < 1 || (q->set & ~IMS_QUOTA_ALL) ||
	    (unsigned)q->history_policy > IMS_HISTORY_DROP_OLDEST ||
	    q->history_retention < 0 || ims_addr_canon(canon, sizeof(canon), user))
		return IMS_INVALID;
	return ims__write(st, quota_txn, &c);
}

/* The oldest history message of owner after *pos (owner(4) folder(1)
 * received(8) id(16), or just the 5-byte prefix at first): its id, pos
 * moved to it; IMS_NOTFOUND when there is none. */
static int
oldest_after(ims_id *out, unsigned char pos[29], size_t *pos_len, ims_store *st,
             MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k = { *pos_len, pos }, v;
	unsigned char prefix[5];
	int rc;

	memcpy(prefix, pos, 5);
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_OWNER], &cur)))
		return ims__map_err(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size == *pos_len && memcmp(k.mv_data, pos, *pos_len) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	if (rc == 0 && (k.mv_size != 29 || memcmp(k.mv_data, prefix, 5) != 0))
		rc = MDB_NOTFOUND;
	if (rc == 0) {
		memcpy(pos, k.mv_data, 29);
		*pos_len = 29;
		memcpy(out->b, pos + 13, 16);
	}
	mdb_cursor_close(cur);
	return ims__map_err(rc);
}

int
ims__history_room(ims_store *st, MDB_txn *txn, uint32_t owner, uint64_t size)
{
	ims_config cfg;
	ims_quota q;
	ims__counter cnt = { 0, 0, 0 };
	unsigned char pos[29];
	size_t pos_len = 5;
	int rc;

	if ((rc = ims__config_read(&cfg, st, txn)))
		return rc;
	if (owner == 0) { /* a user never seen: nothing stored yet */
		from_config(&q, &cfg);
	} else if ((rc = ims__quota_read(&q, st, txn, owner, &cfg)) ||
	           (rc = ims__counter_get(&cnt, st, txn, owner, IMS_FOLDER_HISTORY)))
		return rc;
	if (q.history_max_bytes && size > q.history_max_bytes)
		return IMS_QUOTA; /* no drop makes room for it */
	ims__be32(pos, owner);
	pos[4] = IMS_FOLDER_HISTORY;
	while ((q.history_max_count && cnt.count + 1 > q.history_max_count) ||
	       (q.history_max_bytes && cnt.bytes + size > q.history_max_bytes)) {
		ims_id id;
		uint64_t bytes = 0;
		if (q.history_policy != IMS_HISTORY_DROP_OLDEST || owner == 0)
			return IMS_QUOTA;
		if ((rc = oldest_after(&id, pos, &pos_len, st, txn)))
			return rc == IMS_NOTFOUND ? IMS_QUOTA : rc; /* all held */
		rc = ims__delete_txn(st, txn, &id, NULL, &bytes);
		if (rc == IMS_HELD)
			continue;
		if (rc)
			return rc;
		cnt.count--;
		cnt.bytes -= IMS__MIN(bytes, cnt.bytes);
	}
	return 0;
}

int
ims_quota_usage(ims_usage *out, ims_store *st, const char *user)
{
	char canon[IMS_ADDR_MAX + 1];
	ims__counter d, h;
	MDB_txn *txn;
	uint32_t owner;
	int rc;

	if (!out || !user || ims_addr_canon(canon, sizeof(canon), user))
		return IMS_INVALID;
	*out = (ims_usage)IMS_USAGE_INIT;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	rc = ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, canon);
	if (rc == 0 &&
	    (rc = ims__counter_get(&d, st, txn, owner, IMS_FOLDER_DEFERRED)) == 0 &&
	    (rc = ims__counter_get(&h, st, txn, owner, IMS_FOLDER_HISTORY)) == 0) {
		out->deferred_count = d.count;
		out->deferred_bytes = d.bytes;
		out->history_count = h.count;
		out->history_bytes = h.bytes;
	} else if (rc == IMS_NOTFOUND) {
		rc = 0; /* never seen: nothing stored */
	}
	ims__txn_abort(st, txn);
	return rc;
}
