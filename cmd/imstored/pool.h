/* pool.h - the worker threads that make the store calls.
 *
 * The loop submits jobs; a worker runs job->work (a store call, which may
 * wait for the disk) and puts the job on the done list; the loop, woken
 * once for a batch, runs job->done (the answer) for each.  The queue is
 * bounded: a submit past queue_max is refused, and the caller answers 503. */
#ifndef IMSTORED_POOL_H
#define IMSTORED_POOL_H

#include <stddef.h>

typedef struct job job;
struct job {
	job *next;
	void (*work)(job *j);    /* on a worker thread */
	void (*done)(job *j);    /* on the loop; frees the job */
};

typedef struct pool pool;

/* Start @p workers threads; @p notify(arg) is called from a worker when
 * the done list goes from empty to not empty.  0 or an errno. */
int pool_open(pool **out, unsigned workers, size_t queue_max,
              void (*notify)(void *arg), void *arg);
/* Queue a job: 0, or EAGAIN when queue_max jobs are waiting or running. */
int pool_submit(pool *p, job *j);
/* On the loop: run done() for every finished job; returns how many. */
size_t pool_finish(pool *p);
/* Jobs submitted and not yet finished (done() not yet run). */
size_t pool_depth(pool *p);
/* Stop the workers once the queue is empty and free the pool (finishing
 * the jobs still done). */
void pool_close(pool *p);

#endif
