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

/* Text or attribute content: &, <, >, " and ' escaped. */
int
ims__xb_text(ims__xb *b, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;
		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&apos;"; break;
		case '\r': e = "&#13;"; break;
		default: continue;
		}
		ims__xb_add(b, s + run, i - run);
		ims__xb_str(b, e);
		run = i + 1;
	}
	return ims__xb_add(b, s + run, n - run);
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
