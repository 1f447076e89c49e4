/* archive-limits.c - the limit options of import and verify-archive. */
#include "archive-limits.h"

int
arc_limit_option(ims_archive_limits *l, const cli_arg *o)
{
	static const char *const names[] = { "max-entries", "max-bytes",
		"max-entry-size", "max-ratio" };
	uint64_t v;

	if (o->id < LIM_ENTRIES || o->id > LIM_RATIO)
		return 0;
	if (cli_parse_u64(&v, o->val) || v == 0) {
		cli_err("invalid number '%s' for --%s", o->val, names[o->id - LIM_ENTRIES]);
		return EXIT_USAGE;
	}
	switch (o->id) {
	case LIM_ENTRIES: l->max_entries = v; break;
	case LIM_TOTAL: l->max_total = v; break;
	case LIM_ENTRY: l->max_entry = v; break;
	default: l->max_ratio = v; break;
	}
	return 1;
}
