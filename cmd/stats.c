/* stats.c - imstore stats: totals per folder, owners, bytes. */
#include "cli.h"

static const cli_opt stats_opts[] = {
	{ 0, 0, NULL, NULL, NULL, NULL },
};

static void
folder_entry(printer *p, const char *name, const ims_stats *s, int i)
{
	p->ops->key(p, name);
	p->ops->begin_map(p);
	p->ops->key(p, "messages");
	p->ops->integer(p, (int64_t)s->messages[i]);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)s->bytes[i]);
	p->ops->end_map(p);
}

static int
run_stats(cli *c)
{
	ims_store *st;
	ims_stats s;
	printer *p = c->out;
	int rc;

	if (c->noperands > 0) {
		cli_err("stats takes no operands");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(&st, c, IMS_OPEN_RDONLY)))
		return rc;
	rc = ims_stats_get(&s, st);
	ims_store_close(st);
	if (rc)
		return cli_fail(rc, "cannot read statistics of '%s'", c->store_path);
	p->ops->begin_map(p);
	p->ops->key(p, "store");
	p->ops->str(p, c->store_path);
	p->ops->key(p, "format");
	p->ops->integer(p, s.format);
	folder_entry(p, "total", &s, 0);
	folder_entry(p, "deferred", &s, 1);
	folder_entry(p, "history", &s, 2);
	p->ops->key(p, "owners");
	p->ops->integer(p, (int64_t)s.owners);
	p->ops->key(p, "stored_bytes");
	p->ops->integer(p, (int64_t)s.stored_bytes);
	p->ops->key(p, "file_bytes");
	p->ops->integer(p, (int64_t)s.file_bytes);
	p->ops->key(p, "map_bytes");
	p->ops->integer(p, (int64_t)s.map_bytes);
	p->ops->key(p, "page_size");
	p->ops->integer(p, s.page_size);
	p->ops->key(p, "pages_used");
	p->ops->integer(p, (int64_t)s.pages_used);
	p->ops->end_map(p);
	p->ops->record_end(p);
	return EXIT_OK;
}

const cli_cmd cmd_stats = {
	"stats", run_stats, "", "show totals per folder, owners and bytes",
	stats_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
