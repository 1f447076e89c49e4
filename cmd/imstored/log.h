/* log.h - the daemon's log: stderr (foreground, tests) or syslog. */
#ifndef IMSTORED_LOG_H
#define IMSTORED_LOG_H

#include <syslog.h>

/* Log to syslog (facility daemon) when @p to_syslog, else to stderr;
 * messages above @p level (LOG_ERR .. LOG_DEBUG) are dropped. */
void log_open(int to_syslog, int level);
void logx(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
