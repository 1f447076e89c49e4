/* filter-match.c - evaluating a compiled filter on a message, and describing
 * it (the canonical one-line form shown by --explain).  Terms and their
 * values are in terms.c, the grammar in filter-parse.c, dates in time.c.
 */
#include <stdio.h>
#include <string.h>

#include "filter.h"


/* ---------------------------------------------------------------- match */

static int
addr_in(const char *uri, const ims_addr *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		if (list[i].uri && strcmp(list[i].uri, uri) == 0)
			return 1;
	return 0;
}

static int
str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* the media type of a Content-Type value: "image/png; x=y" -> "image/png" */
static void
media_type(const char *ct, const char **type, size_t *len)
{
	size_t n = 0;

	if (!ct)
		ct = "text/plain";
	while (*ct == ' ' || *ct == '\t')
		ct++;
	while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t')
		n++;
	*type = ct;
	*len = n;
}

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* a[0, n) and the lowercase b[0, n) are equal ignoring ASCII case */
static int
ascii_caseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != (unsigned char)b[i])
			return 0;
	return 1;
}

static int
type_match(const ims__fnode *n, const char *ct)
{
	const char *t;
	size_t len;

	if (n->text_len == 0)
		return 1;                          /* any type */
	media_type(ct, &t, &len);
	if (n->text[n->text_len - 1] == '/')  /* "image/": any subtype */
		return len > n->text_len && ascii_caseeq(t, n->text, n->text_len);
	return len == n->text_len && ascii_caseeq(t, n->text, len);
}

/*
 * hay contains needle[0, n), ignoring ASCII case: Knuth-Morris-Pratt, linear
 * in both lengths.  The parser keeps needles within IMS_TEXT_MAX bytes.
 */
static int
contains(const char *hay, const char *needle, size_t n)
{
	uint16_t next[IMS_TEXT_MAX];
	size_t i, k;

	if (!hay || n > IMS_TEXT_MAX)
		return 0;
	next[0] = 0;
	for (i = 1, k = 0; i < n; i++) {
		while (k > 0 && fold((unsigned char)needle[i]) != fold((unsigned char)needle[k]))
			k = next[k - 1];
		if (fold((unsigned char)needle[i]) == fold((unsigned char)needle[k]))
			k++;
		next[i] = (uint16_t)k;
	}
	for (k = 0; *hay; hay++) {
		int c = fold((unsigned char)*hay);
		while (k > 0 && c != fold((unsigned char)needle[k]))
			k = next[k - 1];
		if (c == fold((unsigned char)needle[k]) && ++k == n)
			return 1;
	}
	return n == 0;
}

static int
in_range(const ims__fnode *n, int64_t v)
{
	return v >= n->lo && (n->hi == INT64_MAX || v < n->hi);
}

static int
term_match(const ims__fnode *n, const ims_msg *m)
{
	switch (n->term) {
	case IMS__T_OWNER:
		return str_eq(m->owner, n->text);
	case IMS__T_FROM:
		return str_eq(m->from.uri, n->text);
	case IMS__T_TO:
		return addr_in(n->text, m->to, m->nto) || addr_in(n->text, m->cc, m->ncc);
	case IMS__T_PEER:
		return str_eq(m->from.uri, n->text) || addr_in(n->text, m->to, m->nto) ||
		       addr_in(n->text, m->cc, m->ncc);
	case IMS__T_FOLDER:
		return (int)m->folder == n->ival;
	case IMS__T_MODE:
		return (int)m->mode == n->ival;
	case IMS__T_STATE:
		if (n->ival < 0)
			return (m->flags & IMS_MSGF_HELD) != 0;
		return (int)m->state == n->ival;
	case IMS__T_CONV:
		return str_eq(m->conversation, n->text);
	case IMS__T_MSGID:
		return str_eq(m->message_id, n->text);
	case IMS__T_ID:
		return memcmp(m->id.b, n->id.b, sizeof(m->id.b)) == 0;
	case IMS__T_TYPE:
		return type_match(n, m->content_type);
	case IMS__T_SIZE:
		return m->size <= (uint64_t)INT64_MAX && in_range(n, (int64_t)m->size);
	case IMS__T_RECEIVED:
		return m->received != IMS_TIME_NONE && in_range(n, m->received);
	case IMS__T_SUBJECT:
		return contains(m->subject, n->text, n->text_len);
	}
	return 0;
}

static int
node_match(const ims__fnode *n, const ims_msg *m)
{
	if (!n)
		return 1;
	switch (n->kind) {
	case IMS__F_ALL:
		return 1;
	case IMS__F_AND:
		return node_match(n->a, m) && node_match(n->b, m);
	case IMS__F_OR:
		return node_match(n->a, m) || node_match(n->b, m);
	case IMS__F_NOT:
		return !node_match(n->a, m);
	case IMS__F_TERM:
		return term_match(n, m);
	}
	return 0;
}

int
ims_filter_match(const ims_filter *f, const ims_msg *msg)
{
	if (!msg)
		return 0;
	return f ? node_match(f->root, msg) : 1;
}

int
ims_filter_is_all(const ims_filter *f)
{
	return !f || !f->root || f->root->kind == IMS__F_ALL;
}

/* ---------------------------------------------------------------- describe */

struct out {
	char *buf;
	size_t cap, len;  /* len may pass cap: the size needed */
};

static void
out_n(struct out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t k = o->cap - o->len - 1 < n ? o->cap - o->len - 1 : n;
		memcpy(o->buf + o->len, s, k);
		o->buf[o->len + k] = '\0';
	}
	o->len += n;
}

static void
out_s(struct out *o, const char *s)
{
	out_n(o, s, strlen(s));
}

static void
out_i64(struct out *o, int64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lld", (long long)v);
	out_s(o, b);
}

/* a value as the lexer reads it back: bare when it can be */
static void
out_value(struct out *o, const char *s, size_t n)
{
	int quote = n == 0 || s[0] == '"';

	for (size_t i = 0; i < n && !quote; i++)
		quote = strchr(" \t\n\r\v\f()\"\\", s[i]) != NULL && s[i] != '\0';
	if (!quote) {
		out_n(o, s, n);
		return;
	}
	out_s(o, "\"");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			out_s(o, "\\");
		out_n(o, s + i, 1);
	}
	out_s(o, "\"");
}

static void
describe_size(struct out *o, const ims__fnode *n)
{
	if (n->hi == INT64_MAX) {
		out_i64(o, n->lo == INT64_MIN ? 0 : n->lo);
		out_s(o, "..");
	} else if (n->lo == INT64_MIN) {
		out_s(o, "<");
		out_i64(o, n->hi);
	} else if (n->hi - n->lo == 1) {
		out_i64(o, n->lo);
	} else {
		out_i64(o, n->lo);
		out_s(o, "..");
		out_i64(o, n->hi - 1);
	}
}

static void describe(struct out *o, const ims__fnode *n);

static void
describe_term(struct out *o, const ims__fnode *n)
{
	static const char *const names[] = {
		[IMS__T_OWNER] = "owner", [IMS__T_FOLDER] = "folder",
		[IMS__T_MODE] = "mode", [IMS__T_STATE] = "state",
		[IMS__T_FROM] = "from", [IMS__T_TO] = "to", [IMS__T_PEER] = "peer",
		[IMS__T_CONV] = "conversation", [IMS__T_MSGID] = "msgid",
		[IMS__T_ID] = "id", [IMS__T_TYPE] = "type", [IMS__T_SIZE] = "size",
		[IMS__T_RECEIVED] = "date", [IMS__T_SUBJECT] = "subject",
	};
	char b[80];

	if ((unsigned)n->term >= sizeof(names) / sizeof(names[0]) || !names[n->term]) {
		out_s(o, "?");
		return;
	}
	out_s(o, names[n->term]);
	out_s(o, ":");
	switch (n->term) {
	case IMS__T_FOLDER:
		out_s(o, ims_folder_name((ims_folder)n->ival));
		break;
	case IMS__T_MODE:
		out_s(o, ims_mode_name((ims_mode)n->ival));
		break;
	case IMS__T_STATE:
		out_s(o, n->ival < 0 ? "held" : ims_state_name((ims_state)n->ival));
		break;
	case IMS__T_ID:
		ims_id_fmt(b, &n->id);
		out_s(o, b);
		break;
	case IMS__T_TYPE:
		if (n->text_len == 0)
			out_s(o, "*/*");
		else
			out_n(o, n->text, n->text_len);
		if (n->text_len > 0 && n->text[n->text_len - 1] == '/')
			out_s(o, "*");
		break;
	case IMS__T_SIZE:
		describe_size(o, n);
		break;
	case IMS__T_RECEIVED:
		ims__date_describe(b, sizeof(b), n->lo, n->hi);
		out_s(o, b);
		break;
	default:
		out_value(o, n->text ? n->text : "", n->text ? n->text_len : 0);
		break;
	}
}

/* the operands of a chain of one operator, without inner parentheses */
static void
describe_chain(struct out *o, const ims__fnode *n, ims__fkind kind)
{
	if (n && n->kind == kind) {
		describe_chain(o, n->a, kind);
		out_s(o, kind == IMS__F_AND ? " and " : " or ");
		describe_chain(o, n->b, kind);
	} else {
		describe(o, n);
	}
}

static void
describe(struct out *o, const ims__fnode *n)
{
	if (!n || n->kind == IMS__F_ALL) {
		out_s(o, "*");
		return;
	}
	switch (n->kind) {
	case IMS__F_AND:
	case IMS__F_OR:
		out_s(o, "(");
		describe_chain(o, n, n->kind);
		out_s(o, ")");
		break;
	case IMS__F_NOT:
		out_s(o, "not ");
		describe(o, n->a);
		break;
	default:
		describe_term(o, n);
		break;
	}
}

int
ims__filter_describe(char *buf, size_t cap, const ims__fnode *n)
{
	struct out o = { buf, buf ? cap : 0, 0 };

	if (o.cap > 0)
		buf[0] = '\0';
	describe(&o, n);
	return o.len > (size_t)INT32_MAX ? INT32_MAX : (int)o.len;
}
