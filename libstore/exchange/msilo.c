/* msilo.c - Kamailio's msilo table (id, src_addr, dst_addr, username,
 * domain, inc_time, exp_time, snd_time, ctype, body, extra_hdrs, callid,
 * status; OpenSER's silo has the first ten) into deferred messages.  The
 * dump's form is named, never guessed: `mysql -B` (tab-separated, its
 * escapes \\ \t \n \r \0 undone, NULL), `sqlite3 -separator '\t'` (bytes
 * as they are) or `sqlite3 -csv` (RFC 4180 quoting); a header line maps the
 * columns, without one their number does.  Every row is checked before the
 * first is stored: one refused row refuses the dump, or with
 * IMS_IMPORT_SKIP_BAD is reported and passed over. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "exchange.h"
#include "internal.h"

enum { C_ID, C_SRC, C_DST, C_USER, C_DOMAIN, C_INC, C_EXP, C_SND, C_CTYPE,
       C_BODY, C_HDRS, C_CALLID, C_STATUS, NCOLS };
static const char *const col_names[NCOLS] = { "id", "src_addr", "dst_addr",
	"username", "domain", "inc_time", "exp_time", "snd_time", "ctype", "body",
	"extra_hdrs", "callid", "status" };
/* OpenSER's silo table (version 6): the first ten columns */
#define OPENSER_COLS 10

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

/* Fields at tabs, mysql's escapes undone when asked; their number (more
 * than IMS__MSILO_FIELDS: too many). */
static size_t
split_tabs(char **f, size_t *len, char *rec, int mysql)
{
	size_t n = 0;

	for (char *p = rec; n < IMS__MSILO_FIELDS; n++) {
		char *tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		f[n] = p;
		len[n] = mysql ? unescape(p) : strlen(p);
		if (!tab)
			return n + 1;
		p = tab + 1;
	}
	return n + 1;
}

/* RFC 4180 fields at commas, quotes undone in place; their number, or 0
 * when a quote is misplaced. */
static size_t
split_csv(char **f, size_t *len, char *rec)
{
	size_t n = 0;
	char *p = rec, *o, c;

	for (; n < IMS__MSILO_FIELDS; n++) {
		f[n] = o = p;
		if (*p == '"') {
			for (p++; *p && (*p != '"' || p[1] == '"'); p++)
				*o++ = *p == '"' ? *p++ : *p;
			if (*p++ != '"' || (*p && *p != ','))
				return 0;
		} else {
			p += strcspn(p, ",\"");
			if (*p == '"')
				return 0;
			o = p;
		}
		c = *p;
		*o = '\0';
		len[n] = (size_t)(o - f[n]);
		if (!c)
			return n + 1;
		p++;
	}
	return n + 1;
}

static size_t
split(char **f, size_t *len, char *rec, ims_msilo_form form)
{
	size_t n = strlen(rec);

	while (n && (rec[n - 1] == '\n' || rec[n - 1] == '\r'))
		rec[--n] = '\0';
	if (n == 0)
		return 0;
	n = form == IMS_MSILO_CSV ? split_csv(f, len, rec)
	                          : split_tabs(f, len, rec, form == IMS_MSILO_MYSQL);
	for (size_t i = 0; i < n && i < IMS__MSILO_FIELDS; i++)
		if (len[i] == 0 || (form == IMS_MSILO_MYSQL && strcmp(f[i], "NULL") == 0))
			f[i] = NULL;
	return n;
}

/* The header line: each column by its name, unknown ones passed over. */
static int
map_header(ims__msilo_map *map, char **f, size_t n, char *err, size_t cap)
{
	static const int required[] = { C_ID, C_SRC, C_USER, C_DOMAIN };

	for (int k = 0; k < NCOLS; k++)
		map->at[k] = -1;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; f[i] && k < NCOLS; k++)
			if (strcasecmp(f[i], col_names[k]) == 0 && map->at[k] >= 0) {
				snprintf(err, cap, "the header names column '%s' twice", col_names[k]);
				return -1;
			} else if (strcasecmp(f[i], col_names[k]) == 0) {
				map->at[k] = (int)i;
			}
	for (size_t j = 0; j < sizeof(required) / sizeof(*required); j++)
		if (map->at[required[j]] < 0) {
			snprintf(err, cap, "the header has no column '%s': the columns cannot "
			         "be mapped", col_names[required[j]]);
			return -1;
		}
	map->nfields = n;
	map->known = map->header = 1;
	return 1;
}

/* The first record: a header line (it names src_addr, which no value
 * is), or a row of Kamailio's 13 columns or OpenSER's 10 in their order. */
static int
map_first(ims__msilo_map *map, char **f, size_t n, char *err, size_t cap)
{
	for (size_t i = 0; i < n; i++)
		if (f[i] && strcasecmp(f[i], "src_addr") == 0)
			return map_header(map, f, n, err, cap);
	if (n != NCOLS && n != OPENSER_COLS) {
		snprintf(err, cap, "%zu fields, and no header line naming the columns: "
		         "not Kamailio's msilo table (%d columns) nor OpenSER's silo (%d)",
		         n, NCOLS, OPENSER_COLS);
		return -1;
	}
	for (int k = 0; k < NCOLS; k++)
		map->at[k] = (size_t)k < n ? k : -1;
	map->nfields = n;
	map->known = 1;
	map->header = 0;
	return 0;
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

/* RFC 3261 user: unreserved, user-unreserved (';' and '?' included, as
 * in "5551234;phone-context=+1212") and %HH escapes, what ims_put()
 * accepts; no '@' or ':', so that "sip:USER@DOMAIN" names USER at DOMAIN.
 * The offset of the first byte it may not hold, or -1. */
static long
user_bad(const char *u)
{
	for (size_t i = 0; u[i]; i++) {
		unsigned char ch = (unsigned char)u[i];
		if (ch == '%' && isxdigit((unsigned char)u[i + 1]) &&
		    isxdigit((unsigned char)u[i + 2]))
			i += 2;
		else if (ch >= 0x80 || (!isalnum(ch) && !strchr("-_.!~*'()&=+$,;?/", ch)))
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

/* sip:USER@DOMAIN, which the library's canonicaliser must read as USER
 * at DOMAIN, as ims_put() would store it. */
static int
owner_of(ims__msilo_row *r, char **col, char *err, size_t cap)
{
	char canon[IMS_ADDR_MAX + 1];
	const char *at;
	long bad;
	int rc;

	if ((bad = user_bad(col[C_USER])) >= 0)
		return refuse(err, cap, "username", col[C_USER], (unsigned char)col[C_USER][bad]);
	if ((bad = domain_bad(col[C_DOMAIN])) >= 0)
		return refuse(err, cap, "domain", col[C_DOMAIN], (unsigned char)col[C_DOMAIN][bad]);
	/* cut short, "sip:%41...%41@example.com" could end "@exam" */
	if ((size_t)snprintf(r->owner, sizeof(r->owner), "sip:%s@%s", col[C_USER],
	                     col[C_DOMAIN]) >= sizeof(r->owner) ||
	    (rc = ims_addr_canon(canon, sizeof(canon), r->owner)) == IMS_TOOBIG) {
		snprintf(err, cap, "username and domain longer than an address");
		return -1;
	}
	if (rc || !(at = strchr(canon, '@')) || strcasecmp(at + 1, col[C_DOMAIN]) != 0) {
		snprintf(err, cap, "username and domain do not form the address of one "
		         "user");
		return -1;
	}
	return 0;
}

/* The record's fields as the columns, a NUL in no column but the body. */
static int
columns(char **col, size_t *clen, ims__msilo_map *map, char *rec, char *err,
        size_t cap)
{
	char *f[IMS__MSILO_FIELDS];
	size_t len[IMS__MSILO_FIELDS], n = split(f, len, rec, map->form);
	int k;

	if (n == 0)
		return 1;
	if (n > IMS__MSILO_FIELDS) {   /* f[] holds IMS__MSILO_FIELDS */
		snprintf(err, cap, "more than %d fields", IMS__MSILO_FIELDS);
		return -1;
	}
	if (!map->known && (k = map_first(map, f, n, err, cap)) != 0)
		return k;
	if (n != map->nfields) {
		snprintf(err, cap, "%zu fields where the %s has %zu%s", n,
		         map->header ? "header" : "table",
		         map->nfields, map->form == IMS_MSILO_TABS ? " (a tab or a newline "
		         "in a value? the tabs form cannot hold one: dump with sqlite3 -csv)"
		         : "");
		return -1;
	}
	for (k = 0; k < NCOLS; k++) {
		col[k] = map->at[k] >= 0 ? f[map->at[k]] : NULL;
		clen[k] = map->at[k] >= 0 ? len[map->at[k]] : 0;
		/* a NUL (\0) anywhere but the body would cut the value short,
		 * "bob\0x" reading as the user bob */
		if (k != C_BODY && col[k] && strlen(col[k]) != clen[k]) {
			snprintf(err, cap, "column %s holds a NUL byte", col_names[k]);
			return -1;
		}
	}
	return 0;
}

int
ims__msilo_parse(ims__msilo_row *r, ims__msilo_map *map, char *rec, int64_t now,
                 char *err, size_t errcap)
{
	ims_msg m0 = IMS_MSG_INIT;
	char *col[NCOLS];
	size_t len[NCOLS];
	int k;

	err[0] = '\0';
	r->id = NULL;
	if ((k = columns(col, len, map, rec, err, errcap)) != 0)
		return k;
	r->m = m0;
	r->id = col[C_ID];
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

/* ---------------------------------------------------------------- import */

typedef struct dump {
	ims__importer *im;
	const char *path;
	FILE *f;
	ims__msilo_map map;
	ims__msilo_row r;
	char *rec, *line;         /* one record; one line of it */
	size_t cap, lcap;
	size_t lineno, first;     /* lines read; the record's first */
	uint64_t bad;             /* rows refused in this pass */
	int ioerr;
	char err[512];
} dump;

/* The next record (with CSV, as many lines as its quotes span): 1, 0 at
 * the end, -1 a record refused (d->err), -2 an error (d->ioerr). */
static int
read_record(dump *d)
{
	size_t len = 0, quotes = 0;
	ssize_t n;

	d->first = d->lineno + 1;
	do {
		if ((n = getline(&d->line, &d->lcap, d->f)) <= 0)
			break;
		d->lineno++;
		if (len + (size_t)n + 1 > d->cap) {
			char *p = realloc(d->rec, len + (size_t)n + 1);
			if (!p) {
				d->ioerr = ENOMEM;
				return -2;
			}
			d->rec = p;
			d->cap = len + (size_t)n + 1;
		}
		memcpy(d->rec + len, d->line, (size_t)n + 1);
		len += (size_t)n;
		for (ssize_t i = 0; i < n; i++)
			quotes += d->line[i] == '"';
	} while (d->map.form == IMS_MSILO_CSV && quotes % 2 && len <= 2 * IMS_BODY_MAX);
	if (ferror(d->f)) {
		d->ioerr = errno ? errno : EIO;
		return -2;
	}
	if (len == 0)
		return 0;
	if (strlen(d->rec) != len)
		snprintf(d->err, sizeof(d->err), "holds a NUL byte (none of the forms "
		         "prints one)");
	else if (quotes % 2 && d->map.form == IMS_MSILO_CSV)
		snprintf(d->err, sizeof(d->err), "a quoted field is not closed");
	else
		return 1;
	return -1;
}

/* A parsed row checked as storing checks it: 0, 1 expired, -1 refused. */
static int
check_row(dump *d)
{
	ims_errinfo e;
	int rc;

	if (d->r.m.expires != IMS_TIME_NONE && d->r.m.expires <= d->im->now)
		return 1;
	e.message[0] = '\0';
	if ((rc = ims_msg_check(&d->r.m, &e)) == 0 && d->r.body_len <= IMS_BODY_MAX)
		return 0;
	snprintf(d->err, sizeof(d->err), "%s", rc == 0 ? "body over the size limit"
	         : e.message[0] ? e.message : ims_strerror(rc));
	return -1;
}

/* A row refused: while checking, the whole dump refused, or with
 * IMS_IMPORT_SKIP_BAD reported and passed over; while storing, passed
 * over (it was reported). */
static int
refused(dump *d, int store, const char *id)
{
	ims_import_result *out = d->im->out;
	char what[IMS_XWHY_MAX];

	d->bad++;
	snprintf(what, sizeof(what), "'%s' line %zu%s%.40s%s: %s", d->path, d->first,
	         id ? " (msilo id " : "", id ? id : "", id ? ")" : "", d->err);
	if (store)
		return 0;
	if (!d->map.known || !(d->im->o.flags & IMS_IMPORT_SKIP_BAD))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, IMS_INVALID,
		                  "%s: nothing imported", what);
	out->skipped++;
	if (d->im->o.skipped)
		d->im->o.skipped(what, d->im->o.payload);
	return 0;
}

/* One row: counted while checking, stored while storing. */
static int
one_row(dump *d, int store)
{
	ims__importer *im = d->im;
	int k = check_row(d), rc;

	if (k < 0)
		return refused(d, store, d->r.id);
	if (store && k == 0 && (rc = ims_bulk_put(im->b, &d->r.m, d->r.body,
	                                          d->r.body_len)))
		return ims__xfail(&im->out->step, im->out->why, IMS_XSTEP_STORE, rc,
		                  "'%s' line %zu: cannot store: %s", d->path, d->first,
		                  ims_strerror(rc));
	if (!store) {
		im->out->expired += k == 1;
		im->out->checked += k == 0;
	}
	return 0;
}

/* One pass over the dump: checking every row, or storing those that pass. */
static int
pass(dump *d, int store)
{
	ims__importer *im = d->im;
	int rc = 0, k;

	d->map.known = 0;
	d->lineno = 0;
	d->bad = 0;
	while (rc == 0 && (k = read_record(d)) != 0) {
		if (k == -2)
			return ims__xfail(&im->out->step, im->out->why, IMS_XSTEP_INPUT,
			                  d->ioerr, "cannot read '%s': %s", d->path,
			                  strerror(d->ioerr));
		if (k == 1)
			k = ims__msilo_parse(&d->r, &d->map, d->rec, im->now, d->err,
			                     sizeof(d->err));
		if (k == 0)
			rc = one_row(d, store);
		else if (k < 0)
			rc = refused(d, store, d->r.id);
		if (store || (im->o.flags & IMS_IMPORT_DRY_RUN))
			ims__xprogress(im->o.progress, im->o.payload, d->lineno, 0, 0);
	}
	if (rc == 0 && store && d->bad != im->out->skipped)
		rc = ims__xfail(&im->out->step, im->out->why, IMS_XSTEP_INPUT, IMS_INVALID,
		                "'%s' changed while it was imported", d->path);
	if (rc == 0 && (store || (im->o.flags & IMS_IMPORT_DRY_RUN)))
		ims__xprogress(im->o.progress, im->o.payload, d->lineno, 0, 1);
	return rc;
}

/* The dump, or standard input copied to a temporary file to be read
 * twice. */
static int
open_dump(dump *d)
{
	char buf[65536];
	size_t n;
	int fd, rc = 0;

	if (strcmp(d->path, "-") != 0)
		return (d->f = fopen(d->path, "r")) ? 0 : errno;
	if ((fd = ims__arc_spool(ims__tmpdir(d->im->o.tmpdir))) < 0 ||
	    !(d->f = fdopen(fd, "w+"))) {
		rc = errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, d->f) != n)
			return errno ? errno : EIO;
	if (ferror(stdin) || fflush(d->f) || fseek(d->f, 0, SEEK_SET))
		return errno ? errno : EIO;
	return 0;
}

static int
import_dump(dump *d)
{
	ims__importer *im = d->im;
	ims_import_result *out = im->out;
	int rc;

	if (d->map.form < IMS_MSILO_MYSQL || d->map.form > IMS_MSILO_CSV)
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, IMS_INVALID,
		                  "the form of the msilo dump '%s' is not named (mysql, tabs "
		                  "or csv): they read backslashes, NULL and quotes differently",
		                  d->path);
	if ((rc = open_dump(d)))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, rc,
		                  "cannot open '%s': %s", d->path, strerror(rc));
	if ((rc = pass(d, 0)) || (im->o.flags & IMS_IMPORT_DRY_RUN))
		return rc;
	if (fseek(d->f, 0, SEEK_SET))
		return ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, errno,
		                  "cannot read '%s' again: %s", d->path, strerror(errno));
	return pass(d, 1);
}

int
ims_msilo_import(ims_import_result *out, ims_store *st, const char *path,
                 const ims_import_opts *opts)
{
	ims__importer im;
	dump *d;
	int rc;

	if ((rc = ims__import_begin(&im, out, st, path, opts, 0)))
		return rc;
	if (!(d = calloc(1, sizeof(*d))))
		rc = ims__xfail(&out->step, out->why, IMS_XSTEP_INPUT, ENOMEM, "out of memory");
	if (d) {
		d->im = &im;
		d->path = path;
		d->map.form = im.o.msilo_form;
		rc = import_dump(d);
		if (d->f && d->f != stdin)
			fclose(d->f);
		free(d->rec);
		free(d->line);
		free(d);
	}
	return ims__import_end(&im, rc, path);
}
