/* metrics.c - counters and GET /metrics (Prometheus text format 0.0.4)
 * on a loopback TCP socket, served by the event loop without blocking. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "log.h"
#include "metrics.h"

/* upper bounds of the latency buckets, microseconds */
static const int64_t lat_le[LAT_BUCKETS] = {
	250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000, 500000,
	1000000,
};

static const char *const reason_name[R_COUNT] = {
	"barred", "quota", "expired", "too_big", "malformed", "queue_full",
	"store_error", "forbidden", "not_found", "shutting_down", "rate_limited",
	"inflight_limited",
};

void
metrics_latency(metrics *m, int64_t us)
{
	size_t i = 0;

	while (i < LAT_BUCKETS && us > lat_le[i])
		i++;
	atomic_fetch_add(&m->lat[i], 1);
	atomic_fetch_add(&m->lat_sum_us, (unsigned long long)(us > 0 ? us : 0));
	atomic_fetch_add(&m->lat_count, 1);
}

typedef struct buf {
	char *p;
	size_t len, cap;
	int err;
} buf;

static void
put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len)
			break;
		char *np = realloc(b->p, b->cap * 2 + (size_t)n);
		if (!np) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
	b->len += (size_t)n;
}

static void
counter(buf *b, const char *name, const char *help, unsigned long long v)
{
	put(b, "# HELP imstored_%s %s\n# TYPE imstored_%s counter\nimstored_%s %llu\n",
	    name, help, name, name, v);
}

static void
histogram(buf *b, metrics *m)
{
	unsigned long long cum = 0;

	put(b, "# HELP imstored_store_latency_seconds time of a store call\n"
	       "# TYPE imstored_store_latency_seconds histogram\n");
	for (size_t i = 0; i <= LAT_BUCKETS; i++) {
		cum += atomic_load(&m->lat[i]);
		if (i < LAT_BUCKETS)
			put(b, "imstored_store_latency_seconds_bucket{le=\"%g\"} %llu\n",
			    (double)lat_le[i] / 1e6, cum);
		else
			put(b, "imstored_store_latency_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	put(b, "imstored_store_latency_seconds_sum %.6f\n"
	       "imstored_store_latency_seconds_count %llu\n",
	    (double)atomic_load(&m->lat_sum_us) / 1e6, atomic_load(&m->lat_count));
}

char *
metrics_text(metrics *m)
{
	buf b = { malloc(4096), 0, 4096, 0 };

	if (!b.p)
		return NULL;
	b.p[0] = 0;
	counter(&b, "requests_total", "SIP requests received", atomic_load(&m->requests));
	counter(&b, "stored_total", "deferred messages stored (202)", atomic_load(&m->stored));
	counter(&b, "duplicates_total", "retransmitted or duplicate messages (202, stored once)",
	        atomic_load(&m->duplicates));
	put(&b, "# HELP imstored_refused_total requests not stored, by reason\n"
	        "# TYPE imstored_refused_total counter\n");
	for (size_t i = 0; i < R_COUNT; i++)
		put(&b, "imstored_refused_total{reason=\"%s\"} %llu\n", reason_name[i],
		    atomic_load(&m->refused[i]));
	counter(&b, "history_recorded_total", "history copies recorded", atomic_load(&m->history));
	counter(&b, "pushed_total", "deferred messages pushed", atomic_load(&m->pushed));
	counter(&b, "acked_total", "pushed messages acknowledged", atomic_load(&m->acked));
	counter(&b, "released_total", "pushed messages released for later",
	        atomic_load(&m->released));
	counter(&b, "notify_sent_total", "deferred-list summaries sent on registration",
	        atomic_load(&m->notify_sent));
	counter(&b, "notices_sent_total", "IMDN processing/stored notices sent",
	        atomic_load(&m->notices_sent));
	put(&b, "# HELP imstored_queue_depth store calls queued or running\n"
	        "# TYPE imstored_queue_depth gauge\nimstored_queue_depth %zu\n",
	    m->depth ? m->depth(m->depth_arg) : (size_t)0);
	histogram(&b, m);
	if (b.err) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ------------------------------------------------------------------ HTTP */

typedef struct conn {
	metrics *m;
	sx *s;
	char req[2048];
	size_t len;
} conn;

static void
respond(conn *c, int fd)
{
	char head[256];
	char *body = NULL;
	const char *status = "404 Not Found";
	int n;

	if (!strncmp(c->req, "GET /metrics ", 13) || !strncmp(c->req, "GET / ", 6)) {
		body = metrics_text(c->m);
		status = body ? "200 OK" : "500 Internal Server Error";
	}
	n = snprintf(head, sizeof head, "HTTP/1.0 %s\r\nContent-Type: text/plain; "
	             "version=0.0.4\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	             status, body ? strlen(body) : (size_t)0);
	(void)!write(fd, head, (size_t)n);
	if (body)
		(void)!write(fd, body, strlen(body));
	free(body);
}

static void
on_conn(int fd, void *arg)
{
	conn *c = arg;
	ssize_t n = read(fd, c->req + c->len, sizeof c->req - 1 - c->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		c->len += (size_t)n;
		c->req[c->len] = 0;
		if (!strstr(c->req, "\r\n\r\n") && !strstr(c->req, "\n\n") &&
		    c->len < sizeof c->req - 1)
			return;
		respond(c, fd);
	}
	(void)sx_fd_watch(c->s, fd, NULL, NULL);
	close(fd);
	free(c);
}

static void
on_accept(int lfd, void *arg)
{
	metrics *m = arg;
	conn *c;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (!(c = calloc(1, sizeof *c))) {
		close(fd);
		return;
	}
	c->m = m;
	c->s = m->sx;
	if (!c->s || sx_fd_watch(c->s, fd, on_conn, c)) {
		close(fd);
		free(c);
	}
}

int
metrics_listen(metrics *m, sx *s, const char *hostport)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;
	char host[300];
	const char *colon = strrchr(hostport, ':');
	socklen_t sl;
	int fd, one = 1, err;

	memset(&ss, 0, sizeof ss);
	snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)atoi(colon + 1));
		sl = sizeof *in4;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)atoi(colon + 1));
		sl = sizeof *in6;
	} else {
		return EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)(void *)&ss, sl) || listen(fd, 16)) {
		err = errno;
		close(fd);
		return err;
	}
	m->sx = s;
	return sx_fd_watch(s, fd, on_accept, m);
}
