/* fuzz_imdn.c - IMDN documents (RFC 5438, cpim_imdn_parse,
 * libcpim/imdn.c).
 *
 * Invariants: a refusal returns nothing; a document with a DOCTYPE, a NUL
 * or over CPIM_IMDN_MAX_SIZE is never accepted; an accepted one, written
 * with cpim_imdn_write(), reads back to the same notification (kind,
 * status, Message-ID, time, recipients, subject).  Seeds:
 * tests/fuzz/corpus/imdn/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int
has_doctype(const uint8_t *p, size_t n)
{
	static const char dt[] = "<!doctype";

	for (size_t i = 0; i + 9 <= n; i++) {
		size_t k = 0;
		while (k < 9 && (p[i + k] | (k > 1 ? 0x20 : 0)) == (uint8_t)dt[k])
			k++;
		if (k == 9)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cpim_imdn *d = (cpim_imdn *)1, *d2 = NULL;
	cpim_buf out = { NULL, 0 };
	cpim_error err;
	int rc = cpim_imdn_parse(&d, data, size, &err);

	if (rc) {
		if (d != NULL)
			abort();
		return 0;
	}
	if (size > CPIM_IMDN_MAX_SIZE || memchr(data, '\0', size) || has_doctype(data, size) ||
	    !d->message_id)
		abort();
	if (cpim_imdn_write(&out, d))
		abort();
	/* escaped on writing ('>' as &gt;), a document may pass the size cap */
	if (out.size > CPIM_IMDN_MAX_SIZE)
		goto done;
	if (cpim_imdn_parse(&d2, out.ptr, out.size, &err)) {
		fprintf(stderr, "written back, refused: %s\n%.2000s\n", err.message, out.ptr);
		abort();
	}
	if (d->kind != d2->kind || d->status != d2->status ||
	    d->datetime_us != d2->datetime_us || !same(d->message_id, d2->message_id) ||
	    !same(d->recipient_uri, d2->recipient_uri) ||
	    !same(d->original_recipient_uri, d2->original_recipient_uri) ||
	    !same(d->subject, d2->subject))
		abort();
done:
	cpim_buf_free(&out);
	cpim_imdn_free(d2);
	cpim_imdn_free(d);
	return 0;
}
