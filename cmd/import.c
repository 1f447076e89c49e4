/* import.c - imstore import: an export archive, verified whole before
 * anything is stored, then stored exactly (ids, metadata, bytes) in bulk
 * commits; or, with --from-msilo, Kamailio's msilo table.  The work is
 * ims_archive_import()'s and ims_msilo_import()'s; the command reads its
 * options, shows progress on a terminal and reports. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "archive-limits.h"

enum { IM_MSILO = 100, IM_BATCH, IM_SKIP, IM_DRY };

static const cli_opt import_opts[] = {
	OPT_KEYWORD(IM_MSILO, 0, "from-msilo", "FORM", "mysql tabs csv",
	  "FILE is a dump of Kamailio's msilo table, as mysql -B, sqlite3 -separator "
	  "TAB or sqlite3 -csv prints it"),
	OPT_FLAG(IM_SKIP, 0, "skip-bad",
	  "msilo: store the valid rows, list the refused ones (default: all or nothing)"),
	OPT_FLAG(IM_DRY, 'n', "dry-run", "check everything, store nothing"),
	OPT_NUMBER(IM_BATCH, 0, "batch", "N", 1, 1000000, "messages per commit (default 1000)"),
	ARC_LIMIT_OPTS,
	OPT_END,
};

typedef struct import {
	cli *c;
	const char *path;
	int msilo;
	ims_import_opts o;
	ims_store *st;
	int tty;                 /* progress on stderr */
} import;

static int
parse_opts(import *x, cli *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		if (arc_limit_option(&x->o.limits, o))
			continue;
		if (o->id == IM_MSILO) {
			x->msilo = 1;
			x->o.msilo_form = (ims_msilo_form)(IMS_MSILO_MYSQL + o->word);
		}
		if (o->id == IM_SKIP)
			x->o.flags |= IMS_IMPORT_SKIP_BAD;
		if (o->id == IM_DRY)
			x->o.flags |= IMS_IMPORT_DRY_RUN;
		if (o->id == IM_BATCH)
			x->o.batch = (size_t)o->n;
	}
	if ((x->o.flags & IMS_IMPORT_SKIP_BAD) && !x->msilo) {
		cli_err("--skip-bad is for an msilo dump (--from-msilo): an archive is "
		        "imported whole or not at all");
		return EXIT_USAGE;
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

static void
on_skipped(const char *what, void *payload)
{
	(void)payload;
	cli_err("skipped %s", what);
}

/* On a terminal: every 256 message files, cleared at the end. */
static void
on_progress(const ims_progress *p, void *payload)
{
	import *x = payload;

	if (!x->tty)
		return;
	if (p->done) {
		if (p->messages >= 256)
			fputs("\r\033[K", stderr);
	} else if ((p->messages & 255) == 0) {
		fprintf(stderr, "\rimstore: import: %llu messages\033[K",
		        (unsigned long long)p->messages);
	}
}

static void
report_text(import *x, const ims_import_result *r)
{
	printer *p = x->c->out;
	int dry = (x->o.flags & IMS_IMPORT_DRY_RUN) != 0;
	uint64_t n = dry ? r->checked : r->stored;

	print_text(p, "%s %llu message%s from '%s' (", dry ? "would import" : "imported",
	           (unsigned long long)n, n == 1 ? "" : "s", x->path);
	if (dry)
		print_text(p, "dry run, nothing stored");
	else
		print_text(p, "%llu already there", (unsigned long long)r->existing);
	if (x->msilo)
		print_text(p, ", %llu expired", (unsigned long long)r->expired);
	if (x->o.flags & IMS_IMPORT_SKIP_BAD)
		print_text(p, ", %llu skipped", (unsigned long long)r->skipped);
	if (dry)
		print_line(p, ")");
	else
		print_line(p, ") in %llu commit%s", (unsigned long long)r->commits,
		           r->commits == 1 ? "" : "s");
}

static void
json_count(printer *p, const char *key, uint64_t n)
{
	p->ops->key(p, key);
	p->ops->integer(p, (int64_t)n);
}

static void
report(import *x, const ims_import_result *r)
{
	printer *p = x->c->out;

	if (x->c->format != FMT_JSON) {
		report_text(x, r);
		return;
	}
	p->ops->begin_map(p);
	json_count(p, "imported", r->stored);
	json_count(p, "existing", r->existing);
	if (x->msilo)
		json_count(p, "expired", r->expired);
	if (x->o.flags & IMS_IMPORT_SKIP_BAD)
		json_count(p, "skipped", r->skipped);
	if (x->o.flags & IMS_IMPORT_DRY_RUN)
		json_count(p, "checked", r->checked);
	json_count(p, "commits", r->commits);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static void
audit(import *x, const ims_import_result *r)
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
	ims_import_result *r = calloc(1, sizeof(*r));
	int rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.o = (ims_import_opts)IMS_IMPORT_OPTS_INIT;
	x.o.problem = on_problem;
	x.o.skipped = on_skipped;
	x.o.payload = &x;
	x.tty = isatty(STDERR_FILENO);
	if (!r)
		return EXIT_OSERR;
	if ((rc = parse_opts(&x, c)) || (rc = cli_open(&x.st, c, 0)))
		goto out;
	if (!x.msilo)
		x.o.progress = on_progress;
	rc = x.msilo ? ims_msilo_import(r, x.st, x.path, &x.o)
	             : ims_archive_import(r, x.st, x.path, &x.o);
	if (rc)
		cli_err("%s", r->why);
	if (r->stored)
		audit(&x, r);
	/* rows seen, as the check before storing counts them (a dry run too) */
	if (rc == 0 && x.msilo && r->checked + r->expired + r->skipped == 0) {
		cli_err("no message found in %s: nothing imported", cli_quote(x.path));
		rc = EXIT_DATAERR; /* an empty dump, or not the one meant */
	} else if (rc == 0) {
		report(&x, r);
	} else {
		if (r->stored)
			cli_err("%llu messages were stored before the error; importing again "
			        "stores the rest", (unsigned long long)r->stored);
		rc = r->step == IMS_XSTEP_INPUT ? cli_exit_input(rc) : cli_exit_code(rc);
	}
out:
	ims_store_close(x.st);
	free(r);
	return rc;
}

const cli_cmd cmd_import = {
	"import", run_import, "FILE",
	"store the messages of an export archive, or of a Kamailio msilo dump",
	import_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
