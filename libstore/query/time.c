/* time.c - the one time grammar: points in time and ranges (the filter's
 * date:, the command's TIME options), durations (older:, newer:, DUR
 * options), and the RFC 3339 form every output writes
 * (ims_time_parse(), ims_time_range_parse(), ims_duration_parse(),
 * ims_time_fmt()).
 *
 * Times are UTC microseconds since the epoch.  Dates use the proleptic
 * Gregorian calendar, years 1 to 9999.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "filter.h"

/* s[0, n) is the lowercase lit, ignoring ASCII case (whatever the locale) */
int
ims__word_is(const char *s, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c) != lit[i])
			return 0;
	}
	return 1;
}


#define US_SEC  INT64_C(1000000)
#define US_DAY  (INT64_C(86400) * US_SEC)

static const char bad_date[] =
	"expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z], today or yesterday";
static const char bad_range[] = "years 1 to 9999 only";

/* Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(int64_t y, unsigned m)
{
	static const unsigned char md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : md[m - 1];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* first and one-past-last supported instants */
static int64_t
t_min(void)
{
	return days_from_civil(1, 1, 1) * US_DAY;
}

static int64_t
t_max(void)
{
	return days_from_civil(10000, 1, 1) * US_DAY;
}

/* n decimal digits at s; -1 when one is not a digit */
static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* today, yesterday (the day) or now (the instant); NULL when s is none */
static const char *
parse_word(int64_t *start, int64_t *end, const char *s, size_t n, int64_t now,
           int *found)
{
	int64_t t;

	*found = ims__word_is(s, n, "today") || ims__word_is(s, n, "yesterday") ||
	         ims__word_is(s, n, "now");
	if (!*found)
		return NULL;
	if (now < t_min() || now >= t_max())
		return "reference time out of range";
	if (n == 3) {
		*start = now;
		*end = now + 1;
		return NULL;
	}
	t = floor_div(now, US_DAY) * US_DAY - (n == 9 ? US_DAY : 0);
	if (t < t_min())
		return bad_range;
	*start = t;
	*end = t + US_DAY;
	return NULL;
}

/* YYYY-MM-DD at s: its first instant in *day */
static const char *
parse_day(int64_t *day, const char *s, size_t n)
{
	int64_t y, mo, d;

	if (n < 10 || s[4] != '-' || s[7] != '-')
		return bad_date;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 0 || mo < 0 || d < 0)
		return bad_date;
	if (y < 1)
		return bad_range;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, (unsigned)mo))
		return "no such date";
	*day = days_from_civil(y, (unsigned)mo, (unsigned)d) * US_DAY;
	return NULL;
}

/* HH:MM[:SS[.f]] at s[0, n): microseconds into the day in *us, the bytes
 * read in *used */
static const char *
parse_clock(int64_t *us, size_t *used, const char *s, size_t n)
{
	int64_t h, mi, sec = 0, frac = 0;
	size_t i = 5;

	if (n < 5 || s[2] != ':')
		return bad_date;
	h = digits(s, 2);
	mi = digits(s + 3, 2);
	if (i < n && s[i] == ':') {
		if (n < 8 || (sec = digits(s + 6, 2)) < 0)
			return bad_date;
		i = 8;
		if (i < n && s[i] == '.') {
			size_t b = ++i;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == b || i - b > 6)
				return "expected 1 to 6 digits of fractions of a second";
			frac = digits(s + b, i - b);
			for (size_t k = i - b; k < 6; k++)
				frac *= 10;
		}
	}
	/* :60, a leap second, as RFC 3339 and CPIM's DateTime allow it: the
	 * second after :59, as POSIX time counts it (cpim_datetime_parse()) */
	if (h < 0 || mi < 0 || h > 23 || mi > 59 || sec > 60)
		return "no such time of day";
	*us = ((h * 60 + mi) * 60 + sec) * US_SEC + frac;
	*used = i;
	return NULL;
}

/* [Z | +HH:MM | -HH:MM] at s[0, n), all of it: the offset east of UTC */
static const char *
parse_zone(int64_t *off, const char *s, size_t n)
{
	int64_t oh, om;

	*off = 0;
	if (n == 0)
		return NULL;
	if (n == 1 && (s[0] == 'Z' || s[0] == 'z'))
		return NULL;
	if ((s[0] != '+' && s[0] != '-') || n != 6 || s[3] != ':')
		return bad_date;
	oh = digits(s + 1, 2);
	om = digits(s + 4, 2);
	if (oh < 0 || om < 0 || oh > 23 || om > 59)
		return "no such time zone offset";
	*off = (oh * 60 + om) * 60 * US_SEC * (s[0] == '-' ? -1 : 1);
	return NULL;
}

/* One point in time: [*start, *end) is the day, or the instant.
 * YYYY-MM-DD[(T|t| )HH:MM[:SS[.f]][Z|+HH:MM|-HH:MM]], today, yesterday, now */
static const char *
parse_point(int64_t *start, int64_t *end, const char *s, size_t n, int64_t now)
{
	int64_t t, clock, off;
	const char *why;
	size_t used;
	int word;

	if ((why = parse_word(start, end, s, n, now, &word)) || word)
		return why;
	if ((why = parse_day(&t, s, n)))
		return why;
	if (n == 10) {
		*start = t;
		*end = t + US_DAY;
		return NULL;
	}
	if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
		return bad_date;
	if ((why = parse_clock(&clock, &used, s + 11, n - 11)) ||
	    (why = parse_zone(&off, s + 11 + used, n - 11 - used)))
		return why;
	t += clock - off;
	if (t < t_min() || t >= t_max())
		return bad_range;
	*start = t;
	*end = t + 1;
	return NULL;
}

const char *
ims__date_parse(int64_t *lo, int64_t *hi, const char *s, int64_t now)
{
	size_t n = strlen(s);
	const char *dots = strstr(s, ".."), *why;
	int64_t a0, a1, b0, b1;

	if (s[0] == '<' || s[0] == '>') {
		size_t k = s[1] == '=' ? 2 : 1;
		if ((why = parse_point(&a0, &a1, s + k, n - k, now)) != NULL)
			return why;
		*lo = s[0] == '<' ? INT64_MIN : (k == 2 ? a0 : a1);
		*hi = s[0] == '>' ? INT64_MAX : (k == 2 ? a1 : a0);
		if (*lo >= t_max() || *hi <= t_min())
			return bad_range;
		return NULL;
	}
	if (!dots)
		return parse_point(lo, hi, s, n, now);
	if (dots == s && n == 2)
		return "a range needs a start or an end";
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	if (dots > s) {
		if ((why = parse_point(&a0, &a1, s, (size_t)(dots - s), now)) != NULL)
			return why;
		*lo = a0;
	}
	if (dots[2] != '\0') {
		if ((why = parse_point(&b0, &b1, dots + 2, strlen(dots + 2), now)) != NULL)
			return why;
		*hi = b1;
	}
	if (*lo >= *hi)
		return "start after end";
	return NULL;
}

/* the longest duration: 9999 years of 366 days */
#define DURATION_MAX (INT64_C(9999) * 366 * US_DAY)

/* 1h30m: a number and a unit s, m, h, d or w, repeated; microseconds */
static const char *
duration_parse(int64_t *out, const char *s)
{
	int64_t total = 0;
	size_t i = 0;

	if (s[0] == '\0')
		return "expected a number and a unit";
	while (s[i]) {
		int64_t v = 0, unit;
		size_t b = i;
		while (s[i] >= '0' && s[i] <= '9' && i - b < 12)
			v = v * 10 + (s[i++] - '0');
		if (i == b)
			return "expected a number and a unit s, m, h, d or w (e.g. 1h30m)";
		switch (s[i]) {
		case 's': unit = US_SEC; break;
		case 'm': unit = 60 * US_SEC; break;
		case 'h': unit = 3600 * US_SEC; break;
		case 'd': unit = US_DAY; break;
		case 'w': unit = 7 * US_DAY; break;
		default:
			return "expected a number and a unit s, m, h, d or w (e.g. 1h30m)";
		}
		i++;
		if (v > (DURATION_MAX - total) / unit)
			return "duration too long";
		total += v * unit;
	}
	*out = total;
	return NULL;
}

const char *
ims__age_parse(int64_t *lo, int64_t *hi, const char *s, int64_t now, int newer)
{
	int64_t total;
	const char *why;

	if (now < t_min() || now >= t_max())
		return "reference time out of range";
	if ((why = duration_parse(&total, s)))
		return why;
	if (now - total < t_min())
		return bad_range;
	*lo = newer ? now - total : INT64_MIN;
	*hi = newer ? INT64_MAX : now - total;
	return NULL;
}

/* Whether [lo, hi) is a range a received-time term holds: not empty, each
 * end open (INT64_MIN, INT64_MAX) or inside the years 1 to 9999, so that
 * ims__date_describe() writes it in a form that reads back.  NULL or why
 * not. */
const char *
ims__range_check(int64_t lo, int64_t hi)
{
	if (lo >= hi)
		return "start after end";
	if ((lo != INT64_MIN && (lo < t_min() || lo >= t_max())) ||
	    (hi != INT64_MAX && (hi <= t_min() || hi > t_max())))
		return bad_range;
	return NULL;
}

/* ---------------------------------------------------------------- public */

static int
time_fail(ims_errinfo *err, int rc, const char *why)
{
	if (err) {
		err->code = rc;
		err->offset = 0;
		snprintf(err->message, sizeof(err->message), "%s", why);
	}
	return rc;
}

static void
time_clear(ims_errinfo *err)
{
	if (err) {
		err->code = 0;
		err->offset = 0;
		err->message[0] = '\0';
	}
}

int
ims_duration_parse(int64_t *out, const char *text, ims_errinfo *err)
{
	const char *why;
	int64_t d;

	time_clear(err);
	if (!out || !text)
		return time_fail(err, IMS_INVALID, "no duration");
	if ((why = duration_parse(&d, text)))
		return time_fail(err, IMS_INVALID, why);
	*out = d;
	return 0;
}

/* now + sign * the duration s, when s is one */
static const char *
relative(int64_t *out, const char *s, int64_t now, int sign, int *found)
{
	int64_t d;

	*found = duration_parse(&d, s) == NULL;
	if (!*found)
		return NULL;
	if (now < t_min() || now >= t_max())
		return "reference time out of range";
	/* d and now are far from overflowing: both under 10000 years */
	if (now + sign * d < t_min() || now + sign * d >= t_max())
		return bad_range;
	*out = now + sign * d;
	return NULL;
}

int
ims_time_parse(int64_t *out, const char *text, int64_t now, unsigned flags,
               ims_errinfo *err)
{
	const char *why = NULL;
	int64_t lo, hi;
	int found = 0;

	time_clear(err);
	if (!out || !text)
		return time_fail(err, IMS_INVALID, "no time");
	if (now == IMS_TIME_NONE)
		now = ims__now_us();
	if (flags & (IMS_TIME_AHEAD | IMS_TIME_BACK))
		why = relative(&lo, text, now, flags & IMS_TIME_BACK ? -1 : 1, &found);
	if (!found)
		why = parse_point(&lo, &hi, text, strlen(text), now);
	if (why)
		return time_fail(err, IMS_INVALID, why);
	*out = lo;
	return 0;
}

int
ims_time_range_parse(int64_t *lo, int64_t *hi, const char *text, int64_t now,
                     ims_errinfo *err)
{
	const char *why;
	int64_t a, b;

	time_clear(err);
	if (!lo || !hi || !text)
		return time_fail(err, IMS_INVALID, "no time");
	if (now == IMS_TIME_NONE)
		now = ims__now_us();
	if ((why = ims__date_parse(&a, &b, text, now)))
		return time_fail(err, IMS_INVALID, why);
	*lo = a;
	*hi = b;
	return 0;
}

int
ims_time_fmt(char *out, size_t cap, int64_t us)
{
	time_t secs = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	int64_t frac = us - (int64_t)secs * 1000000;
	struct tm tm;
	int n;

	gmtime_r(&secs, &tm);
	/* %04d: strftime's %Y does not pad years before 1000 */
	n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	             tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0)
		return n;
	if (frac)
		return n + snprintf((size_t)n < cap ? out + n : NULL,
		                    (size_t)n < cap ? cap - (size_t)n : 0,
		                    ".%06lldZ", (long long)frac);
	return n + snprintf((size_t)n < cap ? out + n : NULL,
	                    (size_t)n < cap ? cap - (size_t)n : 0, "Z");
}

/* YYYY-MM-DD, or with @p instant YYYY-MM-DDTHH:MM:SS[.ffffff]Z */
static int
fmt_time(char *buf, size_t cap, int64_t t, int instant)
{
	int64_t day = floor_div(t, US_DAY), us = t - day * US_DAY, y;
	unsigned m, d;
	int64_t sec = us / US_SEC, frac = us % US_SEC;

	civil_from_days(day, &y, &m, &d);
	if (!instant)
		return snprintf(buf, cap, "%04d-%02u-%02u", (int)y, m, d);
	if (frac)
		return snprintf(buf, cap, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", (int)y,
		                m, d, (int)(sec / 3600), (int)(sec / 60 % 60),
		                (int)(sec % 60), (int)frac);
	return snprintf(buf, cap, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
	                (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
}

static int
day_aligned(int64_t t)
{
	return floor_div(t, US_DAY) * US_DAY == t;
}

/*
 * The value of a date: term selecting [lo, hi), in a form ims__date_parse()
 * reads back to the same range.
 */
int
ims__date_describe(char *buf, size_t cap, int64_t lo, int64_t hi)
{
	char a[48], b[48];
	int lday = lo != INT64_MIN && day_aligned(lo);
	int hday = hi != INT64_MAX && day_aligned(hi);

	if (lo == INT64_MIN && hi == INT64_MAX)
		return snprintf(buf, cap, "..");  /* never parsed; kept printable */
	if (lo == INT64_MIN) {
		if (hday) {
			fmt_time(b, sizeof(b), hi - US_DAY, 0);
			return snprintf(buf, cap, "..%s", b);
		}
		fmt_time(b, sizeof(b), hi, 1);
		return snprintf(buf, cap, "<%s", b);
	}
	if (hi == INT64_MAX) {
		fmt_time(a, sizeof(a), lo, !lday);
		return snprintf(buf, cap, lday ? "%s.." : ">=%s", a);
	}
	if (lday && hday && hi - lo == US_DAY) {
		fmt_time(a, sizeof(a), lo, 0);
		return snprintf(buf, cap, "%s", a);
	}
	if (hi - lo == 1) {
		fmt_time(a, sizeof(a), lo, 1);
		return snprintf(buf, cap, "%s", a);
	}
	fmt_time(a, sizeof(a), lo, !lday);
	if (hday)
		fmt_time(b, sizeof(b), hi - US_DAY, 0);
	else
		fmt_time(b, sizeof(b), hi - 1, 1);
	return snprintf(buf, cap, "%s..%s", a, b);
}
