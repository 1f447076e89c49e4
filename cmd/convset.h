/* convset.h - a set of (owner, conversation) pairs in insertion order */
#ifndef IMS_CONVSET_H
#define IMS_CONVSET_H
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

typedef struct convset_item {
	char *owner, *conv;
	uint64_t count;          /* messages met */
} convset_item;

typedef struct convset {
	convset_item *v;
	size_t n, cap;
	size_t *slots;           /* open addressing: index into v, or SIZE_MAX */
	size_t slots_cap;
} convset;

/* Add a pair, or count one more message of it: 0 or ENOMEM. */
int convset_add(convset *s, const char *owner, const char *conv);
void convset_free(convset *s);
#endif
