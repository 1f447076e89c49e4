/* request.c - every request the SIP stack hands us: from a trusted peer,
 * within the limits, to a function we serve; then the method's handler. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imstored.h"
#include "log.h"

static void
refuse(imsd *d, sx_req *r, refusal_reason why, int status, const char *reason,
       const char *hdrs)
{
	atomic_fetch_add(&d->m.refused[why], 1);
	(void)sx_reply(r, status, reason, hdrs);
}

void
request_received(sx_req *r, const sx_in *in, void *arg)
{
	imsd *d = arg;
	char hdr[64];

	atomic_fetch_add(&d->m.requests, 1);
	if (!conf_is_trusted(&d->cf, &in->src)) {
		logx(LOG_NOTICE, "%s from untrusted %s: 403", in->method, in->src_text);
		refuse(d, r, R_FORBIDDEN, 403, "Forbidden", NULL);
		return;
	}
	if (d->draining) {
		snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", d->cf.retry_after);
		refuse(d, r, R_SHUTTING_DOWN, 503, "Shutting Down", hdr);
		return;
	}
	if (in->clen_bad) {
		refuse(d, r, R_MALFORMED, 400, "Content-Length Larger Than Body", NULL);
		return;
	}
	if (in->raw_len > d->cf.max_request) {
		refuse(d, r, R_TOOBIG, 413, "Request Entity Too Large", NULL);
		return;
	}
	if (limit_admit(d, r, in))
		return;
	if (!strcmp(in->method, "MESSAGE")) {
		if (!conf_serves(&d->cf, in->ruri_host) || !in->ruri_user[0]) {
			refuse(d, r, R_NOT_FOUND, 404, "Not Found", NULL);
			return;
		}
		message_received(d, r, in, !strcasecmp(in->ruri_user, "History"));
	} else if (!strcmp(in->method, "REGISTER")) {
		register_received(d, r, in);
	} else if (!strcmp(in->method, "PUBLISH")) {
		if (!conf_serves(&d->cf, in->ruri_host) || !in->ruri_user[0]) {
			refuse(d, r, R_NOT_FOUND, 404, "Not Found", NULL);
			return;
		}
		publish_received(d, r, in);
	} else if (!strcmp(in->method, "REFER")) {
		if (!conf_serves(&d->cf, in->ruri_host)) {
			refuse(d, r, R_NOT_FOUND, 404, "Not Found", NULL);
			return;
		}
		refer_received(d, r, in);
	} else if (!strcmp(in->method, "OPTIONS")) {
		(void)sx_reply(r, 200, "OK", "Allow: MESSAGE, REGISTER, PUBLISH, REFER, OPTIONS\r\n");
	} else {
		(void)sx_reply(r, 405, "Method Not Allowed",
		               "Allow: MESSAGE, REGISTER, PUBLISH, REFER, OPTIONS\r\n");
	}
}
