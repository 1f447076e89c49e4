/* log.c - the daemon's log (log.h).  One line a message; from any thread. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static int use_syslog;
static int max_level = LOG_INFO;

void
log_open(int to_syslog, int level)
{
	use_syslog = to_syslog;
	max_level = level;
	if (use_syslog)
		openlog("imstored", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
logx(int level, const char *fmt, ...)
{
	static const char *const name[] = { "emerg", "alert", "crit", "error",
	                                    "warning", "notice", "info", "debug" };
	char buf[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* hostile input may reach a message: no control characters out */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (use_syslog) {
		syslog(level, "%s", buf);
		return;
	}
	fprintf(stderr, "imstored: %s: %s\n", name[level & 7], buf);
}
