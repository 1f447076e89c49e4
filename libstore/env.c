/* env.c - opening and closing a store, transactions, map growth. */
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

static const char *const ims__db_names[IMS__DB_N] = {
	"meta", "msg", "body", "atom", "atomid", "ix_owner", "ix_from",
	"ix_conv", "ix_msgid", "ix_time", "ix_expiry", "count", "settings",
	"lease", "convmeta", "audit", "quarantine", "ix_type", "quota", "reap",
};

#define DEFAULT_MAP ((size_t)1 << 30)
#define DEFAULT_MAP_MAX ((size_t)1 << 40)
#define RESIZE_WAIT_S 5

/* The stores open in this process: LMDB forbids opening one environment
 * twice in a process (its POSIX locks would be lost on the first close). */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
struct open_ent { dev_t dev; ino_t ino; pid_t pid; struct open_ent *next; };
static struct open_ent *open_list;

int
ims__registry_add(dev_t dev, ino_t ino)
{
	struct open_ent *e;
	int rc = 0;

	pthread_mutex_lock(&open_lock);
	/* entries copied from a parent by fork() are not this process's */
	for (e = open_list; e; e = e->next)
		if (e->dev == dev && e->ino == ino && e->pid == getpid())
			break;
	if (e)
		rc = IMS_BUSY;
	else if (!(e = malloc(sizeof(*e))))
		rc = ENOMEM;
	else {
		e->dev = dev;
		e->ino = ino;
		e->pid = getpid();
		e->next = open_list;
		open_list = e;
	}
	pthread_mutex_unlock(&open_lock);
	return rc;
}

void
ims__registry_del(dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&open_lock);
	for (struct open_ent **p = &open_list; *p; p = &(*p)->next) {
		if ((*p)->dev == dev && (*p)->ino == ino && (*p)->pid == getpid()) {
			struct open_ent *e = *p;
			*p = e->next;
			free(e);
			break;
		}
	}
	pthread_mutex_unlock(&open_lock);
}

int
ims__map_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return 0;
	case MDB_NOTFOUND: return IMS_NOTFOUND;
	case MDB_KEYEXIST: return IMS_EXISTS;
	case MDB_CORRUPTED: case MDB_PAGE_NOTFOUND: case MDB_BAD_TXN:
	case MDB_INVALID: case MDB_BAD_DBI: case MDB_INCOMPATIBLE:
		return IMS_CORRUPT;
	case MDB_PANIC: return IMS_PANIC;
	case MDB_MAP_FULL: return IMS_FULL;
	case MDB_READERS_FULL: return IMS_BUSY;
	case MDB_VERSION_MISMATCH: return IMS_VERSION;
	case MDB_BAD_VALSIZE: return IMS_TOOBIG;
	default: break;
	}
	return rc > 0 ? rc : IMS_INTERNAL;
}

/* Put a key that is usually past every key of its database (ids, atom
 * numbers, audit times).  MDB_APPEND makes LMDB start a new page when the
 * last one is full instead of splitting it in half, so such trees stay full
 * rather than half empty; a key that is not past the last one (an imported
 * id, an old received time) takes the ordinary path.  An LMDB code. */
int
ims__put_tail(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags)
{
	int rc = mdb_put(txn, dbi, k, v, flags | MDB_APPEND);

	return rc == MDB_KEYEXIST ? mdb_put(txn, dbi, k, v, flags) : rc;
}

int
ims__check(ims_store *st)
{
	if (!st)
		return IMS_INVALID;
	if (st->pid != getpid())
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

static int
map_grow(ims_store *st)
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
				if ((rc = map_grow(st)) == 0)
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
		if (rc == IMS_FULL && (rc = map_grow(st)) == 0)
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

/* ---------------------------------------------------------------- open */

/* A store is only created in a new or empty directory. */
static int
dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

static int
prepare_dir(const char *path, unsigned flags)
{
	struct stat sb;
	char data[4096];

	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return errno;
		if (!(flags & IMS_OPEN_CREATE))
			return IMS_NOTFOUND;
		if (mkdir(path, 0700) != 0)
			return errno;
		if (chmod(path, 0700) != 0)
			return errno;
		return 0;
	}
	if (!S_ISDIR(sb.st_mode))
		return IMS_NOTSTORE;
	if ((size_t)snprintf(data, sizeof(data), "%s/data.mdb", path) >= sizeof(data))
		return ENAMETOOLONG;
	if (access(data, F_OK) == 0)
		return 0;
	if (errno != ENOENT)
		return errno;
	if (!(flags & IMS_OPEN_CREATE) || !dir_empty(path))
		return IMS_NOTSTORE;
	return 0;
}

static int
fix_modes(const char *path)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char p[4096];
	int fd;

	if (chmod(path, 0700) != 0)
		return errno;
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", path, files[i]);
		if (chmod(p, 0600) != 0)
			return errno;
	}
	/* make the new directory entries durable */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int
ims__meta_get_u32(uint32_t *out, ims_store *st, MDB_txn *txn, const char *key)
{
	MDB_val k = { strlen(key), ims__uc(key) }, v;
	int rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v);

	if (rc)
		return ims__map_err(rc);
	if (v.mv_size != 4)
		return IMS_CORRUPT;
	*out = ims__rd_be32(v.mv_data);
	return 0;
}

static int
format_put(ims_store *st, MDB_txn *txn)
{
	unsigned char buf[4];
	MDB_val k = { 6, "format" }, v = { 4, buf };

	ims__be32(buf, IMS_FORMAT_VERSION);
	return mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0);
}

static int
init_meta(ims_store *st, MDB_txn *txn)
{
	unsigned char buf[8];
	MDB_val k = { 7, "created" }, v = { 8, buf };
	int rc;

	if ((rc = format_put(st, txn)))
		return ims__map_err(rc);
	ims__be_time(buf, ims__now_us());
	return ims__map_err(mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0));
}

/* Fill a just created ix_type from the records, in the transaction that
 * created it: the index is never seen without the messages stored before
 * it existed.  A record that does not decode is left to verify. */
static int
type_index_build(ims_store *st, MDB_txn *txn)
{
	unsigned char key[IMS__INDEX_KEY_MAX];
	MDB_val k, d, ik = { 0, key }, empty = { 0, "" };
	ims__decbuf db = { 0 };
	MDB_cursor *c;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_MSG], &c)))
		return rc;
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		ims__recx x;
		ims_msg m;
		ims_id id;
		if (k.mv_size != 16 || !ims__val_in_file(st, txn, &d))
			continue;
		memcpy(id.b, k.mv_data, 16);
		if (ims__rec_decode(&m, &x, &db, &id, d.mv_data, d.mv_size) ||
		    !(ik.mv_size = ims__index_key(key, IMS__DB_IX_TYPE, &id, &m, &x)))
			continue;
		if ((rc = mdb_put(txn, st->dbi[IMS__DB_IX_TYPE], &ik, &empty, 0)))
			break;
	}
	mdb_cursor_close(c);
	ims__decbuf_free(&db);
	return rc == MDB_NOTFOUND ? 0 : rc; /* an LMDB code, as db_open's */
}

/* Open database i; with add, create it when missing (*made set). */
static int
db_open(ims_store *st, MDB_txn *txn, int i, int add, int *made)
{
	int rc = mdb_dbi_open(txn, ims__db_names[i], 0, &st->dbi[i]);

	if (rc != MDB_NOTFOUND || !add)
		return rc;
	*made = 1;
	return mdb_dbi_open(txn, ims__db_names[i], MDB_CREATE, &st->dbi[i]);
}

/* create: a new store; add: a writable handle may add the databases a
 * later release of format 1 introduced (they start empty, but for ix_type,
 * built from the records). */
static int
open_dbs(ims_store *st, int create, int add)
{
	MDB_txn *txn;
	uint32_t format = 0;
	int rc;

	rc = mdb_txn_begin(st->env, NULL, create || add ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return ims__map_err(rc);
	rc = mdb_dbi_open(txn, "meta", 0, &st->dbi[IMS__DB_META]);
	if (rc == MDB_NOTFOUND && create) {
		MDB_stat ms;
		MDB_dbi main_dbi;
		/* an LMDB environment holding anything else is not ours */
		if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) ||
		    (rc = mdb_stat(txn, main_dbi, &ms)) || ms.ms_entries != 0) {
			rc = rc ? ims__map_err(rc) : IMS_NOTSTORE;
			goto fail;
		}
		for (int i = 0; i < IMS__DB_N && rc == 0; i++)
			rc = mdb_dbi_open(txn, ims__db_names[i], MDB_CREATE, &st->dbi[i]);
		if (rc == 0)
			rc = init_meta(st, txn);
		else
			rc = ims__map_err(rc);
		if (rc == 0)
			return ims__map_err(mdb_txn_commit(txn));
		goto fail;
	}
	if (rc) {
		rc = rc == MDB_NOTFOUND ? IMS_NOTSTORE : ims__map_err(rc);
		goto fail;
	}
	if ((rc = ims__meta_get_u32(&format, st, txn, "format")))
		goto fail_format;
	if (format < IMS_FORMAT_OLDEST || format > IMS_FORMAT_VERSION) {
		rc = IMS_VERSION;
		goto fail;
	}
	/* format 1 or 2: a writable open marks it 3 before anything is
	 * written (then releases that read only older formats refuse it: they
	 * would take what deleted messages left for live entries); read-only,
	 * it stays as it is */
	if (format != IMS_FORMAT_VERSION && !(st->flags & IMS_OPEN_RDONLY)) {
		if (!add) {
			mdb_txn_abort(txn);
			return open_dbs(st, 0, 1);
		}
		if ((rc = ims__map_err(format_put(st, txn))))
			goto fail;
	}
	for (int i = 1; i < IMS__DB_N && rc == 0; i++) {
		int made = 0;
		rc = db_open(st, txn, i, add, &made);
		/* read-only, a store from before the quota database reads as
		 * one without overrides */
		if (rc == MDB_NOTFOUND && i == IMS__DB_QUOTA && (st->flags & IMS_OPEN_RDONLY)) {
			st->no_quota = 1;
			rc = 0;
		}
		/* nor, before format 3, deletions waiting for the sweep */
		if (rc == MDB_NOTFOUND && i == IMS__DB_REAP && (st->flags & IMS_OPEN_RDONLY)) {
			st->no_reap = 1;
			rc = 0;
		}
		if (rc == 0 && made && i == IMS__DB_IX_TYPE)
			rc = type_index_build(st, txn);
	}
	if (rc == MDB_NOTFOUND && !add && !(st->flags & IMS_OPEN_RDONLY)) {
		mdb_txn_abort(txn);
		return open_dbs(st, 0, 1);
	}
	if (rc == MDB_MAP_FULL && add) { /* building ix_type: a larger map */
		mdb_txn_abort(txn);
		return (rc = map_grow(st)) ? rc : open_dbs(st, 0, 1);
	}
	if (rc) {
		/* read-only: a store that needs a writable open first */
		rc = rc == MDB_NOTFOUND ? IMS_VERSION : ims__map_err(rc);
		goto fail;
	}
	return ims__map_err(mdb_txn_commit(txn));
fail_format:
	if (rc == IMS_NOTFOUND)
		rc = IMS_NOTSTORE;
fail:
	mdb_txn_abort(txn);
	return rc;
}

static int
env_setup(ims_store *st, const ims_open_opts *o)
{
	unsigned eflags = MDB_NOTLS;
	size_t map = o->map_size ? o->map_size : DEFAULT_MAP;
	int rc, dead;

	if ((rc = mdb_env_create(&st->env)))
		return ims__map_err(rc);
	mdb_env_set_maxdbs(st->env, 32);
	mdb_env_set_maxreaders(st->env, o->max_readers ? o->max_readers : 126);
	mdb_env_set_mapsize(st->env, map);
	if (o->flags & IMS_OPEN_RDONLY)
		eflags |= MDB_RDONLY;
	if ((rc = mdb_env_open(st->env, st->path, eflags, 0600)))
		return rc == MDB_INVALID ? IMS_NOTSTORE : ims__map_err(rc);
	mdb_reader_check(st->env, &dead);
	return 0;
}

int
ims_store_open(ims_store **out, const char *path, const ims_open_opts *opts)
{
	ims_open_opts defaults = IMS_OPEN_OPTS_INIT;
	const ims_open_opts *o = opts ? opts : &defaults;
	ims_store *st;
	struct stat sb;
	int rc, created;

	*out = NULL;
	if (!path || !*path || (o->flags & IMS_OPEN_CREATE && o->flags & IMS_OPEN_RDONLY))
		return IMS_INVALID;
	if ((rc = prepare_dir(path, o->flags)))
		return rc;
	if (stat(path, &sb) != 0)
		return errno;
	if ((rc = ims__registry_add(sb.st_dev, sb.st_ino)))
		return rc;
	if (!(st = calloc(1, sizeof(*st)))) {
		rc = ENOMEM;
		goto fail_reg;
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->pid = getpid();
	st->flags = o->flags;
	st->map_max = o->map_max ? o->map_max : DEFAULT_MAP_MAX;
	pthread_rwlock_init(&st->resize_lock, NULL);
	pthread_mutex_init(&st->gc_lock, NULL);
	st->gc_tail = &st->gc_head;
	if (!(st->path = strdup(path))) {
		rc = ENOMEM;
		goto fail_st;
	}
	created = o->flags & IMS_OPEN_CREATE;
	if ((rc = env_setup(st, o)))
		goto fail_env;
	if ((o->flags & IMS_OPEN_CHECK_PAGES) && (rc = ims__pages_sound(st)))
		goto fail_env;
	if ((rc = open_dbs(st, created, 0)))
		goto fail_env;
	if (created && (rc = fix_modes(path)))
		goto fail_env;
	*out = st;
	return 0;
fail_env:
	if (st->env)
		mdb_env_close(st->env);
	free(st->path);
fail_st:
	pthread_rwlock_destroy(&st->resize_lock);
	pthread_mutex_destroy(&st->gc_lock);
	free(st);
fail_reg:
	ims__registry_del(sb.st_dev, sb.st_ino);
	return rc;
}

void
ims_store_close(ims_store *st)
{
	if (!st)
		return;
	/* In a forked child only the memory is released: closing the parent's
	 * environment here would drop the parent's locks. */
	if (st->pid == getpid()) {
		mdb_env_close(st->env);
		ims__registry_del(st->dev, st->ino);
	}
	pthread_rwlock_destroy(&st->resize_lock);
	pthread_mutex_destroy(&st->gc_lock);
	free(st->path);
	free(st);
}

/* The mapping of /proc/self/maps that holds address p. */
static int
mapping_of(uintptr_t *lo, uintptr_t *hi, const void *p)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long a, b;
	char line[512];
	int found = 0;

	if (!f)
		return errno;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 &&
		    (uintptr_t)p >= a && (uintptr_t)p < b) {
			*lo = a;
			*hi = b;
			found = 1;
		}
	fclose(f);
	return found ? 0 : ENOENT;
}

/* Where LMDB's map lies, from a value of the meta database (the map
 * cannot move while txn is open); 0 if it cannot be found. */
static uintptr_t
map_locate(ims_store *st, MDB_txn *txn)
{
	MDB_val k = { 6, "format" }, v;
	uintptr_t lo = 0, hi = 0;

	if (mdb_get(txn, st->dbi[IMS__DB_META], &k, &v) || mapping_of(&lo, &hi, v.mv_data))
		return 0;
	__atomic_store_n(&st->map_hi, hi, __ATOMIC_RELAXED);
	__atomic_store_n(&st->map_lo, lo, __ATOMIC_RELEASE);
	return lo;
}

static int
in_range(uintptr_t lo, uint64_t end, const MDB_val *v)
{
	uintptr_t p = (uintptr_t)v->mv_data;

	return v->mv_size <= end && p - lo <= end - v->mv_size;
}

/* A value outside the map is on a page this write transaction changed,
 * copied to memory by LMDB: it was checked when it was read. */
int
ims__val_in_file(ims_store *st, MDB_txn *txn, const MDB_val *v)
{
	uintptr_t lo = __atomic_load_n(&st->map_lo, __ATOMIC_ACQUIRE), p = (uintptr_t)v->mv_data;
	uint64_t end = __atomic_load_n(&st->file_end, __ATOMIC_RELAXED);
	struct stat sb;
	int fd;

	if (!lo && !(lo = map_locate(st, txn)))
		return 1;
	if (p < lo || p >= __atomic_load_n(&st->map_hi, __ATOMIC_RELAXED))
		return 1;
	if (in_range(lo, end, v))
		return 1;
	/* the file may have grown since: look again */
	if (mdb_env_get_fd(st->env, &fd) || fstat(fd, &sb) == -1)
		return 1;
	end = (uint64_t)sb.st_size;
	__atomic_store_n(&st->file_end, end, __ATOMIC_RELAXED);
	return in_range(lo, end, v);
}

/* The map is read-only (LMDB writes through the file, not the map): dropping this process's page
 * table entries loses nothing, a later read faults the page in again from
 * the page cache.  LMDB does not tell where its map is (me_mapaddr is
 * only set with MDB_FIXEDMAP), so a value read from it says. */
int
ims_store_trim(ims_store *st)
{
	MDB_val k = { 6, "format" }, v;
	uintptr_t lo = 0, hi = 0;
	MDB_txn *txn;
	int rc;

	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v)) == 0)
		rc = mapping_of(&lo, &hi, v.mv_data);
	else
		rc = ims__map_err(rc);
	/* inside the transaction: the map cannot move meanwhile */
	if (rc == 0 && madvise((void *)lo, hi - lo, MADV_DONTNEED) < 0)
		rc = errno;
	ims__txn_abort(st, txn);
	return rc;
}

const char *
ims_store_path(const ims_store *st)
{
	return st ? st->path : NULL;
}
