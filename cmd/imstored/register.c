/* register.c - a third-party REGISTER from the SIP core: the user (the To
 * URI) is back (Expires > 0) or gone (Expires: 0).  Answered 200 at once;
 * then the on-register logic (003 §12.4.2.2), decided by the library
 * (ims_deferred_on_register) on a worker:
 *
 * push    each leased message goes to sip_core as a MESSAGE, Request-URI
 *         and To the user's AOR, From the original sender (anonymous when
 *         the sender asked for privacy), body the CPIM envelope
 *         (ims_msg_envelope).  At most push_window outstanding per user
 *         and push_max (4 x push_window x workers, at most queue_max / 2)
 *         overall.  A message's life is a chain of jobs: PREP (worker:
 *         the envelope), SEND (loop: sx_send), SETTLE (worker: ack on a
 *         2xx, else release; push_timeout without an answer is a
 *         failure).  A REGISTER with Expires 0 stops sending: what is out
 *         is settled as its answers come, the rest of the lease released.
 * notify  the deferred-list summary document goes to the user as a
 *         MESSAGE (application/vnd.oma.im.deferred-list+xml) from
 *         sip:Deferred@<domain>: the message-waiting procedure 12.4.2.2
 *         points to (12.4.2.6) is not in the drafts we have.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imstored.h"
#include "log.h"

#define DEFERRED_LIST_TYPE "application/vnd.oma.im.deferred-list+xml"

typedef struct psess psess;
typedef struct pmsg pmsg;

struct psess {               /* one user's registration being served */
	psess *next;
	imsd *d;
	char user[512];
	ims_register reg;
	size_t next_i;           /* next message of the lease to send */
	unsigned out;            /* messages between PREP and SETTLE done */
	int deciding;            /* the on_register job is out */
	int ending;              /* the end job (release the rest) is out */
	int gone;                /* Expires: 0 seen: send nothing new */
	int again;               /* a REGISTER came while serving */
};

enum { P_PREP, P_SENT, P_SETTLE };

struct pmsg {                /* one pushed message */
	job j;
	pmsg *next;              /* on pushtab.sent or .backlog */
	psess *s;
	size_t i;
	int phase;
	void *env;
	size_t envlen;
	char from[600];
	int ok;                  /* SETTLE: ack (1) or release (0) */
	int answered;            /* sx_send's handler has run (or never will) */
	int settled;             /* SETTLE done */
	int64_t deadline;
};

typedef struct pushtab {
	psess *sess;
	pmsg *sent;              /* awaiting an answer: for the timeouts */
	pmsg *backlog;           /* SETTLE jobs the queue refused: retried */
	unsigned out;            /* all sessions' out */
	unsigned max;
	int closing;             /* push_close(): finish nothing, send nothing */
} pushtab;

typedef struct rjob {        /* decide, or end: on a worker */
	job j;
	psess *s;
	int rc;
} rjob;

static void fill(imsd *d);
static void session_maybe_end(psess *s);

static pushtab *
tab(imsd *d)
{
	if (!d->push && (d->push = calloc(1, sizeof *d->push))) {
		size_t m = (size_t)d->cf.push_window * 4 * d->cf.workers;

		if (m > d->cf.queue_max / 2)
			m = d->cf.queue_max / 2;
		d->push->max = m ? (unsigned)m : 1;
	}
	return d->push;
}

/* --------------------------------------------------------- per message */

static void
pmsg_free(pmsg *p)
{
	free(p->env);
	free(p);
}

/* The SIP From: the envelope's anonymous From when the sender asked for
 * privacy, else the sender the store has. */
static void
pick_from(pmsg *p, const ims_msg *m)
{
	const char *anon = "sip:anonymous@anonymous.invalid";
	const char *e = p->env, *end;

	end = e ? strstr(e, "\r\n\r\n") : NULL;
	if (e && end && memmem(e, (size_t)(end - e), anon, strlen(anon)) &&
	    (!m->from.uri || !strstr(m->from.uri, "anonymous.invalid")))
		snprintf(p->from, sizeof p->from, "%s", anon);
	else
		snprintf(p->from, sizeof p->from, "%s", m->from.uri ? m->from.uri : anon);
}

static void
pmsg_work(job *jb)
{
	pmsg *p = (pmsg *)jb;
	psess *s = p->s;
	const ims_msg *m = ims_lease_msg(s->reg.lease, p->i);
	int settled = 0, rc;

	if (p->phase == P_PREP) {
		if ((rc = ims_msg_envelope(&p->env, &p->envlen, s->d->st, m))) {
			logx(LOG_ERR, "cannot write the envelope of '%s' for '%s': %s",
			     m->message_id, s->user, ims_strerror(rc));
			p->env = NULL;
		} else {
			pick_from(p, m);
		}
		return;
	}
	const char *tok = ims_lease_token(s->reg.lease);
	rc = p->ok ? ims_deferred_ack_msg(&settled, s->d->st, s->user, tok, &m->id)
	     : ims_deferred_release_msg(&settled, s->d->st, s->user, tok, &m->id);
	if (rc)
		logx(LOG_ERR, "cannot %s '%s' of '%s': %s", p->ok ? "ack" : "release",
		     m->message_id, s->user, ims_strerror(rc));
	else if (settled)
		atomic_fetch_add(p->ok ? &s->d->m.acked : &s->d->m.released, 1);
}

static void pmsg_done(job *jb);

static void
settle(pmsg *p, int ok)
{
	pushtab *t = p->s->d->push;

	p->phase = P_SETTLE;
	p->ok = ok;
	p->j.work = pmsg_work;
	p->j.done = pmsg_done;
	if (pool_submit(p->s->d->pool, &p->j)) {
		p->next = t->backlog;    /* queue full: push_tick retries */
		t->backlog = p;
	}
}

static void
unlink_sent(pushtab *t, pmsg *p)
{
	for (pmsg **pp = &t->sent; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

static void
on_answer(int err, int status, void *arg)
{
	pmsg *p = arg;
	pushtab *t;

	p->answered = 1;
	if (p->phase != P_SENT) {      /* timed out before: settled or settling */
		if (p->settled)
			pmsg_free(p);
		return;
	}
	t = p->s->d->push;
	if (t->closing)
		return;
	unlink_sent(t, p);
	if (err || status < 200 || status >= 300)
		logx(LOG_INFO, "push to '%s' answered %d%s%s: released", p->s->user,
		     status, err ? " " : "", err ? strerror(err) : "");
	settle(p, !err && status >= 200 && status < 300);
}

static void
send_one(pmsg *p)
{
	psess *s = p->s;
	imsd *d = s->d;
	pushtab *t = d->push;

	if (!p->env || s->gone) {
		p->answered = 1;
		settle(p, 0);
		return;
	}
	p->phase = P_SENT;
	p->deadline = now_us() + d->cf.push_timeout;
	if (send_msg(d, s->user, p->from, "message/cpim", p->env, p->envlen,
	             on_answer, p)) {
		logx(LOG_ERR, "cannot send a push to '%s'", s->user);
		p->answered = 1;
		settle(p, 0);
		return;
	}
	free(p->env);
	p->env = NULL;
	atomic_fetch_add(&d->m.pushed, 1);
	p->next = t->sent;
	t->sent = p;
}

static void
pmsg_done(job *jb)
{
	pmsg *p = (pmsg *)jb;
	psess *s = p->s;
	imsd *d = s->d;

	if (d->push->closing)
		return;    /* exiting: the leases run out in the store */
	if (p->phase == P_PREP) {
		send_one(p);
		return;
	}
	p->settled = 1;
	s->out--;
	d->push->out--;
	if (p->answered)
		pmsg_free(p);
	session_maybe_end(s);    /* may free s */
	fill(d);
}

/* Start sending as many of @p s's messages as the windows allow. */
static void
fill_one(imsd *d, psess *s)
{
	pushtab *t = d->push;
	pmsg *p;

	while (!s->gone && !s->ending && !d->draining && s->reg.lease &&
	       s->next_i < ims_lease_count(s->reg.lease) &&
	       s->out < d->cf.push_window && t->out < t->max) {
		if (!(p = calloc(1, sizeof *p)))
			return;
		p->s = s;
		p->i = s->next_i;
		p->phase = P_PREP;
		p->j.work = pmsg_work;
		p->j.done = pmsg_done;
		if (pool_submit(d->pool, &p->j)) {
			free(p);    /* the tick tries again */
			return;
		}
		s->next_i++;
		s->out++;
		t->out++;
	}
}

static void
fill(imsd *d)
{
	for (psess *s = d->push->sess; s; s = s->next)
		fill_one(d, s);
}

/* ------------------------------------------------------------ sessions */

static void decide_start(psess *s);

static void
session_free(psess *s)
{
	pushtab *t = s->d->push;

	for (psess **pp = &t->sess; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	ims_register_clear(&s->reg);
	free(s);
}

static void
end_work(job *jb)
{
	rjob *j = (rjob *)jb;
	psess *s = j->s;
	uint64_t n = 0;
	int rc;

	rc = ims_deferred_release(&n, s->d->st, s->user, ims_lease_token(s->reg.lease));
	if (rc && rc != IMS_NOTFOUND)
		logx(LOG_ERR, "cannot release the rest of '%s': %s", s->user,
		     ims_strerror(rc));
	else if (n)
		logx(LOG_INFO, "'%s' left: %llu messages not pushed released", s->user,
		     (unsigned long long)n);
}

static void
end_done(job *jb)
{
	rjob *j = (rjob *)jb;
	psess *s = j->s;

	free(j);
	if (s->d->push->closing)
		return;
	s->ending = 0;
	ims_register_clear(&s->reg);
	memset(&s->reg, 0, sizeof s->reg);
	if (s->again && !s->gone && !s->d->draining) {
		decide_start(s);
		return;
	}
	session_free(s);
}

/* Everything sent is settled: release what was not sent, then forget. */
static void
session_maybe_end(psess *s)
{
	rjob *j;

	if (s->out || s->ending || s->deciding)
		return;
	if (s->reg.lease && !s->gone && s->next_i < ims_lease_count(s->reg.lease))
		return;
	if (s->reg.lease && s->next_i < ims_lease_count(s->reg.lease) &&
	    (j = calloc(1, sizeof *j))) {
		j->s = s;
		j->j.work = end_work;
		j->j.done = end_done;
		s->ending = 1;
		if (!pool_submit(s->d->pool, &j->j))
			return;
		free(j);    /* the lease runs out by itself */
		s->ending = 0;
	}
	if (s->again && !s->gone && !s->d->draining) {
		ims_register_clear(&s->reg);
		memset(&s->reg, 0, sizeof s->reg);
		decide_start(s);
		return;
	}
	session_free(s);
}

static void
decide_work(job *jb)
{
	rjob *j = (rjob *)jb;
	psess *s = j->s;

	j->rc = ims_deferred_on_register(&s->reg, s->d->st, s->user, s->d->cf.lease_time);
}

static void
notify(psess *s)
{
	char from[600];
	int err;

	server_uri(s->d, s->user, from, sizeof from);
	err = send_oneway(s->d, s->user, from, DEFERRED_LIST_TYPE, s->reg.summary,
	                  s->reg.summary_len);
	if (err)
		logx(LOG_ERR, "cannot send the summary to '%s': %s", s->user, strerror(err));
	else
		atomic_fetch_add(&s->d->m.notify_sent, 1);
}

static void
decide_done(job *jb)
{
	rjob *j = (rjob *)jb;
	psess *s = j->s;
	int rc = j->rc;

	free(j);
	if (s->d->push->closing)
		return;
	s->deciding = 0;
	if (rc) {
		logx(LOG_ERR, "on-register of '%s': %s", s->user, ims_strerror(rc));
		memset(&s->reg, 0, sizeof s->reg);
	} else {
		logx(LOG_DEBUG, "on-register of '%s': %s, %llu waiting", s->user,
		     s->reg.action == IMS_REGISTER_PUSH ? "push"
		     : s->reg.action == IMS_REGISTER_NOTIFY ? "notify" : "nothing",
		     (unsigned long long)s->reg.waiting);
		if (s->reg.action == IMS_REGISTER_NOTIFY && !s->gone)
			notify(s);
	}
	fill(s->d);
	session_maybe_end(s);    /* may free s */
}

static void
decide_start(psess *s)
{
	rjob *j = calloc(1, sizeof *j);

	s->again = 0;
	s->next_i = 0;
	if (j) {
		j->s = s;
		j->j.work = decide_work;
		j->j.done = decide_done;
		s->deciding = 1;
		if (!pool_submit(s->d->pool, &j->j))
			return;
		free(j);
		s->deciding = 0;
	}
	logx(LOG_WARNING, "on-register of '%s' not run: queue full", s->user);
	session_free(s);
}

/* Whether @p uri's host (up to a port, parameter or header) is served. */
static int
served(imsd *d, const char *uri)
{
	const char *at = strchr(uri, '@');
	char host[256];
	size_t n;

	if (!at)
		return 0;
	n = strcspn(at + 1, ":;?");
	if (n == 0 || n >= sizeof host)
		return 0;
	memcpy(host, at + 1, n);
	host[n] = 0;
	return conf_serves(&d->cf, host);
}

void
register_received(imsd *d, sx_req *r, const sx_in *in)
{
	pushtab *t = tab(d);
	psess *s;

	logx(LOG_DEBUG, "REGISTER of '%s', expires %ld", in->to_uri, in->expires);
	(void)sx_reply(r, 200, "OK", NULL);
	if (!t || !in->to_uri[0] || d->draining)
		return;
	if (!served(d, in->to_uri)) {
		logx(LOG_NOTICE, "REGISTER of '%s': not a user of a served domain",
		     in->to_uri);
		return;
	}
	for (s = t->sess; s; s = s->next)
		if (!strcasecmp(s->user, in->to_uri))
			break;
	if (in->expires == 0) {
		if (s)
			s->gone = 1;    /* fill() sends nothing new */
		return;
	}
	if (s) {
		s->gone = 0;
		s->again = 1;
		return;
	}
	if (!(s = calloc(1, sizeof *s)))
		return;
	s->d = d;
	snprintf(s->user, sizeof s->user, "%s", in->to_uri);
	s->next = t->sess;
	t->sess = s;
	decide_start(s);
}

/* ---------------------------------------------------------------- timer */

void
push_tick(imsd *d)
{
	pushtab *t = d->push;
	int64_t now = now_us();
	pmsg *p, *back;

	if (!t || t->closing)
		return;
	for (pmsg **pp = &t->sent; (p = *pp);) {
		if (p->deadline > now) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		logx(LOG_INFO, "push to '%s' not answered in time: released", p->s->user);
		settle(p, 0);    /* on_answer frees it when libre gives up */
	}
	back = t->backlog;
	t->backlog = NULL;
	while ((p = back)) {
		back = p->next;
		settle(p, p->ok);
	}
	fill(d);
}

void
push_close(imsd *d)
{
	/* Kept until exit: the jobs the pool still finishes and libre's
	 * last answers see closing and do nothing; the leases run out in
	 * the store. */
	if (d->push)
		d->push->closing = 1;
}
