/* put.c - storing a message: validation, canonical addresses, one durable
 * write transaction. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static int
fail(ims_errinfo *err, int rc, const char *field, const char *why)
{
	if (err) {
		err->code = rc;
		err->offset = 0;
		snprintf(err->message, sizeof(err->message), "%s: %s", field, why);
	}
	return rc;
}

/* Text fields: bounded, valid UTF-8, no control characters but TAB. */
static int
check_text(ims_errinfo *err, const char *field, const char *s, size_t max)
{
	char why[64];
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n > max) {
		snprintf(why, sizeof(why), "longer than %zu bytes (%zu)", max, n);
		return fail(err, IMS_TOOBIG, field, why);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			snprintf(why, sizeof(why), "control character 0x%02x at byte %zu", ch, i);
			return fail(err, IMS_INVALID, field, why);
		}
	}
	if (!ims__utf8_valid(s, n))
		return fail(err, IMS_INVALID, field, "invalid UTF-8");
	return 0;
}

/* An address: its canonical form into canon (IMS_ADDR_MAX + 1 bytes),
 * which storing it needs anyway, and its display name checked. */
static int
check_addr(ims_errinfo *err, const char *field, const ims_addr *a, char *canon)
{
	int rc;

	if (!a->uri)
		return fail(err, IMS_INVALID, field, "missing");
	if ((rc = ims_addr_canon(canon, IMS_ADDR_MAX + 1, a->uri)))
		return fail(err, rc, field, rc == IMS_TOOBIG
		            ? "address longer than 480 bytes" : "not a valid IM address");
	return check_text(err, field, a->name, IMS_TEXT_MAX);
}

/* Every field.  The canonical addresses go into slots (IMS_ADDR_MAX + 1
 * bytes each: owner, from, then to and cc in order), or, when slots is
 * NULL, into one scratch buffer. */
static int
check_fields(const ims_msg *m, ims_errinfo *err, char *slots)
{
	char scratch[IMS_ADDR_MAX + 1];
	size_t w = slots ? IMS_ADDR_MAX + 1 : 0;
	char *at = slots ? slots : scratch;
	ims_addr owner = { m->owner, NULL };
	int rc;

	if ((rc = check_addr(err, "owner", &owner, at)) ||
	    (rc = check_addr(err, "from", &m->from, at + w)) ||
	    (rc = check_text(err, "message-id", m->message_id, IMS_MSGID_MAX)) ||
	    (rc = check_text(err, "conversation", m->conversation, IMS_CONV_MAX)) ||
	    (rc = check_text(err, "subject", m->subject, IMS_TEXT_MAX)) ||
	    (rc = check_text(err, "content type", m->content_type, IMS_TEXT_MAX)) ||
	    (rc = check_text(err, "sent", m->sent_text, IMS_TEXT_MAX)))
		return rc;
	for (size_t i = 0; i < m->nto + m->ncc && rc == 0; i++)
		rc = check_addr(err, i < m->nto ? "to" : "cc",
		                i < m->nto ? &m->to[i] : &m->cc[i - m->nto],
		                at + (i + 2) * w);
	for (size_t i = 0; i < m->nheaders && rc == 0; i++) {
		if (!m->headers[i].name || !*m->headers[i].name || !m->headers[i].value ||
		    strchr(m->headers[i].name, ':'))
			return fail(err, IMS_INVALID, "header", "needs a name without ':' and a value");
		if (!(rc = check_text(err, "header name", m->headers[i].name, 128)))
			rc = check_text(err, m->headers[i].name, m->headers[i].value, IMS_TEXT_MAX);
	}
	return rc;
}

/* What ims_msg_check() checks before the fields. */
static int
check_head(const ims_msg *m, ims_errinfo *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
	if (!m || m->version < 1)
		return fail(err, IMS_INVALID, "message", "missing or of an unknown version");
	if (m->folder < 1 || m->folder > 2)
		return fail(err, IMS_INVALID, "folder", "not deferred or history");
	if (m->mode < 1 || m->mode > 3)
		return fail(err, IMS_INVALID, "mode", "not pager, large or session");
	if ((unsigned)m->state > 4)
		return fail(err, IMS_INVALID, "state", "unknown");
	if (!m->owner || !m->from.uri || !m->message_id || !*m->message_id)
		return fail(err, IMS_INVALID, !m->owner ? "owner" : !m->from.uri ? "from"
		            : "message-id", "missing");
	if (m->nto + m->ncc > IMS_RCPT_MAX)
		return fail(err, IMS_TOOBIG, "recipients", "more than 1024");
	if (m->nheaders > IMS_HEADERS_MAX)
		return fail(err, IMS_TOOBIG, "headers", "more than 64");
	if ((m->nto && !m->to) || (m->ncc && !m->cc) || (m->nheaders && !m->headers))
		return fail(err, IMS_INVALID, "message", "a count without its array");
	return 0;
}

int
ims_msg_check(const ims_msg *m, ims_errinfo *err)
{
	int rc = check_head(m, err);

	return rc ? rc : check_fields(m, err, NULL);
}

/* Check m as ims_msg_check() does and make p->c its copy with canonical
 * addresses: check_fields() writes them where the copy points, so each
 * address is canonicalized once. */
static int
check_canon(ims__putreq *p, const ims_msg *m)
{
	size_t na, slot = IMS_ADDR_MAX + 1;
	int rc;

	if ((rc = check_head(m, NULL)))
		return rc;
	na = m->nto + m->ncc;
	p->c = *m;
	if (!(p->strbuf = malloc((na + 2) * slot)))
		return ENOMEM;
	if (na && !(p->addrs = malloc(na * sizeof(*p->addrs))))
		return ENOMEM;
	if ((rc = check_fields(m, NULL, p->strbuf)))
		return rc;
	p->c.owner = p->strbuf;
	p->c.from.uri = p->strbuf + slot;
	for (size_t i = 0; i < na; i++) {
		p->addrs[i].uri = p->strbuf + (i + 2) * slot;
		p->addrs[i].name = (i < m->nto ? &m->to[i] : &m->cc[i - m->nto])->name;
	}
	p->c.to = p->addrs;
	p->c.cc = p->addrs ? p->addrs + m->nto : NULL;
	return 0;
}

/* Time-ordered and never reused: above the last id issued in this store. */
static int
new_id(ims_id *out, ims_store *st, MDB_txn *txn)
{
	MDB_val k = { 7, "last_id" }, v;
	uint64_t ms = (uint64_t)(ims__now_us() / 1000);
	unsigned char rnd[10];
	int rc;

	if ((rc = ims__random(rnd, sizeof(rnd))))
		return rc;
	for (int i = 5; i >= 0; i--, ms >>= 8)
		out->b[i] = (unsigned char)ms;
	memcpy(out->b + 6, rnd, 10);
	rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v);
	if (rc == 0 && v.mv_size == 16 && memcmp(out->b, v.mv_data, 16) <= 0) {
		/* clock behind the last id: count up from it by a random step */
		unsigned carry = (rnd[0] | 1u) + 0u;
		memcpy(out->b, v.mv_data, 16);
		for (int i = 15; i >= 0 && carry; i--) {
			carry += out->b[i];
			out->b[i] = (unsigned char)carry;
			carry >>= 8;
		}
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		return ims__map_err(rc);
	}
	v.mv_size = 16;
	v.mv_data = out->b;
	return ims__map_err(mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0));
}

/* The message stored before under the same (owner, folder, Message-ID):
 * 0 and its id, or IMS_NOTFOUND; *owner is the owner's atom (0: never
 * interned, which the put's check and the put itself use). */
static int
find_existing(ims_id *out, uint32_t *owner, ims_store *st, MDB_txn *txn,
              const ims_msg *m)
{
	unsigned char key[IMS_MSGID_MAX + 8];
	MDB_val k = { 0, key };
	int rc = ims__atom_find(owner, st, txn, IMS__ATOM_ADDR, m->owner);

	if (rc) {
		*owner = 0;
		return rc;
	}
	k.mv_size = ims__msgid_key(key, m->message_id, *owner, m->folder);
	return ims__msgid_get(out, st, txn, &k, 1);
}

/* An imported id: not taken, and the ids issued later stay above it. */
static int
keep_id(ims_store *st, MDB_txn *txn, const ims_id *id)
{
	MDB_val k = { 16, ims__uc(id->b) }, v;
	int rc = mdb_get(txn, st->dbi[IMS__DB_MSG], &k, &v);

	if (rc != MDB_NOTFOUND)
		return rc ? ims__map_err(rc) : IMS_EXISTS;
	/* a deleted message's leftovers would be taken for this one's */
	if ((rc = ims__reap_id(st, txn, id)))
		return rc;
	k.mv_size = 7;
	k.mv_data = "last_id";
	rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v);
	if (rc == 0 && v.mv_size == 16 && memcmp(id->b, v.mv_data, 16) <= 0)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	v.mv_size = 16;
	v.mv_data = ims__uc(id->b);
	return ims__map_err(mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0));
}

int
ims__putreq_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	ims__putreq *p = ctx;
	ims__recx x = { 0, 0, 0, p->body.raw_crc, p->body.nchunks, 0, IMS_TIME_NONE };
	MDB_val k = { 16, p->id.b }, v;
	ims_id found = {{0}};
	uint32_t owner;
	int rc = find_existing(&found, &owner, st, txn, &p->c);

	if (rc != IMS_NOTFOUND) {
		if (rc == 0 && !p->keep_id)
			p->id = found;
		return rc ? rc : IMS_EXISTS;
	}
	if (p->keep_id && (rc = keep_id(st, txn, &p->id)))
		return rc;
	if (p->check && (rc = p->check(st, txn, &p->c, owner, p->check_arg)))
		return rc;
	/* the owner's atom was looked up above: interned only when new */
	x.owner_atom = owner;
	if ((!owner && (rc = ims__atom_intern(&x.owner_atom, st, txn, IMS__ATOM_ADDR,
	                                      p->c.owner))) ||
	    (rc = ims__atom_intern(&x.from_atom, st, txn, IMS__ATOM_ADDR, p->c.from.uri)))
		return rc;
	if (p->c.conversation && (rc = ims__atom_intern(&x.conv_atom, st, txn,
	                                                IMS__ATOM_CONV, p->c.conversation)))
		return rc;
	if ((!p->keep_id && (rc = new_id(&p->id, st, txn))) ||
	    (rc = ims__body_put(st, txn, &p->id, &p->body)))
		return rc;
	x.stored = p->body.stored;
	v.mv_size = ims__rec_size(&p->c, &x);
	if ((rc = ims__put_tail(txn, st->dbi[IMS__DB_MSG], &k, &v, MDB_NOOVERWRITE | MDB_RESERVE)))
		return ims__map_err(rc);
	ims__rec_encode(v.mv_data, v.mv_size, &p->c, &x);
	if ((rc = ims__index_add(st, txn, &p->id, &p->c, &x)))
		return rc;
	return ims__counter_add(st, txn, x.owner_atom, p->c.folder, 1,
	                        p->c.size, p->body.stored);
}

int
ims_put(ims_id *out, ims_store *st, const ims_msg *msg, const void *body,
        size_t len)
{
	return ims__put(out, st, msg, body, len, NULL, NULL);
}

int
ims__putreq_prepare(ims__putreq *p, ims_store *st, const ims_msg *msg,
                    const void *body, size_t len, int keep)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = ims__check(st)))
		return rc;
	if (len && !body)
		return IMS_INVALID;
	if ((rc = check_canon(p, msg)))
		return rc;
	p->keep_id = keep;
	p->id = keep ? msg->id : p->id;
	p->c.flags = keep ? msg->flags & (IMS_MSGF_HELD | IMS_MSGF_HIDDEN) : 0;
	p->c.size = len;
	if (p->c.received == IMS_TIME_NONE)
		p->c.received = ims__now_us();
	return ims__body_prepare(&p->body, body, len, &p->c);
}

void
ims__putreq_release(ims__putreq *p)
{
	ims__body_release(&p->body);
	free(p->addrs);
	free(p->strbuf);
	p->addrs = NULL;
	p->strbuf = NULL;
}

int
ims__put(ims_id *out, ims_store *st, const ims_msg *msg, const void *body,
         size_t len, ims__put_check check, void *arg)
{
	ims__putreq p;
	int rc;

	if ((rc = ims__putreq_prepare(&p, st, msg, body, len, 0)) == 0) {
		p.check = check;
		p.check_arg = arg;
		rc = ims__write(st, ims__putreq_txn, &p);
		if ((rc == 0 || rc == IMS_EXISTS) && out)
			*out = p.id;
	}
	ims__putreq_release(&p);
	return rc;
}
