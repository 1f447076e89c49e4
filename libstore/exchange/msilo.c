/* msilo.c - Kamailio's msilo table (id, src_addr, dst_addr, username,
 * domain, inc_time, exp_time, snd_time, ctype, body, extra_hdrs, callid,
 * status) as printed by `mysql -B` or `sqlite3 -separator '\t'`, into
 * deferred messages.  mysql's escapes (\\ \t \n \r \0) are undone; NULL and
 * empty fields are absent values. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "internal.h"

enum { C_ID, C_SRC, C_DST, C_USER, C_DOMAIN, C_INC, C_EXP, C_SND, C_CTYPE,
       C_BODY, C_HDRS, C_CALLID, C_STATUS, NCOLS };
static const char *const col_names[NCOLS] = { "id", "src_addr", "dst_addr",
	"username", "domain", "inc_time", "exp_time", "snd_time", "ctype", "body",
	"extra_hdrs", "callid", "status" };

/* Undo mysql -B's escapes in place; the length (a body may hold NUL). */
static size_t
unescape(char *s)
{
	size_t o = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '\\' || !s[i + 1]) {
			s[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 't': s[o++] = '\t'; break;
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case '0': s[o++] = '\0'; break;
		default: s[o++] = s[i]; break;
		}
	}
	s[o] = '\0';
	return o;
}

static int
split(char **col, size_t *len, char *line)
{
	size_t n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	if (*line && line[strlen(line) - 1] == '\r')
		line[strlen(line) - 1] = '\0';
	while (n < NCOLS) {
		char *tab = strchr(p, '\t');
		col[n] = p;
		if (tab)
			*tab = '\0';
		len[n] = unescape(p);
		if (strcmp(col[n], "NULL") == 0 || len[n] == 0)
			col[n] = NULL;
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	return n == NCOLS ? 0 : -1;
}

static int
seconds(int64_t *out, const char *s)
{
	uint64_t v;

	*out = IMS_TIME_NONE;
	if (!s)
		return 0;
	if (ims_number_parse(&v, s) || v > (uint64_t)253402300799)
		return -1;
	if (v)
		*out = (int64_t)v * 1000000;
	return 0;
}

/* "Name: value\r\n" lines of extra_hdrs into kept headers (in place). */
static size_t
headers(ims_header *h, size_t cap, char *s)
{
	size_t n = 0;

	for (char *line = s; line && *line && n < cap; ) {
		char *end = strpbrk(line, "\r\n"), *colon;
		if (end)
			*end++ = '\0';
		if ((colon = strchr(line, ':')) && colon > line) {
			*colon = '\0';
			h[n].name = line;
			h[n].value = colon + 1 + strspn(colon + 1, " \t");
			n++;
		}
		line = end ? end + strspn(end, "\r\n") : NULL;
	}
	return n;
}

/* RFC 3261 unreserved and user-unreserved but ';' and '?' (which end the
 * user part), and %HH escapes: what the user part may hold so that
 * "sip:USER@DOMAIN" names USER at DOMAIN.  The offset of the first byte
 * it may not hold, or -1. */
static long
user_bad(const char *u)
{
	for (size_t i = 0; u[i]; i++) {
		unsigned char ch = (unsigned char)u[i];
		if (ch == '%' && isxdigit((unsigned char)u[i + 1]) &&
		    isxdigit((unsigned char)u[i + 2]))
			i += 2;
		else if (ch >= 0x80 || (!isalnum(ch) && !strchr("-_.!~*'()&=+$,/", ch)))
			return (long)i;
	}
	return -1;
}

/* a host name, an IPv4 address or an IPv6 reference: as user_bad() */
static long
domain_bad(const char *d)
{
	size_t n = strlen(d), v6 = d[0] == '[';

	if (n == 0 || (v6 && (n < 3 || d[n - 1] != ']')))
		return 0;
	for (size_t i = v6; i < n - v6; i++) {
		unsigned char ch = (unsigned char)d[i];
		if (ch >= 0x80 || (v6 ? !isxdigit(ch) && ch != ':' && ch != '.'
		                      : !isalnum(ch) && ch != '-' && ch != '.' && ch != '_'))
			return (long)i;
	}
	return -1;
}

/* "username 'x' would not form ... (it has '@')" */
static int
refuse(char *err, size_t cap, const char *what, const char *v, unsigned char c)
{
	char has[32], shown[81];
	size_t i;

	for (i = 0; v[i] && i < sizeof(shown) - 1; i++)
		shown[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
	shown[i] = '\0';
	if (c < 0x20 || c == 0x7f)
		snprintf(has, sizeof(has), "a control character");
	else if (c >= 0x80)
		snprintf(has, sizeof(has), "a byte that is not ASCII");
	else if (c == '[')
		snprintf(has, sizeof(has), "an unclosed '['");
	else
		snprintf(has, sizeof(has), "'%c'", c);
	snprintf(err, cap, "%s '%s' would not form the address of one user (it has %s)",
	         what, shown, has);
	return -1;
}

static int
owner_of(ims__msilo_row *r, char **col, char *err, size_t cap)
{
	long bad;

	if ((bad = user_bad(col[C_USER])) >= 0)
		return refuse(err, cap, "username", col[C_USER], (unsigned char)col[C_USER][bad]);
	if ((bad = domain_bad(col[C_DOMAIN])) >= 0)
		return refuse(err, cap, "domain", col[C_DOMAIN], (unsigned char)col[C_DOMAIN][bad]);
	/* cut short, "sip:%41...%41@example.com" could end "@exam" */
	if ((size_t)snprintf(r->owner, sizeof(r->owner), "sip:%s@%s", col[C_USER],
	                     col[C_DOMAIN]) >= sizeof(r->owner)) {
		snprintf(err, cap, "username and domain longer than an address");
		return -1;
	}
	return 0;
}

int
ims__msilo_parse(ims__msilo_row *r, char *line, int first, int64_t now, char *err,
            size_t errcap)
{
	ims_msg m0 = IMS_MSG_INIT;
	char *col[NCOLS];
	size_t len[NCOLS];

	err[0] = '\0';
	if (line[0] == '\n' || line[0] == '\0')
		return 1;
	if (split(col, len, line)) {
		snprintf(err, errcap, "expected %d tab-separated columns", NCOLS);
		return -1;
	}
	if (first && col[C_ID] && strcmp(col[C_ID], "id") == 0)
		return 1; /* mysql -B's column names */
	/* only the body may hold a NUL (\0): elsewhere it would cut the value,
	 * "bob\0x" reading as the user bob */
	for (int k = 0; k < NCOLS; k++)
		if (k != C_BODY && col[k] && strlen(col[k]) != len[k]) {
			snprintf(err, errcap, "column %s holds a NUL byte", col_names[k]);
			return -1;
		}
	r->m = m0;
	if (!col[C_ID] || !col[C_SRC] || !col[C_USER] || !col[C_DOMAIN] ||
	    seconds(&r->m.received, col[C_INC]) || seconds(&r->m.expires, col[C_EXP])) {
		snprintf(err, errcap, "not an msilo row (id, src_addr, username, domain, "
		         "inc_time, exp_time…)");
		return -1;
	}
	if (owner_of(r, col, err, errcap))
		return -1;
	snprintf(r->msgid, sizeof(r->msgid), "msilo-%.40s", col[C_ID]);
	r->id = col[C_ID];
	r->to.uri = col[C_DST];
	r->to.name = NULL;
	r->m.owner = r->owner;
	r->m.from.uri = col[C_SRC];
	r->m.to = col[C_DST] ? &r->to : NULL;
	r->m.nto = col[C_DST] ? 1 : 0;
	r->m.message_id = col[C_CALLID] ? col[C_CALLID] : r->msgid;
	r->m.content_type = col[C_CTYPE];
	r->m.headers = r->hdrs;
	r->m.nheaders = col[C_HDRS] ? headers(r->hdrs, IMS_HEADERS_MAX, col[C_HDRS]) : 0;
	if (r->m.received == IMS_TIME_NONE)
		r->m.received = now;
	r->body = col[C_BODY] ? col[C_BODY] : "";
	r->body_len = col[C_BODY] ? len[C_BODY] : 0;
	return 0;
}

/* One row parsed: stored, or counted when expired. */
static int
row(ims__importer *im, ims__msilo_row *r, const char *path, size_t lineno)
{
	ims_import_result *out = im->out;
	ims_errinfo e;
	int rc;

	if (r->m.expires != IMS_TIME_NONE && r->m.expires <= im->now) {
		out->expired++;
		return 0;
	}
	e.message[0] = '\0';
	if ((rc = ims_msg_check(&r->m, &e)) == 0 &&
	    (rc = ims_bulk_put(im->b, &r->m, r->body, r->body_len)) == 0)
		return 0;
	if (rc == IMS_INVALID || rc == IMS_TOOBIG)
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, rc,
		                  "'%s' line %zu (msilo id %s): %s", path, lineno, r->id,
		                  e.message[0] ? e.message : ims_strerror(rc));
	return ims__xfail(&out->step, out->why, IMS_XSTEP_STORE, rc,
	                  "'%s' line %zu: cannot store: %s", path, lineno,
	                  ims_strerror(rc));
}

/* Every line of f. */
static int
read_dump(ims__importer *im, FILE *f, const char *path)
{
	ims_import_result *out = im->out;
	ims__msilo_row *r = malloc(sizeof(*r));
	char *line = NULL, err[256];
	size_t cap = 0, lineno = 0;
	int rc = 0, k;

	if (!r)
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, ENOMEM,
		                  "out of memory");
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		lineno++;
		ims__xprogress(im->o.progress, im->o.payload, lineno, 0, 0);
		if ((k = ims__msilo_parse(r, line, lineno == 1, im->now, err, sizeof(err))) < 0)
			rc = ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, IMS_INVALID,
			                "'%s' line %zu: %s", path, lineno, err);
		else if (k == 0)
			rc = row(im, r, path, lineno);
	}
	if (rc == 0 && ferror(f))
		rc = ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, errno ? errno : EIO,
		                "cannot read '%s': %s", path, strerror(errno));
	if (rc == 0)
		ims__xprogress(im->o.progress, im->o.payload, lineno, 0, 1);
	free(line);
	free(r);
	return rc;
}

int
ims_msilo_import(ims_import_result *out, ims_store *st, const char *path,
                 const ims_import_opts *opts)
{
	ims__importer im;
	FILE *f;
	int rc;

	if ((rc = ims__import_begin(&im, out, st, path, opts, 0)))
		return rc;
	if (!(f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r"))) {
		rc = errno;
		rc = ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, rc,
		                "cannot open '%s': %s", path, strerror(rc));
	} else {
		rc = read_dump(&im, f, path);
		if (f != stdin)
			fclose(f);
	}
	return ims__import_end(&im, rc, path);
}
