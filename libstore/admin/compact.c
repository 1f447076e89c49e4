/* compact.c - rewrite a store that no other process has open: every entry
 * of every database copied into a new data file, which then replaces the
 * old one by rename().
 *
 * Exclusion uses LMDB's own protocol: every process with the environment
 * open holds a shared fcntl() lock on the first byte of lock.mdb for as
 * long as it is open, and an opening process waits for an exclusive one to
 * go.  Holding that byte exclusively, the copy reads the old file without
 * LMDB's locks (MDB_NOLOCK); after the swap, an open of the new file by
 * this process (still the only holder) makes LMDB rebuild lock.mdb for the
 * new file before anyone else is let in.
 *
 * The copy is logical, not a page copy: new pages hold only live entries,
 * so that the bytes of deleted messages, which may linger in the free space
 * of pages still in use, are not carried over; nor is what messages
 * deleted but not yet swept left (reap.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define PATH_CAP 4096
#define COMMIT_BYTES ((uint64_t)8 << 20) /* copied per write transaction */

/* The exclusive lock on lock.mdb's first byte: IMS_BUSY when another
 * process has the store open. */
static int
lock_excl(int *out, const char *dir)
{
	char path[PATH_CAP];
	struct flock fl;
	int fd;

	*out = -1;
	if (snprintf(path, sizeof(path), "%s/lock.mdb", dir) >= (int)sizeof(path))
		return ENAMETOOLONG;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return errno;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 1;
	while (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;
		if (e == EINTR)
			continue;
		close(fd);
		return e == EAGAIN || e == EACCES ? IMS_BUSY : e;
	}
	*out = fd;
	return 0;
}

static int
check_format(MDB_txn *txn)
{
	MDB_val k = { 6, "format" }, v;
	MDB_dbi meta;
	int rc = mdb_dbi_open(txn, "meta", 0, &meta);

	if (rc)
		return rc == MDB_NOTFOUND ? IMS_NOTSTORE : ims__map_err(rc);
	if ((rc = mdb_get(txn, meta, &k, &v)))
		return rc == MDB_NOTFOUND ? IMS_NOTSTORE : ims__map_err(rc);
	if (v.mv_size != 4 || ims__rd_be32(v.mv_data) < IMS_FORMAT_OLDEST ||
	    ims__rd_be32(v.mv_data) > IMS_FORMAT_VERSION)
		return IMS_VERSION;
	return 0;
}

typedef struct copier {
	MDB_env *dst;
	MDB_txn *dtxn;
	uint64_t pending;   /* bytes put in dtxn */
	MDB_dbi reap;       /* the source's deletions waiting for the sweep */
	int has_reap;
} copier;

/* Where an entry of database name holds a message's id: 1 in the last 16
 * bytes of the key (time-keyed indexes), 2 the first 16 (body), 3 the value
 * (ix_msgid), 0 nowhere. */
static int
id_place(const char *name)
{
	static const char *const tail[] = { "ix_owner", "ix_from", "ix_conv",
	                                    "ix_time", "ix_expiry", "ix_type" };

	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		if (strcmp(name, tail[i]) == 0)
			return 1;
	return strcmp(name, "body") == 0 ? 2 : strcmp(name, "ix_msgid") == 0 ? 3 : 0;
}

/* Whether an entry is what a deleted message listed in reap left: the copy
 * is the store as the sweep would leave it (reap.c).  1, 0, or an LMDB
 * code. */
static int
leftover(copier *c, MDB_txn *stxn, int place, const MDB_val *k, const MDB_val *v)
{
	const MDB_val *in = place == 3 ? v : k;
	MDB_val id, d;
	int rc;

	if (!c->has_reap || !place || in->mv_size < 16)
		return 0;
	id.mv_size = 16;
	id.mv_data = (unsigned char *)in->mv_data + (place == 1 ? in->mv_size - 16 : 0);
	rc = mdb_get(stxn, c->reap, &id, &d);
	return rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : rc;
}

/* Commit every COMMIT_BYTES, so that the dirty pages stay few.  An LMDB
 * code. */
static int
maybe_commit(copier *c)
{
	int rc;

	if (c->pending < COMMIT_BYTES)
		return 0;
	rc = mdb_txn_commit(c->dtxn);
	c->dtxn = NULL;
	c->pending = 0;
	return rc ? rc : mdb_txn_begin(c->dst, NULL, 0, &c->dtxn);
}

/* Copy the named database, entries in key order, appended. */
static int
copy_db(copier *c, MDB_txn *stxn, const char *name)
{
	MDB_dbi sdbi, ddbi;
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned flags, put;
	int place = id_place(name), gone = strcmp(name, "reap") == 0, rc;

	if ((rc = mdb_dbi_open(stxn, name, 0, &sdbi)))
		return rc == MDB_INCOMPATIBLE ? IMS_NOTSTORE : ims__map_err(rc);
	if ((rc = mdb_dbi_flags(stxn, sdbi, &flags)) ||
	    (rc = mdb_dbi_open(c->dtxn, name, flags | MDB_CREATE, &ddbi)) ||
	    (rc = mdb_cursor_open(stxn, sdbi, &cur)))
		return ims__map_err(rc);
	put = flags & MDB_DUPSORT ? MDB_APPENDDUP : MDB_APPEND;
	while (!gone && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		if ((rc = leftover(c, stxn, place, &k, &v)) == 1)
			continue;
		if (rc || (rc = mdb_put(c->dtxn, ddbi, &k, &v, put)))
			break;
		c->pending += k.mv_size + v.mv_size;
		if ((rc = maybe_commit(c)))
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || gone ? 0 : ims__map_err(rc);
}

/* Every database named in src's main database, into dst. */
static int
copy_all(MDB_env *dst, MDB_env *src)
{
	copier c = { dst, NULL, 0, 0, 0 };
	MDB_txn *stxn;
	MDB_cursor *cur;
	MDB_dbi main_dbi;
	MDB_val k, v;
	char name[512];
	int rc, crc;

	if ((rc = mdb_txn_begin(src, NULL, MDB_RDONLY, &stxn)))
		return ims__map_err(rc);
	if ((rc = check_format(stxn)))
		goto fail_src;
	/* format 3: leave out what deleted messages left (not their bytes) */
	if ((rc = mdb_dbi_open(stxn, "reap", 0, &c.reap)) == 0)
		c.has_reap = 1;
	else if (rc != MDB_NOTFOUND) {
		rc = ims__map_err(rc);
		goto fail_src;
	}
	if ((rc = mdb_dbi_open(stxn, NULL, 0, &main_dbi)) ||
	    (rc = mdb_cursor_open(stxn, main_dbi, &cur))) {
		rc = ims__map_err(rc);
		goto fail_src;
	}
	if ((rc = mdb_txn_begin(dst, NULL, 0, &c.dtxn))) {
		rc = ims__map_err(rc);
		goto fail_cur;
	}
	while ((crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		if (k.mv_size == 0 || k.mv_size >= sizeof(name) ||
		    memchr(k.mv_data, 0, k.mv_size)) {
			rc = IMS_NOTSTORE;
			break;
		}
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if ((rc = copy_db(&c, stxn, name)))
			break;
	}
	if (rc == 0 && crc != MDB_NOTFOUND)
		rc = ims__map_err(crc);
	if (rc == 0)
		rc = ims__map_err(mdb_txn_commit(c.dtxn));
	else if (c.dtxn)
		mdb_txn_abort(c.dtxn);
fail_cur:
	mdb_cursor_close(cur);
fail_src:
	mdb_txn_abort(stxn);
	return rc;
}

/* Write the compacted copy of the environment in dir into the file tmp
 * (already created, fd open), synchronised. */
static int
write_copy(const char *dir, const char *tmp, int fd)
{
	MDB_env *src = NULL, *dst = NULL;
	MDB_envinfo info;
	int rc;

	if ((rc = mdb_env_create(&src)) || (rc = mdb_env_set_maxdbs(src, 64)) ||
	    (rc = mdb_env_open(src, dir, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS, 0600))) {
		rc = rc == MDB_INVALID ? IMS_NOTSTORE : ims__map_err(rc);
		goto out;
	}
	mdb_env_info(src, &info);
	if ((rc = mdb_env_create(&dst)) || (rc = mdb_env_set_maxdbs(dst, 64)) ||
	    (rc = mdb_env_set_mapsize(dst, info.me_mapsize)) ||
	    (rc = mdb_env_open(dst, tmp, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC |
	                       MDB_NOTLS, 0600))) {
		rc = ims__map_err(rc);
		goto out;
	}
	if ((rc = copy_all(dst, src)))
		goto out;
	if ((rc = mdb_env_sync(dst, 1)))
		rc = ims__map_err(rc);
	else if (fsync(fd) != 0)
		rc = errno;
out:
	if (dst)
		mdb_env_close(dst);
	if (src)
		mdb_env_close(src);
	return rc;
}

/* An open of the new file while this process alone holds lock.mdb:
 * LMDB reinitialises the lock file for the new data file. */
static int
reset_locks(const char *dir)
{
	MDB_env *env;
	int rc;

	if ((rc = mdb_env_create(&env)))
		return ims__map_err(rc);
	mdb_env_set_maxdbs(env, 64);
	rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600);
	mdb_env_close(env);
	return ims__map_err(rc);
}

/* The new file gets the old one's owner (when run as root) and mode. */
static int
match_owner(int fd, const struct stat *old)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0)
		return errno;
	if ((sb.st_uid != old->st_uid || sb.st_gid != old->st_gid) &&
	    fchown(fd, old->st_uid, old->st_gid) != 0)
		return errno;
	return fchmod(fd, 0600) != 0 ? errno : 0;
}

static int
swap_in(ims_compact_result *r, const char *dir, const char *data)
{
	char tmp[PATH_CAP + 32];
	struct stat old, sb;
	int fd, rc;

	if (stat(data, &old) != 0)
		return errno == ENOENT ? IMS_NOTFOUND : errno;
	snprintf(tmp, sizeof(tmp), "%s.compact-XXXXXX", data);
	if ((fd = mkstemp(tmp)) < 0)
		return errno;
	if ((rc = match_owner(fd, &old)) || (rc = write_copy(dir, tmp, fd)))
		goto fail;
	if (fstat(fd, &sb) != 0) {
		rc = errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, data) != 0) {
		rc = errno;
		goto fail;
	}
	r->bytes_before = (uint64_t)old.st_size;
	r->bytes_after = (uint64_t)sb.st_size;
	return ims__sync_dir(dir);
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

int
ims_store_compact(ims_compact_result *out, const char *path)
{
	ims_compact_result r = { 0, 0 };
	char data[PATH_CAP];
	struct stat sb;
	int lfd, rc;

	if (out)
		*out = r;
	if (!path || !*path)
		return IMS_INVALID;
	if (snprintf(data, sizeof(data), "%s/data.mdb", path) >= (int)sizeof(data))
		return ENAMETOOLONG;
	if (stat(path, &sb) != 0)
		return errno == ENOENT ? IMS_NOTFOUND : errno;
	if (!S_ISDIR(sb.st_mode))
		return IMS_NOTSTORE;
	if (access(data, F_OK) != 0)
		return errno == ENOENT ? IMS_NOTSTORE : errno;
	/* not open in this process either (fcntl locks are per process) */
	if ((rc = ims__registry_add(sb.st_dev, sb.st_ino)))
		return rc;
	if ((rc = lock_excl(&lfd, path)))
		goto done;
	rc = swap_in(&r, path, data);
	/* after the swap the lock file must describe the new file */
	if (r.bytes_after) {
		int lrc = reset_locks(path);
		rc = rc ? rc : lrc;
	}
	close(lfd);
done:
	ims__registry_del(sb.st_dev, sb.st_ino);
	if (out)
		*out = r;
	return rc;
}
