/* message.c - a MESSAGE stored by a worker: the deferred store for an
 * offline user (000 §7.3: 202 only when durable, 480 when not stored) and
 * the History@ copy (recorded for sender and recipient as their settings
 * say).  The request is read by the library (ims_ingest_sip) from its
 * exact bytes; the identity is the P-Asserted-Identity, which only
 * trusted peers reach us with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imstored.h"
#include "log.h"

typedef struct mjob {
	job j;
	imsd *d;
	sx_req *r;
	const void *raw;
	size_t len;
	int history;
	int status;
	char reason[128];
	ims_notice notice;       /* processing/stored, when the sender asked */
} mjob;

static void
answer(mjob *j, int status, const char *reason)
{
	j->status = status;
	reason_clean(j->reason, sizeof j->reason, reason);
}

static void
count(mjob *j, refusal_reason why)
{
	atomic_fetch_add(&j->d->m.refused[why], 1);
}

/* Read the request; 0, or the answer is set. */
static int
ingest(mjob *j, ims_ingest **g, ims_msg *m)
{
	ims_ingest_error e;
	ims_errinfo ei;
	int rc;

	memset(&e, 0, sizeof e);
	rc = ims_ingest_sip(g, m, j->raw, j->len, NULL, &e);
	if (rc == ENOMEM) {
		answer(j, 500, "Out Of Memory");
		count(j, R_STORE_ERROR);
		return -1;
	}
	if (rc) {
		answer(j, rc == IMS_TOOBIG ? 413 : 400, e.message[0] ? e.message
		       : ims_strerror(rc));
		count(j, rc == IMS_TOOBIG ? R_TOOBIG : R_MALFORMED);
		return -1;
	}
	if (ims_msg_check(m, &ei)) {
		answer(j, ei.code == IMS_TOOBIG ? 413 : 400, ei.message[0] ? ei.message
		       : ims_strerror(ei.code));
		count(j, ei.code == IMS_TOOBIG ? R_TOOBIG : R_MALFORMED);
		return -1;
	}
	return 0;
}

static void
refused(mjob *j, ims_refusal why)
{
	char reason[64];

	snprintf(reason, sizeof reason, "Not Stored: %s", ims_refusal_name(why));
	switch (why) {
	case IMS_REFUSAL_TOOBIG:
		answer(j, 413, "Message Too Large");
		count(j, R_TOOBIG);
		return;
	case IMS_REFUSAL_BARRED: count(j, R_BARRED); break;
	case IMS_REFUSAL_QUOTA: count(j, R_QUOTA); break;
	case IMS_REFUSAL_EXPIRED: count(j, R_EXPIRED); break;
	default: count(j, R_STORE_ERROR); break;
	}
	answer(j, 480, reason);
}

/* The IMDN processing/stored notice (RFC 5438) of a message just stored,
 * when its sender asked for it: made here, sent by done(). */
static void
stored_notice(mjob *j, const ims_id *id)
{
	ims_notice_opts o = IMS_NOTICE_OPTS_INIT;
	ims_msg *sm = NULL;
	char server[600];
	int rc;

	if ((rc = ims_get(&sm, j->d->st, id)))
		goto fail;
	server_uri(j->d, sm->owner, server, sizeof server);
	o.server = server;
	rc = ims_imdn_notice(&j->notice, j->d->st, sm, IMS_NOTICE_STORED, &o);
	ims_msg_free(sm);
	if (!rc)
		return;
fail:
	logx(LOG_INFO, "no processing notice for a stored message: %s",
	     ims_strerror(rc));
}

static void
deferred_store(mjob *j, const ims_msg *m, const void *body, size_t len)
{
	ims_refusal why = IMS_REFUSAL_NONE;
	ims_id id;
	int64_t t0 = mono_us();
	int rc = ims_deferred_store(&id, &why, j->d->st, m, body, len);

	metrics_latency(&j->d->m, mono_us() - t0);
	if (rc == 0 || rc == IMS_EXISTS) {
		atomic_fetch_add(rc ? &j->d->m.duplicates : &j->d->m.stored, 1);
		answer(j, 202, "Accepted");
		if (rc == 0)
			stored_notice(j, &id);
	} else if (rc == IMS_REFUSED) {
		refused(j, why);
	} else if (rc == IMS_TOOBIG) {
		answer(j, 413, "Message Too Large");
		count(j, R_TOOBIG);
	} else if (rc == IMS_INVALID) {
		answer(j, 400, "Invalid Message");
		count(j, R_MALFORMED);
	} else {
		logx(LOG_ERR, "cannot store message for '%s': %s", m->owner,
		     ims_strerror(rc));
		answer(j, 500, "Store Error");
		count(j, R_STORE_ERROR);
	}
}

/* One user's history copy: 0 when recorded or not wanted (settings,
 * quota), -1 on a store error. */
static int
history_one(mjob *j, const char *user, const ims_msg *m, const void *body,
            size_t len)
{
	ims_id id;
	int64_t t0 = mono_us();
	int rc = ims_history_record(&id, j->d->st, user, m, body, len);

	metrics_latency(&j->d->m, mono_us() - t0);
	if (rc == 0)
		atomic_fetch_add(&j->d->m.history, 1);
	if (rc == 0 || rc == IMS_EXISTS || rc == IMS_REFUSED)
		return 0;
	if (rc == IMS_QUOTA || rc == IMS_INVALID) {
		logx(LOG_INFO, "history of '%s' not recorded: %s", user, ims_strerror(rc));
		return 0;
	}
	logx(LOG_ERR, "cannot record history of '%s': %s", user, ims_strerror(rc));
	return -1;
}

static void
history_store(mjob *j, const ims_msg *m, const void *body, size_t len)
{
	int err = 0;

	if (m->from.uri)
		err |= history_one(j, m->from.uri, m, body, len);
	if (m->nto && m->to[0].uri)
		err |= history_one(j, m->to[0].uri, m, body, len);
	if (err) {
		answer(j, 500, "Store Error");
		count(j, R_STORE_ERROR);
	} else {
		answer(j, 200, "OK");
	}
}

static void
work(job *jb)
{
	mjob *j = (mjob *)jb;
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	const void *body;
	size_t len;

	if (ingest(j, &g, &m))
		goto out;
	ims_ingest_body(&body, &len, g);
	if (j->history)
		history_store(j, &m, body, len);
	else
		deferred_store(j, &m, body, len);
out:
	ims_ingest_free(g);
}

static void
done(job *jb)
{
	mjob *j = (mjob *)jb;

	if (j->status >= 400)
		logx(LOG_DEBUG, "MESSAGE answered %d %s", j->status, j->reason);
	(void)sx_reply(j->r, j->status, j->reason, NULL);
	if (j->notice.body && !j->d->draining) {
		if (send_oneway(j->d, j->notice.to, j->notice.from, "message/cpim",
		                j->notice.body, j->notice.len))
			logx(LOG_INFO, "cannot send the processing notice to '%s'",
			     j->notice.to);
		else
			atomic_fetch_add(&j->d->m.notices_sent, 1);
	}
	ims_notice_clear(&j->notice);
	free(j);
}

void
message_received(imsd *d, sx_req *r, const sx_in *in, int history)
{
	mjob *j = calloc(1, sizeof *j);
	char hdr[64];

	if (!j) {
		atomic_fetch_add(&d->m.refused[R_STORE_ERROR], 1);
		(void)sx_reply(r, 500, "Out Of Memory", NULL);
		return;
	}
	j->j.work = work;
	j->j.done = done;
	j->d = d;
	j->r = r;
	j->raw = in->raw;
	j->len = in->raw_len;
	j->history = history;
	if (pool_submit(d->pool, &j->j)) {
		snprintf(hdr, sizeof hdr, "Retry-After: %u\r\n", d->cf.retry_after);
		atomic_fetch_add(&d->m.refused[R_QUEUE_FULL], 1);
		(void)sx_reply(r, 503, "Service Unavailable", hdr);
		free(j);
	}
}

/* ----------------------------------------------------------------- sweep */

typedef struct sjob {
	job j;
	imsd *d;
} sjob;

static void
sweep_work(job *jb)
{
	sjob *s = (sjob *)jb;
	ims_delete_result hr;
	uint64_t n = 0;
	int rc;

	if ((rc = ims_deferred_sweep(&n, s->d->st, IMS_TIME_NONE)))
		logx(LOG_ERR, "deferred sweep: %s", ims_strerror(rc));
	else if (n)
		logx(LOG_INFO, "deferred sweep: %llu expired messages removed",
		     (unsigned long long)n);
	memset(&hr, 0, sizeof hr);
	if ((rc = ims_history_sweep(&hr, s->d->st, IMS_TIME_NONE, 0)))
		logx(LOG_ERR, "history sweep: %s", ims_strerror(rc));
}

static void
sweep_done(job *jb)
{
	sjob *s = (sjob *)jb;

	s->d->sweeping = 0;
	free(s);
}

void
sweep_start(imsd *d)
{
	sjob *s;

	if (d->sweeping || d->draining || !(s = calloc(1, sizeof *s)))
		return;
	s->j.work = sweep_work;
	s->j.done = sweep_done;
	s->d = d;
	if (pool_submit(d->pool, &s->j)) {
		free(s);
		return;
	}
	d->sweeping = 1;
}
