/* fuzz_sip.c - libFuzzer target for the SIP request reader; every accessor
 * of a parsed request is exercised.
 *   clang -fsanitize=fuzzer,address,undefined -Ilibcpim \
 *     -I/usr/include/libxml2 tests/fuzz/fuzz_sip.c libcpim/\*.c -lxml2 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cpim_sip_msg *m = NULL;
	cpim_sip_addr a;
	cpim_content c;
	cpim_header h;
	int64_t t;
	uint32_t u;
	size_t i;

	if (cpim_sip_parse(&m, data, size, NULL, NULL))
		return 0;
	if (cpim_sip_from(&a, m) || !a.uri || cpim_sip_to(&a, m) || !a.uri ||
	    !cpim_sip_call_id(m) || !cpim_sip_method(m))
		abort();
	for (i = 0; cpim_sip_header(&h, m, i) == 0; i++)
		if (!h.name || !h.value)
			abort();
	for (i = 0; cpim_sip_pai(&a, m, i) == 0; i++)
		if (!a.uri)
			abort();
	cpim_sip_cseq(&u, m);
	cpim_sip_date(&t, m);
	cpim_sip_expires(&u, m);
	cpim_sip_body(&c, m);
	if (c.offset + c.len != size)
		abort();
	if (c.len && c.data[c.len - 1] != data[size - 1])
		abort();
	cpim_sip_free(m);
	return 0;
}
