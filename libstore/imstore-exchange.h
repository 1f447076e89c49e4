/*
 * imstore-exchange.h - libimstore's exchange part: export archives of
 * messages (their format is in imstore(5)), checking an archive against
 * itself, importing one, and importing a Kamailio msilo dump.
 *
 * It is part of libimstore (link with -limstore, include this header
 * beside imstore.h), not a second library: importing stores through the
 * bulk loader inside the library, and a daemon or a compliance tool that
 * exports should not need to find and link another library for it.  This
 * part is why libimstore links libarchive (tar, zip, gzip) and nettle
 * (SHA-256); nothing else in the library uses them.
 *
 * As everywhere in libimstore, the library never prints.  Long work calls
 * a progress callback now and then; a disagreement found in an archive
 * goes to a problem callback; a failure returns an IMS_* code (or an errno
 * value) and leaves in the result which side failed (ims_xstep) and a
 * message to print as it is: lowercase, no full stop, the file named.
 *
 * Callbacks are called from the calling thread, during the call.
 */
#ifndef IMSTORE_EXCHANGE_H
#define IMSTORE_EXCHANGE_H

#include "imstore.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of the message of a failed exchange call, NUL included. */
#define IMS_XWHY_MAX 4608

/** Which side a failed exchange call failed on. */
typedef enum ims_xstep {
	IMS_XSTEP_NONE = 0, /**< no failure */
	IMS_XSTEP_INPUT,    /**< the archive or dump read: unreadable, refused,
	                         not verified, or changed since it was verified */
	IMS_XSTEP_CREATE,   /**< export: the archive file cannot be created
	                         (IMS_EXISTS: a file has its name) */
	IMS_XSTEP_WRITE,    /**< export: writing the archive failed; nothing is
	                         left under its name */
	IMS_XSTEP_GROWTH,   /**< export: IMS_BUSY, the store file grew by more
	                         than max_growth_mb meanwhile; nothing is left
	                         under the archive's name */
	IMS_XSTEP_STORE     /**< the store: opening a bulk load, storing,
	                         committing, deleting */
} ims_xstep;

/** What a long exchange call has done so far. */
typedef struct ims_progress {
	uint64_t messages;  /**< export: messages written; verify: message files
	                         checked; import: message files or rows read */
	uint64_t bytes;     /**< export: their body bytes; verify: the bytes of
	                         every file read; import: 0 */
	int done;           /**< 1 on the last call: export: the archive is in
	                         place (and is then verified with
	                         IMS_EXPORT_DELETE_AFTER); verify, import: the
	                         archive or dump is read */
} ims_progress;

/** Limits under which an archive, which may be hostile, is read: an
 * archive over one is refused. */
typedef struct ims_archive_limits {
	uint64_t max_entries; /**< files */
	uint64_t max_total;   /**< bytes of every file after decompression */
	uint64_t max_entry;   /**< bytes of one message or transcript file */
	uint64_t max_meta;    /**< bytes of manifest.xml, of SHA256SUMS */
	uint64_t max_ratio;   /**< decompressed bytes per archive byte (counted
	                           past the first MiB) */
} ims_archive_limits;

/** 10,000,000 files, 64 GiB, 64 MiB a message, 4 GiB of lists, 200 to 1. */
#define IMS_ARCHIVE_LIMITS_INIT { 10000000, (uint64_t)64 << 30, \
	(uint64_t)64 << 20, (uint64_t)4 << 30, 200 }

/* ------------------------------------------------------------------ */
/** @name Export
 * @{ */

#define IMS_EXPORT_ZIP          0x01u /**< zip instead of tar (pax) */
#define IMS_EXPORT_NO_COMPRESS  0x02u /**< no gzip (tar), stored (zip) */
#define IMS_EXPORT_EML          0x04u /**< layout eml: each message as RFC 5322
                                           (cannot be imported); else raw: the
                                           bytes as stored */
#define IMS_EXPORT_FORCE        0x08u /**< replace a file of that name */
#define IMS_EXPORT_DELETE_AFTER 0x10u /**< then delete the exported messages,
                                           once the archive is in place, synced
                                           and verified as read back */

typedef struct ims_export_opts {
	unsigned version;        /**< IMS_EXPORT_OPTS_VERSION */
	unsigned flags;          /**< IMS_EXPORT_* */
	int level;               /**< compression level, 1 (fast) to 9; 0: 6 */
	uint64_t max_growth_mb;  /**< give up when the store file grows by more
	                              MiB meanwhile (a long read snapshot keeps
	                              writers from reusing pages); 0: 1024 */
	int64_t now;             /**< the export's time (manifest, file times),
	                              UTC µs; IMS_TIME_NONE: the current time */
	/** After each message written, and once when the archive is in place;
	 * may be NULL. */
	void (*progress)(const ims_progress *p, void *payload);
	/** Each disagreement IMS_EXPORT_DELETE_AFTER's check finds, one line;
	 * may be NULL. */
	void (*problem)(const char *what, void *payload);
	void *payload;           /**< passed to both callbacks */
} ims_export_opts;

#define IMS_EXPORT_OPTS_VERSION 1
#define IMS_EXPORT_OPTS_INIT { IMS_EXPORT_OPTS_VERSION, 0, 6, 1024, \
	IMS_TIME_NONE, NULL, NULL, NULL }

/** What ims_archive_export() did, also when it failed. */
typedef struct ims_export_result {
	uint64_t messages;         /**< messages written */
	uint64_t bytes;            /**< their body bytes */
	uint64_t transcripts;      /**< transcript files written */
	ims_delete_result deleted; /**< IMS_EXPORT_DELETE_AFTER: what was
	                                deleted, and kept under legal hold */
	ims_xstep step;            /**< on failure: which side */
	char why[IMS_XWHY_MAX];    /**< on failure: the message ("" if none) */
} ims_export_result;

/**
 * Write the messages @p f matches to an archive any tool opens
 * (imstore(5), EXPORT ARCHIVES): each message's file, a transcript of each
 * history conversation met (its messages that @p f matches), manifest.xml
 * (every file, its SHA-256 and size, each message's metadata, and @p f's
 * text) and SHA256SUMS, in a tar or zip file, gzipped or not.
 *
 * Everything is read in one read snapshot, in bounded memory (the lists
 * are spooled in temporary files in the archive's directory); the file is
 * written unnamed (or under a temporary name) and appears under @p path
 * only once complete and synced, its directory synced too: a failed or
 * killed export leaves nothing under the name.  The archive file is mode
 * 0600.
 *
 * @param[out] out the counts, and on failure the step and the message;
 *        may not be NULL.
 * @param f borrowed; NULL exports every message.
 * @param path the archive to write.
 * @param opts NULL for the defaults.
 * @return 0; IMS_EXISTS (a file has the name, without IMS_EXPORT_FORCE) or
 *         an errno value (IMS_XSTEP_CREATE); IMS_BUSY (IMS_XSTEP_GROWTH);
 *         an error writing or reading the store (IMS_XSTEP_WRITE);
 *         IMS_CORRUPT when the archive read back does not verify, nothing
 *         deleted (IMS_XSTEP_INPUT); an error deleting (IMS_XSTEP_STORE);
 *         IMS_INVALID (@p out, @p st or @p path NULL, a bad option).
 *         Recording the export in the audit trail is the caller's
 *         (ims_audit_record()).
 * @since 0.1
 */
IMS_API int ims_archive_export(ims_export_result *out, ims_store *st,
                               const ims_filter *f, const char *path,
                               const ims_export_opts *opts);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Checking an archive
 * @{ */

typedef struct ims_archive_verify_opts {
	unsigned version;            /**< IMS_ARCHIVE_VERIFY_OPTS_VERSION */
	ims_archive_limits limits;
	const char *tmpdir;          /**< where the lists are spooled (unnamed
	                                  temporary files); NULL: $TMPDIR, else
	                                  /tmp */
	/** After each file read, and once at the end; may be NULL. */
	void (*progress)(const ims_progress *p, void *payload);
	/** Each disagreement found, one line; may be NULL. */
	void (*problem)(const char *what, void *payload);
	void *payload;               /**< passed to both callbacks */
} ims_archive_verify_opts;

#define IMS_ARCHIVE_VERIFY_OPTS_VERSION 1
#define IMS_ARCHIVE_VERIFY_OPTS_INIT { IMS_ARCHIVE_VERIFY_OPTS_VERSION, \
	IMS_ARCHIVE_LIMITS_INIT, NULL, NULL, NULL, NULL }

/** What ims_archive_verify() found. */
typedef struct ims_archive_report {
	uint64_t files;        /**< files but SHA256SUMS */
	uint64_t messages;     /**< message files the manifest lists */
	uint64_t transcripts;  /**< transcript files the manifest lists */
	uint64_t bytes;        /**< bytes of the files but SHA256SUMS */
	uint64_t problems;     /**< hashes, sizes or lists that disagree, and
	                            messages the store would refuse */
	char layout[16];       /**< "raw", "eml", or what the manifest says */
	ims_xstep step;        /**< refused: IMS_XSTEP_INPUT */
	char why[IMS_XWHY_MAX];/**< refused: the message */
} ims_archive_report;

/**
 * Check an archive against itself, without a store, in one pass and
 * bounded memory: every entry a regular file of a name an export writes,
 * no link, no device, no setuid bit, every limit kept; SHA256SUMS lists
 * every other file, in archive order, with its SHA-256; the manifest,
 * read under the rules for hostile XML (UTF-8 only, no DOCTYPE, no entity,
 * no network), lists every message and transcript file with its SHA-256
 * and size and each message with what the store requires, every message
 * passing the checks storing makes (ims_msg_check(), the body's size), so
 * that an archive that verifies is one ims_archive_import() stores whole.
 *
 * @param[out] out the counts, and on refusal the message; may not be NULL.
 * @param opts NULL for the defaults.
 * @return 0 (everything matches), IMS_CORRUPT (out->problems
 *         disagreements, each passed to opts->problem), or IMS_INVALID
 *         with out->why: the archive is refused (not one an export
 *         writes, a limit passed, a manifest that is not valid) or cannot
 *         be read (no such file, no temporary file), or @p path NULL.
 * @since 0.1
 */
IMS_API int ims_archive_verify(ims_archive_report *out, const char *path,
                               const ims_archive_verify_opts *opts);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Import
 * @{ */

/** The forms of an msilo dump, which read the same bytes differently. */
typedef enum ims_msilo_form {
	IMS_MSILO_NONE = 0,  /**< not named: refused, never guessed */
	/** `mysql -B`: tab-separated, NULL for a null value, the escapes
	 * \\ \t \n \r \0 undone. */
	IMS_MSILO_MYSQL = 1,
	/** `sqlite3 -separator '\t'` (.mode tabs): tab-separated, bytes as
	 * they are, an empty field for a null value; a value holding a tab or
	 * a newline cannot be told apart and its row is refused. */
	IMS_MSILO_TABS = 2,
	/** RFC 4180 CSV as `sqlite3 -csv` prints it: quoted fields may hold
	 * commas, quotes, tabs and newlines; an empty field for a null value. */
	IMS_MSILO_CSV = 3
} ims_msilo_form;

typedef struct ims_import_opts {
	unsigned version;            /**< IMS_IMPORT_OPTS_VERSION */
	size_t batch;                /**< messages per commit; 0: 1000 */
	ims_archive_limits limits;   /**< archives: as ims_archive_verify() */
	const char *tmpdir;          /**< archives: as ims_archive_verify() */
	int64_t now;                 /**< msilo: the time expiries are compared
	                                  with and a row without inc_time gets,
	                                  UTC µs; IMS_TIME_NONE: the current time */
	/** After each message file or row read, and once at the end of the
	 * input; may be NULL. */
	void (*progress)(const ims_progress *p, void *payload);
	/** Archives: each disagreement the check finds; may be NULL. */
	void (*problem)(const char *what, void *payload);
	void *payload;               /**< passed to every callback */
	/* version 2 */
	unsigned flags;              /**< IMS_IMPORT_DRY_RUN, IMS_IMPORT_SKIP_BAD */
	ims_msilo_form msilo_form;   /**< msilo: the form of the dump; required */
	/** msilo with IMS_IMPORT_SKIP_BAD: each row passed over, where and
	 * why, one line; may be NULL. */
	void (*skipped)(const char *what, void *payload);
} ims_import_opts;

#define IMS_IMPORT_OPTS_VERSION 2
#define IMS_IMPORT_OPTS_INIT { IMS_IMPORT_OPTS_VERSION, 0, \
	IMS_ARCHIVE_LIMITS_INIT, NULL, IMS_TIME_NONE, NULL, NULL, NULL, 0, \
	IMS_MSILO_NONE, NULL }

/** Import flag: check everything as storing would, store nothing
 * (out->checked counts what would be stored). */
#define IMS_IMPORT_DRY_RUN  0x1u
/** Import flag, msilo: pass over a row that is refused, reporting it to
 * opts->skipped and counting it in out->skipped, and store the others;
 * without it one refused row refuses the whole dump. */
#define IMS_IMPORT_SKIP_BAD 0x2u

/** What an import did, also when it failed. */
typedef struct ims_import_result {
	uint64_t stored;        /**< messages stored */
	uint64_t existing;      /**< messages already there, not stored again */
	uint64_t commits;       /**< durable commits */
	uint64_t expired;       /**< msilo: rows past their expiry, not stored */
	uint64_t skipped;       /**< msilo, IMS_IMPORT_SKIP_BAD: rows refused */
	uint64_t checked;       /**< messages that passed every check (with
	                             IMS_IMPORT_DRY_RUN: would be stored) */
	ims_xstep step;         /**< on failure: which side */
	char why[IMS_XWHY_MAX]; /**< on failure: the message */
} ims_import_result;

/**
 * Store the messages of a raw export archive exactly as they were: their
 * ids, metadata, state, flags and bytes.  The archive is first checked
 * whole, as ims_archive_verify() does, every message checked as storing
 * checks it, and nothing is stored unless it passes; then it is read
 * again, each message file hashed again and stored through a bulk load
 * (IMS_BULK_KEEP_ID) in commits of opts->batch messages.  With
 * IMS_IMPORT_DRY_RUN it stops after the check, out->checked the messages
 * it would store.  A message already stored stores nothing, so an import
 * interrupted (a full disk, a kill) and run again stores only what the
 * first did not.
 *
 * @param[out] out the counts, and on failure the step and the message
 *        (after an error of the store, messages committed before it stay
 *        stored); may not be NULL.
 * @param opts NULL for the defaults.
 * @return 0; a refusal of the archive or a change since it was verified
 *         (IMS_XSTEP_INPUT: IMS_INVALID, IMS_CORRUPT or an errno value);
 *         an error of the store (IMS_XSTEP_STORE).
 * @since 0.1
 */
IMS_API int ims_archive_import(ims_import_result *out, ims_store *st,
                               const char *path, const ims_import_opts *opts);

/**
 * Store the rows of a dump of Kamailio's msilo table (id, src_addr,
 * dst_addr, username, domain, inc_time, exp_time, snd_time, ctype, body,
 * extra_hdrs, callid, status), or of OpenSER's silo table (the first ten),
 * as deferred messages of sip:USERNAME@DOMAIN, in commits of opts->batch
 * messages.  opts->msilo_form names the dump's form (IMS_MSILO_MYSQL,
 * IMS_MSILO_TABS, IMS_MSILO_CSV), which is never guessed: the forms read
 * backslashes, NULL and quotes differently.  A header line (one naming
 * src_addr) maps the columns by name, in any order, unknown ones passed
 * over; without one, 13 fields are Kamailio's columns and 10 OpenSER's, in
 * their order.  A username may hold what RFC 3261 allows in a user part
 * (';' and '?' included), as ims_put() accepts it.  Every row is read and
 * checked as storing checks it before the first is stored (the standard
 * input is copied to a temporary file to be read twice): a refused row
 * refuses the whole dump, nothing stored, or with IMS_IMPORT_SKIP_BAD is
 * passed to opts->skipped, counted in out->skipped, and the other rows
 * are stored.  A dump whose columns cannot be mapped is refused whole. A
 * row past its expiry is counted in out->expired, not stored.  With
 * IMS_IMPORT_DRY_RUN nothing is stored and out->checked counts the rows
 * that would be.  Run again, it stores nothing new.
 *
 * @param path the dump, or "-" for the standard input.
 * @param[out] out as for ims_archive_import().
 * @param opts may not be NULL: the form is required.
 * @return 0; IMS_INVALID for no form, a dump that cannot be mapped or a
 *         row that is refused, or an errno value when the dump cannot be
 *         read (IMS_XSTEP_INPUT); an error of the store (IMS_XSTEP_STORE).
 * @since 0.1
 */
IMS_API int ims_msilo_import(ims_import_result *out, ims_store *st,
                             const char *path, const ims_import_opts *opts);
/** @} */

#ifdef __cplusplus
}
#endif
#endif /* IMSTORE_EXCHANGE_H */
