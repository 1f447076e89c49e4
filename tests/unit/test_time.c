/* test_time.c - the one time grammar of the public API: ims_time_parse(),
 * ims_time_range_parse(), ims_duration_parse(), ims_time_fmt(). */
#include <stdlib.h>
#include <time.h>

#include "imstore.h"
#include "tap.h"

#define US INT64_C(1000000)
#define DAY (INT64_C(86400) * US)
/* 2024-03-01T12:00:00Z */
#define NOW (INT64_C(1709294400) * US)

static int64_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return (int64_t)timegm(&tm) * US;
}

static void
point_is(const char *text, unsigned flags, int64_t want)
{
	int64_t t = -1;
	ims_errinfo e;
	int rc = ims_time_parse(&t, text, NOW, flags, &e);

	is_int(rc, 0, "'%s' is a time", text);
	if (rc)
		diag("%s", e.message);
	is_int(t, want, "'%s' is the time expected", text);
}

static void
point_fails(const char *text, unsigned flags, const char *why)
{
	int64_t t = 42;
	ims_errinfo e;

	is_int(ims_time_parse(&t, text, NOW, flags, &e), IMS_INVALID, "'%s' is refused", text);
	is_int(e.code, IMS_INVALID, "'%s': the code in err", text);
	ok(strstr(e.message, why) != NULL, "'%s': '%s' says '%s'", text, e.message, why);
	is_int(t, 42, "'%s': out untouched", text);
}

static void
test_points(void)
{
	point_is("2026-11-01", 0, utc(2026, 11, 1, 0, 0, 0));
	point_is("2026-11-01T10:00", 0, utc(2026, 11, 1, 10, 0, 0));
	point_is("2026-11-01t10:00z", 0, utc(2026, 11, 1, 10, 0, 0));
	point_is("2026-11-01 10:00:30", 0, utc(2026, 11, 1, 10, 0, 30));
	point_is("2026-11-01T10:00:30.25Z", 0, utc(2026, 11, 1, 10, 0, 30) + 250000);
	point_is("2026-11-01T10:00:30.000001Z", 0, utc(2026, 11, 1, 10, 0, 30) + 1);
	point_is("2026-11-01T11:30:00+01:30", 0, utc(2026, 11, 1, 10, 0, 0));
	point_is("2026-11-01T08:00:00-02:00", 0, utc(2026, 11, 1, 10, 0, 0));
	point_is("1969-12-31T23:59:59Z", 0, -US);
	point_is("0001-01-01", 0, utc(1, 1, 1, 0, 0, 0));
	point_is("9999-12-31T23:59:59.999999Z", 0, utc(10000, 1, 1, 0, 0, 0) - 1);
	point_is("today", 0, utc(2024, 3, 1, 0, 0, 0));
	point_is("Yesterday", 0, utc(2024, 2, 29, 0, 0, 0));
	point_is("now", 0, NOW);
	point_is("NOW", IMS_TIME_BACK, NOW);
	point_fails("2026-02-30", 0, "no such date");
	point_fails("2026-1-1", 0, "expected YYYY-MM-DD");
	point_fails("2026-11-01T10", 0, "expected YYYY-MM-DD");
	point_fails("2026-11-01T24:00", 0, "no such time of day");
	/* a leap second, as CPIM's DateTime reads it: the second after :59 */
	point_is("2016-12-31T23:59:60Z", 0, utc(2017, 1, 1, 0, 0, 0));
	point_is("2016-12-31T23:59:60.5Z", 0, utc(2017, 1, 1, 0, 0, 0) + 500000);
	point_fails("2016-12-31T23:59:61Z", 0, "no such time of day");
	point_fails("9999-12-31T23:59:60Z", 0, "years 1 to 9999");
	point_fails("2026-11-01T10:00:00.1234567Z", 0, "1 to 6 digits");
	point_fails("2026-11-01T10:00+24:00", 0, "no such time zone offset");
	point_fails("2026-11-01T10:00Zx", 0, "expected YYYY-MM-DD");
	point_fails("0000-12-31", 0, "years 1 to 9999");
	point_fails("", 0, "expected YYYY-MM-DD");
	point_fails(" 2026-11-01", 0, "expected YYYY-MM-DD");
	point_fails("tomorrow", 0, "expected YYYY-MM-DD");
	/* a range is not a point */
	point_fails("2026-11-01..2026-11-02", 0, "expected YYYY-MM-DD");
}

static void
test_relative(void)
{
	int64_t t;

	point_is("72h", IMS_TIME_AHEAD, NOW + 72 * 3600 * US);
	point_is("1h30m", IMS_TIME_AHEAD, NOW + 90 * 60 * US);
	point_is("7d", IMS_TIME_BACK, NOW - 7 * DAY);
	point_is("0s", IMS_TIME_BACK, NOW);
	point_is("2026-11-01", IMS_TIME_AHEAD, utc(2026, 11, 1, 0, 0, 0));
	point_fails("72h", 0, "expected YYYY-MM-DD");
	point_fails("300000w", IMS_TIME_BACK, "years 1 to 9999");
	point_fails("500000w", IMS_TIME_AHEAD, "years 1 to 9999");
	point_fails("-1h", IMS_TIME_AHEAD, "expected YYYY-MM-DD");
	is_int(ims_time_parse(&t, "300000w", NOW, IMS_TIME_AHEAD, NULL), 0,
	       "300000 weeks ahead end before the year 10000");
	is_int(ims_time_parse(&t, "1h", INT64_MAX / 2, IMS_TIME_AHEAD, NULL), IMS_INVALID,
	       "a reference time out of range is refused");
	/* IMS_TIME_NONE: the current time */
	is_int(ims_time_parse(&t, "now", IMS_TIME_NONE, 0, NULL), 0, "now without now");
	ok(llabs(t - (int64_t)time(NULL) * US) < 5 * US, "IMS_TIME_NONE is the current time");
	is_int(ims_time_parse(NULL, "now", NOW, 0, NULL), IMS_INVALID, "no out");
	is_int(ims_time_parse(&t, NULL, NOW, 0, NULL), IMS_INVALID, "no text");
}

static void
range_is(const char *text, int64_t lo, int64_t hi)
{
	int64_t a = 0, b = 0;

	is_int(ims_time_range_parse(&a, &b, text, NOW, NULL), 0, "'%s' is a range", text);
	is_int(a, lo, "'%s' starts where expected", text);
	is_int(b, hi, "'%s' ends where expected", text);
}

static void
test_ranges(void)
{
	ims_errinfo e;
	int64_t a = 1, b = 2;

	range_is("2026-11-01", utc(2026, 11, 1, 0, 0, 0), utc(2026, 11, 2, 0, 0, 0));
	range_is("2026-11-01T10:00", utc(2026, 11, 1, 10, 0, 0), utc(2026, 11, 1, 10, 0, 0) + 1);
	range_is("2026-11-01..2026-11-03", utc(2026, 11, 1, 0, 0, 0), utc(2026, 11, 4, 0, 0, 0));
	range_is("..2026-11-01", INT64_MIN, utc(2026, 11, 2, 0, 0, 0));
	range_is(">=2026-11-01", utc(2026, 11, 1, 0, 0, 0), INT64_MAX);
	range_is("<2026-11-01", INT64_MIN, utc(2026, 11, 1, 0, 0, 0));
	range_is("yesterday..now", utc(2024, 2, 29, 0, 0, 0), NOW + 1);
	is_int(ims_time_range_parse(&a, &b, "2026-11-02..2026-11-01", NOW, &e), IMS_INVALID,
	       "an empty range is refused");
	is_str(e.message, "start after end", "with its reason");
	ok(a == 1 && b == 2, "lo and hi untouched");
	is_int(ims_time_range_parse(&a, &b, "..", NOW, &e), IMS_INVALID, "'..' is refused");
	is_str(e.message, "a range needs a start or an end", "with its reason");
}

static void
test_durations(void)
{
	int64_t d = 7;
	ims_errinfo e;

	is_int(ims_duration_parse(&d, "90s", NULL), 0, "90s");
	is_int(d, 90 * US, "90s in microseconds");
	is_int(ims_duration_parse(&d, "1w2d3h4m5s", NULL), 0, "every unit");
	is_int(d, ((((7 + 2) * 24 + 3) * 60 + 4) * 60 + 5) * US, "their sum");
	is_int(ims_duration_parse(&d, "0s", NULL), 0, "0s");
	is_int(d, 0, "is zero");
	is_int(ims_duration_parse(&d, "522804w", NULL), 0, "9999 years of 366 days");
	d = 7;
	is_int(ims_duration_parse(&d, "522805w", &e), IMS_INVALID, "more is refused");
	is_str(e.message, "duration too long", "too long");
	is_int(d, 7, "out untouched");
	is_int(ims_duration_parse(&d, "", &e), IMS_INVALID, "empty");
	is_str(e.message, "expected a number and a unit", "empty: the reason");
	is_int(ims_duration_parse(&d, "5", &e), IMS_INVALID, "no unit");
	ok(strstr(e.message, "unit s, m, h, d or w") != NULL, "no unit: the reason");
	is_int(ims_duration_parse(&d, "5y", NULL), IMS_INVALID, "an unknown unit");
	is_int(ims_duration_parse(&d, "1H", NULL), IMS_INVALID, "units are lowercase");
	is_int(ims_duration_parse(&d, " 1h", NULL), IMS_INVALID, "no blank");
	is_int(ims_duration_parse(&d, "1h 5m", NULL), IMS_INVALID, "no blank inside");
	is_int(ims_duration_parse(&d, "-1h", NULL), IMS_INVALID, "no sign");
	is_int(ims_duration_parse(NULL, "1h", NULL), IMS_INVALID, "no out");
}

static void
fmt_is(int64_t t, const char *want)
{
	char buf[IMS_TIME_STRLEN + 1];
	int64_t back;

	is_int(ims_time_fmt(buf, sizeof(buf), t), (int)strlen(want), "%s: its length", want);
	is_str(buf, want, "%s: written", want);
	is_int(ims_time_parse(&back, buf, NOW, 0, NULL), 0, "%s: read back", want);
	is_int(back, t, "%s: the same time", want);
}

static void
test_format(void)
{
	char small[11];

	fmt_is(utc(2026, 11, 1, 10, 0, 0), "2026-11-01T10:00:00Z");
	fmt_is(utc(2026, 11, 1, 10, 0, 0) + 250000, "2026-11-01T10:00:00.250000Z");
	fmt_is(-1, "1969-12-31T23:59:59.999999Z");
	fmt_is(utc(1, 1, 1, 0, 0, 0), "0001-01-01T00:00:00Z");
	fmt_is(utc(10000, 1, 1, 0, 0, 0) - 1, "9999-12-31T23:59:59.999999Z");
	is_int(ims_time_fmt(small, sizeof(small), utc(2026, 11, 1, 10, 0, 0) + 5), 27,
	       "cut short: the whole length");
	is_str(small, "2026-11-01", "cut short: NUL-terminated");
	is_int(IMS_TIME_STRLEN, (int)strlen("9999-12-31T23:59:59.999999Z"), "IMS_TIME_STRLEN");
}

/* counts and sizes: the one grammar the size: term and the options share */
static void
test_sizes(void)
{
	static const struct { const char *text; uint64_t bytes; } good[] = {
		{ "0", 0 }, { "100", 100 }, { "100b", 100 }, { "512k", 524288 },
		{ "1K", 1024 }, { "1KB", 1024 }, { "1KiB", 1024 }, { "2M", 2097152 },
		{ "1mib", 1048576 }, { "3G", UINT64_C(3) << 30 }, { "2GiB", UINT64_C(2) << 30 },
		{ "1125899906842624", UINT64_C(1) << 50 }, { "1048576G", UINT64_C(1) << 50 },
		/* a fuzzer's find: a count with 17 leading zeros was no size */
		{ "0000000000000000000000000000007", 7 }, { "000", 0 }, { "00k", 0 },
	};
	static const char *const bad[] = { "", " 1", "-1", "+1", "1 K", "1T", "1kk",
		"1125899906842625", "1048577G", "K", "1.5M", "99999999999999999" };
	uint64_t v = 7;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ok(ims_size_parse(&v, good[i].text) == 0 && v == good[i].bytes,
		   "size '%s' is %llu bytes", good[i].text, (unsigned long long)good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		ok(ims_size_parse(&v, bad[i]) == IMS_INVALID && v == 7, "size '%s' refused", bad[i]);
	}
	ok(ims_number_parse(&v, "18446744073709551615") == 0 && v == UINT64_MAX, "count 2^64 - 1");
	ok(ims_number_parse(&v, "18446744073709551616") == IMS_INVALID, "count 2^64 refused");
	ok(ims_number_parse(&v, "1K") == IMS_INVALID, "a count takes no unit");
	ok(ims_number_parse(&v, " 1") == IMS_INVALID && ims_number_parse(&v, "-1") == IMS_INVALID,
	   "a count takes no blank and no sign");
	ok(ims_number_parse(&v, NULL) == IMS_INVALID && ims_size_parse(&v, NULL) == IMS_INVALID,
	   "NULL refused");
}

int
main(void)
{
	test_sizes();
	test_points();
	test_relative();
	test_ranges();
	test_durations();
	test_format();
	return done_testing();
}
