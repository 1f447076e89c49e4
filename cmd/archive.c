/* archive.c - writing an export archive atomically, with the SHA-256 of
 * every file in SHA256SUMS, and reading one under limits (imstore-export(5)).
 * The archive formats are libarchive's; SHA-256 is nettle's. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"

void
arc_hex(char out[ARC_HEX + 1], struct sha256_ctx *ctx)
{
	static const char hx[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_digest(ctx, sizeof(d), d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[ARC_HEX] = '\0';
}

char *
arc_dir_of(const char *path)
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
arc_spool(const char *dir)
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
sync_dir(const char *path)
{
	char *d = arc_dir_of(path);
	int fd, rc = 0;

	if (!d)
		return ENOMEM;
	if ((fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) < 0)
		rc = errno;
	if (fd >= 0)
		close(fd);
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
set_format(arc_out *o, const arc_out_opts *opts)
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
create_tmp(arc_out *o)
{
	char *d = arc_dir_of(o->path);
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

int
arc_out_open(arc_out *o, const char *path, const arc_out_opts *opts)
{
	struct stat sb;
	int rc;

	memset(o, 0, sizeof(*o));
	o->fd = o->sums = -1;
	if (!opts->force && lstat(path, &sb) == 0)
		return EEXIST;
	if (!(o->path = strdup(path)))
		return ENOMEM;
	if ((rc = create_tmp(o)))
		return rc;
	fchmod(o->fd, 0600);
	{
		char *d = arc_dir_of(path);
		o->sums = d ? arc_spool(d) : -1;
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
arc_entry_begin(arc_out *o, const char *name, uint64_t size, int64_t mtime_us)
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
arc_entry_data(arc_out *o, const void *p, size_t n)
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
arc_entry_end(arc_out *o, char hex[ARC_HEX + 1])
{
	char h[ARC_HEX + 1], line[ARC_HEX + 4096];
	int n;

	if (archive_write_finish_entry(o->a) != ARCHIVE_OK)
		return arc_err(o->a);
	arc_hex(h, &o->entry);
	if (hex)
		memcpy(hex, h, sizeof(h));
	o->files++;
	n = snprintf(line, sizeof(line), "%s  %s\n", h, o->entry_name);
	return write_all(o->sums, line, (size_t)n);
}

int
arc_add_spool(arc_out *o, const char *name, int fd, int64_t mtime_us,
              char hex[ARC_HEX + 1], uint64_t *size)
{
	char buf[65536];
	off_t end = lseek(fd, 0, SEEK_END);
	ssize_t n;
	int rc;

	if (end < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return errno;
	if (size)
		*size = (uint64_t)end;
	if ((rc = arc_entry_begin(o, name, (uint64_t)end, mtime_us)))
		return rc;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if ((rc = arc_entry_data(o, buf, (size_t)n)))
			return rc;
	if (n < 0)
		return errno;
	return arc_entry_end(o, hex);
}

static int
put_in_place(arc_out *o)
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
	if (errno != EEXIST)
		return errno;
	/* --force: link beside it, then replace it in one rename */
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
}

int
arc_out_finish(arc_out *o, int64_t mtime_us)
{
	int rc;

	if ((rc = arc_add_spool(o, "SHA256SUMS", o->sums, mtime_us, NULL, NULL)))
		return rc;
	if (archive_write_close(o->a) != ARCHIVE_OK)
		return arc_err(o->a);
	archive_write_free(o->a);
	o->a = NULL;
	if (fsync(o->fd) < 0)
		return errno;
	if ((rc = put_in_place(o)) || (rc = sync_dir(o->path)))
		return rc;
	arc_out_abort(o); /* frees what is left, the file stays */
	return 0;
}

void
arc_out_abort(arc_out *o)
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
	memset(o, 0, sizeof(*o));
	o->fd = o->sums = -1;
}

/* ---------------------------------------------------------------- reading */

static int
crockford(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", s[i]) || !s[i])
			return 0;
	return 1;
}

arc_kind
arc_name_kind(const char *name)
{
	size_t n = strlen(name);
	const char *ext;

	if (strcmp(name, "manifest.xml") == 0)
		return ARC_MANIFEST;
	if (strcmp(name, "SHA256SUMS") == 0)
		return ARC_SUMS;
	if (n > 9 + IMS_ID_STRLEN && strncmp(name, "messages/", 9) == 0 &&
	    crockford(name + 9, IMS_ID_STRLEN) && name[9 + IMS_ID_STRLEN] == '.') {
		ext = name + 10 + IMS_ID_STRLEN;
		if (!strcmp(ext, "cpim") || !strcmp(ext, "txt") || !strcmp(ext, "bin") ||
		    !strcmp(ext, "eml"))
			return ARC_MESSAGE;
	}
	if (n >= 23 && n <= 26 && strncmp(name, "transcripts/T", 13) == 0 &&
	    strcmp(name + n - 4, ".xml") == 0 && strspn(name + 13, "0123456789") == n - 17)
		return ARC_TRANSCRIPT;
	return 0;
}

int
arc_in_open(arc_in *in, const char *path, const arc_limits *lim)
{
	memset(in, 0, sizeof(*in));
	in->path = path;
	in->lim = *lim;
	if (!(in->a = archive_read_new()))
		return ENOMEM;
	/* only what an export is: tar or zip, gzip or nothing */
	archive_read_support_format_tar(in->a);
	archive_read_support_format_zip(in->a);
	archive_read_support_filter_gzip(in->a);
	if (archive_read_open_filename(in->a, path, 65536) != ARCHIVE_OK) {
		int e = archive_errno(in->a);
		const char *why = archive_error_string(in->a);
		if (e == ENOENT || e == EACCES || e == EISDIR)
			snprintf(in->err, sizeof(in->err), "%s", strerror(e));
		else if (why && strstr(why, "nrecognized archive format"))
			snprintf(in->err, sizeof(in->err), "not a tar or zip archive, "
			         "gzipped or not (nothing else is read)");
		else
			snprintf(in->err, sizeof(in->err), "%s", why ? why : "cannot read it");
		return e == ENOENT || e == EACCES || e == EISDIR ? e : IMS_INVALID;
	}
	return 0;
}

static int refuse(arc_in *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
refuse(arc_in *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->err, sizeof(in->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
check_entry(arc_in *in, struct archive_entry *e)
{
	uint64_t max;

	if (!(in->name = archive_entry_pathname(e)) || !*in->name)
		return refuse(in, "an entry without a name");
	if (archive_entry_hardlink(e) || archive_entry_symlink(e))
		return refuse(in, "link entry '%.200s'", in->name);
	if (archive_entry_filetype(e) != AE_IFREG)
		return refuse(in, "entry '%.200s' is not a regular file", in->name);
	if (archive_entry_mode(e) & 07000)
		return refuse(in, "entry '%.200s' has setuid, setgid or sticky bits", in->name);
	if (!(in->kind = arc_name_kind(in->name)))
		return refuse(in, "unexpected entry '%.200s' (no export holds it)", in->name);
	if (++in->entries > in->lim.max_entries)
		return refuse(in, "more entries than the limit (%llu)", (unsigned long long)in->lim.max_entries);
	max = in->kind == ARC_MANIFEST || in->kind == ARC_SUMS ? in->lim.max_meta
	                                                       : in->lim.max_entry;
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
		return refuse(in, "entry '%.200s' has no size", in->name);
	if ((uint64_t)archive_entry_size(e) > max)
		return refuse(in, "entry '%.200s' is over the size limit", in->name);
	in->entry_size = (uint64_t)archive_entry_size(e);
	in->entry_bytes = 0;
	return 0;
}

int
arc_in_next(arc_in *in)
{
	struct archive_entry *e;
	int rc = archive_read_next_header(in->a, &e);

	if (rc == ARCHIVE_EOF)
		return 1;
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		return refuse(in, "%.250s", archive_error_string(in->a)
		              ? archive_error_string(in->a) : "damaged archive");
	return check_entry(in, e);
}

long
arc_in_read(arc_in *in, void *buf, size_t cap)
{
	la_ssize_t n = archive_read_data(in->a, buf, cap);
	int64_t raw;

	if (n < 0)
		return refuse(in, "%.250s", archive_error_string(in->a)
		              ? archive_error_string(in->a) : "damaged entry");
	in->entry_bytes += (uint64_t)n;
	in->total += (uint64_t)n;
	if (in->entry_bytes > in->entry_size)
		return refuse(in, "entry '%.200s' is longer than it says", in->name);
	if (in->total > in->lim.max_total)
		return refuse(in, "more data than the limit (%llu bytes)", (unsigned long long)in->lim.max_total);
	raw = archive_filter_bytes(in->a, -1);
	if (in->total > ((uint64_t)1 << 20) && raw > 0 &&
	    in->total / (uint64_t)raw > in->lim.max_ratio)
		return refuse(in, "compression ratio over %llu to 1", (unsigned long long)in->lim.max_ratio);
	if (n == 0 && in->entry_bytes != in->entry_size)
		return refuse(in, "entry '%.200s' is shorter than it says", in->name);
	return (long)n;
}

void
arc_in_close(arc_in *in)
{
	if (in->a)
		archive_read_free(in->a);
	in->a = NULL;
}
