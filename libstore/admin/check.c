/* check.c - ims_store_check(): the operator's audit of a store, in the
 * manner of `postfix check`: modes and owners, files that are not the
 * store's, stale reader slots, an old format, room to grow.  The walk of
 * the directory and the test of a mode everyone may write are verify's
 * (verify-perm.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "internal.h"

#define MAP_LIMIT ((uint64_t)1 << 40) /* the default growth limit (env.c) */

typedef struct chk {
	ims_check_cb cb;
	void *payload;
	uint64_t count;
	uid_t owner;          /* the store directory's */
	int compacting;       /* a compaction holds the store: do not open it */
} chk;

static int
finding(chk *c, ims_severity sev, const char *check, const char *path,
        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
finding(chk *c, ims_severity sev, const char *check, const char *path,
        const char *fmt, ...)
{
	char msg[512];
	ims_finding f = { sev, check, path, msg };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->count++;
	return c->cb ? c->cb(&f, c->payload) : 0;
}

/* The directory (name NULL) or one entry of it. */
static int
check_entry(void *ctx, const char *path, const char *name, const struct stat *sb)
{
	chk *c = ctx;
	mode_t mode = sb->st_mode & 07777, want = name ? 0600 : 0700;
	int known = !name || !strcmp(name, "data.mdb") || !strcmp(name, "lock.mdb");
	int rc = 0;

	if (!name)
		c->owner = sb->st_uid;
	if (name && !strncmp(name, "data.mdb.compact-", 17))
		return finding(c, IMS_SEVERITY_WARNING, "stale-file", path,
		               "'%s' is left by an interrupted compaction: remove it "
		               "when no compaction runs", path);
	if (!known || (name && !S_ISREG(sb->st_mode)))
		return finding(c, IMS_SEVERITY_WARNING, "file", path,
		               "'%s' is not a file of the store", path);
	if (ims__perm_world_writable(sb))
		rc = finding(c, IMS_SEVERITY_ERROR, "world-writable", path,
		             "'%s' is writable by everyone (mode %04o): any local user "
		             "can alter or remove messages", path, (unsigned)mode);
	else if (mode & S_IWGRP)
		rc = finding(c, IMS_SEVERITY_ERROR, "group-writable", path,
		             "'%s' is writable by its group (mode %04o)", path, (unsigned)mode);
	else if (mode & 077)
		rc = finding(c, IMS_SEVERITY_WARNING, "mode", path,
		             "'%s' is open to its group or others (mode %04o, %04o expected)",
		             path, (unsigned)mode, (unsigned)want);
	if (rc == 0 && name && sb->st_uid != c->owner)
		rc = finding(c, IMS_SEVERITY_ERROR, "owner", path,
		             "'%s' belongs to uid %u, the store directory to uid %u",
		             path, (unsigned)sb->st_uid, (unsigned)c->owner);
	return rc;
}

static int
check_readers(chk *c, const char *path)
{
	ims_holder *h;
	size_t n;
	int rc = ims_store_holders(&h, &n, path);

	if (rc == ENOSYS || rc == IMS_NOTFOUND)
		return 0; /* no /proc/locks, or no lock.mdb: nobody has it open */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		c->compacting |= (h[i].flags & IMS_HOLDER_EXCLUSIVE) != 0;
		if (h[i].flags & IMS_HOLDER_GONE)
			rc = finding(c, IMS_SEVERITY_WARNING, "stale-reader", NULL,
			             "a reader slot of pid %lld, which no longer exists, holds "
			             "snapshot %llu (the next open reclaims it)",
			             (long long)h[i].pid, (unsigned long long)h[i].snapshot);
	}
	ims_holders_free(h);
	return rc;
}

/* The format and the sizes, from a read-only open; room on the disk. */
static int
check_store(chk *c, const char *path)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	struct statvfs fs;
	ims_store *st;
	ims_stats s;
	int rc;

	if (c->compacting)
		return 0; /* the open would wait for it */
	o.flags = IMS_OPEN_RDONLY;
	if ((rc = ims_store_open(&st, path, &o)) == 0) {
		rc = ims_stats_get(&s, st);
		ims_store_close(st);
	}
	if (rc)
		return finding(c, IMS_SEVERITY_ERROR, "format", path,
		               "the store cannot be opened: %s", ims_strerror(rc));
	if (s.format < IMS_FORMAT_VERSION &&
	    (rc = finding(c, IMS_SEVERITY_WARNING, "format", path,
	                  "the store is at format %u: the next writable open upgrades "
	                  "it to %u", s.format, (unsigned)IMS_FORMAT_VERSION)))
		return rc;
	if (s.file_bytes >= MAP_LIMIT / 10 * 9 &&
	    (rc = finding(c, IMS_SEVERITY_WARNING, "map", path,
	                  "the data file (%llu bytes) is near the map's growth limit "
	                  "(%llu bytes)", (unsigned long long)s.file_bytes,
	                  (unsigned long long)MAP_LIMIT)))
		return rc;
	if (statvfs(path, &fs) != 0 || fs.f_blocks == 0)
		return 0;
	if ((uint64_t)fs.f_bavail * fs.f_frsize < s.file_bytes)
		return finding(c, IMS_SEVERITY_WARNING, "disk", path,
		               "%llu bytes free, less than the data file (%llu): no room "
		               "to compact or back up beside it",
		               (unsigned long long)fs.f_bavail * fs.f_frsize,
		               (unsigned long long)s.file_bytes);
	if (fs.f_bavail < fs.f_blocks / 10)
		return finding(c, IMS_SEVERITY_WARNING, "disk", path,
		               "the file system is over 90%% full");
	return 0;
}

int
ims_store_check(uint64_t *count, const char *path, ims_check_cb cb, void *payload)
{
	chk c = { cb, payload, 0, 0, 0 };
	char data[4096];
	struct stat sb;
	int rc;

	if (count)
		*count = 0;
	if (!path || snprintf(data, sizeof(data), "%s/data.mdb", path) >= (int)sizeof(data))
		return IMS_INVALID;
	if (stat(path, &sb) != 0 || stat(data, &sb) != 0)
		return errno == ENOENT ? IMS_NOTFOUND : errno;
	if ((rc = ims__perm_walk(path, check_entry, &c)) == 0 &&
	    (rc = check_readers(&c, path)) == 0)
		rc = check_store(&c, path);
	if (count)
		*count = c.count;
	return rc;
}
