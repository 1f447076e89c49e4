/* archive-verify.c - checking an export archive against itself: what
 * ims_archive_verify() reports, an import requires and an export's
 * IMS_EXPORT_DELETE_AFTER waits for.  One pass over the archive; the lists
 * are spooled, never held in memory. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exchange.h"

typedef struct vstate {
	ims_archive_report *r;
	char *err;                      /* IMS__ARC_ERR bytes */
	const ims__verify_args *a;
	ims__arc_in in;
	int computed, manifest, sums;   /* spools */
	int have_manifest, have_sums;
	uint64_t seen;                  /* message files read */
	unsigned char buf[65536];
} vstate;

static int vrefuse(vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
vrefuse(vstate *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->err, IMS__ARC_ERR, fmt, ap);
	va_end(ap);
	return -1;
}

static void vproblem(vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
vproblem(vstate *v, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->r->problems++;
	if (v->a->problem)
		v->a->problem(msg, v->a->payload);
}

static int
spool_write(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read one entry: its hash, and its bytes into a spool when asked. */
static int
read_entry(vstate *v, int copy_to, char hex[IMS__ARC_HEX + 1])
{
	unsigned char *buf = v->buf;
	struct sha256_ctx ctx;
	long n;

	sha256_init(&ctx);
	while ((n = ims__arc_in_read(&v->in, buf, sizeof(v->buf))) > 0) {
		sha256_update(&ctx, (size_t)n, buf);
		if (copy_to >= 0 && spool_write(copy_to, buf, (size_t)n))
			return vrefuse(v, "cannot spool '%s': %s", v->in.name, strerror(errno));
	}
	if (n < 0)
		return vrefuse(v, "%s", v->in.err);
	ims__arc_hex(hex, &ctx);
	return 0;
}

static int
scan(vstate *v)
{
	char hex[IMS__ARC_HEX + 1], line[IMS__ARC_HEX + 64 + 4096];
	int rc;

	while ((rc = ims__arc_in_next(&v->in)) == 0) {
		if (v->have_sums)
			return vrefuse(v, "entry '%.200s' after SHA256SUMS", v->in.name);
		if (v->in.kind == IMS__ARC_SUMS) {
			v->have_sums = 1;
			if (read_entry(v, v->sums, hex))
				return -1;
			continue;
		}
		if (v->in.kind == IMS__ARC_MANIFEST && v->have_manifest++)
			return vrefuse(v, "two manifest.xml entries");
		if (read_entry(v, v->in.kind == IMS__ARC_MANIFEST ? v->manifest : -1, hex))
			return -1;
		v->r->files++;
		v->r->bytes += v->in.entry_bytes;
		if (v->in.kind == IMS__ARC_MESSAGE)
			ims__xprogress(v->a->progress, v->a->payload, ++v->seen,
			               v->r->bytes, 0);
		snprintf(line, sizeof(line), "%s %llu %s\n", hex,
		         (unsigned long long)v->in.entry_bytes, v->in.name);
		if (spool_write(v->computed, line, strlen(line)))
			return vrefuse(v, "cannot spool the list of files: %s", strerror(errno));
	}
	if (rc < 0)
		return vrefuse(v, "%s", v->in.err);
	if (!v->have_manifest || !v->have_sums)
		return vrefuse(v, "no %s (not an imstore export, or truncated)",
		               v->have_manifest ? "SHA256SUMS" : "manifest.xml");
	return 0;
}

static FILE *
reopen(int fd)
{
	int d = dup(fd);
	FILE *f;

	if (d < 0 || lseek(d, 0, SEEK_SET) < 0 || !(f = fdopen(d, "r"))) {
		if (d >= 0)
			close(d);
		return NULL;
	}
	return f;
}

typedef struct cline {
	char hex[IMS__ARC_HEX + 1];
	unsigned long long size;
	char name[4096];
} cline;

static int
next_computed(FILE *f, cline *c)
{
	char line[IMS__ARC_HEX + 64 + 4096];

	if (!fgets(line, sizeof(line), f))
		return 1;
	line[strcspn(line, "\n")] = '\0';
	return sscanf(line, "%64s %llu %4095s", c->hex, &c->size, c->name) == 3 ? 0 : -1;
}

/* SHA256SUMS against the hashes computed, line by line in archive order. */
static int
check_sums(vstate *v)
{
	FILE *c = reopen(v->computed), *s = reopen(v->sums);
	char line[IMS__ARC_HEX + 4096 + 8];
	cline cl;
	int rc = 0;

	if (!c || !s) {
		rc = vrefuse(v, "cannot read the spooled lists");
		goto out;
	}
	while (next_computed(c, &cl) == 0) {
		if (!fgets(line, sizeof(line), s)) {
			vproblem(v, "%s: not in SHA256SUMS", cl.name);
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) < IMS__ARC_HEX + 3 || line[IMS__ARC_HEX] != ' ' ||
		    (line[IMS__ARC_HEX + 1] != ' ' && line[IMS__ARC_HEX + 1] != '*')) {
			rc = vrefuse(v, "SHA256SUMS: malformed line '%.80s'", line);
			goto out;
		}
		if (strcmp(line + IMS__ARC_HEX + 2, cl.name) != 0) {
			vproblem(v, "SHA256SUMS lists '%.200s' where the archive has '%.200s'",
			         line + IMS__ARC_HEX + 2, cl.name);
			continue;
		}
		if (strncmp(line, cl.hex, IMS__ARC_HEX) != 0)
			vproblem(v, "%s: SHA-256 does not match SHA256SUMS", cl.name);
	}
	while (fgets(line, sizeof(line), s))
		vproblem(v, "SHA256SUMS lists a file the archive does not hold: '%.200s'",
		         line + (strlen(line) > IMS__ARC_HEX + 2 ? IMS__ARC_HEX + 2 : 0));
out:
	if (c)
		fclose(c);
	if (s)
		fclose(s);
	return rc;
}

/* What storing checks (ims_bulk_put(): ims_msg_check() and the body's
 * size), so that an archive that verifies imports whole. */
static void
check_message(vstate *v, const ims__mf_item *it)
{
	ims_errinfo e;

	v->r->messages++;
	if (ims_msg_check(&it->m, &e))
		vproblem(v, "%s: the store would refuse this message: %s", it->file,
		         e.message);
	else if (it->size > IMS_BODY_MAX)
		vproblem(v, "%s: the store would refuse this message: a body over %zu "
		         "bytes", it->file, IMS_BODY_MAX);
}

static int
check_item(vstate *v, FILE *c, const ims__mf_item *it)
{
	cline cl;

	do {
		if (next_computed(c, &cl)) {
			vproblem(v, "the manifest lists '%.200s', which is not in the archive",
			         it->file);
			return 0;
		}
	} while (strcmp(cl.name, "manifest.xml") == 0);
	if (strcmp(cl.name, it->file) != 0) {
		vproblem(v, "the manifest lists '%.200s' where the archive has '%.200s'",
		         it->file, cl.name);
		return 0;
	}
	if (strcmp(cl.hex, it->sha) != 0)
		vproblem(v, "%s: SHA-256 does not match the manifest", it->file);
	else if (cl.size != it->size)
		vproblem(v, "%s: %llu bytes, the manifest says %llu", it->file, cl.size,
		         (unsigned long long)it->size);
	if (it->kind == IMS__ARC_MESSAGE)
		check_message(v, it);
	else
		v->r->transcripts++;
	return 0;
}

/* The manifest's files, hashes and sizes against the archive's. */
static int
check_manifest(vstate *v)
{
	FILE *c = reopen(v->computed);
	ims__mf_reader *mr = NULL;
	ims__mf_item it;
	cline cl;
	int rc;

	if (!c || lseek(v->manifest, 0, SEEK_SET) < 0 ||
	    ims__mf_read_open(&mr, v->manifest, v->err, IMS__ARC_ERR)) {
		rc = v->err[0] ? -1 : vrefuse(v, "cannot read the manifest");
		goto out;
	}
	while ((rc = ims__mf_read_next(mr, &it)) == 0)
		check_item(v, c, &it);
	if (rc < 0) {
		rc = vrefuse(v, "manifest.xml: %s", ims__mf_read_err(mr));
		goto out;
	}
	rc = 0;
	snprintf(v->r->layout, sizeof(v->r->layout), "%s", ims__mf_read_layout(mr));
	while (next_computed(c, &cl) == 0)
		if (strcmp(cl.name, "manifest.xml") != 0)
			vproblem(v, "%s: in the archive, not in the manifest", cl.name);
out:
	ims__mf_read_free(mr);
	if (c)
		fclose(c);
	return rc;
}

static int
spools_open(vstate *v)
{
	const char *dir = v->a->spooldir;

	v->computed = ims__arc_spool(dir);
	v->manifest = ims__arc_spool(dir);
	v->sums = ims__arc_spool(dir);
	if (v->computed < 0 || v->manifest < 0 || v->sums < 0)
		return vrefuse(v, "cannot create a temporary file in '%s': %s", dir,
		               strerror(errno));
	return 0;
}

static void
spools_close(vstate *v)
{
	if (v->computed >= 0)
		close(v->computed);
	if (v->manifest >= 0)
		close(v->manifest);
	if (v->sums >= 0)
		close(v->sums);
}

int
ims__arc_verify(ims_archive_report *r, char *err, const ims__verify_args *a)
{
	vstate v;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&v, 0, offsetof(vstate, buf));
	v.r = r;
	v.err = err;
	v.a = a;
	err[0] = '\0';
	if (a->manifest_fd)
		*a->manifest_fd = -1;
	if ((rc = spools_open(&v)))
		goto out;
	if ((rc = ims__arc_names_check(a->path, a->lim, v.in.err, sizeof(v.in.err)))) {
		rc = rc < 0 ? vrefuse(&v, "%s", v.in.err) : vrefuse(&v, "%s", strerror(rc));
		goto out;
	}
	if (ims__arc_in_open(&v.in, a->path, a->lim)) {
		rc = vrefuse(&v, "%s", v.in.err);
		goto out;
	}
	if ((rc = scan(&v)) || (rc = check_sums(&v)) || (rc = check_manifest(&v)))
		goto out;
	rc = r->problems ? 1 : 0;
	ims__xprogress(a->progress, a->payload, v.seen, r->bytes, 1);
	if (a->manifest_fd) {
		*a->manifest_fd = v.manifest;
		v.manifest = -1;
	}
out:
	ims__arc_in_close(&v.in);
	spools_close(&v);
	return rc;
}

int
ims_archive_verify(ims_archive_report *out, const char *path,
                   const ims_archive_verify_opts *opts)
{
	ims_archive_verify_opts o = IMS_ARCHIVE_VERIFY_OPTS_INIT;
	ims__verify_args a;
	char err[IMS__ARC_ERR];
	int rc;

	if (!out)
		return IMS_INVALID;
	memset(out, 0, sizeof(*out));
	if (!path || (opts && opts->version < 1))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, IMS_INVALID,
		                  "cannot verify: no archive or invalid options");
	if (opts)
		o = *opts;
	memset(&a, 0, sizeof(a));
	a.path = path;
	a.lim = &o.limits;
	a.spooldir = ims__tmpdir(o.tmpdir);
	a.problem = o.problem;
	a.progress = o.progress;
	a.payload = o.payload;
	rc = ims__arc_verify(out, err, &a);
	if (rc < 0)
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, IMS_INVALID,
		                  "cannot verify '%s': %s", path, err);
	return rc ? IMS_CORRUPT : 0;
}
