/* test_notice.c - ims_imdn_notice(): the IMDN (RFC 5438) a server sends
 * about a stored message whose sender asked for it.  Requests from the
 * RFC 5438 example of tests/corpus (as it is, and asking for processing
 * and negative-delivery), notifications read back with libcpim and their
 * documents validated with xmllint against schemas/imdn.xsd, which also
 * takes the RFC's own example document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpim.h"
#include "imstore.h"
#include "tap.h"

#define SERVER "sip:im.example.com"
#define NOW INT64_C(1700000000000000) /* 2023-11-14T22:13:20Z */

static char root[256];

/* Now and 200 ms: when the messages of test_expire() expire. */
static int64_t
soon_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + 200000;
}

static char *
slurp(size_t *len, const char *path)
{
	const char *src = getenv("IMS_SRCDIR");
	char full[512];
	char *buf = NULL;
	long n;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", src ? src : ".", path);
	if (!(f = fopen(full, "rb")))
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Validate with xmllint --schema; its complaints become TAP comments. */
static int
xml_valid(const void *doc, size_t len)
{
	char path[512], errs[512], cmd[2048], line[512];
	FILE *f;
	int valid;

	snprintf(path, sizeof(path), "%s/doc.xml", root);
	snprintf(errs, sizeof(errs), "%s/xmllint.out", root);
	if (!(f = fopen(path, "w")))
		return 0;
	fwrite(doc, 1, len, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xmllint --noout --schema '%s/schemas/imdn.xsd' '%s' >'%s' 2>&1",
	         getenv("IMS_SRCDIR") ? getenv("IMS_SRCDIR") : ".", path, errs);
	valid = system(cmd) == 0;
	if (!valid && (f = fopen(errs, "r"))) {
		while (fgets(line, sizeof(line), f))
			diag("%.*s", (int)strcspn(line, "\n"), line);
		fclose(f);
	}
	return valid;
}

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

/* The RFC 5438 example request with its Disposition-Notification line
 * replaced by dn (NULL: as it is) and extra CPIM headers after it. */
static char *
request(size_t *len, const char *dn, const char *extra)
{
	size_t n = 0;
	char *rfc = slurp(&n, "tests/corpus/cpim/ok-03-rfc5438-imdn-request.cpim");
	const char *key = "imdn.Disposition-Notification: ";
	char *at, *eol, *out;

	if (!rfc || !(at = strstr(rfc, key)) || !(eol = strstr(at, "\r\n"))) {
		free(rfc);
		return NULL;
	}
	out = malloc(n + 512);
	*len = (size_t)snprintf(out, n + 512, "%.*s%s%s\r\n%s%s", (int)(at - rfc), rfc, key,
	                        dn ? dn : "", extra ? extra : "", eol + 2);
	if (!dn)
		*len = (size_t)snprintf(out, n + 512, "%s", rfc);
	free(rfc);
	return out;
}

/* Ingest and store a payload for bob; the stored message, or NULL. */
static ims_msg *
stored(ims_store *st, const void *data, size_t len, const char *msgid)
{
	ims_msg m = IMS_MSG_INIT, *back = NULL;
	ims_ingest *g = NULL;
	const void *body;
	size_t blen;
	ims_id id;

	m.owner = "im:bob@example.com";
	m.message_id = msgid;
	if (ims_ingest_cpim(&g, &m, data, len, NULL, NULL) == 0) {
		ims_ingest_body(&body, &blen, g);
		if (ims_deferred_store(&id, NULL, st, &m, body, blen) == 0)
			ims_get(&back, st, &id);
	}
	ims_ingest_free(g);
	return back;
}

static const char *
addr_uri(const cpim_msg *cm, cpim_addr_kind kind)
{
	cpim_addr a;
	return cpim_msg_addr(&a, cm, kind, 0) == 0 ? a.uri : NULL;
}

/* A notification read back: its envelope, then its document. */
static void
check_notice(const ims_notice *n, const char *from, const char *to,
             cpim_imdn_kind kind, cpim_imdn_status status, const char *what)
{
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	cpim_msg *cm = NULL;
	cpim_imdn *doc = NULL;
	cpim_content c;
	cpim_datetime dt;
	cpim_header h;

	po.flags = CPIM_PARSE_STRICT;
	if (!ok(n->body && cpim_parse(&cm, n->body, n->len, &po, NULL) == 0,
	        "%s: a notification that parses strictly", what))
		return;
	is_str(addr_uri(cm, CPIM_ADDR_FROM), from, "%s: From", what);
	is_str(addr_uri(cm, CPIM_ADDR_TO), to, "%s: To", what);
	is_str(n->from, from, "%s: from, for the SIP request", what);
	is_str(n->to, to, "%s: to, for the SIP request", what);
	ok(cpim_msg_datetime(&dt, cm) == 0 && dt.us == NOW, "%s: DateTime now", what);
	ok(cpim_msg_imdn_message_id(cm) && strcmp(cpim_msg_imdn_message_id(cm), "34jk324j"),
	   "%s: a new imdn.Message-ID", what);
	is_int(cpim_msg_imdn_disposition(cm), 0, "%s: asks for no notification itself", what);
	is_str(cpim_msg_content_type(cm), "message/imdn+xml", "%s: content type", what);
	ok(cpim_msg_mime_header(&h, cm, 1) == 0 && strcmp(h.name, "Content-Disposition") == 0 &&
	   strcmp(h.value, "notification") == 0, "%s: Content-Disposition: notification", what);
	cpim_msg_content(&c, cm);
	ok(xml_valid(c.data, c.len), "%s: the document validates (imdn.xsd)", what);
	if (ok(cpim_imdn_parse(&doc, c.data, c.len, NULL) == 0, "%s: libcpim reads it", what)) {
		is_int(doc->kind, kind, "%s: kind", what);
		is_int(doc->status, status, "%s: status", what);
		is_str(doc->message_id, "34jk324j", "%s: the original Message-ID", what);
		is_str(doc->datetime, "2006-04-04T12:16:49-05:00", "%s: the original DateTime", what);
		is_str(doc->recipient_uri, "im:bob@example.com", "%s: recipient-uri", what);
	}
	cpim_imdn_free(doc);
	cpim_msg_free(cm);
}

static void
test_schema(void)
{
	size_t len = 0;
	char *rfc = slurp(&len, "tests/fuzz/corpus/imdn/ok-rfc5438.xml");
	char *bad = slurp(&len, "tests/fuzz/corpus/imdn/bad-status-mismatch.xml");

	ok(rfc && xml_valid(rfc, strlen(rfc)), "schema: the RFC 5438 example validates");
	ok(bad && !xml_valid(bad, strlen(bad)), "schema: a status of another kind does not");
	free(rfc);
	free(bad);
}

static void
test_rfc(void)
{
	ims_store *st = create("rfc");
	ims_notice_opts o = IMS_NOTICE_OPTS_INIT;
	ims_notice n;
	size_t len = 0;
	char *as_is = request(&len, NULL, NULL);
	ims_msg *m = as_is ? stored(st, as_is, len, NULL) : NULL;

	o.server = SERVER;
	o.now = NOW;
	if (!ok(m != NULL, "rfc: the RFC 5438 request stored"))
		return;
	is_int(ims_imdn_notice(&n, st, m, IMS_NOTICE_STORED, &o), 0, "rfc: stored notice");
	ok(n.body == NULL && n.to == NULL, "rfc: not asked for (positive-delivery, display)");
	is_int(ims_imdn_notice(&n, st, m, IMS_NOTICE_EXPIRED, &o), 0, "rfc: expired notice");
	ok(n.body == NULL, "rfc: not asked for either");
	ims_msg_free(m);
	free(as_is);

	as_is = request(&len, "positive-delivery, negative-delivery, processing", NULL);
	m = as_is ? stored(st, as_is, len, "p1") : NULL;
	if (!ok(m != NULL, "asked: stored"))
		return;
	is_int(ims_imdn_notice(&n, st, m, IMS_NOTICE_STORED, &o), 0, "asked: stored notice");
	check_notice(&n, SERVER, "im:alice@example.com", CPIM_IMDN_PROCESSING,
	             CPIM_IMDN_STORED, "processing/stored");
	ims_notice_clear(&n);
	is_int(ims_imdn_notice(&n, st, m, IMS_NOTICE_EXPIRED, &o), 0, "asked: expired notice");
	check_notice(&n, "im:bob@example.com", "im:alice@example.com", CPIM_IMDN_DELIVERY,
	             CPIM_IMDN_FAILED, "delivery/failed");
	ims_notice_clear(&n);
	o.server = NULL;
	is_int(ims_imdn_notice(&n, st, m, IMS_NOTICE_STORED, &o), 0, "no server address");
	is_str(n.from, "im:bob@example.com", "no server address: on the recipient's behalf");
	ims_notice_clear(&n);
	ok(n.body == NULL && n.to == NULL && n.from == NULL, "cleared");
	is_int(ims_imdn_notice(&n, st, m, (ims_notice_kind)7, NULL), IMS_INVALID, "bad kind");
	ims_msg_free(m);
	free(as_is);
	ims_store_close(st);
}

/* IMDN-Record-Route and Original-To; processing alone does not ask for a
 * failure notice. */
static void
test_routes(void)
{
	ims_store *st = create("routes");
	ims_notice_opts o = IMS_NOTICE_OPTS_INIT;
	ims_notice n;
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	cpim_msg *cm = NULL;
	cpim_imdn *doc = NULL;
	cpim_content c;
	size_t len = 0;
	char *req = request(&len, "processing",
	                    "imdn.IMDN-Record-Route: <sip:relay.example.net>\r\n"
	                    "imdn.Original-To: <im:robert@example.com>\r\n");
	ims_msg *m = req ? stored(st, req, len, NULL) : NULL;

	o.now = NOW;
	if (!ok(m != NULL, "routes: stored"))
		return;
	is_int(ims_imdn_notice(&n, st, m, IMS_NOTICE_EXPIRED, &o), 0, "routes: expired");
	ok(n.body == NULL, "routes: negative-delivery not asked for");
	is_int(ims_imdn_notice(&n, st, m, IMS_NOTICE_STORED, &o), 0, "routes: stored");
	is_str(n.to, "sip:relay.example.net", "routes: to the IMDN-Record-Route");
	if (n.body && cpim_parse(&cm, n.body, n.len, &po, NULL) == 0) {
		cpim_msg_content(&c, cm);
		if (ok(cpim_imdn_parse(&doc, c.data, c.len, NULL) == 0, "routes: a document"))
			is_str(doc->original_recipient_uri, "im:robert@example.com",
			       "routes: original-recipient-uri from imdn.Original-To");
		ok(xml_valid(c.data, c.len), "routes: validates");
	}
	cpim_imdn_free(doc);
	cpim_msg_free(cm);
	ims_notice_clear(&n);
	ims_msg_free(m);
	free(req);
	ims_store_close(st);
}

/* Messages not stored as CPIM: a kept Disposition-Notification header
 * asks; none, an anonymous sender or a payload that is no CPIM do not. */
static void
test_records(void)
{
	ims_store *st = create("records");
	ims_notice_opts o = IMS_NOTICE_OPTS_INIT;
	ims_header dn = { "Disposition-Notification", "processing" };
	ims_msg m = IMS_MSG_INIT, *back = NULL;
	ims_notice n;
	ims_id id;

	o.server = SERVER;
	o.now = NOW;
	m.owner = "sip:bob@example.com";
	m.from.uri = "sip:alice@example.com";
	m.message_id = "k1";
	m.sent = INT64_C(1144171009000000);
	m.headers = &dn;
	m.nheaders = 1;
	ims_deferred_store(&id, NULL, st, &m, "hi", 2);
	ims_get(&back, st, &id);
	is_int(back ? ims_imdn_notice(&n, st, back, IMS_NOTICE_STORED, &o) : -1, 0,
	       "kept header: notice");
	ok(n.body != NULL, "kept header: asked for");
	is_str(n.to, "sip:alice@example.com", "kept header: to the sender");
	ok(n.body && strstr(n.body, "<message-id>k1</message-id>") &&
	   strstr(n.body, "<datetime>2006-04-04T17:16:49Z</datetime>"),
	   "kept header: its Message-ID and sent time in the document");
	ims_notice_clear(&n);
	ims_msg_free(back);

	m.message_id = "k2";
	m.from.uri = "sip:anonymous@anonymous.invalid";
	ims_deferred_store(&id, NULL, st, &m, "hi", 2);
	ims_get(&back, st, &id);
	is_int(back ? ims_imdn_notice(&n, st, back, IMS_NOTICE_STORED, &o) : -1, 0,
	       "anonymous: no error");
	ok(n.body == NULL, "anonymous: no one to send it to");
	ims_msg_free(back);

	m.message_id = "k3";
	m.from.uri = "sip:alice@example.com";
	m.headers = NULL;
	m.nheaders = 0;
	m.content_type = "message/cpim";
	ims_deferred_store(&id, NULL, st, &m, "imdn.Disposition-Notification: processing", 42);
	ims_get(&back, st, &id);
	is_int(back ? ims_imdn_notice(&n, st, back, IMS_NOTICE_STORED, &o) : -1, 0,
	       "no CPIM: no error");
	ok(n.body == NULL, "no CPIM: nothing asked for");
	ims_msg_free(back);
	ims_store_close(st);
}

/* ---------------------------------------------------------------- expire */

typedef struct seen {
	char ids[8][32];
	int n, stop_at;
} seen;

static int
collect(const ims_msg *m, const ims_notice *n, void *payload)
{
	seen *s = payload;

	if (s->n < 8)
		snprintf(s->ids[s->n++], 32, "%s%s", m->message_id,
		         n->body && strstr(n->body, "<failed/>") ? "" : "?");
	return s->n == s->stop_at ? 42 : 0;
}

/* A deferred message for bob that expires at exp, asking for dn (NULL:
 * nothing), as a CPIM payload or (kept) a record with a kept header. */
static void
expiring(ims_store *st, const char *msgid, const char *dn, int cpim, int64_t exp)
{
	ims_header h = { "Disposition-Notification", dn };
	ims_msg m = IMS_MSG_INIT, *back;
	size_t len = 0;
	char *req = cpim ? request(&len, dn ? dn : "display", NULL) : NULL;
	ims_ingest *g = NULL;
	const void *body = "x";
	ims_id id;

	m.owner = "im:bob@example.com";
	m.from.uri = "im:alice@example.com";
	m.message_id = msgid;
	m.expires = exp;
	if (req && ims_ingest_cpim(&g, &m, req, len, NULL, NULL) == 0)
		ims_ingest_body(&body, &len, g);
	else if (!cpim) {
		m.headers = dn ? &h : NULL;
		m.nheaders = dn ? 1 : 0;
		len = 1;
	}
	if (ims_deferred_store(&id, NULL, st, &m, body, len) == 0 && ims_get(&back, st, &id) == 0)
		ims_msg_free(back);
	else
		diag("could not store %s", msgid);
	ims_ingest_free(g);
	free(req);
}

static void
test_expire(void)
{
	ims_store *st = create("expire");
	int64_t soon = soon_us();
	ims_filter *f = NULL;
	seen s = { .n = 0, .stop_at = 0 };
	uint64_t n = 0, held = 0;

	expiring(st, "e1", "negative-delivery", 1, soon);
	expiring(st, "e2", NULL, 1, soon);
	expiring(st, "e3", "negative-delivery, processing", 0, soon);
	expiring(st, "e4", "negative-delivery", 1, soon);
	expiring(st, "e5", "negative-delivery", 1, soon + INT64_C(3600000000));
	ims_filter_parse(&f, "msgid:e4", IMS_TIME_NONE, NULL);
	ims_hold(&held, st, f, "case", "test");
	ims_filter_free(f);
	usleep(300000);
	is_int(ims_deferred_expire_notices(&n, st, soon + 1, NULL, collect, &s), 0,
	       "expire: notices");
	is_int(n, 2, "expire: two asked for");
	is_int(s.n, 2, "expire: two passed on");
	is_str(s.ids[0], "e1", "expire: the CPIM payload's, a failed delivery");
	is_str(s.ids[1], "e3", "expire: the kept header's");
	is_int(ims_deferred_sweep(&n, st, soon + 1), 0, "expire: then the sweep");
	is_int(n, 3, "expire: it removes the three not held (e1, e2, e3)");
	s.n = 0;
	is_int(ims_deferred_expire_notices(&n, st, soon + 1, NULL, collect, &s), 0,
	       "expire: again");
	is_int(n, 0, "expire: nothing left (the held one is kept, no notice)");
	expiring(st, "e6", "negative-delivery", 1, soon + INT64_C(3600000000));
	s.n = 0;
	s.stop_at = 1;
	is_int(ims_deferred_expire_notices(&n, st, soon + INT64_C(7200000000), NULL, collect, &s),
	       42, "expire: the callback stops it");
	is_int(s.n, 1, "expire: after one");
	ims_store_close(st);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/ims-notice-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_schema();
	test_rfc();
	test_routes();
	test_records();
	test_expire();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
