/* verify-archive.c - imstore verify-archive: check an export's manifest and
 * every SHA-256 without importing (no store needed); the check is
 * ims_archive_verify()'s. */
#include <string.h>

#include "archive-limits.h"
#include "cli.h"

static const cli_opt va_opts[] = {
	ARC_LIMIT_OPTS,
	OPT_END,
};

/* Text: "problem: what" */
static void
on_problem(const char *what, void *payload)
{
	cli *c = payload;
	printer *p = c->out;

	p->ops->begin_map(p);
	p->ops->key(p, "problem");
	p->ops->str(p, what);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static void
summary(cli *c, const char *path, const ims_archive_report *r)
{
	printer *p = c->out;

	if (c->format != FMT_JSON) {
		print_line(p, "archive '%s': %llu files, %llu messages, %llu transcripts, "
		           "layout %s: %s", path, (unsigned long long)r->files,
		           (unsigned long long)r->messages, (unsigned long long)r->transcripts,
		           r->layout, r->problems ? "PROBLEMS FOUND" : "every SHA-256 matches");
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "archive");
	p->ops->str(p, path);
	p->ops->key(p, "files");
	p->ops->integer(p, (int64_t)r->files);
	p->ops->key(p, "messages");
	p->ops->integer(p, (int64_t)r->messages);
	p->ops->key(p, "transcripts");
	p->ops->integer(p, (int64_t)r->transcripts);
	p->ops->key(p, "layout");
	p->ops->str(p, r->layout);
	p->ops->key(p, "problems");
	p->ops->integer(p, (int64_t)r->problems);
	p->ops->key(p, "ok");
	p->ops->boolean(p, r->problems == 0);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static int
run_verify_archive(cli *c)
{
	ims_archive_verify_opts o = IMS_ARCHIVE_VERIFY_OPTS_INIT;
	ims_archive_report r;
	int rc;

	o.problem = on_problem;
	o.payload = c;
	for (size_t i = 0; i < c->nopts; i++)
		arc_limit_option(&o.limits, &c->opts[i]);
	if (c->noperands != 1) {
		cli_err("verify-archive takes one FILE");
		return EXIT_USAGE;
	}
	rc = ims_archive_verify(&r, c->operands[0], &o);
	if (rc && rc != IMS_CORRUPT) {
		cli_err("%s", r.why);
		return cli_exit_input(rc);
	}
	summary(c, c->operands[0], &r);
	return rc ? EXIT_DATAERR : EXIT_OK;
}

const cli_cmd cmd_verify_archive = {
	"verify-archive", run_verify_archive, "FILE",
	"check an export archive's manifest and every SHA-256, without a store",
	va_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
