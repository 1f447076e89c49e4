/* body.c - body bytes in chunks of 1 MiB, each deflated when that saves at
 * least an eighth, each checksummed:
 *   0 crc32c of bytes 4..end  4 method  5-7 zero  8 raw length  12 payload
 * Methods: 0 stored, 1 raw deflate, 2 raw deflate with a preset dictionary
 * (chunk 0 only, where the Message/CPIM headers are): the fixed strings
 * below, then fields of the message's own record, which a CPIM payload
 * repeats (msg_dict); chunk 0 is no longer written with method 1, but such
 * chunks are still read.
 */
#include <stdlib.h>
#include <zlib.h>

#include "internal.h"

#define MIN_DEFLATE 256
#define MIN_DEFLATE_DICT 64 /* chunk 0: with the dictionary, short ones shrink too */
#define OUTBUF (64 * 1024)

/* Method 2's dictionary: strings of Message/CPIM, IMDN, SIP and MIME
 * payloads, the most frequent last (deflate finds the nearest match).
 * Part of the store format: never change a byte (test_store checks its
 * CRC-32C against imstore(5)); a different one would be a new method. */
static const char zdict[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	"<file xmlns=\"urn:gsma:params:xml:ns:rcs:rcs:fthttp\"><file-info "
	"type=\"thumbnail\"><file-size></file-size><file-name></file-name>"
	"<content-type>image/jpeg</content-type><data url=\"https://\" unt"
	"il=\"\"/></file-info></file>\r\n"
	"<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id></message"
	"-id><datetime></datetime><recipient-uri></recipient-uri><original"
	"-recipient-uri></original-recipient-uri><delivery-notification><s"
	"tatus><delivered/></status></delivery-notification><display-notif"
	"ication><status><displayed/></status></display-notification></imd"
	"n>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"Content-Disposition: render\r\n"
	"Content-Length: \r\n"
	"Contribution-ID: \r\n"
	"Conversation-ID: \r\n"
	"P-Asserted-Identity: <tel:+\r\n"
	"@ims.mnc001.mcc001.3gppnetwork.org>\r\n"
	"application/vnd.gsma.rcs-ft-http+xml\r\n"
	"message/imdn+xml\r\n"
	"Subject: Re: \r\n"
	"From: \"\" <sip:\r\n"
	"To: <sip:\r\n"
	"DateTime: 20T00:00:00.000Z\r\n"
	"NS: imdn <urn:ietf:params:imdn>\r\n"
	"imdn.Message-ID: \r\n"
	"imdn.Disposition-Notification: positive-delivery, display\r\n"
	"\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n";

const unsigned char *const ims__zdict_p = (const unsigned char *)zdict;
const size_t ims__zdict_len = sizeof(zdict) - 1;
_Static_assert(sizeof(zdict) - 1 == IMS__ZDICT_MAX - IMS__ZDICT_MSG_MAX,
               "IMS__ZDICT_MAX: the fixed dictionary and the message's fields");

/* Method 2's whole dictionary for message m: the fixed part, then each of
 * these fields that m has, with CRLF after it, as long as the fields fit
 * in IMS__ZDICT_MSG_MAX bytes (a field that would not fit is left out, and
 * so are those after it).  Only fields that never change once the message
 * is stored: not its folder, state, times or conversation. */
size_t
ims__zdict_build(unsigned char *out, const ims_msg *m)
{
	const char *f[4] = { m->content_type, m->subject, m->sent_text, m->message_id };
	size_t n = ims__zdict_len, room = IMS__ZDICT_MSG_MAX;

	memcpy(out, zdict, n);
	for (size_t i = 0; i < 6 + m->nto; i++) {
		const char *s = i < 4 ? f[i] : i < 4 + m->nto ? m->to[i - 4].uri
		                : i == 4 + m->nto ? m->from.name : m->from.uri;
		size_t l;
		if (!s)
			continue;
		if ((l = strlen(s)) + 2 > room)
			break;
		memcpy(out + n, s, l);
		memcpy(out + n + l, "\r\n", 2);
		n += l + 2;
		room -= l + 2;
	}
	return n;
}

static int
window_bits(size_t n)
{
	int bits = 9;

	while (bits < 15 && ((size_t)1 << bits) < n)
		bits++;
	return bits;
}

/* Deflate raw into out (cap bytes), with the dictionary dict of dlen
 * bytes when dict is set; 0 and *out_len, or 1 if it does not fit. */
static int
try_deflate(unsigned char *out, size_t cap, size_t *out_len,
            const unsigned char *raw, size_t len, const unsigned char *dict,
            size_t dlen)
{
	z_stream zs;
	int rc;

	memset(&zs, 0, sizeof(zs));
	/* memLevel 7: the same output as zlib's default 8 on messages, half
	 * the time (its 128 KiB of hash state is no longer allocated and
	 * cleared for every body: tests/bench, issue 7's note) */
	if (deflateInit2(&zs, 6, Z_DEFLATED,
	                 -window_bits(len + (dict ? dlen : 0)), 7,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		return ENOMEM;
	if (dict && deflateSetDictionary(&zs, dict, (uInt)dlen) != Z_OK) {
		deflateEnd(&zs);
		return ENOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)raw;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	rc = deflate(&zs, Z_FINISH);
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return rc == Z_STREAM_END ? 0 : 1;
}

/* Build chunk i into a new buffer; chunk 0 with dictionary dict. */
static int
chunk_build(unsigned char **out, size_t *out_len, const ims__body_in *b,
            uint32_t i, const unsigned char *dict, size_t dlen)
{
	size_t off = (size_t)i * IMS__CHUNK, rl = IMS__MIN(IMS__CHUNK, b->len - off);
	size_t zl = 0, cap = rl - rl / 8;
	unsigned char *buf = malloc(IMS__CHUNK_HDR + rl);
	int method = IMS__Z_NONE, rc;

	if (!buf)
		return ENOMEM;
	memset(buf, 0, IMS__CHUNK_HDR);
	if (rl >= (i == 0 ? MIN_DEFLATE_DICT : MIN_DEFLATE)) {
		rc = try_deflate(buf + IMS__CHUNK_HDR, cap, &zl, b->data + off, rl,
		                 i == 0 ? dict : NULL, dlen);
		if (rc == ENOMEM) {
			free(buf);
			return rc;
		}
		if (rc == 0)
			method = i == 0 ? IMS__Z_DEFLATE_DICT : IMS__Z_DEFLATE;
	}
	if (method == IMS__Z_NONE) {
		memcpy(buf + IMS__CHUNK_HDR, b->data + off, rl);
		zl = rl;
	}
	buf[4] = (unsigned char)method;
	ims__le32(buf + 8, (uint32_t)rl);
	ims__le32(buf, ims__crc32c(0, buf + 4, IMS__CHUNK_HDR - 4 + zl));
	*out = buf;
	*out_len = IMS__CHUNK_HDR + zl;
	return 0;
}

int
ims__body_prepare(ims__body_in *b, const void *data, size_t len, const ims_msg *m)
{
	unsigned char dict[IMS__ZDICT_MAX];
	uint32_t crc = 0;

	memset(b, 0, sizeof(*b));
	if (len > IMS_BODY_MAX)
		return IMS_TOOBIG;
	b->data = data;
	b->len = len;
	for (size_t off = 0; off < len; off += IMS__CHUNK)
		crc = ims__crc32c(crc, b->data + off, IMS__MIN(IMS__CHUNK, len - off));
	b->raw_crc = crc;
	b->nchunks = (uint32_t)((len + IMS__CHUNK - 1) / IMS__CHUNK);
	if (b->nchunks == 0)
		return 0;
	return chunk_build(&b->chunk0, &b->chunk0_len, b, 0, dict, ims__zdict_build(dict, m));
}

void
ims__body_release(ims__body_in *b)
{
	free(b->chunk0);
	b->chunk0 = NULL;
}

static void
chunk_key(unsigned char key[20], const ims_id *id, uint32_t i)
{
	memcpy(key, id->b, 16);
	ims__be32(key + 16, i);
}

int
ims__body_put(ims_store *st, MDB_txn *txn, const ims_id *id, ims__body_in *b)
{
	unsigned char key[20];
	MDB_val k = { 20, key }, v;
	int rc = 0;

	b->stored = 0;
	for (uint32_t i = 0; i < b->nchunks && rc == 0; i++) {
		unsigned char *buf = b->chunk0;
		size_t len = b->chunk0_len;
		if (i > 0 && (rc = chunk_build(&buf, &len, b, i, NULL, 0)))
			break;
		chunk_key(key, id, i);
		v.mv_size = len;
		v.mv_data = buf;
		rc = ims__map_err(ims__put_tail(txn, st->dbi[IMS__DB_BODY], &k, &v,
		                                MDB_NOOVERWRITE));
		b->stored += len - IMS__CHUNK_HDR;
		if (i > 0)
			free(buf);
	}
	return rc;
}

int
ims__body_del(ims_store *st, MDB_txn *txn, const ims_id *id)
{
	unsigned char key[20];
	MDB_val k = { 20, key }, v;
	MDB_cursor *c;
	int rc;

	chunk_key(key, id, 0);
	if ((rc = mdb_cursor_open(txn, st->dbi[IMS__DB_BODY], &c)))
		return ims__map_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == 20 && memcmp(k.mv_data, id->b, 16) == 0) {
		if ((rc = mdb_cursor_del(c, 0)))
			break;
		rc = mdb_cursor_get(c, &k, &v, MDB_GET_CURRENT);
		if (rc == EINVAL) /* deleted the last entry */
			rc = MDB_NOTFOUND;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

/* Fetch chunk i, checking its checksum when verify is set: 0 and the
 * payload, or IMS_CORRUPT. */
static int
chunk_get(const unsigned char **payload, size_t *plen, int *method,
          uint32_t *raw_len, ims_store *st, MDB_txn *txn, const ims_id *id,
          uint32_t i, int verify)
{
	unsigned char key[20];
	MDB_val k = { 20, key }, v;
	const unsigned char *p;
	int rc;

	chunk_key(key, id, i);
	if ((rc = mdb_get(txn, st->dbi[IMS__DB_BODY], &k, &v)))
		return rc == MDB_NOTFOUND ? IMS_CORRUPT : ims__map_err(rc);
	p = v.mv_data;
	if (v.mv_size < IMS__CHUNK_HDR || !ims__val_in_file(st, txn, &v) ||
	    (verify && ims__rd_le32(p) != ims__crc32c(0, p + 4, v.mv_size - 4)) ||
	    !IMS__Z_OK(p[4], i) || ims__rd_le32(p + 8) > IMS__CHUNK)
		return IMS_CORRUPT;
	*method = p[4];
	*raw_len = ims__rd_le32(p + 8);
	*payload = p + IMS__CHUNK_HDR;
	*plen = v.mv_size - IMS__CHUNK_HDR;
	if (*method == IMS__Z_NONE && *plen != *raw_len)
		return IMS_CORRUPT;
	return 0;
}

typedef struct body_out {
	ims_body_cb cb;
	void *payload;
	uint32_t crc;
	uint64_t total;
	unsigned char *buf;  /* cap bytes for inflate, allocated on first use */
	size_t cap;
} body_out;

static int
emit(body_out *o, const unsigned char *p, size_t n)
{
	o->crc = ims__crc32c(o->crc, p, n);
	o->total += n;
	return n ? o->cb(p, n, o->payload) : 0;
}

/* Inflate one chunk (method 2: with the dictionary).  When its whole
 * output fits the buffer, one call with Z_FINISH does it.  The deflate
 * stream must end exactly at the end of the chunk: trailing bytes are
 * corrupt. */
static int
inflate_chunk(body_out *o, const unsigned char *in, size_t len, uint32_t raw_len,
              int method, const ims_msg *m)
{
	unsigned char dict[IMS__ZDICT_MAX];
	z_stream zs;
	uint64_t before = o->total;
	int zr = Z_OK, rc = 0;

	if (!o->buf) {
		o->cap = IMS__MIN((size_t)raw_len, (size_t)OUTBUF) + 258;
		if (!(o->buf = malloc(o->cap)))
			return ENOMEM;
	}
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -15) != Z_OK)
		return ENOMEM;
	if (method == IMS__Z_DEFLATE_DICT &&
	    inflateSetDictionary(&zs, dict, (uInt)ims__zdict_build(dict, m)) != Z_OK) {
		inflateEnd(&zs);
		return ENOMEM;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	while (rc == 0 && zr != Z_STREAM_END) {
		zs.next_out = o->buf;
		zs.avail_out = (uInt)o->cap;
		zr = inflate(&zs, raw_len < o->cap ? Z_FINISH : Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END)
			rc = IMS_CORRUPT;
		else if (o->total + (o->cap - zs.avail_out) - before > raw_len)
			rc = IMS_CORRUPT;
		else
			rc = emit(o, o->buf, o->cap - zs.avail_out);
	}
	if (rc == 0 && (o->total - before != raw_len || zs.avail_in != 0))
		rc = IMS_CORRUPT;
	inflateEnd(&zs);
	return rc;
}

int
ims__body_read(ims_store *st, MDB_txn *txn, const ims_id *id, const ims_msg *m,
               const ims__recx *x, ims_body_cb cb, void *payload)
{
	uint64_t size = m->size;
	body_out o = { cb, payload, 0, 0, NULL, 0 };
	const unsigned char *p;
	size_t plen;
	uint32_t rl;
	int method, rc = 0;

	if ((uint64_t)x->nchunks != (size + IMS__CHUNK - 1) / IMS__CHUNK)
		return IMS_CORRUPT;
	/* verify every stored byte before handing any out; the snapshot does
	 * not change, so the second fetch need not verify again */
	for (uint32_t i = 1; i < x->nchunks && rc == 0; i++)
		rc = chunk_get(&p, &plen, &method, &rl, st, txn, id, i, 1);
	for (uint32_t i = 0; i < x->nchunks && rc == 0; i++) {
		rc = chunk_get(&p, &plen, &method, &rl, st, txn, id, i, i == 0);
		if (rc == 0 && method == IMS__Z_NONE)
			rc = emit(&o, p, plen);
		else if (rc == 0)
			rc = inflate_chunk(&o, p, plen, rl, method, m);
	}
	free(o.buf);
	if (rc == 0 && (o.total != size || o.crc != x->raw_crc))
		rc = IMS_CORRUPT;
	return rc;
}
