/* printer.c - the printer every command writes its output through (the
 * formats are print-text.c and print-json.c), and what the commands print
 * with it: times, lines of text, messages.  A message is printed from
 * libimstore's table of message fields (ims_msg_fields()). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

printer *
printer_new(cli_format fmt, FILE *f)
{
	printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ops = fmt == FMT_JSON ? &printer_json_ops : &printer_text_ops;
	p->f = f;
	p->first[0] = 1;
	return p;
}

void
printer_free(printer *p)
{
	free(p);
}

/* ---------------------------------------------------------------- text */

static void print_vtext(printer *p, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
print_vtext(printer *p, const char *fmt, va_list ap)
{
	char buf[512], *s = buf;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf) && vasprintf(&s, fmt, ap2) < 0)
		s = NULL;
	va_end(ap2);
	if (n > 0 && s)
		p->ops->text(p, s, (size_t)n);
	if (s != buf)
		free(s);
}

void
print_text(printer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_vtext(p, fmt, ap);
	va_end(ap);
}

void
print_line(printer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_vtext(p, fmt, ap);
	va_end(ap);
	p->ops->record_end(p);
}

void
print_column(printer *p, const char *s)
{
	p->ops->column(p, s, strlen(s));
}

/* Free text as a column: TAB, CR and LF become spaces, so that the column
 * stays one. */
void
print_column_text(printer *p, const char *s)
{
	size_t n;

	p->ops->column(p, "", 0);
	while (*s) {
		n = strcspn(s, "\t\r\n");
		p->ops->text(p, s, n);
		s += n;
		for (; *s == '\t' || *s == '\r' || *s == '\n'; s++)
			p->ops->text(p, " ", 1);
	}
}

void
print_time(printer *p, int64_t us)
{
	char buf[64];

	if (us == IMS_TIME_NONE) {
		p->ops->str(p, NULL);
		return;
	}
	cli_fmt_time(buf, sizeof(buf), us);
	p->ops->str(p, buf);
}

/* ---------------------------------------------------------------- messages */

/* Text: "Name" <uri> or <uri>; JSON: {uri, name}. */
static void
print_addr(printer *p, const ims_addr *a)
{
	if (p->ops->is_text) {
		char buf[IMS_TEXT_MAX + IMS_ADDR_MAX + 8];
		if (a->name)
			snprintf(buf, sizeof(buf), "\"%s\" <%s>", a->name, a->uri);
		else
			snprintf(buf, sizeof(buf), "<%s>", a->uri);
		p->ops->str(p, buf);
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "uri");
	p->ops->str(p, a->uri);
	p->ops->key(p, "name");
	p->ops->str(p, a->name);
	p->ops->end_map(p);
}

/* Text: "Name: value"; JSON: {name, value}. */
static void
print_header(printer *p, const ims_header *h)
{
	if (p->ops->is_text) {
		char buf[IMS_TEXT_MAX + 160];
		snprintf(buf, sizeof(buf), "%s: %s", h->name, h->value);
		p->ops->str(p, buf);
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "name");
	p->ops->str(p, h->name);
	p->ops->key(p, "value");
	p->ops->str(p, h->value);
	p->ops->end_map(p);
}

static void
print_value(printer *p, ims_field_type type, const ims_field_value *v)
{
	char id[IMS_ID_STRLEN + 1];

	switch (type) {
	case IMS_FTYPE_ID: ims_id_fmt(id, v->id); p->ops->str(p, id); break;
	case IMS_FTYPE_STRING: p->ops->str(p, v->str); break;
	case IMS_FTYPE_TIME: print_time(p, v->present ? v->num : IMS_TIME_NONE); break;
	case IMS_FTYPE_INTEGER: p->ops->integer(p, v->num); break;
	case IMS_FTYPE_BOOLEAN: p->ops->boolean(p, v->num != 0); break;
	case IMS_FTYPE_ADDRESS:
		if (v->present)
			print_addr(p, v->addrs);
		else
			p->ops->str(p, NULL);
		break;
	case IMS_FTYPE_ADDRESSES:
	case IMS_FTYPE_HEADERS:
		p->ops->begin_list(p);
		for (size_t i = 0; i < v->n; i++) {
			if (type == IMS_FTYPE_HEADERS)
				print_header(p, &v->headers[i]);
			else
				print_addr(p, &v->addrs[i]);
		}
		p->ops->end_list(p);
		break;
	}
}

void
print_msg(printer *p, const ims_msg *m)
{
	p->ops->begin_map(p);
	print_msg_fields(p, m);
	p->ops->end_map(p);
}

/* Every field of the table under its name, but hidden (JSON format
 * version 1, schemas/imstore-output-v1.schema.json, has every other field
 * and no query returns a hidden message) and fields this program does not
 * know.  Text leaves out what the message does not have, JSON writes null
 * or an empty list; an absent type reads text/plain in both. */
void
print_msg_fields(printer *p, const ims_msg *m)
{
	size_t n;
	const ims_msg_field *f = ims_msg_fields(&n);
	ims_field_value v;

	for (size_t i = 0; i < n; i++) {
		if (f[i].id == IMS_FIELD_HIDDEN || f[i].id >= IMS_FIELD_COUNT)
			continue;
		f[i].get(&v, m);
		if (p->ops->is_text && !v.present && !v.str)
			continue;
		p->ops->key(p, f[i].name);
		print_value(p, f[i].type, &v);
	}
}

/* A field as a column of a row. */
static void
print_cell(printer *p, const ims_msg_field *f, const ims_field_value *v)
{
	char s[IMS_ID_STRLEN + 64];

	switch (f->type) {
	case IMS_FTYPE_ID: ims_id_fmt(s, v->id); break;
	case IMS_FTYPE_TIME: cli_fmt_time(s, sizeof(s), v->num); break;
	case IMS_FTYPE_INTEGER: snprintf(s, sizeof(s), "%llu", (unsigned long long)v->num); break;
	case IMS_FTYPE_ADDRESS: print_column_text(p, v->n ? v->addrs[0].uri : ""); return;
	default: print_column_text(p, v->str ? v->str : ""); return;
	}
	print_column(p, s);
}

/* The columns of a row: id, received, folder, state ("held" under legal
 * hold), owner, from, size, type, subject. */
static const ims_field row_fields[] = {
	IMS_FIELD_ID, IMS_FIELD_RECEIVED, IMS_FIELD_FOLDER, IMS_FIELD_STATE,
	IMS_FIELD_OWNER, IMS_FIELD_FROM, IMS_FIELD_SIZE, IMS_FIELD_TYPE,
	IMS_FIELD_SUBJECT,
};

/* A message as one line of stable tab-separated columns (text list): free
 * text with its tabs and line ends shown as spaces. */
void
print_msg_row(printer *p, const ims_msg *m)
{
	size_t n;
	const ims_msg_field *f = ims_msg_fields(&n);
	ims_field_value v, held;

	ims_msg_field_get(&held, m, IMS_FIELD_HELD);
	for (size_t i = 0; i < sizeof(row_fields) / sizeof(row_fields[0]); i++) {
		f[row_fields[i]].get(&v, m);
		if (row_fields[i] == IMS_FIELD_STATE && held.num)
			v.str = "held";
		print_cell(p, &f[row_fields[i]], &v);
	}
	p->ops->record_end(p);
}
