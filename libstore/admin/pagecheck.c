/* pagecheck.c - the structural check of ims_verify: LMDB's own pages,
 * read with pread(2) rather than through the map, so that a damaged page
 * number or size is found and reported instead of faulting.
 *
 * From the meta page of a read snapshot, every tree (the main database,
 * each named database, the free list) is walked: each page must lie in
 * the file, carry its own number and the kind its place in the tree
 * requires, and hold nodes that fit in it; overflow runs must lie in the
 * file; no page may be reached twice or be both in use and free; the
 * counts of each tree must match its header.  The layout facts are those
 * of LMDB 0.9 (data format version 1) on a little-endian 64-bit host. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "verify.h"

#define PG_HDR 16               /* page header */
#define PG_NODE 8               /* node header */
#define PG_DB 48                /* a tree's header (MDB_db) */
#define PG_META_TXNID 144       /* offsets in a meta page */
#define PG_META_LAST 136
#define PG_META_DBS 40
#define PG_MAGIC 0xBEEFC0DEu
#define PG_MAX_DEPTH 32
#define PG_MAX_REPORTS 100

#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define F_BIGDATA 0x01
#define F_SUBDATA 0x02
#define F_DUPDATA 0x04
#define P_INVALID UINT64_MAX
#define PG_KEY_FLAGS 0x0au        /* MDB_REVERSEKEY, MDB_INTEGERKEY */

typedef struct pg_db {          /* a tree's header, as stored */
	uint16_t flags, depth;
	uint64_t branch, leaf, overflow, entries, root;
} pg_db;

typedef struct pg_tree {        /* what a walk of one tree found */
	const char *name;
	int is_main, is_free;
	int base;                   /* its levels' buffers: after base */
	int ordered;                /* keys compare as bytes (no key flags) */
	uint64_t branch, leaf, overflow, entries;
} pg_tree;

typedef struct pgc {
	ims__vfy *v;
	int fd;
	size_t psize;
	uint64_t npages;            /* last page + 1 */
	unsigned char *used, *freed;
	unsigned char *level[2 * PG_MAX_DEPTH + 1]; /* a page per level: core
	                                              trees, then named ones */
	unsigned char *big;         /* an overflow value (free list) */
	unsigned char *cover;       /* the bytes of a page its nodes cover */
	size_t bigcap;
	unsigned reports;
	int stop;                   /* too many reports, or an error */
	int err;
} pgc;

static uint16_t
rd16(const unsigned char *p)
{
	uint16_t x;

	memcpy(&x, p, 2);
	return x;
}

static uint64_t
rd64(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, 8);
	return x;
}

static void
bad(pgc *c, uint64_t pgno, const char *tree, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
bad(pgc *c, uint64_t pgno, const char *tree, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ims__vfy_report(c->v, IMS_PROBLEM_STRUCTURE, NULL,
	                    "page %llu of '%s': %s", (unsigned long long)pgno, tree, what))
		c->stop = 1;
	if (++c->reports >= PG_MAX_REPORTS)
		c->stop = 1;
}

static int
bit_set(unsigned char *map, uint64_t n)
{
	int was = map[n >> 3] >> (n & 7) & 1;

	map[n >> 3] |= (unsigned char)(1u << (n & 7));
	return was;
}

static int
read_at(pgc *c, void *buf, size_t len, uint64_t pgno)
{
	ssize_t n = pread(c->fd, buf, len, (off_t)(pgno * c->psize));

	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && !c->err)
		c->err = errno;
	return -1;
}

static void
db_read(pg_db *db, const unsigned char *p)
{
	db->flags = rd16(p + 4);
	db->depth = rd16(p + 6);
	db->branch = rd64(p + 8);
	db->leaf = rd64(p + 16);
	db->overflow = rd64(p + 24);
	db->entries = rd64(p + 32);
	db->root = rd64(p + 40);
}

/* ----------------------------------------------------------- free list */

/* The page numbers of one free-list entry: none in use, none twice. */
static void
free_ids(pgc *c, const pg_tree *t, uint64_t pgno, const unsigned char *d, size_t len)
{
	uint64_t n = len >= 8 ? rd64(d) : 0;

	if (len < 8 || len % 8 || n != len / 8 - 1) {
		bad(c, pgno, t->name, "a free-list entry of %zu bytes is malformed", len);
		return;
	}
	for (uint64_t i = 1; i <= n && !c->stop; i++) {
		uint64_t p = rd64(d + i * 8);
		if (p < 2 || p >= c->npages)
			bad(c, pgno, t->name, "free page %llu lies outside the file",
			    (unsigned long long)p);
		else if (c->used[p >> 3] >> (p & 7) & 1)
			bad(c, pgno, t->name, "page %llu is both in use and free",
			    (unsigned long long)p);
		else if (bit_set(c->freed, p))
			bad(c, pgno, t->name, "page %llu is free twice", (unsigned long long)p);
	}
}

/* ------------------------------------------------------------- leaves */

/* An overflow run of a value of dsize bytes starting at ov. */
static int
overflow_run(pgc *c, pg_tree *t, uint64_t pgno, uint64_t ov, size_t dsize)
{
	unsigned char h[PG_HDR];
	uint64_t need = (dsize + PG_HDR + c->psize - 1) / c->psize, pages;

	if (ov < 2 || ov >= c->npages || read_at(c, h, PG_HDR, ov)) {
		bad(c, pgno, t->name, "an overflow page %llu lies outside the file",
		    (unsigned long long)ov);
		return -1;
	}
	memcpy(&pages, h + 12, 4);
	pages &= 0xffffffffu;
	if (rd64(h) != ov || !(rd16(h + 10) & P_OVERFLOW) || pages != need ||
	    ov + pages > c->npages) {
		bad(c, pgno, t->name, "overflow page %llu does not hold a value of %zu bytes",
		    (unsigned long long)ov, dsize);
		return -1;
	}
	for (uint64_t i = 0; i < pages; i++)
		if (bit_set(c->used, ov + i)) {
			bad(c, pgno, t->name, "overflow page %llu is reached twice",
			    (unsigned long long)(ov + i));
			return -1;
		}
	t->overflow += pages;
	return 0;
}

/* The bytes of a value held in overflow pages (the free list's). */
static const unsigned char *
overflow_bytes(pgc *c, uint64_t ov, size_t dsize)
{
	if (dsize > c->bigcap) {
		unsigned char *p = realloc(c->big, dsize);
		if (!p) {
			c->err = ENOMEM;
			c->stop = 1;
			return NULL;
		}
		c->big = p;
		c->bigcap = dsize;
	}
	if (pread(c->fd, c->big, dsize, (off_t)(ov * c->psize + PG_HDR)) != (ssize_t)dsize)
		return NULL;
	return c->big;
}

static void walk(pgc *c, pg_tree *t, uint64_t pgno, int lvl, int depth);

/* The counts in a tree's header against what its walk found. */
static void
counts_agree(pgc *c, const pg_tree *t, const pg_db *db, unsigned before)
{
	if (c->stop || c->reports > before || (t->branch == db->branch && t->leaf == db->leaf &&
	                t->overflow == db->overflow && t->entries == db->entries))
		return;
	bad(c, db->root, t->name, "its header counts %llu entries in %llu branch, "
	    "%llu leaf and %llu overflow pages; the tree holds %llu in %llu, %llu and %llu",
	    (unsigned long long)db->entries, (unsigned long long)db->branch,
	    (unsigned long long)db->leaf, (unsigned long long)db->overflow,
	    (unsigned long long)t->entries, (unsigned long long)t->branch,
	    (unsigned long long)t->leaf, (unsigned long long)t->overflow);
}

/* A named database's header in the main database: walk it. */
static void
named_db(pgc *c, const pg_tree *parent, uint64_t pgno, const unsigned char *key,
         size_t ksize, const unsigned char *d)
{
	char name[64];
	pg_tree t = { name, 0, 0, PG_MAX_DEPTH, 0, 0, 0, 0, 0 };
	pg_db db;
	unsigned before;
	size_t n = ksize < sizeof(name) - 1 ? ksize : sizeof(name) - 1;

	for (size_t i = 0; i < n; i++)
		name[i] = key[i] > 0x20 && key[i] < 0x7f && key[i] != '\'' ? (char)key[i] : '?';
	name[n] = 0;
	db_read(&db, d);
	if (db.flags & ~PG_KEY_FLAGS) {   /* duplicates: none of ours has them */
		bad(c, pgno, parent->name, "database '%s' has unexpected flags 0x%x",
		    name, db.flags);
		return;
	}
	if (db.root == P_INVALID)
		return;
	if (db.depth == 0 || db.depth > PG_MAX_DEPTH) {
		bad(c, pgno, parent->name, "database '%s' claims a depth of %u", name, db.depth);
		return;
	}
	t.ordered = db.flags == 0;
	before = c->reports;
	walk(c, &t, db.root, 1, db.depth);
	counts_agree(c, &t, &db, before);
}

/* One node of a leaf page: its key and value fit, its overflow run is
 * sound; a named database is walked, a free-list entry recorded. */
static void
leaf_node(pgc *c, pg_tree *t, uint64_t pgno, const unsigned char *pg, size_t off)
{
	const unsigned char *n = pg + off;
	size_t dsize = rd16(n) | (size_t)rd16(n + 2) << 16, ksize = rd16(n + 6);
	unsigned flags = rd16(n + 4);
	const unsigned char *d = n + PG_NODE + ksize;

	if ((flags & ~(unsigned)(F_BIGDATA | F_SUBDATA)) || ksize > 511 ||
	    ((flags & F_SUBDATA) && (!t->is_main || dsize != PG_DB)) ||
	    ((flags & F_BIGDATA) && dsize == 0)) {
		bad(c, pgno, t->name, "a node at offset %zu is malformed", off);
		return;
	}
	t->entries++;
	if (flags & F_BIGDATA) {
		uint64_t ov = rd64(d);
		if (overflow_run(c, t, pgno, ov, dsize) == 0 && t->is_free) {
			const unsigned char *b = overflow_bytes(c, ov, dsize);
			if (b)
				free_ids(c, t, pgno, b, dsize);
		}
	} else if (flags & F_SUBDATA) {
		named_db(c, t, pgno, n + PG_NODE, ksize, d);
	} else if (t->is_free) {
		free_ids(c, t, pgno, d, dsize);
	}
}

/* ------------------------------------------------------------- pages */

/* The bytes of the node at off: header, key and what the page holds of
 * its value; 0 if even its header does not fit. */
static size_t
node_size(const pgc *c, const unsigned char *pg, unsigned off, int leaf)
{
	const unsigned char *n = pg + off;
	size_t sz;

	if (off + PG_NODE > c->psize)
		return 0;
	sz = PG_NODE + rd16(n + 6);
	if (leaf)
		sz += rd16(n + 4) & F_BIGDATA ? 8 : rd16(n) | (size_t)rd16(n + 2) << 16;
	return sz + (sz & 1);
}

/* LMDB keeps a page's nodes packed from its upper bound to its end: the
 * offsets are distinct node starts, and the nodes, walked from the upper
 * bound, tile the rest of the page exactly, each starting at one of them. */
static int
packed(pgc *c, const pg_tree *t, uint64_t pgno, const unsigned char *pg, int n, int leaf)
{
	unsigned upper = rd16(pg + 14);
	int tiles = 0;

	memset(c->cover, 0, c->psize / 8);
	for (int i = 0; i < n; i++) {
		unsigned off = rd16(pg + PG_HDR + 2 * i);
		if (off < upper || off >= c->psize) {
			bad(c, pgno, t->name, "node %d lies at offset %u, outside its nodes", i, off);
			return -1;
		}
		if (bit_set(c->cover, off)) {
			bad(c, pgno, t->name, "node %d at offset %u overlaps another", i, off);
			return -1;
		}
	}
	for (size_t p = upper, sz; p < c->psize; p += sz, tiles++) {
		if (!(c->cover[p >> 3] >> (p & 7) & 1)) {
			bad(c, pgno, t->name, "the bytes at offset %zu belong to no node", p);
			return -1;
		}
		if (!(sz = node_size(c, pg, (unsigned)p, leaf)) || p + sz > c->psize) {
			bad(c, pgno, t->name, "the node at offset %zu reaches outside the page", p);
			return -1;
		}
	}
	if (tiles != n) {
		bad(c, pgno, t->name, "%d of its %d nodes overlap others", n - tiles, n);
		return -1;
	}
	return 0;
}

/* Keys ascend as LMDB's default comparison orders them (bytes, then
 * length); a branch page's first key is empty by design. */
static int
in_order(pgc *c, const pg_tree *t, uint64_t pgno, const unsigned char *pg, int n, int leaf)
{
	const unsigned char *prev = NULL;
	size_t plen = 0;

	for (int i = leaf ? 0 : 1; i < n; i++) {
		const unsigned char *nd = pg + rd16(pg + PG_HDR + 2 * i);
		size_t len = rd16(nd + 6), m = len < plen ? len : plen;
		int cmp = prev ? memcmp(prev, nd + PG_NODE, m) : -1;
		if (prev && (cmp > 0 || (cmp == 0 && plen >= len))) {
			bad(c, pgno, t->name, "the key of node %d is not after the one before", i);
			return 0;
		}
		prev = nd + PG_NODE;
		plen = len;
	}
	return 1;
}

/* The page's header and node offsets: nodes after the pointer array and
 * inside the page.  Returns the number of nodes, or -1. */
static int
page_shape(pgc *c, const pg_tree *t, uint64_t pgno, const unsigned char *pg,
           unsigned want)
{
	unsigned flags = rd16(pg + 10), lower = rd16(pg + 12), upper = rd16(pg + 14);
	int nkeys;

	if (rd64(pg) != pgno) {
		bad(c, pgno, t->name, "it carries the number %llu", (unsigned long long)rd64(pg));
		return -1;
	}
	if ((flags & (P_BRANCH | P_LEAF | P_OVERFLOW)) != want) {
		bad(c, pgno, t->name, "a %s page was expected, its flags are 0x%x",
		    want == P_LEAF ? "leaf" : "branch", flags);
		return -1;
	}
	if (lower < PG_HDR || lower > upper || upper > c->psize || (lower & 1)) {
		bad(c, pgno, t->name, "its bounds %u and %u are impossible", lower, upper);
		return -1;
	}
	nkeys = (int)(lower - PG_HDR) / 2;
	if (nkeys == 0) {
		bad(c, pgno, t->name, "it holds no node");
		return -1;
	}
	if (packed(c, t, pgno, pg, nkeys, want == P_LEAF) ||
	    (t->ordered && !in_order(c, t, pgno, pg, nkeys, want == P_LEAF)))
		return -1;
	return nkeys;
}

/* Children of a branch page, each walked one level down. */
static void
branch_page(pgc *c, pg_tree *t, const unsigned char *pg, int n, int lvl, int depth)
{
	for (int i = 0; i < n && !c->stop; i++) {
		const unsigned char *nd = pg + rd16(pg + PG_HDR + 2 * i);
		uint64_t child = rd16(nd) | (uint64_t)rd16(nd + 2) << 16 |
		                 (uint64_t)rd16(nd + 4) << 32;
		walk(c, t, child, lvl + 1, depth);
	}
}

/* One page at level lvl (1 is the root) of a tree of the given depth. */
static void
walk(pgc *c, pg_tree *t, uint64_t pgno, int lvl, int depth)
{
	unsigned char *pg = c->level[t->base + lvl];
	unsigned want = lvl == depth ? P_LEAF : P_BRANCH;
	int n;

	if (c->stop)
		return;
	if (pgno < 2 || pgno >= c->npages) {
		bad(c, pgno, t->name, "it lies outside the file of %llu pages",
		    (unsigned long long)c->npages);
		return;
	}
	if (bit_set(c->used, pgno)) {
		bad(c, pgno, t->name, "it is reached twice");
		return;
	}
	if (read_at(c, pg, c->psize, pgno)) {
		bad(c, pgno, t->name, "it cannot be read");
		return;
	}
	if ((n = page_shape(c, t, pgno, pg, want)) < 0)
		return;
	if (want == P_BRANCH) {
		t->branch++;
		branch_page(c, t, pg, n, lvl, depth);
		return;
	}
	t->leaf++;
	for (int i = 0; i < n && !c->stop; i++)
		leaf_node(c, t, pgno, pg, rd16(pg + PG_HDR + 2 * i));
}

/* ------------------------------------------------------------- snapshot */

/* The trees of meta m as txn sees them (LMDB copied them from the meta
 * page when txn began): a meta page read while a writer was rewriting it
 * would not agree. */
static int
meta_agrees(MDB_txn *txn, const unsigned char *m)
{
	for (MDB_dbi i = 0; i < 2; i++) {
		MDB_stat ms;
		pg_db db;
		db_read(&db, m + PG_META_DBS + i * PG_DB);
		if (mdb_stat(txn, i, &ms) || ms.ms_depth != db.depth ||
		    ms.ms_branch_pages != db.branch || ms.ms_leaf_pages != db.leaf ||
		    ms.ms_overflow_pages != db.overflow || ms.ms_entries != db.entries)
			return 0;
	}
	return 1;
}

/* The meta page of txn's snapshot: 0 found, 1 overwritten since (two
 * commits have been made after txn began: try again), -1 unreadable. */
static int
meta_of(pgc *c, MDB_txn *txn, unsigned char meta[160])
{
	unsigned char m[160];
	uint32_t magic, psize;

	if (pread(c->fd, m, sizeof(m), 0) != (ssize_t)sizeof(m))
		return -1;
	memcpy(&magic, m + PG_HDR, 4);
	memcpy(&psize, m + PG_META_DBS, 4);
	if (magic != PG_MAGIC || psize < 512 || psize > 65536 || (psize & (psize - 1)))
		return -1;
	c->psize = psize;
	for (int i = 0; i < 2; i++) {
		if (i && pread(c->fd, m, sizeof(m), (off_t)psize) != (ssize_t)sizeof(m))
			return -1;
		if (rd64(m + PG_META_TXNID) == (uint64_t)mdb_txn_id(txn) && meta_agrees(txn, m)) {
			memcpy(meta, m, sizeof(m));
			return 0;
		}
	}
	return 1;
}

static int
pgc_alloc(pgc *c)
{
	size_t bytes = (size_t)(c->npages + 7) / 8;

	if (!(c->used = calloc(1, bytes)) || !(c->freed = calloc(1, bytes)) ||
	    !(c->cover = malloc(c->psize / 8)))
		return ENOMEM;
	for (int i = 1; i <= 2 * PG_MAX_DEPTH; i++)
		if (!(c->level[i] = malloc(c->psize)))
			return ENOMEM;
	bit_set(c->used, 0);
	bit_set(c->used, 1);
	return 0;
}

static void
pgc_free(pgc *c)
{
	free(c->used);
	free(c->freed);
	for (int i = 1; i <= 2 * PG_MAX_DEPTH; i++)
		free(c->level[i]);
	free(c->big);
	free(c->cover);
}

/* One core tree (free list or main database) from the meta page. */
static void
core_tree(pgc *c, const unsigned char *meta, int which)
{
	pg_tree t = { which ? "main" : "free list", which == 1, which == 0, 0, which == 1,
	             0, 0, 0, 0 };
	pg_db db;
	unsigned before;

	db_read(&db, meta + PG_META_DBS + which * PG_DB);
	if (db.root == P_INVALID || c->stop)
		return;
	if (db.depth == 0 || db.depth > PG_MAX_DEPTH) {
		bad(c, which, t.name, "the meta page claims a depth of %u", db.depth);
		return;
	}
	before = c->reports;
	walk(c, &t, db.root, 1, db.depth);
	counts_agree(c, &t, &db, before);
}

/* Walk every tree of the snapshot whose meta page is meta.  The file may
 * end before the snapshot's last page: pages a commit allocated and freed
 * again are never written (they are on the free list); a page in use
 * beyond the end is reported when the walk cannot read it. */
static void
check_snapshot(pgc *c, MDB_env *env, const unsigned char *meta)
{
	uint64_t last = rd64(meta + PG_META_LAST), lost = 0, max;
	MDB_envinfo info;

	if (mdb_env_info(env, &info)) {
		c->err = EIO;
		return;
	}
	max = (uint64_t)info.me_mapsize / c->psize;
	if (last < 1 || last >= max) {
		bad(c, last, "meta", "the last page lies beyond the map's %llu pages",
		    (unsigned long long)max);
		return;
	}
	c->npages = last + 1;
	if ((c->err = pgc_alloc(c)))
		return;
	core_tree(c, meta, 1);
	core_tree(c, meta, 0);
	for (uint64_t p = 2; p < c->npages && !c->stop && !c->reports; p++)
		lost += !((c->used[p >> 3] | c->freed[p >> 3]) >> (p & 7) & 1);
	if (!c->stop && lost && c->reports == 0)   /* else trees were cut short */
		bad(c, last, "meta", "%llu pages are neither in use nor free",
		    (unsigned long long)lost);
}

int
ims__vfy_structure(ims__vfy *v)
{
	unsigned char meta[160];
	pgc c;
	MDB_txn *txn = NULL;
	int rc, found = 1;

	memset(&c, 0, sizeof(c));
	c.v = v;
	if (mdb_env_get_fd(v->st->env, &c.fd))
		return IMS_INVALID;
	for (int tries = 0; tries < 8 && found == 1; tries++) {
		if (txn)
			ims__txn_abort(v->st, txn);
		if ((rc = ims__txn_begin(v->st, MDB_RDONLY, &txn)))
			return rc;
		found = meta_of(&c, txn, meta);
	}
	if (found == 0)
		check_snapshot(&c, v->st->env, meta);
	else
		rc = found == 1 ? IMS_BUSY : IMS_CORRUPT;
	ims__txn_abort(v->st, txn);
	pgc_free(&c);
	if (rc == 0 && c.err)
		rc = c.err;
	return v->cb_rc ? v->cb_rc : rc;
}

int
ims__pages_sound(ims_store *st)
{
	ims_verify_opts o = IMS_VERIFY_OPTS_INIT;
	ims__vfy v;
	int rc;

	memset(&v, 0, sizeof(v));
	v.st = st;
	v.o = &o;
	rc = ims__vfy_structure(&v);
	return rc ? rc : v.problems ? IMS_CORRUPT : 0;
}
