/* read.c - reading metadata and bodies. */
#include <stddef.h>
#include <stdlib.h>

#include "internal.h"

/* The id ix_msgid holds for key; IMS_NOTFOUND for a deleted message's
 * entry waiting for the sweep, which fix drops (the next message of that
 * Message-ID takes it). */
int
ims__msgid_get(ims_id *out, ims_store *st, MDB_txn *txn, MDB_val *key, int fix)
{
	MDB_val v;
	int listed, rc = mdb_get(txn, st->dbi[IMS__DB_IX_MSGID], key, &v);

	if (rc)
		return ims__map_err(rc);
	if (v.mv_size != 16)
		return IMS_CORRUPT;
	memcpy(out->b, v.mv_data, 16);
	if ((rc = ims__reap_listed(&listed, st, txn, out)) || !listed)
		return rc;
	/* a deleted message's: the next message of that Message-ID takes it */
	if (fix && (rc = mdb_del(txn, st->dbi[IMS__DB_IX_MSGID], key, NULL)))
		return ims__map_err(rc);
	return IMS_NOTFOUND;
}

int
ims_get(ims_msg **out, ims_store *st, const ims_id *id)
{
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if (!id)
		return IMS_INVALID;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	rc = ims__msg_owned(out, st, txn, id);
	ims__txn_abort(st, txn);
	return rc;
}

int
ims_get_by_msgid(ims_msg **out, ims_store *st, const char *owner,
                 ims_folder folder, const char *message_id)
{
	char canon[IMS_ADDR_MAX + 1];
	unsigned char key[IMS_MSGID_MAX + 8];
	MDB_val k = { 0, key };
	MDB_txn *txn;
	uint32_t atom;
	ims_id id;
	int rc;

	*out = NULL;
	if (!owner || !message_id || strlen(message_id) > IMS_MSGID_MAX ||
	    (folder != IMS_FOLDER_DEFERRED && folder != IMS_FOLDER_HISTORY))
		return IMS_INVALID;
	if ((rc = ims_addr_canon(canon, sizeof(canon), owner)))
		return rc;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = ims__atom_find(&atom, st, txn, IMS__ATOM_ADDR, canon)))
		goto done;
	k.mv_size = ims__msgid_key(key, message_id, atom, folder);
	if ((rc = ims__msgid_get(&id, st, txn, &k, 0)))
		goto done;
	rc = ims__msg_owned(out, st, txn, &id);
	if (rc == IMS_NOTFOUND) /* index without record */
		rc = IMS_CORRUPT;
done:
	ims__txn_abort(st, txn);
	return rc;
}


int
ims_body_stream(ims_store *st, const ims_id *id, ims_body_cb cb, void *payload)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	MDB_txn *txn;
	int rc;

	if (!id || !cb)
		return IMS_INVALID;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	rc = ims__msg_load(&m, &x, &d, st, txn, id);
	if (rc == 0)
		rc = ims__body_read(st, txn, id, &m, &x, cb, payload);
	ims__txn_abort(st, txn);
	ims__decbuf_free(&d);
	return rc;
}

typedef struct membuf {
	unsigned char *p;
	size_t len, cap;
} membuf;

static int
mem_append(const void *chunk, size_t len, void *payload)
{
	membuf *b = payload;

	if (len > b->cap - b->len)
		return IMS_CORRUPT; /* larger than the recorded size */
	memcpy(b->p + b->len, chunk, len);
	b->len += len;
	return 0;
}

/* One read transaction: the record, then its body, in the same snapshot. */
int
ims_body_get(void **out, size_t *out_len, ims_store *st, const ims_id *id)
{
	ims__decbuf d = { 0 };
	membuf b = { NULL, 0, 0 };
	ims__recx x;
	ims_msg m;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	*out_len = 0;
	if (!id)
		return IMS_INVALID;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = ims__msg_load(&m, &x, &d, st, txn, id)))
		goto done;
	if (m.size > IMS_BODY_MAX) {
		rc = IMS_CORRUPT;
		goto done;
	}
	b.cap = (size_t)m.size;
	if (!(b.p = malloc(b.cap + 1))) {
		rc = ENOMEM;
		goto done;
	}
	if ((rc = ims__body_read(st, txn, id, &m, &x, mem_append, &b)))
		goto done;
	b.p[b.len] = '\0';
	*out = b.p;
	*out_len = b.len;
	b.p = NULL;
done:
	ims__txn_abort(st, txn);
	ims__decbuf_free(&d);
	free(b.p);
	return rc;
}
