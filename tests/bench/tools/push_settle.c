/* push_settle.c - the library's side of a push on registration (issue 19):
 * each user's deferred messages leased, each message's envelope written
 * (ims_msg_envelope) and, as its 2xx would come, acknowledged alone
 * (ims_deferred_ack_msg), from T threads at once as a daemon's workers
 * would; against the same with one ims_deferred_ack per lease.
 *
 *   push-settle DIR [messages] [users]
 *
 * prints, for 1, 8 and 32 threads, deliveries a second of each way (a
 * fresh store each run, durable commits as a server makes them).  See
 * BENCHMARKS.md, "Push and settle". */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imstore.h"

typedef struct run {
	ims_store *st;
	size_t users, next;      /* the next user to push */
	int per_message;         /* ack each message, else the lease */
	int cpim;                /* stored as CPIM payloads */
	pthread_mutex_t lock;
	uint64_t delivered, bytes;
	int failed;
} run;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
user_name(char *out, size_t cap, size_t u)
{
	snprintf(out, cap, "sip:u%zu@example.com", u);
}

/* n messages over users, round robin: text bodies, or CPIM payloads */
static int
fill(ims_store *st, size_t n, size_t users, int cpim)
{
	char owner[64], msgid[32], body[512];

	for (size_t i = 0; i < n; i++) {
		ims_msg m = IMS_MSG_INIT;
		ims_header h = { "Content-Type", "message/cpim" };
		ims_id id;
		int len;
		user_name(owner, sizeof(owner), i % users);
		snprintf(msgid, sizeof(msgid), "m%zu", i);
		m.owner = owner;
		m.from.uri = "sip:alice@example.org";
		m.from.name = "Alice";
		m.message_id = msgid;
		m.subject = "lunch?";
		if (cpim) {
			len = snprintf(body, sizeof(body), "From: Alice <sip:alice@example.org>\r\n"
			               "To: <%s>\r\nDateTime: 2026-12-08T10:00:00Z\r\n"
			               "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: %s\r\n"
			               "\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\n"
			               "Shall we meet at noon at the usual place? %zu", owner, msgid, i);
			m.headers = &h;
			m.nheaders = 1;
			m.content_type = "text/plain;charset=UTF-8";
		} else {
			len = snprintf(body, sizeof(body),
			               "Shall we meet at noon at the usual place? %zu", i);
		}
		if (ims_deferred_store(&id, NULL, st, &m, body, (size_t)len))
			return -1;
	}
	return 0;
}

/* One user's push: lease, envelope each, settle. */
static int
push_user(run *r, size_t u, uint64_t *delivered, uint64_t *bytes)
{
	char user[64];
	ims_lease *l;
	uint64_t n;
	int rc, done;

	user_name(user, sizeof(user), u);
	if ((rc = ims_deferred_lease(&l, r->st, user, NULL, 0, 0)))
		return rc;
	for (size_t i = 0; i < ims_lease_count(l) && rc == 0; i++) {
		const ims_msg *m = ims_lease_msg(l, i);
		void *env;
		size_t len;
		if ((rc = ims_msg_envelope(&env, &len, r->st, m)))
			break;
		*bytes += len;
		free(env);
		if (r->per_message &&
		    (rc = ims_deferred_ack_msg(&done, r->st, user, ims_lease_token(l), &m->id)) == 0)
			*delivered += (uint64_t)done;
	}
	if (rc == 0 && !r->per_message &&
	    (rc = ims_deferred_ack(&n, r->st, user, ims_lease_token(l))) == 0)
		*delivered += n;
	ims_lease_free(l);
	return rc;
}

static void *
worker(void *arg)
{
	run *r = arg;
	uint64_t delivered = 0, bytes = 0;
	int rc = 0;

	for (;;) {
		size_t u;
		pthread_mutex_lock(&r->lock);
		u = r->next++;
		pthread_mutex_unlock(&r->lock);
		if (u >= r->users || (rc = push_user(r, u, &delivered, &bytes)))
			break;
	}
	pthread_mutex_lock(&r->lock);
	r->delivered += delivered;
	r->bytes += bytes;
	r->failed |= rc != 0;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int
one(const char *dir, size_t n, size_t users, int threads, int per_message, int cpim)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	pthread_t t[64];
	char path[512], cmd[600];
	run r;
	double t0, t1;

	snprintf(path, sizeof(path), "%s/push-%d-%d-%d", dir, threads, per_message, cpim);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		return -1;
	memset(&r, 0, sizeof(r));
	o.flags = IMS_OPEN_CREATE;
	if (ims_store_open(&r.st, path, &o) || fill(r.st, n, users, cpim))
		return -1;
	r.users = users;
	r.per_message = per_message;
	r.cpim = cpim;
	pthread_mutex_init(&r.lock, NULL);
	t0 = now();
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, &r);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	t1 = now();
	printf("%-10s %-11s %7d %9llu %12.0f %10.1f\n", cpim ? "cpim" : "text",
	       per_message ? "per-message" : "per-lease", threads,
	       (unsigned long long)r.delivered, (double)r.delivered / (t1 - t0),
	       (double)r.bytes / (double)(r.delivered ? r.delivered : 1));
	ims_store_close(r.st);
	if (system(cmd) != 0 || r.failed || r.delivered != n)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const int threads[] = { 1, 8, 32 };
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 4000;
	size_t users = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;

	if (argc < 2 || n == 0 || users == 0) {
		fprintf(stderr, "usage: push-settle DIR [messages] [users]\n");
		return 2;
	}
	printf("%-10s %-11s %7s %9s %12s %10s\n", "stored", "settled", "threads",
	       "delivered", "delivered/s", "env bytes");
	for (int cpim = 0; cpim < 2; cpim++)
		for (int per = 1; per >= 0; per--)
			for (size_t i = 0; i < sizeof(threads) / sizeof(*threads); i++)
				if (one(argv[1], n, users, threads[i], per, cpim)) {
					fprintf(stderr, "push-settle: a run failed\n");
					return 1;
				}
	return 0;
}
