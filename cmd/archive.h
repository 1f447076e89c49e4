/* archive.h - the export archive (imstore-export(5)) shared by export,
 * import and verify-archive: writing it atomically with a SHA-256 of every
 * file, reading it under limits, its manifest. */
#ifndef IMS_ARCHIVE_H
#define IMS_ARCHIVE_H

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

#define ARC_FORMAT_VERSION 1
#define ARC_NS "urn:imstore:xml:export:1"
#define ARC_HEX 64

void arc_hex(char out[ARC_HEX + 1], struct sha256_ctx *ctx);

/* The directory part of path ("." for none), malloc()ed. */
char *arc_dir_of(const char *path);
/* A private temporary file (0600, unlinked) in directory dir. */
int arc_spool(const char *dir);

/* ---- writing: to a file that appears under its name only when complete */
typedef struct arc_out {
	struct archive *a;
	char *path;           /* the final name */
	char *tmpname;        /* the named temporary file, when O_TMPFILE fails */
	int fd;
	int sums;             /* spool of the SHA256SUMS lines */
	struct sha256_ctx entry;
	const char *entry_name;
	uint64_t files;
} arc_out;

typedef struct arc_out_opts {
	int zip;              /* zip instead of tar (pax) */
	int gzip;             /* compress (gzip for tar, deflate for zip) */
	int level;            /* 1..9 */
	int force;            /* replace an existing file */
} arc_out_opts;

int arc_out_open(arc_out *o, const char *path, const arc_out_opts *opts);
int arc_entry_begin(arc_out *o, const char *name, uint64_t size, int64_t mtime_us);
int arc_entry_data(arc_out *o, const void *p, size_t n);
/* Ends the entry: its hash in hex (may be NULL), and a SHA256SUMS line. */
int arc_entry_end(arc_out *o, char hex[ARC_HEX + 1]);
/* A whole entry from a spool file (read from its start). */
int arc_add_spool(arc_out *o, const char *name, int fd, int64_t mtime_us,
                  char hex[ARC_HEX + 1], uint64_t *size);
/* SHA256SUMS, close, sync, put in place, sync the directory. */
int arc_out_finish(arc_out *o, int64_t mtime_us);
void arc_out_abort(arc_out *o);

/* ---- reading, under limits, refusing what an export never holds */
typedef struct arc_limits {
	uint64_t max_entries;
	uint64_t max_total;   /* bytes after decompression, all entries */
	uint64_t max_entry;   /* one message or transcript file */
	uint64_t max_meta;    /* manifest.xml and SHA256SUMS */
	uint64_t max_ratio;   /* decompressed bytes per archive byte */
} arc_limits;

#define ARC_LIMITS_INIT { 10000000, (uint64_t)64 << 30, (uint64_t)64 << 20, \
	(uint64_t)4 << 30, 200 }

typedef enum { ARC_MANIFEST = 1, ARC_SUMS, ARC_MESSAGE, ARC_TRANSCRIPT } arc_kind;

typedef struct arc_in {
	struct archive *a;
	const char *path;
	arc_limits lim;
	uint64_t entries, total, entry_bytes, entry_size;
	const char *name;     /* the current entry (borrowed) */
	arc_kind kind;
	char err[300];        /* why the archive was refused */
} arc_in;

int arc_in_open(arc_in *in, const char *path, const arc_limits *lim);
/* 0 and the next entry, 1 at the end, -1 refused (in->err says why). */
int arc_in_next(arc_in *in);
/* Up to cap bytes of the current entry: bytes read, 0 at its end, -1
 * refused (a limit, a short or a damaged entry). */
long arc_in_read(arc_in *in, void *buf, size_t cap);
void arc_in_close(arc_in *in);
/* The kind of an entry name, or 0 when an export never holds it. */
arc_kind arc_name_kind(const char *name);

/* ---- manifest.xml */
typedef struct mf_writer mf_writer;
typedef struct mf_export {
	const char *store, *filter, *layout;
	int64_t time;
} mf_export;
int mf_open(mf_writer **out, int fd, const mf_export *e);
int mf_message(mf_writer *w, const ims_msg *m, const char *file,
               const char *sha, uint64_t size);
int mf_transcript(mf_writer *w, const char *file, const char *sha,
                  uint64_t size, const char *user, const char *conv,
                  uint64_t messages);
int mf_close(mf_writer *w, uint64_t messages, uint64_t bytes,
             uint64_t transcripts);
void mf_free(mf_writer *w);

/* Reading, one file entry at a time, in document order. */
typedef struct mf_reader mf_reader;
typedef struct mf_item {
	arc_kind kind;           /* ARC_MESSAGE or ARC_TRANSCRIPT */
	const char *file, *sha;
	uint64_t size;
	ims_msg m;               /* ARC_MESSAGE: strings borrowed from the reader */
} mf_item;
int mf_read_open(mf_reader **out, int fd, char *err, size_t errcap);
/* 0 and an item, 1 after the last, -1 invalid (err says why). */
int mf_read_next(mf_reader *r, mf_item *out);
const char *mf_read_layout(const mf_reader *r);
const char *mf_read_err(const mf_reader *r);
void mf_read_free(mf_reader *r);

#endif

/* ---- arcverify.c: an archive checked against itself */
typedef struct arc_report {
	uint64_t files, messages, transcripts, bytes;
	uint64_t problems;       /* hashes or lists that disagree */
	char err[320];           /* refused or unreadable: why */
	char layout[16];
} arc_report;

typedef void (*arc_problem_cb)(const char *what, void *payload);

/* Every entry safe and under the limits; SHA256SUMS lists every other file
 * in archive order with its hash; the manifest lists every message and
 * transcript file with its hash and size.  Each disagreement goes to cb.
 * With manifest_fd, a spool of the manifest is left there (caller closes).
 * 0: all match; 1: problems; -1: refused (r->err). */
int arc_verify(arc_report *r, const char *path, const arc_limits *lim,
               const char *spooldir, arc_problem_cb cb, void *payload,
               int *manifest_fd);

/* ---- the limit options of import and verify-archive (ids 180..183) */
enum { LIM_ENTRIES = 180, LIM_TOTAL, LIM_ENTRY, LIM_RATIO };
#define ARC_LIMIT_OPTS \
	OPT_NUMBER(LIM_ENTRIES, 0, "max-entries", "N", 1, 0, "refuse archives of more than N files (default 10000000)"), \
	OPT_SIZE(LIM_TOTAL, 0, "max-bytes", "N", 1, 0, "refuse more than N bytes after decompression (default 64 GiB)"), \
	OPT_SIZE(LIM_ENTRY, 0, "max-entry-size", "N", 1, 0, "refuse a message or transcript file over N bytes (default 64 MiB)"), \
	OPT_NUMBER(LIM_RATIO, 0, "max-ratio", "N", 1, 0, "refuse a compression ratio over N to 1 (default 200)")
/* 1: handled, 0: not a limit option, EXIT_USAGE: bad value (reported). */
int arc_limit_option(arc_limits *l, const cli_arg *o);
/* Where spools go: $TMPDIR or /tmp. */
const char *arc_tmpdir(void);
