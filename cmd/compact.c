/* compact.c - imstore compact: rewrite a store no other process has open
 * so that only live data remains in its file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt compact_opts[] = {
	OPT_END,
};

void
cli_compact_report(cli *c, const ims_compact_result *r)
{
	printer *p = c->out;
	double pct = r->bytes_before ?
		100.0 * (double)(r->bytes_before - (r->bytes_after < r->bytes_before ? r->bytes_after : r->bytes_before)) /
		(double)r->bytes_before : 0;

	if (c->format != FMT_JSON) {
		print_line(p, "compacted '%s': %llu bytes before, %llu after (%.1f%% smaller)",
		           c->store_path, (unsigned long long)r->bytes_before,
		           (unsigned long long)r->bytes_after, pct);
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "compacted");
	p->ops->str(p, c->store_path);
	p->ops->key(p, "bytes_before");
	p->ops->integer(p, (int64_t)r->bytes_before);
	p->ops->key(p, "bytes_after");
	p->ops->integer(p, (int64_t)r->bytes_after);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

/* Compact the store of c and record it in the audit trail. */
int
cli_compact(ims_compact_result *r, cli *c)
{
	ims_audit_entry e;
	ims_store *st;
	int rc = ims_store_compact(r, c->store_path);

	if (rc == IMS_BUSY) {
		char *who = cli_holders_text(c->store_path);
		cli_err("cannot compact '%s': the store is open in another process%s%s "
		        "(stop the server, or try again)", c->store_path, who ? ": " : "",
		        who ? who : "");
		free(who);
		return EXIT_TEMPFAIL;
	}
	if (rc == IMS_NOTFOUND) {
		cli_err("no store at '%s' (create one with 'imstore init')", c->store_path);
		return EXIT_NOINPUT;
	}
	if (rc)
		return cli_fail(rc, "cannot compact '%s'", c->store_path);
	memset(&e, 0, sizeof(e));
	e.action = "compact";
	e.bytes = r->bytes_before > r->bytes_after ? r->bytes_before - r->bytes_after : 0;
	/* the compaction is done: a failure to record it is only reported */
	if ((rc = ims_store_open(&st, c->store_path, NULL)) == 0) {
		rc = ims_audit_record(st, &e);
		ims_store_close(st);
	}
	if (rc)
		cli_fail(rc, "compacted, but cannot record it in the audit trail");
	return EXIT_OK;
}

static int
run_compact(cli *c)
{
	ims_compact_result r;
	int rc;

	if (c->noperands > 0) {
		cli_err("compact takes no operands");
		return EXIT_USAGE;
	}
	if ((rc = cli_compact(&r, c)))
		return rc;
	cli_compact_report(c, &r);
	return EXIT_OK;
}

const cli_cmd cmd_compact = {
	"compact", run_compact, "",
	"rewrite the store with only its live data (no other process may have it open)",
	compact_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
