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

/* Where a field goes in <message> (schemas/export-manifest.xsd), by the
 * field table's id: an attribute, an element (one per entry of a list),
 * or nowhere (the size attribute is the file's, which the eml layout
 * makes differ from the body's). */
enum { MF_NONE = 0, MF_ATTR, MF_ELEM };
static const struct {
	const char *name;
	int place;
} mf_fields[IMS_FIELD_COUNT] = {
	[IMS_FIELD_ID] = { "id", MF_ATTR },
	[IMS_FIELD_OWNER] = { "owner", MF_ELEM },
	[IMS_FIELD_FOLDER] = { "folder", MF_ATTR },
	[IMS_FIELD_MODE] = { "mode", MF_ATTR },
	[IMS_FIELD_STATE] = { "state", MF_ATTR },
	[IMS_FIELD_HELD] = { "held", MF_ATTR },
	[IMS_FIELD_HIDDEN] = { "hidden", MF_ATTR },
	[IMS_FIELD_FROM] = { "from", MF_ELEM },
	[IMS_FIELD_TO] = { "to", MF_ELEM },
	[IMS_FIELD_CC] = { "cc", MF_ELEM },
	[IMS_FIELD_MESSAGE_ID] = { "message-id", MF_ELEM },
	[IMS_FIELD_CONVERSATION] = { "conversation", MF_ELEM },
	[IMS_FIELD_RECEIVED] = { "received", MF_ELEM },
	[IMS_FIELD_SENT] = { "sent", MF_ELEM },
	[IMS_FIELD_SENT_TEXT] = { "sent-text", MF_ELEM },
	[IMS_FIELD_EXPIRES] = { "expires", MF_ELEM },
	[IMS_FIELD_DELIVERED] = { "delivered", MF_ELEM },
	[IMS_FIELD_TYPE] = { "content-type", MF_ELEM },
	[IMS_FIELD_SUBJECT] = { "subject", MF_ELEM },
	[IMS_FIELD_HEADERS] = { "header", MF_ELEM },
};

/* An attribute: a string or id as it is, a flag only when set. */
static void
mf_attr(ims__mf_writer *w, const char *name, ims_field_type type,
        const ims_field_value *v)
{
	char id[IMS_ID_STRLEN + 1];

	if (type == IMS_FTYPE_ID) {
		ims_id_fmt(id, v->id);
		w_attr(w, name, id);
	} else if (type == IMS_FTYPE_BOOLEAN) {
		w_attr(w, name, v->num ? "true" : NULL);
	} else if (type == IMS_FTYPE_STRING && v->present) {
		w_attr(w, name, v->str);
	}
}

/* Elements: nothing for a field the message does not have. */
static void
mf_elem(ims__mf_writer *w, const char *name, ims_field_type type,
        const ims_field_value *v)
{
	if (!v->present)
		return;
	switch (type) {
	case IMS_FTYPE_STRING: w_elem(w, name, v->str); break;
	case IMS_FTYPE_TIME: w_time(w, name, v->num); break;
	case IMS_FTYPE_ADDRESS:
	case IMS_FTYPE_ADDRESSES:
		for (size_t i = 0; i < v->n; i++)
			w_addr(w, name, &v->addrs[i]);
		break;
	case IMS_FTYPE_HEADERS:
		for (size_t i = 0; i < v->n; i++) {
			w_start(w, name);
			w_attr(w, "name", v->headers[i].name);
			w_text(w, v->headers[i].value);
			w_end(w);
		}
		break;
	default: break;
	}
}

/* The fields placed at place, in the table's order; the file's own
 * attributes follow the id. */
static void
mf_fields_at(ims__mf_writer *w, const ims_msg *m, int place, const char *file,
             const char *sha, uint64_t size)
{
	size_t n;
	const ims_msg_field *f = ims_msg_fields(&n);
	ims_field_value v;

	for (size_t i = 0; i < n && i < IMS_FIELD_COUNT; i++) {
		if (mf_fields[i].place != place)
			continue;
		f[i].get(&v, m);
		if (place == MF_ATTR)
			mf_attr(w, mf_fields[i].name, f[i].type, &v);
		else
			mf_elem(w, mf_fields[i].name, f[i].type, &v);
		if (f[i].id == IMS_FIELD_ID) {
			w_attr(w, "file", file);
			w_attr(w, "sha256", sha);
			w_u64(w, "size", size);
		}
	}
}

int
ims__mf_message(ims__mf_writer *w, const ims_msg *m, const char *file, const char *sha,
           uint64_t size)
{
	w_start(w, "message");
	mf_fields_at(w, m, MF_ATTR, file, sha, size);
	mf_fields_at(w, m, MF_ELEM, NULL, NULL, 0);
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
