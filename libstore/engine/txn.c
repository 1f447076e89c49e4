/* txn.c - transactions: the handle's checks, map growth, and the group
 * commit that runs concurrent writers in one durable commit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define RESIZE_WAIT_S 5

int
ims__check(ims_store *st)
{
	if (!st)
		return IMS_INVALID;
	if (st->pid != ims__pid())
		return IMS_FORKED;
	if (st->panicked)
		return IMS_PANIC;
	return 0;
}

static int
resize_wrlock(ims_store *st)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += RESIZE_WAIT_S;
	return pthread_rwlock_timedwrlock(&st->resize_lock, &ts) ? IMS_BUSY : 0;
}

/* Adopt a map size another process set (size 0), or grow ours. */
static int
map_adjust(ims_store *st, size_t size)
{
	int rc = resize_wrlock(st);

	if (rc)
		return rc;
	rc = ims__map_err(mdb_env_set_mapsize(st->env, size));
	__atomic_store_n(&st->map_lo, 0, __ATOMIC_RELEASE);  /* it may have moved */
	pthread_rwlock_unlock(&st->resize_lock);
	return rc;
}

int
ims__map_grow(ims_store *st)
{
	MDB_envinfo info;
	size_t size;

	mdb_env_info(st->env, &info);
	if (info.me_mapsize >= st->map_max)
		return IMS_FULL;
	size = info.me_mapsize * 2;
	if (size > st->map_max)
		size = st->map_max;
	return map_adjust(st, size);
}

int
ims__txn_begin(ims_store *st, unsigned flags, MDB_txn **out)
{
	int rc;

	if ((rc = ims__check(st)))
		return rc;
	if (!(flags & MDB_RDONLY) && (st->flags & IMS_OPEN_RDONLY))
		return IMS_READONLY;
	for (int tries = 0; tries < 3; tries++) {
		pthread_rwlock_rdlock(&st->resize_lock);
		rc = mdb_txn_begin(st->env, NULL, flags, out);
		if (rc == 0)
			return 0;
		pthread_rwlock_unlock(&st->resize_lock);
		if (rc != MDB_MAP_RESIZED)
			break;
		if ((rc = map_adjust(st, 0)))
			return rc;
	}
	if (rc == MDB_PANIC)
		st->panicked = 1;
	return ims__map_err(rc);
}

void
ims__txn_abort(ims_store *st, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&st->resize_lock);
}

/* LMDB reports a short write as EIO; on a file system with no room left
 * that is a full disk, which callers treat as a temporary failure. */
static int
eio_cause(const ims_store *st)
{
	struct statvfs sv;

	if (statvfs(st->path, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < ((uint64_t)1 << 20))
		return ENOSPC;
	return EIO;
}

/* Whether a failed commit left the environment dead: LMDB answers the
 * failed meta-page write itself with its errno and only the next call
 * with MDB_PANIC.  Asking at once lets the failing call say so. */
static int
dead_after(ims_store *st)
{
	MDB_txn *t;
	int rc;

	pthread_rwlock_rdlock(&st->resize_lock);
	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &t);
	if (rc == 0)
		mdb_txn_abort(t);
	pthread_rwlock_unlock(&st->resize_lock);
	return rc == MDB_PANIC;
}

int
ims__txn_commit(ims_store *st, MDB_txn *txn)
{
	int rc = mdb_txn_commit(txn);

	pthread_rwlock_unlock(&st->resize_lock);
	if (rc == MDB_PANIC || (rc > 0 && dead_after(st))) {
		st->panicked = 1;
		return IMS_PANIC;
	}
	if (rc == EIO)
		return eio_cause(st);
	return ims__map_err(rc);
}

/* Run every request of the group straight in txn: 0, or the first
 * request's failure (the transaction then holds part of its changes). */
static int
group_direct(ims_store *st, MDB_txn *txn, ims__wreq *group)
{
	for (ims__wreq *r = group; r; r = r->next)
		if ((r->rc = r->fn(st, txn, r->ctx)))
			return r->rc;
	return 0;
}

/* Run each request of the group in a nested transaction of txn, so that a
 * failure undoes only its own changes: 0, IMS_FULL, or a fatal error. */
static int
group_nested(ims_store *st, MDB_txn *txn, ims__wreq *group)
{
	MDB_txn *child;
	int rc;

	for (ims__wreq *r = group; r; r = r->next) {
		if ((rc = ims__map_err(mdb_txn_begin(st->env, txn, 0, &child))))
			return rc;
		r->rc = r->fn(st, child, r->ctx);
		if (r->rc == 0)
			r->rc = ims__map_err(mdb_txn_commit(child));
		else
			mdb_txn_abort(child);
		if (r->rc == IMS_FULL)
			return IMS_FULL;
	}
	return 0;
}

/* One group, one commit.  The requests first run straight in the group's
 * transaction: a nested transaction makes LMDB copy every page the group
 * has already dirtied that the request touches (a dozen pages a message),
 * all of it in the leader while the other writers wait.  Only when one
 * fails is the group run again with a nested transaction each, so that the
 * failure undoes only its own changes (the functions start from scratch
 * each time).  On MDB_MAP_FULL the group starts over in a larger map. */
static int
run_group(ims_store *st, ims__wreq *group)
{
	MDB_txn *txn;
	int rc, nested = 0;

	for (;;) {
		if ((rc = ims__txn_begin(st, 0, &txn)))
			break;
		rc = nested ? group_nested(st, txn, group) : group_direct(st, txn, group);
		if (rc) {
			ims__txn_abort(st, txn);
			if (rc == IMS_FULL) {
				if ((rc = ims__map_grow(st)) == 0)
					continue;
				break;
			}
			if (!nested && group->next) {
				nested = 1;
				continue;
			}
			/* a writer alone failed: nothing was written and its own
			 * rc says why; or a fatal error that every writer learns */
			if (!nested)
				rc = 0;
			break;
		}
		rc = ims__txn_commit(st, txn);
		st->commits++;
		if (rc == IMS_FULL && (rc = ims__map_grow(st)) == 0)
			continue;
		break;
	}
	/* nothing of the group is durable: every writer learns why */
	for (ims__wreq *r = group; rc && r; r = r->next)
		r->rc = rc;
	return rc;
}

/* The leader's group is durable (or failed): wake exactly its writers, and
 * the first writer queued meanwhile to lead the next group.  No broadcast:
 * with many writers most would wake only to sleep again. */
static void
finish_group(ims_store *st, ims__wreq *group, const ims__wreq *self)
{
	for (ims__wreq *r = group, *next; r; r = next) {
		next = r->next;  /* r may return and vanish once done is set */
		r->done = 1;
		st->writes++;
		if (r != self)
			pthread_cond_signal(&r->wake);
	}
	st->gc_leader = 0;
	if (st->gc_head)
		pthread_cond_signal(&st->gc_head->wake);
}

int
ims__write(ims_store *st, ims__write_fn fn, void *ctx)
{
	ims__wreq req = { fn, ctx, 0, 0, PTHREAD_COND_INITIALIZER, NULL }, *group;
	int rc;

	if ((rc = ims__check(st)))
		return rc;
	if (st->flags & IMS_OPEN_RDONLY)
		return IMS_READONLY;
	pthread_mutex_lock(&st->gc_lock);
	*st->gc_tail = &req;
	st->gc_tail = &req.next;
	while (!req.done) {
		if (st->gc_leader) {
			pthread_cond_wait(&req.wake, &st->gc_lock);
			continue;
		}
		/* lead: take everyone queued so far, commit them together */
		st->gc_leader = 1;
		group = st->gc_head;
		st->gc_head = NULL;
		st->gc_tail = &st->gc_head;
		pthread_mutex_unlock(&st->gc_lock);
		run_group(st, group);
		pthread_mutex_lock(&st->gc_lock);
		finish_group(st, group, &req);
	}
	pthread_mutex_unlock(&st->gc_lock);
	pthread_cond_destroy(&req.wake);
	return req.rc;
}

