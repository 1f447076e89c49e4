/* test_history.c - the Conversation History function: recording under the
 * user's activation, conversation identities, the list of conversations,
 * transcripts, renaming, deleting (isolated per user), both documents. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h" /* only to put a message under legal hold */
#include "tap.h"

#define BOB "sip:bob@example.com"
#define AL "sip:al@example.com"
#define ALICE "sip:alice@example.com"
#define CAROL "sip:carol@example.net"
#define DAVE "sip:dave@example.net"
#define T0 INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */
#define SEC INT64_C(1000000)

static char root[256];

static ims_store *
create(const char *name)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	o.flags = IMS_OPEN_CREATE;
	return ims_store_open(&st, path, &o) == 0 ? st : NULL;
}

static void
activate(ims_store *st, const char *user, int session, int pager)
{
	ims_settings s = IMS_SETTINGS_INIT;

	s.history_session = session;
	s.history_pager = pager;
	ims_settings_set(st, user, &s);
}

static ims_msg
msg(const char *msgid, ims_mode mode, const char *from, const ims_addr *to,
    size_t nto, int64_t received)
{
	ims_msg m = IMS_MSG_INIT;

	m.mode = mode;
	m.from.uri = from;
	m.to = to;
	m.nto = nto;
	m.message_id = msgid;
	m.received = received;
	return m;
}

/* Record a text message; returns the ims_history_record() code. */
static int
rec(ims_store *st, const char *user, const char *msgid, ims_mode mode,
    const char *from, const char *to, const char *conv, int64_t t)
{
	ims_addr a = { to, NULL };
	ims_msg m = msg(msgid, mode, from, &a, 1, t);

	m.conversation = conv;
	return ims_history_record(NULL, st, user, &m, "hello", 5);
}

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

static const char *
conv_of(ims_store *st, const char *user, const char *msgid, char *buf, size_t cap)
{
	ims_msg *m;

	buf[0] = '\0';
	if (ims_get_by_msgid(&m, st, user, IMS_FOLDER_HISTORY, msgid) == 0) {
		snprintf(buf, cap, "%s", m->conversation ? m->conversation : "");
		ims_msg_free(m);
	}
	return buf;
}

/* The identity the specification gives: FNV-1a 64 of the user and the
 * sorted peers, each after a newline. */
static void
expected_conv(char out[32], const char *joined)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *p = (const unsigned char *)joined; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	snprintf(out, 32, "p-%016llx", (unsigned long long)h);
}

static const ims_conversation *
find_conv(const ims_conv_list *l, const char *id)
{
	for (size_t i = 0; i < ims_conv_list_count(l); i++)
		if (strcmp(ims_conv_list_get(l, i)->id, id) == 0)
			return ims_conv_list_get(l, i);
	return NULL;
}

static int
hold_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	const ims_id *id = arg;
	MDB_val k = { 16, ims__uc(id->b) }, v;
	ims__decbuf d = { 0 };
	unsigned char *copy;
	ims__recx x;
	ims_msg m;
	int rc;

	if (mdb_get(txn, st->dbi[IMS__DB_MSG], &k, &v) || !(copy = malloc(v.mv_size)))
		return IMS_NOTFOUND;
	memcpy(copy, v.mv_data, v.mv_size);
	if ((rc = ims__rec_decode(&m, &x, &d, id, copy, v.mv_size)) == 0) {
		unsigned char *rec;
		if ((rc = ims__rec_patch(&rec, &v.mv_size, copy, v.mv_size, m.state,
		                         m.flags | IMS_MSGF_HELD, m.delivered, x.lease_until)))
			goto out;
		v.mv_data = rec;
		rc = mdb_put(txn, st->dbi[IMS__DB_MSG], &k, &v, 0) ? IMS_INTERNAL : 0;
		free(rec);
	}
out:
	ims__decbuf_free(&d);
	free(copy);
	return rc;
}

static int
hold(ims_store *st, const char *user, const char *msgid)
{
	ims_msg *m;
	ims_id id;

	if (ims_get_by_msgid(&m, st, user, IMS_FOLDER_HISTORY, msgid))
		return IMS_NOTFOUND;
	id = m->id;
	ims_msg_free(m);
	return ims__write(st, hold_txn, &id);
}

/* Validate with xmllint --schema; its complaints become TAP comments. */
static int
xml_valid(const char *doc, size_t len, const char *schema)
{
	char path[512], errs[512], cmd[2048], line[512];
	FILE *f;
	int valid;

	snprintf(path, sizeof(path), "%s/doc.xml", root);
	snprintf(errs, sizeof(errs), "%s/xmllint.out", root);
	if (!(f = fopen(path, "w")))
		return 0;
	fwrite(doc, 1, len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s/schemas/%s' '%s' >'%s' 2>&1",
	         getenv("IMS_SRCDIR") ? getenv("IMS_SRCDIR") : ".", schema, path, errs);
	valid = system(cmd) == 0;
	if (!valid && (f = fopen(errs, "r"))) {
		while (fgets(line, sizeof(line), f))
			diag("%.*s", (int)strcspn(line, "\n"), line);
		fclose(f);
	}
	return valid;
}

/* ---------------------------------------------------------------- record */

static void
test_record(void)
{
	ims_store *st = create("record");
	ims_addr to = { BOB, NULL };
	ims_msg m = msg("r1", IMS_MODE_PAGER, CAROL, &to, 1, T0);
	ims_msg *g = NULL;
	ims_id id, id2;

	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), IMS_REFUSED,
	       "history inactive by default: refused");
	activate(st, BOB, 1, 0);
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), IMS_REFUSED,
	       "session history only: a pager message is refused");
	m.mode = IMS_MODE_LARGE;
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), IMS_REFUSED,
	       "and a large mode message too");
	m.mode = IMS_MODE_SESSION;
	m.conversation = "sess-7";
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), 0, "a session message is kept");
	activate(st, BOB, 0, 1);
	m.message_id = "r2";
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), IMS_REFUSED,
	       "pager history only: a session message is refused");
	m.mode = IMS_MODE_LARGE;
	m.conversation = NULL;
	m.owner = CAROL; /* ignored: the owner is the user */
	m.folder = IMS_FOLDER_DEFERRED;
	m.state = IMS_STATE_PENDING;
	m.expires = T0 + 3600 * SEC;
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), 0, "a large mode message is kept");
	is_int(ims_history_record(&id2, st, "sip:bob@EXAMPLE.com;transport=tcp", &m, "x", 1),
	       IMS_EXISTS, "recorded again through an address variant: exists");
	ok(memcmp(id.b, id2.b, 16) == 0, "the existing id is returned");
	activate(st, BOB, 0, 0);
	is_int(ims_history_record(&id2, st, BOB, &m, "x", 1), IMS_EXISTS,
	       "a retransmission is still recorded-before after deactivation");
	is_int(ims_get_by_msgid(&g, st, BOB, IMS_FOLDER_HISTORY, "r2"), 0, "found by Message-ID");
	if (g) {
		is_str(g->owner, BOB, "owner is the user, canonical");
		is_int(g->folder, IMS_FOLDER_HISTORY, "folder history");
		is_int(g->state, IMS_STATE_STORED, "state stored");
		ok(g->expires == IMS_TIME_NONE, "no expiry");
		ok(g->conversation && strncmp(g->conversation, "p-", 2) == 0 &&
		   strlen(g->conversation) == 18 &&
		   strspn(g->conversation + 2, "0123456789abcdef") == 16,
		   "derived conversation: p- and 16 lowercase hex digits");
		ims_msg_free(g);
	}
	is_int(count(st, "owner:" CAROL), 0, "nothing stored for the msg's owner field");
	activate(st, BOB, 1, 1);
	m.message_id = NULL;
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), IMS_INVALID,
	       "no Message-ID: invalid");
	m.message_id = "r3";
	is_int(ims_history_record(&id, st, "bob", &m, "x", 1), IMS_INVALID,
	       "user without scheme: invalid");
	m.conversation = "tab\there";
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), IMS_INVALID,
	       "a conversation no query could name: invalid");
	m.conversation = "";
	is_int(ims_history_record(&id, st, BOB, &m, "x", 1), 0,
	       "an empty conversation is derived");
	is_int(count(st, "owner:" BOB " folder:history"), 3, "three recorded in all");
	ims_store_close(st);
}

/* ---------------------------------------------------------------- identity */

static void
test_derivation(void)
{
	ims_store *st = create("derive");
	ims_addr to1[] = { { BOB, NULL }, { DAVE, NULL } };
	ims_addr to2[] = { { "\"Dave\" <sip:dave@EXAMPLE.NET;transport=tcp>", "Dave" },
	                   { "sip:bob@Example.Com", NULL } };
	ims_addr cc2[] = { { "sip:carol@example.net?subject=x", NULL }, { DAVE, NULL } };
	ims_addr to3[] = { { BOB, NULL } };
	ims_msg m;
	char a[64], b[64], c[64], want[32];

	activate(st, BOB, 1, 1);
	m = msg("d1", IMS_MODE_PAGER, CAROL, to1, 2, T0);
	is_int(ims_history_record(NULL, st, BOB, &m, "x", 1), 0, "carol to bob and dave");
	m = msg("d2", IMS_MODE_PAGER, BOB, to2, 2, T0 + SEC);
	m.cc = cc2;
	m.ncc = 2;
	is_int(ims_history_record(NULL, st, BOB, &m, "x", 1), 0,
	       "bob to dave and himself, cc carol and dave, written differently");
	m = msg("d3", IMS_MODE_PAGER, DAVE, to3, 1, T0 + 2 * SEC);
	is_int(ims_history_record(NULL, st, BOB, &m, "x", 1), 0, "dave to bob alone");
	m = msg("d4", IMS_MODE_PAGER, BOB, to3, 1, T0 + 3 * SEC);
	is_int(ims_history_record(NULL, st, BOB, &m, "x", 1), 0, "a note to self");
	m = msg("d5", IMS_MODE_PAGER, CAROL, to1, 2, T0 + 4 * SEC);
	m.conversation = "chat-42";
	is_int(ims_history_record(NULL, st, BOB, &m, "x", 1), 0, "with a session identity");

	conv_of(st, BOB, "d1", a, sizeof(a));
	conv_of(st, BOB, "d2", b, sizeof(b));
	is_str(b, a, "same peers in another order and spelling: same conversation");
	expected_conv(want, BOB "\n" CAROL "\n" DAVE);
	is_str(a, want, "FNV-1a 64 of the user and the sorted canonical peers");
	conv_of(st, BOB, "d3", c, sizeof(c));
	ok(c[0] && strcmp(c, a) != 0, "another peer set: another conversation");
	expected_conv(want, BOB "\n" DAVE);
	is_str(c, want, "dave alone");
	expected_conv(want, BOB);
	is_str(conv_of(st, BOB, "d4", c, sizeof(c)), want, "no peer: the empty set");
	is_str(conv_of(st, BOB, "d5", c, sizeof(c)), "chat-42", "a given identity is kept");

	/* the same peers seen by another user give that user's own set */
	activate(st, CAROL, 1, 1);
	m = msg("d1", IMS_MODE_PAGER, CAROL, to1, 2, T0);
	is_int(ims_history_record(NULL, st, CAROL, &m, "x", 1), 0, "carol keeps her copy");
	expected_conv(want, CAROL "\n" BOB "\n" DAVE);
	is_str(conv_of(st, CAROL, "d1", c, sizeof(c)), want, "carol's peers: bob and dave");
	ims_store_close(st);
}

/* ---------------------------------------------------------------- list */

static void
fill(ims_store *st)
{
	ims_addr bob_named = { BOB, "Bob" }, alice_named = { ALICE, "Alice" };
	ims_addr to_carol[] = { { CAROL, NULL } };
	ims_msg m;

	activate(st, BOB, 1, 1);
	activate(st, AL, 1, 1);
	activate(st, ALICE, 1, 1);
	/* session "sess-1" between bob and alice: 3 messages */
	m = msg("s1", IMS_MODE_SESSION, ALICE, &bob_named, 1, T0 + 10 * SEC);
	m.conversation = "sess-1";
	ims_history_record(NULL, st, BOB, &m, "hi", 2);
	m = msg("s2", IMS_MODE_SESSION, BOB, &alice_named, 1, T0 + 20 * SEC);
	m.conversation = "sess-1";
	m.subject = "plans & <ideas>";
	ims_history_record(NULL, st, BOB, &m, "hello", 5);
	m = msg("s3", IMS_MODE_SESSION, ALICE, &bob_named, 1, T0 + 30 * SEC);
	m.conversation = "sess-1";
	m.subject = "later";
	ims_history_record(NULL, st, BOB, &m, "bye", 3);
	/* alice keeps the same session in her own history */
	m = msg("s1", IMS_MODE_SESSION, ALICE, &bob_named, 1, T0 + 10 * SEC);
	m.conversation = "sess-1";
	ims_history_record(NULL, st, ALICE, &m, "hi", 2);
	/* pager with carol: 2 messages, the last one latest of all */
	m = msg("p1", IMS_MODE_PAGER, BOB, to_carol, 1, T0 + 15 * SEC);
	m.from.name = "Bob";
	ims_history_record(NULL, st, BOB, &m, "1234567", 7);
	m = msg("p2", IMS_MODE_PAGER, CAROL, &bob_named, 1, T0 + 40 * SEC);
	m.from.name = "Carol \"C\" <c>";
	ims_history_record(NULL, st, BOB, &m, "12", 2);
	/* large mode from dave */
	m = msg("l1", IMS_MODE_LARGE, DAVE, &bob_named, 1, T0 + 25 * SEC);
	m.content_type = "image/png";
	ims_history_record(NULL, st, BOB, &m, "\x89PNG", 4);
	/* al, a look-alike of alice, talks to carol */
	rec(st, AL, "a1", IMS_MODE_PAGER, AL, CAROL, NULL, T0 + 50 * SEC);
}

static void
test_conversations(void)
{
	ims_store *st = create("list");
	ims_conv_list *l;
	const ims_conversation *c;
	ims_filter *f;
	char pc[32];

	fill(st);
	expected_conv(pc, BOB "\n" CAROL);
	is_int(ims_history_conversations(&l, st, "sip:bob@EXAMPLE.com", NULL), 0,
	       "bob's conversations");
	is_int(ims_conv_list_count(l), 3, "three");
	if (ims_conv_list_count(l) == 3) {
		is_str(ims_conv_list_get(l, 0)->id, pc, "most recent end first: carol");
		is_str(ims_conv_list_get(l, 1)->id, "sess-1", "then the session");
		ok(strncmp(ims_conv_list_get(l, 2)->id, "p-", 2) == 0, "then dave's large message");
	}
	ok(ims_conv_list_get(l, 3) == NULL, "NULL past the end");
	c = find_conv(l, "sess-1");
	ok(c != NULL, "the session is listed");
	if (c) {
		is_int(c->count, 3, "only bob's three messages (alice's copy is hers)");
		is_int(c->bytes, 10, "body bytes");
		ok(c->start == T0 + 10 * SEC && c->end == T0 + 30 * SEC, "start and end");
		is_str(c->subject, "plans & <ideas>", "the first subject");
		ok(c->name == NULL, "not named");
		is_int(c->mode, IMS_MODE_SESSION, "session mode");
		is_int(c->nparticipants, 1, "one participant: bob is not his own peer");
		if (c->nparticipants == 1) {
			is_str(c->participants[0].uri, ALICE, "alice");
			is_str(c->participants[0].name, "Alice", "with the display name seen");
		}
	}
	c = find_conv(l, pc);
	ok(c && c->count == 2 && c->bytes == 9 && c->mode == IMS_MODE_PAGER &&
	   c->subject == NULL && c->nparticipants == 1 &&
	   strcmp(c->participants[0].uri, CAROL) == 0 && c->participants[0].name &&
	   strcmp(c->participants[0].name, "Carol \"C\" <c>") == 0,
	   "the pager conversation with carol");
	ims_conv_list_free(l);

	ims_filter_parse(&f, "subject:later", IMS_TIME_NONE, NULL);
	is_int(ims_history_conversations(&l, st, BOB, f), 0, "with a filter");
	is_int(ims_conv_list_count(l), 1, "only the conversation with a match");
	c = ims_conv_list_get(l, 0);
	ok(c && strcmp(c->id, "sess-1") == 0 && c->count == 3,
	   "listed whole: all its messages counted");
	ims_conv_list_free(l);
	ims_filter_free(f);

	ims_filter_parse(&f, "owner:" AL " or type:image/*", IMS_TIME_NONE, NULL);
	ims_history_conversations(&l, st, BOB, f);
	is_int(ims_conv_list_count(l), 1, "an or cannot reach another user's messages");
	ims_conv_list_free(l);
	ims_filter_free(f);

	is_int(ims_history_conversations(&l, st, ALICE, NULL), 0, "alice's conversations");
	is_int(ims_conv_list_count(l), 1, "alice has the session only (not al's)");
	c = ims_conv_list_get(l, 0);
	ok(c && c->count == 1 && c->nparticipants == 1 &&
	   strcmp(c->participants[0].uri, BOB) == 0 &&
	   c->participants[0].name && strcmp(c->participants[0].name, "Bob") == 0,
	   "her copy, with bob as the participant");
	ims_conv_list_free(l);
	is_int(ims_history_conversations(&l, st, "sip:nobody@example.com", NULL), 0,
	       "a user never seen");
	is_int(ims_conv_list_count(l), 0, "has none");
	ims_conv_list_free(l);
	is_int(ims_history_conversations(&l, st, "nobody", NULL), IMS_INVALID,
	       "an invalid user");

	/* a deferred message filed into history when acknowledged has no
	 * conversation of its own: it joins the one its peers give */
	{
		ims_addr to = { BOB, NULL };
		ims_msg m = msg("dfr", IMS_MODE_PAGER, CAROL, &to, 1, IMS_TIME_NONE);
		ims_lease *ls = NULL;
		uint64_t n = 0;
		char body[400];
		void *got = NULL;
		size_t got_len = 0;
		ims_id did;
		int bl = snprintf(body, sizeof(body), "From: <%s>\r\nTo: <%s>\r\n"
		                  "imdn.Message-ID: dfr\r\n\r\nContent-Type: text/plain\r\n\r\n"
		                  "later, later, and later again: a body long enough to be "
		                  "deflated with its message's dictionary\r\n", CAROL, BOB);
		m.owner = BOB;
		is_int(ims_deferred_store(&did, NULL, st, &m, body, (size_t)bl), 0, "deferred for bob");
		ims_deferred_lease(&ls, st, BOB, NULL, 0, 0);
		is_int(ims_deferred_ack(&n, st, BOB, ims_lease_token(ls)), 0, "delivered");
		ims_lease_free(ls);
		is_int(count(st, "owner:" BOB " folder:history msgid:dfr"), 1, "filed into history");
		is_int(ims_body_get(&got, &got_len, st, &did), 0, "its body, in history");
		ok(got_len == (size_t)bl && memcmp(got, body, got_len) == 0,
		   "exact: the record rewritten with a conversation, the body still reads");
		free(got);
		ims_history_conversations(&l, st, BOB, NULL);
		c = find_conv(l, pc);
		ok(c && c->count == 3 && c == ims_conv_list_get(l, 0),
		   "counted in the conversation with carol, now the most recent");
		ims_conv_list_free(l);
	}
	ims_store_close(st);
}

/* ---------------------------------------------------------------- transcript */

static int
ids_of(char *out, size_t cap, ims_query *q, size_t max)
{
	const ims_msg *m;
	size_t n = 0;
	int rc;

	out[0] = '\0';
	while (n < max && (rc = ims_query_next(&m, q)) == 0) {
		size_t len = strlen(out);
		snprintf(out + len, cap - len, "%s%s", n ? " " : "", m->message_id);
		n++;
	}
	return (int)n;
}

static void
test_transcript(void)
{
	ims_store *st = create("transcript");
	ims_query_opts o = IMS_QUERY_OPTS_INIT;
	char got[256], cursor[IMS_CURSOR_STRLEN + 1];
	ims_query *q;

	fill(st);
	is_int(ims_history_transcript(&q, st, BOB, "sess-1", NULL), 0, "transcript");
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "s1 s2 s3", "bob's messages in received order");
	ims_query_free(q);

	is_int(ims_history_transcript(&q, st, BOB, "sess-1", NULL), 0, "paged");
	ids_of(got, sizeof(got), q, 2);
	is_str(got, "s1 s2", "first page");
	is_int(ims_query_cursor(cursor, q), 0, "cursor");
	ims_query_free(q);
	o.cursor = cursor;
	is_int(ims_history_transcript(&q, st, BOB, "sess-1", &o), 0, "resumed");
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "s3", "second page");
	ims_query_free(q);
	o.cursor = NULL;
	o.reverse = 1;
	ims_history_transcript(&q, st, BOB, "sess-1", &o);
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "s3 s2 s1", "newest first");
	ims_query_free(q);

	ims_history_transcript(&q, st, ALICE, "sess-1", NULL);
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "s1", "alice sees her copy only");
	ims_query_free(q);
	ims_history_transcript(&q, st, AL, "sess-1", NULL);
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "", "al sees nothing of it");
	ims_query_free(q);
	is_int(ims_history_transcript(&q, st, BOB, "no-such", NULL), 0, "unknown conversation");
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "", "is empty");
	ims_query_free(q);
	is_int(ims_history_transcript(&q, st, BOB, "quote\" or *", NULL), 0,
	       "quotes in an identity cannot widen the query");
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "", "empty");
	ims_query_free(q);
	is_int(ims_history_transcript(&q, st, BOB, "", NULL), IMS_INVALID, "empty identity");
	ok(q == NULL, "no query");
	is_int(ims_history_transcript(&q, st, BOB, NULL, NULL), IMS_INVALID, "NULL identity");
	ims_store_close(st);
}

/* ---------------------------------------------------------------- rename */

static void
test_rename(void)
{
	ims_store *st = create("rename");
	ims_conv_list *l;
	char pc[32], alpc[32], longname[IMS_TEXT_MAX + 2];

	fill(st);
	expected_conv(pc, BOB "\n" CAROL);
	expected_conv(alpc, AL "\n" CAROL);
	is_int(ims_history_rename(st, BOB, "sess-1", "Trip \xc3\xa9t\xc3\xa9 & <co>"), 0,
	       "rename");
	ims_history_conversations(&l, st, BOB, NULL);
	is_str(find_conv(l, "sess-1") ? find_conv(l, "sess-1")->name : NULL,
	       "Trip \xc3\xa9t\xc3\xa9 & <co>", "listed with its name");
	ims_conv_list_free(l);
	is_int(ims_history_rename(st, AL, alpc, "mine"), 0,
	       "al names his own conversation with carol");
	is_int(ims_history_rename(st, AL, pc, "mine"), IMS_NOTFOUND,
	       "al cannot name bob's conversation with carol");
	is_int(ims_history_rename(st, "sip:nobody@example.com", "sess-1", "x"), IMS_NOTFOUND,
	       "a user never seen");
	is_int(ims_history_rename(st, AL, "sess-1", "x"), IMS_NOTFOUND,
	       "another user's conversation is not found");
	is_int(ims_history_rename(st, ALICE, "sess-1", "alice's"), 0,
	       "alice names her own copy");
	ims_history_conversations(&l, st, BOB, NULL);
	is_str(find_conv(l, "sess-1") ? find_conv(l, "sess-1")->name : NULL,
	       "Trip \xc3\xa9t\xc3\xa9 & <co>", "bob's name unchanged");
	ok(find_conv(l, pc) && find_conv(l, pc)->name == NULL,
	   "al's name is not on bob's conversation with carol");
	ims_conv_list_free(l);
	is_int(ims_history_rename(st, BOB, "nope", "x"), IMS_NOTFOUND, "unknown conversation");
	is_int(ims_history_rename(st, BOB, "sess-1", "a\nb"), IMS_INVALID, "control character");
	is_int(ims_history_rename(st, BOB, "sess-1", "\xc3("), IMS_INVALID, "invalid UTF-8");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	is_int(ims_history_rename(st, BOB, "sess-1", longname), IMS_INVALID, "too long");
	longname[IMS_TEXT_MAX] = '\0';
	is_int(ims_history_rename(st, BOB, pc, longname), 0, "IMS_TEXT_MAX bytes is fine");
	is_int(ims_history_rename(st, BOB, "sess-1", ""), 0, "\"\" removes the name");
	ims_history_conversations(&l, st, BOB, NULL);
	ok(find_conv(l, "sess-1") && find_conv(l, "sess-1")->name == NULL, "no name");
	ims_conv_list_free(l);
	is_int(ims_history_rename(st, BOB, "sess-1", NULL), 0, "NULL removes (none: fine)");
	ims_store_close(st);
}

/* ---------------------------------------------------------------- delete */

static void
test_delete(void)
{
	ims_store *st = create("delete");
	const char *convs[] = { "sess-1", "no-such", NULL };
	ims_conv_list *l;
	ims_filter *f;
	uint64_t n;
	ims_query *q;
	char got[256];

	fill(st);
	ims_history_rename(st, BOB, "sess-1", "named");
	ims_history_rename(st, ALICE, "sess-1", "hers");
	is_int(hold(st, BOB, "s2"), 0, "s2 under legal hold");
	is_int(ims_history_delete(&n, st, "sip:bob@EXAMPLE.COM", convs, 3, NULL), 0,
	       "delete a conversation");
	is_int(n, 3, "three: two deleted, the held one hidden");
	is_int(count(st, "owner:" BOB " conversation:sess-1"), 1, "the held one is kept");
	is_int(count(st, "owner:" ALICE " conversation:sess-1"), 1, "alice's copy untouched");
	ims_history_transcript(&q, st, BOB, "sess-1", NULL);
	ids_of(got, sizeof(got), q, 100);
	is_str(got, "", "bob no longer sees it");
	ims_query_free(q);
	is_int(ims_history_rename(st, BOB, "sess-1", "again"), IMS_NOTFOUND,
	       "nothing of it left to rename");
	is_int(ims_history_delete(&n, st, BOB, convs, 1, NULL), 0, "delete it again");
	is_int(n, 0, "nothing: the hidden one is deleted already for bob");
	rec(st, BOB, "s4", IMS_MODE_SESSION, ALICE, BOB, "sess-1", T0 + 60 * SEC);
	ims_history_conversations(&l, st, BOB, NULL);
	ok(find_conv(l, "sess-1") && find_conv(l, "sess-1")->name == NULL &&
	   find_conv(l, "sess-1")->count == 1,
	   "a new message starts afresh: the name went with the messages");
	ims_conv_list_free(l);
	ims_history_conversations(&l, st, ALICE, NULL);
	is_str(find_conv(l, "sess-1") ? find_conv(l, "sess-1")->name : NULL, "hers",
	       "alice's name kept");
	ims_conv_list_free(l);

	/* look-alike users and address variants */
	rec(st, ALICE, "x1", IMS_MODE_PAGER, CAROL, ALICE, NULL, T0 + 70 * SEC);
	rec(st, ALICE, "x2", IMS_MODE_PAGER, DAVE, "sip:alice@EXAMPLE.com", NULL, T0 + 71 * SEC);
	rec(st, AL, "x1", IMS_MODE_PAGER, CAROL, AL, NULL, T0 + 70 * SEC);
	rec(st, AL, "x3", IMS_MODE_PAGER, DAVE, AL, NULL, T0 + 72 * SEC);
	is_int(count(st, "owner:" AL " folder:history"), 3, "al has three");
	ims_filter_parse(&f, "mode:pager or owner:" AL, IMS_TIME_NONE, NULL);
	is_int(ims_history_delete(&n, st, "sip:alice@Example.COM", NULL, 0, f), 0,
	       "alice deletes by filter (a variant of her address)");
	is_int(n, 2, "her two pager messages");
	ims_filter_free(f);
	is_int(count(st, "owner:" AL " folder:history"), 3, "al's untouched");
	is_int(count(st, "owner:" ALICE " folder:history"), 1, "alice's session copy left");
	is_int(count(st, "owner:" BOB " folder:history mode:pager"), 2, "bob's untouched");

	ims_filter_parse(&f, "from:" DAVE, IMS_TIME_NONE, NULL);
	is_int(ims_history_delete(&n, st, AL, NULL, 0, f), 0, "al deletes dave's messages");
	is_int(n, 1, "one");
	ims_filter_free(f);
	is_int(count(st, "folder:history from:" DAVE), 1, "bob's large message from dave kept");
	is_int(ims_history_delete(&n, st, BOB, NULL, 1, NULL), IMS_INVALID,
	       "a count without its array");
	is_int(ims_history_delete(&n, st, "bob", convs, 1, NULL), IMS_INVALID, "invalid user");
	ims_store_close(st);
}

/* more messages than one write transaction takes */
static void
test_delete_batches(void)
{
	ims_store *st = create("batches");
	const char *convs[] = { "big" };
	ims_filter *f;
	uint64_t n;
	char id[32];

	activate(st, BOB, 1, 1);
	activate(st, AL, 1, 1);
	for (int i = 0; i < 1203; i++) {
		snprintf(id, sizeof(id), "b%d", i);
		rec(st, BOB, id, IMS_MODE_SESSION, ALICE, BOB, "big", T0 + i * SEC);
		if (i % 3 == 0)
			rec(st, AL, id, IMS_MODE_SESSION, ALICE, AL, "big", T0 + i * SEC);
	}
	hold(st, BOB, "b700");
	ims_history_rename(st, BOB, "big", "big one");
	is_int(ims_history_delete(&n, st, BOB, convs, 1, NULL), 0, "delete 1203 messages");
	is_int(n, 1203, "all counted");
	is_int(count(st, "owner:" BOB), 1, "the held one kept");
	is_int(count(st, "owner:" AL), 401, "al's 401 untouched");
	for (int i = 0; i < 1100; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		rec(st, BOB, id, IMS_MODE_PAGER, CAROL, BOB, NULL, T0 + i * SEC);
	}
	ims_filter_parse(&f, "from:" CAROL, IMS_TIME_NONE, NULL);
	is_int(ims_history_delete(&n, st, BOB, NULL, 0, f), 0, "delete 1100 by filter");
	is_int(n, 1100, "all of them");
	ims_filter_free(f);
	is_int(count(st, "owner:" BOB), 1, "the held one is all that is left");
	ims_store_close(st);
}

/* ---------------------------------------------------------------- documents */

typedef struct sink {
	char *buf;
	size_t len, cap, calls, max_chunk;
	size_t stop_at;  /* return 42 on this call (1-based), 0: never */
} sink;

static int
sink_cb(const void *chunk, size_t len, void *payload)
{
	sink *s = payload;

	s->calls++;
	if (s->stop_at && s->calls == s->stop_at)
		return 42;
	if (len > s->max_chunk)
		s->max_chunk = len;
	if (s->len + len + 1 > s->cap) {
		size_t cap = (s->len + len + 1) * 2;
		char *p = realloc(s->buf, cap);
		if (!p)
			return ENOMEM;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, chunk, len);
	s->len += len;
	s->buf[s->len] = '\0';
	return 0;
}

static char *
b64_ref(const unsigned char *p, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
		             (i + 2 < n ? p[i + 2] : 0);
		*q++ = a[v >> 18 & 63];
		*q++ = a[v >> 12 & 63];
		*q++ = i + 1 < n ? a[v >> 6 & 63] : '=';
		*q++ = i + 2 < n ? a[v & 63] : '=';
	}
	*q = '\0';
	return o;
}

/* The body of message msgid in a transcript, parsed back by libxml2. */
static char *
body_of(const char *doc, size_t len, const char *msgid, char **encoding)
{
	xmlDoc *d = xmlReadMemory(doc, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
	xmlNode *r = d ? xmlDocGetRootElement(d) : NULL;
	char *out = NULL;

	*encoding = NULL;
	for (xmlNode *m = r ? r->children : NULL; m && !out; m = m->next) {
		xmlChar *id = m->type == XML_ELEMENT_NODE
		              ? xmlGetProp(m, (const xmlChar *)"message-id") : NULL;
		if (id && strcmp((const char *)id, msgid) == 0)
			for (xmlNode *c = m->children; c; c = c->next)
				if (c->type == XML_ELEMENT_NODE &&
				    strcmp((const char *)c->name, "body") == 0) {
					out = (char *)xmlNodeGetContent(c);
					*encoding = (char *)xmlGetProp(c, (const xmlChar *)"encoding");
				}
		xmlFree(id);
	}
	xmlFreeDoc(d);
	return out;
}

static char *
body_in(const sink *s, const char *msgid, char **encoding)
{
	*encoding = NULL;
	return s->buf ? body_of(s->buf, s->len, msgid, encoding) : NULL;
}

static void
test_documents(void)
{
	ims_store *st = create("docs");
	const char *text = "line 1\r\nline\t2 & <b>\"q\"</b> \xc3\xa9\xe2\x82\xac\n]]>";
	const unsigned char bin[] = { 0x00, 0x01, 0xfe, 0xff, 'f', 'o', 0x80 };
	const char c1[] = "caf\xc2\x85"; /* U+0085: a C1 control character */
	ims_addr to[] = { { BOB, "Bob \"B\" & co\tx" } };
	ims_addr cc[] = { { DAVE, NULL } };
	unsigned char *big = malloc(1536 * 1024 + 7);
	char *bigtext = malloc(1536 * 1024 + 1);
	size_t bigtext_len = 1536 * 1024;
	const char *bad = "<history-list xmlns=\"urn:oma:xml:im:history-list\" "
		"user=\"sip:b@x\"><history><history-reference>x</history-reference>"
		"</history></history-list>";
	char *xml, *body, *enc, *want;
	size_t len;
	ims_conv_list *l;
	ims_msg m;
	sink s = { 0 };

	fill(st);
	ims_history_rename(st, BOB, "sess-1", "R&D <\"team\">");
	is_int(ims_history_conversations(&l, st, BOB, NULL), 0, "list");
	is_int(ims_history_list_xml(&xml, &len, l, "sip:bob@EXAMPLE.com;transport=udp"), 0,
	       "history-list document");
	ok(xml && strlen(xml) == len, "length given");
	ok(xml && strstr(xml, "user=\"" BOB "\""), "for the canonical user");
	ok(xml && strstr(xml, "<subject>R&amp;D &lt;&quot;team&quot;&gt;</subject>"),
	   "the name as subject, escaped");
	ok(xml && strstr(xml, "<history-reference>sess-1</history-reference>"), "references");
	ok(xml && strstr(xml, "<conference>") && strstr(xml, "<pager>"), "both kinds");
	ok(xml && strstr(xml, "<display-name>Carol &quot;C&quot; &lt;c&gt;</display-name>"),
	   "display names escaped");
	ok(xml && xml_valid(xml, len, "history-list.xsd"), "validates against its schema");
	free(xml);
	diag("an invalid document, to see the schema check fail:");
	ok(!xml_valid(bad, strlen(bad), "history-list.xsd"), "(the check can fail)");
	ims_conv_list_free(l);
	ims_history_conversations(&l, st, "sip:nobody@example.com", NULL);
	is_int(ims_history_list_xml(&xml, &len, l, "sip:nobody@example.com"), 0, "empty list");
	ok(xml && xml_valid(xml, len, "history-list.xsd"), "validates");
	free(xml);
	is_int(ims_history_list_xml(&xml, &len, l, NULL), IMS_INVALID, "no user");
	ims_conv_list_free(l);

	/* a conversation with a text, a binary and large bodies */
	m = msg("t1", IMS_MODE_SESSION, ALICE, to, 1, T0 + 100 * SEC);
	m.from.name = "Al'ice";
	m.cc = cc;
	m.ncc = 1;
	m.conversation = "conv \"doc\" & <x>";
	m.subject = "tab\there & there";
	m.content_type = "text/plain; charset=utf-8";
	is_int(ims_history_record(NULL, st, BOB, &m, text, strlen(text)), 0, "text body");
	m = msg("t2", IMS_MODE_SESSION, BOB, to, 1, T0 + 101 * SEC);
	m.conversation = "conv \"doc\" & <x>";
	m.content_type = "application/octet-stream";
	is_int(ims_history_record(NULL, st, BOB, &m, bin, sizeof(bin)), 0, "binary body");
	m.message_id = "t3";
	m.received += SEC;
	is_int(ims_history_record(NULL, st, BOB, &m, c1, strlen(c1)), 0, "C1 control body");
	for (size_t i = 0; i < 1536 * 1024 + 7; i++)
		big[i] = (unsigned char)(i * 2654435761u >> 13);
	m.message_id = "t4";
	m.received += SEC;
	is_int(ims_history_record(NULL, st, BOB, &m, big, 1536 * 1024 + 7), 0,
	       "a 1.5 MiB binary body (two store chunks)");
	for (size_t i = 0; i < bigtext_len; i++)
		bigtext[i] = "ab<&\n"[i % 5];
	bigtext[bigtext_len] = '\0';
	m.message_id = "t5";
	m.received += SEC;
	m.content_type = NULL;
	is_int(ims_history_record(NULL, st, BOB, &m, bigtext, bigtext_len), 0,
	       "a 1.5 MiB text body (compressed)");
	m.message_id = "t6";
	m.received += SEC;
	is_int(ims_history_record(NULL, st, BOB, &m, "", 0), 0, "an empty body");

	is_int(ims_history_transcript_xml(st, BOB, "conv \"doc\" & <x>", sink_cb, &s), 0,
	       "transcript document");
	ok(s.calls > 10, "streamed in many chunks (%zu)", s.calls);
	ok(s.max_chunk <= 256 * 1024, "each bounded (largest %zu bytes)", s.max_chunk);
	ok(s.buf && xml_valid(s.buf, s.len, "transcript.xsd"), "validates against its schema");
	ok(s.buf && strstr(s.buf, "conversation=\"conv &quot;doc&quot; &amp; &lt;x&gt;\""),
	   "the identity escaped");
	ok(s.buf && strstr(s.buf, "name=\"Bob &quot;B&quot; &amp; co&#9;x\""),
	   "attribute text escaped, TAB kept");
	ok(s.buf && strstr(s.buf, "<cc uri=\"" DAVE "\"/>"), "cc recipients");
	ok(s.buf && strstr(s.buf, "<content-type>text/plain; charset=utf-8</content-type>"),
	   "content type");
	ok(s.buf && strstr(s.buf, "mode=\"session\" received=\"2026-01-01T00:01:40Z\""),
	   "mode and time received");
	body = body_in(&s, "t1", &enc);
	is_str(enc, "text", "a text body is text");
	is_str(body, text, "and reads back exactly (CR, TAB, markup, UTF-8)");
	xmlFree(body);
	xmlFree(enc);
	body = body_in(&s, "t2", &enc);
	want = b64_ref(bin, sizeof(bin));
	is_str(enc, "base64", "a binary body is base64");
	is_str(body, want, "and encodes the bytes");
	xmlFree(body);
	xmlFree(enc);
	free(want);
	body = body_in(&s, "t3", &enc);
	is_str(enc, "base64", "a C1 control character makes base64");
	xmlFree(body);
	xmlFree(enc);
	body = body_in(&s, "t4", &enc);
	want = b64_ref(big, 1536 * 1024 + 7);
	ok(body && strcmp(body, want) == 0, "a large binary body encodes across chunks");
	xmlFree(body);
	xmlFree(enc);
	free(want);
	body = body_in(&s, "t5", &enc);
	ok(enc && strcmp(enc, "text") == 0 && body && strcmp(body, bigtext) == 0,
	   "a large text body reads back exactly");
	xmlFree(body);
	xmlFree(enc);
	body = body_in(&s, "t6", &enc);
	ok(enc && strcmp(enc, "text") == 0 && body && !*body, "an empty body");
	xmlFree(body);
	xmlFree(enc);
	ok(s.buf && strstr(s.buf, "<content-type>text/plain</content-type>"),
	   "text/plain when none was given");
	free(s.buf);

	memset(&s, 0, sizeof(s));
	s.stop_at = 3;
	is_int(ims_history_transcript_xml(st, BOB, "conv \"doc\" & <x>", sink_cb, &s), 42,
	       "the callback's value stops the document");
	free(s.buf);

	memset(&s, 0, sizeof(s));
	is_int(ims_history_transcript_xml(st, AL, "conv \"doc\" & <x>", sink_cb, &s), 0,
	       "another user's view of it");
	ok(s.buf && !strstr(s.buf, "<message"), "is empty");
	ok(s.buf && xml_valid(s.buf, s.len, "transcript.xsd"), "and validates");
	free(s.buf);
	memset(&s, 0, sizeof(s));
	is_int(ims_history_transcript_xml(st, BOB, "sess-1", sink_cb, &s), 0, "the session");
	ok(s.buf && xml_valid(s.buf, s.len, "transcript.xsd"), "validates");
	free(s.buf);
	is_int(ims_history_transcript_xml(st, BOB, "", sink_cb, &s), IMS_INVALID, "no identity");
	is_int(ims_history_transcript_xml(st, BOB, "x", NULL, NULL), IMS_INVALID, "no callback");
	free(big);
	free(bigtext);
	ims_store_close(st);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/ims-history-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_record();
	test_derivation();
	test_conversations();
	test_transcript();
	test_rename();
	test_delete();
	test_delete_batches();
	test_documents();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	xmlCleanupParser();
	return done_testing();
}
