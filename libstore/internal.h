/* internal.h - private to libimstore: the store handle, the on-disk layout
 * (see imstore(5)) and helpers shared between the .c files (ims__ names). */
#ifndef IMS_INTERNAL_H
#define IMS_INTERNAL_H

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "imstore.h"

/* Named databases: their slots in st->dbi.  Their names on disk are in
 * env.c, those of the secondary indexes (IMS__DB_IX_*) in their rows of
 * ims__indexes (engine/index.c), with how a message's key is made; a new
 * database takes a new slot before IMS__DB_N (slots are not the format:
 * names, keys and values are). */
enum {
	IMS__DB_META = 0,  /* "format", "last_id", "next_atom", "totals" */
	IMS__DB_MSG,       /* id(16) -> record */
	IMS__DB_BODY,      /* id(16) chunk(4 BE) -> chunk */
	IMS__DB_ATOM,      /* kind(1) text -> atom(4 BE) */
	IMS__DB_ATOMID,    /* atom(4 BE) -> kind(1) text */
	IMS__DB_IX_OWNER,  /* owner(4) folder(1) received(8) id(16) -> "" */
	IMS__DB_IX_FROM,   /* from(4) received(8) id(16) -> "" */
	IMS__DB_IX_CONV,   /* conv(4) received(8) id(16) -> "" */
	IMS__DB_IX_MSGID,  /* msgid NUL owner(4) folder(1) -> id(16) */
	IMS__DB_IX_TIME,   /* received(8) id(16) -> "" */
	IMS__DB_IX_EXPIRY, /* expires(8) id(16) -> "" */
	IMS__DB_COUNT,     /* owner(4) folder(1) -> ims__counter */
	IMS__DB_SETTINGS,  /* owner(4) -> settings (settings.c) */
	IMS__DB_LEASE,     /* deadline(8) random(8) -> owner(4) n(4) id(16)... */
	IMS__DB_CONVMETA,  /* owner(4) conv(4) -> name (history.c) */
	IMS__DB_AUDIT,     /* time(8) seq(4) -> audit entry (audit.c) */
	IMS__DB_QUARANTINE, /* id(16) -> undecodable record as found (verify.c) */
	IMS__DB_IX_TYPE,   /* media type NUL received(8) id(16) -> "" */
	IMS__DB_QUOTA,     /* owner(4) -> a user's quota overrides (quota.c) */
	IMS__DB_REAP,      /* id(16) -> record of a deleted message (reap.c) */
	IMS__DB_N
};

#define IMS__ATOM_ADDR 'a'
#define IMS__ATOM_CONV 'c'

/* Body chunking: each chunk is compressed on its own so that memory stays
 * bounded whatever the body size. */
#define IMS__CHUNK (1024u * 1024u)
#define IMS__CHUNK_HDR 12 /* crc(4) method(1) pad(3) raw_len(4) */
#define IMS__Z_NONE 0
#define IMS__Z_DEFLATE 1
#define IMS__Z_DEFLATE_DICT 2 /* raw deflate with ims__zdict preset; chunk 0 only */
#define IMS__Z_MAX IMS__Z_DEFLATE_DICT
/* Whether method is valid for chunk i. */
#define IMS__Z_OK(method, i) \
	((method) <= IMS__Z_DEFLATE || ((method) == IMS__Z_DEFLATE_DICT && (i) == 0))
/* The preset dictionary of method 2 (body.c): part of the format, never
 * to change; its CRC-32C is in imstore(5) and checked by test_store. */
extern const unsigned char *const ims__zdict_p;
extern const size_t ims__zdict_len;

/* A write waiting for the next group commit (env.c). */
typedef int (*ims__write_fn)(ims_store *st, MDB_txn *txn, void *ctx);
typedef struct ims__wreq {
	ims__write_fn fn;
	void *ctx;
	int rc;
	int done;
	pthread_cond_t wake;     /* signalled when done, or to lead */
	struct ims__wreq *next;
} ims__wreq;

struct ims_store {
	MDB_env *env;
	MDB_dbi dbi[IMS__DB_N];
	char *path;
	unsigned flags;          /* IMS_OPEN_* */
	pid_t pid;               /* the process that opened it */
	size_t map_max;
	dev_t dev;
	ino_t ino;
	int panicked;
	int no_quota;            /* read-only open of a store without "quota" */
	int no_reap;             /* read-only open of a store without "reap" */
	/* Held for reading by every transaction of this process; held for
	 * writing to change the map size (LMDB requires no transaction). */
	pthread_rwlock_t resize_lock;
	/* Group commit: writers queue; one of them, the leader, runs the queue
	 * in one transaction and one sync (see run_group). */
	pthread_mutex_t gc_lock;
	ims__wreq *gc_head, **gc_tail;
	int gc_leader;
	uint64_t commits, writes;  /* for tests and statistics */
	/* Where LMDB's map starts (0: to be found again after a resize) and
	 * the file's size last seen: for ims__val_in_file(). */
	uintptr_t map_lo, map_hi;
	uint64_t file_end;
	/* What deleting one message has cost lately, commit included, in ns
	 * (0: not known yet): bulk deletes size their transactions by it
	 * (delete.c).  Read and written with __atomic builtins. */
	int64_t del_ns;
};

/* Counters per (owner, folder) and for the store (meta "totals.N"). */
typedef struct ims__counter {
	uint64_t count;
	uint64_t bytes;     /* body bytes as received */
	uint64_t stored;    /* body bytes as stored */
} ims__counter;

/* LMDB's MDB_val takes a non-const pointer even for keys it only reads. */
static inline void *ims__uc(const void *p) { return (void *)(uintptr_t)p; }

/* crc.c: CRC-32C, chained like zlib's crc32 (start with 0) */
uint32_t ims__crc32c(uint32_t crc, const void *data, size_t len);
uint32_t ims__crc32c_sw(uint32_t crc, const void *data, size_t len);

/* ---- engine/env.c: the environment and its databases ---- */
/* The handle and its LMDB environment, not yet its databases (*out is set
 * as soon as there is a handle: ims_store_close() releases it on failure). */
int ims__env_open(ims_store **out, const char *path, const ims_open_opts *o);
/* Open, create or upgrade the databases of a handle from ims__env_open. */
int ims__dbs_open(ims_store *st);
/* The name on disk of database slot db (IMS__DB_*), a static string. */
const char *ims__db_name(int db);
/* A 4-byte big-endian value of the meta database (IMS_CORRUPT if it has
 * another size). */
int ims__meta_get_u32(uint32_t *out, ims_store *st, MDB_txn *txn, const char *key);
/* The stores open in this process (by directory): IMS_BUSY when it is. */
int ims__registry_add(dev_t dev, ino_t ino);
void ims__registry_del(dev_t dev, ino_t ino);
int ims__registry_has(dev_t dev, ino_t ino);

/* ---- engine/map.c ---- */
/* Whether value v that LMDB handed out in txn lies inside the file: a
 * damaged node can claim a size reaching past its end, where reading
 * would fault (SIGBUS).  1 when it does, or when the map cannot be found
 * (no /proc); callers answer IMS_CORRUPT otherwise. */
int ims__val_in_file(ims_store *st, MDB_txn *txn, const MDB_val *v);

/* ---- admin/pagecheck.c (called by open.c) ---- */
/* 0 when LMDB's pages are sound, IMS_CORRUPT, or an error; needs only the
 * environment (no database handle). */
int ims__pages_sound(ims_store *st);

/* ---- engine/txn.c: transactions ---- */
int ims__check(ims_store *st);
/* Grow the map (IMS_FULL past map_max); no transaction of st may be open. */
int ims__map_grow(ims_store *st);
int ims__txn_begin(ims_store *st, unsigned flags, MDB_txn **out);
void ims__txn_abort(ims_store *st, MDB_txn *txn);
int ims__txn_commit(ims_store *st, MDB_txn *txn);
/* Run fn in a write transaction and return only once it is durable (or
 * failed).  Concurrent callers share one commit (group commit): fn runs in
 * the group's transaction, or, when one of the group fails, in a nested
 * transaction of it, so that its failure undoes only its own changes; it
 * may run more than once (after the map grows, or a failure in its group),
 * so it must start from scratch each time.  fn returns 0 to keep its
 * changes. */
int ims__write(ims_store *st, ims__write_fn fn, void *ctx);

/* ---- engine/util.c ---- */
/* An LMDB code as an imstore code (errno values pass through). */
int ims__map_err(int mdb_rc);
int ims__put_tail(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags);
/* Room for element n of the array *arrayp (a T **, capacity *cap): when
 * full it doubles (first elements the first time).  0, or ENOMEM with the
 * array as it was. */
int ims__grow(void *arrayp, size_t *cap, size_t n, size_t elem, size_t first);
/* fsync a directory: its entries (a rename, a new file) become durable. */
int ims__sync_dir(const char *path);
static inline void ims__be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}
static inline uint32_t ims__rd_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline void ims__be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}
static inline uint64_t ims__rd_be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}
/* Record and body chunk integers are little-endian. */
static inline void ims__le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16); p[3] = (unsigned char)(v >> 24);
}
static inline uint32_t ims__rd_le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
/* Times are stored big-endian with the sign bit flipped so that byte order
 * is numeric order. */
static inline void ims__be_time(unsigned char *p, int64_t t)
{
	uint64_t v = (uint64_t)t ^ 0x8000000000000000ull;
	for (int i = 7; i >= 0; i--) { p[i] = (unsigned char)v; v >>= 8; }
}
static inline int64_t ims__rd_be_time(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)(v ^ 0x8000000000000000ull);
}
int64_t ims__now_us(void);
/* ---- engine/pairset.c ---- */
/* Pairs of strings (b may be NULL: a set of strings) in the order first
 * met, each counted; the set owns copies of them. */
typedef struct ims__pair {
	char *a, *b;
	uint64_t count;          /* times added */
} ims__pair;
typedef struct ims__pairset {
	ims__pair *v;            /* in the order first added */
	size_t n, cap;
	size_t *slots;           /* open addressing: index into v, or SIZE_MAX */
	size_t slots_cap;
} ims__pairset;
/* Add (a, b), or count it once more: its index in v in *index; 0 or
 * ENOMEM.  A zeroed set is empty. */
int ims__pairset_add(size_t *index, ims__pairset *s, const char *a, const char *b);
void ims__pairset_free(ims__pairset *s);
int ims__utf8_valid(const char *s, size_t len);
/* Cryptographic random bytes (getrandom, pooled per thread); 0 or errno. */
int ims__random(void *buf, size_t len);
/* getpid() without a system call once known (a fork clears what is known). */
pid_t ims__pid(void);

/* ---- engine/atom.c: interned strings (addresses, conversations) ---- */
int ims__atom_find(uint32_t *out, ims_store *st, MDB_txn *txn, int kind,
                   const char *text);
int ims__atom_intern(uint32_t *out, ims_store *st, MDB_txn *txn, int kind,
                     const char *text);

/* ---- engine/counter.c ---- */
int ims__counter_add(ims_store *st, MDB_txn *txn, uint32_t owner,
                     ims_folder folder, int64_t sign, uint64_t bytes,
                     uint64_t stored);
int ims__totals_get(ims__counter out[3], ims_store *st, MDB_txn *txn);

/* ---- engine/record.c, engine/record-v1.c: the metadata record codec ---- */
#define IMS__REC_V1 1      /* record-v1.c: read, and written by tests only */
#define IMS__REC_V2 2      /* record.c: written */
#define IMS__REC_FIXED 100 /* version 1's fixed part */

/* Fields of a record that live outside ims_msg. */
typedef struct ims__recx {
	uint32_t owner_atom, from_atom, conv_atom;
	uint32_t raw_crc;       /* crc32 of the body as received */
	uint32_t nchunks;
	uint64_t stored;        /* body bytes as stored */
	int64_t lease_until;
} ims__recx;

/* Size of the encoding of msg and x (addresses already canonical). */
size_t ims__rec_size(const ims_msg *msg, const ims__recx *x);
/* Encode into buf of exactly ims__rec_size() bytes, checksum first. */
void ims__rec_encode(unsigned char *buf, size_t len, const ims_msg *msg,
                     const ims__recx *x);

/* Scratch arrays a decoded message points into. */
typedef struct ims__decbuf {
	ims_addr *addrs;
	size_t addrs_cap;
	ims_header *hdrs;
	size_t hdrs_cap;
} ims__decbuf;

void ims__decbuf_free(ims__decbuf *d);
int ims__decbuf_reserve(ims__decbuf *d, size_t naddrs, size_t nhdrs);
/* Decode a record of either version in place: strings of msg point into
 * buf.  Checks the checksum and every length; IMS_CORRUPT on any
 * mismatch. */
int ims__rec_decode(ims_msg *msg, ims__recx *x, ims__decbuf *d,
                    const ims_id *id, const unsigned char *buf, size_t len);
/* The record buf with new state, flags, delivery time and lease, as a new
 * version 2 record in *out (the caller's to free): 0, IMS_CORRUPT when buf
 * does not decode, or ENOMEM. */
int ims__rec_patch(unsigned char **out, size_t *out_len, const unsigned char *buf,
                   size_t len, ims_state state, unsigned flags, int64_t delivered,
                   int64_t lease_until);
void ims__rec_seal(unsigned char *buf, size_t len);
/* One version (the checksum already checked; m cleared). */
size_t ims__rec1_size(const ims_msg *msg);
void ims__rec1_encode(unsigned char *buf, size_t len, const ims_msg *msg,
                      const ims__recx *x);
int ims__rec1_decode(ims_msg *m, ims__recx *x, ims__decbuf *d,
                     const unsigned char *buf, size_t len);
size_t ims__rec2_size(const ims_msg *msg, const ims__recx *x);
void ims__rec2_encode(unsigned char *buf, size_t len, const ims_msg *msg,
                      const ims__recx *x);
int ims__rec2_decode(ims_msg *m, ims__recx *x, ims__decbuf *d,
                     const unsigned char *buf, size_t len);

/* ---- engine/body.c ---- */
typedef struct ims__body_in {
	const unsigned char *data;
	size_t len;
	uint32_t raw_crc;
	uint32_t nchunks;
	uint64_t stored;          /* filled by ims__body_put */
	unsigned char *chunk0;    /* chunk 0 prepared before the transaction */
	size_t chunk0_len;
} ims__body_in;

/* m: the message as its record will hold it (method 2's dictionary). */
int ims__body_prepare(ims__body_in *b, const void *data, size_t len,
                      const ims_msg *m);
void ims__body_release(ims__body_in *b);
int ims__body_put(ims_store *st, MDB_txn *txn, const ims_id *id,
                  ims__body_in *b);
int ims__body_del(ims_store *st, MDB_txn *txn, const ims_id *id);
/* The body of the message m (as decoded from its record), its size
 * m->size. */
int ims__body_read(ims_store *st, MDB_txn *txn, const ims_id *id,
                   const ims_msg *m, const ims__recx *x, ims_body_cb cb,
                   void *payload);
/* Method 2's dictionary for m into out of IMS__ZDICT_MAX bytes; its length. */
#define IMS__ZDICT_MSG_MAX 2048
#define IMS__ZDICT_MAX (1071 + IMS__ZDICT_MSG_MAX)
size_t ims__zdict_build(unsigned char *out, const ims_msg *m);

/* ---- engine/index.c: the secondary indexes, one row each ---- */
/* The key of message m (its id, its record's x) in an index, into out of
 * IMS__INDEX_KEY_MAX bytes: its length. */
typedef size_t (*ims__index_key_fn)(unsigned char *out, const ims_id *id,
                                    const ims_msg *m, const ims__recx *x);
/* Whether an index holds m. */
typedef int (*ims__index_covers_fn)(const ims_msg *m, const ims__recx *x);

/* Flags of a row. */
#define IMS__IX_UNIQUE 0x1  /* key text NUL owner(4) folder(1) -> id(16): one
                             * message a key; removed only while it names
                             * the id (a later message may take the key) */
#define IMS__IX_LATER 0x2   /* added after stores existed: a store may lack
                             * it; a writable open creates it and fills it
                             * from the records, a read-only open refuses */
#define IMS__IX_AT_ONCE 0x4 /* what a user's listing reads: a lazy deletion
                             * (reap.c) removes its entry at once, the
                             * other entries wait for the sweep */
/* prefix of a row whose key starts with a text of 1 to IMS__TYPE_MAX bytes
 * and a NUL */
#define IMS__IX_PTEXT (-1)

/* A secondary index: its database and how a message's entry is made.  The
 * table itself, and how to add a row, is in engine/index.c. */
typedef struct ims__index {
	int db;                      /* its slot: st->dbi[db], an IMS__DB_IX_* */
	const char *name;            /* its LMDB database: part of the format */
	ims__index_covers_fn covers; /* the messages it holds; NULL: every one */
	ims__index_key_fn key;       /* a covered message's key */
	int plen;                    /* but IMS__IX_UNIQUE: keys are prefix(plen)
	                              * time(8) id(16) -> "", the time received
	                              * (or expiring); or IMS__IX_PTEXT */
	unsigned flags;              /* IMS__IX_* */
} ims__index;

#define IMS__INDEX_N 7
#define IMS__INDEX_KEY_MAX (IMS_MSGID_MAX + 32)
/* The longest prefix of a time-ordered key (an IMS__IX_PTEXT text). */
#define IMS__INDEX_PREFIX_MAX (IMS__TYPE_MAX + 1)
extern const ims__index ims__indexes[IMS__INDEX_N];
/* The row of database slot db; NULL when it is not a secondary index. */
const ims__index *ims__index_of(int db);
/* The key of a message in ix: its length, or 0 when ix does not hold it
 * (no conversation, no expiry, text/plain). */
size_t ims__index_key(unsigned char *out, const ims__index *ix, const ims_id *id,
                      const ims_msg *m, const ims__recx *x);
/* Whether the n bytes at k have the shape of a key of ix. */
int ims__index_key_ok(const ims__index *ix, const unsigned char *k, size_t n);
/* A message's entries in every index, added (IMS_EXISTS when one is taken)
 * or removed (a missing one is passed over). */
int ims__index_add(ims_store *st, MDB_txn *txn, const ims_id *id,
                   const ims_msg *msg, const ims__recx *x);
int ims__index_del(ims_store *st, MDB_txn *txn, const ims_id *id,
                   const ims_msg *msg, const ims__recx *x);
/* Fill ix, just created, from the records, in the transaction that created
 * it (the index is never seen without the messages stored before it
 * existed); a record that does not decode is left to verify.  0, or an
 * LMDB code (MDB_MAP_FULL: the caller grows the map and starts again). */
int ims__index_build(ims_store *st, MDB_txn *txn, const ims__index *ix);
/* ix_msgid's key: msgid NUL owner(4) folder(1). */
size_t ims__msgid_key(unsigned char *out, const char *msgid, uint32_t owner,
                      ims_folder folder);
/* ix_type: the media type of the Content-Type, ASCII-lowercased, when it
 * has 1 to IMS__TYPE_MAX bytes and is not text/plain (those are not
 * indexed, and a query for one does not use the index). */
#define IMS__TYPE_MAX 127
#define IMS__TYPE_UNINDEXED "text/plain"
/* The ix_type prefix of a Content-Type (NULL: text/plain): its media type
 * lowercased and a NUL, into out of IMS__TYPE_MAX + 1 bytes; its length
 * with the NUL, or 0 when it is not indexed. */
size_t ims__type_prefix(unsigned char *out, const char *content_type);

/* ---- engine/counter.c ---- */
int ims__counter_get(ims__counter *out, ims_store *st, MDB_txn *txn,
                     uint32_t owner, ims_folder folder);
/* A counter value as stored (24 bytes): 0, or IMS_CORRUPT. */
int ims__counter_parse(ims__counter *out, const void *data, size_t len);
/* Set the counter of (owner, folder), removed when c->count is 0, or with
 * owner 0 the totals of the folder (verify --repair). */
int ims__counter_set(ims_store *st, MDB_txn *txn, uint32_t owner,
                     ims_folder folder, const ims__counter *c);

/* ---- oma/settings.c ---- */
int ims__config_read(ims_config *out, ims_store *st, MDB_txn *txn);

/* ---- oma/quota.c ---- */
/* The quota that applies to owner: cfg's limits, with the user's
 * overrides (their bits in out->set). */
int ims__quota_read(ims_quota *out, ims_store *st, MDB_txn *txn, uint32_t owner,
                    const ims_config *cfg);
/* Room in owner's history (0: a user never seen) for a message of size
 * bytes, in the storing transaction: 0, after dropping the user's oldest
 * messages that are not held when the policy says so, or IMS_QUOTA. */
int ims__history_room(ims_store *st, MDB_txn *txn, uint32_t owner, uint64_t size);
/* A quota value as stored: 0, or IMS_CORRUPT. */
int ims__quota_parse(ims_quota *out, const void *data, size_t len);
int ims__settings_read(ims_settings *out, ims_store *st, MDB_txn *txn,
                       uint32_t owner);

/* ---- engine/msgdb.c: the one reader of the message database ---- */
/* The record of id, checked to lie in the file (borrowed from txn). */
int ims__rec_get(MDB_val *out, ims_store *st, MDB_txn *txn, const ims_id *id);
/* ... decoded into a message the caller frees with ims_msg_free(). */
int ims__msg_owned(ims_msg **out, ims_store *st, MDB_txn *txn, const ims_id *id);
/* ... decoded into msg, borrowing from txn and d. */
int ims__msg_load(ims_msg *msg, ims__recx *x, ims__decbuf *d, ims_store *st,
                  MDB_txn *txn, const ims_id *id);

/* ---- msg/put.c ---- */
/* Called inside the write transaction after the duplicate check, with the
 * canonical message and its owner's atom (0: an address never interned,
 * a user never seen): returns 0 to store, or an error that aborts. */
typedef int (*ims__put_check)(ims_store *st, MDB_txn *txn, const ims_msg *c,
                              uint32_t owner, void *arg);
int ims__put(ims_id *out, ims_store *st, const ims_msg *msg, const void *body,
             size_t len, ims__put_check check, void *arg);
/* One message on its way into a write transaction (ims_put, ims_bulk). */
typedef struct ims__putreq {
	ims__put_check check; /* runs in the write transaction, may refuse */
	void *check_arg;
	ims_msg c;            /* the message with canonical addresses */
	ims_addr *addrs;      /* canonical To and cc */
	char *strbuf;         /* their text */
	ims__body_in body;
	ims_id id;            /* issued, found, or kept (keep_id) */
	int keep_id;          /* store under msg->id with its flags (import) */
} ims__putreq;
/* Check, canonicalise and prepare the body outside the transaction; on any
 * return ims__putreq_release() frees what it holds. */
int ims__putreq_prepare(ims__putreq *p, ims_store *st, const ims_msg *msg,
                        const void *body, size_t len, int keep_id);
/* An ims__write function: 0 stored, IMS_EXISTS (p->id the stored one
 * unless keep_id), or an error. */
int ims__putreq_txn(ims_store *st, MDB_txn *txn, void *ctx);
void ims__putreq_release(ims__putreq *p);

/* ---- xml/reader.c ---- */
struct _xmlDoc;
int ims__xml_read(struct _xmlDoc **out, const void *data, size_t len,
                  ims_errinfo *err);
/* 0 when the first len bytes of a document are UTF-8 as libxml2 will read
 * them; IMS_INVALID with why otherwise. */
int ims__xml_utf8_only(const void *data, size_t len, char *why, size_t cap);
/* A document of any size in fd read node by node (the export manifest):
 * libxml2's streaming reader, after the same refusals for its first 64 KiB
 * (UTF-8 only, no DOCTYPE before the element root), with the same options
 * (no network, no DTD, no entity, no message); the caller refuses a
 * DOCTYPE node met.  IMS_INVALID with why, which names the document as
 * what ("the manifest"). */
struct _xmlTextReader;
/* The calling thread's libxml2 messages that have no parser (encoding
 * errors of a stream) silenced between begin and end, the caller's error
 * function then put back: around every call that reads a stream. */
typedef struct ims__xml_quiet {
	void (*fn)(void);
	void *ctx;
} ims__xml_quiet;
void ims__xml_quiet_begin(ims__xml_quiet *q);
void ims__xml_quiet_end(const ims__xml_quiet *q);
int ims__xml_stream_open(struct _xmlTextReader **out, int fd, const char *what,
                         const char *root, char *why, size_t cap);

/* ---- xml/writer.c ---- */
typedef struct ims__xb {
	char *buf;
	size_t len, cap;
	int err;
} ims__xb;
int ims__xb_add(ims__xb *b, const char *s, size_t n);
int ims__xb_str(ims__xb *b, const char *s);
int ims__xb_text(ims__xb *b, const char *s, size_t n);
/* The export manifest's escaping (libxml2's text writer's, which wrote it
 * first): element text with ' as is, attributes with TAB and LF escaped. */
int ims__xb_value(ims__xb *b, const char *s, size_t n);
int ims__xb_attr(ims__xb *b, const char *name, const char *value);
/* Hand what is written to cb once at least at bytes are (0: whatever
 * there is), and start again; the callback's non-zero value, or b's error. */
int ims__xb_drain(ims__xb *b, size_t at, ims_body_cb cb, void *payload);
int ims__xb_elem(ims__xb *b, const char *indent, const char *name, const char *text);
int ims__xb_time(ims__xb *b, const char *indent, const char *name, int64_t us);
int ims__xb_finish(char **out, size_t *out_len, ims__xb *b);

/* ---- query/query.c ---- */
/* The next batch of ids of a query walked one write transaction a batch:
 * at most cap of the matches keep() takes (NULL: all), *more while more
 * match, cursor where to reopen the query. */
int ims__query_ids(ims_id *ids, size_t *n, size_t cap, int *more, char *cursor,
                   ims_query *q, int (*keep)(const ims_msg *m, void *arg), void *arg);
/* A query of f confined to one user's folder (and conversation, when not
 * NULL) with ims_filter_scope(), seeing what the user may see. */
int ims__scoped_query(ims_query **out, ims_store *st, const char *canon_user,
                      ims_folder folder, const char *conversation,
                      const ims_filter *f, const ims_query_opts *opts);

/* ---- oma/history.c, oma/history-list.c ---- */
/* "p-" and 16 hex digits of FNV-1a 64 over the user and the sorted, distinct
 * peers: the conversation of a pager or large message without one. */
int ims__history_conv_id(char out[IMS_CONV_MAX + 1], const char *canon_user,
                         const ims_msg *m);
/* The originator and To recipients of a conversation's first message
 * (borrowed from the list); 0, or IMS_NOTFOUND past the end. */
int ims__conv_first(const ims_addr **from, const ims_addr **to, size_t *nto,
                    const ims_conv_list *l, size_t i);

/* ---- admin/audit.c ---- */
/* The user the process runs as, for the audit trail. */
void ims__actor(char *out, size_t cap);

/* ---- msg/remove.c ---- */
/* Delete one message inside txn, at once.  With recheck, a message that no
 * longer matches is left alone (IMS_NOTFOUND); IMS_HELD under legal hold;
 * *bytes (may be NULL) its body size. */
int ims__delete_txn(ims_store *st, MDB_txn *txn, const ims_id *id,
                    const ims_filter *recheck, uint64_t *bytes);

/* ---- msg/reap.c: deleting a deferred message now for its user, the rest
 * later ---- */
int ims__delete_lazy(ims_store *st, MDB_txn *txn, const ims_id *id);
int ims__reap(size_t *done, ims_store *st, MDB_txn *txn, size_t max);
/* What a deleted message of this id left, removed now (an id stored again). */
int ims__reap_id(ims_store *st, MDB_txn *txn, const ims_id *id);
int ims__reap_listed(int *yes, ims_store *st, MDB_txn *txn, const ims_id *id);

/* ---- msg/envelope.c ---- */
struct cpim_msg;
/* 1 when the stored bytes of m are a whole Message/CPIM payload (its type
 * message/cpim, or the kept header "Content-Type: message/cpim" that
 * ims_ingest_cpim() adds), so that m's content type is the inner one. */
int ims__msg_is_cpim(const ims_msg *m);
/* Where the CPIM headers of a payload stored whole start: after its outer
 * MIME blocks, cut only when what is left parses as the same message; 0
 * when there is none or the payload does not parse. */
size_t ims__cpim_start(const unsigned char *p, size_t len);
/* The value of m's first kept header of this name (any case), or NULL. */
const char *ims__msg_header(const ims_msg *m, const char *name);
/* The envelope of a message not stored as one, from its record and body:
 * 0, IMS_INVALID (what CPIM cannot carry), ENOMEM. */
int ims__msg_cpim_build(struct cpim_msg **out, const ims_msg *m,
                        const void *body, size_t len);

/* ---- msg/read.c ---- */
/* The id of ix_msgid entry key; IMS_NOTFOUND also for a deleted message's
 * entry, which fix (a write transaction) removes. */
int ims__msgid_get(ims_id *out, ims_store *st, MDB_txn *txn, MDB_val *key, int fix);

/* ---- msg/delete.c ---- */
int ims__rec_rewrite(ims_store *st, MDB_txn *txn, const ims_id *id,
                     ims_state state, unsigned flags, int64_t delivered,
                     int64_t lease_until);
int ims__user_delete(ims_store *st, MDB_txn *txn, const ims_id *id,
                     const ims_msg *m, const ims__recx *x);
/* Bulk deletion in bounded write transactions: how many messages fit in
 * one that is to end, commit included, within budget µs (by what deleting
 * has cost on st lately), and what a transaction of n took. */
#define IMS__TXN_BUDGET_US 50000
size_t ims__delete_fit(ims_store *st, int64_t budget);
void ims__delete_learn(ims_store *st, int64_t us, size_t n);

#define IMS__MAX(a, b) ((a) > (b) ? (a) : (b))
#define IMS__MIN(a, b) ((a) < (b) ? (a) : (b))

/* admin/verify-perm.c: the store directory, then each entry in it (name
 * NULL for the directory), lstat'ed, to fn until it returns non-zero; the
 * one test of a mode everyone may write.  Shared by verify and check. */
struct stat;
typedef int (*ims__perm_fn)(void *ctx, const char *path, const char *name,
                            const struct stat *sb);
int ims__perm_walk(const char *dir, ims__perm_fn fn, void *ctx);
int ims__perm_world_writable(const struct stat *sb);

#endif
