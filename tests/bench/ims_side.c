/* ims_side.c - the workloads on imstore, through the public API only. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cpim.h"
#include "imstore.h"

static int
ims_open(void **h, const char *dir)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	int rc;

	o.flags = IMS_OPEN_CREATE;
	if ((rc = ims_store_open(&st, dir, &o))) {
		fprintf(stderr, "imstore: cannot open '%s': %s\n", dir, ims_strerror(rc));
		return -1;
	}
	*h = st;
	return 0;
}

static void
ims_close(void *h)
{
	ims_store_close(h);
}

/* One handle is shared by every thread: the threads' puts share commits. */
static int
ims_thread_open(void **ctx, void *h)
{
	*ctx = h;
	return 0;
}

static void
ims_thread_close(void *ctx)
{
	(void)ctx;
}

static void
fill_msg(ims_msg *m, ims_addr *to, const bmsg *b)
{
	ims_msg m0 = IMS_MSG_INIT;

	*m = m0;
	to->uri = b->to_uri;
	to->name = NULL;
	m->folder = (ims_folder)b->folder;
	m->mode = (ims_mode)b->mode;
	m->state = (ims_state)b->state;
	m->owner = b->owner;
	m->from.uri = b->from_uri;
	m->from.name = b->from_name;
	m->to = to;
	m->nto = 1;
	m->message_id = b->msgid;
	m->conversation = b->conv;
	m->received = b->received;
	m->sent = b->sent;
	m->sent_text = b->sent_text;
	m->expires = b->expires == INT64_MIN ? IMS_TIME_NONE : b->expires;
	m->content_type = b->ctype;
	m->subject = b->subject;
}

static int
ims_put1(void *ctx, const bmsg *b)
{
	ims_msg m;
	ims_addr to;
	int rc;

	fill_msg(&m, &to, b);
	rc = ims_put(NULL, ctx, &m, b->body, b->body_len);
	if (rc == IMS_EXISTS)
		return 1;
	if (rc) {
		fprintf(stderr, "imstore: put: %s\n", ims_strerror(rc));
		return -1;
	}
	return 0;
}

typedef struct bulk_job {
	ims_store *st;
	const bset *s;
	size_t from, to;         /* this thread's slice of the set */
	int failed;
} bulk_job;

/* The bulk path: ims_bulk, 1,000 messages a commit, one load per thread
 * (each compresses its own bodies; their commits share the group commit). */
static void *
bulk_worker(void *arg)
{
	bulk_job *j = arg;
	ims_bulk_opts o = IMS_BULK_OPTS_INIT;
	ims_bulk *b;
	ims_msg m;
	ims_addr to;
	int rc;

	o.batch = 1000;
	if ((rc = ims_bulk_open(&b, j->st, &o)) == 0) {
		for (size_t i = j->from; i < j->to && rc == 0; i++) {
			fill_msg(&m, &to, j->s->v[i]);
			rc = ims_bulk_put(b, &m, j->s->v[i]->body, j->s->v[i]->body_len);
		}
		if (rc == 0)
			rc = ims_bulk_commit(b);
		ims_bulk_free(b);
	}
	if (rc) {
		fprintf(stderr, "imstore: bulk: %s\n", ims_strerror(rc));
		j->failed = 1;
	}
	return NULL;
}

static int
ims_bulk_load(void *h, const bset *s, int threads)
{
	pthread_t th[256];
	bulk_job jobs[256];
	int rc = 0;

	if (threads < 1)
		threads = 1;
	if (threads > 256)
		threads = 256;
	for (int t = 0; t < threads; t++) {
		jobs[t] = (bulk_job){ h, s, s->n * (size_t)t / (size_t)threads,
		                      s->n * (size_t)(t + 1) / (size_t)threads, 0 };
		pthread_create(&th[t], NULL, bulk_worker, &jobs[t]);
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(th[t], NULL);
		rc |= jobs[t].failed;
	}
	return rc ? -1 : 0;
}

static long
ims_deferred_page(void *ctx, const char *user, size_t page)
{
	ims_query *q;
	const ims_msg *m;
	long n = 0;
	int rc;

	if ((rc = ims_deferred_query(&q, ctx, user, NULL, NULL)))
		return -1;
	while ((size_t)n < page && (rc = ims_query_next(&m, q)) == 0)
		n++;
	ims_query_free(q);
	return rc == 0 || rc == IMS_ITEROVER ? n : -1;
}

static long
ims_lease_ack(void *ctx, const char *user)
{
	ims_lease *l;
	uint64_t acked = 0;
	long n;
	int rc;

	if ((rc = ims_deferred_lease(&l, ctx, user, NULL, 0, 0)))
		return -1;
	n = (long)ims_lease_count(l);
	rc = ims_deferred_ack(&acked, ctx, user, ims_lease_token(l));
	ims_lease_free(l);
	return rc || acked != (uint64_t)n ? -1 : n;
}

static int
count_bytes(const void *chunk, size_t len, void *payload)
{
	(void)chunk;
	*(uint64_t *)payload += len;
	return 0;
}

static long
ims_transcript(void *ctx, const char *user, const char *conv, uint64_t *bytes)
{
	ims_query *q;
	const ims_msg *m;
	long n = 0;
	int rc;

	*bytes = 0;
	if ((rc = ims_history_transcript(&q, ctx, user, conv, NULL)))
		return -1;
	while ((rc = ims_query_next(&m, q)) == 0) {
		if ((rc = ims_query_body_stream(q, count_bytes, bytes)))
			break;
		n++;
	}
	ims_query_free(q);
	return rc == IMS_ITEROVER ? n : -1;
}

static void
instant(char *out, size_t cap, int64_t us)
{
	cpim_datetime_format(out, cap, us);
}

static long
run_filter(ims_store *st, const char *expr)
{
	ims_filter *f;
	ims_query *q;
	const ims_msg *m;
	long n = 0;
	int rc;

	if ((rc = ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL))) {
		fprintf(stderr, "imstore: filter '%s': %s\n", expr, ims_strerror(rc));
		return -1;
	}
	if ((rc = ims_query_open(&q, st, f, NULL)) == 0) {
		while ((rc = ims_query_next(&m, q)) == 0)
			n++;
		ims_query_free(q);
	}
	ims_filter_free(f);
	return rc == IMS_ITEROVER ? n : -1;
}

static long
ims_by_sender(void *ctx, const char *sender, int64_t lo, int64_t hi)
{
	char a[CPIM_DATETIME_MAX], b[CPIM_DATETIME_MAX], expr[512];

	instant(a, sizeof(a), lo);
	instant(b, sizeof(b), hi);
	snprintf(expr, sizeof(expr), "from:%s date:>=%s date:<%s", sender, a, b);
	return run_filter(ctx, expr);
}

static long
ims_by_type(void *ctx, const char *type, int64_t lo, int64_t hi)
{
	char a[CPIM_DATETIME_MAX], b[CPIM_DATETIME_MAX], expr[512];

	instant(a, sizeof(a), lo);
	instant(b, sizeof(b), hi);
	snprintf(expr, sizeof(expr), "type:%s date:>=%s date:<%s", type, a, b);
	return run_filter(ctx, expr);
}

/* As imstore purge does: transactions sized by the library to end within
 * its default budget (50 ms, commit included). */
static long
ims_purge_slice(void *ctx, int64_t lo, int64_t hi, double *longest_s, uint64_t *txns)
{
	char a[CPIM_DATETIME_MAX], b[CPIM_DATETIME_MAX], expr[256];
	ims_delete_opts o = IMS_DELETE_OPTS_INIT;
	ims_delete_result r;
	ims_filter *f;
	int rc;

	instant(a, sizeof(a), lo);
	instant(b, sizeof(b), hi);
	snprintf(expr, sizeof(expr), "date:>=%s date:<%s", a, b);
	if (ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL))
		return -1;
	o.batch = 100000;
	rc = ims_delete_filter(&r, ctx, f, &o);
	ims_filter_free(f);
	*longest_s = (double)r.longest_txn_us / 1e6;
	*txns = r.txns;
	return rc ? -1 : (long)r.deleted;
}

static int
ims_scan(const char *dir, uint64_t *msgs, uint64_t *bytes)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	ims_filter *f;
	ims_query *q;
	const ims_msg *m;
	int rc;

	*msgs = *bytes = 0;
	o.flags = IMS_OPEN_RDONLY;
	if ((rc = ims_store_open(&st, dir, &o)))
		return -1;
	if ((rc = ims_filter_parse(&f, "*", IMS_TIME_NONE, NULL)) == 0) {
		if ((rc = ims_query_open(&q, st, f, NULL)) == 0) {
			while ((rc = ims_query_next(&m, q)) == 0) {
				if ((rc = ims_query_body_stream(q, count_bytes, bytes)))
					break;
				/* as imstore export does: the map's pages let go of */
				if ((++*msgs & 255) == 0)
					ims_store_trim(st);
			}
			ims_query_free(q);
		}
		ims_filter_free(f);
	}
	ims_store_close(st);
	return rc == IMS_ITEROVER ? 0 : -1;
}

static uint64_t
ims_stored_bytes(void *h)
{
	ims_stats s;

	return ims_stats_get(&s, h) ? 0 : s.stored_bytes;
}

/* The deletions the acks left for the sweep (ims_deferred_sweep). */
static int
ims_finish(void *ctx)
{
	uint64_t n;

	return ims_deferred_sweep(&n, ctx, IMS_TIME_NONE) ? -1 : 0;
}

/* A backup, then the compaction an operator runs (imstore compact): every
 * entry copied into fresh, full pages. */
static int
ims_compact_copy(void *h, const char *dest)
{
	int rc;

	if ((rc = ims_store_backup(h, dest, IMS_BACKUP_COMPACT)) ||
	    (rc = ims_store_compact(NULL, dest))) {
		fprintf(stderr, "imstore: compacted copy '%s': %s\n", dest, ims_strerror(rc));
		return -1;
	}
	return 0;
}

/* put already commits each queue of concurrent stores in one transaction
 * (group commit) and type: already plans over ix_type: no put_group, no
 * by_type_indexed */
const engine bench_imstore = {
	.name = "imstore", .open = ims_open, .close = ims_close,
	.thread_open = ims_thread_open, .thread_close = ims_thread_close,
	.put = ims_put1, .put_group = NULL, .bulk = ims_bulk_load,
	.deferred_page = ims_deferred_page, .lease_ack = ims_lease_ack,
	.transcript = ims_transcript, .by_sender = ims_by_sender,
	.by_type = ims_by_type, .by_type_indexed = NULL,
	.purge_slice = ims_purge_slice, .scan = ims_scan,
	.stored_bytes = ims_stored_bytes, .finish = ims_finish,
	.compact_copy = ims_compact_copy,
};
