/* verify-index.c - the walks over the secondary indexes (ims__indexes):
 * each entry well formed and made from a record that has it.  With v->fix:
 * an entry of no record, or not matching its record, removed. */
#include <stdio.h>

#include "verify.h"

static int
drop_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, ims_problem_kind kind,
           const ims_id *id, const char *what)
{
	int rc = mdb_del(txn, v->st->dbi[v->db], ims__uc(k), NULL);

	if (rc == MDB_NOTFOUND)
		return 0;
	if ((rc = ims__map_err(rc)))
		return rc;
	return ims__vfy_report(v, kind, id, "removed %s from %s", what,
	                       ims__db_name(v->db));
}

/* A time-ordered index (ix_owner, ix_from, ix_time...): prefix, time, id
 * -> "" */
int
ims__vfy_index_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                     const MDB_val *val)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	const ims__index *ix = ims__index_of(v->db);
	const char *name = ix->name;
	ims__recx x;
	ims_msg m;
	ims_id id;
	int rc;

	if (!ims__index_key_ok(ix, k->mv_data, k->mv_size) || val->mv_size != 0)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                           "a malformed entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                "malformed entry in %s (%zu-byte key, %zu-byte value)", name,
		                k->mv_size, val->mv_size);
	memcpy(id.b, (unsigned char *)k->mv_data + k->mv_size - 16, 16);
	rc = ims__vfy_load(&m, &x, v, txn, &v->b[1], &id);
	if (rc == IMS_NOTFOUND && (rc = ims__vfy_pending(v, txn, &id)) != IMS_NOTFOUND)
		return rc;
	if (rc == IMS_NOTFOUND)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, &id, "its entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, &id,
		                                "entry in %s of no record", name);
	if (rc)
		return rc == IMS_CORRUPT ? 0 : rc; /* the record's own problem */
	if (ims__index_key(key, ix, &id, &m, &x) == k->mv_size &&
	    memcmp(key, k->mv_data, k->mv_size) == 0)
		return 0;
	return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                           "an entry not matching the record")
	              : ims__vfy_report(v, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                                "entry in %s does not match the record", name);
}

/* A unique index, ix_msgid: Message-ID NUL owner(4) folder(1) -> id */
int
ims__vfy_msgid_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                     const MDB_val *val)
{
	const ims__index *ix = ims__index_of(v->db);
	const unsigned char *p = k->mv_data;
	unsigned char key[IMS__INDEX_KEY_MAX];
	char shown[128];
	size_t n = k->mv_size;
	ims__recx x;
	ims_msg m;
	ims_id id;
	int rc;

	if (!ims__index_key_ok(ix, p, n) || val->mv_size != 16)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                           "a malformed entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                "malformed entry in %s (%zu-byte key, %zu-byte value)",
		                ix->name, n, val->mv_size);
	memcpy(id.b, val->mv_data, 16);
	ims__vfy_shown(shown, sizeof(shown), p, n - 6);
	rc = ims__vfy_load(&m, &x, v, txn, &v->b[1], &id);
	if (rc == IMS_NOTFOUND && (rc = ims__vfy_pending(v, txn, &id)) != IMS_NOTFOUND)
		return rc;
	if (rc == IMS_NOTFOUND)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, &id, "its entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, &id,
		                "entry in %s for message-id %s of no record", ix->name, shown);
	if (rc)
		return rc == IMS_CORRUPT ? 0 : rc;
	if (ims__index_key(key, ix, &id, &m, &x) == n && memcmp(key, p, n) == 0)
		return 0;
	return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                           "an entry not matching the record")
	              : ims__vfy_report(v, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                "entry in %s for message-id %s does not match the record", ix->name,
	                shown);
}
