/* test_ingest.c - ims_ingest_cpim() and ims_ingest_sip(): a Message/CPIM
 * payload or a SIP MESSAGE request as a message to store, with the RFC 3862
 * and SIP examples of tests/corpus; what the caller set wins, errors say
 * which part failed and where, and the result stores with ims_put(),
 * ims_deferred_store() and ims_history_record(). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "imstore.h"

static char *
slurp(size_t *len, const char *dir, const char *name)
{
	const char *src = getenv("IMS_SRCDIR");
	char path[512];
	char *buf = NULL;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/corpus/%s/%s", src ? src : ".", dir, name);
	if (!(f = fopen(path, "rb")))
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

static const char *
header(const ims_msg *m, const char *name, size_t nth)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (strcmp(m->headers[i].name, name) == 0 && nth-- == 0)
			return m->headers[i].value;
	return NULL;
}

/* RFC 5438's example request: every field from the CPIM headers */
static void
test_cpim_fills(void)
{
	ims_msg m = IMS_MSG_INIT;
	ims_ingest_error e;
	ims_ingest *g = NULL;
	const void *body;
	size_t len = 0, blen;
	char *data = slurp(&len, "cpim", "ok-03-rfc5438-imdn-request.cpim");
	int rc;

	if (!ok(data != NULL, "cpim: read ok-03-rfc5438-imdn-request.cpim"))
		return;
	rc = ims_ingest_cpim(&g, &m, data, len, NULL, &e);
	is_int(rc, 0, "cpim: ingested");
	ok(g != NULL, "cpim: an object");
	is_str(m.from.uri, "im:alice@example.com", "cpim: from From");
	is_str(m.from.name, "Alice", "cpim: its name");
	is_int(m.nto, 1, "cpim: one To");
	is_str(m.nto ? m.to[0].uri : NULL, "im:bob@example.com", "cpim: to from To");
	is_str(m.owner, "im:bob@example.com", "cpim: owner: the recipient");
	is_str(m.message_id, "34jk324j", "cpim: message_id from imdn.Message-ID");
	is_str(m.sent_text, "2006-04-04T12:16:49-05:00", "cpim: sent_text from DateTime");
	is_int(m.sent, 1144171009000000LL, "cpim: sent in UTC");
	is_str(m.content_type, "text/plain", "cpim: the encapsulated Content-Type");
	is_int(m.nheaders, 1, "cpim: one kept header");
	is_str(header(&m, "Content-Type", 0), "message/cpim", "cpim: Content-Type: message/cpim kept");
	ims_ingest_body(&body, &blen, g);
	ok(body == data && blen == len, "cpim: the body is the whole payload, not copied");
	is_int(e.code, 0, "cpim: no error left");
	ims_ingest_free(g);
	free(data);
}

/* What the caller set wins; its arrays stay its own, headers keep order. */
static void
test_cpim_caller_wins(void)
{
	static const ims_addr to[] = { { "sip:carol@example.com", "Carol" } };
	static const ims_header mine[] = { { "X-One", "1" }, { "X-Two", "2" } };
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	size_t len = 0;
	char *data = slurp(&len, "cpim", "ok-01-rfc3862-example.cpim");

	if (!ok(data != NULL, "caller: read ok-01-rfc3862-example.cpim"))
		return;
	m.owner = "sip:bob@example.com";
	m.message_id = "chosen";
	m.subject = "Mine";
	m.to = to;
	m.nto = 1;
	m.headers = mine;
	m.nheaders = 2;
	is_int(ims_ingest_cpim(&g, &m, data, len, NULL, NULL), 0, "caller: ingested");
	is_str(m.owner, "sip:bob@example.com", "caller: owner kept");
	is_str(m.message_id, "chosen", "caller: message_id kept");
	is_str(m.subject, "Mine", "caller: subject kept");
	ok(m.to == to && m.nto == 1, "caller: its To array kept");
	is_str(m.from.uri, "im:piglet@100akerwood.com", "caller: from filled");
	is_str(m.from.name, "MR SANDERS", "caller: its name");
	is_str(m.content_type, "text/xml; charset=utf-8", "caller: content type filled");
	is_int(m.nheaders, 3, "caller: two headers and Content-Type");
	ok(m.headers != mine, "caller: a new array, the caller's untouched");
	is_str(m.headers[0].name, "X-One", "caller: its headers first");
	is_str(m.headers[2].value, "message/cpim", "caller: then message/cpim");
	is_str(mine[1].value, "2", "caller: its array unchanged");
	ims_ingest_free(g);
	free(data);
}

/* the fields an ingest fills, unchanged (no memcmp: the padding) */
static int
same_msg(const ims_msg *a, const ims_msg *b)
{
	return a->owner == b->owner && a->from.uri == b->from.uri &&
	       a->from.name == b->from.name && a->to == b->to && a->nto == b->nto &&
	       a->cc == b->cc && a->ncc == b->ncc && a->message_id == b->message_id &&
	       a->conversation == b->conversation && a->sent == b->sent &&
	       a->sent_text == b->sent_text && a->expires == b->expires &&
	       a->content_type == b->content_type && a->subject == b->subject &&
	       a->headers == b->headers && a->nheaders == b->nheaders;
}

static int
check_failure(const char *dir, const char *name, unsigned flags,
              ims_ingest_part part)
{
	ims_ingest_opts o = IMS_INGEST_OPTS_INIT;
	ims_msg m = IMS_MSG_INIT, before;
	ims_ingest_error e;
	ims_ingest *g = (ims_ingest *)&m;
	size_t len = 0;
	char *data = slurp(&len, dir, name);
	int rc, good;

	if (!data)
		return 0;
	o.flags = flags;
	m.owner = "sip:o@example.com";
	before = m;
	rc = part == IMS_INGEST_PART_CPIM ? ims_ingest_cpim(&g, &m, data, len, &o, &e)
	                                  : ims_ingest_sip(&g, &m, data, len, &o, &e);
	good = (rc == IMS_INVALID || rc == IMS_TOOBIG) && g == NULL &&
	       e.code == rc && e.part == part && e.message[0] &&
	       same_msg(&m, &before);
	if (!good)
		diag("%s: rc %d part %d message '%s'", name, rc, (int)e.part, e.message);
	free(data);
	return good;
}

/* The corpus's malformed files: the part, libcpim's message, nothing set. */
static void
test_corpus_failures(void)
{
	const char *dirs[] = { "cpim", "sip" };

	for (int k = 0; k < 2; k++) {
		const char *src = getenv("IMS_SRCDIR");
		char path[512];
		struct dirent *de;
		size_t n = 0, good = 0;
		DIR *d;

		snprintf(path, sizeof(path), "%s/tests/corpus/%s", src ? src : ".", dirs[k]);
		if (!ok((d = opendir(path)) != NULL, "open %s", path))
			continue;
		while ((de = readdir(d))) {
			size_t l = strlen(de->d_name);
			if (strncmp(de->d_name, "bad-", 4) || l < 5 ||
			    strcmp(de->d_name + l - (k ? 4 : 5), k ? ".sip" : ".cpim"))
				continue;
			n++;
			good += check_failure(dirs[k], de->d_name, 0,
			                      k ? IMS_INGEST_PART_SIP : IMS_INGEST_PART_CPIM);
		}
		closedir(d);
		ok(n >= 20, "%s: %zu malformed files", dirs[k], n);
		is_int(good, n, "%s: each refused with its part and message, the message untouched", dirs[k]);
	}
}

/* The message is libcpim's, exactly: the corpus's .err files say it. */
static void
test_error_detail(void)
{
	ims_msg m = IMS_MSG_INIT;
	ims_ingest_error e;
	ims_ingest *g;
	size_t len = 0;
	char *data = slurp(&len, "cpim", "bad-01-missing-colon.cpim");

	if (!data)
		return;
	is_int(ims_ingest_cpim(&g, &m, data, len, NULL, &e), IMS_INVALID, "detail: refused");
	is_int(e.part, IMS_INGEST_PART_CPIM, "detail: the CPIM part");
	is_str(e.message, "line 1, column 5: expected ':' after header name", "detail: libcpim's message");
	ok(e.line == 1 && e.column == 5 && e.offset == 4, "detail: line 1, column 5, offset 4");
	free(data);
	ok(check_failure("cpim", "ok-12-lf-only.cpim", IMS_INGEST_STRICT, IMS_INGEST_PART_CPIM),
	   "strict: LF-only lines refused");
	data = slurp(&len, "cpim", "ok-12-lf-only.cpim");
	is_int(ims_ingest_cpim(&g, &m, data, len, NULL, &e), 0, "lenient: LF-only lines taken");
	ims_ingest_free(g);
	free(data);
}

/* RFC 3428-style MESSAGE with a CPIM body: identity from SIP, the rest
 * from CPIM, the body after the blank line, in the caller's bytes */
static void
test_sip_cpim_body(void)
{
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	const void *body;
	size_t len = 0, blen;
	char *data = slurp(&len, "sip", "ok-06-cpim-body.sip");
	const char *blank;

	if (!ok(data != NULL, "sip: read ok-06-cpim-body.sip"))
		return;
	is_int(ims_ingest_sip(&g, &m, data, len, NULL, NULL), 0, "sip: ingested");
	is_str(m.owner, "sip:bob@example.com", "sip: owner from the Request-URI");
	is_str(m.from.uri, "sip:alice@example.com", "sip: from From (no P-Asserted-Identity)");
	is_str(m.from.name, "Alice", "sip: its display name");
	is_str(m.message_id, "m1", "sip: message_id from the body's imdn.Message-ID");
	is_int(m.sent, 1714990272000000LL, "sip: sent from the body's DateTime");
	is_str(m.content_type, "text/plain;charset=UTF-8", "sip: the body's Content-Type");
	is_str(m.nto ? m.to[0].uri : NULL, "sip:bob@example.com", "sip: To from the body");
	is_str(header(&m, "Call-ID", 0), "asd88asd77a@1.2.3.4", "sip: Call-ID kept");
	is_str(header(&m, "Accept-Contact", 0), "*;+g.oma.sip-im", "sip: Accept-Contact kept");
	ok(!header(&m, "Via", 0), "sip: Via not kept");
	is_str(header(&m, "Content-Type", 0), "message/cpim",
	       "sip: a CPIM body kept whole is marked Content-Type: message/cpim");
	ims_ingest_body(&body, &blen, g);
	blank = strstr(data, "\r\n\r\n");
	ok(blank && body == blank + 4 && blen == len - (size_t)(blank + 4 - data),
	   "sip: the body is the bytes after the blank line, in the input");
	ims_ingest_free(g);
	free(data);
}

/* P-Asserted-Identity over From; Call-ID as message_id; Date; Expires
 * counted from opts.now */
static void
test_sip_fields(void)
{
	ims_ingest_opts o = IMS_INGEST_OPTS_INIT;
	ims_msg m = IMS_MSG_INIT, m2 = IMS_MSG_INIT;
	ims_ingest *g = NULL, *g2 = NULL;
	size_t len = 0, len2 = 0;
	char *pai = slurp(&len, "sip", "ok-04-pai-multiple.sip");
	char *dated = slurp(&len2, "sip", "ok-05-date-expires.sip");

	if (!ok(pai && dated, "sip: read ok-04 and ok-05"))
		goto out;
	is_int(ims_ingest_sip(&g, &m, pai, len, NULL, NULL), 0, "pai: ingested");
	is_str(m.from.uri, "sip:alice@example.com", "pai: from the first P-Asserted-Identity");
	is_str(m.from.name, "Alice Smith", "pai: its display name");
	is_str(m.message_id, "asd88asd77a@1.2.3.4", "pai: message_id from Call-ID");
	is_str(m.content_type, "text/plain", "pai: the SIP Content-Type");
	is_int(m.nto, 1, "pai: To from the SIP To");
	ok(header(&m, "P-Asserted-Identity", 0) && header(&m, "P-Asserted-Identity", 1),
	   "pai: both P-Asserted-Identity headers kept");
	o.now = 1000000000LL * 1000000;
	is_int(ims_ingest_sip(&g2, &m2, dated, len2, &o, NULL), 0, "date: ingested");
	is_int(m2.sent, 1289690940000000LL, "date: sent from Date");
	is_str(m2.sent_text, "Sat, 13 Nov 2010 23:29:00 GMT", "date: sent_text as written");
	is_int(m2.expires, o.now + 3600LL * 1000000, "date: expires: now + Expires");
out:
	ims_ingest_free(g);
	ims_ingest_free(g2);
	free(pai);
	free(dated);
}

static void
test_sip_refusals(void)
{
	static const char invite[] =
	    "INVITE sip:bob@example.com SIP/2.0\r\n"
	    "From: <sip:alice@example.com>;tag=1\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: inv1\r\n"
	    "CSeq: 1 INVITE\r\n"
	    "\r\n";
	static const char badbody[] =
	    "MESSAGE sip:bob@example.com SIP/2.0\r\n"
	    "From: <sip:alice@example.com>;tag=1\r\n"
	    "To: <sip:bob@example.com>\r\n"
	    "Call-ID: m2\r\n"
	    "CSeq: 1 MESSAGE\r\n"
	    "Content-Type: Message/CPIM\r\n"
	    "\r\n"
	    "From <sip:alice@example.com>\r\n"
	    "\r\n";
	ims_ingest_opts bad = IMS_INGEST_OPTS_INIT;
	ims_msg m = IMS_MSG_INIT;
	ims_ingest_error e;
	ims_ingest *g;

	is_int(ims_ingest_sip(&g, &m, invite, sizeof(invite) - 1, NULL, &e), IMS_INVALID,
	       "invite: refused");
	is_int(e.part, IMS_INGEST_PART_METHOD, "invite: the method");
	is_str(e.message, "not a MESSAGE request: the method is 'INVITE'", "invite: the message");
	ok(g == NULL && m.owner == NULL, "invite: nothing out");
	is_int(ims_ingest_sip(&g, &m, badbody, sizeof(badbody) - 1, NULL, &e), IMS_INVALID,
	       "cpim body: refused");
	is_int(e.part, IMS_INGEST_PART_SIP_BODY, "cpim body: its part");
	is_str(e.message, "line 1, column 5: expected ':' after header name",
	       "cpim body: the position in the body");
	is_int(ims_ingest_cpim(NULL, &m, "x", 1, NULL, &e), IMS_INVALID, "no out: invalid");
	is_int(e.part, IMS_INGEST_PART_NONE, "no out: no part");
	is_int(ims_ingest_cpim(&g, NULL, "x", 1, NULL, NULL), IMS_INVALID, "no msg: invalid");
	is_int(ims_ingest_sip(&g, &m, NULL, 3, NULL, NULL), IMS_INVALID, "no data: invalid");
	bad.version = 99;
	is_int(ims_ingest_sip(&g, &m, invite, sizeof(invite) - 1, &bad, &e), IMS_INVALID,
	       "options version: invalid");
	is_str(e.message, "unknown options version", "options version: said");
	ims_ingest_free(NULL);
}

/* What the commands do: ingest, check, store in each folder, read back. */
static void
test_store(ims_store *st)
{
	ims_settings s = IMS_SETTINGS_INIT;
	ims_msg m = IMS_MSG_INIT, h = IMS_MSG_INIT, d = IMS_MSG_INIT, *got = NULL;
	ims_ingest *g = NULL, *gh = NULL, *gd = NULL;
	ims_refusal why;
	ims_errinfo ei;
	ims_id id;
	const void *body;
	size_t len = 0, blen;
	void *back = NULL;
	size_t backlen = 0;
	char *data = slurp(&len, "sip", "ok-06-cpim-body.sip");

	if (!ok(data != NULL, "store: read ok-06-cpim-body.sip"))
		return;
	is_int(ims_ingest_sip(&g, &m, data, len, NULL, NULL), 0, "store: ingested");
	is_int(ims_msg_check(&m, &ei), 0, "store: the message checks");
	ims_ingest_body(&body, &blen, g);
	is_int(ims_put(&id, st, &m, body, blen), 0, "store: ims_put");
	ims_ingest_free(g); /* what the store keeps is its own copy */
	is_int(ims_get(&got, st, &id), 0, "store: read back");
	if (got) {
		is_str(got->message_id, "m1", "store: message_id");
		is_str(got->from.uri, "sip:alice@example.com", "store: from");
		is_int(got->nheaders, 3, "store: three kept headers (Content-Type, Call-ID, Accept-Contact)");
	}
	ims_msg_free(got);
	is_int(ims_body_get(&back, &backlen, st, &id), 0, "store: body read back");
	ok(backlen == 252 && memcmp(back, strstr(data, "\r\n\r\n") + 4, 252) == 0,
	   "store: the body, exactly: the CPIM payload after the SIP headers");
	free(back);

	h.folder = IMS_FOLDER_HISTORY;
	h.state = IMS_STATE_STORED;
	s.history_pager = 1;
	ims_settings_set(st, "sip:bob@example.com", &s);
	is_int(ims_ingest_sip(&gh, &h, data, len, NULL, NULL), 0, "history: ingested");
	ims_ingest_body(&body, &blen, gh);
	is_int(ims_history_record(&id, st, "sip:bob@example.com", &h, body, blen), 0,
	       "history: ims_history_record");
	d.message_id = "deferred-1";
	is_int(ims_ingest_sip(&gd, &d, data, len, NULL, NULL), 0, "deferred: ingested");
	ims_ingest_body(&body, &blen, gd);
	is_int(ims_deferred_store(&id, &why, st, &d, body, blen), 0, "deferred: ims_deferred_store");
	ims_ingest_free(gh);
	ims_ingest_free(gd);
	free(data);
}

int
main(void)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	char root[] = "/tmp/ims-ingest.XXXXXX", path[64], cmd[96];
	ims_store *st = NULL;

	test_cpim_fills();
	test_cpim_caller_wins();
	test_corpus_failures();
	test_error_detail();
	test_sip_cpim_body();
	test_sip_fields();
	test_sip_refusals();
	if (!mkdtemp(root))
		return 1;
	snprintf(path, sizeof(path), "%s/store", root);
	o.flags = IMS_OPEN_CREATE;
	if (ok(ims_store_open(&st, path, &o) == 0, "open a store"))
		test_store(st);
	ims_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		diag("cannot remove %s", root);
	return done_testing();
}
