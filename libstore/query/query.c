/* query.c - planning a filter onto an index and iterating in (received, id)
 * order with resumable cursors. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "filter.h"
#include "internal.h"

/* A range over a time-ordered index: keys prefix + received(8) + id(16). */
typedef struct src {
	MDB_cursor *cur;
	unsigned char prefix[IMS__INDEX_PREFIX_MAX];
	size_t plen;
	int have;
	int64_t t;
	ims_id id;
} src;

typedef struct item {
	int64_t t;
	ims_id id;
} item;

struct ims_query {
	ims_store *st;
	MDB_txn *txn;
	int txn_shared;         /* another query's snapshot (opts->snapshot) */
	const ims_filter *f;
	int reverse;
	int64_t lo, hi;         /* received range every candidate lies in */
	src srcs[2];
	size_t nsrc;
	item *list;             /* list plans (id:, msgid:) */
	size_t nlist, pos;
	int is_list;
	int has_start;          /* resume strictly after/before start */
	item start;
	int has_last;
	item last;
	int has_cur;            /* m and x are the message next() returned */
	ims_msg m;
	ims__recx x;
	ims__decbuf d;
	ims_filter *owned;      /* a scoped filter this query made */
	unsigned flags;         /* IMS_QUERY_* */
	int64_t now;
	char explain[1024];     /* plan and range, while planning */
	char *explain_full;     /* with the filter, for ims_query_explain */
};

/* ---------------------------------------------------------------- cursor */

static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
cursor_fmt(char *out, const item *it)
{
	unsigned char raw[24];
	const int nbits = 24 * 8, nch = (nbits + 4) / 5, pad = nch * 5 - nbits;

	ims__be_time(raw, it->t);
	memcpy(raw + 8, it->id.b, 16);
	for (int i = 0; i < nch; i++) {
		int v = 0;
		for (int k = 0; k < 5; k++) {
			int bit = i * 5 + k - pad;
			v = v << 1 | (bit >= 0 ? raw[bit / 8] >> (7 - bit % 8) & 1 : 0);
		}
		out[i] = b32[v];
	}
	out[nch] = '\0';
}

static int
cursor_parse(item *out, const char *text)
{
	unsigned char raw[24] = { 0 };
	const int nbits = 24 * 8, nch = (nbits + 4) / 5, pad = nch * 5 - nbits;

	if (strlen(text) != (size_t)nch)
		return IMS_INVALID;
	for (int i = 0; i < nch; i++) {
		const char *p = text[i] ? strchr(b32, text[i] >= 'a' && text[i] <= 'z'
		                                  ? text[i] - 32 : text[i]) : NULL;
		if (!p)
			return IMS_INVALID;
		for (int k = 0; k < 5; k++) {
			int bit = i * 5 + k - pad, v = (int)(p - b32) >> (4 - k) & 1;
			if (bit < 0 && v)
				return IMS_INVALID;
			if (bit >= 0 && v)
				raw[bit / 8] |= (unsigned char)(1 << (7 - bit % 8));
		}
	}
	out->t = ims__rd_be_time(raw);
	memcpy(out->id.b, raw + 8, 16);
	return 0;
}

static int
item_cmp(const item *a, const item *b)
{
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return memcmp(a->id.b, b->id.b, 16);
}

static int
item_qsort_cmp(const void *a, const void *b)
{
	return item_cmp(a, b);
}

/* ---------------------------------------------------------------- ranges */

static int
src_read(src *s, const MDB_val *k, const ims_query *q)
{
	const unsigned char *p = k->mv_data;

	if (k->mv_size != s->plen + 24 || memcmp(p, s->prefix, s->plen) != 0)
		return 0;
	s->t = ims__rd_be_time(p + s->plen);
	memcpy(s->id.b, p + s->plen + 8, 16);
	return q->reverse ? s->t >= q->lo : s->t < q->hi;
}

static int
src_step(src *s, const ims_query *q, MDB_cursor_op op)
{
	MDB_val k, v;
	int rc = mdb_cursor_get(s->cur, &k, &v, op);

	s->have = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return ims__map_err(rc);
	s->have = src_read(s, &k, q);
	return 0;
}

/* Position on the first entry after q->start (forward) or before it. */
static int
src_seek(src *s, const ims_query *q)
{
	unsigned char key[IMS__INDEX_PREFIX_MAX + 24];
	item bound = { q->reverse ? q->hi : q->lo, {{0}} };
	MDB_val k = { s->plen + 24, key }, v;
	int rc, exact;

	if (q->has_start && (q->reverse ? item_cmp(&q->start, &bound) < 0
	                                : item_cmp(&q->start, &bound) >= 0))
		bound = q->start;
	memcpy(key, s->prefix, s->plen);
	ims__be_time(key + s->plen, bound.t);
	memcpy(key + s->plen + 8, bound.id.b, 16);
	rc = mdb_cursor_get(s->cur, &k, &v, MDB_SET_RANGE);
	if (q->reverse) {
		rc = rc == MDB_NOTFOUND ? mdb_cursor_get(s->cur, &k, &v, MDB_LAST)
		                        : rc ? rc : mdb_cursor_get(s->cur, &k, &v, MDB_PREV);
		s->have = rc == 0 && src_read(s, &k, q);
		return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	}
	if (rc) {
		s->have = 0;
		return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	}
	exact = k.mv_size == s->plen + 24 && memcmp(k.mv_data, key, k.mv_size) == 0;
	if (exact && q->has_start && item_cmp(&bound, &q->start) == 0)
		return src_step(s, q, MDB_NEXT);
	s->have = src_read(s, &k, q);
	return 0;
}

static int
add_src(ims_query *q, int db, const unsigned char *prefix, size_t plen)
{
	src *s = &q->srcs[q->nsrc];
	int rc = mdb_cursor_open(q->txn, q->st->dbi[db], &s->cur);

	if (rc)
		return ims__map_err(rc);
	q->nsrc++;
	memcpy(s->prefix, prefix, plen);
	s->plen = plen;
	return src_seek(s, q);
}

/* ---------------------------------------------------------------- lists */

static int
list_add(ims_query *q, const ims_id *id, size_t *cap)
{
	MDB_val v;
	ims_msg m;
	ims__recx x;
	int rc = ims__rec_get(&v, q->st, q->txn, id);

	if (rc == IMS_NOTFOUND)
		return 0;
	if (rc && rc != IMS_CORRUPT)
		return rc;
	if (ims__grow(&q->list, cap, q->nlist, sizeof(*q->list), 8))
		return ENOMEM;
	/* a record that does not decode is still listed: next() reports it */
	if (rc || ims__rec_decode(&m, &x, &q->d, id, v.mv_data, v.mv_size) != 0)
		m.received = INT64_MIN;
	q->list[q->nlist].t = m.received;
	q->list[q->nlist].id = *id;
	q->nlist++;
	return 0;
}

static int
list_msgid(ims_query *q, const char *msgid, size_t *cap)
{
	size_t n = strlen(msgid) + 1;
	MDB_val k = { n, ims__uc(msgid) }, v;
	MDB_cursor *c;
	int rc = mdb_cursor_open(q->txn, q->st->dbi[IMS__DB_IX_MSGID], &c);

	if (rc)
		return ims__map_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == n + 5 && memcmp(k.mv_data, msgid, n) == 0) {
		ims_id id;
		if (v.mv_size != 16) {
			rc = IMS_CORRUPT;
			break;
		}
		memcpy(id.b, v.mv_data, 16);
		if ((rc = list_add(q, &id, cap)))
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* Keep the items inside [lo, hi) and after the start, in order. */
static void
list_finish(ims_query *q)
{
	size_t j = 0;

	if (q->nlist > 1)
		qsort(q->list, q->nlist, sizeof(*q->list), item_qsort_cmp);
	for (size_t i = 0; i < q->nlist; i++) {
		const item *it = &q->list[i];
		if (it->t != INT64_MIN && (it->t < q->lo || it->t >= q->hi))
			continue;
		if (q->has_start && (q->reverse ? item_cmp(it, &q->start) >= 0
		                                : item_cmp(it, &q->start) <= 0))
			continue;
		q->list[j++] = *it;
	}
	q->nlist = j;
	q->pos = 0;
}

/* ---------------------------------------------------------------- planner */

typedef struct plan_terms {
	const ims__fnode *id, *msgid, *conv, *owner, *from, *folder, *type;
} plan_terms;

static void
collect(plan_terms *t, ims_query *q, const ims__fnode *n)
{
	if (!n)
		return;
	if (n->kind == IMS__F_AND) {
		collect(t, q, n->a);
		collect(t, q, n->b);
		return;
	}
	if (n->kind != IMS__F_TERM)
		return;
	switch (n->term) {
	case IMS__T_ID: if (!t->id) t->id = n; break;
	case IMS__T_MSGID: if (!t->msgid) t->msgid = n; break;
	case IMS__T_CONV: if (!t->conv) t->conv = n; break;
	case IMS__T_OWNER: if (!t->owner) t->owner = n; break;
	case IMS__T_FROM: if (!t->from) t->from = n; break;
	case IMS__T_FOLDER: if (!t->folder) t->folder = n; break;
	case IMS__T_TYPE:
		/* one media type (not "image/", not any), short enough to index */
		if (!t->type && n->text_len > 0 && n->text_len <= IMS__TYPE_MAX &&
		    n->text[n->text_len - 1] != '/' && !memchr(n->text, ';', n->text_len) &&
		    strcmp(n->text, IMS__TYPE_UNINDEXED) != 0)
			t->type = n;
		break;
	case IMS__T_RECEIVED:
		q->lo = IMS__MAX(q->lo, n->lo);
		q->hi = IMS__MIN(q->hi, n->hi);
		break;
	default: break;
	}
}

/* Append a then b to the plan description. */
static void
explain_add(ims_query *q, const char *a, const char *b)
{
	size_t n = strlen(q->explain);

	snprintf(q->explain + n, sizeof(q->explain) - n, "%s%s", a, b);
}

/* Plan over an index keyed by an interned atom (its prefix, in its row:
 * the atom, or the atom and a folder). */
static int
plan_atom(ims_query *q, int db, int kind, const ims__fnode *t,
          const ims__fnode *folder, const char *label)
{
	unsigned char pre[8];
	uint32_t atom;
	int rc = ims__atom_find(&atom, q->st, q->txn, kind, t->text);

	explain_add(q, "plan: index ", label);
	explain_add(q, " = ", t->text);
	if (rc == IMS_NOTFOUND) {
		explain_add(q, " (unknown: no match)", "");
		return 0;
	}
	if (rc)
		return rc;
	ims__be32(pre, atom);
	if (ims__index_of(db)->plen == 4)
		return add_src(q, db, pre, 4);
	if (folder) {
		explain_add(q, ", folder ", ims_folder_name((ims_folder)folder->ival));
		pre[4] = (unsigned char)folder->ival;
		return add_src(q, db, pre, 5);
	}
	explain_add(q, ", folders deferred+history (merged)", "");
	pre[4] = IMS_FOLDER_DEFERRED;
	if ((rc = add_src(q, db, pre, 5)))
		return rc;
	pre[4] = IMS_FOLDER_HISTORY;
	return add_src(q, db, pre, 5);
}

/* Plan over ix_type: the messages of one media type. */
static int
plan_type(ims_query *q, const ims__fnode *t)
{
	unsigned char pre[IMS__INDEX_PREFIX_MAX];
	size_t n = ims__type_prefix(pre, t->text);

	explain_add(q, "plan: index type = ", t->text);
	if (n != t->text_len + 1) { /* not a type a record is indexed under */
		explain_add(q, " (not indexed: no match)", "");
		return 0;
	}
	return add_src(q, IMS__DB_IX_TYPE, pre, n);
}

static int
plan(ims_query *q)
{
	plan_terms t = { 0 };
	size_t cap = 0;
	int rc;

	collect(&t, q, q->f->root);
	if (t.id || t.msgid) {
		q->is_list = 1;
		explain_add(q, "plan: ", t.id ? "direct lookup by id" : "index msgid = ");
		if (t.id)
			rc = list_add(q, &t.id->id, &cap);
		else {
			explain_add(q, t.msgid->text, "");
			rc = list_msgid(q, t.msgid->text, &cap);
		}
		if (rc == 0)
			list_finish(q);
		return rc;
	}
	if (t.conv)
		return plan_atom(q, IMS__DB_IX_CONV, IMS__ATOM_CONV, t.conv, NULL,
		                 "conversation");
	if (t.owner && t.folder)
		return plan_atom(q, IMS__DB_IX_OWNER, IMS__ATOM_ADDR, t.owner, t.folder,
		                 "owner");
	if (t.from)
		return plan_atom(q, IMS__DB_IX_FROM, IMS__ATOM_ADDR, t.from, NULL,
		                 "originator");
	if (t.owner)
		return plan_atom(q, IMS__DB_IX_OWNER, IMS__ATOM_ADDR, t.owner, NULL,
		                 "owner");
	if (t.type)
		return plan_type(q, t.type);
	explain_add(q, "plan: ", q->lo != INT64_MIN || q->hi != INT64_MAX
	            ? "index received-time range" : "full scan (received-time order)");
	return add_src(q, IMS__DB_IX_TIME, (const unsigned char *)"", 0);
}

static int
explain_finish(ims_query *q)
{
	int need = ims__filter_describe(NULL, 0, q->f->root);
	char *buf = malloc(need > 0 ? (size_t)need + 1 : 1);
	size_t n, cap;
	char *e;

	if (!buf)
		return ENOMEM;

	if (q->lo != INT64_MIN || q->hi != INT64_MAX) {
		n = strlen(q->explain);
		snprintf(q->explain + n, sizeof(q->explain) - n,
		         "\nrange: received >= %lld and < %lld (µs)",
		         (long long)q->lo, (long long)q->hi);
	}
	ims__filter_describe(buf, need > 0 ? (size_t)need + 1 : 1, q->f->root);
	n = strlen(q->explain);
	cap = n + strlen(buf) + 64;
	if (!(e = malloc(cap))) {
		free(buf);
		return ENOMEM;
	}
	snprintf(e, cap, "%s\nfilter: %s%s", q->explain, buf, q->reverse
	         ? "\norder: received descending" : "\norder: received ascending");
	free(buf);
	q->explain_full = e;
	return 0;
}

/* ---------------------------------------------------------------- API */

int
ims_query_open(ims_query **out, ims_store *st, const ims_filter *f,
               const ims_query_opts *opts)
{
	ims_query_opts defaults = IMS_QUERY_OPTS_INIT;
	const ims_query_opts *o = opts ? opts : &defaults;
	ims_query *q;
	int rc;

	*out = NULL;
	if (!f)
		return IMS_INVALID;
	if (!(q = calloc(1, sizeof(*q))))
		return ENOMEM;
	q->st = st;
	q->f = f;
	q->reverse = o->reverse;
	q->flags = o->version >= 1 ? o->flags : 0;
	q->now = ims__now_us();
	q->lo = INT64_MIN;
	q->hi = INT64_MAX;
	if (o->cursor && (rc = cursor_parse(&q->start, o->cursor)))
		goto fail;
	q->has_start = o->cursor != NULL;
	if (o->version >= 2 && o->snapshot) {
		if (o->snapshot->st != st) {
			rc = IMS_INVALID;
			goto fail;
		}
		q->txn = o->snapshot->txn;
		q->txn_shared = 1;
	} else if ((rc = ims__txn_begin(st, MDB_RDONLY, &q->txn))) {
		goto fail;
	}
	if ((rc = plan(q)) || (rc = explain_finish(q)))
		goto fail;
	*out = q;
	return 0;
fail:
	ims_query_free(q);
	return rc;
}

/* Next candidate in order: 0 and *it, or IMS_ITEROVER. */
static int
candidate(ims_query *q, item *it)
{
	src *best = NULL;

	if (q->is_list) {
		if (q->pos >= q->nlist)
			return IMS_ITEROVER;
		*it = q->list[q->reverse ? q->nlist - 1 - q->pos : q->pos];
		q->pos++;
		return 0;
	}
	for (size_t i = 0; i < q->nsrc; i++) {
		src *s = &q->srcs[i];
		item a = { s->t, s->id }, b;
		if (!s->have)
			continue;
		if (best) {
			b.t = best->t;
			b.id = best->id;
		}
		if (!best || (q->reverse ? item_cmp(&a, &b) > 0 : item_cmp(&a, &b) < 0))
			best = s;
	}
	if (!best)
		return IMS_ITEROVER;
	it->t = best->t;
	it->id = best->id;
	return src_step(best, q, q->reverse ? MDB_PREV : MDB_NEXT);
}

static int
visible(const ims_msg *m, int64_t now)
{
	if (m->flags & IMS_MSGF_HIDDEN)
		return 0;
	return m->folder != IMS_FOLDER_DEFERRED || m->expires == IMS_TIME_NONE ||
	       m->expires > now;
}

int
ims_query_next(const ims_msg **out, ims_query *q)
{
	item it;
	int rc;

	*out = NULL;
	if (!q)
		return IMS_INVALID;
	q->has_cur = 0;
	while ((rc = candidate(q, &it)) == 0) {
		q->has_last = 1;
		q->last = it;
		rc = ims__msg_load(&q->m, &q->x, &q->d, q->st, q->txn, &it.id);
		if (rc == IMS_NOTFOUND)
			continue; /* index entry without record: verify reports it */
		if (rc)
			return rc;
		if ((q->flags & IMS_QUERY_VISIBLE) && !visible(&q->m, q->now))
			continue;
		if (ims_filter_match(q->f, &q->m)) {
			q->has_cur = 1;
			*out = &q->m;
			return 0;
		}
	}
	return rc;
}

/* The record next() decoded is still in q->m and q->x, and the snapshot is
 * the one it was read in: only the body chunks are fetched. */
int
ims_query_body_stream(ims_query *q, ims_body_cb cb, void *payload)
{
	int rc;

	if (!q || !cb || !q->has_cur)
		return IMS_INVALID;
	if ((rc = ims__check(q->st)))
		return rc;
	return ims__body_read(q->st, q->txn, &q->m.id, &q->m, &q->x, cb, payload);
}

int
ims_query_cursor(char *out, const ims_query *q)
{
	if (!q || !q->has_last)
		return IMS_NOTFOUND;
	cursor_fmt(out, &q->last);
	return 0;
}

const char *
ims_query_explain(const ims_query *q)
{
	return q && q->explain_full ? q->explain_full : "";
}

void
ims_query_free(ims_query *q)
{
	if (!q)
		return;
	/* in a forked child the transaction is the parent's: leave it alone */
	if (q->st && q->st->pid == ims__pid()) {
		for (size_t i = 0; i < q->nsrc; i++)
			mdb_cursor_close(q->srcs[i].cur);
		if (q->txn && !q->txn_shared)
			ims__txn_abort(q->st, q->txn);
	}
	ims__decbuf_free(&q->d);
	free(q->list);
	free(q->explain_full);
	ims_filter_free(q->owned);
	free(q);
}

/* A query confined to one user's folder, seeing what the user may see; it
 * owns the filter it builds. */
int
ims__scoped_query(ims_query **out, ims_store *st, const char *canon_user,
                  ims_folder folder, const char *conversation, const ims_filter *f,
                  const ims_query_opts *opts)
{
	ims_query_opts o = IMS_QUERY_OPTS_INIT;
	ims_filter *scoped;
	int rc;

	*out = NULL;
	if ((rc = ims_filter_scope(&scoped, f, canon_user, folder, conversation)))
		return rc;
	if (opts) {
		o.reverse = opts->reverse;
		o.cursor = opts->cursor;
		o.flags = opts->flags;
		o.snapshot = opts->version >= 2 ? opts->snapshot : NULL;
	}
	o.flags |= IMS_QUERY_VISIBLE;
	if ((rc = ims_query_open(out, st, scoped, &o))) {
		ims_filter_free(scoped);
		return rc;
	}
	(*out)->owned = scoped;
	return 0;
}

int
ims_deferred_query(ims_query **out, ims_store *st, const char *user,
                   const ims_filter *f, const ims_query_opts *opts)
{
	char canon[IMS_ADDR_MAX + 1];

	*out = NULL;
	if (!user || ims_addr_canon(canon, sizeof(canon), user))
		return IMS_INVALID;
	return ims__scoped_query(out, st, canon, IMS_FOLDER_DEFERRED, NULL, f, opts);
}

int
ims_count(uint64_t *out, ims_store *st, const ims_filter *f)
{
	ims_query *q;
	const ims_msg *m;
	uint64_t n = 0;
	int rc;

	*out = 0;
	if ((rc = ims_query_open(&q, st, f, NULL)))
		return rc;
	while ((rc = ims_query_next(&m, q)) == 0)
		n++;
	ims_query_free(q);
	if (rc != IMS_ITEROVER)
		return rc;
	*out = n;
	return 0;
}

/* The next batch of a query walked a write transaction at a time: at most
 * cap ids of the matches keep() takes (all when NULL), *more set while the
 * query has further matches, and the cursor to reopen it after them. */
int
ims__query_ids(ims_id *ids, size_t *n, size_t cap, int *more, char *cursor,
               ims_query *q, int (*keep)(const ims_msg *m, void *arg), void *arg)
{
	const ims_msg *m;
	int rc;

	*n = 0;
	while (*n < cap && (rc = ims_query_next(&m, q)) == 0)
		if (!keep || keep(m, arg))
			ids[(*n)++] = m->id;
	*more = rc == 0;
	if (rc == IMS_ITEROVER)
		return 0;
	return rc ? rc : ims_query_cursor(cursor, q);
}
