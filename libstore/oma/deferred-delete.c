/* deferred-delete.c - a user deletes deferred messages without retrieving
 * them (the REFER to the Delete function, OMA IM 003 §12.3). */
#include <stdlib.h>

#include "query/filter.h"
#include "internal.h"

#define BATCH 500

typedef struct udel_ctx {
	const char *canon;
	const char *const *msgids;
	size_t n;
	const ims_id *ids;      /* or ids found by a scoped query */
	size_t nids;
	uint64_t count;
} udel_ctx;

/* Delete one of the user's messages; a held one is only hidden from them. */
static int
user_delete(udel_ctx *c, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc = ims__msg_load(&m, &x, &d, st, txn, id);

	if (rc == 0 && m.flags & IMS_MSGF_HIDDEN)
		rc = IMS_NOTFOUND; /* deleted already, as far as the user knows */
	else if (rc == 0)
		rc = ims__user_delete(st, txn, id, &m, &x);
	ims__decbuf_free(&d);
	if (rc == 0)
		c->count++;
	return rc == IMS_NOTFOUND ? 0 : rc;
}

static int
udel_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	udel_ctx *c = arg;
	unsigned char key[IMS_MSGID_MAX + 8];
	MDB_val k = { 0, key };
	uint32_t owner;
	int rc;

	c->count = 0;
	for (size_t i = 0; i < c->nids; i++)
		if ((rc = user_delete(c, st, txn, &c->ids[i])))
			return rc;
	if (c->n == 0)
		return 0;
	rc = ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, c->canon);
	if (rc)
		return rc == IMS_NOTFOUND ? 0 : rc;
	for (size_t i = 0; i < c->n; i++) {
		ims_id id;
		if (!c->msgids[i] || strlen(c->msgids[i]) > IMS_MSGID_MAX)
			continue;
		k.mv_size = ims__msgid_key(key, c->msgids[i], owner, IMS_FOLDER_DEFERRED);
		rc = ims__msgid_get(&id, st, txn, &k, 1);
		if (rc == IMS_NOTFOUND || rc == IMS_CORRUPT)
			continue;
		if (rc || (rc = user_delete(c, st, txn, &id)))
			return rc;
	}
	return 0;
}

/* By filter: read a batch of the user's visible matches, delete them. */
static int
delete_by_filter(uint64_t *count, ims_store *st, const char *canon,
                 const ims_filter *f)
{
	ims_query_opts o = IMS_QUERY_OPTS_INIT;
	char cursor[IMS_CURSOR_STRLEN + 1] = "";
	ims_id *ids = malloc(BATCH * sizeof(*ids));
	udel_ctx c = { canon, NULL, 0, ids, 0, 0 };
	int rc = ids ? 0 : ENOMEM, more = 1;

	while (rc == 0 && more) {
		ims_query *q;
		o.cursor = cursor[0] ? cursor : NULL;
		if ((rc = ims_deferred_query(&q, st, canon, f, &o)))
			break;
		rc = ims__query_ids(ids, &c.nids, BATCH, &more, cursor, q, NULL, NULL);
		ims_query_free(q);
		if (rc == 0 && c.nids && (rc = ims__write(st, udel_txn, &c)) == 0)
			*count += c.count;
	}
	free(ids);
	return rc;
}

int
ims_deferred_delete(uint64_t *count, ims_store *st, const char *user,
                    const char *const *msgids, size_t n, const ims_filter *f)
{
	char canon[IMS_ADDR_MAX + 1];
	udel_ctx c = { canon, msgids, n, NULL, 0, 0 };
	uint64_t total = 0;
	int rc;

	if (count)
		*count = 0;
	if (!user || ims_addr_canon(canon, sizeof(canon), user) || (!f && n && !msgids))
		return IMS_INVALID;
	if (f)
		rc = delete_by_filter(&total, st, canon, f);
	else if ((rc = ims__write(st, udel_txn, &c)) == 0)
		total = c.count;
	if (count)
		*count = total;
	return rc;
}
