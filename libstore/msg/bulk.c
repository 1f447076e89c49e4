/* bulk.c - storing many messages in few commits (import, migration): the
 * messages are copied as they come and written together, many to one
 * durable write transaction of the group commit. */
#include <stdlib.h>

#include "internal.h"

typedef struct bulk_item {
	ims__putreq p;
	ims_msg m;            /* the caller's message, copied: */
	ims__decbuf d;        /* decoded from its own record encoding */
	unsigned char *rec;
	void *body;
} bulk_item;

struct ims_bulk {
	ims_store *st;
	ims_bulk_opts o;
	bulk_item *items;
	size_t n;
	size_t bytes;         /* body bytes queued */
	ims_bulk_result r;
	uint64_t txn_stored, txn_existing;
};

int
ims_bulk_open(ims_bulk **out, ims_store *st, const ims_bulk_opts *opts)
{
	ims_bulk_opts defaults = IMS_BULK_OPTS_INIT;
	ims_bulk *b;
	int rc;

	*out = NULL;
	if ((rc = ims__check(st)))
		return rc;
	if (st->flags & IMS_OPEN_RDONLY)
		return IMS_READONLY;
	if (!(b = calloc(1, sizeof(*b))))
		return ENOMEM;
	b->st = st;
	b->o = opts ? *opts : defaults;
	if (b->o.batch == 0)
		b->o.batch = 1000;
	if (b->o.max_bytes == 0)
		b->o.max_bytes = (size_t)32 << 20;
	if (!(b->items = calloc(b->o.batch, sizeof(*b->items)))) {
		free(b);
		return ENOMEM;
	}
	*out = b;
	return 0;
}

static void
item_clear(bulk_item *it)
{
	ims__putreq_release(&it->p);
	ims__decbuf_free(&it->d);
	free(it->rec);
	free(it->body);
	memset(it, 0, sizeof(*it));
}

/* A private copy of msg and body: the record codec makes the copy. */
static int
item_fill(bulk_item *it, ims_store *st, const ims_msg *msg, const void *body,
          size_t len, int keep)
{
	ims__recx x;
	size_t n;
	int rc;

	if ((rc = ims_msg_check(msg, NULL)))
		return rc;
	if (len > IMS_BODY_MAX)
		return IMS_TOOBIG;
	memset(&x, 0, sizeof(x));
	n = ims__rec_size(msg, &x);
	if (!(it->rec = malloc(n)) || (len && !(it->body = malloc(len))))
		return ENOMEM;
	ims__rec_encode(it->rec, n, msg, &x);
	if ((rc = ims__rec_decode(&it->m, &x, &it->d, &msg->id, it->rec, n)))
		return rc;
	if (len)
		memcpy(it->body, body, len);
	return ims__putreq_prepare(&it->p, st, &it->m, it->body, len, keep);
}

static int
bulk_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	ims_bulk *b = ctx;
	int rc = 0;

	b->txn_stored = b->txn_existing = 0; /* it may run again */
	for (size_t i = 0; i < b->n; i++) {
		rc = ims__putreq_txn(st, txn, &b->items[i].p);
		if (rc == IMS_EXISTS)
			b->txn_existing++;
		else if (rc)
			return rc;
		else
			b->txn_stored++;
	}
	return 0;
}

int
ims_bulk_commit(ims_bulk *b)
{
	int rc = 0;

	if (!b)
		return IMS_INVALID;
	if (b->n && (rc = ims__write(b->st, bulk_txn, b)) == 0) {
		b->r.stored += b->txn_stored;
		b->r.existing += b->txn_existing;
		b->r.commits++;
	}
	for (size_t i = 0; i < b->n; i++)
		item_clear(&b->items[i]);
	b->n = 0;
	b->bytes = 0;
	return rc;
}

int
ims_bulk_put(ims_bulk *b, const ims_msg *msg, const void *body, size_t len)
{
	int rc;

	if (!b || !msg || (len && !body))
		return IMS_INVALID;
	if (b->n && (b->n == b->o.batch || b->bytes + len > b->o.max_bytes) &&
	    (rc = ims_bulk_commit(b)))
		return rc;
	if ((rc = item_fill(&b->items[b->n], b->st, msg, body, len,
	                    (b->o.flags & IMS_BULK_KEEP_ID) != 0))) {
		item_clear(&b->items[b->n]);
		return rc;
	}
	b->n++;
	b->bytes += len;
	return 0;
}

int
ims_bulk_result_get(ims_bulk_result *out, const ims_bulk *b)
{
	if (!b || !out)
		return IMS_INVALID;
	*out = b->r;
	out->queued = b->n;
	return 0;
}

void
ims_bulk_free(ims_bulk *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		item_clear(&b->items[i]);
	free(b->items);
	free(b);
}
