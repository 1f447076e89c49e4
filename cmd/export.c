/* export.c - imstore export: the messages a filter selects, with their
 * transcripts, a manifest and SHA256SUMS, in a tar or zip archive that any
 * tool opens (imstore-export(5)).  The work is ims_archive_export()'s; the
 * command reads its options, shows progress on a terminal and reports. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "imstore-exchange.h"

enum { EX_OUTPUT = 100, EX_ARCHIVE, EX_COMPRESS, EX_LEVEL, EX_LAYOUT, EX_FORCE,
       EX_DELETE, EX_GROWTH };

/* --archive, --compress, --layout: the default first, the word that sets
 * the flag second */
static const cli_opt export_opts[] = {
	OPT_FILE(EX_OUTPUT, 'o', "output", "FILE",
	  "write the archive to FILE (required); a name ending .zip, .tar, .tar.gz or .tgz sets the format"),
	OPT_KEYWORD(EX_ARCHIVE, 0, "archive", "TYPE", "tar zip",
	  "archive type, tar (pax) by default or as FILE is named"),
	OPT_KEYWORD(EX_COMPRESS, 0, "compress", "METHOD", "gzip none",
	  "compression, gzip by default or as FILE is named"),
	OPT_NUMBER(EX_LEVEL, 0, "level", "N", 1, 9, "compression level, 1 (fast) to 9 (small); default 6"),
	OPT_KEYWORD(EX_LAYOUT, 0, "layout", "LAYOUT", "raw eml",
	  "message files as stored (raw, the default) or as RFC 5322 messages"),
	OPT_FLAG(EX_FORCE, 'f', "force", "replace FILE if it exists"),
	OPT_FLAG(EX_DELETE, 0, "delete-after",
	  "then delete the exported messages (the archive complete, synced and verified)"),
	OPT_NUMBER(EX_GROWTH, 0, "max-growth", "MB", 1, 1u << 30,
	  "give up when the store file grows by more than MB meanwhile (default 1024)"),
	OPT_END,
};

typedef struct export {
	cli *c;
	ims_store *st;
	ims_filter *f;
	char *expr;              /* the filter as given, "" for all */
	const char *output;
	int archive, compress;   /* --archive, --compress: 0 not given, else
	                            the word's index + 1 */
	ims_export_opts o;
	int tty;
	int64_t shown;           /* last progress line, µs */
} export;

/* What an output name says, as bsdtar -a reads it: archive (1 tar, 2 zip)
 * and compression (1 gzip, 2 none, 0 the member's own: zip); archive 0:
 * a name that says nothing, -1: a kind export does not write. */
static const struct name_kind {
	const char *suffix;
	int archive, compress;
} name_kinds[] = {
	{ ".tar.gz", 1, 1 }, { ".tgz", 1, 1 }, { ".tar", 1, 2 }, { ".zip", 2, 0 },
	{ ".tar.bz2", -1, 0 }, { ".tbz", -1, 0 }, { ".tbz2", -1, 0 },
	{ ".tar.xz", -1, 0 }, { ".txz", -1, 0 }, { ".tar.zst", -1, 0 },
	{ ".tzst", -1, 0 }, { ".tar.lz", -1, 0 }, { ".tar.lzma", -1, 0 },
	{ ".tar.z", -1, 0 }, { ".taz", -1, 0 }, { ".7z", -1, 0 }, { ".rar", -1, 0 },
	{ ".cpio", -1, 0 }, { ".gz", -1, 0 },
};

static const struct name_kind *
name_kind(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(name_kinds) / sizeof(name_kinds[0]); i++) {
		size_t k = strlen(name_kinds[i].suffix);
		if (n > k && strcasecmp(path + n - k, name_kinds[i].suffix) == 0)
			return &name_kinds[i];
	}
	return NULL;
}

/* The archive and compression the name says, unless an option says
 * otherwise: then a usage error, as for a name of a kind not written. */
static int
format_from_name(export *x)
{
	static const char *const said[] = { "a zip file", "a gzipped tar file",
	                                     "an uncompressed tar file" };
	const struct name_kind *k = name_kind(x->output);
	const char *what;

	if (!k)
		return 0;
	if (k->archive < 0) {
		cli_err("'%s': export writes a tar file (.tar, .tar.gz, .tgz) or a zip "
		        "file (.zip), not what this name says", x->output);
		return EXIT_USAGE;
	}
	what = said[k->archive == 2 ? 0 : k->compress];
	if (x->archive && x->archive != k->archive) {
		cli_err("'%s' names %s, which contradicts --archive %s", x->output, what,
		        x->archive == 2 ? "zip" : "tar");
		return EXIT_USAGE;
	}
	if (x->compress && k->compress && x->compress != k->compress) {
		cli_err("'%s' names %s, which contradicts --compress %s", x->output, what,
		        x->compress == 2 ? "none" : "gzip");
		return EXIT_USAGE;
	}
	x->o.flags = k->archive == 2 ? x->o.flags | IMS_EXPORT_ZIP : x->o.flags & ~IMS_EXPORT_ZIP;
	if (k->compress == 2)
		x->o.flags |= IMS_EXPORT_NO_COMPRESS;
	else if (k->compress == 1)
		x->o.flags &= ~IMS_EXPORT_NO_COMPRESS;
	return 0;
}

/* --archive, --compress, --layout: the flag is set by the second word (the
 * parser matched it in any case), cleared by the first. */
static void
opt_flag(export *x, const cli_arg *o, unsigned flag)
{
	x->o.flags = o->word == 1 ? x->o.flags | flag : x->o.flags & ~flag;
}

static int
parse_opts(export *x, cli *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		switch (o->id) {
		case EX_OUTPUT: x->output = o->val; break;
		case EX_ARCHIVE:
			opt_flag(x, o, IMS_EXPORT_ZIP);
			x->archive = o->word + 1;
			break;
		case EX_COMPRESS:
			opt_flag(x, o, IMS_EXPORT_NO_COMPRESS);
			x->compress = o->word + 1;
			break;
		case EX_LAYOUT: opt_flag(x, o, IMS_EXPORT_EML); break;
		case EX_FORCE: x->o.flags |= IMS_EXPORT_FORCE; break;
		case EX_DELETE: x->o.flags |= IMS_EXPORT_DELETE_AFTER; break;
		case EX_LEVEL: x->o.level = (int)o->n; break;
		case EX_GROWTH: x->o.max_growth_mb = o->n; break;
		}
	}
	if (!x->output || !*x->output) {
		cli_err("export needs --output FILE");
		return EXIT_USAGE;
	}
	return format_from_name(x);
}

/* On a terminal: the count and size so far, four times a second at most. */
static void
on_progress(const ims_progress *p, void *payload)
{
	export *x = payload;
	int64_t now;

	if (!x->tty)
		return;
	now = (int64_t)time(NULL) * 1000000;
	if (!p->done && now - x->shown < 1000000 / 4 && x->shown)
		return;
	x->shown = now;
	fprintf(stderr, "\rimstore: export: %llu messages, %.1f MB\033[K%s",
	        (unsigned long long)p->messages, (double)p->bytes / 1e6,
	        p->done ? "\n" : "");
}

static void
on_problem(const char *what, void *payload)
{
	(void)payload;
	cli_err("verify: %s", what);
}

static void
report(export *x, const ims_export_result *r)
{
	printer *p = x->c->out;
	struct stat sb;
	long long size = stat(x->output, &sb) == 0 ? (long long)sb.st_size : -1;
	int del = (x->o.flags & IMS_EXPORT_DELETE_AFTER) != 0;

	if (x->c->format != FMT_JSON) {
		print_line(p, "exported %llu message%s (%llu bytes) and %llu transcript%s to "
		           "'%s' (%lld bytes)", (unsigned long long)r->messages,
		           r->messages == 1 ? "" : "s", (unsigned long long)r->bytes,
		           (unsigned long long)r->transcripts, r->transcripts == 1 ? "" : "s",
		           x->output, size);
		if (del)
			print_line(p, "deleted %llu exported message%s, kept %llu under legal hold",
			           (unsigned long long)r->deleted.deleted,
			           r->deleted.deleted == 1 ? "" : "s",
			           (unsigned long long)r->deleted.held);
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "archive");
	p->ops->str(p, x->output);
	p->ops->key(p, "messages");
	p->ops->integer(p, (int64_t)r->messages);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)r->bytes);
	p->ops->key(p, "transcripts");
	p->ops->integer(p, (int64_t)r->transcripts);
	p->ops->key(p, "archive_bytes");
	p->ops->integer(p, size);
	if (del) {
		p->ops->key(p, "deleted");
		p->ops->integer(p, (int64_t)r->deleted.deleted);
		p->ops->key(p, "held");
		p->ops->integer(p, (int64_t)r->deleted.held);
	}
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static void
audit(export *x, const ims_export_result *r)
{
	char what[1200];
	ims_audit_entry e = { 0, "export", NULL, what, NULL, r->messages, r->bytes };
	int rc;

	snprintf(what, sizeof(what), "%.1000s -> %.180s", *x->expr ? x->expr : "*",
	         x->output);
	if ((rc = ims_audit_record(x->st, &e)))
		cli_fail(rc, "exported, but cannot record it in the audit trail");
	if ((x->o.flags & IMS_EXPORT_DELETE_AFTER) && r->deleted.deleted) {
		ims_audit_entry d = { 0, "delete", NULL, what, "export --delete-after",
		                      r->deleted.deleted, r->deleted.bytes };
		if ((rc = ims_audit_record(x->st, &d)))
			cli_fail(rc, "deleted, but cannot record it in the audit trail");
	}
}

/* What a failed export says, and its exit status. */
static int
failed(export *x, int rc, const ims_export_result *r)
{
	if (r->step == IMS_XSTEP_CREATE && rc == IMS_EXISTS) {
		cli_err("'%s' already exists (--force replaces it)", x->output);
		return EXIT_CANTCREAT;
	}
	if (r->step == IMS_XSTEP_GROWTH) {
		cli_err("the store file grew by more than %llu MB during the export "
		        "(writers cannot reuse pages while it reads one snapshot): "
		        "export less at a time or raise --max-growth",
		        (unsigned long long)x->o.max_growth_mb);
		return EXIT_TEMPFAIL;
	}
	cli_err("%s", r->why);
	return r->step == IMS_XSTEP_INPUT ? cli_exit_input(rc) : cli_exit_code(rc);
}

static int
prepare(export *x, cli *c)
{
	int rc;

	x->c = c;
	x->o = (ims_export_opts)IMS_EXPORT_OPTS_INIT;
	x->o.now = (int64_t)time(NULL) * 1000000;
	x->o.progress = on_progress;
	x->o.problem = on_problem;
	x->o.payload = x;
	x->tty = isatty(STDERR_FILENO);
	if ((rc = parse_opts(x, c)))
		return rc;
	if (!(x->expr = c->noperands ? cli_join(c->operands, c->noperands) : strdup("")))
		return EXIT_OSERR;
	/* one reference time for the messages and their transcripts; no
	 * filter given: every message, and none in the manifest */
	if (*x->expr && (rc = cli_filter_at(&x->f, x->expr, x->o.now)))
		return rc;
	return cli_open(&x->st, c, 0);
}

static int
run_export(cli *c)
{
	export x;
	ims_export_result *r = calloc(1, sizeof(*r));
	int rc;

	memset(&x, 0, sizeof(x));
	if (!r)
		return EXIT_OSERR;
	if ((rc = prepare(&x, c)))
		goto out;
	if ((rc = ims_archive_export(r, x.st, x.f, x.output, &x.o))) {
		rc = failed(&x, rc, r);
		goto out;
	}
	audit(&x, r);
	report(&x, r);
out:
	ims_store_close(x.st);
	ims_filter_free(x.f);
	free(x.expr);
	free(r);
	return rc;
}

const cli_cmd cmd_export = {
	"export", run_export, "[FILTER...]",
	"write messages, transcripts, a manifest and SHA-256 sums to an archive",
	export_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
