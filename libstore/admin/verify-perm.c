/* verify-perm.c - the store's modes: a store directory or a file in it
 * that everyone may write (0777, 0666) lets any local user alter or
 * remove every message, so verify reports it (IMS_PROBLEM_PERMISSIONS)
 * and a repair takes the others' write permission away (chmod o-w). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "verify.h"

/* path, whose lstat is sb: report it, or with v->fix mend it */
static int
perm_one(ims__vfy *v, const char *path, const struct stat *sb)
{
	mode_t mode = sb->st_mode & 07777;

	if (!(S_ISDIR(sb->st_mode) || S_ISREG(sb->st_mode)) || !(mode & S_IWOTH))
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
	const char *dir = v->st->path;
	char path[4096];
	struct dirent *e;
	struct stat sb;
	DIR *d;
	int rc;

	if (lstat(dir, &sb))
		return errno;
	if ((rc = perm_one(v, dir, &sb)))
		return rc;
	if (!(d = opendir(dir)))
		return errno;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &sb) == 0)
			rc = perm_one(v, path, &sb);
	}
	closedir(d);
	return rc;
}
