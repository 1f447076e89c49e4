/* writer.c - building XML documents: a growing buffer, escaped text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

int
ims__xb_add(ims__xb *b, const char *s, size_t n)
{
	if (b->err)
		return b->err;
	if (n >= b->cap - b->len) {
		size_t cap = (b->cap ? b->cap : 1024);
		char *p;
		while (n >= cap - b->len)
			cap *= 2;
		if (!(p = realloc(b->buf, cap)))
			return b->err = ENOMEM;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int
ims__xb_str(ims__xb *b, const char *s)
{
	return ims__xb_add(b, s, strlen(s));
}

/* What escape() escapes besides &, <, >, " and CR. */
#define ESC_APOS 1u   /* ' */
#define ESC_WS   2u   /* TAB and LF, which attribute value normalisation
                         would turn into spaces */

static int
escape(ims__xb *b, const char *s, size_t n, unsigned what)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\r': e = "&#13;"; break;
		case '\'': e = what & ESC_APOS ? "&apos;" : NULL; break;
		case '\t': e = what & ESC_WS ? "&#9;" : NULL; break;
		case '\n': e = what & ESC_WS ? "&#10;" : NULL; break;
		default: break;
		}
		if (!e)
			continue;
		ims__xb_add(b, s + run, i - run);
		ims__xb_str(b, e);
		run = i + 1;
	}
	return ims__xb_add(b, s + run, n - run);
}

/* Text or attribute content: &, <, >, ", ' and CR escaped. */
int
ims__xb_text(ims__xb *b, const char *s, size_t n)
{
	return escape(b, s, n, ESC_APOS);
}

/* Element text as the export manifest has it: &, <, >, " and CR. */
int
ims__xb_value(ims__xb *b, const char *s, size_t n)
{
	return escape(b, s, n, 0);
}

/* An attribute name="value" (nothing when value is NULL), its value with
 * TAB and LF escaped too, as the export manifest has it. */
int
ims__xb_attr(ims__xb *b, const char *name, const char *value)
{
	if (!value)
		return b->err;
	ims__xb_str(b, " ");
	ims__xb_str(b, name);
	ims__xb_str(b, "=\"");
	escape(b, value, strlen(value), ESC_WS);
	return ims__xb_str(b, "\"");
}

/* Hand what is written to cb once there are at least at bytes (0: any),
 * and start again: a document written in pieces of bounded size. */
int
ims__xb_drain(ims__xb *b, size_t at, ims_body_cb cb, void *payload)
{
	int rc;

	if (b->err)
		return b->err;
	if (b->len == 0 || b->len < at)
		return 0;
	rc = cb(b->buf, b->len, payload);
	b->len = 0;
	return rc;
}

/* <name>text</name>, nothing when text is NULL. */
int
ims__xb_elem(ims__xb *b, const char *indent, const char *name, const char *text)
{
	if (!text)
		return b->err;
	ims__xb_str(b, indent);
	ims__xb_str(b, "<");
	ims__xb_str(b, name);
	ims__xb_str(b, ">");
	ims__xb_text(b, text, strlen(text));
	ims__xb_str(b, "</");
	ims__xb_str(b, name);
	return ims__xb_str(b, ">\n");
}

int
ims__xb_time(ims__xb *b, const char *indent, const char *name, int64_t us)
{
	char t[48];

	if (us == IMS_TIME_NONE)
		return b->err;
	ims_time_fmt(t, sizeof(t), us);
	return ims__xb_elem(b, indent, name, t);
}

/* Hand the finished document to the caller. */
int
ims__xb_finish(char **out, size_t *out_len, ims__xb *b)
{
	*out = NULL;
	if (b->err || !b->buf) {
		free(b->buf);
		return b->err ? b->err : ENOMEM;
	}
	*out = b->buf;
	if (out_len)
		*out_len = b->len;
	return 0;
}
