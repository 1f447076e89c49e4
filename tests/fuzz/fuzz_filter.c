/* fuzz_filter.c - libFuzzer target for the filter language.
 *
 * Parses the input as an expression, describes it, and checks that the
 * description reads back to the same description and the same verdict on a
 * sample message.  Seeds: tests/fuzz/corpus/filter/.
 *
 *   make fuzz FUZZ_NAMES=filter
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imstore.h"
#include "query/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2024-03-01T12:00:00Z */
#define NOW (INT64_C(1709294400) * 1000000)

static char *
describe(const ims_filter *f)
{
	int n = ims__filter_describe(NULL, 0, f->root);
	char *s = malloc((size_t)n + 1);

	if (!s)
		abort();
	if (ims__filter_describe(s, (size_t)n + 1, f->root) != n || strlen(s) != (size_t)n)
		abort();
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ims_addr to[] = { { "sip:bob@example.com", "Bob" } };
	static const ims_addr cc[] = { { "tel:+12125550100", NULL } };
	ims_msg m = IMS_MSG_INIT;
	ims_filter *f = NULL, *g = NULL;
	ims_errinfo err;
	char *expr, *d1, *d2;
	int rc;

	if (!(expr = malloc(size + 1)))
		return 0;
	memcpy(expr, data, size);
	expr[size] = '\0';

	rc = ims_filter_parse(&f, expr, NOW, &err);
	if (rc != 0) {
		/* an error says where, inside the text, and why */
		if (f != NULL || err.code != rc || err.offset > size ||
		    err.message[0] == '\0' || strlen(err.message) >= sizeof(err.message))
			abort();
		free(expr);
		return 0;
	}

	m.folder = IMS_FOLDER_HISTORY;
	m.state = IMS_STATE_DELIVERED;
	m.flags = IMS_MSGF_HELD;
	m.owner = "sip:bob@example.com";
	m.from.uri = "sip:alice@example.com";
	m.to = to;
	m.nto = 1;
	m.cc = cc;
	m.ncc = 1;
	m.message_id = "m1";
	m.conversation = "c1";
	m.received = NOW - 3600 * INT64_C(1000000);
	m.content_type = "image/png";
	m.subject = "Holiday photos";
	m.size = 123456;

	/* the description reads back to itself, with the same meaning; it may
	 * be longer or nest deeper than the input and then hit a limit */
	d1 = describe(f);
	rc = ims_filter_parse(&g, d1, NOW, &err);
	if (rc == 0) {
		d2 = describe(g);
		if (strcmp(d1, d2) != 0) {
			fprintf(stderr, "description changed:\n  %s\n  %s\n", d1, d2);
			abort();
		}
		if (ims_filter_match(f, &m) != ims_filter_match(g, &m))
			abort();
		free(d2);
	} else if (rc != IMS_TOOBIG) {
		fprintf(stderr, "description does not parse: %s\n  %s\n", err.message, d1);
		abort();
	}
	free(d1);
	ims_filter_free(g);
	ims_filter_free(f);
	free(expr);
	return 0;
}
