/* verify.h - private to verify.c and repair.c: the state of ims_verify
 * and the walks both run. */
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

/* records, reap, body, the indexes, atom, atomid, count, lease, settings,
 * convmeta, quota */
#define IMS__VFY_NPASSES (3 + IMS__INDEX_N + 7)
size_t ims__vfy_passes(ims__vfy_pass out[IMS__VFY_NPASSES]);

/* Where the counter walk is: after group last when started. */
typedef struct ims__vfy_gpos {
	unsigned char last[5];
	int started, done;
	uint64_t groups;
} ims__vfy_gpos;

int ims__vfy_report(ims__vfy *v, ims_problem_kind kind, const ims_id *id,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
ims_problem_kind ims__vfy_bad_kind(const unsigned char *p, size_t len);
uint64_t ims__vfy_entries(MDB_txn *txn, MDB_dbi dbi);
int ims__vfy_groups(ims__vfy *v, MDB_txn *txn, ims__vfy_gpos *g, size_t limit);
int ims__vfy_totals(ims__vfy *v, MDB_txn *txn);
int ims__vfy_meta(ims__vfy *v, MDB_txn *txn);
int ims__vfy_check(ims__vfy *v, ims_verify_result *r);
/* pagecheck.c: LMDB's pages of one snapshot, read with pread(2). */
int ims__vfy_structure(ims__vfy *v);

/* repair.c */
/* Move the record of id, copied in v->b[0] (len bytes), to quarantine. */
int ims__vfy_quarantine(ims__vfy *v, MDB_txn *txn, const ims_id *id, size_t len);
int ims__vfy_repair(ims__vfy *v, ims_verify_result *r);
void ims__vfy_progress(ims__vfy *v, int db, uint64_t done, uint64_t total);

#endif
