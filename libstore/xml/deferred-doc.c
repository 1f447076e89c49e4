/* deferred-doc.c - the deferred-list document (what a user browses before
 * retrieving), the URI-lists that name Message-IDs (RFC 4826), and what a
 * registration calls for. */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define DL_NS "urn:oma:xml:im:deferred-list"
#define RL_NS "urn:ietf:params:xml:ns:resource-lists"
#define URILIST_MAX 10000
#define X(s) ((const xmlChar *)(s))

static void
entry(ims__xb *b, const char *name, const ims_addr *a)
{
	ims__xb_str(b, "    <");
	ims__xb_str(b, name);
	ims__xb_str(b, ">\n");
	ims__xb_elem(b, "      ", "display-name", a->name);
	ims__xb_elem(b, "      ", "uri", a->uri);
	ims__xb_str(b, "    </");
	ims__xb_str(b, name);
	ims__xb_str(b, ">\n");
}

static void
dl_message(ims__xb *b, const ims_msg *m)
{
	char size[24];

	ims__xb_str(b, "  <message>\n");
	ims__xb_elem(b, "    ", "reference", m->message_id);
	entry(b, "from", &m->from);
	for (size_t i = 0; i < m->nto; i++)
		entry(b, "to", &m->to[i]);
	ims__xb_elem(b, "    ", "subject", m->subject);
	ims__xb_time(b, "    ", "date", m->received);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)m->size);
	ims__xb_elem(b, "    ", "size", size);
	ims__xb_elem(b, "    ", "content-type",
	             m->content_type ? m->content_type : "text/plain");
	ims__xb_time(b, "    ", "expiry", m->expires);
	ims__xb_str(b, "  </message>\n");
}

static int
dl_write(char **out, size_t *out_len, size_t *count, ims_query *q, size_t max)
{
	ims__xb b = { NULL, 0, 0, 0 };
	const ims_msg *m;
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!q)
		return IMS_INVALID;
	ims__xb_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	            "<deferred-list xmlns=\"" DL_NS "\">\n");
	while ((!max || n < max) && (rc = ims_query_next(&m, q)) == 0) {
		dl_message(&b, m);
		n++;
	}
	if (rc != 0 && rc != IMS_ITEROVER && (!max || n < max)) {
		free(b.buf);
		return rc;
	}
	ims__xb_str(&b, "</deferred-list>\n");
	if (count)
		*count = n;
	return ims__xb_finish(out, out_len, &b);
}

int
ims_deferred_list_xml(char **out, size_t *out_len, ims_query *q, size_t max)
{
	return dl_write(out, out_len, NULL, q, max);
}

/* ---------------------------------------------------------------- URI-list */

void
ims_strings_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static int
rl_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns &&
	       xmlStrEqual(n->ns->href, X(RL_NS)) && xmlStrEqual(n->name, X(name));
}

static int
collect(char ***v, size_t *n, const xmlNode *list)
{
	for (const xmlNode *c = list->children; c; c = c->next) {
		xmlChar *uri;
		char **nv;
		if (rl_elem(c, "list")) {
			int rc = collect(v, n, c);
			if (rc)
				return rc;
			continue;
		}
		if (!rl_elem(c, "entry"))
			continue;
		if (*n >= URILIST_MAX)
			return IMS_TOOBIG;
		if (!(uri = xmlGetNoNsProp(c, X("uri"))))
			return IMS_INVALID;
		if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))) ||
		    !(nv[*n] = strdup((const char *)uri))) {
			if (nv)
				*v = nv;
			xmlFree(uri);
			return ENOMEM;
		}
		xmlFree(uri);
		*v = nv;
		(*n)++;
	}
	return 0;
}

int
ims_urilist_parse(char ***out, size_t *n, const void *xml, size_t len,
                  ims_errinfo *err)
{
	xmlDoc *doc;
	xmlNode *root;
	char **v = NULL;
	size_t count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (err)
		memset(err, 0, sizeof(*err));
	if (!xml)
		return IMS_INVALID;
	if ((rc = ims__xml_read(&doc, xml, len, err)))
		return rc;
	root = xmlDocGetRootElement(doc);
	if (!root || !rl_elem(root, "resource-lists"))
		rc = IMS_INVALID;
	for (xmlNode *c = root ? root->children : NULL; c && rc == 0; c = c->next)
		if (rl_elem(c, "list"))
			rc = collect(&v, &count, c);
	xmlFreeDoc(doc);
	if (rc) {
		if (err && !err->message[0])
			snprintf(err->message, sizeof(err->message), "%s",
			         rc == IMS_TOOBIG ? "more than 10000 entries"
			         : rc == ENOMEM ? "out of memory"
			         : "not a resource-lists document (RFC 4826) with entry uri attributes");
		ims_strings_free(v, count);
		return rc;
	}
	*out = v;
	*n = count;
	return 0;
}

/* ---------------------------------------------------------------- register */

void
ims_register_clear(ims_register *r)
{
	if (!r)
		return;
	ims_lease_free(r->lease);
	free(r->summary);
	memset(r, 0, sizeof(*r));
}

int
ims_deferred_on_register(ims_register *out, ims_store *st, const char *user,
                         int64_t duration)
{
	ims_settings s;
	ims_query *q;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ims_settings_get(&s, st, user)))
		return rc;
	if (s.offline_push) {
		if ((rc = ims_deferred_lease(&out->lease, st, user, NULL, 0, duration)))
			return rc;
		out->waiting = ims_lease_count(out->lease);
		out->action = out->waiting ? IMS_REGISTER_PUSH : IMS_REGISTER_NOTHING;
		if (!out->waiting)
			ims_register_clear(out);
		return 0;
	}
	if ((rc = ims_deferred_query(&q, st, user, NULL, NULL)))
		return rc;
	{
		size_t n = 0;
		rc = dl_write(&out->summary, &out->summary_len, &n, q, 0);
		out->waiting = n;
	}
	ims_query_free(q);
	if (rc == 0 && out->waiting)
		out->action = IMS_REGISTER_NOTIFY;
	else
		ims_register_clear(out);
	return rc;
}
