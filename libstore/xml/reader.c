/* reader.c - reading XML documents that may be hostile: UTF-8 only, no DTD of
 * any kind, no entities, no network, bounded size and depth (libxml2). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"

#define XML_MAX_BYTES (64 * 1024)
#define XML_MAX_DEPTH 32
/* no network, no DTD loading, no entity substitution, and no message of
 * libxml2's own on stderr */
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

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

static int
xml_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The pseudo-attributes of an XML declaration, p just after "<?xml": the
 * value of encoding in enc ("" when none); -1 when it cannot be read. */
static int
decl_encoding(char *enc, size_t cap, const unsigned char *p, size_t n)
{
	size_t i = 0;

	enc[0] = '\0';
	for (;;) {
		size_t name, nlen, val;
		unsigned char q;
		while (i < n && xml_space(p[i]))
			i++;
		if (i + 1 < n && p[i] == '?' && p[i + 1] == '>')
			return 0;
		for (name = i; i < n && ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z'); i++)
			;
		nlen = i - name;
		while (i < n && xml_space(p[i]))
			i++;
		if (!nlen || i >= n || p[i++] != '=')
			return -1;
		while (i < n && xml_space(p[i]))
			i++;
		if (i >= n || (p[i] != '"' && p[i] != '\''))
			return -1;
		q = p[i++];
		for (val = i; i < n && p[i] != q && p[i] != '<' && p[i] != '>'; i++)
			;
		if (i >= n || p[i] != q)
			return -1;
		if (nlen == 8 && memcmp(p + name, "encoding", 8) == 0)
			snprintf(enc, cap, "%.*s", (int)(i - val), (const char *)p + val);
		i++;
	}
}

/*
 * Only UTF-8 reaches libxml2, which would otherwise decode what a
 * byte-order mark or the XML declaration names (UTF-16, UTF-32, EBCDIC,
 * UTF-7 through iconv), so that the byte-level DOCTYPE check would not see
 * the "<!" of a DOCTYPE.  Of the first len bytes: no NUL, no byte-order mark
 * but UTF-8's, '<' or white space first, and no encoding declared but UTF-8.
 */
int
ims__xml_utf8_only(const void *data, size_t len, char *why, size_t cap)
{
	const unsigned char *p = data;
	char enc[64];
	int rc;

	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		len -= 3;
	}
	if (len == 0)
		return 0;
	if (memchr(p, '\0', len) || p[0] == 0xfe || p[0] == 0xff)
		snprintf(why, cap, "only UTF-8 documents are accepted "
		         "(NUL bytes or a byte-order mark: UTF-16 or UTF-32)");
	else if (p[0] != '<' && !xml_space(p[0]))
		snprintf(why, cap, "only UTF-8 documents are accepted "
		         "(the document does not begin with '<')");
	else if (len < 6 || memcmp(p, "<?xml", 5) != 0 || !xml_space(p[5]))
		return 0;
	else if ((rc = decl_encoding(enc, sizeof(enc), p + 5, len - 5)) < 0)
		snprintf(why, cap, "only UTF-8 documents are accepted "
		         "(unreadable XML declaration)");
	else if (!enc[0] || strcasecmp(enc, "UTF-8") == 0)
		return 0;
	else
		snprintf(why, cap, "only UTF-8 documents are accepted, not '%s'", enc);
	return IMS_INVALID;
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
	char enc[160];

	*out = NULL;
	if (len > XML_MAX_BYTES)
		why = "document larger than 64 KiB";
	else if (ims__xml_utf8_only(data, len, enc, sizeof(enc)))
		why = enc;
	else if (has_markup_decl(data, len))
		why = "document type declarations and entities are not accepted";
	if (!why && !(ctx = xmlNewParserCtxt()))
		return ENOMEM;
	if (!why) {
		doc = xmlCtxtReadMemory(ctx, data, (int)len, NULL, NULL, XML_OPTIONS);
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

/* ---------------------------------------------------------------- streams */

/* The head of a streamed document, before libxml2 reads it: UTF-8 only
 * (a document in UTF-16 or declared UTF-7 would hide its DOCTYPE from the
 * search below), and no DOCTYPE before the root element, so that no DTD is
 * ever handed to the parser, whatever its entities. */
static int
head_refused(int fd, const char *what, const char *root, char *why, size_t cap)
{
	char buf[65536 + 1], utf[160], tag[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *r, *dt;

	if (n <= 0)
		return 0;
	if (ims__xml_utf8_only(buf, (size_t)n, utf, sizeof(utf))) {
		snprintf(why, cap, "%s is refused: %s", what, utf);
		return 1;
	}
	buf[n] = '\0';
	snprintf(tag, sizeof(tag), "<%s", root);
	r = strstr(buf, tag);
	dt = strstr(buf, "<!DOCTYPE");
	if (dt && (!r || dt < r)) {
		snprintf(why, cap, "%s has a DOCTYPE (refused)", what);
		return 1;
	}
	return 0;
}

#if LIBXML_VERSION >= 21200
static void
quiet(void *arg, const xmlError *e)
#else
static void
quiet(void *arg, xmlErrorPtr e)
#endif
{
	(void)arg;
	(void)e;
}

int
ims__xml_stream_open(xmlTextReaderPtr *out, int fd, const char *what,
                     const char *root, char *why, size_t cap)
{
	ims__xml_quiet q;

	*out = NULL;
	if (head_refused(fd, what, root, why, cap))
		return IMS_INVALID;
	ims__xml_quiet_begin(&q);
	*out = xmlReaderForFd(fd, NULL, NULL, XML_OPTIONS);
	ims__xml_quiet_end(&q);
	if (!*out) {
		snprintf(why, cap, "cannot read %s", what);
		return IMS_INVALID;
	}
	xmlTextReaderSetStructuredErrorHandler(*out, quiet, NULL);
	return 0;
}

/* libxml2 hands a message it has no parser for (an encoding error of a
 * stream) to the generic error function of the calling thread: silenced
 * while the library reads, the caller's own put back after. */
static void
silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

void
ims__xml_quiet_begin(ims__xml_quiet *q)
{
	q->fn = (void (*)(void))xmlGenericError;
	q->ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, silent);
}

void
ims__xml_quiet_end(const ims__xml_quiet *q)
{
	xmlSetGenericErrorFunc(q->ctx, (xmlGenericErrorFunc)q->fn);
}
