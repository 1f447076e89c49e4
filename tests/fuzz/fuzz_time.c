/* fuzz_time.c - the small text decoders: the one time grammar
 * (libstore/query/time.c: the filter language's dates and durations and
 * the public ims_time_parse, ims_time_range_parse, ims_duration_parse,
 * ims_time_fmt), the command's times (a TIME option: ims_time_parse with
 * IMS_TIME_AHEAD), counts and sizes (ims_number_parse, ims_size_parse,
 * libstore/query/size.c), RFC 3339
 * DateTime (cpim_datetime_parse), SIP Date (cpim_sip_date_parse), message
 * ids (ims_id_parse), the folder, mode and state names, and addresses
 * (ims_addr_canon).
 *
 * Invariants: every success reads back: a date range described by
 * ims__date_describe() parses to the same range, a time formatted parses to
 * the same time, an id printed parses to the same id, a name to the same
 * value; ranges are non-empty and durations end at or before now; no
 * arithmetic overflows (UBSan).  Seeds: tests/fuzz/corpus/time/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cpim.h"
#include "query/filter.h"
#include "imstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2024-03-01T12:00:00Z */
#define NOW (INT64_C(1709294400) * 1000000)

static void
filter_dates(const char *s)
{
	int64_t lo, hi, lo2, hi2;
	char d[128];

	if (!ims__date_parse(&lo, &hi, s, NOW)) {
		int n = ims__date_describe(d, sizeof(d), lo, hi);
		if (lo >= hi || n <= 0 || (size_t)n >= sizeof(d))
			abort();
		if (ims__date_parse(&lo2, &hi2, d, NOW) || lo2 != lo || hi2 != hi) {
			fprintf(stderr, "'%s' described as '%s' does not read back\n", s, d);
			abort();
		}
	}
	for (int newer = 0; newer < 2; newer++)
		if (!ims__age_parse(&lo, &hi, s, NOW, newer) &&
		    (lo >= hi || (newer ? hi != INT64_MAX || lo > NOW : lo != INT64_MIN || hi > NOW)))
			abort();
}

/* The public functions agree with the filter's grammar and read back what
 * ims_time_fmt() writes. */
static void
public_times(const char *s)
{
	int64_t t, t2, lo, hi, lo2, hi2, d;
	char f[64];
	ims_errinfo e;

	if (ims_time_range_parse(&lo, &hi, s, NOW, &e) !=
	    (ims__date_parse(&lo2, &hi2, s, NOW) ? IMS_INVALID : 0))
		abort();
	if (!ims_time_parse(&t, s, NOW, 0, &e)) {
		if (ims_time_range_parse(&lo, &hi, s, NOW, NULL) || lo != t)
			abort();
		if (ims_time_fmt(f, sizeof(f), t) >= (int)sizeof(f) ||
		    ims_time_parse(&t2, f, NOW, 0, NULL) || t2 != t) {
			fprintf(stderr, "'%s' formatted as '%s' does not read back\n", s, f);
			abort();
		}
	} else if (e.code != IMS_INVALID || !e.message[0]) {
		abort();
	}
	if (!ims_duration_parse(&d, s, NULL)) {
		if (d < 0)
			abort();
		if (ims_time_parse(&t, s, NOW, IMS_TIME_BACK, NULL) == 0 && t != NOW - d)
			abort();
		if (ims_time_parse(&t, s, NOW, IMS_TIME_AHEAD, NULL) == 0 && t != NOW + d)
			abort();
	}
}

/* a count up to IMS_SIZE_MAX is the same number of bytes as a size */
static void
cli_number(const char *s)
{
	uint64_t u, u2;

	if (!ims_number_parse(&u, s) && u <= (uint64_t)IMS_SIZE_MAX &&
	    (ims_size_parse(&u2, s) || u2 != u))
		abort();
}

static void
cli_values(const char *s)
{
	int64_t t, t2;
	uint64_t u;
	char f[64];

	if (!ims_time_parse(&t, s, NOW, IMS_TIME_AHEAD, NULL) && t >= 0 &&
	    t < INT64_C(253402300800) * 1000000) {
		ims_time_fmt(f, sizeof(f), t);
		if (ims_time_parse(&t2, f, NOW, IMS_TIME_AHEAD, NULL) || t2 != t) {
			fprintf(stderr, "'%s' formatted as '%s' does not read back\n", s, f);
			abort();
		}
	}
	if (!ims_size_parse(&u, s)) {
		snprintf(f, sizeof(f), "%llu", (unsigned long long)u);
		uint64_t u2;
		if (u > (uint64_t)IMS_SIZE_MAX || ims_size_parse(&u2, f) || u2 != u)
			abort();
	}
}

static void
address(const char *s)
{
	char a[IMS_ADDR_MAX + 1], b[IMS_ADDR_MAX + 1];
	int rc = ims_addr_canon(a, sizeof(a), s);

	if (rc == 0) {
		if (strlen(a) > IMS_ADDR_MAX || ims_addr_canon(b, sizeof(b), a) || strcmp(a, b)) {
			fprintf(stderr, "'%s' canonicalises to '%s', then to '%s'\n", s, a, b);
			abort();
		}
	} else if (rc != IMS_INVALID && rc != IMS_TOOBIG) {
		abort();
	}
}

static void
others(const char *s, size_t n)
{
	char f[CPIM_DATETIME_MAX], idf[IMS_ID_STRLEN + 1];
	int64_t t, t2;
	ims_id id, id2;
	ims_folder fo;
	ims_mode mo;
	ims_state st;

	cpim_sip_date_parse(&t, s, n);
	address(s);
	if (!cpim_datetime_parse(&t, s, n) && !cpim_datetime_format(f, sizeof(f), t) &&
	    (cpim_datetime_parse(&t2, f, strlen(f)) || t2 != t))
		abort();
	if (!ims_id_parse(&id, s)) {
		ims_id_fmt(idf, &id);
		if (strlen(idf) != IMS_ID_STRLEN || ims_id_parse(&id2, idf) ||
		    memcmp(&id, &id2, sizeof(id)) != 0)
			abort();
	}
	/* names are read without regard to case */
	if ((!ims_folder_parse(&fo, s) && strcasecmp(ims_folder_name(fo), s) != 0) ||
	    (!ims_mode_parse(&mo, s) && strcasecmp(ims_mode_name(mo), s) != 0) ||
	    (!ims_state_parse(&st, s) && strcasecmp(ims_state_name(st), s) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096 || !(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	filter_dates(s);
	public_times(s);
	cli_values(s);
	cli_number(s);
	others(s, size);
	free(s);
	return 0;
}
