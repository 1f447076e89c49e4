/* test_hostile.c - hostile input that the corpora cannot carry as files:
 * 1 MiB lines and 100000 headers in CPIM and SIP (refused by the line and
 * header caps, before any quadratic work), and XML attacks on every reader
 * (settings, URI-lists, IMDN): entity expansion (billion laughs, quadratic
 * blowup), external entities and DTDs, size and depth, encodings. */
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "imstore.h"
#include "cpim.h"

#define SIP_HEAD "MESSAGE sip:bob@example.com SIP/2.0\r\n" \
	"From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\n" \
	"Call-ID: c1@example.com\r\nCSeq: 1 MESSAGE\r\n"
#define CPIM_HEAD "From: <im:alice@example.com>\r\nTo: <im:bob@example.com>\r\n"

/* head, then a header line whose value is `fill` bytes, or `count` short
 * header lines, then tail */
static char *
build(size_t *len, const char *head, size_t fill, size_t count, const char *tail)
{
	size_t cap = strlen(head) + fill + count * 16 + strlen(tail) + 64, n;
	char *s = malloc(cap);

	n = (size_t)sprintf(s, "%s", head);
	if (fill) {
		n += (size_t)sprintf(s + n, "Subject: ");
		memset(s + n, 'a', fill);
		n += fill;
		n += (size_t)sprintf(s + n, "\r\n");
	}
	for (size_t i = 0; i < count; i++)
		n += (size_t)sprintf(s + n, "X-H%zu: v\r\n", i % 100000);
	n += (size_t)sprintf(s + n, "%s", tail);
	*len = n;
	return s;
}

static void
test_sip_cpim_sizes(void)
{
	cpim_sip_msg *sm = NULL;
	cpim_msg *cm = NULL;
	cpim_error err;
	size_t len;
	char *s;
	int rc;

	s = build(&len, SIP_HEAD, 1 << 20, 0, "\r\nbody");
	rc = cpim_sip_parse(&sm, s, len, NULL, &err);
	is_int(rc, CPIM_TOOBIG, "SIP: a 1 MiB header line refused (%s)", err.message);
	cpim_sip_free(sm);
	free(s);
	s = build(&len, SIP_HEAD, 0, 100000, "\r\nbody");
	sm = NULL;
	rc = cpim_sip_parse(&sm, s, len, NULL, &err);
	is_int(rc, CPIM_TOOBIG, "SIP: 100000 headers refused (%s)", err.message);
	cpim_sip_free(sm);
	free(s);

	s = build(&len, CPIM_HEAD, 1 << 20, 0, "\r\nContent-Type: text/plain\r\n\r\nbody");
	rc = cpim_parse(&cm, s, len, NULL, &err);
	is_int(rc, CPIM_TOOBIG, "CPIM: a 1 MiB header line refused (%s)", err.message);
	cpim_msg_free(cm);
	free(s);
	s = build(&len, CPIM_HEAD, 0, 100000, "\r\nContent-Type: text/plain\r\n\r\nbody");
	cm = NULL;
	rc = cpim_parse(&cm, s, len, NULL, &err);
	is_int(rc, CPIM_TOOBIG, "CPIM: 100000 message headers refused (%s)", err.message);
	cpim_msg_free(cm);
	free(s);
	s = build(&len, CPIM_HEAD "\r\n", 0, 100000, "\r\nbody");
	cm = NULL;
	rc = cpim_parse(&cm, s, len, NULL, &err);
	is_int(rc, CPIM_TOOBIG, "CPIM: 100000 MIME headers refused (%s)", err.message);
	cpim_msg_free(cm);
	free(s);
}

#define SETTINGS_NS "urn:oma:xml:im:service-settings"

/* the three XML readers: 0 accepted, else their error (and why) */
static char why[256];

static int
read_settings(const char *xml, size_t len)
{
	ims_settings s = IMS_SETTINGS_INIT;
	ims_errinfo e;
	int rc = ims_settings_parse(&s, xml, len, &e);

	snprintf(why, sizeof(why), "%s", rc ? e.message : "");
	return rc;
}

static int
read_urilist(const char *xml, size_t len)
{
	char **uris = NULL;
	size_t n = 0;
	ims_errinfo e;
	int rc = ims_urilist_parse(&uris, &n, xml, len, &e);

	snprintf(why, sizeof(why), "%s", rc ? e.message : "");
	if (rc == 0)
		ims_strings_free(uris, n);
	return rc;
}

static int
read_imdn(const char *xml, size_t len)
{
	cpim_imdn *d = NULL;
	cpim_error e;
	int rc = cpim_imdn_parse(&d, xml, len, &e);

	snprintf(why, sizeof(why), "%s", rc ? e.message : "");
	cpim_imdn_free(d);
	return rc;
}

static const struct reader {
	const char *name, *open, *close;
	int (*read)(const char *, size_t);
} readers[] = {
	{ "settings", "<im-settings xmlns=\"" SETTINGS_NS "\">", "</im-settings>", read_settings },
	{ "URI-list", "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"
	  "<list><entry uri=\"sip:a@example.com\"/>", "</list></resource-lists>", read_urilist },
	{ "IMDN", "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>m1</message-id>"
	  "<datetime>2024-01-01T00:00:00Z</datetime>", "<delivery-notification><status>"
	  "<delivered/></status></delivery-notification></imdn>", read_imdn },
};

static char *
doc(const struct reader *r, const char *prolog, const char *inner)
{
	size_t n = strlen(prolog) + strlen(r->open) + strlen(inner) + strlen(r->close) + 1;
	char *s = malloc(n + 1);  /* a byte spare for the NUL test */

	snprintf(s, n, "%s%s%s%s", prolog, r->open, inner, r->close);
	return s;
}

static void
test_xml(void)
{
	static const struct { const char *what, *prolog, *inner; } bad[] = {
		{ "an internal DTD", "<!DOCTYPE r []>", "" },
		{ "a lowercase doctype", "<!doctype r>", "" },
		{ "an external DTD", "<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/r.dtd\">", "" },
		{ "an external entity", "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>", "&x;" },
		{ "a parameter entity", "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/p\"> %p;]>", "" },
		{ "billion laughs", "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
		  "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
		  "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>",
		  "<x>&e;&e;&e;&e;&e;&e;&e;&e;</x>" },
		{ "an undeclared entity", "", "&x;" },
		{ "UTF-16 declared on UTF-8 bytes", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>", "" },
		{ "an unknown encoding", "<?xml version=\"1.0\" encoding=\"X-NOPE\"?>", "" },
		{ "invalid UTF-8", "", "<x>\xc3\x28</x>" },
		{ "a NUL byte", "", "<x>a</x>" },
	};

	for (size_t r = 0; r < sizeof(readers) / sizeof(readers[0]); r++) {
		const struct reader *rd = &readers[r];
		char *s = doc(rd, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "");
		int rc = rd->read(s, strlen(s));

		is_int(rc, 0, "%s: the plain document is accepted", rd->name);
		free(s);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			size_t len;

			s = doc(rd, bad[i].prolog, bad[i].inner);
			len = strlen(s);
			if (strcmp(bad[i].what, "a NUL byte") == 0) {
				/* the inner text was cut at the NUL: put it back */
				char *x = strstr(s, "<x>a</x>");
				memmove(x + 5, x + 4, len - (size_t)(x + 4 - s) + 1);
				x[4] = '\0';
				len++;
			}
			rc = rd->read(s, len);
			ok(rc != 0, "%s: %s refused", rd->name, bad[i].what);
			free(s);
		}
		/* quadratic blowup needs a DTD (refused above); without one, a
		 * big document and deep nesting are capped */
		{
			size_t n = 8 << 20;
			char *inner = malloc(n + 1);
			for (size_t k = 0; k < n; k += 8)
				memcpy(inner + k, "<x a=\"\"/", 8);
			inner[n] = 0;
			s = doc(rd, "", inner);
			ok(rd->read(s, strlen(s)) != 0, "%s: an 8 MiB document refused", rd->name);
			free(s);
			free(inner);
		}
		{
			char inner[10 * 1000 + 1] = "";
			for (int k = 0; k < 1000; k++)
				strcat(inner, "<x>");
			for (int k = 0; k < 1000; k++)
				strcat(inner, "</x>");
			s = doc(rd, "", inner);
			ok(rd->read(s, strlen(s)) != 0, "%s: 1000 levels of nesting refused", rd->name);
			free(s);
		}
	}
}

/* ascii, then text in charset: a malloc()ed document of *len bytes, or
 * NULL when this iconv has no such converter */
static char *
encoded(size_t *len, const char *ascii, const char *charset, const char *text)
{
	size_t a = strlen(ascii), in = strlen(text), cap = a + 8 * in + 16, left;
	char *s, *src = (char *)(uintptr_t)text, *dst;
	iconv_t cd = iconv_open(charset, "UTF-8");

	if (cd == (iconv_t)-1)
		return NULL;
	if (!(s = malloc(cap)))
		abort();
	memcpy(s, ascii, a);
	dst = s + a;
	left = cap - a;
	if (iconv(cd, &src, &in, &dst, &left) == (size_t)-1)
		abort();
	iconv_close(cd);
	*len = (size_t)(dst - s);
	return s;
}

/* Only UTF-8 reaches libxml2: a document marked or declared otherwise is
 * refused before it is parsed, so that a DOCTYPE cannot hide from the
 * byte-level check in UTF-7 (or UTF-16, UTF-32, EBCDIC). */
static void
test_encodings(void)
{
	static const struct { const char *what, *ascii, *charset, *prolog; int ok; } enc[] = {
		{ "UTF-7 hiding a DOCTYPE", "<?xml version=\"1.0\" encoding=\"UTF-7\"?>",
		  "UTF-7", "<!DOCTYPE r [<!ENTITY x \"y\">]>", 0 },
		{ "UTF-7", "<?xml version=\"1.0\" encoding='utf-7'?>", "UTF-7", "", 0 },
		{ "UTF-16 with a byte-order mark", "", "UTF-16",
		  "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE r>", 0 },
		{ "UTF-16BE without a mark", "", "UTF-16BE", "<?xml version=\"1.0\"?>", 0 },
		{ "UTF-32 with a byte-order mark", "", "UTF-32", "", 0 },
		{ "EBCDIC (IBM037)", "", "IBM037",
		  "<?xml version=\"1.0\" encoding=\"IBM037\"?><!DOCTYPE r>", 0 },
		{ "ISO-8859-1 declared", "<?xml version=\"1.0\" encoding = \"ISO-8859-1\" ?>",
		  "ISO-8859-1", "", 0 },
		{ "an unreadable declaration", "<?xml version=\"1.0\" encoding=UTF-7?>", "UTF-8", "", 0 },
		{ "utf-8 declared", "<?xml version='1.0' encoding='utf-8' standalone='yes'?>",
		  "UTF-8", "", 1 },
		{ "a UTF-8 byte-order mark", "\xef\xbb\xbf<?xml version=\"1.0\"?>", "UTF-8", "", 1 },
	};

	for (size_t r = 0; r < sizeof(readers) / sizeof(readers[0]); r++) {
		const struct reader *rd = &readers[r];
		for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
			size_t n = strlen(enc[i].prolog) + strlen(rd->open) + strlen(rd->close) + 1, len;
			char *text = malloc(n), *s;
			int rc;

			snprintf(text, n, "%s%s%s", enc[i].prolog, rd->open, rd->close);
			if (!(s = encoded(&len, enc[i].ascii, enc[i].charset, text))) {
				ok(1, "# skip %s: %s: no %s converter", rd->name, enc[i].what,
				   enc[i].charset);
				free(text);
				continue;
			}
			rc = rd->read(s, len);
			if (enc[i].ok)
				is_int(rc, 0, "%s: %s accepted", rd->name, enc[i].what);
			else
				ok(rc != 0 && strcasestr(why, "utf-8"), "%s: %s refused as not UTF-8 (%s)",
				   rd->name, enc[i].what, why);
			free(s);
			free(text);
		}
	}
}

int
main(void)
{
	test_sip_cpim_sizes();
	test_xml();
	test_encodings();
	return done_testing();
}
