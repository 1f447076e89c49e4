/* write.c - canonical Message/CPIM output */
#include <stdlib.h>
#include <string.h>

#include "msg.h"

static const char outer_ct[] = "Content-Type: message/cpim\r\n\r\n";

static size_t
hdr_size(const struct cpim__hdr *h, int mime)
{
	size_t n = strlen(h->name) + strlen(h->value) + 4;

	if (!mime)
		n += strlen(h->prefix) + (*h->prefix != '\0') + strlen(h->params);
	return n;
}

static char *
put(char *o, const char *s)
{
	size_t n = strlen(s);

	memcpy(o, s, n);
	return o + n;
}

static char *
put_hdr(char *o, const struct cpim__hdr *h, int mime)
{
	if (!mime && *h->prefix) {
		o = put(o, h->prefix);
		*o++ = '.';
	}
	o = put(o, h->name);
	*o++ = ':';
	if (!mime)
		o = put(o, h->params);
	*o++ = ' ';
	o = put(o, h->value);
	*o++ = '\r';
	*o++ = '\n';
	return o;
}

static size_t
total_size(const cpim_msg *m, int outer)
{
	size_t n = m->clen + 4 + (outer ? sizeof outer_ct - 1 : 0), i;

	for (i = 0; i < m->nhdrs; i++)
		n += hdr_size(&m->hdrs[i], 0);
	for (i = 0; i < m->nmime; i++)
		n += hdr_size(&m->mime[i], 1);
	return n;
}

CPIM_API int
cpim_write(cpim_buf *out, const cpim_msg *m, const cpim_write_opts *opts)
{
	int outer = opts && (opts->flags & CPIM_WRITE_OUTER);
	size_t n, i;
	char *buf, *o;

	if (!out || !m || (opts && opts->version != CPIM_WRITE_OPTS_VERSION))
		return CPIM_INVALID;
	out->ptr = NULL;
	out->size = 0;
	if (!m->nhdrs || !m->nmime)
		return CPIM_INVALID;
	n = total_size(m, outer);
	if (!(buf = malloc(n + 1)))
		return CPIM_NOMEM;
	o = outer ? put(buf, outer_ct) : buf;
	for (i = 0; i < m->nhdrs; i++)
		o = put_hdr(o, &m->hdrs[i], 0);
	o = put(o, "\r\n");
	for (i = 0; i < m->nmime; i++)
		o = put_hdr(o, &m->mime[i], 1);
	o = put(o, "\r\n");
	if (m->clen)
		memcpy(o, m->content, m->clen);
	o += m->clen;
	*o = '\0';
	out->ptr = buf;
	out->size = (size_t)(o - buf);
	return 0;
}
