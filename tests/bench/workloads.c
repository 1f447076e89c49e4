/* workloads.c - the workloads, engine-neutral: durable stores from one or
 * many producers, the queries, the export-like scan in a child process, the
 * purge, and the ceilings (gzip, CPIM parsing, the disk's sync). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "bench.h"
#include "cpim.h"

/* ---------------------------------------------------------------- helpers */

void
join_path(char *out, size_t cap, const char *a, const char *b)
{
	if ((size_t)snprintf(out, cap, "%s/%s", a, b) >= cap)
		die("path too long");
}

static double
median_of(double *v, size_t n)
{
	return pct(v, n, 50);
}

/* ---------------------------------------------------------------- stores */

typedef int (*put_fn)(void *ctx, const bmsg *m);

typedef struct prod {
	const engine *e;
	put_fn put;
	void *h;
	const bset *s;
	size_t lo, hi;
	double *lat;
	pthread_barrier_t *go;
	int failed;
} prod;

static void *
producer(void *arg)
{
	prod *p = arg;
	void *ctx;
	int ok = p->e->thread_open(&ctx, p->h) == 0;

	pthread_barrier_wait(p->go);
	for (size_t i = p->lo; ok && i < p->hi; i++) {
		double t = now_s();
		if (p->put(ctx, p->s->v[i]) != 0) {
			p->failed = 1;
			break;
		}
		p->lat[i] = now_s() - t;
	}
	if (ok)
		p->e->thread_close(ctx);
	else
		p->failed = 1;
	return NULL;
}

/* n producers store s[lo, lo + n*each) concurrently; rate, p50, p99 (ms). */
static void
durable_stores(const engine *e, put_fn put, void *h, const bset *s, size_t lo,
               int n, size_t each, double *rate, double *p50, double *p99)
{
	pthread_t th[256];
	prod p[256];
	pthread_barrier_t go;
	size_t total = (size_t)n * each;
	double *lat = calloc(s->n, sizeof(*lat)), t;
	int failed = 0;

	if (!lat || n > 256 || lo + total > s->n)
		die("durable_stores: bad arguments");
	pthread_barrier_init(&go, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		p[i] = (prod){ e, put, h, s, lo + (size_t)i * each,
		               lo + (size_t)(i + 1) * each, lat, &go, 0 };
		pthread_create(&th[i], NULL, producer, &p[i]);
	}
	pthread_barrier_wait(&go);
	t = now_s();
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		failed |= p[i].failed;
	}
	t = now_s() - t;
	pthread_barrier_destroy(&go);
	if (failed)
		die("%s: durable store failed", e->name);
	*rate = (double)total / t;
	*p50 = pct(lat + lo, total, 50) * 1e3;
	*p99 = pct(lat + lo, total, 99) * 1e3;
	free(lat);
}

/* ---------------------------------------------------------------- queries */

static int reps_query = 21;

static void
run_queries(const engine *e, void *h, const plan *p, side *r, int k)
{
	double v[64];
	uint64_t bytes;
	void *ctx;
	int n = reps_query;

	if (e->thread_open(&ctx, h))
		die("%s: cannot open a connection", e->name);
	for (int i = 0; i < n; i++) {
		double t = now_s();
		r->page_n[k] = e->deferred_page(ctx, p->deferred_user, 50);
		v[i] = now_s() - t;
	}
	r->page[k] = median_of(v, (size_t)n) * 1e3;
	for (int i = 0; i < 7; i++) {
		double t = now_s();
		r->transcript_n[k] = e->transcript(ctx, p->conv_user, p->conv_id, &bytes);
		v[i] = now_s() - t;
	}
	r->transcript[k] = median_of(v, 7) * 1e3;
	for (int i = 0; i < n; i++) {
		double t = now_s();
		r->sender_n[k] = e->by_sender(ctx, p->sender, p->sender_lo, p->sender_hi);
		v[i] = now_s() - t;
	}
	r->sender[k] = median_of(v, (size_t)n) * 1e3;
	for (int i = 0; i < n; i++) {
		double t = now_s();
		r->type_n[k] = e->by_type(ctx, p->type, p->type_day,
		                          p->type_day + 86400LL * 1000000);
		v[i] = now_s() - t;
	}
	r->type[k] = median_of(v, (size_t)n) * 1e3;
	r->type_fair[k] = r->type[k];
	r->type_fair_n[k] = r->type_n[k];
	for (int i = 0; e->by_type_indexed && i < n; i++) {
		double t = now_s();
		r->type_fair_n[k] = e->by_type_indexed(ctx, p->type, p->type_day,
		                                       p->type_day + 86400LL * 1000000);
		v[i] = now_s() - t;
	}
	if (e->by_type_indexed)
		r->type_fair[k] = median_of(v, (size_t)n) * 1e3;
	/* lease+ack changes the store: one user per repetition */
	for (size_t i = 0; i < p->lease_users; i++) {
		double t = now_s();
		r->lease_n[k] = e->lease_ack(ctx, p->lease_user[i]);
		v[i] = now_s() - t;
		if (r->lease_n[k] != (long)p->lease_n)
			fprintf(stderr, "%s: lease+ack of %s returned %ld messages\n",
			        e->name, p->lease_user[i], r->lease_n[k]);
	}
	r->lease[k] = median_of(v, p->lease_users) * 1e3;
	r->lease_finish[k] = NAN;
	if (e->finish) {
		double t = now_s();
		if (e->finish(ctx))
			fprintf(stderr, "%s: finishing the lease+acks failed\n", e->name);
		r->lease_finish[k] = (now_s() - t) * 1e3;
	}
	e->thread_close(ctx);
}

/* ---------------------------------------------------------------- scan */

/* The export-like scan runs in a fresh process (this one holds the whole
 * data set in memory), so that its peak RSS is the scan's own. */
static void
scan_child(const engine *e, const char *dir, side *r)
{
	int fd[2];
	pid_t pid;
	struct rusage ru;
	int status;
	char buf[512];
	ssize_t got;
	FILE *f;

	if (pipe(fd))
		die("pipe: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(bench_self_exe, bench_self_exe, "--child-scan", e->name, dir, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	got = f && fgets(buf, sizeof(buf), f) ? (ssize_t)strlen(buf) : 0;
	if (f)
		fclose(f);
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || got <= 0)
		die("%s: scan child failed", e->name);
	if (sscanf(buf, "%llu %llu %lf %lf %lf %lf", (unsigned long long *)&r->scan_msgs,
	           (unsigned long long *)&r->scan_bytes, &r->scan_secs, &r->scan_rss_mib,
	           &r->scan_anon_mib, &r->scan_file_mib) != 6)
		die("%s: scan child said '%s'", e->name, buf);
	r->scan_mbs = (double)r->scan_bytes / 1e6 / r->scan_secs;
}

/* Peak resident memory of this process in MiB: VmHWM, and the peaks of
 * RssAnon (heap) and RssFile (mapped file pages, LMDB's map) sampled every
 * 10 ms.  Read here rather than from wait4(): after fork() and exec() the
 * child's ru_maxrss starts from the parent's resident size. */
typedef struct rss_watch {
	volatile int stop;
	double hwm, anon, file;
} rss_watch;

static void
rss_sample(rss_watch *w)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double kb;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmHWM: %lf", &kb) == 1 && kb / 1024 > w->hwm)
			w->hwm = kb / 1024;
		else if (sscanf(line, "RssAnon: %lf", &kb) == 1 && kb / 1024 > w->anon)
			w->anon = kb / 1024;
		else if (sscanf(line, "RssFile: %lf", &kb) == 1 && kb / 1024 > w->file)
			w->file = kb / 1024;
	}
	if (f)
		fclose(f);
}

static void *
rss_thread(void *arg)
{
	rss_watch *w = arg;

	while (!w->stop) {
		rss_sample(w);
		usleep(10000);
	}
	return NULL;
}

int
child_scan(const char *name, const char *dir)
{
	const engine *e = strcmp(name, "imstore") == 0 ? &bench_imstore : &bench_sqlite;
	rss_watch w = { 0, 0, 0, 0 };
	pthread_t th;
	uint64_t msgs, bytes;
	double t;
	int rc;

	pthread_create(&th, NULL, rss_thread, &w);
	t = now_s();
	rc = e->scan(dir, &msgs, &bytes);
	t = now_s() - t;
	w.stop = 1;
	pthread_join(th, NULL);
	rss_sample(&w);
	if (rc)
		return 1;
	printf("%llu %llu %.6f %.3f %.3f %.3f\n", (unsigned long long)msgs,
	       (unsigned long long)bytes, t, w.hwm, w.anon, w.file);
	return 0;
}

/* ---------------------------------------------------------------- purge */

/* Half the store: the messages received before p->purge_before, in slices
 * of about 500 messages of the data set, each in as many write
 * transactions as the engine makes of it (SQLite: one). */
static void
run_purge(const engine *e, void *h, const char *dir, const bset *s,
          const plan *p, side *r)
{
	uint64_t before = dir_bytes(dir);
	double *v, t0;
	size_t ns = 0, cap = s->n / 500 + 2;
	int64_t lo = p->t0 - 1;
	void *ctx;

	if (!(v = calloc(cap, sizeof(*v))))
		die("out of memory");
	if (e->thread_open(&ctx, h))
		die("%s: cannot open a connection", e->name);
	r->purged = r->purge_txns = 0;
	t0 = now_s();
	for (size_t i = 500; lo < p->purge_before; i += 500) {
		int64_t hi = i < s->n ? s->v[i]->received : p->purge_before;
		long n;
		double t, longest;
		uint64_t txns;
		if (hi > p->purge_before)
			hi = p->purge_before;
		if (hi <= lo)
			continue;
		t = now_s();
		if ((n = e->purge_slice(ctx, lo, hi, &longest, &txns)) < 0)
			die("%s: purge failed", e->name);
		if (ns < cap)
			v[ns++] = longest < 0 ? now_s() - t : longest;
		r->purge_txns += txns;
		r->purged += (uint64_t)n;
		lo = hi;
	}
	r->purge_total = now_s() - t0;
	e->thread_close(ctx);
	r->purge_slices = ns;
	r->purge_mean_ms = r->purge_total / (double)(r->purge_txns ? r->purge_txns : 1) * 1e3;
	r->purge_max_ms = pct(v, ns, 100) * 1e3;
	r->purge_growth = ((double)dir_bytes(dir) - (double)before) / (double)before * 100;
	free(v);
}

/* ---------------------------------------------------------------- engine */

/* The size of a compacted copy of the store just loaded: what the data
 * costs without the free pages and half-full pages a load leaves. */
static void
compacted_size(const engine *e, void *h, const char *tmp, size_t n, side *r)
{
	char dest[PATH_MAX], what[64];
	double t = now_s();

	snprintf(what, sizeof(what), "%s-compacted", e->name);
	join_path(dest, sizeof(dest), tmp, what);
	if (e->compact_copy(h, dest))
		die("%s: cannot write a compacted copy into '%s'", e->name, dest);
	r->disk_compact = dir_bytes(dest);
	r->disk_compact_per_msg = (double)r->disk_compact / (double)n;
	rm_tree(dest);
	note("%s: compacted copy: %.1f MiB, written in %.1f s", e->name,
	     (double)r->disk_compact / 1048576.0, now_s() - t);
}

void
run_engine(const engine *e, const config *c, const sets *d, const char *tmp,
           side *r)
{
	char big[PATH_MAX], small[PATH_MAX], what[64];
	void *h;
	double t;

	snprintf(what, sizeof(what), "%s-large", e->name);
	join_path(big, sizeof(big), tmp, what);
	snprintf(what, sizeof(what), "%s-small", e->name);
	join_path(small, sizeof(small), tmp, what);
	mkdir(big, 0700);
	mkdir(small, 0700);

	/* 3. bulk ingest of the large store */
	if (e->open(&h, big))
		die("%s: cannot create a store in '%s'", e->name, big);
	note("%s: bulk ingest of %zu messages", e->name, d->large.n);
	t = now_s();
	if (e->bulk(h, &d->large, c->bulk_threads))
		die("%s: bulk ingest failed", e->name);
	r->bulk_rate = (double)d->large.n / (now_s() - t);
	r->disk = dir_bytes(big);
	r->stored = e->stored_bytes(h);
	r->disk_per_msg = (double)r->disk / (double)d->large.n;
	note("%s: %.0f messages/s, %.1f MiB on disk", e->name, r->bulk_rate,
	     (double)r->disk / 1048576.0);
	compacted_size(e, h, tmp, d->large.n, r);
	if (c->ingest_only) {
		e->close(h);
		return;
	}

	/* 1. and 2. durable stores into the loaded store */
	note("%s: durable stores, 1 producer (%zu)", e->name, c->store1);
	durable_stores(e, e->put, h, &d->extra, 0, 1, c->store1, &r->s1_rate,
	               &r->s1_p50, &r->s1_p99);
	note("%s: durable stores, %d producers (%zu)", e->name, c->producers,
	     (size_t)c->producers * c->store64_each);
	durable_stores(e, e->put, h, &d->extra, c->store1, c->producers,
	               c->store64_each, &r->s64_rate, &r->s64_p50, &r->s64_p99);
	note("%s: %.0f/s, %.0f/s", e->name, r->s1_rate, r->s64_rate);
	/* the fair pass, on the next messages of the extra set (new
	 * Message-IDs): SQLite committing queued groups, imstore its put
	 * again (which is its group commit); both stores hold as many */
	{
		size_t base = c->store1 + (size_t)c->producers * c->store64_each;
		put_fn put = e->put_group ? e->put_group : e->put;
		note("%s: durable stores committed in queued groups, 1 and %d producers",
		     e->name, c->producers);
		durable_stores(e, put, h, &d->extra, base, 1, c->store1, &r->g1_rate,
		               &r->g1_p50, &r->g1_p99);
		durable_stores(e, put, h, &d->extra, base + c->store1, c->producers,
		               c->store64_each, &r->g64_rate, &r->g64_p50, &r->g64_p99);
		note("%s: %.0f/s, %.0f/s", e->name, r->g1_rate, r->g64_rate);
	}

	/* 4.-7. queries */
	note("%s: queries on the large store", e->name);
	run_queries(e, h, &d->p, r, 0);
	e->close(h);

	/* 8. export-like scan */
	note("%s: full scan", e->name);
	scan_child(e, big, r);

	/* 9. purge half */
	note("%s: purge", e->name);
	if (e->open(&h, big))
		die("%s: cannot reopen '%s'", e->name, big);
	run_purge(e, h, big, &d->large, &d->p, r);
	e->close(h);

	/* the small store: same planted messages, a tenth of the rest */
	if (e->open(&h, small))
		die("%s: cannot create a store in '%s'", e->name, small);
	note("%s: small store: bulk ingest of %zu messages", e->name, d->small.n);
	t = now_s();
	if (e->bulk(h, &d->small, c->bulk_threads))
		die("%s: bulk ingest failed", e->name);
	r->bulk_small_rate = (double)d->small.n / (now_s() - t);
	note("%s: queries on the small store", e->name);
	run_queries(e, h, &d->p, r, 1);
	e->close(h);
}

/* ---------------------------------------------------------------- ceilings */

double
gzip_ceiling(const bset *s, uint64_t *in_bytes, uint64_t *out_bytes)
{
	unsigned char *out = malloc(1 << 16);
	z_stream z;
	double t = now_s();

	memset(&z, 0, sizeof(z));
	if (!out || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("zlib");
	*out_bytes = 0;
	for (size_t i = 0; i <= s->n; i++) {
		int flush = i == s->n ? Z_FINISH : Z_NO_FLUSH, rc;
		z.next_in = i < s->n ? (Bytef *)(uintptr_t)s->v[i]->body : Z_NULL;
		z.avail_in = i < s->n ? (uInt)s->v[i]->body_len : 0;
		do {
			z.next_out = out;
			z.avail_out = 1 << 16;
			rc = deflate(&z, flush);
			*out_bytes += (1 << 16) - z.avail_out;
		} while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
	}
	t = now_s() - t;
	*in_bytes = z.total_in;
	deflateEnd(&z);
	free(out);
	return (double)*in_bytes / 1e6 / t;
}

/* cpim_parse() over 20000 messages of about 300 bytes, pass after pass for
 * two seconds: the median pass. */
double
cpim_rate(double *avg_len)
{
	const size_t n = 20000;
	unsigned char **v;
	size_t *lens, total = 0, passes = 0;
	double rates[256], t0 = now_s(), r;

	ds_cpim_small(&v, &lens, n, 300, 7);
	for (size_t i = 0; i < n; i++)
		total += lens[i];
	*avg_len = (double)total / (double)n;
	t0 = now_s();
	do {
		double t = now_s();
		for (size_t i = 0; i < n; i++) {
			cpim_msg *m;
			if (cpim_parse(&m, v[i], lens[i], NULL, NULL))
				die("cpim_parse failed on a generated message");
			cpim_msg_free(m);
		}
		rates[passes++] = (double)total / 1e6 / (now_s() - t);
	} while (now_s() - t0 < 2.0 && passes < 256);
	r = median_of(rates, passes);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	free(lens);
	return r;
}

/* What one durable write costs on this disk now: 4 KiB pwrite + fdatasync,
 * alternating between two offsets; median and p99 in µs. */
void
sync_probe(const char *tmp, double *p50, double *p99)
{
	char path[PATH_MAX], page[4096];
	double v[300];
	int fd;

	join_path(path, sizeof(path), tmp, "sync-probe");
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		die("cannot create '%s': %s", path, strerror(errno));
	memset(page, 'x', sizeof(page));
	for (int i = 0; i < 300; i++) {
		double t = now_s();
		if (pwrite(fd, page, sizeof(page), (off_t)(i % 2) * 8192) != (ssize_t)sizeof(page) ||
		    fdatasync(fd))
			die("sync probe: %s", strerror(errno));
		v[i] = (now_s() - t) * 1e6;
	}
	close(fd);
	unlink(path);
	*p50 = pct(v, 300, 50);
	*p99 = pct(v, 300, 99);
}
