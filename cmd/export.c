/* export.c - imstore export: the messages a filter selects, with their
 * transcripts, a manifest and SHA256SUMS, in a tar or zip archive that any
 * tool opens (imstore-export(5)); one read snapshot, bounded memory, the
 * file in place only once complete and synced. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"
#include "convset.h"
#include "eml.h"

enum { EX_OUTPUT = 100, EX_ARCHIVE, EX_COMPRESS, EX_LEVEL, EX_LAYOUT, EX_FORCE,
       EX_DELETE, EX_GROWTH };

static const cli_opt export_opts[] = {
	OPT_FILE(EX_OUTPUT, 'o', "output", "FILE", "write the archive to FILE (required)"),
	OPT_KEYWORD(EX_ARCHIVE, 0, "archive", "TYPE", "tar zip", "archive type, tar (pax) by default"),
	OPT_KEYWORD(EX_COMPRESS, 0, "compress", "METHOD", "gzip none", "compression, gzip by default"),
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
	char *dir;               /* the output's directory: spools go there */
	arc_out_opts ao;
	arc_out out;
	int eml, delete_after;
	uint64_t max_growth;
	mf_writer *mf;
	int mf_fd;
	int64_t now;
	uint64_t messages, bytes, transcripts;
	convset convs;
	ims_id *ids;             /* --delete-after: what was exported */
	size_t nids, cap_ids;
	char *datafile;
	off_t base_size;
	int tty;
	int64_t shown;           /* last progress line, µs */
} export;

static int
opt_choice(int *out, const char *val, const char *a, const char *b, const char *opt)
{
	if (strcmp(val, a) == 0)
		*out = 0;
	else if (strcmp(val, b) == 0)
		*out = 1;
	else {
		cli_err("invalid value '%s' for --%s (%s or %s)", val, opt, a, b);
		return EXIT_USAGE;
	}
	return 0;
}

static int
parse_opts(export *x, cli *c)
{
	uint64_t v;
	int none = 0, rc = 0;

	x->ao.gzip = 1;
	x->ao.level = 6;
	x->max_growth = 1024;
	for (size_t i = 0; i < c->nopts && rc == 0; i++) {
		const cli_arg *o = &c->opts[i];
		switch (o->id) {
		case EX_OUTPUT: x->output = o->val; break;
		case EX_ARCHIVE: rc = opt_choice(&x->ao.zip, o->val, "tar", "zip", "archive"); break;
		case EX_COMPRESS: rc = opt_choice(&none, o->val, "gzip", "none", "compress");
			x->ao.gzip = !none; break;
		case EX_LAYOUT: rc = opt_choice(&x->eml, o->val, "raw", "eml", "layout"); break;
		case EX_FORCE: x->ao.force = 1; break;
		case EX_DELETE: x->delete_after = 1; break;
		case EX_LEVEL: case EX_GROWTH:
			if (cli_parse_u64(&v, o->val) || (o->id == EX_LEVEL && (v < 1 || v > 9)) ||
			    v == 0 || v > (1u << 30)) {
				cli_err("invalid number '%s' for --%s", o->val,
				        o->id == EX_LEVEL ? "level" : "max-growth");
				return EXIT_USAGE;
			}
			if (o->id == EX_LEVEL)
				x->ao.level = (int)v;
			else
				x->max_growth = v;
			break;
		}
	}
	if (rc == 0 && (!x->output || !*x->output)) {
		cli_err("export needs --output FILE");
		return EXIT_USAGE;
	}
	return rc;
}

static const char *
ext_of(const ims_msg *m, int eml)
{
	const char *t = m->content_type ? m->content_type : "text/plain";

	if (eml)
		return "eml";
	if (strncasecmp(t, "message/cpim", 12) == 0)
		return "cpim";
	/* a CPIM payload kept whole: its outer type is a kept header */
	for (size_t i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, "Content-Type") == 0 &&
		    strncasecmp(m->headers[i].value, "message/cpim", 12) == 0)
			return "cpim";
	return strncasecmp(t, "text/", 5) == 0 ? "txt" : "bin";
}

static int
to_archive(const void *chunk, size_t len, void *payload)
{
	return arc_entry_data(payload, chunk, len);
}

static void
progress(export *x, int done)
{
	int64_t now;

	if (!x->tty)
		return;
	now = (int64_t)time(NULL) * 1000000;
	if (!done && now - x->shown < 1000000 / 4 && x->shown)
		return;
	x->shown = now;
	fprintf(stderr, "\rimstore: export: %llu messages, %.1f MB\033[K%s",
	        (unsigned long long)x->messages, (double)x->bytes / 1e6, done ? "\n" : "");
}

/* A long snapshot keeps writers from reusing pages: bound what it costs. */
static int
check_growth(export *x)
{
	struct stat sb;

	if (stat(x->datafile, &sb) < 0 || sb.st_size <= x->base_size)
		return 0;
	if ((uint64_t)(sb.st_size - x->base_size) <= x->max_growth << 20)
		return 0;
	cli_err("the store file grew by more than %llu MB during the export "
	        "(writers cannot reuse pages while it reads one snapshot): "
	        "export less at a time or raise --max-growth",
	        (unsigned long long)x->max_growth);
	return IMS_BUSY;
}

static int
remember(export *x, const ims_msg *m)
{
	int rc;

	if (m->folder == IMS_FOLDER_HISTORY && m->conversation &&
	    (rc = convset_add(&x->convs, m->owner, m->conversation)))
		return rc;
	if (!x->delete_after)
		return 0;
	if (x->nids == x->cap_ids) {
		size_t cap = x->cap_ids ? 2 * x->cap_ids : 1024;
		ims_id *v = realloc(x->ids, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		x->ids = v;
		x->cap_ids = cap;
	}
	x->ids[x->nids++] = m->id;
	return 0;
}

static int
export_message(export *x, ims_query *q, const ims_msg *m)
{
	char id[IMS_ID_STRLEN + 1], name[64], hex[ARC_HEX + 1];
	uint64_t size = m->size;
	int rc, fd;

	ims_id_fmt(id, &m->id);
	snprintf(name, sizeof(name), "messages/%s.%s", id, ext_of(m, x->eml));
	if (x->eml) {
		if ((fd = arc_spool(x->dir)) < 0)
			return errno;
		if ((rc = eml_write(fd, m, q)) == 0)
			rc = arc_add_spool(&x->out, name, fd, m->received, hex, &size);
		close(fd);
	} else if ((rc = arc_entry_begin(&x->out, name, m->size, m->received)) == 0 &&
	           (rc = ims_query_body_stream(q, to_archive, &x->out)) == 0) {
		rc = arc_entry_end(&x->out, hex);
	}
	if (rc || (rc = mf_message(x->mf, m, name, hex, size)) || (rc = remember(x, m)))
		return rc;
	x->messages++;
	x->bytes += m->size;
	progress(x, 0);
	if (x->messages & 255)
		return 0;
	/* every 256 messages: the store's pages out of our resident memory */
	ims_store_trim(x->st);
	return check_growth(x);
}

static int
to_fd(const void *chunk, size_t len, void *payload)
{
	const char *p = chunk;
	int fd = *(int *)payload;

	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0)
			return errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Append a filter term NAME:"VALUE" (quoted as the filter language reads). */
static void
term(char *out, size_t cap, const char *name, const char *value)
{
	size_t n = strlen(out);

	n += (size_t)snprintf(out + n, cap - n, "%s%s:\"", n ? " " : "", name);
	for (; *value && n + 3 < cap; value++) {
		if (*value == '"' || *value == '\\')
			out[n++] = '\\';
		out[n++] = *value;
	}
	snprintf(out + n, cap - n, "\"");
}

/* The exported messages of one conversation, in the export's snapshot. */
static int
export_transcript(export *x, ims_query *snap, const convset_item *cv)
{
	size_t cap = 2 * (strlen(cv->owner) + strlen(cv->conv)) + strlen(x->expr) + 96;
	char *expr = calloc(1, cap), name[64], hex[ARC_HEX + 1];
	ims_query_opts qo = IMS_QUERY_OPTS_INIT;
	ims_filter *f = NULL;
	ims_query *q = NULL;
	uint64_t size;
	int rc, fd = -1;

	if (!expr)
		return ENOMEM;
	term(expr, cap, "owner", cv->owner);
	term(expr, cap, "conversation", cv->conv);
	snprintf(expr + strlen(expr), cap - strlen(expr), " folder:history%s%s%s",
	         *x->expr ? " and (" : "", x->expr, *x->expr ? ")" : "");
	qo.snapshot = snap;
	if ((rc = ims_filter_parse(&f, expr, x->now, NULL)) ||
	    (rc = ims_query_open(&q, x->st, f, &qo)))
		goto out;
	if ((fd = arc_spool(x->dir)) < 0) {
		rc = errno;
		goto out;
	}
	snprintf(name, sizeof(name), "transcripts/T%06llu.xml",
	         (unsigned long long)x->transcripts + 1);
	if ((rc = ims_query_transcript_xml(q, cv->owner, cv->conv, to_fd, &fd)) ||
	    (rc = arc_add_spool(&x->out, name, fd, x->now, hex, &size)) ||
	    (rc = mf_transcript(x->mf, name, hex, size, cv->owner, cv->conv, cv->count)))
		goto out;
	x->transcripts++;
out:
	if (fd >= 0)
		close(fd);
	ims_query_free(q);
	ims_filter_free(f);
	free(expr);
	return rc;
}

/* Everything in one snapshot: the message query's, shared by transcripts. */
static int
write_archive(export *x)
{
	mf_export e = { ims_store_path(x->st), x->expr, x->eml ? "eml" : "raw", x->now };
	ims_query *q = NULL;
	const ims_msg *m;
	uint64_t msize;
	int rc;

	if ((x->mf_fd = arc_spool(x->dir)) < 0)
		return errno;
	if ((rc = mf_open(&x->mf, x->mf_fd, &e)) ||
	    (rc = ims_query_open(&q, x->st, x->f, NULL)))
		goto out;
	while ((rc = ims_query_next(&m, q)) == 0)
		if ((rc = export_message(x, q, m)))
			goto out;
	if (rc != IMS_ITEROVER)
		goto out;
	rc = 0;
	for (size_t i = 0; i < x->convs.n && rc == 0; i++)
		rc = export_transcript(x, q, &x->convs.v[i]);
	if (rc || (rc = mf_close(x->mf, x->messages, x->bytes, x->transcripts)) ||
	    (rc = arc_add_spool(&x->out, "manifest.xml", x->mf_fd, x->now, NULL, &msize)))
		goto out;
	rc = arc_out_finish(&x->out, x->now);
out:
	ims_query_free(q);
	return rc;
}

static void
on_problem(const char *what, void *payload)
{
	(void)payload;
	cli_err("verify: %s", what);
}

/* --delete-after: only what the archive, read back from disk, holds. */
static int
delete_exported(export *x, ims_delete_result *r)
{
	arc_limits lim = ARC_LIMITS_INIT;
	arc_report rep;
	int rc;

	lim.max_entry = lim.max_meta = lim.max_total = UINT64_MAX / 2;
	lim.max_ratio = UINT64_MAX / 2;
	rc = arc_verify(&rep, x->output, &lim, x->dir, on_problem, NULL, NULL);
	if (rc != 0 || rep.messages != x->messages) {
		cli_err("the archive '%s' does not verify%s%s: nothing deleted", x->output,
		        rc < 0 ? ": " : "", rc < 0 ? rep.err : "");
		return EXIT_ERR;
	}
	if ((rc = ims_delete_ids(r, x->st, x->ids, x->nids, NULL)))
		return cli_fail(rc, "cannot delete the exported messages (%llu deleted)",
		                (unsigned long long)r->deleted);
	return 0;
}

static void
report(export *x, const ims_delete_result *r)
{
	printer *p = x->c->out;
	struct stat sb;
	long long size = stat(x->output, &sb) == 0 ? (long long)sb.st_size : -1;

	if (x->c->format != FMT_JSON) {
		printf("exported %llu message%s (%llu bytes) and %llu transcript%s to '%s' "
		       "(%lld bytes)\n", (unsigned long long)x->messages,
		       x->messages == 1 ? "" : "s", (unsigned long long)x->bytes,
		       (unsigned long long)x->transcripts, x->transcripts == 1 ? "" : "s",
		       x->output, size);
		if (x->delete_after)
			printf("deleted %llu exported message%s, kept %llu under legal hold\n",
			       (unsigned long long)r->deleted, r->deleted == 1 ? "" : "s",
			       (unsigned long long)r->held);
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "archive");
	p->ops->str(p, x->output);
	p->ops->key(p, "messages");
	p->ops->integer(p, (int64_t)x->messages);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)x->bytes);
	p->ops->key(p, "transcripts");
	p->ops->integer(p, (int64_t)x->transcripts);
	p->ops->key(p, "archive_bytes");
	p->ops->integer(p, size);
	if (x->delete_after) {
		p->ops->key(p, "deleted");
		p->ops->integer(p, (int64_t)r->deleted);
		p->ops->key(p, "held");
		p->ops->integer(p, (int64_t)r->held);
	}
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static void
audit(export *x, const ims_delete_result *r)
{
	char what[1200];
	ims_audit_entry e = { 0, "export", NULL, what, NULL, x->messages, x->bytes };
	int rc;

	snprintf(what, sizeof(what), "%.1000s -> %.180s", *x->expr ? x->expr : "*",
	         x->output);
	if ((rc = ims_audit_record(x->st, &e)))
		cli_fail(rc, "exported, but cannot record it in the audit trail");
	if (x->delete_after && r->deleted) {
		ims_audit_entry d = { 0, "delete", NULL, what, "export --delete-after",
		                      r->deleted, r->bytes };
		if ((rc = ims_audit_record(x->st, &d)))
			cli_fail(rc, "deleted, but cannot record it in the audit trail");
	}
}

static int
prepare(export *x, cli *c)
{
	int rc;

	x->c = c;
	x->mf_fd = -1;
	x->now = (int64_t)time(NULL) * 1000000;
	x->tty = isatty(STDERR_FILENO);
	if ((rc = parse_opts(x, c)))
		return rc;
	if (!(x->expr = c->noperands ? cli_join(c->operands, c->noperands) : strdup("")))
		return EXIT_ERR;
	/* one reference time for the messages and their transcripts */
	if ((rc = cli_filter_at(&x->f, *x->expr ? x->expr : "*", x->now)))
		return rc;
	if (!(x->dir = arc_dir_of(x->output)))
		return EXIT_ERR;
	if ((rc = cli_open(&x->st, c, 0)))
		return rc;
	if (!(x->datafile = malloc(strlen(ims_store_path(x->st)) + 16)))
		return EXIT_ERR;
	sprintf(x->datafile, "%s/data.mdb", ims_store_path(x->st));
	{
		struct stat sb;
		x->base_size = stat(x->datafile, &sb) == 0 ? sb.st_size : 0;
	}
	return 0;
}

static int
run_export(cli *c)
{
	export x;
	ims_delete_result r = { 0, 0, 0, 0, 0 };
	int rc;

	memset(&x, 0, sizeof(x));
	memset(&x.out, 0, sizeof(x.out));
	x.out.fd = x.out.sums = -1;
	if ((rc = prepare(&x, c)))
		goto out;
	if ((rc = arc_out_open(&x.out, x.output, &x.ao))) {
		rc = rc == EEXIST ? (cli_err("'%s' already exists (--force replaces it)",
		                             x.output), EXIT_ERR)
		                  : cli_fail(rc, "cannot create '%s'", x.output);
		goto out;
	}
	if ((rc = write_archive(&x))) {
		arc_out_abort(&x.out);
		rc = rc == IMS_BUSY && x.messages ? EXIT_TEMPFAIL
		     : cli_fail(rc, "cannot export to '%s' (nothing written there)", x.output);
		goto out;
	}
	progress(&x, 1);
	if (x.delete_after && (rc = delete_exported(&x, &r)))
		goto out;
	audit(&x, &r);
	report(&x, &r);
out:
	arc_out_abort(&x.out);
	if (x.mf)
		mf_free(x.mf);
	if (x.mf_fd >= 0)
		close(x.mf_fd);
	convset_free(&x.convs);
	ims_store_close(x.st);
	ims_filter_free(x.f);
	free(x.ids);
	free(x.expr);
	free(x.dir);
	free(x.datafile);
	return rc;
}

const cli_cmd cmd_export = {
	"export", run_export, "[FILTER...]",
	"write messages, transcripts, a manifest and SHA-256 sums to an archive",
	export_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
