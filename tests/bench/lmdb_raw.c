/* lmdb_raw.c - the ceiling: imstore's record shape (a record, body chunks
 * and the six index entries) inserted with plain LMDB calls, 1000 records
 * per durable commit, one thread, into a fresh environment (the old line)
 * or into one preloaded with the large store's records (the fair line).  A
 * reference, not a store: no atoms, no checks, no compression, no
 * counters. */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "bench.h"

enum { D_MSG, D_BODY, D_OWNER, D_FROM, D_CONV, D_MSGID, D_TIME, D_EXPIRY, D_N };
static const char *const names[D_N] = {
	"msg", "body", "ix_owner", "ix_from", "ix_conv", "ix_msgid", "ix_time",
	"ix_expiry",
};

#define CHUNK (1u << 20)

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

static void
be_time(unsigned char *p, int64_t t)
{
	uint64_t v = (uint64_t)t ^ 0x8000000000000000ull;

	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint32_t
hash32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static size_t
put_str(unsigned char *p, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	p[0] = (unsigned char)(n >> 8);
	p[1] = (unsigned char)n;
	if (n)
		memcpy(p + 2, s, n);
	return n + 2;
}

static int
put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kl, const void *v, size_t vl)
{
	MDB_val key = { kl, (void *)(uintptr_t)k }, val = { vl, (void *)(uintptr_t)v };

	return mdb_put(txn, dbi, &key, &val, 0);
}

static int
insert(MDB_txn *txn, const MDB_dbi *dbi, const bmsg *m, uint64_t seq)
{
	unsigned char id[16], rec[2048], key[300], *chunk;
	const char *strs[9] = { m->owner, m->from_uri, m->from_name, m->to_uri,
	                        m->msgid, m->conv, m->ctype, m->subject, m->sent_text };
	uint64_t ms = (uint64_t)(now_us() / 1000);
	uint32_t owner = m->owner_ix, from = m->from_ix, conv = hash32(m->conv);
	size_t n = 100, ml;
	int rc;

	for (int i = 5; i >= 0; i--, ms >>= 8)
		id[i] = (unsigned char)ms;
	memset(id + 6, 0, 2);
	for (int i = 15; i >= 8; i--, seq >>= 8)
		id[i] = (unsigned char)seq;
	/* the record: fixed part, strings, checksum */
	memset(rec, 0, 100);
	be_time(rec + 8, m->received);
	be_time(rec + 16, m->sent);
	be_time(rec + 24, m->expires);
	for (int i = 0; i < 9; i++)
		n += put_str(rec + n, strs[i]);
	be32(rec + n, (uint32_t)crc32(0, rec, (uInt)n));
	n += 4;
	if ((rc = put(txn, dbi[D_MSG], id, 16, rec, n)))
		return rc;
	/* the body, in chunks with their header */
	if (!(chunk = malloc(12 + (m->body_len < CHUNK ? m->body_len : CHUNK))))
		return ENOMEM;
	for (size_t off = 0, i = 0; off < m->body_len || (off == 0 && i == 0); off += CHUNK, i++) {
		size_t cl = m->body_len - off < CHUNK ? m->body_len - off : CHUNK;
		memcpy(key, id, 16);
		be32(key + 16, (uint32_t)i);
		memset(chunk, 0, 12);
		memcpy(chunk + 12, m->body + off, cl);
		be32(chunk, (uint32_t)crc32(0, chunk + 4, (uInt)(8 + cl)));
		if ((rc = put(txn, dbi[D_BODY], key, 20, chunk, 12 + cl)))
			break;
		if (m->body_len == 0)
			break;
	}
	free(chunk);
	if (rc)
		return rc;
	/* the indexes */
	be32(key, owner);
	key[4] = m->folder;
	be_time(key + 5, m->received);
	memcpy(key + 13, id, 16);
	if ((rc = put(txn, dbi[D_OWNER], key, 29, "", 0)))
		return rc;
	be32(key, from);
	be_time(key + 4, m->received);
	memcpy(key + 12, id, 16);
	if ((rc = put(txn, dbi[D_FROM], key, 28, "", 0)))
		return rc;
	if (m->conv) {
		be32(key, conv);
		if ((rc = put(txn, dbi[D_CONV], key, 28, "", 0)))
			return rc;
	}
	ml = strlen(m->msgid);
	memcpy(key, m->msgid, ml + 1);
	be32(key + ml + 1, owner);
	key[ml + 5] = m->folder;
	if ((rc = put(txn, dbi[D_MSGID], key, ml + 6, id, 16)))
		return rc;
	be_time(key, m->received);
	memcpy(key + 8, id, 16);
	if ((rc = put(txn, dbi[D_TIME], key, 24, "", 0)))
		return rc;
	if (m->expires != INT64_MIN) {
		be_time(key, m->expires);
		if ((rc = put(txn, dbi[D_EXPIRY], key, 24, "", 0)))
			return rc;
	}
	return 0;
}

static MDB_env *
env_open(const char *dir, unsigned flags, MDB_dbi *dbi)
{
	MDB_env *env;
	MDB_txn *txn;
	int rc;

	mkdir(dir, 0700);
	if ((rc = mdb_env_create(&env)) ||
	    (rc = mdb_env_set_maxdbs(env, D_N)) ||
	    (rc = mdb_env_set_mapsize(env, (size_t)64 << 30)) ||
	    (rc = mdb_env_open(env, dir, flags, 0600)))
		die("lmdb: %s", mdb_strerror(rc));
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)))
		die("lmdb: %s", mdb_strerror(rc));
	for (int i = 0; i < D_N; i++)
		if ((rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &dbi[i])))
			die("lmdb: %s", mdb_strerror(rc));
	if ((rc = mdb_txn_commit(txn)))
		die("lmdb: %s", mdb_strerror(rc));
	return env;
}

/* Records [lo, hi) of s, per_commit a commit (durable unless the
 * environment is MDB_NOSYNC); record k gets sequence number seq0 + k. */
static void
insert_range(MDB_env *env, const MDB_dbi *dbi, const bset *s, size_t lo,
             size_t hi, size_t per_commit, uint64_t seq0)
{
	MDB_txn *txn;
	int rc;

	for (size_t i = lo; i < hi; i += per_commit) {
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)))
			die("lmdb: %s", mdb_strerror(rc));
		for (size_t k = i; k < hi && k < i + per_commit; k++)
			if ((rc = insert(txn, dbi, s->v[k], seq0 + k)))
				die("lmdb: %s", mdb_strerror(rc));
		if ((rc = mdb_txn_commit(txn)))
			die("lmdb: %s", mdb_strerror(rc));
	}
}

double
lmdb_ceiling(const char *dir, const bset *s, size_t n, size_t per_commit)
{
	MDB_dbi dbi[D_N];
	MDB_env *env = env_open(dir, 0, dbi);
	double t;

	if (n > s->n)
		n = s->n;
	t = now_s();
	insert_range(env, dbi, s, 0, n, per_commit, 0);
	t = now_s() - t;
	mdb_env_close(env);
	return (double)n / t;
}

/* The ceiling on the tree the stores write into: the environment first
 * holds every record of pre (loaded 10,000 a commit without a sync each,
 * then synced once: the load is not what is measured), then the records
 * of s are inserted per_commit a durable commit, as in lmdb_ceiling. */
double
lmdb_ceiling_tree(const char *dir, const bset *pre, const bset *s,
                  size_t per_commit)
{
	MDB_dbi dbi[D_N];
	MDB_env *env = env_open(dir, MDB_NOSYNC, dbi);
	double t;
	int rc;

	insert_range(env, dbi, pre, 0, pre->n, 10000, 0);
	if ((rc = mdb_env_sync(env, 1)) || (rc = mdb_env_set_flags(env, MDB_NOSYNC, 0)))
		die("lmdb: %s", mdb_strerror(rc));
	t = now_s();
	insert_range(env, dbi, s, 0, s->n, per_commit, pre->n);
	t = now_s() - t;
	mdb_env_close(env);
	return (double)s->n / t;
}
