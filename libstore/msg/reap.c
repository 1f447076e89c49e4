/* reap.c - deleting a deferred message in two halves.
 *
 * What the user sees goes at once, in the caller's transaction: the record,
 * its entries in the indexes a listing reads (IMS__IX_AT_ONCE: ix_owner) and
 * its counts.  The rest (its entries in the other indexes, and the body
 * chunks) is scattered over the store's trees, one random leaf each: a copy
 * of the record goes into "reap" (id -> record), and ims_deferred_sweep()
 * removes those leftovers later, many messages a transaction.  So acknowledging 200
 * delivered messages rewrites about 200 leaves instead of about 1,000.
 *
 * Readers already pass over an index entry without a record; an ix_msgid
 * entry of a listed message reads as absent (ims__msgid_get), and verify
 * counts leftovers of listed messages as pending, not as problems.  When the
 * list passes REAP_BACKLOG (no sweep running), every further deletion also
 * reaps two, so it stays bounded. */
#include <stdlib.h>

#include "internal.h"

#define REAP_BACKLOG 20000

int
ims__reap_listed(int *yes, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	MDB_val k = { 16, ims__uc(id->b) }, v;
	MDB_stat ms;
	int rc;

	*yes = 0;
	if (st->no_reap)
		return 0;
	/* mostly empty: one look at its root instead of a search */
	if ((rc = mdb_stat(txn, st->dbi[IMS__DB_REAP], &ms)))
		return ims__map_err(rc);
	if (ms.ms_entries == 0)
		return 0;
	rc = mdb_get(txn, st->dbi[IMS__DB_REAP], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	*yes = rc == 0;
	return ims__map_err(rc);
}

/* Drop one index entry of a listed record; the entry of a unique index
 * only while it still names this id (a later message of that key, such as
 * a Message-ID, takes it). */
static int
drop_entry(ims_store *st, MDB_txn *txn, const ims__index *ix, MDB_val *k,
           const ims_id *id)
{
	MDB_dbi dbi = st->dbi[ix->db];
	MDB_val v;
	int rc = 0;

	if ((ix->flags & IMS__IX_UNIQUE) && (rc = mdb_get(txn, dbi, k, &v)) == 0 &&
	    (v.mv_size != 16 || memcmp(v.mv_data, id->b, 16) != 0))
		return 0;
	if (rc == 0)
		rc = mdb_del(txn, dbi, k, NULL);
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* Remove what a listed record left: its index entries, its body chunks,
 * its list entry.  A copy that no longer decodes leaves its index entries
 * to verify --repair. */
static int
reap_one(ims_store *st, MDB_txn *txn, const ims_id *id, const unsigned char *rec,
         size_t len)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	MDB_val k = { 0, key }, rk = { 16, ims__uc(id->b) };
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc = ims__rec_decode(&m, &x, &d, id, rec, len);

	for (int i = 0; rc == 0 && i < IMS__INDEX_N; i++) {
		const ims__index *ix = &ims__indexes[i];
		if ((k.mv_size = ims__index_key(key, ix, id, &m, &x)))
			rc = drop_entry(st, txn, ix, &k, id);
	}
	ims__decbuf_free(&d);
	if (rc && rc != IMS_CORRUPT)
		return rc;
	if ((rc = ims__body_del(st, txn, id)))
		return rc;
	return ims__map_err(mdb_del(txn, st->dbi[IMS__DB_REAP], &rk, NULL));
}

int
ims__reap(size_t *done, ims_store *st, MDB_txn *txn, size_t max)
{
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned char *copy = NULL;
	size_t cap = 0;
	ims_id id;
	int rc = 0;

	*done = 0;
	if (st->no_reap)
		return 0;
	while (*done < max && rc == 0) {
		if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_REAP], &cur)))
			return ims__map_err(rc);
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		mdb_cursor_close(cur);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc || k.mv_size != 16) {
			rc = rc ? ims__map_err(rc) : IMS_CORRUPT;
			break;
		}
		memcpy(id.b, k.mv_data, 16);
		/* the value moves once the trees under it change */
		if (v.mv_size > cap) {
			unsigned char *n = realloc(copy, v.mv_size);
			if (!n) {
				rc = ENOMEM;
				break;
			}
			copy = n;
			cap = v.mv_size;
		}
		memcpy(copy, v.mv_data, v.mv_size);
		if ((rc = reap_one(st, txn, &id, copy, v.mv_size)) == 0)
			(*done)++;
	}
	free(copy);
	return rc;
}

int
ims__reap_id(ims_store *st, MDB_txn *txn, const ims_id *id)
{
	MDB_val k = { 16, ims__uc(id->b) }, v;
	unsigned char *copy;
	int rc = st->no_reap ? MDB_NOTFOUND : mdb_get(txn, st->dbi[IMS__DB_REAP], &k, &v);

	if (rc)
		return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	if (!(copy = malloc(v.mv_size)))
		return ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	rc = reap_one(st, txn, id, copy, v.mv_size);
	free(copy);
	return rc;
}

/* Past REAP_BACKLOG, each deletion reaps two. */
static int
backlog(ims_store *st, MDB_txn *txn)
{
	MDB_stat ms;
	size_t n;
	int rc = mdb_stat(txn, st->dbi[IMS__DB_REAP], &ms);

	if (rc)
		return ims__map_err(rc);
	return ms.ms_entries > REAP_BACKLOG ? ims__reap(&n, st, txn, 2) : 0;
}

/* The entries a user's listing reads (IMS__IX_AT_ONCE), removed now. */
static int
drop_at_once(ims_store *st, MDB_txn *txn, const ims_id *id, const ims_msg *m,
             const ims__recx *x)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	MDB_val k = { 0, key };
	int rc = 0;

	for (int i = 0; i < IMS__INDEX_N && rc == 0; i++) {
		const ims__index *ix = &ims__indexes[i];
		if ((ix->flags & IMS__IX_AT_ONCE) &&
		    (k.mv_size = ims__index_key(key, ix, id, m, x)))
			rc = drop_entry(st, txn, ix, &k, id);
	}
	return rc;
}

int
ims__delete_lazy(ims_store *st, MDB_txn *txn, const ims_id *id)
{
	unsigned char *copy;
	MDB_val k = { 16, ims__uc(id->b) }, v;
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc;

	if (st->no_reap) /* a store not yet upgraded */
		return ims__delete_txn(st, txn, id, NULL, NULL);
	if ((rc = ims__rec_get(&v, st, txn, id)))
		return rc;
	if (!(copy = malloc(v.mv_size)))
		return ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	v.mv_data = copy;
	if ((rc = ims__rec_decode(&m, &x, &d, id, copy, v.mv_size)))
		goto out;
	if (m.flags & IMS_MSGF_HELD) {
		rc = IMS_HELD;
		goto out;
	}
	if ((rc = drop_at_once(st, txn, id, &m, &x)) ||
	    (rc = ims__counter_add(st, txn, x.owner_atom, m.folder, -1, m.size, x.stored)) ||
	    (rc = ims__map_err(mdb_del(txn, st->dbi[IMS__DB_MSG], &k, NULL))) ||
	    (rc = ims__map_err(mdb_put(txn, st->dbi[IMS__DB_REAP], &k, &v, 0))))
		goto out;
	rc = backlog(st, txn);
out:
	ims__decbuf_free(&d);
	free(copy);
	return rc;
}
