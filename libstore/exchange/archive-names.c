/* archive-names.c - a tar archive's member names as every reader reads
 * them (imstore(5)).  libarchive gives one reading of a header: a pax path
 * cut at a NUL, a pax path over a different ustar name, a GNU long name, a
 * name split into the ustar prefix, a pax size over another ustar size, a
 * global header or members after the end are read otherwise by other
 * tools (Python's tarfile, tar without pax, tar -i).  So the headers are
 * read here too, from the decompressed stream, and any member whose name
 * or extent could be read two ways is refused.  An export's names are
 * short ASCII in the ustar name field alone: it never needs the others. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exchange.h"

#define BLK 512
#define EXT_MAX (1u << 20)

enum { HDR, DATA, EXT, END };

typedef struct scan {
	unsigned char blk[BLK];
	size_t have;             /* bytes in blk */
	int state;
	uint64_t skip;           /* DATA: bytes to pass over */
	char ext_type;           /* EXT: 'x', 'g', 'L' or 'K' */
	char *ext;               /* EXT: its data */
	size_t ext_len, ext_need;
	uint64_t ext_pad;
	char *path, *lname;      /* a pax path, a GNU long name, for the next member */
	size_t path_len, lname_len;
	int has_size;
	uint64_t pax_size;
	char *err;
	size_t errcap;
} scan;

static int scan_refuse(scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
scan_refuse(scan *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, s->errcap, fmt, ap);
	va_end(ap);
	return -1;
}

/* A numeric field: octal, or base-256 when its first bit is set; -1 bad. */
static int64_t
number(const unsigned char *f, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | f[i];
		}
		return (int64_t)v;
	}
	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
		v = v << 3 | (uint64_t)(f[i] - '0');
	if (i < n && f[i] != ' ' && f[i] != '\0')
		return -1;
	return (int64_t)v;
}

static int
checksum_ok(const unsigned char *b)
{
	int64_t want = number(b + 148, 8);
	uint64_t sum = 0;

	for (size_t i = 0; i < BLK; i++)
		sum += i >= 148 && i < 156 ? ' ' : b[i];
	return want >= 0 && (uint64_t)want == sum;
}

static void
pending_clear(scan *s)
{
	free(s->path);
	free(s->lname);
	s->path = s->lname = NULL;
	s->has_size = 0;
}

/* One "LEN key=value\n" record of a pax header at p (n bytes left):
 * its length, or 0 when malformed. */
static size_t
pax_record(const char *p, size_t n, const char **key, size_t *klen,
           const char **val, size_t *vlen)
{
	size_t len = 0, i = 0;
	const char *eq;

	while (i < n && i < 8 && p[i] >= '0' && p[i] <= '9')
		len = len * 10 + (size_t)(p[i++] - '0');
	if (i == 0 || i >= n || p[i] != ' ' || len > n || len < i + 3 || p[len - 1] != '\n')
		return 0;
	*key = p + i + 1;
	if (!(eq = memchr(*key, '=', (size_t)(p + len - 1 - *key))) || eq == *key)
		return 0;
	*klen = (size_t)(eq - *key);
	*val = eq + 1;
	*vlen = (size_t)(p + len - 1 - *val);
	return len;
}

static int
key_is(const char *k, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(k, want, n) == 0;
}

static int
pax_value(scan *s, const char *k, size_t kn, const char *v, size_t vn)
{
	char *end;

	if (kn > 11 && memcmp(k, "GNU.sparse.", 11) == 0)
		return scan_refuse(s, "a sparse tar member (an export holds none)");
	if (key_is(k, kn, "hdrcharset") && !(vn == 23 && !memcmp(v, "ISO-IR 10646 2000 UTF-8", 23)))
		return scan_refuse(s, "a pax header whose names are not UTF-8 (hdrcharset)");
	if (s->ext_type == 'g' && (key_is(k, kn, "path") || key_is(k, kn, "size")))
		return scan_refuse(s, "a global pax header that sets a member's %s",
		                   key_is(k, kn, "path") ? "name" : "size");
	if (key_is(k, kn, "path")) {
		if (s->path)
			return scan_refuse(s, "a pax header with two paths");
		if (!(s->path = malloc(vn + 1)))
			return ENOMEM;
		memcpy(s->path, v, vn);
		s->path[vn] = '\0';
		s->path_len = vn;
	} else if (key_is(k, kn, "size")) {
		if (vn == 0 || vn > 19 || strspn(v, "0123456789") < vn)
			return scan_refuse(s, "a pax header with a bad size");
		s->pax_size = strtoull(v, &end, 10);
		s->has_size = 1;
	}
	return 0;
}

/* An extended header's data, whole in s->ext. */
static int
ext_done(scan *s)
{
	const char *p = s->ext, *k, *v;
	size_t n = s->ext_len, kn, vn, len;
	int rc;

	if (s->ext_type == 'L') {
		free(s->lname);
		len = n && s->ext[n - 1] == '\0' ? n - 1 : n;
		if (!(s->lname = malloc(len + 1)))
			return ENOMEM;
		memcpy(s->lname, s->ext, len);
		s->lname[len] = '\0';
		s->lname_len = len;
		return 0;
	}
	if (s->ext_type == 'K')
		return 0;
	while (n) {
		if (!(len = pax_record(p, n, &k, &kn, &v, &vn)))
			return scan_refuse(s, "a malformed pax header");
		if ((rc = pax_value(s, k, kn, v, vn)))
			return rc;
		p += len;
		n -= len;
	}
	return 0;
}

/* The name every reader must read: the ustar name field, alone. */
static int
member(scan *s, const unsigned char *b, uint64_t size)
{
	char name[101], a[256], c[256];
	int posix = memcmp(b + 257, "ustar\0", 6) == 0;

	memcpy(name, b, 100);
	name[100] = '\0';
	if (posix && b[345])
		return scan_refuse(s, "tar member '%s' has its name split between the "
		                   "ustar prefix and name fields", ims__arc_shown(a, name, strlen(name)));
	if (s->path && (memchr(s->path, '\0', s->path_len) || strcmp(s->path, name)))
		return scan_refuse(s, "tar member '%s' has the pax path '%s': "
		                   "readers would disagree on its name",
		                   ims__arc_shown(a, name, strlen(name)), ims__arc_shown(c, s->path, s->path_len));
	if (s->lname && (memchr(s->lname, '\0', s->lname_len) || strcmp(s->lname, name)))
		return scan_refuse(s, "tar member '%s' has the GNU long name '%s': "
		                   "readers would disagree on its name",
		                   ims__arc_shown(a, name, strlen(name)), ims__arc_shown(c, s->lname, s->lname_len));
	if (s->has_size && s->pax_size != size)
		return scan_refuse(s, "tar member '%s' has a pax size other than its "
		                   "ustar size", ims__arc_shown(a, name, strlen(name)));
	pending_clear(s);
	s->skip = (size + BLK - 1) / BLK * BLK;
	s->state = s->skip ? DATA : HDR;
	return 0;
}

static int
header(scan *s, const unsigned char *b)
{
	static const unsigned char zero[BLK];
	int64_t size;
	char t = (char)b[156], a[256], c[256];

	if (memcmp(b, zero, BLK) == 0) {
		if (s->path || s->lname || s->has_size)
			return scan_refuse(s, "a tar extended header with no member");
		s->state = END;
		return 0;
	}
	if (!checksum_ok(b) || (size = number(b + 124, 12)) < 0)
		return 1; /* not tar, or damaged: libarchive says so */
	if (t == 'x' || t == 'X' || t == 'g' || t == 'L' || t == 'K') {
		if ((uint64_t)size > EXT_MAX)
			return scan_refuse(s, "a tar extended header over %u bytes", EXT_MAX);
		free(s->ext);
		if (!(s->ext = malloc((size_t)size + 1)))
			return ENOMEM;
		s->ext_type = t == 'X' ? 'x' : t;
		s->ext_len = 0;
		s->ext_need = (size_t)size;
		s->ext_pad = ((uint64_t)size + BLK - 1) / BLK * BLK - (uint64_t)size;
		s->state = EXT;
		if (size)
			return 0;
		s->state = HDR;
		return ext_done(s);
	}
	if (strchr("01234567", t) || t == '\0')
		return member(s, b, (uint64_t)size); /* links and others: archive-read.c */
	return scan_refuse(s, "tar member '%s' of type '%s' (an export holds only "
	                   "regular files)", ims__arc_shown(a, (const char *)b, strnlen((const char *)b, 100)),
	                   ims__arc_shown(c, &t, 1));
}

/* Bytes of the decompressed stream, in any pieces. */
static int
feed(scan *s, const unsigned char *p, size_t n)
{
	int rc;

	while (n) {
		if (s->state == DATA) {
			size_t k = s->skip < n ? (size_t)s->skip : n;
			s->skip -= k;
			p += k;
			n -= k;
			if (!s->skip)
				s->state = HDR;
		} else if (s->state == EXT) {
			size_t k = s->ext_need - s->ext_len < n ? s->ext_need - s->ext_len : n;
			memcpy(s->ext + s->ext_len, p, k);
			s->ext_len += k;
			p += k;
			n -= k;
			if (s->ext_len < s->ext_need)
				continue;
			s->ext[s->ext_len] = '\0';
			if ((rc = ext_done(s)))
				return rc;
			s->skip = s->ext_pad;
			s->state = s->skip ? DATA : HDR;
		} else {
			size_t k = BLK - s->have < n ? BLK - s->have : n;
			memcpy(s->blk + s->have, p, k);
			s->have += k;
			p += k;
			n -= k;
			if (s->have < BLK)
				continue;
			s->have = 0;
			if (s->state == END) {
				static const unsigned char zero[BLK];
				if (memcmp(s->blk, zero, BLK))
					return scan_refuse(s, "data after the end of the tar archive "
					                   "(tar -i would read more members)");
			} else if ((rc = header(s, s->blk))) {
				return rc;
			}
		}
	}
	return 0;
}

/* Past a limit of archive-read.c (the bytes, the ratio), stop: it refuses
 * the archive with its own message, and a bomb costs no more here. */
static int
over_limits(struct archive *a, uint64_t total, const ims_archive_limits *lim)
{
	int64_t raw = archive_filter_bytes(a, -1);

	if (total > lim->max_total)
		return 1;
	return total > ((uint64_t)1 << 20) && raw > 0 && total / (uint64_t)raw > lim->max_ratio;
}

static int
scan_stream(scan *s, struct archive *a, const ims_archive_limits *lim)
{
	unsigned char buf[65536];
	uint64_t total = 0;
	la_ssize_t n;
	int rc;

	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		/* a zip is read at its central directory, not in a gzip */
		if (total == 0 && n >= 2 && memcmp(buf, "PK", 2) == 0)
			return archive_filter_code(a, 0) == ARCHIVE_FILTER_GZIP
			       ? scan_refuse(s, "a gzipped zip file (an export never is one)") : 0;
		total += (uint64_t)n;
		if (over_limits(a, total, lim))
			return 0;
		if ((rc = feed(s, buf, (size_t)n)))
			return rc < 0 || rc == ENOMEM ? rc : 0;
	}
	return 0;
}

int
ims__arc_names_check(const char *path, const ims_archive_limits *lim, char *err,
                     size_t errcap)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned char magic[4];
	scan s;
	int rc = 0, fd, zip = 0;

	if (!a)
		return ENOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (pread(fd, magic, 4, 0) == 4 && memcmp(magic, "PK\3\4", 4) == 0)
			zip = 1, rc = ims__arc_zip_check(fd, err, errcap);
		close(fd);
	}
	if (zip) {
		archive_read_free(a);
		return rc;
	}
	memset(&s, 0, sizeof(s));
	s.err = err;
	s.errcap = errcap;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, 65536) == ARCHIVE_OK &&
	    archive_read_next_header(a, &e) == ARCHIVE_OK)
		rc = scan_stream(&s, a, lim);
	pending_clear(&s);
	free(s.ext);
	archive_read_free(a);
	return rc;
}
