/* register.c - a third-party REGISTER from the SIP core: the user (the To
 * URI) is back (Expires > 0) or gone (Expires: 0).  Answered 200 at once. */
#include <stdio.h>

#include "imstored.h"
#include "log.h"

void
register_received(imsd *d, sx_req *r, const sx_in *in)
{
	(void)d;
	logx(LOG_DEBUG, "REGISTER of '%s', expires %ld", in->to_uri, in->expires);
	(void)sx_reply(r, 200, "OK", NULL);
}
