/* cli.h - shared by the imstore commands: option tables, the command table,
 * printers and error reporting. */
#ifndef IMS_CLI_H
#define IMS_CLI_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "imstore.h"

/* Exit statuses (documented in imstore(1) EXIT STATUS): <sysexits.h>'s
 * classes, chosen from the library's codes in one place, cli_exit_code()
 * (util.c).  Like doveadm(1): 68 for what is not found. */
#define EXIT_OK 0
#define EXIT_ERR 1        /* verify, check: problems found; any other error */
#define EXIT_USAGE 64     /* EX_USAGE: command line */
#define EXIT_DATAERR 65   /* EX_DATAERR: a message, document, archive or dump */
#define EXIT_NOINPUT 66   /* EX_NOINPUT: no store, an input file missing */
#define EXIT_NOTFOUND 68  /* EX_NOHOST, as doveadm: no such message */
#define EXIT_SOFTWARE 70  /* EX_SOFTWARE: the library's internal error */
#define EXIT_OSERR 71     /* EX_OSERR: out of memory, a system call */
#define EXIT_CORRUPT 72   /* EX_OSFILE: the store is corrupt or of a format
                           * this library cannot use */
#define EXIT_CANTCREAT 73 /* EX_CANTCREAT: exists already (init, export) */
#define EXIT_IOERR 74     /* EX_IOERR: reading or writing a file failed */
#define EXIT_TEMPFAIL 75  /* EX_TEMPFAIL: busy, locked, full, over quota */
#define EXIT_NOPERM 77    /* EX_NOPERM: permission, read-only, legal hold */

/* The type of an option's argument.  Each type has one parser and one
 * wording of its error (opt.c), like notmuch's option descriptors; the
 * command finds the value parsed in its cli_arg. */
typedef enum cli_type {
	CLI_END = 0,   /* ends a table */
	CLI_FLAG,      /* no argument */
	CLI_STRING,    /* any text */
	CLI_NUMBER,    /* decimal digits, in [min, max] (max 0: no bound) -> n */
	CLI_SIZE,      /* bytes: digits with K, M or G (1024-based), in [min, max] -> n */
	CLI_DURATION,  /* 90s, 1h30m (ims_duration_parse); min 1: above zero -> t (µs) */
	CLI_TIME,      /* a time (ims_time_parse) or a duration from now -> t (µs) */
	CLI_KEYWORD,   /* one of the words -> word */
	CLI_INCLUDE,   /* the options of another table, under the heading help */
} cli_type;

/* CLI_TIME: a duration counts back from now ("--since 7d"), not ahead */
#define CLI_PAST 0x1u

/* One option of a command.  --help, the man pages and the completions are
 * checked against these tables.  Write them with the OPT_ macros below. */
typedef struct cli_opt {
	cli_type type;
	int id;               /* passed to the command */
	char shortname;       /* 0: none */
	const char *name;     /* long name without "--" */
	const char *arg;      /* argument name; NULL for a flag */
	const char *help;     /* CLI_INCLUDE: the heading of its options */
	const char *words;    /* "a b c": a keyword's values; for a number, size or
	                       * duration, the words accepted besides ("default") */
	const char *complete; /* a string's completion: "file", "dir" or words */
	uint64_t min, max;    /* number, size: the range; duration: min 1 refuses 0 */
	unsigned flags;       /* CLI_PAST */
	const struct cli_opt *include; /* CLI_INCLUDE: the table */
} cli_opt;

#define OPT_FLAG(i, s, n, h) \
	{ .type = CLI_FLAG, .id = (i), .shortname = (s), .name = (n), .help = (h) }
#define OPT_STRING(i, s, n, a, h) \
	{ .type = CLI_STRING, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h) }
#define OPT_FILE(i, s, n, a, h) \
	{ .type = CLI_STRING, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h), .complete = "file" }
#define OPT_DIR(i, s, n, a, h) \
	{ .type = CLI_STRING, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h), .complete = "dir" }
#define OPT_NUMBER(i, s, n, a, lo, hi, h) \
	{ .type = CLI_NUMBER, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h), .min = (lo), .max = (hi) }
#define OPT_SIZE(i, s, n, a, lo, hi, h) \
	{ .type = CLI_SIZE, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h), .min = (lo), .max = (hi) }
#define OPT_DURATION(i, s, n, a, lo, h) \
	{ .type = CLI_DURATION, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h), .min = (lo) }
#define OPT_TIME(i, s, n, a, fl, h) \
	{ .type = CLI_TIME, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h), .flags = (fl) }
#define OPT_KEYWORD(i, s, n, a, w, h) \
	{ .type = CLI_KEYWORD, .id = (i), .shortname = (s), .name = (n), .arg = (a), \
	  .help = (h), .words = (w) }
#define OPT_INCLUDE(t, heading) { .type = CLI_INCLUDE, .include = (t), .help = (heading) }
#define OPT_END { .type = CLI_END }

/* Ids of the common options (commands use ids >= 100). */
enum { OPT_STORE = 1, OPT_FORMAT, OPT_FORMAT_VERSION, OPT_HELP, OPT_VERSION };

typedef enum { FMT_TEXT = 0, FMT_JSON = 1, FMT_XML = 2 } cli_format;

/* The formats a command writes (cli_cmd.formats) */
#define FMTS_TEXT_JSON (1u << FMT_TEXT | 1u << FMT_JSON)
#define FMTS_ALL (1u << FMT_TEXT | 1u << FMT_JSON | 1u << FMT_XML)

/* An option given, its value parsed by its type. */
typedef struct cli_arg {
	int id;
	const char *val;      /* as given; NULL for a flag */
	const cli_opt *opt;   /* its descriptor */
	uint64_t n;           /* number, size */
	int64_t t;            /* duration: µs; time: µs since the epoch */
	int word;             /* the index of val in opt->words, -1 if not one */
} cli_arg;

typedef struct cli {
	const struct cli_cmd *cmd;
	const struct cli_cmd *sub;  /* its subcommand, when it has them */
	char name[64];        /* "list", "deferred summary": for messages */
	const char *store_path;
	cli_format format;
	int format_version;
	int64_t now;          /* the reference time of every TIME option */
	cli_arg *opts;        /* command options in command-line order */
	size_t nopts;
	char **operands;      /* after the subcommand's name */
	size_t noperands;
	struct printer *out;
} cli;

/* A command, or a subcommand (git's OPT_SUBCOMMAND): a row of the command
 * table (commands.h) or of a command's subcommand table. */
typedef struct cli_cmd {
	const char *name;
	int (*run)(cli *c);     /* NULL for a command with subcommands */
	const char *operands;   /* usage text after [options], e.g. "[FILTER...]" */
	const char *summary;
	const cli_opt *opts;    /* command options (common ones are added) */
	unsigned formats;       /* bit per cli_format accepted by --format */
	const struct cli_cmd *subs; /* subcommands, ended by CLI_SUBS_END: the
	                         * first operand names the one that runs */
} cli_cmd;

#define CLI_SUBS_END { NULL, NULL, NULL, NULL, NULL, 0, NULL }

extern const cli_cmd *const cli_commands[];
extern const cli_opt cli_common_opts[];

/* opt.c: parsing by the tables, usage, the dump of the tables */
int cli_parse(cli *c, int argc, char **argv, int first);
int cli_check_values(cli *c);
int cli_operands(const cli *c, size_t min, size_t max);
int cli_open_user(ims_store **out, cli *c, size_t min, size_t max, unsigned flags);
void cli_usage(FILE *f, const cli_cmd *cmd, const cli_cmd *sub);
void cli_dump_options(FILE *f);
const cli_cmd *cli_find(const char *name);
const cli_cmd *cli_find_sub(const cli_cmd *cmd, const char *name);

/* util.c (cmd) */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *cli_quote(const char *s);
int cli_fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_exit_code(int rc);
int cli_exit_input(int rc);
int cli_exit_refusal(ims_refusal why);
int cli_open(ims_store **out, cli *c, unsigned flags);
/* fatal.c: after a store is open, a clear message on SIGSEGV and SIGBUS */
void cli_fatal_guard(const char *store_path);
int cli_check_user(const char *user);
typedef struct cli_names_t {
	char **all;          /* operands then URI-list entries */
	size_t n;
	char **ops;
	char **listed;       /* the URI-list's own strings */
	size_t nlisted;
} cli_names_t;
int cli_names(cli_names_t *out, char **ops, size_t nops, const char *urilist);
void cli_names_free(cli_names_t *names, char **ops);
void cli_fmt_time(char *out, size_t cap, int64_t us);
char *cli_join(char **v, size_t n);
int cli_read_input(unsigned char **out, size_t *len, int *mapped, const char *path);
void cli_free_input(unsigned char *p, size_t len, int mapped);

/* msgopt.c: options and input describing a message (ids 200 and up); the
 * input read by libimstore's ims_ingest_cpim() / ims_ingest_sip() */
enum {
	MO_MODE = 200, MO_FROM, MO_TO, MO_CC, MO_TYPE, MO_SUBJECT, MO_MSGID,
	MO_CONV, MO_EXPIRES, MO_RECEIVED, MO_SENT, MO_HEADER, MO_CPIM, MO_SIP,
	MO_STRICT,
};
extern const cli_opt msg_opts[];
typedef struct msgin {
	ims_msg m;
	ims_addr *to, *cc;
	ims_header *hdrs;
	char **owned;           /* copies of option values the above point into */
	size_t nowned;
	const char *cpim, *sip; /* --cpim / --sip input */
	int strict;
	unsigned char *data;    /* the input read */
	size_t len;
	int mapped;
	ims_ingest *g;          /* --cpim / --sip: what it filled points here */
	const void *body;       /* the body to store */
	size_t body_len;
} msgin;
void msgin_init(msgin *a);
int msgin_option(msgin *a, const cli_arg *o);
int msgin_read(msgin *a, const char *operand);
void msgin_free(msgin *a);

/* hold.c */
int cli_audit_list(cli *c, int64_t since);

/* compact.c: compact the store (recorded in the audit trail), report it */
int cli_compact(ims_compact_result *r, cli *c);
void cli_compact_report(cli *c, const ims_compact_result *r);
/* who.c: "pid N (program, state since TIME), ..." of the processes holding
 * the store at path, to free(); NULL when none is known */
char *cli_holders_text(const char *path);

/* filterarg.c */
int cli_filter(ims_filter **out, char **ops, size_t n);
int cli_filter_str(ims_filter **out, const char *expr);
int cli_filter_at(ims_filter **out, const char *expr, int64_t now);

/* printer.c, print-text.c, print-json.c: every command writes its output
 * (stdout) through its printer, c->out, as notmuch's commands write
 * through a sprinter; errors and progress go to stderr (cli_err).
 *  - values: maps, lists, keys and scalars.  JSON writes them as JSON,
 *    text as "key: value" lines (a map's keys indented under its key, a
 *    list's items as "- value" lines); in text, key then a value is the
 *    prefixed line "key: value".
 *  - lines: columns (tab-separated) and free text, ended by record_end;
 *    the text format's rows and sentences (JSON writes each as a string).
 *  - raw: bytes as they are, in every format (a body, an XML document).
 *  - record_end: the separator of records: ends a JSON line, a text line. */
typedef struct printer printer;
struct printer_ops {
	int is_text;                              /* the text format */
	void (*begin_map)(printer *p);
	void (*end_map)(printer *p);
	void (*begin_list)(printer *p);
	void (*end_list)(printer *p);
	void (*key)(printer *p, const char *key);
	void (*str)(printer *p, const char *s);   /* NULL prints null ("-") */
	void (*strn)(printer *p, const char *s, size_t n);
	void (*integer)(printer *p, int64_t v);
	void (*boolean)(printer *p, int v);
	void (*column)(printer *p, const char *s, size_t n); /* the next column */
	void (*text)(printer *p, const char *s, size_t n);   /* more of the line */
	int (*raw)(printer *p, const void *s, size_t n);     /* 0 or EIO */
	void (*record_end)(printer *p);           /* ends a JSON line, a text line */
};
struct printer {
	const struct printer_ops *ops;
	FILE *f;
	int depth;
	int first[16];
	int inlist[16];
	int after_key;
	int line;             /* text: a line of columns or text is open */
};
extern const struct printer_ops printer_json_ops, printer_text_ops;
/* A printer of fmt (FMT_XML: the text printer, whose raw writes the
 * documents) on f; NULL when out of memory.  Freed with printer_free(). */
printer *printer_new(cli_format fmt, FILE *f);
void printer_free(printer *p);
/* A time as a string value (null when IMS_TIME_NONE). */
void print_time(printer *p, int64_t us);
/* printf-style text: more of the line; a whole line (then record_end). */
void print_text(printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void print_line(printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The next column of the line: s as it is; free text as one column, its
 * TABs, CRs and LFs as spaces. */
void print_column(printer *p, const char *s);
void print_column_text(printer *p, const char *s);
/* A message, from libimstore's field table: text format "key: value"
 * lines, JSON an object. */
void print_msg(printer *p, const ims_msg *m);
/* Its keys only, inside a map the caller opened. */
void print_msg_fields(printer *p, const ims_msg *m);
/* A message as one line of stable tab-separated columns (text list). */
void print_msg_row(printer *p, const ims_msg *m);

#endif
