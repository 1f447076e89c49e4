/* archive-zip.c - a zip archive's member names as every reader reads them
 * (imstore(5)).  A zip names each member twice, in its local header (what
 * a streaming reader such as libarchive's reads) and in the central
 * directory (what unzip and Python's zipfile read), and may name it a third
 * time in an Info-ZIP Unicode Path field that some readers prefer.  So the
 * central directory is walked here: each entry's local header must carry
 * the same name, the entries must follow one another with nothing between
 * them (a member only a streaming reader sees), and no name may hold a NUL
 * or come with a Unicode Path. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exchange.h"

#define TAIL (65535 + 22)

typedef struct zscan {
	int fd;
	char *err;
	size_t errcap;
	uint64_t cd_off, cd_size, entries;
} zscan;

static int zrefuse(zscan *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
zrefuse(zscan *z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(z->err, z->errcap, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t
le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int
readat(zscan *z, void *buf, size_t n, uint64_t off)
{
	ssize_t r = pread(z->fd, buf, n, (off_t)off);

	return r == (ssize_t)n ? 0 : 1;
}

/* The end of central directory record (zip64's when it says so). */
static int
find_end(zscan *z, off_t size)
{
	unsigned char *t, z64[56], loc[20];
	size_t n = size < TAIL ? (size_t)size : TAIL;
	int rc = 1;

	if (!(t = malloc(n)))
		return ENOMEM;
	if (readat(z, t, n, (uint64_t)size - n) == 0)
		for (size_t i = n - 22 + 1; rc == 1 && i-- > 0;)
			if (memcmp(t + i, "PK\5\6", 4) == 0) {
				z->entries = le(t + i + 10, 2);
				z->cd_size = le(t + i + 12, 4);
				z->cd_off = le(t + i + 16, 4);
				rc = 0;
				if (i >= 20 && memcmp(t + i - 20, "PK\6\7", 4) == 0) {
					memcpy(loc, t + i - 20, 20);
					if (readat(z, z64, 56, le(loc + 8, 8)) ||
					    memcmp(z64, "PK\6\6", 4))
						rc = 1;
					z->entries = le(z64 + 32, 8);
					z->cd_size = le(z64 + 40, 8);
					z->cd_off = le(z64 + 48, 8);
				}
			}
	free(t);
	return rc;
}

/* Extra fields: 1 when one of type id is there; zip64 sizes and offset. */
static int
extra_has(const unsigned char *p, size_t n, unsigned id)
{
	while (n >= 4) {
		size_t len = (size_t)le(p + 2, 2);
		if (le(p, 2) == id)
			return 1;
		if (len + 4 > n)
			return 0;
		p += 4 + len;
		n -= 4 + len;
	}
	return 0;
}

typedef struct zentry {
	unsigned char h[46];
	char name[65536];
	unsigned char extra[65536];
	unsigned char lname[65536];  /* the name in its local header */
	uint64_t csize, off;
	size_t nlen, elen;
} zentry;

static void
zip64_values(zentry *e)
{
	const unsigned char *p = e->extra;
	size_t n = e->elen;

	while (n >= 4) {
		size_t len = (size_t)le(p + 2, 2), k = 4;
		if (len + 4 > n)
			return;
		if (le(p, 2) == 1) {
			if (le(e->h + 24, 4) == 0xffffffffu && k + 8 <= len + 4)
				k += 8; /* uncompressed size first */
			if (le(e->h + 20, 4) == 0xffffffffu && k + 8 <= len + 4) {
				e->csize = le(p + k, 8);
				k += 8;
			}
			if (le(e->h + 42, 4) == 0xffffffffu && k + 8 <= len + 4)
				e->off = le(p + k, 8);
			return;
		}
		p += 4 + len;
		n -= 4 + len;
	}
}

/* The member after one that ended at *end (with a data descriptor when
 * desc) must start at off: nothing between them. */
static int
follows(zscan *z, uint64_t end, int desc, uint64_t off)
{
	uint64_t gap = off - end;

	if (off >= end && (desc ? gap == 12 || gap == 16 || gap == 20 || gap == 24 : gap == 0))
		return 0;
	return zrefuse(z, "zip data between or under members that only some "
	               "readers see");
}

/* One central directory entry at *pos and its local header. */
static int
entry(zscan *z, zentry *e, uint64_t *pos, uint64_t *end, int *desc)
{
	unsigned char l[30], *lname = e->lname;
	char a[256], b[256];
	size_t ln, lx;

	if (readat(z, e->h, 46, *pos) || memcmp(e->h, "PK\1\2", 4))
		return zrefuse(z, "a damaged zip central directory");
	e->nlen = (size_t)le(e->h + 28, 2);
	e->elen = (size_t)le(e->h + 30, 2);
	e->csize = le(e->h + 20, 4);
	e->off = le(e->h + 42, 4);
	if (readat(z, e->name, e->nlen, *pos + 46) ||
	    readat(z, e->extra, e->elen, *pos + 46 + e->nlen))
		return zrefuse(z, "a damaged zip central directory");
	zip64_values(e);
	*pos += 46 + e->nlen + e->elen + le(e->h + 32, 2);
	ims__arc_shown(a, e->name, e->nlen);
	if (memchr(e->name, '\0', e->nlen))
		return zrefuse(z, "zip member '%s' has a NUL in its name", a);
	if (extra_has(e->extra, e->elen, 0x7075))
		return zrefuse(z, "zip member '%s' has a second name (Unicode Path)", a);
	if (follows(z, *end, *desc, e->off))
		return -1;
	if (readat(z, l, 30, e->off) || memcmp(l, "PK\3\4", 4))
		return zrefuse(z, "zip member '%s' has no local header", a);
	ln = (size_t)le(l + 26, 2);
	lx = (size_t)le(l + 28, 2);
	if (readat(z, lname, ln, e->off + 30) || ln != e->nlen || memcmp(lname, e->name, ln))
		return zrefuse(z, "zip member '%s' is '%s' in its local header: readers "
		               "would disagree on its name", a, ims__arc_shown(b, (char *)lname, ln));
	if (readat(z, e->extra, lx, e->off + 30 + ln) || extra_has(e->extra, lx, 0x7075))
		return zrefuse(z, "zip member '%s' has a second name (Unicode Path)", a);
	*end = e->off + 30 + ln + lx + e->csize;
	*desc = (le(e->h + 8, 2) & 8) != 0;
	return 0;
}

int
ims__arc_zip_check(int fd, char *err, size_t errcap)
{
	zscan z = { fd, err, errcap, 0, 0, 0 };
	zentry *e;
	off_t size = lseek(fd, 0, SEEK_END);
	uint64_t pos, end = 0;
	int desc = 0, rc;

	if (size < 22 || (rc = find_end(&z, size)) == 1)
		return 0; /* no central directory: libarchive says what it is */
	if (rc)
		return rc;
	if (!(e = malloc(sizeof(*e))))
		return ENOMEM;
	pos = z.cd_off;
	for (uint64_t i = 0; i < z.entries && rc == 0; i++)
		rc = entry(&z, e, &pos, &end, &desc);
	if (rc == 0 && pos != z.cd_off + z.cd_size)
		rc = zrefuse(&z, "a damaged zip central directory");
	if (rc == 0)
		rc = follows(&z, end, desc, z.cd_off);
	free(e);
	return rc;
}
