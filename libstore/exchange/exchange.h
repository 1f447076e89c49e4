/* exchange.h - private to libstore/exchange/ (and its tests): the export
 * archive of imstore(5), written atomically with the SHA-256 of every file
 * and read under limits; its manifest; checking it against itself; the
 * eml layout; msilo rows.  The public side is imstore-exchange.h. */
#ifndef IMS_EXCHANGE_H
#define IMS_EXCHANGE_H

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>

#include "imstore-exchange.h"

#define IMS__ARC_NS "urn:imstore:xml:export:1"
#define IMS__ARC_HEX 64
/* A refusal's reason, without the archive's name. */
#define IMS__ARC_ERR 320

/* ---- util.c */
/* Record a failure in a result: its step and message; returns rc. */
int ims__xfail(ims_xstep *step, char *why, ims_xstep s, int rc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Where spools go: dir when set, else $TMPDIR, else /tmp. */
const char *ims__tmpdir(const char *dir);
/* A progress report, when there is a callback. */
void ims__xprogress(void (*cb)(const ims_progress *, void *), void *payload,
                    uint64_t messages, uint64_t bytes, int done);

/* ---- archive-write.c: to a file that appears under its name only when
 * complete */
void ims__arc_hex(char out[IMS__ARC_HEX + 1], struct sha256_ctx *ctx);
/* The directory part of path ("." for none), malloc()ed. */
char *ims__arc_dir_of(const char *path);
/* A private temporary file (0600, unlinked) in directory dir. */
int ims__arc_spool(const char *dir);

typedef struct ims__arc_out {
	struct archive *a;
	char *path;           /* the final name */
	char *tmpname;        /* the named temporary file, when O_TMPFILE fails */
	int fd;
	int sums;             /* spool of the SHA256SUMS lines */
	struct sha256_ctx entry;
	const char *entry_name;
	uint64_t files;
} ims__arc_out;

typedef struct ims__arc_out_opts {
	int zip;              /* zip instead of tar (pax) */
	int gzip;             /* compress (gzip for tar, deflate for zip) */
	int level;            /* 1..9 */
	int force;            /* replace an existing file */
} ims__arc_out_opts;

/* Before ims__arc_out_open(), so that ims__arc_out_abort() may run. */
void ims__arc_out_init(ims__arc_out *o);
/* 0, EEXIST (without force), or an errno value. */
int ims__arc_out_open(ims__arc_out *o, const char *path, const ims__arc_out_opts *opts);
int ims__arc_entry_begin(ims__arc_out *o, const char *name, uint64_t size, int64_t mtime_us);
int ims__arc_entry_data(ims__arc_out *o, const void *p, size_t n);
/* Ends the entry: its hash in hex (may be NULL), and a SHA256SUMS line. */
int ims__arc_entry_end(ims__arc_out *o, char hex[IMS__ARC_HEX + 1]);
/* A whole entry from a spool file (read from its start). */
int ims__arc_add_spool(ims__arc_out *o, const char *name, int fd, int64_t mtime_us,
                       char hex[IMS__ARC_HEX + 1], uint64_t *size);
/* SHA256SUMS, close, sync, put in place, sync the directory. */
int ims__arc_out_finish(ims__arc_out *o, int64_t mtime_us);
/* Frees what is left; a file not finished leaves nothing under its name. */
void ims__arc_out_abort(ims__arc_out *o);

/* ---- archive-read.c: under limits, refusing what an export never holds */
typedef enum {
	IMS__ARC_MANIFEST = 1, IMS__ARC_SUMS, IMS__ARC_MESSAGE, IMS__ARC_TRANSCRIPT
} ims__arc_kind;

typedef struct ims__arc_in {
	struct archive *a;
	const char *path;
	ims_archive_limits lim;
	uint64_t entries, total, entry_bytes, entry_size;
	const char *name;     /* the current entry (borrowed) */
	ims__arc_kind kind;
	char err[300];        /* why the archive was refused */
} ims__arc_in;

/* 0, or IMS_INVALID or an errno value with in->err. */
int ims__arc_in_open(ims__arc_in *in, const char *path, const ims_archive_limits *lim);
/* 0 and the next entry, 1 at the end, -1 refused (in->err says why). */
int ims__arc_in_next(ims__arc_in *in);
/* Up to cap bytes of the current entry: bytes read, 0 at its end, -1
 * refused (a limit, a short or a damaged entry). */
long ims__arc_in_read(ims__arc_in *in, void *buf, size_t cap);
void ims__arc_in_close(ims__arc_in *in);
/* The kind of an entry name, or 0 when an export never holds it. */
ims__arc_kind ims__arc_name_kind(const char *name);

/* ---- archive-names.c: a tar archive's headers read as other readers read
 * them, from the decompressed stream: 0 every member name and size is read
 * one way (or it is not a tar, or damaged: the reader above says so), -1
 * refused (err says why: a pax path or GNU long name other than the ustar
 * name, a NUL in one, a name in the ustar prefix, a pax size other than
 * the ustar size, a global pax path, sparse or other non-POSIX members,
 * data after the end), or ENOMEM.  ims__arc_verify() runs it first. */
/* n bytes of a name as an error shows it: printable ASCII as it is, any
 * other byte (a control character, a backslash, a NUL) as \xNN, at most
 * 250 characters; returns out. */
const char *ims__arc_shown(char out[256], const char *p, size_t n);
/* ---- archive-zip.c: the same for a zip file, open in fd: each member's
 * local header names it as the central directory does, no NUL, no Unicode
 * Path field, nothing between members; 0 (also when it is no zip), -1
 * refused (err), or ENOMEM. */
int ims__arc_zip_check(int fd, char *err, size_t errcap);
int ims__arc_names_check(const char *path, const ims_archive_limits *lim, char *err,
                         size_t errcap);

/* ---- manifest-write.c: manifest.xml as the files go into the archive,
 * through the library's XML writer, to a spool */
typedef struct ims__mf_writer ims__mf_writer;
typedef struct ims__mf_export {
	const char *store, *filter, *layout;
	int64_t time;
} ims__mf_export;
int ims__mf_open(ims__mf_writer **out, int fd, const ims__mf_export *e);
int ims__mf_message(ims__mf_writer *w, const ims_msg *m, const char *file,
                    const char *sha, uint64_t size);
int ims__mf_transcript(ims__mf_writer *w, const char *file, const char *sha,
                       uint64_t size, const char *user, const char *conv,
                       uint64_t messages);
int ims__mf_close(ims__mf_writer *w, uint64_t messages, uint64_t bytes,
                  uint64_t transcripts);
void ims__mf_free(ims__mf_writer *w);

/* ---- manifest-read.c: one file entry at a time, in document order,
 * through the library's XML reader */
typedef struct ims__mf_reader ims__mf_reader;
typedef struct ims__mf_item {
	ims__arc_kind kind;      /* IMS__ARC_MESSAGE or IMS__ARC_TRANSCRIPT */
	const char *file, *sha;
	uint64_t size;
	ims_msg m;               /* IMS__ARC_MESSAGE: strings borrowed from the reader */
} ims__mf_item;
/* The manifest in fd, read from its current offset: 0, ENOMEM, or
 * IMS_INVALID with err. */
int ims__mf_read_open(ims__mf_reader **out, int fd, char *err, size_t errcap);
/* 0 and an item, 1 after the last, -1 invalid (err says why). */
int ims__mf_read_next(ims__mf_reader *r, ims__mf_item *out);
const char *ims__mf_read_layout(const ims__mf_reader *r);
const char *ims__mf_read_err(const ims__mf_reader *r);
void ims__mf_read_free(ims__mf_reader *r);

/* ---- archive-verify.c: an archive checked against itself */
typedef struct ims__verify_args {
	const char *path;
	const ims_archive_limits *lim;
	const char *spooldir;
	void (*problem)(const char *what, void *payload);
	void (*progress)(const ims_progress *p, void *payload);
	void *payload;
	int *manifest_fd;        /* when not NULL: a spool of the manifest is
	                            left there (the caller closes it) */
} ims__verify_args;

/* Every entry safe and under the limits; SHA256SUMS lists every other file
 * in archive order with its hash; the manifest lists every message and
 * transcript file with its hash and size.  Each disagreement goes to
 * a->problem.  0: all match; 1: problems; -1: refused (err, of
 * IMS__ARC_ERR bytes, says why). */
int ims__arc_verify(ims_archive_report *r, char *err, const ims__verify_args *a);

/* ---- import.c: the bulk load every import stores through */
typedef struct ims__importer {
	ims_import_result *out;
	ims_store *st;
	ims_import_opts o;
	int64_t now;             /* o.now, or when the import began */
	ims_bulk *b;
} ims__importer;
/* Check the arguments and open the bulk load (bulk_flags: IMS_BULK_*);
 * on failure nothing is left to end. */
int ims__import_begin(ims__importer *im, ims_import_result *out, ims_store *st,
                      const char *path, const ims_import_opts *opts,
                      unsigned bulk_flags);
/* After the work's rc: commit the rest when it is 0, count what was
 * stored, free the load; the final rc. */
int ims__import_end(ims__importer *im, int rc, const char *path);

/* ---- eml.c: a message as RFC 5322 */
/* Write message m, its body read through q (the query that returned it). */
int ims__eml_write(int fd, const ims_msg *m, ims_query *q);

/* ---- msilo.c: Kamailio's msilo table */
enum { IMS__MSILO_COLS = 13, IMS__MSILO_FIELDS = 64 };
/* Which field of a record holds each column (id, src_addr, ... status),
 * from the header line or, without one, from the number of fields. */
typedef struct ims__msilo_map {
	ims_msilo_form form;
	int known;                      /* the map is set */
	int header;                     /* from a header line */
	int at[IMS__MSILO_COLS];        /* field index, or -1: no such column */
	size_t nfields;                 /* fields of every row */
} ims__msilo_map;

/* One row of the dump as a deferred message: m's strings point into the
 * record and into the row itself (do not copy it). */
typedef struct ims__msilo_row {
	ims_msg m;
	ims_addr to;
	ims_header hdrs[IMS_HEADERS_MAX];
	char owner[IMS_ADDR_MAX + 64], msgid[64];
	const char *id, *body;
	size_t body_len;
} ims__msilo_row;

/* Parse one record of a dump in place (fields split, the form's quoting
 * or escapes undone), the record's line end included: 0 a row in *r, 1
 * nothing to store (a blank record, or the header line, which sets *map),
 * -1 not a row, why in err.  The first record sets *map (map->form set and
 * map->known 0 before it).  A username and domain that would not form the
 * address of that one user (an '@', ':', '>', space or control
 * character...) are refused.  now stands for a missing inc_time. */
int ims__msilo_parse(ims__msilo_row *r, ims__msilo_map *map, char *rec,
                     int64_t now, char *err, size_t errcap);

#endif
