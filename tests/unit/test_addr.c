/* test_addr.c - ims_addr_canon(): RFC 3261 / RFC 3966 canonical forms. */
#include <stdlib.h>

#include "imstore.h"
#include "tap.h"

static char buf[IMS_ADDR_MAX + 1];

/* the canonical form of in is want */
static void
canon(const char *in, const char *want)
{
	int rc = ims_addr_canon(buf, sizeof(buf), in);

	if (rc != 0) {
		ok(0, "canon '%s' -> '%s' (rc %d)", in, want, rc);
		return;
	}
	is_str(buf, want, "canon '%s'", in);
}

/* in is refused with code */
static void
refused(const char *in, int code, const char *why)
{
	int rc = ims_addr_canon(buf, sizeof(buf), in);

	is_int(rc, code, "refused: %s", why);
}

/* a and b canonicalise to the same address (same = 1) or different ones */
static void
same(const char *a, const char *b, int want)
{
	char ca[IMS_ADDR_MAX + 1], cb[IMS_ADDR_MAX + 1];
	int ra = ims_addr_canon(ca, sizeof(ca), a);
	int rb = ims_addr_canon(cb, sizeof(cb), b);

	ok(ra == 0 && rb == 0 && (strcmp(ca, cb) == 0) == want,
	   "'%s' %s '%s'", a, want ? "==" : "!=", b);
}

/* a URI of exactly len bytes: sip:<user>@example.com */
static char *
long_uri(size_t len)
{
	const char *host = "@example.com";
	char *s = malloc(len + 1);
	size_t i;

	memcpy(s, "sip:", 4);
	for (i = 4; i < len - strlen(host); i++)
		s[i] = 'a' + (char)(i % 26);
	memcpy(s + len - strlen(host), host, strlen(host) + 1);
	return s;
}

int
main(void)
{
	/* sip and sips */
	canon("sip:Bob@EXAMPLE.com", "sip:Bob@example.com");
	canon("SIP:bob@example.com", "sip:bob@example.com");
	canon("sip:Bob@example.com;transport=tcp", "sip:Bob@example.com");
	canon("sip:bob@example.com:5061;transport=tls?subject=hi&priority=urgent",
	      "sip:bob@example.com:5061");
	canon("sip:bob:secret@example.com", "sip:bob@example.com");
	canon("sips:alice@Atlanta.COM", "sips:alice@atlanta.com");
	canon("sip:example.com", "sip:example.com");
	canon("sip:bob@192.0.2.4:5060", "sip:bob@192.0.2.4:5060");
	canon("sip:bob@[2001:DB8::1]:5060", "sip:bob@[2001:db8::1]:5060");
	canon("sip:%61lice@example.com", "sip:alice@example.com");
	canon("sip:%41lice@example.com", "sip:Alice@example.com");
	canon("sip:a%2fb@example.com", "sip:a%2Fb@example.com");
	canon("sip:a%7E%2Db@example.com", "sip:a~-b@example.com");
	canon("sip:alice;day=tuesday@example.com", "sip:alice;day=tuesday@example.com");
	canon("sip:j\xc3\xbcrgen@example.com", "sip:j%C3%BCrgen@example.com");
	canon("sip:+1-212-555-0100@example.com;user=phone",
	      "sip:+12125550100@example.com");
	canon("sip:+1-212-555-0100@example.com;USER=Phone",
	      "sip:+12125550100@example.com");
	canon("sip:+1-212-555-0100@example.com", "sip:+1-212-555-0100@example.com");
	canon("sip:Bob@example.com;user=phone", "sip:Bob@example.com");
	canon("sip:7042;phone-context=Example.COM@example.com;user=phone",
	      "sip:7042;phone-context=example.com@example.com");

	/* im and pres */
	canon("im:Alice@Example.COM", "im:Alice@example.com");
	canon("IM:alice@example.com?subject=hello", "im:alice@example.com");
	canon("pres:alice@example.com;x=y", "pres:alice@example.com");

	/* tel */
	canon("tel:+1-212-555-0100", "tel:+12125550100");
	canon("tel:+1.212.(555).0100;ext=22", "tel:+12125550100");
	canon("TEL:+358-555-1234567;postd=pp22", "tel:+3585551234567");
	canon("tel:7042;phone-context=Example.COM", "tel:7042;phone-context=example.com");
	canon("tel:70-42;phone-context=+1-212", "tel:7042;phone-context=+1212");
	canon("tel:AB*#;phone-context=example.com", "tel:ab*#;phone-context=example.com");
	canon("tel:+1-212-555-0100;phone-context=example.com", "tel:+12125550100");

	/* other schemes */
	canon("MailTo:Bob@Example.COM", "mailto:Bob@Example.COM");
	canon("xmpp:Romeo@Montague.lit/orchard", "xmpp:Romeo@Montague.lit/orchard");

	/* name-addr forms */
	canon("\"Bob\" <sip:Bob@EXAMPLE.com>", "sip:Bob@example.com");
	canon("\"Bob \\\"the builder\\\" <x>\" <sip:bob@example.com;lr>",
	      "sip:bob@example.com");
	canon("Bob Smith <sip:bob@example.com>", "sip:bob@example.com");
	canon("<sip:bob@example.com>", "sip:bob@example.com");
	canon("  <sip:bob@example.com>\t", "sip:bob@example.com");
	canon("Zo\xc3\xab <im:zoe@example.com>", "im:zoe@example.com");
	canon("\"\" <sip:bob@example.com>", "sip:bob@example.com");

	/* equivalence and look-alikes */
	same("sip:Bob@EXAMPLE.com", "sip:Bob@example.com;transport=tcp", 1);
	same("sip:bob@example.com", "sip:Bob@example.com", 0);
	same("sip:al@example.com", "sip:alice@example.com", 0);
	same("sip:alice@example.com", "sips:alice@example.com", 0);
	same("sip:alice@example.com", "sip:alice@example.com:5060", 0);
	same("sip:alice@example.com", "im:alice@example.com", 0);
	same("sip:%61lice@example.com", "sip:alice@example.com", 1);
	same("\"A\" <sip:alice:pw@EXAMPLE.COM;maddr=1.2.3.4?x=y>",
	     "sip:alice@example.com", 1);
	same("tel:+1-212-555-0100", "tel:+1(212)5550100", 1);
	same("tel:+12125550100", "tel:+12125550101", 0);
	same("sip:alice@example.com", "sip:alice@example.co", 0);

	/* refused */
	refused("bob@example.com", IMS_INVALID, "no scheme");
	refused("", IMS_INVALID, "empty");
	refused("sip:", IMS_INVALID, "nothing after the scheme");
	refused(":bob@example.com", IMS_INVALID, "empty scheme");
	refused("1sip:bob@example.com", IMS_INVALID, "scheme starts with a digit");
	refused("sip:@example.com", IMS_INVALID, "empty user");
	refused("sip::pw@example.com", IMS_INVALID, "empty user before a password");
	refused("sip:bob@", IMS_INVALID, "empty host");
	refused("sip:bob@;transport=tcp", IMS_INVALID, "empty host before parameters");
	refused("im:example.com", IMS_INVALID, "im: without a user");
	refused("sip:bob@example.com:", IMS_INVALID, "empty port");
	refused("sip:bob@example.com:50a0", IMS_INVALID, "port with a letter");
	refused("sip:bob@example.com:65536", IMS_INVALID, "port over 65535");
	refused("sip:bob@example.com:123456", IMS_INVALID, "port over five digits");
	refused("sip:bob@exa mple.com", IMS_INVALID, "space inside the URI");
	refused("sip:bob@example.com\tx", IMS_INVALID, "tab inside the URI");
	refused("< sip:bob@example.com>", IMS_INVALID, "space inside the brackets");
	refused("sip:bob@exa/mple.com", IMS_INVALID, "bad host character");
	refused("sip:bob@[2001:db8::1", IMS_INVALID, "unclosed IPv6 reference");
	refused("sip:bob@[]", IMS_INVALID, "empty IPv6 reference");
	refused("sip:b%4@example.com", IMS_INVALID, "short escape");
	refused("sip:b%zz@example.com", IMS_INVALID, "bad escape");
	refused("sip:bob@example.com\r\nX: y", IMS_INVALID, "CRLF");
	refused("sip:bob\x01@example.com", IMS_INVALID, "control character");
	refused("sip:bob\x7f@example.com", IMS_INVALID, "DEL");
	refused("sip:bob\xc2\x85@example.com", IMS_INVALID, "C1 control (NEL)");
	refused("sip:\xc3\x28@example.com", IMS_INVALID, "invalid UTF-8 c3 28");
	refused("sip:\xc0\xaf@example.com", IMS_INVALID, "overlong c0 af");
	refused("sip:\xed\xa0\x80@example.com", IMS_INVALID, "UTF-16 surrogate");
	refused("\"Bob\xc3\" <sip:bob@example.com>", IMS_INVALID,
	        "invalid UTF-8 in the display name");
	refused("\"Bob <sip:bob@example.com>", IMS_INVALID, "unbalanced quote");
	refused("\"Bob\\\" <sip:bob@example.com>", IMS_INVALID, "escaped closing quote");
	refused("Bob <sip:bob@example.com", IMS_INVALID, "unbalanced '<'");
	refused("sip:bob@example.com>", IMS_INVALID, "stray '>'");
	refused("Bob <sip:bob@example.com> x", IMS_INVALID, "text after '>'");
	refused("<sip:a@b> <sip:c@d>", IMS_INVALID, "two addresses");
	refused("\"Bob\" sip:bob@example.com", IMS_INVALID, "display name without '<'");
	refused("Bob \"x\" <sip:bob@example.com>", IMS_INVALID, "quote in a token name");
	refused("tel:", IMS_INVALID, "empty tel:");
	refused("tel:+", IMS_INVALID, "tel: '+' only");
	refused("tel:+1-212-CALL", IMS_INVALID, "letters in a global number");
	refused("tel:---", IMS_INVALID, "separators only");
	refused("tel:7042;phone-context=", IMS_INVALID, "empty phone-context");
	refused("tel:7042;phone-context=exa_mple", IMS_INVALID, "bad phone-context");
	is_int(ims_addr_canon(NULL, 10, "sip:a@b"), IMS_INVALID, "NULL out");
	is_int(ims_addr_canon(buf, sizeof(buf), NULL), IMS_INVALID, "NULL address");

	/* lengths: 480 fits, 481 does not; invalid wins over too big */
	{
		char *s480 = long_uri(480), *s481 = long_uri(481), *s4096 = long_uri(4096);
		char small[16];

		is_int(strlen(s480), 480, "480-byte address built");
		is_int(ims_addr_canon(buf, sizeof(buf), s480), 0, "480-byte address accepted");
		is_int(strlen(buf), 480, "480-byte address kept whole");
		is_int(ims_addr_canon(buf, sizeof(buf), s481), IMS_TOOBIG, "481-byte address");
		is_str(buf, "", "output empty after IMS_TOOBIG");
		is_int(ims_addr_canon(buf, sizeof(buf), s4096), IMS_TOOBIG, "4096-byte address");
		s4096[100] = ' ';
		is_int(ims_addr_canon(buf, sizeof(buf), s4096), IMS_INVALID,
		       "4096-byte address with a space: invalid, not too big");
		is_int(ims_addr_canon(small, sizeof(small), "sip:bob@example.com"),
		       IMS_TOOBIG, "result longer than cap");
		is_int(ims_addr_canon(small, sizeof(small), "sip:b@example.c"), 0,
		       "result of cap - 1 bytes");
		is_int(ims_addr_canon(small, 0, "sip:b@x"), IMS_TOOBIG, "cap 0");
		free(s480);
		free(s481);
		free(s4096);
	}
	{
		/* 4096 bytes of parameters are dropped: the result is short */
		char *s = malloc(4200);
		strcpy(s, "sip:bob@example.com;x=");
		memset(s + strlen(s), 'p', 4096);
		s[22 + 4096] = '\0';
		canon(s, "sip:bob@example.com");
		free(s);
	}
	{
		/* 161 escaped bytes (3 each) are 483 bytes: too big */
		char s[400];
		strcpy(s, "sip:");
		memset(s + 4, '[', 161);
		strcpy(s + 165, "@x");
		is_int(ims_addr_canon(buf, sizeof(buf), s), IMS_TOOBIG,
		       "escaping makes it too big");
	}
	/* RFC 3323 / RCS privacy */
	ok(ims_addr_is_anonymous("sip:anonymous@anonymous.invalid"), "anonymous");
	ok(ims_addr_is_anonymous("\"Anonymous\" <sip:anonymous@Anonymous.INVALID;tag=1>"),
	   "anonymous: name-addr, host in any case");
	ok(ims_addr_is_anonymous("sips:thisis@anonymous.invalid:5061"), "anonymous: port");
	ok(!ims_addr_is_anonymous("sip:anonymous@example.com"), "not: a real host");
	ok(!ims_addr_is_anonymous("sip:bob@anonymous.invalid.example.com"), "not: a longer host");
	ok(!ims_addr_is_anonymous("tel:+15550100"), "not: tel");
	ok(!ims_addr_is_anonymous("not an address") && !ims_addr_is_anonymous(NULL), "not: junk");
	return done_testing();
}
