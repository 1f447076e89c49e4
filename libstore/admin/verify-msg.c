/* verify-msg.c - the walks over the messages: each record decodes, its
 * body is whole, its atoms agree and it is in each index of ims__indexes;
 * each deletion waiting in reap is one; each body has a record.  With
 * v->fix: a bad record to quarantine, a missing index entry added. */
#include <stdio.h>
#include <stdlib.h>

#include "verify.h"

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

int
ims__vfy_load(ims_msg *m, ims__recx *x, ims__vfy *v, MDB_txn *txn,
              ims__vfy_buf *b, const ims_id *id)
{
	MDB_val k = { 16, ims__uc(id->b) }, d;
	int rc = mdb_get(txn, v->st->dbi[IMS__DB_MSG], &k, &d);

	if (rc)
		return ims__map_err(rc);
	return decode_rec(m, x, v, b, id, &d);
}

static int
bad_record(ims__vfy *v, const ims_id *id, const MDB_val *val)
{
	const unsigned char *p = val->mv_data;

	if (ims__vfy_bad_kind(p, val->mv_size) == IMS_PROBLEM_RECORD_CHECKSUM)
		return ims__vfy_report(v, IMS_PROBLEM_RECORD_CHECKSUM, id,
		                       "record checksum mismatch (stored %08x, computed %08x)",
		                       ims__rd_le32(p), ims__crc32c(0, p + 4, val->mv_size - 4));
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
	if (len < IMS__CHUNK_HDR || ims__rd_le32(p) != ims__crc32c(0, p + 4, len - 4) ||
	    !IMS__Z_OK(p[4], i) || ims__rd_le32(p + 8) > IMS__CHUNK)
		return 0;
	return p[4] != IMS__Z_NONE || len - IMS__CHUNK_HDR == ims__rd_le32(p + 8);
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

	if (v->nadj == IMS__VFY_ADJ_MAX) {
		v->adj_over = 1;
		return 0;
	}
	if (ims__grow(&v->adjs, &v->adjcap, v->nadj, sizeof(*v->adjs), 64))
		return ENOMEM;
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
		rc = ims__vfy_load(&om, &ox, v, txn, &v->b[1], &other);
		if (rc == ENOMEM)
			return rc;
	}
	ims__vfy_shown(shown, sizeof(shown), m->message_id, strlen(m->message_id));
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

/* Move the record of id, copied in v->b[0] (len bytes), to quarantine. */
static int
quarantine(ims__vfy *v, MDB_txn *txn, const ims_id *id, size_t len)
{
	MDB_val k = { 16, ims__uc(id->b) }, d = { len, v->b[0].p }, old;
	MDB_dbi q = v->st->dbi[IMS__DB_QUARANTINE];
	ims_problem_kind kind = ims__vfy_bad_kind(v->b[0].p, len);
	int rc = mdb_put(txn, q, &k, &d, MDB_NOOVERWRITE);

	if (rc == MDB_KEYEXIST) {
		if ((rc = mdb_get(txn, q, &k, &old)))
			return ims__map_err(rc);
		/* another record kept under this id: leave this one where it is */
		if (old.mv_size && (old.mv_size != len || memcmp(old.mv_data, v->b[0].p, len)))
			return 0;
		if (!old.mv_size && (rc = mdb_put(txn, q, &k, &d, 0)))
			return ims__map_err(rc);
	} else if (rc) {
		return ims__map_err(rc);
	}
	if ((rc = mdb_del(txn, v->st->dbi[IMS__DB_MSG], &k, NULL)))
		return ims__map_err(rc);
	if ((rc = ims__vfy_report(v, kind, id,
	                          "moved to quarantine (%zu bytes), its body chunks kept", len)))
		return rc;
	v->reps[v->nreps - 1].quarantine = 1;
	return 0;
}

/* msg: each record decodes, its body is whole, its atoms agree and it is
 * in each of its indexes; fix: quarantine, add missing entries. */
int
ims__vfy_record_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                      const MDB_val *val)
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
		return v->fix ? quarantine(v, txn, &id, val->mv_size)
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
int
ims__vfy_pending(ims__vfy *v, MDB_txn *txn, const ims_id *id)
{
	int listed, rc = ims__reap_listed(&listed, v->st, txn, id);

	return rc ? rc : listed ? 0 : IMS_NOTFOUND;
}

/* reap: id -> the record of a deleted message, which must decode (the sweep
 * needs it to find the leftovers) and must not have a live record. */
int
ims__vfy_reap_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                    const MDB_val *val)
{
	ims__vfy_buf *b = &v->b[1];
	MDB_val d;
	ims__recx x;
	ims_msg m;
	ims_id id;
	int rc;

	if (k->mv_size != 16)
		return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_INDEX_ORPHAN,
		                               "a malformed reap entry");
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
int
ims__vfy_body_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                    const MDB_val *val)
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
	if ((rc = ims__vfy_pending(v, txn, &id)) != IMS_NOTFOUND)
		return rc;
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_BODY_STRAY, &id, "body chunks of no record");
	rc = mdb_put(txn, v->st->dbi[IMS__DB_QUARANTINE], &ik, &empty, MDB_NOOVERWRITE);
	if ((rc = ims__map_err(rc)))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_BODY_STRAY, &id,
	                       "listed in quarantine as a lost record, its body chunks kept");
}
