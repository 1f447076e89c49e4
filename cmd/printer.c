/* printer.c - structured output: JSON (one object per line) and text
 * ("key: value" lines), behind one interface. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---------------------------------------------------------------- JSON */

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

static void
j_end(printer *p)
{
	fputc('\n', p->f);
	p->depth = 0;
	p->first[0] = 1;
	p->after_key = 0;
}

static const struct printer_ops json_ops = {
	j_begin_map, j_end_map, j_begin_list, j_end_list, j_key, j_str, j_strn,
	j_int, j_bool, j_end,
};

/* ---------------------------------------------------------------- text */

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

static void
t_record_end(printer *p)
{
	p->depth = 0;
	p->after_key = 0;
}

static const struct printer_ops text_ops = {
	t_begin_map, t_end, t_begin_list, t_end, t_key, t_str, t_strn, t_int,
	t_bool, t_record_end,
};

printer *
printer_new(cli_format fmt, FILE *f)
{
	printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ops = fmt == FMT_JSON ? &json_ops : &text_ops;
	p->f = f;
	p->first[0] = 1;
	return p;
}

void
printer_free(printer *p)
{
	free(p);
}

/* ---------------------------------------------------------------- messages */

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

static void
print_addr(printer *p, const ims_addr *a)
{
	if (p->ops == &text_ops) {
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

static void
print_addrs(printer *p, const char *key, const ims_addr *a, size_t n)
{
	if (p->ops == &text_ops && n == 0)
		return;
	p->ops->key(p, key);
	p->ops->begin_list(p);
	for (size_t i = 0; i < n; i++)
		print_addr(p, &a[i]);
	p->ops->end_list(p);
}

static void
kv_str(printer *p, const char *key, const char *v)
{
	if (p->ops == &text_ops && !v)
		return;
	p->ops->key(p, key);
	p->ops->str(p, v);
}

static void
kv_time(printer *p, const char *key, int64_t v)
{
	if (p->ops == &text_ops && v == IMS_TIME_NONE)
		return;
	p->ops->key(p, key);
	print_time(p, v);
}

void
print_msg(printer *p, const ims_msg *m)
{
	p->ops->begin_map(p);
	print_msg_fields(p, m);
	p->ops->end_map(p);
}

void
print_msg_fields(printer *p, const ims_msg *m)
{
	char id[IMS_ID_STRLEN + 1];

	ims_id_fmt(id, &m->id);
	kv_str(p, "id", id);
	kv_str(p, "owner", m->owner);
	kv_str(p, "folder", ims_folder_name(m->folder));
	kv_str(p, "mode", ims_mode_name(m->mode));
	kv_str(p, "state", ims_state_name(m->state));
	p->ops->key(p, "held");
	p->ops->boolean(p, (m->flags & IMS_MSGF_HELD) != 0);
	p->ops->key(p, "from");
	print_addr(p, &m->from);
	print_addrs(p, "to", m->to, m->nto);
	print_addrs(p, "cc", m->cc, m->ncc);
	kv_str(p, "message_id", m->message_id);
	kv_str(p, "conversation", m->conversation);
	kv_time(p, "received", m->received);
	kv_time(p, "sent", m->sent);
	kv_str(p, "sent_text", m->sent_text);
	kv_time(p, "expires", m->expires);
	kv_time(p, "delivered", m->delivered);
	kv_str(p, "type", m->content_type ? m->content_type : "text/plain");
	kv_str(p, "subject", m->subject);
	p->ops->key(p, "size");
	p->ops->integer(p, (int64_t)m->size);
	if (p->ops != &text_ops || m->nheaders) {
		p->ops->key(p, "headers");
		p->ops->begin_list(p);
		for (size_t i = 0; i < m->nheaders; i++) {
			char buf[IMS_TEXT_MAX + 160];
			if (p->ops == &text_ops) {
				snprintf(buf, sizeof(buf), "%s: %s", m->headers[i].name,
				         m->headers[i].value);
				p->ops->str(p, buf);
				continue;
			}
			p->ops->begin_map(p);
			kv_str(p, "name", m->headers[i].name);
			kv_str(p, "value", m->headers[i].value);
			p->ops->end_map(p);
		}
		p->ops->end_list(p);
	}
}

/* Free text in a column: TAB, CR and LF become spaces. */
static void
put_column(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

/* Tab-separated: id, received, folder, state, owner, from, size, type,
 * subject (tabs and newlines in the subject shown as spaces). */
void
print_msg_row(FILE *f, const ims_msg *m)
{
	char id[IMS_ID_STRLEN + 1], t[64];

	ims_id_fmt(id, &m->id);
	cli_fmt_time(t, sizeof(t), m->received);
	fprintf(f, "%s\t%s\t%s\t%s\t%s\t%s\t%llu\t", id, t,
	        ims_folder_name(m->folder),
	        m->flags & IMS_MSGF_HELD ? "held" : ims_state_name(m->state),
	        m->owner, m->from.uri, (unsigned long long)m->size);
	put_column(f, m->content_type ? m->content_type : "text/plain");
	fputc('\t', f);
	put_column(f, m->subject ? m->subject : "");
	fputc('\n', f);
}
