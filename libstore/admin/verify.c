/* verify.c - ims_verify: the checks of every database against the message
 * records (layout in imstore(5)).  One walk per database, each entry
 * checked with point lookups; repair.c runs the same walks in bounded
 * write transactions with v->fix set, mending instead of reporting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "verify.h"

#define PROGRESS_EVERY 4096
#define ADJ_MAX 1000000   /* records missing from ix_owner kept for counters */

static const char *const kind_names[] = {
	"unknown", "record-checksum", "record-invalid", "body-missing",
	"body-corrupt", "body-stray", "index-orphan", "index-missing",
	"index-mismatch", "msgid-elsewhere", "counter", "atom", "lease",
	"settings", "meta", "structure",
};

const char *
ims_problem_kind_name(ims_problem_kind k)
{
	return k >= IMS_PROBLEM_RECORD_CHECKSUM && k <= IMS_PROBLEM_STRUCTURE
	       ? kind_names[k] : kind_names[0];
}

/* ---------------------------------------------------------------- reports */

/* A problem found (check) or a repair made (fix: kept until its commit). */
int
ims__vfy_report(ims__vfy *v, ims_problem_kind kind, const ims_id *id,
                const char *fmt, ...)
{
	char desc[640];
	va_list ap;
	int rc = 0;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (v->fix) {
		ims__vfy_rep *r;
		if (v->nreps == v->repcap) {
			size_t ncap = v->repcap ? v->repcap * 2 : 64;
			if (!(r = realloc(v->reps, ncap * sizeof(*r))))
				return ENOMEM;
			v->reps = r;
			v->repcap = ncap;
		}
		r = &v->reps[v->nreps];
		if (!(r->desc = strdup(desc)))
			return ENOMEM;
		r->kind = kind;
		r->has_id = id != NULL;
		if (id)
			r->id = *id;
		r->quarantine = 0;
		v->nreps++;
		return 0;
	}
	v->problems++;
	if (v->o->problem) {
		ims_problem p = { kind, v->stage, id, desc };
		if ((rc = v->o->problem(&p, v->o->payload)))
			v->cb_rc = rc;
	}
	return rc;
}

/* Text from the store in a description: quoted, at most 80 bytes cut at a
 * character boundary, or a placeholder unless UTF-8 without controls. */
static const char *
shown_text(char *out, size_t cap, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t len = n > 80 ? 80 : n;

	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(out, cap, "(%zu bytes, not text)", n);
			return out;
		}
	if (!ims__utf8_valid(s, n)) {
		snprintf(out, cap, "(%zu bytes, not UTF-8)", n);
		return out;
	}
	while (len < n && len > 0 && (p[len] & 0xc0) == 0x80)
		len--;
	snprintf(out, cap, "'%.*s'%s", (int)len, (const char *)s, len < n ? "..." : "");
	return out;
}

/* The address of an owner atom for a description. */
static const char *
owner_name(char *out, size_t cap, ims__vfy *v, MDB_txn *txn, uint32_t atom)
{
	unsigned char key[4];
	MDB_val k = { 4, key }, d;

	ims__be32(key, atom);
	if (mdb_get(txn, v->st->dbi[IMS__DB_ATOMID], &k, &d) == 0 && d.mv_size > 1 &&
	    ((unsigned char *)d.mv_data)[0] == IMS__ATOM_ADDR)
		return shown_text(out, cap, (unsigned char *)d.mv_data + 1, d.mv_size - 1);
	snprintf(out, cap, "atom %u", atom);
	return out;
}

static const char *
folder_word(int f)
{
	return f == IMS_FOLDER_DEFERRED ? "deferred" : f == IMS_FOLDER_HISTORY
	       ? "history" : "unknown";
}

/* ---------------------------------------------------------------- records */

static int
buf_copy(ims__vfy_buf *b, const void *p, size_t n)
{
	if (n > b->cap) {
		unsigned char *q = realloc(b->p, n ? n : 1);
		if (!q)
			return ENOMEM;
		b->p = q;
		b->cap = n;
	}
	if (n)
		memcpy(b->p, p, n);
	return 0;
}

/* Decode the record val of id; in a write transaction from a copy (a
 * later write may move the page).  0, IMS_CORRUPT or ENOMEM. */
static int
decode_rec(ims_msg *m, ims__recx *x, ims__vfy *v, ims__vfy_buf *b,
           const ims_id *id, const MDB_val *val)
{
	const unsigned char *p = val->mv_data;
	int rc;

	if (v->fix) {
		if ((rc = buf_copy(b, p, val->mv_size)))
			return rc;
		p = b->p;
	}
	return ims__rec_decode(m, x, &b->d, id, p, val->mv_size);
}

static int
load_rec(ims_msg *m, ims__recx *x, ims__vfy *v, MDB_txn *txn, ims__vfy_buf *b,
         const ims_id *id)
{
	MDB_val k = { 16, ims__uc(id->b) }, d;
	int rc = mdb_get(txn, v->st->dbi[IMS__DB_MSG], &k, &d);

	if (rc)
		return ims__map_err(rc);
	return decode_rec(m, x, v, b, id, &d);
}

static uint32_t
le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

ims_problem_kind
ims__vfy_bad_kind(const unsigned char *p, size_t len)
{
	return len >= 4 && le32(p) != ims__crc32c(0, p + 4, len - 4)
	       ? IMS_PROBLEM_RECORD_CHECKSUM : IMS_PROBLEM_RECORD_INVALID;
}

static int
bad_record(ims__vfy *v, const ims_id *id, const MDB_val *val)
{
	const unsigned char *p = val->mv_data;

	if (ims__vfy_bad_kind(p, val->mv_size) == IMS_PROBLEM_RECORD_CHECKSUM)
		return ims__vfy_report(v, IMS_PROBLEM_RECORD_CHECKSUM, id,
		                       "record checksum mismatch (stored %08x, computed %08x)",
		                       le32(p), ims__crc32c(0, p + 4, val->mv_size - 4));
	if (val->mv_size < 5 || (p[4] == IMS__REC_V1 && val->mv_size < IMS__REC_FIXED))
		return ims__vfy_report(v, IMS_PROBLEM_RECORD_INVALID, id,
		                       "record of %zu bytes, shorter than its fixed part",
		                       val->mv_size);
	if (p[4] != IMS__REC_V1 && p[4] != IMS__REC_V2)
		return ims__vfy_report(v, IMS_PROBLEM_RECORD_INVALID, id,
		                       "unknown record version %u", p[4]);
	return ims__vfy_report(v, IMS_PROBLEM_RECORD_INVALID, id,
	                       "record does not decode: a field out of range or a malformed string");
}

/* An atom of a record names the record's text. */
static int
atom_agrees(ims__vfy *v, MDB_txn *txn, const ims_id *id, const char *what,
            uint32_t atom, int kind, const char *text)
{
	unsigned char key[4];
	MDB_val k = { 4, key }, d;
	size_t n = strlen(text);
	int rc;

	ims__be32(key, atom);
	rc = mdb_get(txn, v->st->dbi[IMS__DB_ATOMID], &k, &d);
	if (rc == MDB_NOTFOUND)
		return ims__vfy_report(v, IMS_PROBLEM_ATOM, id,
		                       "its %s atom %u is not in atomid", what, atom);
	if (rc)
		return ims__map_err(rc);
	if (d.mv_size != n + 1 || ((unsigned char *)d.mv_data)[0] != kind ||
	    memcmp((unsigned char *)d.mv_data + 1, text, n) != 0)
		return ims__vfy_report(v, IMS_PROBLEM_ATOM, id,
		                       "its %s atom %u names another text", what, atom);
	return 0;
}

static int
check_atoms(ims__vfy *v, MDB_txn *txn, const ims_id *id, const ims_msg *m,
            const ims__recx *x)
{
	int rc;

	if ((rc = atom_agrees(v, txn, id, "owner", x->owner_atom, IMS__ATOM_ADDR, m->owner)) ||
	    (rc = atom_agrees(v, txn, id, "originator", x->from_atom, IMS__ATOM_ADDR,
	                      m->from.uri)))
		return rc;
	if (m->conversation && x->conv_atom)
		return atom_agrees(v, txn, id, "conversation", x->conv_atom, IMS__ATOM_CONV,
		                   m->conversation);
	if (m->conversation || x->conv_atom)
		return ims__vfy_report(v, IMS_PROBLEM_ATOM, id, "%s",
		                       m->conversation ? "conversation without an atom"
		                       : "conversation atom without a conversation");
	return 0;
}

/* A chunk's own checks (body.c reads it the same way). */
static int
chunk_ok(const unsigned char *p, size_t len, uint32_t i)
{
	if (len < IMS__CHUNK_HDR || le32(p) != ims__crc32c(0, p + 4, len - 4) ||
	    !IMS__Z_OK(p[4], i) || le32(p + 8) > IMS__CHUNK)
		return 0;
	return p[4] != IMS__Z_NONE || len - IMS__CHUNK_HDR == le32(p + 8);
}

static int
discard(const void *chunk, size_t len, void *payload)
{
	(void)chunk;
	(void)len;
	(void)payload;
	return 0;
}

static int
check_body(ims__vfy *v, MDB_txn *txn, const ims_id *id, const ims_msg *m,
           const ims__recx *x)
{
	unsigned char key[20];
	MDB_val k = { 20, key }, d;
	uint64_t want = (m->size + IMS__CHUNK - 1) / IMS__CHUNK, stored = 0;
	int rc;

	if (x->nchunks != want)
		return ims__vfy_report(v, IMS_PROBLEM_BODY_CORRUPT, id,
		                       "record counts %u body chunks for %llu bytes", x->nchunks,
		                       (unsigned long long)m->size);
	memcpy(key, id->b, 16);
	for (uint32_t i = 0; i < x->nchunks; i++) {
		ims__be32(key + 16, i);
		rc = mdb_get(txn, v->st->dbi[IMS__DB_BODY], &k, &d);
		if (rc == MDB_NOTFOUND)
			return ims__vfy_report(v, IMS_PROBLEM_BODY_MISSING, id,
			                       "body chunk %u of %u missing", i, x->nchunks);
		if (rc)
			return ims__map_err(rc);
		if (!chunk_ok(d.mv_data, d.mv_size, i))
			return ims__vfy_report(v, IMS_PROBLEM_BODY_CORRUPT, id,
			                       "body chunk %u of %u fails its checksum or header",
			                       i, x->nchunks);
		stored += d.mv_size - IMS__CHUNK_HDR;
	}
	if (stored != x->stored)
		return ims__vfy_report(v, IMS_PROBLEM_BODY_CORRUPT, id,
		                       "body chunks hold %llu bytes, the record says %llu",
		                       (unsigned long long)stored, (unsigned long long)x->stored);
	ims__be32(key + 16, x->nchunks);
	if ((rc = mdb_get(txn, v->st->dbi[IMS__DB_BODY], &k, &d)) == 0)
		return ims__vfy_report(v, IMS_PROBLEM_BODY_STRAY, id,
		                       "body chunk %u beyond the record's %u", x->nchunks,
		                       x->nchunks);
	if (rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	rc = ims__body_read(v->st, txn, id, m, x, discard, NULL);
	if (rc == IMS_CORRUPT)
		return ims__vfy_report(v, IMS_PROBLEM_BODY_CORRUPT, id,
		                       "body does not inflate to its recorded size and checksum");
	return rc;
}

static int
adj_add(ims__vfy *v, const ims_msg *m, const ims__recx *x)
{
	ims__vfy_adj *a;

	if (v->nadj == ADJ_MAX) {
		v->adj_over = 1;
		return 0;
	}
	if (v->nadj == v->adjcap) {
		size_t ncap = v->adjcap ? v->adjcap * 2 : 64;
		if (!(a = realloc(v->adjs, ncap * sizeof(*a))))
			return ENOMEM;
		v->adjs = a;
		v->adjcap = ncap;
	}
	a = &v->adjs[v->nadj++];
	ims__be32(a->group, x->owner_atom);
	a->group[4] = (unsigned char)m->folder;
	a->bytes = m->size;
	a->stored = x->stored;
	return 0;
}

static int
index_missing(ims__vfy *v, MDB_txn *txn, const ims__index *ix, MDB_val *k,
              const ims_id *id, const ims_msg *m, const ims__recx *x)
{
	MDB_val d = { 0, "" };
	int rc;

	if (!v->fix) {
		/* the counters are checked against the groups of ix_owner */
		if (ix->db == IMS__DB_IX_OWNER && (rc = adj_add(v, m, x)))
			return rc;
		return ims__vfy_report(v, IMS_PROBLEM_INDEX_MISSING, id, "no entry in %s",
		                       ix->name);
	}
	if (ix->flags & IMS__IX_UNIQUE) {
		d.mv_size = 16;
		d.mv_data = ims__uc(id->b);
	}
	if ((rc = ims__map_err(mdb_put(txn, v->st->dbi[ix->db], k, &d, MDB_NOOVERWRITE))))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_INDEX_MISSING, id, "added to %s", ix->name);
}

/* Its key in unique index ix (ix_msgid: the Message-ID's) names another
 * record: a duplicate when that record has the same key (left alone), else
 * the entry is wrong. */
static int
msgid_elsewhere(ims__vfy *v, MDB_txn *txn, const ims__index *ix, MDB_val *k,
                const MDB_val *d, const ims_id *id, const ims_msg *m)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	char other_s[IMS_ID_STRLEN + 1] = "a malformed id", shown[128];
	MDB_val idv = { 16, ims__uc(id->b) };
	ims__recx ox;
	ims_msg om;
	ims_id other;
	int rc = IMS_NOTFOUND;

	if (d->mv_size == 16) {
		memcpy(other.b, d->mv_data, 16);
		ims_id_fmt(other_s, &other);
		rc = load_rec(&om, &ox, v, txn, &v->b[1], &other);
		if (rc == ENOMEM)
			return rc;
	}
	shown_text(shown, sizeof(shown), m->message_id, strlen(m->message_id));
	if (rc == 0 && ims__index_key(key, ix, &other, &om, &ox) == k->mv_size &&
	    memcmp(key, k->mv_data, k->mv_size) == 0)
		return v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_MSGID_ELSEWHERE, id,
		        "message-id %s is indexed for %s, which has the same owner, folder and "
		        "message-id", shown, other_s);
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_MSGID_ELSEWHERE, id,
		                       "%s maps its message-id %s to %s", ix->name, shown,
		                       other_s);
	if ((rc = ims__map_err(mdb_put(txn, v->st->dbi[ix->db], k, &idv, 0))))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_MSGID_ELSEWHERE, id,
	                       "%s maps its message-id %s to it again (was %s)", ix->name,
	                       shown, other_s);
}

static int
check_indexed(ims__vfy *v, MDB_txn *txn, const ims_id *id, const ims_msg *m,
              const ims__recx *x)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	MDB_val k = { 0, key }, d;
	int rc = 0;

	for (int i = 0; i < IMS__INDEX_N && rc == 0; i++) {
		const ims__index *ix = &ims__indexes[i];
		if (!(k.mv_size = ims__index_key(key, ix, id, m, x)))
			continue;
		rc = mdb_get(txn, v->st->dbi[ix->db], &k, &d);
		if (rc == MDB_NOTFOUND)
			rc = index_missing(v, txn, ix, &k, id, m, x);
		else if (rc)
			rc = ims__map_err(rc);
		else if ((ix->flags & IMS__IX_UNIQUE) &&
		         (d.mv_size != 16 || memcmp(d.mv_data, id->b, 16) != 0))
			rc = msgid_elsewhere(v, txn, ix, &k, &d, id, m);
	}
	return rc;
}

/* msg: each record decodes, its body is whole, its atoms agree and it is
 * in each of its indexes; fix: quarantine, add missing entries. */
static int
record_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	ims__recx x;
	ims_msg m;
	ims_id id;
	int rc;

	if (k->mv_size != 16)
		return v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_RECORD_INVALID, NULL,
		                                     "key of %zu bytes in msg, not an id",
		                                     k->mv_size);
	memcpy(id.b, k->mv_data, 16);
	rc = decode_rec(&m, &x, v, &v->b[0], &id, val);
	if (rc == IMS_CORRUPT)
		return v->fix ? ims__vfy_quarantine(v, txn, &id, val->mv_size)
		              : bad_record(v, &id, val);
	if (rc)
		return rc;
	if (!v->fix) {
		v->messages++;
		v->totals[m.folder].count++;
		v->totals[m.folder].bytes += m.size;
		v->totals[m.folder].stored += x.stored;
		if ((rc = check_atoms(v, txn, &id, &m, &x)) ||
		    (rc = check_body(v, txn, &id, &m, &x)))
			return rc;
	}
	return check_indexed(v, txn, &id, &m, &x);
}

/* Of a message deleted and listed in reap, whose leftovers the sweep
 * removes: 0 (not a problem), IMS_NOTFOUND (not listed), or an error. */
static int
pending(ims__vfy *v, MDB_txn *txn, const ims_id *id)
{
	int listed, rc = ims__reap_listed(&listed, v->st, txn, id);

	return rc ? rc : listed ? 0 : IMS_NOTFOUND;
}

static int drop_or_report(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                          ims_problem_kind kind, const char *what);

/* reap: id -> the record of a deleted message, which must decode (the sweep
 * needs it to find the leftovers) and must not have a live record. */
static int
reap_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	ims__vfy_buf *b = &v->b[1];
	MDB_val d;
	ims__recx x;
	ims_msg m;
	ims_id id;
	int rc;

	if (k->mv_size != 16)
		return drop_or_report(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, "a malformed reap entry");
	memcpy(id.b, k->mv_data, 16);
	if ((rc = mdb_get(txn, v->st->dbi[IMS__DB_MSG], ims__uc(k), &d)) != MDB_NOTFOUND) {
		if ((rc = ims__map_err(rc)))
			return rc;
		if (!v->fix)
			return ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, &id,
			                       "entry in reap of a message that has its record");
		if ((rc = ims__map_err(mdb_del(txn, v->st->dbi[IMS__DB_REAP], ims__uc(k), NULL))))
			return rc;
		return ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, &id, "removed its entry from reap");
	}
	if (ims__rec_decode(&m, &x, &b->d, &id, val->mv_data, val->mv_size) == 0)
		return 0;
	if (!v->fix)
		return ims__vfy_report(v, ims__vfy_bad_kind(val->mv_data, val->mv_size), &id,
		                       "the deleted record in reap does not decode");
	if ((rc = ims__reap_id(v->st, txn, &id)))
		return rc;
	return ims__vfy_report(v, ims__vfy_bad_kind(val->mv_data, val->mv_size), &id,
	                       "removed the deleted record's body chunks and reap entry");
}

/* body: chunks of no record, nor of a quarantined one. */
static int
body_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	MDB_val ik = { 16, k->mv_data }, d, empty = { 0, "" };
	ims_id id;
	int rc;

	(void)val;
	if (k->mv_size != 20)
		return v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_BODY_STRAY, NULL,
		                                     "body chunk key of %zu bytes", k->mv_size);
	if (v->have_last && memcmp(v->last, k->mv_data, 16) == 0)
		return 0;
	memcpy(v->last, k->mv_data, 16);
	v->have_last = 1;
	memcpy(id.b, k->mv_data, 16);
	ik.mv_data = id.b;
	if ((rc = mdb_get(txn, v->st->dbi[IMS__DB_MSG], &ik, &d)) != MDB_NOTFOUND ||
	    (rc = mdb_get(txn, v->st->dbi[IMS__DB_QUARANTINE], &ik, &d)) != MDB_NOTFOUND)
		return ims__map_err(rc);
	if ((rc = pending(v, txn, &id)) != IMS_NOTFOUND)
		return rc;
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_BODY_STRAY, &id, "body chunks of no record");
	rc = mdb_put(txn, v->st->dbi[IMS__DB_QUARANTINE], &ik, &empty, MDB_NOOVERWRITE);
	if ((rc = ims__map_err(rc)))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_BODY_STRAY, &id,
	                       "listed in quarantine as a lost record, its body chunks kept");
}

/* ---------------------------------------------------------------- indexes */

static int
drop_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, ims_problem_kind kind,
           const ims_id *id, const char *what)
{
	int rc = mdb_del(txn, v->st->dbi[v->db], ims__uc(k), NULL);

	if (rc == MDB_NOTFOUND)
		return 0;
	if ((rc = ims__map_err(rc)))
		return rc;
	return ims__vfy_report(v, kind, id, "removed %s from %s", what,
	                       ims__db_name(v->db));
}

/* A time-ordered index (ix_owner, ix_from, ix_time...): prefix, time, id
 * -> "" */
static int
index_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	const ims__index *ix = ims__index_of(v->db);
	const char *name = ix->name;
	ims__recx x;
	ims_msg m;
	ims_id id;
	int rc;

	if (!ims__index_key_ok(ix, k->mv_data, k->mv_size) || val->mv_size != 0)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                           "a malformed entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                "malformed entry in %s (%zu-byte key, %zu-byte value)", name,
		                k->mv_size, val->mv_size);
	memcpy(id.b, (unsigned char *)k->mv_data + k->mv_size - 16, 16);
	rc = load_rec(&m, &x, v, txn, &v->b[1], &id);
	if (rc == IMS_NOTFOUND && (rc = pending(v, txn, &id)) != IMS_NOTFOUND)
		return rc;
	if (rc == IMS_NOTFOUND)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, &id, "its entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, &id,
		                                "entry in %s of no record", name);
	if (rc)
		return rc == IMS_CORRUPT ? 0 : rc; /* the record's own problem */
	if (ims__index_key(key, ix, &id, &m, &x) == k->mv_size &&
	    memcmp(key, k->mv_data, k->mv_size) == 0)
		return 0;
	return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                           "an entry not matching the record")
	              : ims__vfy_report(v, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                                "entry in %s does not match the record", name);
}

/* A unique index, ix_msgid: Message-ID NUL owner(4) folder(1) -> id */
static int
msgid_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	const ims__index *ix = ims__index_of(v->db);
	const unsigned char *p = k->mv_data;
	unsigned char key[IMS__INDEX_KEY_MAX];
	char shown[128];
	size_t n = k->mv_size;
	ims__recx x;
	ims_msg m;
	ims_id id;
	int rc;

	if (!ims__index_key_ok(ix, p, n) || val->mv_size != 16)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                           "a malformed entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, NULL,
		                "malformed entry in %s (%zu-byte key, %zu-byte value)",
		                ix->name, n, val->mv_size);
	memcpy(id.b, val->mv_data, 16);
	shown_text(shown, sizeof(shown), p, n - 6);
	rc = load_rec(&m, &x, v, txn, &v->b[1], &id);
	if (rc == IMS_NOTFOUND && (rc = pending(v, txn, &id)) != IMS_NOTFOUND)
		return rc;
	if (rc == IMS_NOTFOUND)
		return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN, &id, "its entry")
		              : ims__vfy_report(v, IMS_PROBLEM_INDEX_ORPHAN, &id,
		                "entry in %s for message-id %s of no record", ix->name, shown);
	if (rc)
		return rc == IMS_CORRUPT ? 0 : rc;
	if (ims__index_key(key, ix, &id, &m, &x) == n && memcmp(key, p, n) == 0)
		return 0;
	return v->fix ? drop_entry(v, txn, k, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                           "an entry not matching the record")
	              : ims__vfy_report(v, IMS_PROBLEM_INDEX_MISMATCH, &id,
	                "entry in %s for message-id %s does not match the record", ix->name,
	                shown);
}

/* ---------------------------------------------------------------- atoms */

static const char *
atom_text(char *out, size_t cap, const unsigned char *p, size_t n)
{
	char t[128];

	shown_text(t, sizeof(t), p + 1, n - 1);
	snprintf(out, cap, "%s %s", p[0] == IMS__ATOM_ADDR ? "address" : "conversation", t);
	return out;
}

static int
atom_malformed(ims__vfy *v, const MDB_val *k, const MDB_val *d)
{
	return v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_ATOM, NULL,
	                    "malformed entry in %s (%zu-byte key, %zu-byte value)",
	                    ims__db_name(v->db), k->mv_size, d->mv_size);
}

/* atom: kind text -> atom, named back by atomid. */
static int
atom_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	const unsigned char *p = k->mv_data;
	unsigned char idb[4];
	char text[160];
	MDB_val ik = { 4, idb }, d;
	uint32_t n;
	int rc;

	if (k->mv_size < 2 || (p[0] != IMS__ATOM_ADDR && p[0] != IMS__ATOM_CONV) ||
	    val->mv_size != 4 || (n = ims__rd_be32(val->mv_data)) == 0)
		return atom_malformed(v, k, val);
	memcpy(idb, val->mv_data, 4);
	v->max_atom = IMS__MAX(v->max_atom, n);
	atom_text(text, sizeof(text), p, k->mv_size);
	rc = mdb_get(txn, v->st->dbi[IMS__DB_ATOMID], &ik, &d);
	if (rc == 0 && d.mv_size == k->mv_size && memcmp(d.mv_data, p, d.mv_size) == 0)
		return 0;
	if (rc == 0)
		return v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_ATOM, NULL,
		                    "atom %u of %s names another text in atomid", n, text);
	if (rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_ATOM, NULL,
		                       "atom %u of %s is not in atomid", n, text);
	if ((rc = ims__map_err(mdb_put(txn, v->st->dbi[IMS__DB_ATOMID], &ik, ims__uc(k),
	                               MDB_NOOVERWRITE))))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_ATOM, NULL, "atom %u of %s added to atomid",
	                       n, text);
}

/* atomid: atom -> kind text, found back by atom. */
static int
atomid_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	unsigned char p[IMS_ADDR_MAX + IMS_CONV_MAX];
	char text[160];
	MDB_val tk = { val->mv_size, p }, d;
	uint32_t n;
	int rc;

	if (k->mv_size != 4 || (n = ims__rd_be32(k->mv_data)) == 0 || val->mv_size < 2 ||
	    val->mv_size > sizeof(p))
		return atom_malformed(v, k, val);
	memcpy(p, val->mv_data, val->mv_size); /* the write below may move it */
	if (p[0] != IMS__ATOM_ADDR && p[0] != IMS__ATOM_CONV)
		return atom_malformed(v, k, val);
	v->max_atom = IMS__MAX(v->max_atom, n);
	atom_text(text, sizeof(text), p, val->mv_size);
	rc = mdb_get(txn, v->st->dbi[IMS__DB_ATOM], &tk, &d);
	if (rc == 0 && d.mv_size == 4 && ims__rd_be32(d.mv_data) == n)
		return 0;
	if (rc == 0)
		return v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_ATOM, NULL,
		                    "atomid %u names %s, which atom gives another number", n, text);
	if (rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_ATOM, NULL,
		                       "atomid %u names %s, which is not in atom", n, text);
	if ((rc = ims__map_err(mdb_put(txn, v->st->dbi[IMS__DB_ATOM], &tk, ims__uc(k),
	                               MDB_NOOVERWRITE))))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_ATOM, NULL, "%s added to atom as %u", text, n);
}

/* ---------------------------------------------------------------- the rest */

/* Whether atom is known as kind in atomid. */
static int
atom_known(int *out, ims__vfy *v, MDB_txn *txn, const unsigned char *atom, int kind)
{
	MDB_val k = { 4, ims__uc(atom) }, d;
	int rc = mdb_get(txn, v->st->dbi[IMS__DB_ATOMID], &k, &d);

	*out = rc == 0 && d.mv_size > 1 && ((unsigned char *)d.mv_data)[0] == kind;
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* Report what, or with fix drop the entry (it is not a message). */
static int
drop_or_report(ims__vfy *v, MDB_txn *txn, const MDB_val *k, ims_problem_kind kind,
               const char *what)
{
	int rc;

	if (!v->fix)
		return ims__vfy_report(v, kind, NULL, "%s", what);
	rc = mdb_del(txn, v->st->dbi[v->db], ims__uc(k), NULL);
	if (rc == MDB_NOTFOUND)
		return 0;
	if ((rc = ims__map_err(rc)))
		return rc;
	return ims__vfy_report(v, kind, NULL, "dropped %s", what);
}

/* lease: deadline(8) random(8) -> owner(4) n(4) id(16)... */
static int
lease_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	char token[IMS_ID_STRLEN + 1] = "?", what[160];
	const unsigned char *p = val->mv_data;
	int known = 0, rc;

	if (k->mv_size == 16)
		ims_id_fmt(token, (const ims_id *)k->mv_data);
	if (k->mv_size != 16 || val->mv_size < 8 ||
	    val->mv_size != 8 + 16 * (size_t)ims__rd_be32(p + 4)) {
		snprintf(what, sizeof(what), "malformed lease %s (%zu-byte key, %zu-byte value)",
		         token, k->mv_size, val->mv_size);
		return drop_or_report(v, txn, k, IMS_PROBLEM_LEASE, what);
	}
	if ((rc = atom_known(&known, v, txn, p, IMS__ATOM_ADDR)) || known)
		return rc;
	snprintf(what, sizeof(what), "lease %s of unknown user atom %u", token,
	         ims__rd_be32(p));
	return drop_or_report(v, txn, k, IMS_PROBLEM_LEASE, what);
}

/* settings: owner(4) -> version(1) flags(1) zero(2) */
static int
settings_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	char what[160];
	int known = 0, rc;

	if (k->mv_size != 4 || val->mv_size != 4 || ((unsigned char *)val->mv_data)[0] != 1) {
		snprintf(what, sizeof(what), "malformed settings (%zu-byte key, %zu-byte value)",
		         k->mv_size, val->mv_size);
		return drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
	}
	if ((rc = atom_known(&known, v, txn, k->mv_data, IMS__ATOM_ADDR)) || known)
		return rc;
	snprintf(what, sizeof(what), "settings of unknown user atom %u",
	         ims__rd_be32(k->mv_data));
	return drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
}

/* quota: owner(4) -> a user's overrides (quota.c) */
static int
quota_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	ims_quota q;
	char what[160];
	int known = 0, rc;

	if (k->mv_size != 4 || ims__quota_parse(&q, val->mv_data, val->mv_size)) {
		snprintf(what, sizeof(what), "malformed quota (%zu-byte key, %zu-byte value)",
		         k->mv_size, val->mv_size);
		return drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
	}
	if ((rc = atom_known(&known, v, txn, k->mv_data, IMS__ATOM_ADDR)) || known)
		return rc;
	snprintf(what, sizeof(what), "quota of unknown user atom %u", ims__rd_be32(k->mv_data));
	return drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
}

/* convmeta: owner(4) conv(4) -> name */
static int
convmeta_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	const unsigned char *p = k->mv_data;
	char what[160];
	int user = 0, conv = 0, rc;

	if (k->mv_size != 8 || val->mv_size > IMS_TEXT_MAX ||
	    !ims__utf8_valid(val->mv_data, val->mv_size)) {
		snprintf(what, sizeof(what),
		         "malformed conversation name (%zu-byte key, %zu-byte value)",
		         k->mv_size, val->mv_size);
		return drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
	}
	if ((rc = atom_known(&user, v, txn, p, IMS__ATOM_ADDR)) ||
	    (rc = atom_known(&conv, v, txn, p + 4, IMS__ATOM_CONV)) || (user && conv))
		return rc;
	snprintf(what, sizeof(what), "conversation name of unknown %s atom %u",
	         user ? "conversation" : "user", ims__rd_be32(user ? p + 4 : p));
	return drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
}

/* count: owner(4) folder(1) -> 24 bytes, never a zero count; the values
 * themselves are checked against the records by the counter groups. */
static int
count_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k, const MDB_val *val)
{
	const unsigned char *p = k->mv_data;
	ims__counter c;
	char what[160];

	if (k->mv_size == 5 && p[4] >= 1 && p[4] <= 2 &&
	    ims__counter_parse(&c, val->mv_data, val->mv_size) == 0 && c.count > 0)
		return 0;
	snprintf(what, sizeof(what), "malformed counter (%zu-byte key, %zu-byte value)",
	         k->mv_size, val->mv_size);
	return drop_or_report(v, txn, k, IMS_PROBLEM_COUNTER, what);
}

/* The walks, in order: the records, the deletions waiting, the bodies,
 * each index of ims__indexes (the time-ordered ones, then the unique
 * ones), then atoms, counters and what users set.  n of them. */
size_t
ims__vfy_passes(ims__vfy_pass out[IMS__VFY_NPASSES])
{
	static const ims__vfy_pass head[] = {
		{ IMS__DB_MSG, record_entry },
		{ IMS__DB_REAP, reap_entry },
		{ IMS__DB_BODY, body_entry },
	}, tail[] = {
		{ IMS__DB_ATOM, atom_entry },
		{ IMS__DB_ATOMID, atomid_entry },
		{ IMS__DB_COUNT, count_entry },
		{ IMS__DB_LEASE, lease_entry },
		{ IMS__DB_SETTINGS, settings_entry },
		{ IMS__DB_CONVMETA, convmeta_entry },
		{ IMS__DB_QUOTA, quota_entry },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		out[n++] = head[i];
	for (int i = 0; i < IMS__INDEX_N; i++)
		if (!(ims__indexes[i].flags & IMS__IX_UNIQUE))
			out[n++] = (ims__vfy_pass){ ims__indexes[i].db, index_entry };
	for (int i = 0; i < IMS__INDEX_N; i++)
		if (ims__indexes[i].flags & IMS__IX_UNIQUE)
			out[n++] = (ims__vfy_pass){ ims__indexes[i].db, msgid_entry };
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		out[n++] = tail[i];
	return n;
}

/* ---------------------------------------------------------------- counters */

static int
adj_cmp(const void *a, const void *b)
{
	return memcmp(((const ims__vfy_adj *)a)->group, ((const ims__vfy_adj *)b)->group, 5);
}

/* The first key of db after every key starting with group (or the first
 * key), as a group: 1, or 0 at the end. */
static int
db_next_group(unsigned char out[5], MDB_txn *txn, MDB_dbi dbi,
              const unsigned char *after)
{
	unsigned char seek[29];
	MDB_val k = { 29, seek }, d;
	MDB_cursor *c;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &c)))
		return ims__map_err(rc);
	if (after) {
		memcpy(seek, after, 5);
		memset(seek + 5, 0xff, 24);
		rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
	} else {
		rc = mdb_cursor_get(c, &k, &d, MDB_FIRST);
	}
	while (rc == 0 && (k.mv_size < 5 || (after && memcmp(k.mv_data, after, 5) <= 0)))
		rc = mdb_cursor_get(c, &k, &d, MDB_NEXT);
	if (rc == 0)
		memcpy(out, k.mv_data, 5);
	mdb_cursor_close(c);
	return rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* The next (owner, folder) after g: of a counter, an ix_owner entry or a
 * record missing from ix_owner.  1, or 0 at the end. */
static int
next_group(unsigned char out[5], ims__vfy *v, MDB_txn *txn, const ims__vfy_gpos *g)
{
	const unsigned char *after = g->started ? g->last : NULL;
	unsigned char a[5], b[5];
	int ha, hb, found = 0;

	if ((ha = db_next_group(a, txn, v->st->dbi[IMS__DB_COUNT], after)) < 0)
		return ha;
	if ((hb = db_next_group(b, txn, v->st->dbi[IMS__DB_IX_OWNER], after)) < 0)
		return hb;
	if (ha) {
		memcpy(out, a, 5);
		found = 1;
	}
	if (hb && (!found || memcmp(b, out, 5) < 0)) {
		memcpy(out, b, 5);
		found = 1;
	}
	/* sorted, and groups come in order: the first one after is the least */
	while (after && v->adj_i < v->nadj && memcmp(v->adjs[v->adj_i].group, after, 5) <= 0)
		v->adj_i++;
	if (v->adj_i < v->nadj && (!found || memcmp(v->adjs[v->adj_i].group, out, 5) < 0)) {
		memcpy(out, v->adjs[v->adj_i].group, 5);
		found = 1;
	}
	return found;
}

/* Sum the valid ix_owner entries of a group (and its records missing
 * from ix_owner) and compare with its counter. */
static int
group_check(ims__vfy *v, MDB_txn *txn, const unsigned char gk[5], size_t *entries)
{
	const ims__index *owner_ix = ims__index_of(IMS__DB_IX_OWNER);
	unsigned char key[IMS__INDEX_KEY_MAX];
	ims__counter sum = { 0, 0, 0 }, have = { 0, 0, 0 };
	MDB_val k = { 5, ims__uc(gk) }, d;
	MDB_cursor *c;
	char owner[160];
	int rc, lrc = 0;

	if ((rc = mdb_cursor_open(txn, v->st->dbi[IMS__DB_IX_OWNER], &c)))
		return ims__map_err(rc);
	rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
	for (; rc == 0 && k.mv_size >= 5 && memcmp(k.mv_data, gk, 5) == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		ims__recx x;
		ims_msg m;
		ims_id id;
		(*entries)++;
		if (k.mv_size != 29)
			continue;
		memcpy(id.b, (unsigned char *)k.mv_data + 13, 16);
		lrc = load_rec(&m, &x, v, txn, &v->b[1], &id);
		if (lrc && lrc != IMS_NOTFOUND && lrc != IMS_CORRUPT)
			break;
		if (lrc || ims__index_key(key, owner_ix, &id, &m, &x) != 29 ||
		    memcmp(key, k.mv_data, 29) != 0)
			continue; /* not this group's: reported by the index walk */
		sum.count++;
		sum.bytes += m.size;
		sum.stored += x.stored;
	}
	mdb_cursor_close(c);
	if (lrc && lrc != IMS_NOTFOUND && lrc != IMS_CORRUPT)
		return lrc;
	if (rc && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	for (size_t i = v->adj_i; i < v->nadj && memcmp(v->adjs[i].group, gk, 5) == 0; i++) {
		sum.count++;
		sum.bytes += v->adjs[i].bytes;
		sum.stored += v->adjs[i].stored;
	}
	k.mv_size = 5;
	k.mv_data = ims__uc(gk);
	rc = mdb_get(txn, v->st->dbi[IMS__DB_COUNT], &k, &d);
	if (rc == 0 && !v->fix &&
	    (ims__counter_parse(&have, d.mv_data, d.mv_size) || have.count == 0))
		return 0; /* malformed: reported by the count walk */
	if (rc == 0 && v->fix)
		ims__counter_parse(&have, d.mv_data, d.mv_size);
	if (rc && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	if (have.count == sum.count && have.bytes == sum.bytes && have.stored == sum.stored &&
	    (rc == 0) == (sum.count > 0))
		return 0;
	owner_name(owner, sizeof(owner), v, txn, ims__rd_be32(gk));
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
		        "counter of %s in %s: %llu messages, %llu bytes (%llu stored); its "
		        "records: %llu, %llu (%llu)", owner, folder_word(gk[4]),
		        (unsigned long long)have.count, (unsigned long long)have.bytes,
		        (unsigned long long)have.stored, (unsigned long long)sum.count,
		        (unsigned long long)sum.bytes, (unsigned long long)sum.stored);
	if ((rc = ims__counter_set(v->st, txn, ims__rd_be32(gk), (ims_folder)gk[4], &sum)))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
	                       "counter of %s in %s set to %llu messages, %llu bytes (%llu "
	                       "stored)", owner, folder_word(gk[4]),
	                       (unsigned long long)sum.count, (unsigned long long)sum.bytes,
	                       (unsigned long long)sum.stored);
}

/* Counter groups after g, until about limit index entries are read; a
 * group is never split. */
int
ims__vfy_groups(ims__vfy *v, MDB_txn *txn, ims__vfy_gpos *g, size_t limit)
{
	unsigned char gk[5];
	size_t entries = 0;
	int rc;

	if (!v->fix && !g->started) {
		if (v->nadj)
			qsort(v->adjs, v->nadj, sizeof(*v->adjs), adj_cmp);
		if (v->adj_over)
			return ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
			                       "counters not checked: over %d records missing "
			                       "from ix_owner", ADJ_MAX);
	}
	while (entries < limit) {
		if ((rc = next_group(gk, v, txn, g)) <= 0) {
			g->done = 1;
			return rc;
		}
		if ((rc = group_check(v, txn, gk, &entries)))
			return rc;
		memcpy(g->last, gk, 5);
		g->started = 1;
		g->groups++;
	}
	return 0;
}

/* ---------------------------------------------------------------- meta */

static int
totals_get(ims__counter *out, int *malformed, ims__vfy *v, MDB_txn *txn, int f)
{
	char tkey[] = "totals.0";
	MDB_val k = { 8, tkey }, d;
	int rc;

	tkey[7] = (char)('0' + f);
	memset(out, 0, sizeof(*out));
	*malformed = 0;
	rc = mdb_get(txn, v->st->dbi[IMS__DB_META], &k, &d);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return ims__map_err(rc);
	*malformed = ims__counter_parse(out, d.mv_data, d.mv_size) != 0;
	return 0;
}

/* The folder totals: against the records (check), or set from the
 * counters (fix, in one transaction). */
int
ims__vfy_totals(ims__vfy *v, MDB_txn *txn)
{
	ims__counter want[3], have;
	MDB_cursor *c;
	MDB_val k, d;
	int rc = 0, bad;

	memcpy(want, v->totals, sizeof(want));
	if (v->fix) {
		memset(want, 0, sizeof(want));
		if ((rc = mdb_cursor_open(txn, v->st->dbi[IMS__DB_COUNT], &c)))
			return ims__map_err(rc);
		while ((rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) == 0) {
			const unsigned char *p = k.mv_data;
			ims__counter e;
			if (k.mv_size != 5 || p[4] < 1 || p[4] > 2 ||
			    ims__counter_parse(&e, d.mv_data, d.mv_size))
				continue;
			want[p[4]].count += e.count;
			want[p[4]].bytes += e.bytes;
			want[p[4]].stored += e.stored;
		}
		mdb_cursor_close(c);
		if (rc != MDB_NOTFOUND)
			return ims__map_err(rc);
		rc = 0;
	}
	for (int f = 1; f <= 2 && rc == 0; f++) {
		if ((rc = totals_get(&have, &bad, v, txn, f)))
			break;
		if (!bad && have.count == want[f].count && have.bytes == want[f].bytes &&
		    have.stored == want[f].stored)
			continue;
		if (!v->fix && bad)
			rc = ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
			                     "totals.%d of the %s folder malformed", f, folder_word(f));
		else if (!v->fix)
			rc = ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
			        "totals of the %s folder: %llu messages, %llu bytes (%llu stored); "
			        "its records: %llu, %llu (%llu)", folder_word(f),
			        (unsigned long long)have.count, (unsigned long long)have.bytes,
			        (unsigned long long)have.stored, (unsigned long long)want[f].count,
			        (unsigned long long)want[f].bytes, (unsigned long long)want[f].stored);
		else if ((rc = ims__counter_set(v->st, txn, 0, (ims_folder)f, &want[f])) == 0)
			rc = ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
			        "totals of the %s folder set to %llu messages, %llu bytes (%llu "
			        "stored)", folder_word(f), (unsigned long long)want[f].count,
			        (unsigned long long)want[f].bytes, (unsigned long long)want[f].stored);
	}
	return rc;
}

/* The greatest key of db when it has size bytes: 1, else 0. */
static int
last_key(unsigned char *out, size_t size, MDB_txn *txn, MDB_dbi dbi)
{
	MDB_cursor *c;
	MDB_val k, d;
	int rc = mdb_cursor_open(txn, dbi, &c), found = 0;

	if (rc)
		return ims__map_err(rc);
	for (rc = mdb_cursor_get(c, &k, &d, MDB_LAST); rc == 0 && !found;
	     rc = mdb_cursor_get(c, &k, &d, MDB_PREV))
		if (k.mv_size == size) {
			memcpy(out, k.mv_data, size);
			found = 1;
		}
	mdb_cursor_close(c);
	return found ? 1 : rc == MDB_NOTFOUND || rc == 0 ? 0 : ims__map_err(rc);
}

/* last_id is at least every id issued, next_atom above every atom; the
 * configuration readable. */
int
ims__vfy_meta(ims__vfy *v, MDB_txn *txn)
{
	unsigned char max[16], q[16], buf[4], atom[4];
	char idtext[IMS_ID_STRLEN + 1];
	MDB_val k = { 7, "last_id" }, d;
	int has, hq, rc;

	if ((has = last_key(max, 16, txn, v->st->dbi[IMS__DB_MSG])) < 0)
		return has;
	if ((hq = last_key(q, 16, txn, v->st->dbi[IMS__DB_QUARANTINE])) < 0)
		return hq;
	if (hq && (!has || memcmp(q, max, 16) > 0))
		memcpy(max, q, 16);
	rc = mdb_get(txn, v->st->dbi[IMS__DB_META], &k, &d);
	if (rc && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	if ((has || hq) && (rc || d.mv_size != 16 || memcmp(d.mv_data, max, 16) < 0)) {
		ims_id_fmt(idtext, (const ims_id *)max);
		if (!v->fix)
			rc = ims__vfy_report(v, IMS_PROBLEM_META, NULL,
			                     "last_id is missing, malformed or below the id %s", idtext);
		else if (!(rc = ims__map_err(mdb_put(txn, v->st->dbi[IMS__DB_META], &k,
		                                     &(MDB_val){ 16, max }, 0))))
			rc = ims__vfy_report(v, IMS_PROBLEM_META, NULL, "last_id set to %s", idtext);
		if (rc)
			return rc;
	}
	if ((has = last_key(atom, 4, txn, v->st->dbi[IMS__DB_ATOMID])) < 0)
		return has;
	if (has)
		v->max_atom = IMS__MAX(v->max_atom, ims__rd_be32(atom));
	k.mv_size = 9;
	k.mv_data = "next_atom";
	rc = mdb_get(txn, v->st->dbi[IMS__DB_META], &k, &d);
	if (rc && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	if (v->max_atom && (rc || d.mv_size != 4 || ims__rd_be32(d.mv_data) <= v->max_atom)) {
		if (v->max_atom == UINT32_MAX)
			rc = v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_META, NULL,
			                                  "every atom number is taken");
		else if (!v->fix)
			rc = ims__vfy_report(v, IMS_PROBLEM_META, NULL,
			                     "next_atom is missing, malformed or not above atom %u",
			                     v->max_atom);
		else {
			ims__be32(buf, v->max_atom + 1);
			rc = ims__map_err(mdb_put(txn, v->st->dbi[IMS__DB_META], &k,
			                          &(MDB_val){ 4, buf }, 0));
			if (rc == 0)
				rc = ims__vfy_report(v, IMS_PROBLEM_META, NULL, "next_atom set to %u",
				                     v->max_atom + 1);
		}
		if (rc)
			return rc;
	}
	k.mv_size = 6;
	k.mv_data = "config";
	rc = mdb_get(txn, v->st->dbi[IMS__DB_META], &k, &d);
	if (rc == 0 && !v->fix) {
		ims_config cfg;
		if (ims__config_read(&cfg, v->st, txn))
			return ims__vfy_report(v, IMS_PROBLEM_META, NULL,
			                       "config malformed (%zu bytes): set it again", d.mv_size);
	}
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* ---------------------------------------------------------------- check */

void
ims__vfy_progress(ims__vfy *v, int db, uint64_t done, uint64_t total)
{
	if (v->o->progress)
		v->o->progress(ims__db_name(db), done, total, v->o->payload);
}

uint64_t
ims__vfy_entries(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat ms;

	return mdb_stat(txn, dbi, &ms) == 0 ? ms.ms_entries : 0;
}

/* One whole database in the check's read transaction. */
static int
walk_all(ims__vfy *v, MDB_txn *txn, const ims__vfy_pass *p)
{
	uint64_t n = 0, total = ims__vfy_entries(txn, v->st->dbi[p->db]);
	MDB_cursor *c;
	MDB_val k, d;
	int rc, frc = 0;

	v->db = p->db;
	v->have_last = 0;
	if ((rc = mdb_cursor_open(txn, v->st->dbi[p->db], &c)))
		return ims__map_err(rc);
	while (frc == 0 && (rc = mdb_cursor_get(c, &k, &d, n ? MDB_NEXT : MDB_FIRST)) == 0) {
		frc = p->fn(v, txn, &k, &d);
		if (++n % PROGRESS_EVERY == 0)
			ims__vfy_progress(v, p->db, n, total);
	}
	mdb_cursor_close(c);
	if (frc)
		return frc;
	if (rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	ims__vfy_progress(v, p->db, n, total);
	return 0;
}

/* The whole check in one read transaction (one snapshot). */
int
ims__vfy_check(ims__vfy *v, ims_verify_result *r)
{
	ims__vfy_pass pass[IMS__VFY_NPASSES];
	size_t npass;
	ims__vfy_gpos g;
	MDB_txn *txn;
	int rc;

	v->fix = 0;
	v->problems = v->messages = 0;
	v->max_atom = 0;
	v->nadj = v->adj_i = 0;
	v->adj_over = 0;
	memset(v->totals, 0, sizeof(v->totals));
	memset(&g, 0, sizeof(g));
	if ((rc = ims__vfy_structure(v)) || v->problems || v->pages_only) {
		v->structural = v->problems;
		return v->cb_rc ? v->cb_rc : rc;
	}
	if ((rc = ims__txn_begin(v->st, MDB_RDONLY, &txn)))
		return rc;
	npass = ims__vfy_passes(pass);
	for (size_t i = 0; i < npass && rc == 0; i++)
		if ((pass[i].db != IMS__DB_QUOTA || !v->st->no_quota) &&
		    (pass[i].db != IMS__DB_REAP || !v->st->no_reap))
			rc = walk_all(v, txn, &pass[i]);
	if (rc == 0)
		rc = ims__vfy_groups(v, txn, &g, SIZE_MAX);
	if (rc == 0)
		ims__vfy_progress(v, IMS__DB_COUNT, g.groups, g.groups);
	if (rc == 0)
		rc = ims__vfy_totals(v, txn);
	if (rc == 0)
		rc = ims__vfy_meta(v, txn);
	r->messages = v->messages;
	r->in_quarantine = ims__vfy_entries(txn, v->st->dbi[IMS__DB_QUARANTINE]);
	ims__txn_abort(v->st, txn);
	return v->cb_rc ? v->cb_rc : rc;
}

static void
vfy_free(ims__vfy *v)
{
	for (int i = 0; i < 2; i++) {
		ims__decbuf_free(&v->b[i].d);
		free(v->b[i].p);
	}
	for (size_t i = 0; i < v->nreps; i++)
		free(v->reps[i].desc);
	free(v->reps);
	free(v->adjs);
}

int
ims_verify(ims_verify_result *out, ims_store *st, const ims_verify_opts *opts)
{
	ims_verify_opts defaults = IMS_VERIFY_OPTS_INIT;
	const ims_verify_opts *o = opts ? opts : &defaults;
	ims_verify_result r;
	ims__vfy v;
	int rc;

	memset(&r, 0, sizeof(r));
	if (out)
		*out = r;
	if ((rc = ims__check(st)))
		return rc;
	if (o->version < 1)
		return IMS_INVALID;
	if (o->repair && (st->flags & IMS_OPEN_RDONLY))
		return IMS_READONLY;
	memset(&v, 0, sizeof(v));
	v.pages_only = o->version >= 2 && o->pages_only;
	if (v.pages_only && o->repair)
		return IMS_INVALID;
	v.st = st;
	v.o = o;
	v.stage = IMS_PROBLEM_FOUND;
	rc = ims__vfy_check(&v, &r);
	r.problems = r.remaining = v.problems;
	if (rc == 0 && o->repair && v.problems && !v.structural) {
		rc = ims__vfy_repair(&v, &r);
		v.stage = IMS_PROBLEM_REMAINING;
		if (rc == 0)
			rc = ims__vfy_check(&v, &r);
		r.remaining = v.problems;
	}
	vfy_free(&v);
	if (out)
		*out = r;
	if (rc)
		return rc;
	return r.remaining ? IMS_CORRUPT : 0;
}
