/* hold.c - imstore hold and imstore release: legal hold. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { HO_REASON = 100, HO_LIST };

static const cli_opt hold_opts[] = {
	OPT_STRING(HO_REASON, 'r', "reason", "TEXT", "why (required to hold; recorded in the audit trail)"),
	OPT_FLAG(HO_LIST, 'l', "list", "hold: list the holds and releases recorded, not hold"),
	OPT_END,
};

static const cli_opt release_opts[] = {
	OPT_STRING(HO_REASON, 'r', "reason", "TEXT", "why (recorded in the audit trail)"),
	OPT_END,
};

static int
print_entry(const ims_audit_entry *e, void *payload)
{
	cli *c = payload;
	printer *p = c->out;
	char t[48], n[24];

	if (strcmp(e->action, "hold") && strcmp(e->action, "release") && c->cmd->name[0] == 'h')
		return 0;
	if (c->format != FMT_JSON) {
		/* time, action, actor, count, filter, reason */
		cli_fmt_time(t, sizeof(t), e->time);
		snprintf(n, sizeof(n), "%llu", (unsigned long long)e->count);
		print_column(p, t);
		print_column(p, e->action);
		print_column(p, e->actor ? e->actor : "-");
		print_column(p, n);
		print_column(p, e->filter ? e->filter : "-");
		print_column(p, e->reason ? e->reason : "-");
		p->ops->record_end(p);
		return 0;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "time");
	print_time(p, e->time);
	p->ops->key(p, "action");
	p->ops->str(p, e->action);
	p->ops->key(p, "actor");
	p->ops->str(p, e->actor);
	p->ops->key(p, "filter");
	p->ops->str(p, e->filter);
	p->ops->key(p, "reason");
	p->ops->str(p, e->reason);
	p->ops->key(p, "count");
	p->ops->integer(p, (int64_t)e->count);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)e->bytes);
	p->ops->end_map(p);
	p->ops->record_end(p);
	return 0;
}

/* The audit trail, all of it or (hold --list) its holds and releases. */
int
cli_audit_list(cli *c, int64_t since)
{
	ims_store *st;
	int rc;

	if ((rc = cli_open(&st, c, IMS_OPEN_RDONLY)))
		return rc;
	/* the columns named for a reader at a terminal; a script's pipe gets
	 * the entries alone, as before */
	if (c->format != FMT_JSON && isatty(STDOUT_FILENO)) {
		static const char *const head[] = { "TIME", "ACTION", "ACTOR", "COUNT",
		                                    "FILTER", "REASON" };
		for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
			print_column(c->out, head[i]);
		c->out->ops->record_end(c->out);
	}
	rc = ims_audit_list(st, since, print_entry, c);
	ims_store_close(st);
	return rc ? cli_fail(rc, "cannot read the audit trail of '%s'", c->store_path) : 0;
}

static int
run_hold_release(cli *c, int hold)
{
	const char *reason = NULL;
	ims_filter *f;
	ims_store *st;
	uint64_t n;
	int rc, list = 0;

	for (size_t i = 0; i < c->nopts; i++) {
		if (c->opts[i].id == HO_REASON)
			reason = c->opts[i].val;
		list |= c->opts[i].id == HO_LIST;
	}
	if (list)
		return c->noperands ? (cli_err("hold --list takes no FILTER"), EXIT_USAGE)
		                    : cli_audit_list(c, 0);
	if (c->noperands == 0 || (hold && !reason)) {
		cli_err("usage: imstore %s FILTER...%s", c->cmd->name, hold ? " --reason TEXT" : "");
		return EXIT_USAGE;
	}
	if ((rc = cli_filter(&f, c->operands, c->noperands)))
		return rc;
	if (ims_filter_is_all(f)) {
		ims_filter_free(f);
		cli_err("refusing to %s every message: give a filter", c->cmd->name);
		return EXIT_USAGE;
	}
	if ((rc = cli_open(&st, c, 0)) == 0) {
		rc = (hold ? ims_hold : ims_release)(&n, st, f, reason, NULL);
		ims_store_close(st);
		rc = rc ? cli_fail(rc, "cannot %s in '%s'", c->cmd->name, c->store_path) : 0;
	}
	ims_filter_free(f);
	if (rc)
		return rc;
	c->out->ops->begin_map(c->out);
	c->out->ops->key(c->out, hold ? "held" : "released");
	c->out->ops->integer(c->out, (int64_t)n);
	c->out->ops->end_map(c->out);
	c->out->ops->record_end(c->out);
	return 0;
}

static int run_hold(cli *c) { return run_hold_release(c, 1); }
static int run_release(cli *c) { return run_hold_release(c, 0); }

const cli_cmd cmd_hold = {
	"hold", run_hold, "FILTER...",
	"put messages under legal hold: nothing deletes them until released",
	hold_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};

const cli_cmd cmd_release = {
	"release", run_release, "FILTER...",
	"release the legal hold of messages",
	release_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
