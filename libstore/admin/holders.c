/* holders.c - who holds the store open (doveadm who, lsof): the processes
 * that have it open, from the fcntl() locks on lock.mdb that every open
 * holds (a shared lock on its first byte, an exclusive one while compact
 * runs, compact.c), as the kernel lists them in /proc/locks; which of them
 * read a snapshot, from LMDB's reader table (mdb_reader_list); each
 * process's program and start time from /proc/PID.  Linux only. */
#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

#define PATH_CAP 4096

typedef struct hlist {
	ims_holder *v;
	size_t n, cap;
} hlist;

static ims_holder *
holder_of(hlist *l, int64_t pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].pid == pid)
			return &l->v[i];
	if (ims__grow(&l->v, &l->cap, l->n, sizeof(*l->v), 8))
		return NULL;
	memset(&l->v[l->n], 0, sizeof(*l->v));
	l->v[l->n].pid = pid;
	l->v[l->n].since = IMS_TIME_NONE;
	return &l->v[l->n++];
}

/* One line of /proc/locks: "N: [-> ]POSIX ADVISORY READ|WRITE PID
 * MAJ:MIN:INO START END", the device numbers in hex; a waiter's line has
 * "->" after the number. */
static int
lock_line(hlist *l, const char *line, const struct stat *sb)
{
	char type[16], mode[16], rw[16];
	unsigned maj, mnr;
	unsigned long long ino, start;
	long long pid;
	int waiting = strstr(line, "->") != NULL;
	const char *p = strchr(line, ':');
	ims_holder *h;

	if (!p)
		return 0;
	p += waiting ? strspn(p + 1, " ") + 3 : 1;
	if (sscanf(p, "%15s %15s %15s %lld %x:%x:%llu %llu", type, mode, rw, &pid, &maj,
	           &mnr, &ino, &start) != 8 || pid <= 0)
		return 0;
	/* the open lock is on byte 0; LMDB also locks the byte at its pid's
	 * offset, to show the process is alive */
	if (maj != major(sb->st_dev) || mnr != minor(sb->st_dev) ||
	    ino != (unsigned long long)sb->st_ino || start != 0)
		return 0;
	if (!(h = holder_of(l, pid)))
		return ENOMEM;
	h->flags |= waiting ? IMS_HOLDER_WAITING
	                    : strcmp(rw, "WRITE") == 0 ? IMS_HOLDER_EXCLUSIVE : IMS_HOLDER_OPEN;
	return 0;
}

static int
read_locks(hlist *l, const struct stat *sb, int *excl)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	int rc = 0;

	if (!f)
		return errno == ENOENT ? ENOSYS : errno;
	while (rc == 0 && fgets(line, sizeof(line), f))
		rc = lock_line(l, line, sb);
	fclose(f);
	for (size_t i = 0; i < l->n; i++)
		*excl |= (l->v[i].flags & IMS_HOLDER_EXCLUSIVE) != 0;
	return rc;
}

/* mdb_reader_list's lines: "pid thread txnid" ("-" for no snapshot). */
static int
reader_line(const char *msg, void *ctx)
{
	hlist *l = ctx;
	long long pid;
	char thr[32], txn[32];
	ims_holder *h;

	if (sscanf(msg, "%lld %31s %31s", &pid, thr, txn) != 3 || pid <= 0)
		return 0; /* the heading, "(no active readers)" */
	if (!(h = holder_of(l, pid)))
		return -1;
	if (isdigit((unsigned char)txn[0])) {
		h->flags |= IMS_HOLDER_SNAPSHOT;
		h->snapshot = strtoull(txn, NULL, 10);
	}
	return 0;
}

/* The reader table, through an environment of our own: only when this
 * process does not have the store open (a second environment's close
 * would drop its locks) and no compact holds it (the open would wait). */
static int
read_readers(hlist *l, const char *path, const struct stat *sb, int excl)
{
	MDB_env *env;
	int rc;

	if (excl || ims__registry_has(sb->st_dev, sb->st_ino))
		return 0;
	if ((rc = mdb_env_create(&env)))
		return ims__map_err(rc);
	mdb_env_set_maxdbs(env, 32);
	rc = mdb_env_open(env, path, MDB_RDONLY | MDB_NOTLS, 0600);
	if (rc == 0 && mdb_reader_list(env, reader_line, l) < 0)
		rc = ENOMEM;
	mdb_env_close(env);
	return rc == MDB_INVALID ? IMS_NOTSTORE : ims__map_err(rc);
}

/* Program (comm) and start time of a process, when /proc shows them. */
static void
proc_info(ims_holder *h, long long btime, long hz)
{
	char p[64], buf[1024], *e;
	unsigned long long start;
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "/proc/%lld/comm", (long long)h->pid);
	if ((f = fopen(p, "re"))) {
		if (fgets(h->program, sizeof(h->program), f))
			h->program[strcspn(h->program, "\n")] = '\0';
		fclose(f);
	}
	if (kill((pid_t)h->pid, 0) != 0 && errno == ESRCH)
		h->flags |= IMS_HOLDER_GONE;
	snprintf(p, sizeof(p), "/proc/%lld/stat", (long long)h->pid);
	if (!(f = fopen(p, "re")))
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after "(comm)", which may hold anything: field 22 is the 20th */
	if (!(e = strrchr(buf, ')')) || btime <= 0 || hz <= 0)
		return;
	for (int i = 0; i < 20 && e; i++)
		e = strchr(e + 1, ' ');
	if (e && sscanf(e + 1, "%llu", &start) == 1)
		h->since = (int64_t)btime * 1000000 + (int64_t)(start * 1000000 / (unsigned long long)hz);
}

static long long
boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	long long t = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	fclose(f);
	return t;
}

int
ims_store_holders(ims_holder **out, size_t *n, const char *path)
{
	char lock[PATH_CAP];
	struct stat sb;
	hlist l = { NULL, 0, 0 };
	int rc, excl = 0;
	long long bt = boot_time();

	*out = NULL;
	*n = 0;
	if (!path || snprintf(lock, sizeof(lock), "%s/lock.mdb", path) >= (int)sizeof(lock))
		return IMS_INVALID;
	if (stat(lock, &sb) != 0) {
		if (errno != ENOENT)
			return errno;
		/* a store never opened since its copy has no lock file: no
		 * process has it open */
		memcpy(lock + strlen(lock) - 8, "data", 4);
		return stat(lock, &sb) == 0 ? 0 : errno == ENOENT ? IMS_NOTFOUND : errno;
	}
	if ((rc = read_locks(&l, &sb, &excl)) ||
	    (rc = read_readers(&l, path, &sb, excl))) {
		free(l.v);
		return rc;
	}
	for (size_t i = 0; i < l.n; i++)
		proc_info(&l.v[i], bt, sysconf(_SC_CLK_TCK));
	*out = l.v;
	*n = l.n;
	return 0;
}

void
ims_holders_free(ims_holder *h)
{
	free(h);
}
