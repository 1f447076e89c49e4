/* history.c - the Conversation History function (OMA IM 000 §7.4.5.3,
 * 003 §13): recording a user's messages, a conversation's transcript,
 * naming and deleting conversations.  The list of conversations is in
 * history-list.c, the documents in xml/history-doc.c. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define BATCH 500             /* messages deleted per write transaction */
#define SCAN_MAX (20 * BATCH) /* index entries read per write transaction */
#define IXCONV_KEY 28         /* conv(4) received(8) id(16) */


/* ---------------------------------------------------------------- identity */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* "p-" and 16 hex digits of FNV-1a 64 over the user, then '\n' and each of
 * the sorted, distinct canonical peers (from, To and cc but the user). */
int
ims__history_conv_id(char out[IMS_CONV_MAX + 1], const char *canon_user,
                     const ims_msg *m)
{
	size_t na = 1 + m->nto + m->ncc, n = 0, slot = IMS_ADDR_MAX + 1;
	char *buf = malloc(na * slot), **v = malloc(na * sizeof(*v));
	uint64_t h = 0xcbf29ce484222325ull;
	int rc = buf && v ? 0 : ENOMEM;

	for (size_t i = 0; i < na && rc == 0; i++) {
		const ims_addr *a = i == 0 ? &m->from : i <= m->nto ? &m->to[i - 1]
		                    : &m->cc[i - 1 - m->nto];
		char *s = buf + i * slot;
		if (!a->uri || ims_addr_canon(s, slot, a->uri) || strcmp(s, canon_user) == 0)
			continue; /* checked before storing; the user is no peer */
		v[n++] = s;
	}
	if (rc == 0) {
		/* the user first: another user's conversation with the same
		 * peers has another identity, so its index entries stay apart */
		h = fnv1a(h, canon_user, strlen(canon_user));
		qsort(v, n, sizeof(*v), str_cmp);
		for (size_t i = 0; i < n; i++) {
			if (i && strcmp(v[i], v[i - 1]) == 0)
				continue;
			h = fnv1a(h, "\n", 1);
			h = fnv1a(h, v[i], strlen(v[i]));
		}
		snprintf(out, IMS_CONV_MAX + 1, "p-%016llx", (unsigned long long)h);
	}
	free(buf);
	free(v);
	return rc;
}

/* A conversation the filter language can name: not empty, bounded, no
 * control characters. */
static int
conv_nameable(const char *conv)
{
	size_t n = conv ? strlen(conv) : 0;

	if (n == 0 || n > IMS_CONV_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)conv[i] < 0x20 || conv[i] == 0x7f)
			return 0;
	return 1;
}

/* ---------------------------------------------------------------- record */

/* Inside the storing transaction: the user's history activation. */
static int
record_check(ims_store *st, MDB_txn *txn, const ims_msg *c, uint32_t owner,
             void *arg)
{
	ims_settings s = IMS_SETTINGS_INIT;
	int rc;

	(void)arg;
	/* a user never seen (owner 0): the defaults */
	if (owner && (rc = ims__settings_read(&s, st, txn, owner)))
		return rc;
	if (!(c->mode == IMS_MODE_SESSION ? s.history_session : s.history_pager))
		return IMS_REFUSED; /* IMS_REFUSAL_INACTIVE */
	return ims__history_room(st, txn, owner, c->size);
}

int
ims_history_record(ims_id *out, ims_store *st, const char *user,
                   const ims_msg *msg, const void *body, size_t len)
{
	char canon[IMS_ADDR_MAX + 1], conv[IMS_CONV_MAX + 1];
	ims_msg m;
	int rc;

	if (!msg || !user)
		return IMS_INVALID;
	m = *msg;
	m.owner = user;
	m.folder = IMS_FOLDER_HISTORY;
	m.state = IMS_STATE_STORED;
	m.expires = IMS_TIME_NONE;
	if (m.conversation && !*m.conversation)
		m.conversation = NULL;
	if ((rc = ims_msg_check(&m, NULL)))
		return rc;
	/* a TAB is valid text, but no transcript query could name it */
	if (m.conversation && !conv_nameable(m.conversation))
		return IMS_INVALID;
	if ((rc = ims_addr_canon(canon, sizeof(canon), user)))
		return rc;
	if (!m.conversation) {
		if ((rc = ims__history_conv_id(conv, canon, &m)))
			return rc;
		m.conversation = conv;
	}
	return ims__put(out, st, &m, body, len, record_check, NULL);
}

/* ---------------------------------------------------------------- transcript */

int
ims_history_transcript(ims_query **out, ims_store *st, const char *user,
                       const char *conversation, const ims_query_opts *opts)
{
	char canon[IMS_ADDR_MAX + 1];

	*out = NULL;
	if (!user || ims_addr_canon(canon, sizeof(canon), user) ||
	    !conv_nameable(conversation))
		return IMS_INVALID;
	return ims__scoped_query(out, st, canon, IMS_FOLDER_HISTORY, conversation,
	                         NULL, opts);
}

/* ---------------------------------------------------------------- scans */

/* The user's visible history messages of one conversation, read from the
 * conversation index (which holds every user's messages of it). */
typedef struct conv_scan {
	uint32_t owner, conv;
	const unsigned char *after; /* resume strictly after this key, or NULL */
	unsigned char last[IXCONV_KEY]; /* out: the last key read */
	ims_id *ids;                /* out: up to max ids, NULL: count only */
	size_t n;
	int more;                   /* out: stopped before the end */
} conv_scan;

static int
mine(ims_store *st, MDB_txn *txn, const ims_id *id, uint32_t owner,
     ims__decbuf *d)
{
	ims__recx x;
	ims_msg m;
	int rc = ims__msg_load(&m, &x, d, st, txn, id);

	if (rc == IMS_NOTFOUND)
		return 0; /* index entry without record: verify reports it */
	if (rc)
		return rc;
	return x.owner_atom == owner && m.folder == IMS_FOLDER_HISTORY &&
	       !(m.flags & IMS_MSGF_HIDDEN);
}

static int
conv_scan_run(conv_scan *s, ims_store *st, MDB_txn *txn, size_t max,
              size_t scan_max)
{
	unsigned char key[IXCONV_KEY];
	MDB_val k = { 4, key }, v;
	ims__decbuf d = { 0 };
	MDB_cursor *cur;
	size_t scanned = 0;
	int rc = 0, mrc;

	s->n = 0;
	s->more = 0;
	ims__be32(key, s->conv);
	if (s->after) {
		memcpy(key, s->after, IXCONV_KEY);
		k.mv_size = IXCONV_KEY;
	}
	if ((mrc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_CONV], &cur)))
		return ims__map_err(mrc);
	mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (mrc == 0 && s->after && k.mv_size == IXCONV_KEY &&
	    memcmp(k.mv_data, s->after, IXCONV_KEY) == 0)
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	while (mrc == 0 && k.mv_size == IXCONV_KEY && memcmp(k.mv_data, key, 4) == 0) {
		ims_id id;
		if (s->n == max || scanned == scan_max) {
			s->more = 1;
			break;
		}
		scanned++;
		memcpy(s->last, k.mv_data, IXCONV_KEY);
		memcpy(id.b, (unsigned char *)k.mv_data + 12, 16);
		if ((rc = mine(st, txn, &id, s->owner, &d)) != 0 && rc != 1)
			break;
		if (rc == 1 && s->ids)
			s->ids[s->n] = id;
		s->n += (size_t)rc;
		rc = 0;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	ims__decbuf_free(&d);
	if (rc)
		return rc;
	return mrc == MDB_NOTFOUND ? 0 : ims__map_err(mrc);
}

/* Whether the user still sees a message of the conversation. */
static int
conv_alive(int *alive, ims_store *st, MDB_txn *txn, uint32_t owner, uint32_t conv)
{
	conv_scan s = { owner, conv, NULL, { 0 }, NULL, 0, 0 };
	int rc = conv_scan_run(&s, st, txn, 1, SIZE_MAX);

	*alive = s.n > 0;
	return rc;
}

static void
meta_key(unsigned char key[8], uint32_t owner, uint32_t conv)
{
	ims__be32(key, owner);
	ims__be32(key + 4, conv);
}

/* ---------------------------------------------------------------- rename */

typedef struct rename_ctx {
	const char *canon, *conv, *name;
} rename_ctx;

static int
rename_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	rename_ctx *c = arg;
	unsigned char key[8];
	MDB_val k = { 8, key }, v;
	uint32_t owner, conv;
	int rc, alive;

	if ((rc = ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, c->canon)) ||
	    (rc = ims__atom_find(&conv, st, txn, IMS__ATOM_CONV, c->conv)) ||
	    (rc = conv_alive(&alive, st, txn, owner, conv)))
		return rc;
	if (!alive)
		return IMS_NOTFOUND; /* another user's conversation is no one's */
	meta_key(key, owner, conv);
	if (!c->name) {
		rc = mdb_del(txn, st->dbi[IMS__DB_CONVMETA], &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
	}
	v.mv_size = strlen(c->name);
	v.mv_data = ims__uc(c->name);
	return ims__map_err(mdb_put(txn, st->dbi[IMS__DB_CONVMETA], &k, &v, 0));
}

/* A name: valid UTF-8 without control characters, at most IMS_TEXT_MAX. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > IMS_TEXT_MAX || !ims__utf8_valid(s, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
ims_history_rename(ims_store *st, const char *user, const char *conversation,
                   const char *name)
{
	char canon[IMS_ADDR_MAX + 1];
	rename_ctx c = { canon, conversation, name && *name ? name : NULL };

	if (!user || ims_addr_canon(canon, sizeof(canon), user) || !conversation ||
	    !*conversation || strlen(conversation) > IMS_CONV_MAX ||
	    (c.name && !name_ok(c.name)))
		return IMS_INVALID;
	return ims__write(st, rename_txn, &c);
}

/* ---------------------------------------------------------------- delete */

typedef struct hdel_ctx {
	const char *canon;
	const char *conv;          /* by conversation, or */
	const ims_id *ids;         /* ids found by a scoped query */
	size_t nids;
	ims_id *buf;               /* BATCH ids */
	unsigned char after[IXCONV_KEY], next[IXCONV_KEY];
	int has_after, more;
	uint32_t *convs;           /* conversations touched, BATCH */
	size_t nconvs;
	uint64_t count;
} hdel_ctx;

static int
atom_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Delete one of the user's history messages; a held one is only hidden
 * from the user (as in deferred-delete.c). */
static int
user_delete(hdel_ctx *c, ims_store *st, MDB_txn *txn, uint32_t owner,
            const ims_id *id)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc = ims__msg_load(&m, &x, &d, st, txn, id);

	if (rc == 0 && (x.owner_atom != owner || m.folder != IMS_FOLDER_HISTORY ||
	                m.flags & IMS_MSGF_HIDDEN))
		rc = IMS_NOTFOUND; /* not the user's, or deleted already */
	if (rc == 0 && x.conv_atom)
		c->convs[c->nconvs++] = x.conv_atom;
	if (rc == 0)
		rc = ims__user_delete(st, txn, id, &m, &x);
	ims__decbuf_free(&d);
	if (rc == 0)
		c->count++;
	return rc == IMS_NOTFOUND ? 0 : rc;
}

/* Drop the names of the touched conversations the user no longer sees. */
static int
names_cleanup(hdel_ctx *c, ims_store *st, MDB_txn *txn, uint32_t owner)
{
	unsigned char key[8];
	MDB_val k = { 8, key }, v;
	int rc = 0, alive;

	qsort(c->convs, c->nconvs, sizeof(*c->convs), atom_cmp);
	for (size_t i = 0; i < c->nconvs && rc == 0; i++) {
		if (i && c->convs[i] == c->convs[i - 1])
			continue;
		meta_key(key, owner, c->convs[i]);
		rc = mdb_get(txn, st->dbi[IMS__DB_CONVMETA], &k, &v);
		if (rc == MDB_NOTFOUND) {
			rc = 0; /* never named */
			continue;
		}
		if (rc)
			return ims__map_err(rc);
		if ((rc = conv_alive(&alive, st, txn, owner, c->convs[i])) || alive)
			continue;
		rc = ims__map_err(mdb_del(txn, st->dbi[IMS__DB_CONVMETA], &k, NULL));
	}
	return rc;
}

static int
hdel_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	hdel_ctx *c = arg;
	conv_scan s;
	uint32_t owner, conv;
	int rc = ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, c->canon);

	c->count = 0;
	c->nconvs = 0;
	c->more = 0;
	if (rc)
		return rc == IMS_NOTFOUND ? 0 : rc;
	for (size_t i = 0; i < c->nids && rc == 0; i++)
		rc = user_delete(c, st, txn, owner, &c->ids[i]);
	if (c->conv && rc == 0) {
		if ((rc = ims__atom_find(&conv, st, txn, IMS__ATOM_CONV, c->conv)))
			return rc == IMS_NOTFOUND ? 0 : rc;
		s = (conv_scan){ owner, conv, c->has_after ? c->after : NULL, { 0 },
		                 c->buf, 0, 0 };
		if ((rc = conv_scan_run(&s, st, txn, BATCH, SCAN_MAX)))
			return rc;
		for (size_t i = 0; i < s.n && rc == 0; i++)
			rc = user_delete(c, st, txn, owner, &s.ids[i]);
		c->more = s.more;
		memcpy(c->next, s.last, IXCONV_KEY);
	}
	return rc ? rc : names_cleanup(c, st, txn, owner);
}

/* Every visible message of one conversation, a batch per transaction. */
static int
delete_conv(uint64_t *count, hdel_ctx *c, ims_store *st, const char *conv)
{
	int rc;

	c->conv = conv;
	c->ids = NULL;
	c->nids = 0;
	c->has_after = 0;
	do {
		if ((rc = ims__write(st, hdel_txn, c)))
			break;
		*count += c->count;
		memcpy(c->after, c->next, IXCONV_KEY);
		c->has_after = 1;
	} while (c->more);
	return rc;
}

/* By filter: read a batch of the user's visible matches, delete them. */
static int
delete_by_filter(uint64_t *count, hdel_ctx *c, ims_store *st, const ims_filter *f)
{
	ims_query_opts o = IMS_QUERY_OPTS_INIT;
	char cursor[IMS_CURSOR_STRLEN + 1] = "";
	int rc = 0, more = 1;

	c->conv = NULL;
	c->ids = c->buf;
	while (rc == 0 && more) {
		ims_query *q;
		o.cursor = cursor[0] ? cursor : NULL;
		if ((rc = ims__scoped_query(&q, st, c->canon, IMS_FOLDER_HISTORY, NULL, f, &o)))
			break;
		rc = ims__query_ids(c->buf, &c->nids, BATCH, &more, cursor, q, NULL, NULL);
		ims_query_free(q);
		if (rc == 0 && c->nids && (rc = ims__write(st, hdel_txn, c)) == 0)
			*count += c->count;
	}
	return rc;
}

int
ims_history_delete(uint64_t *count, ims_store *st, const char *user,
                   const char *const *conversations, size_t n,
                   const ims_filter *f)
{
	char canon[IMS_ADDR_MAX + 1];
	hdel_ctx c;
	uint64_t total = 0;
	int rc = 0;

	if (count)
		*count = 0;
	if (!user || ims_addr_canon(canon, sizeof(canon), user) ||
	    (!f && n && !conversations))
		return IMS_INVALID;
	memset(&c, 0, sizeof(c));
	c.canon = canon;
	c.buf = malloc(BATCH * sizeof(*c.buf));
	c.convs = malloc(2 * BATCH * sizeof(*c.convs));
	if (!c.buf || !c.convs)
		rc = ENOMEM;
	else if (f)
		rc = delete_by_filter(&total, &c, st, f);
	for (size_t i = 0; !f && i < n && rc == 0; i++)
		if (conversations[i] && *conversations[i] &&
		    strlen(conversations[i]) <= IMS_CONV_MAX) /* else: cannot exist */
			rc = delete_conv(&total, &c, st, conversations[i]);
	free(c.buf);
	free(c.convs);
	if (count)
		*count = total;
	return rc;
}
