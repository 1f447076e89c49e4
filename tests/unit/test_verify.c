/* test_verify.c - ims_verify: a sound store verifies clean; damage made
 * with raw LMDB calls is reported with the right kind and id; a repair
 * mends indexes and counters, quarantines bad records and leaves a store
 * that verifies clean; interrupted repairs and concurrent writers. */
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "imstore.h"
#include "tap.h"

uint32_t ims__crc32c(uint32_t crc, const void *data, size_t len); /* libstore internal */

#define BOB "sip:bob@example.com"
#define AL "sip:al@example.com"
#define CAROL "sip:carol@example.net"
#define SEC INT64_C(1000000)

static char root[256];

static char *
path(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, name);
	return buf[i];
}

static ims_store *
open_store(const char *name, unsigned flags)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st = NULL;

	o.flags = flags;
	return ims_store_open(&st, path(name), &o) == 0 ? st : NULL;
}

static int
put(ims_id *out, ims_store *st, const char *owner, const char *msgid, ims_folder f,
    const char *conv, const char *body)
{
	ims_msg m = IMS_MSG_INIT;

	m.owner = owner;
	m.from.uri = CAROL;
	m.message_id = msgid;
	m.folder = f;
	m.conversation = conv;
	m.subject = "SUBJ-MARK";
	m.content_type = f == IMS_FOLDER_HISTORY ? "image/png" : NULL; /* in ix_type */
	if (f == IMS_FOLDER_DEFERRED)
		m.expires = (int64_t)time(NULL) * SEC + 3600 * SEC;
	return ims_put(out, st, &m, body, strlen(body));
}

/* ---------------------------------------------------------------- problems */

typedef struct seen {
	ims_problem_kind kind;
	ims_problem_stage stage;
	int has_id;
	ims_id id;
	char desc[200];
} seen;

typedef struct log {
	seen v[256];
	size_t n;
	int stop_at;       /* stop when this many repairs were reported */
	size_t repaired;
} plog;

static int
collect(const ims_problem *p, void *payload)
{
	plog *l = payload;

	if (l->n < 256) {
		seen *s = &l->v[l->n++];
		s->kind = p->kind;
		s->stage = p->stage;
		s->has_id = p->id != NULL;
		if (p->id)
			s->id = *p->id;
		snprintf(s->desc, sizeof(s->desc), "%s", p->description);
	}
	if (p->stage == IMS_PROBLEM_REPAIRED && l->stop_at && ++l->repaired >= (size_t)l->stop_at)
		return 42;
	return 0;
}

static size_t
count_of(const plog *l, ims_problem_kind kind, ims_problem_stage stage, const ims_id *id)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == kind && l->v[i].stage == stage &&
		    (!id || (l->v[i].has_id && memcmp(l->v[i].id.b, id->b, 16) == 0)))
			n++;
	return n;
}

static size_t
stage_count(const plog *l, ims_problem_stage stage)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].stage == stage;
	return n;
}

/* The problems, when a test failed since the last call. */
static void
show(const plog *l)
{
	static int failed;

	if (tap_failed == failed)
		return;
	failed = tap_failed;
	for (size_t i = 0; i < l->n; i++)
		diag("%d %s %s", (int)l->v[i].stage, ims_problem_kind_name(l->v[i].kind),
		     l->v[i].desc);
}

static int
verify(plog *l, ims_verify_result *r, ims_store *st, int repair, size_t batch)
{
	ims_verify_opts o = IMS_VERIFY_OPTS_INIT;
	int rc;

	memset(l, 0, sizeof(*l));
	o.repair = repair;
	o.batch = batch;
	o.problem = collect;
	o.payload = l;
	rc = ims_verify(r, st, &o);
	if (rc && rc != IMS_CORRUPT)
		diag("ims_verify: %s", ims_strerror(rc));
	return rc;
}

/* ---------------------------------------------------------------- raw LMDB */

typedef struct raw {
	MDB_env *env;
	MDB_txn *txn;
} raw;

static void
raw_open(raw *r, const char *name)
{
	mdb_env_create(&r->env);
	mdb_env_set_maxdbs(r->env, 32);
	mdb_env_set_mapsize(r->env, (size_t)1 << 30);
	mdb_env_open(r->env, path(name), 0, 0600);
	mdb_txn_begin(r->env, NULL, 0, &r->txn);
}

static MDB_dbi
raw_dbi(raw *r, const char *db)
{
	MDB_dbi dbi = 0;

	mdb_dbi_open(r->txn, db, 0, &dbi);
	return dbi;
}

static void
raw_close(raw *r)
{
	if (mdb_txn_commit(r->txn))
		diag("raw commit failed");
	mdb_env_close(r->env);
}

/* The key of the entry of db naming id (at its end, or as its value). */
static size_t
raw_find(unsigned char *out, raw *r, const char *db, const ims_id *id)
{
	MDB_dbi dbi = raw_dbi(r, db);
	MDB_cursor *c;
	MDB_val k, d;
	size_t n = 0;

	mdb_cursor_open(r->txn, dbi, &c);
	while (mdb_cursor_get(c, &k, &d, MDB_NEXT) == 0) {
		const unsigned char *kp = k.mv_data;
		if ((k.mv_size >= 16 && memcmp(kp + k.mv_size - 16, id->b, 16) == 0) ||
		    (d.mv_size == 16 && memcmp(d.mv_data, id->b, 16) == 0)) {
			memcpy(out, kp, k.mv_size);
			n = k.mv_size;
			break;
		}
	}
	mdb_cursor_close(c);
	return n;
}

static void
raw_del(raw *r, const char *db, const void *key, size_t len)
{
	MDB_val k = { len, (void *)(uintptr_t)key };

	if (mdb_del(r->txn, raw_dbi(r, db), &k, NULL))
		diag("raw del in %s failed", db);
}

static void
raw_put(raw *r, const char *db, const void *key, size_t klen, const void *val,
        size_t vlen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key }, d = { vlen, (void *)(uintptr_t)val };

	if (mdb_put(r->txn, raw_dbi(r, db), &k, &d, 0))
		diag("raw put in %s failed", db);
}

/* A copy of a value (caller frees), or NULL. */
static unsigned char *
raw_get(size_t *len, raw *r, const char *db, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key }, d;
	unsigned char *p;

	if (mdb_get(r->txn, raw_dbi(r, db), &k, &d))
		return NULL;
	p = malloc(d.mv_size + 1);
	memcpy(p, d.mv_data, d.mv_size);
	*len = d.mv_size;
	return p;
}

static void
le32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}

/* ---------------------------------------------------------------- a store */

#define NMSG 12

/* Messages for two owners, one with a conversation, one with a body of
 * two chunks; ids in ids[]. */
static ims_store *
small_store(const char *name, ims_id ids[NMSG])
{
	ims_store *st = open_store(name, IMS_OPEN_CREATE);
	char msgid[32], body[64];

	for (int i = 0; i < NMSG; i++) {
		snprintf(msgid, sizeof(msgid), "m%d", i);
		snprintf(body, sizeof(body), "BODY-MARK %d", i);
		if (put(&ids[i], st, i % 2 ? BOB : AL, msgid,
		        i % 3 ? IMS_FOLDER_DEFERRED : IMS_FOLDER_HISTORY,
		        i % 4 ? NULL : "conv-1", body))
			diag("put %d failed", i);
	}
	return st;
}

static ims_store *
reopen(const char *name)
{
	return open_store(name, 0);
}

/* ---------------------------------------------------------------- tests */

static void
test_sound(void)
{
	ims_store *st = open_store("sound", IMS_OPEN_CREATE);
	ims_settings s = IMS_SETTINGS_INIT;
	ims_verify_result r;
	ims_lease *l = NULL;
	plog lg;
	char msgid[32], user[64];
	unsigned char *big = malloc(3 << 20);
	int fails = 0;
	uint64_t n;

	s.history_pager = s.history_session = 1;
	for (int u = 0; u < 5; u++) {
		snprintf(user, sizeof(user), "sip:user%d@example.com", u);
		if (u % 2)
			ims_settings_set(st, user, &s);
		for (int i = 0; i < 60; i++) {
			ims_msg m = IMS_MSG_INIT;
			ims_addr to = { user, NULL };
			ims_id id;
			snprintf(msgid, sizeof(msgid), "d%d-%d", u, i);
			m.owner = user;
			m.from.uri = i % 2 ? CAROL : AL;
			m.to = &to;
			m.nto = 1;
			m.message_id = msgid;
			m.conversation = i % 5 ? NULL : "sess-1";
			m.mode = i % 5 ? IMS_MODE_PAGER : IMS_MODE_SESSION;
			fails += ims_deferred_store(&id, NULL, st, &m, "hello deferred", 14) != 0;
			snprintf(msgid, sizeof(msgid), "h%d-%d", u, i);
			if (u % 2)
				fails += ims_history_record(&id, st, user, &m, "kept", 4) != 0;
		}
	}
	is_int(fails, 0, "300 deferred and 120 history messages stored");
	/* leases: acked (filed into history), released, left running */
	ims_deferred_lease(&l, st, "sip:user1@example.com", NULL, 0, 0);
	ims_deferred_ack(&n, st, "sip:user1@example.com", ims_lease_token(l));
	ims_lease_free(l);
	ims_deferred_lease(&l, st, "sip:user2@example.com", NULL, 0, 0);
	ims_deferred_release(&n, st, "sip:user2@example.com", ims_lease_token(l));
	ims_lease_free(l);
	ims_deferred_lease(&l, st, "sip:user3@example.com", NULL, 0, 0);
	ims_lease_free(l);
	ims_history_rename(st, "sip:user3@example.com", "sess-1", "the session");
	for (size_t i = 0; i < (size_t)3 << 20; i++)
		big[i] = (unsigned char)(i < (1u << 20) ? (int)('a' + i % 7) : rand());
	ims_msg m = IMS_MSG_INIT;
	m.owner = BOB;
	m.from.uri = AL;
	m.message_id = "big";
	fails = ims_put(NULL, st, &m, big, (size_t)3 << 20) != 0;
	is_int(fails, 0, "a body of three chunks, one deflated");
	free(big);

	is_int(verify(&lg, &r, st, 0, 0), 0, "a sound store verifies clean");
	is_int(r.problems, 0, "no problem");
	is_int(lg.n, 0, "no problem reported");
	show(&lg);
	is_int(r.messages, 421, "every message examined");
	is_int(r.in_quarantine, 0, "nothing in quarantine");
	is_int(verify(&lg, &r, st, 1, 7), 0, "--repair of a sound store does nothing");
	is_int(r.repaired + r.quarantined, 0, "no repair made");
	is_int(ims_verify(NULL, st, NULL), 0, "no options, no result: fine");
	ims_store_close(st);

	st = open_store("sound", IMS_OPEN_RDONLY);
	is_int(ims_verify(&r, st, NULL), 0, "a read-only handle can verify");
	{
		ims_verify_opts o = IMS_VERIFY_OPTS_INIT;
		o.repair = 1;
		is_int(ims_verify(&r, st, &o), IMS_READONLY, "but not repair");
		o.version = 0;
		is_int(ims_verify(&r, st, &o), IMS_INVALID, "options of no version: invalid");
	}
	ims_store_close(st);
}

static void
test_record_checksum(void)
{
	ims_id ids[NMSG];
	ims_store *st = small_store("rec", ids);
	ims_verify_result r;
	unsigned char *rec, key[20];
	size_t len, blen;
	ims_msg *g;
	plog lg;
	raw w;

	ims_store_close(st);
	raw_open(&w, "rec");
	rec = raw_get(&len, &w, "msg", ids[3].b, 16);
	rec[len - 3] ^= 0x20;                 /* a byte of the last string */
	raw_put(&w, "msg", ids[3].b, 16, rec, len);
	free(rec);
	rec = raw_get(&len, &w, "msg", ids[4].b, 16);
	rec[4] = 9;                           /* version 9, checksum made right */
	le32_put(rec, ims__crc32c(0, rec + 4, len - 4));
	raw_put(&w, "msg", ids[4].b, 16, rec, len);
	free(rec);
	raw_close(&w);

	st = reopen("rec");
	is_int(verify(&lg, &r, st, 0, 0), IMS_CORRUPT, "a flipped record: the store is not sound");
	is_int(count_of(&lg, IMS_PROBLEM_RECORD_CHECKSUM, IMS_PROBLEM_FOUND, &ids[3]), 1,
	       "record-checksum reported with its id");
	is_int(count_of(&lg, IMS_PROBLEM_RECORD_INVALID, IMS_PROBLEM_FOUND, &ids[4]), 1,
	       "record-invalid for the unknown version, with its id");
	is_int(count_of(&lg, IMS_PROBLEM_COUNTER, IMS_PROBLEM_FOUND, NULL), 4,
	       "and the counters and totals that count them");
	is_int(r.messages, NMSG - 2, "the other records examined");
	is_int(r.problems, lg.n, "problems counted");
	show(&lg);

	is_int(verify(&lg, &r, st, 1, 0), 0, "repair: sound afterwards");
	is_int(r.quarantined, 2, "two records quarantined");
	is_int(count_of(&lg, IMS_PROBLEM_RECORD_CHECKSUM, IMS_PROBLEM_REPAIRED, &ids[3]), 1,
	       "the move reported as a repair");
	is_int(r.remaining, 0, "nothing remains");
	is_int(r.in_quarantine, 2, "two in quarantine");
	is_int(r.messages, NMSG - 2, "the good records all kept");
	is_int(ims_get(&g, st, &ids[3]), IMS_NOTFOUND, "the bad record is out of the store");
	is_int(ims_get(&g, st, &ids[5]), 0, "a good one is there");
	ims_msg_free(g);
	is_int(verify(&lg, &r, st, 0, 0), 0, "a second verify is clean");
	is_int(r.in_quarantine, 2, "and sees the quarantine");
	ims_store_close(st);

	raw_open(&w, "rec");
	rec = raw_get(&len, &w, "quarantine", ids[3].b, 16);
	ok(rec && len > 20 && memcmp(rec + len - 4, "ArK", 3) == 0,
	   "the quarantined record is kept as found (flipped byte included)");
	free(rec);
	memcpy(key, ids[3].b, 16);
	memset(key + 16, 0, 4);
	rec = raw_get(&blen, &w, "body", key, 20);
	ok(rec != NULL, "its body chunk is left in place");
	free(rec);
	raw_close(&w);
}

static void
test_indexes(void)
{
	ims_id ids[NMSG], stray;
	ims_store *st = small_store("ix", ids);
	ims_verify_result r;
	unsigned char key[600], key2[600], *v;
	size_t n, n2, len;
	plog lg;
	raw w;

	ims_store_close(st);
	raw_open(&w, "ix");
	n = raw_find(key, &w, "ix_owner", &ids[1]);
	raw_del(&w, "ix_owner", key, n);               /* a missing entry */
	n = raw_find(key, &w, "ix_conv", &ids[4]);
	raw_del(&w, "ix_conv", key, n);
	n = raw_find(key, &w, "ix_time", &ids[2]);     /* a stray one */
	memcpy(stray.b, ids[2].b, 16);
	stray.b[6] ^= 0x80; /* not a neighbour: ids of one millisecond differ low */
	memcpy(key + n - 16, stray.b, 16);
	raw_put(&w, "ix_time", key, n, "", 0);
	n = raw_find(key, &w, "ix_from", &ids[5]);     /* one disagreeing */
	raw_del(&w, "ix_from", key, n);
	key[n - 17] ^= 1;                               /* received, last byte */
	raw_put(&w, "ix_from", key, n, "", 0);
	n = raw_find(key, &w, "ix_msgid", &ids[6]);    /* names another record */
	raw_put(&w, "ix_msgid", key, n, ids[7].b, 16);
	n2 = raw_find(key2, &w, "ix_expiry", &ids[8]);
	raw_del(&w, "ix_expiry", key2, n2);
	n2 = raw_find(key2, &w, "ix_type", &ids[3]);
	ok(n2 == 10 + 24 && memcmp(key2, "image/png", 10) == 0,
	   "ix_type holds the media type, NUL, time and id");
	raw_del(&w, "ix_type", key2, n2);
	memset(key2, 'x', 30);                          /* no NUL: malformed */
	raw_put(&w, "ix_type", key2, 30, "", 0);
	raw_close(&w);

	st = reopen("ix");
	is_int(verify(&lg, &r, st, 0, 0), IMS_CORRUPT, "damaged indexes: not sound");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_MISSING, IMS_PROBLEM_FOUND, &ids[1]), 1,
	       "missing from ix_owner, by id");
	ok(lg.n && strstr(lg.v[0].desc, "ix_owner"), "the description names the index");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_MISSING, IMS_PROBLEM_FOUND, &ids[4]), 1,
	       "missing from ix_conv");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_MISSING, IMS_PROBLEM_FOUND, &ids[8]), 1,
	       "missing from ix_expiry");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_MISSING, IMS_PROBLEM_FOUND, &ids[3]), 1,
	       "missing from ix_type");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_ORPHAN, IMS_PROBLEM_FOUND, NULL), 2,
	       "a malformed ix_type entry, and the stray ix_time one");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_ORPHAN, IMS_PROBLEM_FOUND, &stray), 1,
	       "an entry of no record, by the id it names");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_MISMATCH, IMS_PROBLEM_FOUND, &ids[5]), 1,
	       "an entry disagreeing with its record");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_MISSING, IMS_PROBLEM_FOUND, &ids[5]), 1,
	       "which then misses its right entry");
	is_int(count_of(&lg, IMS_PROBLEM_MSGID_ELSEWHERE, IMS_PROBLEM_FOUND, &ids[6]), 1,
	       "its Message-ID names another record");
	is_int(count_of(&lg, IMS_PROBLEM_INDEX_MISMATCH, IMS_PROBLEM_FOUND, &ids[7]), 1,
	       "and that entry does not match the record it names");
	is_int(count_of(&lg, IMS_PROBLEM_COUNTER, IMS_PROBLEM_FOUND, NULL), 0,
	       "a record missing from ix_owner is still counted right");
	is_int(lg.n, 10, "nothing else");
	show(&lg);

	is_int(verify(&lg, &r, st, 1, 2), 0, "repair in batches of 2: sound afterwards");
	is_int(r.quarantined, 0, "no record quarantined");
	is_int(r.repaired, 9, "four entries added back, four removed, one remapped");
	is_int(r.messages, NMSG, "every record kept");
	is_int(verify(&lg, &r, st, 0, 0), 0, "a second verify is clean");
	{
		ims_msg *g;
		uint64_t nt;
		ims_filter *f;
		is_int(ims_get_by_msgid(&g, st, BOB, IMS_FOLDER_DEFERRED, "m7"), 0,
		       "lookups by Message-ID work again");
		ims_msg_free(g);
		ims_filter_parse(&f, "type:image/png", IMS_TIME_NONE, NULL);
		is_int(ims_count(&nt, st, f), 0, "count by type");
		is_int(nt, NMSG / 3, "ix_type rebuilt: every message of the type found again");
		ims_filter_free(f);
	}
	ims_store_close(st);
	raw_open(&w, "ix");
	v = raw_get(&len, &w, "ix_msgid", key, n);
	ok(v && len == 16 && memcmp(v, ids[6].b, 16) == 0, "the Message-ID names its record again");
	free(v);
	raw_close(&w);
}

static void
test_counters_bodies(void)
{
	ims_id ids[NMSG], lost;
	ims_store *st = small_store("cnt", ids);
	ims_verify_result r;
	unsigned char key[64], *v;
	size_t len;
	plog lg;
	raw w;

	ims_store_close(st);
	raw_open(&w, "cnt");
	{
		MDB_cursor *c;
		MDB_val k, d;
		mdb_cursor_open(w.txn, raw_dbi(&w, "count"), &c);
		mdb_cursor_get(c, &k, &d, MDB_FIRST);
		memcpy(key, k.mv_data, 5);
		mdb_cursor_close(c);
	}
	v = raw_get(&len, &w, "count", key, 5);
	v[7]++;                                        /* one message more */
	raw_put(&w, "count", key, 5, v, len);
	free(v);
	v = raw_get(&len, &w, "meta", "totals.1", 8);
	v[15] += 3;                                    /* three bytes more */
	raw_put(&w, "meta", "totals.1", 8, v, len);
	free(v);
	memcpy(key, ids[9].b, 16);
	memset(key + 16, 0, 4);
	v = raw_get(&len, &w, "body", key, 20);
	v[len - 1] ^= 1;                               /* a body byte */
	raw_put(&w, "body", key, 20, v, len);
	free(v);
	memcpy(key, ids[10].b, 16);
	raw_del(&w, "body", key, 20);                  /* a missing chunk */
	memcpy(lost.b, ids[11].b, 16);
	lost.b[6] ^= 0x80;  /* likewise */
	memcpy(key, lost.b, 16);
	raw_put(&w, "body", key, 20, "chunk", 5);      /* chunks of no record */
	memcpy(key, ids[0].b, 16);
	key[16] = key[17] = key[18] = 0;
	key[19] = 1;
	raw_put(&w, "body", key, 20, "chunk", 5);      /* one too many */
	{
		unsigned char atom[4] = { 0, 0, 0, 1 };
		unsigned char lease[24] = { 0, 0, 0, 99, 0, 0, 0, 1 }, lk[16] = { 1, 2, 3 };
		raw_del(&w, "atomid", atom, 4);        /* atom 1 one way only */
		raw_put(&w, "lease", lk, 16, lease, sizeof(lease)); /* of no user */
		raw_put(&w, "settings", "\0\0\0\x63", 4, "\1\0\0\0", 4);
	}
	v = raw_get(&len, &w, "meta", "last_id", 7);
	memset(v, 0, len);                             /* behind every id */
	raw_put(&w, "meta", "last_id", 7, v, len);
	free(v);
	raw_close(&w);

	st = reopen("cnt");
	is_int(verify(&lg, &r, st, 0, 0), IMS_CORRUPT, "damaged counters and bodies: not sound");
	is_int(count_of(&lg, IMS_PROBLEM_COUNTER, IMS_PROBLEM_FOUND, NULL), 2,
	       "a counter and a folder total reported");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_CORRUPT, IMS_PROBLEM_FOUND, &ids[9]), 1,
	       "a corrupt body chunk, by id");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_MISSING, IMS_PROBLEM_FOUND, &ids[10]), 1,
	       "a missing body chunk, by id");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_STRAY, IMS_PROBLEM_FOUND, &lost), 1,
	       "body chunks of no record, by id");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_STRAY, IMS_PROBLEM_FOUND, &ids[0]), 1,
	       "a chunk beyond the record's count");
	ok(count_of(&lg, IMS_PROBLEM_ATOM, IMS_PROBLEM_FOUND, NULL) >= 1,
	   "the atom missing from atomid (and the records naming it)");
	is_int(count_of(&lg, IMS_PROBLEM_LEASE, IMS_PROBLEM_FOUND, NULL), 1, "the lease of no user");
	is_int(count_of(&lg, IMS_PROBLEM_SETTINGS, IMS_PROBLEM_FOUND, NULL), 1,
	       "settings of no user");
	is_int(count_of(&lg, IMS_PROBLEM_META, IMS_PROBLEM_FOUND, NULL), 1, "last_id behind");
	show(&lg);

	is_int(verify(&lg, &r, st, 1, 0), IMS_CORRUPT, "repair: damaged bodies remain");
	is_int(count_of(&lg, IMS_PROBLEM_COUNTER, IMS_PROBLEM_REPAIRED, NULL), 2,
	       "counter and total set again");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_STRAY, IMS_PROBLEM_REPAIRED, &lost), 1,
	       "the stray chunks listed in quarantine");
	is_int(count_of(&lg, IMS_PROBLEM_LEASE, IMS_PROBLEM_REPAIRED, NULL), 1, "lease dropped");
	is_int(count_of(&lg, IMS_PROBLEM_META, IMS_PROBLEM_REPAIRED, NULL), 1, "last_id set");
	is_int(count_of(&lg, IMS_PROBLEM_ATOM, IMS_PROBLEM_REPAIRED, NULL), 1, "atomid restored");
	is_int(stage_count(&lg, IMS_PROBLEM_REMAINING), 3, "three problems remain");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_CORRUPT, IMS_PROBLEM_REMAINING, &ids[9]), 1,
	       "the corrupt body");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_MISSING, IMS_PROBLEM_REMAINING, &ids[10]), 1,
	       "the missing chunk");
	is_int(count_of(&lg, IMS_PROBLEM_BODY_STRAY, IMS_PROBLEM_REMAINING, &ids[0]), 1,
	       "the extra chunk");
	is_int(r.remaining, 3, "counted as remaining");
	is_int(r.messages, NMSG, "no decodable record was removed");
	is_int(r.in_quarantine, 1, "the lost record's placeholder");
	show(&lg);
	is_int(ims_delete(st, &ids[9]), 0, "the operator deletes a damaged message");
	is_int(ims_delete(st, &ids[10]), 0, "and the other");
	is_int(verify(&lg, &r, st, 0, 0), IMS_CORRUPT, "the extra chunk still there");
	is_int(lg.n, 1, "only it");
	ims_store_close(st);
}

/* The structural check alone: LMDB's pages, not what they hold. */
static void
test_pages_only(void)
{
	ims_id ids[NMSG];
	ims_store *st = small_store("pages", ids);
	ims_verify_opts o = IMS_VERIFY_OPTS_INIT;
	ims_verify_result r;
	raw w;

	o.pages_only = 1;
	is_int(ims_verify(&r, st, &o), 0, "pages only: a sound store");
	is_int((int)r.messages, 0, "pages only: no record examined");
	ims_store_close(st);
	raw_open(&w, "pages");
	mdb_drop(w.txn, raw_dbi(&w, "ix_owner"), 0);
	raw_close(&w);
	st = reopen("pages");
	is_int(ims_verify(&r, st, &o), 0, "pages only: an emptied index is sound pages");
	o.version = 1;   /* a caller built before pages_only: the whole check */
	is_int(ims_verify(&r, st, &o), IMS_CORRUPT, "version 1 options: the whole check");
	o.version = IMS_VERIFY_OPTS_VERSION;
	o.repair = 1;
	is_int(ims_verify(&r, st, &o), IMS_INVALID, "pages only with repair refused");
	ims_store_close(st);
}

/* Give the main database's root page (from the newer meta page) another
 * page number in its header: LMDB does not look, our check does. */
static int
renumber_main_root(const char *name)
{
	char file[400];
	unsigned char meta[2][160], hdr[8];
	uint64_t t[2], pgno, bogus = 999999;
	int fd, m, ok = 0;

	snprintf(file, sizeof(file), "%s/data.mdb", path(name));
	if ((fd = open(file, O_RDWR)) < 0)
		return 0;
	if (pread(fd, meta[0], 160, 0) == 160 && pread(fd, meta[1], 160, 4096) == 160) {
		memcpy(&t[0], meta[0] + 144, 8);
		memcpy(&t[1], meta[1] + 144, 8);
		m = t[1] > t[0];
		memcpy(&pgno, meta[m] + 16 + 72 + 40, 8);
		memcpy(hdr, &bogus, 8);
		ok = pwrite(fd, hdr, 8, (off_t)(pgno * 4096)) == 8;
	}
	close(fd);
	return ok;
}

static void
test_open_check_pages(void)
{
	ims_id ids[NMSG];
	ims_store *st = small_store("opencheck", ids);

	ims_store_close(st);
	ok((st = open_store("opencheck", IMS_OPEN_CHECK_PAGES)) != NULL,
	   "IMS_OPEN_CHECK_PAGES: a sound store opens");
	ims_store_close(st);
	ok(renumber_main_root("opencheck"), "the main root page renumbered");
	ok((st = open_store("opencheck", 0)) != NULL, "without the flag it opens (LMDB does not look)");
	ims_store_close(st);
	ims_store *st2 = NULL;
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	o.flags = IMS_OPEN_CHECK_PAGES;
	is_int(ims_store_open(&st2, path("opencheck"), &o), IMS_CORRUPT,
	       "IMS_OPEN_CHECK_PAGES: refused as corrupt");
	ok(st2 == NULL, "no handle");
}

/* Stop a repair after its first batches: what committed stays, a new
 * repair completes it. */
static void
test_interrupted(void)
{
	ims_id ids[NMSG];
	ims_store *st = small_store("intr", ids);
	ims_verify_opts o = IMS_VERIFY_OPTS_INIT;
	ims_verify_result r;
	unsigned char key[600];
	plog lg;
	raw w;

	ims_store_close(st);
	raw_open(&w, "intr");
	for (int i = 0; i < NMSG; i++) {
		size_t n = raw_find(key, &w, "ix_time", &ids[i]);
		raw_del(&w, "ix_time", key, n);
	}
	{
		MDB_dbi d = raw_dbi(&w, "ix_owner");
		mdb_drop(w.txn, d, 0);
	}
	raw_close(&w);
	st = reopen("intr");
	memset(&lg, 0, sizeof(lg));
	lg.stop_at = 3;
	o.repair = 1;
	o.batch = 2;
	o.problem = collect;
	o.payload = &lg;
	is_int(ims_verify(&r, st, &o), 42, "a callback stops the repair: its value returned");
	ok(r.repaired >= 3 && r.repaired < 2 * NMSG, "part of the repair done (%llu)",
	   (unsigned long long)r.repaired);
	is_int(verify(&lg, &r, st, 0, 0), IMS_CORRUPT, "the store is usable, not yet sound");
	ok(r.problems > 0 && r.problems < 2 * NMSG, "fewer problems than before (%llu)",
	   (unsigned long long)r.problems);
	is_int(verify(&lg, &r, st, 1, 5), 0, "a new repair completes it");
	is_int(verify(&lg, &r, st, 0, 0), 0, "clean");
	ims_store_close(st);
}

typedef struct writer { ims_store *st; int fails; atomic_int stop; } writer;

static void *
write_on(void *arg)
{
	writer *wr = arg;
	char msgid[32];
	ims_id id;

	for (int i = 0; i < 200 && !atomic_load(&wr->stop); i++) {
		snprintf(msgid, sizeof(msgid), "w%d", i);
		wr->fails += put(&id, wr->st, i % 2 ? BOB : AL, msgid, IMS_FOLDER_DEFERRED,
		                 NULL, "written during the repair") != 0;
		if (i % 3 == 0)
			wr->fails += ims_delete(wr->st, &id) != 0;
	}
	return NULL;
}

/* A writer goes on while a repair runs in small batches. */
static void
test_concurrent(void)
{
	ims_id ids[NMSG];
	ims_store *st = small_store("conc", ids);
	ims_verify_result r;
	unsigned char key[600];
	pthread_t th;
	writer wr;
	plog lg;
	raw w;

	ims_store_close(st);
	raw_open(&w, "conc");
	for (int i = 0; i < NMSG; i += 2) {
		size_t n = raw_find(key, &w, "ix_owner", &ids[i]);
		raw_del(&w, "ix_owner", key, n);
		n = raw_find(key, &w, "ix_from", &ids[i + 1]);
		raw_del(&w, "ix_from", key, n);
	}
	raw_close(&w);
	st = reopen("conc");
	wr.st = st;
	wr.fails = 0;
	atomic_init(&wr.stop, 0);
	pthread_create(&th, NULL, write_on, &wr);
	is_int(verify(&lg, &r, st, 1, 1), 0, "repair in batches of 1 while a thread writes");
	atomic_store(&wr.stop, 1);
	pthread_join(th, NULL);
	is_int(wr.fails, 0, "the writer's puts and deletes all succeeded");
	is_int(verify(&lg, &r, st, 0, 0), 0, "the store is sound after both");
	show(&lg);
	ims_store_close(st);
}

static void
test_names(void)
{
	is_str(ims_problem_kind_name(IMS_PROBLEM_RECORD_CHECKSUM), "record-checksum", "kind name");
	is_str(ims_problem_kind_name(IMS_PROBLEM_META), "meta", "meta kind name");
	is_str(ims_problem_kind_name(IMS_PROBLEM_STRUCTURE), "structure", "last kind name");
	is_str(ims_problem_kind_name((ims_problem_kind)99), "unknown", "unknown kind");
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/ims-verify-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	srand(7);
	test_names();
	test_sound();
	test_record_checksum();
	test_indexes();
	test_counters_bodies();
	test_interrupted();
	test_pages_only();
	test_open_check_pages();
	test_concurrent();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
