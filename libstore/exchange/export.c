/* export.c - ims_archive_export(): the messages a filter selects, with their
 * transcripts, a manifest and SHA256SUMS, in a tar or zip archive that any
 * tool opens (imstore(5)); one read snapshot, bounded memory, the file in
 * place only once complete and synced. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exchange.h"
#include "internal.h"
#include "query/filter.h"

typedef struct export {
	ims_export_result *out;
	ims_store *st;
	const ims_filter *f;
	ims_filter *all;         /* f when the caller gave none */
	const char *path;
	ims_export_opts o;
	char *dir;               /* the archive's directory: spools go there */
	ims__arc_out arc;
	ims__mf_writer *mf;
	int mf_fd;
	int64_t now;
	ims__pairset convs;      /* (owner, conversation) of history messages */
	ims_id *ids;             /* IMS_EXPORT_DELETE_AFTER: what was exported */
	size_t nids, cap_ids;
	char *datafile;
	off_t base_size;
} export;

static const char *
ext_of(const ims_msg *m, int eml)
{
	const char *t = m->content_type ? m->content_type : "text/plain";

	if (eml)
		return "eml";
	if (ims__msg_is_cpim(m))
		return "cpim";
	return strncasecmp(t, "text/", 5) == 0 ? "txt" : "bin";
}

static int
to_archive(const void *chunk, size_t len, void *payload)
{
	return ims__arc_entry_data(payload, chunk, len);
}

/* A long snapshot keeps writers from reusing pages: bound what it costs. */
static int
check_growth(export *x)
{
	struct stat sb;

	if (stat(x->datafile, &sb) < 0 || sb.st_size <= x->base_size)
		return 0;
	if ((uint64_t)(sb.st_size - x->base_size) <= x->o.max_growth_mb << 20)
		return 0;
	return ims__xfail(&x->out->step, x->out->why, IMS_XSTEP_GROWTH, IMS_BUSY,
	                  "the store file grew by more than %llu MB during the export "
	                  "(writers cannot reuse pages while it reads one snapshot): "
	                  "export less at a time", (unsigned long long)x->o.max_growth_mb);
}

static int
remember(export *x, const ims_msg *m)
{
	size_t i;
	int rc;

	if (m->folder == IMS_FOLDER_HISTORY && m->conversation &&
	    (rc = ims__pairset_add(&i, &x->convs, m->owner, m->conversation)))
		return rc;
	if (!(x->o.flags & IMS_EXPORT_DELETE_AFTER))
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
	char id[IMS_ID_STRLEN + 1], name[64], hex[IMS__ARC_HEX + 1];
	int eml = (x->o.flags & IMS_EXPORT_EML) != 0, rc, fd;
	uint64_t size = m->size;

	ims_id_fmt(id, &m->id);
	snprintf(name, sizeof(name), "messages/%s.%s", id, ext_of(m, eml));
	if (eml) {
		if ((fd = ims__arc_spool(x->dir)) < 0)
			return errno;
		if ((rc = ims__eml_write(fd, m, q)) == 0)
			rc = ims__arc_add_spool(&x->arc, name, fd, m->received, hex, &size);
		close(fd);
	} else if ((rc = ims__arc_entry_begin(&x->arc, name, m->size, m->received)) == 0 &&
	           (rc = ims_query_body_stream(q, to_archive, &x->arc)) == 0) {
		rc = ims__arc_entry_end(&x->arc, hex);
	}
	if (rc || (rc = ims__mf_message(x->mf, m, name, hex, size)) || (rc = remember(x, m)))
		return rc;
	x->out->messages++;
	x->out->bytes += m->size;
	ims__xprogress(x->o.progress, x->o.payload, x->out->messages, x->out->bytes, 0);
	if (x->out->messages & 255)
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

/* The exported messages of one conversation, in the export's snapshot: the
 * export's filter confined to the conversation, as compiled. */
static int
export_transcript(export *x, ims_query *snap, const ims__pair *cv)
{
	ims_query_opts qo = IMS_QUERY_OPTS_INIT;
	char name[64], hex[IMS__ARC_HEX + 1];
	ims_filter *f = NULL;
	ims_query *q = NULL;
	uint64_t size;
	int rc, fd = -1;

	qo.snapshot = snap;
	if ((rc = ims_filter_scope(&f, x->f, cv->a, IMS_FOLDER_HISTORY, cv->b)) ||
	    (rc = ims_query_open(&q, x->st, f, &qo)))
		goto out;
	if ((fd = ims__arc_spool(x->dir)) < 0) {
		rc = errno;
		goto out;
	}
	snprintf(name, sizeof(name), "transcripts/T%06llu.xml",
	         (unsigned long long)x->out->transcripts + 1);
	if ((rc = ims_query_transcript_xml(q, cv->a, cv->b, to_fd, &fd)) ||
	    (rc = ims__arc_add_spool(&x->arc, name, fd, x->now, hex, &size)) ||
	    (rc = ims__mf_transcript(x->mf, name, hex, size, cv->a, cv->b, cv->count)))
		goto out;
	x->out->transcripts++;
out:
	if (fd >= 0)
		close(fd);
	ims_query_free(q);
	ims_filter_free(f);
	return rc;
}

/* Everything in one snapshot: the message query's, shared by transcripts. */
static int
write_archive(export *x)
{
	ims__mf_export e = { ims_store_path(x->st), x->all ? "" : x->f->expr,
	                     x->o.flags & IMS_EXPORT_EML ? "eml" : "raw", x->now };
	ims_export_result *out = x->out;
	ims_query *q = NULL;
	const ims_msg *m;
	uint64_t msize;
	int rc;

	if ((x->mf_fd = ims__arc_spool(x->dir)) < 0)
		return errno;
	if ((rc = ims__mf_open(&x->mf, x->mf_fd, &e)) ||
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
	if (rc || (rc = ims__mf_close(x->mf, out->messages, out->bytes, out->transcripts)) ||
	    (rc = ims__arc_add_spool(&x->arc, "manifest.xml", x->mf_fd, x->now, NULL, &msize)))
		goto out;
	rc = ims__arc_out_finish(&x->arc, x->now);
out:
	ims_query_free(q);
	return rc;
}

/* IMS_EXPORT_DELETE_AFTER: only what the archive, read back from disk,
 * holds. */
static int
delete_exported(export *x)
{
	ims_archive_limits lim = IMS_ARCHIVE_LIMITS_INIT;
	ims__verify_args a = { x->path, &lim, x->dir, x->o.problem, NULL,
	                       x->o.payload, NULL };
	ims_export_result *out = x->out;
	ims_archive_report rep;
	char err[IMS__ARC_ERR];
	int rc;

	lim.max_entry = lim.max_meta = lim.max_total = UINT64_MAX / 2;
	lim.max_ratio = UINT64_MAX / 2;
	rc = ims__arc_verify(&rep, err, &a);
	if (rc != 0 || rep.messages != out->messages)
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, IMS_CORRUPT,
		                  "the archive '%s' does not verify%s%s: nothing deleted",
		                  x->path, rc < 0 ? ": " : "", rc < 0 ? err : "");
	if ((rc = ims_delete_ids(&out->deleted, x->st, x->ids, x->nids, NULL)))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_STORE, rc,
		                  "cannot delete the exported messages (%llu deleted): %s",
		                  (unsigned long long)out->deleted.deleted, ims_strerror(rc));
	return 0;
}

static int
prepare(export *x, ims_export_result *out, ims_store *st, const ims_filter *f,
        const char *path, const ims_export_opts *opts)
{
	ims_export_opts o = IMS_EXPORT_OPTS_INIT;
	struct stat sb;

	memset(x, 0, sizeof(*x));
	ims__arc_out_init(&x->arc);
	x->mf_fd = -1;
	x->out = out;
	memset(out, 0, sizeof(*out));
	if (!st || !path || (opts && (opts->version < 1 || opts->level < 0 ||
	                              opts->level > 9)))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_CREATE, IMS_INVALID,
		                  "cannot export: no store, no archive or invalid options");
	x->o = opts ? *opts : o;
	x->o.level = x->o.level ? x->o.level : 6;
	x->o.max_growth_mb = x->o.max_growth_mb ? x->o.max_growth_mb : 1024;
	x->now = x->o.now != IMS_TIME_NONE ? x->o.now : (int64_t)time(NULL) * 1000000;
	x->st = st;
	x->path = path;
	if ((!f && ims_filter_and(&x->all, NULL, NULL)) ||
	    !(x->dir = ims__arc_dir_of(path)) ||
	    !(x->datafile = malloc(strlen(ims_store_path(st)) + 16)))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_WRITE, ENOMEM,
		                  "cannot export to '%s' (nothing written there): %s",
		                  path, ims_strerror(ENOMEM));
	x->f = f ? f : x->all;
	sprintf(x->datafile, "%s/data.mdb", ims_store_path(st));
	x->base_size = stat(x->datafile, &sb) == 0 ? sb.st_size : 0;
	return 0;
}

static void
release(export *x)
{
	ims__arc_out_abort(&x->arc);
	ims__mf_free(x->mf);
	if (x->mf_fd >= 0)
		close(x->mf_fd);
	ims__pairset_free(&x->convs);
	ims_filter_free(x->all);
	free(x->ids);
	free(x->dir);
	free(x->datafile);
}

/* The archive written and in place, or nothing under its name. */
static int
create_and_write(export *x)
{
	ims__arc_out_opts ao = { 0, 1, 6, 0 };
	ims_export_result *out = x->out;
	int rc;

	ao.zip = (x->o.flags & IMS_EXPORT_ZIP) != 0;
	ao.gzip = !(x->o.flags & IMS_EXPORT_NO_COMPRESS);
	ao.level = x->o.level;
	ao.force = (x->o.flags & IMS_EXPORT_FORCE) != 0;
	if ((rc = ims__arc_out_open(&x->arc, x->path, &ao)))
		return rc == EEXIST
		       ? ims__xfail(&out->step, out->why, IMS_XSTEP_CREATE, IMS_EXISTS,
		                    "'%s' already exists", x->path)
		       : ims__xfail(&out->step, out->why, IMS_XSTEP_CREATE, rc,
		                    "cannot create '%s': %s", x->path, ims_strerror(rc));
	if ((rc = write_archive(x))) {
		ims__arc_out_abort(&x->arc);
		if (out->step == IMS_XSTEP_NONE)
			ims__xfail(&out->step, out->why, IMS_XSTEP_WRITE, rc,
			           "cannot export to '%s' (nothing written there): %s",
			           x->path, ims_strerror(rc));
	}
	return rc;
}

int
ims_archive_export(ims_export_result *out, ims_store *st, const ims_filter *f,
                   const char *path, const ims_export_opts *opts)
{
	export x;
	int rc;

	if (!out)
		return IMS_INVALID;
	if ((rc = prepare(&x, out, st, f, path, opts)) == 0 &&
	    (rc = create_and_write(&x)) == 0) {
		ims__xprogress(x.o.progress, x.o.payload, out->messages, out->bytes, 1);
		if (x.o.flags & IMS_EXPORT_DELETE_AFTER)
			rc = delete_exported(&x);
	}
	release(&x);
	return rc;
}
