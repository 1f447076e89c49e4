/* verify-check.c - the walks and their order (ims__vfy_passes), and the
 * check: every walk in one read transaction (one snapshot), after the page
 * check; repair.c runs the same walks in write transactions. */
#include "verify.h"

#define PROGRESS_EVERY 4096

/* The walks, in order: the records, the deletions waiting, the bodies,
 * each index of ims__indexes (the time-ordered ones, then the unique
 * ones), then atoms, counters and what users set.  n of them. */
size_t
ims__vfy_passes(ims__vfy_pass out[IMS__VFY_NPASSES])
{
	static const ims__vfy_pass head[] = {
		{ IMS__DB_MSG, ims__vfy_record_entry },
		{ IMS__DB_REAP, ims__vfy_reap_entry },
		{ IMS__DB_BODY, ims__vfy_body_entry },
	}, tail[] = {
		{ IMS__DB_ATOM, ims__vfy_atom_entry },
		{ IMS__DB_ATOMID, ims__vfy_atomid_entry },
		{ IMS__DB_COUNT, ims__vfy_count_entry },
		{ IMS__DB_LEASE, ims__vfy_lease_entry },
		{ IMS__DB_SETTINGS, ims__vfy_settings_entry },
		{ IMS__DB_CONVMETA, ims__vfy_convmeta_entry },
		{ IMS__DB_QUOTA, ims__vfy_quota_entry },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		out[n++] = head[i];
	for (int i = 0; i < IMS__INDEX_N; i++)
		if (!(ims__indexes[i].flags & IMS__IX_UNIQUE))
			out[n++] = (ims__vfy_pass){ ims__indexes[i].db, ims__vfy_index_entry };
	for (int i = 0; i < IMS__INDEX_N; i++)
		if (ims__indexes[i].flags & IMS__IX_UNIQUE)
			out[n++] = (ims__vfy_pass){ ims__indexes[i].db, ims__vfy_msgid_entry };
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		out[n++] = tail[i];
	return n;
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
	if ((rc = ims__vfy_perms(v)))
		return v->cb_rc ? v->cb_rc : rc;
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
