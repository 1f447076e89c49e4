/* lmdb_dirty.c - what one durable LMDB commit costs, by how many randomly
 * placed leaf pages it dirties (BENCHMARKS.md, "One durable commit").
 *
 *   lmdb-dirty DIR TREES FAMILIES PRELOAD COMMITS
 *
 * Each commit puts one 400-byte record and TREES * FAMILIES - 1 8-byte
 * index entries under random keys, spread over TREES databases with
 * FAMILIES key prefixes each (one tree with 8 prefixes dirties as many
 * leaves as 8 trees), after PRELOAD such records in commits of 1,000.
 * Prints commits per second and the mean commit time.  Plain LMDB, default
 * (durable) flags: what imstore's put pays per message it indexes. */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAXTREES 16

static uint64_t rnd = 88172645463325252ULL;

static uint64_t
xorshift(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return rnd;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One record: its value in tree 0, an index entry in every other slot. */
static int
put_one(MDB_txn *txn, const MDB_dbi *dbi, int trees, int families)
{
	static char val[400];
	uint64_t k = xorshift();
	int rc = 0;

	for (int j = 0; j < trees * families && rc == 0; j++) {
		unsigned char key[9];
		uint64_t x = __builtin_bswap64(k * (uint64_t)(j + 1) + (uint64_t)j);
		memcpy(key + 1, &x, 8);
		key[0] = (unsigned char)(j % families);
		MDB_val kv = { 9, key }, v = { j ? 8 : sizeof(val), j ? (void *)(key + 1) : val };
		rc = mdb_put(txn, dbi[j / families], &kv, &v, 0);
	}
	return rc;
}

static int
fail(const char *what, int rc)
{
	fprintf(stderr, "lmdb-dirty: %s: %s\n", what, mdb_strerror(rc));
	return 1;
}

int
main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi[MAXTREES];
	int trees, families, preload, commits, rc;
	double t0, el;

	if (argc != 6 || (trees = atoi(argv[2])) < 1 || trees > MAXTREES ||
	    (families = atoi(argv[3])) < 1 || families > 64 ||
	    (preload = atoi(argv[4])) < 0 || (commits = atoi(argv[5])) < 1) {
		fprintf(stderr, "usage: lmdb-dirty DIR TREES(1-16) FAMILIES(1-64) PRELOAD COMMITS\n");
		return 2;
	}
	if (mkdir(argv[1], 0700) != 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, MAXTREES);
	mdb_env_set_mapsize(env, (size_t)4 << 30);
	if ((rc = mdb_env_open(env, argv[1], 0, 0600)))
		return fail(argv[1], rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)))
		return fail("begin", rc);
	for (int i = 0; i < trees; i++) {
		char name[8];
		snprintf(name, sizeof(name), "t%d", i);
		if ((rc = mdb_dbi_open(txn, name, MDB_CREATE, &dbi[i])))
			return fail(name, rc);
	}
	for (int i = 0; i < preload && rc == 0; i++) {
		rc = put_one(txn, dbi, trees, families);
		if (rc == 0 && (i + 1) % 1000 == 0 && (rc = mdb_txn_commit(txn)) == 0)
			rc = mdb_txn_begin(env, NULL, 0, &txn);
	}
	if (rc || (rc = mdb_txn_commit(txn)))
		return fail("preload", rc);
	t0 = now();
	for (int i = 0; i < commits; i++) {
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
		    (rc = put_one(txn, dbi, trees, families)) ||
		    (rc = mdb_txn_commit(txn)))
			return fail("commit", rc);
	}
	el = now() - t0;
	printf("trees %d, key families %d, preload %d: %d commits, %.0f/s, %.3f ms each\n",
	       trees, families, preload, commits, commits / el, el / commits * 1e3);
	mdb_env_close(env);
	return 0;
}
