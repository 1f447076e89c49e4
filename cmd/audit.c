/* audit.c - imstore audit: the operators' actions recorded in the store. */
#include <string.h>
#include <time.h>

#include "cli.h"

enum { AU_SINCE = 100 };

static const cli_opt audit_opts[] = {
	{ AU_SINCE, 0, "since", "TIME", NULL, "only entries since TIME (a UTC time, or 7d for a week ago)" },
	{ 0, 0, NULL, NULL, NULL, NULL },
};

static int
run_audit(cli *c)
{
	int64_t since = 0, now = (int64_t)time(NULL) * 1000000;

	if (c->noperands) {
		cli_err("audit takes no operands");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < c->nopts; i++) {
		const char *v = c->opts[i].val;
		int64_t t;
		if (c->opts[i].id != AU_SINCE)
			continue;
		if (cli_parse_time(&t, v, 0)) {
			cli_err("invalid time '%s' for --since (expected 2026-11-01 or 7d)", v);
			return EXIT_USAGE;
		}
		/* a date is absolute; a duration counts back from now */
		since = strchr(v, '-') ? t : now - t;
	}
	return cli_audit_list(c, since);
}

const cli_cmd cmd_audit = {
	"audit", run_audit, "", "list the operators' actions recorded in the audit trail",
	audit_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
