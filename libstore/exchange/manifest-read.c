/* manifest-read.c - manifest.xml of an export read back one file entry at
 * a time, through the library's XML reader (xml/reader.c: UTF-8 only, no
 * DOCTYPE, no DTD, no entity, no network), holding one entry in memory. */
#include <libxml/xmlreader.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "internal.h"
#include "query/filter.h"

#define X(s) ((const xmlChar *)(s))

#define MF_STRS (8 + 2 * IMS_RCPT_MAX + 2 * IMS_HEADERS_MAX + 16)

struct ims__mf_reader {
	xmlTextReaderPtr r;
	char err[256];
	char *layout;
	char *strs[MF_STRS];   /* the current item's strings */
	size_t nstrs;
	ims_addr rcpt[IMS_RCPT_MAX];
	ims_header hdrs[IMS_HEADERS_MAX];
	int counts_seen;
	int pending;           /* the reader is on a node not examined yet */
	uint64_t nmessages, ntranscripts;
};

static int mf_fail(ims__mf_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
mf_fail(ims__mf_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void
clear_strs(ims__mf_reader *r)
{
	for (size_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	r->nstrs = 0;
}

static const char *
keep(ims__mf_reader *r, xmlChar *s)
{
	if (!s)
		return NULL;
	if (r->nstrs == MF_STRS) {
		xmlFree(s);
		mf_fail(r, "too many values in one entry");
		return NULL;
	}
	r->strs[r->nstrs] = strdup((const char *)s);
	xmlFree(s);
	return r->strs[r->nstrs++];
}

static const char *
attr_of(ims__mf_reader *r, xmlNodePtr n, const char *name)
{
	return keep(r, xmlGetNoNsProp(n, X(name)));
}

int
ims__mf_read_open(ims__mf_reader **out, int fd, char *err, size_t errcap)
{
	ims__mf_reader *r = calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return ENOMEM;
	if ((rc = ims__xml_stream_open(&r->r, fd, "the manifest", "manifest", err, errcap))) {
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static int
is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, X(name)) == 0 &&
	       n->ns && xmlStrcmp(n->ns->href, X(IMS__ARC_NS)) == 0;
}

static int
parse_u64(uint64_t *out, const char *s)
{
	return !s || ims_number_parse(out, s);
}

static int
parse_time(int64_t *out, ims__mf_reader *r, xmlNodePtr n)
{
	const char *s = keep(r, xmlNodeGetContent(n));
	int64_t hi;

	if (!s || ims__date_parse(out, &hi, s, 0) || hi != *out + 1)
		return mf_fail(r, "invalid time '%.60s' in <%s>", s ? s : "", n->name);
	return 0;
}

static int
fill_addr(ims__mf_reader *r, ims_addr *a, xmlNodePtr n)
{
	a->uri = attr_of(r, n, "uri");
	a->name = attr_of(r, n, "name");
	return a->uri ? 0 : mf_fail(r, "<%s> without uri", n->name);
}

static int
fill_child(ims__mf_reader *r, ims_msg *m, xmlNodePtr c, size_t *nr, size_t *ncc)
{
	const char *nm = (const char *)c->name;

	if (is_elem(c, "owner"))
		m->owner = keep(r, xmlNodeGetContent(c));
	else if (is_elem(c, "from"))
		return fill_addr(r, (ims_addr *)&m->from, c);
	else if (is_elem(c, "to") || is_elem(c, "cc")) {
		if (*nr == IMS_RCPT_MAX)
			return mf_fail(r, "more than %d recipients", IMS_RCPT_MAX);
		if (is_elem(c, "to") && *ncc)
			return mf_fail(r, "<to> after <cc>");
		*ncc += is_elem(c, "cc");
		return fill_addr(r, &r->rcpt[(*nr)++], c);
	} else if (is_elem(c, "message-id"))
		m->message_id = keep(r, xmlNodeGetContent(c));
	else if (is_elem(c, "conversation"))
		m->conversation = keep(r, xmlNodeGetContent(c));
	else if (is_elem(c, "received"))
		return parse_time(&m->received, r, c);
	else if (is_elem(c, "sent"))
		return parse_time(&m->sent, r, c);
	else if (is_elem(c, "sent-text"))
		m->sent_text = keep(r, xmlNodeGetContent(c));
	else if (is_elem(c, "expires"))
		return parse_time(&m->expires, r, c);
	else if (is_elem(c, "delivered"))
		return parse_time(&m->delivered, r, c);
	else if (is_elem(c, "content-type"))
		m->content_type = keep(r, xmlNodeGetContent(c));
	else if (is_elem(c, "subject"))
		m->subject = keep(r, xmlNodeGetContent(c));
	else if (is_elem(c, "header")) {
		if (m->nheaders == IMS_HEADERS_MAX)
			return mf_fail(r, "more than %d headers", IMS_HEADERS_MAX);
		r->hdrs[m->nheaders].name = attr_of(r, c, "name");
		r->hdrs[m->nheaders++].value = keep(r, xmlNodeGetContent(c));
	} else
		return mf_fail(r, "unexpected <%.40s> in <message>", nm);
	return r->err[0] ? -1 : 0;
}

static int
fill_message(ims__mf_reader *r, ims__mf_item *it, xmlNodePtr n)
{
	ims_msg m0 = IMS_MSG_INIT;
	ims_msg *m = &it->m;
	const char *id = attr_of(r, n, "id"), *v;
	size_t nr = 0, ncc = 0;

	*m = m0;
	if (!id || ims_id_parse(&m->id, id))
		return mf_fail(r, "<message> without a valid id");
	if (!(v = attr_of(r, n, "folder")) || ims_folder_parse(&m->folder, v) ||
	    !(v = attr_of(r, n, "mode")) || ims_mode_parse(&m->mode, v) ||
	    !(v = attr_of(r, n, "state")) || ims_state_parse(&m->state, v))
		return mf_fail(r, "message %s: invalid folder, mode or state", id);
	if ((v = attr_of(r, n, "held")) && strcmp(v, "true") == 0)
		m->flags |= IMS_MSGF_HELD;
	if ((v = attr_of(r, n, "hidden")) && strcmp(v, "true") == 0)
		m->flags |= IMS_MSGF_HIDDEN;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (fill_child(r, m, c, &nr, &ncc))
			return -1;
	}
	m->to = r->rcpt;
	m->nto = nr - ncc;
	m->cc = r->rcpt + m->nto;
	m->ncc = ncc;
	m->headers = r->hdrs;
	/* what the store requires: verify-archive must not pass what import
	 * would refuse (fuzz_manifest found a message without <from>) */
	if (!m->owner || !m->from.uri || !m->message_id || m->received == IMS_TIME_NONE)
		return mf_fail(r, "message %s: no owner, from, message-id or received time", id);
	return 0;
}

static int
fill_item(ims__mf_reader *r, ims__mf_item *it, xmlNodePtr n)
{
	const char *size;

	memset(it, 0, sizeof(*it));
	it->kind = is_elem(n, "message") ? IMS__ARC_MESSAGE : IMS__ARC_TRANSCRIPT;
	it->file = attr_of(r, n, "file");
	it->sha = attr_of(r, n, "sha256");
	size = attr_of(r, n, "size");
	if (!it->file || !it->sha || strlen(it->sha) != IMS__ARC_HEX ||
	    parse_u64(&it->size, size) || ims__arc_name_kind(it->file) != it->kind)
		return mf_fail(r, "<%s> needs a valid file, sha256 and size", n->name);
	return it->kind == IMS__ARC_MESSAGE ? fill_message(r, it, n) : 0;
}

static int
check_counts(ims__mf_reader *r, xmlNodePtr n)
{
	uint64_t msgs, trs;

	if (parse_u64(&msgs, attr_of(r, n, "messages")) ||
	    parse_u64(&trs, attr_of(r, n, "transcripts")))
		return mf_fail(r, "invalid <counts>");
	if (msgs != r->nmessages || trs != r->ntranscripts)
		return mf_fail(r, "<counts> says %llu messages and %llu transcripts, "
		               "the manifest lists %llu and %llu",
		               (unsigned long long)msgs, (unsigned long long)trs,
		               (unsigned long long)r->nmessages,
		               (unsigned long long)r->ntranscripts);
	r->counts_seen = 1;
	return 0;
}

/* The root element, checked once. */
static int
check_root(ims__mf_reader *r)
{
	xmlChar *ns = xmlTextReaderNamespaceUri(r->r), *v;
	int ok = ns && xmlStrcmp(ns, X(IMS__ARC_NS)) == 0 &&
	         xmlStrcmp(xmlTextReaderConstLocalName(r->r), X("manifest")) == 0;

	xmlFree(ns);
	if (!ok)
		return mf_fail(r, "not an imstore manifest (root <manifest> in %s)", IMS__ARC_NS);
	v = xmlTextReaderGetAttribute(r->r, X("version"));
	ok = v && xmlStrcmp(v, X("1")) == 0;
	xmlFree(v);
	return ok ? 0 : mf_fail(r, "manifest version not supported (this is version 1)");
}

static int
top_element(ims__mf_reader *r, ims__mf_item *out, xmlNodePtr n)
{
	if (!n)
		return mf_fail(r, "invalid manifest XML");
	if (is_elem(n, "export")) {
		free(r->layout);
		r->layout = (char *)xmlGetNoNsProp(n, X("layout"));
		return 2;
	}
	if (r->counts_seen)
		return mf_fail(r, "<%.40s> after <counts>", n->name);
	if (is_elem(n, "counts"))
		return check_counts(r, n) ? -1 : 2;
	if (!is_elem(n, "message") && !is_elem(n, "transcript"))
		return mf_fail(r, "unexpected <%.40s> in the manifest", n->name);
	if (fill_item(r, out, n))
		return -1;
	if (out->kind == IMS__ARC_MESSAGE)
		r->nmessages++;
	else
		r->ntranscripts++;
	return 0;
}

static int
read_next(ims__mf_reader *r, ims__mf_item *out)
{
	int rc = 1, next;

	clear_strs(r);
	while (!r->err[0]) {
		/* after xmlTextReaderNext() the reader is on a node not seen yet */
		if (!r->pending && (rc = xmlTextReaderRead(r->r)) != 1)
			break;
		r->pending = 0;
		int type = xmlTextReaderNodeType(r->r), depth = xmlTextReaderDepth(r->r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE)
			return mf_fail(r, "the manifest has a DOCTYPE (refused)");
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (depth == 0) {
			if (check_root(r))
				return -1;
			continue;
		}
		if (depth != 1)
			continue;
		rc = top_element(r, out, xmlTextReaderExpand(r->r));
		if ((next = xmlTextReaderNext(r->r)) < 0)
			return mf_fail(r, "invalid manifest XML");
		r->pending = next == 1;
		if (rc != 2)
			return rc;
	}
	if (r->err[0])
		return -1;
	if (rc < 0)
		return mf_fail(r, "invalid manifest XML");
	if (!r->counts_seen)
		return mf_fail(r, "the manifest ends without <counts> (truncated?)");
	return 1;
}

int
ims__mf_read_next(ims__mf_reader *r, ims__mf_item *out)
{
	ims__xml_quiet q;
	int rc;

	ims__xml_quiet_begin(&q);
	rc = read_next(r, out);
	ims__xml_quiet_end(&q);
	return rc;
}

const char *
ims__mf_read_layout(const ims__mf_reader *r)
{
	return r->layout ? r->layout : "";
}

const char *
ims__mf_read_err(const ims__mf_reader *r)
{
	return r->err;
}

void
ims__mf_read_free(ims__mf_reader *r)
{
	if (!r)
		return;
	clear_strs(r);
	xmlFreeTextReader(r->r);
	free(r->layout);
	free(r);
}
