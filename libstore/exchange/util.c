/* util.c - what the exchange files share: failures as a result holds them,
 * the numbers of manifests and dumps, where spools go, progress. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* A member name as messages show it: printable ASCII kept, any other
 * byte (and the backslash) as \xNN, cut to fit out. */
const char *
ims__arc_shown(char out[256], const char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < 256; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hx[c >> 4];
			out[o++] = hx[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
