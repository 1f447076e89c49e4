/* sx.c - the daemon's one file that speaks libre (1.1.0): the SIP stack,
 * its transports, server transactions, requests sent, the event loop,
 * timers, file descriptors and the thread-safe wake-up.
 *
 * libre 1.1.0 traps this file works around (measured):
 * - a UDP datagram's body is not cut to Content-Length, and a larger
 *   Content-Length is not refused: sx_in gives the exact bytes and says so;
 * - UDP reads stop at 8 KiB: every UDP socket gets a larger read size and
 *   socket receive buffer (udp_rxsz_set, udp_sockbuf_set) through the
 *   socket libre hands out with a request; a probe datagram sent to
 *   ourselves at listen time reaches it before any peer's request;
 * - TCP messages past 64 KiB drop the connection (TCP_BUFSIZE_MAX, fixed);
 * - a retransmission with a new Via branch while the first transaction
 *   is open is answered 482 by libre before we see it. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <re.h>

#include "sx.h"

#define SX_MAXSOCK 16
#define SX_SOCKBUF (4 << 20)
#define SX_MAXFD 1024

typedef struct sx_fd {
	sx_fd_h *h;
	void *arg;
	int fd;
} sx_fd;

struct sx {
	struct sip *sip;
	struct sip_lsnr *lsnr;
	sx_req_h *h;
	void *arg;
	size_t max_req;
	struct udp_sock *raised[SX_MAXSOCK];
	size_t nraised;
	char probe_id[48];
	struct mqueue *mq;
	sx_call_h *wake_h;
	void *wake_arg;
	atomic_int wake_pending;
	struct tmr tick;
	unsigned tick_ms;
	sx_call_h *tick_h;
	void *tick_arg;
	uint32_t cseq;
	sx_fd *fds[SX_MAXFD];
};

struct sx_req {
	sx *s;
	struct sip_msg *msg;
	struct sip_strans *st;
	sx_call_h *answered;     /* sx_req_on_answer() */
	void *answered_arg;
};

typedef struct sx_out {
	sx_resp_h *h;
	void *arg;
	struct sip_request *req;
} sx_out;

/* --------------------------------------------------------------- receive */

/* Read sizes up for a UDP socket the first time one of its requests
 * comes: libre keeps its sockets to itself otherwise. */
static void
raise_udp(sx *s, struct udp_sock *us)
{
	for (size_t i = 0; i < s->nraised; i++)
		if (s->raised[i] == us)
			return;
	if (s->nraised == SX_MAXSOCK)
		return;
	udp_rxsz_set(us, 65535);    /* any datagram: max_request says 413 */
	(void)udp_sockbuf_set(us, SX_SOCKBUF);
	s->raised[s->nraised++] = us;
}

static void
copy_pl(char *out, size_t cap, const struct pl *pl)
{
	size_t n = pl && pl->p ? pl->l : 0;

	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(out, pl->p, n);
	out[n] = 0;
}

/* Content-Length as digits only, at most 9 of them; else -1. */
static long
clen_value(const struct pl *pl)
{
	long v = 0;

	if (!pl->p || pl->l == 0 || pl->l > 9)
		return -1;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return -1;
		v = v * 10 + (pl->p[i] - '0');
	}
	return v;
}

/* The exact bytes of the request: from the request line to the end of
 * the Content-Length body (UDP: libre does not cut it). */
static void
fill_raw(sx_in *in, const struct sip_msg *msg)
{
	const uint8_t *start = (const uint8_t *)msg->met.p;
	const uint8_t *body = mbuf_buf(msg->mb);
	size_t left = mbuf_get_left(msg->mb);
	long clen = clen_value(&msg->clen);

	in->raw = start;
	in->raw_len = (size_t)(body - start) + left;
	if (!msg->clen.p)
		return;    /* UDP without one: the datagram's rest (ingest says) */
	if (clen < 0 || (size_t)clen > left) {
		in->clen_bad = 1;
		return;
	}
	in->raw_len = (size_t)(body - start) + (size_t)clen;
}

static void
fill_in(sx_in *in, const struct sip_msg *msg)
{
	memset(in, 0, sizeof *in);
	copy_pl(in->method, sizeof in->method, &msg->met);
	fill_raw(in, msg);
	in->tcp = msg->tp != SIP_TRANSP_UDP;
	memcpy(&in->src, &msg->src.u, msg->src.len <= sizeof in->src
	       ? msg->src.len : sizeof in->src);
	(void)re_snprintf(in->src_text, sizeof in->src_text, "%J", &msg->src);
	copy_pl(in->ruri_user, sizeof in->ruri_user, &msg->uri.user);
	copy_pl(in->ruri_host, sizeof in->ruri_host, &msg->uri.host);
	copy_pl(in->to_uri, sizeof in->to_uri, &msg->to.auri);
	in->expires = msg->expires.p ? (long)pl_u32(&msg->expires) : -1;
}

static bool
on_request(const struct sip_msg *cmsg, void *arg)
{
	sx *s = arg;
	struct sip_msg *msg;
	sx_req *r;
	sx_in in;

	memcpy(&msg, &cmsg, sizeof msg);    /* libre's refcount needs it */
	if (msg->tp == SIP_TRANSP_UDP && msg->sock)
		raise_udp(s, msg->sock);
	if (!pl_strcmp(&msg->callid, s->probe_id))
		return true;
	if (!pl_strcmp(&msg->met, "ACK"))
		return true;
	r = calloc(1, sizeof *r);
	if (!r) {
		(void)sip_reply(s->sip, msg, 503, "Out Of Memory");
		return true;
	}
	r->s = s;
	r->msg = mem_ref(msg);
	if (sip_strans_alloc(&r->st, s->sip, msg, NULL, NULL)) {
		(void)sip_reply(s->sip, msg, 503, "Out Of Memory");
		mem_deref(r->msg);
		free(r);
		return true;
	}
	fill_in(&in, msg);
	s->h(r, &in, s->arg);
	return true;
}

int
sx_reply(sx_req *r, int status, const char *reason, const char *hdrs)
{
	int err;

	err = sip_treplyf(&r->st, NULL, r->s->sip, r->msg, false,
	                  (uint16_t)status, reason, "%sContent-Length: 0\r\n\r\n",
	                  hdrs ? hdrs : "");
	mem_deref(r->st);    /* NULL after a final answer sent */
	mem_deref(r->msg);
	if (r->answered)
		r->answered(r->answered_arg);
	free(r);
	return err;
}

void
sx_req_on_answer(sx_req *r, sx_call_h *h, void *arg)
{
	r->answered = h;
	r->answered_arg = arg;
}

int
sx_reply_dialog(sx_req *r, int status, const char *reason, const char *hdrs,
                sx_dialog *dlg)
{
	const struct sip_msg *m = r->msg;
	const struct sip_hdr *ct = sip_msg_hdr(m, SIP_HDR_CONTACT);
	struct sip_addr a;

	memset(dlg, 0, sizeof *dlg);
	copy_pl(dlg->call_id, sizeof dlg->call_id, &m->callid);
	copy_pl(dlg->local_uri, sizeof dlg->local_uri, &m->to.auri);
	if (pl_isset(&m->to.tag))
		copy_pl(dlg->local_tag, sizeof dlg->local_tag, &m->to.tag);
	else    /* what libre's reply adds to To */
		(void)re_snprintf(dlg->local_tag, sizeof dlg->local_tag, "%016llx",
		                  (unsigned long long)m->tag);
	copy_pl(dlg->remote_uri, sizeof dlg->remote_uri, &m->from.auri);
	copy_pl(dlg->remote_tag, sizeof dlg->remote_tag, &m->from.tag);
	if (ct && !sip_addr_decode(&a, &ct->val))
		copy_pl(dlg->target, sizeof dlg->target, &a.auri);
	if (!dlg->target[0])
		snprintf(dlg->target, sizeof dlg->target, "%s", dlg->remote_uri);
	return sx_reply(r, status, reason, hdrs);
}

/* ------------------------------------------------------------------ open */

int
sx_open(sx **out, sx_req_h *h, void *arg)
{
	sx *s;
	int err;

	*out = NULL;
	if ((err = libre_init()))
		return err;
	s = calloc(1, sizeof *s);
	if (!s) {
		err = ENOMEM;
		goto fail_re;
	}
	s->h = h;
	s->arg = arg;
	s->max_req = 65536;
	s->cseq = (uint32_t)getpid();
	tmr_init(&s->tick);
	snprintf(s->probe_id, sizeof s->probe_id, "imstored-probe-%ld-%u",
	         (long)getpid(), rand_u32());
	if ((err = sip_alloc(&s->sip, NULL, 1024, 1024, 64, "imstored", NULL, NULL)))
		goto fail_s;
	if ((err = sip_listen(&s->lsnr, s->sip, true, on_request, s)))
		goto fail_sip;
	*out = s;
	return 0;
fail_sip:
	sip_close(s->sip, true);
	mem_deref(s->sip);
fail_s:
	free(s);
fail_re:
	libre_close();
	return err;
}

void
sx_set_max_request(sx *s, size_t max)
{
	s->max_req = max;
}

/* A datagram to a UDP listener of ours, so that its socket is raised
 * before a peer's large request arrives. */
static void
send_probe(sx *s, const struct sa *to)
{
	char buf[512];
	struct sa dst = *to;
	int fd, n;

	if (sa_is_any(&dst))
		(void)sa_set_str(&dst, sa_af(&dst) == AF_INET6 ? "::1" : "127.0.0.1",
		                 sa_port(to));
	n = re_snprintf(buf, sizeof buf,
	                "OPTIONS sip:probe@invalid SIP/2.0\r\n"
	                "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
	                "From: <sip:probe@invalid>;tag=1\r\nTo: <sip:probe@invalid>\r\n"
	                "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	                s->probe_id, s->probe_id);
	fd = socket(sa_af(&dst), SOCK_DGRAM, 0);
	if (fd < 0 || n <= 0)
		goto out;
	(void)sendto(fd, buf, (size_t)n, 0, &dst.u.sa, dst.len);
out:
	if (fd >= 0)
		close(fd);
}

int
sx_listen(sx *s, int tcp, const char *hostport)
{
	struct sa laddr;
	int err;

	if ((err = sa_decode(&laddr, hostport, strlen(hostport))))
		return err;
	err = sip_transp_add(s->sip, tcp ? SIP_TRANSP_TCP : SIP_TRANSP_UDP, &laddr);
	if (!err && !tcp)
		send_probe(s, &laddr);
	return err;
}

int
sx_local(sx *s, char *out, size_t cap, int tcp)
{
	struct sa la;
	int err;

	err = sip_transp_laddr(s->sip, &la, tcp ? SIP_TRANSP_TCP : SIP_TRANSP_UDP, NULL);
	if (err)
		return err;
	return re_snprintf(out, cap, "%J", &la) < 0 ? ENOSPC : 0;
}

/* ------------------------------------------------------------------ send */

static void
on_response(int err, const struct sip_msg *msg, void *arg)
{
	sx_out *o = arg;

	if (!err && msg && msg->scode < 200)
		return;
	if (o->h)
		o->h(err, err || !msg ? 0 : msg->scode, o->arg);
	free(o);
}

/* A request through @p dst: Call-ID and CSeq given, or new when NULL/0. */
static int
send_req(sx *s, const char *method, const char *ruri, const char *dst, int tcp,
         const char *callid, uint32_t cseq, const char *hdrs, const void *body,
         size_t len, sx_resp_h *h, void *arg)
{
	struct uri route;
	struct pl pl;
	char routebuf[300], cid[300];
	sx_out *o;
	int err;

	if (snprintf(routebuf, sizeof routebuf, "sip:%s;lr%s", dst,
	             tcp ? ";transport=tcp" : "") >= (int)sizeof routebuf)
		return EINVAL;
	pl_set_str(&pl, routebuf);
	if ((err = uri_decode(&route, &pl)))
		return err;
	if (callid)
		snprintf(cid, sizeof cid, "%s", callid);
	else
		(void)re_snprintf(cid, sizeof cid, "imstored-%x-%x", rand_u32(), rand_u32());
	if (!(o = calloc(1, sizeof *o)))
		return ENOMEM;
	o->h = h;
	o->arg = arg;
	err = sip_requestf(&o->req, s->sip, true, method, ruri, &route, NULL, NULL,
	                   on_response, o,
	                   "Call-ID: %s\r\nCSeq: %u %s\r\n"
	                   "%sContent-Length: %zu\r\n\r\n%b",
	                   cid, cseq ? cseq : ++s->cseq, method, hdrs ? hdrs : "",
	                   len, body, len);
	if (err) {
		free(o);
		return err;
	}
	o->req = NULL;    /* libre keeps the request until its answer */
	return 0;
}

int
sx_send(sx *s, const char *method, const char *ruri, const char *dst, int tcp,
        const char *hdrs, const void *body, size_t len, sx_resp_h *h, void *arg)
{
	return send_req(s, method, ruri, dst, tcp, NULL, 0, hdrs, body, len, h, arg);
}

int
sx_send_dialog(sx *s, sx_dialog *dlg, const char *method, const char *dst,
               int tcp, const char *hdrs, const void *body, size_t len,
               sx_resp_h *h, void *arg)
{
	char all[3072];

	if (snprintf(all, sizeof all, "From: <%s>;tag=%s\r\nTo: <%s>%s%s\r\n%s",
	             dlg->local_uri, dlg->local_tag, dlg->remote_uri,
	             dlg->remote_tag[0] ? ";tag=" : "", dlg->remote_tag,
	             hdrs ? hdrs : "") >= (int)sizeof all)
		return EINVAL;
	return send_req(s, method, dlg->target, dst, tcp, dlg->call_id, ++dlg->cseq,
	                all, body, len, h, arg);
}

/* ------------------------------------------------------------- the loop */

static void
on_fd(int flags, void *arg)
{
	sx_fd *f = arg;

	(void)flags;
	f->h(f->fd, f->arg);
}

int
sx_fd_watch(sx *s, int fd, sx_fd_h *h, void *arg)
{
	sx_fd *f;

	if (fd < 0 || fd >= SX_MAXFD)
		return EMFILE;
	if (!h) {
		fd_close(fd);
		free(s->fds[fd]);
		s->fds[fd] = NULL;
		return 0;
	}
	if (!(f = s->fds[fd]) && !(f = s->fds[fd] = calloc(1, sizeof *f)))
		return ENOMEM;
	f->h = h;
	f->arg = arg;
	f->fd = fd;
	return fd_listen(fd, FD_READ, on_fd, f);
}

static void
on_mqueue(int id, void *data, void *arg)
{
	sx *s = arg;

	(void)id;
	(void)data;
	atomic_store(&s->wake_pending, 0);
	s->wake_h(s->wake_arg);
}

int
sx_waker(sx *s, sx_call_h *h, void *arg)
{
	s->wake_h = h;
	s->wake_arg = arg;
	return mqueue_alloc(&s->mq, on_mqueue, s);
}

/* One wake-up per batch: a push only when none is pending. */
void
sx_wake(sx *s)
{
	if (atomic_exchange(&s->wake_pending, 1) == 0)
		(void)mqueue_push(s->mq, 0, NULL);
}

static void
on_tick(void *arg)
{
	sx *s = arg;

	tmr_start(&s->tick, s->tick_ms, on_tick, s);
	s->tick_h(s->tick_arg);
}

int
sx_every(sx *s, unsigned ms, sx_call_h *h, void *arg)
{
	s->tick_ms = ms;
	s->tick_h = h;
	s->tick_arg = arg;
	tmr_start(&s->tick, ms, on_tick, s);
	return 0;
}

int
sx_run(sx *s)
{
	(void)s;
	return re_main(NULL);
}

void
sx_stop(sx *s)
{
	(void)s;
	re_cancel();
}

void
sx_close(sx *s)
{
	if (!s)
		return;
	tmr_cancel(&s->tick);
	mem_deref(s->lsnr);
	sip_close(s->sip, true);
	mem_deref(s->sip);
	mem_deref(s->mq);
	for (int i = 0; i < SX_MAXFD; i++)
		if (s->fds[i]) {
			fd_close(i);
			free(s->fds[i]);
		}
	free(s);
	libre_close();
}
