/* test_hold.c - legal hold: nothing deletes a held message (operator
 * delete, user delete, delivery, sweep) until released; the audit trail. */
#include <stdlib.h>
#include <time.h>

#include "imstore.h"
#include "tap.h"

#define BOB "sip:bob@example.com"

static char root[256];

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

static int
filter_op(ims_store *st, const char *expr, int hold, uint64_t *n, const char *reason)
{
	ims_filter *f;
	int rc;

	if (ims_filter_parse(&f, expr, IMS_TIME_NONE, NULL))
		return -1;
	rc = hold ? ims_hold(n, st, f, reason, "tester") : ims_release(n, st, f, reason, "tester");
	ims_filter_free(f);
	return rc;
}

typedef struct seen { int n; char actions[8][16]; uint64_t counts[8]; } seen;

static int
collect(const ims_audit_entry *e, void *payload)
{
	seen *s = payload;

	if (s->n < 8) {
		snprintf(s->actions[s->n], 16, "%s", e->action);
		s->counts[s->n] = e->count;
	}
	s->n++;
	return 0;
}

int
main(void)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	ims_msg m = IMS_MSG_INIT;
	ims_lease *l;
	ims_filter *all;
	ims_delete_result r;
	const char *ids[] = { "h2" };
	char path[512];
	uint64_t n;
	seen s = { 0 };
	int64_t now = (int64_t)time(NULL) * 1000000;

	snprintf(root, sizeof(root), "/tmp/ims-hold-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(path, sizeof(path), "%s/st", root);
	o.flags = IMS_OPEN_CREATE;
	if (ims_store_open(&st, path, &o))
		return 1;
	m.owner = BOB;
	m.from.uri = "sip:eve@example.com";
	for (int i = 1; i <= 4; i++) {
		char msgid[8];
		snprintf(msgid, sizeof(msgid), "h%d", i);
		m.message_id = msgid;
		m.expires = IMS_TIME_NONE;
		if (i < 4) {
			ims_deferred_store(NULL, NULL, st, &m, "evidence", 8);
			continue;
		}
		m.expires = now - 1000000; /* expired already: put, not store */
		ims_put(NULL, st, &m, "evidence", 8);
	}
	is_int(filter_op(st, "msgid:h1", 1, &n, NULL), IMS_INVALID, "a hold needs a reason");
	is_int(filter_op(st, "msgid:h1 or msgid:h2 or msgid:h3 or msgid:h4", 1, &n, "case 42"), 0,
	       "hold four");
	is_int(n, 4, "four held");
	is_int(filter_op(st, "msgid:h1", 1, &n, "again"), 0, "hold again");
	is_int(n, 0, "already held: nothing new");
	is_int(count(st, "state:held"), 4, "state:held finds them");

	ims_filter_parse(&all, "*", IMS_TIME_NONE, NULL);
	is_int(ims_delete_filter(&r, st, all, NULL), 0, "operator deletes everything");
	is_int(r.held, 4, "four kept under hold");
	is_int(count(st, "*"), 4, "all still there");
	is_int(ims_deferred_sweep(&n, st, IMS_TIME_NONE), 0, "sweep after h4 expired");
	is_int(n, 0, "the expired held message stays");
	is_int(ims_deferred_delete(&n, st, BOB, ids, 1, NULL), 0, "bob deletes h2");
	is_int(n, 1, "counted as deleted for bob");
	is_int(count(st, "msgid:h2"), 1, "but kept");
	{
		ims_query *q;
		const ims_msg *vm;
		int seen_h2 = 0;
		ims_deferred_query(&q, st, BOB, NULL, NULL);
		while (ims_query_next(&vm, q) == 0)
			seen_h2 |= strcmp(vm->message_id, "h2") == 0;
		ims_query_free(q);
		ok(!seen_h2, "bob no longer sees h2");
	}
	is_int(ims_deferred_lease(&l, st, BOB, NULL, 0, 0), 0, "lease");
	is_int(ims_lease_count(l), 2, "h1 and h3 delivered (h2 hidden, h4 expired)");
	is_int(ims_deferred_ack(&n, st, BOB, ims_lease_token(l)), 0, "ack");
	ims_lease_free(l);
	is_int(count(st, "*"), 4, "acknowledged held messages stay, hidden");

	is_int(filter_op(st, "msgid:h2 or msgid:h1", 0, &n, "case closed"), 0, "release two");
	is_int(n, 2, "two released");
	is_int(count(st, "msgid:h2 or msgid:h1"), 0,
	       "deleted now: their user deleted or received them");
	is_int(count(st, "msgid:h3"), 1, "h3 still held");
	is_int(ims_delete_filter(&r, st, all, NULL), 0, "delete everything again");
	is_int(count(st, "*"), 2, "h3 and h4 stay held");

	is_int(ims_audit_list(st, 0, collect, &s), 0, "audit trail");
	is_int(s.n, 3, "hold, hold again (0), release");
	is_str(s.actions[0], "hold", "first a hold");
	is_int(s.counts[0], 4, "of four");
	is_str(s.actions[2], "release", "then a release");
	ims_audit_entry bad = { 0, "x\ny", NULL, NULL, NULL, 0, 0 };
	is_int(ims_audit_record(st, &bad), IMS_INVALID, "control characters refused");

	/* more held expired messages than one sweep transaction examines,
	 * in front of expired ones that are not held: the sweep goes on */
	m.owner = "sip:many@example.com";
	for (int i = 0; i < 1210; i++) {
		char msgid[16];
		snprintf(msgid, sizeof(msgid), "e%d", i);
		m.message_id = msgid;
		m.expires = now - (i < 1200 ? 3600 : 60) * INT64_C(1000000);
		ims_put(NULL, st, &m, "old", 3);
	}
	is_int(filter_op(st, "owner:sip:many@example.com older:0s -msgid:e1200 -msgid:e1201 "
	                 "-msgid:e1202 -msgid:e1203 -msgid:e1204 -msgid:e1205 -msgid:e1206 "
	                 "-msgid:e1207 -msgid:e1208 -msgid:e1209", 1, &n, "case 43"), 0,
	       "hold 1200 expired messages");
	is_int(n, 1200, "1200 held");
	is_int(ims_deferred_sweep_dry(&r, st, IMS_TIME_NONE), 0, "sweep dry run");
	is_int(r.deleted, 10, "would remove the 10 not held");
	is_int(r.bytes, 30, "their bytes");
	is_int(r.held, 1201, "and keep the held expired ones (h4 too)");
	is_int(count(st, "owner:sip:many@example.com"), 1210, "dry run removed nothing");
	is_int(ims_deferred_sweep(&n, st, IMS_TIME_NONE), 0, "sweep");
	is_int(n, 10, "the 10 expired messages behind 1200 held ones go");
	is_int(count(st, "owner:sip:many@example.com"), 1200, "the held ones stay");

	ims_filter_free(all);
	ims_store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		diag("cannot remove %s", root);
	return done_testing();
}
