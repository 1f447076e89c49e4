/* archive-write.c - writing an export archive atomically, with the SHA-256
 * of every file in SHA256SUMS (imstore(5)).  The archive formats are
 * libarchive's; SHA-256 is nettle's. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exchange.h"
#include "internal.h"

void
ims__arc_hex(char out[IMS__ARC_HEX + 1], struct sha256_ctx *ctx)
{
	static const char hx[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(ctx, sizeof(d), d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[IMS__ARC_HEX] = '\0';
}

char *
ims__arc_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d;

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	if ((d = malloc((size_t)(slash - path) + 1))) {
		memcpy(d, path, (size_t)(slash - path));
		d[slash - path] = '\0';
	}
	return d;
}

int
ims__arc_spool(const char *dir)
{
	char tmpl[4096];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT))
		return fd;
	snprintf(tmpl, sizeof(tmpl), "%s/.imstore-spool.XXXXXX", dir);
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) >= 0)
		unlink(tmpl);
	return fd;
}

static int
sync_parent(const char *path)
{
	char *d = ims__arc_dir_of(path);
	int rc = d ? ims__sync_dir(d) : ENOMEM;

	free(d);
	return rc;
}

static int
arc_err(struct archive *a)
{
	int e = archive_errno(a);

	return e > 0 ? e : EIO;
}

static int
set_format(ims__arc_out *o, const ims__arc_out_opts *opts)
{
	char level[4];

	snprintf(level, sizeof(level), "%d", opts->level);
	if (opts->zip) {
		if (archive_write_set_format_zip(o->a) ||
		    archive_write_set_format_option(o->a, "zip", "compression",
		                                    opts->gzip ? "deflate" : "store"))
			return arc_err(o->a);
		if (opts->gzip && archive_write_set_format_option(o->a, "zip",
		                                                  "compression-level", level))
			return arc_err(o->a);
		return 0;
	}
	if (archive_write_set_format_pax_restricted(o->a))
		return arc_err(o->a);
	if (opts->gzip && (archive_write_add_filter_gzip(o->a) ||
	    archive_write_set_filter_option(o->a, "gzip", "compression-level", level)))
		return arc_err(o->a);
	return 0;
}

/* The file: unnamed (O_TMPFILE) until finished where the file system
 * allows, else a named temporary file beside it. */
static int
create_tmp(ims__arc_out *o)
{
	char *d = ims__arc_dir_of(o->path);
	size_t n = strlen(o->path) + 16;

	if (!d)
		return ENOMEM;
	o->fd = open(d, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	free(d);
	if (o->fd >= 0)
		return 0;
	if (!(o->tmpname = malloc(n)))
		return ENOMEM;
	snprintf(o->tmpname, n, "%s.tmp.XXXXXX", o->path);
	if ((o->fd = mkostemp(o->tmpname, O_CLOEXEC)) < 0) {
		free(o->tmpname);
		o->tmpname = NULL;
		return errno;
	}
	return 0;
}

void
ims__arc_out_init(ims__arc_out *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = o->sums = -1;
}

int
ims__arc_out_open(ims__arc_out *o, const char *path, const ims__arc_out_opts *opts)
{
	struct stat sb;
	int rc;

	ims__arc_out_init(o);
	if (!opts->force && lstat(path, &sb) == 0)
		return EEXIST;
	if (!(o->path = strdup(path)))
		return ENOMEM;
	if ((rc = create_tmp(o)))
		return rc;
	fchmod(o->fd, 0600);
	{
		char *d = ims__arc_dir_of(path);
		o->sums = d ? ims__arc_spool(d) : -1;
		free(d);
	}
	if (o->sums < 0)
		return errno ? errno : ENOMEM;
	if (!(o->a = archive_write_new()))
		return ENOMEM;
	if ((rc = set_format(o, opts)))
		return rc;
	if (archive_write_open_fd(o->a, o->fd))
		return arc_err(o->a);
	return 0;
}

int
ims__arc_entry_begin(ims__arc_out *o, const char *name, uint64_t size, int64_t mtime_us)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		return ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, (time_t)(mtime_us / 1000000), 0);
	if (archive_write_header(o->a, e) != ARCHIVE_OK)
		rc = arc_err(o->a);
	archive_entry_free(e);
	sha256_init(&o->entry);
	o->entry_name = name;
	return rc;
}

int
ims__arc_entry_data(ims__arc_out *o, const void *p, size_t n)
{
	sha256_update(&o->entry, n, p);
	while (n) {
		la_ssize_t w = archive_write_data(o->a, p, n);
		if (w <= 0)
			return arc_err(o->a);
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
ims__arc_entry_end(ims__arc_out *o, char hex[IMS__ARC_HEX + 1])
{
	char h[IMS__ARC_HEX + 1], line[IMS__ARC_HEX + 4096];
	int n;

	if (archive_write_finish_entry(o->a) != ARCHIVE_OK)
		return arc_err(o->a);
	ims__arc_hex(h, &o->entry);
	if (hex)
		memcpy(hex, h, sizeof(h));
	o->files++;
	n = snprintf(line, sizeof(line), "%s  %s\n", h, o->entry_name);
	return write_all(o->sums, line, (size_t)n);
}

int
ims__arc_add_spool(ims__arc_out *o, const char *name, int fd, int64_t mtime_us,
              char hex[IMS__ARC_HEX + 1], uint64_t *size)
{
	char buf[65536];
	off_t end = lseek(fd, 0, SEEK_END);
	ssize_t n;
	int rc;

	if (end < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return errno;
	if (size)
		*size = (uint64_t)end;
	if ((rc = ims__arc_entry_begin(o, name, (uint64_t)end, mtime_us)))
		return rc;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if ((rc = ims__arc_entry_data(o, buf, (size_t)n)))
			return rc;
	if (n < 0)
		return errno;
	return ims__arc_entry_end(o, hex);
}

/* --force: link beside the file, then replace it in one rename. */
static int
replace_by_link(ims__arc_out *o, const char *proc)
{
	size_t n = strlen(o->path) + 24;
	char *tmp = malloc(n);
	int rc = 0;

	if (!tmp)
		return ENOMEM;
	snprintf(tmp, n, "%s.tmp.%ld", o->path, (long)getpid());
	if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0 ||
	    rename(tmp, o->path) < 0)
		rc = errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int
put_in_place(ims__arc_out *o)
{
	char proc[64];

	if (o->tmpname) {
		if (rename(o->tmpname, o->path) < 0)
			return errno;
		free(o->tmpname);
		o->tmpname = NULL;
		return 0;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	return errno == EEXIST ? replace_by_link(o, proc) : errno;
}

int
ims__arc_out_finish(ims__arc_out *o, int64_t mtime_us)
{
	int rc;

	if ((rc = ims__arc_add_spool(o, "SHA256SUMS", o->sums, mtime_us, NULL, NULL)))
		return rc;
	if (archive_write_close(o->a) != ARCHIVE_OK)
		return arc_err(o->a);
	archive_write_free(o->a);
	o->a = NULL;
	if (fsync(o->fd) < 0)
		return errno;
	if ((rc = put_in_place(o)) || (rc = sync_parent(o->path)))
		return rc;
	ims__arc_out_abort(o); /* frees what is left, the file stays */
	return 0;
}

void
ims__arc_out_abort(ims__arc_out *o)
{
	if (o->a)
		archive_write_free(o->a);
	if (o->tmpname)
		unlink(o->tmpname);
	if (o->fd >= 0)
		close(o->fd);
	if (o->sums >= 0)
		close(o->sums);
	free(o->tmpname);
	free(o->path);
	ims__arc_out_init(o);
}
