/* test_cpim.c - Message/CPIM parser, model and writer */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpim.h"
#include "tap.h"

static const char rfc3862[] =
    "Content-type: Message/CPIM\r\n"
    "\r\n"
    "From: MR SANDERS <im:piglet@100akerwood.com>\r\n"
    "To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"
    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
    "Subject: the weather will be fine today\r\n"
    "Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n"
    "NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n"
    "Require: MyFeatures.VitalMessageOption\r\n"
    "MyFeatures.VitalMessageOption: Confirmation-requested\r\n"
    "MyFeatures.WackyMessageOption: Use-silly-font\r\n"
    "\r\n"
    "Content-type: text/xml; charset=utf-8\r\n"
    "Content-ID: <1234567890@foo.com>\r\n"
    "\r\n"
    "<body>\r\n"
    "Here is the text of my message.\r\n"
    "</body>\r\n";

#define HDRS "From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\n"
#define BODY "\r\nContent-Type: text/plain\r\n\r\nx"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
parse_str(cpim_msg **out, const char *s, unsigned flags, cpim_error *err)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;

	o.flags = flags;
	return cpim_parse(out, s, strlen(s), &o, err);
}

static void
test_rfc3862(void)
{
	cpim_msg *m = NULL;
	cpim_error err;
	cpim_addr a;
	cpim_datetime dt;
	cpim_subject s;
	cpim_header h;
	cpim_content c;
	int rc;

	rc = cpim_parse(&m, rfc3862, strlen(rfc3862), NULL, &err);
	is_int(rc, 0, "rfc 3862 example parses");
	if (rc) {
		diag("%s", err.message);
		return;
	}
	ok(cpim_msg_has_outer(m), "outer mime block seen");
	is_int(cpim_msg_warning_count(m), 0, "strictly valid: no warning");
	is_int(cpim_msg_header_count(m), 9, "nine cpim headers");
	ok(cpim_msg_addr(&a, m, CPIM_ADDR_FROM, 0) == 0, "from present");
	is_str(a.name, "MR SANDERS", "from formal name");
	is_str(a.uri, "im:piglet@100akerwood.com", "from uri");
	cpim_msg_addr(&a, m, CPIM_ADDR_TO, 0);
	is_str(a.name, "Depressed Donkey", "to formal name");
	is_int(cpim_msg_addr_count(m, CPIM_ADDR_CC), 0, "no cc");
	ok(cpim_msg_datetime(&dt, m) == 0, "datetime present");
	is_str(dt.text, "2000-12-13T13:40:00-08:00", "datetime text kept");
	is_int(dt.us, 976743600LL * 1000000, "datetime is 21:40:00Z");
	is_int(cpim_msg_subject_count(m), 2, "two subjects");
	cpim_msg_subject(&s, m, 0);
	is_str(s.lang, NULL, "first subject has no lang");
	cpim_msg_subject(&s, m, 1);
	is_str(s.text, "beau temps prevu pour aujourd'hui", "french subject");
	is_str(s.lang, "fr", "lang=fr");
	is_str(cpim_msg_ns_lookup(m, "MyFeatures"), "mid:MessageFeatures@id.foo.com",
	    "ns prefix mapped");
	rc = cpim_msg_find(&h, m, "mid:MessageFeatures@id.foo.com",
	    "WackyMessageOption", 0);
	is_int(rc, 0, "extension header found by urn");
	is_str(rc ? NULL : h.value, "Use-silly-font", "extension value");
	is_str(rc ? NULL : h.prefix, "MyFeatures", "extension prefix kept");
	rc = cpim_msg_find(&h, m, NULL, "Require", 0);
	is_str(rc ? NULL : h.value, "MyFeatures.VitalMessageOption", "require value");
	rc = cpim_msg_header(&h, m, 4);
	is_str(h.params, ";lang=fr", "raw params kept");
	is_int(cpim_msg_mime_count(m), 2, "two mime headers");
	is_str(cpim_msg_content_type(m), "text/xml; charset=utf-8", "content type");
	cpim_msg_content(&c, m);
	is_int(c.len, 50, "content length");
	is_int(c.offset, strlen(rfc3862) - 50, "content offset in input");
	ok(c.len == 50 && !memcmp(c.data, rfc3862 + c.offset, c.len),
	    "content bytes");
	cpim_msg_free(m);
}

static void
test_datetime(void)
{
	static const struct { const char *s; int64_t us; } good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2024-02-29T00:00:00Z", 1709164800LL * 1000000 },
		{ "2024-02-29T12:00:00+05:30", 1709188200LL * 1000000 },
		{ "2024-02-29T23:00:00-08:00", 1709276400LL * 1000000 },
		{ "2000-12-13T10:00:00+02:00", 976694400LL * 1000000 },
		{ "2000-12-13T08:00:00Z", 976694400LL * 1000000 },
		{ "2000-02-29T00:00:00z", 951782400LL * 1000000 },
		{ "1970-01-01T00:00:00.5Z", 500000 },
		{ "1970-01-01T00:00:00.123456789Z", 123456 },
		{ "1969-12-31T23:59:59.5Z", -500000 },
		{ "2016-12-31T23:59:60Z", 1483228800LL * 1000000 },
		{ "9999-12-31T23:59:59Z", 253402300799LL * 1000000 },
	};
	static const char *bad[] = {
		"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2023-04-31T00:00:00Z", "2023-13-01T00:00:00Z",
		"2023-00-10T00:00:00Z", "2023-01-00T00:00:00Z",
		"2023-01-01T24:00:00Z", "2023-01-01T10:60:00Z",
		"2023-01-01T10:00:00", "2023-01-01T10:00:00+5:30",
		"2023-01-01T10:00:00+24:00", "2023-01-01 10:00:00Z",
		"2023-1-01T10:00:00Z", "2023-01-01T10:00:00Zjunk",
		"2023-01-01T10:00:00.Z", "", "20230101T100000Z",
	};
	char buf[CPIM_DATETIME_MAX];
	int64_t us;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		us = -1;
		is_int(cpim_datetime_parse(&us, good[i].s, strlen(good[i].s)), 0,
		    "datetime '%s' accepted", good[i].s);
		is_int(us, good[i].us, "datetime '%s' value", good[i].s);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(cpim_datetime_parse(&us, bad[i], strlen(bad[i])),
		    CPIM_SYNTAX, "datetime '%s' refused", bad[i]);
	cpim_datetime_format(buf, sizeof buf, 0);
	is_str(buf, "1970-01-01T00:00:00Z", "format epoch");
	cpim_datetime_format(buf, sizeof buf, 1709188200LL * 1000000 + 42);
	is_str(buf, "2024-02-29T06:30:00.000042Z", "format leap day with us");
	cpim_datetime_format(buf, sizeof buf, -500000);
	is_str(buf, "1969-12-31T23:59:59.500000Z", "format before epoch");
	is_int(cpim_datetime_format(buf, 5, 0), CPIM_TOOBIG, "format: small buffer");
	is_int(cpim_datetime_format(buf, sizeof buf, INT64_MAX), CPIM_INVALID,
	    "format: year past 9999 refused");
}

static void
test_ns_remap(void)
{
	cpim_msg *m = NULL;
	cpim_header h;
	int rc;

	rc = parse_str(&m, HDRS "NS: foo <urn:ietf:params:imdn>\r\n"
	    "foo.Message-ID: abc\r\n"
	    "foo.Disposition-Notification: positive-delivery, display\r\n"
	    "NS: imdn <urn:example:not-imdn>\r\n"
	    "imdn.Message-ID: decoy\r\n" BODY, 0, NULL);
	is_int(rc, 0, "remapped prefix parses");
	if (rc)
		return;
	is_str(cpim_msg_imdn_message_id(m), "abc", "foo.Message-ID is the imdn one");
	is_int(cpim_msg_imdn_disposition(m),
	    CPIM_DN_POSITIVE_DELIVERY | CPIM_DN_DISPLAY, "disposition bits");
	rc = cpim_msg_find(&h, m, CPIM_NS_IMDN, "message-id", 0);
	is_str(rc ? NULL : h.prefix, "foo", "found by urn, prefix foo");
	rc = cpim_msg_find(&h, m, CPIM_NS_IMDN, "Message-ID", 1);
	is_int(rc, CPIM_NOTFOUND, "imdn.Message-ID in another ns is not imdn");
	rc = cpim_msg_find(&h, m, "urn:example:not-imdn", "Message-ID", 0);
	is_str(rc ? NULL : h.value, "decoy", "decoy found under its own urn");
	is_int(cpim_msg_ns_count(m), 2, "two ns declarations");
	cpim_msg_free(m);

	rc = parse_str(&m, HDRS "NS: <urn:ietf:params:imdn>\r\n"
	    "Message-ID: dflt\r\n" BODY, 0, NULL);
	is_str(rc ? NULL : cpim_msg_imdn_message_id(m), "dflt",
	    "default namespace applies to unprefixed headers");
	cpim_msg_free(m);

	rc = parse_str(&m, HDRS "NS: x <urn:a>\r\nNS: x <urn:b>\r\n" BODY, 0, NULL);
	is_int(rc, CPIM_SYNTAX, "prefix declared with two urns refused");
}

static void
test_typed_ext(void)
{
	cpim_msg *m = NULL;
	cpim_datetime dt;
	cpim_addr a;
	int yes = -1, rc;

	rc = parse_str(&m, HDRS "NS: imdn <urn:ietf:params:imdn>\r\n"
	    "NS: fr <urn:oma:xml:poc:final-report>\r\n"
	    "imdn.DateTime: 2024-02-29T10:00:00+02:00\r\n"
	    "imdn.Original-To: \"Bob\" <sip:bob@example.com>\r\n"
	    "imdn.IMDN-Record-Route: <sip:as1.example.com>\r\n"
	    "imdn.IMDN-Record-Route: <sip:as2.example.com>\r\n"
	    "imdn.IMDN-Route: <sip:r.example.com>\r\n"
	    "fr.Final-Report: YES\r\n"
	    "imdn.Disposition-Notification: processing, x-custom\r\n" BODY,
	    0, NULL);
	is_int(rc, 0, "typed imdn headers parse");
	if (rc)
		return;
	ok(cpim_msg_imdn_datetime(&dt, m) == 0 && dt.us == 1709193600LL * 1000000,
	    "imdn.DateTime 10:00+02:00 is 08:00Z");
	is_int(cpim_msg_datetime(&dt, m), CPIM_NOTFOUND, "no core DateTime");
	cpim_msg_addr(&a, m, CPIM_ADDR_IMDN_ORIGINAL_TO, 0);
	is_str(a.uri, "sip:bob@example.com", "original-to");
	is_int(cpim_msg_addr_count(m, CPIM_ADDR_IMDN_RECORD_ROUTE), 2,
	    "two record-routes");
	cpim_msg_addr(&a, m, CPIM_ADDR_IMDN_RECORD_ROUTE, 1);
	is_str(a.uri, "sip:as2.example.com", "second record-route");
	is_int(cpim_msg_addr_count(m, CPIM_ADDR_IMDN_ROUTE), 1, "one route");
	ok(cpim_msg_final_report(&yes, m) == 0 && yes == 1, "final-report yes");
	is_int(cpim_msg_imdn_disposition(m), CPIM_DN_PROCESSING | CPIM_DN_OTHER,
	    "unknown disposition token flagged");
	cpim_msg_free(m);
}

static void
test_escapes(void)
{
	cpim_msg *m = NULL;
	cpim_addr a;
	int rc;

	rc = parse_str(&m, "From: \"\\u00e9t\\u00E9 \\\"q\\\" b\\\\s\\t\\b\\n\\r\\'\" "
	    "<sip:a@example.com>\r\nTo: \"\\ud83d\\ude00\" <sip:b@example.com>\r\n"
	    BODY, 0, NULL);
	is_int(rc, 0, "escapes parse");
	if (rc)
		return;
	cpim_msg_addr(&a, m, CPIM_ADDR_FROM, 0);
	is_str(a.name, "\xc3\xa9t\xc3\xa9 \"q\" b\\s\t\b\n\r'", "escapes decoded");
	cpim_msg_addr(&a, m, CPIM_ADDR_TO, 0);
	is_str(a.name, "\xf0\x9f\x98\x80", "surrogate pair to 4-byte utf-8");
	cpim_msg_free(m);
	is_int(parse_str(&m, "From: \"\\u00\" <sip:a@b>\r\n" BODY, 0, NULL),
	    CPIM_SYNTAX, "short \\u refused");
	is_int(parse_str(&m, "From: \"\\u0000\" <sip:a@b>\r\n" BODY, 0, NULL),
	    CPIM_SYNTAX, "escaped nul refused");
	is_int(parse_str(&m, "From: \"\\x\" <sip:a@b>\r\n" BODY, 0, NULL),
	    CPIM_SYNTAX, "unknown escape refused");
}

static void
check_warning(const char *in, int code, unsigned line, const char *name)
{
	cpim_msg *m = NULL;
	cpim_warning w = { 0, 0 };
	cpim_error err;
	int rc;

	rc = parse_str(&m, in, 0, &err);
	is_int(rc, 0, "lenient accepts %s", name);
	ok(!rc && cpim_msg_warning(&w, m, 0) == 0 && w.code == code &&
	    w.line == line, "%s reported at line %u", name, line);
	cpim_msg_free(m);
	rc = parse_str(&m, in, CPIM_PARSE_STRICT, &err);
	is_int(rc, CPIM_SYNTAX, "strict refuses %s", name);
	if (rc)
		diag("strict: %s", err.message);
}

static void
test_strict_lenient(void)
{
	cpim_msg *m = NULL;
	cpim_error err;
	int rc;

	check_warning("From: <sip:a@b>\nTo: <sip:c@d>\n\nContent-Type: text/plain\n\nx",
	    CPIM_WARN_LF_ONLY, 1, "lf-only lines");
	check_warning("Content-Type: message/cpim\r\n" HDRS BODY,
	    CPIM_WARN_STRAY_CONTENT_TYPE, 1, "stray content-type");
	check_warning("Content-Type: message/cpim\r\n\r\n\r\n" HDRS BODY,
	    CPIM_WARN_EXTRA_BLANK_LINE, 3, "extra blank line before cpim headers");
	check_warning(HDRS "\r\n" BODY, CPIM_WARN_EXTRA_BLANK_LINE, 4,
	    "extra blank line before mime headers");
	check_warning(HDRS "zz.X: 1\r\n" BODY, CPIM_WARN_UNDECLARED_PREFIX, 3,
	    "undeclared prefix");
	rc = parse_str(&m, "\n\r\nContent-Type: message/cpim\r\n\r\n"
	    "Content-Type: message/cpim\r\n\r\n" HDRS BODY, 0, &err);
	ok(!rc && cpim_msg_has_outer(m) && cpim_msg_addr_count(m, CPIM_ADDR_TO) == 1,
	    "blank lines and a repeated outer block before the cpim headers");
	cpim_msg_free(m);
	rc = parse_str(&m, "Content-Type: message/cpim\r\n\r\n"
	    "Content-Type: message/cpim\r\n\r\n" HDRS BODY, CPIM_PARSE_STRICT, &err);
	is_int(rc, CPIM_SYNTAX, "strict refuses a second outer block");
	rc = parse_str(&m, rfc3862, CPIM_PARSE_STRICT, &err);
	is_int(rc, 0, "strict accepts the rfc 3862 example");
	cpim_msg_free(m);
	rc = parse_str(&m, "From: x <sip:a@b>\r\nTo: <sip:c@d>\r\nSubject:\r\n" BODY,
	    CPIM_PARSE_STRICT, &err);
	is_str(rc ? err.message : NULL, "line 3, column 9: expected ' ' after ':'",
	    "strict: empty value needs its space");
	rc = parse_str(&m, "From: x <sip:a@b>\r\nTo: <sip:c@d>\r\nSubject:\r\n" BODY,
	    0, &err);
	is_int(rc, 0, "lenient: empty value without space");
	cpim_msg_free(m);
}

static void
test_binary(void)
{
	static const char in[] = HDRS "\r\nContent-Type: application/octet-stream"
	    "\r\n\r\n\x00\x01\r\n\r\n\x00\xff";
	cpim_msg *m = NULL;
	cpim_content c;
	int rc;

	rc = cpim_parse(&m, in, sizeof in - 1, NULL, NULL);
	is_int(rc, 0, "binary content parses");
	if (rc)
		return;
	cpim_msg_content(&c, m);
	is_int(c.len, 8, "binary length includes nul bytes");
	ok(c.len == 8 && !memcmp(c.data, "\x00\x01\r\n\r\n\x00\xff", 8),
	    "binary bytes intact");
	is_int(c.offset, sizeof in - 1 - 8, "binary offset");
	cpim_msg_free(m);
}

static void
test_build(void)
{
	static const char bin[] = "a\0b\r\n\r\nc";
	cpim_msg *m = NULL, *m2 = NULL;
	cpim_write_opts wo = CPIM_WRITE_OPTS_INIT;
	cpim_error err;
	cpim_buf out = { NULL, 0 };
	cpim_addr a;
	cpim_content c;
	cpim_subject s;
	int rc;

	is_int(cpim_msg_new(&m), 0, "new message");
	is_int(cpim_msg_add_addr(m, CPIM_ADDR_FROM, "Zo\xc3\xab \"Z\"\r\nTo: x",
	    "sip:zoe@example.com"), 0, "from with odd name");
	is_int(cpim_msg_add_addr(m, CPIM_ADDR_TO, NULL, "sip:bob@example.com"), 0,
	    "to");
	is_int(cpim_msg_add_addr(m, CPIM_ADDR_CC, "Carol", "sip:c@example.com"), 0,
	    "cc");
	is_int(cpim_msg_set_datetime(m, 1709188200LL * 1000000 + 5000), 0,
	    "datetime");
	is_int(cpim_msg_add_subject(m, "caf\xc3\xa9", "fr"), 0, "subject with lang");
	is_int(cpim_msg_add_ns(m, "imdn", CPIM_NS_IMDN), 0, "ns");
	is_int(cpim_msg_add_header(m, "imdn", "Message-ID", "id-1", NULL), 0,
	    "imdn message-id");
	is_int(cpim_msg_add_header(m, "imdn", "Disposition-Notification",
	    "positive-delivery, display", NULL), 0, "imdn disposition");
	is_int(cpim_msg_add_addr(m, CPIM_ADDR_IMDN_RECORD_ROUTE, NULL,
	    "sip:as.example.com"), 0, "record-route uses declared prefix");
	is_int(cpim_msg_set_content(m, "application/octet-stream", bin,
	    sizeof bin - 1), 0, "binary content");
	is_int(cpim_msg_set_content(m, "text/plain", bin, sizeof bin - 1), 0,
	    "content type replaced");
	is_int(cpim_msg_mime_count(m), 1, "one content-type");

	is_int(cpim_msg_add_header(m, NULL, "Subject", "x\r\nTo: <sip:evil>", &err),
	    CPIM_INVALID, "crlf in value refused");
	is_int(cpim_msg_add_header(m, NULL, "Subject", "x\n", NULL), CPIM_INVALID,
	    "lf in value refused");
	is_int(cpim_msg_add_header(m, NULL, "Subject", "x\rY", NULL), CPIM_INVALID,
	    "cr in value refused");
	is_int(cpim_msg_add_header(m, NULL, "Sub:ject", "x", NULL), CPIM_INVALID,
	    "colon in name refused");
	is_int(cpim_msg_add_header(m, NULL, "content-type", "message/cpim", NULL),
	    CPIM_INVALID, "content-type as a cpim header refused");
	is_int(cpim_msg_add_header(m, NULL, "Subject", "caf\xe9", NULL),
	    CPIM_INVALID, "invalid utf-8 refused");
	is_int(cpim_msg_add_subject(m, "a\r\nb", NULL), CPIM_INVALID,
	    "crlf in subject refused");
	is_int(cpim_msg_add_mime_header(m, "X-A", "1\r\n\r\nbody"), CPIM_INVALID,
	    "crlf in mime header refused");
	is_int(cpim_msg_add_addr(m, CPIM_ADDR_TO, NULL, "sip:a>\r\nX: y"),
	    CPIM_INVALID, "uri with '>' refused");
	is_int(cpim_msg_add_header(m, "nope", "X", "1", NULL), CPIM_INVALID,
	    "undeclared prefix refused");
	is_int(cpim_msg_add_header(m, NULL, "DateTime", "2023-02-29T00:00:00Z",
	    NULL), CPIM_SYNTAX, "invalid datetime refused");
	is_int(cpim_msg_header_count(m), 9, "refused headers not added");

	is_int(cpim_write(&out, m, NULL), 0, "write");
	ok(out.ptr && !strstr(out.ptr, "\r\nTo: x"), "no injected header");
	ok(out.ptr && strstr(out.ptr, "\\u000d\\u000a"), "control chars escaped");
	rc = cpim_parse(&m2, out.ptr, out.size, NULL, &err);
	is_int(rc, 0, "written message parses");
	ok(!rc && cpim_msg_equal(m, m2), "parse(write(m)) equals m");
	is_int(rc ? 1 : cpim_msg_warning_count(m2), 0, "no warning on own output");
	if (!rc) {
		cpim_msg_addr(&a, m2, CPIM_ADDR_FROM, 0);
		is_str(a.name, "Zo\xc3\xab \"Z\"\r\nTo: x", "odd name round trips");
		cpim_msg_content(&c, m2);
		ok(c.len == sizeof bin - 1 && !memcmp(c.data, bin, c.len),
		    "binary content round trips");
		cpim_msg_subject(&s, m2, 0);
		is_str(s.lang, "fr", "subject lang round trips");
		is_str(cpim_msg_imdn_message_id(m2), "id-1", "imdn id round trips");
		is_int(cpim_msg_addr_count(m2, CPIM_ADDR_IMDN_RECORD_ROUTE), 1,
		    "record-route round trips");
	}
	cpim_msg_free(m2);
	cpim_buf_free(&out);
	wo.flags = CPIM_WRITE_OUTER;
	cpim_write(&out, m, &wo);
	rc = cpim_parse(&m2, out.ptr, out.size, NULL, NULL);
	ok(!rc && cpim_msg_has_outer(m2) && cpim_msg_equal(m, m2),
	    "write with outer block round trips");
	ok(!strncmp(out.ptr, "Content-Type: message/cpim\r\n\r\n", 30),
	    "outer block written");
	cpim_msg_free(m2);
	cpim_buf_free(&out);
	cpim_msg_free(m);

	cpim_msg_new(&m);
	cpim_msg_add_addr(m, CPIM_ADDR_FROM, NULL, "sip:a@b");
	is_int(cpim_write(&out, m, NULL), CPIM_INVALID,
	    "write without content-type refused");
	cpim_msg_free(m);
}

static void
check_error(const char *in, const char *message, const char *name)
{
	cpim_msg *m = NULL;
	cpim_error err;
	int rc;

	memset(&err, 0, sizeof err);
	rc = parse_str(&m, in, 0, &err);
	ok(rc != 0, "%s fails", name);
	is_str(err.message, message, "%s: message", name);
	cpim_msg_free(m);
}

static void
test_errors(void)
{
	cpim_msg *m = NULL;
	cpim_error err;
	int rc;

	check_error(HDRS "Subject x\r\n" BODY,
	    "line 3, column 8: expected ':' after header name", "missing colon");
	check_error(HDRS "DateTime: 2023-02-29T00:00:00Z\r\n" BODY,
	    "line 3, column 19: no such date in DateTime header", "feb 29 2023");
	check_error("From: \"Alice <sip:a@b>\r\n" BODY,
	    "line 1, column 7: expected '\"' to end quoted string in From header",
	    "unterminated quote");
	check_error(HDRS " folded\r\n" BODY,
	    "line 3, column 1: unexpected whitespace, expected header name",
	    "cpim folding");
	check_error(HDRS "Subject: a\x01" "b\r\n" BODY,
	    "line 3, column 11: invalid byte 0x01 in header value", "control byte");
	check_error(HDRS "Subject:;x=\"a\x01" "b\" c\r\n" BODY,
	    "line 3, column 14: invalid byte 0x01 in header value",
	    "control byte in a quoted parameter (a NUL there cut the value)");
	check_error(HDRS, "line 3, column 1: unexpected end of input, expected "
	    "blank line after cpim headers", "truncated");
	rc = parse_str(&m, HDRS "Subject x\r\n" BODY, 0, &err);
	is_int(err.line, 3, "error line");
	is_int(err.column, 8, "error column");
	is_int(err.offset, strlen(HDRS) + 7, "error offset");
	is_int(err.code, rc, "error code");
}

static char *
repeat(const char *head, const char *unit, size_t n, const char *tail,
    size_t *len)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(hl + ul * n + tl + 1), *p = s;

	memcpy(p, head, hl);
	p += hl;
	for (i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	*len = hl + ul * n + tl;
	return s;
}

static void
test_limits(void)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	cpim_msg *m = NULL;
	cpim_error err;
	size_t len;
	double t;
	char *s;
	int rc;

	s = repeat(HDRS "Subject: ", "a", 1 << 20, "\r\n" BODY, &len);
	t = now();
	rc = cpim_parse(&m, s, len, NULL, &err);
	t = now() - t;
	is_int(rc, CPIM_TOOBIG, "1 MiB line refused");
	ok(t < 0.5, "refused quickly (%.4f s)", t);
	diag("%s", err.message);
	free(s);

	s = repeat("From: <sip:a@b>\r\n", "X-H: v\r\n", 100000, BODY, &len);
	t = now();
	rc = cpim_parse(&m, s, len, NULL, &err);
	t = now() - t;
	is_int(rc, CPIM_TOOBIG, "100k headers refused");
	ok(t < 0.5, "refused quickly (%.4f s)", t);
	diag("%s", err.message);
	free(s);

	s = repeat("From: <sip:a@b>\r\n", "\r\n", 200000, "", &len);
	t = now();
	rc = cpim_parse(&m, s, len, NULL, &err);
	t = now() - t;
	ok(rc != 0 && t < 0.5, "200k blank lines: linear (%.4f s)", t);
	free(s);

	s = repeat(HDRS "\r\n", "Content-X: y\r\n", 999, "\r\nbody", &len);
	rc = cpim_parse(&m, s, len, NULL, &err);
	is_int(rc, CPIM_TOOBIG, "1001 headers over the default limit");
	o.max_headers = 2000;
	rc = cpim_parse(&m, s, len, &o, &err);
	is_int(rc, 0, "accepted with max_headers 2000");
	cpim_msg_free(m);
	free(s);

	o = (cpim_parse_opts)CPIM_PARSE_OPTS_INIT;
	o.max_size = 10;
	is_int(cpim_parse(&m, rfc3862, strlen(rfc3862), &o, &err), CPIM_TOOBIG,
	    "max_size enforced");
	o.max_size = 0;
	o.max_line = 40;
	is_int(cpim_parse(&m, rfc3862, strlen(rfc3862), &o, &err), CPIM_TOOBIG,
	    "max_line enforced");
	o.version = 99;
	is_int(cpim_parse(&m, rfc3862, strlen(rfc3862), &o, &err), CPIM_INVALID,
	    "unknown options version refused");
}

static void
test_speed(void)
{
	static const char msg[] =
	    "From: \"Alice\" <sip:+15551234567@ims.example.com>\r\n"
	    "To: <sip:+15557654321@ims.example.com>\r\n"
	    "NS: imdn <urn:ietf:params:imdn>\r\n"
	    "imdn.Message-ID: Mq8ZJ0Wv3eXYZ\r\n"
	    "DateTime: 2024-05-06T10:11:12.345Z\r\n"
	    "imdn.Disposition-Notification: positive-delivery, display\r\n"
	    "\r\n"
	    "Content-Type: text/plain;charset=UTF-8\r\n"
	    "Content-Length: 32\r\n"
	    "\r\n"
	    "Hello, this is a short message.!";
	size_t n = 0, bytes = 0;
	cpim_msg *m;
	double t = now(), mbs;

	while (now() - t < 0.5) {
		for (int i = 0; i < 1000; i++) {
			if (cpim_parse(&m, msg, sizeof msg - 1, NULL, NULL))
				break;
			cpim_msg_free(m);
			n++;
			bytes += sizeof msg - 1;
		}
	}
	t = now() - t;
	mbs = bytes / t / 1e6;
	/* speed is measured by make bench, not asserted by a timed test */
	diag("%zu-byte messages: %.0f msg/s, %.1f MB/s", sizeof msg - 1, n / t, mbs);
	ok(n > 0 && n % 1000 == 0, "every repeated parse succeeded (%zu)", n);
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
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
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
check_file(const char *dir, const char *name)
{
	char path[8192], *buf;
	cpim_msg *m = NULL, *m2 = NULL;
	cpim_buf out = { NULL, 0 };
	cpim_error err;
	size_t len = 0;
	int rc, good = !strncmp(name, "ok-", 3);

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(buf = slurp(path, &len))) {
		ok(0, "read %s", path);
		return;
	}
	rc = cpim_parse(&m, buf, len, NULL, &err);
	if (!good) {
		ok(rc != 0, "%s refused", name);
		if (rc)
			diag("%s: %s", name, err.message);
	} else {
		ok(rc == 0, "%s parses", name);
		if (rc)
			diag("%s: %s", name, err.message);
		rc = rc ? rc : cpim_write(&out, m, NULL);
		rc = rc ? rc : cpim_parse(&m2, out.ptr, out.size, NULL, &err);
		ok(!rc && cpim_msg_equal(m, m2), "%s round trips", name);
	}
	cpim_buf_free(&out);
	cpim_msg_free(m);
	cpim_msg_free(m2);
	free(buf);
}

static void
test_corpus(void)
{
	const char *src = getenv("IMS_SRCDIR");
	char dir[4096], *names[512];
	struct dirent *de;
	size_t n = 0, i, nok = 0;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/tests/corpus/cpim", src ? src : ".");
	if (!(d = opendir(dir))) {
		ok(0, "open corpus %s", dir);
		return;
	}
	while ((de = readdir(d)) && n < 512)
		if (strstr(de->d_name, ".cpim") && (!strncmp(de->d_name, "ok-", 3)
		    || !strncmp(de->d_name, "bad-", 4)))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_names);
	ok(n >= 40, "corpus has %zu files", n);
	for (i = 0; i < n; i++) {
		nok += !strncmp(names[i], "ok-", 3);
		check_file(dir, names[i]);
		free(names[i]);
	}
	ok(nok >= 20 && n - nok >= 15, "%zu valid and %zu malformed files",
	    nok, n - nok);
}

/* cpim_utf8_valid(): RFC 3629, the one check of both libraries */
static void
test_utf8(void)
{
	static const struct { const char *s; size_t n; int valid; const char *what; } v[] = {
		{ "", 0, 1, "empty" },
		{ "plain ascii", 11, 1, "ascii" },
		{ "a\0b", 3, 1, "NUL is well-formed" },
		{ "\xc3\xa9t\xc3\xa9", 6, 1, "2-byte" },
		{ "\xe2\x82\xac", 3, 1, "3-byte" },
		{ "\xf0\x9f\x98\x80", 4, 1, "4-byte" },
		{ "\xf4\x8f\xbf\xbf", 4, 1, "U+10FFFF" },
		{ "\xed\x9f\xbf", 3, 1, "U+D7FF" },
		{ "\xee\x80\x80", 3, 1, "U+E000" },
		{ "\xc0\x80", 2, 0, "overlong NUL" },
		{ "\xc1\xbf", 2, 0, "overlong 2-byte" },
		{ "\xe0\x9f\xbf", 3, 0, "overlong 3-byte" },
		{ "\xf0\x8f\xbf\xbf", 4, 0, "overlong 4-byte" },
		{ "\xed\xa0\x80", 3, 0, "surrogate U+D800" },
		{ "\xed\xbf\xbf", 3, 0, "surrogate U+DFFF" },
		{ "\xf4\x90\x80\x80", 4, 0, "above U+10FFFF" },
		{ "\xf5\x80\x80\x80", 4, 0, "lead byte 0xf5" },
		{ "\xff", 1, 0, "byte 0xff" },
		{ "\x80", 1, 0, "lone continuation" },
		{ "a\xc3", 2, 0, "cut short at the end" },
		{ "\xe2\x82", 2, 0, "3-byte cut short" },
		{ "\xe2\x28\xa1", 3, 0, "bad continuation" },
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		is_int(cpim_utf8_valid(v[i].s, v[i].n), v[i].valid, "utf8: %s", v[i].what);
	is_int(cpim_utf8_valid(NULL, 0), 1, "utf8: NULL, 0");
}

/* one address outside a message: the header's grammar, or a bare URI */
static void
test_addr_parse(void)
{
	cpim_addr a;
	cpim_buf mem;
	cpim_error e;

	ok(cpim_addr_parse(&a, &mem, "\"Bob <work>\" <sip:bob@example.com>", 0, &e) == 0,
	   "addr: quoted name with angle brackets");
	is_str(a.name, "Bob <work>", "addr: name unquoted");
	is_str(a.uri, "sip:bob@example.com", "addr: uri");
	cpim_buf_free(&mem);
	ok(cpim_addr_parse(&a, &mem, "sip:bob@example.com", 0, &e) == 0 && !a.name,
	   "addr: bare uri");
	cpim_buf_free(&mem);
	ok(cpim_addr_parse(&a, &mem, "Bob Smith <sip:b@x>", 0, &e) == 0 &&
	   !strcmp(a.name, "Bob Smith"), "addr: token name");
	cpim_buf_free(&mem);
	ok(cpim_addr_parse(&a, &mem, "Bob \033[31m <sip:b@x>", 0, &e) == CPIM_SYNTAX,
	   "addr: control character refused");
	ok(cpim_addr_parse(&a, &mem, "Bob <sip:b@x> x", 0, &e) == CPIM_SYNTAX &&
	   strstr(e.message, "after '>'"), "addr: text after '>' refused");
	ok(cpim_addr_parse(&a, &mem, "sip:a b@x", 0, &e) == CPIM_SYNTAX, "addr: space in bare uri");
	ok(cpim_addr_parse(&a, &mem, "", 0, &e) == CPIM_SYNTAX && !mem.ptr, "addr: empty");
}

int
main(void)
{
	test_addr_parse();
	test_rfc3862();
	test_datetime();
	test_ns_remap();
	test_typed_ext();
	test_escapes();
	test_strict_lenient();
	test_binary();
	test_build();
	test_errors();
	test_limits();
	test_speed();
	test_corpus();
	test_utf8();
	is_str(cpim_strerror(CPIM_SYNTAX), "syntax error", "strerror");
	is_str(cpim_version(), CPIM_VERSION_STRING, "version");
	return done_testing();
}
