/* scope.c - confining a filter to one user's folder: the user functions
 * never see another user's messages. */
#include <stdio.h>
#include <stdlib.h>

#include "filter.h"
#include "internal.h"

/* owner:"USER" folder:FOLDER and (EXTRA) and (EXPR), USER canonical. */
int
ims__filter_scope(ims_filter **out, const char *canon, ims_folder folder,
                  const char *extra, const ims_filter *f)
{
	const char *expr = f && f->expr ? f->expr : "";
	size_t cap, n;
	char *text, *p;
	int rc;

	*out = NULL;
	extra = extra ? extra : "";
	cap = 2 * strlen(canon) + strlen(extra) + strlen(expr) + 64;
	if (!(text = malloc(cap)))
		return ENOMEM;
	p = text + snprintf(text, cap, "owner:\"");
	for (const char *s = canon; *s; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	n = (size_t)(p - text);
	snprintf(p, cap - n, "\" folder:%s%s%s%s%s%s%s", ims_folder_name(folder),
	         *extra ? " and (" : "", extra, *extra ? ")" : "",
	         *expr ? " and (" : "", expr, *expr ? ")" : "");
	rc = ims_filter_parse(out, text, IMS_TIME_NONE, NULL);
	free(text);
	return rc == IMS_SYNTAX ? IMS_INVALID : rc;
}
