/* fuzz_cpim.c - libFuzzer target: parse Message/CPIM (lenient and strict);
 * for each success write it, parse the output and require an equal message.
 * Also feeds the input to the IMDN parser.
 *   clang -fsanitize=fuzzer,address,undefined -Ilibcpim \
 *     -I/usr/include/libxml2 tests/fuzz/fuzz_cpim.c libcpim/\*.c -lxml2 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const uint8_t *data, size_t size, unsigned flags)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	cpim_msg *m = NULL, *m2 = NULL;
	cpim_buf out = { NULL, 0 };
	cpim_header h;
	size_t i;

	o.flags = flags;
	if (cpim_parse(&m, data, size, &o, NULL))
		return;
	for (i = 0; cpim_msg_header(&h, m, i) == 0; i++)
		if (!h.name || !h.value)
			abort();
	if (cpim_write(&out, m, NULL) ||
	    cpim_parse(&m2, out.ptr, out.size, &o, NULL) ||
	    !cpim_msg_equal(m, m2))
		abort();
	cpim_buf_free(&out);
	cpim_msg_free(m2);
	cpim_msg_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cpim_imdn *d = NULL;
	cpim_buf out = { NULL, 0 };

	round_trip(data, size, 0);
	round_trip(data, size, CPIM_PARSE_STRICT);
	if (cpim_imdn_parse(&d, data, size, NULL) == 0) {
		if (cpim_imdn_write(&out, d))
			abort();
		cpim_buf_free(&out);
		cpim_imdn_free(d);
	}
	return 0;
}
