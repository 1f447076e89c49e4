/* verify.c - ims_verify: the checks of every database against the message
 * records (layout in imstore(5)): the check (verify-check.c), then, when
 * asked and problems were found, the repair (repair.c) and the check
 * again.  One walk per database (verify-msg.c, verify-index.c,
 * verify-atom.c, verify-count.c), each entry checked with point lookups;
 * the repair runs the same walks in bounded write transactions with v->fix
 * set, mending instead of reporting. */
#include <stdlib.h>

#include "verify.h"

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
