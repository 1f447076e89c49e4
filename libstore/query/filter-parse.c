/* filter-parse.c - the filter language: lexer and grammar.
 *
 *   expr  := or
 *   or    := and ("or" and)*
 *   and   := unary (["and"] unary)*
 *   unary := ("not" | "-") unary | "(" expr ")" | "*" | NAME ":" VALUE
 *
 * One token of look-ahead, every byte read once: linear in the length of
 * the expression.  imstore-search-terms(7) is the user's description.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "filter.h"


#define EXPR_MAX  65536  /* bytes */
#define DEPTH_MAX 64     /* nested "(" and "not" */
#define TERMS_MAX 256    /* terms, "*" included */

enum tok { TK_END, TK_LP, TK_RP, TK_AND, TK_OR, TK_NOT, TK_MINUS, TK_STAR,
           TK_TERM, TK_ERR };

struct parser {
	const char *s;
	size_t pos;            /* where the lexer goes on */
	int64_t now;
	ims_errinfo *err;
	int rc;                /* the first error */
	int depth, terms;
	enum tok tok;          /* current token: s[off, off + len) */
	size_t off, len;
	size_t name_len;       /* TK_TERM: NAME is s[off, off + name_len) */
	size_t voff, vlen;     /* TK_TERM: VALUE as written, quotes included */
	enum tok prev;         /* the token before, for messages */
	size_t prev_off, prev_len;
};

/* ---------------------------------------------------------------- errors */

static void fail(struct parser *p, int rc, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record the first error: code, byte offset and a lowercase message. */
static void
fail(struct parser *p, int rc, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (p->rc != 0)
		return;
	p->rc = rc;
	if (!p->err)
		return;
	p->err->code = rc;
	p->err->offset = off;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- nodes */

void
ims__fnode_free(ims__fnode *n)
{
	if (!n)
		return;
	ims__fnode_free(n->a);
	ims__fnode_free(n->b);
	free(n->text);
	free(n);
}

ims__fnode *
ims__fnode_new(ims__fkind kind)
{
	ims__fnode *n = calloc(1, sizeof(*n));

	if (n) {
		n->kind = kind;
		n->lo = INT64_MIN;
		n->hi = INT64_MAX;
	}
	return n;
}

ims__fnode *
ims__fnode_join(ims__fkind kind, ims__fnode *a, ims__fnode *b)
{
	ims__fnode *n;

	if (!a || !b) {
		ims__fnode_free(a);
		ims__fnode_free(b);
		return NULL;
	}
	if (a->kind == IMS__F_ALL || b->kind == IMS__F_ALL) {
		ims__fnode *all = a->kind == IMS__F_ALL ? a : b;
		ims__fnode *other = all == a ? b : a;
		if (kind == IMS__F_OR) {
			ims__fnode_free(other);
			return all;
		}
		ims__fnode_free(all);
		return other;
	}
	if (!(n = ims__fnode_new(kind))) {
		ims__fnode_free(a);
		ims__fnode_free(b);
		return NULL;
	}
	n->a = a;
	n->b = b;
	return n;
}

static ims__fnode *
node_new(struct parser *p, ims__fkind kind)
{
	ims__fnode *n = ims__fnode_new(kind);

	if (!n)
		fail(p, ENOMEM, p->off, "out of memory");
	return n;
}

/* a AND b, a OR b, as ims__fnode_join; out of memory reported. */
static ims__fnode *
join(struct parser *p, ims__fkind kind, ims__fnode *a, ims__fnode *b)
{
	ims__fnode *n = ims__fnode_join(kind, a, b);

	if (!n)
		fail(p, ENOMEM, p->off, "out of memory");
	return n;
}

/* ---------------------------------------------------------------- lexer */

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* a character that ends a word outside quotes */
static int
is_sep(int c)
{
	return c == '\0' || is_space(c) || c == '(' || c == ')';
}

static void lex_unexpected(struct parser *p, size_t i);

static const char *const kw_name[] = { [TK_AND] = "and", [TK_OR] = "or",
	[TK_NOT] = "not" };

/* A one-character token at p->pos: 1 when it is one (p->tok set). */
static int
lex_punct(struct parser *p)
{
	const char *s = p->s + p->pos;
	enum tok t;

	switch (s[0]) {
	case '\0': p->tok = TK_END; p->len = 0; return 1;
	case '(': t = TK_LP; break;
	case ')': t = TK_RP; break;
	case '*':
		if (!is_sep((unsigned char)s[1]))
			return 0;
		t = TK_STAR;
		break;
	case '-':
		if (!is_alpha((unsigned char)s[1]) && s[1] != '(')
			return 0;
		t = TK_MINUS;
		break;
	default:
		return 0;
	}
	p->tok = t;
	p->pos++;
	return 1;
}

/* A lexical error at offset at: pre, the token's first n bytes quoted, post. */
static void
lex_fail(struct parser *p, size_t at, const char *pre, size_t n, const char *post)
{
	char q[64];

	fail(p, IMS_SYNTAX, at, "%s'%s%s", pre, ims__filter_quote(q, p->s + p->off, n), post);
	p->tok = TK_ERR;
}

/* The value of a term NAME: (n bytes) whose value starts at i: quoted (up
 * to the closing quote, backslash escapes) or up to a space or ')'. */
static void
lex_value(struct parser *p, size_t i, size_t n)
{
	const char *s = p->s;

	p->name_len = n;
	p->voff = i;
	if (s[i] == '"') {
		for (i++; s[i] && s[i] != '"'; i++)
			if (s[i] == '\\' && s[i + 1])
				i++;
		if (!s[i])
			return lex_fail(p, p->voff, "unterminated quoted value of ", n, ":'");
		i++;
		if (s[i] && !is_space((unsigned char)s[i]) && s[i] != ')')
			return lex_fail(p, i, "expected a space or ')' after the quoted value of ",
			                n, ":'");
	} else {
		while (s[i] && !is_space((unsigned char)s[i]) && s[i] != ')')
			i++;
	}
	p->vlen = i - p->voff;
	p->tok = TK_TERM;
	p->len = i - p->off;
	p->pos = i;
}

/* A word standing alone (ending at i, n bytes): a keyword, or an error. */
static void
lex_word(struct parser *p, size_t i, size_t n)
{
	const char *w = p->s + p->off;
	char q[64];

	for (int k = TK_AND; k <= TK_NOT; k++) {
		if (ims__word_is(w, n, kw_name[k])) {
			p->tok = (enum tok)k;
			p->len = n;
			p->pos = i;
			return;
		}
	}
	if (ims__term_find(w, n)) {
		fail(p, IMS_SYNTAX, i, "search term '%s' needs a value ('%s:VALUE')",
		     ims__filter_quote(q, w, n), ims__filter_quote(q, w, n));
		p->tok = TK_ERR;
		return;
	}
	lex_unexpected(p, i);
}

/* Anything else: refused up to the next separator. */
static void
lex_unexpected(struct parser *p, size_t i)
{
	const char *s = p->s;

	while (!is_sep((unsigned char)s[i]))
		i++;
	if (i == p->off)
		i++;
	lex_fail(p, p->off, "unexpected ", i - p->off, "' (search terms look like name:value)");
}

/* Read the next token into p->tok; on a lexical error TK_ERR. */
static void
lex(struct parser *p)
{
	const char *s = p->s;
	size_t i;

	p->prev = p->tok;
	p->prev_off = p->off;
	p->prev_len = p->len;
	while (is_space((unsigned char)s[p->pos]))
		p->pos++;
	i = p->off = p->pos;
	p->len = 1;
	if (lex_punct(p))
		return;
	if (!is_alpha((unsigned char)s[i]))
		return lex_unexpected(p, i);
	while (is_alpha((unsigned char)s[i]) || (s[i] >= '0' && s[i] <= '9') ||
	       s[i] == '-' || s[i] == '_')
		i++;
	if (s[i] == ':')
		return lex_value(p, i + 1, i - p->off);
	if (is_sep((unsigned char)s[i]))
		return lex_word(p, i, i - p->off);
	lex_unexpected(p, i);
}

/*
 * The value of the current term, unquoted, in a new buffer; NULL on error.
 * Control characters are refused so that descriptions stay on one line.
 */
static char *
term_value(struct parser *p, const char *name, size_t *len)
{
	const char *v = p->s + p->voff;
	size_t n = p->vlen, i = 0, o = 0;
	int quoted = n > 0 && v[0] == '"';
	char *val;

	if (quoted) {
		i = 1;
		n--;             /* the closing quote */
	}
	if (i >= n) {
		fail(p, IMS_SYNTAX, p->voff, "missing value for '%s:'", name);
		return NULL;
	}
	if (!(val = malloc(n + 1))) {
		fail(p, ENOMEM, p->voff, "out of memory");
		return NULL;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c < 0x20 || c == 0x7f) {
			fail(p, IMS_SYNTAX, p->voff + i, "control character in the value "
			     "of '%s:'", name);
			free(val);
			return NULL;
		}
		if (quoted && c == '\\') {
			c = (unsigned char)v[++i];
			if (c != '"' && c != '\\') {
				fail(p, IMS_SYNTAX, p->voff + i - 1, "invalid escape '\\%c' "
				     "in the value of '%s:' (only \\\" and \\\\)",
				     c < 0x20 || c >= 0x7f ? '?' : c, name);
				free(val);
				return NULL;
			}
		}
		val[o++] = (char)c;
	}
	val[o] = '\0';
	*len = o;
	return val;
}

static ims__fnode *
make_term(struct parser *p)
{
	const char *name = ims__term_find(p->s + p->off, p->name_len);
	char msg[sizeof(((ims_errinfo *)0)->message)];
	ims__fnode *n;
	char *val;
	size_t len;
	int rc;

	if (!name) {
		ims__term_unknown(msg, sizeof(msg), p->s + p->off, p->name_len);
		fail(p, IMS_SYNTAX, p->off, "%s", msg);
		return NULL;
	}
	if (++p->terms > TERMS_MAX) {
		fail(p, IMS_TOOBIG, p->off, "too many search terms (more than %d)",
		     TERMS_MAX);
		return NULL;
	}
	if (!(val = term_value(p, name, &len)))
		return NULL;
	if (!(n = node_new(p, IMS__F_TERM))) {
		free(val);
		return NULL;
	}
	rc = ims__term_value(n, name, strlen(name), val, len, p->now, msg,
	                     sizeof(msg));
	if (rc != 0) {
		fail(p, rc, p->voff, "%s", msg);
		ims__fnode_free(n);
		return NULL;
	}
	return n;
}

/* ---------------------------------------------------------------- grammar */

static ims__fnode *parse_or(struct parser *p);

static int
starts_unary(enum tok t)
{
	return t == TK_TERM || t == TK_LP || t == TK_NOT || t == TK_MINUS ||
	       t == TK_STAR || t == TK_ERR;
}

/* The current token cannot start a term: say why. */
static void
expected_term(struct parser *p)
{
	char q[64], r[64];
	int after = p->prev == TK_AND || p->prev == TK_OR || p->prev == TK_NOT ||
	            p->prev == TK_MINUS || p->prev == TK_LP;

	if (p->tok == TK_ERR)
		return;
	ims__filter_quote(q, p->s + p->prev_off, p->prev_len);
	ims__filter_quote(r, p->s + p->off, p->len);
	if (p->tok == TK_RP && p->prev == TK_LP)
		fail(p, IMS_SYNTAX, p->prev_off, "empty parentheses");
	else if (after && p->tok == TK_END)
		fail(p, IMS_SYNTAX, p->off, "expected a search term after '%s'", q);
	else if (after)
		fail(p, IMS_SYNTAX, p->off, "expected a search term after '%s', "
		     "found '%s'", q, r);
	else if (p->tok == TK_RP)
		fail(p, IMS_SYNTAX, p->off, "unexpected ')' without a matching '('");
	else
		fail(p, IMS_SYNTAX, p->off, "expected a search term before '%s'", r);
}

static ims__fnode *
parse_unary(struct parser *p)
{
	ims__fnode *n, *c;
	size_t open = p->off;

	switch (p->tok) {
	case TK_NOT:
	case TK_MINUS:
	case TK_LP:
		if (++p->depth > DEPTH_MAX) {
			fail(p, IMS_TOOBIG, p->off, "expression nested too deeply (more "
			     "than %d levels)", DEPTH_MAX);
			return NULL;
		}
		if (p->tok == TK_LP) {
			lex(p);
			c = parse_or(p);
			if (c && p->tok != TK_RP) {
				if (p->tok != TK_ERR)
					fail(p, IMS_SYNTAX, p->off, "expected ')' to close "
					     "'(' at offset %zu", open);
				ims__fnode_free(c);
				c = NULL;
			}
			p->depth--;
			if (c)
				lex(p);
			return c;
		}
		lex(p);
		c = parse_unary(p);
		p->depth--;
		if (!c)
			return NULL;
		if (!(n = node_new(p, IMS__F_NOT))) {
			ims__fnode_free(c);
			return NULL;
		}
		n->a = c;
		return n;
	case TK_STAR:
		if (++p->terms > TERMS_MAX) {
			fail(p, IMS_TOOBIG, p->off, "too many search terms (more than %d)",
			     TERMS_MAX);
			return NULL;
		}
		n = node_new(p, IMS__F_ALL);
		lex(p);
		return n;
	case TK_TERM:
		n = make_term(p);
		if (n)
			lex(p);
		return n;
	default:
		expected_term(p);
		return NULL;
	}
}

static ims__fnode *
parse_and(struct parser *p)
{
	ims__fnode *l = parse_unary(p), *r;

	while (l) {
		if (p->tok == TK_AND)
			lex(p);
		else if (!starts_unary(p->tok))
			break;
		if (!(r = parse_unary(p))) {
			ims__fnode_free(l);
			return NULL;
		}
		l = join(p, IMS__F_AND, l, r);
	}
	return l;
}

static ims__fnode *
parse_or(struct parser *p)
{
	ims__fnode *l = parse_and(p), *r;

	while (l && p->tok == TK_OR) {
		lex(p);
		if (!(r = parse_and(p))) {
			ims__fnode_free(l);
			return NULL;
		}
		l = join(p, IMS__F_OR, l, r);
	}
	return l;
}

int
ims_filter_parse(ims_filter **out, const char *expr, int64_t now,
                 ims_errinfo *err)
{
	struct parser p;
	ims_filter *f = NULL;
	ims__fnode *root = NULL;
	size_t len;

	memset(&p, 0, sizeof(p));
	p.err = err;
	if (err) {
		err->code = 0;
		err->offset = 0;
		err->message[0] = '\0';
	}
	if (!out) {
		fail(&p, IMS_INVALID, 0, "no place for the filter");
		return p.rc;
	}
	*out = NULL;
	if (!expr)
		expr = "";
	len = strnlen(expr, EXPR_MAX + 1);
	if (len > EXPR_MAX) {
		fail(&p, IMS_TOOBIG, EXPR_MAX, "expression longer than %d bytes",
		     EXPR_MAX);
		return p.rc;
	}
	p.s = expr;
	p.now = now == IMS_TIME_NONE ? ims__now_us() : now;
	p.tok = TK_END;
	lex(&p);
	if (p.tok == TK_END)
		root = node_new(&p, IMS__F_ALL);
	else if ((root = parse_or(&p)) != NULL && p.tok != TK_END)
		expected_term(&p);       /* only ')' or an error can be left */
	if (p.rc == 0 && (f = calloc(1, sizeof(*f))) != NULL)
		f->expr = strdup(expr);
	if (p.rc == 0 && (!f || !f->expr))
		fail(&p, ENOMEM, 0, "out of memory");
	if (p.rc != 0) {
		ims__fnode_free(root);
		if (f)
			free(f->expr);
		free(f);
		return p.rc;
	}
	f->root = root;
	*out = f;
	return 0;
}

void
ims_filter_free(ims_filter *f)
{
	if (!f)
		return;
	ims__fnode_free(f->root);
	free(f->expr);
	free(f);
}
