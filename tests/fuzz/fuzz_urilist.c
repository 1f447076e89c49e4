/* fuzz_urilist.c - URI-lists (RFC 4826 resource-lists) as deferred lease
 * and delete read them (ims_urilist_parse, libstore/xml/deferred-doc.c).
 *
 * Invariants: a refusal returns nothing, with a message; an accepted list
 * has at most 10000 URIs, each valid UTF-8 without a NUL, and written back
 * as a resource-lists document it reads back to the same list.  Seeds:
 * tests/fuzz/corpus/urilist/. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imstore.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the URIs as a resource-lists document, every character kept */
static char *
write_list(size_t *len, char **v, size_t n)
{
	size_t cap = 128, k = 0;
	char *s;

	for (size_t i = 0; i < n; i++)
		cap += 24 + 6 * strlen(v[i]);
	if (!(s = malloc(cap)))
		abort();
	k += (size_t)sprintf(s, "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>");
	for (size_t i = 0; i < n; i++) {
		k += (size_t)sprintf(s + k, "<entry uri=\"");
		for (const char *p = v[i]; *p; p++) {
			switch (*p) {
			case '&': k += (size_t)sprintf(s + k, "&amp;"); break;
			case '<': k += (size_t)sprintf(s + k, "&lt;"); break;
			case '"': k += (size_t)sprintf(s + k, "&quot;"); break;
			case '\t': k += (size_t)sprintf(s + k, "&#9;"); break;
			case '\n': k += (size_t)sprintf(s + k, "&#10;"); break;
			case '\r': k += (size_t)sprintf(s + k, "&#13;"); break;
			default: s[k++] = *p; break;
			}
		}
		k += (size_t)sprintf(s + k, "\"/>");
	}
	k += (size_t)sprintf(s + k, "</list></resource-lists>");
	*len = k;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **v = (char **)1, **w = NULL, *doc;
	size_t n = 99, m = 0, len;
	ims_errinfo e;
	int rc = ims_urilist_parse(&v, &n, data, size, &e);

	if (rc) {
		if (v != NULL || n != 0 || !e.message[0] ||
		    (rc != IMS_INVALID && rc != IMS_TOOBIG && rc != ENOMEM))
			abort();
		return 0;
	}
	if (n > 10000 || (n && !v))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!v[i] || !ims__utf8_valid(v[i], strlen(v[i])))
			abort();
	doc = write_list(&len, v, n);
	rc = ims_urilist_parse(&w, &m, doc, len, &e);
	/* written back, a long list may pass the 64 KiB of a document */
	if (rc == 0) {
		if (m != n)
			abort();
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i], w[i]) != 0)
				abort();
	} else if (len <= 65536) {
		fprintf(stderr, "the list written back is refused: %s\n", e.message);
		abort();
	}
	ims_strings_free(w, m);
	ims_strings_free(v, n);
	free(doc);
	return 0;
}
