/* put_cpu.c - the CPU one durable store costs (BENCHMARKS.md, "CPU per
 * stored message").
 *
 *   put-cpu DIR PRELOAD N [MODE...]
 *
 * Creates a store in the new directory DIR, loads PRELOAD messages of the
 * bench's data set into it with ims_bulk (not measured), then for each MODE
 * stores N new deferred messages of the bench's generator and prints the
 * process's CPU time (user + system, every thread) per stored message and
 * the wall-clock rate:
 *
 *   put1     ims_put(), one thread
 *   put64    ims_put(), 64 threads on one handle (group commit)
 *   sip1     what the SIP daemon does for a MESSAGE: ims_ingest_sip() of
 *            the request, ims_deferred_store(), ims_ingest_free(); one thread
 *   sip64    the same from 64 threads
 *   rawlmdb  (not here: see tests/bench/lmdb_raw.c)
 *
 * Every mode stores different messages (new Message-IDs).  The figures are
 * those of this process only, so other work on the machine changes the
 * wall-clock rate but hardly the CPU per message. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "../bench.h"
#include "imstore.h"

typedef struct job {
	ims_store *st;
	const bset *s;
	size_t lo, hi;
	int sip;
	char **req;        /* sip: the requests */
	size_t *req_len;
	int failed;
} job;

/* CPU seconds of this process so far, and the part spent in the kernel */
static double
cpu_s(double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + *sys;
}

static void
fill(ims_msg *m, ims_addr *to, const bmsg *b)
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

/* The SIP MESSAGE a client would send for b: its CPIM payload as the body. */
static char *
sip_request(const bmsg *b, size_t *len)
{
	size_t cap = b->body_len + 1024;
	char *r = malloc(cap);
	int n;

	if (!r)
		die("out of memory");
	n = snprintf(r, cap,
	             "MESSAGE %s SIP/2.0\r\n"
	             "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK%s\r\n"
	             "Max-Forwards: 70\r\n"
	             "From: <%s>;tag=49583\r\n"
	             "To: <%s>\r\n"
	             "Call-ID: %s\r\n"
	             "CSeq: 1 MESSAGE\r\n"
	             "Content-Type: message/cpim\r\n"
	             "Content-Length: %zu\r\n\r\n",
	             b->owner, b->msgid, b->from_uri, b->owner, b->msgid, b->body_len);
	if (n < 0 || (size_t)n + b->body_len > cap)
		die("request too long");
	memcpy(r + n, b->body, b->body_len);
	*len = (size_t)n + b->body_len;
	return r;
}

static int
store_sip(ims_store *st, const char *req, size_t len)
{
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *in;
	ims_refusal why;
	const void *body;
	size_t blen;
	int rc;

	if ((rc = ims_ingest_sip(&in, &m, req, len, NULL, NULL)))
		return rc;
	ims_ingest_body(&body, &blen, in);
	rc = ims_deferred_store(NULL, &why, st, &m, body, blen);
	ims_ingest_free(in);
	if (rc == IMS_REFUSED)
		fprintf(stderr, "put-cpu: refused: %s\n", ims_refusal_name(why));
	return rc;
}

static void *
worker(void *arg)
{
	job *j = arg;
	ims_msg m;
	ims_addr to;
	int rc = 0;

	for (size_t i = j->lo; i < j->hi && rc == 0; i++) {
		if (j->sip) {
			rc = store_sip(j->st, j->req[i], j->req_len[i]);
		} else {
			fill(&m, &to, j->s->v[i]);
			rc = ims_put(NULL, j->st, &m, j->s->v[i]->body, j->s->v[i]->body_len);
		}
	}
	if (rc) {
		fprintf(stderr, "put-cpu: store: %s\n", ims_strerror(rc));
		j->failed = 1;
	}
	return NULL;
}

static void
run(ims_store *st, const bset *s, size_t lo, size_t n, int threads, int sip,
    const char *name)
{
	pthread_t th[64];
	job jobs[64];
	char **req = NULL;
	size_t *req_len = NULL;
	double t, c, sys, sys1;
	int failed = 0;

	if (sip) {
		req = calloc(s->n, sizeof(*req));
		req_len = calloc(s->n, sizeof(*req_len));
		if (!req || !req_len)
			die("out of memory");
		for (size_t i = lo; i < lo + n; i++)
			req[i] = sip_request(s->v[i], &req_len[i]);
	}
	c = cpu_s(&sys);
	t = now_s();
	for (int i = 0; i < threads; i++) {
		jobs[i] = (job){ st, s, lo + n * (size_t)i / (size_t)threads,
		                 lo + n * (size_t)(i + 1) / (size_t)threads, sip, req,
		                 req_len, 0 };
		pthread_create(&th[i], NULL, worker, &jobs[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		failed |= jobs[i].failed;
	}
	t = now_s() - t;
	c = cpu_s(&sys1) - c;
	sys = sys1 - sys;
	if (failed)
		die("%s failed", name);
	printf("%-8s %6zu stores: %7.1f us CPU per store (user %6.1f, system %6.1f),"
	       " %8.0f stores/s\n", name, n, c / (double)n * 1e6,
	       (c - sys) / (double)n * 1e6, sys / (double)n * 1e6, (double)n / t);
	fflush(stdout);
	for (size_t i = lo; sip && i < lo + n; i++)
		free(req[i]);
	free(req);
	free(req_len);
}

static void
preload(ims_store *st, const bset *s)
{
	ims_bulk_opts o = IMS_BULK_OPTS_INIT;
	ims_bulk *b;
	ims_msg m;
	ims_addr to;
	int rc;

	o.batch = 1000;
	if ((rc = ims_bulk_open(&b, st, &o)))
		die("bulk: %s", ims_strerror(rc));
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		fill(&m, &to, s->v[i]);
		rc = ims_bulk_put(b, &m, s->v[i]->body, s->v[i]->body_len);
	}
	if (rc || (rc = ims_bulk_commit(b)))
		die("bulk: %s", ims_strerror(rc));
	ims_bulk_free(b);
}

int
main(int argc, char **argv)
{
	ims_open_opts oo = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	ims_config cfg;
	dsconf c = { 20261122, 0, 0, 1.0, 25000, 2 };
	plan p;
	bset pre, extra;
	size_t npre, n, lo = 0;
	int rc;

	if (argc < 5) {
		fprintf(stderr, "usage: put-cpu DIR PRELOAD N MODE...\n");
		return 2;
	}
	npre = (size_t)strtoull(argv[2], NULL, 10);
	n = (size_t)strtoull(argv[3], NULL, 10);
	c.messages = npre ? npre : 1000;
	c.users = c.messages / 10 < 100 ? 100 : c.messages / 10;
	ds_plan(&p, &c);
	ds_build(&pre, &c, &p, 1, npre);
	ds_extra(&extra, &c, 3, n * (size_t)(argc - 4));
	if (mkdir(argv[1], 0700))
		die("cannot create '%s'", argv[1]);
	oo.flags = IMS_OPEN_CREATE;
	if ((rc = ims_store_open(&st, argv[1], &oo)))
		die("open: %s", ims_strerror(rc));
	/* a limit the Zipf-heavy users do not reach: still checked */
	if ((rc = ims_config_get(&cfg, st)))
		die("config: %s", ims_strerror(rc));
	cfg.deferred_max_count = 1000000;
	if ((rc = ims_config_set(st, &cfg)))
		die("config: %s", ims_strerror(rc));
	if (npre)
		preload(st, &pre);
	for (int i = 4; i < argc; i++, lo += n) {
		const char *mode = argv[i];
		if (strcmp(mode, "put1") == 0)
			run(st, &extra, lo, n, 1, 0, mode);
		else if (strcmp(mode, "put64") == 0)
			run(st, &extra, lo, n, 64, 0, mode);
		else if (strcmp(mode, "sip1") == 0)
			run(st, &extra, lo, n, 1, 1, mode);
		else if (strcmp(mode, "sip64") == 0)
			run(st, &extra, lo, n, 64, 1, mode);
		else
			die("unknown mode '%s'", mode);
	}
	ims_store_close(st);
	ds_free(&pre);
	ds_free(&extra);
	return 0;
}
