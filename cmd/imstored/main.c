/* main.c - imstored: the Deferred Messaging and Conversation History
 * functions of an OMA SIMPLE IM server over SIP, beside the SIP core.
 * The command line, start, signals, and the drain on SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imstored.h"
#include "log.h"

#define IMSTORED_VERSION "0.1.0"

static volatile sig_atomic_t got_term;

static const char usage_text[] =
	"usage: imstored {-c FILE | --config FILE} [-f|--foreground] [-t|--check-config] [--version] [--help]\n"
	"\n"
	"  -c, --config FILE    the configuration file, imstored.conf(5)\n"
	"  -f, --foreground     stay in the foreground and log to stderr\n"
	"  -t, --check-config   check the configuration and the store, then exit\n"
	"      --version        print the version and exit\n"
	"      --help           print this help and exit\n";

static void
on_signal(int sig)
{
	(void)sig;
	got_term = 1;
}

static size_t
depth(void *arg)
{
	imsd *d = arg;

	return pool_depth(d->pool);
}

static void
notify(void *arg)
{
	sx_wake(arg);
}

static void
on_wake(void *arg)
{
	imsd *d = arg;

	(void)pool_finish(d->pool);
}

/* Every 50 ms: SIGTERM (stop taking requests, stop once every one in
 * flight is answered), and the sweeps when their time comes. */
static void
on_tick(void *arg)
{
	imsd *d = arg;
	int64_t now;

	if (got_term && !d->draining) {
		d->draining = 1;
		logx(LOG_NOTICE, "stopping: answering %zu requests in flight",
		     pool_depth(d->pool));
	}
	if (d->draining) {
		(void)pool_finish(d->pool);
		if (pool_depth(d->pool) == 0)
			sx_stop(d->sx);
		return;
	}
	push_tick(d);
	now = now_us();
	if (now >= d->next_sweep) {
		d->next_sweep = now + d->cf.sweep_interval;
		sweep_start(d);
	}
}

static int
open_store(imsd *d, int rdonly)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	int rc;

	if (rdonly)
		o.flags |= IMS_OPEN_RDONLY;
	if ((rc = ims_store_open(&d->st, d->cf.store, &o)))
		logx(LOG_ERR, "cannot open store '%s': %s", d->cf.store, ims_strerror(rc));
	return rc;
}

static int
start_sip(imsd *d)
{
	int err;

	if ((err = sx_open(&d->sx, request_received, d))) {
		logx(LOG_ERR, "cannot start the SIP stack: %s", strerror(err));
		return -1;
	}
	sx_set_max_request(d->sx, d->cf.max_request);
	for (size_t i = 0; i < d->cf.nlisten; i++) {
		const conf_transport *t = &d->cf.listen[i];

		if ((err = sx_listen(d->sx, t->tcp, t->hostport))) {
			logx(LOG_ERR, "cannot listen on %s:%s: %s", t->tcp ? "tcp" : "udp",
			     t->hostport, strerror(err));
			return -1;
		}
		logx(LOG_INFO, "listening on %s:%s", t->tcp ? "tcp" : "udp", t->hostport);
	}
	if (d->cf.metrics[0] && (err = metrics_listen(&d->m, d->sx, d->cf.metrics))) {
		logx(LOG_ERR, "cannot serve metrics on %s: %s", d->cf.metrics, strerror(err));
		return -1;
	}
	return 0;
}

static int
start(imsd *d)
{
	struct sigaction sa;
	int err;

	d->m.depth = depth;
	d->m.depth_arg = d;
	if (limit_open(d)) {
		logx(LOG_ERR, "cannot allocate the source table");
		return -1;
	}
	if (start_sip(d))
		return -1;
	if ((err = pool_open(&d->pool, d->cf.workers, d->cf.queue_max,
	                     notify, d->sx))) {
		logx(LOG_ERR, "cannot start workers: %s", strerror(err));
		return -1;
	}
	if (sx_waker(d->sx, on_wake, d) || sx_every(d->sx, 50, on_tick, d))
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	d->next_sweep = now_us() + d->cf.sweep_interval;
	return 0;
}

static int
run(imsd *d, int foreground)
{
	int rc = 1;

	if (open_store(d, 0))
		return 1;
	if (!foreground && daemon(0, 0)) {
		logx(LOG_ERR, "cannot go to the background: %s", strerror(errno));
		goto out;
	}
	if (start(d))
		goto out;
	logx(LOG_NOTICE, "started: %u workers, queue %zu, store '%s'", d->cf.workers,
	     d->cf.queue_max, d->cf.store);
	(void)sx_run(d->sx);
	logx(LOG_NOTICE, "stopped");
	rc = 0;
out:
	push_close(d);
	pool_close(d->pool);
	publish_close(d);
	sx_close(d->sx);
	limit_close(d);
	ims_store_close(d->st);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static imsd d;
	const char *path = NULL;
	char err[512];
	int c, foreground = 0, check = 0;

	while ((c = getopt_long(argc, argv, "c:ft", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 't': check = 1; break;
		case 'V': printf("imstored %s\n", IMSTORED_VERSION); return 0;
		case 'h': fputs(usage_text, stdout); return 0;
		default: fputs(usage_text, stderr); return 2;
		}
	}
	if (!path || optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	if (conf_read(&d.cf, path, err, sizeof err)) {
		fprintf(stderr, "imstored: %s\n", err);
		return 1;
	}
	log_open(!foreground && !check && d.cf.log_syslog, d.cf.log_level);
	if (check) {
		if (open_store(&d, 1))
			return 1;
		ims_store_close(d.st);
		return 0;
	}
	return run(&d, foreground);
}
