/* msgdb.c - the message database's one reader: fetch a record by id, check
 * that it lies in the file, decode it (borrowed, or copied for the caller). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* An ims_msg returned to the caller owns a copy of its record. */
typedef struct owned_msg {
	ims_msg m;
	ims__decbuf d;
	size_t len;
	unsigned char rec[];
} owned_msg;

int
ims__rec_get(MDB_val *out, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	MDB_val k = { 16, ims__uc(id->b) };
	int rc = mdb_get(txn, st->dbi[IMS__DB_MSG], &k, out);

	if (rc)
		return ims__map_err(rc);
	return ims__val_in_file(st, txn, out) ? 0 : IMS_CORRUPT;
}

int
ims__msg_load(ims_msg *msg, ims__recx *x, ims__decbuf *d, ims_store *st,
              MDB_txn *txn, const ims_id *id)
{
	MDB_val v;
	int rc = ims__rec_get(&v, st, txn, id);

	return rc ? rc : ims__rec_decode(msg, x, d, id, v.mv_data, v.mv_size);
}

int
ims__msg_owned(ims_msg **out, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	MDB_val v;
	ims__recx x;
	owned_msg *o;
	int rc = ims__rec_get(&v, st, txn, id);

	if (rc)
		return rc;
	if (!(o = calloc(1, sizeof(*o) + v.mv_size)))
		return ENOMEM;
	o->len = v.mv_size;
	memcpy(o->rec, v.mv_data, v.mv_size);
	if ((rc = ims__rec_decode(&o->m, &x, &o->d, id, o->rec, o->len))) {
		ims__decbuf_free(&o->d);
		free(o);
		return rc;
	}
	*out = &o->m;
	return 0;
}

void
ims_msg_free(ims_msg *msg)
{
	owned_msg *o;

	if (!msg)
		return;
	o = (owned_msg *)(void *)((char *)msg - offsetof(owned_msg, m));
	ims__decbuf_free(&o->d);
	free(o);
}
