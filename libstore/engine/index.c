/* index.c - the secondary indexes of a message: one row each in
 * ims__indexes (layout in internal.h and imstore(5)). */
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

/* prefix(plen) time(8) id(16) */
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

/* ---------------------------------------------------------------- rows */

static int
has_conv(const ims_msg *m, const ims__recx *x)
{
	(void)m;
	return x->conv_atom != 0;
}

static int
has_expiry(const ims_msg *m, const ims__recx *x)
{
	(void)x;
	return m->expires != IMS_TIME_NONE;
}

static int
has_type(const ims_msg *m, const ims__recx *x)
{
	unsigned char pre[IMS__TYPE_MAX + 1];

	(void)x;
	return ims__type_prefix(pre, m->content_type) != 0;
}

static size_t
key_owner(unsigned char *out, const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	unsigned char pre[5];

	ims__be32(pre, x->owner_atom);
	pre[4] = (unsigned char)m->folder;
	return time_key(out, pre, 5, m->received, id);
}

static size_t
key_from(unsigned char *out, const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	unsigned char pre[4];

	ims__be32(pre, x->from_atom);
	return time_key(out, pre, 4, m->received, id);
}

static size_t
key_conv(unsigned char *out, const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	unsigned char pre[4];

	ims__be32(pre, x->conv_atom);
	return time_key(out, pre, 4, m->received, id);
}

static size_t
key_time(unsigned char *out, const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	(void)x;
	return time_key(out, (const unsigned char *)"", 0, m->received, id);
}

static size_t
key_expiry(unsigned char *out, const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	(void)x;
	return time_key(out, (const unsigned char *)"", 0, m->expires, id);
}

static size_t
key_msgid(unsigned char *out, const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	(void)id;
	return ims__msgid_key(out, m->message_id, x->owner_atom, m->folder);
}

static size_t
key_type(unsigned char *out, const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	unsigned char pre[IMS__TYPE_MAX + 1];
	size_t n = ims__type_prefix(pre, m->content_type);

	(void)x;
	return n ? time_key(out, pre, n, m->received, id) : 0;
}

/* The secondary indexes, one row each.  Adding one is adding a row here
 * and its key function (and, when it does not hold every message, its
 * covers predicate), its slot IMS__DB_IX_* before IMS__DB_N in internal.h
 * with IMS__INDEX_N one more, and its format note in imstore(5); open,
 * put, delete, the reap, the planner's key ranges, verify and repair read
 * this table.  A row added after stores exist has IMS__IX_LATER: a
 * writable open creates the index and fills it from the records.  The
 * order is that of a put's writes and of what a check of one record
 * reports; names, keys and values are the format. */
const ims__index ims__indexes[] = {
	/* slot             name       covers      key        prefix  flags */
	{ IMS__DB_IX_OWNER, "ix_owner", NULL, key_owner, 5, IMS__IX_AT_ONCE },
	{ IMS__DB_IX_FROM, "ix_from", NULL, key_from, 4, 0 },
	{ IMS__DB_IX_CONV, "ix_conv", has_conv, key_conv, 4, 0 },
	{ IMS__DB_IX_TIME, "ix_time", NULL, key_time, 0, 0 },
	{ IMS__DB_IX_EXPIRY, "ix_expiry", has_expiry, key_expiry, 0, 0 },
	{ IMS__DB_IX_MSGID, "ix_msgid", NULL, key_msgid, 0, IMS__IX_UNIQUE },
	{ IMS__DB_IX_TYPE, "ix_type", has_type, key_type, IMS__IX_PTEXT, IMS__IX_LATER },
};
_Static_assert(sizeof(ims__indexes) / sizeof(ims__indexes[0]) == IMS__INDEX_N,
               "IMS__INDEX_N is the number of rows of ims__indexes");

const ims__index *
ims__index_of(int db)
{
	for (int i = 0; i < IMS__INDEX_N; i++)
		if (ims__indexes[i].db == db)
			return &ims__indexes[i];
	return NULL;
}

size_t
ims__index_key(unsigned char *out, const ims__index *ix, const ims_id *id,
               const ims_msg *m, const ims__recx *x)
{
	if (ix->covers && !ix->covers(m, x))
		return 0;
	return ix->key(out, id, m, x);
}

/* Time-ordered: prefix time(8) id(16), the prefix plen bytes or a text of
 * 1 to IMS__TYPE_MAX bytes and a NUL; unique: text NUL owner(4) folder(1). */
int
ims__index_key_ok(const ims__index *ix, const unsigned char *k, size_t n)
{
	if (ix->flags & IMS__IX_UNIQUE)
		return n >= 7 && k[n - 6] == 0 && !memchr(k, 0, n - 6) &&
		       k[n - 1] >= IMS_FOLDER_DEFERRED && k[n - 1] <= IMS_FOLDER_HISTORY;
	if (ix->plen == IMS__IX_PTEXT)
		return n >= 26 && n <= IMS__TYPE_MAX + 25 && k[n - 25] == 0;
	return n == (size_t)ix->plen + 24;
}

/* ---------------------------------------------------------------- writes */

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
		const ims__index *ix = &ims__indexes[i];
		if (!(k.mv_size = ims__index_key(key, ix, id, m, x)))
			continue;
		rc = op(txn, st->dbi[ix->db], &k, ix->flags & IMS__IX_UNIQUE ? &idv : &v);
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

/* Each record once: its entry in ix, empty before.  A record that does not
 * decode is left to verify. */
int
ims__index_build(ims_store *st, MDB_txn *txn, const ims__index *ix)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	MDB_val k, d, ik = { 0, key };
	ims__decbuf db = { 0 };
	MDB_cursor *c;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_MSG], &c)))
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		ims__recx x;
		ims_msg m;
		ims_id id;
		MDB_val val = { 0, "" };
		if (k.mv_size != 16 || !ims__val_in_file(st, txn, &d))
			continue;
		memcpy(id.b, k.mv_data, 16);
		if (ims__rec_decode(&m, &x, &db, &id, d.mv_data, d.mv_size) ||
		    !(ik.mv_size = ims__index_key(key, ix, &id, &m, &x)))
			continue;
		if (ix->flags & IMS__IX_UNIQUE)
			val = (MDB_val){ 16, id.b };
		if ((rc = mdb_put(txn, st->dbi[ix->db], &ik, &val, 0)))
			break;
	}
	mdb_cursor_close(c);
	ims__decbuf_free(&db);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
