/* faultwriter.c - stores under injected I/O faults (run under fiu-run).
 *
 *   faultwriter put STORE TAG N    open STORE, store N messages TAG-1..TAG-N
 *       on one handle; print "ok MSGID" or "fail MSGID error" for each,
 *       reopening the handle after IMS_PANIC ("reopen" line), as a server
 *       must; exit 0 unless a call crashed or answered nonsense
 *   faultwriter check STORE FILE   every "ok" message of FILE present with
 *       its body; print the Message-IDs of the "fail" ones that are stored
 *
 * The faults are injected from outside (fiu-run -x), so the library is
 * tested as built. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imstore.h"

#define OWNER "sip:fault@example.org"

static size_t
make_body(char *buf, size_t cap, const char *msgid)
{
	size_t len = strlen(msgid), n = cap;

	for (size_t i = 0; i < n; i++)
		buf[i] = msgid[i % len];
	return n;
}

static int
open_store(ims_store **st, const char *path)
{
	int rc = ims_store_open(st, path, NULL);

	if (rc)
		printf("open failed %s\n", ims_strerror(rc));
	return rc;
}

static int
cmd_put(const char *path, const char *tag, int n)
{
	ims_store *st;
	char msgid[128], body[6000];
	int rc, panics = 0;

	if (open_store(&st, path))
		return 0;
	for (int i = 1; i <= n; i++) {
		ims_msg m = IMS_MSG_INIT;
		size_t len;

		snprintf(msgid, sizeof(msgid), "%s-%d@fault", tag, i);
		len = make_body(body, sizeof(body), msgid);
		m.owner = OWNER;
		m.from.uri = "sip:writer@example.org";
		m.message_id = msgid;
		rc = ims_put(NULL, st, &m, body, len);
		if (rc == 0) {
			printf("ok %s\n", msgid);
		} else if (rc == IMS_INTERNAL || rc == IMS_EXISTS) {
			printf("bad %s %s\n", msgid, ims_strerror(rc));
			return 1;
		} else {
			printf("fail %s %s\n", msgid, ims_strerror(rc));
		}
		if (rc == IMS_PANIC) {
			/* the handle is dead: it must stay so until reopened */
			ims_msg m2 = IMS_MSG_INIT;
			m2.owner = OWNER;
			m2.from.uri = "sip:writer@example.org";
			m2.message_id = "after-panic@fault";
			if (ims_put(NULL, st, &m2, "x", 1) != IMS_PANIC) {
				printf("bad handle usable after panic\n");
				return 1;
			}
			ims_store_close(st);
			printf("reopen\n");
			if (++panics > 3 || open_store(&st, path))
				return 0;
		}
	}
	ims_store_close(st);
	return 0;
}

static int
cmd_check(const char *path, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[512], want[6000];
	ims_store *st;
	int bad = 0;

	if (!f || ims_store_open(&st, path, NULL))
		return 1;
	while (fgets(line, sizeof(line), f)) {
		char word[16], msgid[256];
		ims_msg *m = NULL;
		void *body = NULL;
		size_t len;
		int rc;

		if (sscanf(line, "%15s %255s", word, msgid) != 2)
			continue;
		if (strcmp(word, "ok") != 0 && strcmp(word, "fail") != 0)
			continue;
		rc = ims_get_by_msgid(&m, st, OWNER, IMS_FOLDER_DEFERRED, msgid);
		if (rc == 0)
			rc = ims_body_get(&body, &len, st, &m->id);
		if (strcmp(word, "ok") == 0 && rc != 0) {
			printf("lost %s: %s\n", msgid, ims_strerror(rc));
			bad++;
		} else if (rc == 0) {
			make_body(want, sizeof(want), msgid);
			if (len != sizeof(want) || memcmp(body, want, len) != 0) {
				printf("damaged %s\n", msgid);
				bad++;
			}
			if (strcmp(word, "fail") == 0)
				printf("stored though failed %s\n", msgid);
		}
		free(body);
		ims_msg_free(m);
	}
	fclose(f);
	ims_store_close(st);
	return bad != 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "put") == 0)
		return cmd_put(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], argv[3]);
	fprintf(stderr, "usage: faultwriter put STORE TAG N\n"
	        "       faultwriter check STORE FILE\n");
	return 2;
}
