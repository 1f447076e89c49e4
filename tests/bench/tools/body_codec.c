/* body_codec.c - what the transcript's bodies would cost under other
 * deflate settings (BENCHMARKS.md, "Closing runs for issue 7").
 *
 *   body-codec STORE
 *
 * Reads the bench's planted 5,000-message conversation from STORE (a store
 * kept by imstore-bench --keep --ingest-only), then deflates every body as
 * chunk method 2 does (raw deflate, level 6, its dictionary) and with fixed
 * Huffman codes, with and without the dictionary, and inflates each set 20
 * times.  Prints the stored bytes and the best inflate time per body. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "internal.h" /* ims__zdict_build: method 2's dictionary */

#define CONV_USER "sip:transcript@ims.example.net"
#define CONV_ID "session-transcript-5000"
#define MAXN 5000
#define REPS 20

typedef struct buf {
	unsigned char *b;
	size_t n, cap;
} buf;

static buf raw[MAXN], dict[MAXN], z[MAXN];

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
append(const void *chunk, size_t len, void *payload)
{
	buf *x = payload;

	if (x->n + len > x->cap) {
		size_t cap = (x->n + len) * 2;
		unsigned char *p = realloc(x->b, cap);
		if (!p)
			return ENOMEM;
		x->b = p;
		x->cap = cap;
	}
	memcpy(x->b + x->n, chunk, len);
	x->n += len;
	return 0;
}

static int
load(size_t *n, const char *dir)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	ims_store *st;
	ims_query *q;
	const ims_msg *m;
	int rc;

	*n = 0;
	o.flags = IMS_OPEN_RDONLY;
	if ((rc = ims_store_open(&st, dir, &o)))
		return rc;
	if ((rc = ims_history_transcript(&q, st, CONV_USER, CONV_ID, NULL)) == 0) {
		while (*n < MAXN && (rc = ims_query_next(&m, q)) == 0) {
			if (!(dict[*n].b = malloc(IMS__ZDICT_MAX))) {
				rc = ENOMEM;
				break;
			}
			dict[*n].n = ims__zdict_build(dict[*n].b, m);
			if ((rc = ims_query_body_stream(q, append, &raw[*n])))
				break;
			++*n;
		}
		ims_query_free(q);
	}
	ims_store_close(st);
	return rc == IMS_ITEROVER ? 0 : rc;
}

/* Deflate body i into z[i]; 0 or -1. */
static int
squeeze(size_t i, int strategy, int use_dict)
{
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, strategy) != Z_OK)
		return -1;
	if (use_dict && deflateSetDictionary(&zs, dict[i].b, (uInt)dict[i].n) != Z_OK)
		goto fail;
	z[i].cap = deflateBound(&zs, raw[i].n);
	if (!(z[i].b = realloc(z[i].b, z[i].cap)))
		goto fail;
	zs.next_in = raw[i].b;
	zs.avail_in = (uInt)raw[i].n;
	zs.next_out = z[i].b;
	zs.avail_out = (uInt)z[i].cap;
	rc = deflate(&zs, Z_FINISH);
	z[i].n = z[i].cap - zs.avail_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : -1;
fail:
	deflateEnd(&zs);
	return -1;
}

/* The best of REPS passes inflating every z[i], in seconds; < 0 on error. */
static double
expand_all(size_t n, int use_dict)
{
	static unsigned char out[1 << 16];
	double best = 1e9;

	for (int r = 0; r < REPS; r++) {
		double t = now_s();
		for (size_t i = 0; i < n; i++) {
			z_stream zs;
			int rc;

			memset(&zs, 0, sizeof(zs));
			if (inflateInit2(&zs, -15) != Z_OK)
				return -1;
			if (use_dict &&
			    inflateSetDictionary(&zs, dict[i].b, (uInt)dict[i].n) != Z_OK) {
				inflateEnd(&zs);
				return -1;
			}
			zs.next_in = z[i].b;
			zs.avail_in = (uInt)z[i].n;
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			rc = inflate(&zs, Z_FINISH);
			inflateEnd(&zs);
			if (rc != Z_STREAM_END || zs.total_out != raw[i].n)
				return -1;
		}
		if ((t = now_s() - t) < best)
			best = t;
	}
	return best;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int strategy, dict;
	} v[] = {
		{ "dynamic Huffman, dictionary (method 2)", Z_DEFAULT_STRATEGY, 1 },
		{ "fixed Huffman, dictionary", Z_FIXED, 1 },
		{ "dynamic Huffman, no dictionary", Z_DEFAULT_STRATEGY, 0 },
		{ "fixed Huffman, no dictionary", Z_FIXED, 0 },
	};
	size_t n, raw_total = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: body-codec STORE\n");
		return 2;
	}
	if ((rc = load(&n, argv[1])) || n == 0) {
		fprintf(stderr, "body-codec: '%s': %s\n", argv[1],
		        rc ? ims_strerror(rc) : "no transcript conversation");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		raw_total += raw[i].n;
	printf("%zu bodies, %.1f B each\n", n, (double)raw_total / (double)n);
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		size_t stored = 0;
		double t;

		for (size_t i = 0; i < n; i++) {
			if (squeeze(i, v[k].strategy, v[k].dict)) {
				fprintf(stderr, "body-codec: deflate failed\n");
				return 1;
			}
			stored += z[i].n;
		}
		if ((t = expand_all(n, v[k].dict)) < 0) {
			fprintf(stderr, "body-codec: inflate failed\n");
			return 1;
		}
		printf("%-40s %6.1f B stored, inflate %.2f us a body\n", v[k].name,
		       (double)stored / (double)n, t * 1e6 / (double)n);
	}
	return 0;
}
