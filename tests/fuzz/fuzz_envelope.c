/* fuzz_envelope.c - the envelope a stored message is delivered in
 * (libstore/msg/envelope.c), on hostile stored bytes and hostile record
 * fields.  The first byte chooses:
 *
 *   even: the input is a payload stored whole (message/cpim): where the
 *     CPIM headers start (ims__cpim_start) lies inside it, and what is cut
 *     off before it is an outer block: the rest parses as the same message,
 *     without an outer block;
 *   odd: the input is lines of record fields (From URI, From name, To,
 *     subject, Message-ID, a kept header's name and value, Privacy, the
 *     content type) then the body: an envelope written from them parses
 *     strictly, with the body and content type unchanged, and a private
 *     sender's asserted identity never appears in it.
 * Seeds: tests/fuzz/corpus/envelope/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpim.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 9

static cpim_msg *
parse(const void *p, size_t n, unsigned flags)
{
	cpim_parse_opts po = CPIM_PARSE_OPTS_INIT;
	cpim_msg *m = NULL;

	po.flags = flags;
	po.max_size = n + 1;
	return cpim_parse(&m, p, n, &po, NULL) == 0 ? m : NULL;
}

static void
whole(const uint8_t *data, size_t size)
{
	size_t at = ims__cpim_start(data, size);
	cpim_msg *a, *b;

	if (at > size)
		abort();
	if (at == 0)
		return;
	a = parse(data, size, 0);
	b = parse(data + at, size - at, 0);
	if (!a || !b || !cpim_msg_has_outer(a) || !cpim_msg_equal(a, b))
		abort();
	cpim_msg_free(a);
	cpim_msg_free(b);
}

/* The fields, NUL-terminated in a copy; NULL for an empty one. */
static void
built(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *f[NFIELDS], *p;
	ims_msg m = IMS_MSG_INIT;
	ims_addr to;
	ims_header h[2];
	cpim_write_opts wo = CPIM_WRITE_OPTS_INIT;
	cpim_buf out = { NULL, 0 };
	cpim_msg *cm = NULL, *back;
	cpim_content c;
	size_t blen;

	if (!copy)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	for (int i = 0; i < NFIELDS; i++) {
		char *nl = memchr(p, '\n', size - (size_t)(p - copy));
		f[i] = p;
		if (!nl) {
			free(copy);
			return;
		}
		*nl = '\0';
		p = nl + 1;
		if (!*f[i])
			f[i] = NULL;
	}
	blen = size - (size_t)(p - copy);
	m.owner = "sip:bob@example.com";
	m.from.uri = f[0];
	m.from.name = f[1];
	to.uri = f[2];
	to.name = NULL;
	m.to = f[2] ? &to : NULL;
	m.nto = f[2] ? 1 : 0;
	m.subject = f[3];
	m.message_id = f[4];
	h[0].name = f[5] ? f[5] : "X";
	h[0].value = f[6] ? f[6] : "";
	h[1].name = "Privacy";
	h[1].value = f[7] ? f[7] : "none";
	m.headers = h;
	m.nheaders = 2;
	m.content_type = f[8];
	m.received = INT64_C(1709294400000000);
	if (ims__msg_is_cpim(&m) || ims__msg_cpim_build(&cm, &m, p, blen)) {
		free(copy);
		return;
	}
	if (cpim_write(&out, cm, &wo) || !(back = parse(out.ptr, out.size, CPIM_PARSE_STRICT)))
		abort();
	cpim_msg_content(&c, back);
	if (c.len != blen || memcmp(c.data, p, blen) ||
	    strcmp(cpim_msg_content_type(back), f[8] ? f[8] : "text/plain"))
		abort();
	/* a private sender: the asserted identity stays out */
	if (f[7] && strstr(f[7], "id") && f[0] && strlen(f[0]) > 8 &&
	    strncmp(f[0], "sip:", 4) == 0 && strchr(f[0], '@') &&
	    !strstr("sip:anonymous@anonymous.invalid", f[0]) &&
	    memmem(out.ptr, out.size - blen, f[0], strlen(f[0])) &&
	    !(f[2] && strstr(f[2], f[0])) && !(f[3] && strstr(f[3], f[0])) &&
	    !(f[4] && strstr(f[4], f[0])) && !(f[6] && strstr(f[6], f[0])) &&
	    !(f[5] && strstr(f[5], f[0])) && !strstr(f[7], f[0]) &&
	    !(f[8] && strstr(f[8], f[0])))
		abort();
	cpim_msg_free(back);
	cpim_buf_free(&out);
	cpim_msg_free(cm);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || size > (1u << 20))
		return 0;
	if (data[0] % 2 == 0)
		whole(data + 1, size - 1);
	else
		built(data + 1, size - 1);
	return 0;
}
