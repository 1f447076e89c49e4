/* limit.c - rate and concurrency limits per source address (issue 19,
 * item 6): a token bucket (source_rate a second, source_burst deep) and
 * a cap on the requests in flight (source_inflight: from acceptance to
 * the answer, which sx_req_on_answer() reports).  A fixed table of
 * LIMIT_SOURCES addresses, the least recently seen one without a request
 * in flight evicted; no allocation per request.  Everything here runs on
 * the loop's thread. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "imstored.h"
#include "log.h"

#define LIMIT_SOURCES 1024

typedef struct lsrc {
	unsigned char addr[16];  /* IPv4 as v4-mapped IPv6 */
	int used;
	unsigned inflight;
	double tokens;
	int64_t refilled;        /* monotonic µs of the last refill */
	int64_t seen;
	int64_t logged;          /* the last refusal logged */
} lsrc;

struct limtab {
	lsrc src[LIMIT_SOURCES];
};

static void
key(unsigned char out[16], const struct sockaddr_storage *ss)
{
	static const unsigned char mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	memset(out, 0, 16);
	if (ss->ss_family == AF_INET) {
		memcpy(out, mapped, 12);
		memcpy(out + 12, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, 16);
	}
}

/* The source's entry, a new one in the place of the least recently seen
 * idle one, or NULL when every entry has a request in flight. */
static lsrc *
lookup(struct limtab *t, const unsigned char a[16], const conf *cf, int64_t now)
{
	lsrc *old = NULL;

	for (size_t i = 0; i < LIMIT_SOURCES; i++) {
		lsrc *s = &t->src[i];

		if (s->used && !memcmp(s->addr, a, 16))
			return s;
		if (!s->inflight && (!old || !s->used || (old->used && s->seen < old->seen)))
			old = s;
	}
	if (old) {
		memset(old, 0, sizeof *old);
		memcpy(old->addr, a, 16);
		old->used = 1;
		old->tokens = cf->source_burst;
		old->refilled = now;
	}
	return old;
}

int
limit_open(imsd *d)
{
	return (d->lim = calloc(1, sizeof *d->lim)) ? 0 : -1;
}

void
limit_close(imsd *d)
{
	free(d->lim);
	d->lim = NULL;
}

static void
answered(void *arg)
{
	lsrc *s = arg;

	if (s->inflight)
		s->inflight--;
}

/* Whether a token is there (taken), else the seconds until one is. */
static unsigned
bucket(lsrc *s, const conf *cf, int64_t now)
{
	double w;

	s->tokens += (double)(now - s->refilled) * cf->source_rate / 1e6;
	if (s->tokens > cf->source_burst)
		s->tokens = cf->source_burst;
	s->refilled = now;
	if (s->tokens >= 1) {
		s->tokens -= 1;
		return 0;
	}
	w = (1 - s->tokens) / cf->source_rate;
	return w < 1 ? 1 : (unsigned)w + 1;
}

static void
refuse(imsd *d, sx_req *r, lsrc *s, const sx_in *in, refusal_reason why,
       unsigned wait, int64_t now)
{
	char hdr[64];

	atomic_fetch_add(&d->m.refused[why], 1);
	if (now - s->logged >= 1000000 || !s->logged) {
		s->logged = now;
		logx(LOG_NOTICE, "%s from %s: 503, %s", in->method, in->src_text,
		     why == R_RATE_LIMITED ? "over source_rate" : "over source_inflight");
	}
	snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", wait);
	(void)sx_reply(r, 503, why == R_RATE_LIMITED ? "Rate Limited"
	               : "Too Many Requests In Flight", hdr);
}

int
limit_admit(imsd *d, sx_req *r, const sx_in *in)
{
	const conf *cf = &d->cf;
	unsigned char a[16];
	int64_t now;
	unsigned wait;
	lsrc *s;

	if (!cf->source_rate && !cf->source_inflight)
		return 0;
	now = mono_us();
	key(a, &in->src);
	if (!(s = lookup(d->lim, a, cf, now)))
		return 0;            /* 1024 sources busy: not limited, not counted */
	s->seen = now;
	if (cf->source_inflight && s->inflight >= cf->source_inflight) {
		refuse(d, r, s, in, R_INFLIGHT_LIMITED, cf->retry_after, now);
		return -1;
	}
	if (cf->source_rate && (wait = bucket(s, cf, now))) {
		refuse(d, r, s, in, R_RATE_LIMITED, wait, now);
		return -1;
	}
	s->inflight++;
	sx_req_on_answer(r, answered, s);
	return 0;
}
