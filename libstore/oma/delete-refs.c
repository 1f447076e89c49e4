/* delete-refs.c - the Delete function (OMA IM 004 §6.1.1.2.6): a REFER to
 * Delete@ carries a URI-list whose entries name deferred messages (the
 * deferred-list document's <reference>, a Message-ID) or history
 * conversations (the history-list document's <history-reference>); the
 * function decides which each names among the user's own, and deletes
 * those. */
#include <stdlib.h>

#include "internal.h"

#define REFS_MAX 10000 /* what ims_urilist_parse() returns at most */

/* Whether the user has a deferred message of this Message-ID that the
 * user can see (one deleted under hold is hidden: gone for the user). */
static int
names_deferred(int *yes, ims_store *st, const char *user, const char *ref)
{
	ims_msg *m = NULL;
	int rc = ims_get_by_msgid(&m, st, user, IMS_FOLDER_DEFERRED, ref);

	*yes = rc == 0 && !(m->flags & IMS_MSGF_HIDDEN);
	ims_msg_free(m);
	return rc == IMS_NOTFOUND || rc == IMS_INVALID ? 0 : rc;
}

/* Whether the user has a conversation of this identity in history with a
 * message the user can see. */
static int
names_conversation(int *yes, ims_store *st, const char *user, const char *ref)
{
	const ims_msg *m;
	ims_query *q;
	int rc;

	*yes = 0;
	if ((rc = ims_history_transcript(&q, st, user, ref, NULL)))
		return rc == IMS_INVALID ? 0 : rc; /* no nameable conversation */
	rc = ims_query_next(&m, q);
	*yes = rc == 0;
	ims_query_free(q);
	return rc == 0 || rc == IMS_ITEROVER ? 0 : rc;
}

/* What one reference names among the user's things. */
static int
classify(ims_ref_kind *out, ims_store *st, const char *user, const char *ref)
{
	int d = 0, c = 0, rc;

	*out = IMS_REF_NONE;
	if (!ref || !*ref)
		return 0;
	if ((rc = names_deferred(&d, st, user, ref)) ||
	    (rc = names_conversation(&c, st, user, ref)))
		return rc;
	*out = d && c ? IMS_REF_AMBIGUOUS : d ? IMS_REF_DEFERRED
	     : c ? IMS_REF_CONVERSATION : IMS_REF_NONE;
	return 0;
}

/* The references of one kind, deleted with that kind's function. */
static int
delete_kind(ims_refs_result *out, ims_store *st, const char *user,
            const char *const *refs, const ims_ref_kind *kinds, size_t n,
            ims_ref_kind kind, const char **pick)
{
	uint64_t count = 0;
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (kinds[i] == kind)
			pick[k++] = refs[i];
	if (k == 0)
		return 0;
	if (kind == IMS_REF_DEFERRED) {
		rc = ims_deferred_delete(&count, st, user, pick, k, NULL);
		out->deferred += count;
		return rc;
	}
	for (size_t i = 0; i < k; i++) { /* one at a time: each counted once */
		if ((rc = ims_history_delete(&count, st, user, &pick[i], 1, NULL)))
			return rc;
		out->conversations += count != 0;
		out->history += count;
	}
	return 0;
}

int
ims_delete_refs(ims_refs_result *out, ims_ref_kind *kinds, ims_store *st,
                const char *user, const char *const *refs, size_t n)
{
	char canon[IMS_ADDR_MAX + 1];
	ims_ref_kind *k = kinds;
	const char **pick = NULL;
	int rc = 0;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !st || !user || ims_addr_canon(canon, sizeof(canon), user) ||
	    (n && !refs))
		return IMS_INVALID;
	if (n > REFS_MAX)
		return IMS_TOOBIG;
	if (n && ((!k && !(k = malloc(n * sizeof(*k)))) || !(pick = malloc(n * sizeof(*pick)))))
		rc = ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = classify(&k[i], st, canon, refs[i])) == 0)
			out->none += k[i] == IMS_REF_NONE;
	for (size_t i = 0; i < n && rc == 0; i++)
		out->ambiguous += k[i] == IMS_REF_AMBIGUOUS;
	if (rc == 0)
		rc = delete_kind(out, st, canon, refs, k, n, IMS_REF_DEFERRED, pick);
	if (rc == 0)
		rc = delete_kind(out, st, canon, refs, k, n, IMS_REF_CONVERSATION, pick);
	free(pick);
	if (k != kinds)
		free(k);
	return rc;
}
