/* lines.c - the header-line reader of the Message/CPIM and SIP parsers:
 * what lines.h keeps inline is the common case, here are the rest */
#include <stdio.h>
#include <string.h>

#include "lines.h"

int
cpim__lines_open(cpim__lines *r, const cpim_parse_opts *opts,
    cpim_error *err, const cpim__lines_conf *conf)
{
	r->err = err;
	r->conf = conf;
	if (opts && opts->version != CPIM_PARSE_OPTS_VERSION)
		return cpim__err(err, CPIM_INVALID, "unknown options version");
	cpim__opts_resolve(&r->o, opts);
	r->strict = (r->o.flags & CPIM_PARSE_STRICT) != 0;
	return 0;
}

int
cpim__lines_input(cpim__lines *r, cpim__arena *a, const void *data,
    size_t len)
{
	if (len == SIZE_MAX || !(r->b = cpim__alloc(a, len + 1)))
		return CPIM_NOMEM;
	memcpy(r->b, data, len);
	r->b[len] = '\0';
	r->n = len;
	r->pos = 0;
	r->line = 1;
	return 0;
}

CPIM__COLD int
cpim__lines_fail(cpim__lines *r, int code, size_t off, const char *what)
{
	cpim__err_at(r->err, code, r->line, (unsigned)(off - r->pos + 1), off,
	    "%s", what);
	return code;
}

/* no LF within the line limit: the line is too long or the input ends */
CPIM__COLD static int
no_line_end(cpim__lines *r, const char *eof)
{
	char msg[64];

	if (r->n - r->pos < r->o.max_line + 2)
		return cpim__lines_fail(r, CPIM_SYNTAX, r->n, eof);
	if (!r->conf->unended_says_limit)
		return cpim__lines_fail(r, CPIM_TOOBIG, r->pos + r->o.max_line,
		    r->conf->long_line);
	snprintf(msg, sizeof msg, "line longer than %zu bytes", r->o.max_line);
	return cpim__lines_fail(r, CPIM_TOOBIG, r->pos + r->o.max_line, msg);
}

/* cpim__lines_get() of a line that does not end in CR LF, or of none; nl
 * is the LF memchr() found, or NULL */
CPIM__COLD int
cpim__lines_other(cpim__lines *r, const char *eof, const unsigned char *nl)
{
	const unsigned char *b = r->b;
	size_t pos = r->pos, le;

	if (!nl)
		return no_line_end(r, eof);
	le = (size_t)(nl - b);
	r->next = le + 1;
	if (le > pos && b[le - 1] == '\r')
		le--;
	else if (r->strict)
		return cpim__lines_fail(r, CPIM_SYNTAX, r->le = le,
		    "expected crlf line end");
	else if (r->conf->lf_only)
		r->conf->lf_only(r);
	r->le = le;
	if (le - pos > r->o.max_line)
		return cpim__lines_fail(r, CPIM_TOOBIG, pos + r->o.max_line,
		    r->conf->long_line);
	return 0;
}
