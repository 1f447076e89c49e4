/* fuzz_record.c - the record decoder on arbitrary bytes (either version):
 * it must refuse or decode within bounds, never read outside the record; a
 * version 2 record that decodes re-encodes to the same bytes (one encoding
 * per record), and any record that decodes can be patched into one that
 * decodes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_canonical(const unsigned char *rec, size_t size, const ims_msg *m,
                const ims__recx *x)
{
	unsigned char *again;

	if (rec[4] != IMS__REC_V2)
		return;
	if (ims__rec_size(m, x) != size || !(again = malloc(size)))
		abort();
	ims__rec_encode(again, size, m, x);
	if (memcmp(again, rec, size) != 0)
		abort();
	free(again);
}

static void
check_patch(const unsigned char *rec, size_t size)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	ims_id id = { { 0 } };
	unsigned char *p;
	size_t n;

	if (ims__rec_patch(&p, &n, rec, size, IMS_STATE_FAILED, 1, 5, IMS_TIME_NONE) != 0)
		return; /* only ENOMEM; IMS_CORRUPT cannot follow a good decode */
	if (ims__rec_decode(&m, &x, &d, &id, p, n) != 0 || m.state != IMS_STATE_FAILED)
		abort();
	free(p);
	ims__decbuf_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	ims_id id = { { 0 } };
	unsigned char *copy = malloc(size ? size : 1);
	size_t n = 0;

	/* decode as is, then once more with a valid checksum so the fuzzer
	 * reaches the field checks behind it */
	memcpy(copy, data, size);
	(void)ims__rec_decode(&m, &x, &d, &id, copy, size);
	if (size >= 4) {
		uint32_t c = ims__crc32c(0, copy + 4, size - 4);
		copy[0] = (unsigned char)c; copy[1] = (unsigned char)(c >> 8);
		copy[2] = (unsigned char)(c >> 16); copy[3] = (unsigned char)(c >> 24);
		if (ims__rec_decode(&m, &x, &d, &id, copy, size) == 0) {
			n += strlen(m.owner) + strlen(m.from.uri) + strlen(m.message_id);
			for (size_t i = 0; i < m.nto + m.ncc; i++)
				n += strlen(m.to[i].uri);
			for (size_t i = 0; i < m.nheaders; i++)
				n += strlen(m.headers[i].name) + strlen(m.headers[i].value);
			if (n == (size_t)-1)
				abort();
			check_canonical(copy, size, &m, &x);
			check_patch(copy, size);
		}
	}
	ims__decbuf_free(&d);
	free(copy);
	return 0;
}
