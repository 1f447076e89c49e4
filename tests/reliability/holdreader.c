/* holdreader.c - a reader that holds its snapshot, and a bounded writer,
 * for the tests of stale and stopped readers (T205).
 *
 *   holdreader hold STORE        open a query (one read snapshot), print
 *                                "ready", then wait until killed
 *   holdreader open STORE        open the store (no snapshot), print
 *                                "ready", then wait until killed
 *   holdreader fill STORE TAG N  store N messages of 4 KiB; exit 1 on the
 *                                first failure */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imstore.h"

static int
open_store(ims_store **st, const char *path)
{
	int rc = ims_store_open(st, path, NULL);

	if (rc)
		fprintf(stderr, "holdreader: cannot open store '%s': %s\n", path,
		        ims_strerror(rc));
	return rc;
}

static int
cmd_hold(const char *path)
{
	ims_store *st;
	ims_filter *f = NULL;
	ims_query *q = NULL;
	const ims_msg *m;
	int rc;

	if (open_store(&st, path))
		return 1;
	if ((rc = ims_filter_parse(&f, "", IMS_TIME_NONE, NULL)) ||
	    (rc = ims_query_open(&q, st, f, NULL))) {
		fprintf(stderr, "holdreader: %s\n", ims_strerror(rc));
		return 1;
	}
	rc = ims_query_next(&m, q);
	printf("ready %s\n", rc == 0 ? m->message_id : "empty");
	fflush(stdout);
	for (;;)
		pause();
}

static int
cmd_open(const char *path)
{
	ims_store *st;

	if (open_store(&st, path))
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int
cmd_fill(const char *path, const char *tag, long n)
{
	ims_store *st;
	char msgid[128], body[4096];
	int rc;

	if (open_store(&st, path))
		return 1;
	for (long i = 0; i < n; i++) {
		ims_msg m = IMS_MSG_INIT;

		snprintf(msgid, sizeof(msgid), "%s-%ld@fill", tag, i);
		for (size_t k = 0; k < sizeof(body); k++)
			body[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
		m.owner = "sip:fill@example.org";
		m.from.uri = "sip:writer@example.org";
		m.message_id = msgid;
		if ((rc = ims_put(NULL, st, &m, body, sizeof(body)))) {
			fprintf(stderr, "holdreader: cannot store '%s': %s\n", msgid,
			        ims_strerror(rc));
			ims_store_close(st);
			return 1;
		}
	}
	ims_store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "hold") == 0)
		return cmd_hold(argv[2]);
	if (argc == 3 && strcmp(argv[1], "open") == 0)
		return cmd_open(argv[2]);
	if (argc == 5 && strcmp(argv[1], "fill") == 0)
		return cmd_fill(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: holdreader hold STORE\n"
	        "       holdreader open STORE\n"
	        "       holdreader fill STORE TAG N\n");
	return 2;
}
