/* counter.c - message and byte counters per (owner, folder) and in total. */
#include "internal.h"

static int
counter_update(ims_store *st, MDB_txn *txn, MDB_dbi dbi, MDB_val *k,
               int64_t sign, uint64_t bytes, uint64_t stored)
{
	unsigned char buf[24];
	ims__counter c = { 0, 0, 0 };
	MDB_val v;
	int rc = mdb_get(txn, dbi, k, &v);

	(void)st;
	if (rc == 0 && v.mv_size == 24) {
		c.count = ims__rd_be64(v.mv_data);
		c.bytes = ims__rd_be64((unsigned char *)v.mv_data + 8);
		c.stored = ims__rd_be64((unsigned char *)v.mv_data + 16);
	} else if (rc != MDB_NOTFOUND) {
		return rc ? ims__map_err(rc) : IMS_CORRUPT;
	}
	if (sign > 0) {
		c.count++; c.bytes += bytes; c.stored += stored;
	} else {
		c.count = c.count ? c.count - 1 : 0;
		c.bytes = c.bytes >= bytes ? c.bytes - bytes : 0;
		c.stored = c.stored >= stored ? c.stored - stored : 0;
	}
	if (c.count == 0 && dbi == st->dbi[IMS__DB_COUNT]) {
		rc = mdb_del(txn, dbi, k, NULL);
		return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	}
	ims__be64(buf, c.count); ims__be64(buf + 8, c.bytes); ims__be64(buf + 16, c.stored);
	v.mv_size = 24;
	v.mv_data = buf;
	return ims__map_err(mdb_put(txn, dbi, k, &v, 0));
}

int
ims__counter_add(ims_store *st, MDB_txn *txn, uint32_t owner,
                 ims_folder folder, int64_t sign, uint64_t bytes,
                 uint64_t stored)
{
	unsigned char key[8];
	char tkey[] = "totals.0";
	MDB_val k = { 5, key };
	int rc;

	ims__be32(key, owner);
	key[4] = (unsigned char)folder;
	rc = counter_update(st, txn, st->dbi[IMS__DB_COUNT], &k, sign, bytes, stored);
	if (rc)
		return rc;
	tkey[7] = (char)('0' + folder);
	k.mv_size = 8;
	k.mv_data = tkey;
	return counter_update(st, txn, st->dbi[IMS__DB_META], &k, sign, bytes, stored);
}

/* out[0] all, out[1] deferred, out[2] history */
int
ims__totals_get(ims__counter out[3], ims_store *st, MDB_txn *txn)
{
	char tkey[] = "totals.0";
	MDB_val k = { 8, tkey }, v;

	memset(out, 0, 3 * sizeof(*out));
	for (int f = 1; f <= 2; f++) {
		int rc;
		tkey[7] = (char)('0' + f);
		rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc || v.mv_size != 24)
			return rc ? ims__map_err(rc) : IMS_CORRUPT;
		out[f].count = ims__rd_be64(v.mv_data);
		out[f].bytes = ims__rd_be64((unsigned char *)v.mv_data + 8);
		out[f].stored = ims__rd_be64((unsigned char *)v.mv_data + 16);
		out[0].count += out[f].count;
		out[0].bytes += out[f].bytes;
		out[0].stored += out[f].stored;
	}
	return 0;
}

int
ims__counter_get(ims__counter *out, ims_store *st, MDB_txn *txn,
                 uint32_t owner, ims_folder folder)
{
	unsigned char key[5];
	MDB_val k = { 5, key }, v;
	int rc;

	memset(out, 0, sizeof(*out));
	ims__be32(key, owner);
	key[4] = (unsigned char)folder;
	rc = mdb_get(txn, st->dbi[IMS__DB_COUNT], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc || v.mv_size != 24)
		return rc ? ims__map_err(rc) : IMS_CORRUPT;
	out->count = ims__rd_be64(v.mv_data);
	out->bytes = ims__rd_be64((unsigned char *)v.mv_data + 8);
	out->stored = ims__rd_be64((unsigned char *)v.mv_data + 16);
	return 0;
}

int
ims__counter_parse(ims__counter *out, const void *data, size_t len)
{
	const unsigned char *p = data;

	memset(out, 0, sizeof(*out));
	if (len != 24)
		return IMS_CORRUPT;
	out->count = ims__rd_be64(p);
	out->bytes = ims__rd_be64(p + 8);
	out->stored = ims__rd_be64(p + 16);
	return 0;
}

int
ims__counter_set(ims_store *st, MDB_txn *txn, uint32_t owner,
                 ims_folder folder, const ims__counter *c)
{
	unsigned char key[8], buf[24];
	char tkey[] = "totals.0";
	MDB_val k = { 5, key }, v = { 24, buf };
	MDB_dbi dbi = st->dbi[IMS__DB_COUNT];
	int rc;

	ims__be32(key, owner);
	key[4] = (unsigned char)folder;
	if (owner == 0) {
		tkey[7] = (char)('0' + folder);
		k.mv_size = 8;
		k.mv_data = tkey;
		dbi = st->dbi[IMS__DB_META];
	} else if (c->count == 0) {
		rc = mdb_del(txn, dbi, &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	}
	ims__be64(buf, c->count); ims__be64(buf + 8, c->bytes); ims__be64(buf + 16, c->stored);
	return ims__map_err(mdb_put(txn, dbi, &k, &v, 0));
}
