/* settings-doc.c - the IM service settings document a client PUBLISHes
 * (Event: poc-settings, OMA IM 004 §5.2.4), schemas/im-service-settings.xsd:
 *
 *   <im-settings xmlns="urn:oma:xml:im:service-settings">
 *     <deferred-settings><offline-delivery active="true"/></deferred-settings>
 *     <history-settings><session-mode active="false"/>
 *                       <pager-mode active="true"/></history-settings>
 *     <barring-settings><incoming-session active="false"/>
 *                       <incoming-pager active="false"/></barring-settings>
 *     <invisibility active="false"/>
 *   </im-settings>
 */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define NS "urn:oma:xml:im:service-settings"
#define X(s) ((const xmlChar *)(s))

/* The leaves: a group element (or NULL at top level), a leaf, a field. */
typedef struct leaf {
	const char *group, *name;
	size_t off;
} leaf;

static const leaf leaves[] = {
	{ "deferred-settings", "offline-delivery", offsetof(ims_settings, offline_push) },
	{ "history-settings", "session-mode", offsetof(ims_settings, history_session) },
	{ "history-settings", "pager-mode", offsetof(ims_settings, history_pager) },
	{ "barring-settings", "incoming-session", offsetof(ims_settings, bar_session) },
	{ "barring-settings", "incoming-pager", offsetof(ims_settings, bar_pager) },
	{ NULL, "invisibility", offsetof(ims_settings, invisible) },
};
#define NLEAVES (sizeof(leaves) / sizeof(*leaves))

static int
ours(const xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE && n->ns &&
	       xmlStrEqual(n->ns->href, X(NS));
}

/* "<before>'<subject>'<after>" */
static int
fail(ims_errinfo *err, const char *before, const char *subject, const char *after)
{
	if (err) {
		err->code = IMS_INVALID;
		snprintf(err->message, sizeof(err->message), "%s'%s'%s", before,
		         subject, after);
	}
	return IMS_INVALID;
}

static int
set_leaf(ims_settings *s, const leaf *l, const xmlNode *n, ims_errinfo *err)
{
	xmlChar *v = xmlGetNoNsProp(n, X("active"));
	int rc = 0, *field = (int *)(void *)((char *)s + l->off);

	if (!v)
		return fail(err, "element ", l->name, " needs an 'active' attribute");
	if (xmlStrEqual(v, X("true")) || xmlStrEqual(v, X("1")))
		*field = 1;
	else if (xmlStrEqual(v, X("false")) || xmlStrEqual(v, X("0")))
		*field = 0;
	else
		rc = fail(err, "'active' of ", l->name, " is not true or false");
	xmlFree(v);
	return rc;
}

static const leaf *
find_leaf(const char *group, const xmlNode *n)
{
	for (size_t i = 0; i < NLEAVES; i++)
		if (((!group && !leaves[i].group) ||
		     (group && leaves[i].group && strcmp(group, leaves[i].group) == 0)) &&
		    xmlStrEqual(n->name, X(leaves[i].name)))
			return &leaves[i];
	return NULL;
}

static int
is_group(const xmlNode *n)
{
	for (size_t i = 0; i < NLEAVES; i++)
		if (leaves[i].group && xmlStrEqual(n->name, X(leaves[i].group)))
			return 1;
	return 0;
}

/* Elements of our namespace must be known; others are ignored. */
static int
walk(ims_settings *s, const char *group, const xmlNode *n, ims_errinfo *err)
{
	int rc = 0;

	for (; n && rc == 0; n = n->next) {
		const leaf *l;
		if (!ours(n))
			continue;
		if ((l = find_leaf(group, n)))
			rc = set_leaf(s, l, n, err);
		else if (!group && is_group(n))
			rc = walk(s, (const char *)n->name, n->children, err);
		else
			rc = fail(err, "unknown element ", (const char *)n->name,
			          " in the settings document");
	}
	return rc;
}

int
ims_settings_parse(ims_settings *out, const void *xml, size_t len,
                   ims_errinfo *err)
{
	ims_settings s;
	xmlDoc *doc;
	xmlNode *root;
	int rc;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!out || !xml)
		return IMS_INVALID;
	if ((rc = ims__xml_read(&doc, xml, len, err)))
		return rc;
	s = *out;
	root = xmlDocGetRootElement(doc);
	if (!root || !ours(root) || !xmlStrEqual(root->name, X("im-settings")))
		rc = fail(err, "the root element is not im-settings in ", NS, "");
	else
		rc = walk(&s, NULL, root->children, err);
	xmlFreeDoc(doc);
	if (rc == 0)
		*out = s;
	return rc;
}

int
ims_settings_write(char **out, size_t *out_len, const ims_settings *s)
{
	const char *tf[2] = { "false", "true" };
	char *buf;
	int n;

	*out = NULL;
	if (!s)
		return IMS_INVALID;
	n = asprintf(&buf,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<im-settings xmlns=\"" NS "\">\n"
	    "  <deferred-settings>\n"
	    "    <offline-delivery active=\"%s\"/>\n"
	    "  </deferred-settings>\n"
	    "  <history-settings>\n"
	    "    <session-mode active=\"%s\"/>\n"
	    "    <pager-mode active=\"%s\"/>\n"
	    "  </history-settings>\n"
	    "  <barring-settings>\n"
	    "    <incoming-session active=\"%s\"/>\n"
	    "    <incoming-pager active=\"%s\"/>\n"
	    "  </barring-settings>\n"
	    "  <invisibility active=\"%s\"/>\n"
	    "</im-settings>\n",
	    tf[!!s->offline_push], tf[!!s->history_session], tf[!!s->history_pager],
	    tf[!!s->bar_session], tf[!!s->bar_pager], tf[!!s->invisible]);
	if (n < 0)
		return ENOMEM;
	*out = buf;
	if (out_len)
		*out_len = (size_t)n;
	return 0;
}
