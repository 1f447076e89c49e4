/* test_scan.c - the parser's byte scans at every length and position: a
 * header value (printable ASCII, UTF-8, HTAB only when lenient) and a URI
 * are scanned in blocks of 16 or 8 bytes, the last block overlapping; a bad
 * byte must be found wherever it falls, and nothing read past the value */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"
#include "tap.h"

#define HEAD "From: <sip:a@example.com>\r\n"
#define BODY "\r\nContent-Type: text/plain\r\n\r\nx"
#define MAXLEN 70

/* HEAD, "name: ", pre, the n bytes of v, post, CRLF, BODY */
static size_t
message(char *out, const char *name, const char *pre, const char *v,
    size_t n, const char *post, size_t *voff)
{
	size_t k = (size_t)sprintf(out, HEAD "%s: %s", name, pre);

	*voff = k;
	memcpy(out + k, v, n);
	k += n;
	return k + (size_t)sprintf(out + k, "%s\r\n" BODY, post);
}

static int
parse(const char *s, size_t len, unsigned flags, cpim_msg **m, cpim_error *err)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;

	o.flags = flags;
	return cpim_parse(m, s, len, &o, err);
}

/* a Subject of n bytes with the sequence bad at j: the error names its
 * first byte (a lone or malformed UTF-8 sequence fails at its lead byte) */
static int
bad_value(size_t n, size_t j, const char *bad, size_t blen, unsigned flags)
{
	char v[MAXLEN + 8], s[512], want[64];
	size_t len, voff;
	cpim_error err;
	cpim_msg *m = NULL;
	int rc;

	memset(v, 'a', n);
	memcpy(v + j, bad, blen);
	len = message(s, "Subject", "", v, n, "", &voff);
	rc = parse(s, len, flags, &m, &err);
	cpim_msg_free(m);
	snprintf(want, sizeof want, "invalid byte 0x%02x in header value",
	    (unsigned char)bad[0]);
	return rc == CPIM_SYNTAX && err.offset == voff + j &&
	    strstr(err.message, want) != NULL;
}

/* a Subject of n bytes with good at j parses to exactly those bytes */
static int
good_value(size_t n, size_t j, const char *good, size_t glen, unsigned flags)
{
	char v[MAXLEN + 8], s[512];
	size_t len, voff;
	cpim_subject sj;
	cpim_msg *m = NULL;
	int rc;

	memset(v, 'a', n);
	memcpy(v + j, good, glen);
	v[n] = '\0';
	len = message(s, "Subject", "", v, n, "", &voff);
	rc = parse(s, len, flags, &m, NULL) || cpim_msg_subject(&sj, m, 0) ||
	    strcmp(sj.text, v);
	cpim_msg_free(m);
	return !rc;
}

static void
test_values(void)
{
	static const struct { const char *b; size_t n; } bad[] = {
		{ "\x01", 1 }, { "\x1f", 1 }, { "\x7f", 1 }, { "\x80", 1 },
		{ "\xff", 1 }, { "\xc3" "a", 2 }, { "\xe2\x82" "a", 3 },
		{ "\xed\xa0\x80", 3 }, { "\xc0\xaf", 2 },
		{ "\xf4\x90\x80\x80", 4 },
	};
	size_t n, j, k, fails = 0, cases = 0;

	for (n = 1; n <= MAXLEN; n++)
		for (j = 0; j < n; j++) {
			for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
				if (j + bad[k].n > n)
					continue;
				cases++;
				fails += !bad_value(n, j, bad[k].b,
				    bad[k].n, 0);
			}
			cases += 3;
			fails += !bad_value(n, j, "\t", 1, CPIM_PARSE_STRICT);
			fails += j && !good_value(n, j, "\t", 1, 0);
			fails += j + 2 <= n && !good_value(n, j, "\xc3\xa9", 2,
			    CPIM_PARSE_STRICT);
		}
	is_int(fails, 0, "bad and good value bytes at every position "
	    "(%zu cases)", cases);
}

/* To: <uri>, the uri of n bytes with c at j: "expected '>'" at c */
static int
bad_uri(size_t n, size_t j, char c, unsigned flags)
{
	char v[MAXLEN + 8], s[512];
	size_t len, voff;
	cpim_error err;
	cpim_msg *m = NULL;
	int rc;

	memset(v, 'u', n);
	v[j] = c;
	len = message(s, "To", "<", v, n, ">", &voff);
	rc = parse(s, len, flags, &m, &err);
	cpim_msg_free(m);
	return rc == CPIM_SYNTAX && err.offset == voff + j &&
	    strstr(err.message, "expected '>' after uri in To header") != NULL;
}

static int
good_uri(size_t n)
{
	char v[MAXLEN + 8], s[512];
	size_t len, voff;
	cpim_addr a;
	cpim_msg *m = NULL;
	int rc;

	memset(v, 'u', n);
	memcpy(v, "\xc3\xa9", n >= 2 ? 2 : 0);
	v[n] = '\0';
	len = message(s, "To", "Bob <", v, n, ">", &voff);
	rc = parse(s, len, CPIM_PARSE_STRICT, &m, NULL) ||
	    cpim_msg_addr(&a, m, CPIM_ADDR_TO, 0) || strcmp(a.uri, v) ||
	    strcmp(a.name, "Bob");
	cpim_msg_free(m);
	return !rc;
}

static void
test_uris(void)
{
	static const char bad[] = { ' ', '"', '<' };
	size_t n, j, k, fails = 0, cases = 0;

	for (n = 1; n <= MAXLEN; n++) {
		cases++;
		fails += !good_uri(n);
		for (j = 0; j < n; j++) {
			for (k = 0; k < sizeof bad; k++) {
				cases++;
				fails += !bad_uri(n, j, bad[k],
				    CPIM_PARSE_STRICT);
			}
			cases++;
			fails += !bad_uri(n, j, '\t', 0);
		}
	}
	is_int(fails, 0, "uri stops at every position (%zu cases)", cases);
}

/* values passed to the builder in buffers of their exact size: a scan
 * that read past the end would be caught by the sanitizer build */
static void
test_exact_buffers(void)
{
	size_t n, fails = 0;
	cpim_msg *m = NULL;
	char *v;

	if (cpim_msg_new(&m))
		abort();
	for (n = 1; n <= MAXLEN; n++) {
		if (!(v = malloc(n + 1)))
			abort();
		memset(v, 'a', n);
		v[n] = '\0';
		fails += cpim_msg_add_header(m, "", "Subject", v, NULL) != 0;
		v[n - 1] = '\x01';
		fails += cpim_msg_add_header(m, "", "Subject", v, NULL) !=
		    CPIM_INVALID;
		free(v);
	}
	cpim_msg_free(m);
	is_int(fails, 0, "builder values of every length in exact buffers");
}

/* the limits hold for every CPIM line, the first (found by line_get())
 * and the others (found by the value scan): max_line bytes are accepted,
 * one more is refused, and so is the header after max_headers */
static int
limited(size_t line, size_t width, size_t max_line, size_t max_headers,
    cpim_error *err)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	char s[1024], *q = s;
	cpim_msg *m = NULL;
	size_t i;
	int rc;

	o.max_line = max_line;
	o.max_headers = max_headers;
	for (i = 1; i <= 4; i++) {
		q += sprintf(q, "Subject: ");
		memset(q, 'a', width - 9);
		q += i == line ? width - 9 : 1;
		q += sprintf(q, "\r\n");
	}
	q += sprintf(q, BODY);
	rc = cpim_parse(&m, s, (size_t)(q - s), &o, err);
	cpim_msg_free(m);
	return rc;
}

static void
test_limits(void)
{
	cpim_error err;
	size_t line, fails = 0;

	for (line = 1; line <= 4; line++) {
		fails += limited(line, 40, 40, 0, &err) != 0;
		fails += limited(line, 41, 40, 0, &err) != CPIM_TOOBIG ||
		    err.line != line || !strstr(err.message, "line longer than");
		fails += limited(line, 39, 40, 0, &err) != 0;
	}
	is_int(fails, 0, "max_line on every cpim line");
	is_int(limited(2, 20, 0, 5, &err), 0, "5 of 5 headers (4 cpim, 1 mime)");
	is_int(limited(2, 20, 0, 3, &err), CPIM_TOOBIG, "4 of 3 headers");
	is_int(err.line, 4, "refused at the fourth");
	ok(strstr(err.message, "too many headers") != NULL, "%s", err.message);
}

int
main(void)
{
	test_values();
	test_uris();
	test_exact_buffers();
	test_limits();
	return done_testing();
}
