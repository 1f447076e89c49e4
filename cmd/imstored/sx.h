/* sx.h - the SIP stack and event loop as the daemon sees them.
 *
 * Everything libre (1.1.0, Debian libre-dev) is behind sx.c: the rest of
 * the daemon includes this header only, so a change of libre's API (it
 * changed a lot upstream) is a change of one file.  Every function here
 * runs on the loop's thread, but sx_wake(), which any thread may call. */
#ifndef IMSTORED_SX_H
#define IMSTORED_SX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct sx sx;
typedef struct sx_req sx_req;     /* a request kept until it is answered */

/* What a handler reads of a received request.  The strings are NUL
 * terminated copies, cut to their buffer; raw points into the received
 * buffer and stays valid until the request is answered. */
typedef struct sx_in {
	char method[16];
	const void *raw;        /* the request's exact bytes, request line to
	                           the end of its Content-Length body */
	size_t raw_len;
	int clen_bad;           /* Content-Length larger than what arrived */
	int tcp;                /* received over TCP */
	struct sockaddr_storage src;
	char src_text[64];      /* "127.0.0.1:5060" */
	char ruri_user[128];    /* the Request-URI's user part, host */
	char ruri_host[256];
	char to_uri[512];       /* the To header's URI */
	long expires;           /* Expires header (REGISTER), -1 without */
} sx_in;

typedef void sx_req_h(sx_req *r, const sx_in *in, void *arg);
/* a request sent with sx_send() is over: status its final answer, or 0
 * with err set (transport error, ETIMEDOUT) */
typedef void sx_resp_h(int err, int status, void *arg);
typedef void sx_fd_h(int fd, void *arg);
typedef void sx_call_h(void *arg);

/* The stack, with @p h called for every request.  0 or an errno. */
int sx_open(sx **out, sx_req_h *h, void *arg);
/* Add a transport: tcp 0 for UDP; hostport "127.0.0.1:5070". */
int sx_listen(sx *s, int tcp, const char *hostport);
/* The next request's buffers are raised to hold @p max bytes (UDP reads
 * and socket receive buffer). */
void sx_set_max_request(sx *s, size_t max);

/* Answer @p r (final: status >= 200) and forget it; @p hdrs extra header
 * lines, each ending in CR LF, or NULL. */
int sx_reply(sx_req *r, int status, const char *reason, const char *hdrs);
/* Call @p h(arg) when @p r is answered (by sx_reply), once; not for the
 * requests sx_close() drops. */
void sx_req_on_answer(sx_req *r, sx_call_h *h, void *arg);

/* Send a request statefully to @p dst ("udp:HOST:PORT" is parsed by the
 * caller: host:port and tcp) with Request-URI @p ruri; @p hdrs the header
 * lines besides Via, Max-Forwards (libre adds it), Call-ID, CSeq,
 * Content-Length, each
 * ending in CR LF.  @p h is called once, later.  0 or an errno. */
int sx_send(sx *s, const char *method, const char *ruri, const char *dst,
            int tcp, const char *hdrs, const void *body, size_t len,
            sx_resp_h *h, void *arg);
/* The dialog a 2xx to a request creates (a REFER's, RFC 3515): what a
 * request sent within it needs.  Local is our side (the request's To),
 * remote the requester's (its From); target its Contact URI. */
typedef struct sx_dialog {
	char call_id[256];
	char local_uri[512];
	char local_tag[64];
	char remote_uri[512];
	char remote_tag[128];
	char target[512];
	uint32_t cseq;           /* our last CSeq in it */
} sx_dialog;

/* sx_reply() with a 2xx that creates a dialog: @p dlg gets its Call-ID,
 * tags and URIs (target from the request's Contact, else its From). */
int sx_reply_dialog(sx_req *r, int status, const char *reason,
                    const char *hdrs, sx_dialog *dlg);
/* Send a request within @p dlg (its CSeq counted up), through @p dst as
 * sx_send(); @p hdrs besides From, To, Call-ID, CSeq. */
int sx_send_dialog(sx *s, sx_dialog *dlg, const char *method, const char *dst,
                   int tcp, const char *hdrs, const void *body, size_t len,
                   sx_resp_h *h, void *arg);
/* The local address requests go out from: "127.0.0.1:5070". */
int sx_local(sx *s, char *out, size_t cap, int tcp);

/* Call @p h on the loop when @p fd is readable; h NULL stops watching. */
int sx_fd_watch(sx *s, int fd, sx_fd_h *h, void *arg);
/* A thread-safe wake-up: @p h runs on the loop soon after sx_wake(); many
 * calls before it runs may be one call. */
int sx_waker(sx *s, sx_call_h *h, void *arg);
void sx_wake(sx *s);
/* Call @p h every @p ms milliseconds. */
int sx_every(sx *s, unsigned ms, sx_call_h *h, void *arg);

/* Run the loop until sx_stop().  0 or an errno. */
int sx_run(sx *s);
void sx_stop(sx *s);
/* Close the transports and free everything; pending requests are dropped. */
void sx_close(sx *s);

#endif
