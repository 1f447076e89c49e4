/* test_settings.c - the IM service settings document: round trip, and
 * hostile documents refused (DTDs, entities, depth, size, encodings). */
#include <stdlib.h>

#include "imstore.h"
#include "tap.h"

static int
parse(ims_settings *s, const char *xml, ims_errinfo *e)
{
	return ims_settings_parse(s, xml, strlen(xml), e);
}

#define HEAD "<im-settings xmlns=\"urn:oma:xml:im:service-settings\">"

static void
test_round_trip(void)
{
	ims_settings a = { IMS_SETTINGS_VERSION, 0, 1, 0, 1, 0, 1 }, b = IMS_SETTINGS_INIT;
	char *xml;
	size_t len;

	is_int(ims_settings_write(&xml, &len, &a), 0, "write");
	ok(strstr(xml, "<offline-delivery active=\"false\"/>") != NULL, "offline delivery off");
	is_int(ims_settings_parse(&b, xml, len, NULL), 0, "parse what was written");
	ok(memcmp(&a, &b, sizeof(a)) == 0, "round trip");
	free(xml);
}

static void
test_partial(void)
{
	ims_settings s = IMS_SETTINGS_INIT;
	ims_errinfo e;

	is_int(parse(&s, HEAD "<history-settings><pager-mode active=\"true\"/>"
	             "</history-settings></im-settings>", &e), 0, "partial document");
	ok(s.history_pager && s.offline_push && !s.history_session, "only pager history changed");
	is_int(parse(&s, HEAD "<x:ext xmlns:x=\"urn:example:other\"><x:y/></x:ext>"
	             "<invisibility active=\"1\"/></im-settings>", &e), 0,
	       "elements of other namespaces are ignored");
	ok(s.invisible, "invisibility set");
	is_int(parse(&s, HEAD "<colour active=\"true\"/></im-settings>", &e), IMS_INVALID,
	       "unknown element of our namespace refused");
	is_str(e.message, "unknown element 'colour' in the settings document", "says which");
	is_int(parse(&s, HEAD "<invisibility active=\"maybe\"/></im-settings>", &e),
	       IMS_INVALID, "bad boolean refused");
	is_int(parse(&s, HEAD "<invisibility/></im-settings>", &e), IMS_INVALID,
	       "missing active refused");
	is_int(parse(&s, "<im-settings/>", &e), IMS_INVALID, "root without namespace refused");
	is_int(parse(&s, HEAD "<invisibility active=\"true\">", &e), IMS_INVALID,
	       "not well-formed refused");
	ok(strstr(e.message, "not well-formed") != NULL, "says not well-formed");
	ok(s.invisible, "a refused document changes nothing");
}

static void
test_hostile(void)
{
	ims_settings s = IMS_SETTINGS_INIT;
	ims_errinfo e;
	char *big, *deep;
	size_t n;

	is_int(parse(&s, "<?xml version=\"1.0\"?><!DOCTYPE im-settings SYSTEM "
	             "\"http://127.0.0.1:1/x.dtd\">" HEAD "</im-settings>", &e), IMS_INVALID,
	       "external DTD refused");
	is_int(parse(&s, "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	             HEAD "<invisibility active=\"&x;\"/></im-settings>", &e), IMS_INVALID,
	       "external entity refused");
	is_int(parse(&s, "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	             "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	             "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
	             "<lolz>&lol3;</lolz>", &e), IMS_INVALID, "billion laughs refused");
	ok(strstr(e.message, "document type") != NULL, "says why");
	big = malloc(70000);
	n = (size_t)snprintf(big, 70000, HEAD);
	while (n < 69000)
		n += (size_t)snprintf(big + n, 70000 - n, "<!-- padding padding -->");
	snprintf(big + n, 70000 - n, "</im-settings>");
	is_int(parse(&s, big, &e), IMS_INVALID, "over 64 KiB refused");
	free(big);
	deep = malloc(4096);
	n = (size_t)snprintf(deep, 4096, HEAD);
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(deep + n, 4096 - n, "<x:a xmlns:x=\"urn:o\">");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(deep + n, 4096 - n, "</x:a>");
	snprintf(deep + n, 4096 - n, "</im-settings>");
	is_int(parse(&s, deep, &e), IMS_INVALID, "depth over 32 refused");
	free(deep);
	is_int(parse(&s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" HEAD
	             "<invisibility active=\"tr\xc3\x28ue\"/></im-settings>", &e), IMS_INVALID,
	       "invalid UTF-8 refused");
	is_int(ims_settings_parse(&s, "\x00\x01", 2, &e), IMS_INVALID, "binary refused");
}

int
main(void)
{
	test_round_trip();
	test_partial();
	test_hostile();
	return done_testing();
}
