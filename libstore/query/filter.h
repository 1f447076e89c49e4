/* filter.h - private: the compiled form of the filter language.
 *
 * ims_filter_parse() turns an expression into this tree; query.c plans an
 * index scan from it and ims_filter_match() evaluates it on a message.
 */
#ifndef IMS_FILTER_H
#define IMS_FILTER_H

#include "imstore.h"

typedef enum ims__fkind {
	IMS__F_ALL = 0,   /* matches everything ("" or "*") */
	IMS__F_AND,
	IMS__F_OR,
	IMS__F_NOT,       /* child in a */
	IMS__F_TERM
} ims__fkind;

typedef enum ims__fterm {
	IMS__T_OWNER = 1, /* text: canonical address */
	IMS__T_FOLDER,    /* ival: ims_folder */
	IMS__T_MODE,      /* ival: ims_mode */
	IMS__T_STATE,     /* ival: ims_state, or -1 for "held" (IMS_MSGF_HELD) */
	IMS__T_FROM,      /* text: canonical address */
	IMS__T_TO,        /* text: canonical address, To or cc */
	IMS__T_PEER,      /* text: canonical address, from, To or cc */
	IMS__T_CONV,      /* text: conversation identity, exact */
	IMS__T_MSGID,     /* text: Message-ID, exact */
	IMS__T_ID,        /* id */
	IMS__T_TYPE,      /* text: lowercase media type "image/png", "image/" for image/(any),
	                     or "" (text_len 0) for any type */
	IMS__T_SIZE,      /* [lo, hi) body bytes */
	IMS__T_RECEIVED,  /* [lo, hi) received time, UTC µs (date:, older:, newer:) */
	IMS__T_SUBJECT    /* text: substring, ASCII case-insensitive */
} ims__fterm;

typedef struct ims__fnode {
	ims__fkind kind;
	ims__fterm term;          /* IMS__F_TERM only */
	struct ims__fnode *a, *b; /* AND/OR: a and b; NOT: a */
	char *text;               /* NUL-terminated, owned */
	size_t text_len;
	int ival;
	int64_t lo, hi;           /* half-open range; INT64_MIN/INT64_MAX open */
	ims_id id;
} ims__fnode;

struct ims_filter {
	ims__fnode *root;
	char *expr;               /* the source text, owned */
};

/* Shared by the filter files (terms.c, filter-parse.c, filter-match.c,
 * time.c). */
const char *ims__filter_quote(char dst[64], const char *s, size_t n);
/* s[0, n) equals the lowercase lit, ignoring ASCII case (whatever the locale) */
int ims__word_is(const char *s, size_t n, const char *lit);
const char *ims__term_find(const char *name, size_t n);
void ims__term_unknown(char *msg, size_t cap, const char *name, size_t n);
int ims__term_value(ims__fnode *node, const char *name, size_t name_len,
                    char *val, size_t len, int64_t now, char *msg, size_t cap);
const char *ims__date_parse(int64_t *lo, int64_t *hi, const char *s, int64_t now);
const char *ims__age_parse(int64_t *lo, int64_t *hi, const char *s, int64_t now,
                           int newer);
int ims__date_describe(char *buf, size_t cap, int64_t lo, int64_t hi);
/* A size (size.c) in s[0, n): 0, or -1 when it is not one. */
int ims__size_parse(int64_t *out, const char *s, size_t n);
const char *ims__range_check(int64_t lo, int64_t hi);

/* A tree and everything under it; NULL is ignored (filter-parse.c). */
void ims__fnode_free(ims__fnode *n);
/* A node of kind matching everything in its range, or NULL (no memory). */
ims__fnode *ims__fnode_new(ims__fkind kind);
/* a AND b, a OR b, both taken; "*" folds away.  NULL when out of memory
 * or when a or b is NULL (the other freed). */
ims__fnode *ims__fnode_join(ims__fkind kind, ims__fnode *a, ims__fnode *b);
/* A copy of a tree, or NULL when out of memory (filter-combine.c). */
ims__fnode *ims__fnode_copy(const ims__fnode *n);

/* Write a one-line description of a (sub)tree, e.g.
 * "(owner:sip:bob@example.com and type:text/plain)"; returns bytes needed like
 * snprintf. */
int ims__filter_describe(char *buf, size_t cap, const ims__fnode *n);

#endif
