/* audit.c - the audit trail of operators' actions (database "audit"):
 *   key time(8) seq(4)
 *   value crc32c(4) version(1) count(8) bytes(8), then action, actor,
 *         filter, reason as u16 length + bytes (0xffff: none)
 * Who, when, what and how many: never message content. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define AUDIT_TEXT_MAX 4096
#define NOSTR 0xffffu

static size_t
put_str(unsigned char *p, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	p[0] = (unsigned char)((s ? n : NOSTR) >> 8);
	p[1] = (unsigned char)(s ? n : NOSTR);
	if (s)
		memcpy(p + 2, s, n);
	return 2 + n;
}

typedef struct audit_ctx {
	ims_audit_entry e;
	char actor[64];
} audit_ctx;

static int
audit_txn(ims_store *st, MDB_txn *txn, void *arg)
{
	audit_ctx *c = arg;
	const char *strs[4] = { c->e.action, c->e.actor, c->e.filter, c->e.reason };
	unsigned char key[12], *p;
	MDB_val k = { 12, key }, v;
	MDB_cursor *cur;
	uint32_t seq = 0;
	size_t len = 21, off;
	int rc;

	for (int i = 0; i < 4; i++)
		len += 2 + (strs[i] ? strlen(strs[i]) : 0);
	/* the next sequence number within the same microsecond */
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_AUDIT], &cur)))
		return ims__map_err(rc);
	ims__be_time(key, c->e.time);
	memset(key + 8, 0xff, 4);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(cur, &k, &v, MDB_PREV)
	             : mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 12 && ims__rd_be_time(k.mv_data) == c->e.time)
		seq = ims__rd_be32((unsigned char *)k.mv_data + 8) + 1;
	mdb_cursor_close(cur);
	ims__be_time(key, c->e.time);
	ims__be32(key + 8, seq);
	k.mv_data = key;
	k.mv_size = 12;
	v.mv_size = len;
	if ((rc = ims__put_tail(txn, st->dbi[IMS__DB_AUDIT], &k, &v, MDB_NOOVERWRITE | MDB_RESERVE)))
		return ims__map_err(rc);
	p = v.mv_data;
	p[4] = 1;
	ims__be64(p + 5, c->e.count);
	ims__be64(p + 13, c->e.bytes);
	off = 21;
	for (int i = 0; i < 4; i++)
		off += put_str(p + off, strs[i]);
	ims__be32(p, ims__crc32c(0, p + 4, len - 4));
	return 0;
}

static int
text_ok(const char *s)
{
	if (!s)
		return 1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t')
			return 0;
	return strlen(s) <= AUDIT_TEXT_MAX && ims__utf8_valid(s, strlen(s));
}

void
ims__actor(char *out, size_t cap)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, cap, "%s", res->pw_name);
	else
		snprintf(out, cap, "uid %u", (unsigned)getuid());
}

int
ims_audit_record(ims_store *st, const ims_audit_entry *e)
{
	audit_ctx c;

	if (!e || !e->action || !*e->action || !text_ok(e->action) ||
	    !text_ok(e->actor) || !text_ok(e->filter) || !text_ok(e->reason))
		return IMS_INVALID;
	c.e = *e;
	if (!c.e.time)
		c.e.time = ims__now_us();
	if (!c.e.actor) {
		ims__actor(c.actor, sizeof(c.actor));
		c.e.actor = c.actor;
	}
	return ims__write(st, audit_txn, &c);
}

static int
get_str(const char **out, char *copy, const unsigned char *p, size_t len, size_t *off)
{
	unsigned n;

	if (len - *off < 2)
		return IMS_CORRUPT;
	n = (unsigned)p[*off] << 8 | p[*off + 1];
	*off += 2;
	if (n == NOSTR) {
		*out = NULL;
		return 0;
	}
	if (n > len - *off)
		return IMS_CORRUPT;
	memcpy(copy + *off, p + *off, n);
	copy[*off + n] = '\0';
	*out = copy + *off;
	*off += n;
	return 0;
}

/* Decode into e with its strings in copy (len + 1 bytes). */
static int
decode(ims_audit_entry *e, char *copy, const MDB_val *k, const MDB_val *v)
{
	const unsigned char *p = v->mv_data;
	const char **strs[4] = { &e->action, &e->actor, &e->filter, &e->reason };
	size_t off = 21;
	int rc = 0;

	if (k->mv_size != 12 || v->mv_size < 21 || p[4] != 1 ||
	    ims__rd_be32(p) != ims__crc32c(0, p + 4, v->mv_size - 4))
		return IMS_CORRUPT;
	e->time = ims__rd_be_time(k->mv_data);
	e->count = ims__rd_be64(p + 5);
	e->bytes = ims__rd_be64(p + 13);
	for (int i = 0; i < 4 && rc == 0; i++)
		rc = get_str(strs[i], copy, p, v->mv_size, &off);
	return rc ? rc : off == v->mv_size && e->action ? 0 : IMS_CORRUPT;
}

int
ims_audit_list(ims_store *st, int64_t since, ims_audit_cb cb, void *payload)
{
	unsigned char key[12] = { 0 };
	MDB_val k = { 12, key }, v;
	MDB_cursor *cur;
	MDB_txn *txn;
	int rc, crc;

	if (!cb)
		return IMS_INVALID;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_AUDIT], &cur))) {
		ims__txn_abort(st, txn);
		return ims__map_err(rc);
	}
	ims__be_time(key, since);
	crc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (crc == 0 && rc == 0) {
		ims_audit_entry e;
		char *copy = malloc(v.mv_size + 1);
		if (!copy) {
			rc = ENOMEM;
			break;
		}
		if ((rc = decode(&e, copy, &k, &v)) == 0)
			rc = cb(&e, payload);
		free(copy);
		if (rc == 0)
			crc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && crc != MDB_NOTFOUND)
		rc = ims__map_err(crc);
	mdb_cursor_close(cur);
	ims__txn_abort(st, txn);
	return rc;
}
