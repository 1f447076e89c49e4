/* pairset.c - a set of string pairs (or of strings) in the order first met,
 * each with the number of times it was met: the conversations of a user's
 * history (oma/history-list.c), the (owner, conversation) pairs an export
 * meets (exchange/export.c).  Open addressing over FNV-1a. */
#include <stdlib.h>

#include "internal.h"

static uint64_t
hash(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ull;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (; b && *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ull;
	return h;
}

static int
same(const ims__pair *p, const char *a, const char *b)
{
	return strcmp(p->a, a) == 0 &&
	       (b ? p->b && strcmp(p->b, b) == 0 : p->b == NULL);
}

static int
grow(ims__pairset *s)
{
	size_t cap = s->slots_cap ? s->slots_cap * 2 : 256;
	size_t *slots = malloc(cap * sizeof(*slots));

	if (!slots)
		return ENOMEM;
	for (size_t i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (size_t i = 0; i < s->n; i++) {
		size_t j = (size_t)hash(s->v[i].a, s->v[i].b) & (cap - 1);
		while (slots[j] != SIZE_MAX)
			j = (j + 1) & (cap - 1);
		slots[j] = i;
	}
	free(s->slots);
	s->slots = slots;
	s->slots_cap = cap;
	return 0;
}

/* A new pair at the end of v: 0 or ENOMEM. */
static int
append(ims__pairset *s, const char *a, const char *b)
{
	ims__pair *p;

	if (ims__grow(&s->v, &s->cap, s->n, sizeof(*s->v), 64))
		return ENOMEM;
	p = &s->v[s->n];
	p->b = NULL;
	if (!(p->a = strdup(a)) || (b && !(p->b = strdup(b)))) {
		free(p->a);
		return ENOMEM;
	}
	p->count = 1;
	s->n++;
	return 0;
}

int
ims__pairset_add(size_t *index, ims__pairset *s, const char *a, const char *b)
{
	size_t j;
	int rc;

	if (2 * (s->n + 1) > s->slots_cap && grow(s))
		return ENOMEM;
	j = (size_t)hash(a, b) & (s->slots_cap - 1);
	for (; s->slots[j] != SIZE_MAX; j = (j + 1) & (s->slots_cap - 1)) {
		if (same(&s->v[s->slots[j]], a, b)) {
			*index = s->slots[j];
			s->v[*index].count++;
			return 0;
		}
	}
	if ((rc = append(s, a, b)))
		return rc;
	*index = s->slots[j] = s->n - 1;
	return 0;
}

void
ims__pairset_free(ims__pairset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].a);
		free(s->v[i].b);
	}
	free(s->v);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
