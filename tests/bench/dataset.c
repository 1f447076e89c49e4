/* dataset.c - the benchmark's messages: a deterministic function of
 * (seed, stream, index).  Zipf-distributed senders and recipients, bodies of
 * 100 B - 2 KiB around 300 B and a rare 1 MiB one, wrapped in Message/CPIM
 * and read back with cpim_parse() for their metadata. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cpim.h"

#define US 1000000LL
#define DAY (86400LL * US)
#define T0 (1782864000LL * US)       /* 2026-07-01T00:00:00Z */
#define SPAN (90 * DAY)
#define FAR_EXPIRY (4070908800LL * US) /* 2099-01-01 */
#define DOMAIN "ims.example.net"
#define BIG_BODY (1u << 20)

/* ---------------------------------------------------------------- PRNG */

typedef struct rng {
	uint64_t s[4];
} rng;

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
rng_seed(rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
	uint64_t x = seed ^ (stream << 48) ^ (index * 0x632be59bd9b4e019ull);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(rng *r) /* xoshiro256** */
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static double
rng_unit(rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t
rng_below(rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

static double
rng_normal(rng *r)
{
	double u = rng_unit(r), v = rng_unit(r);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---------------------------------------------------------------- Zipf */

static double *zipf_cdf;
static size_t zipf_n;
static pthread_mutex_t zipf_lock = PTHREAD_MUTEX_INITIALIZER;

static void
zipf_init(size_t n, double s)
{
	double sum = 0;

	pthread_mutex_lock(&zipf_lock);
	if (zipf_n != n) {
		free(zipf_cdf);
		if (!(zipf_cdf = malloc(n * sizeof(*zipf_cdf))))
			die("out of memory");
		for (size_t i = 0; i < n; i++)
			zipf_cdf[i] = (sum += 1.0 / pow((double)(i + 1), s));
		for (size_t i = 0; i < n; i++)
			zipf_cdf[i] /= sum;
		zipf_n = n;
	}
	pthread_mutex_unlock(&zipf_lock);
}

/* A user by Zipf rank; two different permutations for senders and
 * recipients so that the busiest sender is not the busiest recipient. */
static uint32_t
zipf_user(rng *r, int recipient)
{
	double u = rng_unit(r);
	size_t lo = 0, hi = zipf_n - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)((lo * (recipient ? 7919u : 104729u) + (recipient ? 13u : 0u))
	                  % zipf_n);
}

/* ---------------------------------------------------------------- text */

/* A vocabulary of made-up words, Zipf-distributed like natural language:
 * short frequent words, a long tail; punctuation, numbers and some emoji.
 * Deflate does about as well on it as on chat text (2-3x on large inputs,
 * less on one short message). */
#define NWORDS 4096
static char vocab[NWORDS][24];
static double vocab_cdf[NWORDS];
static pthread_once_t vocab_once = PTHREAD_ONCE_INIT;

static void
vocab_init(void)
{
	static const char cons[] = "bcdfghjklmnprstvwyz", vow[] = "aeiou";
	rng r;
	double sum = 0;

	rng_seed(&r, 1, 99, 0);
	for (size_t i = 0; i < NWORDS; i++) {
		int syl = 1 + (i > 40) + (i > 400) + (i > 2000), n = 0;
		for (int k = 0; k < syl; k++) {
			if (rng_below(&r, 4))
				vocab[i][n++] = cons[rng_below(&r, sizeof(cons) - 1)];
			vocab[i][n++] = vow[rng_below(&r, sizeof(vow) - 1)];
			if (rng_below(&r, 3) == 0)
				vocab[i][n++] = cons[rng_below(&r, sizeof(cons) - 1)];
		}
		vocab[i][n] = '\0';
		vocab_cdf[i] = (sum += 1.0 / (double)(i + 1));
	}
	for (size_t i = 0; i < NWORDS; i++)
		vocab_cdf[i] /= sum;
}

static const char *
word(rng *r)
{
	double u = rng_unit(r);
	size_t lo = 0, hi = NWORDS - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (vocab_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return vocab[lo];
}

static size_t
fill_text(char *p, size_t len, rng *r)
{
	static const char *const emoji[] = { "\xf0\x9f\x98\x80", "\xf0\x9f\x91\x8d",
	                                     "\xe2\x9d\xa4\xef\xb8\x8f", "\xf0\x9f\x98\x82" };
	char tok[32];
	size_t n = 0;
	int cap = 1;

	pthread_once(&vocab_once, vocab_init);
	while (n < len) {
		uint64_t x = rng_below(r, 100);
		size_t tl;
		if (x < 2)
			tl = (size_t)snprintf(tok, sizeof(tok), "%u", (unsigned)rng_below(r, 10000));
		else if (x < 3)
			tl = (size_t)snprintf(tok, sizeof(tok), "%s", emoji[rng_below(r, 4)]);
		else
			tl = (size_t)snprintf(tok, sizeof(tok), "%s", word(r));
		if (cap && tok[0] >= 'a' && tok[0] <= 'z')
			tok[0] = (char)(tok[0] - 32);
		cap = 0;
		x = rng_below(r, 100);
		if (x < 6)
			tok[tl++] = ',';
		else if (x < 11)
			tok[tl++] = '.', cap = 1;
		else if (x < 13)
			tok[tl++] = x == 11 ? '?' : '!', cap = 1;
		tok[tl++] = rng_below(r, 40) == 0 ? '\n' : ' ';
		if (n + tl > len) {
			while (n < len)
				p[n++] = '.';
			break;
		}
		memcpy(p + n, tok, tl);
		n += tl;
	}
	return n;
}

static size_t
body_size(rng *r)
{
	double v = exp(log(300.0) + 0.55 * rng_normal(r));

	if (v < 100)
		v = 100;
	if (v > 2048)
		v = 2048;
	return (size_t)v;
}

/* ---------------------------------------------------------------- messages */

typedef struct spec {
	uint32_t from, to;           /* user numbers, or UINT32_MAX: named */
	const char *from_named, *to_named;
	int64_t received, sent, expires;
	int folder, mode, state;
	char conv[80];
	const char *ctype;
	int subject;
	char msgid[48];
	size_t body_len;
	int binary;                  /* random bytes instead of words */
} spec;

static void
user_addr(char *out, size_t cap, uint32_t u, const char *named)
{
	if (named)
		snprintf(out, cap, "%s", named);
	else
		snprintf(out, cap, "sip:user%06u@" DOMAIN, u);
}

static uint64_t
pair_hash(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ull;
	const char *lo = strcmp(a, b) < 0 ? a : b, *hi = lo == a ? b : a;

	for (const char *s = lo; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (const char *s = hi; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static char *
dup_into(char **p, const char *s)
{
	char *d;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = memcpy(*p, s, n);
	*p += n;
	return d;
}

static size_t
slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Write the CPIM payload, parse it, keep the payload and what was parsed. */
static bmsg *
make_msg(const spec *g, rng *r)
{
	char from[128], to[128], dt[CPIM_DATETIME_MAX], name[64], subj[80];
	size_t hcap = 1024, cap = hcap + g->body_len, len;
	char *buf = malloc(cap), *p;
	cpim_msg *cm;
	cpim_error err;
	cpim_addr fa, ta;
	cpim_datetime cdt;
	cpim_subject cs;
	cpim_content content;
	const char *ct = NULL, *mid = NULL;
	bmsg *m;
	int n;

	if (!buf)
		die("out of memory");
	user_addr(from, sizeof(from), g->from, g->from_named);
	user_addr(to, sizeof(to), g->to, g->to_named);
	cpim_datetime_format(dt, sizeof(dt), g->sent);
	name[0] = '\0';
	if (!g->from_named && g->from % 3 == 0)
		snprintf(name, sizeof(name), "\"User %u\" ", g->from);
	subj[0] = '\0';
	if (g->subject) {
		size_t k = 0;
		k += (size_t)snprintf(subj, sizeof(subj), "Subject: Re: ");
		k += fill_text(subj + k, 24, r);
		for (size_t i = 0; i < k; i++)
			if (subj[i] == '\n')
				subj[i] = ' ';
		snprintf(subj + k, sizeof(subj) - k, "\r\n");
	}
	n = snprintf(buf, hcap,
	             "From: %s<%s>\r\n"
	             "To: <%s>\r\n"
	             "DateTime: %s\r\n"
	             "%s"
	             "NS: imdn <urn:ietf:params:imdn>\r\n"
	             "imdn.Message-ID: %s\r\n"
	             "imdn.Disposition-Notification: positive-delivery, display\r\n"
	             "\r\n"
	             "Content-Type: %s\r\n"
	             "\r\n",
	             name, from, to, dt, subj, g->msgid, g->ctype);
	len = (size_t)n;
	if (g->binary) {
		for (size_t i = 0; i < g->body_len; i += 8) {
			uint64_t v = rng_next(r);
			memcpy(buf + len + i, &v, g->body_len - i < 8 ? g->body_len - i : 8);
		}
		len += g->body_len;
	} else {
		len += fill_text(buf + len, g->body_len, r);
	}

	if (cpim_parse(&cm, buf, len, NULL, &err))
		die("cpim_parse of a generated message: %s", err.message);
	if (cpim_msg_addr(&fa, cm, CPIM_ADDR_FROM, 0) ||
	    cpim_msg_addr(&ta, cm, CPIM_ADDR_TO, 0) ||
	    cpim_msg_datetime(&cdt, cm) ||
	    !(mid = cpim_msg_imdn_message_id(cm)) || !(ct = cpim_msg_content_type(cm)))
		die("generated message lacks a header");
	cpim_msg_content(&content, cm);
	if (content.len != g->body_len)
		die("generated content of %zu bytes, parsed %zu", g->body_len, content.len);
	if (cpim_msg_subject(&cs, cm, 0))
		cs.text = NULL;

	m = malloc(sizeof(*m) + slen(fa.uri) + slen(fa.name) + slen(ta.uri) +
	           slen(mid) + slen(g->conv[0] ? g->conv : NULL) + slen(ct) +
	           slen(cs.text) + slen(cdt.text) + len);
	if (!m)
		die("out of memory");
	p = (char *)(m + 1);
	m->from_uri = dup_into(&p, fa.uri);
	m->from_name = dup_into(&p, fa.name);
	m->to_uri = dup_into(&p, ta.uri);
	m->owner = m->to_uri;
	m->msgid = dup_into(&p, mid);
	m->conv = dup_into(&p, g->conv[0] ? g->conv : NULL);
	m->ctype = dup_into(&p, ct);
	m->subject = dup_into(&p, cs.text);
	m->sent_text = dup_into(&p, cdt.text);
	m->sent = cdt.us;
	m->received = g->received;
	m->expires = g->expires;
	m->body = memcpy(p, buf, len);
	m->body_len = len;
	m->owner_ix = g->to;
	m->from_ix = g->from;
	m->folder = (uint8_t)g->folder;
	m->mode = (uint8_t)g->mode;
	m->state = (uint8_t)g->state;
	cpim_msg_free(cm);
	free(buf);
	return m;
}

/* Folder, state, conversation and expiry for a message between two users. */
static void
file_as(spec *g, int deferred)
{
	char a[128], b[128];

	g->folder = deferred ? 1 : 2;
	g->state = deferred ? 1 : 0;
	g->expires = deferred ? g->received + 400 * DAY : INT64_MIN;
	g->conv[0] = '\0';
	if (deferred)
		return;
	user_addr(a, sizeof(a), g->from, g->from_named);
	user_addr(b, sizeof(b), g->to, g->to_named);
	if (g->mode == 3) /* a session: its own identity, one a week */
		snprintf(g->conv, sizeof(g->conv), "s-%016llx-%lld",
		         (unsigned long long)pair_hash(a, b),
		         (long long)((g->received - T0) / (7 * DAY)));
	else
		snprintf(g->conv, sizeof(g->conv), "p-%016llx",
		         (unsigned long long)pair_hash(a, b));
}

static void
background_spec(spec *g, rng *r, const dsconf *c, int stream, size_t i, size_t n)
{
	double u;
	int64_t slot = SPAN / (int64_t)(n ? n : 1);

	memset(g, 0, sizeof(*g));
	g->from = zipf_user(r, 0);
	do
		g->to = zipf_user(r, 1);
	while (g->to == g->from && zipf_n > 1);
	g->received = T0 + slot * (int64_t)i + (int64_t)rng_below(r, (uint64_t)slot);
	g->sent = g->received - (int64_t)rng_below(r, 3 * US);
	u = rng_unit(r);
	g->mode = u < 0.1 ? 3 : 1;
	g->binary = 0;
	if (c->big_every && i % c->big_every == c->big_every / 2) {
		g->mode = 2;
		g->body_len = BIG_BODY;
		g->binary = 1;
		g->ctype = "image/jpeg";
	} else {
		g->body_len = body_size(r);
		u = rng_unit(r);
		g->ctype = u < 0.90 ? "text/plain;charset=UTF-8"
		         : u < 0.95 ? "message/imdn+xml"
		         : "application/vnd.gsma.rcs-ft-http+xml";
	}
	g->subject = rng_below(r, 20) == 0;
	snprintf(g->msgid, sizeof(g->msgid), "M%02d%010zu%06x", stream, i,
	         (unsigned)rng_below(r, 1u << 24));
	file_as(g, rng_unit(r) < 0.2);
}

typedef struct gen_job {
	bset *out;
	const dsconf *c;
	int stream;
	size_t lo, hi, n;
} gen_job;

static void *
gen_range(void *arg)
{
	gen_job *j = arg;
	spec g;
	rng r;

	for (size_t i = j->lo; i < j->hi; i++) {
		rng_seed(&r, j->c->seed, (uint64_t)j->stream, i);
		background_spec(&g, &r, j->c, j->stream, i, j->n);
		j->out->v[i] = make_msg(&g, &r);
	}
	return NULL;
}

static void
set_bytes(bset *s)
{
	s->body_bytes = 0;
	for (size_t i = 0; i < s->n; i++)
		s->body_bytes += s->v[i]->body_len;
}

int
ds_build(bset *out, const dsconf *c, const plan *p, int stream, size_t n)
{
	int nt = c->threads > 0 ? c->threads : 1;
	pthread_t th[64];
	gen_job jobs[64];

	(void)p;
	if (nt > 64)
		nt = 64;
	zipf_init(c->users, c->zipf_s);
	out->n = n;
	if (!(out->v = calloc(n ? n : 1, sizeof(*out->v))))
		die("out of memory");
	for (int t = 0; t < nt; t++) {
		jobs[t] = (gen_job){ out, c, stream, n * (size_t)t / (size_t)nt,
		                     n * (size_t)(t + 1) / (size_t)nt, n };
		pthread_create(&th[t], NULL, gen_range, &jobs[t]);
	}
	for (int t = 0; t < nt; t++)
		pthread_join(th[t], NULL);
	set_bytes(out);
	return 0;
}

/* ---------------------------------------------------------------- planted */

void
ds_plan(plan *p, const dsconf *c)
{
	memset(p, 0, sizeof(*p));
	(void)c;
	p->t0 = T0;
	p->span = SPAN;
	p->deferred_user = "sip:heavy.deferred@" DOMAIN;
	p->deferred_n = 10000;
	p->lease_users = 5;
	p->lease_n = 200;
	for (size_t i = 0; i < p->lease_users; i++)
		snprintf(p->lease_user[i], sizeof(p->lease_user[i]),
		         "sip:lease.%zu@" DOMAIN, i);
	p->conv_user = "sip:transcript@" DOMAIN;
	p->conv_id = "session-transcript-5000";
	p->conv_n = 5000;
	p->sender = "sip:newsletter@" DOMAIN;
	p->sender_n = 2000;
	p->sender_lo = T0 + 30 * DAY;
	p->sender_hi = T0 + 30 * DAY + SPAN / 4;
	p->type = "video/mp4";
	p->type_n = 300;
	p->type_day = T0 + 45 * DAY;
	p->purge_before = T0 + SPAN / 2;
}

static const char *const peers[] = {
	"sip:peer.alpha@" DOMAIN, "sip:peer.bravo@" DOMAIN, "sip:peer.charlie@" DOMAIN,
};

int
ds_planted(bset *out, const dsconf *c, const plan *p)
{
	const size_t e_def = p->deferred_n, e_lease = e_def + p->lease_users * p->lease_n,
	             e_conv = e_lease + p->conv_n, e_send = e_conv + p->sender_n,
	             total = e_send + p->type_n;
	spec g;
	rng r;

	zipf_init(c->users, c->zipf_s);
	if (!(out->v = calloc(total, sizeof(*out->v))))
		die("out of memory");
	for (size_t i = 0; i < total; i++) {
		rng_seed(&r, c->seed, 40, i);
		memset(&g, 0, sizeof(g));
		g.mode = 1;
		g.ctype = "text/plain;charset=UTF-8";
		g.body_len = body_size(&r);
		g.from = zipf_user(&r, 0);
		g.to = zipf_user(&r, 1);
		snprintf(g.msgid, sizeof(g.msgid), "P%011zu%06x", i,
		         (unsigned)rng_below(&r, 1u << 24));
		if (i < e_def) {
			g.to_named = p->deferred_user;
			g.received = T0 + (int64_t)rng_below(&r, (uint64_t)SPAN);
			file_as(&g, 1);
			g.expires = FAR_EXPIRY;
		} else if (i < e_lease) {
			g.to_named = p->lease_user[(i - e_def) / p->lease_n];
			g.received = T0 + (int64_t)rng_below(&r, (uint64_t)SPAN);
			file_as(&g, 1);
			g.expires = FAR_EXPIRY;
		} else if (i < e_conv) {
			size_t j = i - e_lease;
			const char *peer = peers[j % 3];
			g.mode = 3;
			g.from_named = j % 2 ? p->conv_user : peer;
			g.to_named = j % 2 ? peer : p->conv_user;
			g.received = T0 + 20 * DAY + (int64_t)j * (3 * DAY / (int64_t)p->conv_n);
			file_as(&g, 0);
			snprintf(g.conv, sizeof(g.conv), "%s", p->conv_id);
		} else if (i < e_send) {
			g.from_named = p->sender;
			g.received = T0 + (int64_t)rng_below(&r, (uint64_t)SPAN);
			g.subject = 1;
			file_as(&g, 0);
		} else {
			g.ctype = p->type;
			g.binary = 1;
			g.mode = 2;
			g.received = p->type_day + (int64_t)rng_below(&r, (uint64_t)DAY);
			file_as(&g, 0);
		}
		g.sent = g.received - (int64_t)rng_below(&r, 3 * US);
		out->v[i] = make_msg(&g, &r);
		/* the conversation owner keeps both directions in its history */
		if (i >= e_lease && i < e_conv)
			out->v[i]->owner = p->conv_user;
	}
	out->n = total;
	{ /* in received order, as the background */
		bset a = { out->v, out->n, 0 }, none = { NULL, 0, 0 }, m;
		ds_merge(&m, &a, &none);
		free(out->v);
		*out = m;
	}
	set_bytes(out);
	return 0;
}

static int
by_received(const void *a, const void *b)
{
	const bmsg *x = *(bmsg *const *)a, *y = *(bmsg *const *)b;

	if (x->received != y->received)
		return x->received < y->received ? -1 : 1;
	return strcmp(x->msgid, y->msgid);
}

int
ds_merge(bset *out, const bset *a, const bset *b)
{
	out->n = a->n + b->n;
	if (!(out->v = malloc((out->n ? out->n : 1) * sizeof(*out->v))))
		die("out of memory");
	if (a->n)
		memcpy(out->v, a->v, a->n * sizeof(*out->v));
	if (b->n)
		memcpy(out->v + a->n, b->v, b->n * sizeof(*out->v));
	qsort(out->v, out->n, sizeof(*out->v), by_received);
	set_bytes(out);
	return 0;
}

/* ---------------------------------------------------------------- extra */

int
ds_extra(bset *out, const dsconf *c, int stream, size_t n)
{
	spec g;
	rng r;

	zipf_init(c->users, c->zipf_s);
	if (!(out->v = calloc(n ? n : 1, sizeof(*out->v))))
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		rng_seed(&r, c->seed, (uint64_t)stream, i);
		background_spec(&g, &r, c, stream, i, n);
		if (g.body_len > 4096) { /* new stores: ordinary pager messages */
			g.body_len = body_size(&r);
			g.binary = 0;
			g.mode = 1;
			g.ctype = "text/plain;charset=UTF-8";
		}
		g.received = T0 + SPAN + (int64_t)i; /* after the data set */
		file_as(&g, 1);
		out->v[i] = make_msg(&g, &r);
	}
	out->n = n;
	set_bytes(out);
	return 0;
}

void
ds_free_shallow(bset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void
ds_free(bset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	ds_free_shallow(s);
}

/* ---------------------------------------------------------------- parser */

int
ds_cpim_small(unsigned char ***out, size_t **lens, size_t n, size_t size,
              uint64_t seed)
{
	unsigned char **v = calloc(n, sizeof(*v));
	size_t *l = calloc(n, sizeof(*l));
	char dt[CPIM_DATETIME_MAX], buf[4096];
	rng r;

	if (!v || !l)
		die("out of memory");
	zipf_init(zipf_n ? zipf_n : 1000, 1.0);
	for (size_t i = 0; i < n; i++) {
		int h;
		size_t body;
		rng_seed(&r, seed, 50, i);
		cpim_datetime_format(dt, sizeof(dt),
		                     T0 + (int64_t)rng_below(&r, (uint64_t)SPAN));
		h = snprintf(buf, sizeof(buf),
		             "From: <sip:user%06u@" DOMAIN ">\r\n"
		             "To: <sip:user%06u@" DOMAIN ">\r\n"
		             "DateTime: %s\r\n"
		             "NS: imdn <urn:ietf:params:imdn>\r\n"
		             "imdn.Message-ID: M50%010zu%06x\r\n"
		             "\r\n"
		             "Content-Type: text/plain;charset=UTF-8\r\n"
		             "\r\n",
		             zipf_user(&r, 0), zipf_user(&r, 1), dt, i,
		             (unsigned)rng_below(&r, 1u << 24));
		body = (size_t)h < size ? size - (size_t)h : 16;
		body += rng_below(&r, 41);
		body = body > 60 ? body - 20 : body;
		l[i] = (size_t)h + fill_text(buf + h, body, &r);
		if (!(v[i] = malloc(l[i])))
			die("out of memory");
		memcpy(v[i], buf, l[i]);
	}
	*out = v;
	*lens = l;
	return 0;
}
