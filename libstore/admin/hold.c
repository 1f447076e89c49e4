/* hold.c - legal hold: messages that nothing deletes until released. */
#include <stdlib.h>

#include "query/filter.h"
#include "internal.h"

#define HOLD_BATCH 500

typedef struct hold_ctx {
	const ims_filter *f;
	int hold;             /* 1: hold, 0: release */
	ims_id *ids;
	size_t n;
	uint64_t done, bytes; /* in this transaction */
} hold_ctx;

static int
hold_one(hold_ctx *c, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	unsigned flags;
	int rc = ims__msg_load(&m, &x, &d, st, txn, id);

	ims__decbuf_free(&d);
	if (rc == IMS_NOTFOUND)
		return 0;
	if (rc || !ims_filter_match(c->f, &m) || !(m.flags & IMS_MSGF_HELD) == !c->hold)
		return rc; /* changed since it was read, or already so */
	flags = c->hold ? m.flags | IMS_MSGF_HELD : m.flags & ~IMS_MSGF_HELD;
	if ((rc = ims__rec_rewrite(st, txn, id, m.state, flags, m.delivered,
	                           x.lease_until)))
		return rc;
	c->done++;
	c->bytes += m.size;
	/* its user deleted it while it was held: deleted now */
	if (!c->hold && m.flags & IMS_MSGF_HIDDEN)
		rc = ims__delete_txn(st, txn, id, NULL, NULL);
	return rc;
}

static int
hold_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	hold_ctx *c = arg;
	int rc = 0;

	c->done = c->bytes = 0;
	for (size_t i = 0; i < c->n && rc == 0; i++)
		rc = hold_one(c, st, txn, &c->ids[i]);
	return rc;
}

/* A message not yet in the wanted state. */
static int
to_change(const ims_msg *m, void *arg)
{
	const hold_ctx *c = arg;

	return !(m->flags & IMS_MSGF_HELD) == !!c->hold;
}

/* Batches of matching messages not yet in the wanted state. */
static int
hold_batches(uint64_t *count, uint64_t *bytes, ims_store *st, hold_ctx *c)
{
	ims_query_opts o = IMS_QUERY_OPTS_INIT;
	char cursor[IMS_CURSOR_STRLEN + 1] = "";
	int rc = 0, more = 1;

	while (rc == 0 && more) {
		ims_query *q;
		o.cursor = cursor[0] ? cursor : NULL;
		if ((rc = ims_query_open(&q, st, c->f, &o)))
			break;
		rc = ims__query_ids(c->ids, &c->n, HOLD_BATCH, &more, cursor, q,
		                    to_change, c);
		ims_query_free(q);
		if (rc == 0 && c->n && (rc = ims__write(st, hold_txn, c)) == 0) {
			*count += c->done;
			*bytes += c->bytes;
		}
	}
	return rc;
}

static int
hold_or_release(uint64_t *count, ims_store *st, const ims_filter *f,
                const char *reason, const char *actor, int hold)
{
	hold_ctx c = { f, hold, NULL, 0, 0, 0 };
	ims_audit_entry e = { 0, hold ? "hold" : "release", actor, NULL, reason, 0, 0 };
	uint64_t n = 0, bytes = 0;
	int rc;

	if (count)
		*count = 0;
	if (!f || (hold && (!reason || !*reason)))
		return IMS_INVALID;
	e.filter = f->expr;
	/* check the audit fields before changing anything */
	if (reason && (strlen(reason) > 4096 || !ims__utf8_valid(reason, strlen(reason))))
		return IMS_INVALID;
	if (!(c.ids = malloc(HOLD_BATCH * sizeof(*c.ids))))
		return ENOMEM;
	rc = hold_batches(&n, &bytes, st, &c);
	free(c.ids);
	e.count = n;
	e.bytes = bytes;
	if (n || rc == 0) {
		int arc = ims_audit_record(st, &e);
		rc = rc ? rc : arc;
	}
	if (count)
		*count = n;
	return rc;
}

int
ims_hold(uint64_t *count, ims_store *st, const ims_filter *f, const char *reason,
         const char *actor)
{
	return hold_or_release(count, st, f, reason, actor, 1);
}

int
ims_release(uint64_t *count, ims_store *st, const ims_filter *f,
            const char *reason, const char *actor)
{
	return hold_or_release(count, st, f, reason, actor, 0);
}
