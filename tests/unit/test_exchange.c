/* test_exchange.c - the exchange API of imstore-exchange.h: an export
 * verified and imported again exactly, progress and problems through the
 * callbacks, failures as a step and a message (the library never prints),
 * --delete-after's deletion, msilo rows; and the pair set the export and
 * the history list share. */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "imstore.h"
#include "imstore-exchange.h"
#include "internal.h"
#include "tap.h"

#define BOB "sip:bob@example.com"
#define EVE "sip:eve@example.com"
#define T0  INT64_C(1700000000000000)

typedef struct seen {
	uint64_t calls, dones, last_messages, last_bytes, problems;
} seen;

static void
on_progress(const ims_progress *p, void *payload)
{
	seen *s = payload;

	s->calls++;
	s->dones += p->done != 0;
	s->last_messages = p->messages;
	s->last_bytes = p->bytes;
}

static void
on_problem(const char *what, void *payload)
{
	seen *s = payload;

	(void)what;
	s->problems++;
}

static int
open_store(ims_store **st, const char *root, const char *name)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	o.flags = IMS_OPEN_CREATE;
	return ims_store_open(st, path, &o);
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

/* Bob: three messages of two conversations in history; Eve: two deferred
 * messages, one held. */
static void
fill(ims_store *st)
{
	ims_msg m = IMS_MSG_INIT;
	char msgid[16];
	ims_filter *f;

	m.owner = BOB;
	m.from.uri = "sip:alice@example.com";
	m.folder = IMS_FOLDER_HISTORY;
	m.state = IMS_STATE_STORED;
	for (int i = 0; i < 3; i++) {
		snprintf(msgid, sizeof(msgid), "h%d", i);
		m.message_id = msgid;
		m.conversation = i < 2 ? "c1" : "c2";
		m.received = T0 + i;
		ims_put(NULL, st, &m, "hello history", 13);
	}
	m.owner = EVE;
	m.folder = IMS_FOLDER_DEFERRED;
	m.state = IMS_STATE_PENDING;
	m.conversation = NULL;
	for (int i = 0; i < 2; i++) {
		snprintf(msgid, sizeof(msgid), "d%d", i);
		m.message_id = msgid;
		m.received = T0 + 10 + i;
		ims_put(NULL, st, &m, "\0\1binary", 8);
	}
	if (ims_filter_parse(&f, "msgid:d0", IMS_TIME_NONE, NULL) == 0) {
		ims_hold(NULL, st, f, "case-1", "test");
		ims_filter_free(f);
	}
}

static void
test_export_verify(ims_store *st, const char *root)
{
	ims_export_opts o = IMS_EXPORT_OPTS_INIT;
	ims_archive_verify_opts vo = IMS_ARCHIVE_VERIFY_OPTS_INIT;
	static ims_export_result r;
	static ims_archive_report rep;
	char path[512];
	struct stat sb;
	seen s = { 0 };

	snprintf(path, sizeof(path), "%s/all.tar.gz", root);
	o.progress = on_progress;
	o.payload = &s;
	is_int(ims_archive_export(&r, st, NULL, path, &o), 0, "export every message");
	is_int(r.messages, 5, "  5 messages");
	is_int(r.bytes, 3 * 13 + 2 * 8, "  their bytes");
	is_int(r.transcripts, 2, "  a transcript of each conversation");
	ok(s.calls == 6 && s.dones == 1 && s.last_messages == 5 && s.last_bytes == 55,
	   "  progress after each message, then once done");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "  the archive is 0600");
	is_int(r.step, IMS_XSTEP_NONE, "  no failure step");

	memset(&s, 0, sizeof(s));
	vo.progress = on_progress;
	vo.problem = on_problem;
	vo.payload = &s;
	is_int(ims_archive_verify(&rep, path, &vo), 0, "it verifies");
	ok(rep.messages == 5 && rep.transcripts == 2 && rep.files == 8 &&
	   strcmp(rep.layout, "raw") == 0 && rep.problems == 0, "  counts and layout");
	ok(s.dones == 1 && s.last_messages == 5 && s.problems == 0, "  progress, no problem");

	is_int(ims_archive_export(&r, st, NULL, path, NULL), IMS_EXISTS,
	       "an existing file is kept");
	ok(r.step == IMS_XSTEP_CREATE && strstr(r.why, "already exists"),
	   "  step create: %s", r.why);
	o = (ims_export_opts)IMS_EXPORT_OPTS_INIT;
	o.flags = IMS_EXPORT_FORCE | IMS_EXPORT_ZIP | IMS_EXPORT_EML;
	is_int(ims_archive_export(&r, st, NULL, path, &o), 0, "replaced with FORCE (zip, eml)");
	is_int(ims_archive_verify(&rep, path, NULL), 0, "  it verifies");
	is_str(rep.layout, "eml", "  layout eml");
	o.version = 0;
	is_int(ims_archive_export(&r, st, NULL, path, &o), IMS_INVALID, "options of version 0");
}

static void
test_refusals(const char *root)
{
	static ims_archive_report rep;
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/junk.tar", root);
	if ((f = fopen(path, "w"))) {
		fputs("not an archive at all\n", f);
		fclose(f);
	}
	is_int(ims_archive_verify(&rep, path, NULL), IMS_INVALID, "junk is refused");
	ok(rep.step == IMS_XSTEP_INPUT && strstr(rep.why, "cannot verify '") &&
	   strstr(rep.why, "not a tar or zip archive"), "  why: %s", rep.why);
	snprintf(path, sizeof(path), "%s/none.tar", root);
	is_int(ims_archive_verify(&rep, path, NULL), IMS_INVALID, "no file is refused");
	ok(strstr(rep.why, "No such file") != NULL, "  why: %s", rep.why);
	is_int(ims_archive_verify(NULL, path, NULL), IMS_INVALID, "no report");
}

static void
test_import(ims_store *dst, const char *root)
{
	ims_import_opts o = IMS_IMPORT_OPTS_INIT;
	static ims_import_result r;
	char path[512];
	seen s = { 0 };

	snprintf(path, sizeof(path), "%s/all.tar.gz", root);
	/* all.tar.gz is the eml export now: refused */
	is_int(ims_archive_import(&r, dst, path, NULL), IMS_INVALID, "an eml archive is refused");
	ok(r.step == IMS_XSTEP_INPUT && strstr(r.why, "only raw archives"), "  why: %s", r.why);
	snprintf(path, sizeof(path), "%s/raw.tar", root);
	o.progress = on_progress;
	o.payload = &s;
	o.batch = 2;
	is_int(ims_archive_import(&r, dst, path, &o), 0, "import the raw archive");
	ok(r.stored == 5 && r.existing == 0 && r.commits == 3, "  5 stored in 3 commits");
	ok(s.dones == 1 && s.last_messages == 5, "  progress");
	is_int(count(dst, "state:held"), 1, "  the hold came along");
	is_int(count(dst, "owner:" BOB " conversation:c1"), 2, "  the conversations too");
	is_int(ims_archive_import(&r, dst, path, NULL), 0, "import it again");
	ok(r.stored == 0 && r.existing == 5, "  nothing new");
}

static void
test_delete_after(ims_store *st, const char *root)
{
	ims_export_opts o = IMS_EXPORT_OPTS_INIT;
	static ims_export_result r;
	ims_filter *f = NULL;
	char path[512];

	snprintf(path, sizeof(path), "%s/raw.tar", root);
	o.flags = IMS_EXPORT_NO_COMPRESS;
	is_int(ims_archive_export(&r, st, NULL, path, &o), 0, "a raw tar for the import");
	snprintf(path, sizeof(path), "%s/eve.tar", root);
	ims_filter_parse(&f, "owner:" EVE, IMS_TIME_NONE, NULL);
	o.flags = IMS_EXPORT_DELETE_AFTER;
	is_int(ims_archive_export(&r, st, f, path, &o), 0, "export eve's, then delete them");
	ok(r.messages == 2 && r.deleted.deleted == 1 && r.deleted.held == 1,
	   "  one deleted, one kept under legal hold");
	is_int(count(st, "owner:" EVE), 1, "  eve keeps the held one");
	ims_filter_free(f);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void
test_msilo(ims_store *st, const char *root)
{
	ims_import_opts o = IMS_IMPORT_OPTS_INIT;
	static ims_import_result r;
	char path[512];

	snprintf(path, sizeof(path), "%s/silo.tsv", root);
	write_file(path, "id\tsrc_addr\tdst_addr\tusername\tdomain\tinc_time\texp_time\t"
	           "snd_time\tctype\tbody\textra_hdrs\tcallid\tstatus\n"
	           "1\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t1700000000\t0\t0\ttext/plain\t"
	           "hi\\tthere\tNULL\tcall-1\t0\n"
	           "2\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t1700000000\t1700000100\t0\t"
	           "NULL\told\tNULL\tNULL\t0\n");
	o.now = INT64_C(1700000200) * 1000000;
	is_int(ims_msilo_import(&r, st, path, &o), IMS_INVALID, "an msilo dump of no form");
	ok(r.stored == 0 && strstr(r.why, "is not named (mysql, tabs or csv)"), "  why: %s", r.why);
	o.msilo_form = IMS_MSILO_MYSQL;
	is_int(ims_msilo_import(&r, st, path, &o), 0, "an msilo dump");
	ok(r.stored == 1 && r.expired == 1, "  one stored, one expired");
	is_int(count(st, "owner:sip:b@y.org folder:deferred msgid:call-1"), 1,
	       "  a deferred message of sip:b@y.org");
	write_file(path, "3\tsip:a@x.org\tsip:b@y.org\tb@evil.org\ty.org\t0\t0\t0\tNULL\t"
	           "x\tNULL\tNULL\t0\n");
	is_int(ims_msilo_import(&r, st, path, &o), IMS_INVALID, "a row naming another user");
	ok(r.step == IMS_XSTEP_INPUT && strstr(r.why, "' line 1 (msilo id 3): username 'b@evil.org' "
	   "would not form the address of one user"), "  why: %s", r.why);
	snprintf(path, sizeof(path), "%s/nothing.tsv", root);
	is_int(ims_msilo_import(&r, st, path, &o), ENOENT, "no dump");
	ok(r.step == IMS_XSTEP_INPUT && strstr(r.why, "cannot open '"), "  why: %s", r.why);
}

static void
test_pairset(void)
{
	ims__pairset s;
	size_t i = 99, j = 99, k = 99;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = ims__pairset_add(&i, &s, "bob", "c1");
	rc |= ims__pairset_add(&j, &s, "bob", "c2");
	rc |= ims__pairset_add(&k, &s, "bob", "c1");
	ok(rc == 0 && i == 0 && j == 1 && k == 0, "pairs in the order first met");
	is_int(s.v[0].count, 2, "  counted");
	rc = ims__pairset_add(&i, &s, "bobc", "1");
	rc |= ims__pairset_add(&j, &s, "bob", NULL);
	rc |= ims__pairset_add(&k, &s, "bob", NULL);
	ok(rc == 0 && i == 2 && j == 3 && k == 3, "  ('bobc','1'), ('bob') and ('bob','c1') differ");
	for (int n = 0; n < 2000 && rc == 0; n++) {
		char a[16];
		snprintf(a, sizeof(a), "u%d", n);
		rc = ims__pairset_add(&i, &s, a, "c");
	}
	ok(rc == 0 && s.n == 2004 && i == 2003 && strcmp(s.v[1000].a, "u996") == 0,
	   "  grows, keeps its order");
	ims__pairset_free(&s);
	ok(s.n == 0 && s.v == NULL, "  freed");
}

int
main(void)
{
	char root[64] = "/tmp/ims-exchange-XXXXXX";
	ims_store *st, *dst;

	if (!mkdtemp(root) || open_store(&st, root, "a") || open_store(&dst, root, "b"))
		return 1;
	fill(st);
	test_export_verify(st, root);
	test_refusals(root);
	test_delete_after(st, root);
	test_import(dst, root);
	test_msilo(dst, root);
	test_pairset();
	ims_store_close(dst);
	ims_store_close(st);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("cannot remove %s", root);
	}
	return done_testing();
}
