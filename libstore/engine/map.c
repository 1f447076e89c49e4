/* map.c - where LMDB's map lies: values checked against the end of the
 * file (a value past it is damage, not a SIGBUS), and trimming the map. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"


/* The mapping of /proc/self/maps that holds address p. */
static int
mapping_of(uintptr_t *lo, uintptr_t *hi, const void *p)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long a, b;
	char line[512];
	int found = 0;

	if (!f)
		return errno;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 &&
		    (uintptr_t)p >= a && (uintptr_t)p < b) {
			*lo = a;
			*hi = b;
			found = 1;
		}
	fclose(f);
	return found ? 0 : ENOENT;
}

/* Where LMDB's map lies, from a value of the meta database (the map
 * cannot move while txn is open); 0 if it cannot be found. */
static uintptr_t
map_locate(ims_store *st, MDB_txn *txn)
{
	MDB_val k = { 6, "format" }, v;
	uintptr_t lo = 0, hi = 0;

	if (mdb_get(txn, st->dbi[IMS__DB_META], &k, &v) || mapping_of(&lo, &hi, v.mv_data))
		return 0;
	__atomic_store_n(&st->map_hi, hi, __ATOMIC_RELAXED);
	__atomic_store_n(&st->map_lo, lo, __ATOMIC_RELEASE);
	return lo;
}

static int
in_range(uintptr_t lo, uint64_t end, const MDB_val *v)
{
	uintptr_t p = (uintptr_t)v->mv_data;

	return v->mv_size <= end && p - lo <= end - v->mv_size;
}

/* A value outside the map is on a page this write transaction changed,
 * copied to memory by LMDB: it was checked when it was read. */
int
ims__val_in_file(ims_store *st, MDB_txn *txn, const MDB_val *v)
{
	uintptr_t lo = __atomic_load_n(&st->map_lo, __ATOMIC_ACQUIRE), p = (uintptr_t)v->mv_data;
	uint64_t end = __atomic_load_n(&st->file_end, __ATOMIC_RELAXED);
	struct stat sb;
	int fd;

	if (!lo && !(lo = map_locate(st, txn)))
		return 1;
	if (p < lo || p >= __atomic_load_n(&st->map_hi, __ATOMIC_RELAXED))
		return 1;
	if (in_range(lo, end, v))
		return 1;
	/* the file may have grown since: look again */
	if (mdb_env_get_fd(st->env, &fd) || fstat(fd, &sb) == -1)
		return 1;
	end = (uint64_t)sb.st_size;
	__atomic_store_n(&st->file_end, end, __ATOMIC_RELAXED);
	return in_range(lo, end, v);
}

/* The map is read-only (LMDB writes through the file, not the map): dropping this process's page
 * table entries loses nothing, a later read faults the page in again from
 * the page cache.  LMDB does not tell where its map is (me_mapaddr is
 * only set with MDB_FIXEDMAP), so a value read from it says. */
int
ims_store_trim(ims_store *st)
{
	MDB_val k = { 6, "format" }, v;
	uintptr_t lo = 0, hi = 0;
	MDB_txn *txn;
	int rc;

	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v)) == 0)
		rc = mapping_of(&lo, &hi, v.mv_data);
	else
		rc = ims__map_err(rc);
	/* inside the transaction: the map cannot move meanwhile */
	if (rc == 0 && madvise((void *)lo, hi - lo, MADV_DONTNEED) < 0)
		rc = errno;
	ims__txn_abort(st, txn);
	return rc;
}

