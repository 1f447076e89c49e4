/* arcverify.c - checking an export archive against itself: what
 * verify-archive reports, import requires and export --delete-after waits
 * for.  One pass over the archive; the lists are spooled, never held in
 * memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"

typedef struct vstate {
	arc_report *r;
	arc_in in;
	int computed, manifest, sums;   /* spools */
	int have_manifest, have_sums;
	arc_problem_cb cb;
	void *payload;
	unsigned char buf[65536];
} vstate;

static int vrefuse(vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
vrefuse(vstate *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->r->err, sizeof(v->r->err), fmt, ap);
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
	if (v->cb)
		v->cb(msg, v->payload);
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
read_entry(vstate *v, int copy_to, char hex[ARC_HEX + 1])
{
	unsigned char *buf = v->buf;
	struct sha256_ctx ctx;
	long n;

	sha256_init(&ctx);
	while ((n = arc_in_read(&v->in, buf, sizeof(v->buf))) > 0) {
		sha256_update(&ctx, (size_t)n, buf);
		if (copy_to >= 0 && spool_write(copy_to, buf, (size_t)n))
			return vrefuse(v, "cannot spool '%s': %s", v->in.name, strerror(errno));
	}
	if (n < 0)
		return vrefuse(v, "%s", v->in.err);
	arc_hex(hex, &ctx);
	return 0;
}

static int
scan(vstate *v)
{
	char hex[ARC_HEX + 1], line[ARC_HEX + 64 + 4096];
	int rc;

	while ((rc = arc_in_next(&v->in)) == 0) {
		if (v->have_sums)
			return vrefuse(v, "entry '%.200s' after SHA256SUMS", v->in.name);
		if (v->in.kind == ARC_SUMS) {
			v->have_sums = 1;
			if (read_entry(v, v->sums, hex))
				return -1;
			continue;
		}
		if (v->in.kind == ARC_MANIFEST && v->have_manifest++)
			return vrefuse(v, "two manifest.xml entries");
		if (read_entry(v, v->in.kind == ARC_MANIFEST ? v->manifest : -1, hex))
			return -1;
		v->r->files++;
		v->r->bytes += v->in.entry_bytes;
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
	char hex[ARC_HEX + 1];
	unsigned long long size;
	char name[4096];
} cline;

static int
next_computed(FILE *f, cline *c)
{
	char line[ARC_HEX + 64 + 4096];

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
	char line[ARC_HEX + 4096 + 8];
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
		if (strlen(line) < ARC_HEX + 3 || line[ARC_HEX] != ' ' ||
		    (line[ARC_HEX + 1] != ' ' && line[ARC_HEX + 1] != '*')) {
			rc = vrefuse(v, "SHA256SUMS: malformed line '%.80s'", line);
			goto out;
		}
		if (strcmp(line + ARC_HEX + 2, cl.name) != 0) {
			vproblem(v, "SHA256SUMS lists '%.200s' where the archive has '%.200s'",
			         line + ARC_HEX + 2, cl.name);
			continue;
		}
		if (strncmp(line, cl.hex, ARC_HEX) != 0)
			vproblem(v, "%s: SHA-256 does not match SHA256SUMS", cl.name);
	}
	while (fgets(line, sizeof(line), s))
		vproblem(v, "SHA256SUMS lists a file the archive does not hold: '%.200s'",
		         line + (strlen(line) > ARC_HEX + 2 ? ARC_HEX + 2 : 0));
out:
	if (c)
		fclose(c);
	if (s)
		fclose(s);
	return rc;
}

static int
check_item(vstate *v, FILE *c, const mf_item *it)
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
	if (it->kind == ARC_MESSAGE)
		v->r->messages++;
	else
		v->r->transcripts++;
	return 0;
}

/* The manifest's files, hashes and sizes against the archive's. */
static int
check_manifest(vstate *v)
{
	FILE *c = reopen(v->computed);
	mf_reader *mr = NULL;
	mf_item it;
	cline cl;
	int rc;

	if (!c || lseek(v->manifest, 0, SEEK_SET) < 0 ||
	    mf_read_open(&mr, v->manifest, v->r->err, sizeof(v->r->err))) {
		rc = v->r->err[0] ? -1 : vrefuse(v, "cannot read the manifest");
		goto out;
	}
	while ((rc = mf_read_next(mr, &it)) == 0)
		check_item(v, c, &it);
	if (rc < 0) {
		rc = vrefuse(v, "manifest.xml: %s", mf_read_err(mr));
		goto out;
	}
	rc = 0;
	snprintf(v->r->layout, sizeof(v->r->layout), "%s", mf_read_layout(mr));
	while (next_computed(c, &cl) == 0)
		if (strcmp(cl.name, "manifest.xml") != 0)
			vproblem(v, "%s: in the archive, not in the manifest", cl.name);
out:
	mf_read_free(mr);
	if (c)
		fclose(c);
	return rc;
}

int
arc_verify(arc_report *r, const char *path, const arc_limits *lim,
           const char *spooldir, arc_problem_cb cb, void *payload,
           int *manifest_fd)
{
	vstate v;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&v, 0, offsetof(vstate, buf));
	v.r = r;
	v.cb = cb;
	v.payload = payload;
	if (manifest_fd)
		*manifest_fd = -1;
	v.computed = arc_spool(spooldir);
	v.manifest = arc_spool(spooldir);
	v.sums = arc_spool(spooldir);
	if (v.computed < 0 || v.manifest < 0 || v.sums < 0) {
		rc = vrefuse(&v, "cannot create a temporary file in '%s': %s", spooldir,
		             strerror(errno));
		goto out;
	}
	if (arc_in_open(&v.in, path, lim)) {
		rc = vrefuse(&v, "%s", v.in.err);
		goto out;
	}
	if ((rc = scan(&v)) || (rc = check_sums(&v)) || (rc = check_manifest(&v)))
		goto out;
	rc = r->problems ? 1 : 0;
	if (manifest_fd) {
		*manifest_fd = v.manifest;
		v.manifest = -1;
	}
out:
	arc_in_close(&v.in);
	if (v.computed >= 0)
		close(v.computed);
	if (v.manifest >= 0)
		close(v.manifest);
	if (v.sums >= 0)
		close(v.sums);
	return rc;
}

int
arc_limit_option(arc_limits *l, const cli_arg *o)
{
	static const char *const names[] = { "max-entries", "max-bytes",
		"max-entry-size", "max-ratio" };
	uint64_t v;

	if (o->id < LIM_ENTRIES || o->id > LIM_RATIO)
		return 0;
	if (cli_parse_u64(&v, o->val) || v == 0) {
		cli_err("invalid number '%s' for --%s", o->val, names[o->id - LIM_ENTRIES]);
		return EXIT_USAGE;
	}
	switch (o->id) {
	case LIM_ENTRIES: l->max_entries = v; break;
	case LIM_TOTAL: l->max_total = v; break;
	case LIM_ENTRY: l->max_entry = v; break;
	default: l->max_ratio = v; break;
	}
	return 1;
}

const char *
arc_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}
