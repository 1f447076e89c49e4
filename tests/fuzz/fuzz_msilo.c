/* fuzz_msilo.c - rows of a Kamailio msilo dump as `imstore import
 * --from-msilo` reads them (ims__msilo_parse, libstore/exchange/msilo.c), one
 * line per row.
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
	if (rc != 0 || !(cat = strchr(canon, '@')) || strchr(cat + 1, '@') ||
	    strpbrk(canon + 4, ";?>\"<") || (strchr(canon + 4, ':') && canon[cat - canon + 1] != '['))
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
one_line(char *line, size_t len, int first)
{
	ims__msilo_row *r = malloc(sizeof(*r));
	ims_errinfo e;
	char err[256];
	int k;

	if (!r)
		return;
	k = ims__msilo_parse(r, line, first, NOW, err, sizeof(err));
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, *nl;
	int first = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* lines as getline() gives them: the newline kept */
	for (p = buf; p < buf + size; p = nl, first = 0) {
		size_t n;
		char *line;
		nl = memchr(p, '\n', (size_t)(buf + size - p));
		nl = nl ? nl + 1 : buf + size;
		n = (size_t)(nl - p);
		if (!(line = malloc(n + 1)))
			break;
		memcpy(line, p, n);
		line[n] = '\0';
		one_line(line, n, first);
		free(line);
	}
	free(buf);
	return 0;
}
