/* cpim_parse.c - the bench's CPIM parser workload alone: cpim_parse() over
 * the 20,000 ~300-byte messages of ds_cpim_small(), as cpim_rate() runs it.
 *
 *   cpim-parse [passes]   MB/s of each pass and their median (default 15)
 *   cpim-parse 0          one pass and a digest of what was parsed, for
 *                         valgrind --tool=callgrind --toggle-collect=cpim_parse
 *                         --toggle-collect=cpim_msg_free (instructions/message)
 * See BENCHMARKS.md, "CPIM parsing". */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../bench.h"
#include "cpim.h"

#define N 20000

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("cpim-parse: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* FNV-1a over what a caller reads back, so a change that alters a result
 * changes the digest */
static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n--)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h;
}

static uint64_t
mixs(uint64_t h, const char *s)
{
	return s ? mix(h, s, strlen(s) + 1) : mix(h, "\377", 1);
}

static uint64_t
digest(uint64_t h, const cpim_msg *m)
{
	cpim_header hd;
	cpim_addr a;
	cpim_datetime dt;
	cpim_content c;
	size_t i;

	for (i = 0; !cpim_msg_header(&hd, m, i); i++) {
		h = mixs(mixs(mixs(h, hd.prefix), hd.name), hd.value);
		h = mixs(mixs(mixs(h, hd.ns), hd.params), hd.lang);
	}
	for (i = 0; !cpim_msg_mime_header(&hd, m, i); i++)
		h = mixs(mixs(h, hd.name), hd.value);
	for (i = 0; !cpim_msg_addr(&a, m, CPIM_ADDR_FROM, i); i++)
		h = mixs(mixs(h, a.name), a.uri);
	for (i = 0; !cpim_msg_addr(&a, m, CPIM_ADDR_TO, i); i++)
		h = mixs(mixs(h, a.name), a.uri);
	if (!cpim_msg_datetime(&dt, m))
		h = mix(h, &dt.us, sizeof dt.us);
	h = mixs(h, cpim_msg_imdn_message_id(m));
	h = mixs(h, cpim_msg_ns_lookup(m, "imdn"));
	cpim_msg_content(&c, m);
	return mix(mix(h, c.data, c.len), &c.offset, sizeof c.offset);
}

int
main(int argc, char **argv)
{
	int passes = argc > 1 ? atoi(argv[1]) : 15;
	unsigned char **v;
	size_t *lens, total = 0, i;
	double rates[256], t;
	uint64_t h = 0xcbf29ce484222325ull;
	cpim_msg *m;
	int p;

	ds_cpim_small(&v, &lens, N, 300, 7);
	for (i = 0; i < N; i++)
		total += lens[i];
	if (passes <= 0) {
		for (i = 0; i < N; i++) {
			if (cpim_parse(&m, v[i], lens[i], NULL, NULL))
				die("cpim_parse failed on message %zu", i);
			h = digest(h, m);
			cpim_msg_free(m);
		}
		printf("messages %d bytes %zu digest %016llx\n", N, total,
		    (unsigned long long)h);
		return 0;
	}
	if (passes > 256)
		passes = 256;
	for (p = 0; p < passes; p++) {
		t = now();
		for (i = 0; i < N; i++) {
			if (cpim_parse(&m, v[i], lens[i], NULL, NULL))
				die("cpim_parse failed on message %zu", i);
			cpim_msg_free(m);
		}
		rates[p] = (double)total / 1e6 / (now() - t);
	}
	qsort(rates, (size_t)passes, sizeof rates[0], cmp_d);
	printf("messages %d avg %.1f B passes %d median %.1f MB/s "
	    "(min %.1f max %.1f)\n", N, (double)total / N, passes, rates[passes / 2], rates[0],
	    rates[passes - 1]);
	return 0;
}
