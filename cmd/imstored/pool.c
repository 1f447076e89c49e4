/* pool.c - worker threads with a bounded queue (see pool.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "pool.h"

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	job *head, *tail;        /* waiting */
	job *done;               /* finished, newest first */
	size_t depth, max;       /* submitted and not finished */
	int stopping;
	unsigned nthreads;
	pthread_t *threads;
	void (*notify)(void *);
	void *arg;
};

static job *
take(pool *p)
{
	job *j;

	pthread_mutex_lock(&p->mu);
	while (!p->head && !p->stopping)
		pthread_cond_wait(&p->cv, &p->mu);
	j = p->head;
	if (j) {
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	return j;
}

static void *
worker(void *arg)
{
	pool *p = arg;
	job *j;
	int wake;

	while ((j = take(p))) {
		j->work(j);
		pthread_mutex_lock(&p->mu);
		wake = !p->done;
		j->next = p->done;
		p->done = j;
		pthread_mutex_unlock(&p->mu);
		if (wake)
			p->notify(p->arg);
	}
	return NULL;
}

int
pool_open(pool **out, unsigned workers, size_t queue_max,
          void (*notify)(void *arg), void *arg)
{
	pool *p;
	int err = ENOMEM;

	*out = NULL;
	if (!(p = calloc(1, sizeof *p)))
		return ENOMEM;
	if (!(p->threads = calloc(workers, sizeof *p->threads)))
		goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->max = queue_max;
	p->notify = notify;
	p->arg = arg;
	for (; p->nthreads < workers; p->nthreads++)
		if ((err = pthread_create(&p->threads[p->nthreads], NULL, worker, p)))
			goto fail_threads;
	*out = p;
	return 0;
fail_threads:
	pool_close(p);
	return err;
fail:
	free(p);
	return err;
}

int
pool_submit(pool *p, job *j)
{
	int rc = 0;

	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->depth >= p->max || p->stopping) {
		rc = EAGAIN;
	} else {
		p->depth++;
		if (p->tail)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

size_t
pool_finish(pool *p)
{
	job *list, *rev = NULL, *next;
	size_t n = 0;

	pthread_mutex_lock(&p->mu);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->mu);
	for (; list; list = next) {    /* oldest first */
		next = list->next;
		list->next = rev;
		rev = list;
	}
	for (; rev; rev = next, n++) {
		next = rev->next;
		rev->done(rev);
	}
	pthread_mutex_lock(&p->mu);
	p->depth -= n;
	pthread_mutex_unlock(&p->mu);
	return n;
}

size_t
pool_depth(pool *p)
{
	size_t d;

	pthread_mutex_lock(&p->mu);
	d = p->depth;
	pthread_mutex_unlock(&p->mu);
	return d;
}

void
pool_close(pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	(void)pool_finish(p);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}
