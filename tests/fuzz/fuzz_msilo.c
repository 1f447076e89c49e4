/* fuzz_msilo.c - rows of a Kamailio msilo dump as `imstore import
 * --from-msilo FORM` reads them (ims__msilo_parse, libstore/exchange/msilo.c),
 * each input in the three forms (mysql, tabs, csv); one line per record,
 * a CSV record as many lines as its quotes span.
 *
 * Invariants: a row names exactly one user: its owner is sip:USER@DOMAIN,
 * canonicalises (or is too long), and the canonical form has one '@', no
 * password, parameter or header, and the domain lowercased; the body and
 * headers stay inside the line; a refusal says why.  Seeds:
 * tests/fuzz/corpus/msilo/. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/exchange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW (INT64_C(1709294400) * 1000000)

static void
check_owner(const char *owner)
{
	char canon[IMS_ADDR_MAX + 1];
	const char *at = strchr(owner, '@'), *cat;
	int rc = ims_addr_canon(canon, sizeof(canon), owner);

	if (strncmp(owner, "sip:", 4) != 0 || !at || strchr(at + 1, '@'))
		abort();
	if (rc == IMS_TOOBIG)
		return;
	/* the user part may hold ';' and '?' (RFC 3261 user-unreserved) */
	if (rc != 0 || !(cat = strchr(canon, '@')) || strchr(cat + 1, '@') ||
	    strpbrk(canon + 4, ">\"<") || strpbrk(cat, ";?") ||
	    (strchr(canon + 4, ':') && canon[cat - canon + 1] != '['))
		goto bad;
	for (size_t i = 0; at[i] || cat[i]; i++)
		if (tolower((unsigned char)at[i]) != cat[i])
			goto bad;
	return;
bad:
	fprintf(stderr, "owner '%s' canonicalises to '%s' (%d)\n", owner, canon, rc);
	abort();
}

static void
one_line(char *line, size_t len, ims__msilo_map *map)
{
	ims__msilo_row *r = malloc(sizeof(*r));
	ims_errinfo e;
	char err[256];
	int k;

	if (!r)
		return;
	k = ims__msilo_parse(r, map, line, NOW, err, sizeof(err));
	if (k < 0 && !err[0])
		abort();
	if (k == 0) {
		check_owner(r->m.owner);
		if (!r->m.from.uri || !r->m.message_id || r->m.nheaders > IMS_HEADERS_MAX ||
		    r->body_len > len || (r->body_len && (r->body < line || r->body + r->body_len > line + len)))
			abort();
		for (size_t i = 0; i < r->m.nheaders; i++)
			if (!r->m.headers[i].name || !r->m.headers[i].value)
				abort();
		ims_msg_check(&r->m, &e);
	}
	free(r);
}

static void
one_form(const char *buf, size_t size, ims_msilo_form form)
{
	ims__msilo_map map;
	const char *p, *nl;
	size_t quotes = 0;

	memset(&map, 0, sizeof(map));
	map.form = form;
	/* records as msilo.c reads them: lines, the newline kept */
	for (p = buf; p < buf + size; p = nl) {
		size_t n;
		char *line;
		nl = p;
		do {
			const char *e = memchr(nl, '\n', (size_t)(buf + size - nl));
			e = e ? e + 1 : buf + size;
			for (const char *q = nl; q < e; q++)
				quotes += *q == '"';
			nl = e;
		} while (form == IMS_MSILO_CSV && quotes % 2 && nl < buf + size);
		n = (size_t)(nl - p);
		if (!(line = malloc(n + 1)))
			break;
		memcpy(line, p, n);
		line[n] = '\0';
		if (strlen(line) == n && !(form == IMS_MSILO_CSV && quotes % 2))
			one_line(line, n, &map);
		free(line);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	one_form(buf, size, IMS_MSILO_MYSQL);
	one_form(buf, size, IMS_MSILO_TABS);
	one_form(buf, size, IMS_MSILO_CSV);
	free(buf);
	return 0;
}
