/* util.c - what every part of the daemon shares: the clocks, and reason
 * phrases made from hostile text. */
#include <stdio.h>
#include <time.h>

#include "imstored.h"

int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The monotonic clock in µs: for intervals and latencies. */
int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A reason phrase from hostile text: printable ASCII, at most 100 bytes. */
void
reason_clean(char *out, size_t cap, const char *text)
{
	size_t n = 0;

	for (; *text && n + 1 < cap && n < 100; text++)
		out[n++] = (*text >= 0x20 && *text < 0x7f) ? *text : '?';
	out[n] = 0;
}
