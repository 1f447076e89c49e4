/* init.c - imstore init: create a store. */
#include "cli.h"

static const cli_opt init_opts[] = {
	OPT_END,
};

static int
run_init(cli *c)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	int rc;

	if (c->noperands > 0) {
		cli_err("init takes no operands (the store is given with --store)");
		return EXIT_USAGE;
	}
	rc = ims_store_open(&st, c->store_path, NULL);
	if (rc == 0) {
		ims_store_close(st);
		cli_err("store '%s' already exists", c->store_path);
		return EXIT_CANTCREAT;
	}
	if (rc != IMS_NOTFOUND && rc != IMS_NOTSTORE)
		return cli_fail(rc, "cannot create store '%s'", c->store_path);
	o.flags = IMS_OPEN_CREATE;
	if ((rc = ims_store_open(&st, c->store_path, &o)))
		return cli_fail(rc, "cannot create store '%s'", c->store_path);
	ims_store_close(st);
	if (c->format == FMT_JSON) {
		c->out->ops->begin_map(c->out);
		c->out->ops->key(c->out, "store");
		c->out->ops->str(c->out, c->store_path);
		c->out->ops->key(c->out, "format");
		c->out->ops->integer(c->out, IMS_FORMAT_VERSION);
		c->out->ops->end_map(c->out);
		c->out->ops->record_end(c->out);
	} else {
		print_line(c->out, "created store '%s' (format %d)", c->store_path,
		           IMS_FORMAT_VERSION);
	}
	return EXIT_OK;
}

const cli_cmd cmd_init = {
	"init", run_init, "", "create a store", init_opts,
	1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
