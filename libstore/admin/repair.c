/* repair.c - ims_verify's repair: the walks of verify.c with v->fix set,
 * in write transactions of a bounded number of entries, each committed on
 * its own (a crash leaves what committed; a new repair goes on from
 * there).  Each batch is judged inside its own write transaction, so
 * writers running meanwhile are never undone. */
#include <stdlib.h>

#include "verify.h"

#define DEFAULT_BATCH 1000
#define KEY_MAX 512   /* LMDB's keys are at most 511 bytes */

/* The next keys of a database after `after`, then each entry mended. */
typedef struct batch {
	ims__vfy *v;
	const ims__vfy_pass *p;
	size_t limit;
	unsigned char after[KEY_MAX]; /* in: resume after this key */
	size_t alen;
	int started;
	unsigned char *arena;         /* out: the keys of this batch */
	size_t cap;
	size_t *offs;
	size_t nkeys;
	int done;
	uint64_t total;
} batch;

static void
reps_clear(ims__vfy *v)
{
	for (size_t i = 0; i < v->nreps; i++)
		free(v->reps[i].desc);
	v->nreps = 0;
}

/* Pass the repairs of a committed transaction on. */
static int
reps_emit(ims__vfy *v, ims_verify_result *r)
{
	int rc = 0;

	for (size_t i = 0; i < v->nreps; i++) {
		ims__vfy_rep *e = &v->reps[i];
		ims_problem p = { e->kind, IMS_PROBLEM_REPAIRED, e->has_id ? &e->id : NULL,
		                  e->desc };
		if (e->quarantine)
			r->quarantined++;
		else
			r->repaired++;
		if (rc == 0 && v->o->problem && (rc = v->o->problem(&p, v->o->payload)))
			v->cb_rc = rc;
	}
	reps_clear(v);
	return rc;
}

static int
batch_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	batch *b = ctx;
	MDB_dbi dbi = st->dbi[b->p->db];
	MDB_cursor *c;
	MDB_val k, d;
	size_t used = 0;
	int rc;

	reps_clear(b->v);     /* this may be a second run: start over */
	b->v->db = b->p->db;
	b->v->have_last = 0;
	b->nkeys = 0;
	b->done = 0;
	b->total = ims__vfy_entries(txn, dbi);
	if ((rc = mdb_cursor_open(txn, dbi, &c)))
		return ims__map_err(rc);
	k.mv_size = b->alen;
	k.mv_data = b->after;
	rc = mdb_cursor_get(c, &k, &d, b->started ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == 0 && b->started && k.mv_size == b->alen &&
	    memcmp(k.mv_data, b->after, b->alen) == 0)
		rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
	for (; rc == 0 && b->nkeys < b->limit; rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		if (k.mv_size > KEY_MAX)
			continue;
		if (used + k.mv_size > b->cap) {
			unsigned char *a = realloc(b->arena, b->cap * 2);
			if (!a) {
				mdb_cursor_close(c);
				return ENOMEM;
			}
			b->arena = a;
			b->cap *= 2;
		}
		memcpy(b->arena + used, k.mv_data, k.mv_size);
		used += k.mv_size;
		b->offs[++b->nkeys] = used;
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	b->done = rc == MDB_NOTFOUND;
	rc = 0;
	/* the keys are copies: mending one may move or remove the others */
	for (size_t i = 0; i < b->nkeys && rc == 0; i++) {
		k.mv_size = b->offs[i + 1] - b->offs[i];
		k.mv_data = b->arena + b->offs[i];
		if ((rc = mdb_get(txn, dbi, &k, &d)) == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		rc = rc ? ims__map_err(rc) : b->p->fn(b->v, txn, &k, &d);
	}
	return rc;
}

/* One database, batch after batch. */
static int
walk_batches(ims__vfy *v, const ims__vfy_pass *p, size_t limit,
             ims_verify_result *r)
{
	batch b;
	uint64_t seen = 0;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	b.v = v;
	b.p = p;
	b.limit = limit;
	b.cap = KEY_MAX * 64;
	b.arena = malloc(b.cap);
	b.offs = calloc(limit + 1, sizeof(*b.offs));
	if (!b.arena || !b.offs)
		rc = ENOMEM;
	while (rc == 0 && !b.done) {
		if ((rc = ims__write(v->st, batch_txn, &b)))
			break;
		if (b.nkeys) {
			size_t last = b.offs[b.nkeys - 1];
			b.alen = b.offs[b.nkeys] - last;
			memcpy(b.after, b.arena + last, b.alen);
			b.started = 1;
		}
		seen += b.nkeys;
		rc = reps_emit(v, r);
		ims__vfy_progress(v, p->db, seen, IMS__MAX(seen, b.total));
	}
	reps_clear(v);
	free(b.arena);
	free(b.offs);
	return rc;
}

typedef struct gbatch {
	ims__vfy *v;
	size_t limit;
	ims__vfy_gpos in, out;
} gbatch;

static int
groups_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	gbatch *g = ctx;

	(void)st;
	reps_clear(g->v);
	g->out = g->in;
	return ims__vfy_groups(g->v, txn, &g->out, g->limit);
}

static int
totals_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	ims__vfy *v = ctx;

	(void)st;
	reps_clear(v);
	return ims__vfy_totals(v, txn);
}

static int
meta_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	ims__vfy *v = ctx;

	(void)st;
	reps_clear(v);
	return ims__vfy_meta(v, txn);
}

/* Records first (bad ones to quarantine, missing index entries added),
 * then stray bodies, wrong index entries, atoms, broken leases, settings
 * and names; then every counter from its group of ix_owner, the totals
 * from the counters, and the meta values. */
int
ims__vfy_repair(ims__vfy *v, ims_verify_result *r)
{
	size_t limit = v->o->batch ? v->o->batch : DEFAULT_BATCH;
	ims__vfy_pass pass[IMS__VFY_NPASSES];
	size_t npass = ims__vfy_passes(pass);
	gbatch g;
	int rc = 0;

	v->fix = 1;
	v->nadj = 0;
	v->max_atom = 0;
	if ((rc = ims__vfy_perms(v)) == 0)
		rc = reps_emit(v, r);
	for (size_t i = 0; i < npass && rc == 0; i++)
		rc = walk_batches(v, &pass[i], limit, r);
	memset(&g, 0, sizeof(g));
	g.v = v;
	g.limit = limit;
	while (rc == 0 && !g.in.done) {
		if ((rc = ims__write(v->st, groups_txn, &g)) == 0) {
			g.in = g.out;
			rc = reps_emit(v, r);
		}
	}
	if (rc == 0 && (rc = ims__write(v->st, totals_txn, v)) == 0)
		rc = reps_emit(v, r);
	if (rc == 0 && (rc = ims__write(v->st, meta_txn, v)) == 0)
		rc = reps_emit(v, r);
	reps_clear(v);
	v->fix = 0;
	return v->cb_rc ? v->cb_rc : rc;
}
