/* datetime.c - RFC 3339 date-times and civil date arithmetic */
#include <stdio.h>

#include "internal.h"

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
int64_t
cpim__days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
cpim__valid_date(int y, unsigned m, unsigned d)
{
	static const unsigned char mdays[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12 || d < 1)
		return 0;
	return d <= (unsigned)(mdays[m - 1] + (m == 2 && leap(y)));
}

struct dtp {
	const char *s;
	size_t n, i;
	const char *what;
};

/* read exactly k digits */
static int
digits(struct dtp *p, unsigned k, unsigned *out, const char *what)
{
	unsigned v = 0, j;

	for (j = 0; j < k; j++) {
		if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9') {
			p->what = what;
			return -1;
		}
		v = v * 10 + (unsigned)(p->s[p->i++] - '0');
	}
	*out = v;
	return 0;
}

static int
dig(const char *s, size_t i)
{
	return (unsigned char)(s[i] - '0') <= 9;
}

/* the value of the k digits at s, all checked with dig() */
static unsigned
num(const char *s, unsigned k)
{
	unsigned v = 0, j;

	for (j = 0; j < k; j++)
		v = v * 10 + (unsigned)(s[j] - '0');
	return v;
}

/* "YYYY-MM-DD" at p->i in one go; 0 when it is not that shape, and the
 * field by field parse says what is wrong */
static int
date_fast(struct dtp *p, unsigned *y, unsigned *mo, unsigned *d)
{
	const char *s = p->s + p->i;

	if (p->n - p->i < 10 || !dig(s, 0) || !dig(s, 1) || !dig(s, 2) ||
	    !dig(s, 3) || s[4] != '-' || !dig(s, 5) || !dig(s, 6) ||
	    s[7] != '-' || !dig(s, 8) || !dig(s, 9))
		return 0;
	*y = num(s, 4);
	*mo = num(s + 5, 2);
	*d = num(s + 8, 2);
	p->i += 10;
	return 1;
}

/* "THH:MM:SS" likewise */
static int
time_fast(struct dtp *p, unsigned *h, unsigned *mi, unsigned *sec)
{
	const char *s = p->s + p->i;

	if (p->n - p->i < 9 || (s[0] != 'T' && s[0] != 't') || !dig(s, 1) ||
	    !dig(s, 2) || s[3] != ':' || !dig(s, 4) || !dig(s, 5) ||
	    s[6] != ':' || !dig(s, 7) || !dig(s, 8))
		return 0;
	*h = num(s + 1, 2);
	*mi = num(s + 4, 2);
	*sec = num(s + 7, 2);
	p->i += 9;
	return 1;
}

/* one byte, c or alt */
static int
expect(struct dtp *p, char c, char alt, const char *what)
{
	if (p->i >= p->n || (p->s[p->i] != c && p->s[p->i] != alt)) {
		p->what = what;
		return -1;
	}
	p->i++;
	return 0;
}

/* ".123456789": microseconds, extra digits ignored */
static int
fraction(struct dtp *p, int64_t *us)
{
	static const int64_t scale[7] =
	    { 1000000, 100000, 10000, 1000, 100, 10, 1 };
	const char *s = p->s;
	size_t i = p->i + 1, n = p->n, k;
	int64_t v = 0;

	*us = 0;
	if (p->i >= n || s[p->i] != '.')
		return 0;
	if (i >= n || !dig(s, i)) {
		p->i = i;
		p->what = "expected digit after '.'";
		return -1;
	}
	for (k = 0; i < n && dig(s, i); i++, k++)
		if (k < 6)
			v = v * 10 + (s[i] - '0');
	*us = v * scale[k < 6 ? k : 6];
	p->i = i;
	return 0;
}

/* "Z" or "+hh:mm" / "-hh:mm": offset east of UTC in minutes */
static int
offset(struct dtp *p, int *mins)
{
	unsigned h, m;
	char sign;

	*mins = 0;
	if (p->i < p->n && (p->s[p->i] == 'Z' || p->s[p->i] == 'z')) {
		p->i++;
		return 0;
	}
	if (p->i >= p->n || (p->s[p->i] != '+' && p->s[p->i] != '-')) {
		p->what = "expected 'Z' or a numeric offset";
		return -1;
	}
	sign = p->s[p->i++];
	if (digits(p, 2, &h, "expected offset hours") ||
	    expect(p, ':', ':', "expected ':' in offset") ||
	    digits(p, 2, &m, "expected offset minutes"))
		return -1;
	if (h > 23 || m > 59) {
		p->i -= h > 23 ? 5 : 2; /* point at the field out of range */
		p->what = "offset out of range";
		return -1;
	}
	*mins = (int)(h * 60 + m) * (sign == '-' ? -1 : 1);
	return 0;
}

static int
date_part(struct dtp *p, unsigned *y, unsigned *mo, unsigned *d)
{
	if (!date_fast(p, y, mo, d) && (
	    digits(p, 4, y, "expected four-digit year") ||
	    expect(p, '-', '-', "expected '-' after year") ||
	    digits(p, 2, mo, "expected two-digit month") ||
	    expect(p, '-', '-', "expected '-' after month") ||
	    digits(p, 2, d, "expected two-digit day")))
		return -1;
	if (!cpim__valid_date((int)*y, *mo, *d)) {
		p->i -= 2;
		p->what = "no such date";
		return -1;
	}
	return 0;
}

static int
time_part(struct dtp *p, unsigned *h, unsigned *mi, unsigned *s)
{
	if (!time_fast(p, h, mi, s) && (
	    expect(p, 'T', 't', "expected 'T' after date") ||
	    digits(p, 2, h, "expected two-digit hour") ||
	    expect(p, ':', ':', "expected ':' after hour") ||
	    digits(p, 2, mi, "expected two-digit minute") ||
	    expect(p, ':', ':', "expected ':' after minute") ||
	    digits(p, 2, s, "expected two-digit second")))
		return -1;
	if (*h > 23 || *mi > 59 || *s > 60) {
		p->i -= *h > 23 ? 8 : *mi > 59 ? 5 : 2; /* the field out of range */
		p->what = "time out of range";
		return -1;
	}
	return 0;
}

int
cpim__datetime_parse(int64_t *out, const char *s, size_t len,
    size_t *errpos, const char **what)
{
	struct dtp p = { s, len, 0, NULL };
	unsigned y, mo, d, h, mi, sec;
	int64_t frac, t;
	int off;

	if (date_part(&p, &y, &mo, &d) || time_part(&p, &h, &mi, &sec) ||
	    fraction(&p, &frac) || offset(&p, &off))
		goto fail;
	if (p.i != len) {
		p.what = "unexpected text after date-time";
		goto fail;
	}
	t = cpim__days_from_civil((int)y, mo, d) * 86400 +
	    (int64_t)h * 3600 + mi * 60 + sec - (int64_t)off * 60;
	*out = t * 1000000 + frac;
	return 0;
fail:
	if (errpos)
		*errpos = p.i;
	if (what)
		*what = p.what;
	return CPIM_SYNTAX;
}

CPIM_API int
cpim_datetime_parse(int64_t *out, const char *text, size_t len)
{
	if (!out || !text)
		return CPIM_INVALID;
	return cpim__datetime_parse(out, text, len, NULL, NULL);
}

/* civil date of a day count (H. Hinnant) */
static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

#define MIN_US (-62167219200LL * 1000000)           /* 0000-01-01 */
#define MAX_US (253402300800LL * 1000000 - 1)       /* 9999-12-31T23:59:59.999999 */

CPIM_API int
cpim_datetime_format(char *out, size_t cap, int64_t us)
{
	int64_t secs, days, rem;
	int y, us_part, n;
	unsigned mo, d;

	if (!out || us < MIN_US || us > MAX_US)
		return CPIM_INVALID;
	secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	us_part = (int)(us - secs * 1000000);
	days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	rem = secs - days * 86400;
	civil_from_days(days, &y, &mo, &d);
	n = snprintf(out, cap, "%04d-%02u-%02uT%02d:%02d:%02d", y, mo, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	if (n > 0 && us_part && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, ".%06d", us_part);
	if (n > 0 && (size_t)n < cap)
		n += snprintf(out + n, cap - (size_t)n, "Z");
	if (n < 0 || (size_t)n >= cap)
		return CPIM_TOOBIG;
	return 0;
}
