/* conf.c - read imstored.conf(5): "key = value" lines, '#' comments. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "imstore.h"
#include "conf.h"

typedef struct cfline {
	const char *path;
	unsigned line;
	char *err;
	size_t errcap;
} cfline;

static int
bad(cfline *l, const char *key, const char *why, const char *val)
{
	snprintf(l->err, l->errcap, "%s, line %u: %s '%.80s': %s", l->path, l->line,
	         key, val, why);
	return -1;
}

static void
defaults(conf *c)
{
	memset(c, 0, sizeof *c);
	c->workers = 32;
	c->queue_max = 4096;
	c->push_window = 16;
	c->push_timeout = 32 * INT64_C(1000000);
	c->lease_time = 300 * INT64_C(1000000);
	c->sweep_interval = 60 * INT64_C(1000000);
	c->max_request = 65000;
	c->retry_after = 5;
	c->source_rate = 20000;
	c->source_burst = 40000;
	c->source_inflight = 4096;
	c->log_level = LOG_INFO;
}

/* "udp:HOST:PORT" or "tcp:HOST:PORT"; the port is required. */
static int
transport(conf_transport *t, const char *v)
{
	const char *colon;

	if (!strncmp(v, "udp:", 4))
		t->tcp = 0;
	else if (!strncmp(v, "tcp:", 4))
		t->tcp = 1;
	else
		return -1;
	v += 4;
	colon = strrchr(v, ':');
	if (!colon || colon == v || !colon[1] || strspn(colon + 1, "0123456789") !=
	    strlen(colon + 1) || strlen(colon + 1) > 5 || atoi(colon + 1) > 65535 ||
	    strlen(v) >= sizeof t->hostport)
		return -1;
	strcpy(t->hostport, v);
	return 0;
}

static int
network(conf_net *n, const char *v)
{
	char buf[64];
	const char *slash = strchr(v, '/');
	size_t len = slash ? (size_t)(slash - v) : strlen(v);
	unsigned max;

	if (len >= sizeof buf)
		return -1;
	memcpy(buf, v, len);
	buf[len] = 0;
	if (inet_pton(AF_INET, buf, n->addr) == 1)
		n->af = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, buf, n->addr) == 1)
		n->af = AF_INET6, max = 128;
	else
		return -1;
	n->bits = max;
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);

		if (!slash[1] || *end || b < 0 || b > (long)max)
			return -1;
		n->bits = (unsigned)b;
	}
	return 0;
}

static int
number(uint64_t *out, const char *v, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long n;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int
level(int *out, const char *v)
{
	static const struct { const char *name; int level; } t[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(v, t[i].name)) {
			*out = t[i].level;
			return 0;
		}
	return -1;
}

static int
duration(int64_t *out, const char *v)
{
	return ims_duration_parse(out, v, NULL) || *out <= 0 ? -1 : 0;
}

static int
repeat(cfline *l, const char *key, const char *v, size_t *n, size_t max)
{
	if (*n < max)
		return 0;
	return bad(l, key, "too many of them", v);
}

/* One "key = value".  0 or -1 with the message. */
static int
setting(conf *c, cfline *l, const char *k, const char *v)
{
	uint64_t n;

	if (!strcmp(k, "store")) {
		if (!*v || strlen(v) >= sizeof c->store)
			return bad(l, k, "not a path", v);
		strcpy(c->store, v);
	} else if (!strcmp(k, "listen")) {
		if (repeat(l, k, v, &c->nlisten, CONF_LISTEN_MAX))
			return -1;
		if (transport(&c->listen[c->nlisten], v))
			return bad(l, k, "expected udp:HOST:PORT or tcp:HOST:PORT", v);
		c->nlisten++;
	} else if (!strcmp(k, "domain")) {
		if (repeat(l, k, v, &c->ndomain, CONF_DOMAIN_MAX))
			return -1;
		if (!*v || strlen(v) >= sizeof c->domain[0] || strpbrk(v, " \t@:;<>"))
			return bad(l, k, "not a domain name", v);
		strcpy(c->domain[c->ndomain++], v);
	} else if (!strcmp(k, "sip_core")) {
		if (transport(&c->sip_core, v))
			return bad(l, k, "expected udp:HOST:PORT or tcp:HOST:PORT", v);
		c->have_core = 1;
	} else if (!strcmp(k, "trusted")) {
		if (repeat(l, k, v, &c->ntrusted, CONF_TRUSTED_MAX))
			return -1;
		if (network(&c->trusted[c->ntrusted], v))
			return bad(l, k, "expected an address or ADDRESS/BITS", v);
		c->ntrusted++;
	} else if (!strcmp(k, "workers")) {
		if (number(&n, v, 1, 1024))
			return bad(l, k, "expected a number from 1 to 1024", v);
		c->workers = (unsigned)n;
	} else if (!strcmp(k, "queue_max")) {
		if (number(&n, v, 1, 1000000))
			return bad(l, k, "expected a number from 1 to 1000000", v);
		c->queue_max = (size_t)n;
	} else if (!strcmp(k, "push_window")) {
		if (number(&n, v, 1, 1024))
			return bad(l, k, "expected a number from 1 to 1024", v);
		c->push_window = (unsigned)n;
	} else if (!strcmp(k, "max_request")) {
		if (number(&n, v, 1024, 65000))
			return bad(l, k, "expected a number of bytes from 1024 to 65000", v);
		c->max_request = (size_t)n;
	} else if (!strcmp(k, "retry_after")) {
		if (number(&n, v, 1, 3600))
			return bad(l, k, "expected seconds from 1 to 3600", v);
		c->retry_after = (unsigned)n;
	} else if (!strcmp(k, "source_rate")) {
		if (number(&n, v, 0, 1000000))
			return bad(l, k, "expected requests a second from 0 to 1000000", v);
		c->source_rate = (unsigned)n;
	} else if (!strcmp(k, "source_burst")) {
		if (number(&n, v, 1, 1000000))
			return bad(l, k, "expected a number from 1 to 1000000", v);
		c->source_burst = (unsigned)n;
	} else if (!strcmp(k, "source_inflight")) {
		if (number(&n, v, 0, 1000000))
			return bad(l, k, "expected a number from 0 to 1000000", v);
		c->source_inflight = (unsigned)n;
	} else if (!strcmp(k, "push_timeout")) {
		if (duration(&c->push_timeout, v))
			return bad(l, k, "expected a duration such as 32s", v);
	} else if (!strcmp(k, "lease_time")) {
		if (duration(&c->lease_time, v))
			return bad(l, k, "expected a duration such as 5m", v);
	} else if (!strcmp(k, "sweep_interval")) {
		if (duration(&c->sweep_interval, v))
			return bad(l, k, "expected a duration such as 1m", v);
	} else if (!strcmp(k, "metrics")) {
		conf_transport t;
		char spec[310];

		snprintf(spec, sizeof spec, "tcp:%s", v);
		if (transport(&t, spec))
			return bad(l, k, "expected HOST:PORT", v);
		strcpy(c->metrics, t.hostport);
	} else if (!strcmp(k, "log")) {
		if (strcmp(v, "stderr") && strcmp(v, "syslog"))
			return bad(l, k, "expected stderr or syslog", v);
		c->log_syslog = !strcmp(v, "syslog");
	} else if (!strcmp(k, "log_level")) {
		if (level(&c->log_level, v))
			return bad(l, k, "expected error, warning, notice, info or debug", v);
	} else {
		return bad(l, "key", "unknown", k);
	}
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

static int
parse_line(conf *c, cfline *l, char *buf)
{
	char *hash = strchr(buf, '#'), *eq, *k, *v;

	if (hash)
		*hash = 0;
	k = trim(buf);
	if (!*k)
		return 0;
	if (!(eq = strchr(k, '='))) {
		snprintf(l->err, l->errcap, "%s, line %u: expected key = value",
		         l->path, l->line);
		return -1;
	}
	*eq = 0;
	v = trim(eq + 1);
	k = trim(k);
	return setting(c, l, k, v);
}

static int
check(conf *c, cfline *l)
{
	const char *miss = !c->store[0] ? "store" : !c->nlisten ? "listen"
	                 : !c->ndomain ? "domain" : !c->ntrusted ? "trusted" : NULL;

	if (miss) {
		snprintf(l->err, l->errcap, "%s: no %s given", l->path, miss);
		return -1;
	}
	return 0;
}

int
conf_read(conf *c, const char *path, char *err, size_t errcap)
{
	cfline l = { path, 0, err, errcap };
	char buf[8192];
	FILE *f;
	int rc = 0;

	defaults(c);
	if (!(f = fopen(path, "r"))) {
		snprintf(err, errcap, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (!rc && fgets(buf, sizeof buf, f)) {
		l.line++;
		if (!strchr(buf, '\n') && !feof(f)) {
			snprintf(err, errcap, "%s, line %u: line too long", path, l.line);
			rc = -1;
			break;
		}
		rc = parse_line(c, &l, buf);
	}
	if (!rc && ferror(f)) {
		snprintf(err, errcap, "cannot read '%s': %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	return rc ? rc : check(c, &l);
}

static int
net_match(const conf_net *n, const unsigned char *a)
{
	unsigned full = n->bits / 8, rest = n->bits % 8;

	if (memcmp(n->addr, a, full))
		return 0;
	if (!rest)
		return 1;
	return ((n->addr[full] ^ a[full]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

int
conf_is_trusted(const conf *c, const struct sockaddr_storage *src)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)src;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)src;
	unsigned char v4[4];
	const unsigned char *a6 = in6->sin6_addr.s6_addr;
	static const unsigned char mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	if (src->ss_family == AF_INET)
		memcpy(v4, &in4->sin_addr, 4);
	else if (src->ss_family == AF_INET6 && !memcmp(a6, mapped, 12))
		memcpy(v4, a6 + 12, 4);
	for (size_t i = 0; i < c->ntrusted; i++) {
		const conf_net *n = &c->trusted[i];

		if (src->ss_family == AF_INET6 && n->af == AF_INET6 && net_match(n, a6))
			return 1;
		if (n->af == AF_INET && (src->ss_family == AF_INET ||
		    (src->ss_family == AF_INET6 && !memcmp(a6, mapped, 12))) &&
		    net_match(n, v4))
			return 1;
	}
	return 0;
}

int
conf_serves(const conf *c, const char *host)
{
	for (size_t i = 0; i < c->ndomain; i++)
		if (!strcasecmp(c->domain[i], host))
			return 1;
	return 0;
}
