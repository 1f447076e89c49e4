/* remove.c - removing one message at once: its index entries, body
 * chunks, counts and record, in the caller's transaction.  ims_delete()
 * and the bulk deletions (delete.c) call it, and so does a lazy deletion
 * on a store that has no reap list yet (reap.c). */
#include "internal.h"

/* Delete one message inside txn.  With recheck, a message that no longer
 * matches is left alone (IMS_NOTFOUND). */
int
ims__delete_txn(ims_store *st, MDB_txn *txn, const ims_id *id,
                const ims_filter *recheck, uint64_t *bytes)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	MDB_val k = { 16, ims__uc(id->b) };
	int rc = ims__msg_load(&m, &x, &d, st, txn, id);

	if (rc)
		goto out;
	if (recheck && !ims_filter_match(recheck, &m)) {
		rc = IMS_NOTFOUND;
		goto out;
	}
	if (m.flags & IMS_MSGF_HELD) {
		rc = IMS_HELD;
		goto out;
	}
	if (bytes)
		*bytes = m.size;
	if ((rc = ims__index_del(st, txn, id, &m, &x)) ||
	    (rc = ims__body_del(st, txn, id)) ||
	    (rc = ims__counter_add(st, txn, x.owner_atom, m.folder, -1, m.size,
	                           x.stored)))
		goto out;
	rc = ims__map_err(mdb_del(txn, st->dbi[IMS__DB_MSG], &k, NULL));
out:
	ims__decbuf_free(&d);
	return rc;
}
