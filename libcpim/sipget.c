/* sipget.c - accessors of a parsed SIP request */
#include <string.h>

#include "sipmsg.h"

CPIM_API size_t
cpim_sip_length(const cpim_sip_msg *m)
{
	return m ? m->total : 0;
}

CPIM_API const char *
cpim_sip_method(const cpim_sip_msg *m)
{
	return m ? m->method : NULL;
}

CPIM_API const char *
cpim_sip_request_uri(const cpim_sip_msg *m)
{
	return m ? m->ruri : NULL;
}

CPIM_API size_t
cpim_sip_header_count(const cpim_sip_msg *m)
{
	return m ? m->nh : 0;
}

CPIM_API int
cpim_sip_header(cpim_header *out, const cpim_sip_msg *m, size_t i)
{
	if (!out || !m || i >= m->nh)
		return CPIM_NOTFOUND;
	memset(out, 0, sizeof *out);
	out->prefix = out->params = "";
	out->name = m->h[i].name;
	out->value = m->h[i].value;
	return 0;
}

static const char *
expand(const char *name)
{
	static const char *const compact[][2] = {
		{ "f", "From" }, { "t", "To" }, { "i", "Call-ID" },
		{ "c", "Content-Type" }, { "l", "Content-Length" },
		{ "m", "Contact" }, { "v", "Via" }, { "s", "Subject" },
		{ "k", "Supported" }, { "e", "Content-Encoding" },
		{ "o", "Event" }, { "r", "Refer-To" }, { "b", "Referred-By" },
		{ "u", "Allow-Events" }, { "x", "Session-Expires" },
		{ "a", "Accept-Contact" }, { "j", "Reject-Contact" },
		{ "d", "Request-Disposition" }, { "y", "Identity" },
		{ "n", "Identity-Info" },
	};
	size_t i;

	for (i = 0; i < sizeof compact / sizeof compact[0]; i++)
		if (cpim__strcaseeq(name, compact[i][0]))
			return compact[i][1];
	return name;
}

CPIM_API const char *
cpim_sip_find(const cpim_sip_msg *m, const char *name, size_t nth)
{
	size_t i;

	if (!m || !name)
		return NULL;
	name = expand(name);
	for (i = 0; i < m->nh; i++)
		if (cpim__strcaseeq(m->h[i].name, name) && !nth--)
			return m->h[i].value;
	return NULL;
}

CPIM_API int
cpim_sip_from(cpim_sip_addr *out, const cpim_sip_msg *m)
{
	if (!out || !m)
		return CPIM_INVALID;
	*out = m->from;
	return 0;
}

CPIM_API int
cpim_sip_to(cpim_sip_addr *out, const cpim_sip_msg *m)
{
	if (!out || !m)
		return CPIM_INVALID;
	*out = m->to;
	return 0;
}

CPIM_API size_t
cpim_sip_pai_count(const cpim_sip_msg *m)
{
	return m ? m->npai : 0;
}

CPIM_API int
cpim_sip_pai(cpim_sip_addr *out, const cpim_sip_msg *m, size_t i)
{
	if (!out || !m || i >= m->npai)
		return CPIM_NOTFOUND;
	*out = m->pai[i];
	return 0;
}

CPIM_API const char *
cpim_sip_call_id(const cpim_sip_msg *m)
{
	return m ? m->call_id : NULL;
}

CPIM_API int
cpim_sip_cseq(uint32_t *out, const cpim_sip_msg *m)
{
	if (!out || !m)
		return CPIM_INVALID;
	*out = m->cseq;
	return 0;
}

CPIM_API int
cpim_sip_date(int64_t *out, const cpim_sip_msg *m)
{
	if (!out || !m || !m->has_date)
		return CPIM_NOTFOUND;
	*out = m->date;
	return 0;
}

CPIM_API int
cpim_sip_expires(uint32_t *out, const cpim_sip_msg *m)
{
	if (!out || !m || !m->has_expires)
		return CPIM_NOTFOUND;
	*out = m->expires;
	return 0;
}

CPIM_API const char *
cpim_sip_content_type(const cpim_sip_msg *m)
{
	return m ? m->ctype : NULL;
}

CPIM_API int
cpim_type_is_cpim(const char *content_type)
{
	static const char cpim[] = "message/cpim";
	const size_t n = sizeof(cpim) - 1;
	const char *t = content_type;

	if (!t || strlen(t) < n || !cpim__caseeqn(t, cpim, n))
		return 0;
	return t[n] == '\0' || t[n] == ';' || t[n] == ' ' || t[n] == '\t';
}

CPIM_API void
cpim_sip_body(cpim_content *out, const cpim_sip_msg *m)
{
	if (!out)
		return;
	out->data = m ? m->body : NULL;
	out->len = m ? m->blen : 0;
	out->offset = m ? m->boff : SIZE_MAX;
}
