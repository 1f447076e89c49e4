/* print-text.c - the text format of the printer, stable for scripts:
 * "key: value" lines, a map's keys indented under its key, a list's items
 * as "- value" lines; lines of tab-separated columns and free text, each
 * ended by record_end; raw bytes as they are. */
#include <errno.h>
#include <string.h>

#include "cli.h"

static void
t_indent(printer *p, int extra)
{
	for (int i = 1; i < p->depth + extra; i++)
		fputs("  ", p->f);
}

static void
t_item_prefix(printer *p)
{
	if (p->after_key) {
		fputc(' ', p->f);
		p->after_key = 0;
	} else if (p->inlist[p->depth]) {
		t_indent(p, 0);
		fputs("- ", p->f);
	}
}

static void
t_begin(printer *p, int list)
{
	if (p->after_key)
		fputc('\n', p->f);
	p->after_key = 0;
	if (p->depth < 15)
		p->depth++;
	p->inlist[p->depth] = list;
}

static void t_begin_map(printer *p) { t_begin(p, 0); }
static void t_begin_list(printer *p) { t_begin(p, 1); }

static void
t_end(printer *p)
{
	if (p->depth > 0)
		p->depth--;
}

static void
t_key(printer *p, const char *k)
{
	t_indent(p, 0);
	fprintf(p->f, "%s:", k);
	p->after_key = 1;
}

static void
t_strn(printer *p, const char *s, size_t n)
{
	t_item_prefix(p);
	if (s)
		fwrite(s, 1, n, p->f);
	else
		fputs("-", p->f);
	fputc('\n', p->f);
}

static void t_str(printer *p, const char *s) { t_strn(p, s, s ? strlen(s) : 0); }

static void
t_int(printer *p, int64_t v)
{
	t_item_prefix(p);
	fprintf(p->f, "%lld\n", (long long)v);
}

static void
t_bool(printer *p, int v)
{
	t_item_prefix(p);
	fputs(v ? "yes\n" : "no\n", p->f);
}

/* A column of the line: a TAB before every one but the first. */
static void
t_column(printer *p, const char *s, size_t n)
{
	if (p->line)
		fputc('\t', p->f);
	fwrite(s, 1, n, p->f);
	p->line = 1;
}

static void
t_text(printer *p, const char *s, size_t n)
{
	fwrite(s, 1, n, p->f);
	p->line = 1;
}

static int
t_raw(printer *p, const void *s, size_t n)
{
	return fwrite(s, 1, n, p->f) == n ? 0 : EIO;
}

/* The end of a record: of the line of columns or text, if one is open. */
static void
t_record_end(printer *p)
{
	if (p->line)
		fputc('\n', p->f);
	p->line = 0;
	p->depth = 0;
	p->after_key = 0;
}

const struct printer_ops printer_text_ops = {
	1, t_begin_map, t_end, t_begin_list, t_end, t_key, t_str, t_strn, t_int,
	t_bool, t_column, t_text, t_raw, t_record_end,
};
