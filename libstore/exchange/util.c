/* util.c - what the exchange files share: failures as a result holds them,
 * the numbers of manifests and dumps, where spools go, progress. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "exchange.h"

int
ims__xfail(ims_xstep *step, char *why, ims_xstep s, int rc, const char *fmt, ...)
{
	va_list ap;

	*step = s;
	va_start(ap, fmt);
	vsnprintf(why, IMS_XWHY_MAX, fmt, ap);
	va_end(ap);
	return rc;
}

int
ims__xparse_u64(uint64_t *out, const char *s)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	/* digits first: strtoull would take leading blanks and a sign */
	if (!s || *s < '0' || *s > '9')
		return IMS_INVALID;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return IMS_INVALID;
	switch (*end) {
	case 'k': case 'K': mul = 1024; end++; break;
	case 'm': case 'M': mul = 1024 * 1024; end++; break;
	case 'g': case 'G': mul = 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end || v > UINT64_MAX / mul)
		return IMS_INVALID;
	*out = v * mul;
	return 0;
}

const char *
ims__tmpdir(const char *dir)
{
	const char *t = dir && *dir ? dir : getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

void
ims__xprogress(void (*cb)(const ims_progress *, void *), void *payload,
               uint64_t messages, uint64_t bytes, int done)
{
	ims_progress p;

	if (!cb)
		return;
	p.messages = messages;
	p.bytes = bytes;
	p.done = done;
	cb(&p, payload);
}
