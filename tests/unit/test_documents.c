/* test_documents.c - every XML document libimstore writes validates against
 * its schema in schemas/, checked in-process with libxml2's validator. */
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <stdlib.h>
#include <time.h>

#include "imstore.h"
#include "tap.h"

static char root[256];

static void
quiet(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

static int
valid(const char *xml, size_t len, const char *schema)
{
	char path[1024];
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr s;
	xmlSchemaValidCtxtPtr vc;
	xmlDocPtr doc;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/schemas/%s",
	         getenv("IMS_SRCDIR") ? getenv("IMS_SRCDIR") : ".", schema);
	if (!(pc = xmlSchemaNewParserCtxt(path)))
		return 0;
	s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	doc = xmlReadMemory(xml, (int)len, NULL, NULL, XML_PARSE_NONET);
	if (s && doc && (vc = xmlSchemaNewValidCtxt(s))) {
		xmlSchemaSetValidStructuredErrors(vc, quiet, NULL);
		rc = xmlSchemaValidateDoc(vc, doc);
		xmlSchemaFreeValidCtxt(vc);
	}
	xmlFreeDoc(doc);
	xmlSchemaFree(s);
	return rc == 0;
}

typedef struct sink { char *p; size_t n; } sink;

static int
collect(const void *chunk, size_t len, void *payload)
{
	sink *s = payload;
	char *p = realloc(s->p, s->n + len + 1);

	if (!p)
		return 1;
	memcpy(p + s->n, chunk, len);
	s->p = p;
	s->n += len;
	s->p[s->n] = '\0';
	return 0;
}

int
main(void)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_settings set = IMS_SETTINGS_INIT;
	ims_addr to[2] = { { "sip:bob@example.com", "Bob & <Co>" }, { "tel:+15550100", NULL } };
	ims_msg m = IMS_MSG_INIT;
	ims_store *st;
	ims_query *q;
	ims_conv_list *l;
	sink t = { NULL, 0 };
	char path[512], *xml;
	size_t len;

	snprintf(root, sizeof(root), "/tmp/ims-docs-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(path, sizeof(path), "%s/st", root);
	o.flags = IMS_OPEN_CREATE;
	if (ims_store_open(&st, path, &o))
		return 1;

	set.history_pager = set.history_session = 1;
	is_int(ims_settings_write(&xml, &len, &set), 0, "settings document");
	ok(valid(xml, len, "im-service-settings.xsd"), "settings validates");
	free(xml);
	ims_settings_set(st, "sip:bob@example.com", &set);

	m.owner = "sip:bob@example.com";
	m.from.uri = "sip:alice@example.com";
	m.from.name = "Alice \"A\"";
	m.to = to;
	m.nto = 2;
	m.message_id = "d1";
	m.subject = "caf\xc3\xa9 & <b>";
	m.content_type = "text/plain; charset=utf-8";
	ims_deferred_store(NULL, NULL, st, &m, "hello", 5);
	ims_deferred_query(&q, st, "sip:bob@example.com", NULL, NULL);
	is_int(ims_deferred_list_xml(&xml, &len, q, 0), 0, "deferred-list document");
	ok(valid(xml, len, "deferred-list.xsd"), "deferred-list validates");
	free(xml);
	ims_query_free(q);

	m.message_id = "h1";
	ims_history_record(NULL, st, "sip:bob@example.com", &m, "text body\r\n", 11);
	m.message_id = "h2";
	m.mode = IMS_MODE_SESSION;
	m.conversation = "sess-1";
	ims_history_record(NULL, st, "sip:bob@example.com", &m, "\x00\x01\xff", 3);
	is_int(ims_history_conversations(&l, st, "sip:bob@example.com", NULL), 0, "conversations");
	is_int(ims_history_list_xml(&xml, &len, l, "sip:bob@example.com"), 0,
	       "history-list document");
	ok(valid(xml, len, "history-list.xsd"), "history-list validates (pager and session)");
	free(xml);
	ims_conv_list_free(l);
	is_int(ims_history_transcript_xml(st, "sip:bob@example.com", "sess-1", collect, &t), 0,
	       "transcript document");
	ok(t.p && valid(t.p, t.n, "transcript.xsd"), "transcript validates (binary body)");
	ok(t.p && strstr(t.p, "base64"), "binary body as base64");
	free(t.p);
	{
		const char *bad = "<deferred-list xmlns=\"urn:oma:xml:im:deferred-list\">"
		                  "<bogus/></deferred-list>";
		ok(!valid(bad, strlen(bad), "deferred-list.xsd"),
		   "the validator rejects an invalid document");
	}
	ims_store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		diag("cannot remove %s", root);
	return done_testing();
}
