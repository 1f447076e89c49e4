/* verify-count.c - the counters against the records (each group of
 * ix_owner and the records missing from it), the folder totals against
 * the counters, and the meta values against the store.  With v->fix: set
 * from what they count. */
#include <stdio.h>
#include <stdlib.h>

#include "verify.h"

/* The address of an owner atom for a description. */
static const char *
owner_name(char *out, size_t cap, ims__vfy *v, MDB_txn *txn, uint32_t atom)
{
	unsigned char key[4];
	MDB_val k = { 4, key }, d;

	ims__be32(key, atom);
	if (mdb_get(txn, v->st->dbi[IMS__DB_ATOMID], &k, &d) == 0 && d.mv_size > 1 &&
	    ((unsigned char *)d.mv_data)[0] == IMS__ATOM_ADDR)
		return ims__vfy_shown(out, cap, (unsigned char *)d.mv_data + 1, d.mv_size - 1);
	snprintf(out, cap, "atom %u", atom);
	return out;
}

static const char *
folder_word(int f)
{
	return f == IMS_FOLDER_DEFERRED ? "deferred" : f == IMS_FOLDER_HISTORY
	       ? "history" : "unknown";
}

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

/* Sum the valid ix_owner entries of group gk and its records missing from
 * ix_owner into *sum, counting the entries read in *entries. */
static int
group_sum(ims__counter *sum, ims__vfy *v, MDB_txn *txn, const unsigned char gk[5],
          size_t *entries)
{
	const ims__index *owner_ix = ims__index_of(IMS__DB_IX_OWNER);
	unsigned char key[IMS__INDEX_KEY_MAX];
	MDB_val k = { 5, ims__uc(gk) }, d;
	MDB_cursor *c;
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
		lrc = ims__vfy_load(&m, &x, v, txn, &v->b[1], &id);
		if (lrc && lrc != IMS_NOTFOUND && lrc != IMS_CORRUPT)
			break;
		if (lrc || ims__index_key(key, owner_ix, &id, &m, &x) != 29 ||
		    memcmp(key, k.mv_data, 29) != 0)
			continue; /* not this group's: reported by the index walk */
		sum->count++;
		sum->bytes += m.size;
		sum->stored += x.stored;
	}
	mdb_cursor_close(c);
	if (lrc && lrc != IMS_NOTFOUND && lrc != IMS_CORRUPT)
		return lrc;
	if (rc && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	for (size_t i = v->adj_i; i < v->nadj && memcmp(v->adjs[i].group, gk, 5) == 0; i++) {
		sum->count++;
		sum->bytes += v->adjs[i].bytes;
		sum->stored += v->adjs[i].stored;
	}
	return 0;
}

/* Sum the valid ix_owner entries of a group (and its records missing
 * from ix_owner) and compare with its counter. */
static int
group_check(ims__vfy *v, MDB_txn *txn, const unsigned char gk[5], size_t *entries)
{
	ims__counter sum = { 0, 0, 0 }, have = { 0, 0, 0 };
	MDB_val k = { 5, ims__uc(gk) }, d;
	char owner[160];
	int rc;

	if ((rc = group_sum(&sum, v, txn, gk, entries)))
		return rc;
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
			                       "from ix_owner", IMS__VFY_ADJ_MAX);
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

/* The folder totals the counters add up to (fix). */
static int
totals_of_counters(ims__counter want[3], ims__vfy *v, MDB_txn *txn)
{
	MDB_cursor *c;
	MDB_val k, d;
	int rc;

	memset(want, 0, 3 * sizeof(*want));
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
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* Folder f's totals against want: reported, or (fix) set. */
static int
totals_agree(ims__vfy *v, MDB_txn *txn, int f, const ims__counter *want)
{
	ims__counter have;
	int rc, bad;

	if ((rc = totals_get(&have, &bad, v, txn, f)))
		return rc;
	if (!bad && have.count == want->count && have.bytes == want->bytes &&
	    have.stored == want->stored)
		return 0;
	if (!v->fix && bad)
		return ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
		                       "totals.%d of the %s folder malformed", f, folder_word(f));
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
		        "totals of the %s folder: %llu messages, %llu bytes (%llu stored); "
		        "its records: %llu, %llu (%llu)", folder_word(f),
		        (unsigned long long)have.count, (unsigned long long)have.bytes,
		        (unsigned long long)have.stored, (unsigned long long)want->count,
		        (unsigned long long)want->bytes, (unsigned long long)want->stored);
	if ((rc = ims__counter_set(v->st, txn, 0, (ims_folder)f, want)))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_COUNTER, NULL,
	        "totals of the %s folder set to %llu messages, %llu bytes (%llu "
	        "stored)", folder_word(f), (unsigned long long)want->count,
	        (unsigned long long)want->bytes, (unsigned long long)want->stored);
}

/* The folder totals: against the records (check), or set from the
 * counters (fix, in one transaction). */
int
ims__vfy_totals(ims__vfy *v, MDB_txn *txn)
{
	ims__counter want[3];
	int rc = 0;

	memcpy(want, v->totals, sizeof(want));
	if (v->fix && (rc = totals_of_counters(want, v, txn)))
		return rc;
	for (int f = 1; f <= 2 && rc == 0; f++)
		rc = totals_agree(v, txn, f, &want[f]);
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

/* last_id is at least every id issued (of a record, or quarantined). */
static int
meta_last_id(ims__vfy *v, MDB_txn *txn)
{
	unsigned char max[16], q[16];
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
	if (!(has || hq) || !(rc || d.mv_size != 16 || memcmp(d.mv_data, max, 16) < 0))
		return 0;
	ims_id_fmt(idtext, (const ims_id *)max);
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_META, NULL,
		                       "last_id is missing, malformed or below the id %s", idtext);
	if ((rc = ims__map_err(mdb_put(txn, v->st->dbi[IMS__DB_META], &k,
	                               &(MDB_val){ 16, max }, 0))))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_META, NULL, "last_id set to %s", idtext);
}

/* next_atom is above every atom (of atomid, or seen by the walks). */
static int
meta_next_atom(ims__vfy *v, MDB_txn *txn)
{
	unsigned char buf[4], atom[4];
	MDB_val k = { 9, "next_atom" }, d;
	int has, rc;

	if ((has = last_key(atom, 4, txn, v->st->dbi[IMS__DB_ATOMID])) < 0)
		return has;
	if (has)
		v->max_atom = IMS__MAX(v->max_atom, ims__rd_be32(atom));
	rc = mdb_get(txn, v->st->dbi[IMS__DB_META], &k, &d);
	if (rc && rc != MDB_NOTFOUND)
		return ims__map_err(rc);
	if (!v->max_atom || !(rc || d.mv_size != 4 || ims__rd_be32(d.mv_data) <= v->max_atom))
		return 0;
	if (v->max_atom == UINT32_MAX)
		return v->fix ? 0 : ims__vfy_report(v, IMS_PROBLEM_META, NULL,
		                                    "every atom number is taken");
	if (!v->fix)
		return ims__vfy_report(v, IMS_PROBLEM_META, NULL,
		                       "next_atom is missing, malformed or not above atom %u",
		                       v->max_atom);
	ims__be32(buf, v->max_atom + 1);
	if ((rc = ims__map_err(mdb_put(txn, v->st->dbi[IMS__DB_META], &k,
	                               &(MDB_val){ 4, buf }, 0))))
		return rc;
	return ims__vfy_report(v, IMS_PROBLEM_META, NULL, "next_atom set to %u",
	                       v->max_atom + 1);
}

/* The configuration, when set, is readable (check only). */
static int
meta_config(ims__vfy *v, MDB_txn *txn)
{
	MDB_val k = { 6, "config" }, d;
	int rc = mdb_get(txn, v->st->dbi[IMS__DB_META], &k, &d);

	if (rc == 0 && !v->fix) {
		ims_config cfg;
		if (ims__config_read(&cfg, v->st, txn))
			return ims__vfy_report(v, IMS_PROBLEM_META, NULL,
			                       "config malformed (%zu bytes): set it again", d.mv_size);
	}
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* last_id is at least every id issued, next_atom above every atom; the
 * configuration readable. */
int
ims__vfy_meta(ims__vfy *v, MDB_txn *txn)
{
	int rc;

	if ((rc = meta_last_id(v, txn)) || (rc = meta_next_atom(v, txn)))
		return rc;
	return meta_config(v, txn);
}
