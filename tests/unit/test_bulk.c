/* test_bulk.c - bulk loads (few commits, kept ids and flags, idempotent),
 * queries sharing one snapshot, bodies read in a query's snapshot, and the
 * transcript of a query. */
#include <stdlib.h>
#include <time.h>

#include "imstore.h"
#include "tap.h"

#define BOB "sip:bob@example.com"

static uint64_t
count(ims_store *st, const char *expr)
{
	ims_filter *f;
	uint64_t n = 0;

	if (ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL) == 0) {
		ims_count(&n, st, f);
		ims_filter_free(f);
	}
	return n;
}

typedef struct acc { char buf[4096]; size_t len; } acc;

static int
append(const void *chunk, size_t len, void *payload)
{
	acc *a = payload;

	if (len > sizeof(a->buf) - 1 - a->len)
		return -7;
	memcpy(a->buf + a->len, chunk, len);
	a->len += len;
	a->buf[a->len] = '\0';
	return 0;
}

static int
open_store(ims_store **st, const char *root, const char *name)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	o.flags = IMS_OPEN_CREATE;
	return ims_store_open(st, path, &o);
}

static void
test_bulk(ims_store *st, ims_store *dst)
{
	ims_bulk_opts bo = IMS_BULK_OPTS_INIT;
	ims_bulk_result r;
	ims_bulk *b;
	ims_msg m = IMS_MSG_INIT, *got;
	ims_filter *all;
	ims_query *q;
	const ims_msg *qm;
	char msgid[16];

	m.owner = BOB;
	m.from.uri = "sip:alice@example.com";
	m.folder = IMS_FOLDER_HISTORY;
	m.state = IMS_STATE_STORED;
	bo.batch = 10;
	ok(ims_bulk_open(&b, st, &bo) == 0, "bulk load opened");
	for (int i = 0; i < 25; i++) {
		snprintf(msgid, sizeof(msgid), "b%d", i);
		m.message_id = msgid;
		m.received = 1700000000000000 + i;
		if (ims_bulk_put(b, &m, "hello bulk", 10))
			break;
	}
	m.message_id = "";
	is_int(ims_bulk_put(b, &m, "x", 1), IMS_INVALID, "an invalid message is refused at once");
	m.message_id = "b3";
	ok(ims_bulk_put(b, &m, "again", 5) == 0, "a duplicate is accepted");
	ims_bulk_result_get(&r, b);
	is_int(r.commits, 2, "two full batches committed on the way");
	is_int(r.queued, 6, "the rest queued");
	is_int(count(st, "*"), 20, "what was committed is visible");
	ok(ims_bulk_commit(b) == 0, "commit the rest");
	ims_bulk_result_get(&r, b);
	is_int(r.stored, 25, "25 stored");
	is_int(r.existing, 1, "the duplicate stored nothing");
	is_int(r.commits, 3, "in three commits");
	ims_bulk_free(b);
	is_int(count(st, "*"), 25, "25 messages in the store");

	/* keep ids and flags: a copy of st into dst, twice */
	ims_filter_parse(&all, "*", IMS_TIME_NONE, NULL);
	bo.flags = IMS_BULK_KEEP_ID;
	for (int round = 0; round < 2; round++) {
		ims_bulk_open(&b, dst, &bo);
		ims_query_open(&q, st, all, NULL);
		while (ims_query_next(&qm, q) == 0) {
			ims_msg c = *qm;
			acc a = { "", 0 };
			ims_query_body_stream(q, append, &a);
			c.flags |= IMS_MSGF_HELD;
			ims_bulk_put(b, &c, a.buf, a.len);
		}
		ims_query_free(q);
		ok(ims_bulk_commit(b) == 0, "import round %d committed", round);
		ims_bulk_result_get(&r, b);
		is_int(r.stored, round ? 0 : 25, "round %d stored", round);
		is_int(r.existing, round ? 25 : 0, "round %d found the rest", round);
		ims_bulk_free(b);
	}
	ims_query_open(&q, st, all, NULL);
	ims_query_next(&qm, q);
	ok(ims_get(&got, dst, &qm->id) == 0, "the imported message has its id");
	if (got) {
		is_str(got->message_id, qm->message_id, "and its Message-ID");
		is_int(got->received, qm->received, "and its received time");
		ok(got->flags & IMS_MSGF_HELD, "and its hold");
		is_int(got->state, IMS_STATE_STORED, "and its state");
		ims_msg_free(got);
	}
	ims_query_free(q);
	{
		ims_id nid;
		char a[IMS_ID_STRLEN + 1], z[IMS_ID_STRLEN + 1];
		m.message_id = "after-import";
		m.received = IMS_TIME_NONE;
		ims_put(&nid, dst, &m, "x", 1);
		ims_query_open(&q, dst, all, &(ims_query_opts){ IMS_QUERY_OPTS_VERSION,
		               1, NULL, 0, NULL });
		ims_query_next(&qm, q);
		ims_id_fmt(a, &nid);
		ims_id_fmt(z, &qm->id);
		is_str(a, z, "a new id is above the imported ones");
		ims_query_free(q);
	}
	ims_filter_free(all);
	ok(ims_store_trim(dst) == 0, "the store's pages let go of");
	is_int(count(dst, "*"), 26, "and read again as before");
}

static void
test_snapshot(ims_store *st)
{
	ims_query_opts qo = IMS_QUERY_OPTS_INIT;
	ims_filter *all, *conv;
	ims_query *q, *q2;
	const ims_msg *qm;
	ims_msg m = IMS_MSG_INIT;
	acc a = { "", 0 };
	ims_id id;
	int n = 0;

	m.owner = BOB;
	m.from.uri = "sip:carol@example.com";
	m.folder = IMS_FOLDER_HISTORY;
	m.state = IMS_STATE_STORED;
	m.conversation = "conv-1";
	m.message_id = "s1";
	ims_put(&id, st, &m, "first", 5);
	ims_filter_parse(&all, "*", IMS_TIME_NONE, NULL);
	ims_filter_parse(&conv, "conversation:conv-1", IMS_TIME_NONE, NULL);
	ims_query_open(&q, st, all, NULL);
	is_int(ims_query_body_stream(q, append, &a), IMS_INVALID,
	       "no body before the first message");
	m.message_id = "s2";
	ims_put(NULL, st, &m, "second", 6);
	ims_delete(st, &id);
	qo.snapshot = q;
	ok(ims_query_open(&q2, st, conv, &qo) == 0, "a query in another's snapshot");
	while (ims_query_next(&qm, q2) == 0) {
		n++;
		a.len = 0;
		ok(ims_query_body_stream(q2, append, &a) == 0, "its body is read");
		is_str(a.buf, "first", "as it was at the snapshot, though deleted since");
	}
	is_int(n, 1, "the snapshot has neither the new message nor lost the deleted one");
	ims_query_free(q2);
	a.len = 0;
	ims_query_open(&q2, st, conv, &qo);
	is_int(ims_query_transcript_xml(q2, BOB, "conv-1", append, &a), 0,
	       "the transcript of a query is written");
	ok(strstr(a.buf, ">first</body>") && !strstr(a.buf, "second"),
	   "from the snapshot");
	ims_query_free(q2);
	ims_query_free(q);
	ims_filter_free(all);
	ims_filter_free(conv);
}

int
main(void)
{
	char root[64] = "/tmp/ims-bulk-XXXXXX";
	ims_store *st, *dst;

	if (!mkdtemp(root) || open_store(&st, root, "a") || open_store(&dst, root, "b"))
		return 1;
	test_bulk(st, dst);
	test_snapshot(st);
	ims_store_close(dst);
	ims_store_close(st);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("cannot remove %s", root);
	}
	return done_testing();
}
