/* backup.c - a consistent copy of a live store into a new store directory:
 * written in a temporary directory beside the destination, synchronised,
 * then renamed into place whole. */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define PATH_CAP 4096

/* 0 when dest may become the backup: it does not exist, or is an empty
 * directory (rename() replaces those only). */
static int
dest_free(const char *dest)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;
	int empty = 1;

	if (lstat(dest, &sb) != 0)
		return errno == ENOENT ? 0 : errno;
	if (!S_ISDIR(sb.st_mode) || !(d = opendir(dest)))
		return IMS_EXISTS;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty ? 0 : IMS_EXISTS;
}

/* The directory dest is in, and a mkdtemp() template beside dest. */
static int
temp_names(char *parent, char *tmpl, const char *dest)
{
	char a[PATH_CAP], b[PATH_CAP];

	if (snprintf(a, sizeof(a), "%s", dest) >= (int)sizeof(a))
		return ENAMETOOLONG;
	memcpy(b, a, sizeof(a));
	snprintf(parent, PATH_CAP, "%s", dirname(a));
	if (snprintf(tmpl, PATH_CAP, "%s/.%s.backup-XXXXXX", parent, basename(b)) >= PATH_CAP)
		return ENAMETOOLONG;
	return 0;
}

/* Copy the environment into fd; a map enlarged meanwhile by another process
 * is adopted and the copy started again. */
static int
copy_env(ims_store *st, int fd, unsigned flags)
{
	MDB_txn *txn;
	int rc = 0;

	for (int tries = 0; tries < 3; tries++) {
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
			return errno;
		pthread_rwlock_rdlock(&st->resize_lock);
		rc = mdb_env_copyfd2(st->env, fd, flags & IMS_BACKUP_COMPACT ? MDB_CP_COMPACT : 0);
		pthread_rwlock_unlock(&st->resize_lock);
		if (rc != MDB_MAP_RESIZED)
			break;
		/* a transaction of ours adopts the new size */
		if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
			return rc;
		ims__txn_abort(st, txn);
		rc = MDB_MAP_RESIZED;
	}
	return ims__map_err(rc);
}

int
ims_store_backup(ims_store *st, const char *dest, unsigned flags)
{
	char parent[PATH_CAP], tmp[PATH_CAP], data[PATH_CAP + 16];
	int fd = -1, rc;

	if ((rc = ims__check(st)))
		return rc;
	if (!dest || !*dest || (flags & ~IMS_BACKUP_COMPACT))
		return IMS_INVALID;
	if ((rc = dest_free(dest)) || (rc = temp_names(parent, tmp, dest)))
		return rc;
	if (!mkdtemp(tmp))
		return errno;
	snprintf(data, sizeof(data), "%s/data.mdb", tmp);
	if ((fd = open(data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		rc = errno;
		goto fail_dir;
	}
	/* whatever the umask: the directory 0700, the file 0600 */
	if (fchmod(fd, 0600) != 0 || chmod(tmp, 0700) != 0) {
		rc = errno;
		goto fail_file;
	}
	if ((rc = copy_env(st, fd, flags)))
		goto fail_file;
	if (fsync(fd) != 0 || close(fd) != 0) {
		rc = errno;
		fd = -1;
		goto fail_file;
	}
	fd = -1;
	if ((rc = ims__sync_dir(tmp)))
		goto fail_file;
	/* fails rather than replace anything but an empty directory */
	if (rename(tmp, dest) != 0) {
		rc = errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR ||
		     errno == EISDIR ? IMS_EXISTS : errno;
		goto fail_file;
	}
	return ims__sync_dir(parent);
fail_file:
	if (fd >= 0)
		close(fd);
	unlink(data);
fail_dir:
	rmdir(tmp);
	return rc;
}
