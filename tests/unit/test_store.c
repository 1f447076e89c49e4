/* test_store.c - libimstore end to end: open, put, get, bodies, queries,
 * paging, delete, map growth, corruption, fork, formats, threads. */
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h" /* commit counters */
#include "tap.h"

static char root[256];

static char *
path(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", root, name);
	return buf[i];
}

static ims_store *
create(const char *name, size_t map_size)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st = NULL;

	o.flags = IMS_OPEN_CREATE;
	o.map_size = map_size;
	if (ims_store_open(&st, path(name), &o) != 0)
		return NULL;
	return st;
}

static int
put_simple(ims_id *out, ims_store *st, const char *owner, const char *from,
           const char *msgid, int64_t received, const char *body)
{
	ims_msg m = IMS_MSG_INIT;

	m.owner = owner;
	m.from.uri = from;
	m.message_id = msgid;
	m.received = received;
	return ims_put(out, st, &m, body, body ? strlen(body) : 0);
}

static void
test_open(void)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st, *st2;
	struct stat sb;
	mode_t old = umask(0);
	int fd;

	is_int(ims_store_open(&st, path("none"), NULL), IMS_NOTFOUND, "missing store");
	st = create("s-open", 0);
	ok(st != NULL, "create");
	umask(old);
	stat(path("s-open"), &sb);
	is_int(sb.st_mode & 0777, 0700, "dir 0700 under umask 0");
	stat(path("s-open/data.mdb"), &sb);
	is_int(sb.st_mode & 0777, 0600, "data.mdb 0600");
	stat(path("s-open/lock.mdb"), &sb);
	is_int(sb.st_mode & 0777, 0600, "lock.mdb 0600");
	is_int(ims_store_open(&st2, path("s-open"), NULL), IMS_BUSY,
	       "second open in one process refused");
	ims_store_close(st);
	is_int(ims_store_open(&st, path("s-open"), NULL), 0, "reopen after close");
	ims_store_close(st);

	fd = open(path("a-file"), O_CREAT | O_WRONLY, 0600);
	close(fd);
	o.flags = IMS_OPEN_CREATE;
	is_int(ims_store_open(&st, path("a-file"), &o), IMS_NOTSTORE, "a file is not a store");
	mkdir(path("other"), 0700);
	is_int(ims_store_open(&st, path("other"), NULL), IMS_NOTSTORE,
	       "empty directory without create is not a store");
	o.flags = IMS_OPEN_RDONLY;
	is_int(ims_store_open(&st, path("s-open"), &o), 0, "read-only open");
	is_int(put_simple(NULL, st, "sip:a@x", "sip:b@x", "1", IMS_TIME_NONE, "x"),
	       IMS_READONLY, "put on read-only handle");
	ims_store_close(st);
}

static void
test_put_get(void)
{
	ims_store *st = create("s-put", 0);
	ims_addr to[2] = { { "sip:Bob@EXAMPLE.com;transport=tcp", "Bob" },
	                   { "tel:+1-212-555-0100", NULL } };
	ims_header h[1] = { { "P-Asserted-Identity", "<sip:alice@example.com>" } };
	ims_msg m = IMS_MSG_INIT, *g;
	ims_id id, id2, id3;
	char s[IMS_ID_STRLEN + 1];
	ims_id parsed;

	m.owner = "sip:Bob@EXAMPLE.com;transport=tcp";
	m.from.uri = "\"Alice\" <sip:alice@Example.COM>";
	m.from.name = "Alice";
	m.to = to;
	m.nto = 2;
	m.headers = h;
	m.nheaders = 1;
	m.message_id = "msg-1";
	m.conversation = "conv-9";
	m.subject = "h\xc3\xa9llo";
	m.content_type = "text/plain;charset=utf-8";
	is_int(ims_put(&id, st, &m, "hello", 5), 0, "put");
	ims_id_fmt(s, &id);
	is_int(strlen(s), 26, "id prints as 26 characters");
	ok(ims_id_parse(&parsed, s) == 0 && memcmp(parsed.b, id.b, 16) == 0, "id parses back");
	is_int(ims_get(&g, st, &id), 0, "get");
	is_str(g->owner, "sip:Bob@example.com", "owner canonical");
	is_str(g->from.uri, "sip:alice@example.com", "from canonical");
	is_str(g->to[0].uri, "sip:Bob@example.com", "to canonical");
	is_str(g->to[1].uri, "tel:+12125550100", "tel canonical");
	is_str(g->subject, "h\xc3\xa9llo", "subject");
	is_int(g->state, IMS_STATE_PENDING, "state pending");
	is_int(g->size, 5, "size");
	ok(g->received > 0, "received set to now");
	is_str(g->headers[0].value, "<sip:alice@example.com>", "header kept");
	ims_msg_free(g);

	m.owner = "sip:Bob@example.com";
	is_int(ims_put(&id2, st, &m, "other body", 10), IMS_EXISTS, "same owner+msgid: exists");
	ok(memcmp(id.b, id2.b, 16) == 0, "existing id returned");
	m.folder = IMS_FOLDER_HISTORY;
	is_int(ims_put(&id3, st, &m, "x", 1), 0, "same msgid in history: new");
	m.folder = IMS_FOLDER_DEFERRED;
	m.owner = "sip:bob@example.com";
	is_int(ims_put(&id3, st, &m, "x", 1), 0, "user part is case-sensitive: new owner");
	ok(memcmp(id.b, id3.b, 16) < 0, "ids increase");

	is_int(ims_get_by_msgid(&g, st, "sip:Bob@example.com", IMS_FOLDER_DEFERRED, "msg-1"),
	       0, "get by message-id");
	ok(g && memcmp(g->id.b, id.b, 16) == 0, "right message");
	ims_msg_free(g);
	is_int(ims_get_by_msgid(&g, st, "sip:al@example.com", IMS_FOLDER_DEFERRED, "msg-1"),
	       IMS_NOTFOUND, "another owner's message-id is not found");

	m.subject = "bad\x01";
	m.message_id = "msg-2";
	is_int(ims_put(NULL, st, &m, "", 0), IMS_INVALID, "control char refused");
	m.subject = "\xc3\x28";
	is_int(ims_put(NULL, st, &m, "", 0), IMS_INVALID, "invalid utf-8 refused");
	m.subject = NULL;
	char big[600];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	m.message_id = big;
	is_int(ims_put(NULL, st, &m, "", 0), IMS_TOOBIG, "message-id over limit");
	m.message_id = "msg-3";
	m.owner = "bob@example.com";
	is_int(ims_put(NULL, st, &m, "", 0), IMS_INVALID, "address without scheme");
	m.owner = NULL;
	is_int(ims_put(NULL, st, &m, "", 0), IMS_INVALID, "owner required");

	ims_stats stats;
	is_int(ims_stats_get(&stats, st), 0, "stats");
	is_int(stats.messages[0], 3, "3 messages stored, no half-stored ones");
	is_int(stats.messages[2], 1, "1 in history");
	is_int(stats.owners, 2, "2 owners");
	ims_store_close(st);
}

static void
test_bodies(void)
{
	ims_store *st = create("s-body", 0);
	size_t sizes[] = { 0, 1, 300, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 17 };
	ims_stats s;

	for (int kind = 0; kind < 2; kind++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
			size_t n = sizes[i];
			unsigned char *b = malloc(n + 1);
			void *got;
			size_t got_len;
			char msgid[32];
			ims_id id;
			for (size_t k = 0; k < n; k++)
				b[k] = kind ? (unsigned char)rand() : (unsigned char)("abcab\0c"[k % 7]);
			snprintf(msgid, sizeof(msgid), "b-%d-%zu", kind, i);
			ims_msg m = IMS_MSG_INIT;
			m.owner = "sip:a@x.org";
			m.from.uri = "sip:b@x.org";
			m.message_id = msgid;
			is_int(ims_put(&id, st, &m, b, n), 0, "put %s body of %zu bytes",
			       kind ? "random" : "compressible", n);
			is_int(ims_body_get(&got, &got_len, st, &id), 0, "get body");
			ok(got_len == n && memcmp(got, b, n) == 0, "body bytes exact");
			free(got);
			free(b);
		}
	}
	ims_stats_get(&s, st);
	ok(s.stored_bytes < s.bytes[0] * 3 / 4, "compressible bodies stored smaller (%llu < %llu)",
	   (unsigned long long)s.stored_bytes, (unsigned long long)s.bytes[0]);
	ims_store_close(st);
}

/* ---- bodies read in a query's snapshot ---- */

typedef struct collect {
	unsigned char *p;
	size_t len, cap, max_chunk;
	int calls, stop_at;
} collect;

static int
collect_cb(const void *chunk, size_t len, void *payload)
{
	collect *c = payload;

	c->calls++;
	if (len > c->max_chunk)
		c->max_chunk = len;
	if (c->len + len > c->cap) {
		size_t ncap = (c->len + len) * 2;
		unsigned char *np = realloc(c->p, ncap);
		if (!np)
			return -1;
		c->p = np;
		c->cap = ncap;
	}
	memcpy(c->p + c->len, chunk, len);
	c->len += len;
	return c->stop_at && c->calls == c->stop_at ? 7 : 0;
}

static void
collect_reset(collect *c)
{
	c->len = 0;
	c->max_chunk = 0;
	c->calls = 0;
	c->stop_at = 0;
}

static void
test_query_bodies(void)
{
	ims_store *st = create("s-qbody", 0);
	const size_t sizes[] = { 300, 0, 3 * 1024 * 1024 + 17, 5 };
	const size_t nsizes = sizeof(sizes) / sizeof(*sizes);
	unsigned char *bodies[4];
	ims_id ids[4];
	collect c = { 0 };
	ims_filter *f;
	ims_query *q;
	const ims_msg *m;
	int n = 0, exact = 0, bounded = 1;
	char msgid[16];

	for (size_t i = 0; i < nsizes; i++) {
		bodies[i] = malloc(sizes[i] + 1);
		for (size_t k = 0; k < sizes[i]; k++)
			bodies[i][k] = i == 2 && k % 3 ? (unsigned char)rand()
			                                 : (unsigned char)("qbody "[k % 6]);
		snprintf(msgid, sizeof(msgid), "qb%zu", i);
		ims_msg pm = IMS_MSG_INIT;
		pm.owner = "sip:a@x.org";
		pm.from.uri = "sip:b@x.org";
		pm.message_id = msgid;
		pm.received = 1767225600LL * 1000000 + (int64_t)i;
		ims_put(&ids[i], st, &pm, bodies[i], sizes[i]);
	}
	ims_filter_parse(&f, "owner:sip:a@x.org", IMS_TIME_NONE, NULL);
	ims_query_open(&q, st, f, NULL);
	is_int(ims_query_body_stream(q, collect_cb, &c), IMS_INVALID,
	       "no current message before the first next");
	is_int(ims_query_body_stream(NULL, collect_cb, &c), IMS_INVALID, "NULL query");
	/* deleted after the query opened: still read in its snapshot */
	is_int(ims_delete(st, &ids[2]), 0, "delete the large message after opening");
	while (ims_query_next(&m, q) == 0) {
		size_t i = (size_t)n++;
		is_int(ims_query_body_stream(q, NULL, NULL), IMS_INVALID, "NULL callback");
		collect_reset(&c);
		is_int(ims_query_body_stream(q, collect_cb, &c), 0, "stream body %zu", i);
		exact += c.len == sizes[i] && memcmp(c.p, bodies[i], sizes[i]) == 0 &&
		         memcmp(m->id.b, ids[i].b, 16) == 0;
		if (c.max_chunk > 1024 * 1024)
			bounded = 0;
		if (sizes[i] == 0)
			is_int(c.calls, 0, "an empty body makes no call");
		collect_reset(&c);
		c.stop_at = 1;
		is_int(ims_query_body_stream(q, collect_cb, &c), sizes[i] ? 7 : 0,
		       "the callback's value stops the stream (body %zu)", i);
		collect_reset(&c);
		ims_query_body_stream(q, collect_cb, &c);
		ok(c.len == sizes[i], "streamed again until the next call (body %zu)", i);
	}
	is_int(n, 4, "four messages in the snapshot, the deleted one included");
	is_int(exact, 4, "every body exact, with its message");
	ok(bounded, "no chunk handed out is over 1 MiB (3 MiB body)");
	is_int(ims_query_body_stream(q, collect_cb, &c), IMS_INVALID,
	       "no current message after the end");
	ims_query_free(q);
	ims_query_open(&q, st, f, NULL);
	n = 0;
	while (ims_query_next(&m, q) == 0)
		n++;
	is_int(n, 3, "a new query no longer sees it");
	ims_query_free(q);
	ims_filter_free(f);
	for (size_t i = 0; i < nsizes; i++)
		free(bodies[i]);
	free(c.p);
	ims_store_close(st);
}

/* ---- queries ---- */

static int
list_ids(ims_store *st, const char *expr, ims_query_opts *qo, ims_id *out,
         size_t max, char *cursor)
{
	ims_filter *f;
	ims_query *q;
	const ims_msg *m;
	int n = 0;

	if (ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL))
		return -1;
	if (ims_query_open(&q, st, f, qo)) {
		ims_filter_free(f);
		return -1;
	}
	while ((size_t)n < max && ims_query_next(&m, q) == 0)
		out[n++] = m->id;
	if (cursor && ims_query_cursor(cursor, q) != 0)
		cursor[0] = '\0';
	ims_query_free(q);
	ims_filter_free(f);
	return n;
}

static const char *
plan_of(ims_store *st, const char *expr)
{
	static char buf[1024];
	ims_filter *f;
	ims_query *q;

	buf[0] = '\0';
	if (ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL))
		return "parse error";
	if (ims_query_open(&q, st, f, NULL) == 0) {
		snprintf(buf, sizeof(buf), "%s", ims_query_explain(q));
		ims_query_free(q);
	}
	ims_filter_free(f);
	return buf;
}

static void
test_queries(void)
{
	ims_store *st = create("s-query", 0);
	ims_id ids[64], got[64];
	const int64_t day = 86400LL * 1000000, t0 = 1767225600LL * 1000000;
	char msgid[16];
	uint64_t n;
	ims_filter *f;

	for (int i = 0; i < 30; i++) {
		snprintf(msgid, sizeof(msgid), "q%d", i);
		put_simple(&ids[i], st, i % 2 ? "sip:odd@x.org" : "sip:even@x.org",
		           i % 3 ? "sip:alice@x.org" : "sip:carol@x.org", msgid,
		           t0 + (int64_t)(29 - i) * day, "body");
	}
	is_int(list_ids(st, "owner:sip:odd@x.org", NULL, got, 64, NULL), 15, "owner query");
	ok(memcmp(got[0].b, ids[29].b, 16) == 0, "ordered by received time");
	is_int(list_ids(st, "from:sip:carol@x.org and owner:sip:even@x.org", NULL, got, 64, NULL),
	       5, "from and owner");
	is_int(list_ids(st, "date:2026-01-01..2026-01-05", NULL, got, 64, NULL), 5, "date range");
	is_int(list_ids(st, "msgid:q7", NULL, got, 64, NULL), 1, "msgid");
	is_int(list_ids(st, "owner:sip:nobody@x.org", NULL, got, 64, NULL), 0, "unknown owner");
	ims_filter_parse(&f, "owner:sip:odd@x.org or from:sip:carol@x.org", IMS_TIME_NONE, NULL);
	is_int(ims_count(&n, st, f), 0, "count");
	is_int(n, 20, "count of an or");
	ims_filter_free(f);

	ok(strstr(plan_of(st, "owner:sip:odd@x.org"), "plan: index owner") != NULL, "owner plan");
	ok(strstr(plan_of(st, "owner:sip:odd@x.org folder:deferred"), "folder deferred") != NULL,
	   "owner+folder plan");
	ok(strstr(plan_of(st, "from:sip:alice@x.org"), "plan: index originator") != NULL, "from plan");
	ok(strstr(plan_of(st, "conversation:c1"), "plan: index conversation") != NULL, "conv plan");
	ok(strstr(plan_of(st, "msgid:q1"), "plan: index msgid") != NULL, "msgid plan");
	ok(strstr(plan_of(st, "date:2026-01-01"), "received-time range") != NULL, "date plan");
	ok(strstr(plan_of(st, "subject:x"), "full scan") != NULL, "subject: full scan");
	ok(strstr(plan_of(st, "owner:sip:a@x.org or subject:x"), "full scan") != NULL,
	   "top-level or: full scan");

	/* reverse */
	is_int(list_ids(st, "*", &(ims_query_opts){ IMS_QUERY_OPTS_VERSION, 1, NULL, 0, NULL }, got, 64, NULL),
	       30, "reverse lists all");
	ok(memcmp(got[0].b, ids[0].b, 16) == 0, "reverse starts with the newest");
	ims_store_close(st);
}

/* ---- the content-type index ---- */

static int
count_expr(ims_store *st, const char *expr)
{
	ims_filter *f;
	uint64_t n = 0;
	int rc;

	if (ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL))
		return -1;
	rc = ims_count(&n, st, f);
	ims_filter_free(f);
	return rc ? -1 : (int)n;
}

static void
test_type_index(void)
{
	ims_store *st = create("s-type", 0);
	const int64_t day = 86400LL * 1000000, t0 = 1767225600LL * 1000000;
	char longtype[200], longq[220], msgid[16];
	const char *types[] = { "Video/MP4; codecs=avc1", " video/mp4", "video/mp4x",
	                        NULL, "text/plain;charset=utf-8", "image/png",
	                        longtype, "", "video/mp4" };
	const size_t ntypes = sizeof(types) / sizeof(*types);
	ims_id ids[16];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	memset(longtype, 'a', sizeof(longtype) - 1);
	longtype[sizeof(longtype) - 1] = '\0';
	longtype[1] = '/';
	snprintf(longq, sizeof(longq), "type:%s", longtype);
	for (size_t i = 0; i < ntypes; i++) {
		ims_msg m = IMS_MSG_INIT;
		snprintf(msgid, sizeof(msgid), "t%zu", i);
		m.owner = "sip:a@x.org";
		m.from.uri = "sip:b@x.org";
		m.message_id = msgid;
		m.content_type = types[i];
		m.received = t0 + (int64_t)i * day;
		is_int(ims_put(&ids[i], st, &m, "x", 1), 0, "put type '%s'",
		       types[i] ? types[i] : "(none)");
	}
	ok(strstr(plan_of(st, "type:video/mp4"), "plan: index type = video/mp4") != NULL,
	   "a media type plans over ix_type");
	is_int(count_expr(st, "type:video/mp4"), 3, "case and parameters ignored, not video/mp4x");
	is_int(count_expr(st, "type:video/mp4 date:2026-01-01..2026-01-05"), 2,
	       "type in a date range");
	is_int(count_expr(st, "type:text/plain"), 2, "no content type is text/plain");
	ok(strstr(plan_of(st, "type:text/plain date:2026-01-01"), "received-time range") != NULL,
	   "text/plain, most messages, is not indexed: the time range is read");
	ok(strstr(plan_of(st, "type:image/*"), "index type") == NULL, "any subtype: not ix_type");
	is_int(count_expr(st, "type:image/*"), 1, "any subtype still answers");
	ok(strstr(plan_of(st, longq), "index type") == NULL, "a type too long to index: not ix_type");
	is_int(count_expr(st, longq), 1, "and still answers");
	ok(strstr(plan_of(st, "owner:sip:a@x.org type:video/mp4"), "index owner") != NULL,
	   "an owner is preferred to a type");
	is_int(count_expr(st, "type:video/mp4 and not from:sip:b@x.org"), 0, "residual filter kept");
	is_int(ims_delete(st, &ids[0]), 0, "delete one");
	is_int(count_expr(st, "type:video/mp4"), 2, "gone from the index");
	ims_store_close(st);

	/* a store of format 1 written before ix_type: the first writable open
	 * builds it from the records */
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_open(env, path("s-type"), 0, 0600);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "ix_type", 0, &dbi);
	mdb_drop(txn, dbi, 1);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	{
		ims_open_opts ro = IMS_OPEN_OPTS_INIT;
		ro.flags = IMS_OPEN_RDONLY;
		is_int(ims_store_open(&st, path("s-type"), &ro), IMS_VERSION,
		       "read-only open of a store without ix_type: refused");
	}
	is_int(ims_store_open(&st, path("s-type"), NULL), 0, "a writable open adds ix_type");
	is_int(count_expr(st, "type:video/mp4"), 2, "built from the messages already stored");
	is_int(count_expr(st, "type:text/plain"), 2, "every type of them");
	{
		ims_id got[4];
		ims_query_opts qo = IMS_QUERY_OPTS_INIT;
		char cursor[IMS_CURSOR_STRLEN + 1];
		qo.reverse = 1;
		is_int(list_ids(st, "type:video/mp4", &qo, got, 4, NULL), 2, "reverse over ix_type");
		ok(memcmp(got[0].b, ids[8].b, 16) == 0 && memcmp(got[1].b, ids[1].b, 16) == 0,
		   "newest first");
		is_int(list_ids(st, "type:video/mp4", NULL, got, 1, cursor), 1, "a page of one");
		qo.reverse = 0;
		qo.cursor = cursor;
		is_int(list_ids(st, "type:video/mp4", &qo, got, 4, NULL), 1, "resumed: the other");
		ok(memcmp(got[0].b, ids[8].b, 16) == 0, "neither skipped nor repeated");
	}
	ims_store_close(st);
}

/* Building ix_type at the first writable open needs room: the map grows. */
static void
test_type_index_full(void)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	char msgid[16];
	int fails = 0;

	o.flags = IMS_OPEN_CREATE;
	o.map_size = 64 * 1024;
	ims_store_open(&st, path("s-type-full"), &o);
	for (int i = 0; i < 400; i++) {
		ims_msg m = IMS_MSG_INIT;
		snprintf(msgid, sizeof(msgid), "f%d", i);
		m.owner = "sip:a@x.org";
		m.from.uri = "sip:b@x.org";
		m.message_id = msgid;
		m.content_type = "application/vnd.example.long-media-type-name+xml";
		fails += ims_put(NULL, st, &m, "x", 1) != 0;
	}
	is_int(fails, 0, "400 messages of one type in a small map");
	ims_store_close(st);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_open(env, path("s-type-full"), 0, 0600);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "ix_type", 0, &dbi);
	mdb_drop(txn, dbi, 1);
	mdb_txn_commit(txn);
	mkdir(path("s-type-full.copy"), 0700);
	mdb_env_copy2(env, path("s-type-full.copy"), MDB_CP_COMPACT);
	mdb_env_close(env);
	o.flags = 0;
	is_int(ims_store_open(&st, path("s-type-full.copy"), &o), 0,
	       "a compacted store without ix_type, opened with a small map");
	is_int(count_expr(st, "type:application/vnd.example.long-media-type-name+xml"), 400,
	       "ix_type built: the map grew");
	ims_store_close(st);
}

/* The one key of a message in index name (at most one is expected): its
 * length, or 0; *n the index's entries. */
static size_t
only_key(unsigned char *out, size_t *n, MDB_txn *txn, const char *name, MDB_val *val)
{
	MDB_cursor *c;
	MDB_val k, v;
	MDB_dbi dbi;
	size_t len = 0;

	*n = 0;
	if (mdb_dbi_open(txn, name, 0, &dbi) || mdb_cursor_open(txn, dbi, &c))
		return 0;
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
		if ((*n)++ == 0 && k.mv_size <= IMS__INDEX_KEY_MAX) {
			memcpy(out, k.mv_data, k.mv_size);
			len = k.mv_size;
			*val = v;
		}
	}
	mdb_cursor_close(c);
	return len;
}

/* Expect one entry prefix(plen) time(8) id(16) -> "" in index name. */
static void
time_entry(MDB_txn *txn, const char *name, const void *prefix, size_t plen, int64_t t,
           const ims_id *id)
{
	unsigned char want[IMS__INDEX_KEY_MAX], got[IMS__INDEX_KEY_MAX];
	MDB_val v = { 1, NULL };
	size_t n, len = only_key(got, &n, txn, name, &v);

	memcpy(want, prefix, plen);
	ims__be_time(want + plen, t);
	memcpy(want + plen + 8, id->b, 16);
	ok(n == 1 && len == plen + 24 && memcmp(got, want, len) == 0 && v.mv_size == 0,
	   "%s: its key as imstore(5) says, an empty value", name);
}

/* The table of indexes writes the keys imstore(5) gives, under the names
 * it gives; an index that holds not every message has no entry for one it
 * does not cover. */
static void
test_index_table(void)
{
	static const char *const names[] = {
		"atom", "atomid", "audit", "body", "convmeta", "count", "ix_conv",
		"ix_expiry", "ix_from", "ix_msgid", "ix_owner", "ix_time", "ix_type",
		"lease", "meta", "msg", "quarantine", "quota", "reap", "settings",
	};
	const int64_t t0 = 1767225600LL * 1000000;
	ims_store *st = create("s-ixtab", 0);
	unsigned char pre[64], got[IMS__INDEX_KEY_MAX];
	uint32_t owner = 0, from = 0, conv = 0;
	ims_msg m = IMS_MSG_INIT;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	MDB_dbi dbi;
	size_t n = 0, len;
	ims_id id, id2;
	int same = 1;

	m.owner = "sip:a@x.org";
	m.from.uri = "sip:b@x.org";
	m.message_id = "m1";
	m.conversation = "c1";
	m.content_type = "Image/PNG; x=y";
	m.received = t0;
	m.expires = t0 + 1000;
	is_int(ims_put(&id, st, &m, "x", 1), 0, "a message with a conversation, an expiry, a type");
	ims_store_close(st);
	ims_store_open(&st, path("s-ixtab"), NULL);
	mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	mdb_dbi_open(txn, NULL, 0, &dbi);
	mdb_cursor_open(txn, dbi, &c);
	while (mdb_cursor_get(c, &k, &v, MDB_NEXT) == 0) {
		same &= n < sizeof(names) / sizeof(*names) && k.mv_size == strlen(names[n]) &&
		        memcmp(k.mv_data, names[n], k.mv_size) == 0;
		n++;
	}
	mdb_cursor_close(c);
	ok(same && n == sizeof(names) / sizeof(*names), "the twenty databases of imstore(5)");
	ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, "sip:a@x.org");
	ims__atom_find(&from, st, txn, IMS__ATOM_ADDR, "sip:b@x.org");
	ims__atom_find(&conv, st, txn, IMS__ATOM_CONV, "c1");
	ims__be32(pre, owner);
	pre[4] = IMS_FOLDER_DEFERRED;
	time_entry(txn, "ix_owner", pre, 5, t0, &id);
	ims__be32(pre, from);
	time_entry(txn, "ix_from", pre, 4, t0, &id);
	ims__be32(pre, conv);
	time_entry(txn, "ix_conv", pre, 4, t0, &id);
	time_entry(txn, "ix_time", "", 0, t0, &id);
	time_entry(txn, "ix_expiry", "", 0, t0 + 1000, &id);
	time_entry(txn, "ix_type", "image/png", 10, t0, &id);
	len = only_key(got, &n, txn, "ix_msgid", &v);
	ims__be32(pre, owner);
	ok(n == 1 && len == 8 && memcmp(got, "m1", 3) == 0 && memcmp(got + 3, pre, 4) == 0 &&
	   got[7] == IMS_FOLDER_DEFERRED && v.mv_size == 16 && memcmp(v.mv_data, id.b, 16) == 0,
	   "ix_msgid: Message-ID NUL owner folder -> id");
	mdb_txn_abort(txn);

	m.message_id = "m2";
	m.conversation = NULL;
	m.content_type = NULL;
	m.expires = IMS_TIME_NONE;
	is_int(ims_put(&id2, st, &m, "x", 1), 0, "one without");
	mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn);
	only_key(got, &n, txn, "ix_conv", &v);
	is_int((int)n, 1, "ix_conv: only a message with a conversation");
	only_key(got, &n, txn, "ix_expiry", &v);
	is_int((int)n, 1, "ix_expiry: only a message with an expiry");
	only_key(got, &n, txn, "ix_type", &v);
	is_int((int)n, 1, "ix_type: not text/plain");
	only_key(got, &n, txn, "ix_time", &v);
	is_int((int)n, 2, "ix_time: every message");
	mdb_txn_abort(txn);
	for (int i = 0; i < IMS__INDEX_N; i++)
		ok(ims__index_of(ims__indexes[i].db) == &ims__indexes[i] &&
		   strcmp(ims__db_name(ims__indexes[i].db), ims__indexes[i].name) == 0,
		   "row %s: found by its slot, named by it", ims__indexes[i].name);
	ims_store_close(st);
}

/* Paging with cursors while messages keep arriving, in both directions. */
static void
test_paging(int reverse)
{
	ims_store *st = create(reverse ? "s-page-r" : "s-page", 0);
	ims_id orig[40], seen[400], page[7];
	char cursor[IMS_CURSOR_STRLEN + 1] = "", msgid[32];
	const int64_t t0 = 1767225600LL * 1000000;
	int nseen = 0, extra = 0, missing = 0, dup = 0;

	for (int i = 0; i < 40; i++) {
		snprintf(msgid, sizeof(msgid), "p%d", i);
		/* pairs share a received time so that the id breaks ties */
		put_simple(&orig[i], st, "sip:u@x.org", "sip:f@x.org", msgid,
		           t0 + (i / 2) * 1000000LL, "b");
	}
	for (;;) {
		ims_query_opts qo = IMS_QUERY_OPTS_INIT;
		qo.reverse = reverse;
		qo.cursor = cursor[0] ? cursor : NULL;
		int n = list_ids(st, "owner:sip:u@x.org", &qo, page, 7, cursor);
		if (n <= 0)
			break;
		memcpy(seen + nseen, page, (size_t)n * sizeof(*page));
		nseen += n;
		/* new messages before, inside and after the listed range */
		for (int k = 0; k < 3; k++) {
			snprintf(msgid, sizeof(msgid), "new%d", extra++);
			put_simple(NULL, st, "sip:u@x.org", "sip:f@x.org", msgid,
			           t0 + (rand() % 40) * 500000LL, "n");
		}
		if (nseen > 300)
			break;
	}
	for (int i = 0; i < 40; i++) {
		int c = 0;
		for (int k = 0; k < nseen; k++)
			c += memcmp(seen[k].b, orig[i].b, 16) == 0;
		missing += c == 0;
		dup += c > 1;
	}
	for (int i = 0; i < nseen; i++)
		for (int k = i + 1; k < nseen; k++)
			dup += memcmp(seen[i].b, seen[k].b, 16) == 0;
	is_int(missing, 0, "%s paging skipped no message", reverse ? "reverse" : "forward");
	is_int(dup, 0, "%s paging repeated no message", reverse ? "reverse" : "forward");
	ims_store_close(st);
}

static void
test_delete(void)
{
	ims_store *st = create("s-del", 0);
	ims_delete_opts o = IMS_DELETE_OPTS_INIT;
	ims_delete_result r;
	ims_filter *f;
	ims_id id;
	ims_msg *g;
	ims_stats s;
	char msgid[16];

	for (int i = 0; i < 25; i++) {
		snprintf(msgid, sizeof(msgid), "d%d", i);
		put_simple(&id, st, i < 20 ? "sip:a@x.org" : "sip:b@x.org", "sip:f@x.org",
		           msgid, IMS_TIME_NONE, "0123456789");
	}
	is_int(ims_delete(st, &id), 0, "delete one");
	is_int(ims_get(&g, st, &id), IMS_NOTFOUND, "gone");
	is_int(ims_delete(st, &id), IMS_NOTFOUND, "delete again: not found");
	is_int(put_simple(&id, st, "sip:b@x.org", "sip:f@x.org", "d24", IMS_TIME_NONE, "x"),
	       0, "message-id free again after delete");
	ims_filter_parse(&f, "owner:sip:a@x.org", IMS_TIME_NONE, NULL);
	o.dry_run = 1;
	is_int(ims_delete_filter(&r, st, f, &o), 0, "dry run");
	is_int(r.deleted, 20, "dry run counts 20");
	o.dry_run = 0;
	o.batch = 6;
	is_int(ims_delete_filter(&r, st, f, &o), 0, "delete by filter in batches");
	is_int(r.deleted, 20, "deleted 20");
	is_int(r.bytes, 200, "bytes reported");
	ims_filter_free(f);
	ims_stats_get(&s, st);
	is_int(s.messages[0], 5, "5 left");
	is_int(s.owners, 1, "1 owner left");
	is_int(ims_set_state(st, &id, IMS_STATE_DELIVERED, 1000), 0, "set state");
	ims_get(&g, st, &id);
	ok(g && g->state == IMS_STATE_DELIVERED && g->delivered == 1000, "state updated");
	ims_msg_free(g);
	ims_store_close(st);
}

/* Bulk deletes size their transactions by what deleting has cost: the
 * first transaction of a handle is bounded, the next ones fill the budget,
 * commit included. */
static void
test_delete_txn_size(void)
{
	ims_store *st = create("s-deltxn", 0);
	ims_delete_opts o = IMS_DELETE_OPTS_INIT;
	ims_delete_result r;
	ims_filter *f;
	char msgid[16];
	int fails = 0;

	for (int i = 0; i < 320; i++) {
		snprintf(msgid, sizeof(msgid), "t%d", i);
		fails += put_simple(NULL, st, i < 200 ? "sip:a@x.org" : i < 300 ? "sip:b@x.org" : "sip:c@x.org",
		                    "sip:f@x.org", msgid, IMS_TIME_NONE, "0123456789") != 0;
	}
	is_int(fails, 0, "320 stored");
	o.max_txn_us = 10 * 1000000;
	ims_filter_parse(&f, "owner:sip:a@x.org", IMS_TIME_NONE, NULL);
	is_int(ims_delete_filter(&r, st, f, &o), 0, "delete 200 with a 10 s budget");
	is_int(r.deleted, 200, "200 deleted");
	is_int(r.txns, 2, "a first transaction of 64, then the rest in one");
	ok(r.longest_txn_us > 0 && r.longest_txn_us < o.max_txn_us, "longest transaction reported");
	ims_filter_free(f);
	ims_filter_parse(&f, "owner:sip:b@x.org", IMS_TIME_NONE, NULL);
	is_int(ims_delete_filter(&r, st, f, &o), 0, "delete 100 more");
	is_int(r.txns, 1, "the cost learnt: one transaction");
	ims_filter_free(f);
	o.max_txn_us = 1;
	ims_filter_parse(&f, "owner:sip:c@x.org", IMS_TIME_NONE, NULL);
	is_int(ims_delete_filter(&r, st, f, &o), 0, "a budget of 1 us");
	is_int(r.deleted, 20, "all 20 deleted");
	is_int(r.txns, 20, "one message a transaction");
	ims_filter_free(f);
	ims_store_close(st);
}

/* The history retention sweep sizes its transactions the same way. */
static void
test_sweep_txn_size(void)
{
	ims_store *st = create("s-sweeptxn", 0);
	ims_config cfg;
	ims_delete_result r;
	int64_t old = ((int64_t)time(NULL) - 10 * 86400) * 1000000;
	char msgid[16];
	int fails = 0;

	for (int i = 0; i < 200; i++) {
		ims_msg m = IMS_MSG_INIT;
		snprintf(msgid, sizeof(msgid), "h%d", i);
		m.folder = IMS_FOLDER_HISTORY;
		m.state = IMS_STATE_STORED;
		m.owner = "sip:a@x.org";
		m.from.uri = "sip:f@x.org";
		m.message_id = msgid;
		m.received = old + i;
		fails += ims_put(NULL, st, &m, "x", 1) != 0;
	}
	is_int(fails, 0, "200 history messages 10 days old");
	is_int(ims_config_get(&cfg, st), 0, "config");
	cfg.history_retention = 86400 * INT64_C(1000000);
	is_int(ims_config_set(st, &cfg), 0, "history kept a day");
	is_int(ims_history_sweep(&r, st, IMS_TIME_NONE, 0), 0, "retention sweep");
	is_int(r.deleted, 200, "all 200 past retention deleted");
	ok(r.txns >= 2, "a first transaction of at most 64, then sized: %llu",
	   (unsigned long long)r.txns);
	ims_store_close(st);
}

static void
test_growth(void)
{
	ims_store *st = create("s-grow", 64 * 1024);
	ims_stats s;
	char msgid[16], body[4000];
	int fails = 0;

	memset(body, 'z', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	for (int i = 0; i < 300; i++) {
		body[i % 3000] = (char)('a' + i % 26);
		snprintf(msgid, sizeof(msgid), "g%d", i);
		fails += put_simple(NULL, st, "sip:a@x.org", "sip:f@x.org", msgid,
		                    IMS_TIME_NONE, body) != 0;
	}
	is_int(fails, 0, "300 puts into a 64 KiB map all succeed");
	ims_stats_get(&s, st);
	ok(s.map_bytes > 64 * 1024, "map grew to %llu", (unsigned long long)s.map_bytes);
	is_int(s.messages[0], 300, "300 stored");
	ims_store_close(st);
}

/* How full the leaves of database @p dbi are: the bytes of their entries
 * (with the node header and its pointer) over the room the leaves give. */
static double
leaf_fill(ims_store *st, int dbi)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_stat ms;
	double used = 0;
	int rc;

	if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))
		return 0;
	mdb_stat(txn, st->dbi[dbi], &ms);
	mdb_cursor_open(txn, st->dbi[dbi], &cur);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		used += (double)(k.mv_size + v.mv_size + 8 + 2);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return ms.ms_leaf_pages ? used / ((double)ms.ms_leaf_pages * (ms.ms_psize - 16)) : 0;
}

/* Messages arrive in time order, and so do their expiry times: the time and
 * expiry indexes grow at their end, where LMDB splits a full leaf so that
 * the old one stays full; a key layout that did not start with the time
 * would leave them half empty (twice the pages to read and to cache). */
static void
test_index_fill(void)
{
	ims_store *st = create("s-fill", 0);
	double time_fill, expiry_fill;
	char msgid[16];
	int fails = 0;

	for (int i = 0; i < 4000; i++) {
		ims_msg m = IMS_MSG_INIT;
		snprintf(msgid, sizeof(msgid), "f%d", i);
		m.owner = i % 2 ? "sip:a@x.org" : "sip:b@x.org";
		m.from.uri = "sip:f@x.org";
		m.message_id = msgid;
		m.received = 1700000000000000LL + i * 1000000LL;
		m.expires = m.received + 86400000000LL;
		fails += ims_put(NULL, st, &m, "hi", 2) != 0;
	}
	is_int(fails, 0, "4000 messages in time order stored");
	time_fill = leaf_fill(st, IMS__DB_IX_TIME);
	expiry_fill = leaf_fill(st, IMS__DB_IX_EXPIRY);
	ok(time_fill > 0.9, "time index leaves %.0f%% full", time_fill * 100);
	ok(expiry_fill > 0.9, "expiry index leaves %.0f%% full", expiry_fill * 100);
	ims_store_close(st);
}

/* Flip one byte of a marker in the data file: reads fail, never lie. */
static int
flip_marker(const char *file, const char *marker)
{
	FILE *f = fopen(file, "r+b");
	size_t len = strlen(marker), n;
	char *data;
	long size, hits = 0;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	data = malloc((size_t)size);
	fseek(f, 0, SEEK_SET);
	n = fread(data, 1, (size_t)size, f);
	for (size_t i = 0; i + len <= n; i++) {
		if (memcmp(data + i, marker, len) == 0) {
			fseek(f, (long)i + 3, SEEK_SET);
			fputc(data[i + 3] ^ 0x20, f);
			hits++;
		}
	}
	fclose(f);
	free(data);
	return (int)hits;
}

/* Another process grows the map: this one adopts the new size. */
static void
test_resize_across_processes(void)
{
	ims_store *st = create("s-xresize", 64 * 1024), *child;
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_stats s;
	char msgid[16], body[4000];
	int status = -1, fails = 0;
	pid_t pid;

	memset(body, 'q', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	put_simple(NULL, st, "sip:a@x.org", "sip:f@x.org", "x0", IMS_TIME_NONE, "x");
	pid = fork();
	if (pid == 0) {
		o.map_size = 64 * 1024;
		if (ims_store_open(&child, path("s-xresize"), &o) != 0)
			_exit(2);
		for (int i = 1; i <= 200; i++) {
			snprintf(msgid, sizeof(msgid), "x%d", i);
			body[i] = 'a';
			if (put_simple(NULL, child, "sip:a@x.org", "sip:f@x.org", msgid,
			               IMS_TIME_NONE, body))
				_exit(3);
		}
		ims_store_close(child);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a child process opened the store and grew the map (status %d)", status);
	for (int i = 201; i <= 210; i++) {
		snprintf(msgid, sizeof(msgid), "x%d", i);
		fails += put_simple(NULL, st, "sip:a@x.org", "sip:f@x.org", msgid,
		                    IMS_TIME_NONE, body) != 0;
	}
	is_int(fails, 0, "the parent writes after adopting the larger map");
	ims_stats_get(&s, st);
	is_int(s.messages[0], 211, "all messages of both processes");
	ims_store_close(st);
}

/* ---- body chunk methods: 2 (preset dictionary) for chunk 0, 1 after it;
 * method 1 chunk 0 (stores of earlier builds) still read; trailing bytes
 * after the deflate stream, and method 2 beyond chunk 0, are corrupt ---- */

static int
chunk_fetch(unsigned char **out, size_t *len, ims_store *st, const ims_id *id,
            uint32_t i)
{
	unsigned char key[20];
	MDB_val k = { 20, key }, v;
	MDB_txn *txn;
	int rc;

	memcpy(key, id->b, 16);
	ims__be32(key + 16, i);
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_BODY], &k, &v)) == 0) {
		*out = malloc(v.mv_size);
		memcpy(*out, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	mdb_txn_abort(txn);
	return rc;
}

/* Replace chunk i with method, payload (resealed: only what the test
 * means is wrong is wrong). */
static int
chunk_replace(ims_store *st, const ims_id *id, uint32_t i, int method,
              uint32_t raw_len, const unsigned char *pl, size_t plen)
{
	unsigned char key[20], *buf = calloc(1, IMS__CHUNK_HDR + plen);
	MDB_val k = { 20, key }, v = { IMS__CHUNK_HDR + plen, buf };
	MDB_txn *txn;
	int rc;

	memcpy(key, id->b, 16);
	ims__be32(key + 16, i);
	buf[4] = (unsigned char)method;
	ims__le32(buf + 8, raw_len);
	memcpy(buf + IMS__CHUNK_HDR, pl, plen);
	ims__le32(buf, ims__crc32c(0, buf + 4, v.mv_size - 4));
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) == 0) {
		rc = mdb_put(txn, st->dbi[IMS__DB_BODY], &k, &v, 0);
		rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	}
	free(buf);
	return rc;
}

/* Raw deflate without a dictionary, as method 1 chunks were written. */
static size_t
deflate_plain(unsigned char *out, size_t cap, const unsigned char *in, size_t len)
{
	z_stream zs;
	size_t n;

	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	n = cap - zs.avail_out;
	deflateEnd(&zs);
	return n;
}

static int
body_is(ims_store *st, const ims_id *id, const unsigned char *want, size_t n)
{
	void *got;
	size_t got_len;
	int rc = ims_body_get(&got, &got_len, st, id);

	if (rc == 0) {
		rc = got_len == n && memcmp(got, want, n) == 0 ? 0 : -1;
		free(got);
	}
	return rc;
}

static void
test_chunk_methods(void)
{
	ims_store *st = create("s-method", 0);
	const char *hdr = "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>\r\n"
	                  "DateTime: 2026-07-01T10:00:00Z\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
	                  "imdn.Message-ID: Xy12\r\nimdn.Disposition-Notification: "
	                  "positive-delivery, display\r\n\r\nContent-Type: text/plain; "
	                  "charset=utf-8\r\n\r\nsee you at the station at five, ok?\r\n";
	size_t hl = strlen(hdr), n = IMS__CHUNK + 5000, zl, cl, ol, bl;
	unsigned char *big = malloc(n), *c0, *c1, *b0, *z = malloc(IMS__CHUNK);
	ims_msg m = IMS_MSG_INIT;
	ims_verify_result r;
	ims_id small, id;

	is_int((int)ims__zdict_len, 1071, "dictionary: 1071 bytes");
	is_int((int)(ims__crc32c(0, ims__zdict_p, ims__zdict_len) == 0x0EDC787Fu), 1,
	       "dictionary: CRC-32C 0x0EDC787F, as imstore(5) says");
	for (size_t i = 0; i < n; i++)
		big[i] = (unsigned char)("the quick brown fox "[i % 20] + (i / 4096) % 3);
	memcpy(big, hdr, hl);
	m.owner = "sip:bob@example.com";
	m.from.uri = "sip:alice@example.com";
	m.message_id = "m-small";
	is_int(ims_put(&small, st, &m, hdr, hl), 0, "put a CPIM-like message");
	m.message_id = "m-big";
	is_int(ims_put(&id, st, &m, big, n), 0, "put a two-chunk body");
	is_int(chunk_fetch(&c0, &cl, st, &small, 0), 0, "its chunk 0");
	is_int(c0[4], IMS__Z_DEFLATE_DICT, "is method 2");
	zl = deflate_plain(z, IMS__CHUNK, (const unsigned char *)hdr, hl);
	ok(cl - IMS__CHUNK_HDR + 40 < zl, "the dictionary saves at least 40 bytes (%zu vs %zu)",
	   cl - IMS__CHUNK_HDR, zl);
	free(c0);
	is_int(chunk_fetch(&c1, &ol, st, &id, 1), 0, "chunk 1 of the big body");
	is_int(c1[4], IMS__Z_DEFLATE, "is method 1");
	is_int(body_is(st, &id, big, n), 0, "big body exact");
	is_int(chunk_fetch(&b0, &bl, st, &id, 0), 0, "its chunk 0, kept");

	/* method 1 in chunk 0, as earlier builds wrote it */
	zl = deflate_plain(z, IMS__CHUNK, big, IMS__CHUNK);
	is_int(chunk_replace(st, &id, 0, IMS__Z_DEFLATE, IMS__CHUNK, z, zl), 0,
	       "chunk 0 rewritten with method 1");
	is_int(body_is(st, &id, big, n), 0, "still read exactly");

	/* trailing bytes after the end of the deflate stream */
	memcpy(z + zl, "\x01\x02\x03", 3);
	chunk_replace(st, &id, 0, IMS__Z_DEFLATE, IMS__CHUNK, z, zl + 3);
	is_int(body_is(st, &id, big, n), IMS_CORRUPT, "3 bytes after the stream: corrupt");
	is_int(ims_verify(&r, st, NULL), IMS_CORRUPT, "verify reports it");
	chunk_replace(st, &id, 0, IMS__Z_DEFLATE, IMS__CHUNK, z, zl + 1);
	is_int(body_is(st, &id, big, n), IMS_CORRUPT, "1 byte after the stream: corrupt");
	chunk_replace(st, &id, 0, IMS__Z_DEFLATE, IMS__CHUNK, z, zl);
	is_int(body_is(st, &id, big, n), 0, "without them: exact again");

	/* method 2 where it is not allowed; method 3 unknown */
	chunk_replace(st, &id, 1, IMS__Z_DEFLATE_DICT, 5000,
	              c1 + IMS__CHUNK_HDR, ol - IMS__CHUNK_HDR);
	is_int(body_is(st, &id, big, n), IMS_CORRUPT, "method 2 in chunk 1: corrupt");
	is_int(ims_verify(&r, st, NULL), IMS_CORRUPT, "verify reports it");
	chunk_replace(st, &id, 1, 3, 5000, c1 + IMS__CHUNK_HDR, ol - IMS__CHUNK_HDR);
	is_int(body_is(st, &id, big, n), IMS_CORRUPT, "method 3: corrupt");
	chunk_replace(st, &id, 1, IMS__Z_DEFLATE, 5000, c1 + IMS__CHUNK_HDR, ol - IMS__CHUNK_HDR);
	is_int(body_is(st, &id, big, n), 0, "method 1 back: exact");
	chunk_replace(st, &id, 0, b0[4], IMS__CHUNK, b0 + IMS__CHUNK_HDR, bl - IMS__CHUNK_HDR);
	is_int(ims_verify(&r, st, NULL), 0, "the chunks as stored: verify finds them sound");

	/* the small one: method 2 with trailing bytes */
	is_int(chunk_fetch(&c0, &cl, st, &small, 0), 0, "small chunk 0 again");
	memcpy(z, c0 + IMS__CHUNK_HDR, cl - IMS__CHUNK_HDR);
	z[cl - IMS__CHUNK_HDR] = 0;
	chunk_replace(st, &small, 0, IMS__Z_DEFLATE_DICT, (uint32_t)hl, z, cl - IMS__CHUNK_HDR + 1);
	is_int(body_is(st, &small, (const unsigned char *)hdr, hl), IMS_CORRUPT,
	       "method 2 with a trailing byte: corrupt");
	chunk_replace(st, &small, 0, IMS__Z_DEFLATE, (uint32_t)hl, z, cl - IMS__CHUNK_HDR);
	is_int(body_is(st, &small, (const unsigned char *)hdr, hl), IMS_CORRUPT,
	       "method 2's stream read as method 1: corrupt");
	chunk_replace(st, &small, 0, IMS__Z_DEFLATE_DICT, (uint32_t)hl, z, cl - IMS__CHUNK_HDR);
	is_int(body_is(st, &small, (const unsigned char *)hdr, hl), 0, "restored: exact");
	free(c0);
	free(c1);
	free(b0);
	free(z);
	free(big);
	ims_store_close(st);
}

/* Method 2's dictionary holds fields of the message's record: a body reads
 * back exactly whatever they are (many long recipients, past the cap; none
 * of the optional ones), and not once the record's Message-ID changes. */
static int
record_set_msgid(ims_store *st, const ims_id *id, const char *msgid)
{
	MDB_val k = { 16, ims__uc(id->b) }, v;
	ims__decbuf d = { 0 };
	unsigned char *copy = NULL, *rec = NULL;
	MDB_txn *txn;
	ims__recx x;
	ims_msg m;
	int rc;

	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)))
		return rc;
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_MSG], &k, &v)) == 0) {
		copy = malloc(v.mv_size);
		memcpy(copy, v.mv_data, v.mv_size);
		rc = ims__rec_decode(&m, &x, &d, id, copy, v.mv_size);
	}
	if (rc == 0) {
		m.message_id = msgid;
		v.mv_size = ims__rec_size(&m, &x);
		rec = malloc(v.mv_size);
		ims__rec_encode(rec, v.mv_size, &m, &x);
		v.mv_data = rec;
		rc = mdb_put(txn, st->dbi[IMS__DB_MSG], &k, &v, 0);
	}
	rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
	ims__decbuf_free(&d);
	free(copy);
	free(rec);
	return rc;
}

static void
test_chunk_dictionary(void)
{
	ims_store *st = create("s-dict", 0);
	enum { NTO = 40 };
	static char uris[NTO][128];
	ims_addr to[NTO];
	char body[4096];
	size_t n = 0;
	ims_msg m = IMS_MSG_INIT;
	ims_id id, bare;
	unsigned char *c0;
	size_t cl;

	for (int i = 0; i < NTO; i++) {
		snprintf(uris[i], sizeof(uris[i]), "sip:recipient-with-a-long-name-%02d@"
		         "a-long-domain-name.example.com", i);
		to[i].uri = uris[i];
		to[i].name = i % 2 ? "Someone" : NULL;
	}
	n += (size_t)snprintf(body + n, sizeof(body) - n, "From: <sip:alice@example.com>\r\n");
	for (int i = 0; i < NTO; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "To: <%s>\r\n", uris[i]);
	n += (size_t)snprintf(body + n, sizeof(body) - n,
	                      "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: dict-1\r\n"
	                      "\r\nContent-Type: text/plain\r\n\r\nhi all\r\n");
	m.owner = "sip:alice@example.com";
	m.from.uri = "sip:alice@example.com";
	m.from.name = "Alice";
	m.message_id = "dict-1";
	m.subject = "to forty";
	m.content_type = "text/plain";
	m.sent_text = "2026-07-01T10:00:00Z";
	m.to = to;
	m.nto = NTO;
	is_int(ims_put(&id, st, &m, body, n), 0, "put to %d long addresses (%zu bytes of them)",
	       NTO, (size_t)NTO * strlen(uris[0]));
	is_int(body_is(st, &id, (const unsigned char *)body, n), 0, "body exact");
	m = (ims_msg)IMS_MSG_INIT;
	m.owner = "sip:bob@example.com";
	m.from.uri = "sip:bob@example.com";
	m.message_id = "dict-2";
	is_int(ims_put(&bare, st, &m, body, 300), 0, "put with no optional field");
	is_int(body_is(st, &bare, (const unsigned char *)body, 300), 0, "body exact");
	is_int(chunk_fetch(&c0, &cl, st, &bare, 0), 0, "its chunk 0");
	is_int(c0[4], IMS__Z_DEFLATE_DICT, "method 2");
	free(c0);
	is_int(record_set_msgid(st, &id, "dict-X"), 0, "the record's Message-ID changed");
	is_int(body_is(st, &id, (const unsigned char *)body, n), IMS_CORRUPT,
	       "the body no longer inflates with its dictionary: corrupt");
	is_int(record_set_msgid(st, &id, "dict-1"), 0, "and changed back");
	is_int(body_is(st, &id, (const unsigned char *)body, n), 0, "body exact again");
	ims_store_close(st);
}

/* A commit that allocates pages and frees them again never writes them:
 * the file ends before the snapshot's last page, and the structural check
 * must not take that for a truncated file (it did, now and then, under
 * T206's concurrent writer). */
static void
test_unwritten_tail(void)
{
	ims_store *st = create("s-tail", 0);
	ims_verify_opts o = IMS_VERIFY_OPTS_INIT;
	ims_verify_result r;
	static char big[3000];
	char key[16];
	MDB_val k = { 16, key }, v = { sizeof(big), big };
	MDB_envinfo info;
	MDB_txn *txn;
	struct stat sb;
	int fd;

	put_simple(NULL, st, "sip:t@x.org", "sip:f@x.org", "t1", IMS_TIME_NONE, "tail");
	memset(big, 'q', sizeof(big));
	for (int round = 0; round < 2; round++) {
		mdb_txn_begin(st->env, NULL, 0, &txn);
		for (int i = 0; i < 200; i++) {
			snprintf(key, sizeof(key), "zz-%d-%09d", round, i);
			mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0);
		}
		for (int i = 0; i < 200 && round == 1; i++) {
			snprintf(key, sizeof(key), "zz-%d-%09d", round, i);
			mdb_del(txn, st->dbi[IMS__DB_META], &k, NULL);
		}
		is_int(mdb_txn_commit(txn), 0, round ? "a commit that allocates 200 pages and frees them"
		       : "a commit that fills the free list");
	}
	mdb_env_info(st->env, &info);
	mdb_env_get_fd(st->env, &fd);
	fstat(fd, &sb);
	ok((uint64_t)sb.st_size / 4096 <= (uint64_t)info.me_last_pgno,
	   "the file (%lld pages) ends before the last page (%zu)",
	   (long long)sb.st_size / 4096, info.me_last_pgno);
	o.pages_only = 1;
	is_int(ims_verify(&r, st, &o), 0, "the structural check finds it sound");
	is_int(ims_verify(&r, st, NULL), 0, "and so does the whole check");
	ims_store_close(st);
}

static void
test_corruption(void)
{
	ims_store *st = create("s-corrupt", 0);
	ims_msg m = IMS_MSG_INIT, *g;
	ims_id id1, id2;
	void *b;
	size_t blen;
	ims_filter *f;
	ims_query *q;
	const ims_msg *qm;
	collect cc = { 0 };

	m.owner = "sip:a@x.org";
	m.from.uri = "sip:f@x.org";
	m.message_id = "c1";
	m.subject = "SUBJECTMARKER";
	ims_put(&id1, st, &m, "plain", 5);
	m.message_id = "c2";
	m.subject = NULL;
	ims_put(&id2, st, &m, "BODYMARKER-body", 15);
	ims_store_close(st);
	ok(flip_marker(path("s-corrupt/data.mdb"), "SUBJECTMARKER") >= 1,
	   "flipped subject (also in stale copy-on-write pages)");
	ok(flip_marker(path("s-corrupt/data.mdb"), "BODYMARKER") >= 1, "flipped body");
	ims_store_open(&st, path("s-corrupt"), NULL);
	is_int(ims_get(&g, st, &id1), IMS_CORRUPT, "corrupt metadata detected");
	is_int(ims_body_get(&b, &blen, st, &id2), IMS_CORRUPT, "corrupt body detected");
	ims_filter_parse(&f, "*", IMS_TIME_NONE, NULL);
	ims_query_open(&q, st, f, NULL);
	is_int(ims_query_next(&qm, q), IMS_CORRUPT, "query reports the corrupt record");
	is_int(ims_query_next(&qm, q), 0, "and goes on with the next");
	ok(qm && memcmp(qm->id.b, id2.b, 16) == 0, "the intact record");
	cc.stop_at = 0;
	is_int(ims_query_body_stream(q, collect_cb, &cc), IMS_CORRUPT,
	       "its corrupt body is refused in the query");
	is_int(cc.calls, 0, "and not one byte of it handed out");
	free(cc.p);
	ims_query_free(q);
	ims_filter_free(f);
	ims_store_close(st);
}

static void
test_fork(void)
{
	ims_store *st = create("s-fork", 0);
	ims_msg *g;
	ims_id id;
	pid_t pid;
	int status = -1;

	put_simple(&id, st, "sip:a@x.org", "sip:f@x.org", "f1", IMS_TIME_NONE, "x");
	pid = fork();
	if (pid == 0) {
		int rc = ims_get(&g, st, &id);
		ims_store_close(st);
		_exit(rc == IMS_FORKED ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "use after fork refused");
	is_int(ims_get(&g, st, &id), 0, "parent still works after the child closed");
	ims_msg_free(g);
	ims_store_close(st);
}

/* A child made by the clone system call itself (no atfork handlers, as
 * _Fork() or a raw clone would) still finds the handle refused: the
 * process id ims__check() compares with is not a stale cached one. */
static void
test_fork_raw(void)
{
	ims_store *st = create("s-fork-raw", 0);
	ims_msg *g;
	ims_id id;
	long pid;
	int status = -1;

	put_simple(&id, st, "sip:a@x.org", "sip:f@x.org", "f1", IMS_TIME_NONE, "x");
	is_int(ims_get(&g, st, &id), 0, "the parent reads (its pid is known)");
	ims_msg_free(g);
	pid = syscall(SYS_clone, (unsigned long)SIGCHLD, NULL, NULL, NULL, 0UL);
	if (pid == 0) {
		int rc = ims_get(&g, st, &id);
		syscall(SYS_exit_group, rc == IMS_FORKED ? 0 : 1);
	}
	waitpid((pid_t)pid, &status, 0);
	ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "use after a raw clone refused");
	is_int(ims_get(&g, st, &id), 0, "parent still works");
	ims_msg_free(g);
	ims_store_close(st);
}

/* The random bytes of ids come from a per-thread pool: a forked child must
 * not hand out the parent's next bytes.  The child opens the store anew and
 * stores a message; the parent stores one later (a later millisecond, so
 * its id takes its own random bytes); their random parts differ. */
static void
test_fork_random(void)
{
	ims_store *st = create("s-fork-rnd", 0);
	ims_id a, b, c;
	int fd[2], status = -1;
	pid_t pid;

	put_simple(&a, st, "sip:a@x.org", "sip:f@x.org", "r1", IMS_TIME_NONE, "x");
	if (pipe(fd))
		abort();
	if ((pid = fork()) == 0) {
		ims_store *st2 = NULL;
		int rc = ims_store_open(&st2, path("s-fork-rnd"), NULL);
		if (rc == 0)
			rc = put_simple(&b, st2, "sip:a@x.org", "sip:f@x.org", "r2",
			                IMS_TIME_NONE, "y");
		ims_store_close(st2);
		_exit(rc == 0 && write(fd[1], b.b, 16) == 16 ? 0 : 1);
	}
	close(fd[1]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && read(fd[0], b.b, 16) == 16,
	   "the child stored a message");
	close(fd[0]);
	usleep(3000);
	put_simple(&c, st, "sip:a@x.org", "sip:f@x.org", "r3", IMS_TIME_NONE, "z");
	ok(memcmp(b.b + 6, c.b + 6, 10) != 0,
	   "child and parent ids have different random bytes");
	ims_store_close(st);
}

/* The meta "format" of a store, read and set with LMDB itself. */
static int
format_of(const char *name)
{
	MDB_val k = { 6, "format" }, v;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int f = -1;

	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	if (mdb_env_open(env, path(name), MDB_RDONLY, 0600) == 0 &&
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0) {
		if (mdb_dbi_open(txn, "meta", 0, &dbi) == 0 && mdb_get(txn, dbi, &k, &v) == 0 &&
		    v.mv_size == 4)
			f = (int)ims__rd_be32(v.mv_data);
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return f;
}

static void
format_set(const char *name, uint32_t f)
{
	MDB_val k = { 6, "format" }, v;
	unsigned char buf[4];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	ims__be32(buf, f);
	v.mv_size = 4;
	v.mv_data = buf;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_open(env, path(name), 0, 0600);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "meta", 0, &dbi);
	mdb_put(txn, dbi, &k, &v, 0);
	mdb_txn_commit(txn);
	mdb_env_close(env);
}

static void
test_format(void)
{
	ims_store *st = create("s-format", 0);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	ims_open_opts rdo = IMS_OPEN_OPTS_INIT;

	rdo.flags = IMS_OPEN_RDONLY;
	is_int(format_of("s-format"), 3, "a new store is of format 3");
	ims_store_close(st);
	format_set("s-format", 4);
	is_int(ims_store_open(&st, path("s-format"), NULL), IMS_VERSION,
	       "newer format refused");
	format_set("s-format", 0);
	is_int(ims_store_open(&st, path("s-format"), NULL), IMS_VERSION, "format 0 refused");
	format_set("s-format", 1);
	is_int(ims_store_open(&st, path("s-format"), &rdo), 0, "format 1 opens read-only");
	ims_store_close(st);
	is_int(format_of("s-format"), 1, "and stays format 1");
	is_int(ims_store_open(&st, path("s-format"), NULL), 0, "format 1 opens writable");
	ims_store_close(st);
	is_int(format_of("s-format"), 3, "and is then marked format 3");

	/* format 2 had no list of deletions: read-only it reads as an empty
	 * one, a writable open adds it and marks the store 3 */
	st = create("s-f2", 0);
	put_simple(NULL, st, "sip:f2@x.org", "sip:b@x.org", "f2", IMS_TIME_NONE, "x");
	ims_store_close(st);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_open(env, path("s-f2"), 0, 0600);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "reap", 0, &dbi);
	mdb_drop(txn, dbi, 1);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	format_set("s-f2", 2);
	{
		ims_verify_result vr;
		ims_msg *got = NULL;
		is_int(ims_store_open(&st, path("s-f2"), &rdo), 0, "format 2 opens read-only");
		is_int(ims_get_by_msgid(&got, st, "sip:f2@x.org", IMS_FOLDER_DEFERRED, "f2"), 0,
		       "its message is read by Message-ID");
		ims_msg_free(got);
		is_int(ims_verify(&vr, st, NULL), 0, "and verifies");
		is_int((int)vr.problems, 0, "with no problem");
		ims_store_close(st);
		is_int(format_of("s-f2"), 2, "and stays format 2");
		is_int(ims_store_open(&st, path("s-f2"), NULL), 0, "format 2 opens writable");
		ims_store_close(st);
		is_int(format_of("s-f2"), 3, "and is then marked format 3");
	}

	/* a database added later in format 1: made by the first writable open */
	st = create("s-added", 0);
	ims_store_close(st);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_open(env, path("s-added"), 0, 0600);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "lease", 0, &dbi);
	mdb_drop(txn, dbi, 1);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	{
		ims_open_opts ro = IMS_OPEN_OPTS_INIT;
		ro.flags = IMS_OPEN_RDONLY;
		is_int(ims_store_open(&st, path("s-added"), &ro), IMS_VERSION,
		       "read-only open of a store missing a database: refused");
		is_int(ims_store_open(&st, path("s-added"), NULL), 0,
		       "a writable open adds it");
		ims_store_close(st);
		is_int(ims_store_open(&st, path("s-added"), &ro), 0, "then read-only opens work");
		ims_store_close(st);
	}
	ok(strstr(ims_strerror(IMS_VERSION), "format") != NULL, "error names the format");

	/* a store from before the quota database: read-only opens see no
	 * overrides, a writable open adds it */
	st = create("s-noquota", 0);
	put_simple(NULL, st, "sip:q@x.org", "sip:b@x.org", "q1", IMS_TIME_NONE, "x");
	ims_store_close(st);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 32);
	mdb_env_open(env, path("s-noquota"), 0, 0600);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, "quota", 0, &dbi);
	mdb_drop(txn, dbi, 1);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	{
		ims_open_opts ro = IMS_OPEN_OPTS_INIT;
		ims_quota q = IMS_QUOTA_INIT;
		ims_verify_result vr;
		ro.flags = IMS_OPEN_RDONLY;
		is_int(ims_store_open(&st, path("s-noquota"), &ro), 0,
		       "read-only open of a store without quota database");
		is_int(ims_quota_get(&q, st, "sip:q@x.org"), 0, "quota get");
		ok(q.set == 0 && q.deferred_max_count == 1000, "the store's defaults");
		is_int(ims_verify(&vr, st, NULL), 0, "and it verifies");
		ims_store_close(st);
		is_int(ims_store_open(&st, path("s-noquota"), NULL), 0, "writable open");
		q.set = IMS_QUOTA_DEFERRED_COUNT | IMS_QUOTA_HISTORY_RETENTION;
		q.deferred_max_count = 7;
		q.history_retention = 3600 * INT64_C(1000000);
		is_int(ims_quota_set(st, "sip:q@x.org", &q), 0, "quota set");
		memset(&q, 0, sizeof(q));
		is_int(ims_quota_get(&q, st, "sip:q@X.ORG"), 0, "quota get by another spelling");
		ok(q.set == (IMS_QUOTA_DEFERRED_COUNT | IMS_QUOTA_HISTORY_RETENTION) &&
		   q.deferred_max_count == 7 && q.deferred_max_bytes == 100u << 20 &&
		   q.history_retention == 3600 * INT64_C(1000000), "overrides and defaults");
		q.set = 0x40;
		is_int(ims_quota_set(st, "sip:q@x.org", &q), IMS_INVALID, "unknown bit");
		q.set = IMS_QUOTA_HISTORY_POLICY;
		q.history_policy = (ims_history_policy)7;
		is_int(ims_quota_set(st, "sip:q@x.org", &q), IMS_INVALID, "unknown policy");
		is_int(ims_quota_set(st, "nobody", &q), IMS_INVALID, "bad address");
		is_int(ims_verify(&vr, st, NULL), 0, "verify with a quota entry");
		ims_store_close(st);
	}
	{
		/* a version 1 configuration structure keeps the history defaults */
		ims_config c1 = IMS_CONFIG_INIT, got;
		ims_store *s2 = create("s-config", 0);
		c1.version = 1;
		c1.history_max_count = 99; /* beyond a version 1 structure */
		c1.deferred_max_count = 5;
		is_int(ims_config_set(s2, &c1), 0, "config set, version 1");
		is_int(ims_config_get(&got, s2), 0, "config get");
		ok(got.deferred_max_count == 5 && got.history_max_count == 0,
		   "version 1 fields set, history limits default");
		c1.version = 2;
		c1.history_retention = -1;
		is_int(ims_config_set(s2, &c1), IMS_INVALID, "negative retention refused");
		ims_store_close(s2);
	}
}

typedef struct thr { ims_store *st; int base; int fails; } thr;

static void *
writer(void *arg)
{
	thr *t = arg;
	char msgid[32];

	for (int i = 0; i < 50; i++) {
		snprintf(msgid, sizeof(msgid), "t%d-%d", t->base, i);
		t->fails += put_simple(NULL, t->st, "sip:a@x.org", "sip:f@x.org", msgid,
		                       IMS_TIME_NONE, "threaded") != 0;
	}
	return NULL;
}

static void *
reader(void *arg)
{
	thr *t = arg;
	ims_id got[512];

	for (int i = 0; i < 20; i++)
		t->fails += list_ids(t->st, "owner:sip:a@x.org", NULL, got, 512, NULL) < 0;
	return NULL;
}

/* Group commit: concurrent durable writers share commits. */
static void
test_group_commit(void)
{
	ims_store *st = create("s-group", 0);
	pthread_t th[16];
	thr t[16];
	ims_stats s;
	int fails = 0;

	for (int i = 0; i < 16; i++) {
		t[i] = (thr){ st, 100 + i, 0 };
		pthread_create(&th[i], NULL, writer, &t[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(th[i], NULL);
		fails += t[i].fails;
	}
	is_int(fails, 0, "16 threads, 800 durable puts");
	ims_stats_get(&s, st);
	is_int(s.messages[0], 800, "all stored");
	is_int(st->writes, 800, "800 writes");
	ok(st->commits < st->writes / 2, "shared commits: %llu commits for %llu writes",
	   (unsigned long long)st->commits, (unsigned long long)st->writes);
	ims_store_close(st);
}

static void
test_threads(void)
{
	ims_store *st = create("s-threads", 64 * 1024);
	pthread_t th[5];
	thr t[5];
	ims_stats s;
	int fails = 0;

	for (int i = 0; i < 5; i++) {
		t[i] = (thr){ st, i, 0 };
		pthread_create(&th[i], NULL, i < 4 ? writer : reader, &t[i]);
	}
	for (int i = 0; i < 5; i++) {
		pthread_join(th[i], NULL);
		fails += t[i].fails;
	}
	is_int(fails, 0, "4 writer threads and a reader on one handle, map growing");
	ims_stats_get(&s, st);
	is_int(s.messages[0], 200, "200 stored");
	ims_store_close(st);
}

/* Group commit when some writers fail after writing: theirs is undone,
 * the rest of their group is stored. */
typedef struct gw { ims_store *st; int base; int wrong; } gw;

static int
gw_fn(ims_store *st, MDB_txn *txn, void *ctx)
{
	int n = *(int *)ctx;
	char key[32];
	MDB_val k = { 0, key }, v = { 4, "gtst" };
	int rc;

	k.mv_size = (size_t)snprintf(key, sizeof(key), "gtest.%d", n);
	if ((rc = mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0)))
		return ims__map_err(rc);
	return n % 3 == 0 ? IMS_REFUSED : 0; /* fails once it has written */
}

static void *
gw_thread(void *arg)
{
	gw *g = arg;

	for (int i = 0; i < 40; i++) {
		int n = g->base + i, rc = ims__write(g->st, gw_fn, &n);
		g->wrong += rc != (n % 3 == 0 ? IMS_REFUSED : 0);
	}
	return NULL;
}

static void
test_group_failures(void)
{
	ims_store *st = create("s-group-fail", 0);
	pthread_t th[16];
	gw g[16];
	MDB_txn *txn;
	int wrong = 0, present = 0, stray = 0;

	for (int i = 0; i < 16; i++) {
		g[i] = (gw){ st, i * 40, 0 };
		pthread_create(&th[i], NULL, gw_thread, &g[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(th[i], NULL);
		wrong += g[i].wrong;
	}
	is_int(wrong, 0, "each writer gets its own result, in groups with failures");
	ims__txn_begin(st, MDB_RDONLY, &txn);
	for (int n = 0; n < 16 * 40; n++) {
		char key[32];
		MDB_val k = { 0, key }, v;
		k.mv_size = (size_t)snprintf(key, sizeof(key), "gtest.%d", n);
		if (mdb_get(txn, st->dbi[IMS__DB_META], &k, &v) == 0)
			n % 3 == 0 ? stray++ : present++;
	}
	ims__txn_abort(st, txn);
	is_int(present, 16 * 40 - 214, "every successful write stored");
	is_int(stray, 0, "nothing of a failed writer, though it wrote before failing");
	ok(st->commits < st->writes / 2, "commits still shared: %llu for %llu writes",
	   (unsigned long long)st->commits, (unsigned long long)st->writes);
	ims_store_close(st);
}

static uint64_t
messages_in(const char *dir)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	ims_stats s;

	o.flags = IMS_OPEN_RDONLY;
	if (ims_store_open(&st, dir, &o) != 0)
		return UINT64_MAX;
	s.messages[0] = UINT64_MAX;
	ims_stats_get(&s, st);
	ims_store_close(st);
	return s.messages[0];
}

/* The report: bounded tallies (types beyond 256 are "(other)"), the top
 * owners from a heap, queue ages from the given now. */
static void
test_stats_report(void)
{
	ims_store *st = create("s-report", 0);
	ims_stats_opts o = IMS_STATS_OPTS_INIT;
	ims_stats_report *r = NULL;
	char type[32], owner[64], msgid[16];
	int rc = 0, n = 0;

	for (int i = 0; i < 300 && rc == 0; i++) {
		ims_msg m = IMS_MSG_INIT;
		snprintf(type, sizeof(type), "application/x-t%03d", i);
		snprintf(owner, sizeof(owner), "sip:u%d@d%d.org", i % 40, i % 40 % 3);
		snprintf(msgid, sizeof(msgid), "r%d", i);
		m.owner = owner;
		m.from.uri = "sip:f@x.org";
		m.message_id = msgid;
		m.content_type = type;
		m.received = INT64_C(1000000000000000) - (int64_t)i * 60 * 1000000;
		rc = ims_put(NULL, st, &m, "ab", 2);
		n++;
	}
	is_int(rc, 0, "300 messages of 300 types");
	o.top = 5;
	o.now = INT64_C(1000000000000000);
	is_int(ims_stats_report_get(&r, st, &o), 0, "report");
	if (!r) {
		ims_store_close(st);
		return;
	}
	is_int((int)r->ntypes, 257, "256 types told apart, then (other)");
	is_str(r->types[256].name, "(other)", "the rest as (other)");
	is_int((int)r->types[256].messages, 44, "44 of them");
	is_int((int)r->nowners, 5, "top 5 owners");
	ok(r->owners[0].messages == 8 && r->owners[4].messages == 8, "8 messages each");
	is_str(r->owners[0].name, "sip:u0@d0.org", "ties by name");
	is_int((int)r->ndomains, 3, "three domains");
	is_int((int)r->queue.messages, 300, "queue total");
	is_int((int)r->queue.ages[0], 5, "5 younger than 5 minutes");
	is_int((int)r->queue.ages[1], 5, "5 from 5 to 10");
	is_int((int)r->queue.ages[6], 300 - 160, "140 from 160 to 320");
	is_int((int)r->queue.ages[9], 0, "none older than 1280 minutes");
	ims_stats_report_free(r);
	o.flags = IMS_STATS_OWNERS;
	is_int(ims_stats_report_get(&r, st, &o), 0, "owners only");
	ok(r && r->ntypes == 0 && r->queue.messages == 0 && r->nowners == 5,
	   "no record pass for the owners alone");
	ims_stats_report_free(r);
	o.top = 10001;
	is_int(ims_stats_report_get(&r, st, &o), IMS_INVALID, "top over 10000");
	o.top = 5;
	o.sort = 7;
	is_int(ims_stats_report_get(&r, st, &o), IMS_INVALID, "an unknown sort");
	o.version = 1; /* a caller of version 1 has no sort: messages */
	is_int(ims_stats_report_get(&r, st, &o), 0, "version 1 options");
	ims_stats_report_free(r);
	(void)n;
	ims_store_close(st);
}

/* The top owners by bytes: chosen by bytes too, not the byte-largest of
 * the owners with most messages. */
static void
test_stats_sort(void)
{
	ims_store *st = create("s-sort", 0);
	ims_stats_opts o = IMS_STATS_OPTS_INIT;
	ims_stats_report *r = NULL;
	static char big[5000];
	char msgid[16];
	int rc = 0;

	for (int i = 0; i < 4 && rc == 0; i++) {
		ims_msg m = IMS_MSG_INIT;
		snprintf(msgid, sizeof(msgid), "m%d", i);
		m.owner = "sip:many@x.org";
		m.from.uri = "sip:f@x.org";
		m.message_id = msgid;
		rc = ims_put(NULL, st, &m, "ab", 2);
	}
	for (int i = 0; i < 2 && rc == 0; i++) {
		ims_msg m = IMS_MSG_INIT;
		memset(big, 'b', sizeof(big));
		snprintf(msgid, sizeof(msgid), "b%d", i);
		m.owner = i ? "sip:big@x.org" : "sip:bigger@x.org";
		m.from.uri = "sip:f@x.org";
		m.message_id = msgid;
		rc = ims_put(NULL, st, &m, big, i ? 3000 : sizeof(big));
	}
	is_int(rc, 0, "stored");
	o.flags = IMS_STATS_OWNERS;
	o.top = 2;
	o.sort = IMS_STATS_SORT_BYTES;
	is_int(ims_stats_report_get(&r, st, &o), 0, "top 2 by bytes");
	ok(r && r->nowners == 2 && !strcmp(r->owners[0].name, "sip:bigger@x.org") &&
	   !strcmp(r->owners[1].name, "sip:big@x.org"), "the two largest, largest first");
	ims_stats_report_free(r);
	o.sort = IMS_STATS_SORT_COUNT;
	o.top = 1;
	is_int(ims_stats_report_get(&r, st, &o), 0, "top 1 by count");
	ok(r && r->nowners == 1 && !strcmp(r->owners[0].name, "sip:many@x.org"),
	   "the owner with most messages");
	ims_stats_report_free(r);
	ims_store_close(st);
}

/* Backup into a new directory; compaction refused while the store is open
 * here or in another process, done otherwise. */
static void
test_backup_compact(void)
{
	ims_store *st = create("s-bk", 0);
	ims_compact_result r;
	ims_id ids[100];
	char msgid[16], body[600];
	int ready[2], go[2], rc = 0;
	pid_t pid;
	struct stat sb;
	char c;

	for (int i = 0; i < 100 && rc == 0; i++) {
		snprintf(msgid, sizeof(msgid), "b%d", i);
		for (size_t j = 0; j + 1 < sizeof(body); j++)
			body[j] = (char)('a' + rand() % 26);
		body[sizeof(body) - 1] = '\0';
		rc = put_simple(&ids[i], st, "sip:a@x.org", "sip:b@x.org", msgid,
		                IMS_TIME_NONE, body);
	}
	is_int(rc, 0, "100 messages stored");
	is_int(ims_store_backup(st, path("bk1"), 0), 0, "backup");
	is_int(ims_store_backup(st, path("bk1"), 0), IMS_EXISTS, "not over a backup");
	is_int(ims_store_backup(st, path("s-bk"), IMS_BACKUP_COMPACT), IMS_EXISTS,
	       "not over the store itself");
	is_int(ims_store_backup(st, path("bk2"), 0x80), IMS_INVALID, "unknown flag");
	is_int(ims_store_backup(st, path("bk2"), IMS_BACKUP_COMPACT), 0, "compacted backup");
	stat(path("bk2/data.mdb"), &sb);
	is_int(sb.st_mode & 0777, 0600, "backup file 0600");
	is_int(ims_store_compact(&r, path("s-bk")), IMS_BUSY, "compact refused: open here");
	for (int i = 0; i < 100; i += 2)
		ims_delete(st, &ids[i]);
	ims_store_close(st);
	ok(messages_in(path("bk1")) == 100 && messages_in(path("bk2")) == 100,
	   "backups hold every message");

	/* a child process holding the store open */
	if (pipe(ready) != 0 || pipe(go) != 0) {
		ok(0, "pipe");
		return;
	}
	if ((pid = fork()) == 0) {
		ims_store *cst;
		int orc = ims_store_open(&cst, path("s-bk"), NULL);
		c = orc ? 'e' : 'o';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		ims_store_close(cst);
		_exit(orc ? 1 : 0);
	}
	ok(read(ready[0], &c, 1) == 1 && c == 'o', "child opened the store");
	is_int(ims_store_compact(&r, path("s-bk")), IMS_BUSY, "compact refused: open in a child");
	c = 'x';
	ok(write(go[1], &c, 1) == 1, "child told to close");
	waitpid(pid, NULL, 0);
	close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);

	/* more than one transaction's worth of copying (8 MiB) */
	{
		ims_store *big = NULL;
		size_t len = (size_t)3 << 20;
		unsigned char *b = malloc(len);
		int brc = b && ims_store_open(&big, path("s-bk"), NULL) == 0 ? 0 : -1;
		for (int i = 0; i < 5 && brc == 0; i++) {
			ims_msg m = IMS_MSG_INIT;
			for (size_t j = 0; j < len; j++)
				b[j] = (unsigned char)rand();
			snprintf(msgid, sizeof(msgid), "big%d", i);
			m.owner = "sip:a@x.org";
			m.from.uri = "sip:b@x.org";
			m.message_id = msgid;
			brc = ims_put(NULL, big, &m, b, len);
		}
		is_int(brc, 0, "15 MiB of incompressible bodies");
		ims_store_close(big);
		free(b);
	}
	is_int(ims_store_compact(&r, path("s-bk")), 0, "compact once nobody has it open");
	{
		ims_verify_result vr;
		ims_open_opts ro = IMS_OPEN_OPTS_INIT;
		ims_store *chk;
		ro.flags = IMS_OPEN_RDONLY;
		is_int(ims_store_open(&chk, path("s-bk"), &ro), 0, "open the compacted store");
		is_int(ims_verify(&vr, chk, NULL), 0, "every record and body intact");
		is_int((int)vr.messages, 55, "55 messages");
		ims_store_close(chk);
	}
	ok(r.bytes_after > 0 && r.bytes_after < r.bytes_before, "smaller: %llu -> %llu",
	   (unsigned long long)r.bytes_before, (unsigned long long)r.bytes_after);
	is_int((int)messages_in(path("s-bk")), 55, "55 messages after the compaction");
	is_int(ims_store_open(&st, path("s-bk"), NULL), 0, "reopen for writing");
	{
		void *b = NULL;
		size_t n = 0;
		is_int(ims_body_get(&b, &n, st, &ids[1]), 0, "a body reads back");
		is_int((int)n, (int)sizeof(body) - 1, "its length");
		free(b);
	}
	is_int(put_simple(NULL, st, "sip:a@x.org", "sip:b@x.org", "after", IMS_TIME_NONE, "x"),
	       0, "store after the compaction");
	ims_store_close(st);
	is_int((int)messages_in(path("s-bk")), 56, "and it is there");
	is_int(ims_store_compact(&r, path("nowhere")), IMS_NOTFOUND, "compact: no such directory");
	is_int(ims_store_compact(&r, path("other")), IMS_NOTSTORE, "compact: not a store");
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/ims-unit-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	srand(42);
	test_open();
	test_put_get();
	test_bodies();
	test_query_bodies();
	test_queries();
	test_type_index();
	test_type_index_full();
	test_index_table();
	test_paging(0);
	test_paging(1);
	test_delete();
	test_delete_txn_size();
	test_sweep_txn_size();
	test_growth();
	test_index_fill();
	test_resize_across_processes();
	test_corruption();
	test_chunk_methods();
	test_chunk_dictionary();
	test_unwritten_tail();
	test_fork();
	test_fork_raw();
	test_fork_random();
	test_format();
	test_threads();
	test_group_commit();
	test_group_failures();
	test_backup_compact();
	test_stats_report();
	test_stats_sort();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
