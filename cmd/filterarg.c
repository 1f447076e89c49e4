/* filterarg.c - the FILTER operands every command shares. */
#include <stdlib.h>
#include <time.h>

#include "cli.h"

/* Compile operands into a filter; reports errors with the position. */
int
cli_filter(ims_filter **out, char **ops, size_t n)
{
	ims_errinfo e = { 0, 0, "" };
	char *expr = cli_join(ops, n);
	int rc;

	*out = NULL;
	if (!expr)
		return EXIT_ERR;
	rc = ims_filter_parse(out, expr, IMS_TIME_NONE, &e);
	if (rc) {
		if (e.message[0])
			cli_err("invalid filter '%s': %s", expr, e.message);
		else
			cli_err("invalid filter '%s': %s", expr, ims_strerror(rc));
		free(expr);
		return EXIT_USAGE;
	}
	free(expr);
	return 0;
}
