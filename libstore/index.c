/* index.c - the secondary indexes of a message (layout in internal.h). */
#include "internal.h"

size_t
ims__msgid_key(unsigned char *out, const char *msgid, uint32_t owner,
               ims_folder folder)
{
	size_t n = strlen(msgid);

	memcpy(out, msgid, n);
	out[n] = '\0';
	ims__be32(out + n + 1, owner);
	out[n + 5] = (unsigned char)folder;
	return n + 6;
}

/* prefix(plen) received(8) id(16) */
static size_t
time_key(unsigned char *out, const unsigned char *prefix, size_t plen,
         int64_t t, const ims_id *id)
{
	memcpy(out, prefix, plen);
	ims__be_time(out + plen, t);
	memcpy(out + plen + 8, id->b, 16);
	return plen + 24;
}

typedef int (*ix_op)(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v);

static int
op_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	return ims__map_err(mdb_put(txn, dbi, k, v, MDB_NOOVERWRITE));
}

static int
op_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	int rc = mdb_del(txn, dbi, k, NULL);

	(void)v;
	/* a missing entry is what verify --repair mends; deletion goes on */
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

static int
index_apply(ims_store *st, MDB_txn *txn, const ims_id *id, const ims_msg *m,
            const ims__recx *x, ix_op op)
{
	unsigned char key[IMS_MSGID_MAX + 32], pre[8];
	MDB_val k = { 0, key }, v = { 0, "" }, idv = { 16, ims__uc(id->b) };
	int rc;

	ims__be32(pre, x->owner_atom);
	pre[4] = (unsigned char)m->folder;
	k.mv_size = time_key(key, pre, 5, m->received, id);
	if ((rc = op(txn, st->dbi[IMS__DB_IX_OWNER], &k, &v)))
		return rc;
	ims__be32(pre, x->from_atom);
	k.mv_size = time_key(key, pre, 4, m->received, id);
	if ((rc = op(txn, st->dbi[IMS__DB_IX_FROM], &k, &v)))
		return rc;
	if (x->conv_atom) {
		ims__be32(pre, x->conv_atom);
		k.mv_size = time_key(key, pre, 4, m->received, id);
		if ((rc = op(txn, st->dbi[IMS__DB_IX_CONV], &k, &v)))
			return rc;
	}
	k.mv_size = time_key(key, pre, 0, m->received, id);
	if ((rc = op(txn, st->dbi[IMS__DB_IX_TIME], &k, &v)))
		return rc;
	if (m->expires != IMS_TIME_NONE) {
		k.mv_size = time_key(key, pre, 0, m->expires, id);
		if ((rc = op(txn, st->dbi[IMS__DB_IX_EXPIRY], &k, &v)))
			return rc;
	}
	k.mv_size = ims__msgid_key(key, m->message_id, x->owner_atom, m->folder);
	return op(txn, st->dbi[IMS__DB_IX_MSGID], &k, &idv);
}

int
ims__index_add(ims_store *st, MDB_txn *txn, const ims_id *id,
               const ims_msg *msg, const ims__recx *x)
{
	return index_apply(st, txn, id, msg, x, op_put);
}

int
ims__index_del(ims_store *st, MDB_txn *txn, const ims_id *id,
               const ims_msg *msg, const ims__recx *x)
{
	return index_apply(st, txn, id, msg, x, op_del);
}
