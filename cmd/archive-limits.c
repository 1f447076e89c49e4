/* archive-limits.c - the limit options of import and verify-archive. */
#include "archive-limits.h"

int
arc_limit_option(ims_archive_limits *l, const cli_arg *o)
{
	switch (o->id) {
	case LIM_ENTRIES: l->max_entries = o->n; return 1;
	case LIM_TOTAL: l->max_total = o->n; return 1;
	case LIM_ENTRY: l->max_entry = o->n; return 1;
	case LIM_RATIO: l->max_ratio = o->n; return 1;
	default: return 0;
	}
}
