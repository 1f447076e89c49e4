/* deferred-retry.c - retry now (postsuper -r): messages handed out under a
 * lease that has not run out go back to pending at once, so that the next
 * lease hands them out again without waiting for the deadline.  The lease
 * itself stays; acknowledging it later settles nothing it no longer holds
 * (settle_one in deferred.c compares the deadline), so nothing is
 * delivered twice by an ack that arrives after a retry. */
#include <stdlib.h>

#include "internal.h"

#define BATCH 500

typedef struct retry_ctx {
	const ims_id *ids;
	size_t nids;
	uint64_t count;
} retry_ctx;

static int
retry_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	retry_ctx *c = arg;
	int rc = 0;

	c->count = 0;
	for (size_t i = 0; i < c->nids && rc == 0; i++) {
		ims__decbuf d = { 0 };
		ims__recx x;
		ims_msg m;
		rc = ims__msg_load(&m, &x, &d, st, txn, &c->ids[i]);
		ims__decbuf_free(&d);
		if (rc == IMS_NOTFOUND) { /* settled or deleted since the query */
			rc = 0;
			continue;
		}
		if (rc || m.state != IMS_STATE_DELIVERING || m.flags & IMS_MSGF_HIDDEN)
			continue;
		rc = ims__rec_rewrite(st, txn, &c->ids[i], IMS_STATE_PENDING, m.flags,
		                      m.delivered, IMS_TIME_NONE);
		c->count += rc == 0;
	}
	return rc;
}

/* The messages to retry: f, with the deferred folder and the delivering
 * state, confined to user when given. */
static int
retry_filter(ims_filter **out, const char *user, const ims_filter *f)
{
	ims_filter *terms = NULL, *scoped = NULL;
	int rc = ims_filter_parse(&terms, "folder:deferred and state:delivering", 0, NULL);

	if (rc == 0 && user)
		rc = ims_filter_scope(&scoped, f, user, IMS_FOLDER_DEFERRED, NULL);
	if (rc == 0)
		rc = ims_filter_and(out, terms, user ? scoped : f);
	ims_filter_free(scoped);
	ims_filter_free(terms);
	return rc;
}

int
ims_deferred_retry(uint64_t *count, ims_store *st, const char *user,
                   const ims_filter *f)
{
	ims_query_opts o = IMS_QUERY_OPTS_INIT;
	char cursor[IMS_CURSOR_STRLEN + 1] = "";
	ims_id *ids = NULL;
	ims_filter *all = NULL;
	retry_ctx c = { NULL, 0, 0 };
	uint64_t total = 0;
	int rc, more = 1;

	if (count)
		*count = 0;
	if (!st)
		return IMS_INVALID;
	if ((rc = retry_filter(&all, user, f)))
		return rc;
	if (!(ids = malloc(BATCH * sizeof(*ids))))
		rc = ENOMEM;
	c.ids = ids;
	while (rc == 0 && more) {
		ims_query *q;
		o.cursor = cursor[0] ? cursor : NULL;
		if ((rc = ims_query_open(&q, st, all, &o)))
			break;
		rc = ims__query_ids(ids, &c.nids, BATCH, &more, cursor, q, NULL, NULL);
		ims_query_free(q);
		if (rc == 0 && c.nids && (rc = ims__write(st, retry_txn, &c)) == 0)
			total += c.count;
	}
	free(ids);
	ims_filter_free(all);
	if (count)
		*count = total;
	return rc;
}
