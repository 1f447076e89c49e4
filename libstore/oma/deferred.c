/* deferred.c - the Deferred Messaging function (OMA IM 003 §12): store for
 * an unavailable recipient, two-phase retrieval with leases, deletion. */
#include <stdlib.h>

#include "query/filter.h"
#include "internal.h"

#define LEASE_MAX 10000
#define LEASE_SWEEP_AGE (3600 * INT64_C(1000000))

static const char *const refusal_names[] = {
	"", "quota", "too-big", "barred", "expired", "inactive",
};

const char *
ims_refusal_name(ims_refusal r)
{
	return (unsigned)r <= IMS_REFUSAL_INACTIVE ? refusal_names[r] : "unknown";
}

static int
user_atom(uint32_t *out, char canon[IMS_ADDR_MAX + 1], ims_store *st,
          MDB_txn *txn, const char *user)
{
	int rc;

	if (!user || ims_addr_canon(canon, IMS_ADDR_MAX + 1, user))
		return IMS_INVALID;
	rc = ims__atom_find(out, st, txn, IMS__ATOM_ADDR, canon);
	return rc;
}

/* ---------------------------------------------------------------- store */

typedef struct defer_ctx {
	const ims_config *cfg;
	ims_refusal why;
} defer_ctx;

/* Inside the storing transaction: barring and quota. */
static int
defer_check(ims_store *st, MDB_txn *txn, const ims_msg *c, uint32_t owner,
            void *arg)
{
	defer_ctx *d = arg;
	ims_settings s;
	ims__counter cnt;
	ims_quota q;
	int rc;

	if (!owner) {
		/* a user never seen: defaults, nothing stored yet */
		if (d->cfg->deferred_max_bytes && c->size > d->cfg->deferred_max_bytes)
			d->why = IMS_REFUSAL_QUOTA;
		return d->why ? IMS_REFUSED : 0;
	}
	if ((rc = ims__settings_read(&s, st, txn, owner)) ||
	    (rc = ims__quota_read(&q, st, txn, owner, d->cfg)) ||
	    (rc = ims__counter_get(&cnt, st, txn, owner, IMS_FOLDER_DEFERRED)))
		return rc;
	if (c->mode == IMS_MODE_SESSION ? s.bar_session : s.bar_pager)
		d->why = IMS_REFUSAL_BARRED;
	else if ((q.deferred_max_count && cnt.count + 1 > q.deferred_max_count) ||
	         (q.deferred_max_bytes && cnt.bytes + c->size > q.deferred_max_bytes))
		d->why = IMS_REFUSAL_QUOTA;
	return d->why ? IMS_REFUSED : 0;
}

/* A first message to a user never seen may be barred by settings made
 * before (settings intern the address), so defer_check covers every case. */
int
ims_deferred_store(ims_id *out, ims_refusal *why, ims_store *st,
                   const ims_msg *msg, const void *body, size_t len)
{
	ims_config cfg;
	defer_ctx d = { &cfg, IMS_REFUSAL_NONE };
	ims_msg m;
	int64_t now = ims__now_us();
	int rc;

	if (why)
		*why = IMS_REFUSAL_NONE;
	if (!msg)
		return IMS_INVALID;
	if ((rc = ims_config_get(&cfg, st)))
		return rc;
	m = *msg;
	m.folder = IMS_FOLDER_DEFERRED;
	m.state = IMS_STATE_PENDING;
	if (m.received == IMS_TIME_NONE)
		m.received = now;
	if (m.expires == IMS_TIME_NONE)
		m.expires = m.received + cfg.deferred_lifetime;
	if (cfg.max_message && len > cfg.max_message)
		d.why = IMS_REFUSAL_TOOBIG;
	else if (m.expires <= now)
		d.why = IMS_REFUSAL_EXPIRED;
	if (d.why)
		rc = IMS_REFUSED;
	else
		rc = ims__put(out, st, &m, body, len, defer_check, &d);
	if (rc == IMS_REFUSED && why)
		*why = d.why;
	return rc;
}

/* ---------------------------------------------------------------- leases */

struct ims_lease {
	char token[IMS_LEASE_STRLEN + 1];
	int64_t deadline;
	ims_msg **msgs;
	size_t n, cap;
};

typedef struct lease_ctx {
	const char *user;
	const char *const *msgids;
	size_t nmsgids;
	int64_t now;
	ims_lease *l;
	ims_id *ids;
	size_t nids, cap;
} lease_ctx;

static void
lease_clear(ims_lease *l)
{
	for (size_t i = 0; i < l->n; i++)
		ims_msg_free(l->msgs[i]);
	l->n = 0;
}

static int
ids_push(lease_ctx *c, const ims_id *id)
{
	if (ims__grow(&c->ids, &c->cap, c->nids, sizeof(*c->ids), 64))
		return ENOMEM;
	c->ids[c->nids++] = *id;
	return 0;
}

/* The user's deferred ids in received order, or those of the Message-IDs. */
static int
lease_candidates(lease_ctx *c, ims_store *st, MDB_txn *txn, uint32_t owner)
{
	unsigned char key[IMS_MSGID_MAX + 8];
	MDB_val k = { 0, key }, v;
	MDB_cursor *cur;
	int rc = 0;

	c->nids = 0;
	for (size_t i = 0; i < c->nmsgids && rc == 0; i++) {
		if (!c->msgids[i] || strlen(c->msgids[i]) > IMS_MSGID_MAX)
			continue; /* cannot exist */
		ims_id id;
		k.mv_size = ims__msgid_key(key, c->msgids[i], owner, IMS_FOLDER_DEFERRED);
		rc = ims__msgid_get(&id, st, txn, &k, 1);
		if (rc == IMS_NOTFOUND || rc == IMS_CORRUPT) {
			rc = 0;
			continue;
		}
		rc = rc ? rc : ids_push(c, &id);
	}
	if (c->nmsgids || rc)
		return rc;
	ims__be32(key, owner);
	key[4] = IMS_FOLDER_DEFERRED;
	k.mv_size = 5;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_IX_OWNER], &cur)))
		return ims__map_err(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == 29 && memcmp(k.mv_data, key, 5) == 0 &&
	       c->nids < LEASE_MAX) {
		if ((rc = ids_push(c, (const ims_id *)((unsigned char *)k.mv_data + 13))))
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* Whether the user may be handed this message now. */
static int
leasable(const ims_msg *m, const ims__recx *x, int64_t now)
{
	if (m->flags & IMS_MSGF_HIDDEN)
		return 0; /* the user deleted it: only a hold keeps it */
	if (m->expires != IMS_TIME_NONE && m->expires <= now)
		return 0;
	return m->state == IMS_STATE_PENDING ||
	       (m->state == IMS_STATE_DELIVERING && x->lease_until < now);
}

static int
lease_take(lease_ctx *c, ims_store *st, MDB_txn *txn, const ims_id *id)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc = ims__msg_load(&m, &x, &d, st, txn, id);

	if (rc == IMS_NOTFOUND)
		rc = 1; /* an index entry whose record is gone */
	else if (rc == 0 && leasable(&m, &x, c->now))
		rc = ims__rec_rewrite(st, txn, id, IMS_STATE_DELIVERING, m.flags, m.delivered,
		                c->l->deadline);
	else if (rc == 0)
		rc = 1; /* skipped */
	ims__decbuf_free(&d);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (ims__grow(&c->l->msgs, &c->l->cap, c->l->n, sizeof(*c->l->msgs), 16))
		return ENOMEM;
	if ((rc = ims__msg_owned(&c->l->msgs[c->l->n], st, txn, id)))
		return rc;
	c->l->n++;
	return 0;
}

static int
msg_order(const void *a, const void *b)
{
	const ims_msg *x = *(ims_msg *const *)a, *y = *(ims_msg *const *)b;

	if (x->received != y->received)
		return x->received < y->received ? -1 : 1;
	return memcmp(x->id.b, y->id.b, 16);
}

/* Drop lease records whose deadline passed an hour ago (bounded work). */
static int
lease_sweep(ims_store *st, MDB_txn *txn, int64_t now)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, st->dbi[IMS__DB_LEASE], &cur), n = 0;

	if (rc)
		return ims__map_err(rc);
	while (n++ < 100 && (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0 &&
	       k.mv_size == 16 && ims__rd_be_time(k.mv_data) < now - LEASE_SWEEP_AGE)
		rc = mdb_cursor_del(cur, 0);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : ims__map_err(rc);
}

static int
lease_record(ims_store *st, MDB_txn *txn, const ims_lease *l, uint32_t owner,
             const unsigned char key[16])
{
	MDB_val k = { 16, ims__uc(key) }, v;
	unsigned char *p;
	int rc;

	v.mv_size = 8 + 16 * l->n;
	if ((rc = mdb_put(txn, st->dbi[IMS__DB_LEASE], &k, &v, MDB_NOOVERWRITE | MDB_RESERVE)))
		return ims__map_err(rc);
	p = v.mv_data;
	ims__be32(p, owner);
	ims__be32(p + 4, (uint32_t)l->n);
	for (size_t i = 0; i < l->n; i++)
		memcpy(p + 8 + 16 * i, l->msgs[i]->id.b, 16);
	return 0;
}

static int
lease_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	lease_ctx *c = arg;
	char canon[IMS_ADDR_MAX + 1];
	unsigned char key[16];
	uint32_t owner;
	int rc;

	lease_clear(c->l); /* a retry after map growth starts over */
	if ((rc = lease_sweep(st, txn, c->now)))
		return rc;
	rc = user_atom(&owner, canon, st, txn, c->user);
	if (rc == IMS_NOTFOUND)
		return 0;
	if (rc || (rc = lease_candidates(c, st, txn, owner)))
		return rc;
	for (size_t i = 0; i < c->nids && rc == 0; i++)
		rc = lease_take(c, st, txn, &c->ids[i]);
	if (rc || c->l->n == 0)
		return rc;
	qsort(c->l->msgs, c->l->n, sizeof(*c->l->msgs), msg_order);
	ims__be_time(key, c->l->deadline);
	if ((rc = ims__random(key + 8, 8)))
		return rc;
	ims_id_fmt(c->l->token, (const ims_id *)key);
	return lease_record(st, txn, c->l, owner, key);
}

int
ims_deferred_lease(ims_lease **out, ims_store *st, const char *user,
                   const char *const *msgids, size_t n, int64_t duration)
{
	lease_ctx c;
	ims_config cfg;
	int rc;

	*out = NULL;
	if (!user || (n && !msgids) || duration < 0)
		return IMS_INVALID;
	if (n > LEASE_MAX)
		return IMS_TOOBIG;
	if ((rc = ims_config_get(&cfg, st)))
		return rc;
	memset(&c, 0, sizeof(c));
	c.user = user;
	c.msgids = msgids;
	c.nmsgids = n;
	c.now = ims__now_us();
	if (!(c.l = calloc(1, sizeof(*c.l))))
		return ENOMEM;
	c.l->deadline = c.now + (duration ? duration : cfg.lease_time);
	rc = ims__write(st, lease_txn, &c);
	free(c.ids);
	if (rc) {
		ims_lease_free(c.l);
		return rc;
	}
	*out = c.l;
	return 0;
}

const char *
ims_lease_token(const ims_lease *l)
{
	return l ? l->token : "";
}

size_t
ims_lease_count(const ims_lease *l)
{
	return l ? l->n : 0;
}

const ims_msg *
ims_lease_msg(const ims_lease *l, size_t i)
{
	return l && i < l->n ? l->msgs[i] : NULL;
}

int64_t
ims_lease_deadline(const ims_lease *l)
{
	return l ? l->deadline : IMS_TIME_NONE;
}

void
ims_lease_free(ims_lease *l)
{
	if (!l)
		return;
	lease_clear(l);
	free(l->msgs);
	free(l);
}

/* ---------------------------------------------------------------- ack */

typedef struct settle_ctx {
	const char *user;
	ims_id token;
	ims_id msg;         /* the one message (settle_msg_txn) */
	int ack;            /* 1: ack, 0: release */
	int64_t now;
	uint64_t count;
} settle_ctx;

/* File a delivered deferred message into its owner's history. */
static int
refile_history(ims_store *st, MDB_txn *txn, const ims_id *id, int64_t now)
{
	unsigned char key[IMS_MSGID_MAX + 8], *copy;
	char conv[IMS_CONV_MAX + 1];
	MDB_val k = { 16, ims__uc(id->b) }, v, mk = { 0, key };
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	ims_id had;
	int rc = ims__rec_get(&v, st, txn, id);

	if (rc)
		return rc;
	if (!(copy = malloc(v.mv_size)))
		return ENOMEM;
	memcpy(copy, v.mv_data, v.mv_size);
	if ((rc = ims__rec_decode(&m, &x, &d, id, copy, v.mv_size)))
		goto out;
	mk.mv_size = ims__msgid_key(key, m.message_id, x.owner_atom, IMS_FOLDER_HISTORY);
	if ((rc = ims__msgid_get(&had, st, txn, &mk, 1)) != IMS_NOTFOUND) {
		if (rc == 0 || rc == IMS_CORRUPT) /* already in history */
			rc = ims__delete_lazy(st, txn, id);
		goto out;
	}
	if ((rc = ims__index_del(st, txn, id, &m, &x)) ||
	    (rc = ims__counter_add(st, txn, x.owner_atom, m.folder, -1, m.size, x.stored)))
		goto out;
	if (!m.conversation) { /* pager and large: the conversation of its peers */
		if ((rc = ims__history_conv_id(conv, m.owner, &m)) ||
		    (rc = ims__atom_intern(&x.conv_atom, st, txn, IMS__ATOM_CONV, conv)))
			goto out;
		m.conversation = conv;
	}
	m.folder = IMS_FOLDER_HISTORY;
	m.state = IMS_STATE_STORED;
	m.delivered = now;
	m.expires = IMS_TIME_NONE; /* history has its own retention */
	x.lease_until = IMS_TIME_NONE;
	v.mv_size = ims__rec_size(&m, &x);
	if ((rc = ims__map_err(mdb_put(txn, st->dbi[IMS__DB_MSG], &k, &v, MDB_RESERVE))))
		goto out;
	ims__rec_encode(v.mv_data, v.mv_size, &m, &x);
	if ((rc = ims__index_add(st, txn, id, &m, &x)) == 0)
		rc = ims__counter_add(st, txn, x.owner_atom, m.folder, 1, m.size, x.stored);
out:
	ims__decbuf_free(&d);
	free(copy);
	return rc;
}

static int
settle_one(settle_ctx *c, ims_store *st, MDB_txn *txn, const ims_id *id,
           int64_t deadline, const ims_settings *s)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc = ims__msg_load(&m, &x, &d, st, txn, id), keep;

	ims__decbuf_free(&d);
	if (rc == IMS_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	/* re-leased since this lease ran out, or settled already */
	if (m.state != IMS_STATE_DELIVERING || x.lease_until != deadline)
		return 0;
	c->count++;
	if (!c->ack)
		return ims__rec_rewrite(st, txn, id, IMS_STATE_PENDING, m.flags, m.delivered,
		                  IMS_TIME_NONE);
	keep = m.mode == IMS_MODE_SESSION ? s->history_session : s->history_pager;
	/* a full history that refuses: delivered, not filed */
	if (keep && (rc = ims__history_room(st, txn, x.owner_atom, m.size)) == IMS_QUOTA)
		keep = 0;
	else if (keep && rc)
		return rc;
	if (keep)
		return refile_history(st, txn, id, c->now);
	/* delivered: gone, or under legal hold hidden from the user */
	if (m.flags & IMS_MSGF_HELD)
		return ims__rec_rewrite(st, txn, id, IMS_STATE_DELIVERED,
		                        m.flags | IMS_MSGF_HIDDEN, c->now, IMS_TIME_NONE);
	return ims__delete_lazy(st, txn, id);
}

/* The user's lease record: a copy of its ids (8-byte head, 16 per id), to
 * free; IMS_NOTFOUND when it is not there for this user. */
static int
lease_load(unsigned char **out, uint32_t *n, uint32_t *owner, ims_store *st,
           MDB_txn *txn, const settle_ctx *c)
{
	char canon[IMS_ADDR_MAX + 1];
	MDB_val k = { 16, ims__uc(c->token.b) }, v;
	int rc = user_atom(owner, canon, st, txn, c->user);

	*out = NULL;
	if (rc)
		return rc;
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_LEASE], &k, &v)))
		return ims__map_err(rc);
	*n = v.mv_size >= 8 ? ims__rd_be32((unsigned char *)v.mv_data + 4) : 0;
	if (v.mv_size < 8 || v.mv_size != 8 + 16 * (size_t)*n)
		return IMS_CORRUPT;
	if (ims__rd_be32(v.mv_data) != *owner)
		return IMS_NOTFOUND; /* another user's lease does not exist for this one */
	if (!(*out = malloc(v.mv_size)))
		return ENOMEM;
	memcpy(*out, v.mv_data, v.mv_size);
	return 0;
}

static int
settle_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	settle_ctx *c = arg;
	MDB_val k = { 16, c->token.b };
	ims_settings s;
	uint32_t owner, n = 0;
	unsigned char *ids;
	int rc = lease_load(&ids, &n, &owner, st, txn, c);

	c->count = 0;
	if (rc == 0)
		rc = ims__settings_read(&s, st, txn, owner);
	for (uint32_t i = 0; i < n && rc == 0; i++)
		rc = settle_one(c, st, txn, (const ims_id *)(ids + 8 + 16 * i),
		                ims__rd_be_time(c->token.b), &s);
	free(ids);
	if (rc == 0)
		rc = ims__map_err(mdb_del(txn, st->dbi[IMS__DB_LEASE], &k, NULL));
	return rc;
}

/* The lease record less message @p at; gone with its last message. */
static int
lease_drop(ims_store *st, MDB_txn *txn, const settle_ctx *c,
           const unsigned char *ids, uint32_t n, uint32_t at)
{
	MDB_val k = { 16, ims__uc(c->token.b) }, v;
	unsigned char *p;
	int rc;

	if (n == 1)
		return ims__map_err(mdb_del(txn, st->dbi[IMS__DB_LEASE], &k, NULL));
	v.mv_size = 8 + 16 * (size_t)(n - 1);
	if ((rc = mdb_put(txn, st->dbi[IMS__DB_LEASE], &k, &v, MDB_RESERVE)))
		return ims__map_err(rc);
	p = v.mv_data;
	memcpy(p, ids, 4);
	ims__be32(p + 4, n - 1);
	memcpy(p + 8, ids + 8, 16 * (size_t)at);
	memcpy(p + 8 + 16 * (size_t)at, ids + 8 + 16 * ((size_t)at + 1),
	       16 * (size_t)(n - 1 - at));
	return 0;
}

/* One message of a lease: settled if it is still this lease's, then taken
 * out of the lease; a lease or message not found settles nothing. */
static int
settle_msg_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	settle_ctx *c = arg;
	ims_settings s;
	uint32_t owner, n = 0, at;
	unsigned char *ids;
	int rc = lease_load(&ids, &n, &owner, st, txn, c);

	c->count = 0;
	if (rc)
		return rc == IMS_NOTFOUND ? 0 : rc;
	for (at = 0; at < n && memcmp(ids + 8 + 16 * (size_t)at, c->msg.b, 16); at++)
		;
	if (at < n && (rc = ims__settings_read(&s, st, txn, owner)) == 0 &&
	    (rc = settle_one(c, st, txn, &c->msg, ims__rd_be_time(c->token.b), &s)) == 0)
		rc = lease_drop(st, txn, c, ids, n, at);
	free(ids);
	return rc;
}

static int
settle(uint64_t *count, ims_store *st, const char *user, const char *token,
       const ims_id *msg, int ack)
{
	settle_ctx c;
	int rc;

	if (count)
		*count = 0;
	memset(&c, 0, sizeof(c));
	if (!user || !token || ims_id_parse(&c.token, token))
		return IMS_INVALID;
	c.user = user;
	c.ack = ack;
	c.now = ims__now_us();
	if (msg)
		c.msg = *msg;
	rc = ims__write(st, msg ? settle_msg_txn : settle_txn, &c);
	if (rc == 0 && count)
		*count = c.count;
	return rc;
}

int
ims_deferred_ack(uint64_t *count, ims_store *st, const char *user,
                 const char *token)
{
	return settle(count, st, user, token, NULL, 1);
}

int
ims_deferred_release(uint64_t *count, ims_store *st, const char *user,
                     const char *token)
{
	return settle(count, st, user, token, NULL, 0);
}

/* One message at a time, as each delivery's answer comes (the daemon's
 * push): by the store id, which the lease record holds. */
static int
settle_msg(int *settled, ims_store *st, const char *user, const char *token,
           const ims_id *id, int ack)
{
	uint64_t n = 0;
	int rc;

	if (settled)
		*settled = 0;
	if (!id)
		return IMS_INVALID;
	rc = settle(&n, st, user, token, id, ack);
	if (rc == 0 && settled)
		*settled = n != 0;
	return rc;
}

int
ims_deferred_ack_msg(int *settled, ims_store *st, const char *user,
                     const char *token, const ims_id *id)
{
	return settle_msg(settled, st, user, token, id, 1);
}

int
ims_deferred_release_msg(int *settled, ims_store *st, const char *user,
                         const char *token, const ims_id *id)
{
	return settle_msg(settled, st, user, token, id, 0);
}
