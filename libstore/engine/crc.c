/* crc.c - CRC-32C (Castagnoli), the checksum of every stored record, body
 * chunk and audit entry.  The SSE4.2 instruction computes it at several
 * GB/s where the CPU has it (checked once at run time); elsewhere a table. */
#include "internal.h"

#define POLY 0x82f63b78u /* reflected Castagnoli polynomial */

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void
table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[i] = c;
	}
}

uint32_t
ims__crc32c_sw(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	pthread_once(&table_once, table_init);
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t c = ~crc;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}

uint32_t
ims__crc32c(uint32_t crc, const void *data, size_t len)
{
	static int hw = -1;

	if (hw < 0) /* a benign race: every thread computes the same answer */
		__atomic_store_n(&hw, __builtin_cpu_supports("sse4.2") ? 1 : 0,
		                 __ATOMIC_RELAXED);
	return __atomic_load_n(&hw, __ATOMIC_RELAXED) ? crc32c_hw(crc, data, len)
	                                              : ims__crc32c_sw(crc, data, len);
}
#else
uint32_t
ims__crc32c(uint32_t crc, const void *data, size_t len)
{
	return ims__crc32c_sw(crc, data, len);
}
#endif
