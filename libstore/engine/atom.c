/* atom.c - interned strings: LMDB keys hold 4-byte numbers, not addresses. */
#include "internal.h"

static size_t
atom_key(unsigned char *key, int kind, const char *text)
{
	size_t n = strlen(text);

	key[0] = (unsigned char)kind;
	memcpy(key + 1, text, n);
	return n + 1;
}

int
ims__atom_find(uint32_t *out, ims_store *st, MDB_txn *txn, int kind,
               const char *text)
{
	unsigned char key[IMS_ADDR_MAX + 2];
	MDB_val k, v;
	int rc;

	if (strlen(text) > IMS_ADDR_MAX)
		return IMS_TOOBIG;
	k.mv_data = key;
	k.mv_size = atom_key(key, kind, text);
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_ATOM], &k, &v)))
		return ims__map_err(rc);
	if (v.mv_size != 4)
		return IMS_CORRUPT;
	*out = ims__rd_be32(v.mv_data);
	return 0;
}

static int
next_atom(uint32_t *out, ims_store *st, MDB_txn *txn)
{
	MDB_val k = { 9, "next_atom" }, v;
	unsigned char buf[4];
	uint32_t n = 1;
	int rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v);

	if (rc == 0 && v.mv_size == 4)
		n = ims__rd_be32(v.mv_data);
	else if (rc != MDB_NOTFOUND)
		return rc ? ims__map_err(rc) : IMS_CORRUPT;
	if (n == UINT32_MAX)
		return IMS_FULL;
	ims__be32(buf, n + 1);
	v.mv_size = 4;
	v.mv_data = buf;
	if ((rc = mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0)))
		return ims__map_err(rc);
	*out = n;
	return 0;
}

int
ims__atom_intern(uint32_t *out, ims_store *st, MDB_txn *txn, int kind,
                 const char *text)
{
	unsigned char key[IMS_ADDR_MAX + 2], idb[4];
	MDB_val k, v, ik = { 4, idb };
	int rc = ims__atom_find(out, st, txn, kind, text);

	if (rc != IMS_NOTFOUND)
		return rc;
	if ((rc = next_atom(out, st, txn)))
		return rc;
	ims__be32(idb, *out);
	k.mv_data = key;
	k.mv_size = atom_key(key, kind, text);
	v = ik;
	if ((rc = mdb_put(txn, st->dbi[IMS__DB_ATOM], &k, &v, MDB_NOOVERWRITE)))
		return ims__map_err(rc);
	if ((rc = ims__put_tail(txn, st->dbi[IMS__DB_ATOMID], &ik, &k, MDB_NOOVERWRITE)))
		return ims__map_err(rc);
	return 0;
}
