/* filter-combine.c - composing compiled filters: two filters in one, a
 * filter confined to one user's folder (and one conversation), and a term
 * built from values (the received time).  The trees are copied: a filter
 * is never turned back into text and parsed again. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "filter.h"

ims__fnode *
ims__fnode_copy(const ims__fnode *n)
{
	ims__fnode *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *n;
	c->a = c->b = NULL;
	c->text = NULL;
	if ((n->text && !(c->text = malloc(n->text_len + 1))) ||
	    (n->a && !(c->a = ims__fnode_copy(n->a))) ||
	    (n->b && !(c->b = ims__fnode_copy(n->b)))) {
		ims__fnode_free(c);
		return NULL;
	}
	if (n->text)
		memcpy(c->text, n->text, n->text_len + 1);
	return c;
}

/* A copy of f's tree; "*" for NULL. */
static ims__fnode *
tree_of(const ims_filter *f)
{
	return f && f->root ? ims__fnode_copy(f->root) : ims__fnode_new(IMS__F_ALL);
}

/* A filter around root (taken); its text is the tree's description, which
 * reads back as the same filter. */
static int
filter_of(ims_filter **out, ims__fnode *root)
{
	ims_filter *f;
	int need;

	if (!root)
		return ENOMEM;
	need = ims__filter_describe(NULL, 0, root);
	if (!(f = calloc(1, sizeof(*f))) || !(f->expr = malloc((size_t)need + 1))) {
		free(f);
		ims__fnode_free(root);
		return ENOMEM;
	}
	ims__filter_describe(f->expr, (size_t)need + 1, root);
	f->root = root;
	*out = f;
	return 0;
}

int
ims_filter_and(ims_filter **out, const ims_filter *a, const ims_filter *b)
{
	if (!out)
		return IMS_INVALID;
	*out = NULL;
	return filter_of(out, ims__fnode_join(IMS__F_AND, tree_of(a), tree_of(b)));
}

int
ims_filter_received(ims_filter **out, int64_t lo, int64_t hi)
{
	ims__fnode *t;

	if (!out)
		return IMS_INVALID;
	*out = NULL;
	if (lo == INT64_MIN && hi == INT64_MAX)
		return filter_of(out, ims__fnode_new(IMS__F_ALL));
	if (ims__range_check(lo, hi))
		return IMS_INVALID;
	if ((t = ims__fnode_new(IMS__F_TERM))) {
		t->term = IMS__T_RECEIVED;
		t->lo = lo;
		t->hi = hi;
	}
	return filter_of(out, t);
}

/* A term holding text (owner:, conversation:), or NULL. */
static ims__fnode *
text_term(ims__fterm term, const char *text)
{
	ims__fnode *n = ims__fnode_new(IMS__F_TERM);

	if (n) {
		n->term = term;
		n->text_len = strlen(text);
		if (!(n->text = strdup(text))) {
			free(n);
			return NULL;
		}
	}
	return n;
}

/* What conversation:"..." accepts: 1 to IMS_CONV_MAX bytes, no control
 * character. */
static int
conv_ok(const char *conv)
{
	size_t n = strlen(conv);

	if (n == 0 || n > IMS_CONV_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)conv[i] < 0x20 || conv[i] == 0x7f)
			return 0;
	return 1;
}

int
ims_filter_scope(ims_filter **out, const ims_filter *f, const char *owner,
                 ims_folder folder, const char *conversation)
{
	char canon[IMS_ADDR_MAX + 1];
	ims__fnode *t, *fold;

	if (!out)
		return IMS_INVALID;
	*out = NULL;
	if (!owner || ims_addr_canon(canon, sizeof(canon), owner) ||
	    (folder != IMS_FOLDER_DEFERRED && folder != IMS_FOLDER_HISTORY) ||
	    (conversation && !conv_ok(conversation)))
		return IMS_INVALID;
	if ((fold = ims__fnode_new(IMS__F_TERM))) {
		fold->term = IMS__T_FOLDER;
		fold->ival = (int)folder;
	}
	t = ims__fnode_join(IMS__F_AND, text_term(IMS__T_OWNER, canon), fold);
	if (conversation)
		t = ims__fnode_join(IMS__F_AND, t, text_term(IMS__T_CONV, conversation));
	return filter_of(out, ims__fnode_join(IMS__F_AND, t, tree_of(f)));
}
