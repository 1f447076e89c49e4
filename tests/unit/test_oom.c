/* test_oom.c - out of memory: the Nth allocation fails, for N = 0, 1, 2, …
 * until the operation succeeds (SQLite's method).  Every run must end in a
 * clean error (or success), leak nothing (ASan's leak check in check-asan,
 * a live-allocation count here) and leave no half-written record (the
 * store verifies after each run).
 *
 * Linked with -Wl,--wrap for the allocation functions, so that the
 * library's own calls go through the countdown while the sanitizers keep
 * their allocator; libxml2 gets the same countdown through xmlMemSetup(). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

#include "tap.h"
#include "imstore.h"
#include "cpim.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void __wrap_free(void *p);

static long countdown = -1;  /* allocations left before the failure; -1: off */
static int failed;           /* the armed failure happened */
static long live;            /* allocations made minus freed while counting */
static int counting;
static int persist;          /* every allocation after the Nth fails too */

static int
fail_now(void)
{
	if (countdown < 0)
		return 0;
	if (countdown == 0) {
		failed = 1;
		if (!persist)
			countdown = -1;
		return 1;
	}
	countdown--;
	return 0;
}

void *
__wrap_malloc(size_t n)
{
	void *p = fail_now() ? NULL : __real_malloc(n);
	if (p && counting)
		live++;
	return p;
}

void *
__wrap_calloc(size_t n, size_t m)
{
	void *p = fail_now() ? NULL : __real_calloc(n, m);
	if (p && counting)
		live++;
	return p;
}

void *
__wrap_realloc(void *old, size_t n)
{
	void *p;

	if (fail_now())
		return NULL;
	p = __real_realloc(old, n);
	if (p && !old && counting)
		live++;
	return p;
}

char *
__wrap_strdup(const char *s)
{
	char *p = fail_now() ? NULL : __real_strdup(s);
	if (p && counting)
		live++;
	return p;
}

char *
__wrap_strndup(const char *s, size_t n)
{
	char *p = fail_now() ? NULL : __real_strndup(s, n);
	if (p && counting)
		live++;
	return p;
}

void
__wrap_free(void *p)
{
	if (p && counting)
		live--;
	__real_free(p);
}

static void
xml_quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

static char *
xml_strdup(const char *s)
{
	return __wrap_strdup(s);
}

#define OWNER "sip:oom@example.org"

static char dir[256];
static ims_store *st;
static char path_buf[512];

static const char *
path(const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
	return path_buf;
}

/* One operation under test: 0 on success, else its error.  tag names the
 * attempt so that each one stores a new message. */
typedef int (*op_fn)(long attempt);

static int
sound(void)
{
	ims_verify_opts vo = IMS_VERIFY_OPTS_INIT;
	ims_verify_result r;
	int rc = ims_verify(&r, st, &vo);

	return rc == 0 && r.problems == 0;
}

static void
countdown_loop1(const char *what, op_fn fn, int check_store)
{
	long n, errors = 0, leaks = 0, unsound = 0, bad_codes = 0;
	int rc;

	for (n = 0; n < 100000; n++) {
		live = 0;
		failed = 0;
		counting = 1;
		countdown = n;
		rc = fn(n);
		countdown = -1;
		counting = 0;
		if (live != 0) {
			if (leaks++ < 10)
				diag("%s: N=%ld: %ld allocations not freed", what, n, live);
		}
		if (rc == 0 && !failed)
			break;
		if (rc != 0) {
			errors++;
			if (rc == IMS_INTERNAL || rc == IMS_CORRUPT) {
				if (bad_codes++ == 0)
					diag("%s: N=%ld: %s", what, n, ims_strerror(rc));
			}
		}
		if (check_store && !sound()) {
			if (unsound++ == 0)
				diag("%s: N=%ld: the store does not verify", what, n);
		}
	}
	ok(n < 100000 && n > 0, "%s: succeeds once %ld allocations are allowed (%ld clean errors)",
	   what, n, errors);
	is_int(leaks, 0, "%s: nothing leaked in any run", what);
	is_int(bad_codes, 0, "%s: no internal or corruption error", what);
	if (check_store)
		is_int(unsound, 0, "%s: the store verifies after every run", what);
}

/* the Nth allocation fails once, then the Nth and every later one */
static void
countdown_loop(const char *what, op_fn fn, int check_store)
{
	char name[128];

	persist = 0;
	snprintf(name, sizeof(name), "%s, the Nth allocation failing", what);
	countdown_loop1(name, fn, check_store);
	persist = 1;
	snprintf(name, sizeof(name), "%s, every allocation from the Nth failing", what);
	countdown_loop1(name, fn, check_store);
	persist = 0;
}

static int
put_one(long attempt, int deferred)
{
	char msgid[64], body[3000];
	ims_msg m = IMS_MSG_INIT, *got = NULL;
	ims_addr to = { "sip:bob@example.org", "Bob" };
	ims_header h = { "P-Asserted-Identity", "<sip:writer@example.org>" };
	ims_refusal why;
	int rc, found;

	if (attempt < 0)
		snprintf(msgid, sizeof(msgid), "fixture@oom");
	else
		snprintf(msgid, sizeof(msgid), "%s-%ld-%d@oom", deferred ? "d" : "p",
		         attempt, persist);
	memset(body, 'a' + attempt % 26, sizeof(body));
	m.owner = OWNER;
	m.from.uri = "sip:writer@example.org";
	m.from.name = "Writer";
	m.to = &to;
	m.nto = 1;
	m.message_id = msgid;
	m.subject = "subject";
	m.headers = &h;
	m.nheaders = 1;
	rc = deferred ? ims_deferred_store(NULL, &why, st, &m, body, sizeof(body))
	              : ims_put(NULL, st, &m, body, sizeof(body));
	/* no half-written record: stored entirely, or not at all */
	countdown = -1;
	found = ims_get_by_msgid(&got, st, OWNER, IMS_FOLDER_DEFERRED, msgid);
	if ((rc == 0) != (found == 0)) {
		diag("%s: returned %s, lookup %s", msgid, ims_strerror(rc), ims_strerror(found));
		rc = IMS_CORRUPT;
	}
	ims_msg_free(got);
	return rc;
}

static int
op_put(long attempt)
{
	return put_one(attempt, 0);
}

static int
op_deferred_store(long attempt)
{
	return put_one(attempt, 1);
}

static int
op_query(long attempt)
{
	ims_filter *f = NULL;
	ims_query *q = NULL;
	const ims_msg *m;
	int rc, n = 0;

	(void)attempt;
	if ((rc = ims_filter_parse(&f, "from:sip:writer@example.org and subject:subject",
	                           IMS_TIME_NONE, NULL)))
		return rc;
	if ((rc = ims_query_open(&q, st, f, NULL)))
		goto out;
	while ((rc = ims_query_next(&m, q)) == 0)
		n++;
	if (rc == IMS_ITEROVER)
		rc = n > 0 ? 0 : IMS_NOTFOUND;
out:
	ims_query_free(q);
	ims_filter_free(f);
	return rc;
}

static int
op_lease(long attempt)
{
	ims_lease *l = NULL;
	uint64_t count = 0;
	int rc;

	(void)attempt;
	rc = ims_deferred_lease(&l, st, OWNER, NULL, 0, 60 * INT64_C(1000000));
	if (rc == 0 && ims_lease_count(l) == 0)
		rc = IMS_NOTFOUND;
	/* release it, so the next attempt finds the messages pending again */
	countdown = -1;
	if (l)
		ims_deferred_release(&count, st, OWNER, ims_lease_token(l));
	ims_lease_free(l);
	return rc;
}

static int
op_body(long attempt)
{
	ims_msg *m = NULL;
	void *body = NULL;
	size_t len = 0;
	int rc;

	(void)attempt;
	if ((rc = ims_get_by_msgid(&m, st, OWNER, IMS_FOLDER_DEFERRED, "fixture@oom")) == 0)
		rc = ims_body_get(&body, &len, st, &m->id);
	if (rc == 0 && len != 3000)
		rc = IMS_CORRUPT;
	free(body);
	ims_msg_free(m);
	return rc;
}

static int
op_verify(long attempt)
{
	ims_verify_opts vo = IMS_VERIFY_OPTS_INIT;
	ims_verify_result r;
	int rc;

	(void)attempt;
	rc = ims_verify(&r, st, &vo);
	return rc == 0 && r.problems ? IMS_CORRUPT : rc;
}

static int
op_open(long attempt)
{
	ims_store *s2 = NULL;
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	char p[300];
	int rc;

	o.flags = IMS_OPEN_CREATE;
	snprintf(p, sizeof(p), "%s/new-%ld-%d", dir, attempt, persist);
	rc = ims_store_open(&s2, p, &o);
	ims_store_close(s2);
	return rc;
}

static int
op_settings(long attempt)
{
	static const char doc[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<im-settings xmlns=\"urn:oma:xml:im:service-settings\">"
	    "<invisibility active=\"true\"/></im-settings>";
	ims_settings s = IMS_SETTINGS_INIT;
	int rc;

	(void)attempt;
	rc = ims_settings_parse(&s, doc, sizeof(doc) - 1, NULL);
	/* libxml2 keeps a copy of its last error globally until the next one */
	xmlResetLastError();
	return rc;
}

static int
op_cpim(long attempt)
{
	static const char doc[] =
	    "From: MR SANDERS <im:piglet@100akerwood.com>\r\n"
	    "To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"
	    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
	    "Subject: the weather will be fine today\r\n"
	    "NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n"
	    "MyFeatures.VitalMessageOption: Confirmation-requested\r\n"
	    "\r\n"
	    "Content-type: text/plain; charset=utf-8\r\n"
	    "Content-ID: <1234567890@foo.com>\r\n"
	    "\r\n"
	    "Here is the text of my message.\r\n";
	cpim_msg *m = NULL;
	int rc;

	(void)attempt;
	rc = cpim_parse(&m, doc, sizeof(doc) - 1, NULL, NULL);
	cpim_msg_free(m);
	return rc;
}

/* a SIP MESSAGE with a message/cpim body through ims_ingest_sip(), the
 * caller's header kept before the SIP ones, then stored */
static int
op_ingest(long attempt)
{
	static const char req[] =
	    "MESSAGE sip:oom@example.org SIP/2.0\r\n"
	    "Via: SIP/2.0/TCP proxy.example.org;branch=z9hG4bK776\r\n"
	    "From: <sip:writer@example.org>;tag=49583\r\n"
	    "To: <sip:oom@example.org>\r\n"
	    "P-Asserted-Identity: \"Writer\" <sip:writer@example.org>\r\n"
	    "Call-ID: oom-call@example.org\r\n"
	    "CSeq: 1 MESSAGE\r\n"
	    "User-Agent: oom/1\r\n"
	    "Content-Type: message/cpim\r\n"
	    "\r\n"
	    "From: <sip:writer@example.org>\r\n"
	    "To: <sip:oom@example.org>\r\n"
	    "cc: <sip:cc1@example.org>\r\n"
	    "DateTime: 2026-01-02T03:04:05Z\r\n"
	    "\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "hello\r\n";
	static const ims_header mine[] = { { "X-Mine", "yes" } };
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	const void *body;
	size_t len;
	char mid[64];
	int rc;

	snprintf(mid, sizeof(mid), "ingest-%ld", attempt);
	m.message_id = mid;
	m.headers = mine;
	m.nheaders = 1;
	if ((rc = ims_ingest_sip(&g, &m, req, sizeof(req) - 1, NULL, NULL)))
		return rc;
	ims_ingest_body(&body, &len, g);
	rc = ims_put(NULL, st, &m, body, len);
	ims_ingest_free(g);
	return rc;
}

int
main(void)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;

	xmlMemSetup(__wrap_free, __wrap_malloc, __wrap_realloc, xml_strdup);
	/* libxml2's global tables are made once, not per document */
	xmlInitParser();
	/* libxml2 reports its own allocation failures on stderr */
	xmlSetGenericErrorFunc(NULL, xml_quiet);
	snprintf(dir, sizeof(dir), "/tmp/ims-oom.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	o.flags = IMS_OPEN_CREATE;
	if (ims_store_open(&st, path("store"), &o) != 0)
		return 1;

	if (put_one(-1, 0) != 0)
		return 1;
	countdown_loop("ims_store_open", op_open, 0);
	countdown_loop("ims_put", op_put, 1);
	countdown_loop("ims_deferred_store", op_deferred_store, 1);
	countdown_loop("ims_query", op_query, 0);
	countdown_loop("ims_get_by_msgid, ims_body_get", op_body, 0);
	countdown_loop("ims_verify", op_verify, 0);
	countdown_loop("ims_deferred_lease", op_lease, 1);
	countdown_loop("ims_settings_parse", op_settings, 0);
	countdown_loop("cpim_parse", op_cpim, 0);
	countdown_loop("ims_ingest_sip, ims_put", op_ingest, 1);

	ims_store_close(st);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
	}
	return done_testing();
}
