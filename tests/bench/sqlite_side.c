/* sqlite_side.c - the same workloads on SQLite: WAL, synchronous=FULL, the
 * same indexes as imstore (owner+folder+time, originator+time,
 * conversation+time, unique (owner, folder, msgid), expiry, time, and
 * media type+time without text/plain, as imstore's ix_type), bodies in their
 * own table as imstore keeps them.  Durable stores two ways: a transaction
 * per message from each producer's connection (busy handler), and a leader
 * committing each queue of concurrent stores in one transaction, as
 * imstore's group commit does. */
#include <ctype.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"CREATE TABLE IF NOT EXISTS messages("
	" id INTEGER PRIMARY KEY,"
	" owner TEXT NOT NULL, folder INTEGER NOT NULL, mode INTEGER NOT NULL,"
	" state INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0,"
	" originator TEXT NOT NULL, originator_name TEXT, recipients TEXT,"
	" msgid TEXT NOT NULL, conversation TEXT,"
	" received INTEGER NOT NULL, sent INTEGER, sent_text TEXT,"
	" expires INTEGER, delivered INTEGER, content_type TEXT, subject TEXT,"
	" size INTEGER NOT NULL, lease TEXT, mtype TEXT);"
	"CREATE TABLE IF NOT EXISTS bodies(id INTEGER PRIMARY KEY, data BLOB NOT NULL);"
	"CREATE INDEX IF NOT EXISTS ix_owner ON messages(owner, folder, received);"
	"CREATE INDEX IF NOT EXISTS ix_from ON messages(originator, received);"
	"CREATE INDEX IF NOT EXISTS ix_conv ON messages(conversation, received);"
	"CREATE UNIQUE INDEX IF NOT EXISTS ux_msgid ON messages(owner, folder, msgid);"
	"CREATE INDEX IF NOT EXISTS ix_expiry ON messages(expires);"
	"CREATE INDEX IF NOT EXISTS ix_time ON messages(received);"
	/* as imstore's ix_type: the media type (lower case, no parameters) and
	 * the time, text/plain left out (it would be as large as ix_time) */
	"CREATE INDEX IF NOT EXISTS ix_type ON messages(mtype, received)"
	" WHERE mtype<>'text/plain';";

#define COLS "m.id, m.owner, m.folder, m.mode, m.state, m.originator," \
	" m.originator_name, m.recipients, m.msgid, m.conversation, m.received," \
	" m.sent, m.sent_text, m.expires, m.content_type, m.subject, m.size"
#define NCOLS 17

enum {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_PUT_MSG, S_PUT_BODY, S_PAGE, S_LEASE_SEL,
	S_LEASE_UPD, S_ACK_BODY, S_ACK_MSG, S_TRANSCRIPT, S_SENDER, S_TYPE,
	S_PURGE_BODY, S_PURGE_MSG, S_TYPE_IX, S_N
};

static const char *const sql[S_N] = {
	"BEGIN IMMEDIATE",
	"COMMIT",
	"ROLLBACK",
	"INSERT INTO messages(owner, folder, mode, state, originator,"
	" originator_name, recipients, msgid, conversation, received, sent,"
	" sent_text, expires, content_type, subject, size, mtype)"
	" VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO bodies(id, data) VALUES(?,?)",
	"SELECT " COLS " FROM messages m WHERE m.owner=?1 AND m.folder=1"
	" AND (m.expires IS NULL OR m.expires>?2) ORDER BY m.received LIMIT ?3",
	"SELECT " COLS " FROM messages m WHERE m.owner=?1 AND m.folder=1"
	" AND m.state=1 AND (m.expires IS NULL OR m.expires>?2) ORDER BY m.received",
	"UPDATE messages SET state=2, lease=?1 WHERE id=?2",
	"DELETE FROM bodies WHERE id IN (SELECT id FROM messages"
	" WHERE owner=?1 AND folder=1 AND lease=?2)",
	"DELETE FROM messages WHERE owner=?1 AND folder=1 AND lease=?2",
	"SELECT " COLS ", b.data FROM messages m JOIN bodies b ON b.id=m.id"
	" WHERE m.conversation=?1 AND m.owner=?2 AND m.folder=2 ORDER BY m.received",
	"SELECT " COLS " FROM messages m WHERE m.originator=?1 AND m.received>=?2"
	" AND m.received<?3 ORDER BY m.received",
	"SELECT " COLS " FROM messages m WHERE m.received>=?2 AND m.received<?3"
	" AND (m.content_type=?1 COLLATE NOCASE OR m.content_type LIKE ?1||';%')"
	" ORDER BY m.received",
	"DELETE FROM bodies WHERE id IN (SELECT id FROM messages"
	" WHERE received>=?1 AND received<?2)",
	"DELETE FROM messages WHERE received>=?1 AND received<?2",
	/* the term mtype<>'text/plain' lets the planner use the partial index */
	"SELECT " COLS " FROM messages m WHERE m.mtype=?1 AND m.mtype<>'text/plain'"
	" AND m.received>=?2 AND m.received<?3 ORDER BY m.received",
};

typedef struct conn {
	struct handle *h;
	sqlite3 *db;
	sqlite3_stmt *st[S_N];
	unsigned long lease_seq;
} conn;

/* A store waiting in the queue of the group commit. */
typedef struct greq {
	const bmsg *m;
	int rc, done;
	pthread_cond_t wake;
	struct greq *next;
} greq;

typedef struct handle {
	char path[4096];
	conn *main;
	/* the group commit: the queue, whether a leader runs, its connection */
	pthread_mutex_t g_lock;
	greq *g_head, **g_tail;
	int g_leader;
	conn *g_conn;
} handle;

static int
fail(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
	return -1;
}

static int
conn_open(conn **out, const char *path, int readonly)
{
	conn *c = calloc(1, sizeof(*c));
	int flags = readonly ? SQLITE_OPEN_READONLY
	                     : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

	if (!c)
		return -1;
	if (sqlite3_open_v2(path, &c->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(c->db, "open");
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	sqlite3_busy_timeout(c->db, 60000);
	if (sqlite3_exec(c->db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
		fail(c->db, "pragma");
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static sqlite3_stmt *
stmt(conn *c, int i)
{
	if (!c->st[i] && sqlite3_prepare_v3(c->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
	                                    &c->st[i], NULL) != SQLITE_OK) {
		fail(c->db, sql[i]);
		return NULL;
	}
	sqlite3_reset(c->st[i]);
	sqlite3_clear_bindings(c->st[i]);
	return c->st[i];
}

static void
conn_close(conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(c->st[i]);
	sqlite3_close(c->db);
	free(c);
}

static int
exec1(conn *c, int i)
{
	sqlite3_stmt *s = stmt(c, i);
	int rc = s ? sqlite3_step(s) : SQLITE_ERROR;

	if (s)
		sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : fail(c->db, sql[i]);
}

static int
sq_open(void **h, const char *dir)
{
	handle *x = calloc(1, sizeof(*x));
	char *err = NULL;

	if (!x)
		return -1;
	snprintf(x->path, sizeof(x->path), "%s/messages.db", dir);
	if (conn_open(&x->main, x->path, 0)) {
		free(x);
		return -1;
	}
	if (sqlite3_exec(x->main->db, schema, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlite: schema: %s\n", err);
		sqlite3_free(err);
		conn_close(x->main);
		free(x);
		return -1;
	}
	pthread_mutex_init(&x->g_lock, NULL);
	x->g_tail = &x->g_head;
	*h = x;
	return 0;
}

static void
sq_close(void *h)
{
	handle *x = h;

	conn_close(x->g_conn);
	conn_close(x->main);
	pthread_mutex_destroy(&x->g_lock);
	free(x);
}

static int
sq_thread_open(void **ctx, void *h)
{
	if (conn_open((conn **)ctx, ((handle *)h)->path, 0))
		return -1;
	(*(conn **)ctx)->h = h;
	return 0;
}

static void
sq_thread_close(void *ctx)
{
	conn_close(ctx);
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* The media type of a Content-Type, as imstore's ix_type keys it: lower
 * case, without parameters or spaces. */
static void
media_type(char *out, size_t cap, const char *ct)
{
	size_t n = 0;

	for (; ct && *ct && *ct != ';' && n + 1 < cap; ct++)
		if (!isspace((unsigned char)*ct))
			out[n++] = (char)tolower((unsigned char)*ct);
	out[n] = '\0';
}

/* The two inserts, in the caller's transaction: 0, 1 (duplicate), -1. */
static int
insert(conn *c, const bmsg *b)
{
	sqlite3_stmt *s = stmt(c, S_PUT_MSG), *t;
	char mt[256];
	int rc;

	if (!s)
		return -1;
	media_type(mt, sizeof(mt), b->ctype);
	bind_text(s, 1, b->owner);
	sqlite3_bind_int(s, 2, b->folder);
	sqlite3_bind_int(s, 3, b->mode);
	sqlite3_bind_int(s, 4, b->state);
	bind_text(s, 5, b->from_uri);
	bind_text(s, 6, b->from_name);
	bind_text(s, 7, b->to_uri);
	bind_text(s, 8, b->msgid);
	bind_text(s, 9, b->conv);
	sqlite3_bind_int64(s, 10, b->received);
	sqlite3_bind_int64(s, 11, b->sent);
	bind_text(s, 12, b->sent_text);
	if (b->expires == INT64_MIN)
		sqlite3_bind_null(s, 13);
	else
		sqlite3_bind_int64(s, 13, b->expires);
	bind_text(s, 14, b->ctype);
	bind_text(s, 15, b->subject);
	sqlite3_bind_int64(s, 16, (sqlite3_int64)b->body_len);
	bind_text(s, 17, b->ctype ? mt : NULL);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE)
		return fail(c->db, "insert");
	if (!(t = stmt(c, S_PUT_BODY)))
		return -1;
	sqlite3_bind_int64(t, 1, sqlite3_last_insert_rowid(c->db));
	sqlite3_bind_blob(t, 2, b->body, (int)b->body_len, SQLITE_STATIC);
	rc = sqlite3_step(t);
	sqlite3_reset(t);
	return rc == SQLITE_DONE ? 0 : fail(c->db, "insert body");
}

/* One message, one transaction: BEGIN IMMEDIATE ... COMMIT. */
static int
sq_put(void *ctx, const bmsg *b)
{
	conn *c = ctx;
	int rc;

	if (exec1(c, S_BEGIN))
		return -1;
	rc = insert(c, b);
	if (rc == 0 && exec1(c, S_COMMIT) == 0)
		return 0;
	exec1(c, S_ROLLBACK);
	return rc;
}

/* The leader: every store queued so far in one BEGIN IMMEDIATE ... COMMIT
 * on the handle's group connection.  A failed insert fails its own
 * statement only (SQLite rolls back the statement, not the transaction);
 * a failed commit fails the whole group. */
static void
run_group(handle *x, greq *group)
{
	conn *c = x->g_conn;
	int rc = c ? exec1(c, S_BEGIN) : -1;

	for (greq *r = group; r; r = r->next)
		r->rc = rc ? -1 : insert(c, r->m);
	if (rc == 0 && exec1(c, S_COMMIT)) {
		exec1(c, S_ROLLBACK);
		rc = -1;
	}
	for (greq *r = group; rc && r; r = r->next)
		r->rc = -1;
}

/* One message, acknowledged when durable, committed with every store
 * queued meanwhile: the first waiting producer leads the next group (the
 * same protocol as imstore's ims__write). */
static int
sq_put_group(void *ctx, const bmsg *b)
{
	handle *x = ((conn *)ctx)->h;
	greq req = { b, 0, 0, PTHREAD_COND_INITIALIZER, NULL }, *group;

	pthread_mutex_lock(&x->g_lock);
	if (!x->g_conn && conn_open(&x->g_conn, x->path, 0))
		x->g_conn = NULL;
	*x->g_tail = &req;
	x->g_tail = &req.next;
	while (!req.done) {
		if (x->g_leader) {
			pthread_cond_wait(&req.wake, &x->g_lock);
			continue;
		}
		x->g_leader = 1;
		group = x->g_head;
		x->g_head = NULL;
		x->g_tail = &x->g_head;
		pthread_mutex_unlock(&x->g_lock);
		run_group(x, group);
		pthread_mutex_lock(&x->g_lock);
		for (greq *r = group, *next; r; r = next) {
			next = r->next;
			r->done = 1;
			if (r != &req)
				pthread_cond_signal(&r->wake);
		}
		x->g_leader = 0;
		if (x->g_head)
			pthread_cond_signal(&x->g_head->wake);
	}
	pthread_mutex_unlock(&x->g_lock);
	pthread_cond_destroy(&req.wake);
	return req.rc;
}

/* Bulk: one connection, large transactions. */
static int
sq_bulk(void *h, const bset *s, int threads)
{
	conn *c = ((handle *)h)->main;
	const size_t per_txn = 10000;

	(void)threads;
	for (size_t i = 0; i < s->n; i += per_txn) {
		if (exec1(c, S_BEGIN))
			return -1;
		for (size_t k = i; k < s->n && k < i + per_txn; k++)
			if (insert(c, s->v[k]) < 0) {
				exec1(c, S_ROLLBACK);
				return -1;
			}
		if (exec1(c, S_COMMIT))
			return -1;
	}
	return 0;
}

/* Read every column of a row, as a server building a document would. */
static uint64_t
read_row(sqlite3_stmt *s, int ncols)
{
	uint64_t n = 0;

	for (int i = 0; i < ncols; i++) {
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			n += (uint64_t)sqlite3_column_int64(s, i);
			break;
		case SQLITE_TEXT:
			if (sqlite3_column_text(s, i))
				n += (uint64_t)sqlite3_column_bytes(s, i);
			break;
		case SQLITE_BLOB:
			if (sqlite3_column_blob(s, i))
				n += (uint64_t)sqlite3_column_bytes(s, i);
			break;
		}
	}
	return n;
}

static long
run_rows(conn *c, sqlite3_stmt *s)
{
	long n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(s, NCOLS);
		n++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : fail(c->db, "select");
}

static long
sq_deferred_page(void *ctx, const char *user, size_t page)
{
	conn *c = ctx;
	sqlite3_stmt *s = stmt(c, S_PAGE);

	if (!s)
		return -1;
	bind_text(s, 1, user);
	sqlite3_bind_int64(s, 2, now_us());
	sqlite3_bind_int64(s, 3, (sqlite3_int64)page);
	return run_rows(c, s);
}

/* Two-phase, as imstore: lease (read and mark, one transaction), then ack
 * (delete, another). */
static long
sq_lease_ack(void *ctx, const char *user)
{
	conn *c = ctx;
	sqlite3_stmt *s, *u, *d;
	sqlite3_int64 *ids = NULL;
	size_t n = 0, cap = 0;
	char token[64];
	int rc;

	snprintf(token, sizeof(token), "lease-%p-%lu", (void *)c, ++c->lease_seq);
	if (exec1(c, S_BEGIN) || !(s = stmt(c, S_LEASE_SEL)))
		return -1;
	bind_text(s, 1, user);
	sqlite3_bind_int64(s, 2, now_us());
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(s, NCOLS);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(ids = realloc(ids, cap * sizeof(*ids))))
				return -1;
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		if (!(u = stmt(c, S_LEASE_UPD)))
			break;
		bind_text(u, 1, token);
		sqlite3_bind_int64(u, 2, ids[i]);
		rc = sqlite3_step(u);
		sqlite3_reset(u);
	}
	free(ids);
	if (rc != SQLITE_DONE || exec1(c, S_COMMIT)) {
		exec1(c, S_ROLLBACK);
		return fail(c->db, "lease");
	}
	/* ack */
	if (exec1(c, S_BEGIN))
		return -1;
	for (int i = S_ACK_BODY; i <= S_ACK_MSG; i++) {
		if (!(d = stmt(c, i)))
			return -1;
		bind_text(d, 1, user);
		bind_text(d, 2, token);
		rc = sqlite3_step(d);
		sqlite3_reset(d);
		if (rc != SQLITE_DONE) {
			exec1(c, S_ROLLBACK);
			return fail(c->db, "ack");
		}
	}
	if ((size_t)sqlite3_changes(c->db) != n || exec1(c, S_COMMIT))
		return -1;
	return (long)n;
}

static long
sq_transcript(void *ctx, const char *user, const char *conv, uint64_t *bytes)
{
	conn *c = ctx;
	sqlite3_stmt *s = stmt(c, S_TRANSCRIPT);
	long n = 0;
	int rc;

	*bytes = 0;
	if (!s)
		return -1;
	bind_text(s, 1, conv);
	bind_text(s, 2, user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(s, NCOLS);
		if (sqlite3_column_blob(s, NCOLS))
			*bytes += (uint64_t)sqlite3_column_bytes(s, NCOLS);
		n++;
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? n : fail(c->db, "transcript");
}

static long
sq_by_sender(void *ctx, const char *sender, int64_t lo, int64_t hi)
{
	conn *c = ctx;
	sqlite3_stmt *s = stmt(c, S_SENDER);

	if (!s)
		return -1;
	bind_text(s, 1, sender);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	return run_rows(c, s);
}

static long
sq_by_type(void *ctx, const char *type, int64_t lo, int64_t hi)
{
	conn *c = ctx;
	sqlite3_stmt *s = stmt(c, S_TYPE);

	if (!s)
		return -1;
	bind_text(s, 1, type);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	return run_rows(c, s);
}

/* 7b over ix_type (the media type is what imstore's type: compares) */
static long
sq_by_type_indexed(void *ctx, const char *type, int64_t lo, int64_t hi)
{
	conn *c = ctx;
	sqlite3_stmt *s;
	char mt[256];

	media_type(mt, sizeof(mt), type);
	if (strcmp(mt, "text/plain") == 0)
		return sq_by_type(ctx, type, lo, hi); /* not in the index */
	if (!(s = stmt(c, S_TYPE_IX)))
		return -1;
	bind_text(s, 1, mt);
	sqlite3_bind_int64(s, 2, lo);
	sqlite3_bind_int64(s, 3, hi);
	return run_rows(c, s);
}

static long
sq_purge_slice(void *ctx, int64_t lo, int64_t hi, double *longest_s, uint64_t *txns)
{
	conn *c = ctx;
	long n = 0;

	*longest_s = -1;
	*txns = 1;
	if (exec1(c, S_BEGIN))
		return -1;
	for (int i = S_PURGE_BODY; i <= S_PURGE_MSG; i++) {
		sqlite3_stmt *s = stmt(c, i);
		int rc;
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, lo);
		sqlite3_bind_int64(s, 2, hi);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			exec1(c, S_ROLLBACK);
			return fail(c->db, "purge");
		}
		n = sqlite3_changes(c->db);
	}
	return exec1(c, S_COMMIT) ? -1 : n;
}

static int
sq_scan(const char *dir, uint64_t *msgs, uint64_t *bytes)
{
	char path[4096];
	sqlite3_stmt *s;
	conn *c;
	int rc;

	*msgs = *bytes = 0;
	snprintf(path, sizeof(path), "%s/messages.db", dir);
	if (conn_open(&c, path, 1))
		return -1;
	if (sqlite3_prepare_v2(c->db, "SELECT " COLS ", b.data FROM messages m"
	                       " JOIN bodies b ON b.id=m.id ORDER BY m.id", -1, &s,
	                       NULL) != SQLITE_OK) {
		conn_close(c);
		return fail(NULL, "scan");
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(s, NCOLS);
		if (sqlite3_column_blob(s, NCOLS))
			*bytes += (uint64_t)sqlite3_column_bytes(s, NCOLS);
		++*msgs;
	}
	sqlite3_finalize(s);
	conn_close(c);
	return rc == SQLITE_DONE ? 0 : -1;
}

static uint64_t
sq_stored_bytes(void *h)
{
	(void)h;
	return 0; /* bodies are kept as received */
}

/* VACUUM INTO: a new database file holding the live rows, its b-trees
 * rebuilt. */
static int
sq_compact_copy(void *h, const char *dest)
{
	handle *x = h;
	char path[4096 + 16], *q;
	int rc;

	if (mkdir(dest, 0700))
		return -1;
	snprintf(path, sizeof(path), "%s/messages.db", dest);
	if (!(q = sqlite3_mprintf("VACUUM INTO %Q", path)))
		return -1;
	rc = sqlite3_exec(x->main->db, q, NULL, NULL, NULL);
	sqlite3_free(q);
	return rc == SQLITE_OK ? 0 : fail(x->main->db, "vacuum into");
}

const engine bench_sqlite = {
	.name = "sqlite", .open = sq_open, .close = sq_close,
	.thread_open = sq_thread_open, .thread_close = sq_thread_close,
	.put = sq_put, .put_group = sq_put_group, .bulk = sq_bulk,
	.deferred_page = sq_deferred_page, .lease_ack = sq_lease_ack,
	.transcript = sq_transcript, .by_sender = sq_by_sender,
	.by_type = sq_by_type, .by_type_indexed = sq_by_type_indexed,
	.purge_slice = sq_purge_slice, .scan = sq_scan,
	.stored_bytes = sq_stored_bytes, .finish = NULL,
	.compact_copy = sq_compact_copy,
};
