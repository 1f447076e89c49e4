/* imstored.h - the daemon's state and the parts that share it.
 *
 * main.c      command line, start, signals, the drain on SIGTERM
 * request.c   a received request: trust, limits, which function
 * limit.c     rate and requests in flight per source address
 * message.c   MESSAGE: the deferred store and the history copy (workers)
 * register.c  third-party REGISTER: the on-register logic
 * publish.c   PUBLISH of the service settings (Event: poc-settings)
 * refer.c     REFER to Delete@: the Delete function
 * send.c      the MESSAGEs imstored sends through the SIP core
 * util.c      the clock, reason phrases from hostile text
 * conf.c      imstored.conf(5)         log.c      stderr or syslog
 * pool.c      worker threads, bounded queue, done list
 * metrics.c   counters and GET /metrics
 * sx.c        libre: SIP, the event loop (the only file that includes it) */
#ifndef IMSTORED_H
#define IMSTORED_H

#include <signal.h>
#include <stdint.h>

#include "imstore.h"
#include "conf.h"
#include "metrics.h"
#include "pool.h"
#include "sx.h"

typedef struct imsd {
	conf cf;
	sx *sx;
	pool *pool;
	ims_store *st;
	metrics m;
	int draining;            /* SIGTERM seen: answer what is in flight, stop */
	int sweeping;            /* a sweep job is queued or running */
	int64_t next_sweep;
	struct pubtab *pub;      /* publish.c: the entity tags */
	struct pushtab *push;    /* register.c: the pushes under way */
	struct limtab *lim;      /* limit.c: the sources seen */
} imsd;

/* request.c */
void request_received(sx_req *r, const sx_in *in, void *arg);

/* limit.c: the table of sources (limit_open: 0 or -1, no memory; freed
 * by limit_close after sx_close).  limit_admit: 0, the request counted in
 * flight until answered; or -1, answered 503 with Retry-After (over
 * source_inflight or source_rate) and counted. */
int limit_open(imsd *d);
void limit_close(imsd *d);
int limit_admit(imsd *d, sx_req *r, const sx_in *in);

/* message.c: queue the store of a MESSAGE (deferred, or the History@
 * copy); answers 503 itself when the queue is full. */
void message_received(imsd *d, sx_req *r, const sx_in *in, int history);
/* A sweep of expired deferred messages and history past retention. */
void sweep_start(imsd *d);

/* register.c: the on-register logic (push or notify); push_tick() on
 * the loop's timer retries what the queue refused and times pushes out;
 * push_close() frees what is left at exit (the leases run out). */
void register_received(imsd *d, sx_req *r, const sx_in *in);
void push_tick(imsd *d);
void push_close(imsd *d);

/* publish.c: PUBLISH (RFC 3903) of the IM service settings; the
 * publications are freed by publish_close(). */
void publish_received(imsd *d, sx_req *r, const sx_in *in);
void publish_close(imsd *d);

/* refer.c: REFER to sip:Delete@<domain>: 202, then a NOTIFY (sipfrag). */
void refer_received(imsd *d, sx_req *r, const sx_in *in);

/* send.c: the server's own address in @p user's domain
 * (sip:Deferred@domain); a MESSAGE of ours to sip_core, @p ruri also the
 * To, its answer to @p h (send_oneway: logged only).  0 or an errno. */
void server_uri(imsd *d, const char *user, char *out, size_t cap);
int send_msg(imsd *d, const char *ruri, const char *from, const char *ctype,
             const void *body, size_t len, sx_resp_h *h, void *arg);
int send_oneway(imsd *d, const char *ruri, const char *from,
                const char *ctype, const void *body, size_t len);

/* util.c: the wall clock and the monotonic clock in µs; a reason phrase
 * from hostile text (printable ASCII, at most 100 bytes). */
int64_t now_us(void);
int64_t mono_us(void);
void reason_clean(char *out, size_t cap, const char *text);

#endif
