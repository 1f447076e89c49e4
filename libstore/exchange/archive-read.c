/* archive-read.c - reading an export archive under limits, refusing what
 * an export never holds: links, devices, setuid bits, names outside its
 * layout (imstore(5)).  Only tar and zip, gzipped or not, are read. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"

static int
crockford(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", s[i]) || !s[i])
			return 0;
	return 1;
}

ims__arc_kind
ims__arc_name_kind(const char *name)
{
	size_t n = strlen(name);
	const char *ext;

	if (strcmp(name, "manifest.xml") == 0)
		return IMS__ARC_MANIFEST;
	if (strcmp(name, "SHA256SUMS") == 0)
		return IMS__ARC_SUMS;
	if (n > 9 + IMS_ID_STRLEN && strncmp(name, "messages/", 9) == 0 &&
	    crockford(name + 9, IMS_ID_STRLEN) && name[9 + IMS_ID_STRLEN] == '.') {
		ext = name + 10 + IMS_ID_STRLEN;
		if (!strcmp(ext, "cpim") || !strcmp(ext, "txt") || !strcmp(ext, "bin") ||
		    !strcmp(ext, "eml"))
			return IMS__ARC_MESSAGE;
	}
	if (n >= 23 && n <= 26 && strncmp(name, "transcripts/T", 13) == 0 &&
	    strcmp(name + n - 4, ".xml") == 0 && strspn(name + 13, "0123456789") == n - 17)
		return IMS__ARC_TRANSCRIPT;
	return 0;
}

int
ims__arc_in_open(ims__arc_in *in, const char *path, const ims_archive_limits *lim)
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

static int refuse(ims__arc_in *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
refuse(ims__arc_in *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->err, sizeof(in->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int
check_entry(ims__arc_in *in, struct archive_entry *e)
{
	uint64_t max;
	char nm[256];

	if (!(in->name = archive_entry_pathname(e)) || !*in->name)
		return refuse(in, "an entry without a name");
	ims__arc_shown(nm, in->name, strlen(in->name));
	if (archive_entry_hardlink(e) || archive_entry_symlink(e))
		return refuse(in, "link entry '%s'", nm);
	if (archive_entry_filetype(e) != AE_IFREG)
		return refuse(in, "entry '%s' is not a regular file", nm);
	if (archive_entry_mode(e) & 07000)
		return refuse(in, "entry '%s' has setuid, setgid or sticky bits", nm);
	if (!(in->kind = ims__arc_name_kind(in->name)))
		return refuse(in, "unexpected entry '%s' (no export holds it)", nm);
	if (++in->entries > in->lim.max_entries)
		return refuse(in, "more entries than the limit (%llu)", (unsigned long long)in->lim.max_entries);
	max = in->kind == IMS__ARC_MANIFEST || in->kind == IMS__ARC_SUMS ? in->lim.max_meta
	                                                       : in->lim.max_entry;
	if (!archive_entry_size_is_set(e) || archive_entry_size(e) < 0)
		return refuse(in, "entry '%s' has no size", nm);
	if ((uint64_t)archive_entry_size(e) > max)
		return refuse(in, "entry '%s' is over the size limit", nm);
	in->entry_size = (uint64_t)archive_entry_size(e);
	in->entry_bytes = 0;
	return 0;
}

int
ims__arc_in_next(ims__arc_in *in)
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
ims__arc_in_read(ims__arc_in *in, void *buf, size_t cap)
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
ims__arc_in_close(ims__arc_in *in)
{
	if (in->a)
		archive_read_free(in->a);
	in->a = NULL;
}
