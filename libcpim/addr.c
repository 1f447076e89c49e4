/* addr.c - cpim_addr_parse(): one address as an option or a header gives it */
#include <stdlib.h>
#include <string.h>

#include "msg.h"

/* name and uri copied into one buffer: "name\0uri\0" */
static int
addr_copy(cpim_addr *out, cpim_buf *mem, const char *name, const char *uri)
{
	size_t nl = name ? strlen(name) + 1 : 0, ul = strlen(uri) + 1;
	char *p = malloc(nl + ul);

	if (!p)
		return CPIM_NOMEM;
	if (name)
		memcpy(p, name, nl);
	memcpy(p + nl, uri, ul);
	mem->ptr = p;
	mem->size = nl + ul - 1;
	out->name = name ? p : NULL;
	out->uri = p + nl;
	return 0;
}

/* a bare URI (no '<'): URI characters only, at least one */
static int
bare_uri(const char *text, size_t len, struct cpim__verr *ve)
{
	size_t k = cpim__uri_span(text, len);

	if (len == 0)
		return cpim__verr(ve, 0, "empty address");
	if (k != len)
		return cpim__verr(ve, k, "unexpected character in uri");
	return 0;
}

CPIM_API int
cpim_addr_parse(cpim_addr *out, cpim_buf *mem, const char *text,
    unsigned flags, cpim_error *err)
{
	struct cpim__verr ve = { 0, NULL };
	cpim__arena a = { NULL };
	const char *name = NULL, *uri = text;
	size_t len, i;
	int rc;

	if (!out || !mem || !text)
		return cpim__err(err, CPIM_INVALID, "no address given");
	mem->ptr = NULL;
	mem->size = 0;
	len = strlen(text);
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) {
			rc = cpim__verr(&ve, i, "control character in address");
			goto fail;
		}
	if (!strchr(text, '<'))
		rc = bare_uri(text, len, &ve);
	else
		rc = cpim__parse_addr(&a, text, len, flags & CPIM_PARSE_STRICT,
		    &name, &uri, &ve);
	if (rc)
		goto fail;
	rc = addr_copy(out, mem, name, uri);
	cpim__arena_free(&a);
	return rc ? cpim__err(err, rc, "out of memory") : 0;
fail:
	cpim__arena_free(&a);
	cpim__err_at(err, rc, 0, (unsigned)ve.pos + 1, ve.pos, "%s at byte %zu",
	    ve.what, ve.pos + 1);
	return rc;
}
