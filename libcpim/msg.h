/* msg.h - the Message/CPIM model shared by cpim.c, parse.c and write.c */
#ifndef CPIM_MSG_H
#define CPIM_MSG_H

#include "internal.h"

enum cpim__kind {
	HK_EXT = 0,
	HK_FROM, HK_TO, HK_CC, HK_DATETIME, HK_SUBJECT, HK_NS, HK_REQUIRE,
	HK_IMDN_MSGID, HK_IMDN_DATETIME, HK_IMDN_DN, HK_IMDN_ORIGINAL_TO,
	HK_IMDN_RECORD_ROUTE, HK_IMDN_ROUTE, HK_FINAL_REPORT
};

/* one header; strings are NUL-terminated and live in the message arena;
 * cpim__msg_push() sets every field */
struct cpim__hdr {
	const char *prefix;   /* "" when none */
	const char *name;
	const char *params;   /* raw ";a=b", "" when none */
	const char *lang;     /* ;lang= value or NULL */
	const char *value;
	const char *ns;       /* resolved URN, NULL for core / MIME */
	const char *a_name;   /* address formal name / NS prefix */
	const char *a_uri;    /* address URI / NS URN */
	size_t nlen, vlen;    /* strlen of name and value */
	int64_t time;         /* DateTime values */
	size_t loff;          /* offset of the line in the input */
	size_t voff;          /* offset of the value in the input */
	unsigned line;        /* 1-based line, 0 when built */
	unsigned kind;        /* enum cpim__kind */
	unsigned bits;        /* CPIM_DN_* or Final-Report yes (1) / no (0) */
};

enum { NS_OTHER = 0, NS_IMDN = 1, NS_FINAL_REPORT = 2 };

struct cpim__ns {
	cpim_ns pub;
	unsigned known;       /* NS_* */
};

struct cpim_msg {
	cpim__arena arena;
	struct cpim__hdr *hdrs;
	size_t nhdrs, hcap;
	struct cpim__hdr *mime;
	size_t nmime, mcap;
	struct cpim__ns *ns;
	size_t nns, nscap;
	const unsigned char *content;
	size_t clen, coff;
	cpim_warning warn[4];
	size_t nwarn;
	int outer;
};

/* where a typed value went wrong: offset in the value and what was expected */
struct cpim__verr {
	size_t pos;
	const char *what;
};

int cpim__msg_alloc(cpim_msg **out, size_t reserve);
int cpim__msg_grow(cpim_msg *m, int mime);

/* a new empty header at the end of the CPIM or the MIME headers; NULL when
 * out of memory.  Inline, and every field stored one by one (a memset of
 * the struct is a rep stos), so a parser's stores of its own values make
 * most of these dead */
static inline struct cpim__hdr *
cpim__msg_push(cpim_msg *m, int mime)
{
	struct cpim__hdr *h;

	if ((mime ? m->nmime == m->mcap : m->nhdrs == m->hcap) &&
	    cpim__msg_grow(m, mime))
		return NULL;
	h = mime ? &m->mime[m->nmime++] : &m->hdrs[m->nhdrs++];
	h->prefix = h->params = "";
	h->name = h->lang = h->value = h->ns = h->a_name = h->a_uri = NULL;
	h->nlen = h->vlen = h->loff = h->voff = 0;
	h->time = 0;
	h->line = h->kind = h->bits = 0;
	return h;
}
unsigned cpim__core_kind(const char *name, size_t n);
int cpim__hdr_core(cpim_msg *m, struct cpim__hdr *h, int strict,
    struct cpim__verr *ve);
int cpim__hdr_ext(cpim_msg *m, struct cpim__hdr *h, int strict,
    struct cpim__verr *ve);

/* value.c */
/* record where (pos) and why (what) a typed value is refused; returns
 * CPIM_SYNTAX */
CPIM__COLD int cpim__verr(struct cpim__verr *ve, size_t pos, const char *what);
/* v: a NUL-terminated value of n bytes */
int cpim__parse_addr(cpim__arena *a, const char *v, size_t n, int strict,
    const char **name, const char **uri, struct cpim__verr *ve);
int cpim__parse_ns(cpim__arena *a, const char *v, size_t n,
    const char **prefix, const char **urn, struct cpim__verr *ve);
int cpim__parse_dn(const char *v, unsigned *bits, struct cpim__verr *ve);

#endif
