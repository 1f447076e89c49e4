/* terms.c - the search terms of the filter language and their values.
 *
 * filter-parse.c reads the expression and hands each NAME:VALUE here;
 * filter-match.c evaluates and describes the tree; time.c reads dates.
 * imstore-search-terms(7) is the user's description.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "filter.h"

struct termdef;

/* where a value parser puts its error */
struct tctx {
	const struct termdef *d;
	int64_t now;
	char *msg;
	size_t cap;
};

typedef int (*value_fn)(struct tctx *c, ims__fnode *n, char *val, size_t len);

struct termdef {
	const char *name;
	ims__fterm term;
	value_fn fn;
};

/*
 * s[0, n) fit for an error message: control characters and invalid UTF-8
 * as '?', cut after 40 bytes (not inside a UTF-8 sequence) with "...".
 */
const char *
ims__filter_quote(char dst[64], const char *s, size_t n)
{
	size_t i = 0, o = 0, max = n > 40 ? 40 : n;

	while (i < max) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c >= 0x80 && i + k <= n && ims__utf8_valid(s + i, k)) {
			if (i + k > max)
				break;
			memcpy(dst + o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		dst[o++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
		i++;
	}
	strcpy(dst + o, i < n ? "..." : "");
	return dst;
}

static int tfail(struct tctx *c, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
tfail(struct tctx *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, c->cap, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---------------------------------------------------------------- values */

static int
v_addr(struct tctx *c, ims__fnode *n, char *val, size_t len)
{
	char canon[IMS_ADDR_MAX + 1], q[64];
	int rc = ims_addr_canon(canon, sizeof(canon), val);

	if (rc == IMS_TOOBIG)
		return tfail(c, IMS_INVALID, "address '%s' of '%s:' is too long",
		             ims__filter_quote(q, val, len), c->d->name);
	if (rc != 0)
		return tfail(c, IMS_INVALID, "invalid address '%s'%s",
		             ims__filter_quote(q, val, len), strchr(val, ':') ? "" :
		             " (an address starts with its scheme, e.g. "
		             "sip:bob@example.com)");
	n->text_len = strlen(canon);
	if (!(n->text = strdup(canon)))
		return tfail(c, ENOMEM, "out of memory");
	return 0;
}

static int
v_enum(struct tctx *c, ims__fnode *n, char *val, size_t len)
{
	char low[16], q[64];
	int rc = IMS_INVALID;

	/* lowercase (ASCII, whatever the locale); names are shorter than low */
	for (size_t i = 0; i < sizeof(low); i++) {
		low[i] = val[i] >= 'A' && val[i] <= 'Z' ? (char)(val[i] + ('a' - 'A')) : val[i];
		if (val[i] == '\0')
			break;
	}
	if (len >= sizeof(low))
		rc = IMS_INVALID;
	else if (c->d->term == IMS__T_FOLDER) {
		ims_folder f;
		if ((rc = ims_folder_parse(&f, low)) == 0)
			n->ival = (int)f;
	} else if (c->d->term == IMS__T_MODE) {
		ims_mode m;
		if ((rc = ims_mode_parse(&m, low)) == 0)
			n->ival = (int)m;
	} else if (strcmp(low, "held") == 0) {
		n->ival = -1;
		rc = 0;
	} else {
		ims_state st;
		if ((rc = ims_state_parse(&st, low)) == 0)
			n->ival = (int)st;
	}
	if (rc != 0)
		return tfail(c, IMS_SYNTAX, "invalid %s '%s' (expected %s)", c->d->name,
		             ims__filter_quote(q, val, len),
		             c->d->term == IMS__T_FOLDER ? "deferred or history" :
		             c->d->term == IMS__T_MODE ? "pager, large or session" :
		             "stored, pending, delivering, delivered, failed or held");
	return 0;
}

/* the value itself: conversation:, msgid:, subject: */
static int
v_text(struct tctx *c, ims__fnode *n, char *val, size_t len)
{
	size_t max = c->d->term == IMS__T_MSGID ? IMS_MSGID_MAX :
	             c->d->term == IMS__T_CONV ? IMS_CONV_MAX : IMS_TEXT_MAX;
	char q[64];

	if (len > max)
		return tfail(c, IMS_SYNTAX, "value '%s' of '%s:' is longer than %zu "
		             "bytes", ims__filter_quote(q, val, len), c->d->name, max);
	n->text = val;
	n->text_len = len;
	return 0;
}

static int
v_id(struct tctx *c, ims__fnode *n, char *val, size_t len)
{
	char q[64];

	if (ims_id_parse(&n->id, val) != 0)
		return tfail(c, IMS_SYNTAX, "invalid id '%s' (expected %d base32 "
		             "characters)", ims__filter_quote(q, val, len), IMS_ID_STRLEN);
	return 0;
}

/* RFC 2045 token character */
static int
is_token(int ch)
{
	return ch > 0x20 && ch < 0x7f && !strchr("()<>@,;:\\\"/[]?=", ch);
}

/* a media type, TYPE/ANY or ANY/ANY (written with stars); parameters ignored */
static int
v_type(struct tctx *c, ims__fnode *n, char *val, size_t len)
{
	char q[64];
	size_t end = 0, slash, i;

	while (end < len && val[end] != ';')
		end++;
	while (end > 0 && (val[end - 1] == ' ' || val[end - 1] == '\t'))
		end--;
	for (slash = 0; slash < end && val[slash] != '/'; slash++)
		if (!is_token((unsigned char)val[slash]))
			goto bad;
	if (slash == 0 || slash + 1 >= end)
		goto bad;
	for (i = slash + 1; i < end; i++)
		if (!is_token((unsigned char)val[i]))
			goto bad;
	if (slash == 1 && val[0] == '*') {
		if (end != 3 || val[2] != '*')
			goto bad;
		end = 0;                     /* any type */
	} else if (end == slash + 2 && val[slash + 1] == '*') {
		end = slash + 1;             /* "image/": any subtype */
	} else if (memchr(val, '*', end)) {
		goto bad;
	}
	for (i = 0; i < end; i++)
		if (val[i] >= 'A' && val[i] <= 'Z')
			val[i] = (char)(val[i] + ('a' - 'A'));
	val[end] = '\0';
	n->text = val;
	n->text_len = end;
	return 0;
bad:
	return tfail(c, IMS_SYNTAX, "invalid media type '%s' (expected "
	             "type/subtype, type/* or */*)", ims__filter_quote(q, val, len));
}

/* N, >N, >=N, <N, <=N, A..B (inclusive), A.., ..B */
static int
v_size(struct tctx *c, ims__fnode *n, char *val, size_t len)
{
	const char *dots = strstr(val, "..");
	char q[64];
	int64_t a = 0, b = 0;

	if (val[0] == '<' || val[0] == '>') {
		size_t k = val[1] == '=' ? 2 : 1;
		if (ims__size_parse(&a, val + k, len - k) != 0)
			goto bad;
		if (val[0] == '<')
			n->hi = k == 2 ? a + 1 : a;
		else
			n->lo = k == 2 ? a : a + 1;
	} else if (dots) {
		size_t k = (size_t)(dots - val);
		if (k == 0 && len == 2)
			goto bad;
		if (k > 0 && ims__size_parse(&a, val, k) != 0)
			goto bad;
		if (len > k + 2 && ims__size_parse(&b, dots + 2, len - k - 2) != 0)
			goto bad;
		if (k > 0)
			n->lo = a;
		if (len > k + 2)
			n->hi = b + 1;
		if (n->lo >= n->hi)
			return tfail(c, IMS_SYNTAX, "invalid size '%s' (start after end)",
			             ims__filter_quote(q, val, len));
	} else {
		if (ims__size_parse(&a, val, len) != 0)
			goto bad;
		n->lo = a;
		n->hi = a + 1;
	}
	/* >N starts, and <=N or ..N ends, at N + 1, which the description
	 * names (N.. or <N): it must be a size too */
	if ((n->hi == INT64_MAX && n->lo > IMS_SIZE_MAX) ||
	    (n->lo == INT64_MIN && n->hi != INT64_MAX && n->hi > IMS_SIZE_MAX))
		goto bad;
	return 0;
bad:
	return tfail(c, IMS_SYNTAX, "invalid size '%s' (expected N, >N, >=N, <N, "
	             "<=N or A..B; units K, M, G)", ims__filter_quote(q, val, len));
}

/* date:, older:, newer: */
static int
v_time(struct tctx *c, ims__fnode *n, char *val, size_t len)
{
	const char *why, *name = c->d->name;
	char q[64];

	if (name[0] == 'd')
		why = ims__date_parse(&n->lo, &n->hi, val, c->now);
	else
		why = ims__age_parse(&n->lo, &n->hi, val, c->now, name[0] == 'n');
	if (why)
		return tfail(c, IMS_SYNTAX, "invalid %s '%s' (%s)",
		             name[0] == 'd' ? "date" : "duration",
		             ims__filter_quote(q, val, len), why);
	return 0;
}

/* ---------------------------------------------------------------- terms */

static const struct termdef terms[] = {
	{ "owner", IMS__T_OWNER, v_addr },
	{ "from", IMS__T_FROM, v_addr },
	{ "to", IMS__T_TO, v_addr },
	{ "peer", IMS__T_PEER, v_addr },
	{ "folder", IMS__T_FOLDER, v_enum },
	{ "mode", IMS__T_MODE, v_enum },
	{ "state", IMS__T_STATE, v_enum },
	{ "conversation", IMS__T_CONV, v_text },
	{ "conv", IMS__T_CONV, v_text },
	{ "msgid", IMS__T_MSGID, v_text },
	{ "id", IMS__T_ID, v_id },
	{ "type", IMS__T_TYPE, v_type },
	{ "size", IMS__T_SIZE, v_size },
	{ "date", IMS__T_RECEIVED, v_time },
	{ "older", IMS__T_RECEIVED, v_time },
	{ "newer", IMS__T_RECEIVED, v_time },
	{ "subject", IMS__T_SUBJECT, v_text },
};
#define NTERMS (sizeof(terms) / sizeof(terms[0]))

static const struct termdef *
find(const char *name, size_t n)
{
	for (size_t i = 0; i < NTERMS; i++)
		if (ims__word_is(name, n, terms[i].name))
			return &terms[i];
	return NULL;
}

/* The term called name[0, n) (case-insensitive): its name, or NULL. */
const char *
ims__term_find(const char *name, size_t n)
{
	const struct termdef *d = find(name, n);

	return d ? d->name : NULL;
}

/* Levenshtein distance, ASCII case-insensitive; an < 32, b shorter than 32 */
static size_t
distance(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b), row[33], i, j;

	for (j = 0; j <= bn; j++)
		row[j] = j;
	for (i = 1; i <= an; i++) {
		size_t diag = row[0], up;
		row[0] = i;
		for (j = 1; j <= bn; j++) {
			size_t best = diag + ((a[i - 1] | 0x20) != b[j - 1]);
			up = row[j];
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[bn];
}

/* The message for an unknown term name: a suggestion when one is close. */
void
ims__term_unknown(char *msg, size_t cap, const char *name, size_t n)
{
	static const char *const schemes[] = { "sip", "sips", "im", "pres", "tel",
		"mailto", "xmpp" };
	const char *best = NULL;
	size_t bestd = 3;
	char q[64];

	ims__filter_quote(q, name, n);
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (ims__word_is(name, n, schemes[i])) {
			snprintf(msg, cap, "unknown search term '%s' (an address needs a "
			         "term: from:, to:, peer: or owner:)", q);
			return;
		}
	}
	for (size_t i = 0; n < 32 && i < NTERMS; i++) {
		size_t dist = distance(name, n, terms[i].name);
		if (dist < bestd && dist < n) {
			bestd = dist;
			best = terms[i].name;
		}
	}
	if (best)
		snprintf(msg, cap, "unknown search term '%s' (did you mean '%s'?)", q,
		         best);
	else
		snprintf(msg, cap, "unknown search term '%s'", q);
}

/*
 * Fill a term node from NAME and its unquoted VALUE.  Takes @p val (a
 * malloc()ed NUL-terminated copy): kept as the node's text or freed.
 * Returns 0, or a code with a message in @p msg.
 */
int
ims__term_value(ims__fnode *node, const char *name, size_t name_len,
                char *val, size_t len, int64_t now, char *msg, size_t cap)
{
	struct tctx c = { find(name, name_len), now, msg, cap };
	int rc;

	if (!c.d) {
		ims__term_unknown(msg, cap, name, name_len);
		free(val);
		return IMS_SYNTAX;
	}
	node->term = c.d->term;
	rc = c.d->fn(&c, node, val, len);
	if (node->text != val)
		free(val);
	return rc;
}
