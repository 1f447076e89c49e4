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

size_t
ims__type_prefix(unsigned char *out, const char *ct)
{
	size_t n = 0;

	if (!ct)
		ct = "text/plain";
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (; ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t'; n++) {
		if (n == IMS__TYPE_MAX)
			return 0;
		out[n] = (unsigned char)(ct[n] >= 'A' && ct[n] <= 'Z'
		                         ? ct[n] + ('a' - 'A') : ct[n]);
	}
	/* nor is the default type, most messages: its index would be as
	 * large as ix_time and hardly more selective */
	if (n == 0 || (n == 10 && memcmp(out, IMS__TYPE_UNINDEXED, 10) == 0))
		return 0;
	out[n] = '\0';
	return n + 1;
}

size_t
ims__index_key(unsigned char *out, int ix, const ims_id *id, const ims_msg *m,
               const ims__recx *x)
{
	unsigned char pre[IMS__TYPE_MAX + 1];
	size_t n;

	switch (ix) {
	case IMS__DB_IX_OWNER:
		ims__be32(pre, x->owner_atom);
		pre[4] = (unsigned char)m->folder;
		return time_key(out, pre, 5, m->received, id);
	case IMS__DB_IX_FROM:
		ims__be32(pre, x->from_atom);
		return time_key(out, pre, 4, m->received, id);
	case IMS__DB_IX_CONV:
		if (!x->conv_atom)
			return 0;
		ims__be32(pre, x->conv_atom);
		return time_key(out, pre, 4, m->received, id);
	case IMS__DB_IX_TIME:
		return time_key(out, pre, 0, m->received, id);
	case IMS__DB_IX_EXPIRY:
		if (m->expires == IMS_TIME_NONE)
			return 0;
		return time_key(out, pre, 0, m->expires, id);
	case IMS__DB_IX_MSGID:
		return ims__msgid_key(out, m->message_id, x->owner_atom, m->folder);
	case IMS__DB_IX_TYPE:
		if (!(n = ims__type_prefix(pre, m->content_type)))
			return 0;
		return time_key(out, pre, n, m->received, id);
	default:
		return 0;
	}
}

const int ims__index_dbs[IMS__INDEX_N] = {
	IMS__DB_IX_OWNER, IMS__DB_IX_FROM, IMS__DB_IX_CONV, IMS__DB_IX_TIME,
	IMS__DB_IX_EXPIRY, IMS__DB_IX_MSGID, IMS__DB_IX_TYPE,
};

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
	unsigned char key[IMS__INDEX_KEY_MAX];
	MDB_val k = { 0, key }, v = { 0, "" }, idv = { 16, ims__uc(id->b) };
	int rc = 0;

	for (int i = 0; i < IMS__INDEX_N && rc == 0; i++) {
		int ix = ims__index_dbs[i];
		if (!(k.mv_size = ims__index_key(key, ix, id, m, x)))
			continue;
		rc = op(txn, st->dbi[ix], &k, ix == IMS__DB_IX_MSGID ? &idv : &v);
	}
	return rc;
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
