/* xml.c - reading XML documents that may be hostile: no DTD of any kind,
 * no entities, no network, bounded size and depth (libxml2). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <strings.h>

#include "internal.h"

#define XML_MAX_BYTES (64 * 1024)
#define XML_MAX_DEPTH 32

static int
has_markup_decl(const char *p, size_t len)
{
	/* <!DOCTYPE and <!ENTITY: refused before libxml2 sees them, since
	 * libxml2 2.9 has no switch that turns entity expansion off */
	for (size_t i = 0; i + 2 < len; i++)
		if (p[i] == '<' && p[i + 1] == '!' && p[i + 2] != '-' && p[i + 2] != '[')
			return 1;
	return 0;
}

/* libxml2 capitalises its messages; ours are lowercase */
static void
lower_first(char *s)
{
	char *colon = strstr(s, ": ");

	if (colon && colon[2] >= 'A' && colon[2] <= 'Z')
		colon[2] = (char)(colon[2] - 'A' + 'a');
}

static int
depth_ok(const xmlNode *n, int depth)
{
	if (depth > XML_MAX_DEPTH)
		return 0;
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !depth_ok(n->children, depth + 1))
			return 0;
	return 1;
}

int
ims__xml_read(xmlDoc **out, const void *data, size_t len, ims_errinfo *err)
{
	xmlParserCtxt *ctx;
	xmlDoc *doc;
	const char *why = NULL;

	*out = NULL;
	if (len > XML_MAX_BYTES)
		why = "document larger than 64 KiB";
	else if (has_markup_decl(data, len))
		why = "document type declarations and entities are not accepted";
	if (!why && !(ctx = xmlNewParserCtxt()))
		return ENOMEM;
	if (!why) {
		doc = xmlCtxtReadMemory(ctx, data, (int)len, NULL, NULL,
		                        XML_PARSE_NONET | XML_PARSE_NOERROR |
		                        XML_PARSE_NOWARNING);
		if (!doc) {
			const xmlError *e = xmlCtxtGetLastError(ctx);
			if (err && e) {
				snprintf(err->message, sizeof(err->message),
				         "not well-formed XML at line %d: %s", e->line,
				         e->message ? e->message : "");
				err->message[strcspn(err->message, "\n")] = '\0';
				lower_first(err->message);
			}
			why = "not well-formed XML";
		} else if (doc->intSubset || doc->extSubset ||
		           !depth_ok(xmlDocGetRootElement(doc), 1)) {
			xmlFreeDoc(doc);
			doc = NULL;
			why = "document too deep or with a DTD";
		}
		xmlFreeParserCtxt(ctx);
		if (doc) {
			*out = doc;
			return 0;
		}
	}
	if (err) {
		err->code = IMS_INVALID;
		if (!err->message[0])
			snprintf(err->message, sizeof(err->message), "%s", why);
	}
	return IMS_INVALID;
}
