/* env.c - a store's environment: creating or opening its directory and
 * databases, upgrading an older format, closing. */
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

/* The names of the databases on disk, but the secondary indexes': theirs
 * are in their rows of ims__indexes (index.c). */
static const char *const db_names[IMS__DB_N] = {
	[IMS__DB_META] = "meta", [IMS__DB_MSG] = "msg", [IMS__DB_BODY] = "body",
	[IMS__DB_ATOM] = "atom", [IMS__DB_ATOMID] = "atomid",
	[IMS__DB_COUNT] = "count", [IMS__DB_SETTINGS] = "settings",
	[IMS__DB_LEASE] = "lease", [IMS__DB_CONVMETA] = "convmeta",
	[IMS__DB_AUDIT] = "audit", [IMS__DB_QUARANTINE] = "quarantine",
	[IMS__DB_QUOTA] = "quota", [IMS__DB_REAP] = "reap",
};

const char *
ims__db_name(int db)
{
	const ims__index *ix = ims__index_of(db);

	return ix ? ix->name : db_names[db];
}

#define DEFAULT_MAP ((size_t)1 << 30)
#define DEFAULT_MAP_MAX ((size_t)1 << 40)

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
		if (e->dev == dev && e->ino == ino && e->pid == ims__pid())
			break;
	if (e)
		rc = IMS_BUSY;
	else if (!(e = malloc(sizeof(*e))))
		rc = ENOMEM;
	else {
		e->dev = dev;
		e->ino = ino;
		e->pid = ims__pid();
		e->next = open_list;
		open_list = e;
	}
	pthread_mutex_unlock(&open_lock);
	return rc;
}

/* Whether this process has the store (dev, ino) open. */
int
ims__registry_has(dev_t dev, ino_t ino)
{
	struct open_ent *e;

	pthread_mutex_lock(&open_lock);
	for (e = open_list; e; e = e->next)
		if (e->dev == dev && e->ino == ino && e->pid == getpid())
			break;
	pthread_mutex_unlock(&open_lock);
	return e != NULL;
}

void
ims__registry_del(dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&open_lock);
	for (struct open_ent **p = &open_list; *p; p = &(*p)->next) {
		if ((*p)->dev == dev && (*p)->ino == ino && (*p)->pid == ims__pid()) {
			struct open_ent *e = *p;
			*p = e->next;
			free(e);
			break;
		}
	}
	pthread_mutex_unlock(&open_lock);
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

/* A new store, in an environment holding nothing: every database and
 * the meta values. */
static int
create_dbs(ims_store *st, MDB_txn *txn)
{
	MDB_stat ms;
	MDB_dbi main_dbi;
	int rc;

	/* an LMDB environment holding anything else is not ours */
	if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) ||
	    (rc = mdb_stat(txn, main_dbi, &ms)))
		return ims__map_err(rc);
	if (ms.ms_entries != 0)
		return IMS_NOTSTORE;
	for (int i = 0; i < IMS__DB_N; i++)
		if ((rc = mdb_dbi_open(txn, ims__db_name(i), MDB_CREATE, &st->dbi[i])))
			return ims__map_err(rc);
	return init_meta(st, txn);
}

/* An existing store's format: 0 when this release reads it, IMS_NOTSTORE,
 * IMS_VERSION, or MDB_NOTFOUND when it is to be marked as this release's
 * and add is not set. */
static int
format_check(ims_store *st, MDB_txn *txn, int add)
{
	uint32_t format = 0;
	int rc = ims__meta_get_u32(&format, st, txn, "format");

	if (rc)
		return rc == IMS_NOTFOUND ? IMS_NOTSTORE : rc;
	if (format < IMS_FORMAT_OLDEST || format > IMS_FORMAT_VERSION)
		return IMS_VERSION;
	/* format 1 or 2: a writable open marks it 3 before anything is
	 * written (then releases that read only older formats refuse it: they
	 * would take what deleted messages left for live entries); read-only,
	 * it stays as it is */
	if (format == IMS_FORMAT_VERSION || (st->flags & IMS_OPEN_RDONLY))
		return 0;
	return add ? ims__map_err(format_put(st, txn)) : MDB_NOTFOUND;
}

/* Read-only, a store from before the quota database reads as one without
 * overrides, and one from before format 3 as one without deletions waiting
 * for the sweep: whether db may be missing (noted in st). */
static int
absent_ok(ims_store *st, int db)
{
	if (!(st->flags & IMS_OPEN_RDONLY))
		return 0;
	if (db == IMS__DB_QUOTA)
		st->no_quota = 1;
	else if (db == IMS__DB_REAP)
		st->no_reap = 1;
	else
		return 0;
	return 1;
}

/* Open database db; with add, create it when missing (a database a later
 * release of the format added: they start empty, but for an index, filled
 * from the records).  An LMDB code. */
static int
open_one(ims_store *st, MDB_txn *txn, int db, int add)
{
	const ims__index *ix = ims__index_of(db);
	int rc = mdb_dbi_open(txn, ims__db_name(db), 0, &st->dbi[db]);

	if (rc != MDB_NOTFOUND)
		return rc;
	if (!add)
		return absent_ok(st, db) ? 0 : rc;
	if ((rc = mdb_dbi_open(txn, ims__db_name(db), MDB_CREATE, &st->dbi[db])))
		return rc;
	return ix && (ix->flags & IMS__IX_LATER) ? ims__index_build(st, txn, ix) : 0;
}

/* The databases of an existing store, with add creating those it lacks:
 * 0, an imstore code, or the LMDB code that says to start again with add
 * (MDB_NOTFOUND: a database to create or a format to mark; MDB_MAP_FULL:
 * filling an index needs a larger map). */
static int
open_existing(ims_store *st, MDB_txn *txn, int add)
{
	int rc = format_check(st, txn, add);

	if (rc)
		return rc;
	for (int i = 1; i < IMS__DB_N && rc == 0; i++)
		rc = open_one(st, txn, i, add);
	if (rc == MDB_NOTFOUND && (st->flags & IMS_OPEN_RDONLY))
		return IMS_VERSION; /* a store that needs a writable open first */
	if (rc == MDB_NOTFOUND || (rc == MDB_MAP_FULL && add))
		return rc;
	return ims__map_err(rc);
}

/* create: a new store; add: a writable handle may add the databases a
 * later release of the format introduced. */
static int
open_dbs(ims_store *st, int create, int add)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(st->env, NULL, create || add ? 0 : MDB_RDONLY, &txn);

	if (rc)
		return ims__map_err(rc);
	rc = mdb_dbi_open(txn, "meta", 0, &st->dbi[IMS__DB_META]);
	if (rc == MDB_NOTFOUND && create)
		rc = create_dbs(st, txn);
	else if (rc)
		rc = rc == MDB_NOTFOUND ? IMS_NOTSTORE : ims__map_err(rc);
	else
		rc = open_existing(st, txn, add);
	if (rc == 0)
		return ims__map_err(mdb_txn_commit(txn));
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND)
		return open_dbs(st, 0, 1);
	if (rc == MDB_MAP_FULL) /* filling an index: a larger map */
		return (rc = ims__map_grow(st)) ? rc : open_dbs(st, 0, 1);
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

/* The handle and its environment, without its databases: what the page
 * check at open (open.c) needs, before anything is written. */
int
ims__env_open(ims_store **out, const char *path, const ims_open_opts *o)
{
	ims_store *st;
	struct stat sb;
	int rc;

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
		ims__registry_del(sb.st_dev, sb.st_ino);
		return ENOMEM;
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->pid = ims__pid();
	st->flags = o->flags;
	st->map_max = o->map_max ? o->map_max : DEFAULT_MAP_MAX;
	pthread_rwlock_init(&st->resize_lock, NULL);
	pthread_mutex_init(&st->gc_lock, NULL);
	st->gc_tail = &st->gc_head;
	*out = st;
	if (!(st->path = strdup(path)))
		return ENOMEM;
	return env_setup(st, o);
}

/* Open (or, for a new store, create) the databases; then a new store's
 * files get their modes. */
int
ims__dbs_open(ims_store *st)
{
	int created = st->flags & IMS_OPEN_CREATE, rc;

	if ((rc = open_dbs(st, created, 0)))
		return rc;
	return created ? fix_modes(st->path) : 0;
}

void
ims_store_close(ims_store *st)
{
	if (!st)
		return;
	/* In a forked child only the memory is released: closing the parent's
	 * environment here would drop the parent's locks. */
	if (st->pid == ims__pid()) {
		mdb_env_close(st->env);
		ims__registry_del(st->dev, st->ino);
	}
	pthread_rwlock_destroy(&st->resize_lock);
	pthread_mutex_destroy(&st->gc_lock);
	free(st->path);
	free(st);
}
const char *
ims_store_path(const ims_store *st)
{
	return st ? st->path : NULL;
}
