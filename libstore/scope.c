/* scope.c - confining a filter to one user's folder: the user functions
 * never see another user's messages. */
#include <stdio.h>
#include <stdlib.h>

#include "filter.h"
#include "internal.h"

/* owner:"USER" folder:FOLDER and (EXPR), USER canonical. */
int
ims__filter_scope(ims_filter **out, const char *canon, ims_folder folder,
                  const ims_filter *f)
{
	const char *expr = f && f->expr ? f->expr : "";
	size_t cap = 2 * strlen(canon) + strlen(expr) + 64, n;
	char *text = malloc(cap), *p;
	int rc;

	*out = NULL;
	if (!text)
		return ENOMEM;
	p = text + snprintf(text, cap, "owner:\"");
	for (const char *s = canon; *s; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	n = (size_t)(p - text);
	snprintf(p, cap - n, "\" folder:%s%s%s%s", ims_folder_name(folder),
	         *expr ? " and (" : "", expr, *expr ? ")" : "");
	rc = ims_filter_parse(out, text, IMS_TIME_NONE, NULL);
	free(text);
	return rc == IMS_SYNTAX ? IMS_INVALID : rc;
}
