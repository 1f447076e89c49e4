/* print-json.c - the JSON format of the printer: one object per line
 * (JSON lines), the keys in the order written.  Text-line pieces (column,
 * text) are strings; raw bytes go out as they are. */
#include <errno.h>
#include <string.h>

#include "cli.h"

static void
j_sep(printer *p)
{
	if (p->after_key) {
		p->after_key = 0;
		return;
	}
	if (p->depth > 0 && !p->first[p->depth])
		fputc(',', p->f);
	p->first[p->depth] = 0;
}

static void
j_open(printer *p, int c)
{
	j_sep(p);
	fputc(c, p->f);
	if (p->depth < 15)
		p->depth++;
	p->first[p->depth] = 1;
}

static void
j_close(printer *p, int c)
{
	fputc(c, p->f);
	if (p->depth > 0)
		p->depth--;
}

static void j_begin_map(printer *p) { j_open(p, '{'); }
static void j_end_map(printer *p) { j_close(p, '}'); }
static void j_begin_list(printer *p) { j_open(p, '['); }
static void j_end_list(printer *p) { j_close(p, ']'); }

static void
j_escape(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void
j_key(printer *p, const char *k)
{
	if (!p->first[p->depth])
		fputc(',', p->f);
	p->first[p->depth] = 0;
	j_escape(p->f, k, strlen(k));
	fputc(':', p->f);
	p->after_key = 1;
}

static void
j_strn(printer *p, const char *s, size_t n)
{
	j_sep(p);
	if (s)
		j_escape(p->f, s, n);
	else
		fputs("null", p->f);
}

static void j_str(printer *p, const char *s) { j_strn(p, s, s ? strlen(s) : 0); }

static void
j_int(printer *p, int64_t v)
{
	j_sep(p);
	fprintf(p->f, "%lld", (long long)v);
}

static void
j_bool(printer *p, int v)
{
	j_sep(p);
	fputs(v ? "true" : "false", p->f);
}

static int
j_raw(printer *p, const void *s, size_t n)
{
	return fwrite(s, 1, n, p->f) == n ? 0 : EIO;
}

static void
j_end(printer *p)
{
	fputc('\n', p->f);
	p->depth = 0;
	p->first[0] = 1;
	p->after_key = 0;
}

const struct printer_ops printer_json_ops = {
	0, j_begin_map, j_end_map, j_begin_list, j_end_list, j_key, j_str, j_strn,
	j_int, j_bool, j_strn, j_strn, j_raw, j_end,
};
