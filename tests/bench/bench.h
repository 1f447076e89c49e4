/* bench.h - imstore-bench: imstore against SQLite (and raw LMDB) on one
 * deterministic data set, in one run.  See BENCHMARKS.md. */
#ifndef IMS_BENCH_H
#define IMS_BENCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- data set */

/* One message as the server would store it: the Message/CPIM payload is the
 * body, the metadata comes from cpim_parse() of that payload. */
typedef struct bmsg {
	const char *owner;      /* whose store: the recipient */
	const char *from_uri, *from_name, *to_uri;
	const char *msgid;      /* imdn.Message-ID */
	const char *conv;       /* conversation identity, or NULL */
	const char *ctype;      /* encapsulated Content-Type */
	const char *subject;    /* or NULL */
	const char *sent_text;  /* DateTime as written */
	int64_t received, sent, expires; /* UTC µs; expires INT64_MIN: none */
	const unsigned char *body;       /* the CPIM payload */
	size_t body_len;
	uint32_t owner_ix, from_ix;      /* user numbers (raw LMDB atoms) */
	uint8_t folder, mode, state;     /* ims_folder, ims_mode, ims_state */
} bmsg;

typedef struct bset {
	bmsg **v;
	size_t n;
	uint64_t body_bytes;
} bset;

/* What the planted parts of the data set are: the same in every store, so
 * that a query's answer does not change with the store size. */
typedef struct plan {
	const char *deferred_user;   /* holds deferred_n pending messages */
	size_t deferred_n;
	char lease_user[8][64];      /* each holds lease_n pending messages */
	size_t lease_users, lease_n;
	const char *conv_user, *conv_id; /* conversation of conv_n messages */
	size_t conv_n;
	const char *sender;          /* sends sender_n messages over the span */
	size_t sender_n;
	int64_t sender_lo, sender_hi;/* the queried range [lo, hi) */
	size_t sender_answer;        /* messages of the sender in it */
	const char *type;            /* type_n messages of this type ... */
	size_t type_n;
	int64_t type_day;            /* ... received on this day (start, UTC µs) */
	int64_t t0, span;            /* received times lie in [t0, t0 + span) */
	int64_t purge_before;        /* purge: received before this */
} plan;

typedef struct dsconf {
	uint64_t seed;
	size_t messages;      /* background messages of the large store */
	size_t users;
	double zipf_s;
	size_t big_every;     /* one 1 MiB body every this many messages */
	int threads;
} dsconf;

void ds_plan(plan *out, const dsconf *c);
/* Background messages [0, n) of stream @p stream, in received order over
 * the plan's span. */
int ds_build(bset *out, const dsconf *c, const plan *p, int stream, size_t n);
int ds_planted(bset *out, const dsconf *c, const plan *p);
/* New deferred messages for the durable-store workloads (unique ids). */
int ds_extra(bset *out, const dsconf *c, int stream, size_t n);
/* Merge two sets by received time into a new one (elements shared). */
int ds_merge(bset *out, const bset *a, const bset *b);
void ds_free_shallow(bset *s);
void ds_free(bset *s);
/* CPIM payloads of about @p size bytes, for the parser workload. */
int ds_cpim_small(unsigned char ***out, size_t **lens, size_t n, size_t size,
                  uint64_t seed);

/* ---------------------------------------------------------------- engines */

/* One store engine under test.  A handle is opened on a fresh directory;
 * thread contexts are per thread (SQLite: a connection each). */
typedef struct engine {
	const char *name;
	int (*open)(void **h, const char *dir);
	void (*close)(void *h);
	int (*thread_open)(void **ctx, void *h);
	void (*thread_close)(void *ctx);
	/* durable store of one message, one transaction (group commit is the
	 * engine's business): 0, 1 (already there) or -1 */
	int (*put)(void *ctx, const bmsg *m);
	/* the same, the engine committing each queue of concurrent stores in
	 * one transaction (a leader per group, as imstore's ims_put does);
	 * NULL when put already does */
	int (*put_group)(void *ctx, const bmsg *m);
	/* load a data set as fast as the engine can, durably */
	int (*bulk)(void *h, const bset *s, int threads);
	/* the queries: number of messages returned (or -1), bytes read */
	long (*deferred_page)(void *ctx, const char *user, size_t page);
	long (*lease_ack)(void *ctx, const char *user);
	long (*transcript)(void *ctx, const char *user, const char *conv,
	                   uint64_t *bytes);
	long (*by_sender)(void *ctx, const char *sender, int64_t lo, int64_t hi);
	long (*by_type)(void *ctx, const char *type, int64_t lo, int64_t hi);
	/* the same over the engine's (media type, received) index; NULL: by_type
	 * already does */
	long (*by_type_indexed)(void *ctx, const char *type, int64_t lo, int64_t hi);
	/* delete the messages received in [lo, hi), in write transactions of
	 * the engine's choosing: *txns of them, the longest *longest_s seconds
	 * (< 0: one transaction, timed by the caller) */
	long (*purge_slice)(void *ctx, int64_t lo, int64_t hi, double *longest_s,
	                    uint64_t *txns);
	/* full scan of the store in @p dir (in a child process) */
	int (*scan)(const char *dir, uint64_t *msgs, uint64_t *bytes);
	/* body bytes as stored (after compression), 0 when not known */
	uint64_t (*stored_bytes)(void *h);
	/* work the engine left for later after the lease+acks (imstore: the
	 * sweep finishing their deletions): 0 or -1; NULL: none */
	int (*finish)(void *ctx);
	/* write the store, as tight as the engine can make it, into the new
	 * directory @p dest while it is open (imstore: a backup, then
	 * ims_store_compact on it; SQLite: VACUUM INTO): 0 or -1 */
	int (*compact_copy)(void *h, const char *dest);
} engine;

extern const engine bench_imstore;
extern const engine bench_sqlite;

/* raw LMDB: the batched-insert ceiling (records/s), 1000 per commit */
double lmdb_ceiling(const char *dir, const bset *s, size_t n, size_t per_commit);
/* the same into a tree first loaded with @p pre (not timed, not synced
 * record by record): the records of @p s inserted, per_commit a durable
 * commit; records/s */
double lmdb_ceiling_tree(const char *dir, const bset *pre, const bset *s,
                         size_t per_commit);

/* ---------------------------------------------------------------- workloads */

typedef struct config {
	double scale;
	dsconf ds;
	size_t small;          /* background messages of the small store */
	size_t store1, store64_each, ceiling_n;
	int bulk_threads, producers;
	const char *parent;
	int keep;
	int ingest_only;     /* stop after the bulk ingest of the large store */
} config;

/* Figures of one engine, filled by run_engine(). */
typedef struct side {
	double bulk_rate, bulk_small_rate;
	double s1_rate, s1_p50, s1_p99;
	double s64_rate, s64_p50, s64_p99;
	/* the fair pass: the same with put_group, or put again when the
	 * engine has none (its put is already a group commit) */
	double g1_rate, g1_p50, g1_p99, g64_rate, g64_p50, g64_p99;
	double page[2], lease[2], transcript[2], sender[2], type[2]; /* [0] large, [1] small */
	double type_fair[2];     /* 7b as the engine's type index answers it */
	long type_fair_n[2];
	double lease_finish[2];  /* the deferred part of the lease+acks, all users; NAN: none */
	long page_n[2], lease_n[2], transcript_n[2], sender_n[2], type_n[2];
	double scan_mbs, scan_secs, scan_rss_mib, scan_anon_mib, scan_file_mib;
	uint64_t scan_msgs, scan_bytes;
	double purge_total, purge_max_ms, purge_mean_ms, purge_growth;
	uint64_t purged, purge_slices, purge_txns;
	uint64_t disk, stored, disk_compact;
	double disk_per_msg, disk_compact_per_msg;
} side;

typedef struct sets {
	bset large, small, extra;
	plan p;
} sets;

extern char bench_self_exe[PATH_MAX];   /* re-executed for the scan */

void join_path(char *out, size_t cap, const char *a, const char *b);
/* every workload on one engine: bulk ingest, durable stores, queries on the
 * large store, scan, purge, then the small store and its queries */
void run_engine(const engine *e, const config *c, const sets *d, const char *tmp,
                side *r);
/* the child process of the scan: prints what it read and its peak RSS */
int child_scan(const char *name, const char *dir);
double gzip_ceiling(const bset *s, uint64_t *in_bytes, uint64_t *out_bytes);
double cpim_rate(double *avg_len);
void sync_probe(const char *tmp, double *p50, double *p99);

/* ---------------------------------------------------------------- report */

double now_s(void);
int64_t now_us(void);
double pct(double *v, size_t n, double p);   /* sorts v */
uint64_t dir_bytes(const char *dir);         /* allocated bytes of the files */
void rm_tree(const char *dir);               /* rm -rf */
void fs_describe(char *out, size_t cap, const char *dir);
#define BENCH_PRINTF(a, b) __attribute__((format(printf, a, b)))
void die(const char *fmt, ...) BENCH_PRINTF(1, 2) __attribute__((noreturn));
void note(const char *fmt, ...) BENCH_PRINTF(1, 2); /* progress on stderr */

/* Which way is better, for the ratio column. */
enum { HIGHER = 1, LOWER = 2, NONE = 3 };

void res_add(const char *key, const char *label, double ims, double sql,
             const char *unit, int better);
void res_note(const char *fmt, ...) BENCH_PRINTF(1, 2); /* lines under the table */
void res_print(const char *title);

#endif
