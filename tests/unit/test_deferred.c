/* test_deferred.c - the Deferred Messaging function: store or refuse,
 * quotas under concurrency, two-phase retrieval, deletion, isolation. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "imstore.h"
#include "tap.h"

#define BOB "sip:bob@example.com"
#define AL "sip:al@example.com"
#define ALICE "sip:alice@example.com"

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

static int
store(ims_store *st, const char *to, const char *msgid, ims_mode mode,
      int64_t received, ims_refusal *why)
{
	ims_msg m = IMS_MSG_INIT;
	ims_id id;

	m.owner = to;
	m.from.uri = "sip:carol@example.net";
	m.message_id = msgid;
	m.mode = mode;
	m.received = received;
	return ims_deferred_store(&id, why, st, &m, "hello", 5);
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

static uint64_t
visible(ims_store *st, const char *user)
{
	ims_query *q;
	const ims_msg *m;
	uint64_t n = 0;

	if (ims_deferred_query(&q, st, user, NULL, NULL))
		return 999;
	while (ims_query_next(&m, q) == 0)
		n++;
	ims_query_free(q);
	return n;
}

static void
test_store_refuse(void)
{
	ims_store *st = create("s1");
	ims_config cfg = IMS_CONFIG_INIT;
	ims_settings s = IMS_SETTINGS_INIT;
	ims_refusal why;
	ims_msg *g;

	is_int(store(st, BOB, "m1", IMS_MODE_PAGER, IMS_TIME_NONE, &why), 0, "stored");
	is_int(store(st, "sip:bob@EXAMPLE.com;transport=tcp", "m1", IMS_MODE_PAGER,
	             IMS_TIME_NONE, &why), IMS_EXISTS, "retransmission: stored before");
	ims_get_by_msgid(&g, st, BOB, IMS_FOLDER_DEFERRED, "m1");
	ok(g && g->expires - g->received == cfg.deferred_lifetime, "default lifetime 72 h");
	ok(g && g->state == IMS_STATE_PENDING, "pending");
	ims_msg_free(g);

	cfg.deferred_max_count = 3;
	cfg.max_message = 4;
	is_int(ims_config_set(st, &cfg), 0, "config set");
	is_int(store(st, BOB, "big", IMS_MODE_PAGER, IMS_TIME_NONE, &why), IMS_REFUSED,
	       "over max_message refused");
	is_int(why, IMS_REFUSAL_TOOBIG, "reason too-big");
	cfg.max_message = 1024;
	ims_config_set(st, &cfg);
	store(st, BOB, "m2", IMS_MODE_PAGER, IMS_TIME_NONE, &why);
	store(st, BOB, "m3", IMS_MODE_PAGER, IMS_TIME_NONE, &why);
	is_int(store(st, BOB, "m4", IMS_MODE_PAGER, IMS_TIME_NONE, &why), IMS_REFUSED,
	       "fourth over the count quota");
	is_str(ims_refusal_name(why), "quota", "reason quota");
	is_int(store(st, BOB, "m1", IMS_MODE_PAGER, IMS_TIME_NONE, &why), IMS_EXISTS,
	       "a retransmission over quota is still stored-before");
	is_int(store(st, ALICE, "old", IMS_MODE_PAGER, 946684800000000LL /* 2000 */, &why),
	       IMS_REFUSED, "an already expired message is refused");
	is_int(why, IMS_REFUSAL_EXPIRED, "reason expired");

	s.bar_pager = 1;
	is_int(ims_settings_set(st, ALICE, &s), 0, "alice bars pager messages");
	is_int(store(st, ALICE, "p1", IMS_MODE_PAGER, IMS_TIME_NONE, &why), IMS_REFUSED,
	       "barred pager");
	is_int(why, IMS_REFUSAL_BARRED, "reason barred");
	is_int(store(st, ALICE, "s1", IMS_MODE_SESSION, IMS_TIME_NONE, &why), 0,
	       "session mode not barred");
	is_int(store(st, AL, "p1", IMS_MODE_PAGER, IMS_TIME_NONE, &why), 0,
	       "look-alike user al is not barred by alice's settings");
	ims_settings_get(&s, st, "sip:alice@Example.COM");
	ok(s.bar_pager && !s.bar_session, "settings read back through a variant address");
	ims_store_close(st);
}

typedef struct racer { ims_store *st; int id; int stored; } racer;

static void *
race(void *arg)
{
	racer *r = arg;
	char msgid[32];

	for (int i = 0; i < 10; i++) {
		snprintf(msgid, sizeof(msgid), "r%d-%d", r->id, i);
		r->stored += store(r->st, BOB, msgid, IMS_MODE_PAGER, IMS_TIME_NONE, NULL) == 0;
	}
	return NULL;
}

static void
test_quota_race(void)
{
	ims_store *st = create("s2");
	ims_config cfg = IMS_CONFIG_INIT;
	pthread_t t[4];
	racer r[4];
	int total = 0;

	cfg.deferred_max_count = 10;
	ims_config_set(st, &cfg);
	for (int i = 0; i < 4; i++) {
		r[i] = (racer){ st, i, 0 };
		pthread_create(&t[i], NULL, race, &r[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += r[i].stored;
	}
	is_int(total, 10, "40 concurrent stores against a quota of 10 store exactly 10");
	is_int(count(st, "owner:" BOB), 10, "10 in the store");
	ims_store_close(st);
}

static void
test_lease(void)
{
	ims_store *st = create("s3");
	ims_settings s = IMS_SETTINGS_INIT;
	ims_lease *l, *l2;
	const char *some[] = { "d2", "nope", "d0" };
	const char *alices[] = { "a1" };
	char token[IMS_LEASE_STRLEN + 1];
	uint64_t n;

	for (int i = 0; i < 5; i++) {
		char msgid[8];
		snprintf(msgid, sizeof(msgid), "d%d", i);
		store(st, BOB, msgid, i == 4 ? IMS_MODE_SESSION : IMS_MODE_PAGER,
		      (int64_t)time(NULL) * 1000000 - i * 1000000LL, NULL);
	}
	store(st, ALICE, "a1", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);

	is_int(ims_deferred_lease(&l, st, BOB, some, 3, 0), 0, "lease by Message-IDs");
	is_int(ims_lease_count(l), 2, "only the two that exist");
	if (ims_lease_count(l) != 2)
		return;
	is_str(ims_lease_msg(l, 0)->message_id, "d2", "in received order");
	is_int(ims_lease_msg(l, 0)->state, IMS_STATE_DELIVERING, "marked delivering");
	is_int(ims_deferred_release(&n, st, BOB, ims_lease_token(l)), 0, "release");
	is_int(n, 2, "two released");
	ims_lease_free(l);

	is_int(ims_deferred_lease(&l, st, BOB, alices, 1, 0), 0, "lease alice's id as bob");
	is_int(ims_lease_count(l), 0, "another user's Message-ID is not there");
	ims_lease_free(l);

	is_int(ims_deferred_lease(&l, st, BOB, NULL, 0, 300000), 0, "lease all, 300 ms");
	is_int(ims_lease_count(l), 5, "all five");
	is_str(ims_lease_msg(l, 0)->message_id, "d4", "oldest first");
	snprintf(token, sizeof(token), "%s", ims_lease_token(l));
	is_int(ims_deferred_lease(&l2, st, BOB, NULL, 0, 0), 0, "lease again at once");
	is_int(ims_lease_count(l2), 0, "nothing: all are out");
	ims_lease_free(l2);
	usleep(400000);
	is_int(ims_deferred_lease(&l2, st, BOB, NULL, 0, 0), 0, "lease after it ran out");
	is_int(ims_lease_count(l2), 5, "all five are pending again");
	is_int(ims_deferred_ack(&n, st, BOB, token), 0, "late ack of the first lease");
	is_int(n, 0, "acks nothing: they were leased again (no double delivery)");
	is_int(ims_deferred_ack(&n, st, ALICE, ims_lease_token(l2)), IMS_NOTFOUND,
	       "alice cannot ack bob's lease");
	is_int(count(st, "owner:" BOB " state:delivering"), 5, "bob's messages untouched");

	s.history_pager = 1;
	ims_settings_set(st, BOB, &s);
	is_int(ims_deferred_ack(&n, st, BOB, ims_lease_token(l2)), 0, "ack");
	is_int(n, 5, "five acknowledged");
	is_int(count(st, "owner:" BOB " folder:deferred"), 0, "none left deferred");
	is_int(count(st, "owner:" BOB " folder:history mode:pager"), 4,
	       "pager messages filed into history (history active)");
	is_int(count(st, "owner:" BOB " mode:session"), 0,
	       "session message deleted (session history not active)");
	is_int(count(st, "owner:" BOB " folder:history state:stored msgid:d0"), 1,
	       "filed as stored, findable by Message-ID");
	is_int(ims_deferred_ack(&n, st, BOB, ims_lease_token(l2)), IMS_NOTFOUND,
	       "a lease is settled once");
	ims_lease_free(l);
	ims_lease_free(l2);
	is_int(count(st, "owner:" ALICE), 1, "alice's message untouched throughout");
	ims_store_close(st);
}

/* The state of the message with this Message-ID in the user's deferred folder,
 * -1 when there is none. */
static int
state_of(ims_store *st, const char *user, const char *msgid)
{
	ims_msg *m;
	int state;

	if (ims_get_by_msgid(&m, st, user, IMS_FOLDER_DEFERRED, msgid))
		return -1;
	state = (int)m->state;
	ims_msg_free(m);
	return state;
}

/* One message of a lease at a time, as the daemon's push settles them. */
static void
test_lease_msg(void)
{
	ims_store *st = create("s3m");
	ims_settings s = IMS_SETTINGS_INIT;
	ims_lease *l, *l2, *la;
	ims_id ids[4], junk;
	char token[IMS_LEASE_STRLEN + 1];
	uint64_t n;
	int done = -1;

	for (int i = 0; i < 4; i++) {
		char msgid[8];
		snprintf(msgid, sizeof(msgid), "m%d", i);
		store(st, BOB, msgid, IMS_MODE_PAGER,
		      (int64_t)time(NULL) * 1000000 - (10 - i) * 1000000LL, NULL);
	}
	store(st, ALICE, "a1", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	is_int(ims_deferred_lease(&l, st, BOB, NULL, 0, 0), 0, "lease bob's four");
	is_int(ims_deferred_lease(&la, st, ALICE, NULL, 0, 0), 0, "lease alice's one");
	if (ims_lease_count(l) != 4 || ims_lease_count(la) != 1)
		return;
	for (int i = 0; i < 4; i++)
		ids[i] = ims_lease_msg(l, (size_t)i)->id;

	is_int(ims_deferred_ack_msg(&done, st, BOB, ims_lease_token(l), &ids[0]), 0,
	       "ack the first message");
	is_int(done, 1, "settled by this call");
	is_int(state_of(st, BOB, "m0"), -1, "gone (history not active)");
	is_int(state_of(st, BOB, "m1"), IMS_STATE_DELIVERING, "the others still out");
	is_int(ims_deferred_ack_msg(&done, st, BOB, ims_lease_token(l), &ids[0]), 0,
	       "ack it again");
	is_int(done, 0, "harmless: nothing settled");

	is_int(ims_deferred_release_msg(&done, st, BOB, ims_lease_token(l), &ids[1]), 0,
	       "release the second (486 Busy)");
	is_int(done, 1, "released by this call");
	is_int(state_of(st, BOB, "m1"), IMS_STATE_PENDING, "pending again");
	is_int(ims_deferred_ack_msg(&done, st, BOB, ims_lease_token(l), &ids[1]), 0,
	       "a late 2xx for the released message");
	is_int(done, 0, "no longer the lease's: stays pending");
	is_int(state_of(st, BOB, "m1"), IMS_STATE_PENDING, "still pending");

	is_int(ims_deferred_ack_msg(&done, st, ALICE, ims_lease_token(l), &ids[2]), 0,
	       "alice acks bob's message with bob's token");
	is_int(done, 0, "nothing settled");
	is_int(ims_deferred_ack_msg(&done, st, ALICE, ims_lease_token(la), &ids[2]), 0,
	       "alice acks bob's message with her own token");
	is_int(done, 0, "nothing settled");
	is_int(state_of(st, BOB, "m2"), IMS_STATE_DELIVERING, "bob's message untouched");
	is_int(state_of(st, ALICE, "a1"), IMS_STATE_DELIVERING, "alice's lease untouched");

	memset(&junk, 0x5a, sizeof(junk));
	is_int(ims_deferred_ack_msg(&done, st, BOB, ims_lease_token(l), &junk), 0,
	       "an id not in the lease");
	is_int(done, 0, "nothing settled");
	is_int(ims_deferred_ack_msg(&done, st, BOB, ims_lease_token(l), NULL),
	       IMS_INVALID, "no id");
	is_int(ims_deferred_ack_msg(&done, st, BOB, "not a token", &ids[2]),
	       IMS_INVALID, "no token");

	s.history_pager = 1;
	ims_settings_set(st, BOB, &s);
	is_int(ims_deferred_ack_msg(&done, st, BOB, ims_lease_token(l), &ids[2]), 0,
	       "ack the third with history on");
	is_int(done, 1, "settled");
	is_int(count(st, "owner:" BOB " folder:history msgid:m2"), 1, "filed into history");
	is_int(ims_deferred_ack(&n, st, BOB, ims_lease_token(l)), 0,
	       "ack the rest of the lease");
	is_int(n, 1, "only the one left: the fourth");
	is_int(count(st, "owner:" BOB " folder:history"), 2, "two in history");
	is_int(state_of(st, BOB, "m1"), IMS_STATE_PENDING, "the released one stays");
	ims_lease_free(l);

	/* a lease settled message by message is finished */
	is_int(ims_deferred_lease(&l, st, BOB, NULL, 0, 300000), 0, "lease m1, 300 ms");
	is_int(ims_lease_count(l), 1, "one");
	snprintf(token, sizeof(token), "%s", ims_lease_token(l));
	usleep(400000);
	is_int(ims_deferred_lease(&l2, st, BOB, NULL, 0, 0), 0, "lease again after it ran out");
	is_int(ims_lease_count(l2), 1, "m1 leased again");
	is_int(ims_deferred_ack_msg(&done, st, BOB, token, &ims_lease_msg(l, 0)->id), 0,
	       "a late 2xx under the first lease");
	is_int(done, 0, "re-leased since: left alone (no double delivery)");
	is_int(state_of(st, BOB, "m1"), IMS_STATE_DELIVERING, "still out under the new lease");
	is_int(ims_deferred_ack(&n, st, BOB, token), IMS_NOTFOUND,
	       "the first lease is finished: its only message was taken out");
	is_int(ims_deferred_release_msg(&done, st, BOB, ims_lease_token(l2),
	                                &ims_lease_msg(l2, 0)->id), 0,
	       "release it under the new lease");
	is_int(done, 1, "released");
	is_int(ims_deferred_release(&n, st, BOB, ims_lease_token(l2)), IMS_NOTFOUND,
	       "the new lease is finished too");
	is_int(ims_deferred_ack_msg(&done, st, BOB, ims_lease_token(l2),
	                            &ims_lease_msg(l2, 0)->id), 0,
	       "ack on a finished lease");
	is_int(done, 0, "harmless");
	is_int(state_of(st, BOB, "m1"), IMS_STATE_PENDING, "pending, leasable later");
	is_int(ims_deferred_ack(&n, st, ALICE, ims_lease_token(la)), 0, "alice acks hers");
	is_int(n, 1, "her one message");
	ims_lease_free(l);
	ims_lease_free(l2);
	ims_lease_free(la);
	ims_store_close(st);
}

static void
test_delete(void)
{
	ims_store *st = create("s4");
	const char *ids[] = { "x1", "a1" };
	ims_filter *f;
	uint64_t n;

	store(st, BOB, "x1", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	store(st, BOB, "x2", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	store(st, BOB, "x3", IMS_MODE_LARGE, IMS_TIME_NONE, NULL);
	store(st, AL, "a1", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	store(st, AL, "x2", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	is_int(ims_deferred_delete(&n, st, BOB, ids, 2, NULL), 0, "delete by ids");
	is_int(n, 1, "only bob's own x1");
	is_int(count(st, "owner:" AL), 2, "al's messages untouched");
	ims_filter_parse(&f, "mode:pager or msgid:a1", IMS_TIME_NONE, NULL);
	is_int(ims_deferred_delete(&n, st, BOB, NULL, 0, f), 0, "delete by filter");
	is_int(n, 1, "only bob's pager x2, not al's a1 (an or cannot escape the scope)");
	ims_filter_free(f);
	is_int(count(st, "owner:" AL), 2, "al still has both");
	is_int(visible(st, BOB), 1, "bob sees one left");
	is_int(visible(st, "sip:alice@example.com"), 0, "alice sees nothing of al's");
	ims_store_close(st);
}

static int
xml_valid(const char *doc, const char *schema)
{
	char path[512], cmd[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/doc.xml", root);
	if (!(f = fopen(path, "w")))
		return 0;
	fputs(doc, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s/schemas/%s' '%s' 2>/dev/null",
	         getenv("IMS_SRCDIR") ? getenv("IMS_SRCDIR") : ".", schema, path);
	return system(cmd) == 0;
}

static void
test_register_and_documents(void)
{
	ims_store *st = create("s5");
	ims_settings s = IMS_SETTINGS_INIT;
	ims_register r;
	ims_query *q;
	char *xml, **uris;
	size_t len, n;
	ims_errinfo e;
	const char *rl = "<?xml version=\"1.0\"?><resource-lists "
		"xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>"
		"<entry uri=\"msg-1@example.com\"/><list><entry uri=\"m&amp;2\"/></list>"
		"<x:other xmlns:x=\"urn:o\"/></list></resource-lists>";

	is_int(ims_deferred_on_register(&r, st, BOB, 0), 0, "register with nothing waiting");
	is_int(r.action, IMS_REGISTER_NOTHING, "nothing to do");
	ims_msg m = IMS_MSG_INIT;
	m.owner = BOB;
	m.from.uri = "\"A & B <co>\" <sip:ab@example.com>";
	m.from.name = "A & B <co>";
	m.message_id = "w1";
	m.subject = "5 > 4 & \"quotes\"";
	ims_deferred_store(NULL, NULL, st, &m, "x", 1);
	m.message_id = "w2";
	ims_deferred_store(NULL, NULL, st, &m, "yy", 2);

	s.offline_push = 0;
	ims_settings_set(st, BOB, &s);
	is_int(ims_deferred_on_register(&r, st, BOB, 0), 0, "register, notify mode");
	is_int(r.action, IMS_REGISTER_NOTIFY, "notify");
	is_int(r.waiting, 2, "two waiting");
	ok(r.summary && strstr(r.summary, "<reference>w2</reference>"), "summary lists them");
	ok(r.summary && strstr(r.summary, "A &amp; B &lt;co&gt;"), "text escaped");
	ok(r.summary && xml_valid(r.summary, "deferred-list.xsd"), "summary validates");
	ims_register_clear(&r);
	is_int(count(st, "owner:" BOB " state:pending"), 2, "notify leaves them pending");

	s.offline_push = 1;
	ims_settings_set(st, BOB, &s);
	is_int(ims_deferred_on_register(&r, st, BOB, 0), 0, "register, push mode");
	is_int(r.action, IMS_REGISTER_PUSH, "push");
	is_int(ims_lease_count(r.lease), 2, "both leased for sending");
	ims_register_clear(&r);

	is_int(ims_deferred_query(&q, st, BOB, NULL, NULL), 0, "summary query");
	is_int(ims_deferred_list_xml(&xml, &len, q, 1), 0, "deferred-list of one");
	ok(strstr(xml, "<reference>w1</reference>") && !strstr(xml, "w2"), "max respected");
	ok(xml_valid(xml, "deferred-list.xsd"), "validates");
	free(xml);
	ims_query_free(q);

	is_int(ims_urilist_parse(&uris, &n, rl, strlen(rl), &e), 0, "URI-list");
	is_int(n, 2, "two entries, nested list included");
	is_str(n == 2 ? uris[1] : NULL, "m&2", "entity-escaped uri decoded");
	ims_strings_free(uris, n);
	is_int(ims_urilist_parse(&uris, &n, "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>", 32, &e),
	       IMS_INVALID, "URI-list with a DTD refused");
	is_int(ims_urilist_parse(&uris, &n, "<resource-lists/>", 17, &e), IMS_INVALID,
	       "wrong namespace refused");
	ims_store_close(st);
}

static void
test_sweep(void)
{
	ims_store *st = create("s6");
	ims_msg m = IMS_MSG_INIT;
	int64_t now = (int64_t)time(NULL) * 1000000;
	uint64_t n;
	char msgid[16];

	m.from.uri = "sip:carol@example.net";
	for (int i = 0; i < 1200; i++) {
		snprintf(msgid, sizeof(msgid), "e%d", i);
		m.owner = i % 2 ? BOB : ALICE;
		m.message_id = msgid;
		m.expires = now + (i < 1100 ? 60 : 3600) * 1000000LL;
		ims_deferred_store(NULL, NULL, st, &m, "x", 1);
	}
	is_int(count(st, "*"), 1200, "1200 stored");
	is_int(ims_deferred_sweep(&n, st, now + 120 * 1000000LL), 0, "sweep");
	is_int(n, 1100, "the 1100 expired removed, over several transactions");
	is_int(count(st, "*"), 100, "the others stay");
	is_int(ims_deferred_sweep(&n, st, now + 120 * 1000000LL), 0, "sweep again");
	is_int(n, 0, "nothing more");
	ims_store_close(st);
}

/* Entries of one of the store's LMDB databases, read beside the handle. */
static size_t
entries(const char *name, const char *db)
{
	char path[512];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat ms = { 0 };

	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (mdb_env_create(&env))
		return 0;
	mdb_env_set_maxdbs(env, 32);
	if (mdb_env_open(env, path, MDB_RDONLY, 0600) == 0 &&
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
		if (mdb_dbi_open(txn, db, 0, &dbi) == 0)
			mdb_stat(txn, dbi, &ms);
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return ms.ms_entries;
}

static uint64_t
problems(ims_store *st)
{
	ims_verify_result r;

	return ims_verify(&r, st, NULL) ? 999 : r.problems;
}

/* An acknowledged or deleted message is gone at once for every reader; what
 * it left in the other indexes and its body wait for the sweep. */
static void
test_reap(void)
{
	ims_store *st = create("s7");
	const char *r0[] = { "r0" }, *r1[] = { "r1" };
	ims_lease *l;
	ims_msg *got = NULL;
	uint64_t n;

	for (int i = 0; i < 3; i++) {
		char msgid[8];
		snprintf(msgid, sizeof(msgid), "r%d", i);
		store(st, BOB, msgid, IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	}
	store(st, ALICE, "r0", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	is_int(ims_deferred_lease(&l, st, BOB, NULL, 0, 0), 0, "lease bob's three");
	is_int(ims_deferred_ack(&n, st, BOB, ims_lease_token(l)), 0, "ack them");
	is_int(n, 3, "three acknowledged");
	ims_lease_free(l);
	is_int(visible(st, BOB), 0, "bob sees none");
	is_int(count(st, "*"), 1, "a full scan finds only alice's");
	is_int(count(st, "from:sip:carol@example.net"), 1, "so does the sender's index");
	is_int(count(st, "msgid:r1"), 0, "and the Message-ID index");
	is_int(ims_get_by_msgid(&got, st, BOB, IMS_FOLDER_DEFERRED, "r1"), IMS_NOTFOUND,
	       "lookup by Message-ID: not found");
	is_int(problems(st), 0, "verify: sound, leftovers pending");
	is_int(entries("s7", "reap"), 3, "three deletions wait for the sweep");
	is_int(entries("s7", "ix_from"), 4, "their sender-index entries are still there");
	is_int(entries("s7", "ix_owner"), 1, "their owner-index entries are not");

	is_int(store(st, BOB, "r0", IMS_MODE_PAGER, IMS_TIME_NONE, NULL), 0,
	       "the same Message-ID again (a retransmission) is stored, not a duplicate");
	is_int(visible(st, BOB), 1, "bob sees it");
	is_int(ims_deferred_sweep(&n, st, IMS_TIME_NONE), 0, "sweep");
	is_int(n, 0, "nothing expired");
	is_int(entries("s7", "reap"), 0, "nothing waits");
	is_int(entries("s7", "ix_from"), 2, "only the two live messages are indexed");
	is_int(entries("s7", "body"), 2, "and have bodies");
	is_int(ims_get_by_msgid(&got, st, BOB, IMS_FOLDER_DEFERRED, "r0"), 0,
	       "the new r0 keeps its Message-ID entry");
	ims_msg_free(got);
	is_int(problems(st), 0, "verify: sound after the sweep");

	is_int(ims_deferred_delete(&n, st, BOB, r0, 1, NULL), 0, "bob deletes r0");
	is_int(n, 1, "one deleted");
	is_int(ims_deferred_delete(&n, st, BOB, r0, 1, NULL), 0, "and again");
	is_int(n, 0, "nothing: it is gone");
	is_int(ims_deferred_delete(&n, st, BOB, r1, 1, NULL), 0, "an acknowledged one");
	is_int(n, 0, "nothing either");
	is_int(problems(st), 0, "verify: sound");
	is_int(ims_deferred_sweep(&n, st, IMS_TIME_NONE), 0, "sweep");
	is_int(entries("s7", "ix_msgid") + entries("s7", "body"), 2, "alice's alone remains");
	is_int(count(st, "owner:" ALICE " msgid:r0"), 1, "untouched");
	ims_store_close(st);
}

/* Without a sweep, the deletions waiting stay about REAP_BACKLOG (20,000). */
static void
test_reap_backlog(void)
{
	ims_store *st = create("s8");
	ims_bulk_opts bo = IMS_BULK_OPTS_INIT;
	ims_msg m = IMS_MSG_INIT;
	ims_filter *f;
	ims_bulk *b;
	uint64_t n = 0;
	char msgid[16];
	int bad = 0;

	m.from.uri = "sip:carol@example.net";
	ims_bulk_open(&b, st, &bo);
	for (int i = 0; i < 20300; i++) {
		snprintf(msgid, sizeof(msgid), "b%d", i);
		m.owner = i < 20200 ? BOB : ALICE;
		m.message_id = msgid;
		bad |= ims_bulk_put(b, &m, "x", 1);
	}
	bad |= ims_bulk_commit(b);
	ims_bulk_free(b);
	is_int(bad, 0, "20,300 stored");
	ims_filter_parse(&f, "*", IMS_TIME_NONE, NULL);
	is_int(ims_deferred_delete(&n, st, BOB, NULL, 0, f), 0, "bob deletes his 20,200");
	ims_filter_free(f);
	is_int(n, 20200, "all of them");
	ok(entries("s8", "reap") <= 20001, "at most 20,001 wait (%zu)", entries("s8", "reap"));
	ok(entries("s8", "reap") >= 19999, "the rest were finished on the way");
	is_int(problems(st), 0, "verify: sound");
	is_int(ims_deferred_sweep(&n, st, IMS_TIME_NONE), 0, "sweep");
	is_int(entries("s8", "reap"), 0, "nothing waits");
	is_int(entries("s8", "ix_time"), 100, "alice's 100 remain indexed");
	ims_store_close(st);
}

/* Retry now: leased messages pending at once, for one user, a filter,
 * every user; a late ack of the old lease settles none of them. */
static void
test_retry(void)
{
	ims_store *st = create("s9");
	ims_lease *l, *l2;
	ims_filter *f = NULL;
	uint64_t n = 99;

	for (int i = 0; i < 3; i++) {
		char msgid[8];
		snprintf(msgid, sizeof(msgid), "r%d", i);
		store(st, BOB, msgid, IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	}
	store(st, ALICE, "ra", IMS_MODE_PAGER, IMS_TIME_NONE, NULL);
	is_int(ims_deferred_retry(&n, st, NULL, NULL), 0, "retry with nothing leased");
	is_int(n, 0, "nothing handed back");
	is_int(ims_deferred_lease(&l, st, BOB, NULL, 0, 3600 * 1000000LL), 0, "lease bob's, 1 h");
	is_int(ims_lease_count(l), 3, "three");
	is_int(ims_deferred_lease(&l2, st, ALICE, NULL, 0, 3600 * 1000000LL), 0, "lease alice's");
	ims_lease_free(l2);
	is_int(ims_deferred_retry(&n, st, "not an address", NULL), IMS_INVALID, "bad user");
	ims_filter_parse(&f, "msgid:r1", IMS_TIME_NONE, NULL);
	is_int(ims_deferred_retry(&n, st, BOB, f), 0, "retry bob's r1");
	is_int(n, 1, "one handed back");
	ims_filter_free(f);
	is_int(count(st, "owner:" BOB " state:pending"), 1, "r1 pending");
	is_int(ims_deferred_retry(&n, st, BOB, NULL), 0, "retry bob's");
	is_int(n, 2, "the two others");
	is_int(count(st, "owner:" ALICE " state:delivering"), 1, "alice's lease untouched");
	is_int(ims_deferred_ack(&n, st, BOB, ims_lease_token(l)), 0, "late ack of the old lease");
	is_int(n, 0, "settles none of the retried");
	is_int(count(st, "owner:" BOB " state:pending"), 3, "all three still waiting");
	is_int(ims_deferred_retry(NULL, st, NULL, NULL), 0, "retry every user's");
	is_int(count(st, "folder:deferred state:delivering"), 0, "nothing out any more");
	ims_lease_free(l);
	ims_store_close(st);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/ims-deferred-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_store_refuse();
	test_quota_race();
	test_lease();
	test_lease_msg();
	test_delete();
	test_register_and_documents();
	test_sweep();
	test_reap();
	test_reap_backlog();
	test_retry();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
