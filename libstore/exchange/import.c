/* import.c - ims_archive_import(): an export archive, verified whole before
 * anything is stored, then read again and stored exactly (ids, metadata,
 * bytes) in bulk commits, each message file hashed again on the way; and
 * the bulk load that msilo.c's import shares. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exchange.h"

int
ims__import_begin(ims__importer *im, ims_import_result *out, ims_store *st,
                  const char *path, const ims_import_opts *opts,
                  unsigned bulk_flags)
{
	ims_import_opts o = IMS_IMPORT_OPTS_INIT;
	ims_bulk_opts bo = IMS_BULK_OPTS_INIT;
	int rc;

	memset(im, 0, sizeof(*im));
	if (!out)
		return IMS_INVALID;
	memset(out, 0, sizeof(*out));
	if (!st || !path || (opts && opts->version < 1))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, IMS_INVALID,
		                  "nothing to import: no store, no file or invalid options");
	im->out = out;
	im->st = st;
	im->o = o;
	if (opts)   /* a version 1 caller's struct ends before flags */
		memcpy(&im->o, opts, opts->version < 2 ? offsetof(ims_import_opts, flags)
		                                      : sizeof(*opts));
	im->now = im->o.now != IMS_TIME_NONE ? im->o.now : (int64_t)time(NULL) * 1000000;
	bo.flags = bulk_flags;
	bo.batch = im->o.batch;
	if (im->o.flags & IMS_IMPORT_DRY_RUN)
		return 0;   /* no bulk load: nothing is stored */
	if ((rc = ims_bulk_open(&im->b, st, &bo)))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_STORE, rc,
		                  "cannot import into '%s': %s", ims_store_path(st),
		                  ims_strerror(rc));
	return 0;
}

int
ims__import_end(ims__importer *im, int rc, const char *path)
{
	ims_import_result *out = im->out;
	ims_bulk_result r;

	if (!im->b)   /* a dry run */
		return rc;
	if (rc == 0 && (rc = ims_bulk_commit(im->b)))
		ims__xfail(&out->step, out->why, IMS_XSTEP_STORE, rc,
		           "cannot store the last messages of '%s': %s", path,
		           ims_strerror(rc));
	if (ims_bulk_result_get(&r, im->b) == 0) {
		out->stored = r.stored;
		out->existing = r.existing;
		out->commits = r.commits;
	}
	ims_bulk_free(im->b);
	im->b = NULL;
	return rc;
}

/* ---------------------------------------------------------------- archives */

typedef struct aimport {
	ims__importer im;
	const char *path;
	ims__arc_in in;
	ims__mf_reader *mr;
	int mf_fd;
	unsigned char *buf;      /* one message file */
	size_t cap;
	uint64_t seen;           /* message files read */
} aimport;

static int afail(aimport *x, ims_xstep step, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
afail(aimport *x, ims_xstep step, int rc, const char *fmt, ...)
{
	ims_import_result *out = x->im.out;
	va_list ap;

	out->step = step;
	va_start(ap, fmt);
	vsnprintf(out->why, sizeof(out->why), fmt, ap);
	va_end(ap);
	return rc;
}

/* The whole archive checked, a spool of its manifest kept, its layout raw;
 * then open to be read again. */
static int
verify_first(aimport *x)
{
	const ims_import_opts *o = &x->im.o;
	ims__verify_args a = { x->path, &o->limits, ims__tmpdir(o->tmpdir), o->problem,
	                       NULL, o->payload, &x->mf_fd };
	ims_archive_report r;
	char err[IMS__ARC_ERR];
	int rc = ims__arc_verify(&r, err, &a);

	if (rc)
		return afail(x, IMS_XSTEP_INPUT, rc < 0 ? IMS_INVALID : IMS_CORRUPT,
		             "'%s' %s: nothing imported", x->path, rc < 0 ? err
		             : "does not verify (its hashes or lists disagree, or the "
		             "store would refuse a message)");
	if (strcmp(r.layout, "raw") != 0)
		return afail(x, IMS_XSTEP_INPUT, IMS_INVALID, "'%s' has layout '%s': "
		             "only raw archives can be imported", x->path, r.layout);
	x->im.out->checked = r.messages;
	if (o->flags & IMS_IMPORT_DRY_RUN)
		return 0;
	if (lseek(x->mf_fd, 0, SEEK_SET) < 0 ||
	    ims__mf_read_open(&x->mr, x->mf_fd, err, sizeof(err)) ||
	    ims__arc_in_open(&x->in, x->path, &o->limits))
		return afail(x, IMS_XSTEP_INPUT, IMS_INVALID, "cannot read '%s' again: %s",
		             x->path, x->in.err[0] ? x->in.err : err);
	return 0;
}

/* The next message of the manifest: it must be the entry just read. */
static int
manifest_message(aimport *x, ims__mf_item *it)
{
	int rc;

	do {
		if ((rc = ims__mf_read_next(x->mr, it)))
			return afail(x, IMS_XSTEP_INPUT, IMS_INVALID, "'%s': manifest.xml: %s",
			             x->path, rc < 0 ? ims__mf_read_err(x->mr)
			             : "ends before the messages do");
	} while (it->kind != IMS__ARC_MESSAGE);
	if (strcmp(it->file, x->in.name) != 0)
		return afail(x, IMS_XSTEP_INPUT, IMS_CORRUPT, "'%s': the archive changed "
		             "since it was verified ('%s')", x->path, x->in.name);
	return 0;
}

/* The entry's bytes, whole, hashed again against the manifest. */
static int
read_entry(aimport *x, const ims__mf_item *it, uint64_t *got)
{
	struct sha256_ctx ctx;
	char hex[IMS__ARC_HEX + 1];
	long n = 0;

	if (it->size + 1 > x->cap) {
		unsigned char *p = realloc(x->buf, (size_t)it->size + 1);
		if (!p)
			return afail(x, IMS_XSTEP_STORE, ENOMEM, "'%s': %s: %s", x->path,
			             it->file, ims_strerror(ENOMEM));
		x->buf = p;
		x->cap = (size_t)it->size + 1;
	}
	*got = 0;
	while (*got <= it->size &&
	       (n = ims__arc_in_read(&x->in, x->buf + *got, it->size + 1 - *got)) > 0)
		*got += (uint64_t)n;
	if (n < 0 || *got != it->size)
		return afail(x, IMS_XSTEP_INPUT, IMS_INVALID, "'%s': %s", x->path,
		             n < 0 ? x->in.err : "an entry changed size");
	sha256_init(&ctx);
	sha256_update(&ctx, (size_t)*got, x->buf);
	ims__arc_hex(hex, &ctx);
	if (strcmp(hex, it->sha) != 0)
		return afail(x, IMS_XSTEP_INPUT, IMS_CORRUPT, "'%s': %s changed since it "
		             "was verified", x->path, it->file);
	return 0;
}

/* One message file: read whole, hashed again, stored as the manifest says. */
static int
import_entry(aimport *x)
{
	const ims_import_opts *o = &x->im.o;
	ims__mf_item it;
	ims_errinfo e;
	uint64_t got = 0;
	int rc;

	if ((rc = manifest_message(x, &it)) || (rc = read_entry(x, &it, &got)))
		return rc;
	ims__xprogress(o->progress, o->payload, ++x->seen, 0, 0);
	if ((rc = ims_bulk_put(x->im.b, &it.m, x->buf, (size_t)got))) {
		if (ims_msg_check(&it.m, &e) == 0)
			e.message[0] = '\0';
		return afail(x, IMS_XSTEP_STORE, rc, "'%s': cannot store %s%s%s: %s",
		             x->path, it.file, e.message[0] ? ": " : "", e.message,
		             ims_strerror(rc));
	}
	return 0;
}

static int
import_archive(aimport *x)
{
	const ims_import_opts *o = &x->im.o;
	int rc;

	if ((rc = verify_first(x)) || (o->flags & IMS_IMPORT_DRY_RUN))
		return rc;
	while ((rc = ims__arc_in_next(&x->in)) == 0)
		if (x->in.kind == IMS__ARC_MESSAGE && (rc = import_entry(x)))
			return rc;
	ims__xprogress(o->progress, o->payload, x->seen, 0, 1);
	if (rc < 0)
		return afail(x, IMS_XSTEP_INPUT, IMS_INVALID, "'%s': %s", x->path, x->in.err);
	return 0;
}

int
ims_archive_import(ims_import_result *out, ims_store *st, const char *path,
                   const ims_import_opts *opts)
{
	aimport x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.path = path;
	x.mf_fd = -1;
	if ((rc = ims__import_begin(&x.im, out, st, path, opts, IMS_BULK_KEEP_ID)))
		return rc;
	rc = ims__import_end(&x.im, import_archive(&x), path);
	ims__arc_in_close(&x.in);
	ims__mf_read_free(x.mr);
	if (x.mf_fd >= 0)
		close(x.mf_fd);
	free(x.buf);
	return rc;
}
