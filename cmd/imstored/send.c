/* send.c - the requests imstored sends on its own through the SIP core:
 * the MESSAGEs of a push (register.c), the summary, the processing notice
 * (message.c), each from the server's address in the user's domain or
 * the original sender's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imstored.h"
#include "log.h"

/* The server's own address in the user's domain (else the first served). */
void
server_uri(imsd *d, const char *user, char *out, size_t cap)
{
	const char *at = strchr(user, '@');
	const char *host = at && conf_serves(&d->cf, at + 1) ? at + 1
	                   : d->cf.ndomain ? d->cf.domain[0] : "localhost";

	snprintf(out, cap, "sip:Deferred@%s", host);
}

static void
oneway_done(int err, int status, void *arg)
{
	(void)arg;
	if (err || status >= 300)
		logx(LOG_INFO, "a MESSAGE of ours answered %d (%s)", status,
		     err ? strerror(err) : "status");
}

int
send_msg(imsd *d, const char *ruri, const char *from, const char *ctype,
         const void *body, size_t len, sx_resp_h *h, void *arg)
{
	char hdrs[1400];

	if (!d->cf.have_core)
		return ENOTCONN;
	if (snprintf(hdrs, sizeof hdrs,
	             "From: <%s>;tag=%08x\r\nTo: <%s>\r\nContent-Type: %s\r\n",
	             from, (unsigned)rand(), ruri, ctype) >= (int)sizeof hdrs)
		return EINVAL;
	return sx_send(d->sx, "MESSAGE", ruri, d->cf.sip_core.hostport,
	               d->cf.sip_core.tcp, hdrs, body, len, h, arg);
}

int
send_oneway(imsd *d, const char *ruri, const char *from, const char *ctype,
            const void *body, size_t len)
{
	return send_msg(d, ruri, from, ctype, body, len, oneway_done, NULL);
}
