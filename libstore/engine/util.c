/* util.c - error strings, names, ids, time, UTF-8, the process id and
 * randomness. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cpim.h"
#include "internal.h"

static const char *const ims_errstr[] = {
	"no error",
	"not found",
	"already stored",
	"store is corrupt (checksum or structure mismatch)",
	"store is full (map cannot grow)",
	"store is busy",
	"invalid argument",
	"unsupported store format version (this imstore reads formats 1 to 3)",
	"fatal store error (reopen the store)",
	"store handle used after fork",
	"value too large",
	"store is open read-only",
	"syntax error in filter",
	"end of iteration",
	"message is under legal hold",
	"internal storage engine error",
	"not an imstore store",
	"not stored (refused)",
	"over the user's quota",
};

const char *
ims_strerror(int err)
{
	if (err == 0)
		return ims_errstr[0];
	if (err < 0 && err >= IMS_QUOTA && err < IMS_ERR_BASE)
		return ims_errstr[IMS_ERR_BASE - err];
	if (err > 0) {
		switch (err) {
		case ENOENT: return "no such file or directory";
		case EACCES: return "permission denied";
		case EPERM: return "operation not permitted";
		case ENOSPC: return "no space left on device";
		case EDQUOT: return "disk quota exceeded";
		case EIO: return "input/output error";
		case ENOMEM: return "out of memory";
		case EROFS: return "read-only file system";
		case ENOTDIR: return "not a directory";
		case EEXIST: return "file exists";
		case EAGAIN: return "resource temporarily unavailable";
		case EINVAL: return "invalid argument";
		default: break;
		}
		return strerror(err); /* glibc returns static text for errnos */
	}
	return "unknown error";
}

static const char *const folder_names[] = { NULL, "deferred", "history" };
static const char *const mode_names[] = { NULL, "pager", "large", "session" };
static const char *const state_names[] = {
	"stored", "pending", "delivering", "delivered", "failed"
};

const char *
ims_folder_name(ims_folder f)
{
	return f >= 1 && f <= 2 ? folder_names[f] : "unknown";
}

const char *
ims_mode_name(ims_mode m)
{
	return m >= 1 && m <= 3 ? mode_names[m] : "unknown";
}

const char *
ims_state_name(ims_state s)
{
	return (unsigned)s <= 4 ? state_names[s] : "unknown";
}

static int
name_find(const char *const *names, int lo, int hi, const char *name)
{
	for (int i = lo; name && i <= hi; i++)
		if (strcasecmp(names[i], name) == 0)
			return i;
	return -1;
}

int
ims_folder_parse(ims_folder *out, const char *name)
{
	int i = name_find(folder_names, 1, 2, name);

	if (i < 0)
		return IMS_INVALID;
	*out = (ims_folder)i;
	return 0;
}

int
ims_mode_parse(ims_mode *out, const char *name)
{
	int i = name_find(mode_names, 1, 3, name);

	if (i < 0)
		return IMS_INVALID;
	*out = (ims_mode)i;
	return 0;
}

int
ims_state_parse(ims_state *out, const char *name)
{
	int i = name_find(state_names, 0, 4, name);

	if (i < 0)
		return IMS_INVALID;
	*out = (ims_state)i;
	return 0;
}

/* Crockford base32: 26 characters for 128 bits (the first carries 3). */
static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int
b32_val(int c)
{
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c == 'I' || c == 'L')
		c = '1';
	if (c == 'O')
		c = '0';
	const char *p = c ? strchr(b32, c) : NULL;
	return p ? (int)(p - b32) : -1;
}

void
ims_id_fmt(char *out, const ims_id *id)
{
	/* 130 bits of output; the two leading pad bits are zero */
	for (int i = 0; i < IMS_ID_STRLEN; i++) {
		int bit = i * 5 - 2, v = 0;
		for (int k = 0; k < 5; k++, bit++) {
			v <<= 1;
			if (bit >= 0)
				v |= (id->b[bit / 8] >> (7 - bit % 8)) & 1;
		}
		out[i] = b32[v];
	}
	out[IMS_ID_STRLEN] = '\0';
}

int
ims_id_parse(ims_id *out, const char *text)
{
	ims_id id;

	if (!text || strlen(text) != IMS_ID_STRLEN)
		return IMS_INVALID;
	memset(&id, 0, sizeof(id));
	for (int i = 0; i < IMS_ID_STRLEN; i++) {
		int v = b32_val((unsigned char)text[i]);
		if (v < 0 || (i == 0 && v > 7))
			return IMS_INVALID;
		for (int k = 0; k < 5; k++) {
			int bit = i * 5 - 2 + k;
			if (bit >= 0 && (v >> (4 - k) & 1))
				id.b[bit / 8] |= (unsigned char)(1 << (7 - bit % 8));
		}
	}
	*out = id;
	return 0;
}

int64_t
ims_id_time_ms(const ims_id *id)
{
	int64_t ms = 0;

	for (int i = 0; i < 6; i++)
		ms = ms << 8 | id->b[i];
	return ms;
}

int64_t
ims__now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The process id without a system call each time: glibc no longer caches
 * it, and ims__check() asks on every call (a put asked three times, a
 * transcript once a body).  The value is kept in a page the kernel zeroes
 * in the child of any fork (MADV_WIPEONFORK, Linux 4.14: fork(), _Fork(),
 * a raw clone() alike, atfork handlers or not), so a child reads 0 and asks
 * again.  Where the page cannot be had, every call asks. */
static pid_t *pid_page;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void
pid_page_setup(void)
{
	size_t size = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);

	if (p == MAP_FAILED)
		return;
	if (madvise(p, size, MADV_WIPEONFORK)) {
		munmap(p, size);
		return;
	}
	pid_page = p;
}

pid_t
ims__pid(void)
{
	pid_t pid;

	pthread_once(&pid_once, pid_page_setup);
	if (!pid_page)
		return getpid();
	if ((pid = __atomic_load_n(pid_page, __ATOMIC_RELAXED)) == 0) {
		pid = getpid();
		__atomic_store_n(pid_page, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

static int
random_fill(unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Small draws (an id's 10 bytes, a lease key's 8) come from a per-thread
 * pool refilled by one getrandom() per 256 bytes instead of one call each:
 * the same kernel CSPRNG output, handed out once and wiped.  A pool copied
 * into a forked child is not used there (it was filled in another
 * process). */
static __thread struct {
	pid_t pid;
	size_t n;
	unsigned char b[256];
} rnd_pool;

int
ims__random(void *buf, size_t len)
{
	pid_t pid = ims__pid();
	int rc;

	if (len > sizeof(rnd_pool.b) / 8)
		return random_fill(buf, len);
	if (rnd_pool.pid != pid || rnd_pool.n < len) {
		if ((rc = random_fill(rnd_pool.b, sizeof(rnd_pool.b))))
			return rc;
		rnd_pool.n = sizeof(rnd_pool.b);
		rnd_pool.pid = pid;
	}
	rnd_pool.n -= len;
	memcpy(buf, rnd_pool.b + rnd_pool.n, len);
	explicit_bzero(rnd_pool.b + rnd_pool.n, len);
	return 0;
}

/* Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF):
 * libcpim's check, the one both libraries apply. */
int
ims__utf8_valid(const char *s, size_t len)
{
	return cpim_utf8_valid(s, len);
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
ims__grow(void *arrayp, size_t *cap, size_t n, size_t elem, size_t first)
{
	void *a, *na;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	if (ncap > SIZE_MAX / elem)
		return ENOMEM;
	memcpy(&a, arrayp, sizeof(a));
	if (!(na = realloc(a, ncap * elem)))
		return ENOMEM;
	memcpy(arrayp, &na, sizeof(na));
	*cap = ncap;
	return 0;
}

/* Make a directory's entries durable (after a rename or a create in it). */
int
ims__sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return errno;
	if (fsync(fd) != 0)
		rc = errno;
	close(fd);
	return rc;
}
