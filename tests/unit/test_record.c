/* test_record.c - the record codec: round trip and corruption detection. */
#include <stdlib.h>
#include <string.h>

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

/* version: 2 (written) or 1 (stores of earlier builds) */
static size_t
encode(unsigned char **out, int version, const ims_msg *m, const ims__recx *x)
{
	size_t len = version == 1 ? ims__rec1_size(m) : ims__rec_size(m, x);

	*out = malloc(len);
	if (version == 1)
		ims__rec1_encode(*out, len, m, x);
	else
		ims__rec_encode(*out, len, m, x);
	return len;
}

static void
test_round_trip(int version)
{
	ims_msg m = sample(), d;
	ims__recx x = { 7, 8, 9, 0xdeadbeef, 3, 999, 42 }, dx;
	ims__decbuf db = { 0 };
	unsigned char *buf, *p2;
	size_t len = encode(&buf, version, &m, &x), l2;
	ims_id id = { { 1, 2, 3 } };

	diag("record version %d: %zu bytes", version, len);
	is_int(buf[4], version, "version byte");
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

	is_int(ims__rec_patch(&p2, &l2, buf, len, IMS_STATE_FAILED, 0, 77, 88), 0, "patch");
	is_int(p2[4], 2, "a patched record is version 2");
	is_int(ims__rec_decode(&d, &dx, &db, &id, p2, l2), 0, "patched decodes");
	is_int(d.state, IMS_STATE_FAILED, "patched state");
	is_int(d.flags, 0, "patched flags");
	is_int(d.delivered, 77, "patched delivered");
	is_int(dx.lease_until, 88, "patched lease");
	is_str(d.headers[1].value, hdrs[1].value, "the rest kept");
	is_int(dx.raw_crc, 0xdeadbeef, "raw crc kept");
	free(p2);
	buf[len - 1] ^= 1;
	is_int(ims__rec_patch(&p2, &l2, buf, len, IMS_STATE_FAILED, 0, 77, 88), IMS_CORRUPT,
	       "a corrupt record is not patched");
	ims__decbuf_free(&db);
	free(buf);
}

/* Version 2: sizes, the extremes of every field, and one encoding per
 * record (re-encoding what was decoded gives the same bytes). */
static void
test_v2_fields(void)
{
	ims_msg m = sample(), d;
	ims__recx x = { 0, 0, 0, 0, 0, 0, IMS_TIME_NONE }, dx;
	ims__decbuf db = { 0 };
	int64_t times[] = { 0, -1, 1, INT64_MAX, INT64_MIN + 1, 1767225600123456LL };
	unsigned char *buf, *again;
	size_t len, l1 = ims__rec1_size(&m), same = 0, total = 0;
	ims_id id = { { 0 } };

	len = encode(&buf, 2, &m, &x);
	ok(len + 70 < l1, "version 2 is smaller: %zu bytes against %zu", len, l1);
	free(buf);
	for (size_t a = 0; a < 6; a++)
		for (size_t b = 0; b < 6; b++) {
			m.received = times[a];
			m.sent = times[b];
			m.expires = times[(a + b) % 6];
			m.delivered = b & 1 ? IMS_TIME_NONE : times[5 - b];
			x.lease_until = a & 1 ? IMS_TIME_NONE : times[b];
			x.owner_atom = a ? UINT32_MAX : 1;
			x.conv_atom = (uint32_t)b;
			x.stored = a * UINT64_MAX / 5;
			m.size = b * UINT64_MAX / 5;
			m.flags = a & 2 ? 0 : (unsigned)-1;
			m.ncc = b & 1;
			m.nheaders = a & 1 ? 0 : 2;
			len = encode(&buf, 2, &m, &x);
			total++;
			if (ims__rec_decode(&d, &dx, &db, &id, buf, len) == 0 &&
			    d.received == m.received && d.sent == m.sent && d.expires == m.expires &&
			    d.delivered == m.delivered && dx.lease_until == x.lease_until &&
			    dx.owner_atom == x.owner_atom && dx.conv_atom == x.conv_atom &&
			    dx.stored == x.stored && d.size == m.size && d.flags == m.flags &&
			    d.ncc == m.ncc && d.nheaders == m.nheaders &&
			    ims__rec_size(&d, &dx) == len) {
				again = malloc(len);
				ims__rec_encode(again, len, &d, &dx);
				same += memcmp(again, buf, len) == 0;
				free(again);
			}
			free(buf);
		}
	is_int(same, total, "%zu records of extreme fields: decoded exactly, re-encoded to the same bytes",
	       total);
	ims__decbuf_free(&db);
}

/* Version 2 encodings the encoder never writes are refused. */
static void
test_v2_noncanonical(void)
{
	ims_msg m = sample(), d;
	ims__recx x = { 7, 8, 0, 1, 1, 10, IMS_TIME_NONE }, dx;
	ims__decbuf db = { 0 };
	unsigned char *buf, *big;
	size_t len;
	ims_id id = { { 0 } };

	m.flags = 0;
	m.conversation = NULL;
	len = encode(&buf, 2, &m, &x);
	is_int(ims__rec_decode(&d, &dx, &db, &id, buf, len), 0, "the sample decodes");
	/* a shape bit for a field that is not there: flags 0 */
	big = malloc(len + 1);
	memcpy(big, buf, 11);
	big[5] |= 0x01;
	big[11] = 0;
	memcpy(big + 12, buf + 11, len - 11);
	ims__rec_seal(big, len + 1);
	is_int(ims__rec_decode(&d, &dx, &db, &id, big, len + 1), IMS_CORRUPT,
	       "flags present but 0: refused");
	/* a varint longer than it needs: nchunks 1 as 0x81 0x00 */
	memcpy(big, buf, 11);
	big[11] = 0x81;
	big[12] = 0x00;
	memcpy(big + 13, buf + 12, len - 12);
	ims__rec_seal(big, len + 1);
	is_int(ims__rec_decode(&d, &dx, &db, &id, big, len + 1), IMS_CORRUPT,
	       "a varint not minimal: refused");
	/* the same in 3 bytes (read as one word) and in 10 (byte by byte) */
	{
		unsigned char *w = malloc(len + 9);
		size_t extra[2] = { 2, 9 };
		for (int j = 0; j < 2; j++) {
			memcpy(w, buf, 11);
			w[11] = 0x81;
			memset(w + 12, 0x80, extra[j] - 1);
			w[11 + extra[j]] = 0x00;
			memcpy(w + 12 + extra[j], buf + 12, len - 12);
			ims__rec_seal(w, len + extra[j]);
			is_int(ims__rec_decode(&d, &dx, &db, &id, w, len + extra[j]), IMS_CORRUPT,
			       "a varint not minimal, %zu bytes: refused", extra[j] + 1);
		}
		free(w);
	}
	/* an unknown shape bit */
	memcpy(big, buf, len);
	big[5] |= 0x80;
	ims__rec_seal(big, len);
	is_int(ims__rec_decode(&d, &dx, &db, &id, big, len), IMS_CORRUPT, "shape bit 0x80: refused");
	/* folder 3 */
	memcpy(big, buf, len);
	big[6] |= 3;
	ims__rec_seal(big, len);
	is_int(ims__rec_decode(&d, &dx, &db, &id, big, len), IMS_CORRUPT, "folder 3: refused");
	/* a byte after the last string */
	memcpy(big, buf, len);
	big[len] = 0;
	ims__rec_seal(big, len + 1);
	is_int(ims__rec_decode(&d, &dx, &db, &id, big, len + 1), IMS_CORRUPT,
	       "a byte after the last string: refused");
	/* a recipient who is the owner: one byte, read back as the owner */
	{
		ims_addr me = { "sip:zz@example.com", NULL };
		ims_msg o = m;
		unsigned char *ob;
		size_t ol, lit;
		o.owner = "sip:zz@example.com";
		o.to = &me;
		o.nto = 1;
		o.ncc = 0;
		ol = encode(&ob, 2, &o, &x);
		o.owner = "sip:zz@example.con";
		lit = ims__rec_size(&o, &x);
		is_int(lit - ol, strlen(me.uri), "the owner as recipient takes one byte");
		is_int(ims__rec_decode(&d, &dx, &db, &id, ob, ol), 0, "decodes");
		ok(d.to[0].uri == d.owner, "as the owner's string");
		free(ob);
		ol = encode(&ob, 2, &o, &x);
		((unsigned char *)memmem(ob, ol, "example.con", 11))[10] = 'm'; /* the owner */
		ims__rec_seal(ob, ol);
		is_int(ims__rec_decode(&d, &dx, &db, &id, ob, ol), IMS_CORRUPT,
		       "a literal URI that is the owner's: refused");
		free(ob);
	}
	/* an unknown version */
	memcpy(big, buf, len);
	big[4] = 3;
	ims__rec_seal(big, len);
	is_int(ims__rec_decode(&d, &dx, &db, &id, big, len), IMS_CORRUPT, "version 3: refused");
	free(big);
	free(buf);
	ims__decbuf_free(&db);
}

/* Every single-byte change anywhere in a record is detected. */
static void
test_flips(int version)
{
	ims_msg m = sample(), d;
	ims__recx x = { 7, 8, 9, 1, 1, 10, 0 }, dx;
	ims__decbuf db = { 0 };
	unsigned char *buf;
	size_t len = encode(&buf, version, &m, &x), missed = 0, trunc = 0;
	ims_id id = { { 0 } };

	diag("record version %d", version);
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
	test_round_trip(1);
	test_round_trip(2);
	test_v2_fields();
	test_v2_noncanonical();
	test_flips(1);
	test_flips(2);
	return done_testing();
}
