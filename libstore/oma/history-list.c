/* history-list.c - the conversations of a user's history: one pass over the
 * user's history folder (index owner, one read snapshot) grouping messages
 * by conversation, so that memory grows with the conversations and their
 * participants, never with the messages. */
#include <stdlib.h>

#include "internal.h"


typedef struct conv {
	ims_conversation pub;     /* strings and arrays below are owned */
	uint32_t atom;            /* conversation atom, 0: none recorded */
	int matched;              /* a message matches the filter */
	ims_addr *parts;          /* sorted by uri */
	size_t nparts, partcap;
	ims_addr from;            /* of the first message */
	ims_addr *to;
	size_t nto;
} conv;

struct ims_conv_list {
	conv *v;
	size_t n, cap;
	ims__pairset ids;         /* while grouping: the ids, in v's order */
};

static void
str_free(const char *s)
{
	free(ims__uc(s));
}

/* A copy of s; *err set when out of memory.  NULL stays NULL. */
static const char *
dup(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*err = ENOMEM;
	return d;
}

static void
conv_clear(conv *c)
{
	str_free(c->pub.id);
	str_free(c->pub.name);
	str_free(c->pub.subject);
	for (size_t i = 0; i < c->nparts; i++) {
		str_free(c->parts[i].uri);
		str_free(c->parts[i].name);
	}
	free(c->parts);
	str_free(c->from.uri);
	str_free(c->from.name);
	for (size_t i = 0; i < c->nto; i++) {
		str_free(c->to[i].uri);
		str_free(c->to[i].name);
	}
	free(c->to);
}

void
ims_conv_list_free(ims_conv_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		conv_clear(&l->v[i]);
	free(l->v);
	ims__pairset_free(&l->ids);
	free(l);
}

size_t
ims_conv_list_count(const ims_conv_list *l)
{
	return l ? l->n : 0;
}

const ims_conversation *
ims_conv_list_get(const ims_conv_list *l, size_t i)
{
	return l && i < l->n ? &l->v[i].pub : NULL;
}

int
ims__conv_first(const ims_addr **from, const ims_addr **to, size_t *nto,
                const ims_conv_list *l, size_t i)
{
	if (!l || i >= l->n)
		return IMS_NOTFOUND;
	*from = &l->v[i].from;
	*to = l->v[i].to;
	*nto = l->v[i].nto;
	return 0;
}

/* ---------------------------------------------------------------- grouping */

static int
addrs_copy(ims_addr **out, const ims_addr *a, size_t n)
{
	int err = 0;

	*out = NULL;
	if (n && !(*out = calloc(n, sizeof(**out))))
		return ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*out)[i].uri = dup(a[i].uri, &err);
		(*out)[i].name = dup(a[i].name, &err);
	}
	return err;
}

/* The conversation called id, added from its first message m when new. */
static int
conv_get(conv **out, ims_conv_list *l, const char *id, const ims_msg *m)
{
	size_t i;
	conv *c;
	int err;

	if ((err = ims__pairset_add(&i, &l->ids, id, NULL)))
		return err;
	if (i < l->n) {
		*out = &l->v[i];
		return 0;
	}
	if (ims__grow(&l->v, &l->cap, l->n, sizeof(*l->v), 16))
		return ENOMEM;
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->pub.id = dup(id, &err);
	c->pub.mode = m->mode;
	c->pub.start = c->pub.end = m->received;
	c->from.uri = dup(m->from.uri, &err);
	c->from.name = dup(m->from.name, &err);
	if (err == 0) {
		err = addrs_copy(&c->to, m->to, m->nto);
		c->nto = c->to ? m->nto : 0;
	}
	*out = c;
	return err;
}

/* Add a participant, keeping the first display name seen. */
static int
part_add(conv *c, const ims_addr *a)
{
	size_t lo = 0, hi = c->nparts;
	int err = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(a->uri, c->parts[mid].uri);
		if (cmp == 0) {
			if (!c->parts[mid].name && a->name)
				c->parts[mid].name = dup(a->name, &err);
			return err;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (ims__grow(&c->parts, &c->partcap, c->nparts, sizeof(*c->parts), 4))
		return ENOMEM;
	memmove(&c->parts[lo + 1], &c->parts[lo], (c->nparts - lo) * sizeof(*c->parts));
	c->nparts++;
	c->parts[lo].uri = dup(a->uri, &err);
	c->parts[lo].name = dup(a->name, &err);
	return err;
}

/* One visible message of the user's history, in received order. */
static int
add_msg(ims_conv_list *l, const char *canon, const ims_msg *m,
        const ims__recx *x, const ims_filter *f)
{
	char derived[IMS_CONV_MAX + 1];
	const char *id = m->conversation;
	conv *c;
	int err;

	/* messages filed without a conversation (deferred, then delivered)
	 * join the one their peers give */
	if (!id && (err = ims__history_conv_id(derived, canon, m)))
		return err;
	if ((err = conv_get(&c, l, id ? id : derived, m)))
		return err;
	if (!c->atom)
		c->atom = x->conv_atom;
	if (!c->pub.subject && m->subject)
		c->pub.subject = dup(m->subject, &err);
	c->pub.start = IMS__MIN(c->pub.start, m->received);
	c->pub.end = IMS__MAX(c->pub.end, m->received);
	c->pub.count++;
	c->pub.bytes += m->size;
	if (!c->matched && (!f || ims_filter_match(f, m)))
		c->matched = 1;
	for (size_t i = 0; i <= m->nto + m->ncc && err == 0; i++) {
		const ims_addr *a = i == 0 ? &m->from : i <= m->nto ? &m->to[i - 1]
		                    : &m->cc[i - 1 - m->nto];
		if (strcmp(a->uri, canon) != 0)
			err = part_add(c, a);
	}
	return err;
}

static int
scan(ims_conv_list *l, ims_store *st, MDB_txn *txn, uint32_t owner,
     const char *canon, const ims_filter *f)
{
	unsigned char pre[5];
	MDB_val k = { 5, pre }, v;
	ims__decbuf d = { 0 };
	MDB_cursor *cur;
	int rc = 0, mrc;

	ims__be32(pre, owner);
	pre[4] = IMS_FOLDER_HISTORY;
	if ((mrc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_OWNER], &cur)))
		return ims__map_err(mrc);
	mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (mrc == 0 && k.mv_size == 29 && memcmp(k.mv_data, pre, 5) == 0) {
		ims__recx x;
		ims_msg m;
		ims_id id;
		memcpy(id.b, (unsigned char *)k.mv_data + 13, 16);
		rc = ims__msg_load(&m, &x, &d, st, txn, &id);
		if (rc == 0 && !(m.flags & IMS_MSGF_HIDDEN))
			rc = add_msg(l, canon, &m, &x, f);
		if (rc && rc != IMS_NOTFOUND) /* NOTFOUND: index without record */
			break;
		rc = 0;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	ims__decbuf_free(&d);
	if (rc)
		return rc;
	return mrc == MDB_NOTFOUND ? 0 : ims__map_err(mrc);
}

/* Keep the matched conversations, with their names, newest end first. */
static int
conv_order(const void *a, const void *b)
{
	const conv *x = a, *y = b;

	if (x->pub.end != y->pub.end)
		return x->pub.end > y->pub.end ? -1 : 1;
	return strcmp(x->pub.id, y->pub.id);
}

static int
finish(ims_conv_list *l, ims_store *st, MDB_txn *txn, uint32_t owner)
{
	unsigned char key[8];
	MDB_val k = { 8, key }, v;
	size_t j = 0;
	int rc = 0;

	ims__pairset_free(&l->ids);
	for (size_t i = 0; i < l->n; i++) {
		conv *c = &l->v[i];
		if (!c->matched) {
			conv_clear(c);
			continue;
		}
		c->pub.participants = c->parts;
		c->pub.nparticipants = c->nparts;
		l->v[j++] = *c;
	}
	l->n = j;
	ims__be32(key, owner);
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		conv *c = &l->v[i];
		char *name;
		if (!c->atom)
			continue;
		ims__be32(key + 4, c->atom);
		if ((rc = mdb_get(txn, st->dbi[IMS__DB_CONVMETA], &k, &v)) == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc)
			return ims__map_err(rc);
		if (!(name = malloc(v.mv_size + 1)))
			return ENOMEM;
		memcpy(name, v.mv_data, v.mv_size);
		name[v.mv_size] = '\0';
		c->pub.name = name;
	}
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), conv_order);
	return 0;
}

int
ims_history_conversations(ims_conv_list **out, ims_store *st, const char *user,
                          const ims_filter *f)
{
	char canon[IMS_ADDR_MAX + 1];
	ims_conv_list *l;
	MDB_txn *txn;
	uint32_t owner;
	int rc;

	*out = NULL;
	if (!user || ims_addr_canon(canon, sizeof(canon), user))
		return IMS_INVALID;
	if (!(l = calloc(1, sizeof(*l))))
		return ENOMEM;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		goto fail;
	rc = ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, canon);
	if (rc == 0 && (rc = scan(l, st, txn, owner, canon, f)) == 0)
		rc = finish(l, st, txn, owner);
	else if (rc == IMS_NOTFOUND)
		rc = 0; /* a user never seen has no history */
	ims__txn_abort(st, txn);
	if (rc)
		goto fail;
	*out = l;
	return 0;
fail:
	ims_conv_list_free(l);
	return rc;
}
