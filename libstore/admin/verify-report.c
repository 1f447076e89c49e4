/* verify-report.c - the problems ims_verify finds and the repairs it
 * makes, as its callback sees them: reported at once by a check, kept
 * until their transaction commits by a repair (repair.c passes them on);
 * and how text from the store is shown in a description.  The page check,
 * the walks and the repair all report here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "verify.h"

static const char *const kind_names[] = {
	"unknown", "record-checksum", "record-invalid", "body-missing",
	"body-corrupt", "body-stray", "index-orphan", "index-missing",
	"index-mismatch", "msgid-elsewhere", "counter", "atom", "lease",
	"settings", "meta", "structure", "permissions",
};

const char *
ims_problem_kind_name(ims_problem_kind k)
{
	return k >= IMS_PROBLEM_RECORD_CHECKSUM && k <= IMS_PROBLEM_PERMISSIONS
	       ? kind_names[k] : kind_names[0];
}

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
		if (ims__grow(&v->reps, &v->repcap, v->nreps, sizeof(*v->reps), 64))
			return ENOMEM;
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
const char *
ims__vfy_shown(char *out, size_t cap, const void *s, size_t n)
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

ims_problem_kind
ims__vfy_bad_kind(const unsigned char *p, size_t len)
{
	return len >= 4 && ims__rd_le32(p) != ims__crc32c(0, p + 4, len - 4)
	       ? IMS_PROBLEM_RECORD_CHECKSUM : IMS_PROBLEM_RECORD_INVALID;
}

/* Report what, or with fix drop the entry (it is not a message). */
int
ims__vfy_drop_or_report(ims__vfy *v, MDB_txn *txn, const MDB_val *k,
                        ims_problem_kind kind, const char *what)
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
