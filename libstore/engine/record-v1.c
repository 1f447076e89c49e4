/* record-v1.c - message records, version 1 (layouts in imstore(5)), and
 * what both versions share: the seal (the record's CRC) and the decode
 * buffer.  Version 2, written since format 1.1, is record.c.
 *
 * Version 1, still read:
 *   0 crc32c of bytes 4..end    4 version  5 folder  6 mode  7 state
 *   8 flags  12 raw_crc  16 nchunks  20 reserved  24 size  32 stored
 *  40 received  48 sent  56 expires  64 delivered  72 lease_until
 *  80 owner_atom  84 from_atom  88 conv_atom
 *  92 nto  94 ncc  96 nheaders  98 reserved
 * 100 strings: u32 length (0xffffffff: none), the bytes, a NUL.
 *     owner, from.uri, from.name, message_id, conversation, sent_text,
 *     content_type, subject, then (uri, name) per To and cc recipient,
 *     then (name, value) per kept header.
 * Integers are little-endian.
 */
#include <stdlib.h>

#include "internal.h"

#define NOSTR 0xffffffffu
#define NFIXED_STR 8

static void
put64(unsigned char *p, uint64_t v)
{
	ims__le32(p, (uint32_t)v);
	ims__le32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
get64(const unsigned char *p)
{
	return ims__rd_le32(p) | (uint64_t)ims__rd_le32(p + 4) << 32;
}

static size_t
str_size(const char *s)
{
	return 4 + (s ? strlen(s) + 1 : 0);
}

size_t
ims__rec1_size(const ims_msg *m)
{
	size_t n = IMS__REC_FIXED;

	n += str_size(m->owner) + str_size(m->from.uri) + str_size(m->from.name);
	n += str_size(m->message_id) + str_size(m->conversation);
	n += str_size(m->sent_text) + str_size(m->content_type);
	n += str_size(m->subject);
	for (size_t i = 0; i < m->nto; i++)
		n += str_size(m->to[i].uri) + str_size(m->to[i].name);
	for (size_t i = 0; i < m->ncc; i++)
		n += str_size(m->cc[i].uri) + str_size(m->cc[i].name);
	for (size_t i = 0; i < m->nheaders; i++)
		n += str_size(m->headers[i].name) + str_size(m->headers[i].value);
	return n;
}

static unsigned char *
put_str(unsigned char *p, const char *s)
{
	if (!s) {
		ims__le32(p, NOSTR);
		return p + 4;
	}
	size_t n = strlen(s);
	ims__le32(p, (uint32_t)n);
	memcpy(p + 4, s, n + 1);
	return p + 4 + n + 1;
}

void
ims__rec_seal(unsigned char *buf, size_t len)
{
	ims__le32(buf, ims__crc32c(0, buf + 4, len - 4));
}

void
ims__rec1_encode(unsigned char *buf, size_t len, const ims_msg *m,
                 const ims__recx *x)
{
	unsigned char *p = buf + IMS__REC_FIXED;

	memset(buf, 0, IMS__REC_FIXED);
	buf[4] = IMS__REC_V1;
	buf[5] = (unsigned char)m->folder;
	buf[6] = (unsigned char)m->mode;
	buf[7] = (unsigned char)m->state;
	ims__le32(buf + 8, m->flags);
	ims__le32(buf + 12, x->raw_crc);
	ims__le32(buf + 16, x->nchunks);
	put64(buf + 24, m->size);
	put64(buf + 32, x->stored);
	put64(buf + 40, (uint64_t)m->received);
	put64(buf + 48, (uint64_t)m->sent);
	put64(buf + 56, (uint64_t)m->expires);
	put64(buf + 64, (uint64_t)m->delivered);
	put64(buf + 72, (uint64_t)x->lease_until);
	ims__le32(buf + 80, x->owner_atom);
	ims__le32(buf + 84, x->from_atom);
	ims__le32(buf + 88, x->conv_atom);
	buf[92] = (unsigned char)m->nto; buf[93] = (unsigned char)(m->nto >> 8);
	buf[94] = (unsigned char)m->ncc; buf[95] = (unsigned char)(m->ncc >> 8);
	buf[96] = (unsigned char)m->nheaders;
	buf[97] = (unsigned char)(m->nheaders >> 8);
	p = put_str(p, m->owner);
	p = put_str(p, m->from.uri);
	p = put_str(p, m->from.name);
	p = put_str(p, m->message_id);
	p = put_str(p, m->conversation);
	p = put_str(p, m->sent_text);
	p = put_str(p, m->content_type);
	p = put_str(p, m->subject);
	for (size_t i = 0; i < m->nto; i++) {
		p = put_str(p, m->to[i].uri);
		p = put_str(p, m->to[i].name);
	}
	for (size_t i = 0; i < m->ncc; i++) {
		p = put_str(p, m->cc[i].uri);
		p = put_str(p, m->cc[i].name);
	}
	for (size_t i = 0; i < m->nheaders; i++) {
		p = put_str(p, m->headers[i].name);
		p = put_str(p, m->headers[i].value);
	}
	ims__rec_seal(buf, len);
}

void
ims__decbuf_free(ims__decbuf *d)
{
	free(d->addrs);
	free(d->hdrs);
	memset(d, 0, sizeof(*d));
}

int
ims__decbuf_reserve(ims__decbuf *d, size_t naddrs, size_t nhdrs)
{
	if (naddrs > d->addrs_cap) {
		ims_addr *a = realloc(d->addrs, naddrs * sizeof(*a));
		if (!a)
			return ENOMEM;
		d->addrs = a;
		d->addrs_cap = naddrs;
	}
	if (nhdrs > d->hdrs_cap) {
		ims_header *h = realloc(d->hdrs, nhdrs * sizeof(*h));
		if (!h)
			return ENOMEM;
		d->hdrs = h;
		d->hdrs_cap = nhdrs;
	}
	return 0;
}

/* Read one string at *pos; every byte checked against the record's end. */
static int
get_str(const char **out, const unsigned char *buf, size_t len, size_t *pos)
{
	uint32_t n;

	if (len - *pos < 4)
		return IMS_CORRUPT;
	n = ims__rd_le32(buf + *pos);
	*pos += 4;
	if (n == NOSTR) {
		*out = NULL;
		return 0;
	}
	if (n >= len - *pos || buf[*pos + n] != '\0' ||
	    memchr(buf + *pos, '\0', n))
		return IMS_CORRUPT;
	*out = (const char *)buf + *pos;
	*pos += (size_t)n + 1;
	return 0;
}

static void
decode_fixed(ims_msg *m, ims__recx *x, const unsigned char *buf)
{
	m->folder = (ims_folder)buf[5];
	m->mode = (ims_mode)buf[6];
	m->state = (ims_state)buf[7];
	m->flags = ims__rd_le32(buf + 8);
	x->raw_crc = ims__rd_le32(buf + 12);
	x->nchunks = ims__rd_le32(buf + 16);
	m->size = get64(buf + 24);
	x->stored = get64(buf + 32);
	m->received = (int64_t)get64(buf + 40);
	m->sent = (int64_t)get64(buf + 48);
	m->expires = (int64_t)get64(buf + 56);
	m->delivered = (int64_t)get64(buf + 64);
	x->lease_until = (int64_t)get64(buf + 72);
	x->owner_atom = ims__rd_le32(buf + 80);
	x->from_atom = ims__rd_le32(buf + 84);
	x->conv_atom = ims__rd_le32(buf + 88);
	m->nto = (size_t)buf[92] | (size_t)buf[93] << 8;
	m->ncc = (size_t)buf[94] | (size_t)buf[95] << 8;
	m->nheaders = (size_t)buf[96] | (size_t)buf[97] << 8;
}

static int
check_fixed(const ims_msg *m, const unsigned char *buf, size_t len)
{
	if (len < IMS__REC_FIXED) /* the checksum: ims__rec_decode */
		return IMS_CORRUPT;
	if (buf[4] != IMS__REC_V1 || m->folder < 1 || m->folder > 2 ||
	    m->mode < 1 || m->mode > 3 || (unsigned)m->state > 4)
		return IMS_CORRUPT;
	if (m->nto + m->ncc > IMS_RCPT_MAX || m->nheaders > IMS_HEADERS_MAX)
		return IMS_CORRUPT;
	return 0;
}

static int
decode_strs(ims_msg *m, ims__decbuf *d, const unsigned char *buf, size_t len)
{
	const char **fixed[NFIXED_STR] = {
		&m->owner, &m->from.uri, &m->from.name, &m->message_id,
		&m->conversation, &m->sent_text, &m->content_type, &m->subject,
	};
	size_t pos = IMS__REC_FIXED, na = m->nto + m->ncc;
	int rc = 0;

	for (int i = 0; i < NFIXED_STR && rc == 0; i++)
		rc = get_str(fixed[i], buf, len, &pos);
	for (size_t i = 0; i < na && rc == 0; i++) {
		rc = get_str(&d->addrs[i].uri, buf, len, &pos);
		if (rc == 0)
			rc = get_str(&d->addrs[i].name, buf, len, &pos);
	}
	for (size_t i = 0; i < m->nheaders && rc == 0; i++) {
		rc = get_str(&d->hdrs[i].name, buf, len, &pos);
		if (rc == 0)
			rc = get_str(&d->hdrs[i].value, buf, len, &pos);
	}
	if (rc == 0 && (pos != len || !m->owner || !m->from.uri || !m->message_id))
		rc = IMS_CORRUPT;
	/* no writer leaves these out: a record that does is damaged */
	for (size_t i = 0; i < na && rc == 0; i++)
		if (!d->addrs[i].uri)
			rc = IMS_CORRUPT;
	for (size_t i = 0; i < m->nheaders && rc == 0; i++)
		if (!d->hdrs[i].name || !d->hdrs[i].value)
			rc = IMS_CORRUPT;
	return rc;
}

/* A version 1 record (m cleared, id set). */
int
ims__rec1_decode(ims_msg *m, ims__recx *x, ims__decbuf *d,
                 const unsigned char *buf, size_t len)
{
	int rc;

	if (len < IMS__REC_FIXED)
		return IMS_CORRUPT;
	decode_fixed(m, x, buf);
	if ((rc = check_fixed(m, buf, len)))
		return rc;
	if ((rc = ims__decbuf_reserve(d, m->nto + m->ncc, m->nheaders)))
		return rc;
	if ((rc = decode_strs(m, d, buf, len)))
		return rc;
	m->to = d->addrs;
	m->cc = d->addrs ? d->addrs + m->nto : NULL;
	m->headers = d->hdrs;
	return 0;
}
