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
	/* the body ends where the request does; what follows is discarded */
	if (c.offset + c.len != cpim_sip_length(m) || cpim_sip_length(m) > size)
		abort();
	if (c.len && c.data[c.len - 1] != data[cpim_sip_length(m) - 1])
		abort();
	cpim_sip_free(m);
	/* read as from a stream, the same request takes the same bytes */
	{
		cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
		size_t len = c.offset + c.len;
		o.flags = CPIM_PARSE_SIP_STREAM;
		if (cpim_sip_parse(&m, data, size, &o, NULL) == 0) {
			if (cpim_sip_length(m) != len)
				abort();
			cpim_sip_free(m);
		}
	}
	return 0;
}
