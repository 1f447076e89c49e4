/* convset.c - the (owner, conversation) pairs an export meets, in the order
 * first met, with their message counts. */
#include <stdlib.h>
#include <string.h>

#include "convset.h"

static uint64_t
hash(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ull;

	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ull;
	return h;
}

static int
grow(convset *s)
{
	size_t cap = s->slots_cap ? s->slots_cap * 2 : 256;
	size_t *slots = malloc(cap * sizeof(*slots));

	if (!slots)
		return ENOMEM;
	for (size_t i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (size_t i = 0; i < s->n; i++) {
		size_t j = (size_t)hash(s->v[i].owner, s->v[i].conv) & (cap - 1);
		while (slots[j] != SIZE_MAX)
			j = (j + 1) & (cap - 1);
		slots[j] = i;
	}
	free(s->slots);
	s->slots = slots;
	s->slots_cap = cap;
	return 0;
}

int
convset_add(convset *s, const char *owner, const char *conv)
{
	size_t j;

	if (2 * (s->n + 1) > s->slots_cap && grow(s))
		return ENOMEM;
	j = (size_t)hash(owner, conv) & (s->slots_cap - 1);
	for (; s->slots[j] != SIZE_MAX; j = (j + 1) & (s->slots_cap - 1)) {
		convset_item *it = &s->v[s->slots[j]];
		if (strcmp(it->owner, owner) == 0 && strcmp(it->conv, conv) == 0) {
			it->count++;
			return 0;
		}
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		convset_item *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n].owner = strdup(owner)) || !(s->v[s->n].conv = strdup(conv))) {
		free(s->v[s->n].owner);
		return ENOMEM;
	}
	s->v[s->n].count = 1;
	s->slots[j] = s->n++;
	return 0;
}

void
convset_free(convset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].owner);
		free(s->v[i].conv);
	}
	free(s->v);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
