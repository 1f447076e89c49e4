/* test_delete_refs.c - ims_delete_refs(), the Delete function (OMA IM 004
 * §6.1.1.2.6): two users, URI-lists (parsed from RFC 4826 documents)
 * mixing deferred-list references and history-list references, other
 * users' references, junk, an ambiguous reference, held messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imstore.h"
#include "tap.h"

#define BOB "sip:bob@example.com"
#define ALICE "sip:alice@example.com"
#define CAROL "sip:carol@example.net"
#define T0 INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */

static char root[256];

static ims_store *
create(const char *name)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	o.flags = IMS_OPEN_CREATE;
	return ims_store_open(&st, path, &o) == 0 ? st : NULL;
}

static uint64_t
count(ims_store *st, const char *expr)
{
	ims_filter *f;
	uint64_t n = 0;

	if (ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL) == 0) {
		ims_count(&n, st, f);
		ims_filter_free(f);
	}
	return n;
}

static void
deferred(ims_store *st, const char *user, const char *msgid)
{
	ims_msg m = IMS_MSG_INIT;
	ims_id id;

	m.owner = user;
	m.from.uri = CAROL;
	m.message_id = msgid;
	ims_deferred_store(&id, NULL, st, &m, "hello", 5);
}

/* A history message between user and carol: a pager one (conv NULL) or
 * one of a session. */
static void
history(ims_store *st, const char *user, const char *msgid, const char *conv, int i)
{
	ims_addr to = { user, NULL };
	ims_msg m = IMS_MSG_INIT;

	m.mode = conv ? IMS_MODE_SESSION : IMS_MODE_PAGER;
	m.from.uri = CAROL;
	m.to = &to;
	m.nto = 1;
	m.message_id = msgid;
	m.conversation = conv;
	m.received = T0 + i;
	ims_history_record(NULL, st, user, &m, "hi", 2);
}

/* The identity of the user's pager conversation with carol, as the
 * history-list document writes it. */
static void
pager_conv(char *out, size_t cap, ims_store *st, const char *user)
{
	ims_conv_list *l = NULL;

	out[0] = '\0';
	if (ims_history_conversations(&l, st, user, NULL) == 0)
		for (size_t i = 0; i < ims_conv_list_count(l); i++)
			if (ims_conv_list_get(l, i)->mode == IMS_MODE_PAGER)
				snprintf(out, cap, "%s", ims_conv_list_get(l, i)->id);
	ims_conv_list_free(l);
}

static void
setup(ims_store *st)
{
	ims_settings s = IMS_SETTINGS_INIT;
	const char *users[] = { BOB, ALICE };

	s.history_pager = s.history_session = 1;
	for (int u = 0; u < 2; u++) {
		const char *p = u ? "a" : "b";
		char id[16];
		ims_settings_set(st, users[u], &s);
		for (int i = 1; i <= 3; i++) {
			snprintf(id, sizeof(id), "%sd%d", p, i);
			deferred(st, users[u], id);
			snprintf(id, sizeof(id), "%sp%d", p, i);
			history(st, users[u], id, NULL, i);
			snprintf(id, sizeof(id), "%ss%d", p, i);
			history(st, users[u], id, "conv-s1", 10 + i);
		}
	}
	deferred(st, BOB, "shared"); /* a Message-ID both users have */
	deferred(st, ALICE, "shared");
}

/* A resource-lists document (RFC 4826) naming refs, parsed. */
static char **
urilist(size_t *n, const char *const *refs, size_t nrefs)
{
	char doc[8192];
	size_t o;
	char **out = NULL;

	o = (size_t)snprintf(doc, sizeof(doc), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                     "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"
	                     "<list>");
	for (size_t i = 0; i < nrefs; i++)
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "<entry uri=\"%s\"/>", refs[i]);
	o += (size_t)snprintf(doc + o, sizeof(doc) - o, "</list></resource-lists>\n");
	*n = 0;
	return ims_urilist_parse(&out, n, doc, o, NULL) == 0 ? out : NULL;
}

static void
test_mixed(void)
{
	ims_store *st = create("mixed");
	char bp[64], ap[64], longref[400];
	ims_refs_result r;
	ims_ref_kind k[12];
	size_t n;
	char **refs;

	setup(st);
	pager_conv(bp, sizeof(bp), st, BOB);
	pager_conv(ap, sizeof(ap), st, ALICE);
	ok(bp[0] && ap[0] && strcmp(bp, ap), "two users, two pager conversations");
	memset(longref, 'x', sizeof(longref) - 1);
	longref[sizeof(longref) - 1] = '\0';
	{
		const char *list[] = { "bd1", bp, "ad1", ap, "conv-s1", "junk", "shared",
		                       "bd1", "&#9;tab", longref, "bp1" };
		refs = urilist(&n, list, 11);
	}
	if (!ok(refs && n == 11, "the URI-list parsed"))
		return;
	is_int(ims_delete_refs(&r, k, st, BOB, (const char *const *)refs, n), 0,
	       "bob deletes what the list names");
	is_int(k[0], IMS_REF_DEFERRED, "his Message-ID: a deferred message");
	is_int(k[1], IMS_REF_CONVERSATION, "his history reference: a conversation");
	is_int(k[2], IMS_REF_NONE, "alice's Message-ID: nothing");
	is_int(k[3], IMS_REF_NONE, "alice's conversation: nothing");
	is_int(k[4], IMS_REF_CONVERSATION, "a session's identity alice also has: his");
	is_int(k[5], IMS_REF_NONE, "junk: nothing");
	is_int(k[6], IMS_REF_DEFERRED, "a Message-ID alice also has: his message");
	is_int(k[7], IMS_REF_DEFERRED, "named twice");
	is_int(k[8], IMS_REF_NONE, "a control character: nothing");
	is_int(k[9], IMS_REF_NONE, "too long: nothing");
	is_int(k[10], IMS_REF_NONE, "a history message's Message-ID: no reference the documents write");
	is_int(r.deferred, 2, "two deferred messages deleted (bd1 once, shared)");
	is_int(r.conversations, 2, "two conversations deleted");
	is_int(r.history, 6, "their six messages");
	is_int(r.none, 6, "six references named nothing");
	is_int(r.ambiguous, 0, "none ambiguous");
	is_int(count(st, "owner:" BOB " folder:deferred"), 2, "bob: bd2, bd3 left");
	is_int(count(st, "owner:" BOB " folder:history"), 0, "bob: history emptied");
	is_int(count(st, "owner:" ALICE " folder:deferred"), 4, "alice: her deferred untouched");
	is_int(count(st, "owner:" ALICE " folder:history"), 6, "alice: her history untouched");
	is_int(count(st, "owner:" ALICE " msgid:shared"), 1, "alice: her 'shared' kept");

	is_int(ims_delete_refs(&r, k, st, BOB, (const char *const *)refs, n), 0, "again");
	is_int(r.deferred + r.conversations + r.history, 0, "nothing left to delete");
	is_int(r.none, 11, "everything names nothing now");
	ims_strings_free(refs, n);
	ims_store_close(st);
}

static void
test_ambiguous_and_held(void)
{
	ims_store *st = create("ambiguous");
	const char *amb[] = { "conv-s1", "bd2" };
	ims_filter *f = NULL;
	ims_refs_result r;
	ims_ref_kind k[2];
	uint64_t held = 0;

	setup(st);
	deferred(st, BOB, "conv-s1"); /* a Message-ID that is also his conversation */
	ims_filter_parse(&f, "owner:" BOB " msgid:bd2", IMS_TIME_NONE, NULL);
	ims_hold(&held, st, f, "case 7", "test");
	ims_filter_free(f);
	is_int(held, 1, "bd2 under legal hold");
	is_int(ims_delete_refs(&r, k, st, BOB, amb, 2), 0, "delete");
	is_int(k[0], IMS_REF_AMBIGUOUS, "names both kinds: ambiguous");
	is_int(r.ambiguous, 1, "counted");
	is_int(count(st, "owner:" BOB " msgid:conv-s1"), 1, "the deferred one stays");
	is_int(count(st, "owner:" BOB " folder:history"), 6, "the conversation stays");
	is_int(k[1], IMS_REF_DEFERRED, "the held message is his deferred message");
	is_int(r.deferred, 1, "deleted as far as he knows");
	{
		ims_msg *m = NULL;
		ok(ims_get_by_msgid(&m, st, BOB, IMS_FOLDER_DEFERRED, "bd2") == 0 &&
		   (m->flags & IMS_MSGF_HIDDEN), "hidden, kept for the hold");
		ims_msg_free(m);
	}
	is_int(ims_delete_refs(&r, k, st, BOB, amb + 1, 1), 0, "again");
	is_int(k[0], IMS_REF_NONE, "a hidden message names nothing");

	is_int(ims_delete_refs(&r, NULL, st, "not an address", amb, 2), IMS_INVALID, "bad user");
	is_int(ims_delete_refs(&r, NULL, st, BOB, NULL, 2), IMS_INVALID, "no references");
	is_int(ims_delete_refs(&r, NULL, st, BOB, NULL, 0), 0, "an empty list");
	is_int(ims_delete_refs(&r, NULL, st, "sip:nobody@example.com", amb, 2), 0,
	       "a user never seen");
	is_int(r.none, 2, "names nothing");
	ims_store_close(st);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/ims-refs-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_mixed();
	test_ambiguous_and_held();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
