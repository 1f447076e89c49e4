/* conf.h - imstored.conf(5): the configuration, read once at start. */
#ifndef IMSTORED_CONF_H
#define IMSTORED_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONF_LISTEN_MAX 16
#define CONF_DOMAIN_MAX 64
#define CONF_TRUSTED_MAX 64

typedef struct conf_net {
	int af;                  /* AF_INET, AF_INET6 */
	unsigned char addr[16];
	unsigned bits;           /* prefix length */
} conf_net;

typedef struct conf_transport {
	int tcp;
	char hostport[300];      /* "127.0.0.1:5070", "[::1]:5070" */
} conf_transport;

typedef struct conf {
	char store[4096];
	conf_transport listen[CONF_LISTEN_MAX];
	size_t nlisten;
	char domain[CONF_DOMAIN_MAX][256];
	size_t ndomain;
	conf_transport sip_core;
	int have_core;
	conf_net trusted[CONF_TRUSTED_MAX];
	size_t ntrusted;
	unsigned workers;
	size_t queue_max;
	unsigned push_window;
	int64_t push_timeout;    /* microseconds */
	int64_t lease_time;
	int64_t sweep_interval;
	size_t max_request;      /* bytes of one request */
	unsigned retry_after;    /* seconds, in a 503 */
	unsigned source_rate;    /* requests a second per source, 0 off */
	unsigned source_burst;   /* the bucket's depth */
	unsigned source_inflight; /* requests in flight per source, 0 off */
	char metrics[300];       /* "127.0.0.1:9470" or "" */
	int log_syslog;
	int log_level;           /* LOG_ERR .. LOG_DEBUG */
} conf;

/* Read @p path into @p c (defaults first).  0, or -1 with a message
 * naming the file and line in @p err. */
int conf_read(conf *c, const char *path, char *err, size_t errcap);
/* Whether @p src is in a trusted network. */
int conf_is_trusted(const conf *c, const struct sockaddr_storage *src);
/* Whether @p host (the Request-URI's) is a served domain. */
int conf_serves(const conf *c, const char *host);

#endif
