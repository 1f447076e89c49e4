/* history-doc.c - the documents of the Conversation History function:
 *
 *   history-list (urn:oma:xml:im:history-list, schemas/history-list.xsd):
 *     a user's conversations, one <history> each;
 *   transcript (urn:imstore:xml:transcript, schemas/transcript.xsd):
 *     one conversation's messages with their bodies, written in chunks
 *     through a callback, one body at a time and never whole in memory
 *     (text bodies escaped, others base64).
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define HL_NS "urn:oma:xml:im:history-list"
#define TR_NS "urn:imstore:xml:transcript"
#define FLUSH_AT (64 * 1024) /* hand the document out past this many bytes */
#define SLICE (48 * 1024)    /* body bytes escaped or encoded at a time */
#define HOLD (64 * 1024)     /* bodies up to this size are read only once */


/* ---------------------------------------------------------------- writing */

/* Escaped text.  In attributes TAB and LF are escaped too, so that they
 * survive attribute-value normalisation; CR always.  U+FFFE and U+FFFF,
 * which XML 1.0 cannot carry at all, become U+FFFD. */
/* The bytes esc() may have to replace. */
static const unsigned char special[256] = {
	['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\r'] = 1, ['\t'] = 1,
	['\n'] = 1, [0xef] = 1,
};

static void
esc(ims__xb *b, const char *s, size_t n, int attr)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		const unsigned char *u = (const unsigned char *)s + i;
		const char *e = NULL;
		size_t len = 1;
		if (!special[*u])
			continue;
		switch (*u) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\r': e = "&#13;"; break;
		case '\t': e = attr ? "&#9;" : NULL; break;
		case '\n': e = attr ? "&#10;" : NULL; break;
		case 0xef:
			if (i + 2 < n && u[1] == 0xbf && (u[2] & 0xfe) == 0xbe) {
				e = "\xef\xbf\xbd";
				len = 3;
			}
			break;
		default: break;
		}
		if (!e)
			continue;
		ims__xb_add(b, s + run, i - run);
		ims__xb_str(b, e);
		i += len - 1;
		run = i + 1;
	}
	ims__xb_add(b, s + run, n - run);
}

/* <name>text</name>, nothing when text is NULL. */
static void
elem(ims__xb *b, const char *indent, const char *name, const char *text)
{
	if (!text)
		return;
	ims__xb_str(b, indent);
	ims__xb_str(b, "<");
	ims__xb_str(b, name);
	ims__xb_str(b, ">");
	esc(b, text, strlen(text), 0);
	ims__xb_str(b, "</");
	ims__xb_str(b, name);
	ims__xb_str(b, ">\n");
}

static void
elem_time(ims__xb *b, const char *indent, const char *name, int64_t us)
{
	char t[48];

	if (us == IMS_TIME_NONE)
		return;
	ims_time_fmt(t, sizeof(t), us);
	elem(b, indent, name, t);
}

static void
elem_num(ims__xb *b, const char *indent, const char *name, uint64_t v)
{
	char t[24];

	snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
	elem(b, indent, name, t);
}

/*  name="value", nothing when value is NULL. */
static void
attr(ims__xb *b, const char *name, const char *value)
{
	if (!value)
		return;
	ims__xb_str(b, " ");
	ims__xb_str(b, name);
	ims__xb_str(b, "=\"");
	esc(b, value, strlen(value), 1);
	ims__xb_str(b, "\"");
}

/* ---------------------------------------------------------------- history-list */

/* <name><display-name/>?<uri/></name> */
static void
entry(ims__xb *b, const char *indent, const char *name, const ims_addr *a)
{
	char inner[32];

	snprintf(inner, sizeof(inner), "%s  ", indent);
	ims__xb_str(b, indent);
	ims__xb_str(b, "<");
	ims__xb_str(b, name);
	ims__xb_str(b, ">\n");
	elem(b, inner, "display-name", a->name);
	elem(b, inner, "uri", a->uri);
	ims__xb_str(b, indent);
	ims__xb_str(b, "</");
	ims__xb_str(b, name);
	ims__xb_str(b, ">\n");
}

static void
history(ims__xb *b, const ims_conversation *c, const ims_addr *from,
        const ims_addr *to, size_t nto)
{
	int conference = c->mode == IMS_MODE_SESSION;

	ims__xb_str(b, "  <history>\n");
	elem(b, "    ", "history-reference", c->id);
	elem(b, "    ", "subject", c->name ? c->name : c->subject);
	elem_num(b, "    ", "size", c->bytes);
	elem_time(b, "    ", "date", c->start);
	elem_num(b, "    ", "count", c->count);
	if (conference) {
		ims__xb_str(b, "    <conference>\n");
		elem_time(b, "      ", "time-start", c->start);
		elem_time(b, "      ", "time-end", c->end);
		ims__xb_str(b, "      <conf-list>\n");
	} else {
		ims__xb_str(b, "    <pager>\n");
		elem_time(b, "      ", "time-stamp", c->start);
		entry(b, "      ", "from", from);
		for (size_t i = 0; i < nto; i++)
			entry(b, "      ", "to", &to[i]);
		ims__xb_str(b, "      <recipient-list>\n");
	}
	for (size_t i = 0; i < c->nparticipants; i++)
		entry(b, "        ", "entry", &c->participants[i]);
	ims__xb_str(b, conference ? "      </conf-list>\n    </conference>\n"
	                          : "      </recipient-list>\n    </pager>\n");
	ims__xb_str(b, "  </history>\n");
}

int
ims_history_list_xml(char **out, size_t *out_len, const ims_conv_list *l,
                     const char *user)
{
	char canon[IMS_ADDR_MAX + 1];
	ims__xb b = { NULL, 0, 0, 0 };

	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (!l || !user || ims_addr_canon(canon, sizeof(canon), user))
		return IMS_INVALID;
	ims__xb_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	            "<history-list xmlns=\"" HL_NS "\"");
	attr(&b, "user", canon);
	ims__xb_str(&b, ">\n");
	for (size_t i = 0; i < ims_conv_list_count(l); i++) {
		const ims_addr *from, *to;
		size_t nto;
		if (ims__conv_first(&from, &to, &nto, l, i) == 0)
			history(&b, ims_conv_list_get(l, i), from, to, nto);
	}
	ims__xb_str(&b, "</history-list>\n");
	return ims__xb_finish(out, out_len, &b);
}

/* ---------------------------------------------------------------- transcript */

typedef struct tx {
	ims__xb b;
	ims_body_cb cb;
	void *payload;
	int base64;
	unsigned char carry[3];   /* base64: bytes waiting for a group of three */
	size_t ncarry;
	unsigned char *hold;      /* a small body read once, HOLD bytes */
	size_t nhold, hold_cap;
} tx;

/* Hand what is written to the callback: always, or once past FLUSH_AT. */
static int
tx_flush(tx *t, int always)
{
	return ims__xb_drain(&t->b, always ? 0 : FLUSH_AT, t->cb, t->payload);
}

/* Whether a body is text: valid UTF-8 with no control character but TAB,
 * CR and LF (C1 and DEL included) and nothing XML 1.0 cannot carry. */
typedef struct textscan {
	unsigned need;
	uint32_t cp, min;
	int bad;
} textscan;

static int
text_scan(const void *chunk, size_t len, void *payload)
{
	const unsigned char *p = chunk;
	textscan *s = payload;

	for (size_t i = 0; i < len && !s->bad; i++) {
		unsigned c;
		if (s->need == 0) /* printable ASCII, the common case */
			while (i < len && p[i] >= 0x20 && p[i] < 0x7f)
				i++;
		if (i == len)
			break;
		c = p[i];
		if (s->need == 0) {
			if (c < 0x80)
				s->bad = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
				         c == 0x7f;
			else if (c >= 0xc2 && c <= 0xdf)
				s->need = 1, s->min = 0x80, s->cp = c & 0x1f;
			else if (c >= 0xe0 && c <= 0xef)
				s->need = 2, s->min = 0x800, s->cp = c & 0x0f;
			else if (c >= 0xf0 && c <= 0xf4)
				s->need = 3, s->min = 0x10000, s->cp = c & 0x07;
			else
				s->bad = 1;
			continue;
		}
		if ((c & 0xc0) != 0x80) {
			s->bad = 1;
			break;
		}
		s->cp = s->cp << 6 | (c & 0x3f);
		if (--s->need == 0)
			s->bad = s->cp < s->min || s->cp > 0x10ffff || s->cp <= 0x9f ||
			         (s->cp >= 0xd800 && s->cp <= 0xdfff) ||
			         s->cp == 0xfffe || s->cp == 0xffff;
	}
	return s->bad; /* non-zero stops the stream */
}

static void
b64_add(tx *t, const unsigned char *p, size_t n)
{
	char out[1024];
	size_t o = 0;

	while (n) {
		const unsigned char *g = p;
		if (t->ncarry || n < 3) {
			t->carry[t->ncarry++] = *p++;
			n--;
			if (t->ncarry < 3)
				continue;
			g = t->carry;
			t->ncarry = 0;
		} else {
			p += 3;
			n -= 3;
		}
		if ((o += ims_base64_encode(out + o, g, 3)) == sizeof(out)) {
			ims__xb_add(&t->b, out, o);
			o = 0;
		}
	}
	ims__xb_add(&t->b, out, o);
}

static void
b64_end(tx *t)
{
	char out[4];

	if (!t->ncarry)
		return;
	ims__xb_add(&t->b, out, ims_base64_encode(out, t->carry, t->ncarry));
	t->ncarry = 0;
}

static int
body_out(const void *chunk, size_t len, void *payload)
{
	const unsigned char *p = chunk;
	tx *t = payload;
	int rc = 0;

	while (len && rc == 0) {
		size_t n = IMS__MIN(len, (size_t)SLICE);
		if (t->base64)
			b64_add(t, p, n);
		else
			esc(&t->b, (const char *)p, n, 0);
		p += n;
		len -= n;
		rc = tx_flush(t, 0);
	}
	return rc;
}

static void
address(ims__xb *b, const char *name, const ims_addr *a)
{
	ims__xb_str(b, "    <");
	ims__xb_str(b, name);
	attr(b, "uri", a->uri);
	attr(b, "name", a->name);
	ims__xb_str(b, "/>\n");
}

/* Collect a body of at most t->hold_cap bytes. */
static int
hold_add(const void *chunk, size_t len, void *payload)
{
	tx *t = payload;

	if (len > t->hold_cap - t->nhold)
		return IMS_CORRUPT; /* longer than its record says */
	memcpy(t->hold + t->nhold, chunk, len);
	t->nhold += len;
	return 0;
}

/* Decide the body's encoding (text or base64).  A body of up to HOLD bytes
 * is read once into t->hold and written from there; a larger one is read
 * twice, a scan then the output, so that memory stays bounded. */
static int
tx_scan(tx *t, ims_query *q, const ims_msg *m)
{
	textscan s = { 0, 0, 0, 0 };
	int rc;

	t->nhold = 0;
	t->hold_cap = 0;
	if (m->size <= HOLD) {
		if (!t->hold && !(t->hold = malloc(HOLD)))
			return ENOMEM;
		t->hold_cap = (size_t)m->size;
		if (m->size && (rc = ims_query_body_stream(q, hold_add, t)))
			return rc;
		text_scan(t->hold, t->nhold, &s);
	} else if ((rc = ims_query_body_stream(q, text_scan, &s)) && !s.bad)
		return rc;
	t->base64 = s.bad || s.need;
	t->ncarry = 0;
	return 0;
}

static int
tx_message(tx *t, ims_query *q, const ims_msg *m)
{
	char id[IMS_ID_STRLEN + 1], when[48];
	int rc;

	if ((rc = tx_scan(t, q, m)))
		return rc;
	ims_id_fmt(id, &m->id);
	ims_time_fmt(when, sizeof(when), m->received);
	ims__xb_str(&t->b, "  <message");
	attr(&t->b, "id", id);
	attr(&t->b, "message-id", m->message_id);
	attr(&t->b, "mode", ims_mode_name(m->mode));
	attr(&t->b, "received", when);
	ims__xb_str(&t->b, ">\n");
	address(&t->b, "from", &m->from);
	for (size_t i = 0; i < m->nto; i++)
		address(&t->b, "to", &m->to[i]);
	for (size_t i = 0; i < m->ncc; i++)
		address(&t->b, "cc", &m->cc[i]);
	elem(&t->b, "    ", "subject", m->subject);
	elem(&t->b, "    ", "content-type", m->content_type ? m->content_type : "text/plain");
	ims__xb_str(&t->b, t->base64 ? "    <body encoding=\"base64\">"
	                              : "    <body encoding=\"text\">");
	if ((rc = tx_flush(t, 0)))
		return rc;
	if (t->hold_cap)
		rc = body_out(t->hold, t->nhold, t);
	else if (m->size)
		rc = ims_query_body_stream(q, body_out, t);
	if (rc)
		return rc;
	b64_end(t);
	ims__xb_str(&t->b, "</body>\n  </message>\n");
	return tx_flush(t, 0);
}

int
ims_query_transcript_xml(ims_query *q, const char *user,
                         const char *conversation, ims_body_cb cb,
                         void *payload)
{
	char canon[IMS_ADDR_MAX + 1];
	const ims_msg *m;
	tx t;
	int rc;

	if (!q || !cb || !user || !conversation ||
	    ims_addr_canon(canon, sizeof(canon), user))
		return IMS_INVALID;
	memset(&t, 0, sizeof(t));
	t.cb = cb;
	t.payload = payload;
	ims__xb_str(&t.b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	            "<transcript xmlns=\"" TR_NS "\"");
	attr(&t.b, "user", canon);
	attr(&t.b, "conversation", conversation);
	ims__xb_str(&t.b, ">\n");
	while ((rc = ims_query_next(&m, q)) == 0)
		if ((rc = tx_message(&t, q, m)))
			goto out;
	if (rc == IMS_ITEROVER) {
		ims__xb_str(&t.b, "</transcript>\n");
		rc = tx_flush(&t, 1);
	}
out:
	free(t.b.buf);
	free(t.hold);
	return rc;
}

int
ims_history_transcript_xml(ims_store *st, const char *user,
                           const char *conversation, ims_body_cb cb,
                           void *payload)
{
	ims_query *q;
	int rc;

	if (!cb || !user || !conversation)
		return IMS_INVALID;
	if ((rc = ims_history_transcript(&q, st, user, conversation, NULL)))
		return rc;
	rc = ims_query_transcript_xml(q, user, conversation, cb, payload);
	ims_query_free(q);
	return rc;
}
