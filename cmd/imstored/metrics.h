/* metrics.h - counters, the store latency histogram, and the loopback
 * HTTP endpoint that serves them in Prometheus' text format. */
#ifndef IMSTORED_METRICS_H
#define IMSTORED_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sx.h"

/* why a request was not stored / answered with an error */
typedef enum refusal_reason {
	R_BARRED, R_QUOTA, R_EXPIRED, R_TOOBIG, R_MALFORMED, R_QUEUE_FULL,
	R_STORE_ERROR, R_FORBIDDEN, R_NOT_FOUND, R_SHUTTING_DOWN,
	R_RATE_LIMITED, R_INFLIGHT_LIMITED, R_COUNT
} refusal_reason;

#define LAT_BUCKETS 12

typedef struct metrics {
	atomic_ullong requests;
	atomic_ullong stored;
	atomic_ullong duplicates;
	atomic_ullong refused[R_COUNT];
	atomic_ullong history;
	atomic_ullong pushed, acked, released;
	atomic_ullong notify_sent, notices_sent;
	atomic_ullong lat[LAT_BUCKETS + 1];   /* the last: +Inf */
	atomic_ullong lat_sum_us, lat_count;
	size_t (*depth)(void *arg);           /* the queue depth, on the loop */
	void *depth_arg;
	sx *sx;                               /* the loop serving /metrics */
} metrics;

/* One store call's latency, from any thread. */
void metrics_latency(metrics *m, int64_t us);
/* The text exposition: malloc()ed, caller frees; NULL on no memory. */
char *metrics_text(metrics *m);
/* Serve GET /metrics on @p hostport (loopback TCP).  0 or an errno. */
int metrics_listen(metrics *m, sx *s, const char *hostport);

#endif
