/* test_record.c - the record codec: round trip and corruption detection. */
#include <stdlib.h>

#include "internal.h"
#include "tap.h"

static const ims_addr to[] = {
	{ "sip:bob@example.com", "Bob" },
	{ "tel:+12125550100", NULL },
};
static const ims_addr cc[] = { { "sip:carol@example.com", "Carol \xc3\xa9" } };
static const ims_header hdrs[] = {
	{ "P-Asserted-Identity", "<sip:alice@example.com>" },
	{ "Call-ID", "a84b4c76e66710@pc33.example.com" },
};

static ims_msg
sample(void)
{
	ims_msg m = IMS_MSG_INIT;

	m.folder = IMS_FOLDER_HISTORY;
	m.mode = IMS_MODE_SESSION;
	m.state = IMS_STATE_DELIVERED;
	m.flags = IMS_MSGF_HELD;
	m.owner = "sip:alice@example.com";
	m.from.uri = "sip:alice@example.com";
	m.from.name = "Alice";
	m.to = to;
	m.nto = 2;
	m.cc = cc;
	m.ncc = 1;
	m.message_id = "34x8hs3d";
	m.conversation = "conv-1";
	m.received = 1767225600123456LL;
	m.sent = 1767225599000000LL;
	m.sent_text = "2026-01-01T00:59:59+01:00";
	m.expires = IMS_TIME_NONE;
	m.delivered = -5;
	m.content_type = "text/plain; charset=utf-8";
	m.subject = NULL;
	m.size = 1234;
	m.headers = hdrs;
	m.nheaders = 2;
	return m;
}

static void
test_round_trip(void)
{
	ims_msg m = sample(), d;
	ims__recx x = { 7, 8, 9, 0xdeadbeef, 3, 999, 42 }, dx;
	ims__decbuf db = { 0 };
	size_t len = ims__rec_size(&m);
	unsigned char *buf = malloc(len);
	ims_id id = { { 1, 2, 3 } };

	ims__rec_encode(buf, len, &m, &x);
	is_int(ims__rec_decode(&d, &dx, &db, &id, buf, len), 0, "decode");
	ok(memcmp(d.id.b, id.b, 16) == 0, "id from key");
	is_int(d.folder, IMS_FOLDER_HISTORY, "folder");
	is_int(d.mode, IMS_MODE_SESSION, "mode");
	is_int(d.state, IMS_STATE_DELIVERED, "state");
	is_int(d.flags, IMS_MSGF_HELD, "flags");
	is_str(d.owner, m.owner, "owner");
	is_str(d.from.name, "Alice", "from name");
	is_int(d.nto, 2, "nto");
	is_str(d.to[1].uri, "tel:+12125550100", "to[1]");
	ok(d.to[1].name == NULL, "absent name stays absent");
	is_str(d.cc[0].name, "Carol \xc3\xa9", "cc name utf-8");
	is_str(d.message_id, "34x8hs3d", "message id");
	is_str(d.conversation, "conv-1", "conversation");
	is_int(d.received, m.received, "received");
	is_int(d.sent, m.sent, "sent");
	is_str(d.sent_text, m.sent_text, "sent text");
	is_int(d.expires, IMS_TIME_NONE, "expires none");
	is_int(d.delivered, -5, "negative time");
	ok(d.subject == NULL, "no subject");
	is_int(d.size, 1234, "size");
	is_int(d.nheaders, 2, "headers");
	is_str(d.headers[1].value, hdrs[1].value, "header value");
	is_int(dx.owner_atom, 7, "owner atom");
	is_int(dx.conv_atom, 9, "conv atom");
	is_int(dx.raw_crc, 0xdeadbeef, "raw crc");
	is_int(dx.nchunks, 3, "chunks");
	is_int(dx.stored, 999, "stored");
	is_int(dx.lease_until, 42, "lease");

	ims__rec_patch(buf, len, IMS_STATE_FAILED, 0, 77, 88);
	is_int(ims__rec_decode(&d, &dx, &db, &id, buf, len), 0, "patched decodes");
	is_int(d.state, IMS_STATE_FAILED, "patched state");
	is_int(d.delivered, 77, "patched delivered");
	is_int(dx.lease_until, 88, "patched lease");
	ims__decbuf_free(&db);
	free(buf);
}

/* Every single-byte change anywhere in a record is detected. */
static void
test_flips(void)
{
	ims_msg m = sample(), d;
	ims__recx x = { 7, 8, 9, 1, 1, 10, 0 }, dx;
	ims__decbuf db = { 0 };
	size_t len = ims__rec_size(&m), missed = 0, trunc = 0;
	unsigned char *buf = malloc(len);
	ims_id id = { { 0 } };

	ims__rec_encode(buf, len, &m, &x);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (unsigned char)(1 << bit);
			if (ims__rec_decode(&d, &dx, &db, &id, buf, len) != IMS_CORRUPT)
				missed++;
			buf[i] ^= (unsigned char)(1 << bit);
		}
		buf[i] ^= 0xff;
		if (ims__rec_decode(&d, &dx, &db, &id, buf, len) != IMS_CORRUPT)
			missed++;
		buf[i] ^= 0xff;
	}
	is_int(missed, 0, "all %zu bit flips and byte inversions detected", len * 9);
	for (size_t n = 0; n < len; n++)
		if (ims__rec_decode(&d, &dx, &db, &id, buf, n) != IMS_CORRUPT)
			trunc++;
	is_int(trunc, 0, "every truncation detected");
	is_int(ims__rec_decode(&d, &dx, &db, &id, buf, len), 0, "intact still decodes");
	ims__decbuf_free(&db);
	free(buf);
}

/* CRC-32C: the check value of the standard, the instruction and the table
 * agree on every length and alignment, and chaining equals one pass. */
static void
test_crc32c(void)
{
	unsigned char buf[1100];
	int same = 1, chained = 1;

	is_int((int64_t)ims__crc32c(0, "123456789", 9), 0xe3069283, "check value");
	is_int((int64_t)ims__crc32c_sw(0, "123456789", 9), 0xe3069283, "table check value");
	is_int((int64_t)ims__crc32c(0, "", 0), 0, "empty");
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)rand();
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n += 1 + n / 7) {
			uint32_t a = ims__crc32c(0, buf + off, n);
			if (a != ims__crc32c_sw(0, buf + off, n))
				same = 0;
			if (a != ims__crc32c(ims__crc32c(0, buf + off, n / 3), buf + off + n / 3,
			                     n - n / 3))
				chained = 0;
		}
	ok(same, "instruction and table agree");
	ok(chained, "chained equals one pass");
}

int
main(void)
{
	test_crc32c();
	test_round_trip();
	test_flips();
	return done_testing();
}
