/* stats-report.c - what the counters do not tell: totals per MIME type and
 * the shape of the deferred queue by recipient domain (one pass over the
 * records), and the top owners (from the counters).  Memory is bounded:
 * at most TYPES_MAX types and DOMAINS_MAX domains are told apart, the rest
 * are tallied under "(other)"; the top owners are kept in a heap of N. */
#include <ctype.h>
#include <stdlib.h>

#include "internal.h"

#define TYPES_MAX 256
#define DOMAINS_MAX 4096
#define TOP_DEFAULT 10
#define TOP_MAX 10000
#define OTHER "(other)"

/* A tally of rows by name, open addressing over a power-of-two table. */
typedef struct tally {
	ims_stats_row *rows;
	size_t n, cap;          /* cap names at most, then OTHER */
	uint32_t *slot;         /* row index + 1, 0: empty */
	size_t nslots;
	ims_stats_row other;
} tally;

static int
tally_init(tally *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	for (t->nslots = 16; t->nslots < 2 * cap; t->nslots *= 2)
		;
	t->other.name = OTHER;
	t->rows = calloc(cap + 1, sizeof(*t->rows)); /* + OTHER at the end */
	t->slot = calloc(t->nslots, sizeof(*t->slot));
	return t->rows && t->slot ? 0 : ENOMEM;
}

static void
tally_free(tally *t)
{
	for (size_t i = 0; i < t->n; i++)
		free((char *)(uintptr_t)t->rows[i].name);
	free(t->rows);
	free(t->slot);
}

static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* The row of name (n bytes), added when there is room, else OTHER's. */
static int
tally_row(ims_stats_row **out, tally *t, const char *name, size_t n)
{
	size_t i = (size_t)fnv(name, n) & (t->nslots - 1);
	char *copy;

	for (; t->slot[i]; i = (i + 1) & (t->nslots - 1)) {
		ims_stats_row *r = &t->rows[t->slot[i] - 1];
		if (strlen(r->name) == n && memcmp(r->name, name, n) == 0) {
			*out = r;
			return 0;
		}
	}
	if (t->n == t->cap) {
		*out = &t->other;
		return 0;
	}
	if (!(copy = malloc(n + 1)))
		return ENOMEM;
	memcpy(copy, name, n);
	copy[n] = '\0';
	t->rows[t->n].name = copy;
	t->slot[i] = (uint32_t)++t->n;
	*out = &t->rows[t->n - 1];
	return 0;
}

/* Most messages first, then by name. */
static int
row_cmp(const void *a, const void *b)
{
	const ims_stats_row *x = a, *y = b;

	if (x->messages != y->messages)
		return x->messages < y->messages ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Most bytes first, then most messages, then by name. */
static int
row_cmp_bytes(const void *a, const void *b)
{
	const ims_stats_row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return row_cmp(a, b);
}

/* The tally as a sorted array, OTHER last when used; the names move. */
static int
tally_take(ims_stats_row **out, size_t *n, tally *t, size_t max)
{
	size_t keep;

	if (t->n > 1)
		qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
	keep = IMS__MIN(t->n, max);
	/* rows beyond max are told as OTHER too */
	for (size_t i = keep; i < t->n; i++) {
		t->other.messages += t->rows[i].messages;
		t->other.bytes += t->rows[i].bytes;
		for (int b = 0; b < IMS_AGE_BUCKETS; b++)
			t->other.ages[b] += t->rows[i].ages[b];
		free((char *)(uintptr_t)t->rows[i].name);
	}
	t->n = keep;
	if (t->other.messages) {
		t->rows[t->n] = t->other;
		t->rows[t->n].name = strdup(OTHER);
		if (!t->rows[t->n].name)
			return ENOMEM;
		t->n++;
	}
	*out = t->rows;
	*n = t->n;
	t->rows = NULL;
	t->n = 0;
	return 0;
}

/* The media type without parameters, lowercased, into buf. */
static size_t
media_type(char *buf, size_t cap, const char *ct)
{
	size_t n = 0;

	if (!ct || !*ct)
		ct = "text/plain";
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (; *ct && *ct != ';' && *ct != ' ' && *ct != '\t' && n + 1 < cap; ct++)
		buf[n++] = (char)tolower((unsigned char)*ct);
	buf[n] = '\0';
	return n;
}

/* The recipient domain of a deferred message: the host of its owner's
 * address, or its scheme ("tel:") when it has none. */
static size_t
domain_of(const char **out, const char *owner)
{
	const char *at = strrchr(owner, '@'), *end;

	if (!at) {
		const char *colon = strchr(owner, ':');
		*out = owner;
		return colon ? (size_t)(colon - owner) + 1 : strlen(owner);
	}
	*out = at + 1;
	end = *out + strcspn(*out, ";?>");
	return (size_t)(end - *out);
}

static int
age_bucket(int64_t age_us)
{
	int64_t limit = 5 * INT64_C(60000000);

	for (int b = 0; b < IMS_AGE_BUCKETS - 1; b++, limit *= 2)
		if (age_us < limit)
			return b;
	return IMS_AGE_BUCKETS - 1;
}

typedef struct pass {
	tally types, domains;
	ims_stats_row queue;
	int64_t now;
} pass;

static int
count_record(pass *p, const ims_msg *m)
{
	ims_stats_row *r;
	const char *dom;
	char type[128];
	size_t n = media_type(type, sizeof(type), m->content_type);
	int rc, b;

	if ((rc = tally_row(&r, &p->types, type, n)))
		return rc;
	r->messages++;
	r->bytes += m->size;
	if (m->folder != IMS_FOLDER_DEFERRED)
		return 0;
	b = age_bucket(p->now - m->received);
	n = domain_of(&dom, m->owner);
	if ((rc = tally_row(&r, &p->domains, dom, n)))
		return rc;
	r->messages++;
	r->bytes += m->size;
	r->ages[b]++;
	p->queue.messages++;
	p->queue.bytes += m->size;
	p->queue.ages[b]++;
	return 0;
}

/* One pass over the message records. */
static int
scan_records(pass *p, ims_store *st, MDB_txn *txn)
{
	ims__decbuf d = { 0 };
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, st->dbi[IMS__DB_MSG], &cur), crc;

	if (rc)
		return ims__map_err(rc);
	while ((crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		ims_msg m;
		ims__recx x;
		ims_id id;
		if (k.mv_size != 16 || !ims__val_in_file(st, txn, &v)) {
			rc = IMS_CORRUPT;
			break;
		}
		memcpy(id.b, k.mv_data, 16);
		if ((rc = ims__rec_decode(&m, &x, &d, &id, v.mv_data, v.mv_size)) ||
		    (rc = count_record(p, &m)))
			break;
	}
	if (rc == 0 && crc != MDB_NOTFOUND)
		rc = ims__map_err(crc);
	mdb_cursor_close(cur);
	ims__decbuf_free(&d);
	return rc;
}

/* ---- top owners: a min-heap of the N owners with most messages (or
 * bytes) ---- */

typedef struct owner_ent { uint32_t atom; uint64_t messages, bytes; } owner_ent;

/* The ranking's keys, first and second: messages then bytes, or the
 * other way round (by_bytes). */
static int
ent_less_by(const owner_ent *a, const owner_ent *b, int by_bytes)
{
	uint64_t a1 = by_bytes ? a->bytes : a->messages, b1 = by_bytes ? b->bytes : b->messages;
	uint64_t a2 = by_bytes ? a->messages : a->bytes, b2 = by_bytes ? b->messages : b->bytes;

	if (a1 != b1)
		return a1 < b1;
	return a2 != b2 ? a2 < b2 : a->atom > b->atom;
}


static void
heap_down(owner_ent *h, size_t n, size_t i, int by)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && ent_less_by(&h[l], &h[m], by))
			m = l;
		if (r < n && ent_less_by(&h[r], &h[m], by))
			m = r;
		if (m == i)
			return;
		owner_ent t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void
heap_push(owner_ent *h, size_t *n, size_t max, const owner_ent *e, int by)
{
	if (*n < max) {
		size_t i = (*n)++;
		h[i] = *e;
		while (i > 0 && ent_less_by(&h[i], &h[(i - 1) / 2], by)) {
			owner_ent t = h[i];
			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
	} else if (max && ent_less_by(&h[0], e, by)) {
		h[0] = *e;
		heap_down(h, *n, 0, by);
	}
}

static int
atom_text(char **out, ims_store *st, MDB_txn *txn, uint32_t atom)
{
	unsigned char key[4];
	MDB_val k = { 4, key }, v;
	int rc;

	ims__be32(key, atom);
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_ATOMID], &k, &v)))
		return rc == MDB_NOTFOUND ? IMS_CORRUPT : ims__map_err(rc);
	if (v.mv_size < 1 || !(*out = malloc(v.mv_size)))
		return v.mv_size < 1 ? IMS_CORRUPT : ENOMEM;
	memcpy(*out, (unsigned char *)v.mv_data + 1, v.mv_size - 1);
	(*out)[v.mv_size - 1] = '\0';
	return 0;
}

/* The counters, keyed owner(4) folder(1), give each owner's totals. */
static int
top_owners(ims_stats_report *r, ims_store *st, MDB_txn *txn, size_t top, int by)
{
	owner_ent *h = malloc(top * sizeof(*h)), cur_e = { 0, 0, 0 };
	size_t n = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, crc, have = 0;

	if (!h)
		return ENOMEM;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_COUNT], &cur))) {
		free(h);
		return ims__map_err(rc);
	}
	while ((crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		ims__counter c;
		uint32_t atom;
		if (k.mv_size != 5 || (rc = ims__counter_parse(&c, v.mv_data, v.mv_size))) {
			rc = IMS_CORRUPT;
			break;
		}
		atom = ims__rd_be32(k.mv_data);
		if (have && atom != cur_e.atom) {
			heap_push(h, &n, top, &cur_e, by);
			memset(&cur_e, 0, sizeof(cur_e));
		}
		have = 1;
		cur_e.atom = atom;
		cur_e.messages += c.count;
		cur_e.bytes += c.bytes;
	}
	if (rc == 0 && crc != MDB_NOTFOUND)
		rc = ims__map_err(crc);
	mdb_cursor_close(cur);
	if (rc == 0 && have)
		heap_push(h, &n, top, &cur_e, by);
	if (rc == 0 && n && !(r->owners = calloc(n, sizeof(*r->owners))))
		rc = ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *name = NULL;
		if ((rc = atom_text(&name, st, txn, h[i].atom)))
			break;
		r->owners[r->nowners].name = name;
		r->owners[r->nowners].messages = h[i].messages;
		r->owners[r->nowners].bytes = h[i].bytes;
		r->nowners++;
	}
	if (rc == 0 && r->nowners > 1)   /* none: owners is NULL, not for qsort */
		qsort(r->owners, r->nowners, sizeof(*r->owners), by ? row_cmp_bytes : row_cmp);
	free(h);
	return rc;
}

static void
rows_free(ims_stats_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)(uintptr_t)rows[i].name);
	free(rows);
}

void
ims_stats_report_free(ims_stats_report *r)
{
	if (!r)
		return;
	rows_free(r->types, r->ntypes);
	rows_free(r->owners, r->nowners);
	rows_free(r->domains, r->ndomains);
	free(r);
}

int
ims_stats_report_get(ims_stats_report **out, ims_store *st,
                     const ims_stats_opts *opts)
{
	ims_stats_opts defaults = IMS_STATS_OPTS_INIT;
	const ims_stats_opts *o = opts ? opts : &defaults;
	size_t top = o->top ? o->top : TOP_DEFAULT;
	unsigned flags = o->flags ? o->flags : IMS_STATS_TYPES | IMS_STATS_OWNERS | IMS_STATS_QUEUE;
	/* the sort came with version 2 of the options */
	int by = o->version >= 2 && o->sort == IMS_STATS_SORT_BYTES;
	ims_stats_report *r;
	MDB_txn *txn;
	pass p;
	int rc;

	*out = NULL;
	if (top > TOP_MAX || (o->flags & ~(unsigned)(IMS_STATS_TYPES | IMS_STATS_OWNERS |
	                                           IMS_STATS_QUEUE)) ||
	    (o->version >= 2 && o->sort != IMS_STATS_SORT_COUNT && o->sort != IMS_STATS_SORT_BYTES))
		return IMS_INVALID;
	memset(&p, 0, sizeof(p));
	p.now = o->now == IMS_TIME_NONE ? ims__now_us() : o->now;
	p.queue.name = "TOTAL";
	if (!(r = calloc(1, sizeof(*r))))
		return ENOMEM;
	if ((rc = tally_init(&p.types, TYPES_MAX)) || (rc = tally_init(&p.domains, DOMAINS_MAX)))
		goto fail_tally;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		goto fail_tally;
	if (flags & (IMS_STATS_TYPES | IMS_STATS_QUEUE))
		rc = scan_records(&p, st, txn);
	if (rc == 0 && (flags & IMS_STATS_OWNERS))
		rc = top_owners(r, st, txn, top, by);
	ims__txn_abort(st, txn);
	if (rc || (rc = tally_take(&r->types, &r->ntypes, &p.types, TYPES_MAX)) ||
	    (rc = tally_take(&r->domains, &r->ndomains, &p.domains, top)))
		goto fail_tally;
	if (!(flags & IMS_STATS_TYPES)) {
		rows_free(r->types, r->ntypes);
		r->types = NULL;
		r->ntypes = 0;
	}
	r->queue = p.queue;
	tally_free(&p.types);
	tally_free(&p.domains);
	*out = r;
	return 0;
fail_tally:
	tally_free(&p.types);
	tally_free(&p.domains);
	ims_stats_report_free(r);
	return rc;
}
