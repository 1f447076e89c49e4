/* refer.c - REFER to sip:Delete@<domain> (OMA IM 004 §6.1.1.2.6): the
 * body is a URI-list (RFC 4826 application/resource-lists+xml) of
 * references, each a deferred message's Message-ID or a history
 * conversation's identity; the library decides which (ims_delete_refs)
 * and deletes only what is the asserted user's own.  Answered 202 once the
 * request is read and the job queued; the outcome follows as a NOTIFY in
 * the dialog the 202 created (RFC 3515: Event refer, message/sipfrag,
 * Subscription-State terminated).  The user is the P-Asserted-Identity,
 * which only trusted peers reach us with; without one, 403. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpim.h"
#include "imstored.h"
#include "log.h"

#define URILIST_TYPE "application/resource-lists+xml"

typedef struct fjob {
	job j;
	imsd *d;
	char user[IMS_ADDR_MAX + 1];
	char **refs;
	size_t n;
	sx_dialog dlg;
	int status;              /* the sipfrag's */
	ims_refs_result res;
} fjob;

static void
refuse(imsd *d, sx_req *r, refusal_reason why, int status, const char *reason)
{
	atomic_fetch_add(&d->m.refused[why], 1);
	(void)sx_reply(r, status, reason, NULL);
}

static int
type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return !strncasecmp(ct, want, n) && (!ct[n] || strchr(" \t;", ct[n]));
}

static void
fjob_work(job *jb)
{
	fjob *j = (fjob *)jb;
	int rc;

	rc = ims_delete_refs(&j->res, NULL, j->d->st, j->user,
	                     (const char *const *)j->refs, j->n);
	if (rc) {
		logx(LOG_ERR, "Delete for '%s': %s", j->user, ims_strerror(rc));
		j->status = rc == IMS_INVALID || rc == IMS_TOOBIG ? 400 : 500;
		return;
	}
	j->status = 200;
	logx(LOG_INFO, "Delete for '%s': %llu deferred, %llu conversations "
	     "(%llu messages), %llu named nothing", j->user,
	     (unsigned long long)j->res.deferred,
	     (unsigned long long)j->res.conversations,
	     (unsigned long long)j->res.history, (unsigned long long)j->res.none);
}

static void
notify_done(int err, int status, void *arg)
{
	(void)arg;
	if (err || status >= 300)
		logx(LOG_INFO, "NOTIFY of a Delete answered %d", status);
}

static void
fjob_done(job *jb)
{
	fjob *j = (fjob *)jb;
	imsd *d = j->d;
	char frag[64];
	int n;

	n = snprintf(frag, sizeof frag, "SIP/2.0 %d %s\r\n", j->status,
	             j->status == 200 ? "OK" : j->status == 400 ? "Bad Request"
	             : "Server Internal Error");
	if (!d->cf.have_core ||
	    sx_send_dialog(d->sx, &j->dlg, "NOTIFY", d->cf.sip_core.hostport,
	                   d->cf.sip_core.tcp,
	                   "Event: refer\r\nSubscription-State: terminated;reason=noresource\r\n"
	                   "Content-Type: message/sipfrag;version=2.0\r\n",
	                   frag, (size_t)n, notify_done, NULL))
		logx(LOG_ERR, "cannot send the NOTIFY of a Delete for '%s'", j->user);
	ims_strings_free(j->refs, j->n);
	free(j);
}

/* The asserted user and the references: 0, or answered. */
static int
read_refer(imsd *d, sx_req *r, const cpim_sip_msg *m, fjob *j)
{
	cpim_sip_addr a;
	cpim_content body;
	ims_errinfo ei;

	if (cpim_sip_pai_count(m) == 0 || cpim_sip_pai(&a, m, 0)) {
		refuse(d, r, R_FORBIDDEN, 403, "No Asserted Identity");
		return -1;
	}
	if (ims_addr_canon(j->user, sizeof j->user, a.uri)) {
		refuse(d, r, R_FORBIDDEN, 403, "Not A User Address");
		return -1;
	}
	cpim_sip_body(&body, m);
	if (!type_is(cpim_sip_content_type(m), URILIST_TYPE)) {
		atomic_fetch_add(&d->m.refused[R_MALFORMED], 1);
		(void)sx_reply(r, 415, "Unsupported Media Type", "Accept: " URILIST_TYPE "\r\n");
		return -1;
	}
	memset(&ei, 0, sizeof ei);
	if (ims_urilist_parse(&j->refs, &j->n, body.data, body.len, &ei)) {
		refuse(d, r, R_MALFORMED, 400, "Bad URI-List");
		return -1;
	}
	return 0;
}

void
refer_received(imsd *d, sx_req *r, const sx_in *in)
{
	cpim_sip_msg *m = NULL;
	cpim_error e;
	fjob *j;
	char hdr[64];

	memset(&e, 0, sizeof e);
	if (strcasecmp(in->ruri_user, "Delete")) {
		refuse(d, r, R_NOT_FOUND, 404, "Not Found");
		return;
	}
	if (!(j = calloc(1, sizeof *j))) {
		refuse(d, r, R_STORE_ERROR, 500, "Out Of Memory");
		return;
	}
	if (cpim_sip_parse(&m, in->raw, in->raw_len, NULL, &e)) {
		refuse(d, r, R_MALFORMED, 400, "Malformed Request");
		goto out;
	}
	if (read_refer(d, r, m, j))
		goto out;
	j->d = d;
	j->j.work = fjob_work;
	j->j.done = fjob_done;
	if (pool_submit(d->pool, &j->j)) {
		snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", d->cf.retry_after);
		atomic_fetch_add(&d->m.refused[R_QUEUE_FULL], 1);
		(void)sx_reply(r, 503, "Service Unavailable", hdr);
		goto out;
	}
	/* the job's done() runs on this loop, so after this reply */
	(void)sx_reply_dialog(r, 202, "Accepted", NULL, &j->dlg);
	cpim_sip_free(m);
	return;
out:
	cpim_sip_free(m);
	ims_strings_free(j->refs, j->n);
	free(j);
}
