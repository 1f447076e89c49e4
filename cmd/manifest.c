/* manifest.c - manifest.xml of an export (schemas/export-manifest.xsd):
 * written with libxml2's text writer as the files go into the archive, read
 * back one file entry at a time (the reader never loads a DTD, refuses a
 * DOCTYPE, and holds one entry in memory). */
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"
#include "cli.h"

struct mf_writer {
	xmlTextWriterPtr w;
	int err;
};

#define X(s) ((const xmlChar *)(s))

static void
w_attr(mf_writer *w, const char *name, const char *value)
{
	if (value && xmlTextWriterWriteAttribute(w->w, X(name), X(value)) < 0)
		w->err = 1;
}

static void
w_elem(mf_writer *w, const char *name, const char *text)
{
	if (text && xmlTextWriterWriteElement(w->w, X(name), X(text)) < 0)
		w->err = 1;
}

static void
w_time(mf_writer *w, const char *name, int64_t us)
{
	char t[48];

	if (us == IMS_TIME_NONE)
		return;
	cli_fmt_time(t, sizeof(t), us);
	w_elem(w, name, t);
}

static void
w_u64(mf_writer *w, const char *name, uint64_t v)
{
	char n[24];

	snprintf(n, sizeof(n), "%llu", (unsigned long long)v);
	w_attr(w, name, n);
}

static void
w_start(mf_writer *w, const char *name)
{
	if (xmlTextWriterStartElement(w->w, X(name)) < 0)
		w->err = 1;
}

static void
w_end(mf_writer *w)
{
	if (xmlTextWriterEndElement(w->w) < 0)
		w->err = 1;
}

int
mf_open(mf_writer **out, int fd, const mf_export *e)
{
	xmlOutputBufferPtr ob = xmlOutputBufferCreateFd(fd, NULL);
	mf_writer *w = calloc(1, sizeof(*w));
	char t[48];

	*out = NULL;
	if (!ob || !w || !(w->w = xmlNewTextWriter(ob))) {
		if (ob && (!w || !w->w))
			xmlOutputBufferClose(ob);
		free(w);
		return ENOMEM;
	}
	xmlTextWriterSetIndent(w->w, 1);
	xmlTextWriterSetIndentString(w->w, X("  "));
	if (xmlTextWriterStartDocument(w->w, "1.0", "UTF-8", NULL) < 0)
		w->err = 1;
	w_start(w, "manifest");
	w_attr(w, "xmlns", ARC_NS);
	w_attr(w, "version", "1");
	w_start(w, "export");
	w_attr(w, "tool", "imstore " IMS_VERSION_STRING);
	w_attr(w, "layout", e->layout);
	cli_fmt_time(t, sizeof(t), e->time);
	w_attr(w, "time", t);
	w_elem(w, "store", e->store);
	w_elem(w, "filter", e->filter);
	w_end(w);
	*out = w;
	return w->err ? EIO : 0;
}

static void
w_addr(mf_writer *w, const char *name, const ims_addr *a)
{
	w_start(w, name);
	w_attr(w, "uri", a->uri);
	w_attr(w, "name", a->name);
	w_end(w);
}

int
mf_message(mf_writer *w, const ims_msg *m, const char *file, const char *sha,
           uint64_t size)
{
	char id[IMS_ID_STRLEN + 1];

	ims_id_fmt(id, &m->id);
	w_start(w, "message");
	w_attr(w, "id", id);
	w_attr(w, "file", file);
	w_attr(w, "sha256", sha);
	w_u64(w, "size", size);
	w_attr(w, "folder", ims_folder_name(m->folder));
	w_attr(w, "mode", ims_mode_name(m->mode));
	w_attr(w, "state", ims_state_name(m->state));
	if (m->flags & IMS_MSGF_HELD)
		w_attr(w, "held", "true");
	if (m->flags & IMS_MSGF_HIDDEN)
		w_attr(w, "hidden", "true");
	w_elem(w, "owner", m->owner);
	w_addr(w, "from", &m->from);
	for (size_t i = 0; i < m->nto; i++)
		w_addr(w, "to", &m->to[i]);
	for (size_t i = 0; i < m->ncc; i++)
		w_addr(w, "cc", &m->cc[i]);
	w_elem(w, "message-id", m->message_id);
	w_elem(w, "conversation", m->conversation);
	w_time(w, "received", m->received);
	w_time(w, "sent", m->sent);
	w_elem(w, "sent-text", m->sent_text);
	w_time(w, "expires", m->expires);
	w_time(w, "delivered", m->delivered);
	w_elem(w, "content-type", m->content_type);
	w_elem(w, "subject", m->subject);
	for (size_t i = 0; i < m->nheaders; i++) {
		w_start(w, "header");
		w_attr(w, "name", m->headers[i].name);
		if (xmlTextWriterWriteString(w->w, X(m->headers[i].value)) < 0)
			w->err = 1;
		w_end(w);
	}
	w_end(w);
	return w->err ? EIO : 0;
}

int
mf_transcript(mf_writer *w, const char *file, const char *sha, uint64_t size,
              const char *user, const char *conv, uint64_t messages)
{
	w_start(w, "transcript");
	w_attr(w, "file", file);
	w_attr(w, "sha256", sha);
	w_u64(w, "size", size);
	w_attr(w, "user", user);
	w_attr(w, "conversation", conv);
	w_u64(w, "messages", messages);
	w_end(w);
	return w->err ? EIO : 0;
}

int
mf_close(mf_writer *w, uint64_t messages, uint64_t bytes, uint64_t transcripts)
{
	w_start(w, "counts");
	w_u64(w, "messages", messages);
	w_u64(w, "bytes", bytes);
	w_u64(w, "transcripts", transcripts);
	w_end(w);
	w_end(w);
	if (xmlTextWriterEndDocument(w->w) < 0 || xmlTextWriterFlush(w->w) < 0)
		w->err = 1;
	return w->err ? EIO : 0;
}

void
mf_free(mf_writer *w)
{
	if (!w)
		return;
	if (w->w)
		xmlFreeTextWriter(w->w);
	free(w);
}

/* ---------------------------------------------------------------- reading */

#define MF_STRS (8 + 2 * IMS_RCPT_MAX + 2 * IMS_HEADERS_MAX + 16)

struct mf_reader {
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

static int mf_fail(mf_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
mf_fail(mf_reader *r, const char *fmt, ...)
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
clear_strs(mf_reader *r)
{
	for (size_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	r->nstrs = 0;
}

static const char *
keep(mf_reader *r, xmlChar *s)
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
attr_of(mf_reader *r, xmlNodePtr n, const char *name)
{
	return keep(r, xmlGetNoNsProp(n, X(name)));
}

static void
errors_off(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* The head of the manifest, before libxml2 reads it: UTF-8 only (a
 * document in UTF-16 or declared UTF-7 would hide its DOCTYPE from the
 * search below), and no DOCTYPE before the root element, so that no DTD is
 * ever handed to the parser, whatever its entities. */
static int
head_refused(int fd, char *err, size_t errcap)
{
	char buf[65536 + 1], why[160];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *root, *dt;

	if (n <= 0)
		return 0;
	if (ims__xml_utf8_only(buf, (size_t)n, why, sizeof(why))) {
		snprintf(err, errcap, "the manifest is refused: %s", why);
		return 1;
	}
	buf[n] = '\0';
	root = strstr(buf, "<manifest");
	dt = strstr(buf, "<!DOCTYPE");
	if (dt && (!root || dt < root)) {
		snprintf(err, errcap, "the manifest has a DOCTYPE (refused)");
		return 1;
	}
	return 0;
}

int
mf_read_open(mf_reader **out, int fd, char *err, size_t errcap)
{
	mf_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return ENOMEM;
	if (head_refused(fd, err, errcap)) {
		free(r);
		return IMS_INVALID;
	}
	xmlSetGenericErrorFunc(NULL, errors_off);
	/* no network, no DTD loading, no entity substitution */
	if (!(r->r = xmlReaderForFd(fd, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
	                            XML_PARSE_NOWARNING))) {
		snprintf(err, errcap, "cannot read the manifest");
		free(r);
		return IMS_INVALID;
	}
	*out = r;
	return 0;
}

static int
is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, X(name)) == 0 &&
	       n->ns && xmlStrcmp(n->ns->href, X(ARC_NS)) == 0;
}

static int
parse_u64(uint64_t *out, const char *s)
{
	return !s || cli_parse_u64(out, s);
}

static int
parse_time(int64_t *out, mf_reader *r, xmlNodePtr n)
{
	const char *s = keep(r, xmlNodeGetContent(n));
	int64_t hi;

	if (!s || ims__date_parse(out, &hi, s, 0) || hi != *out + 1)
		return mf_fail(r, "invalid time '%.60s' in <%s>", s ? s : "", n->name);
	return 0;
}

static int
fill_addr(mf_reader *r, ims_addr *a, xmlNodePtr n)
{
	a->uri = attr_of(r, n, "uri");
	a->name = attr_of(r, n, "name");
	return a->uri ? 0 : mf_fail(r, "<%s> without uri", n->name);
}

static int
fill_child(mf_reader *r, ims_msg *m, xmlNodePtr c, size_t *nr, size_t *ncc)
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
fill_message(mf_reader *r, mf_item *it, xmlNodePtr n)
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
fill_item(mf_reader *r, mf_item *it, xmlNodePtr n)
{
	const char *size;

	memset(it, 0, sizeof(*it));
	it->kind = is_elem(n, "message") ? ARC_MESSAGE : ARC_TRANSCRIPT;
	it->file = attr_of(r, n, "file");
	it->sha = attr_of(r, n, "sha256");
	size = attr_of(r, n, "size");
	if (!it->file || !it->sha || strlen(it->sha) != ARC_HEX ||
	    parse_u64(&it->size, size) || arc_name_kind(it->file) != it->kind)
		return mf_fail(r, "<%s> needs a valid file, sha256 and size", n->name);
	return it->kind == ARC_MESSAGE ? fill_message(r, it, n) : 0;
}

static int
check_counts(mf_reader *r, xmlNodePtr n)
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
check_root(mf_reader *r)
{
	xmlChar *ns = xmlTextReaderNamespaceUri(r->r), *v;
	int ok = ns && xmlStrcmp(ns, X(ARC_NS)) == 0 &&
	         xmlStrcmp(xmlTextReaderConstLocalName(r->r), X("manifest")) == 0;

	xmlFree(ns);
	if (!ok)
		return mf_fail(r, "not an imstore manifest (root <manifest> in %s)", ARC_NS);
	v = xmlTextReaderGetAttribute(r->r, X("version"));
	ok = v && xmlStrcmp(v, X("1")) == 0;
	xmlFree(v);
	return ok ? 0 : mf_fail(r, "manifest version not supported (this is version 1)");
}

static int
top_element(mf_reader *r, mf_item *out, xmlNodePtr n)
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
	if (out->kind == ARC_MESSAGE)
		r->nmessages++;
	else
		r->ntranscripts++;
	return 0;
}

int
mf_read_next(mf_reader *r, mf_item *out)
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

const char *
mf_read_layout(const mf_reader *r)
{
	return r->layout ? r->layout : "";
}

const char *
mf_read_err(const mf_reader *r)
{
	return r->err;
}

void
mf_read_free(mf_reader *r)
{
	if (!r)
		return;
	clear_strs(r);
	xmlFreeTextReader(r->r);
	free(r->layout);
	free(r);
}
