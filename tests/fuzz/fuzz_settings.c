/* fuzz_settings.c - the IM service settings document reader
 * (ims_settings_parse, libstore/xml/settings-doc.c, through libstore/xml/reader.c).
 *
 * Invariants: a refused document leaves the settings as they were and says
 * why (IMS_INVALID, a message); a document over 64 KiB, not in UTF-8 or with
 * a markup declaration is never accepted; an accepted one gives the same
 * settings whatever they started from, for the elements it sets, and what
 * ims_settings_write() makes of them reads back to the same settings.
 * Seeds: tests/fuzz/corpus/settings/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imstore.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_markup_decl(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++)
		if (p[i] == '<' && p[i + 1] == '!' && p[i + 2] != '-' && p[i + 2] != '[')
			return 1;
	return 0;
}

static void
check_refusal(const ims_settings *before, const ims_settings *after, int rc,
              const ims_errinfo *e)
{
	if (rc != IMS_INVALID || e->code != IMS_INVALID || !e->message[0] ||
	    !memchr(e->message, '\0', sizeof(e->message)) ||
	    memcmp(before, after, sizeof(*before)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ims_settings a = IMS_SETTINGS_INIT, b = { IMS_SETTINGS_VERSION, 0, 1, 1, 1, 1, 1 };
	ims_settings a0 = a, b0 = b, c = IMS_SETTINGS_INIT;
	ims_errinfo e;
	char why[160], *xml;
	size_t len;
	int rc = ims_settings_parse(&a, data, size, &e), rc2;

	if (rc) {
		check_refusal(&a0, &a, rc, &e);
		return 0;
	}
	if (size > 65536 || has_markup_decl(data, size) ||
	    ims__xml_utf8_only(data, size, why, sizeof(why)))
		abort();
	/* from the opposite start, only the fields the document sets agree */
	rc2 = ims_settings_parse(&b, data, size, &e);
	if (rc2 != 0 || a.version != IMS_SETTINGS_VERSION || b.version != IMS_SETTINGS_VERSION)
		abort();
	for (int *pa = &a.offline_push, *pb = &b.offline_push, *p0 = &a0.offline_push,
	     *q0 = &b0.offline_push; pa <= &a.invisible; pa++, pb++, p0++, q0++)
		if ((*pa != 0 && *pa != 1) || (*pb != 0 && *pb != 1) ||
		    (*pa != *pb && (*pa != *p0 || *pb != *q0)))
			abort();
	if (ims_settings_write(&xml, &len, &a) || strlen(xml) != len ||
	    ims_settings_parse(&c, xml, len, &e) || memcmp(&a, &c, sizeof(a)) != 0)
		abort();
	free(xml);
	return 0;
}
