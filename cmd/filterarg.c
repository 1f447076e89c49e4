/* filterarg.c - the FILTER operands every command shares. */
#include <stdlib.h>
#include <time.h>

#include "cli.h"

/* Compile an expression; reports errors with the position. */
int
cli_filter_str(ims_filter **out, const char *expr)
{
	return cli_filter_at(out, expr, IMS_TIME_NONE);
}

/* The same, relative terms counted back from now. */
int
cli_filter_at(ims_filter **out, const char *expr, int64_t now)
{
	ims_errinfo e = { 0, 0, "" };
	int rc = ims_filter_parse(out, expr, now, &e);

	if (rc == 0)
		return 0;
	cli_err("invalid filter %s: %s", cli_quote(expr), e.message[0] ? e.message : ims_strerror(rc));
	return EXIT_USAGE;
}

/* Compile operands, joined by spaces, into a filter. */
int
cli_filter(ims_filter **out, char **ops, size_t n)
{
	char *expr = cli_join(ops, n);
	int rc;

	*out = NULL;
	if (!expr)
		return EXIT_OSERR;
	rc = cli_filter_str(out, expr);
	free(expr);
	return rc;
}
