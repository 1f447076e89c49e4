/* open.c - ims_store_open: the engine's environment, the checks asked for
 * at open (admin/pagecheck.c), then the databases.  It stands above the
 * layers it joins, so that the engine never calls up into admin. */
#include <stddef.h>

#include "internal.h"

int
ims_store_open(ims_store **out, const char *path, const ims_open_opts *opts)
{
	ims_open_opts defaults = IMS_OPEN_OPTS_INIT;
	const ims_open_opts *o = opts ? opts : &defaults;
	ims_store *st;
	int rc;

	*out = NULL;
	if ((rc = ims__env_open(&st, path, o)))
		goto fail;
	if ((o->flags & IMS_OPEN_CHECK_PAGES) && (rc = ims__pages_sound(st)))
		goto fail;
	if ((rc = ims__dbs_open(st)))
		goto fail;
	*out = st;
	return 0;
fail:
	ims_store_close(st);
	return rc;
}
