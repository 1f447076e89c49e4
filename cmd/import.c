/* import.c - imstore import: an export archive, verified whole before
 * anything is stored, then stored exactly (ids, metadata, bytes) in bulk
 * commits; or, with --from-msilo, Kamailio's msilo table. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"
#include "msilo.h"

enum { IM_MSILO = 100, IM_BATCH };

static const cli_opt import_opts[] = {
	OPT_FLAG(IM_MSILO, 0, "from-msilo",
	  "FILE is a tab-separated dump of Kamailio's msilo table"),
	OPT_NUMBER(IM_BATCH, 0, "batch", "N", 1, 1000000, "messages per commit (default 1000)"),
	ARC_LIMIT_OPTS,
	OPT_END,
};

typedef struct import {
	cli *c;
	const char *path;
	arc_limits lim;
	int msilo;
	ims_bulk_opts bo;
	ims_store *st;
	ims_bulk *b;
	arc_in in;
	mf_reader *mr;
	int mf_fd;
	unsigned char *buf;      /* one message file */
	size_t cap;
	uint64_t expired;        /* msilo rows past their expiry */
	uint64_t seen;           /* message files read */
	int tty;                 /* progress on stderr */
} import;

static int
parse_opts(import *x, cli *c)
{
	uint64_t v;
	int rc;

	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		if ((rc = arc_limit_option(&x->lim, o)) == EXIT_USAGE)
			return rc;
		if (o->id == IM_MSILO)
			x->msilo = 1;
		if (o->id == IM_BATCH) {
			if (cli_parse_u64(&v, o->val) || v == 0 || v > 1000000) {
				cli_err("invalid number '%s' for --batch", o->val);
				return EXIT_USAGE;
			}
			x->bo.batch = (size_t)v;
		}
	}
	if (c->noperands != 1) {
		cli_err("import takes one FILE");
		return EXIT_USAGE;
	}
	x->path = c->operands[0];
	return 0;
}

static void
on_problem(const char *what, void *payload)
{
	(void)payload;
	cli_err("verify: %s", what);
}

/* The next message of the manifest: it must be the entry just read. */
static int
manifest_message(import *x, mf_item *it)
{
	int rc;

	do {
		if ((rc = mf_read_next(x->mr, it))) {
			cli_err("'%s': manifest.xml: %s", x->path,
			        rc < 0 ? mf_read_err(x->mr) : "ends before the messages do");
			return EXIT_ERR;
		}
	} while (it->kind != ARC_MESSAGE);
	if (strcmp(it->file, x->in.name) != 0) {
		cli_err("'%s': the archive changed since it was verified ('%s')", x->path,
		        x->in.name);
		return EXIT_ERR;
	}
	return 0;
}

/* One message file: read whole, hashed again, stored as the manifest says. */
static int
import_entry(import *x)
{
	struct sha256_ctx ctx;
	char hex[ARC_HEX + 1];
	uint64_t got = 0;
	mf_item it;
	long n;
	int rc;

	if ((rc = manifest_message(x, &it)))
		return rc;
	if (it.size + 1 > x->cap) {
		unsigned char *p = realloc(x->buf, (size_t)it.size + 1);
		if (!p)
			return cli_fail(ENOMEM, "'%s': %s", x->path, it.file);
		x->buf = p;
		x->cap = (size_t)it.size + 1;
	}
	sha256_init(&ctx);
	while (got <= it.size &&
	       (n = arc_in_read(&x->in, x->buf + got, it.size + 1 - got)) > 0)
		got += (uint64_t)n;
	if (n < 0 || got != it.size) {
		cli_err("'%s': %s", x->path, n < 0 ? x->in.err : "an entry changed size");
		return EXIT_ERR;
	}
	sha256_update(&ctx, (size_t)got, x->buf);
	arc_hex(hex, &ctx);
	if (strcmp(hex, it.sha) != 0) {
		cli_err("'%s': %s changed since it was verified", x->path, it.file);
		return EXIT_ERR;
	}
	if (x->tty && (++x->seen & 255) == 0)
		fprintf(stderr, "\rimstore: import: %llu messages\033[K",
		        (unsigned long long)x->seen);
	if ((rc = ims_bulk_put(x->b, &it.m, x->buf, (size_t)got))) {
		ims_errinfo e;
		if (ims_msg_check(&it.m, &e) == 0)
			e.message[0] = '\0';
		return cli_fail(rc, "'%s': cannot store %s%s%s", x->path, it.file,
		                e.message[0] ? ": " : "", e.message);
	}
	return 0;
}

static int
import_archive(import *x)
{
	arc_report r;
	int rc;

	rc = arc_verify(&r, x->path, &x->lim, arc_tmpdir(), on_problem, NULL, &x->mf_fd);
	if (rc) {
		cli_err("'%s' %s: nothing imported", x->path, rc < 0 ? r.err
		        : "does not verify (its hashes or lists disagree)");
		return EXIT_ERR;
	}
	if (strcmp(r.layout, "raw") != 0) {
		cli_err("'%s' has layout '%s': only raw archives can be imported", x->path,
		        r.layout);
		return EXIT_ERR;
	}
	if (lseek(x->mf_fd, 0, SEEK_SET) < 0 ||
	    mf_read_open(&x->mr, x->mf_fd, r.err, sizeof(r.err)) ||
	    arc_in_open(&x->in, x->path, &x->lim)) {
		cli_err("cannot read '%s' again: %s", x->path, x->in.err[0] ? x->in.err : r.err);
		return EXIT_ERR;
	}
	while ((rc = arc_in_next(&x->in)) == 0)
		if (x->in.kind == ARC_MESSAGE && (rc = import_entry(x)))
			return rc;
	if (x->tty && x->seen >= 256)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		cli_err("'%s': %s", x->path, x->in.err);
		return EXIT_ERR;
	}
	return 0;
}

static void
report(import *x, const ims_bulk_result *r)
{
	printer *p = x->c->out;

	if (x->c->format != FMT_JSON) {
		printf("imported %llu message%s from '%s' (%llu already there",
		       (unsigned long long)r->stored, r->stored == 1 ? "" : "s", x->path,
		       (unsigned long long)r->existing);
		if (x->msilo)
			printf(", %llu expired", (unsigned long long)x->expired);
		printf(") in %llu commit%s\n", (unsigned long long)r->commits,
		       r->commits == 1 ? "" : "s");
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "imported");
	p->ops->integer(p, (int64_t)r->stored);
	p->ops->key(p, "existing");
	p->ops->integer(p, (int64_t)r->existing);
	if (x->msilo) {
		p->ops->key(p, "expired");
		p->ops->integer(p, (int64_t)x->expired);
	}
	p->ops->key(p, "commits");
	p->ops->integer(p, (int64_t)r->commits);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static void
audit(import *x, const ims_bulk_result *r)
{
	ims_audit_entry e = { 0, "import", NULL, x->path,
	                      x->msilo ? "from msilo" : NULL, r->stored, 0 };
	int rc;

	if (r->stored && (rc = ims_audit_record(x->st, &e)))
		cli_fail(rc, "imported, but cannot record it in the audit trail");
}

static int
run_import(cli *c)
{
	import x;
	ims_bulk_result r = { 0, 0, 0, 0 };
	arc_limits lim = ARC_LIMITS_INIT;
	int rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.lim = lim;
	x.mf_fd = -1;
	x.tty = isatty(STDERR_FILENO);
	x.bo = (ims_bulk_opts)IMS_BULK_OPTS_INIT;
	if ((rc = parse_opts(&x, c)) || (rc = cli_open(&x.st, c, 0)))
		goto out;
	if (!x.msilo)
		x.bo.flags = IMS_BULK_KEEP_ID;
	if ((rc = ims_bulk_open(&x.b, x.st, &x.bo))) {
		rc = cli_fail(rc, "cannot import into '%s'", c->store_path);
		goto out;
	}
	rc = x.msilo ? msilo_import(x.b, x.path, &x.expired) : import_archive(&x);
	if (rc == 0 && (rc = ims_bulk_commit(x.b)))
		rc = cli_fail(rc, "cannot store the last messages of '%s'", x.path);
	ims_bulk_result_get(&r, x.b);
	if (r.stored)
		audit(&x, &r);
	if (rc == 0)
		report(&x, &r);
	else if (r.stored)
		cli_err("%llu messages were stored before the error; importing again "
		        "stores the rest", (unsigned long long)r.stored);
out:
	ims_bulk_free(x.b);
	arc_in_close(&x.in);
	mf_read_free(x.mr);
	if (x.mf_fd >= 0)
		close(x.mf_fd);
	free(x.buf);
	ims_store_close(x.st);
	return rc;
}

const cli_cmd cmd_import = {
	"import", run_import, "FILE",
	"store the messages of an export archive, or of a Kamailio msilo dump",
	import_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
