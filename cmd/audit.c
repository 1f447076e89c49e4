/* audit.c - imstore audit: the operators' actions recorded in the store. */
#include "cli.h"

enum { AU_SINCE = 100 };

static const cli_opt audit_opts[] = {
	OPT_TIME(AU_SINCE, 0, "since", "TIME", CLI_PAST,
	         "only entries since TIME (a UTC time, or 7d for a week ago)"),
	OPT_END,
};

static int
run_audit(cli *c)
{
	int64_t since = 0;

	if (c->noperands) {
		cli_err("audit takes no operands");
		return EXIT_USAGE;
	}
	/* a date is absolute; a duration counts back from now (CLI_PAST) */
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].id == AU_SINCE)
			since = c->opts[i].t;
	return cli_audit_list(c, since);
}

const cli_cmd cmd_audit = {
	"audit", run_audit, "", "list the operators' actions recorded in the audit trail",
	audit_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
