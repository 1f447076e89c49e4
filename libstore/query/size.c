/* size.c - counts and sizes: the one grammar of the filter's size: term
 * and of every count or size a command or a document gives.
 *
 * A count is decimal digits only: no blank, no sign (strtoull would take
 * both).  A size is a count with an optional unit, in any case: B; K, KB,
 * KiB; M, MB, MiB; G, GB, GiB (all 1024-based), at most IMS_SIZE_MAX. */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "filter.h"

int
ims_number_parse(uint64_t *out, const char *s)
{
	char *end;
	unsigned long long v;

	if (!out || !s || *s < '0' || *s > '9')
		return IMS_INVALID;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return IMS_INVALID;
	*out = v;
	return 0;
}

int
ims__size_parse(int64_t *out, const char *s, size_t n)
{
	static const char *const units[] = { "", "b", "k", "kb", "kib", "m", "mb",
		"mib", "g", "gb", "gib" };
	static const int shift[] = { 0, 0, 10, 10, 10, 20, 20, 20, 30, 30, 30 };
	int64_t v = 0;
	size_t i = 0;

	size_t z;

	/* leading zeros do not count; IMS_SIZE_MAX has 16 digits, and a
	 * description writes sizes in bytes */
	while (i < n && s[i] == '0')
		i++;
	for (z = i; i < n && i - z < 17 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0)
		return -1;
	for (size_t u = 0; u < sizeof(shift) / sizeof(shift[0]); u++) {
		if (ims__word_is(s + i, n - i, units[u])) {
			if (v > (IMS_SIZE_MAX >> shift[u]))
				return -1;
			*out = v << shift[u];
			return 0;
		}
	}
	return -1;
}

int
ims_size_parse(uint64_t *out, const char *s)
{
	int64_t v;

	if (!out || !s || ims__size_parse(&v, s, strlen(s)))
		return IMS_INVALID;
	*out = (uint64_t)v;
	return 0;
}
