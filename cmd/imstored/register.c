/* register.c - a third-party REGISTER from the SIP core: the user (the To
 * URI) is back (Expires > 0) or gone (Expires: 0).  Answered 200 at once;
 * then the on-register logic (003 §12.4.2.2, ims_deferred_on_register):
 * push (each leased message a MESSAGE to the user's AOR through sip_core,
 * its CPIM envelope from ims_msg_envelope, push_window outstanding, each
 * acknowledged on its 2xx, released on a failure or a time out) or notify
 * (a MESSAGE carrying the deferred-list summary document). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imstored.h"
#include "log.h"

typedef struct push {
	job j;                     /* the on-register job */
	imsd *d;
	char user[IMS_ADDR_MAX + 1];
	int rc;
	ims_register reg;
	void **env;                /* envelopes, NULL where none could be made */
	size_t *envlen;
	size_t n, next, pending;   /* pending: sent and not yet settled */
} push;

typedef struct settle {
	job j;
	push *p;
	size_t i;
	int ack;
	int rc, settled;
} settle;

static void push_more(push *p);

static void
push_free(push *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->env[i]);
	free(p->env);
	free(p->envlen);
	ims_register_clear(&p->reg);
	free(p);
}

static void
push_check_end(push *p)
{
	if (p->next == p->n && p->pending == 0) {
		logx(LOG_INFO, "push to '%s' finished: %zu messages", p->user, p->n);
		push_free(p);
	}
}

/* ---------------------------------------------------------------- settle */

static void
settle_work(job *jb)
{
	settle *s = (settle *)jb;
	push *p = s->p;
	const ims_msg *m = ims_lease_msg(p->reg.lease, s->i);
	const char *tok = ims_lease_token(p->reg.lease);

	s->rc = s->ack ? ims_deferred_ack_msg(&s->settled, p->d->st, p->user, tok, &m->id)
	               : ims_deferred_release_msg(&s->settled, p->d->st, p->user, tok, &m->id);
}

static void
settle_done(job *jb)
{
	settle *s = (settle *)jb;
	push *p = s->p;

	if (s->rc)
		logx(LOG_ERR, "cannot %s a pushed message of '%s': %s",
		     s->ack ? "acknowledge" : "release", p->user, ims_strerror(s->rc));
	else if (s->settled)
		atomic_fetch_add(s->ack ? &p->d->m.acked : &p->d->m.released, 1);
	p->pending--;
	free(s);
	push_more(p);
	push_check_end(p);
}

static void
settle_start(push *p, size_t i, int ack)
{
	settle *s = calloc(1, sizeof *s);

	if (s) {
		s->j.work = settle_work;
		s->j.done = settle_done;
		s->p = p;
		s->i = i;
		s->ack = ack;
		if (!pool_submit(p->d->pool, &s->j))
			return;
		free(s);
	}
	/* the lease runs out and gives it back */
	logx(LOG_WARNING, "pushed message of '%s' left to its lease", p->user);
	p->pending--;
}

/* ------------------------------------------------------------------ send */

typedef struct sent {
	push *p;
	size_t i;
} sent;

static void
on_answer(int err, int status, void *arg)
{
	sent *s = arg;
	push *p = s->p;
	size_t i = s->i;

	free(s);
	if (err || status < 200 || status >= 300)
		logx(LOG_INFO, "push to '%s' answered %d%s", p->user, status,
		     err ? " (no answer)" : "");
	settle_start(p, i, !err && status >= 200 && status < 300);
	push_more(p);
	push_check_end(p);
}

static int
send_one(push *p, size_t i)
{
	const ims_msg *m = ims_lease_msg(p->reg.lease, i);
	const conf_transport *core = &p->d->cf.sip_core;
	char hdrs[IMS_ADDR_MAX * 2 + 200];
	sent *s;

	if (!p->env[i] || !(s = calloc(1, sizeof *s)))
		return -1;
	s->p = p;
	s->i = i;
	snprintf(hdrs, sizeof hdrs, "From: <%s>;tag=imstored\r\nTo: <%s>\r\n"
	         "Content-Type: message/cpim\r\n",
	         m->from.uri ? m->from.uri : "sip:anonymous@anonymous.invalid", p->user);
	if (sx_send(p->d->sx, "MESSAGE", p->user, core->hostport, core->tcp, hdrs,
	            p->env[i], p->envlen[i], on_answer, s)) {
		free(s);
		return -1;
	}
	atomic_fetch_add(&p->d->m.pushed, 1);
	return 0;
}

static void
push_more(push *p)
{
	while (p->next < p->n && p->pending < p->d->cf.push_window && !p->d->draining) {
		size_t i = p->next++;

		p->pending++;
		if (send_one(p, i))
			settle_start(p, i, 0);
	}
}

static void
notify(push *p)
{
	const conf_transport *core = &p->d->cf.sip_core;
	char hdrs[IMS_ADDR_MAX * 2 + 200];
	char from[300];

	snprintf(from, sizeof from, "sip:Deferred@%s", p->d->cf.domain[0]);
	snprintf(hdrs, sizeof hdrs, "From: <%s>;tag=imstored\r\nTo: <%s>\r\n"
	         "Content-Type: application/vnd.oma.im.deferred-list+xml\r\n", from, p->user);
	(void)sx_send(p->d->sx, "MESSAGE", p->user, core->hostport, core->tcp, hdrs,
	              p->reg.summary, p->reg.summary_len, NULL, NULL);
}

/* ----------------------------------------------------------- on register */

static void
reg_work(job *jb)
{
	push *p = (push *)jb;

	p->rc = ims_deferred_on_register(&p->reg, p->d->st, p->user,
	                                 p->d->cf.lease_time);
	if (p->rc || p->reg.action != IMS_REGISTER_PUSH)
		return;
	p->n = ims_lease_count(p->reg.lease);
	p->env = calloc(p->n ? p->n : 1, sizeof *p->env);
	p->envlen = calloc(p->n ? p->n : 1, sizeof *p->envlen);
	if (!p->env || !p->envlen) {
		p->n = 0;
		return;
	}
	for (size_t i = 0; i < p->n; i++)
		if (ims_msg_envelope(&p->env[i], &p->envlen[i], p->d->st,
		                     ims_lease_msg(p->reg.lease, i)))
			p->env[i] = NULL;
}

static void
reg_done(job *jb)
{
	push *p = (push *)jb;

	if (p->rc) {
		logx(LOG_ERR, "on-register of '%s': %s", p->user, ims_strerror(p->rc));
	} else if (p->reg.action == IMS_REGISTER_PUSH) {
		logx(LOG_INFO, "pushing %zu messages to '%s'", p->n, p->user);
		push_more(p);
		push_check_end(p);
		return;
	} else if (p->reg.action == IMS_REGISTER_NOTIFY && p->reg.summary) {
		notify(p);
	}
	push_free(p);
}

void
register_received(imsd *d, sx_req *r, const sx_in *in)
{
	push *p;

	(void)sx_reply(r, 200, "OK", NULL);
	logx(LOG_DEBUG, "REGISTER of '%s', expires %ld", in->to_uri, in->expires);
	if (in->expires == 0 || !d->cf.have_core || !(p = calloc(1, sizeof *p)))
		return;
	if (ims_addr_canon(p->user, sizeof p->user, in->to_uri)) {
		free(p);
		return;
	}
	p->j.work = reg_work;
	p->j.done = reg_done;
	p->d = d;
	if (pool_submit(d->pool, &p->j))
		free(p);
}
