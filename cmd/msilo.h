/* msilo.h - migrating Kamailio's msilo table (msilo.c) */
#ifndef IMS_MSILO_H
#define IMS_MSILO_H
#include "imstore.h"
/* Store the rows of a tab-separated msilo dump as deferred messages;
 * rows past their expiry are counted in *expired, not stored.  Errors are
 * reported; returns an exit status. */
int msilo_import(ims_bulk *b, const char *path, uint64_t *expired);
#endif
