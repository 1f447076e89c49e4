/* test_filter.c - the filter language: parsing, errors, limits, dates,
 * matching and descriptions. */
#include <stdlib.h>
#include <time.h>

#include "imstore.h"
#include "query/filter.h"
#include "tap.h"

#define US      INT64_C(1000000)
#define DAY     (INT64_C(86400) * US)
/* 2024-03-01T12:00:00Z: the day after a leap day */
#define NOW     (INT64_C(1709294400) * US)
/* the first instants of the years 1 and 10000 */
#define Y1      (INT64_C(-62135596800) * US)
#define Y10000  (INT64_C(253402300800) * US)

static char desc[1024];

/* text fit for a TAP line: control characters as '?' */
static const char *
safe(const char *s)
{
	static char b[4][256];
	static int k;
	char *o = b[k++ % 4];
	size_t i;

	for (i = 0; s[i] && i < 200; i++)
		o[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	o[i] = '\0';
	return o;
}

/* the description of a parsed filter */
static const char *
described(const ims_filter *f)
{
	ims__filter_describe(desc, sizeof(desc), f->root);
	return desc;
}

/* expr parses, describes as want, and the description reads back the same */
static void
parses(const char *expr, const char *want)
{
	ims_filter *f = NULL, *g = NULL;
	ims_errinfo err;
	char again[1024];
	int rc = ims_filter_parse(&f, expr, NOW, &err);

	if (rc != 0) {
		ok(0, "parse '%s' (rc %d: %s at %zu)", safe(expr), rc, err.message,
		   err.offset);
		return;
	}
	is_str(described(f), want, "parse '%s'", safe(expr));
	rc = ims_filter_parse(&g, desc, NOW, &err);
	if (rc == 0)
		ims__filter_describe(again, sizeof(again), g->root);
	ok(rc == 0 && strcmp(again, desc) == 0, "  '%s' reads back (%s)", desc,
	   rc ? err.message : again);
	ims_filter_free(f);
	ims_filter_free(g);
}

/* expr fails with code at offset; the message contains msg */
static void
fails(const char *expr, int code, size_t offset, const char *msg)
{
	ims_filter *f = (ims_filter *)&f;   /* must be reset to NULL */
	ims_errinfo err;
	int rc = ims_filter_parse(&f, expr, NOW, &err);

	ok(rc == code && err.code == code && err.offset == offset && f == NULL &&
	   strstr(err.message, msg) != NULL,
	   "error '%.60s': %d at %zu '%s'", safe(expr), rc, err.offset, err.message);
	if (rc != code || err.offset != offset || !strstr(err.message, msg))
		diag("expected %d at %zu containing '%s'", code, offset, msg);
	if (rc == 0)
		ims_filter_free(f);
}

/* [lo, hi) of a single-term filter */
static void
range_is(const char *expr, int64_t now, int64_t lo, int64_t hi)
{
	ims_filter *f = NULL;
	int rc = ims_filter_parse(&f, expr, now, NULL);

	ok(rc == 0 && f->root->kind == IMS__F_TERM && f->root->lo == lo &&
	   f->root->hi == hi, "range of '%s'", expr);
	if (rc == 0 && (f->root->lo != lo || f->root->hi != hi))
		diag("got [%lld, %lld), expected [%lld, %lld)", (long long)f->root->lo,
		     (long long)f->root->hi, (long long)lo, (long long)hi);
	ims_filter_free(f);
}

static int
matches(const char *expr, const ims_msg *m)
{
	ims_filter *f = NULL;
	ims_errinfo err;
	int r;

	if (ims_filter_parse(&f, expr, NOW, &err) != 0) {
		diag("'%s' does not parse: %s", expr, err.message);
		return -1;
	}
	r = ims_filter_match(f, m);
	ims_filter_free(f);
	return r;
}

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
test_terms(void)
{
	char idtext[IMS_ID_STRLEN + 1], expr[64], want[64];
	ims_id id;

	parses("", "*");
	parses("   \t\n ", "*");
	parses("*", "*");
	parses("owner:sip:Bob@EXAMPLE.com", "owner:sip:Bob@example.com");
	parses("owner:sip:Bob@EXAMPLE.com;transport=tcp", "owner:sip:Bob@example.com");
	parses("from:\"Bob <sip:bob@example.com>\"", "from:sip:bob@example.com");
	parses("to:tel:+1-212-555-0100", "to:tel:+12125550100");
	parses("peer:im:alice@example.com", "peer:im:alice@example.com");
	parses("peer:\"sip:a)b@example.com\"", "peer:\"sip:a)b@example.com\"");
	parses("FROM:sip:a@example.com", "from:sip:a@example.com");
	parses("folder:deferred", "folder:deferred");
	parses("folder:HISTORY", "folder:history");
	parses("mode:pager", "mode:pager");
	parses("mode:large", "mode:large");
	parses("mode:session", "mode:session");
	parses("state:stored", "state:stored");
	parses("state:pending", "state:pending");
	parses("state:delivering", "state:delivering");
	parses("state:delivered", "state:delivered");
	parses("state:failed", "state:failed");
	parses("state:held", "state:held");
	parses("conversation:abc-123", "conversation:abc-123");
	parses("conv:abc-123", "conversation:abc-123");
	parses("msgid:\"a b\"", "msgid:\"a b\"");
	parses("msgid:x(y", "msgid:\"x(y\"");
	parses("msgid:a\"b", "msgid:\"a\\\"b\"");
	memset(&id, 0, sizeof(id));
	for (int i = 0; i < 16; i++)
		id.b[i] = (unsigned char)(i * 17 + 3);
	ims_id_fmt(idtext, &id);
	snprintf(want, sizeof(want), "id:%s", idtext);
	for (char *p = idtext; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	snprintf(expr, sizeof(expr), "id:%s", idtext);
	parses(expr, want);
	parses("type:IMAGE/PNG", "type:image/png");
	parses("type:image/*", "type:image/*");
	parses("type:*/*", "type:*/*");
	parses("type:\"text/plain; charset=utf-8\"", "type:text/plain");
	parses("type:application/vnd.gsma.rcs-ft-http+xml",
	       "type:application/vnd.gsma.rcs-ft-http+xml");
	parses("size:1M", "size:1048576");
	parses("size:100", "size:100");
	parses("size:100b", "size:100");
	parses("size:>1M", "size:1048577..");
	parses("size:>=1MB", "size:1048576..");
	parses("size:<512k", "size:<524288");
	parses("size:<=1KiB", "size:<1025");
	parses("size:1K..2K", "size:1024..2048");
	parses("size:..10", "size:<11");
	parses("size:1g..", "size:1073741824..");
	parses("size:5..5", "size:5");
	parses("subject:Hi", "subject:Hi");
	parses("subject:\"hello world\"", "subject:\"hello world\"");
	parses("subject:\"say \\\"hi\\\" \\\\o/\"", "subject:\"say \\\"hi\\\" \\\\o/\"");
	parses("subject:caf\xc3\xa9", "subject:caf\xc3\xa9");
}

static void
test_dates(void)
{
	parses("date:2024-02-29", "date:2024-02-29");
	parses("date:2024-01-01..2024-01-31", "date:2024-01-01..2024-01-31");
	parses("date:2024-01-01..", "date:2024-01-01..");
	parses("date:..2024-01-31", "date:..2024-01-31");
	parses("date:2024-01-01T10:00..2024-01-01T11:00",
	       "date:2024-01-01T10:00:00Z..2024-01-01T11:00:00Z");
	parses("date:2024-01-01T10:00Z", "date:2024-01-01T10:00:00Z");
	parses("date:2024-01-01t10:00:30z", "date:2024-01-01T10:00:30Z");
	parses("date:2024-01-01T10:00:00+02:00", "date:2024-01-01T08:00:00Z");
	parses("date:2024-01-01T23:30:00-01:00", "date:2024-01-02T00:30:00Z");
	parses("date:2024-01-01..2024-01-01T12:00", "date:2024-01-01..2024-01-01T12:00:00Z");
	parses("date:today", "date:2024-03-01");
	parses("date:TODAY", "date:2024-03-01");
	parses("date:yesterday", "date:2024-02-29");
	parses("date:yesterday..today", "date:2024-02-29..2024-03-01");
	parses("date:<2024-01-01", "date:..2023-12-31");
	parses("date:<=2024-01-01", "date:..2024-01-01");
	parses("date:>2024-01-01", "date:2024-01-02..");
	parses("date:>=2024-01-01T10:00Z", "date:>=2024-01-01T10:00:00Z");
	parses("date:>2024-01-01T10:00Z", "date:>=2024-01-01T10:00:00.000001Z");
	parses("date:<2024-01-01T10:00:00.5Z", "date:<2024-01-01T10:00:00.500000Z");
	parses("date:0001-01-01", "date:0001-01-01");
	parses("date:9999-12-31", "date:9999-12-31");
	parses("date:1969-12-31T23:59:59Z", "date:1969-12-31T23:59:59Z");
	parses("older:1d", "date:<2024-02-29T12:00:00Z");
	parses("older:12h", "date:..2024-02-29");
	parses("newer:1h30m", "date:>=2024-03-01T10:30:00Z");
	parses("newer:12h", "date:2024-03-01..");
	parses("older:2w", "date:<2024-02-16T12:00:00Z");
	parses("newer:90s", "date:>=2024-03-01T11:58:30Z");
	parses("older:1d12h", "date:..2024-02-28");

	/* ranges, half-open, in µs */
	range_is("date:2024-02-29", NOW, utc(2024, 2, 29, 0, 0, 0),
	         utc(2024, 3, 1, 0, 0, 0));
	range_is("date:2024-01-01..2024-01-31", NOW, utc(2024, 1, 1, 0, 0, 0),
	         utc(2024, 2, 1, 0, 0, 0));
	range_is("date:2024-01-01T10:00", NOW, utc(2024, 1, 1, 10, 0, 0),
	         utc(2024, 1, 1, 10, 0, 0) + 1);
	range_is("date:2024-01-01T10:00..2024-01-01T11:00", NOW,
	         utc(2024, 1, 1, 10, 0, 0), utc(2024, 1, 1, 11, 0, 0) + 1);
	range_is("date:..2024-01-01", NOW, INT64_MIN, utc(2024, 1, 2, 0, 0, 0));
	range_is("date:2024-01-01..", NOW, utc(2024, 1, 1, 0, 0, 0), INT64_MAX);
	range_is("older:1h", NOW, INT64_MIN, NOW - 3600 * US);
	range_is("newer:1h", NOW, NOW - 3600 * US, INT64_MAX);
	range_is("newer:1w2d3h4m5s", NOW,
	         NOW - ((((9 * 24 + 3) * 60 + 4) * 60 + 5) * US), INT64_MAX);
	range_is("date:today", utc(2024, 1, 1, 0, 0, 0), utc(2024, 1, 1, 0, 0, 0),
	         utc(2024, 1, 2, 0, 0, 0));
	range_is("date:yesterday", utc(2024, 1, 1, 0, 0, 0),
	         utc(2023, 12, 31, 0, 0, 0), utc(2024, 1, 1, 0, 0, 0));
	range_is("date:today", -1, -DAY, 0);      /* before the epoch: floor */
	range_is("date:1900-03-01", NOW, utc(1900, 3, 1, 0, 0, 0),
	         utc(1900, 3, 2, 0, 0, 0));
	range_is("size:1K..2K", NOW, 1024, 2049);
	range_is("size:>1M", NOW, 1048577, INT64_MAX);
	range_is("size:<1M", NOW, INT64_MIN, 1048576);

	/* month ends and leap years against timegm() */
	{
		static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		int bad = 0, checked = 0;
		for (int y = 1896; y <= 2104 && bad < 5; y++) {
			int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
			for (int m = 1; m <= 12; m++) {
				int last = mdays[m - 1] + (m == 2 && leap);
				char e[40];
				ims_filter *f = NULL;
				snprintf(e, sizeof(e), "date:%04d-%02d-%02d", y, m, last);
				if (ims_filter_parse(&f, e, NOW, NULL) != 0 ||
				    f->root->lo != utc(y, m, last, 0, 0, 0) ||
				    f->root->hi != utc(y, m, last, 0, 0, 0) + DAY) {
					diag("%s wrong", e);
					bad++;
				}
				ims_filter_free(f);
				f = NULL;
				snprintf(e, sizeof(e), "date:%04d-%02d-%02d", y, m, last + 1);
				if (ims_filter_parse(&f, e, NOW, NULL) != IMS_SYNTAX) {
					diag("%s accepted", e);
					bad++;
				}
				ims_filter_free(f);
				checked++;
			}
		}
		ok(bad == 0 && checked == 209 * 12, "month ends of 1896-2104 (%d months)",
		   checked);
	}
	fails("date:1900-02-29", IMS_SYNTAX, 5, "no such date");
	fails("date:2100-02-29", IMS_SYNTAX, 5, "no such date");
	parses("date:2000-02-29", "date:2000-02-29");
	fails("date:2023-02-29", IMS_SYNTAX, 5, "invalid date '2023-02-29' (no such date)");
	fails("date:2024-04-31", IMS_SYNTAX, 5, "no such date");
	fails("date:2024-13-01", IMS_SYNTAX, 5, "no such date");
	fails("date:2024-00-10", IMS_SYNTAX, 5, "no such date");
	fails("date:0000-01-01", IMS_SYNTAX, 5, "years 1 to 9999");
	fails("date:10000-01-01", IMS_SYNTAX, 5, "expected YYYY-MM-DD");
	fails("date:2024-1-1", IMS_SYNTAX, 5, "expected YYYY-MM-DD");
	fails("date:2024-01-01T24:00", IMS_SYNTAX, 5, "no such time of day");
	fails("date:2024-01-01T10:60", IMS_SYNTAX, 5, "no such time of day");
	fails("date:2024-01-01T10:00:61", IMS_SYNTAX, 5, "no such time of day");
	fails("date:2024-01-01T10", IMS_SYNTAX, 5, "expected YYYY-MM-DD");
	fails("date:2024-01-01T10:00:00.1234567Z", IMS_SYNTAX, 5, "1 to 6 digits");
	fails("date:2024-01-01T10:00+2", IMS_SYNTAX, 5, "expected YYYY-MM-DD");
	fails("date:2024-01-01X", IMS_SYNTAX, 5, "expected YYYY-MM-DD");
	fails("date:2024-01-02..2024-01-01", IMS_SYNTAX, 5, "start after end");
	fails("date:..", IMS_SYNTAX, 5, "a range needs a start or an end");
	fails("date:tomorrow", IMS_SYNTAX, 5, "invalid date 'tomorrow'");
	fails("date:<0001-01-01", IMS_SYNTAX, 5, "years 1 to 9999");
	fails("date:>9999-12-31", IMS_SYNTAX, 5, "years 1 to 9999");
	fails("older:5", IMS_SYNTAX, 6, "invalid duration '5' (expected a number and a unit");
	fails("older:5y", IMS_SYNTAX, 6, "invalid duration '5y'");
	fails("older:h", IMS_SYNTAX, 6, "invalid duration 'h'");
	fails("older:1h30", IMS_SYNTAX, 6, "invalid duration");
	fails("older:6M", IMS_SYNTAX, 6, "invalid duration");
	fails("newer:99999999999w", IMS_SYNTAX, 6, "duration too long");
	fails("newer:500000w", IMS_SYNTAX, 6, "years 1 to 9999");
}

static void
test_operators(void)
{
	const char *a = "from:sip:a@x", *b = "from:sip:b@x", *c = "to:sip:c@x";
	char e[200];
	ims_filter *f = NULL;

	parses("from:sip:a@x or from:sip:b@x to:sip:c@x",
	       "(from:sip:a@x or (from:sip:b@x and to:sip:c@x))");
	parses("from:sip:a@x and from:sip:b@x or to:sip:c@x",
	       "((from:sip:a@x and from:sip:b@x) or to:sip:c@x)");
	parses("(from:sip:a@x or from:sip:b@x) to:sip:c@x",
	       "((from:sip:a@x or from:sip:b@x) and to:sip:c@x)");
	parses("from:sip:a@x AND from:sip:b@x Or to:sip:c@x",
	       "((from:sip:a@x and from:sip:b@x) or to:sip:c@x)");
	parses("from:sip:a@x from:sip:b@x and to:sip:c@x",
	       "(from:sip:a@x and from:sip:b@x and to:sip:c@x)");
	parses("from:sip:a@x or from:sip:b@x or to:sip:c@x",
	       "(from:sip:a@x or from:sip:b@x or to:sip:c@x)");
	parses("not state:held folder:history", "(not state:held and folder:history)");
	parses("NOT state:held", "not state:held");
	parses("not not state:held", "not not state:held");
	parses("-state:held", "not state:held");
	parses("-(state:held or mode:large)", "not (state:held or mode:large)");
	parses("not(state:held)", "not state:held");
	parses("(state:held)", "state:held");
	parses("((((state:held))))", "state:held");
	parses("owner:sip:bob@example.com (type:image/* or not state:held)",
	       "(owner:sip:bob@example.com and (type:image/* or not state:held))");
	parses("* and state:held", "state:held");
	parses("state:held *", "state:held");
	parses("* or state:held", "*");
	parses("not *", "not *");
	parses("(from:sip:a@x)and(to:sip:c@x)", "(from:sip:a@x and to:sip:c@x)");
	parses("from:sip:a@x\tand\nto:sip:c@x", "(from:sip:a@x and to:sip:c@x)");

	/* tree shape of a or b c */
	snprintf(e, sizeof(e), "%s or %s %s", a, b, c);
	if (ims_filter_parse(&f, e, NOW, NULL) == 0) {
		ok(f->root->kind == IMS__F_OR && f->root->a->kind == IMS__F_TERM &&
		   f->root->b->kind == IMS__F_AND && f->root->b->a->term == IMS__T_FROM &&
		   f->root->b->b->term == IMS__T_TO, "'a or b c' is a or (b and c)");
		ok(!ims_filter_is_all(f), "not the match-all filter");
	} else {
		ok(0, "'a or b c' parses");
		ok(0, "not the match-all filter");
	}
	ims_filter_free(f);
	f = NULL;
	ok(ims_filter_parse(&f, "  * ", NOW, NULL) == 0 && ims_filter_is_all(f),
	   "'*' is the match-all filter");
	ims_filter_free(f);
	f = NULL;
	ok(ims_filter_parse(&f, NULL, NOW, NULL) == 0 && ims_filter_is_all(f),
	   "NULL is the match-all filter");
	ims_filter_free(f);
	ok(ims_filter_is_all(NULL), "a NULL filter matches everything");
	ims_filter_free(NULL);
}

static void
test_errors(void)
{
	ims_errinfo err;
	ims_filter *f = NULL;

	fails("fron:sip:a@x", IMS_SYNTAX, 0,
	      "unknown search term 'fron' (did you mean 'from'?)");
	fails("state:held subjet:x", IMS_SYNTAX, 11, "did you mean 'subject'?");
	fails("tp:sip:a@x", IMS_SYNTAX, 0, "did you mean 'to'?");
	fails("colour:red", IMS_SYNTAX, 0, "unknown search term 'colour'");
	fails("sip:bob@example.com", IMS_SYNTAX, 0,
	      "unknown search term 'sip' (an address needs a term");
	fails("from:sip:a@x (to:sip:b@x", IMS_SYNTAX, 24,
	      "expected ')' to close '(' at offset 13");
	fails("(((state:held))", IMS_SYNTAX, 15, "expected ')' to close '(' at offset 0");
	fails("state:held)", IMS_SYNTAX, 10, "unexpected ')' without a matching '('");
	fails("size:x1M", IMS_SYNTAX, 5, "invalid size 'x1M'");
	fails("size:1T", IMS_SYNTAX, 5, "invalid size '1T'");
	fails("size:>", IMS_SYNTAX, 5, "invalid size '>'");
	fails("size:..", IMS_SYNTAX, 5, "invalid size '..'");
	fails("size:2M..1M", IMS_SYNTAX, 5, "invalid size '2M..1M' (start after end)");
	fails("size:99999999999999999", IMS_SYNTAX, 5, "invalid size");
	/* 1 PiB is the largest size, and every description of a size reads
	 * back (a fuzzer's find: >999999996M described as 16 digits) */
	parses("size:>999999996M", "size:1048575995805697..");
	parses("size:1048575995805697..", "size:1048575995805697..");
	parses("size:<=1125899906842623", "size:<1125899906842624");
	parses("size:>=1125899906842624", "size:1125899906842624..");
	fails("size:>1125899906842624", IMS_SYNTAX, 5, "invalid size");
	fails("size:<=1125899906842624", IMS_SYNTAX, 5, "invalid size");
	fails("size:..1125899906842624", IMS_SYNTAX, 5, "invalid size");
	fails("size:1-2", IMS_SYNTAX, 5, "invalid size");
	fails("from:", IMS_SYNTAX, 5, "missing value for 'from:'");
	fails("from: sip:a@x", IMS_SYNTAX, 5, "missing value for 'from:'");
	fails("subject:\"\"", IMS_SYNTAX, 8, "missing value for 'subject:'");
	fails("(from:)", IMS_SYNTAX, 6, "missing value");
	fails("from", IMS_SYNTAX, 4, "search term 'from' needs a value");
	fails("state:held and", IMS_SYNTAX, 14, "expected a search term after 'and'");
	fails("state:held or", IMS_SYNTAX, 13, "expected a search term after 'or'");
	fails("state:held or and mode:large", IMS_SYNTAX, 14,
	      "expected a search term after 'or', found 'and'");
	fails("or state:held", IMS_SYNTAX, 0, "expected a search term before 'or'");
	fails("and", IMS_SYNTAX, 0, "expected a search term before 'and'");
	fails("not", IMS_SYNTAX, 3, "expected a search term after 'not'");
	fails("state:held not", IMS_SYNTAX, 14, "after 'not'");
	fails("()", IMS_SYNTAX, 0, "empty parentheses");
	fails("(", IMS_SYNTAX, 1, "expected a search term after '('");
	fails("( or state:held)", IMS_SYNTAX, 2, "after '(', found 'or'");
	fails("not )", IMS_SYNTAX, 4, "after 'not', found ')'");
	fails("foo", IMS_SYNTAX, 0, "unexpected 'foo' (search terms look like name:value)");
	fails("state:held \"x\"", IMS_SYNTAX, 11, "unexpected '\"x\"'");
	fails("- state:held", IMS_SYNTAX, 0, "unexpected '-'");
	fails("*x", IMS_SYNTAX, 0, "unexpected '*x'");
	fails("state:held $", IMS_SYNTAX, 11, "unexpected '$'");
	fails("from:bob@example.com", IMS_INVALID, 5,
	      "invalid address 'bob@example.com' (an address starts with its scheme");
	fails("to:sip:bob@exa\xc3\x28mple.com", IMS_INVALID, 3,
	      "invalid address 'sip:bob@exa?(mple.com'");
	fails("subject:\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 x:y", IMS_SYNTAX, 51,
	      "unknown search term 'x'");
	{
		/* a message cuts a long subject between UTF-8 characters */
		ims_errinfo e2;
		ims_filter *g = NULL;
		ims_filter_parse(&g, "from:\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		                 NOW, &e2);
		is_str(e2.message, "invalid address '\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...' (an "
		       "address starts with its scheme, e.g. sip:bob@example.com)",
		       "long subjects cut between characters");
	}
	fails("owner:sip:bob@example.com:99999", IMS_INVALID, 6, "invalid address");
	fails("subject:\"abc", IMS_SYNTAX, 8, "unterminated quoted value of 'subject:'");
	fails("subject:\"a\"b", IMS_SYNTAX, 11, "expected a space or ')'");
	fails("subject:\"a\\x\"", IMS_SYNTAX, 10, "invalid escape '\\x'");
	fails("subject:a\x01z", IMS_SYNTAX, 9, "control character in the value");
	fails("subject:\"a\tb\"", IMS_SYNTAX, 10, "control character");
	fails("state:gone", IMS_SYNTAX, 6, "invalid state 'gone' (expected stored, pending");
	fails("folder:inbox", IMS_SYNTAX, 7, "invalid folder 'inbox'");
	fails("mode:chat", IMS_SYNTAX, 5, "invalid mode 'chat'");
	fails("id:xyz", IMS_SYNTAX, 3, "invalid id 'xyz'");
	fails("id:ZZZZZZZZZZZZZZZZZZZZZZZZZZ", IMS_SYNTAX, 3, "invalid id");
	fails("type:image", IMS_SYNTAX, 5, "invalid media type 'image'");
	fails("type:*/png", IMS_SYNTAX, 5, "invalid media type");
	fails("type:image/", IMS_SYNTAX, 5, "invalid media type");
	fails("type:im*ge/png", IMS_SYNTAX, 5, "invalid media type");
	fails("type:\"image/png x\"", IMS_SYNTAX, 5, "invalid media type");
	{
		char big[400];
		memset(big, 'm', sizeof(big));
		memcpy(big, "msgid:", 6);
		big[6 + 257] = '\0';
		fails(big, IMS_SYNTAX, 6, "longer than 256 bytes");
		big[6 + 256] = '\0';
		ok(ims_filter_parse(&f, big, NOW, NULL) == 0, "a 256-byte msgid");
		ims_filter_free(f);
		f = NULL;
	}
	/* long subjects are cut in messages */
	fails("fromthisisaverylongnamethatgoesonandonandonandon:x", IMS_SYNTAX, 0,
	      "'fromthisisaverylongnamethatgoesonandonan...'");

	/* the first error wins; success clears err; err may be NULL */
	fails("fron:x )", IMS_SYNTAX, 0, "unknown search term 'fron'");
	memset(&err, 'x', sizeof(err));
	ok(ims_filter_parse(&f, "state:held", NOW, &err) == 0 && err.code == 0 &&
	   err.offset == 0 && err.message[0] == '\0', "success clears err");
	ims_filter_free(f);
	f = NULL;
	is_int(ims_filter_parse(&f, "fron:x", NOW, NULL), IMS_SYNTAX, "err may be NULL");
	is_int(ims_filter_parse(NULL, "state:held", NOW, &err), IMS_INVALID, "NULL out");
}

static void
test_limits(void)
{
	size_t n = 65536 + 1;
	char *s = malloc(n + 1);
	ims_filter *f = NULL;
	ims_errinfo err;
	size_t i;
	clock_t t0;

	/* length */
	memset(s, ' ', n);
	memcpy(s, "state:held", 10);
	s[65536] = '\0';
	ok(ims_filter_parse(&f, s, NOW, &err) == 0, "64 KiB expression");
	ims_filter_free(f);
	f = NULL;
	s[65536] = ' ';
	s[n] = '\0';
	fails(s, IMS_TOOBIG, 65536, "expression longer than 65536 bytes");

	/* depth: 64 levels of '(' or 'not', not 65 */
	for (int k = 64; k <= 65; k++) {
		for (int w = 0; w < 2; w++) {
			char *p = s;
			for (i = 0; i < (size_t)k; i++)
				p += sprintf(p, w ? "not " : "(");
			p += sprintf(p, "state:held");
			for (i = 0; !w && i < (size_t)k; i++)
				*p++ = ')';
			*p = '\0';
			if (k == 64) {
				ok(ims_filter_parse(&f, s, NOW, &err) == 0, "depth 64 (%s)",
				   w ? "not" : "parentheses");
				ims_filter_free(f);
				f = NULL;
			} else {
				fails(s, IMS_TOOBIG, w ? 64 * 4 : 64,
				      "expression nested too deeply (more than 64 levels)");
			}
		}
	}
	parses("not (not (not state:held))", "not not not state:held");

	/* 256 terms, not 257 */
	{
		char *p = s;
		for (i = 0; i < 256; i++)
			p += sprintf(p, "%ssize:%zu", i ? " or " : "", i);
		ok(ims_filter_parse(&f, s, NOW, &err) == 0, "256 terms");
		ims_filter_free(f);
		f = NULL;
		sprintf(p, " or size:1");
		fails(s, IMS_TOOBIG, (size_t)(p - s) + 4, "too many search terms (more than 256)");
		for (i = 0, p = s; i < 257; i++)
			p += sprintf(p, "* ");
		fails(s, IMS_TOOBIG, 512, "too many search terms");
	}

	/* pathological inputs stay fast (linear): 64 KiB of each */
	t0 = clock();
	{
		static const char *const fill[] = { "(", "not ", "a", "\"", "-", "*",
			"size:1 ", "subject:\"", "\\", ")" };
		for (size_t k = 0; k < sizeof(fill) / sizeof(fill[0]); k++) {
			size_t fl = strlen(fill[k]);
			for (i = 0; i + fl <= 65536; i += fl)
				memcpy(s + i, fill[k], fl);
			s[i] = '\0';
			if (ims_filter_parse(&f, s, NOW, &err) == 0)
				ims_filter_free(f);
			f = NULL;
		}
	}
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0, "64 KiB pathological inputs "
	   "parse in %.3f s", (double)(clock() - t0) / CLOCKS_PER_SEC);
	free(s);
}

static void
test_match(void)
{
	ims_addr to[] = { { "sip:bob@example.com", "Bob" } };
	ims_addr cc[] = { { "sip:carol@example.com", NULL }, { "tel:+12125550100", NULL } };
	ims_msg m = IMS_MSG_INIT;
	char expr[80], idtext[IMS_ID_STRLEN + 1];

	for (int i = 0; i < 16; i++)
		m.id.b[i] = (unsigned char)(0xa0 + i);
	m.folder = IMS_FOLDER_HISTORY;
	m.mode = IMS_MODE_LARGE;
	m.state = IMS_STATE_DELIVERED;
	m.flags = IMS_MSGF_HELD;
	m.owner = "sip:bob@example.com";
	m.from.uri = "sip:alice@example.com";
	m.to = to;
	m.nto = 1;
	m.cc = cc;
	m.ncc = 2;
	m.message_id = "m1";
	m.conversation = "c1";
	m.received = NOW - 2 * 3600 * US;
	m.content_type = "Image/PNG; name=\"x.png\"";
	m.subject = "Holiday Photos";
	m.size = 2 * 1024 * 1024;

	is_int(matches("", &m), 1, "'' matches");
	is_int(matches("owner:sip:bob@example.com", &m), 1, "owner");
	is_int(matches("owner:<sip:bob@EXAMPLE.COM;transport=tcp>", &m), 1, "owner, canonicalised");
	is_int(matches("owner:sip:Bob@example.com", &m), 0, "owner: user part is case-sensitive");
	is_int(matches("owner:sip:bo@example.com", &m), 0, "owner: look-alike");
	is_int(matches("from:sip:alice@example.com", &m), 1, "from");
	is_int(matches("from:sip:bob@example.com", &m), 0, "from is not to");
	is_int(matches("to:sip:bob@example.com", &m), 1, "to (To)");
	is_int(matches("to:sip:carol@example.com", &m), 1, "to (cc)");
	is_int(matches("to:tel:+1-212-555-0100", &m), 1, "to (cc, tel: canonicalised)");
	is_int(matches("to:sip:alice@example.com", &m), 0, "to is not from");
	is_int(matches("peer:sip:alice@example.com", &m), 1, "peer (from)");
	is_int(matches("peer:sip:bob@example.com", &m), 1, "peer (To)");
	is_int(matches("peer:sip:carol@example.com", &m), 1, "peer (cc)");
	is_int(matches("peer:sip:dave@example.com", &m), 0, "peer: nobody");
	is_int(matches("folder:history", &m), 1, "folder");
	is_int(matches("folder:deferred", &m), 0, "other folder");
	is_int(matches("mode:large", &m), 1, "mode");
	is_int(matches("mode:pager", &m), 0, "other mode");
	is_int(matches("state:delivered", &m), 1, "state");
	is_int(matches("state:pending", &m), 0, "other state");
	is_int(matches("state:held", &m), 1, "held");
	is_int(matches("msgid:m1", &m), 1, "msgid");
	is_int(matches("msgid:M1", &m), 0, "msgid is exact");
	is_int(matches("conversation:c1", &m), 1, "conversation");
	is_int(matches("conv:c2", &m), 0, "other conversation");
	ims_id_fmt(idtext, &m.id);
	snprintf(expr, sizeof(expr), "id:%s", idtext);
	is_int(matches(expr, &m), 1, "id");
	idtext[25] = idtext[25] == '0' ? '1' : '0';
	snprintf(expr, sizeof(expr), "id:%s", idtext);
	is_int(matches(expr, &m), 0, "other id");
	is_int(matches("type:image/png", &m), 1, "type (parameters ignored, case)");
	is_int(matches("type:image/*", &m), 1, "type/*");
	is_int(matches("type:*/*", &m), 1, "*/*");
	is_int(matches("type:image/jpeg", &m), 0, "other subtype");
	is_int(matches("type:image/pn", &m), 0, "type is not a prefix");
	is_int(matches("type:text/*", &m), 0, "other type");
	is_int(matches("size:2M", &m), 1, "size:N");
	is_int(matches("size:>1M", &m), 1, "size:>N");
	is_int(matches("size:>2M", &m), 0, "size:>N at the boundary");
	is_int(matches("size:>=2M", &m), 1, "size:>=N at the boundary");
	is_int(matches("size:<2M", &m), 0, "size:<N at the boundary");
	is_int(matches("size:<=2M", &m), 1, "size:<=N at the boundary");
	is_int(matches("size:1M..2M", &m), 1, "size range, inclusive end");
	is_int(matches("size:2M..3M", &m), 1, "size range, inclusive start");
	is_int(matches("size:0..2097151", &m), 0, "size range below");
	is_int(matches("date:today", &m), 1, "date:today");
	is_int(matches("date:yesterday", &m), 0, "date:yesterday");
	is_int(matches("date:2024-03-01T10:00:00Z", &m), 1, "date: that instant");
	is_int(matches("date:2024-03-01T10:00:01Z", &m), 0, "date: another instant");
	is_int(matches("date:2024-02-01..2024-03-01T10:00Z", &m), 1, "range end inclusive");
	is_int(matches("date:2024-03-01T10:00:00.000001Z..", &m), 0, "range start");
	is_int(matches("newer:1h", &m), 0, "newer:1h");
	is_int(matches("newer:2h", &m), 1, "newer:2h (at the boundary)");
	is_int(matches("older:2h", &m), 0, "older:2h (at the boundary)");
	is_int(matches("older:1h59m59s", &m), 1, "older:1h59m59s");
	is_int(matches("subject:photo", &m), 1, "subject substring");
	is_int(matches("subject:\"DAY PHOTOS\"", &m), 1, "subject, case-insensitive");
	is_int(matches("subject:\"Holiday Photos!\"", &m), 0, "subject longer than it");
	is_int(matches("subject:xyz", &m), 0, "subject not there");
	m.subject = "aaab ABABAbC";
	is_int(matches("subject:aab", &m), 1, "subject: overlapping prefix");
	is_int(matches("subject:ababc", &m), 1, "subject: repeated prefix, mixed case");
	is_int(matches("subject:\"b ab\"", &m), 1, "subject: across the space");
	is_int(matches("subject:abac", &m), 0, "subject: near miss");
	is_int(matches("subject:c", &m), 1, "subject: last character");
	m.subject = "Caf\xc3\xa9";
	is_int(matches("subject:CAF\xc3\xa9", &m), 1, "subject: UTF-8 bytes compared as they are");
	is_int(matches("subject:CAF\xc3\x89", &m), 0, "subject: only ASCII case is ignored");
	m.subject = "Holiday Photos";
	is_int(matches("not state:held", &m), 0, "not");
	is_int(matches("state:pending or state:held", &m), 1, "or");
	is_int(matches("state:pending and state:held", &m), 0, "and");
	is_int(matches("-mode:pager (folder:deferred or from:sip:alice@example.com)", &m),
	       1, "nested");
	is_int(matches("not *", &m), 0, "not *");

	m.flags = 0;
	m.content_type = NULL;
	m.subject = NULL;
	m.received = IMS_TIME_NONE;
	m.conversation = NULL;
	m.cc = NULL;
	m.ncc = 0;
	is_int(matches("state:held", &m), 0, "not held");
	is_int(matches("type:text/plain", &m), 1, "no content type: text/plain");
	is_int(matches("type:text/*", &m), 1, "no content type: text/*");
	is_int(matches("subject:a", &m), 0, "no subject");
	is_int(matches("date:..9999-12-31", &m), 0, "no received time");
	is_int(matches("conversation:c1", &m), 0, "no conversation");
	is_int(matches("to:sip:carol@example.com", &m), 0, "no cc");
	is_int(ims_filter_match(NULL, &m), 1, "a NULL filter matches");
	{
		ims_filter *f = NULL;
		ims_filter_parse(&f, "*", NOW, NULL);
		is_int(ims_filter_match(f, NULL), 0, "no message: no match");
		ims_filter_free(f);
	}
}

static void
test_describe(void)
{
	ims_filter *f = NULL;
	char small[8];
	int n;

	ims_filter_parse(&f, "owner:sip:bob@example.com (type:image/* or not state:held)",
	                 NOW, NULL);
	n = ims__filter_describe(NULL, 0, f->root);
	is_int(n, 64, "describe returns the length needed");
	is_int(ims__filter_describe(small, sizeof(small), f->root), 64,
	       "describe returns the length needed when cut");
	is_str(small, "(owner:", "cut description is NUL-terminated");
	is_int(ims__filter_describe(small, sizeof(small), NULL), 1, "NULL tree");
	is_str(small, "*", "NULL tree is '*'");
	ims_filter_free(f);
	f = NULL;
	ims_filter_parse(&f, "state:held", NOW, NULL);
	is_str(f->expr, "state:held", "the source text is kept");
	ims_filter_free(f);
}

/* ---------------------------------------------------------------- combine */

/* A few messages that differ in every term the pairs below name. */
static void
sample_msgs(ims_msg *v, size_t n)
{
	static ims_addr to[] = { { "sip:bob@example.com", NULL },
		{ "sip:carol@example.com", NULL } };
	static const char *const owners[] = { "sip:bob@example.com",
		"sip:carol@example.com", "sip:eve@example.com" };
	static const char *const convs[] = { "c1", "c2", NULL };
	static const char *const subjects[] = { "Holiday Photos", "lunch", NULL };
	ims_msg m0 = IMS_MSG_INIT;

	for (size_t i = 0; i < n; i++) {
		ims_msg *m = &v[i];
		*m = m0;
		m->id.b[15] = (unsigned char)i;
		m->owner = owners[i % 3];
		m->folder = i % 2 ? IMS_FOLDER_HISTORY : IMS_FOLDER_DEFERRED;
		m->mode = (ims_mode)(1 + i % 3);
		m->state = i % 4 ? IMS_STATE_DELIVERED : IMS_STATE_STORED;
		m->flags = i % 5 == 0 ? IMS_MSGF_HELD : 0;
		m->from.uri = i % 2 ? "sip:alice@example.com" : "sip:dan@example.com";
		m->to = &to[i % 2];
		m->nto = 1;
		m->message_id = i % 7 ? "m1" : "m2";
		m->conversation = convs[i % 3];
		m->subject = subjects[(i / 3) % 3];
		m->content_type = i % 4 ? "text/plain" : "image/png";
		m->received = NOW - (int64_t)i * DAY / 2;
		m->size = (uint64_t)i * 1000;
	}
}

static const char *const combine_exprs[] = {
	"", "*", "owner:sip:bob@example.com", "folder:history", "not state:held",
	"from:sip:alice@example.com or type:image/*", "older:2d", "newer:1d",
	"size:>3000 (subject:photo or conversation:c2)", "-(mode:pager or msgid:m2)",
	"peer:sip:carol@example.com state:delivered",
};

/* a and b combined match exactly what both match; the description of
 * the combination reads back as the same filter */
static void
combine_pair(const char *ea, const char *eb, const ims_msg *v, size_t n)
{
	ims_filter *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	char want[1024], got[1024];
	int same = 1, rc;

	ims_filter_parse(&a, ea, NOW, NULL);
	ims_filter_parse(&b, eb, NOW, NULL);
	rc = ims_filter_and(&c, a, b);
	/* the inputs are not needed afterwards */
	ims_filter_free(a);
	ims_filter_free(b);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		ims_filter_parse(&a, ea, NOW, NULL);
		ims_filter_parse(&b, eb, NOW, NULL);
		same &= ims_filter_match(c, &v[i]) ==
		        (ims_filter_match(a, &v[i]) && ims_filter_match(b, &v[i]));
		ims_filter_free(a);
		ims_filter_free(b);
	}
	ok(rc == 0 && same, "'%s' and '%s' match what both match", ea, eb);
	ims__filter_describe(want, sizeof(want), c ? c->root : NULL);
	rc = ims_filter_parse(&d, want, NOW, NULL);
	if (rc == 0)
		ims__filter_describe(got, sizeof(got), d->root);
	ok(rc == 0 && strcmp(got, want) == 0 && c && strcmp(c->expr, want) == 0,
	   "  described '%s', reads back", want);
	ims_filter_free(c);
	ims_filter_free(d);
}

static void
test_filter_and(void)
{
	size_t ne = sizeof(combine_exprs) / sizeof(combine_exprs[0]);
	ims_filter *a = NULL, *b = NULL, *c = NULL;
	ims_msg v[24];

	sample_msgs(v, 24);
	for (size_t i = 0; i < ne; i++)
		for (size_t j = 0; j < ne; j++)
			combine_pair(combine_exprs[i], combine_exprs[j], v, 24);
	is_int(ims_filter_and(&c, NULL, NULL), 0, "NULL and NULL");
	ok(c && ims_filter_is_all(c), "  matches everything");
	ims_filter_free(c);
	ims_filter_parse(&a, "owner:sip:bob@example.com", NOW, NULL);
	ims_filter_parse(&b, "*", NOW, NULL);
	ims_filter_and(&c, b, a);
	is_str(described(c), "owner:sip:bob@example.com", "'*' folds away");
	ims_filter_free(c);
	ims_filter_parse(&c, "state:held or mode:pager", NOW, NULL);
	ims_filter_free(b);
	ims_filter_and(&b, a, c);
	is_str(described(b), "(owner:sip:bob@example.com and (state:held or mode:pager))",
	       "an or stays inside its operand");
	is_str(described(a), "owner:sip:bob@example.com", "an input is not changed");
	ims_filter_free(a);
	ims_filter_free(b);
	ims_filter_free(c);
	is_int(ims_filter_and(NULL, NULL, NULL), IMS_INVALID, "no place for it");
}

/* A filter compiled at NOW keeps NOW once combined: nothing is parsed
 * again at the current time. */
static void
test_filter_keeps_time(void)
{
	ims_filter *f = NULL, *c = NULL;
	ims_msg m = IMS_MSG_INIT;

	m.owner = "sip:bob@example.com";
	m.folder = IMS_FOLDER_HISTORY;
	m.from.uri = "sip:alice@example.com";
	m.message_id = "m";
	m.received = NOW - DAY / 2;
	ims_filter_parse(&f, "older:1d", NOW, NULL);
	ims_filter_scope(&c, f, "sip:bob@example.com", IMS_FOLDER_HISTORY, NULL);
	is_int(ims_filter_match(c, &m), 0, "older:1d of NOW, scoped: half a day old is not older");
	ims_filter_free(c);
	ims_filter_and(&c, f, NULL);
	is_int(ims_filter_match(c, &m), 0, "older:1d of NOW, combined: the same");
	ims_filter_free(c);
	ims_filter_free(f);
}

static void
test_filter_scope(void)
{
	ims_msg v[24];
	ims_filter *f = NULL, *s = NULL;
	int same = 1;

	sample_msgs(v, 24);
	ims_filter_parse(&f, "from:sip:alice@example.com or not from:sip:alice@example.com",
	                 NOW, NULL);
	is_int(ims_filter_scope(&s, f, "<sip:bob@EXAMPLE.com>", IMS_FOLDER_HISTORY, NULL),
	       0, "scope to bob's history");
	is_str(described(s), "(owner:sip:bob@example.com and folder:history and "
	       "(from:sip:alice@example.com or not from:sip:alice@example.com))",
	       "  described, owner canonical");
	for (size_t i = 0; i < 24; i++)
		same &= ims_filter_match(s, &v[i]) ==
		        (strcmp(v[i].owner, "sip:bob@example.com") == 0 &&
		         v[i].folder == IMS_FOLDER_HISTORY);
	ok(same, "  an or in the filter cannot reach another user or folder");
	ims_filter_free(s);
	is_int(ims_filter_scope(&s, NULL, "sip:carol@example.com", IMS_FOLDER_DEFERRED,
	                        "conv \"one\""), 0, "scope to a conversation, no filter");
	is_str(described(s), "(owner:sip:carol@example.com and folder:deferred and "
	       "conversation:\"conv \\\"one\\\"\")", "  described, the value quoted");
	{
		ims_filter *g = NULL;
		ims_filter_parse(&g, s->expr, NOW, NULL);
		is_str(described(g), s->expr, "  its text reads back");
		ims_filter_free(g);
	}
	ims_filter_free(s);
	s = (ims_filter *)&s;
	is_int(ims_filter_scope(&s, f, "bob", IMS_FOLDER_HISTORY, NULL), IMS_INVALID,
	       "not an address: invalid");
	ok(s == NULL, "  nothing made");
	is_int(ims_filter_scope(&s, f, NULL, IMS_FOLDER_HISTORY, NULL), IMS_INVALID,
	       "no owner: invalid");
	is_int(ims_filter_scope(&s, f, "sip:bob@example.com", (ims_folder)7, NULL),
	       IMS_INVALID, "unknown folder: invalid");
	is_int(ims_filter_scope(&s, f, "sip:bob@example.com", IMS_FOLDER_HISTORY, "a\nb"),
	       IMS_INVALID, "control character in the conversation: invalid");
	is_int(ims_filter_scope(&s, f, "sip:bob@example.com", IMS_FOLDER_HISTORY, ""),
	       IMS_INVALID, "empty conversation: invalid");
	ims_filter_free(f);
}

/* A received-time term from values: what older:, newer: and date: compile
 * to, with the same matches, description and errors. */
static void
test_filter_received(void)
{
	static const char *const exprs[] = { "older:2d", "newer:1d", "date:2024-02-29",
		"date:2024-02-27T06:00..2024-02-28", "date:<2024-02-28T12:00:00.5Z" };
	ims_filter *f = NULL, *p = NULL, *c = NULL;
	ims_msg v[24];
	int same;

	sample_msgs(v, 24);
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		ims_filter_parse(&p, exprs[i], NOW, NULL);
		is_int(ims_filter_received(&f, p->root->lo, p->root->hi), 0,
		       "the range of '%s'", exprs[i]);
		same = f && strcmp(f->expr, described(p)) == 0;
		for (size_t k = 0; f && k < 24; k++)
			same &= ims_filter_match(f, &v[k]) == ims_filter_match(p, &v[k]);
		ok(same, "  matches and reads as '%s'", f ? f->expr : "(none)");
		ims_filter_free(f);
		ims_filter_free(p);
		f = p = NULL;
	}
	ims_filter_received(&f, INT64_MIN, NOW - 2 * DAY);
	ims_filter_parse(&p, "owner:sip:bob@example.com", NOW, NULL);
	ims_filter_and(&c, p, f);
	ims_filter_free(p);
	ims_filter_parse(&p, "owner:sip:bob@example.com older:2d", NOW, NULL);
	same = 1;
	for (size_t k = 0; k < 24; k++)
		same &= ims_filter_match(c, &v[k]) == ims_filter_match(p, &v[k]);
	ok(same && strcmp(c->expr, described(p)) == 0,
	   "combined with and: '%s', as parsed", c->expr);
	ims_filter_free(c);
	ims_filter_free(p);
	ims_filter_free(f);
	is_int(ims_filter_received(&f, INT64_MIN, INT64_MAX), 0, "no start, no end");
	ok(f && ims_filter_is_all(f), "  matches every message");
	ims_filter_free(f);
	f = (ims_filter *)&f;
	is_int(ims_filter_received(&f, NOW, NOW), IMS_INVALID, "an empty range: invalid");
	ok(f == NULL, "  nothing made");
	is_int(ims_filter_received(&f, NOW, NOW - 1), IMS_INVALID, "start after end: invalid");
	is_int(ims_filter_received(&f, INT64_MIN, Y1), IMS_INVALID,
	       "before the year 1: invalid");
	is_int(ims_filter_received(&f, INT64_MIN, Y1 + 1), 0, "its first microsecond");
	is_str(f ? f->expr : "", "date:<0001-01-01T00:00:00.000001Z", "  described");
	ims_filter_free(f);
	is_int(ims_filter_received(&f, Y10000, INT64_MAX), IMS_INVALID,
	       "after the year 9999: invalid");
	is_int(ims_filter_received(&f, Y10000 - 1, INT64_MAX), 0, "its last microsecond");
	is_str(f ? f->expr : "", "date:>=9999-12-31T23:59:59.999999Z", "  described");
	ims_filter_free(f);
	is_int(ims_filter_received(&f, NOW, INT64_MAX - 1), IMS_INVALID,
	       "an end far after the year 9999: invalid");
	is_int(ims_filter_received(NULL, INT64_MIN, NOW), IMS_INVALID, "no place for it");
}

int
main(void)
{
	test_terms();
	test_dates();
	test_operators();
	test_errors();
	test_limits();
	test_match();
	test_describe();
	test_filter_and();
	test_filter_keeps_time();
	test_filter_scope();
	test_filter_received();
	return done_testing();
}
