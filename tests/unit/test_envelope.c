/* test_envelope.c - ims_msg_envelope(): the Message/CPIM bytes a stored
 * message is delivered in.  Payloads stored whole come back as the sender
 * wrote them (the RFC 3862 and RFC 5438 examples of tests/corpus, without
 * their outer MIME block); messages stored without one (SIP MESSAGEs with
 * a text body, the RFC examples' content stored alone) get an envelope
 * that libcpim's parser reads back with the same fields and body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpim.h"
#include "imstore.h"
#include "tap.h"

static char root[256];

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

/* Store m with body, read it back and write its envelope. */
static int
roundtrip(void **env, size_t *env_len, ims_store *st, const ims_msg *m,
          const void *body, size_t len)
{
	ims_msg *back = NULL;
	ims_id id;
	int rc = ims_deferred_store(&id, NULL, st, m, body, len);

	*env = NULL;
	if (rc || (rc = ims_get(&back, st, &id)))
		return rc;
	rc = ims_msg_envelope(env, env_len, st, back);
	ims_msg_free(back);
	return rc;
}

static cpim_msg *
parse(const void *data, size_t len)
{
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	cpim_msg *cm = NULL;

	po.flags = CPIM_PARSE_STRICT;
	return cpim_parse(&cm, data, len, &po, NULL) == 0 ? cm : NULL;
}

static const char *
addr_uri(const cpim_msg *cm, cpim_addr_kind kind, size_t i)
{
	cpim_addr a;
	return cpim_msg_addr(&a, cm, kind, i) == 0 ? a.uri : NULL;
}

static const char *
addr_name(const cpim_msg *cm, cpim_addr_kind kind, size_t i)
{
	cpim_addr a;
	return cpim_msg_addr(&a, cm, kind, i) == 0 ? a.name : "(none)";
}

/* ---------------------------------------------------------------- whole */

/* A payload stored whole comes back byte for byte from its CPIM headers:
 * the same message to libcpim, no outer block. */
static void
check_whole(ims_store *st, const char *file, size_t skip)
{
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	const void *body;
	size_t len = 0, blen, elen = 0;
	char *data = slurp(&len, "cpim", file);
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	cpim_msg *orig = NULL, *back = NULL;
	void *env = NULL;

	if (!ok(data != NULL, "%s: read", file))
		return;
	m.owner = "sip:bob@example.com";
	is_int(ims_ingest_cpim(&g, &m, data, len, NULL, NULL), 0, "%s: ingested", file);
	if (!m.message_id)
		m.message_id = file;
	if (!m.from.uri)
		m.from.uri = "sip:nobody@example.com";
	ims_ingest_body(&body, &blen, g);
	is_int(roundtrip(&env, &elen, st, &m, body, blen), 0, "%s: stored, envelope", file);
	ok(env && elen == len - skip && memcmp(env, data + skip, elen) == 0,
	   "%s: the stored bytes from byte %zu", file, skip);
	cpim_parse(&orig, data, len, &po, NULL);
	if (env)
		cpim_parse(&back, env, elen, &po, NULL);
	ok(orig && back && cpim_msg_equal(orig, back), "%s: the same message to libcpim", file);
	ok(back && !cpim_msg_has_outer(back), "%s: no outer block", file);
	cpim_msg_free(orig);
	cpim_msg_free(back);
	free(env);
	ims_ingest_free(g);
	free(data);
}

static void
test_whole(void)
{
	ims_store *st = create("whole");

	check_whole(st, "ok-01-rfc3862-example.cpim", 30);
	check_whole(st, "ok-02-rfc3862-no-outer.cpim", 0);
	check_whole(st, "ok-03-rfc5438-imdn-request.cpim", 0);
	check_whole(st, "ok-12-lf-only.cpim", 0);
	check_whole(st, "ok-13-stray-content-type.cpim", 0);  /* no block: kept */
	check_whole(st, "ok-14-extra-blank-line.cpim", 32);
	check_whole(st, "ok-17-cc-multiple.cpim", 0);
	check_whole(st, "ok-27-outer-with-length.cpim", 66);
	ims_store_close(st);
}

/* A SIP MESSAGE with a message/cpim body: the body as it came. */
static void
test_sip_cpim(void)
{
	ims_store *st = create("sipcpim");
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	const void *body;
	size_t len = 0, blen, elen = 0;
	char *data = slurp(&len, "sip", "ok-06-cpim-body.sip");
	void *env = NULL;

	if (!ok(data != NULL, "sip cpim: read"))
		return;
	is_int(ims_ingest_sip(&g, &m, data, len, NULL, NULL), 0, "sip cpim: ingested");
	ims_ingest_body(&body, &blen, g);
	is_int(roundtrip(&env, &elen, st, &m, body, blen), 0, "sip cpim: envelope");
	ok(env && elen == blen && memcmp(env, body, blen) == 0,
	   "sip cpim: the SIP body exactly");
	free(env);
	ims_ingest_free(g);
	free(data);
	ims_store_close(st);
}

/* ---------------------------------------------------------------- built */

/* The RFC examples' content stored alone, with the fields ingest read
 * from their envelope (and Disposition-Notification as a kept header):
 * the written envelope carries the same fields and body. */
static void
check_built(ims_store *st, const char *file)
{
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	ims_header h[2];
	size_t len = 0, elen = 0;
	char *data = slurp(&len, "cpim", file);
	cpim_msg *orig = NULL, *back = NULL;
	cpim_content oc, bc;
	cpim_datetime od, bd;
	cpim_subject os, bs;
	cpim_header dn;
	void *env = NULL;
	size_t nh = 0;

	if (!ok(data != NULL, "%s: read", file))
		return;
	m.owner = "sip:bob@example.com";
	is_int(ims_ingest_cpim(&g, &m, data, len, NULL, NULL), 0, "%s: ingested", file);
	if (!m.message_id)
		m.message_id = file;
	orig = parse(data, len);
	if (!ok(orig != NULL, "%s: parsed", file))
		goto out;
	if (cpim_msg_find(&dn, orig, CPIM_NS_IMDN, "Disposition-Notification", 0) == 0) {
		h[nh].name = "Disposition-Notification";
		h[nh++].value = dn.value;
	}
	m.headers = nh ? h : NULL; /* not the kept Content-Type: message/cpim */
	m.nheaders = nh;
	cpim_msg_content(&oc, orig);
	is_int(roundtrip(&env, &elen, st, &m, oc.data, oc.len), 0, "%s: built", file);
	back = env ? parse(env, elen) : NULL;
	if (!ok(back != NULL, "%s: the envelope parses strictly", file))
		goto out;
	is_str(addr_uri(back, CPIM_ADDR_FROM, 0), addr_uri(orig, CPIM_ADDR_FROM, 0),
	       "%s: From", file);
	is_str(addr_name(back, CPIM_ADDR_FROM, 0), addr_name(orig, CPIM_ADDR_FROM, 0),
	       "%s: From's name", file);
	for (cpim_addr_kind k = CPIM_ADDR_TO; k <= CPIM_ADDR_CC; k++) {
		is_int(cpim_msg_addr_count(back, k), cpim_msg_addr_count(orig, k),
		       "%s: as many %s", file, k == CPIM_ADDR_TO ? "To" : "cc");
		for (size_t i = 0; i < cpim_msg_addr_count(orig, k); i++) {
			is_str(addr_uri(back, k, i), addr_uri(orig, k, i), "%s: address %zu", file, i);
			is_str(addr_name(back, k, i), addr_name(orig, k, i), "%s: its name", file);
		}
	}
	if (cpim_msg_datetime(&od, orig) == 0) {
		is_int(cpim_msg_datetime(&bd, back), 0, "%s: DateTime", file);
		is_str(bd.text, od.text, "%s: DateTime as written", file);
	}
	if (cpim_msg_subject(&os, orig, 0) == 0) {
		is_int(cpim_msg_subject(&bs, back, 0), 0, "%s: Subject", file);
		is_str(bs.text, os.text, "%s: the first Subject", file);
	}
	is_str(cpim_msg_imdn_message_id(back), m.message_id, "%s: imdn.Message-ID", file);
	is_int(cpim_msg_imdn_disposition(back), cpim_msg_imdn_disposition(orig),
	       "%s: Disposition-Notification", file);
	is_str(cpim_msg_content_type(back), cpim_msg_content_type(orig),
	       "%s: content type", file);
	cpim_msg_content(&bc, back);
	ok(bc.len == oc.len && memcmp(bc.data, oc.data, oc.len) == 0, "%s: same body", file);
out:
	cpim_msg_free(orig);
	cpim_msg_free(back);
	free(env);
	ims_ingest_free(g);
	free(data);
}

static void
test_built(void)
{
	ims_store *st = create("built");

	check_built(st, "ok-01-rfc3862-example.cpim");
	check_built(st, "ok-03-rfc5438-imdn-request.cpim");
	check_built(st, "ok-09-utf8-display-name.cpim");
	check_built(st, "ok-11-binary-content-nul.cpim");
	check_built(st, "ok-16-escapes-in-name.cpim");
	check_built(st, "ok-17-cc-multiple.cpim");
	check_built(st, "ok-19-datetime-fraction.cpim");
	ims_store_close(st);
}

/* A SIP MESSAGE with a text body: From (P-Asserted-Identity, else From),
 * To, the Date in UTC, the Call-ID as Message-ID, kept headers. */
static void
check_sip(ims_store *st, const char *file, const char *date)
{
	ims_msg m = IMS_MSG_INIT;
	ims_ingest *g = NULL;
	const void *body;
	size_t len = 0, blen, elen = 0;
	char *data = slurp(&len, "sip", file);
	cpim_msg *back = NULL;
	cpim_datetime dt;
	cpim_content c;
	cpim_header h;
	void *env = NULL;

	if (!ok(data != NULL, "%s: read", file))
		return;
	is_int(ims_ingest_sip(&g, &m, data, len, NULL, NULL), 0, "%s: ingested", file);
	ims_ingest_body(&body, &blen, g);
	is_int(roundtrip(&env, &elen, st, &m, body, blen), 0, "%s: envelope", file);
	back = env ? parse(env, elen) : NULL;
	if (!ok(back != NULL, "%s: parses strictly", file))
		goto out;
	is_str(addr_uri(back, CPIM_ADDR_FROM, 0), "sip:alice@example.com", "%s: From", file);
	is_str(addr_name(back, CPIM_ADDR_FROM, 0), "Alice", "%s: its name", file);
	is_str(addr_uri(back, CPIM_ADDR_TO, 0), "sip:bob@example.com", "%s: To", file);
	is_int(cpim_msg_datetime(&dt, back), 0, "%s: a DateTime", file);
	if (date)
		is_str(dt.text, date, "%s: the SIP Date in UTC", file);
	else
		ok(dt.us > (int64_t)(time(NULL) - 60) * 1000000, "%s: received now", file);
	is_str(cpim_msg_imdn_message_id(back), "asd88asd77a@1.2.3.4",
	       "%s: the Call-ID as Message-ID", file);
	is_int(cpim_msg_imdn_disposition(back), 0, "%s: no notification asked for", file);
	is_int(cpim_msg_find(&h, back, "urn:imstore:params:kept-header", "Call-ID", 0), 0,
	       "%s: the kept Call-ID", file);
	is_str(h.value, "asd88asd77a@1.2.3.4", "%s: its value", file);
	is_str(cpim_msg_content_type(back), "text/plain", "%s: content type", file);
	cpim_msg_content(&c, back);
	ok(c.len == blen && memcmp(c.data, body, blen) == 0, "%s: the SIP body", file);
out:
	cpim_msg_free(back);
	free(env);
	ims_ingest_free(g);
	free(data);
}

static void
test_sip(void)
{
	ims_store *st = create("sip1");

	check_sip(st, "ok-01-message-basic.sip", NULL);
	ims_store_close(st);
	st = create("sip2"); /* the same Call-ID: a duplicate in one store */
	check_sip(st, "ok-05-date-expires.sip", "2010-11-13T23:29:00Z");
	ims_store_close(st);
}

/* What CPIM cannot carry is left out, the rest still delivered. */
static void
test_hostile(void)
{
	ims_store *st = create("hostile");
	ims_msg m = IMS_MSG_INIT;
	ims_addr to = { "sip:bob@example.com", "Bob \"the <builder>\" \\o/" };
	ims_header h[] = {
		{ "Bad Name", "x" }, { "P-Asserted-Identity", "<sip:carol@example.net>" },
		{ "Disposition-Notification", "no such token!" },
	};
	cpim_msg *back = NULL;
	cpim_header kh;
	void *env = NULL;
	size_t elen = 0;

	m.owner = to.uri;
	m.from.uri = "sip:carol@example.net";
	m.to = &to;
	m.nto = 1;
	m.message_id = "id with spaces";
	m.subject = "tab\there";
	m.headers = h;
	m.nheaders = 3;
	m.content_type = "text/plain;charset=UTF-8";
	is_int(roundtrip(&env, &elen, st, &m, "body", 4), 0, "hostile: an envelope");
	back = env ? parse(env, elen) : NULL;
	if (ok(back != NULL, "hostile: parses strictly")) {
		is_str(addr_name(back, CPIM_ADDR_TO, 0), to.name, "hostile: quoted name read back");
		is_int(cpim_msg_find(&kh, back, "urn:imstore:params:kept-header",
		                     "P-Asserted-Identity", 0), 0, "hostile: good header kept");
		is_int(cpim_msg_find(&kh, back, "urn:imstore:params:kept-header",
		                     "Bad Name", 0), CPIM_NOTFOUND, "hostile: bad name left out");
		is_str(cpim_msg_content_type(back), m.content_type, "hostile: content type");
	}
	cpim_msg_free(back);
	free(env);

	/* says message/cpim, is not: handed on as it is */
	m.content_type = "message/cpim";
	m.message_id = "junk";
	is_int(roundtrip(&env, &elen, st, &m, "no envelope", 11), 0, "junk: returned");
	ok(env && elen == 11 && memcmp(env, "no envelope", 11) == 0, "junk: as it is");
	free(env);
	is_int(ims_msg_envelope(&env, &elen, st, NULL), IMS_INVALID, "no message");
	ims_store_close(st);
}

/* A sender who asked for privacy (RFC 3323): the stored From is the
 * asserted identity; the recipient sees neither it nor the headers that
 * name the sender. */
static void
test_privacy(void)
{
	ims_store *st = create("privacy");
	ims_msg m = IMS_MSG_INIT;
	ims_header h[] = {
		{ "P-Asserted-Identity", "<sip:alice@example.com>" }, { "Privacy", "id" },
		{ "Call-ID", "c1@192.0.2.1" }, { "Conversation-ID", "conv-1" },
	};
	cpim_msg *back = NULL;
	cpim_header kh;
	void *env = NULL;
	size_t elen = 0;

	m.owner = "sip:bob@example.com";
	m.from.uri = "sip:alice@example.com";
	m.from.name = "Alice";
	m.message_id = "c1@192.0.2.1";
	m.headers = h;
	m.nheaders = 4;
	is_int(roundtrip(&env, &elen, st, &m, "psst", 4), 0, "privacy: an envelope");
	back = env ? parse(env, elen) : NULL;
	if (ok(back != NULL, "privacy: parses strictly")) {
		is_str(addr_uri(back, CPIM_ADDR_FROM, 0), "sip:anonymous@anonymous.invalid",
		       "privacy: From is anonymous");
		ok(!memmem(env, elen, "alice", 5), "privacy: alice named nowhere");
		ok(!memmem(env, elen, "192.0.2.1", 9), "privacy: nor her host");
		is_int(cpim_msg_find(&kh, back, "urn:imstore:params:kept-header",
		                     "Conversation-ID", 0), 0, "privacy: other headers kept");
	}
	cpim_msg_free(back);
	free(env);
	h[1].value = "none";
	m.message_id = "c2";
	is_int(roundtrip(&env, &elen, st, &m, "hi", 2), 0, "privacy none: an envelope");
	back = env ? parse(env, elen) : NULL;
	is_str(back ? addr_uri(back, CPIM_ADDR_FROM, 0) : NULL, "sip:alice@example.com",
	       "privacy none: From is the sender");
	cpim_msg_free(back);
	free(env);
	/* several Privacy headers: any that asks counts (a fuzz_envelope find:
	 * only the first was read, "none" or empty, and alice was named) */
	{
		ims_header h2[] = { { "Privacy", "" }, { "Privacy", "id" } };
		m.headers = h2;
		m.nheaders = 2;
		m.message_id = "c3";
		is_int(roundtrip(&env, &elen, st, &m, "hi", 2), 0, "two Privacy: an envelope");
		back = env ? parse(env, elen) : NULL;
		is_str(back ? addr_uri(back, CPIM_ADDR_FROM, 0) : NULL,
		       "sip:anonymous@anonymous.invalid", "two Privacy: the second asks, From is anonymous");
		ok(env && !memmem(env, elen, "alice", 5), "two Privacy: alice named nowhere");
		cpim_msg_free(back);
		free(env);
	}
	ims_store_close(st);
}

int
main(void)
{
	snprintf(root, sizeof(root), "/tmp/ims-envelope-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_whole();
	test_sip_cpim();
	test_built();
	test_sip();
	test_hostile();
	test_privacy();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
