/* msilo.c - Kamailio's msilo table (id, src_addr, dst_addr, username,
 * domain, inc_time, exp_time, snd_time, ctype, body, extra_hdrs, callid,
 * status) as printed by `mysql -B` or `sqlite3 -separator '\t'`, into
 * deferred messages.  mysql's escapes (\\ \t \n \r \0) are undone; NULL and
 * empty fields are absent values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "msilo.h"

enum { C_ID, C_SRC, C_DST, C_USER, C_DOMAIN, C_INC, C_EXP, C_SND, C_CTYPE,
       C_BODY, C_HDRS, C_CALLID, C_STATUS, NCOLS };

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
	if (cli_parse_u64(&v, s) || v > (uint64_t)253402300799)
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

static int
row(ims_bulk *b, char **col, size_t *len, uint64_t *expired, int64_t now,
    const char *path, size_t lineno)
{
	char owner[IMS_ADDR_MAX + 64], msgid[64];
	ims_header hdrs[IMS_HEADERS_MAX];
	ims_addr to = { col[C_DST], NULL };
	ims_msg m = IMS_MSG_INIT;
	ims_errinfo e;
	int rc;

	if (!col[C_ID] || !col[C_SRC] || !col[C_USER] || !col[C_DOMAIN] ||
	    seconds(&m.received, col[C_INC]) || seconds(&m.expires, col[C_EXP])) {
		cli_err("'%s' line %zu: not an msilo row (id, src_addr, username, domain, "
		        "inc_time, exp_time…)", path, lineno);
		return EXIT_ERR;
	}
	if (m.expires != IMS_TIME_NONE && m.expires <= now) {
		(*expired)++;
		return 0;
	}
	snprintf(owner, sizeof(owner), "sip:%s@%s", col[C_USER], col[C_DOMAIN]);
	snprintf(msgid, sizeof(msgid), "msilo-%.40s", col[C_ID]);
	m.owner = owner;
	m.from.uri = col[C_SRC];
	m.to = col[C_DST] ? &to : NULL;
	m.nto = col[C_DST] ? 1 : 0;
	m.message_id = col[C_CALLID] ? col[C_CALLID] : msgid;
	m.content_type = col[C_CTYPE];
	m.headers = hdrs;
	m.nheaders = col[C_HDRS] ? headers(hdrs, IMS_HEADERS_MAX, col[C_HDRS]) : 0;
	if (m.received == IMS_TIME_NONE)
		m.received = now;
	if ((rc = ims_msg_check(&m, &e)) ||
	    (rc = ims_bulk_put(b, &m, col[C_BODY] ? col[C_BODY] : "", col[C_BODY] ? len[C_BODY] : 0))) {
		if (rc == IMS_INVALID || rc == IMS_TOOBIG)
			cli_err("'%s' line %zu (msilo id %s): %s", path, lineno, col[C_ID],
			        e.message[0] ? e.message : ims_strerror(rc));
		else
			cli_fail(rc, "'%s' line %zu: cannot store", path, lineno);
		return rc == IMS_INVALID || rc == IMS_TOOBIG ? EXIT_ERR : cli_exit_code(rc);
	}
	return 0;
}

int
msilo_import(ims_bulk *b, const char *path, uint64_t *expired)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL, *col[NCOLS];
	size_t cap = 0, len[NCOLS], lineno = 0;
	int64_t now = (int64_t)time(NULL) * 1000000;
	int rc = 0;

	if (!f) {
		cli_err("cannot open '%s': %s", path, strerror(errno));
		return EXIT_ERR;
	}
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[0] == '\n' || line[0] == '\0')
			continue;
		if (split(col, len, line)) {
			cli_err("'%s' line %zu: expected %d tab-separated columns", path,
			        lineno, NCOLS);
			rc = EXIT_ERR;
		} else if (lineno == 1 && col[C_ID] && strcmp(col[C_ID], "id") == 0) {
			continue; /* mysql -B's column names */
		} else {
			rc = row(b, col, len, expired, now, path, lineno);
		}
	}
	if (rc == 0 && ferror(f)) {
		cli_err("cannot read '%s': %s", path, strerror(errno));
		rc = EXIT_ERR;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}
