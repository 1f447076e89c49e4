/* test_sip.c - SIP request reader */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"
#include "tap.h"

#define RL "MESSAGE sip:bob@example.com SIP/2.0\r\n"
#define HDRS \
    "Via: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK776\r\n" \
    "Max-Forwards: 70\r\n" \
    "From: \"Alice \\\"A\\\" Smith\" <sip:alice@example.com>;tag=49583\r\n" \
    "To: <sip:bob@example.com>\r\n" \
    "Call-ID: asd88asd77a@1.2.3.4\r\n" \
    "CSeq: 1 MESSAGE\r\n"

static int
parse(cpim_sip_msg **out, const char *s, cpim_error *err)
{
	return cpim_sip_parse(out, s, strlen(s), NULL, err);
}

static void
test_basic(void)
{
	static const char in[] = RL HDRS
	    "P-Asserted-Identity: \"Alice\" <sip:alice@example.com>, <tel:+15551234567>\r\n"
	    "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
	    "Expires: 99999999999\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 5\r\n\r\nhello";
	cpim_sip_msg *m = NULL;
	cpim_sip_addr a;
	cpim_content c;
	cpim_error err;
	uint32_t u = 0;
	int64_t t = 0;
	int rc;

	rc = parse(&m, in, &err);
	is_int(rc, 0, "basic message parses");
	if (rc) {
		diag("%s", err.message);
		return;
	}
	is_str(cpim_sip_method(m), "MESSAGE", "method");
	is_str(cpim_sip_request_uri(m), "sip:bob@example.com", "request-uri");
	cpim_sip_from(&a, m);
	is_str(a.display, "Alice \"A\" Smith", "from display unquoted");
	is_str(a.uri, "sip:alice@example.com", "from uri");
	is_str(a.tag, "49583", "from tag");
	is_str(a.params, ";tag=49583", "from params");
	cpim_sip_to(&a, m);
	is_str(a.display, NULL, "to without display");
	is_str(a.tag, NULL, "to without tag");
	is_str(cpim_sip_call_id(m), "asd88asd77a@1.2.3.4", "call-id");
	ok(cpim_sip_cseq(&u, m) == 0 && u == 1, "cseq");
	ok(cpim_sip_date(&t, m) == 0 && t == 1289690940LL * 1000000, "date");
	ok(cpim_sip_expires(&u, m) == 0 && u == UINT32_MAX, "expires saturates");
	is_int(cpim_sip_pai_count(m), 2, "two pai values");
	cpim_sip_pai(&a, m, 1);
	is_str(a.uri, "tel:+15551234567", "second pai");
	is_str(cpim_sip_content_type(m), "text/plain", "content-type");
	cpim_sip_body(&c, m);
	ok(c.len == 5 && !memcmp(c.data, "hello", 5), "body");
	is_int(c.offset, sizeof in - 6, "body offset");
	is_str(cpim_sip_find(m, "max-forwards", 0), "70", "find by name");
	is_str(cpim_sip_find(m, "f", 0), cpim_sip_find(m, "From", 0),
	    "find by compact name");
	cpim_sip_free(m);
}

static void
test_compact_fold(void)
{
	static const char in[] = RL
	    "v: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKnashds7\r\n"
	    "f: Alice <sip:alice@example.com>;tag=1928301774\r\n"
	    "t: sip:bob@example.com;tag=x\r\n"
	    "i: a84b4c76e66710@pc33.example.com\r\n"
	    "CSeq: 314159 MESSAGE\r\n"
	    "s: folded\r\n"
	    "   subject\r\n"
	    "\tTo: <sip:mallory@evil.example.com>\r\n"
	    "c: text/plain\r\n"
	    "l: 2\r\n\r\nhi";
	cpim_sip_msg *m = NULL;
	cpim_header h;
	cpim_sip_addr a;
	cpim_error err;
	int rc;

	rc = parse(&m, in, &err);
	is_int(rc, 0, "compact forms parse");
	if (rc) {
		diag("%s", err.message);
		return;
	}
	cpim_sip_header(&h, m, 1);
	is_str(h.name, "From", "f expands to From");
	cpim_sip_from(&a, m);
	is_str(a.display, "Alice", "token display name");
	cpim_sip_to(&a, m);
	is_str(a.uri, "sip:bob@example.com", "addr-spec to");
	is_str(a.tag, "x", "addr-spec tag");
	is_str(cpim_sip_call_id(m), "a84b4c76e66710@pc33.example.com", "i: call-id");
	is_str(cpim_sip_find(m, "Subject", 0),
	    "folded subject To: <sip:mallory@evil.example.com>",
	    "folded lines joined, no smuggled header");
	ok(cpim_sip_find(m, "To", 1) == NULL, "only one To");
	is_str(cpim_sip_content_type(m), "text/plain", "c: content-type");
	is_int(cpim_sip_header_count(m), 8, "eight headers");
	cpim_sip_free(m);
}

static void
check_bad(const char *in, const char *name)
{
	cpim_sip_msg *m = NULL;
	cpim_error err;
	int rc;

	memset(&err, 0, sizeof err);
	rc = parse(&m, in, &err);
	ok(rc == CPIM_SYNTAX || rc == CPIM_TOOBIG, "%s refused", name);
	diag("%s: %s", name, err.message);
	cpim_sip_free(m);
}

static void
test_bad(void)
{
	cpim_sip_msg *m = NULL;
	cpim_error err;

	check_bad(RL HDRS "Content-Length: -1\r\n\r\n", "content-length -1");
	check_bad(RL HDRS "Content-Length: +5\r\n\r\nhello", "content-length +5");
	check_bad(RL HDRS "Content-Length: 0x10\r\n\r\n0123456789abcdef",
	    "content-length 0x10");
	check_bad(RL HDRS "Content-Length: 18446744073709551616\r\n\r\n",
	    "content-length 2^64");
	check_bad(RL HDRS "Content-Length: 1\r\nl: 2\r\n\r\nab", "two lengths");
	check_bad(RL HDRS "Content-Length: 10\r\n\r\nshort", "short body");
	check_bad(RL HDRS "Content-Length: \r\n\r\n", "empty content-length");
	check_bad(RL HDRS "Date: Sat, 13 Nov 2010 23:29:00 EST\r\n\r\n",
	    "non-gmt date");
	check_bad(RL HDRS "Date: Sat, 31 Nov 2010 23:29:00 GMT\r\n\r\n",
	    "nov 31 date");
	check_bad(RL HDRS "Date: 2010-11-13\r\n\r\n", "iso date");
	check_bad(RL HDRS "Expires: ten\r\n\r\n", "bad expires");
	check_bad(RL "From: <sip:a@b>\r\nTo: <sip:c@d>\r\nCSeq: 1 MESSAGE\r\n\r\n",
	    "missing call-id");
	check_bad(RL "To: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\n\r\n",
	    "missing from");
	check_bad(RL "From: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\n\r\n",
	    "missing to");
	check_bad(RL "From: <sip:a@b>\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n\r\n",
	    "missing cseq");
	check_bad(RL "From: \"Alice <sip:a@b>\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", "unbalanced quotes");
	check_bad(RL "From: Alice\" <sip:a@b>\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", "stray quote");
	check_bad(RL "From: <sip:a@b\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
	    "CSeq: 1 MESSAGE\r\n\r\n", "unclosed angle");
	check_bad(RL HDRS "From: <sip:x@y>\r\n\r\n", "two from headers");
	check_bad("MESSAGE sip:bob@example.com SIP/2.0\r\n" HDRS "CSeq: 2 MESSAGE\r\n\r\n",
	    "two cseq headers");
	check_bad(RL HDRS "Call-ID: other\r\n\r\n", "two call-ids");
	check_bad("MESSAGE sip:bob@example.com SIP/2.0\r\n"
	    "Via: x\r\nFrom: <sip:a@b>\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
	    "CSeq: 1 INVITE\r\n\r\n", "cseq method mismatch");
	check_bad(RL "From: <sip:a@b>\r\nTo: <sip:c@d>\r\nCall-ID: x\r\n"
	    "CSeq: 4294967296 MESSAGE\r\n\r\n", "cseq overflow");
	check_bad("SIP/2.0 200 OK\r\n" HDRS "\r\n", "response line");
	check_bad("MESSAGE  sip:bob@example.com SIP/2.0\r\n" HDRS "\r\n",
	    "double space in request line");
	check_bad("MESSAGE sip:bob@example.com SIP/7.0\r\n" HDRS "\r\n",
	    "bad version");
	check_bad(RL " Via: x\r\n" HDRS "\r\n", "continuation before first header");
	check_bad(RL HDRS, "no blank line");
	check_bad(RL HDRS "Subject: a\x01z\r\n\r\n", "control byte");
	check_bad(RL "Call-ID: a b\r\n" HDRS "\r\n", "call-id with space");
	parse(&m, RL HDRS "Content-Length: 0x10\r\n\r\n", &err);
	is_int(err.line, 8, "error line of content-length");
	is_str(err.message, "line 8, column 17: expected decimal length in "
	    "Content-Length header", "content-length error message");
}

static void
test_strict(void)
{
	static const char lf[] = "MESSAGE sip:b@example.com SIP/2.0\n"
	    "From: <sip:a@b>\nTo: <sip:c@d>\nCall-ID: x\nCSeq: 1 MESSAGE\n\nbody";
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	cpim_sip_msg *m = NULL;
	int rc;

	rc = cpim_sip_parse(&m, lf, sizeof lf - 1, NULL, NULL);
	is_int(rc, 0, "lf-only lines accepted by default");
	cpim_sip_free(m);
	o.flags = CPIM_PARSE_STRICT;
	rc = cpim_sip_parse(&m, lf, sizeof lf - 1, &o, NULL);
	is_int(rc, CPIM_SYNTAX, "lf-only lines refused when strict");
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_corpus(void)
{
	const char *src = getenv("IMS_SRCDIR");
	char dir[4096], path[8192], *names[256], *buf;
	struct dirent *de;
	cpim_sip_msg *m;
	cpim_error err;
	size_t n = 0, i, len = 0;
	DIR *d;
	int rc;

	snprintf(dir, sizeof dir, "%s/tests/corpus/sip", src ? src : ".");
	if (!(d = opendir(dir))) {
		ok(0, "open corpus %s", dir);
		return;
	}
	while ((de = readdir(d)) && n < 256)
		if (strstr(de->d_name, ".sip"))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_names);
	ok(n >= 10, "sip corpus has %zu files", n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		buf = slurp(path, &len);
		m = NULL;
		rc = buf ? cpim_sip_parse(&m, buf, len, NULL, &err) : -1;
		if (!strncmp(names[i], "ok-", 3))
			ok(rc == 0, "%s parses", names[i]);
		else
			ok(rc != 0, "%s refused", names[i]);
		if (rc)
			diag("%s: %s", names[i], err.message);
		cpim_sip_free(m);
		free(buf);
		free(names[i]);
	}
}

/* cpim_type_is_cpim: the test a SIP body is read as CPIM by */
static void
test_type_is_cpim(void)
{
	static const char *const yes[] = {
		"message/cpim", "Message/CPIM", "MESSAGE/cpim;charset=utf-8",
		"message/cpim ; x=y", "message/cpim\t;x=y",
	};
	static const char *const no[] = {
		"", "message", "message/cpi", "message/cpimx", "message/cpim+xml",
		" message/cpim", "text/plain", "message/cpim/x",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ok(cpim_type_is_cpim(yes[i]) == 1, "'%s' is message/cpim", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ok(cpim_type_is_cpim(no[i]) == 0, "'%s' is not message/cpim", no[i]);
	ok(cpim_type_is_cpim(NULL) == 0, "NULL is not message/cpim");
}

/* bytes after the Content-Length body: a datagram's discarded (RFC 3261
 * 18.3), a stream's left for the next message */
static void
test_trailing(void)
{
	static const char two[] = RL HDRS "Content-Length: 2\r\n\r\nhiMESSAGE next";
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	cpim_sip_msg *m = NULL;
	cpim_content c;
	cpim_error err;

	ok(cpim_sip_parse(&m, two, sizeof(two) - 1, NULL, &err) == 0, "trailing: accepted");
	cpim_sip_body(&c, m);
	ok(c.len == 2 && !memcmp(two + c.offset, "hi", 2), "trailing: the body is content-length bytes");
	ok(cpim_sip_length(m) == sizeof(two) - 1 - strlen("MESSAGE next"),
	   "trailing: the request's length ends at its body");
	cpim_sip_free(m);
	o.flags = CPIM_PARSE_SIP_STREAM;
	ok(cpim_sip_parse(&m, two, sizeof(two) - 1, &o, &err) == 0 &&
	   !strcmp(two + cpim_sip_length(m), "MESSAGE next"), "stream: the next message starts after");
	cpim_sip_free(m);
	m = NULL;
	ok(cpim_sip_parse(&m, RL HDRS "\r\nhi", strlen(RL HDRS "\r\nhi"), &o, &err) == CPIM_SYNTAX &&
	   strstr(err.message, "content-length"), "stream: content-length required");
	ok(cpim_sip_parse(&m, RL HDRS "\r\nhi", strlen(RL HDRS "\r\nhi"), NULL, &err) == 0 &&
	   cpim_sip_length(m) == strlen(RL HDRS "\r\nhi"), "datagram: no content-length, the rest");
	cpim_sip_free(m);
}

int
main(void)
{
	test_trailing();
	test_type_is_cpim();
	test_basic();
	test_compact_fold();
	test_bad();
	test_strict();
	test_corpus();
	return done_testing();
}
