/* crashwriter.c - the kill -9 test of durability.
 *
 *   crashwriter write STORE TAG THREADS   store messages until killed; each
 *       Message-ID is written to stdout (one write(2) a line) only after
 *       ims_put() returned 0, so stdout lists what was acknowledged
 *   crashwriter loop STORE ACKS CYCLES THREADS   run `write` CYCLES times
 *       with stdout appended to ACKS, SIGKILL each at a random moment
 *   crashwriter check STORE ACKS   every acknowledged message present
 *       exactly once with its body intact; no Message-ID stored twice
 *
 * Several threads share one handle, so group commits are killed too.
 * Bodies are derived from the Message-ID, so they can be checked. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imstore.h"

#define OWNER "sip:crash@example.org"
#define MAXTHREADS 16

static ims_store *store;
static const char *tag;

/* The body of a Message-ID: its text repeated, 40 to 4000 bytes. */
static size_t
make_body(char *buf, size_t cap, const char *msgid)
{
	unsigned h = 2166136261u;
	size_t n, len = strlen(msgid);

	for (const char *p = msgid; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	n = 40 + h % 3960;
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		buf[i] = msgid[i % len];
	return n;
}

static void *
writer(void *arg)
{
	long t = (long)arg;
	char msgid[128], line[160], body[4096];

	for (unsigned long n = 0;; n++) {
		ims_msg m = IMS_MSG_INIT;
		size_t len;
		int rc;

		snprintf(msgid, sizeof(msgid), "%s-t%ld-%lu@crash", tag, t, n);
		len = make_body(body, sizeof(body), msgid);
		m.owner = OWNER;
		m.from.uri = "sip:writer@example.org";
		m.message_id = msgid;
		rc = ims_put(NULL, store, &m, body, len);
		if (rc != 0) {
			fprintf(stderr, "crashwriter: cannot store '%s': %s\n", msgid,
			        ims_strerror(rc));
			exit(1);
		}
		len = (size_t)snprintf(line, sizeof(line), "%s\n", msgid);
		if (write(1, line, len) != (ssize_t)len)
			exit(1);
	}
	return NULL;
}

static int
cmd_write(const char *path, int threads)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	pthread_t th[MAXTHREADS];
	int rc;

	o.flags = IMS_OPEN_CREATE;
	if ((rc = ims_store_open(&store, path, &o))) {
		fprintf(stderr, "crashwriter: cannot open store '%s': %s\n", path,
		        ims_strerror(rc));
		return 1;
	}
	for (long i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	pthread_join(th[0], NULL);
	return 1;
}

static off_t
file_size(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 ? sb.st_size : 0;
}

/* Wait, up to 30 s, until the acknowledgement file has grown past size. */
static void
wait_for_ack(int fd, off_t size)
{
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 30000 && file_size(fd) <= size; i++)
		nanosleep(&ms, NULL);
}

static int
cmd_loop(const char *self, const char *path, const char *acks, int cycles,
         const char *threads)
{
	int fd = open(acks, O_WRONLY | O_CREAT | O_APPEND, 0600);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

	if (fd < 0) {
		perror(acks);
		return 1;
	}
	if (getenv("IMS_CRASH_SEED"))
		seed = (unsigned)strtoul(getenv("IMS_CRASH_SEED"), NULL, 10);
	printf("# seed %u\n", seed);
	srand(seed);
	for (int c = 0; c < cycles; c++) {
		char ctag[32];
		struct timespec ts;
		int status;
		off_t before;
		pid_t pid;

		snprintf(ctag, sizeof(ctag), "p%ldc%d", (long)getpid(), c);
		before = file_size(fd);
		if ((pid = fork()) == 0) {
			dup2(fd, 1);
			execl(self, self, "write", path, ctag, threads, (char *)NULL);
			_exit(127);
		}
		/* the last writer acknowledges something first (under a sanitizer
		 * on a loaded machine every 40 ms may end before the first
		 * commit, and a run with nothing acknowledged proves nothing) */
		if (c == cycles - 1)
			wait_for_ack(fd, before);
		/* 0 to 40 ms: some kills land during open or the first commit */
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand() % 40000) * 1000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			fprintf(stderr, "crashwriter: cycle %d: writer exited (status %d)\n",
			        c, WEXITSTATUS(status));
			return 1;
		}
	}
	close(fd);
	return 0;
}

struct seen { char *msgid; int count; };

static int
cmp_seen(const void *a, const void *b)
{
	return strcmp(((const struct seen *)a)->msgid, ((const struct seen *)b)->msgid);
}

static int
check_scan(int *bad)
{
	ims_filter *f = NULL;
	ims_query *q = NULL;
	const ims_msg *m;
	struct seen *all = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if ((rc = ims_filter_parse(&f, "", IMS_TIME_NONE, NULL)) ||
	    (rc = ims_query_open(&q, store, f, NULL)))
		goto out;
	while ((rc = ims_query_next(&m, q)) == 0) {
		if (n == cap && !(all = realloc(all, (cap = cap ? 2 * cap : 1024) * sizeof(*all))))
			abort();
		all[n].msgid = strdup(m->message_id);
		all[n++].count = 1;
	}
	if (rc == IMS_ITEROVER)
		rc = 0;
	qsort(all, n, sizeof(*all), cmp_seen);
	for (size_t i = 1; i < n; i++)
		if (strcmp(all[i].msgid, all[i - 1].msgid) == 0) {
			fprintf(stderr, "crashwriter: '%s' stored twice\n", all[i].msgid);
			(*bad)++;
		}
	printf("# %zu messages stored\n", n);
out:
	for (size_t i = 0; i < n; i++)
		free(all[i].msgid);
	free(all);
	ims_query_free(q);
	ims_filter_free(f);
	return rc;
}

static int
check_one(const char *msgid)
{
	char want[4096];
	ims_msg *m = NULL;
	void *body = NULL;
	size_t len, wlen = make_body(want, sizeof(want), msgid);
	int rc;

	if ((rc = ims_get_by_msgid(&m, store, OWNER, IMS_FOLDER_DEFERRED, msgid)) ||
	    (rc = ims_body_get(&body, &len, store, &m->id))) {
		fprintf(stderr, "crashwriter: acknowledged '%s': %s\n", msgid, ims_strerror(rc));
		rc = 1;
	} else if (len != wlen || memcmp(body, want, len) != 0) {
		fprintf(stderr, "crashwriter: acknowledged '%s': body differs\n", msgid);
		rc = 1;
	}
	free(body);
	ims_msg_free(m);
	return rc != 0;
}

static int
cmd_check(const char *path, const char *acks)
{
	FILE *f = fopen(acks, "r");
	char line[256];
	int rc, bad = 0;
	long nacked = 0;

	if (!f) {
		perror(acks);
		return 1;
	}
	if ((rc = ims_store_open(&store, path, NULL))) {
		fprintf(stderr, "crashwriter: cannot open store '%s': %s\n", path,
		        ims_strerror(rc));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		/* a line cut by the kill was never acknowledged: no newline */
		if (l == 0 || line[l - 1] != '\n')
			continue;
		line[l - 1] = 0;
		nacked++;
		bad += check_one(line);
	}
	fclose(f);
	if ((rc = check_scan(&bad))) {
		fprintf(stderr, "crashwriter: scan: %s\n", ims_strerror(rc));
		bad++;
	}
	printf("# %ld acknowledged, %d problems\n", nacked, bad);
	ims_store_close(store);
	return bad != 0 || nacked == 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "write") == 0) {
		int t = atoi(argv[4]);
		tag = argv[3];
		return cmd_write(argv[2], t < 1 ? 1 : t > MAXTHREADS ? MAXTHREADS : t);
	}
	if (argc == 6 && strcmp(argv[1], "loop") == 0)
		return cmd_loop("/proc/self/exe", argv[2], argv[3], atoi(argv[4]), argv[5]);
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], argv[3]);
	fprintf(stderr, "usage: crashwriter write STORE TAG THREADS\n"
	        "       crashwriter loop STORE ACKS CYCLES THREADS\n"
	        "       crashwriter check STORE ACKS\n");
	return 2;
}
