/* verify.h - private to ims_verify's files (verify*.c, repair.c,
 * pagecheck.c): its state and the walks the check and the repair run.
 * Calls go down: verify -> verify-check, repair -> verify-count,
 * verify-atom, verify-index -> verify-msg -> verify-report; pagecheck ->
 * verify-report. */
#ifndef IMS_VERIFY_H
#define IMS_VERIFY_H

#include "internal.h"

typedef struct ims__vfy_buf {   /* a record copy and its decoding */
	unsigned char *p;
	size_t cap;
	ims__decbuf d;
} ims__vfy_buf;

typedef struct ims__vfy_adj {   /* a record missing from ix_owner */
	unsigned char group[5];
	uint64_t bytes, stored;
} ims__vfy_adj;

typedef struct ims__vfy_rep {   /* a repair, reported once committed */
	ims_problem_kind kind;
	int has_id;
	int quarantine;
	ims_id id;
	char *desc;
} ims__vfy_rep;

typedef struct ims__vfy {
	ims_store *st;
	const ims_verify_opts *o;
	int fix;                     /* repairing: mend instead of report */
	ims_problem_stage stage;
	int db;                      /* the database being walked */
	int cb_rc;                   /* a callback's non-zero value */
	uint64_t problems;           /* reported by this check */
	uint64_t structural;         /* of them, damaged LMDB pages */
	int pages_only;              /* the structural check alone */
	uint64_t messages;           /* records examined by this check */
	ims__counter totals[3];      /* of the decodable records, by folder */
	uint32_t max_atom;
	unsigned char last[16];      /* body walk: the id seen last */
	int have_last;
	ims__vfy_adj *adjs;          /* check: for the counters */
	size_t nadj, adjcap;
	size_t adj_i;                /* the first after the last group */
	int adj_over;
	ims__vfy_rep *reps;          /* fix: this transaction's repairs */
	size_t nreps, repcap;
	ims__vfy_buf b[2];
} ims__vfy;

/* Check (or with v->fix mend) one entry of database v->db. */
typedef int (*ims__vfy_fn)(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                           const MDB_val *val);
typedef struct ims__vfy_pass {
	int db;
	ims__vfy_fn fn;
} ims__vfy_pass;

/* records missing from ix_owner kept for the counters */
#define IMS__VFY_ADJ_MAX 1000000

/* Where the counter walk is: after group last when started. */
typedef struct ims__vfy_gpos {
	unsigned char last[5];
	int started, done;
	uint64_t groups;
} ims__vfy_gpos;

/* verify-report.c: a problem found (check) or a repair made (fix: kept in
 * v->reps until its commit); 0, ENOMEM, or the callback's non-zero value. */
int ims__vfy_report(ims__vfy *v, ims_problem_kind kind, const ims_id *id,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Report what, or with fix drop the entry of v->db (it is not a message). */
int ims__vfy_drop_or_report(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                            ims_problem_kind kind, const char *what);
/* Text from the store as a description shows it, into out of cap bytes. */
const char *ims__vfy_shown(char *out, size_t cap, const void *s, size_t n);
/* A record that does not decode: its checksum, or something else. */
ims_problem_kind ims__vfy_bad_kind(const unsigned char *p, size_t len);
void ims__vfy_progress(ims__vfy *v, int db, uint64_t done, uint64_t total);
uint64_t ims__vfy_entries(MDB_txn *txn, MDB_dbi dbi);

/* verify-perm.c: the store directory and its files, none writable by
 * everyone (with v->fix: made so). */
int ims__vfy_perms(ims__vfy *v);

/* pagecheck.c: LMDB's pages of one snapshot, read with pread(2). */
int ims__vfy_structure(ims__vfy *v);

/* verify-msg.c: the walks of msg, reap and body */
int ims__vfy_record_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                          const MDB_val *val);
int ims__vfy_reap_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                        const MDB_val *val);
int ims__vfy_body_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                        const MDB_val *val);
/* The record of id decoded into m and x, from a copy in b when fixing:
 * 0, IMS_NOTFOUND, IMS_CORRUPT or an error. */
int ims__vfy_load(ims_msg *m, ims__recx *x, ims__vfy *v, MDB_txn *txn, ims__vfy_buf *b,
                  const ims_id *id);
/* Of a message deleted and listed in reap, whose leftovers the sweep
 * removes: 0 (not a problem), IMS_NOTFOUND (not listed), or an error. */
int ims__vfy_pending(ims__vfy *v, MDB_txn *txn, const ims_id *id);

/* verify-index.c: the walks of the indexes, time-ordered and unique */
int ims__vfy_index_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                         const MDB_val *val);
int ims__vfy_msgid_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                         const MDB_val *val);

/* verify-atom.c */
int ims__vfy_atom_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                        const MDB_val *val);
int ims__vfy_atomid_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                          const MDB_val *val);
int ims__vfy_count_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                         const MDB_val *val);
int ims__vfy_lease_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                         const MDB_val *val);
int ims__vfy_settings_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                            const MDB_val *val);
int ims__vfy_quota_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                         const MDB_val *val);
int ims__vfy_convmeta_entry(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                            const MDB_val *val);

/* verify-count.c */
int ims__vfy_groups(ims__vfy *v, MDB_txn *txn, ims__vfy_gpos *g, size_t limit);
int ims__vfy_totals(ims__vfy *v, MDB_txn *txn);
int ims__vfy_meta(ims__vfy *v, MDB_txn *txn);

/* verify-check.c: the walks, in order (records, reap, body, the indexes,
 * atom, atomid, count, lease, settings, convmeta, quota): n of them */
#define IMS__VFY_NPASSES (3 + IMS__INDEX_N + 7)
size_t ims__vfy_passes(ims__vfy_pass out[IMS__VFY_NPASSES]);
int ims__vfy_check(ims__vfy *v, ims_verify_result *r);

/* repair.c */
int ims__vfy_repair(ims__vfy *v, ims_verify_result *r);

#endif
