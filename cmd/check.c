/* check.c - imstore check: the permission and sanity audit of a store
 * (postfix check), one line a finding, from ims_store_check(). */
#include "cli.h"

static const cli_opt check_opts[] = {
	OPT_END,
};

static const char *const severity_names[] = { "", "warning", "error" };

static int
on_finding(const ims_finding *f, void *payload)
{
	cli *c = payload;
	printer *p = c->out;

	if (c->format != FMT_JSON) {
		print_line(p, "%s: %s: %s", severity_names[f->severity], f->check, f->message);
		return 0;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "severity");
	p->ops->str(p, severity_names[f->severity]);
	p->ops->key(p, "check");
	p->ops->str(p, f->check);
	p->ops->key(p, "path");
	p->ops->str(p, f->path);
	p->ops->key(p, "message");
	p->ops->str(p, f->message);
	p->ops->end_map(p);
	p->ops->record_end(p);
	return 0;
}

static int
run_check(cli *c)
{
	uint64_t n = 0;
	int rc;

	if (c->noperands) {
		cli_err("check takes no operands");
		return EXIT_USAGE;
	}
	rc = ims_store_check(&n, c->store_path, on_finding, c);
	if (rc == IMS_NOTFOUND) {
		cli_err("no store at '%s' (create one with 'imstore init')", c->store_path);
		return EXIT_NOINPUT;
	}
	if (rc)
		return cli_fail(rc, "cannot check '%s'", c->store_path);
	return n ? EXIT_ERR : EXIT_OK;
}

const cli_cmd cmd_check = {
	"check", run_check, "",
	"audit the store's modes, owners, stale files and readers, format and room",
	check_opts, FMTS_TEXT_JSON, NULL,
};
