/**
 * @file cpim.h
 * @brief libcpim: Message/CPIM, IMDN and SIP MESSAGE reading and writing.
 *
 * libcpim reads and writes the formats an OMA SIMPLE IM server stores:
 * - Message/CPIM bodies (RFC 3862) with their IMDN (RFC 5438) and OMA
 *   Final-Report extension headers;
 * - IMDN documents (message/imdn+xml, RFC 5438), parsed safely with libxml2;
 * - raw SIP requests as received on the wire (RFC 3261), such as MESSAGE.
 *
 * @section conventions Conventions
 * - Functions return 0 on success or a negative CPIM_* code; cpim_strerror()
 *   names it.  Parsers also fill an optional cpim_error saying where the
 *   input went wrong and what was expected.
 * - Output parameters come first and are named @c out.  A pointer-to-pointer
 *   output is owned by the caller and released with the matching _free
 *   function.  Every other pointer a function returns, or stores in an output
 *   structure, is borrowed from its parent object and valid until the parent
 *   is freed (or, for a message being built, until it is next modified).
 * - Option structures carry a @c version field; initialise them with their
 *   _INIT macro so that later fields get their defaults.
 * - Times are UTC microseconds since 1970-01-01T00:00:00Z (int64_t).
 *
 * @section threads Threads
 * There is no global state: different objects may be used from different
 * threads at once; one object belongs to one thread at a time.  The IMDN
 * parser uses one libxml2 parser context per call and never calls
 * xmlCleanupParser().
 */
#ifndef CPIM_H
#define CPIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CPIM_API __attribute__((visibility("default")))
#else
#define CPIM_API
#endif

#define CPIM_VERSION_MAJOR 0
#define CPIM_VERSION_MINOR 1
#define CPIM_VERSION_PATCH 0
#define CPIM_VERSION_STRING "0.1.0"

/** @name Error codes
 * Library errors are negative and never renumbered; new codes are added last.
 * @{ */
#define CPIM_OK        0
#define CPIM_ERR_BASE  (-33000)
#define CPIM_NOMEM     (CPIM_ERR_BASE - 1) /**< out of memory */
#define CPIM_INVALID   (CPIM_ERR_BASE - 2) /**< invalid argument or value */
#define CPIM_SYNTAX    (CPIM_ERR_BASE - 3) /**< input does not follow the grammar */
#define CPIM_TOOBIG    (CPIM_ERR_BASE - 4) /**< input over a size or count limit */
#define CPIM_NOTFOUND  (CPIM_ERR_BASE - 5) /**< no such header or field */
#define CPIM_UNSAFE    (CPIM_ERR_BASE - 6) /**< XML with a DTD or entities refused */
/** @} */

/**
 * Describe an error code.
 * @param err a CPIM_* code.
 * @return a static lowercase string; never NULL.
 * @since 0.1
 */
CPIM_API const char *cpim_strerror(int err);

/**
 * The library version as "MAJOR.MINOR.PATCH".
 * @return a static string.
 * @since 0.1
 */
CPIM_API const char *cpim_version(void);

/**
 * Whether bytes are well-formed UTF-8 (RFC 3629): no overlong forms, no
 * UTF-16 surrogates (U+D800 to U+DFFF), nothing above U+10FFFF, no
 * truncated sequence at the end.  NUL and the other ASCII control bytes
 * are well-formed; a caller that refuses them checks them itself.  This is
 * the check libcpim applies to header values and IMDN documents, and
 * libimstore to the text it stores.
 * @param data the bytes; may be NULL when @p len is 0.
 * @param len their number.
 * @return 1 when well-formed, 0 when not.
 * @since 0.1
 */
CPIM_API int cpim_utf8_valid(const void *data, size_t len);

/**
 * Where and why a parse failed.  Lines and columns are 1-based and count
 * bytes; they are 0 when the error has no position in an input.
 */
typedef struct cpim_error {
	int code;           /**< the code the call returned */
	unsigned line;      /**< 1-based line, 0 when not applicable */
	unsigned column;    /**< 1-based byte column, 0 when not applicable */
	size_t offset;      /**< byte offset in the input */
	char message[200];  /**< "line 3, column 7: expected ':' after header name" */
} cpim_error;

/** A buffer returned by a writer; free it with cpim_buf_free(). */
typedef struct cpim_buf {
	char *ptr;          /**< the bytes, followed by a NUL not counted in size */
	size_t size;        /**< number of bytes */
} cpim_buf;

/**
 * Release the memory of a buffer filled by a writer and reset it to empty.
 * @param buf the buffer; NULL is allowed.
 * @since 0.1
 */
CPIM_API void cpim_buf_free(cpim_buf *buf);

/** A header as parsed.  Every pointer is borrowed and NUL-terminated. */
typedef struct cpim_header {
	const char *prefix; /**< namespace prefix as written, "" when none */
	const char *name;   /**< local name, e.g. "Message-ID" */
	const char *ns;     /**< namespace URN the prefix maps to; NULL for the
	                         core CPIM namespace and for MIME/SIP headers */
	const char *params; /**< raw parameters, e.g. ";lang=fr", or "" */
	const char *lang;   /**< value of a ;lang= parameter, or NULL */
	const char *value;  /**< the value (unfolded for MIME and SIP headers) */
} cpim_header;

/** Bytes of content or body: borrowed from the parsed object. */
typedef struct cpim_content {
	const unsigned char *data; /**< may contain NUL bytes; not terminated */
	size_t len;                /**< number of bytes */
	size_t offset;             /**< offset in the parsed input; SIZE_MAX when
	                                the object was built, not parsed */
} cpim_content;

/* ------------------------------------------------------------------ */
/** @name Parse options (Message/CPIM and SIP) @{ */

/** Parse flag: follow RFC 3862 strictly (CRLF only, no leniencies). */
#define CPIM_PARSE_STRICT 0x1u
/** Parse flag (cpim_sip_parse()): the input comes from a stream (TCP,
 * TLS), not a datagram: Content-Length is required, and the bytes after
 * the body are the next message's (cpim_sip_length() says where it
 * starts).  Without it the datagram rule of RFC 3261 section 18.3
 * applies: bytes after the Content-Length body are discarded.
 * @since 0.1 */
#define CPIM_PARSE_SIP_STREAM 0x2u

typedef struct cpim_parse_opts {
	unsigned version;     /**< CPIM_PARSE_OPTS_VERSION */
	unsigned flags;       /**< CPIM_PARSE_* */
	size_t max_size;      /**< whole input; 0: CPIM_DEFAULT_MAX_SIZE */
	size_t max_line;      /**< one header line without its end; 0: 8192 */
	size_t max_headers;   /**< headers in all blocks; 0: 1000 */
} cpim_parse_opts;

#define CPIM_DEFAULT_MAX_SIZE    ((size_t)64 << 20)
#define CPIM_DEFAULT_MAX_LINE    8192
#define CPIM_DEFAULT_MAX_HEADERS 1000

#define CPIM_PARSE_OPTS_VERSION 1
#define CPIM_PARSE_OPTS_INIT { CPIM_PARSE_OPTS_VERSION, 0, 0, 0, 0 }
/** @} */

/* ------------------------------------------------------------------ */
/** @name Message/CPIM @{ */

/** A Message/CPIM message, parsed or being built. */
typedef struct cpim_msg cpim_msg;

/** Namespace URN of the IMDN headers (RFC 5438). */
#define CPIM_NS_IMDN "urn:ietf:params:imdn"
/** Namespace URN of the OMA Final-Report header. */
#define CPIM_NS_FINAL_REPORT "urn:oma:xml:poc:final-report"

/** Which address header cpim_msg_addr() reads or cpim_msg_add_addr() adds. */
typedef enum cpim_addr_kind {
	CPIM_ADDR_FROM = 1,            /**< From */
	CPIM_ADDR_TO = 2,              /**< To (repeatable) */
	CPIM_ADDR_CC = 3,              /**< cc (repeatable) */
	CPIM_ADDR_IMDN_ORIGINAL_TO = 4,/**< IMDN Original-To */
	CPIM_ADDR_IMDN_RECORD_ROUTE = 5,/**< IMDN IMDN-Record-Route (repeatable) */
	CPIM_ADDR_IMDN_ROUTE = 6       /**< IMDN IMDN-Route (repeatable) */
} cpim_addr_kind;

/** An address: optional formal (display) name and URI. */
typedef struct cpim_addr {
	const char *name;   /**< decoded formal name (UTF-8), or NULL */
	const char *uri;    /**< the URI between '<' and '>' */
} cpim_addr;

/**
 * Parse one address the way a From, To or cc header value is read
 * (`"Bob <work>" <sip:bob@example.com>`, `Bob <sip:bob@example.com>`,
 * `<sip:bob@example.com>`), or a bare URI without angle brackets
 * (`sip:bob@example.com`).  A quoted formal name is unquoted and its
 * escapes decoded.  Control characters are refused anywhere.
 * @param[out] out the address; its strings point into @p mem.
 * @param[out] mem the memory holding them; the caller's to free with
 *        cpim_buf_free(), also after a failure (it is then empty).
 * @param text the address, NUL-terminated.
 * @param flags CPIM_PARSE_STRICT for RFC 3862's grammar only, else 0.
 * @param[out] err where and why it was refused, or NULL.
 * @return 0, CPIM_SYNTAX, CPIM_INVALID (a NULL argument), CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_addr_parse(cpim_addr *out, cpim_buf *mem,
    const char *text, unsigned flags, cpim_error *err);


/** A DateTime header: original text and its UTC time. */
typedef struct cpim_datetime {
	const char *text;   /**< as written, e.g. "2000-12-13T13:40:00-08:00" */
	int64_t us;         /**< UTC microseconds since the epoch */
} cpim_datetime;

/** A Subject header. */
typedef struct cpim_subject {
	const char *text;   /**< the subject text */
	const char *lang;   /**< its ;lang= tag, or NULL */
} cpim_subject;

/** An NS (namespace) declaration. */
typedef struct cpim_ns {
	const char *prefix; /**< the prefix, "" for a default namespace */
	const char *urn;    /**< the namespace URN */
} cpim_ns;

/** @name Disposition-Notification bits (cpim_msg_imdn_disposition()) @{ */
#define CPIM_DN_POSITIVE_DELIVERY 0x1u
#define CPIM_DN_NEGATIVE_DELIVERY 0x2u
#define CPIM_DN_DISPLAY           0x4u
#define CPIM_DN_PROCESSING        0x8u
#define CPIM_DN_OTHER             0x80u /**< a token not listed above */
/** @} */

/** @name Warning codes of a lenient parse @{ */
#define CPIM_WARN_LF_ONLY           1 /**< LF without CR ends a line */
#define CPIM_WARN_STRAY_CONTENT_TYPE 2 /**< outer Content-Type not followed by a blank line */
#define CPIM_WARN_EXTRA_BLANK_LINE  3 /**< a blank line where a header was expected */
#define CPIM_WARN_UNDECLARED_PREFIX 4 /**< a header prefix without NS declaration */
/** @} */

/** A leniency the parser applied.  Each code is reported once, at its first line. */
typedef struct cpim_warning {
	int code;           /**< CPIM_WARN_* */
	unsigned line;      /**< 1-based line where it first happened */
} cpim_warning;

/**
 * Describe a warning code.
 * @return a static lowercase string; never NULL.
 * @since 0.1
 */
CPIM_API const char *cpim_warning_str(int code);

/**
 * Parse a Message/CPIM body.
 *
 * The input may start with the outer MIME header block
 * (`Content-Type: message/cpim` and a blank line) or directly with the CPIM
 * header block.  Then come the CPIM headers, a blank line, the encapsulated
 * MIME headers (at least one), a blank line and the content, which is
 * binary-safe and runs to the end of the input.  Every header is kept in its
 * original order.  Work is linear in the input size.
 *
 * In the default lenient mode LF-only line ends, a stray
 * `Content-Type: message/cpim` line at the start of the CPIM header block,
 * extra blank lines between blocks and undeclared namespace prefixes are
 * accepted and reported by cpim_msg_warning().  With CPIM_PARSE_STRICT they
 * are errors.
 *
 * @param[out] out the message; the caller frees it with cpim_msg_free().
 *             Set to NULL on failure.
 * @param data the input; copied, so it may be freed after the call.
 * @param len its length in bytes.
 * @param opts options, or NULL for the defaults.
 * @param[out] err where and why it failed, or NULL.
 * @return 0; CPIM_SYNTAX for malformed input (including an invalid DateTime,
 *         Final-Report or address); CPIM_TOOBIG when the input, a line or
 *         the header count is over its limit; CPIM_INVALID for a NULL
 *         argument or unknown option version; CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_parse(cpim_msg **out, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err);

/**
 * Create an empty message to be filled with the cpim_msg_add_* functions.
 * @param[out] out the message; the caller frees it with cpim_msg_free().
 * @return 0 or CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_new(cpim_msg **out);

/**
 * Free a message and everything borrowed from it.
 * @param m the message; NULL is allowed.
 * @since 0.1
 */
CPIM_API void cpim_msg_free(cpim_msg *m);

/**
 * Number of CPIM headers (the block after the outer MIME headers).
 * @since 0.1
 */
CPIM_API size_t cpim_msg_header_count(const cpim_msg *m);

/**
 * Read the CPIM header at position @p i, in original order.
 * @param[out] out the header; its pointers are borrowed from @p m.
 * @return 0 or CPIM_NOTFOUND when @p i is out of range.
 * @since 0.1
 */
CPIM_API int cpim_msg_header(cpim_header *out, const cpim_msg *m, size_t i);

/**
 * Find the @p nth (0-based) CPIM header with a namespace and local name.
 *
 * Extension headers are matched by the URN their prefix is declared to map
 * to, never by the literal prefix: with `NS: foo <urn:ietf:params:imdn>`,
 * `foo.Message-ID` is found as (CPIM_NS_IMDN, "Message-ID").  Names are
 * compared case-insensitively.
 *
 * @param[out] out the header; borrowed from @p m.
 * @param ns a namespace URN, or NULL for the core headers (From, To, cc,
 *        DateTime, Subject, NS, Require and unprefixed extensions).
 * @param name the local name.
 * @return 0, CPIM_NOTFOUND, or CPIM_INVALID when @p name is NULL.
 * @since 0.1
 */
CPIM_API int cpim_msg_find(cpim_header *out, const cpim_msg *m,
    const char *ns, const char *name, size_t nth);

/**
 * Number of address headers of one kind.
 * @since 0.1
 */
CPIM_API size_t cpim_msg_addr_count(const cpim_msg *m, cpim_addr_kind kind);

/**
 * Read the @p i th address header of a kind (From, To, cc or an IMDN one).
 * @param[out] out the address; borrowed from @p m.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_addr(cpim_addr *out, const cpim_msg *m,
    cpim_addr_kind kind, size_t i);

/**
 * Read the DateTime header.
 * @param[out] out its text (borrowed) and UTC time.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_datetime(cpim_datetime *out, const cpim_msg *m);

/** Number of Subject headers. @since 0.1 */
CPIM_API size_t cpim_msg_subject_count(const cpim_msg *m);

/**
 * Read the @p i th Subject header.
 * @param[out] out text and language; borrowed from @p m.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_subject(cpim_subject *out, const cpim_msg *m, size_t i);

/** Number of NS declarations. @since 0.1 */
CPIM_API size_t cpim_msg_ns_count(const cpim_msg *m);

/**
 * Read the @p i th NS declaration.
 * @param[out] out prefix and URN; borrowed from @p m.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_ns(cpim_ns *out, const cpim_msg *m, size_t i);

/**
 * The URN a prefix is declared to map to.
 * @param prefix the prefix ("" for the default namespace).
 * @return the URN (borrowed), or NULL when not declared.
 * @since 0.1
 */
CPIM_API const char *cpim_msg_ns_lookup(const cpim_msg *m, const char *prefix);

/**
 * The IMDN Message-ID (header in namespace CPIM_NS_IMDN).
 * @return the value (borrowed) or NULL when absent.
 * @since 0.1
 */
CPIM_API const char *cpim_msg_imdn_message_id(const cpim_msg *m);

/**
 * Read the IMDN DateTime header.
 * @param[out] out its text (borrowed) and UTC time.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_imdn_datetime(cpim_datetime *out, const cpim_msg *m);

/**
 * The notifications requested by IMDN Disposition-Notification headers.
 * @return a CPIM_DN_* bit mask; 0 when none is requested.
 * @since 0.1
 */
CPIM_API unsigned cpim_msg_imdn_disposition(const cpim_msg *m);

/**
 * Read the OMA Final-Report header.
 * @param[out] out 1 for "yes", 0 for "no".
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_final_report(int *out, const cpim_msg *m);

/** Number of encapsulated MIME headers. @since 0.1 */
CPIM_API size_t cpim_msg_mime_count(const cpim_msg *m);

/**
 * Read the @p i th encapsulated MIME header (prefix "", ns NULL).
 * @param[out] out the header; borrowed from @p m.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_mime_header(cpim_header *out, const cpim_msg *m, size_t i);

/**
 * The encapsulated Content-Type value.
 * @return the value (borrowed), or NULL when absent.
 * @since 0.1
 */
CPIM_API const char *cpim_msg_content_type(const cpim_msg *m);

/**
 * The content after the encapsulated MIME headers.
 * @param[out] out its bytes (borrowed), length and offset in the input.
 * @since 0.1
 */
CPIM_API void cpim_msg_content(cpim_content *out, const cpim_msg *m);

/**
 * Whether the parsed input began with an outer MIME header block.
 * @return 1 or 0.
 * @since 0.1
 */
CPIM_API int cpim_msg_has_outer(const cpim_msg *m);

/** Number of warnings of a lenient parse. @since 0.1 */
CPIM_API size_t cpim_msg_warning_count(const cpim_msg *m);

/**
 * Read the @p i th warning.
 * @param[out] out code and line.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_msg_warning(cpim_warning *out, const cpim_msg *m, size_t i);

/**
 * Compare two messages: CPIM headers (prefix, name, parameters and value, in
 * order), MIME headers and content.  Warnings and the outer block are
 * ignored.
 * @return 1 when equal, 0 otherwise.
 * @since 0.1
 */
CPIM_API int cpim_msg_equal(const cpim_msg *a, const cpim_msg *b);

/**
 * Append a CPIM header.
 *
 * Core headers (From, To, cc, DateTime, Subject, NS) and known extension
 * headers are checked as the parser checks them, so that what is added is
 * what a parse of the written message returns.  A prefix must have been
 * declared with cpim_msg_add_ns() first.
 *
 * @param m the message.
 * @param prefix namespace prefix, or NULL / "" for none.
 * @param name the local name (RFC 3862 Name characters).
 * @param value the value, copied.
 * @param[out] err detail, or NULL.
 * @return 0; CPIM_INVALID when a name or value holds a forbidden byte (CR,
 *         LF, NUL or another control character: no header injection),
 *         invalid UTF-8 or an undeclared prefix; CPIM_SYNTAX when a typed
 *         value is malformed; CPIM_TOOBIG; CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_add_header(cpim_msg *m, const char *prefix,
    const char *name, const char *value, cpim_error *err);

/**
 * Append an NS declaration.
 * @param prefix the prefix, or NULL / "" for the default namespace.
 * @param urn the namespace URN.
 * @return 0, CPIM_INVALID (bad prefix or URN, prefix declared with another
 *         URN), CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_add_ns(cpim_msg *m, const char *prefix, const char *urn);

/**
 * Append an address header, quoting the formal name as needed.  The IMDN
 * kinds use the prefix declared for CPIM_NS_IMDN, declaring "imdn" if none is.
 * @param name formal name (UTF-8), or NULL.
 * @param uri the URI; must not contain '<', '>', spaces or controls.
 * @return 0, CPIM_INVALID, CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_add_addr(cpim_msg *m, cpim_addr_kind kind,
    const char *name, const char *uri);

/**
 * Append a Subject header.
 * @param text the subject.
 * @param lang a language tag, or NULL.
 * @return 0, CPIM_INVALID, CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_add_subject(cpim_msg *m, const char *text,
    const char *lang);

/**
 * Append a DateTime header in UTC ("Z"), with microseconds when not zero.
 * @return 0, CPIM_INVALID (out of years 0000-9999), CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_set_datetime(cpim_msg *m, int64_t us);

/**
 * Append an encapsulated MIME header.
 * @return 0, CPIM_INVALID (forbidden bytes), CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_add_mime_header(cpim_msg *m, const char *name,
    const char *value);

/**
 * Set the content and the encapsulated Content-Type (added, or replaced when
 * present).
 * @param content_type e.g. "text/plain;charset=UTF-8".
 * @param data the bytes, copied; may contain NUL bytes.
 * @return 0, CPIM_INVALID, CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_msg_set_content(cpim_msg *m, const char *content_type,
    const void *data, size_t len);

/** Write flag: start with `Content-Type: message/cpim` and a blank line. */
#define CPIM_WRITE_OUTER 0x1u

typedef struct cpim_write_opts {
	unsigned version;   /**< CPIM_WRITE_OPTS_VERSION */
	unsigned flags;     /**< CPIM_WRITE_* */
} cpim_write_opts;

#define CPIM_WRITE_OPTS_VERSION 1
#define CPIM_WRITE_OPTS_INIT { CPIM_WRITE_OPTS_VERSION, 0 }

/**
 * Write a message in canonical form: CRLF line ends, `Name: value` headers,
 * original order.  cpim_parse() of the output returns an equal message
 * (cpim_msg_equal()).
 * @param[out] out the bytes; the caller frees them with cpim_buf_free().
 * @param opts options, or NULL for the defaults.
 * @return 0; CPIM_INVALID when the message has no CPIM or no MIME header;
 *         CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_write(cpim_buf *out, const cpim_msg *m,
    const cpim_write_opts *opts);
/** @} */

/* ------------------------------------------------------------------ */
/** @name RFC 3339 date-times @{ */

/**
 * Parse an RFC 3339 date-time (`2024-02-29T23:59:60.123456+05:30`, `Z`
 * or a numeric offset, optional fraction; digits past microseconds are
 * ignored).  Dates are checked (2023-02-29 is refused).
 * @param[out] out UTC microseconds since the epoch.
 * @param text the text; need not be NUL-terminated.
 * @param len its length.
 * @return 0 or CPIM_SYNTAX.
 * @since 0.1
 */
CPIM_API int cpim_datetime_parse(int64_t *out, const char *text, size_t len);

/** Buffer size that fits any cpim_datetime_format() output. */
#define CPIM_DATETIME_MAX 32

/**
 * Format a UTC time as RFC 3339 with "Z", adding ".ffffff" when the
 * microseconds are not zero.
 * @param[out] out buffer of @p cap bytes, at least CPIM_DATETIME_MAX.
 * @return 0, CPIM_INVALID (year outside 0000-9999), CPIM_TOOBIG (@p cap).
 * @since 0.1
 */
CPIM_API int cpim_datetime_format(char *out, size_t cap, int64_t us);
/** @} */

/* ------------------------------------------------------------------ */
/** @name IMDN documents (message/imdn+xml) @{ */

/** Largest IMDN document cpim_imdn_parse() accepts. */
#define CPIM_IMDN_MAX_SIZE (64 * 1024)
/** Deepest element nesting cpim_imdn_parse() accepts. */
#define CPIM_IMDN_MAX_DEPTH 16

typedef enum cpim_imdn_kind {
	CPIM_IMDN_DELIVERY = 1,   /**< delivery-notification */
	CPIM_IMDN_DISPLAY = 2,    /**< display-notification */
	CPIM_IMDN_PROCESSING = 3  /**< processing-notification */
} cpim_imdn_kind;

typedef enum cpim_imdn_status {
	CPIM_IMDN_DELIVERED = 1,  /**< delivery */
	CPIM_IMDN_FAILED = 2,     /**< delivery */
	CPIM_IMDN_FORBIDDEN = 3,  /**< any kind */
	CPIM_IMDN_ERROR = 4,      /**< any kind */
	CPIM_IMDN_DISPLAYED = 5,  /**< display */
	CPIM_IMDN_PROCESSED = 6,  /**< processing */
	CPIM_IMDN_STORED = 7      /**< processing */
} cpim_imdn_status;

/**
 * An IMDN document.  cpim_imdn_parse() returns one whose strings are owned by
 * it; to write one, fill a structure initialised with CPIM_IMDN_INIT.
 */
typedef struct cpim_imdn {
	unsigned version;            /**< CPIM_IMDN_VERSION */
	cpim_imdn_kind kind;
	cpim_imdn_status status;
	const char *message_id;      /**< required */
	const char *datetime;        /**< RFC 3339 text; when NULL on writing,
	                                  formatted from datetime_us */
	int64_t datetime_us;         /**< UTC time of datetime */
	const char *recipient_uri;   /**< or NULL */
	const char *original_recipient_uri; /**< or NULL */
	const char *subject;         /**< or NULL */
} cpim_imdn;

#define CPIM_IMDN_VERSION 1
#define CPIM_IMDN_INIT { CPIM_IMDN_VERSION, CPIM_IMDN_DELIVERY, \
	CPIM_IMDN_DELIVERED, NULL, NULL, 0, NULL, NULL, NULL }

/**
 * Parse an IMDN document safely.
 *
 * A document holding a DOCTYPE (checked on the raw bytes and on the parsed
 * tree) is refused, so no entity is ever defined or expanded and nothing is
 * loaded from the network.  Documents over CPIM_IMDN_MAX_SIZE bytes or
 * CPIM_IMDN_MAX_DEPTH levels, with invalid UTF-8, a non-UTF-8 encoding or a
 * status that does not match the notification kind are refused.
 *
 * @param[out] out the document; the caller frees it with cpim_imdn_free().
 * @param[out] err detail, or NULL.
 * @return 0; CPIM_UNSAFE (DOCTYPE); CPIM_TOOBIG; CPIM_SYNTAX (not well-formed,
 *         not an IMDN, missing message-id or datetime, bad status);
 *         CPIM_INVALID; CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_imdn_parse(cpim_imdn **out, const void *xml, size_t len,
    cpim_error *err);

/**
 * Free a document returned by cpim_imdn_parse().
 * @param doc the document; NULL is allowed.
 * @since 0.1
 */
CPIM_API void cpim_imdn_free(cpim_imdn *doc);

/**
 * Write an IMDN document as UTF-8 XML.
 * @param[out] out the bytes; the caller frees them with cpim_buf_free().
 * @return 0; CPIM_INVALID (missing message-id, kind/status mismatch, control
 *         characters or invalid UTF-8 in a field, bad datetime); CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_imdn_write(cpim_buf *out, const cpim_imdn *doc);

/**
 * Name of a status as in the XML ("delivered", "stored"…).
 * @return a static string, or NULL for an unknown value.
 * @since 0.1
 */
CPIM_API const char *cpim_imdn_status_name(cpim_imdn_status status);
/** @} */

/* ------------------------------------------------------------------ */
/** @name SIP requests @{ */

/** A SIP request as read from the wire. */
typedef struct cpim_sip_msg cpim_sip_msg;

/** A name-addr or addr-spec header value (From, To, P-Asserted-Identity). */
typedef struct cpim_sip_addr {
	const char *display; /**< display name, unquoted, or NULL */
	const char *uri;     /**< the URI */
	const char *tag;     /**< the tag parameter, or NULL */
	const char *params;  /**< raw header parameters, e.g. ";tag=1", or "" */
} cpim_sip_addr;

/**
 * Parse a SIP request: request line (`METHOD Request-URI SIP/2.0`), headers
 * (folded continuation lines are joined to the header they continue; compact
 * forms are expanded) and body.  The body is Content-Length bytes when
 * that header is present (fewer are refused; more are discarded, as a
 * datagram's are by RFC 3261 section 18.3, or left for the next message
 * with CPIM_PARSE_SIP_STREAM), else it is the rest of the input.
 * From, To, Call-ID and CSeq are required, once each; CSeq must name the
 * request method; a Date must be an RFC 1123 GMT date.  Lines end with CRLF
 * (LF alone is accepted unless CPIM_PARSE_STRICT).
 *
 * @param[out] out the request; the caller frees it with cpim_sip_free().
 * @param data the bytes; copied.
 * @param opts options (limits, strictness), or NULL for the defaults.
 * @param[out] err detail, or NULL.
 * @return 0, CPIM_SYNTAX, CPIM_TOOBIG, CPIM_INVALID, CPIM_NOMEM.
 * @since 0.1
 */
CPIM_API int cpim_sip_parse(cpim_sip_msg **out, const void *data, size_t len,
    const cpim_parse_opts *opts, cpim_error *err);

/**
 * Free a request.
 * @param m the request; NULL is allowed.
 * @since 0.1
 */
CPIM_API void cpim_sip_free(cpim_sip_msg *m);

/** The bytes of the input the request took, its body's end: the input's
 * length unless bytes after the Content-Length body were left out
 * (discarded from a datagram; a stream's next message starts here).
 * @since 0.1 */
CPIM_API size_t cpim_sip_length(const cpim_sip_msg *m);

/** The method, e.g. "MESSAGE" (borrowed). @since 0.1 */
CPIM_API const char *cpim_sip_method(const cpim_sip_msg *m);

/** The Request-URI (borrowed). @since 0.1 */
CPIM_API const char *cpim_sip_request_uri(const cpim_sip_msg *m);

/** Number of headers. @since 0.1 */
CPIM_API size_t cpim_sip_header_count(const cpim_sip_msg *m);

/**
 * Read the @p i th header; compact names are given in their long form and
 * folded values are unfolded.
 * @param[out] out the header (name and value; borrowed).
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_sip_header(cpim_header *out, const cpim_sip_msg *m, size_t i);

/**
 * The value of the @p nth header with a name (case-insensitive; a compact
 * form such as "f" finds From).
 * @return the value (borrowed) or NULL.
 * @since 0.1
 */
CPIM_API const char *cpim_sip_find(const cpim_sip_msg *m, const char *name,
    size_t nth);

/**
 * Read the From header.
 * @param[out] out display name, URI, tag; borrowed.
 * @return 0 (From is always present in a parsed request).
 * @since 0.1
 */
CPIM_API int cpim_sip_from(cpim_sip_addr *out, const cpim_sip_msg *m);

/**
 * Read the To header.
 * @param[out] out display name, URI, tag; borrowed.
 * @return 0.
 * @since 0.1
 */
CPIM_API int cpim_sip_to(cpim_sip_addr *out, const cpim_sip_msg *m);

/** Number of P-Asserted-Identity values (over all such headers). @since 0.1 */
CPIM_API size_t cpim_sip_pai_count(const cpim_sip_msg *m);

/**
 * Read the @p i th P-Asserted-Identity value.
 * @param[out] out display name and URI; borrowed.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_sip_pai(cpim_sip_addr *out, const cpim_sip_msg *m, size_t i);

/** The Call-ID (borrowed). @since 0.1 */
CPIM_API const char *cpim_sip_call_id(const cpim_sip_msg *m);

/**
 * The CSeq sequence number.
 * @param[out] out the number.
 * @return 0.
 * @since 0.1
 */
CPIM_API int cpim_sip_cseq(uint32_t *out, const cpim_sip_msg *m);

/**
 * The Date header as UTC time.
 * @param[out] out microseconds since the epoch.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_sip_date(int64_t *out, const cpim_sip_msg *m);

/**
 * The Expires header in seconds (values over 2^32-1 read as 2^32-1).
 * @param[out] out seconds.
 * @return 0 or CPIM_NOTFOUND.
 * @since 0.1
 */
CPIM_API int cpim_sip_expires(uint32_t *out, const cpim_sip_msg *m);

/** The Content-Type value (borrowed) or NULL. @since 0.1 */
CPIM_API const char *cpim_sip_content_type(const cpim_sip_msg *m);

/**
 * Whether a Content-Type value names Message/CPIM: "message/cpim" in any
 * case, alone or followed by parameters (";", SP or HTAB after it).  The
 * test a SIP MESSAGE's body is read as CPIM by:
 * cpim_type_is_cpim(cpim_sip_content_type(m)).
 * @param content_type the value, without the header name; may be NULL.
 * @return 1 or 0 (0 for NULL).
 * @since 0.1
 */
CPIM_API int cpim_type_is_cpim(const char *content_type);

/**
 * The body.
 * @param[out] out bytes (borrowed), length and offset in the input.
 * @since 0.1
 */
CPIM_API void cpim_sip_body(cpim_content *out, const cpim_sip_msg *m);

/**
 * Parse an RFC 1123 date as SIP uses it: `Sat, 13 Nov 2010 23:29:00 GMT`.
 * @param[out] out UTC microseconds since the epoch.
 * @return 0 or CPIM_SYNTAX.
 * @since 0.1
 */
CPIM_API int cpim_sip_date_parse(int64_t *out, const char *text, size_t len);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CPIM_H */
