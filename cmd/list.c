/* list.c - imstore list: the messages matching a filter. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { L_LIMIT = 100, L_CURSOR, L_REVERSE, L_COUNT, L_EXPLAIN };

static const cli_opt list_opts[] = {
	OPT_NUMBER(L_LIMIT, 'n', "limit", "N", 1, 0,
	           "list at most N messages, then print the next cursor"),
	OPT_STRING(L_CURSOR, 0, "cursor", "CURSOR", "resume after the page that printed CURSOR"),
	OPT_FLAG(L_REVERSE, 'r', "reverse", "newest first"),
	OPT_FLAG(L_COUNT, 'c', "count", "print only the number of matching messages"),
	OPT_FLAG(L_EXPLAIN, 0, "explain", "print the query plan instead of the messages"),
	OPT_END,
};

typedef struct list_args {
	uint64_t limit;
	int count, explain;
	ims_query_opts qo;
} list_args;

static int
parse_args(list_args *a, cli *c)
{
	memset(a, 0, sizeof(*a));
	a->qo = (ims_query_opts)IMS_QUERY_OPTS_INIT;
	for (size_t i = 0; i < c->nopts; i++) {
		const cli_arg *o = &c->opts[i];
		switch (o->id) {
		case L_LIMIT: a->limit = o->n; break;
		case L_CURSOR: a->qo.cursor = o->val; break;
		case L_REVERSE: a->qo.reverse = 1; break;
		case L_COUNT: a->count = 1; break;
		case L_EXPLAIN: a->explain = 1; break;
		}
	}
	return 0;
}

static void
print_count(cli *c, uint64_t n)
{
	if (c->format != FMT_JSON) {
		print_line(c->out, "%llu", (unsigned long long)n);
		return;
	}
	c->out->ops->begin_map(c->out);
	c->out->ops->key(c->out, "count");
	c->out->ops->integer(c->out, (int64_t)n);
	c->out->ops->end_map(c->out);
	c->out->ops->record_end(c->out);
}

/* After a full page: the cursor of its last message, if more follow. */
static void
print_next(cli *c, ims_query *q)
{
	char cur[IMS_CURSOR_STRLEN + 1];
	const ims_msg *m;

	if (ims_query_cursor(cur, q) != 0 || ims_query_next(&m, q) == IMS_ITEROVER)
		return;
	if (c->format == FMT_JSON) {
		c->out->ops->begin_map(c->out);
		c->out->ops->key(c->out, "next_cursor");
		c->out->ops->str(c->out, cur);
		c->out->ops->end_map(c->out);
		c->out->ops->record_end(c->out);
	} else {
		fflush(stdout);
		fprintf(stderr, "next-cursor: %s\n", cur);
	}
}

static int
iterate(cli *c, ims_query *q, const list_args *a)
{
	const ims_msg *m;
	uint64_t n = 0, corrupt = 0;
	int rc;

	while ((rc = ims_query_next(&m, q)) == 0 || rc == IMS_CORRUPT) {
		if (rc == IMS_CORRUPT) {
			char cur[IMS_CURSOR_STRLEN + 1] = "";
			ims_query_cursor(cur, q);
			cli_err("skipping a corrupt record (cursor %s)", cur);
			corrupt++;
			continue;
		}
		n++;
		if (!a->count && c->format == FMT_JSON) {
			print_msg(c->out, m);
			c->out->ops->record_end(c->out);
		} else if (!a->count) {
			print_msg_row(c->out, m);
		}
		if (a->limit && n == a->limit) {
			print_next(c, q);
			break;
		}
	}
	if (rc != 0 && rc != IMS_ITEROVER)
		return cli_fail(rc, "cannot list '%s'", c->store_path);
	if (a->count)
		print_count(c, n);
	if (corrupt) {
		cli_err("%llu corrupt record%s skipped in '%s'", (unsigned long long)corrupt,
		        corrupt == 1 ? "" : "s", c->store_path);
		return EXIT_CORRUPT;
	}
	return EXIT_OK;
}

static int
run_list(cli *c)
{
	list_args a;
	ims_filter *f = NULL;
	ims_store *st = NULL;
	ims_query *q = NULL;
	int rc;

	if ((rc = parse_args(&a, c)) || (rc = cli_filter(&f, c->operands, c->noperands)))
		return rc;
	if ((rc = cli_open(&st, c, IMS_OPEN_RDONLY)))
		goto out;
	if ((rc = ims_query_open(&q, st, f, &a.qo))) {
		rc = rc == IMS_INVALID && a.qo.cursor
		   ? (cli_err("invalid cursor %s", cli_quote(a.qo.cursor)), EXIT_USAGE)
		   : cli_fail(rc, "cannot query '%s'", c->store_path);
		goto out;
	}
	if (a.explain)
		print_line(c->out, "%s", ims_query_explain(q));
	else
		rc = iterate(c, q, &a);
out:
	ims_query_free(q);
	ims_store_close(st);
	ims_filter_free(f);
	return rc;
}

const cli_cmd cmd_list = {
	"list", run_list, "[FILTER...]", "list the messages matching a filter",
	list_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
