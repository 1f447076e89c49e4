/* manifest-write.c - manifest.xml of an export
 * (schemas/export-manifest.xsd), written through the library's XML writer
 * as the files go into the archive, to a spool file in pieces of bounded
 * size.  Its bytes are those libxml2's text writer wrote before (indented
 * by two spaces, its escaping), so that archives stay byte for byte what
 * they were. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exchange.h"
#include "internal.h"

#define FLUSH_AT (64 * 1024)

/* An element is open while its start tag waits for its '>': it ends as
 * "/>" when nothing is written inside. */
struct ims__mf_writer {
	ims__xb b;
	int fd;
	int depth;             /* elements started, not ended */
	int open;              /* the innermost start tag is not closed */
	int text;              /* the innermost element holds text */
	char names[4][16];     /* the elements started */
};

static void
w_indent(ims__mf_writer *w, int depth)
{
	for (int i = 0; i < depth; i++)
		ims__xb_str(&w->b, "  ");
}

static void
w_start(ims__mf_writer *w, const char *name)
{
	if (w->depth == (int)(sizeof(w->names) / sizeof(w->names[0]))) {
		w->b.err = w->b.err ? w->b.err : EIO;  /* deeper than a manifest */
		return;
	}
	if (w->open)
		ims__xb_str(&w->b, ">\n");
	w_indent(w, w->depth);
	ims__xb_str(&w->b, "<");
	ims__xb_str(&w->b, name);
	snprintf(w->names[w->depth++], sizeof(w->names[0]), "%s", name);
	w->open = 1;
	w->text = 0;
}

static void
w_attr(ims__mf_writer *w, const char *name, const char *value)
{
	ims__xb_attr(&w->b, name, value);
}

static void
w_u64(ims__mf_writer *w, const char *name, uint64_t v)
{
	char n[24];

	snprintf(n, sizeof(n), "%llu", (unsigned long long)v);
	w_attr(w, name, n);
}

/* Text inside the innermost element; NULL is an error. */
static void
w_text(ims__mf_writer *w, const char *text)
{
	if (!text) {
		w->b.err = w->b.err ? w->b.err : EIO;
		return;
	}
	if (w->open)
		ims__xb_str(&w->b, ">");
	w->open = 0;
	w->text = 1;
	ims__xb_value(&w->b, text, strlen(text));
}

static void
w_end(ims__mf_writer *w)
{
	const char *name;

	if (w->depth == 0) {
		w->b.err = w->b.err ? w->b.err : EIO;
		return;
	}
	name = w->names[--w->depth];

	if (w->open) {
		ims__xb_str(&w->b, "/>\n");
	} else {
		if (!w->text)
			w_indent(w, w->depth);
		ims__xb_str(&w->b, "</");
		ims__xb_str(&w->b, name);
		ims__xb_str(&w->b, ">\n");
	}
	w->open = w->text = 0;
}

/* <name>text</name>, nothing when text is NULL. */
static void
w_elem(ims__mf_writer *w, const char *name, const char *text)
{
	if (!text)
		return;
	w_start(w, name);
	w_text(w, text);
	w_end(w);
}

static void
w_time(ims__mf_writer *w, const char *name, int64_t us)
{
	char t[48];

	if (us == IMS_TIME_NONE)
		return;
	ims_time_fmt(t, sizeof(t), us);
	w_elem(w, name, t);
}

static int
to_fd(const void *chunk, size_t len, void *payload)
{
	const char *p = chunk;
	int fd = *(const int *)payload;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What is written so far to the file, once there is enough of it (or all
 * of it); 0 or an error, EIO for an error of the writer. */
static int
w_flush(ims__mf_writer *w, size_t at)
{
	int rc = ims__xb_drain(&w->b, at, to_fd, &w->fd);

	if (rc && !w->b.err)
		w->b.err = rc;
	return rc ? EIO : 0;
}

int
ims__mf_open(ims__mf_writer **out, int fd, const ims__mf_export *e)
{
	ims__mf_writer *w = calloc(1, sizeof(*w));
	char t[48];

	*out = NULL;
	if (!w)
		return ENOMEM;
	w->fd = fd;
	ims__xb_str(&w->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	w_start(w, "manifest");
	w_attr(w, "xmlns", IMS__ARC_NS);
	w_attr(w, "version", "1");
	w_start(w, "export");
	w_attr(w, "tool", "imstore " IMS_VERSION_STRING);
	w_attr(w, "layout", e->layout);
	ims_time_fmt(t, sizeof(t), e->time);
	w_attr(w, "time", t);
	w_elem(w, "store", e->store);
	w_elem(w, "filter", e->filter);
	w_end(w);
	*out = w;
	return w_flush(w, FLUSH_AT);
}

static void
w_addr(ims__mf_writer *w, const char *name, const ims_addr *a)
{
	w_start(w, name);
	w_attr(w, "uri", a->uri);
	w_attr(w, "name", a->name);
	w_end(w);
}

int
ims__mf_message(ims__mf_writer *w, const ims_msg *m, const char *file, const char *sha,
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
		w_text(w, m->headers[i].value);
		w_end(w);
	}
	w_end(w);
	return w_flush(w, FLUSH_AT);
}

int
ims__mf_transcript(ims__mf_writer *w, const char *file, const char *sha, uint64_t size,
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
	return w_flush(w, FLUSH_AT);
}

int
ims__mf_close(ims__mf_writer *w, uint64_t messages, uint64_t bytes, uint64_t transcripts)
{
	w_start(w, "counts");
	w_u64(w, "messages", messages);
	w_u64(w, "bytes", bytes);
	w_u64(w, "transcripts", transcripts);
	w_end(w);
	w_end(w);
	return w_flush(w, 0);
}

void
ims__mf_free(ims__mf_writer *w)
{
	if (!w)
		return;
	free(w->b.buf);
	free(w);
}
