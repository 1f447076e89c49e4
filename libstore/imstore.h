/**
 * @file imstore.h
 * @brief libimstore: the durable message store of an OMA SIMPLE IM server.
 *
 * libimstore keeps the deferred messages and the conversation history of an
 * Instant Messaging server in an LMDB environment.  Every stored message is a
 * metadata record (checksummed) plus its body bytes (checksummed, compressed
 * with zlib when that pays off, returned exactly as received).
 *
 * @section conventions Conventions
 * - Functions return 0 on success, a negative IMS_* code on a library error,
 *   or a positive errno value on a system error; ims_strerror() names both.
 * - Output parameters come first and are named @c out.  A pointer-to-pointer
 *   output is owned by the caller and released with the matching _free
 *   function.  A plain pointer returned inside a structure is borrowed from
 *   its parent and valid until the parent is freed or advanced.
 * - Option structures carry a @c version field; initialise them with their
 *   _INIT macro so that later fields get their defaults.
 *
 * @section threads Threads and processes
 * One ims_store handle may be shared by any number of threads: every function
 * taking an ims_store is thread-safe.  An ims_query or ims_filter belongs to
 * one thread at a time.  Several processes may open the same store at once
 * (a server writing while operators list or delete).  A process must open a
 * store only once (a second ims_store_open() of the same store in one process
 * fails with IMS_BUSY), and a handle must not be used in a child after fork():
 * every call there returns IMS_FORKED.
 *
 * @section durability Durability
 * A write function returns 0 only after its transaction is on disk (LMDB
 * commit with fdatasync).  A failed commit is reported, never as success.
 * After IMS_PANIC the handle is unusable: close it and open the store again.
 */
#ifndef IMSTORE_H
#define IMSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IMS_API __attribute__((visibility("default")))
#else
#define IMS_API
#endif

#define IMS_VERSION_MAJOR 0
#define IMS_VERSION_MINOR 1
#define IMS_VERSION_PATCH 0
#define IMS_VERSION_STRING "0.1.0"

/** On-disk format version written by this library (see imstore(5)).  It
 * also reads formats 1 and 2, and a writable open upgrades such a store to
 * 3 (what they hold stays and is read as it is; format 3 adds the list of
 * deletions that ims_deferred_sweep() finishes). */
#define IMS_FORMAT_VERSION 3
/** The oldest format this library reads. @since 0.1 */
#define IMS_FORMAT_OLDEST 1

/** @name Error codes
 * Library errors are negative and never renumbered; new codes are added last.
 * @{ */
#define IMS_OK          0
#define IMS_ERR_BASE    (-32000)
#define IMS_NOTFOUND    (IMS_ERR_BASE - 1)  /**< no such message or store */
#define IMS_EXISTS      (IMS_ERR_BASE - 2)  /**< already stored (idempotent put) */
#define IMS_CORRUPT     (IMS_ERR_BASE - 3)  /**< checksum or structure invalid */
#define IMS_FULL        (IMS_ERR_BASE - 4)  /**< map cannot grow further */
#define IMS_BUSY        (IMS_ERR_BASE - 5)  /**< store busy or already open here */
#define IMS_INVALID     (IMS_ERR_BASE - 6)  /**< invalid argument or input */
#define IMS_VERSION     (IMS_ERR_BASE - 7)  /**< store format not supported */
#define IMS_PANIC       (IMS_ERR_BASE - 8)  /**< fatal store error: reopen */
#define IMS_FORKED      (IMS_ERR_BASE - 9)  /**< handle used after fork() */
#define IMS_TOOBIG      (IMS_ERR_BASE - 10) /**< field or body over its limit */
#define IMS_READONLY    (IMS_ERR_BASE - 11) /**< store opened read-only */
#define IMS_SYNTAX      (IMS_ERR_BASE - 12) /**< filter expression invalid */
#define IMS_ITEROVER    (IMS_ERR_BASE - 13) /**< iteration finished */
#define IMS_HELD        (IMS_ERR_BASE - 14) /**< message under legal hold */
#define IMS_INTERNAL    (IMS_ERR_BASE - 15) /**< unexpected storage engine error */
#define IMS_NOTSTORE    (IMS_ERR_BASE - 16) /**< path is not an imstore store */
#define IMS_REFUSED     (IMS_ERR_BASE - 17) /**< not stored: see ims_refusal */
#define IMS_QUOTA       (IMS_ERR_BASE - 18) /**< over the user's quota */
/** @} */

/**
 * Describe an error code.
 * @param err an IMS_* code or a positive errno value.
 * @return a static lowercase string; never NULL.
 * @since 0.1
 */
IMS_API const char *ims_strerror(int err);

/** Optional detail about a failed call: where and what. */
typedef struct ims_errinfo {
	int code;           /**< the code the call returned */
	size_t offset;      /**< byte offset in the input, when it applies */
	char message[200];  /**< lowercase detail, may be empty */
} ims_errinfo;

/** @name Limits (bytes) @{ */
#define IMS_ADDR_MAX     480      /**< a canonical address */
#define IMS_MSGID_MAX    256      /**< a Message-ID */
#define IMS_CONV_MAX     256      /**< a conversation identity */
#define IMS_TEXT_MAX     4096     /**< subject, display name, content type */
#define IMS_RCPT_MAX     1024     /**< recipients (To + cc) per message */
#define IMS_HEADERS_MAX  64       /**< kept original headers per message */
#define IMS_BODY_MAX     ((size_t)1 << 30) /**< one body (1 GiB) */
/** @} */

/* ------------------------------------------------------------------ */
/** @name Identifiers @{ */

/** A store id: 48-bit milliseconds + 80 random bits, big-endian. */
typedef struct ims_id {
	unsigned char b[16];
} ims_id;

/** Length of a printed id (Crockford base32), without the NUL. */
#define IMS_ID_STRLEN 26

/**
 * Print an id as 26 Crockford base32 characters.
 * @param[out] out buffer of at least IMS_ID_STRLEN + 1 bytes.
 * @since 0.1
 */
IMS_API void ims_id_fmt(char *out, const ims_id *id);

/**
 * Parse a printed id (case-insensitive; I, L and O read as 1, 1, 0).
 * @return 0, or IMS_INVALID when @p text is not an id.
 * @since 0.1
 */
IMS_API int ims_id_parse(ims_id *out, const char *text);

/** Milliseconds since the epoch encoded in an id. @since 0.1 */
IMS_API int64_t ims_id_time_ms(const ims_id *id);

/**
 * Encode bytes as base64 (RFC 4648, with padding, no line breaks): the
 * encoding of a body that is not text in transcripts, the eml layout of an
 * export and the command's JSON output.
 * @param[out] out a buffer of 4 * ((n + 2) / 3) bytes; no NUL is written.
 * @return the length written, 4 * ((n + 2) / 3).
 * @since 0.1
 */
IMS_API size_t ims_base64_encode(char *out, const void *in, size_t n);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Addresses @{ */

/**
 * Canonicalise an IM address the way RFC 3261 compares URIs.
 *
 * sip:, sips:, im: and pres: URIs: scheme and host lowercased, user part kept
 * (percent-escapes of unreserved characters decoded), password, URI parameters
 * and headers dropped.  tel: numbers lose their visual separators.  A display
 * name form (`"Bob" <sip:bob@example.com>`) is reduced to its URI.
 *
 * @param[out] out buffer of @p cap bytes receiving the NUL-terminated form.
 * @param cap at least IMS_ADDR_MAX + 1.
 * @param addr the address as received.
 * @return 0, IMS_INVALID (no scheme, control characters, invalid UTF-8),
 *         or IMS_TOOBIG (longer than IMS_ADDR_MAX).
 * @since 0.1
 */
IMS_API int ims_addr_canon(char *out, size_t cap, const char *addr);

/**
 * Whether an address is anonymous in the manner of RFC 3323 (and RCS
 * privacy): a sip:, sips: or im: URI whose host is "anonymous.invalid",
 * such as "sip:anonymous@anonymous.invalid".  A message whose originator is
 * anonymous says nothing of its real sender; a server takes the
 * P-Asserted-Identity instead (ims_ingest_sip() does).
 * @param addr the address, in any form ims_addr_canon() reads.
 * @return 1 if anonymous, 0 if not or not an address.
 * @since 0.1
 */
IMS_API int ims_addr_is_anonymous(const char *addr);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Messages @{ */

typedef enum ims_folder {
	IMS_FOLDER_DEFERRED = 1,
	IMS_FOLDER_HISTORY = 2
} ims_folder;

typedef enum ims_mode {
	IMS_MODE_PAGER = 1,
	IMS_MODE_LARGE = 2,
	IMS_MODE_SESSION = 3
} ims_mode;

typedef enum ims_state {
	IMS_STATE_STORED = 0,     /**< kept in history, no delivery pending */
	IMS_STATE_PENDING = 1,    /**< deferred, waiting for the recipient */
	IMS_STATE_DELIVERING = 2, /**< handed out under a lease */
	IMS_STATE_DELIVERED = 3,  /**< delivered and acknowledged */
	IMS_STATE_FAILED = 4      /**< delivery given up */
} ims_state;

/** Message flag: under legal hold; never deleted, purged or expired. */
#define IMS_MSGF_HELD  0x1u
/** Message flag: deleted by its user while held: hidden from the user's
 * functions, kept for the operator until the hold is released. */
#define IMS_MSGF_HIDDEN 0x4u

/** An address with its display name. */
typedef struct ims_addr {
	const char *uri;   /**< the URI (canonical form in returned messages) */
	const char *name;  /**< display name, or NULL */
} ims_addr;

/** An original header kept with the message (e.g. P-Asserted-Identity). */
typedef struct ims_header {
	const char *name;
	const char *value;
} ims_header;

/** Time value meaning "not set". */
#define IMS_TIME_NONE INT64_MIN

/**
 * A message's metadata.
 *
 * On input (ims_put()) the caller fills it; strings are copied.  On output
 * every pointer is borrowed from the object that returned it.  Times are UTC
 * microseconds since the epoch, IMS_TIME_NONE when unset.
 */
typedef struct ims_msg {
	unsigned version;        /**< IMS_MSG_VERSION */
	ims_id id;               /**< output only */
	ims_folder folder;
	ims_mode mode;
	ims_state state;
	unsigned flags;          /**< IMS_MSGF_*; output only */
	const char *owner;       /**< the IM address whose store it is */
	ims_addr from;           /**< originator */
	const ims_addr *to;      /**< To recipients */
	size_t nto;
	const ims_addr *cc;      /**< cc recipients */
	size_t ncc;
	const char *message_id;  /**< unique per (owner, folder); required */
	const char *conversation;/**< session / conversation identity, or NULL */
	int64_t received;        /**< IMS_TIME_NONE on input: now */
	int64_t sent;
	const char *sent_text;   /**< original DateTime text, or NULL */
	int64_t expires;
	int64_t delivered;
	const char *content_type;/**< with parameters; NULL: text/plain */
	const char *subject;
	uint64_t size;           /**< body bytes; output only */
	const ims_header *headers;
	size_t nheaders;
} ims_msg;

#define IMS_MSG_VERSION 1
#define IMS_MSG_INIT { IMS_MSG_VERSION, {{0}}, IMS_FOLDER_DEFERRED, \
	IMS_MODE_PAGER, IMS_STATE_PENDING, 0, NULL, {NULL, NULL}, NULL, 0, \
	NULL, 0, NULL, NULL, IMS_TIME_NONE, IMS_TIME_NONE, NULL, \
	IMS_TIME_NONE, IMS_TIME_NONE, NULL, NULL, 0, NULL, 0 }

/** Folder, mode and state names ("deferred", "pager", "pending"…). @since 0.1 */
IMS_API const char *ims_folder_name(ims_folder f);
IMS_API const char *ims_mode_name(ims_mode m);
IMS_API const char *ims_state_name(ims_state s);
/** Parse those names; 0 or IMS_INVALID. @since 0.1 */
IMS_API int ims_folder_parse(ims_folder *out, const char *name);
IMS_API int ims_mode_parse(ims_mode *out, const char *name);
IMS_API int ims_state_parse(ims_state *out, const char *name);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Message fields
 * One table of a message's fields, each with its name, its type and a
 * getter, in a fixed order: what every writer of messages walks (the
 * command's text and JSON output, the export manifest, the eml layout),
 * each spelling the names as its format requires.  Adding a field is
 * adding a row, its id last (before IMS_FIELD_COUNT).
 * @{ */

/** The fields, in the table's order: ims_msg_fields()[id].id == id. */
typedef enum ims_field {
	IMS_FIELD_ID = 0,        /**< "id": id */
	IMS_FIELD_OWNER,         /**< "owner": string */
	IMS_FIELD_FOLDER,        /**< "folder": string, ims_folder_name() */
	IMS_FIELD_MODE,          /**< "mode": string, ims_mode_name() */
	IMS_FIELD_STATE,         /**< "state": string, ims_state_name() */
	IMS_FIELD_HELD,          /**< "held": boolean, IMS_MSGF_HELD */
	IMS_FIELD_HIDDEN,        /**< "hidden": boolean, IMS_MSGF_HIDDEN */
	IMS_FIELD_FROM,          /**< "from": address */
	IMS_FIELD_TO,            /**< "to": address list */
	IMS_FIELD_CC,            /**< "cc": address list */
	IMS_FIELD_MESSAGE_ID,    /**< "message_id": string */
	IMS_FIELD_CONVERSATION,  /**< "conversation": string */
	IMS_FIELD_RECEIVED,      /**< "received": time */
	IMS_FIELD_SENT,          /**< "sent": time */
	IMS_FIELD_SENT_TEXT,     /**< "sent_text": string */
	IMS_FIELD_EXPIRES,       /**< "expires": time */
	IMS_FIELD_DELIVERED,     /**< "delivered": time */
	IMS_FIELD_TYPE,          /**< "type": string, the content type;
	                          *   absent, it reads "text/plain" */
	IMS_FIELD_SUBJECT,       /**< "subject": string */
	IMS_FIELD_SIZE,          /**< "size": integer, body bytes */
	IMS_FIELD_HEADERS,       /**< "headers": header list */
	IMS_FIELD_COUNT          /**< not a field: how many this header knows */
} ims_field;

/** The type of a field's value: which members of ims_field_value hold it. */
typedef enum ims_field_type {
	IMS_FTYPE_STRING = 1,    /**< str */
	IMS_FTYPE_TIME,          /**< num: µs since the epoch */
	IMS_FTYPE_INTEGER,       /**< num */
	IMS_FTYPE_BOOLEAN,       /**< num: 0 or 1 */
	IMS_FTYPE_ADDRESS,       /**< addrs: one address */
	IMS_FTYPE_ADDRESSES,     /**< addrs, n */
	IMS_FTYPE_HEADERS,       /**< headers, n */
	IMS_FTYPE_ID             /**< id: text with ims_id_fmt() */
} ims_field_type;

/**
 * A field's value, filled by a getter.  Pointers are borrowed from the
 * message (or static): valid while the message is.
 */
typedef struct ims_field_value {
	int present;              /**< 0: the message has no value (a NULL
	                           *   string, IMS_TIME_NONE, an empty list) */
	const char *str;          /**< STRING: the value; when absent, what
	                           *   the field reads then, or NULL */
	int64_t num;              /**< TIME, INTEGER, BOOLEAN */
	const ims_addr *addrs;    /**< ADDRESS, ADDRESSES */
	const ims_header *headers;/**< HEADERS */
	size_t n;                 /**< ADDRESS: 1; ADDRESSES, HEADERS: how many */
	const ims_id *id;         /**< ID */
} ims_field_value;

/** A row of the table. */
typedef struct ims_msg_field {
	ims_field id;
	const char *name;         /**< e.g. "message_id": the key of imstore's
	                           *   text and JSON output */
	ims_field_type type;
	/** Fill @p out (every member set) with the field of @p m. */
	void (*get)(ims_field_value *out, const ims_msg *m);
} ims_msg_field;

/**
 * The table of message fields.  A program built with an older header may
 * meet ids at or past its own IMS_FIELD_COUNT: fields it does not know.
 * @param[out] count the number of rows.
 * @return the rows, in the order of their ids; static, never NULL.
 * @since 0.1
 */
IMS_API const ims_msg_field *ims_msg_fields(size_t *count);

/**
 * Read one field of a message: ims_msg_fields()[id].get(out, m).
 * @param[out] out the value, borrowed from @p m.
 * @return 0, or IMS_INVALID when @p id is not a field.
 * @since 0.1
 */
IMS_API int ims_msg_field_get(ims_field_value *out, const ims_msg *m, ims_field id);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Times
 * One grammar for every time a program reads: the filter's date: term
 * (imstore-search-terms(7)) and the command's TIME options.  Times are UTC
 * microseconds since the epoch, years 1 to 9999 of the proleptic Gregorian
 * calendar.
 * @{ */

/** ims_time_parse(): a duration ("72h") is also a time, counted forward
 * from @p now. */
#define IMS_TIME_AHEAD 0x1u
/** ims_time_parse(): a duration ("7d") is also a time, counted back from
 * @p now. */
#define IMS_TIME_BACK  0x2u

/** Length of what ims_time_fmt() writes for a time of the years 1 to 9999,
 * without the NUL ("2026-11-01T10:00:00.250000Z"). */
#define IMS_TIME_STRLEN 27

/**
 * Parse a point in time: "2026-11-01" (its first instant),
 * "2026-11-01T10:00", "2026-11-01T10:00:30.25Z",
 * "2026-11-01T11:00:30+01:00" ("T" may also be "t" or a space; no zone
 * means UTC; 1 to 6 digits of fractions; a leap second ":60" is read as
 * cpim_datetime_parse() reads it, as the second after ":59", so
 * "2016-12-31T23:59:60Z" is 2017-01-01T00:00:00Z), "today", "yesterday" (their first
 * instant) or "now"; with IMS_TIME_AHEAD or IMS_TIME_BACK, also a duration
 * (see ims_duration_parse()) from @p now.
 * @param[out] out the time; untouched on error.
 * @param now the reference time of today, yesterday, now and durations;
 *        IMS_TIME_NONE: the current time.
 * @param flags 0, IMS_TIME_AHEAD or IMS_TIME_BACK.
 * @param[out] err why @p text is refused (a lowercase message); may be NULL.
 * @return 0, or IMS_INVALID (not a time, no such date, outside the years 1
 *         to 9999).
 * @since 0.1
 */
IMS_API int ims_time_parse(int64_t *out, const char *text, int64_t now,
                           unsigned flags, ims_errinfo *err);

/**
 * Parse a range of time, as the filter's date: term reads it: a point
 * (a day is the whole day, a time the one microsecond), "A..B" (both ends
 * included, either may be left out), "<A", "<=A", ">A", ">=A".
 * @param[out] lo the first microsecond of the range, or INT64_MIN when it
 *             has no start.
 * @param[out] hi the microsecond after the range, or INT64_MAX when it has
 *             no end.  Both untouched on error.
 * @param now as for ims_time_parse().
 * @param[out] err why @p text is refused; may be NULL.
 * @return 0, or IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_time_range_parse(int64_t *lo, int64_t *hi, const char *text,
                                 int64_t now, ims_errinfo *err);

/**
 * Parse a duration: numbers each followed by a unit s, m, h, d or w
 * ("90s", "1h30m", "2w"), at most 9999 years of 366 days.
 * @param[out] out microseconds; untouched on error.
 * @param[out] err why @p text is refused; may be NULL.
 * @return 0, or IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_duration_parse(int64_t *out, const char *text, ims_errinfo *err);

/**
 * Write a time as RFC 3339 UTC, "2026-11-01T10:00:00Z", with six digits of
 * fractions when it has any ("2026-11-01T10:00:00.250000Z"): the form
 * every output of imstore uses, and which ims_time_parse() reads back.
 * @param[out] out a buffer of @p cap bytes, NUL-terminated even when the
 *             time is cut short; IMS_TIME_STRLEN + 1 bytes hold any time of
 *             the years 1 to 9999.
 * @return the length of the whole text, as snprintf() does (cut short when
 *         not less than @p cap).
 * @since 0.1
 */
IMS_API int ims_time_fmt(char *out, size_t cap, int64_t us);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Counts and sizes
 * One grammar for every count and size a program reads: the filter's size:
 * term (imstore-search-terms(7)), the command's options, the numbers of an
 * export manifest and of a msilo dump.
 * @{ */

/** The largest size: 1 PiB. */
#define IMS_SIZE_MAX (INT64_C(1) << 50)

/**
 * Parse a count: decimal digits only, no blank, no sign, no unit.
 * @param[out] out the count; untouched on error.
 * @return 0, or IMS_INVALID (not digits, or past 2^64 - 1).
 * @since 0.1
 */
IMS_API int ims_number_parse(uint64_t *out, const char *text);

/**
 * Parse a size in bytes: a count with an optional unit, in any case: B; K,
 * KB, KiB; M, MB, MiB; G, GB, GiB (1024-based): "512k", "1M", "2GiB".
 * @param[out] out bytes, at most IMS_SIZE_MAX; untouched on error.
 * @return 0, or IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_size_parse(uint64_t *out, const char *text);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Opening a store @{ */

typedef struct ims_store ims_store;

/** Open flag: create the store when it does not exist. */
#define IMS_OPEN_CREATE   0x1u
/** Open flag: read-only; write functions return IMS_READONLY. */
#define IMS_OPEN_RDONLY   0x2u
/** Open flag: check LMDB's pages before anything is read through the map,
 * as ims_verify() with pages_only does (0.12 s for 300,000 messages); a
 * damaged file is refused with IMS_CORRUPT instead of faulting later.
 * For a server's start. */
#define IMS_OPEN_CHECK_PAGES 0x4u

typedef struct ims_open_opts {
	unsigned version;
	unsigned flags;        /**< IMS_OPEN_* */
	size_t map_size;       /**< initial map size; 0: 1 GiB */
	size_t map_max;        /**< growth limit; 0: 1 TiB */
	unsigned max_readers;  /**< 0: 126 */
} ims_open_opts;

#define IMS_OPEN_OPTS_VERSION 1
#define IMS_OPEN_OPTS_INIT { IMS_OPEN_OPTS_VERSION, 0, 0, 0, 0 }

/**
 * Open (or with IMS_OPEN_CREATE create) the store in directory @p path.
 *
 * A created directory is mode 0700 and its files 0600 whatever the umask.
 * Stale reader slots left by dead processes are cleared.
 *
 * @param[out] out the handle, to release with ims_store_close().
 * @param opts NULL for defaults.
 * @return 0, IMS_NOTFOUND (no store there), IMS_NOTSTORE (a file, or a
 *         directory holding something else), IMS_VERSION (newer format),
 *         IMS_BUSY (already open in this process), IMS_CORRUPT (with
 *         IMS_OPEN_CHECK_PAGES: the file's pages are damaged), or errno.
 * @since 0.1
 */
IMS_API int ims_store_open(ims_store **out, const char *path, const ims_open_opts *opts);

/** Close a handle; NULL is ignored.  Open queries must be freed first. @since 0.1 */
IMS_API void ims_store_close(ims_store *st);

/** The directory the store was opened from (borrowed). @since 0.1 */
IMS_API const char *ims_store_path(const ims_store *st);

/**
 * Let go of the store pages this process has mapped: its resident memory
 * falls back to its own heap, the pages stay in the kernel's page cache
 * and are read again from there when next used.  A long scan (an export)
 * calls it now and then, so that reading a store larger than memory does
 * not show as resident memory.  Safe while other threads read.
 * @return 0, or errno.
 * @since 0.1
 */
IMS_API int ims_store_trim(ims_store *st);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Backup and compaction @{ */

/** Backup flag: leave out free pages (a compacted copy). */
#define IMS_BACKUP_COMPACT 0x1u

/**
 * Copy the store, while it is in use, into a new store directory @p dest.
 *
 * The copy is one consistent snapshot (one read transaction: every write
 * committed before the call is in it; writers go on meanwhile).  It is
 * written into a temporary directory beside @p dest (mode 0700, the data
 * file 0600 whatever the umask), synchronised, then renamed to @p dest, and
 * the parent directory synchronised: @p dest never holds half a copy.  The
 * result is a store that ims_store_open() opens like any other.
 *
 * @param dest a path that does not exist, or an empty directory.
 * @param flags 0 or IMS_BACKUP_COMPACT.
 * @return 0, IMS_EXISTS (@p dest exists and is not an empty directory),
 *         IMS_INVALID, or errno (ENOSPC…); on failure nothing is left.
 * @since 0.1
 */
IMS_API int ims_store_backup(ims_store *st, const char *dest, unsigned flags);

/** What ims_store_compact() did. */
typedef struct ims_compact_result {
	uint64_t bytes_before;  /**< size of the data file before */
	uint64_t bytes_after;   /**< and after */
} ims_compact_result;

/**
 * Rewrite the store in directory @p path so that its data file holds only
 * live entries, then swap the new file in by rename().
 *
 * Every entry of every database is copied into fresh pages of a temporary
 * file in the store directory (synchronised, mode 0600, the old file's
 * owner), so that neither free pages nor the slack of pages in use carry
 * bytes of deleted messages over; what deleted messages left for
 * ims_deferred_sweep() is left out too.  The store must not be open anywhere:
 * the exclusive lock taken on the first byte of lock.mdb (where every
 * process that has the store open holds a shared one) is refused when
 * another process has it open, and opens by other processes wait until the
 * compaction ends.  Interrupted, the store is left as it was (a temporary
 * data.mdb.compact-* file may remain).
 *
 * @param[out] out sizes; may be NULL.
 * @return 0, IMS_BUSY (open in another process, or in this one),
 *         IMS_NOTFOUND, IMS_NOTSTORE, IMS_VERSION, IMS_FULL, or errno
 *         (ENOSPC: the copy needs room for the live data).
 * @since 0.1
 */
IMS_API int ims_store_compact(ims_compact_result *out, const char *path);

/** @name Holder flags (ims_holder.flags) @{ */
#define IMS_HOLDER_OPEN      0x1u /**< has the store open (its shared lock) */
#define IMS_HOLDER_EXCLUSIVE 0x2u /**< holds it alone: compacting */
#define IMS_HOLDER_WAITING   0x4u /**< waits to open it (a compact runs) */
#define IMS_HOLDER_SNAPSHOT  0x8u /**< reads a snapshot (LMDB reader slot) */
#define IMS_HOLDER_GONE      0x10u /**< the process no longer exists: a
                                    *   stale reader slot, reclaimed by the
                                    *   next open */
/** @} */

/** A process that holds a store open (ims_store_holders()). */
typedef struct ims_holder {
	int64_t pid;
	char program[32];   /**< its name (/proc/PID/comm); "" when unknown */
	int64_t since;      /**< when the process started (UTC µs);
	                     *   IMS_TIME_NONE when unknown */
	unsigned flags;     /**< IMS_HOLDER_* */
	uint64_t snapshot;  /**< with IMS_HOLDER_SNAPSHOT: the transaction id
	                     *   of the snapshot it reads (an old one keeps
	                     *   pages from reuse) */
} ims_holder;

/**
 * Who holds the store in directory @p path open (doveadm who, lsof): the
 * processes with a lock on its lock.mdb (every open holds a shared one,
 * ims_store_compact() an exclusive one), as the kernel lists them in
 * /proc/locks, and the processes in LMDB's reader table, with the snapshot
 * each reads; each with its program and start time from /proc.  The
 * store need not be open, nor is it opened as a store: the reader table is
 * read through an environment of the call's own, unless this process has
 * the store open (its readers are then not listed) or a compaction holds
 * it (which that open would wait for).  Meanwhile a compaction started by
 * another process may find the store busy.  Linux only.
 *
 * @param[out] out the holders, in no particular order, to free with
 *        ims_holders_free(); NULL when there are none.
 * @param[out] n how many.
 * @return 0, IMS_NOTFOUND (no store at @p path), IMS_NOTSTORE,
 *         IMS_INVALID, ENOSYS (no /proc/locks), or errno.
 * @since 0.1
 */
IMS_API int ims_store_holders(ims_holder **out, size_t *n, const char *path);

/** Free what ims_store_holders() returned; NULL is ignored. @since 0.1 */
IMS_API void ims_holders_free(ims_holder *h);

/** How serious a finding of ims_store_check() is. */
typedef enum ims_severity {
	IMS_SEVERITY_WARNING = 1, /**< worth a look: may cause trouble later */
	IMS_SEVERITY_ERROR = 2    /**< wrong now: exposes or endangers messages */
} ims_severity;

/** One finding of ims_store_check(); everything in it is borrowed for the
 * length of the callback. */
typedef struct ims_finding {
	ims_severity severity;
	const char *check;   /**< a stable word: "world-writable",
	                      *   "group-writable", "mode", "owner", "file",
	                      *   "stale-file", "stale-reader", "format",
	                      *   "map", "disk" */
	const char *path;    /**< the file concerned, or NULL */
	const char *message; /**< a lowercase sentence */
} ims_finding;

/** Called for each finding; a non-zero return stops the check and is
 * returned. */
typedef int (*ims_check_cb)(const ims_finding *f, void *payload);

/**
 * A permission and sanity audit of the store in directory @p path, as
 * `postfix check` makes one: the modes and owners of the directory and its
 * files (a store is 0700 and its files 0600, all of the directory's
 * owner; writable by everyone or by the group is an error, readable by
 * others a warning; the test of a mode everyone may write is ims_verify()'s),
 * files that are not the store's (a temporary file left by an interrupted
 * ims_store_compact()), reader slots of processes that no longer exist
 * (ims_store_holders()), a store left at an older format than
 * IMS_FORMAT_VERSION, a data file near the map's growth limit (the default
 * 1 TiB) and a file system with little room left (less than the data file,
 * which a compaction or a backup needs, or over 90% full).  The records
 * are not read: that is ims_verify()'s work.  The store is opened
 * read-only for a moment (for its format and sizes).
 *
 * @param[out] count findings reported; may be NULL.
 * @param cb called for each finding; may be NULL (count them only).
 * @return 0 (whether or not anything was found), IMS_NOTFOUND (no store),
 *         IMS_INVALID, the return of @p cb, or errno; a store that cannot
 *         be opened (IMS_VERSION, IMS_CORRUPT, IMS_NOTSTORE...) is
 *         reported as an error finding, not returned.
 * @since 0.1
 */
IMS_API int ims_store_check(uint64_t *count, const char *path, ims_check_cb cb,
                            void *payload);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Storing and reading @{ */

/**
 * Check a message before storing it: required fields, limits, UTF-8,
 * control characters, addresses.  ims_put() makes the same checks.
 * @param[out] err names the field and the problem ("subject: invalid
 *        UTF-8"); may be NULL.
 * @return 0, IMS_INVALID or IMS_TOOBIG.
 * @since 0.1
 */
IMS_API int ims_msg_check(const ims_msg *msg, ims_errinfo *err);

/**
 * Store one message durably.
 *
 * The body bytes are kept exactly; bodies that compress well are stored
 * deflated.  If (owner, folder, message_id) is already stored nothing is
 * written, @p out receives the existing id and IMS_EXISTS is returned.
 *
 * @param[out] out the new (or existing) id; may be NULL.
 * @param msg metadata; owner, from.uri and message_id are required.
 * @param body body bytes (may be NULL when @p len is 0).
 * @return 0 (stored and on disk), IMS_EXISTS, IMS_INVALID, IMS_TOOBIG,
 *         IMS_FULL, IMS_READONLY, IMS_PANIC, or errno (ENOSPC…).
 * @since 0.1
 */
IMS_API int ims_put(ims_id *out, ims_store *st, const ims_msg *msg,
            const void *body, size_t len);

/**
 * Read a message's metadata by id.
 * @param[out] out allocated copy, to release with ims_msg_free().
 * @return 0, IMS_NOTFOUND, IMS_CORRUPT.
 * @since 0.1
 */
IMS_API int ims_get(ims_msg **out, ims_store *st, const ims_id *id);

/**
 * Find a message by (owner, folder, Message-ID).
 * @param[out] out allocated copy, to release with ims_msg_free().
 * @return 0, IMS_NOTFOUND, IMS_INVALID, IMS_CORRUPT.
 * @since 0.1
 */
IMS_API int ims_get_by_msgid(ims_msg **out, ims_store *st, const char *owner,
                     ims_folder folder, const char *message_id);

/** Free a message returned by ims_get(); NULL is ignored. @since 0.1 */
IMS_API void ims_msg_free(ims_msg *msg);

/** Body chunk callback: return 0 to go on, anything else stops with it. */
typedef int (*ims_body_cb)(const void *chunk, size_t len, void *payload);

/**
 * Stream a message's body bytes, exactly as stored, in chunks.
 *
 * The stored bytes are checked against their checksum before the first
 * chunk is passed on, and the inflated bytes against the original size and
 * checksum; corrupt bodies are never handed out.  Memory use is bounded
 * whatever the body size.
 *
 * @return 0, IMS_NOTFOUND, IMS_CORRUPT, or the callback's non-zero value.
 * @since 0.1
 */
IMS_API int ims_body_stream(ims_store *st, const ims_id *id, ims_body_cb cb,
                    void *payload);

/**
 * Read a whole body into memory.
 * @param[out] out malloc()ed bytes (plus a NUL not counted), caller frees.
 * @param[out] out_len body length.
 * @since 0.1
 */
IMS_API int ims_body_get(void **out, size_t *out_len, ims_store *st, const ims_id *id);

/**
 * The Message/CPIM bytes (RFC 3862) a stored message is delivered in to
 * its recipient: the body of a pushed SIP MESSAGE or of an MSRP SEND,
 * whose own Content-Type is message/cpim.
 *
 * A message stored from a Message/CPIM payload (ims_ingest_cpim(), or a
 * SIP MESSAGE with a message/cpim body: the whole envelope is kept) is
 * handed on as the sender wrote it, byte for byte, less an outer MIME
 * block (`Content-Type: message/cpim` and its blank line) it was stored
 * with, which is the request's header and not the envelope's.  Any other
 * message gets an envelope written from its record with libcpim: From,
 * To and cc with their display names, DateTime (the sent time as written
 * when it is an RFC 3339 time, else the sent time in UTC, else the
 * received time), Subject, `NS: imdn <urn:ietf:params:imdn>` with
 * imdn.Message-ID (the message's Message-ID) and imdn.Disposition-Notification
 * (from a kept header of that name), the other kept headers under
 * `NS: kept <urn:imstore:params:kept-header>` (the original request's
 * headers: a CPIM reader ignores them unless it knows the namespace), then
 * the content type (text/plain when none) and the body.  A display name,
 * subject or header value CPIM cannot carry is left out.  When the sender
 * asked for privacy (a kept Privacy header with a token other than none,
 * RFC 3323), From is `"Anonymous" <sip:anonymous@anonymous.invalid>` (the
 * stored From is the asserted identity) and the P-Asserted-Identity,
 * Call-ID and User-Agent headers, and a Message-ID that is the Call-ID,
 * are left out.
 *
 * @param[out] out malloc()ed bytes (plus a NUL not counted), caller frees.
 * @param[out] out_len their length.
 * @param msg the message as returned by the store (ims_get(),
 *        ims_lease_msg(), a query): its id names the body.
 * @return 0, IMS_NOTFOUND, IMS_CORRUPT, IMS_INVALID (a NULL argument, an
 *         address CPIM cannot carry), ENOMEM.  Memory: the body, twice
 *         while it is written.
 * @since 0.1
 */
IMS_API int ims_msg_envelope(void **out, size_t *out_len, ims_store *st,
                             const ims_msg *msg);

/** Which IMDN (RFC 5438) a server sends about a stored message. */
typedef enum ims_notice_kind {
	IMS_NOTICE_STORED = 1,  /**< processing-notification, status stored
	                             (RFC 5438 section 7.2.1.3): the server
	                             stored the message for later delivery;
	                             asked for by "processing" */
	IMS_NOTICE_EXPIRED = 2  /**< delivery-notification, status failed: the
	                             deferred message expired undelivered;
	                             asked for by "negative-delivery" */
} ims_notice_kind;

typedef struct ims_notice_opts {
	unsigned version;    /**< IMS_NOTICE_OPTS_VERSION */
	const char *server;  /**< the server's address, From of a processing
	                          notification; NULL: the recipient's */
	int64_t now;         /**< the notification's DateTime (UTC µs);
	                          IMS_TIME_NONE: the clock */
} ims_notice_opts;

#define IMS_NOTICE_OPTS_VERSION 1
#define IMS_NOTICE_OPTS_INIT { IMS_NOTICE_OPTS_VERSION, NULL, IMS_TIME_NONE }

/** A notification to send; its members are owned (ims_notice_clear()). */
typedef struct ims_notice {
	void *body;   /**< the message/cpim body (a NUL follows, not counted);
	                   NULL when the sender did not ask for this one */
	size_t len;   /**< its length */
	char *to;     /**< whom to send it to (the SIP request's target and To) */
	char *from;   /**< on whose behalf (the SIP request's From) */
} ims_notice;

/**
 * The IMDN notification (RFC 5438) a server sends about a stored message
 * whose sender asked for it with imdn.Disposition-Notification (in a
 * payload stored whole, or a kept header of that name).
 *
 * The body is a Message/CPIM message (without an outer block: the SIP
 * MESSAGE's Content-Type is message/cpim) with From: @p opts->server for
 * IMS_NOTICE_STORED (the server that stored the message), else the
 * recipient (the message's owner, on whose behalf the delivery failed);
 * To: the first imdn.IMDN-Record-Route, else the message's sender as the
 * store knows it (the asserted identity, never merely a From the sender
 * wrote in the payload); DateTime: now; a new imdn.Message-ID;
 * Content-Type message/imdn+xml, Content-Disposition notification; and
 * the document written by cpim_imdn_write() with the message's
 * imdn.Message-ID and DateTime, the recipient as recipient-uri and
 * imdn.Original-To (else the recipient) as original-recipient-uri
 * (schemas/imdn.xsd).
 *
 * When the sender did not ask for this kind, or is anonymous (no one to
 * send it to), 0 is returned with @p out->body NULL: nothing is sent.
 * @param[out] out the notification; release with ims_notice_clear().
 * @param msg the stored message, as the store returned it.
 * @param opts NULL for the defaults.
 * @return 0, IMS_INVALID (an argument, an address or value libcpim cannot
 *         write), IMS_NOTFOUND, IMS_CORRUPT (the stored body), ENOMEM.
 * @since 0.1
 */
IMS_API int ims_imdn_notice(ims_notice *out, ims_store *st, const ims_msg *msg,
                            ims_notice_kind kind, const ims_notice_opts *opts);

/** Free what a notification holds and empty it; NULL is ignored. @since 0.1 */
IMS_API void ims_notice_clear(ims_notice *n);

/**
 * Delete one message.
 * @return 0, IMS_NOTFOUND, IMS_HELD (under legal hold, kept).
 * @since 0.1
 */
IMS_API int ims_delete(ims_store *st, const ims_id *id);

/**
 * Change a message's delivery state.
 * @param delivered delivery time for IMS_STATE_DELIVERED, else IMS_TIME_NONE.
 * @return 0, IMS_NOTFOUND, IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_set_state(ims_store *st, const ims_id *id, ims_state state,
                  int64_t delivered);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Ingest: a Message/CPIM payload or a SIP MESSAGE as a message
 *
 * What a SIP server does with a MESSAGE it received, and what
 * `imstore put --cpim / --sip`, `imstore deferred store` and
 * `imstore history record` do: read the input with libcpim, fill the
 * metadata the caller left unset, and say which bytes are the body to
 * store.  The caller then checks and stores the message with
 * ims_msg_check() and ims_put(), ims_deferred_store() or
 * ims_history_record(), and frees the ingest object afterwards.
 * Nothing is printed and nothing is written to a store.
 * @{ */

/** A parsed input; what it filled in an ims_msg points into it. */
typedef struct ims_ingest ims_ingest;

/** Ingest flag: parse strictly (RFC 3862: CR LF line ends only, no
 * leniencies), the CPIM body of a SIP MESSAGE too. */
#define IMS_INGEST_STRICT 0x1u

typedef struct ims_ingest_opts {
	unsigned version;  /**< IMS_INGEST_OPTS_VERSION */
	unsigned flags;    /**< IMS_INGEST_* */
	int64_t now;       /**< the time a SIP Expires counts from (UTC
	                        microseconds); IMS_TIME_NONE: the clock */
} ims_ingest_opts;

#define IMS_INGEST_OPTS_VERSION 1
#define IMS_INGEST_OPTS_INIT { IMS_INGEST_OPTS_VERSION, 0, IMS_TIME_NONE }

/** The part of the input a failed ingest could not take. */
typedef enum ims_ingest_part {
	IMS_INGEST_PART_NONE = 0,     /**< none: out of memory, argument */
	IMS_INGEST_PART_CPIM = 1,     /**< the Message/CPIM payload */
	IMS_INGEST_PART_SIP = 2,      /**< the SIP request */
	IMS_INGEST_PART_SIP_BODY = 3, /**< the message/cpim body of a SIP
	                                   request */
	IMS_INGEST_PART_METHOD = 4    /**< a SIP request other than MESSAGE */
} ims_ingest_part;

/** Why an ingest failed, and where (libcpim's detail). */
typedef struct ims_ingest_error {
	int code;              /**< the code the call returned */
	ims_ingest_part part;  /**< the part of the input */
	unsigned line;         /**< 1-based line in that part, 0 when none */
	unsigned column;       /**< 1-based byte column, 0 when none */
	size_t offset;         /**< byte offset in that part */
	char message[200];     /**< lowercase, never empty on failure: "line 3,
	                            column 7: expected ':' after header name",
	                            "a INVITE request, not a MESSAGE" */
} ims_ingest_error;

/**
 * Read a Message/CPIM payload (RFC 3862) into @p msg.
 *
 * Fields of @p msg the caller set are kept (options an operator gave);
 * those left unset (NULL, a count of 0, sent_text NULL) are filled from the
 * CPIM headers: from (From), to and cc (To, cc), owner (the first To: the
 * recipient's store), sent and sent_text (DateTime), subject (the first
 * Subject), message_id (imdn.Message-ID), content_type (the encapsulated
 * Content-Type).  A kept header "Content-Type: message/cpim" is added
 * after the caller's.  The body to store is the whole payload.
 *
 * @param[out] out the parsed input, to release with ims_ingest_free()
 *        after the message is stored; NULL on failure.
 * @param msg in: what the caller knows; out: filled.  The strings and
 *        arrays filled in are borrowed from @p *out; the caller's own stay
 *        the caller's.  Unchanged on failure.
 * @param data the payload; it must stay valid until the body is stored
 *        (ims_ingest_body() points into it).
 * @param opts NULL for defaults.
 * @param[out] err the part, position and libcpim's message; may be NULL.
 * @return 0, IMS_INVALID (syntax, argument), IMS_TOOBIG (a line or
 *         header count over libcpim's limits), or ENOMEM.
 * @since 0.1
 */
IMS_API int ims_ingest_cpim(ims_ingest **out, ims_msg *msg, const void *data,
                    size_t len, const ims_ingest_opts *opts,
                    ims_ingest_error *err);

/**
 * Read a SIP MESSAGE request (RFC 3261, as received on the wire) into
 * @p msg, with its message/cpim body when it has one.
 *
 * As ims_ingest_cpim(), what the caller set is kept.  Unset fields come
 * from: owner, the Request-URI; from, the first P-Asserted-Identity (else
 * From); then a message/cpim body as ims_ingest_cpim() reads one (with
 * its kept header "Content-Type: message/cpim", since the body stored is
 * the whole payload); then to (the SIP To), sent and sent_text
 * (Date, when sent is IMS_TIME_NONE), expires (now + Expires, when
 * IMS_TIME_NONE), content_type (the SIP Content-Type), conversation
 * (Conversation-ID), message_id (Call-ID, which retransmissions share).
 * The headers P-Asserted-Identity, Privacy, Call-ID, Contribution-ID,
 * Conversation-ID, In-Reply-To-Contribution-ID, User-Agent and
 * Accept-Contact are added to the kept headers, up to IMS_HEADERS_MAX in
 * all.  The body to store is the request's body, after the blank line.
 *
 * @param[out] out the parsed request, to release with ims_ingest_free().
 * @param msg as for ims_ingest_cpim().
 * @param data the request; it must stay valid until the body is stored.
 * @param opts NULL for defaults.
 * @param[out] err as for ims_ingest_cpim(); IMS_INGEST_PART_METHOD with
 *        IMS_INVALID when the request is not a MESSAGE.
 * @return 0, IMS_INVALID, IMS_TOOBIG, or ENOMEM.
 * @since 0.1
 */
IMS_API int ims_ingest_sip(ims_ingest **out, ims_msg *msg, const void *data,
                   size_t len, const ims_ingest_opts *opts,
                   ims_ingest_error *err);

/**
 * The body to store: the bytes ims_put() and the others take.
 * @param[out] out borrowed from the input given to the ingest call.
 * @param[out] out_len their number.
 * @since 0.1
 */
IMS_API void ims_ingest_body(const void **out, size_t *out_len,
                     const ims_ingest *g);

/** Free an ingest object; NULL is ignored.  What it filled in a message is
 * no longer valid. @since 0.1 */
IMS_API void ims_ingest_free(ims_ingest *g);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Filters and queries
 * The filter language is described in imstore-search-terms(7).
 * @{ */

typedef struct ims_filter ims_filter;

/**
 * Compile a filter expression ("" or "*" matches everything).
 * @param[out] out compiled filter, to release with ims_filter_free().
 * @param now reference time for relative terms (older:, newer:), UTC µs;
 *        IMS_TIME_NONE: the current time.
 * @param[out] err where and why parsing failed; may be NULL.
 * @return 0, IMS_SYNTAX, IMS_INVALID, IMS_TOOBIG.
 * @since 0.1
 */
IMS_API int ims_filter_parse(ims_filter **out, const char *expr, int64_t now,
                     ims_errinfo *err);

/** Free a filter; NULL is ignored. @since 0.1 */
IMS_API void ims_filter_free(ims_filter *f);

/**
 * Whether a filter matches a message (evaluated in memory).
 * @return 1 or 0.
 * @since 0.1
 */
IMS_API int ims_filter_match(const ims_filter *f, const ims_msg *msg);

/** Whether a filter is the match-everything filter. @since 0.1 */
IMS_API int ims_filter_is_all(const ims_filter *f);

/**
 * Combine two compiled filters: a new filter matching exactly the messages
 * both match ("a and b").  Nothing is parsed again: relative terms keep the
 * reference time each was compiled with.
 * @param[out] out the new filter, to release with ims_filter_free().
 * @param a, b borrowed, not changed, and free to release after the call;
 *        NULL matches everything.
 * @return 0, ENOMEM, IMS_INVALID (@p out NULL).
 * @since 0.1
 */
IMS_API int ims_filter_and(ims_filter **out, const ims_filter *a,
                           const ims_filter *b);

/**
 * Confine a compiled filter to one user's folder, and to one conversation
 * when @p conversation is not NULL: a new filter matching what
 * "owner:OWNER folder:FOLDER [conversation:CONV] and F" matches, whatever
 * F holds (an "or" in F cannot reach another user's messages).
 * @param[out] out the new filter, to release with ims_filter_free().
 * @param f borrowed, not changed; NULL matches everything.
 * @param owner an address, compared in its canonical form.
 * @param conversation a conversation identity (1 to IMS_CONV_MAX bytes, no
 *        control character), or NULL.
 * @return 0, ENOMEM, IMS_INVALID (an owner that is not an address, an
 *         unknown folder, an invalid conversation).
 * @since 0.1
 */
IMS_API int ims_filter_scope(ims_filter **out, const ims_filter *f,
                             const char *owner, ims_folder folder,
                             const char *conversation);

/**
 * A filter of the messages received in [@p lo, @p hi): the term date:,
 * older: and newer: compile to, made from values rather than text, to
 * combine with ims_filter_and().  "older:30d" compiled at @p now is
 * ims_filter_received(&f, INT64_MIN, now - 30 days).
 * @param[out] out the new filter, to release with ims_filter_free().
 * @param lo the first microsecond of the range (UTC), or INT64_MIN for no
 *        start.
 * @param hi the microsecond after the range, or INT64_MAX for no end; with
 *        no start either, the filter matches every message.
 * @return 0, ENOMEM, IMS_INVALID (@p out NULL, @p lo not before @p hi, or
 *         an end outside the years 1 to 9999).
 * @since 0.1
 */
IMS_API int ims_filter_received(ims_filter **out, int64_t lo, int64_t hi);

/** Query flag: only what the owner may see: no message the user deleted
 * while it was held (IMS_MSGF_HIDDEN), no expired deferred message. */
#define IMS_QUERY_VISIBLE 0x1u

typedef struct ims_query ims_query;

typedef struct ims_query_opts {
	unsigned version;
	int reverse;          /**< newest first */
	const char *cursor;   /**< resume after this ims_query_cursor() value */
	unsigned flags;       /**< IMS_QUERY_* */
	/** Version 2: read in the snapshot of this open query instead of a new
	 * one (several queries seeing the store at one instant, as an export
	 * does); it must stay open until this query is freed, and both are
	 * used from one thread at a time.  NULL: a snapshot of its own. */
	const ims_query *snapshot;
} ims_query_opts;

#define IMS_QUERY_OPTS_VERSION 2
#define IMS_QUERY_OPTS_INIT { IMS_QUERY_OPTS_VERSION, 0, NULL, 0, NULL }

/** Longest cursor text, without the NUL. */
#define IMS_CURSOR_STRLEN 40

/**
 * Start a query: the messages matching @p f in (received, id) order.
 *
 * The query sees the store as of this call (one read snapshot) until freed.
 * The planner reads the most selective index: a filter naming an owner,
 * originator, conversation, Message-ID, media type or received-time range
 * never scans the whole store.
 *
 * @param[out] out the query, to release with ims_query_free().
 * @return 0, IMS_INVALID (bad cursor), or errno.
 * @since 0.1
 */
IMS_API int ims_query_open(ims_query **out, ims_store *st, const ims_filter *f,
                   const ims_query_opts *opts);

/**
 * Next matching message.
 * @param[out] out borrowed, valid until the next call or ims_query_free().
 * @return 0, IMS_ITEROVER at the end, IMS_CORRUPT (the record's id is
 *         available through ims_query_cursor()).
 * @since 0.1
 */
IMS_API int ims_query_next(const ims_msg **out, ims_query *q);

/**
 * Stream the body of the message the last ims_query_next() returned, in the
 * query's read snapshot: the body that goes with that record, whatever was
 * written or deleted since the query was opened.  The record is not read
 * again.  As with ims_body_stream(), the stored bytes are checked against
 * their checksum before the first chunk is passed on and the inflated bytes
 * against the original size and checksum, so a corrupt body is never handed
 * out, and memory use is bounded whatever the body size.  The body may be
 * streamed any number of times until the next ims_query_next().
 *
 * @param cb called with each chunk of the body (not at all for an empty
 *        body); its non-zero return value stops the stream.
 * @return 0, IMS_INVALID (@p q or @p cb NULL, or no current message: before
 *         the first ims_query_next(), after one that did not return 0),
 *         IMS_CORRUPT, IMS_FORKED, or the callback's non-zero value.
 * @since 0.1
 */
IMS_API int ims_query_body_stream(ims_query *q, ims_body_cb cb, void *payload);

/**
 * Cursor after the last returned message, to resume in another query.
 * Resuming neither skips nor repeats a message, whatever was stored since.
 * @param[out] out at least IMS_CURSOR_STRLEN + 1 bytes.
 * @return 0, or IMS_NOTFOUND before the first message.
 * @since 0.1
 */
IMS_API int ims_query_cursor(char *out, const ims_query *q);

/**
 * Describe the plan chosen for a query (index, ranges, residual filter).
 * @return borrowed string valid until ims_query_free().
 * @since 0.1
 */
IMS_API const char *ims_query_explain(const ims_query *q);

/** Free a query; NULL is ignored. @since 0.1 */
IMS_API void ims_query_free(ims_query *q);

/**
 * Count the messages matching @p f.
 * @since 0.1
 */
IMS_API int ims_count(uint64_t *out, ims_store *st, const ims_filter *f);

typedef struct ims_delete_opts {
	unsigned version;
	int dry_run;         /**< count only */
	size_t batch;        /**< messages per write transaction at most; 0: 1000 */
	int64_t max_txn_us;  /**< a write transaction ends within about this
	                          long, commit included, the rest going into
	                          the next; 0: 50 ms */
	double rate;         /**< at most this many messages a second; 0: no limit */
} ims_delete_opts;

#define IMS_DELETE_OPTS_VERSION 1
#define IMS_DELETE_OPTS_INIT { IMS_DELETE_OPTS_VERSION, 0, 0, 0, 0 }

/** What a bulk delete did. */
typedef struct ims_delete_result {
	uint64_t deleted;   /**< messages removed (or that would be) */
	uint64_t bytes;     /**< their body bytes */
	uint64_t held;      /**< matching messages kept under legal hold */
	uint64_t txns;      /**< write transactions */
	int64_t longest_txn_us; /**< the longest of them, commit included */
} ims_delete_result;

/**
 * Delete every message matching @p f, in bounded write transactions (at
 * most @c batch messages and about @c max_txn_us each, so that a server's
 * writes are never held up for long).  Interrupted, it leaves whole
 * messages deleted or kept; running it again finishes the work.  Pages
 * freed by one transaction are reused by the next, so the file does not
 * grow while it runs.  Messages under legal hold are kept and counted in
 * @c held.
 * @param[out] out counts; may be NULL.
 * @since 0.1
 */
IMS_API int ims_delete_filter(ims_delete_result *out, ims_store *st,
                      const ims_filter *f, const ims_delete_opts *opts);

/**
 * Delete the messages of @p ids (those that still exist), in bounded write
 * transactions as ims_delete_filter() does; messages under legal hold are
 * kept and counted in @c held.  opts->dry_run is not supported here.
 * @param[out] out counts; may be NULL.
 * @return 0, IMS_INVALID, or another error (what was deleted before it is
 *         counted in @p out).
 * @since 0.1
 */
IMS_API int ims_delete_ids(ims_delete_result *out, ims_store *st,
                           const ims_id *ids, size_t n,
                           const ims_delete_opts *opts);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Bulk storing (import, migration)
 * Many messages to one durable commit instead of one commit each.
 * @{ */

typedef struct ims_bulk ims_bulk;

/** Bulk flag: store each message under its msg->id, keeping its state and
 * its IMS_MSGF_HELD and IMS_MSGF_HIDDEN flags (an import of an export);
 * without it ids are issued and flags cleared as ims_put() does. */
#define IMS_BULK_KEEP_ID 0x1u

typedef struct ims_bulk_opts {
	unsigned version;
	unsigned flags;       /**< IMS_BULK_* */
	size_t batch;         /**< messages per commit at most; 0: 1000 */
	size_t max_bytes;     /**< body bytes held for one commit; 0: 32 MiB
	                           (a larger body goes alone) */
} ims_bulk_opts;

#define IMS_BULK_OPTS_VERSION 1
#define IMS_BULK_OPTS_INIT { IMS_BULK_OPTS_VERSION, 0, 0, 0 }

/** What a bulk load did so far. */
typedef struct ims_bulk_result {
	uint64_t stored;      /**< messages stored and durable */
	uint64_t existing;    /**< already there (same owner, folder and
	                           Message-ID, or with IMS_BULK_KEEP_ID the same
	                           id): nothing written */
	uint64_t commits;     /**< durable commits made */
	uint64_t queued;      /**< accepted, not yet committed */
} ims_bulk_result;

/**
 * Start a bulk load.  Each commit is one write transaction of the group
 * commit, so other writers of the store go on between commits.
 * @param[out] out free with ims_bulk_free().
 * @param opts NULL for defaults.
 * @return 0, IMS_READONLY, or another error.
 * @since 0.1
 */
IMS_API int ims_bulk_open(ims_bulk **out, ims_store *st, const ims_bulk_opts *opts);

/**
 * Accept one message (metadata and body are copied).  It is checked now as
 * ims_put() checks; when the batch is full, the batch is committed first.
 * A message is durable only once a later ims_bulk_put() or
 * ims_bulk_commit() that commits it has returned 0.
 * @return 0, IMS_INVALID or IMS_TOOBIG (this message refused, the batch
 *         kept), or the error of the commit (that batch is discarded: none
 *         of its messages is stored).
 * @since 0.1
 */
IMS_API int ims_bulk_put(ims_bulk *b, const ims_msg *msg, const void *body,
                         size_t len);

/**
 * Commit what was accepted and wait until it is on disk.
 * @return 0, or the error (the batch is discarded: none of it stored).
 * @since 0.1
 */
IMS_API int ims_bulk_commit(ims_bulk *b);

/** Counts so far. @return 0, or IMS_INVALID. @since 0.1 */
IMS_API int ims_bulk_result_get(ims_bulk_result *out, const ims_bulk *b);

/** Free a bulk load; what was not committed is discarded.  NULL is ignored.
 * @since 0.1 */
IMS_API void ims_bulk_free(ims_bulk *b);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Statistics @{ */

typedef struct ims_stats {
	uint64_t messages[3];  /**< by folder index: [0] all, [1] deferred, [2] history */
	uint64_t bytes[3];     /**< body bytes as received, same indexes */
	uint64_t stored_bytes; /**< body bytes as stored (after compression) */
	uint64_t owners;       /**< distinct owners holding messages */
	uint64_t file_bytes;   /**< size of the data file */
	uint64_t map_bytes;    /**< current map size */
	uint64_t pages_used;   /**< pages in use */
	unsigned page_size;
	unsigned format;       /**< the store's on-disk format version (a format 1 store opened read-only stays 1) */
} ims_stats;

/**
 * Totals of the store.
 * @since 0.1
 */
IMS_API int ims_stats_get(ims_stats *out, ims_store *st);

/** Age buckets of the deferred queue, as Postfix's qshape(1) draws them:
 * received less than 5, 10, 20, 40, 80, 160, 320, 640 and 1280 minutes
 * ago, and longer ago. */
#define IMS_AGE_BUCKETS 10

/** A row of a report: a MIME type, an owner or a recipient domain. */
typedef struct ims_stats_row {
	const char *name;    /**< the type, owner or domain, or "(other)";
	                          borrowed from the report */
	uint64_t messages;
	uint64_t bytes;      /**< body bytes as received */
	uint64_t ages[IMS_AGE_BUCKETS]; /**< the queue only: messages by age */
} ims_stats_row;

/** What ims_stats_report_get() found; free with ims_stats_report_free(). */
typedef struct ims_stats_report {
	ims_stats_row *types;    /**< every media type (lowercased, without
	                              parameters), most messages first */
	size_t ntypes;
	ims_stats_row *owners;   /**< the top owners by messages (or bytes:
	                              ims_stats_opts.sort), both folders */
	size_t nowners;
	ims_stats_row *domains;  /**< the deferred queue: the top recipient
	                              domains by messages, then "(other)" */
	size_t ndomains;
	ims_stats_row queue;     /**< the whole deferred queue ("TOTAL") */
} ims_stats_report;

/** Report parts; none set: all of them. */
#define IMS_STATS_TYPES  0x1u
#define IMS_STATS_OWNERS 0x2u
#define IMS_STATS_QUEUE  0x4u

/** What the top owners are ranked by (ims_stats_opts.sort). */
typedef enum ims_stats_sort {
	IMS_STATS_SORT_COUNT = 0, /**< messages, then bytes */
	IMS_STATS_SORT_BYTES = 1  /**< body bytes, then messages */
} ims_stats_sort;

typedef struct ims_stats_opts {
	unsigned version;
	unsigned flags;      /**< IMS_STATS_*; 0: all */
	size_t top;          /**< owners and domains listed; 0: 10 (at most 10000) */
	int64_t now;         /**< ages are counted from; IMS_TIME_NONE: now */
	/** Version 2: what the top owners are chosen and ordered by (the
	 * domains of the queue stay by messages). */
	ims_stats_sort sort;
} ims_stats_opts;

#define IMS_STATS_OPTS_VERSION 2
#define IMS_STATS_OPTS_INIT { IMS_STATS_OPTS_VERSION, 0, 0, IMS_TIME_NONE, \
                              IMS_STATS_SORT_COUNT }

/**
 * Totals the counters do not keep, from one read snapshot: per media type
 * and, for the deferred messages, the shape of the queue by recipient
 * domain (the owner's host) and age, in one pass over the message records
 * (not the bodies); the top owners from the counters.  Memory stays
 * bounded: 256 types and 4096 domains are told apart, the rest counted as
 * "(other)", and only the top owners are kept.
 * @param[out] out the report, to release with ims_stats_report_free().
 * @param opts NULL for defaults.
 * @return 0, IMS_INVALID (top over 10000, unknown flag or sort),
 *         IMS_CORRUPT.
 * @since 0.1
 */
IMS_API int ims_stats_report_get(ims_stats_report **out, ims_store *st,
                                 const ims_stats_opts *opts);

/** Free a report; NULL is ignored. @since 0.1 */
IMS_API void ims_stats_report_free(ims_stats_report *r);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Legal hold and the audit trail @{ */

/**
 * Put every message matching @p f under legal hold (IMS_MSGF_HELD): it is
 * never purged, swept or deleted until released, and a user's deletion
 * only hides it from the user.  Runs in bounded write transactions, then
 * records the action in the audit trail.
 * @param reason why (required; recorded, never the messages' content).
 * @param actor who; NULL: the user the process runs as.
 * @param[out] count messages newly held; may be NULL.
 * @return 0, IMS_INVALID (no reason, bad text), or another error.
 * @since 0.1
 */
IMS_API int ims_hold(uint64_t *count, ims_store *st, const ims_filter *f,
                     const char *reason, const char *actor);

/**
 * Release the hold of every held message matching @p f.  A message its
 * user deleted while it was held is deleted now.  Recorded in the audit
 * trail.
 * @param reason may be NULL.
 * @param[out] count messages released; may be NULL.
 * @since 0.1
 */
IMS_API int ims_release(uint64_t *count, ims_store *st, const ims_filter *f,
                        const char *reason, const char *actor);

/** An entry of the audit trail: an operator's action, never content. */
typedef struct ims_audit_entry {
	int64_t time;         /**< UTC µs; 0 on input: now */
	const char *action;   /**< "hold", "release", "delete", "purge"… */
	const char *actor;    /**< who; NULL on input: the process's user */
	const char *filter;   /**< the filter or the ids acted on, or NULL */
	const char *reason;   /**< or NULL */
	uint64_t count;       /**< messages concerned */
	uint64_t bytes;       /**< their body bytes, when known */
} ims_audit_entry;

/**
 * Record an operator's action (the tools record theirs).
 * @return 0, IMS_INVALID (no action, bad text), or another error.
 * @since 0.1
 */
IMS_API int ims_audit_record(ims_store *st, const ims_audit_entry *e);

/** Audit callback: return 0 to go on, anything else stops with it. */
typedef int (*ims_audit_cb)(const ims_audit_entry *e, void *payload);

/**
 * Pass the audit entries since @p since (UTC µs; 0: all) to @p cb, oldest
 * first; strings are borrowed for the duration of the call.
 * @return 0, IMS_CORRUPT, or the callback's non-zero value.
 * @since 0.1
 */
IMS_API int ims_audit_list(ims_store *st, int64_t since, ims_audit_cb cb,
                           void *payload);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Store configuration @{ */

/** What recording into a full history does. */
typedef enum ims_history_policy {
	IMS_HISTORY_REFUSE = 0,      /**< the new message is not recorded */
	IMS_HISTORY_DROP_OLDEST = 1  /**< the user's oldest messages that are
	                                  not held are deleted to make room */
} ims_history_policy;

typedef struct ims_config {
	unsigned version;
	int64_t deferred_lifetime;   /**< µs a deferred message lives without
	                                  its own Expires; default 72 h */
	uint64_t deferred_max_count; /**< per user; 0: no limit; default 1000 */
	uint64_t deferred_max_bytes; /**< per user; 0: no limit; default 100 MiB */
	uint64_t max_message;        /**< largest body accepted; default 16 MiB */
	int64_t lease_time;          /**< default lease, µs; default 120 s */
	/* version 2 */
	uint64_t history_max_count;  /**< per user; 0: no limit (the default) */
	uint64_t history_max_bytes;  /**< per user; 0: no limit (the default) */
	ims_history_policy history_policy; /**< default IMS_HISTORY_REFUSE */
	int64_t history_retention;   /**< µs history is kept; 0: forever (the
	                                  default) */
} ims_config;

#define IMS_CONFIG_VERSION 2
#define IMS_CONFIG_INIT { IMS_CONFIG_VERSION, 72 * 3600 * INT64_C(1000000), \
	1000, 100u << 20, 16u << 20, 120 * INT64_C(1000000), 0, 0, \
	IMS_HISTORY_REFUSE, 0 }

/**
 * Read the store-wide configuration (defaults where never set).
 * @since 0.1
 */
IMS_API int ims_config_get(ims_config *out, ims_store *st);

/**
 * Replace the store-wide configuration.  A version 1 structure leaves the
 * history limits at their defaults.
 * @return 0, IMS_INVALID (negative times, zero lease, unknown policy),
 *         IMS_READONLY.
 * @since 0.1
 */
IMS_API int ims_config_set(ims_store *st, const ims_config *cfg);

/** @name Quota overrides: which fields of an ims_quota are the user's own
 * @{ */
#define IMS_QUOTA_DEFERRED_COUNT  0x01u
#define IMS_QUOTA_DEFERRED_BYTES  0x02u
#define IMS_QUOTA_HISTORY_COUNT   0x04u
#define IMS_QUOTA_HISTORY_BYTES   0x08u
#define IMS_QUOTA_HISTORY_POLICY  0x10u
#define IMS_QUOTA_HISTORY_RETENTION 0x20u
#define IMS_QUOTA_ALL             0x3fu
/** @} */

/** The limits that apply to one user. */
typedef struct ims_quota {
	unsigned version;
	unsigned set;                /**< IMS_QUOTA_* bits: the user's own values;
	                                  the others are the store's */
	uint64_t deferred_max_count; /**< 0: no limit */
	uint64_t deferred_max_bytes; /**< 0: no limit */
	uint64_t history_max_count;  /**< 0: no limit */
	uint64_t history_max_bytes;  /**< 0: no limit */
	ims_history_policy history_policy;
	int64_t history_retention;   /**< µs; 0: kept forever */
} ims_quota;

#define IMS_QUOTA_VERSION 1
#define IMS_QUOTA_INIT { IMS_QUOTA_VERSION, 0, 0, 0, 0, 0, IMS_HISTORY_REFUSE, 0 }

/**
 * The quota that applies to @p user: the store's configuration with the
 * user's overrides (named in @c set).  @p user NULL: the store's.
 * @return 0, IMS_INVALID (bad address).
 * @since 0.1
 */
IMS_API int ims_quota_get(ims_quota *out, ims_store *st, const char *user);

/** What a user has stored, beside the limits of ims_quota: the counters
 * quotas are enforced against.  Bytes are body bytes as received. */
typedef struct ims_usage {
	unsigned version;
	uint64_t deferred_count;
	uint64_t deferred_bytes;
	uint64_t history_count;
	uint64_t history_bytes;
} ims_usage;

#define IMS_USAGE_VERSION 1
#define IMS_USAGE_INIT { IMS_USAGE_VERSION, 0, 0, 0, 0 }

/**
 * What @p user has stored now in each folder (0 for a user never seen).
 * @param[out] out the counts and bytes.
 * @return 0, IMS_INVALID (bad address, NULL argument), IMS_CORRUPT.
 * @since 0.1
 */
IMS_API int ims_quota_usage(ims_usage *out, ims_store *st, const char *user);

/**
 * Set @p user's overrides: the fields named in @p q->set become the user's
 * own, the others follow the store's configuration again.  Enforced from
 * the next write on; messages already stored stay.
 * @return 0, IMS_INVALID (bad address, unknown bit or policy, negative
 *         retention), IMS_READONLY.
 * @since 0.1
 */
IMS_API int ims_quota_set(ims_store *st, const char *user, const ims_quota *q);
/** @} */

/* ------------------------------------------------------------------ */
/** @name IM service settings (OMA IM 004 §5.2.4)
 * Per-user settings the client PUBLISHes (Event: poc-settings).
 * @{ */

typedef struct ims_settings {
	unsigned version;
	int offline_push;     /**< 1: push deferred messages at registration;
	                           0: send a message-waiting notification */
	int history_session;  /**< keep session-mode conversations */
	int history_pager;    /**< keep pager and large mode messages */
	int bar_session;      /**< incoming IM sessions barred */
	int bar_pager;        /**< incoming pager and large messages barred */
	int invisible;        /**< hidden from other users */
} ims_settings;

#define IMS_SETTINGS_VERSION 1
#define IMS_SETTINGS_INIT { IMS_SETTINGS_VERSION, 1, 0, 0, 0, 0, 0 }

/**
 * A user's settings, or the defaults (IMS_SETTINGS_INIT) when never set.
 * @return 0, IMS_INVALID (bad address).
 * @since 0.1
 */
IMS_API int ims_settings_get(ims_settings *out, ims_store *st, const char *user);

/**
 * Store a user's settings durably.
 * @return 0, IMS_INVALID (bad or overlong address, as ims_settings_get()),
 *         or another error.
 * @since 0.1
 */
IMS_API int ims_settings_set(ims_store *st, const char *user,
                             const ims_settings *s);

/**
 * Parse an IM service settings document (urn:oma:xml:im:service-settings,
 * schemas/im-service-settings.xsd).  Elements not set keep @p out's values,
 * so start from ims_settings_get().  Documents with a DOCTYPE, over 64 KiB,
 * deeper than 32 elements, or with unknown elements in our namespace are
 * refused; elements of other namespaces are ignored.
 * @param[out] err where and why; may be NULL.
 * @return 0, IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_settings_parse(ims_settings *out, const void *xml, size_t len,
                               ims_errinfo *err);

/**
 * Write a settings document.
 * @param[out] out malloc()ed NUL-terminated XML, caller frees.
 * @since 0.1
 */
IMS_API int ims_settings_write(char **out, size_t *out_len, const ims_settings *s);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Deferred messaging (OMA IM 003 §12)
 * Every function takes the authenticated user and never returns or changes
 * another user's messages: another user's Message-ID behaves exactly like
 * one that does not exist.
 * @{ */

/** Why a deferred message was not stored (the server answers 480). */
typedef enum ims_refusal {
	IMS_REFUSAL_NONE = 0,
	IMS_REFUSAL_QUOTA,    /**< the recipient's count or byte quota */
	IMS_REFUSAL_TOOBIG,   /**< over the store's max_message */
	IMS_REFUSAL_BARRED,   /**< the recipient bars this mode */
	IMS_REFUSAL_EXPIRED,  /**< expired before it could be stored */
	IMS_REFUSAL_INACTIVE  /**< history not active for this mode */
} ims_refusal;

/** "quota", "too-big", "barred", "expired", "inactive" ("" for none).
 * @since 0.1 */
IMS_API const char *ims_refusal_name(ims_refusal r);

/**
 * Store a message for a recipient who is not available (msg->owner).
 *
 * The folder is deferred and the state pending whatever @p msg says; without
 * an expiry the store's deferred_lifetime applies.  Barring, size, expiry
 * and quota are checked in the same write transaction that stores, so
 * concurrent stores cannot exceed a quota.
 *
 * @param[out] out the id (new, or the existing one for a retransmission).
 * @param[out] why the reason when IMS_REFUSED is returned; may be NULL.
 * @return 0 (STORED, durable: answer 202), IMS_EXISTS (stored before: also
 *         202), IMS_REFUSED (NOT STORED: answer 480), or another error.
 * @since 0.1
 */
IMS_API int ims_deferred_store(ims_id *out, ims_refusal *why, ims_store *st,
                               const ims_msg *msg, const void *body, size_t len);

/** Messages handed out for delivery, to acknowledge or release. */
typedef struct ims_lease ims_lease;

/** Length of a printed lease token, without the NUL. */
#define IMS_LEASE_STRLEN 26

/**
 * Hand out a user's deferred messages for delivery (two-phase retrieval).
 *
 * The named Message-IDs (all pending messages when @p n is 0), in received
 * order, are marked delivering until now + @p duration (0: the store's
 * lease_time).  Expired, held, hidden and already leased messages are left
 * out; a message whose lease ran out is pending again and can be leased.
 *
 * @param[out] out the lease (possibly empty), to free with ims_lease_free().
 * @return 0, IMS_INVALID, IMS_TOOBIG (over 10000 Message-IDs).
 * @since 0.1
 */
IMS_API int ims_deferred_lease(ims_lease **out, ims_store *st, const char *user,
                               const char *const *msgids, size_t n,
                               int64_t duration);

/** The lease token, to pass to ims_deferred_ack()/release() (borrowed). */
IMS_API const char *ims_lease_token(const ims_lease *l);
/** Number of messages in the lease. */
IMS_API size_t ims_lease_count(const ims_lease *l);
/** Message @p i of the lease (borrowed from the lease); NULL past the end. */
IMS_API const ims_msg *ims_lease_msg(const ims_lease *l, size_t i);
/** When the lease runs out (UTC µs). */
IMS_API int64_t ims_lease_deadline(const ims_lease *l);
/** Free a lease; NULL is ignored.  Does not release it in the store. */
IMS_API void ims_lease_free(ims_lease *l);

/**
 * Acknowledge delivery of a lease's messages: they are filed into the
 * user's history when history is active for their mode, else deleted.
 * Messages re-leased since (the lease ran out) are left alone, so nothing is
 * delivered twice after an ack.
 * @param[out] count messages acknowledged; may be NULL.
 * @return 0, IMS_NOTFOUND (no such lease for this user), IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_deferred_ack(uint64_t *count, ims_store *st, const char *user,
                             const char *token);

/**
 * Give a lease's messages back: pending again, to be leased later.
 * @return 0, IMS_NOTFOUND, IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_deferred_release(uint64_t *count, ims_store *st,
                                 const char *user, const char *token);

/**
 * Acknowledge one message of a lease, as the answer to its delivery comes
 * (a 2xx to the pushed MESSAGE): filed into the user's history when
 * history is active for its mode, else deleted, exactly as
 * ims_deferred_ack() settles a whole lease.  The message is then no longer
 * part of the lease; the lease's other messages are unaffected, and a lease
 * whose messages have all been acknowledged or released is finished (gone:
 * ims_deferred_ack() on it returns IMS_NOTFOUND).
 *
 * The message is named by its store id (ims_lease_msg()->id), not its
 * Message-ID: the id is what the lease records, it is unique in the store
 * and fixed in size, while a Message-ID is the sender's text, unique only
 * per (owner, folder), and is also the key of the copy filed in history.
 *
 * Nothing is settled, and 0 returned with @p settled 0, when the token names
 * no lease of this user (another user's, finished, or swept an hour after
 * its deadline), when the message is not (any longer) in the lease
 * (acknowledged or released before: a second ack is harmless), or when it
 * was leased again since this lease ran out (nothing is delivered twice
 * after an ack: the new lease keeps it).
 * @param[out] settled 1 when this call settled the message, else 0; may be
 *        NULL.
 * @param token the lease's token (ims_lease_token()).
 * @param id the message's store id.
 * @return 0, IMS_INVALID (a NULL argument, a token that is no token), or a
 *         store error.
 * @since 0.1
 */
IMS_API int ims_deferred_ack_msg(int *settled, ims_store *st, const char *user,
                                 const char *token, const ims_id *id);

/**
 * Give one message of a lease back (its delivery failed or timed out):
 * pending again, to be leased later; then no longer part of the lease, as
 * ims_deferred_ack_msg() says, with the same cases settling nothing.
 * @param[out] settled 1 when this call released the message, else 0; may
 *        be NULL.
 * @return 0, IMS_INVALID, or a store error.
 * @since 0.1
 */
IMS_API int ims_deferred_release_msg(int *settled, ims_store *st,
                                     const char *user, const char *token,
                                     const ims_id *id);

/**
 * Retry now (postsuper -r): hand the deferred messages that are out under a
 * lease (delivering) back to pending at once, without waiting for the
 * lease's deadline, so that the next ims_deferred_lease() hands them out
 * again.  The leases stay: an ims_deferred_ack() or release of one of them
 * afterwards settles none of the messages retried (nothing is delivered
 * twice by a late ack).  Messages whose lease ran out are pending already
 * for leasing and are counted too.  A running server is not told; it sees
 * the messages at its next lease.
 *
 * @param[out] count messages handed back; may be NULL.
 * @param user only this user's messages (an address); NULL: every user's.
 * @param f only messages matching it (borrowed); NULL: every one.
 * @return 0, IMS_INVALID (@p user not an address), ENOMEM, or a store
 *         error; on an error after some batches (500 messages a write
 *         transaction) *count holds those handed back.
 * @since 0.1
 */
IMS_API int ims_deferred_retry(uint64_t *count, ims_store *st, const char *user,
                               const ims_filter *f);

/**
 * Remove the expired deferred messages of every user (never handed out
 * anyway), oldest expiry first, at most 500 expiry entries examined per
 * write transaction (fewer to end within about 50 ms, as
 * ims_delete_filter()); messages under legal hold stay (and are passed over).  A
 * server daemon calls it on a timer, with ims_history_sweep() for the
 * history retention.
 *
 * It then finishes earlier deletions.  ims_deferred_ack(),
 * ims_deferred_delete() and ims_history_delete() remove at once what the
 * user sees (the record, its place in the user's folder, the counts).
 * What a message leaves in the other indexes and its body chunks waits for
 * this sweep, which removes it many messages a transaction.  Nothing that
 * waits is readable: no query, lookup or Message-ID check finds it.  If no
 * sweep runs, each deletion past 20,000 waiting also finishes two.
 * @param now IMS_TIME_NONE: the current time.
 * @param[out] count messages removed; may be NULL.
 * @since 0.1
 */
IMS_API int ims_deferred_sweep(uint64_t *count, ims_store *st, int64_t now);

/**
 * Count, in one read snapshot, what ims_deferred_sweep() with the same
 * @p now would remove, removing nothing.
 * @param[out] out @c deleted: the expired deferred messages, @c bytes:
 *        their body bytes, @c held: expired ones kept under legal hold;
 *        may be NULL.
 * @param now IMS_TIME_NONE: the current time.
 * @since 0.1
 */
IMS_API int ims_deferred_sweep_dry(ims_delete_result *out, ims_store *st, int64_t now);

/** A notification produced for a message (borrowed, valid during the
 * call); return 0 to go on, anything else stops with it. */
typedef int (*ims_notice_cb)(const ims_msg *msg, const ims_notice *n,
                             void *payload);

/**
 * Expire with notice: the delivery notification with status failed
 * (ims_imdn_notice(), IMS_NOTICE_EXPIRED) of each deferred message that
 * ims_deferred_sweep() with the same @p now removes (expired, not held)
 * and whose sender asked for it, passed to @p cb in expiry order.  Nothing
 * is removed: a server calls it, sends the notices, then sweeps with the
 * same @p now.  Read in snapshots of 500 expiry entries; memory stays
 * bounded.  A message still leased when it expired is swept all the same
 * (as ims_deferred_sweep() does) and gets its notice, even if its delivery
 * is acknowledged later.
 * @param[out] count notices produced; may be NULL.
 * @param now IMS_TIME_NONE: the current time.
 * @param opts as for ims_imdn_notice(); may be NULL.
 * @param cb called for each notice; may be NULL (only counted).
 * @return 0, IMS_INVALID, a store error, or the callback's non-zero value.
 * @since 0.1
 */
IMS_API int ims_deferred_expire_notices(uint64_t *count, ims_store *st,
                                        int64_t now, const ims_notice_opts *opts,
                                        ims_notice_cb cb, void *payload);

/**
 * The summary a user browses before choosing: the user's deferred messages
 * matching @p f (NULL: all), without expired ones and ones the user deleted,
 * in received order, with cursor paging as ims_query_open().
 * @param[out] out the query, to release with ims_query_free().
 * @return 0, IMS_INVALID (bad address or cursor).
 * @since 0.1
 */
IMS_API int ims_deferred_query(ims_query **out, ims_store *st, const char *user,
                               const ims_filter *f, const ims_query_opts *opts);

/**
 * Delete a user's deferred messages without retrieving them (the REFER to
 * the Delete function): by Message-IDs, or by a filter when @p f is not NULL
 * (then @p msgids is ignored).  The filter is confined to the user's deferred
 * folder.  Held messages are hidden from the user and kept.
 * @param[out] count messages deleted or hidden; may be NULL.
 * @since 0.1
 */
IMS_API int ims_deferred_delete(uint64_t *count, ims_store *st, const char *user,
                                const char *const *msgids, size_t n,
                                const ims_filter *f);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Registration (OMA IM 003 §12.4.2.2)
 * @{ */

/** What the server must do when a user registers. */
typedef enum ims_register_action {
	IMS_REGISTER_NOTHING = 0, /**< no deferred message is waiting */
	IMS_REGISTER_PUSH,        /**< offline delivery active: send the lease's
	                               messages, then ims_deferred_ack() */
	IMS_REGISTER_NOTIFY       /**< offline delivery not active: send a
	                               message-waiting notification carrying
	                               the summary document */
} ims_register_action;

typedef struct ims_register {
	ims_register_action action;
	uint64_t waiting;     /**< deferred messages waiting for the user */
	ims_lease *lease;     /**< PUSH: the messages, leased; owned */
	char *summary;        /**< NOTIFY: deferred-list document; owned */
	size_t summary_len;
} ims_register;

/**
 * Decide what a third-party REGISTER of @p user calls for, according to the
 * user's settings: push the pending messages (leased for @p duration, 0:
 * the store's lease_time) or notify with the summary document.
 * @param[out] out release its contents with ims_register_clear().
 * @since 0.1
 */
IMS_API int ims_deferred_on_register(ims_register *out, ims_store *st,
                                     const char *user, int64_t duration);

/** Free what an ims_register holds; the struct itself is the caller's. */
IMS_API void ims_register_clear(ims_register *r);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Documents
 * Every document is written as UTF-8 XML that validates against its schema
 * in schemas/; every document read is parsed under the rules of
 * ims_settings_parse() (no DTD, no entities, 64 KiB, 32 levels).
 * @{ */

/**
 * Write the deferred-list document
 * (application/vnd.oma.im.deferred-list+xml, urn:oma:xml:im:deferred-list,
 * schemas/deferred-list.xsd): the messages of a query (see
 * ims_deferred_query()), each with its reference (Message-ID), from, to,
 * subject, date, size, content type and expiry.
 * @param[out] out malloc()ed NUL-terminated XML, caller frees.
 * @param max at most this many messages (0: no limit).
 * @since 0.1
 */
IMS_API int ims_deferred_list_xml(char **out, size_t *out_len, ims_query *q,
                                  size_t max);

/**
 * Parse a URI-list (RFC 4826 application/resource-lists+xml): the uri of
 * every entry of every list, in document order, at most 10000.
 * @param[out] out malloc()ed array of malloc()ed strings; free with
 *        ims_strings_free(*out, *n).
 * @return 0, IMS_INVALID (with @p err), IMS_TOOBIG.
 * @since 0.1
 */
IMS_API int ims_urilist_parse(char ***out, size_t *n, const void *xml, size_t len,
                              ims_errinfo *err);

/** Free an array of strings returned by the library. @since 0.1 */
IMS_API void ims_strings_free(char **v, size_t n);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Conversation history (OMA IM 000 §7.4.5.3, 003 §13)
 * Every function takes the authenticated user and only sees that user's
 * history folder.
 * @{ */

/**
 * Record a message in @p user's history when the user's history activation
 * is on for its mode (session, or pager and large).
 *
 * The owner is @p user, the folder history, the state stored.  The
 * conversation is msg->conversation (the session identity) or, without one,
 * derived from the user and the set of peers (from, To and cc but the
 * user): for one user the same peers give the same conversation, "p-"
 * followed by 16 hex digits.
 * The user's history quota (ims_quota_get()) is enforced in the storing
 * transaction: over it, the message is refused or, with the policy
 * IMS_HISTORY_DROP_OLDEST, the user's oldest messages not under legal hold
 * are deleted to make room.
 * @return 0, IMS_EXISTS (recorded before), IMS_REFUSED (history not
 *         active: IMS_REFUSAL_INACTIVE), IMS_QUOTA (over the user's history
 *         quota, or larger than it), or another error.
 * @since 0.1
 */
IMS_API int ims_history_record(ims_id *out, ims_store *st, const char *user,
                               const ims_msg *msg, const void *body, size_t len);

/**
 * Remove the history messages kept longer than their owner's retention
 * (ims_quota_get(): the store's history_retention or the user's own; 0
 * keeps them forever), oldest first, at most 500 examined per write
 * transaction (fewer to end within about 50 ms, as ims_delete_filter());
 * messages under legal hold stay and are counted in @c held.  A server
 * daemon calls it on a timer with ims_deferred_sweep().
 * @param now IMS_TIME_NONE: the current time.
 * @param dry_run count only, in one read snapshot.
 * @param[out] out counts; may be NULL.
 * @since 0.1
 */
IMS_API int ims_history_sweep(ims_delete_result *out, ims_store *st, int64_t now,
                              int dry_run);

/** A conversation of a user's history. */
typedef struct ims_conversation {
	const char *id;            /**< conversation identity (history reference) */
	const char *name;          /**< set by ims_history_rename(), or NULL */
	const char *subject;       /**< the first subject, or NULL */
	ims_mode mode;             /**< mode of its first message */
	int64_t start, end;        /**< received times of first and last message */
	uint64_t count, bytes;     /**< messages and body bytes */
	const ims_addr *participants; /**< everyone but the user, sorted */
	size_t nparticipants;
} ims_conversation;

typedef struct ims_conv_list ims_conv_list;

/**
 * The conversations of @p user's history with a message matching @p f
 * (NULL: all), most recent end first.
 * @param[out] out free with ims_conv_list_free().
 * @since 0.1
 */
IMS_API int ims_history_conversations(ims_conv_list **out, ims_store *st,
                                      const char *user, const ims_filter *f);
IMS_API size_t ims_conv_list_count(const ims_conv_list *l);
/** Conversation @p i (borrowed from the list); NULL past the end. */
IMS_API const ims_conversation *ims_conv_list_get(const ims_conv_list *l, size_t i);
IMS_API void ims_conv_list_free(ims_conv_list *l);

/**
 * The messages of one of @p user's conversations in received order (the
 * stream to send over MSRP), with cursor paging as ims_query_open().
 * @return 0, IMS_INVALID.  An unknown conversation gives an empty query.
 * @since 0.1
 */
IMS_API int ims_history_transcript(ims_query **out, ims_store *st, const char *user,
                                   const char *conversation,
                                   const ims_query_opts *opts);

/**
 * Name one of @p user's conversations (NULL or "" removes the name).
 * @return 0, IMS_NOTFOUND (no such conversation for this user), IMS_INVALID.
 * @since 0.1
 */
IMS_API int ims_history_rename(ims_store *st, const char *user,
                               const char *conversation, const char *name);

/**
 * Delete whole conversations of @p user's history, by identity, or the
 * history messages matching @p f when it is not NULL.  Held messages are
 * hidden from the user and kept.
 * @param[out] count messages deleted or hidden; may be NULL.
 * @since 0.1
 */
IMS_API int ims_history_delete(uint64_t *count, ims_store *st, const char *user,
                               const char *const *conversations, size_t n,
                               const ims_filter *f);

/** What a reference of a Delete request names (ims_delete_refs()). */
typedef enum ims_ref_kind {
	IMS_REF_NONE = 0,         /**< nothing of the user's */
	IMS_REF_DEFERRED = 1,     /**< a deferred message (its Message-ID) */
	IMS_REF_CONVERSATION = 2, /**< a history conversation (its identity) */
	IMS_REF_AMBIGUOUS = 3     /**< both: nothing deleted */
} ims_ref_kind;

/** What ims_delete_refs() did. */
typedef struct ims_refs_result {
	uint64_t deferred;       /**< deferred messages deleted (or hidden) */
	uint64_t conversations;  /**< conversations deleted */
	uint64_t history;        /**< their messages deleted (or hidden) */
	uint64_t none;           /**< references that named nothing */
	uint64_t ambiguous;      /**< references that named both kinds */
} ims_refs_result;

/**
 * The Delete function (OMA IM 004 §6.1.1.2.6, a REFER to Delete@): the
 * references of a URI-list (ims_urilist_parse()) name deferred messages
 * (the <reference> of the deferred-list document: a Message-ID) or history
 * conversations (the <history-reference> of the history-list document: a
 * conversation identity); each is looked up among @p user's own, and what
 * it names is deleted, as ims_deferred_delete() and ims_history_delete()
 * do (held messages are hidden from the user and kept).
 *
 * Another user's message or conversation, one already deleted, and junk
 * (NULL, empty, too long, control characters) name nothing.  A reference
 * that names both one of the user's deferred messages and one of the
 * user's conversations is ambiguous (the sender of a deferred message
 * chooses its Message-ID, and a pager conversation's identity can be
 * computed by anyone): nothing is deleted for it.  Each reference is
 * looked up first, then the deferred messages and the conversations are
 * deleted, each deletion by the user's identity.
 * @param[out] out what was deleted, and how many references named nothing.
 * @param[out] kinds @p n entries receiving what each reference named; may
 *        be NULL.
 * @param refs the references, as a URI-list's entries give them.
 * @return 0, IMS_INVALID (a bad address or argument), IMS_TOOBIG (over
 *         10000 references), or a store error (then some may be deleted).
 * @since 0.1
 */
IMS_API int ims_delete_refs(ims_refs_result *out, ims_ref_kind *kinds,
                            ims_store *st, const char *user,
                            const char *const *refs, size_t n);

/**
 * Write the history-list document (application/vnd.oma.im.history-list+xml,
 * urn:oma:xml:im:history-list, schemas/history-list.xsd) of a conversation
 * list.
 * @param[out] out malloc()ed NUL-terminated XML, caller frees.
 * @since 0.1
 */
IMS_API int ims_history_list_xml(char **out, size_t *out_len,
                                 const ims_conv_list *l, const char *user);

/**
 * Write the transcript document (urn:imstore:xml:transcript,
 * schemas/transcript.xsd) of one of @p user's conversations, messages and
 * bodies in received order, in chunks through @p cb (memory stays bounded).
 * @return 0, IMS_INVALID, or the callback's non-zero value.
 * @since 0.1
 */
IMS_API int ims_history_transcript_xml(ims_store *st, const char *user,
                                       const char *conversation, ims_body_cb cb,
                                       void *payload);

/**
 * Write the transcript document of the messages a query yields (as
 * ims_history_transcript_xml() does for ims_history_transcript()'s query),
 * reading their bodies in the query's snapshot: an export writes each
 * conversation's transcript in the snapshot of its messages.
 * @param user the user the document names; @p conversation its identity.
 * @return 0, IMS_INVALID, or the callback's non-zero value.
 * @since 0.1
 */
IMS_API int ims_query_transcript_xml(ims_query *q, const char *user,
                                     const char *conversation, ims_body_cb cb,
                                     void *payload);
/** @} */

/* ------------------------------------------------------------------ */
/** @name Integrity
 * Checking a store against itself: records, bodies, indexes, counters,
 * atoms, leases and settings (see imstore(5)), and repairing what can be
 * rebuilt from the message records.
 * @{ */

/** What is wrong.  Names: ims_problem_kind_name(). */
typedef enum ims_problem_kind {
	IMS_PROBLEM_RECORD_CHECKSUM = 1, /**< a record fails its checksum */
	IMS_PROBLEM_RECORD_INVALID,  /**< a record does not decode */
	IMS_PROBLEM_BODY_MISSING,    /**< a body chunk is missing */
	IMS_PROBLEM_BODY_CORRUPT,    /**< a body chunk or a body fails its checks */
	IMS_PROBLEM_BODY_STRAY,      /**< body chunks of no record */
	IMS_PROBLEM_INDEX_ORPHAN,    /**< an index entry of no record, or malformed */
	IMS_PROBLEM_INDEX_MISSING,   /**< a record missing from an index */
	IMS_PROBLEM_INDEX_MISMATCH,  /**< an index entry disagreeing with its record */
	IMS_PROBLEM_MSGID_ELSEWHERE, /**< the Message-ID index names another record */
	IMS_PROBLEM_COUNTER,         /**< a counter or a folder total is wrong */
	IMS_PROBLEM_ATOM,            /**< the atom tables disagree (with a record) */
	IMS_PROBLEM_LEASE,           /**< a lease is malformed or of no user */
	IMS_PROBLEM_SETTINGS,        /**< settings or a conversation name malformed
	                                  or of no user */
	IMS_PROBLEM_META,            /**< a meta value is malformed or behind */
	IMS_PROBLEM_STRUCTURE,       /**< a page of the LMDB file is damaged (the
	                                  other checks are then not run); not
	                                  repairable: restore a backup */
	IMS_PROBLEM_PERMISSIONS      /**< the store directory or a file in it is
	                                  writable by everyone (mode 0777, 0666);
	                                  the repair takes the others' write
	                                  permission away.  @since 0.1 */
} ims_problem_kind;

/** When a problem is reported. */
typedef enum ims_problem_stage {
	IMS_PROBLEM_FOUND = 0,    /**< found by the check */
	IMS_PROBLEM_REPAIRED,     /**< what a repair did about it */
	IMS_PROBLEM_REMAINING     /**< still there after the repair */
} ims_problem_stage;

/** One problem, passed to an ims_problem_cb. */
typedef struct ims_problem {
	ims_problem_kind kind;
	ims_problem_stage stage;
	const ims_id *id;        /**< the message concerned, or NULL; borrowed */
	const char *description; /**< lowercase, no full stop; borrowed */
} ims_problem;

/** Problem callback: return 0 to go on, anything else stops with it.
 * Everything @p p points to is valid during the call only. */
typedef int (*ims_problem_cb)(const ims_problem *p, void *payload);

/** Progress callback: @p done of about @p total entries of the database
 * named @p what ("msg", "ix_owner"…) have been examined. */
typedef void (*ims_progress_cb)(const char *what, uint64_t done,
                                uint64_t total, void *payload);

typedef struct ims_verify_opts {
	unsigned version;
	int repair;               /**< repair what the check finds */
	size_t batch;             /**< entries per write transaction when
	                               repairing; 0: 1000 */
	ims_problem_cb problem;   /**< each problem; may be NULL */
	ims_progress_cb progress; /**< may be NULL */
	void *payload;            /**< passed to both callbacks */
	int pages_only;           /**< version 2: check LMDB's pages only (the
	                               first check below: 0.12 s for 300,000
	                               messages), not with repair */
} ims_verify_opts;

#define IMS_VERIFY_OPTS_VERSION 2
#define IMS_VERIFY_OPTS_INIT { IMS_VERIFY_OPTS_VERSION, 0, 0, NULL, NULL, NULL, 0 }

/** What ims_verify() found and did. */
typedef struct ims_verify_result {
	uint64_t messages;      /**< message records examined (by the last check) */
	uint64_t problems;      /**< problems found by the (first) check */
	uint64_t quarantined;   /**< records this repair moved to quarantine */
	uint64_t repaired;      /**< other repairs: index entries added or
	                             removed, counters set, entries dropped */
	uint64_t remaining;     /**< problems after the repair (without
	                             repair: the problems found) */
	uint64_t in_quarantine; /**< entries in the quarantine database */
} ims_verify_result;

/**
 * Check the whole store.  First LMDB's own pages, read with pread(2) and
 * not through the map, so that damage is reported rather than faulted on:
 * every page of every tree in the file and of the kind its place needs,
 * its nodes packed inside it in key order, overflow runs in the file, no
 * page reached twice or both in use and free, every page in use or free,
 * each tree's counts as its header says.  Damage there is reported as
 * IMS_PROBLEM_STRUCTURE; nothing else is then checked, nothing repaired
 * (restore a backup).  A server may run this part alone (pages_only) when
 * it starts, before it reads through the map.
 *
 * Then: neither the store directory nor a file in it is writable by
 * everyone (IMS_PROBLEM_PERMISSIONS; a repair removes the others' write
 * permission, chmod o-w); every record decodes and matches its checksum,
 * every body is complete and intact, every index entry names a record
 * whose key it is and every record is in each of its indexes exactly once,
 * the Message-ID index names the right record, the counters and folder
 * totals (what quotas are enforced against) match the records, the atom
 * tables agree both ways and with the records, and leases, settings and
 * conversation names belong to known users.
 *
 * The check reads one consistent snapshot (one read transaction) and keeps
 * memory bounded: indexes are walked in key order with point lookups of
 * the records, and the records once with lookups of their expected keys.
 * Each problem is passed to opts->problem.
 *
 * With opts->repair, when the check finds problems, the store is then
 * repaired in write transactions of at most opts->batch entries each
 * (writers of other threads and processes go on meanwhile): records that
 * fail their checksum or do not decode are moved, as found, to the
 * quarantine database with their body chunks left in place; index entries
 * are added and removed and counters and totals recomputed from the good
 * records; broken leases, settings and names of no user are dropped.  A
 * decodable record is never removed.  Then the store is checked again and
 * what remains is reported (IMS_PROBLEM_REMAINING): a damaged body, a
 * chunk beyond a body's last, two records with one Message-ID, a record
 * whose atoms disagree.  A crash during a repair leaves a usable store
 * that a new repair completes.
 *
 * @param[out] out counts; may be NULL.
 * @param opts NULL for a check without repair or callbacks.
 * @return 0 (the store is sound, after the repair if any), IMS_CORRUPT
 *         (problems remain: out->remaining > 0; with 0, LMDB found its
 *         own pages damaged), IMS_READONLY (repair of a store opened
 *         read-only), the callback's non-zero value, or another error.
 * @since 0.1
 */
IMS_API int ims_verify(ims_verify_result *out, ims_store *st,
                       const ims_verify_opts *opts);

/** "record-checksum", "index-missing"… ("unknown" for other values).
 * @since 0.1 */
IMS_API const char *ims_problem_kind_name(ims_problem_kind k);
/** @} */

#ifdef __cplusplus
}
#endif
#endif /* IMSTORE_H */
