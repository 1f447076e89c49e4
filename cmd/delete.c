/* delete.c - imstore delete: remove messages by id or by filter. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { D_DRY = 100, D_ALL, D_BATCH };

static const cli_opt delete_opts[] = {
	OPT_FLAG(D_DRY, 'n', "dry-run", "report what would be deleted, delete nothing"),
	OPT_FLAG(D_ALL, 0, "all", "allow a filter that matches every message"),
	OPT_NUMBER(D_BATCH, 0, "batch", "N", 1, 1000000,
	           "messages per write transaction (default 1000)"),
	OPT_END,
};

static void
report(cli *c, const ims_delete_result *r, int dry)
{
	printer *p = c->out;

	if (c->format == FMT_JSON) {
		p->ops->begin_map(p);
		p->ops->key(p, dry ? "would_delete" : "deleted");
		p->ops->integer(p, (int64_t)r->deleted);
		p->ops->key(p, "bytes");
		p->ops->integer(p, (int64_t)r->bytes);
		p->ops->key(p, "held");
		p->ops->integer(p, (int64_t)r->held);
		p->ops->end_map(p);
		p->ops->record_end(p);
		return;
	}
	print_text(p, "%s %llu message%s (%llu bytes)", dry ? "would delete" : "deleted",
	           (unsigned long long)r->deleted, r->deleted == 1 ? "" : "s",
	           (unsigned long long)r->bytes);
	if (r->held)
		print_text(p, ", kept %llu under legal hold", (unsigned long long)r->held);
	p->ops->record_end(p);
}

/* The operator's deletion goes into the audit trail (not the content). */
static void
audit(cli *c, ims_store *st, const ims_delete_result *r)
{
	ims_audit_entry e = { 0, "delete", NULL, NULL, NULL, r->deleted, r->bytes };
	char *what = c->noperands ? cli_join(c->operands, c->noperands) : NULL;
	int rc;

	e.filter = what ? what : "--all";
	if ((rc = ims_audit_record(st, &e)))
		cli_fail(rc, "deleted, but cannot record it in the audit trail");
	free(what);
}

/* Every operand an id: delete exactly those. */
static int
all_ids(const cli *c)
{
	ims_id id;

	for (size_t i = 0; i < c->noperands; i++)
		if (ims_id_parse(&id, c->operands[i]))
			return 0;
	return c->noperands > 0;
}

static int
delete_ids(cli *c, ims_store *st, int dry)
{
	ims_delete_result r = { 0, 0, 0, 0, 0 };
	int rc, ret = EXIT_OK;

	for (size_t i = 0; i < c->noperands; i++) {
		ims_msg *m;
		ims_id id;
		ims_id_parse(&id, c->operands[i]);
		if ((rc = ims_get(&m, st, &id)) == 0) {
			uint64_t size = m->size;
			int held = (m->flags & IMS_MSGF_HELD) != 0;
			ims_msg_free(m);
			rc = held ? IMS_HELD : dry ? 0 : ims_delete(st, &id);
			if (rc == 0) {
				r.deleted++;
				r.bytes += size;
				continue;
			}
		}
		if (rc == IMS_HELD)
			r.held++;
		else if (rc == IMS_NOTFOUND)
			cli_err("no message '%s'", c->operands[i]);
		else
			cli_fail(rc, "cannot delete '%s'", c->operands[i]);
		if (rc != IMS_HELD)
			ret = cli_exit_code(rc);
	}
	if (!dry && r.deleted)
		audit(c, st, &r);
	report(c, &r, dry);
	return ret;
}

static int
delete_filter(cli *c, ims_store *st, ims_delete_opts *o, int all)
{
	ims_delete_result r;
	ims_filter *f;
	int rc;

	if ((rc = cli_filter(&f, c->operands, c->noperands)))
		return rc;
	if (ims_filter_is_all(f) && !all) {
		ims_filter_free(f);
		cli_err("refusing to delete every message without --all");
		return EXIT_USAGE;
	}
	rc = ims_delete_filter(&r, st, f, o);
	ims_filter_free(f);
	if (!o->dry_run && r.deleted)
		audit(c, st, &r);
	if (rc)
		return cli_fail(rc, "cannot delete from '%s' (%llu deleted before the error)",
		                c->store_path, (unsigned long long)r.deleted);
	report(c, &r, o->dry_run);
	return EXIT_OK;
}

static int
run_delete(cli *c)
{
	ims_delete_opts o = IMS_DELETE_OPTS_INIT;
	ims_store *st;
	int rc, all = 0;

	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *a = &c->opts[i];
		if (a->id == D_DRY) o.dry_run = 1;
		if (a->id == D_ALL) all = 1;
		if (a->id == D_BATCH) o.batch = (size_t)a->n;
	}
	if (c->noperands == 0 && !all) {
		cli_err("delete needs a FILTER or IDs (or --all for every message)");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(&st, c, o.dry_run ? IMS_OPEN_RDONLY : 0)))
		return rc;
	rc = all_ids(c) ? delete_ids(c, st, o.dry_run) : delete_filter(c, st, &o, all);
	ims_store_close(st);
	return rc;
}

const cli_cmd cmd_delete = {
	"delete", run_delete, "FILTER... | ID...", "delete messages by id or by filter",
	delete_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
