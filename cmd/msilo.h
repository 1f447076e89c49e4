/* msilo.h - migrating Kamailio's msilo table (msilo.c) */
#ifndef IMS_MSILO_H
#define IMS_MSILO_H
#include "imstore.h"

/* One row of the dump as a deferred message: m's strings point into the
 * line and into the row itself (do not copy it). */
typedef struct msilo_row {
	ims_msg m;
	ims_addr to;
	ims_header hdrs[IMS_HEADERS_MAX];
	char owner[IMS_ADDR_MAX + 64], msgid[64];
	const char *id, *body;
	size_t body_len;
} msilo_row;

/* Parse one line of a dump in place (split at tabs, escapes undone): 0 a
 * row in *r, 1 nothing to store (a blank line, or the column names when
 * first), -1 not a row, why in err.  A username and domain that would not
 * form the address of that one user (an '@', ':', ';', '?', '>', space or
 * control character...) are refused.  now stands for a missing inc_time. */
int msilo_parse(msilo_row *r, char *line, int first, int64_t now, char *err,
                size_t errcap);

/* Store the rows of a tab-separated msilo dump as deferred messages;
 * rows past their expiry are counted in *expired, not stored.  Errors are
 * reported; returns an exit status. */
int msilo_import(ims_bulk *b, const char *path, uint64_t *expired);
#endif
