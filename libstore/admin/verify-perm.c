/* verify-perm.c - the store's modes: a store directory or a file in it
 * that everyone may write (0777, 0666) lets any local user alter or
 * remove every message, so verify reports it (IMS_PROBLEM_PERMISSIONS)
 * and a repair takes the others' write permission away (chmod o-w).  The
 * walk of the directory and the test are shared with the audit of
 * ims_store_check() (check.c). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "verify.h"

int
ims__perm_world_writable(const struct stat *sb)
{
	return (S_ISDIR(sb->st_mode) || S_ISREG(sb->st_mode)) && (sb->st_mode & S_IWOTH);
}

int
ims__perm_walk(const char *dir, ims__perm_fn fn, void *ctx)
{
	char path[4096];
	struct dirent *e;
	struct stat sb;
	DIR *d;
	int rc;

	if (lstat(dir, &sb))
		return errno;
	if ((rc = fn(ctx, dir, NULL, &sb)))
		return rc;
	if (!(d = opendir(dir)))
		return errno;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &sb) == 0)
			rc = fn(ctx, path, e->d_name, &sb);
	}
	closedir(d);
	return rc;
}

/* path, whose lstat is sb: report it, or with v->fix mend it */
static int
perm_one(void *ctx, const char *path, const char *name, const struct stat *sb)
{
	ims__vfy *v = ctx;
	mode_t mode = sb->st_mode & 07777;

	(void)name;
	if (!ims__perm_world_writable(sb))
		return 0;
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_PERMISSIONS, NULL,
		                       "'%s' is writable by everyone (mode %04o)",
		                       path, (unsigned)mode);
	if (chmod(path, mode & ~(mode_t)S_IWOTH))
		return errno;
	return ims__vfy_report(v, IMS_PROBLEM_PERMISSIONS, NULL,
	                       "'%s' made writable by its owner and group only "
	                       "(mode %04o)", path, (unsigned)(mode & ~(mode_t)S_IWOTH));
}

int
ims__vfy_perms(ims__vfy *v)
{
	return ims__perm_walk(v->st->path, perm_one, v);
}
