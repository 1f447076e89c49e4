/* archive-limits.h - the options of import and verify-archive that bound
 * what reading an archive may cost (ims_archive_limits), ids 180..183. */
#ifndef IMS_ARCHIVE_LIMITS_H
#define IMS_ARCHIVE_LIMITS_H

#include "cli.h"
#include "imstore-exchange.h"

enum { LIM_ENTRIES = 180, LIM_TOTAL, LIM_ENTRY, LIM_RATIO };
#define ARC_LIMIT_OPTS \
	OPT_NUMBER(LIM_ENTRIES, 0, "max-entries", "N", 1, 0, "refuse archives of more than N files (default 10000000)"), \
	OPT_SIZE(LIM_TOTAL, 0, "max-bytes", "N", 1, 0, "refuse more than N bytes after decompression (default 64 GiB)"), \
	OPT_SIZE(LIM_ENTRY, 0, "max-entry-size", "N", 1, 0, "refuse a message or transcript file over N bytes (default 64 MiB)"), \
	OPT_NUMBER(LIM_RATIO, 0, "max-ratio", "N", 1, 0, "refuse a compression ratio over N to 1 (default 200)")

/* Take o's value (parsed by its type) into l: 1 when o is a limit option,
 * 0 when not. */
int arc_limit_option(ims_archive_limits *l, const cli_arg *o);
#endif
