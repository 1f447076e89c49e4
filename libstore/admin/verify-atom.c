/* verify-atom.c - the walks over the atoms and what is keyed by them:
 * atom and atomid name each other; leases, settings, quotas, conversation
 * names and counters are well formed and of known atoms.  With v->fix:
 * a missing half of an atom added, a bad entry dropped. */
#include <stdio.h>

#include "verify.h"

static const char *
atom_text(char *out, size_t cap, const unsigned char *p, size_t n)
{
	char t[128];

	ims__vfy_shown(t, sizeof(t), p + 1, n - 1);
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
int
ims__vfy_atom_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                    const MDB_val *val)
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
int
ims__vfy_atomid_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                      const MDB_val *val)
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

/* Whether atom is known as kind in atomid. */
static int
atom_known(int *out, ims__vfy *v, MDB_txn *txn, const unsigned char *atom, int kind)
{
	MDB_val k = { 4, ims__uc(atom) }, d;
	int rc = mdb_get(txn, v->st->dbi[IMS__DB_ATOMID], &k, &d);

	*out = rc == 0 && d.mv_size > 1 && ((unsigned char *)d.mv_data)[0] == kind;
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* lease: deadline(8) random(8) -> owner(4) n(4) id(16)... */
int
ims__vfy_lease_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                     const MDB_val *val)
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
		return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_LEASE, what);
	}
	if ((rc = atom_known(&known, v, txn, p, IMS__ATOM_ADDR)) || known)
		return rc;
	snprintf(what, sizeof(what), "lease %s of unknown user atom %u", token,
	         ims__rd_be32(p));
	return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_LEASE, what);
}

/* settings: owner(4) -> version(1) flags(1) zero(2) */
int
ims__vfy_settings_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                        const MDB_val *val)
{
	char what[160];
	int known = 0, rc;

	if (k->mv_size != 4 || val->mv_size != 4 || ((unsigned char *)val->mv_data)[0] != 1) {
		snprintf(what, sizeof(what), "malformed settings (%zu-byte key, %zu-byte value)",
		         k->mv_size, val->mv_size);
		return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
	}
	if ((rc = atom_known(&known, v, txn, k->mv_data, IMS__ATOM_ADDR)) || known)
		return rc;
	snprintf(what, sizeof(what), "settings of unknown user atom %u",
	         ims__rd_be32(k->mv_data));
	return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
}

/* quota: owner(4) -> a user's overrides (quota.c) */
int
ims__vfy_quota_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                     const MDB_val *val)
{
	ims_quota q;
	char what[160];
	int known = 0, rc;

	if (k->mv_size != 4 || ims__quota_parse(&q, val->mv_data, val->mv_size)) {
		snprintf(what, sizeof(what), "malformed quota (%zu-byte key, %zu-byte value)",
		         k->mv_size, val->mv_size);
		return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
	}
	if ((rc = atom_known(&known, v, txn, k->mv_data, IMS__ATOM_ADDR)) || known)
		return rc;
	snprintf(what, sizeof(what), "quota of unknown user atom %u", ims__rd_be32(k->mv_data));
	return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
}

/* convmeta: owner(4) conv(4) -> name */
int
ims__vfy_convmeta_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                        const MDB_val *val)
{
	const unsigned char *p = k->mv_data;
	char what[160];
	int user = 0, conv = 0, rc;

	if (k->mv_size != 8 || val->mv_size > IMS_TEXT_MAX ||
	    !ims__utf8_valid(val->mv_data, val->mv_size)) {
		snprintf(what, sizeof(what),
		         "malformed conversation name (%zu-byte key, %zu-byte value)",
		         k->mv_size, val->mv_size);
		return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
	}
	if ((rc = atom_known(&user, v, txn, p, IMS__ATOM_ADDR)) ||
	    (rc = atom_known(&conv, v, txn, p + 4, IMS__ATOM_CONV)) || (user && conv))
		return rc;
	snprintf(what, sizeof(what), "conversation name of unknown %s atom %u",
	         user ? "conversation" : "user", ims__rd_be32(user ? p + 4 : p));
	return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_SETTINGS, what);
}

/* count: owner(4) folder(1) -> 24 bytes, never a zero count; the values
 * themselves are checked against the records by the counter groups. */
int
ims__vfy_count_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                     const MDB_val *val)
{
	const unsigned char *p = k->mv_data;
	ims__counter c;
	char what[160];

	if (k->mv_size == 5 && p[4] >= 1 && p[4] <= 2 &&
	    ims__counter_parse(&c, val->mv_data, val->mv_size) == 0 && c.count > 0)
		return 0;
	snprintf(what, sizeof(what), "malformed counter (%zu-byte key, %zu-byte value)",
	         k->mv_size, val->mv_size);
	return ims__vfy_drop_or_report(v, txn, k, IMS_PROBLEM_COUNTER, what);
}
