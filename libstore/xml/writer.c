/* writer.c - building XML documents: a growing buffer, escaped text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

void
ims__fmt_time(char *out, size_t cap, int64_t us)
{
	time_t secs = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	int64_t frac = us - (int64_t)secs * 1000000;
	struct tm tm;
	size_t n;

	gmtime_r(&secs, &tm);
	/* %04d: strftime's %Y does not pad years before 1000 */
	n = (size_t)snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d",
	                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	                     tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n >= cap)
		return;
	if (frac)
		snprintf(out + n, cap - n, ".%06lldZ", (long long)frac);
	else
		snprintf(out + n, cap - n, "Z");
}

int
ims__xb_time(ims__xb *b, const char *indent, const char *name, int64_t us)
{
	char t[48];

	if (us == IMS_TIME_NONE)
		return b->err;
	ims__fmt_time(t, sizeof(t), us);
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
