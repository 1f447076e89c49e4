/* publish.c - PUBLISH of the IM service settings (OMA IM 004 §5.2.4):
 * Event: poc-settings, a settings document in the body, the entity tags
 * of RFC 3903.
 *
 * The user is the P-Asserted-Identity (request.c has already refused
 * untrusted peers), and it must be the Request-URI's user: a user only
 * publishes their own settings.  The document is read by the library,
 * starting from the stored settings (ims_settings_get, ims_settings_parse)
 * and stored (ims_settings_set) on a worker; 200 only once it is durable.
 *
 * The publications (entity tag, user, expiry) live in memory on the loop's
 * thread.  A tag starts with a random number drawn at start, so a tag of
 * an earlier run is unknown, never mistaken for a new one: it gets 412 and
 * the client publishes again (RFC 3903 §4.1).  A publication that expires
 * or is removed (Expires: 0) loses its tag only: the settings are the
 * user's service settings, kept in the store as last published, because
 * they matter most while the user is offline (deferred delivery, barring),
 * which is when publications lapse. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "cpim.h"
#include "imstored.h"
#include "log.h"

#define PUB_EVENT        "poc-settings"
#define PUB_TYPE         "application/poc-settings+xml"
#define PUB_MIN_EXPIRES  60u
#define PUB_MAX_EXPIRES  86400u
#define PUB_DEF_EXPIRES  3600u
#define PUB_MAX          65536u    /* publications held at once */
#define ETAG_MAX         40

typedef struct pub {
	char etag[ETAG_MAX];
	char user[IMS_ADDR_MAX + 1];
	int64_t expires_us;            /* now_us() clock */
} pub;

struct pubtab {
	pub *v;
	size_t n, cap;
	uint64_t boot;                 /* random, drawn at the first PUBLISH */
	uint64_t seq;
	size_t pending;                /* documents with a worker, not yet in v */
	size_t waiting;                /* of which waiting behind another */
	struct pjob *busy;             /* documents with a worker, one a user */
};

typedef struct pjob {
	job j;
	struct pjob *busy_next;        /* the table's busy list */
	struct pjob *wait;             /* the user's next document, in order */
	imsd *d;
	sx_req *r;
	char user[IMS_ADDR_MAX + 1];
	unsigned char *body;
	size_t len;
	unsigned expires;
	int had_old;                   /* a modify: old is the publication */
	pub old;
	int status;
	char reason[128];
} pjob;

/* ------------------------------------------------------------ the table */

static struct pubtab *
tab(imsd *d)
{
	struct pubtab *t = d->pub;

	if (t)
		return t;
	if (!(t = calloc(1, sizeof *t)))
		return NULL;
	if (getrandom(&t->boot, sizeof t->boot, 0) != sizeof t->boot)
		t->boot = (uint64_t)now_us() ^ ((uint64_t)getpid() << 32);
	d->pub = t;
	return t;
}

static void
tab_expire(struct pubtab *t, int64_t now)
{
	size_t i = 0;

	while (i < t->n) {
		if (t->v[i].expires_us <= now)
			t->v[i] = t->v[--t->n];
		else
			i++;
	}
}

/* The live publication with tag @p etag, or NULL. */
static pub *
tab_find(struct pubtab *t, const char *etag)
{
	int64_t now = now_us();
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].etag, etag))
			return t->v[i].expires_us > now ? &t->v[i] : NULL;
	return NULL;
}

static void
tab_remove(struct pubtab *t, pub *p)
{
	*p = t->v[--t->n];
}

/* Add a publication with a new tag: 0, or -1 when the table is full. */
static int
tab_add(struct pubtab *t, pub *out, const char *user, unsigned expires)
{
	pub *v;

	if (t->n == t->cap) {
		tab_expire(t, now_us());
		if (t->n == PUB_MAX)
			return -1;
		if (t->n == t->cap) {
			size_t cap = t->cap ? t->cap * 2 : 16;
			if (!(v = realloc(t->v, cap * sizeof *v)))
				return -1;
			t->v = v;
			t->cap = cap;
		}
	}
	v = &t->v[t->n++];
	snprintf(v->etag, sizeof v->etag, "%016" PRIx64 ".%" PRIu64, t->boot, ++t->seq);
	snprintf(v->user, sizeof v->user, "%s", user);
	v->expires_us = now_us() + (int64_t)expires * 1000000;
	*out = *v;
	return 0;
}

/* Whether a new publication would not fit, counting those with a worker. */
static int
full(struct pubtab *t)
{
	if (t->n + t->pending < PUB_MAX)
		return 0;
	tab_expire(t, now_us());
	return t->n + t->pending >= PUB_MAX;
}

void
publish_close(imsd *d)
{
	if (d->pub) {
		free(d->pub->v);
		free(d->pub);
		d->pub = NULL;
	}
}

/* ------------------------------------------------------------ answers */

static void
reply_pub(imsd *d, sx_req *r, const pub *p, unsigned expires)
{
	char hdr[128];

	snprintf(hdr, sizeof hdr, "SIP-ETag: %s\r\nExpires: %u\r\n", p->etag, expires);
	(void)sx_reply(r, 200, "OK", hdr);
	(void)d;
}

static void
refuse(imsd *d, sx_req *r, refusal_reason why, int status, const char *reason,
       const char *hdrs)
{
	char clean[128];

	reason_clean(clean, sizeof clean, reason);
	atomic_fetch_add(&d->m.refused[why], 1);
	logx(LOG_DEBUG, "PUBLISH answered %d %s", status, clean);
	(void)sx_reply(r, status, clean, hdrs);
}

/* ------------------------------------------------------------ the worker */

static void
work(job *jb)
{
	pjob *j = (pjob *)jb;
	ims_settings s;
	ims_errinfo ei;
	char why[256];
	int rc;

	memset(&ei, 0, sizeof ei);
	if ((rc = ims_settings_get(&s, j->d->st, j->user))) {
		j->status = rc == IMS_INVALID ? 403 : 500;
		snprintf(j->reason, sizeof j->reason, "%s", rc == IMS_INVALID
		         ? "Forbidden: Not A User Address" : "Store Error");
		return;
	}
	if ((rc = ims_settings_parse(&s, j->body, j->len, &ei))) {
		snprintf(why, sizeof why, "Bad Settings Document: %s",
		         ei.message[0] ? ei.message : ims_strerror(rc));
		j->status = 400;
		reason_clean(j->reason, sizeof j->reason, why);
		return;
	}
	if ((rc = ims_settings_set(j->d->st, j->user, &s))) {
		logx(LOG_ERR, "cannot store settings of '%s': %s", j->user,
		     ims_strerror(rc));
		j->status = 500;
		snprintf(j->reason, sizeof j->reason, "Store Error");
		return;
	}
	j->status = 200;
}

static void answer(pjob *j, struct pubtab *t);

/* Give a document to a worker, marked busy for its user: 0, or the pool
 * refused it (EAGAIN). */
static int
start(struct pubtab *t, pjob *j)
{
	if (pool_submit(j->d->pool, &j->j))
		return EAGAIN;
	j->busy_next = t->busy;
	t->busy = j;
	return 0;
}

/* j's work is over: off the busy list; the user's next document, if one
 * waits, goes to a worker (or is answered 503 with those behind it). */
static void
next(struct pubtab *t, pjob *j)
{
	pjob **pp, *w = j->wait;

	for (pp = &t->busy; *pp; pp = &(*pp)->busy_next)
		if (*pp == j) {
			*pp = j->busy_next;
			break;
		}
	while (w) {
		t->waiting--;
		if (!start(t, w))
			return;
		j = w;
		w = w->wait;
		j->status = 503;
		snprintf(j->reason, sizeof j->reason, "Service Unavailable");
		answer(j, t);
	}
}

static void
done(job *jb)
{
	pjob *j = (pjob *)jb;
	struct pubtab *t = j->d->pub;

	next(t, j);
	answer(j, t);
}

/* Answer a document's PUBLISH and free the job. */
static void
answer(pjob *j, struct pubtab *t)
{
	char hdr[64];
	pub p;

	t->pending--;
	if (j->status != 200 && j->had_old && t->n < t->cap)
		t->v[t->n++] = j->old;           /* a failed modify keeps its tag */
	if (j->status == 503) {
		snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", j->d->cf.retry_after);
		refuse(j->d, j->r, R_QUEUE_FULL, 503, j->reason, hdr);
	} else if (j->status != 200) {
		refuse(j->d, j->r, j->status == 400 ? R_MALFORMED : j->status == 403
		       ? R_FORBIDDEN : R_STORE_ERROR, j->status, j->reason, NULL);
	} else if (j->expires == 0) {
		logx(LOG_INFO, "settings of '%s' published (publication removed)", j->user);
		(void)sx_reply(j->r, 200, "OK", "Expires: 0\r\n");
	} else if (tab_add(t, &p, j->user, j->expires)) {
		/* stored, but no memory for its tag: the client publishes again */
		refuse(j->d, j->r, R_STORE_ERROR, 500, "Out Of Memory", NULL);
	} else {
		logx(LOG_INFO, "settings of '%s' published, etag %s", j->user, p.etag);
		reply_pub(j->d, j->r, &p, j->expires);
	}
	free(j->body);
	free(j);
}

/* ------------------------------------------------------------ the request */

/* Whether a Content-Type value is @p type, alone or with parameters. */
static int
type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return !strncasecmp(ct, type, n) && (!ct[n] || strchr(" \t;", ct[n]));
}

/* The Event value's package name (up to ';' or white space) is @p pkg. */
static int
event_is(const char *ev, const char *pkg)
{
	size_t n = strlen(pkg);

	if (!ev)
		return 0;
	while (*ev == ' ' || *ev == '\t')
		ev++;
	return !strncasecmp(ev, pkg, n) && (!ev[n] || strchr(" \t;", ev[n]));
}

/* The asserted user, who must be the Request-URI's: 0, or answered. */
static int
identity(imsd *d, sx_req *r, const cpim_sip_msg *m, char *user, size_t cap)
{
	cpim_sip_addr a;
	char ruri[IMS_ADDR_MAX + 1];

	if (cpim_sip_pai_count(m) == 0 || cpim_sip_pai(&a, m, 0)) {
		refuse(d, r, R_FORBIDDEN, 403, "No Asserted Identity", NULL);
		return -1;
	}
	if (ims_addr_canon(user, cap, a.uri) ||
	    ims_addr_canon(ruri, sizeof ruri, cpim_sip_request_uri(m))) {
		refuse(d, r, R_FORBIDDEN, 403, "Not A User Address", NULL);
		return -1;
	}
	if (strcmp(user, ruri)) {
		logx(LOG_NOTICE, "PUBLISH by '%s' for '%s' refused", user, ruri);
		refuse(d, r, R_FORBIDDEN, 403, "Not Your Settings", NULL);
		return -1;
	}
	return 0;
}

/* Expires, checked: 0 or answered (423, 400). */
static int
expiry(imsd *d, sx_req *r, const cpim_sip_msg *m, unsigned *out)
{
	char hdr[64];
	uint32_t e;

	if (!cpim_sip_find(m, "Expires", 0)) {
		*out = PUB_DEF_EXPIRES;
		return 0;
	}
	if (cpim_sip_expires(&e, m)) {
		refuse(d, r, R_MALFORMED, 400, "Bad Expires", NULL);
		return -1;
	}
	if (e > 0 && e < PUB_MIN_EXPIRES) {
		snprintf(hdr, sizeof hdr, "Min-Expires: %u\r\n", PUB_MIN_EXPIRES);
		refuse(d, r, R_MALFORMED, 423, "Interval Too Brief", hdr);
		return -1;
	}
	*out = e > PUB_MAX_EXPIRES ? PUB_MAX_EXPIRES : e;
	return 0;
}

/* A refresh or remove (SIP-If-Match, no body): answered at once. */
static void
refresh(imsd *d, sx_req *r, struct pubtab *t, pub *p, unsigned expires)
{
	char user[IMS_ADDR_MAX + 1];
	pub np;

	snprintf(user, sizeof user, "%s", p->user);
	tab_remove(t, p);
	if (expires == 0) {
		logx(LOG_INFO, "publication of '%s' removed", user);
		(void)sx_reply(r, 200, "OK", "Expires: 0\r\n");
		return;
	}
	if (tab_add(t, &np, user, expires)) {
		refuse(d, r, R_STORE_ERROR, 500, "Out Of Memory", NULL);
		return;
	}
	reply_pub(d, r, &np, expires);
}

/* A document goes to a worker, or waits behind the one its user already
 * has with a worker (a get, parse and set each: two at once for a user
 * could lose one's change): 0, or EAGAIN when full. */
static int
queue(struct pubtab *t, pjob *j)
{
	pjob *b, *w;

	for (b = t->busy; b; b = b->busy_next)
		if (!strcmp(b->user, j->user))
			break;
	if (!b)
		return start(t, j);
	if (t->waiting >= j->d->cf.queue_max)
		return EAGAIN;
	for (w = b; w->wait; w = w->wait)
		;
	w->wait = j;
	t->waiting++;
	return 0;
}

/* Hand the document to a worker; answers 503 itself when the queue is full. */
static void
submit(imsd *d, sx_req *r, const char *user, const cpim_content *body,
       unsigned expires, pub *old, struct pubtab *t)
{
	pjob *j = calloc(1, sizeof *j);
	char hdr[64];

	if (!j || !(j->body = malloc(body->len ? body->len : 1))) {
		free(j);
		refuse(d, r, R_STORE_ERROR, 500, "Out Of Memory", NULL);
		return;
	}
	memcpy(j->body, body->data, body->len);
	j->len = body->len;
	j->j.work = work;
	j->j.done = done;
	j->d = d;
	j->r = r;
	j->expires = expires;
	snprintf(j->user, sizeof j->user, "%s", user);
	if (queue(t, j)) {
		free(j->body);
		free(j);
		snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", d->cf.retry_after);
		refuse(d, r, R_QUEUE_FULL, 503, "Service Unavailable", hdr);
		return;
	}
	t->pending++;
	if (old) {                  /* the old tag is stale from now on */
		j->had_old = 1;
		j->old = *old;
		tab_remove(t, old);
	}
}

/* The checks of RFC 3903 §6 in its order, then the refresh or the store. */
static void
publish(imsd *d, sx_req *r, const cpim_sip_msg *m, struct pubtab *t)
{
	char user[IMS_ADDR_MAX + 1];
	const char *match = cpim_sip_find(m, "SIP-If-Match", 0);
	cpim_content body;
	unsigned expires;
	pub *old = NULL;
	char hdr[64];

	if (!event_is(cpim_sip_find(m, "Event", 0), PUB_EVENT)) {
		refuse(d, r, R_MALFORMED, 489, "Bad Event",
		       "Allow-Events: " PUB_EVENT "\r\n");
		return;
	}
	if (identity(d, r, m, user, sizeof user) || expiry(d, r, m, &expires))
		return;
	cpim_sip_body(&body, m);
	if (match) {
		while (*match == ' ' || *match == '\t')
			match++;
		if (!(old = tab_find(t, match)) || strcmp(old->user, user)) {
			refuse(d, r, R_NOT_FOUND, 412, "Conditional Request Failed", NULL);
			return;
		}
		if (body.len == 0) {
			refresh(d, r, t, old, expires);
			return;
		}
	} else if (body.len == 0) {
		refuse(d, r, R_MALFORMED, 400, "Missing Settings Document", NULL);
		return;
	}
	if (!type_is(cpim_sip_content_type(m), PUB_TYPE)) {
		refuse(d, r, R_MALFORMED, 415, "Unsupported Media Type",
		       "Accept: " PUB_TYPE "\r\n");
		return;
	}
	if (!old && full(t)) {
		snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", d->cf.retry_after);
		refuse(d, r, R_QUEUE_FULL, 503, "Too Many Publications", hdr);
		return;
	}
	submit(d, r, user, &body, expires, old, t);
}

void
publish_received(imsd *d, sx_req *r, const sx_in *in)
{
	cpim_sip_msg *m = NULL;
	cpim_error e;
	struct pubtab *t;
	char why[256];

	memset(&e, 0, sizeof e);
	if (!(t = tab(d))) {
		refuse(d, r, R_STORE_ERROR, 500, "Out Of Memory", NULL);
		return;
	}
	if (cpim_sip_parse(&m, in->raw, in->raw_len, NULL, &e)) {
		snprintf(why, sizeof why, "Malformed Request: %s", e.message);
		refuse(d, r, R_MALFORMED, 400, why, NULL);
		return;
	}
	publish(d, r, m, t);
	cpim_sip_free(m);
}
