/* record.c - message records, version 2 (imstore(5)): what version 1 holds
 * in 100 fixed bytes and 4-byte string lengths, in varints and a shape
 * byte that says which optional fields follow.
 *
 *   0 crc32c of bytes 4..end   4 version 2   5 shape   6 folder | mode << 2
 *   | state << 4   7 raw_crc (4, little-endian)   11 varints:
 *     [flags] nchunks size stored received [sent] [expires] [delivered]
 *     [lease_until] owner_atom from_atom [conv_atom] nto [ncc nheaders]
 *   then the strings of version 1 in its order, each either 0xff (absent:
 *   a byte no UTF-8 string starts with) or its bytes and a NUL; the URI of
 *   the originator and of each recipient is 0xfe when it is the owner's.
 *
 * Varints are LEB128 (7 bits a byte, low first), minimal; times are
 * zigzag-encoded, the others relative to received.  Every encoding is the
 * only one of its record: a decoder refuses anything the encoder would not
 * have written, so encode(decode(r)) == r.
 */
#include <endian.h>
#include <stdlib.h>

#include "internal.h"

#define SH_FLAGS     0x01u
#define SH_SENT      0x02u
#define SH_EXPIRES   0x04u
#define SH_DELIVERED 0x08u
#define SH_LEASE     0x10u
#define SH_CONV      0x20u
#define SH_MORE      0x40u /* ncc and nheaders follow */
#define SH_KNOWN     0x7fu
#define V2_HEAD      11
#define ABSENT       0xffu
#define OWNER        0xfeu /* an address URI that is the owner's */
#define NFIXED_STR   8

static unsigned char
shape_of(const ims_msg *m, const ims__recx *x)
{
	return (unsigned char)((m->flags ? SH_FLAGS : 0) |
	                       (m->sent != IMS_TIME_NONE ? SH_SENT : 0) |
	                       (m->expires != IMS_TIME_NONE ? SH_EXPIRES : 0) |
	                       (m->delivered != IMS_TIME_NONE ? SH_DELIVERED : 0) |
	                       (x->lease_until != IMS_TIME_NONE ? SH_LEASE : 0) |
	                       (x->conv_atom ? SH_CONV : 0) |
	                       (m->ncc || m->nheaders ? SH_MORE : 0));
}

/* t - received, wrapping, zigzag: small for times near received. */
static uint64_t
rel(int64_t t, int64_t received)
{
	uint64_t d = (uint64_t)t - (uint64_t)received;

	return d << 1 ^ (uint64_t)-(int64_t)(d >> 63);
}

static int64_t
unrel(uint64_t z, int64_t received)
{
	uint64_t d = z >> 1 ^ (uint64_t)-(int64_t)(z & 1);

	return (int64_t)(d + (uint64_t)received);
}

static size_t
vlen(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static unsigned char *
vput(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

/* The varints of a record, in order, and how many there are. */
static size_t
ints_of(uint64_t out[16], const ims_msg *m, const ims__recx *x, unsigned sh)
{
	size_t n = 0;

	if (sh & SH_FLAGS)
		out[n++] = m->flags;
	out[n++] = x->nchunks;
	out[n++] = m->size;
	out[n++] = x->stored;
	out[n++] = rel(m->received, 0);
	if (sh & SH_SENT)
		out[n++] = rel(m->sent, m->received);
	if (sh & SH_EXPIRES)
		out[n++] = rel(m->expires, m->received);
	if (sh & SH_DELIVERED)
		out[n++] = rel(m->delivered, m->received);
	if (sh & SH_LEASE)
		out[n++] = rel(x->lease_until, m->received);
	out[n++] = x->owner_atom;
	out[n++] = x->from_atom;
	if (sh & SH_CONV)
		out[n++] = x->conv_atom;
	out[n++] = m->nto;
	if (sh & SH_MORE) {
		out[n++] = m->ncc;
		out[n++] = m->nheaders;
	}
	return n;
}

/* The strings of a record before its recipients and headers. */
static void
strs_of(const char *v[NFIXED_STR], const ims_msg *m)
{
	v[0] = m->owner; v[1] = m->from.uri; v[2] = m->from.name;
	v[3] = m->message_id; v[4] = m->conversation; v[5] = m->sent_text;
	v[6] = m->content_type; v[7] = m->subject;
}

static size_t
s_size(const char *s)
{
	return s ? strlen(s) + 1 : 1;
}

/* An address URI: 1 byte when it is the owner's. */
static size_t
a_size(const char *s, const char *owner)
{
	return s && strcmp(s, owner) == 0 ? 1 : s_size(s);
}

size_t
ims__rec2_size(const ims_msg *m, const ims__recx *x)
{
	uint64_t ints[16];
	const char *fixed[NFIXED_STR];
	size_t n = V2_HEAD, ni = ints_of(ints, m, x, shape_of(m, x));

	strs_of(fixed, m);
	for (size_t i = 0; i < ni; i++)
		n += vlen(ints[i]);
	for (size_t i = 0; i < NFIXED_STR; i++)
		n += i == 1 ? a_size(fixed[i], m->owner) : s_size(fixed[i]);
	for (size_t i = 0; i < m->nto; i++)
		n += a_size(m->to[i].uri, m->owner) + s_size(m->to[i].name);
	for (size_t i = 0; i < m->ncc; i++)
		n += a_size(m->cc[i].uri, m->owner) + s_size(m->cc[i].name);
	for (size_t i = 0; i < m->nheaders; i++)
		n += s_size(m->headers[i].name) + s_size(m->headers[i].value);
	return n;
}

static unsigned char *
s_put(unsigned char *p, const char *s)
{
	size_t n;

	if (!s) {
		*p = ABSENT;
		return p + 1;
	}
	n = strlen(s);
	memcpy(p, s, n + 1);
	return p + n + 1;
}

static unsigned char *
a_put(unsigned char *p, const char *s, const char *owner)
{
	if (s && strcmp(s, owner) == 0) {
		*p = OWNER;
		return p + 1;
	}
	return s_put(p, s);
}

void
ims__rec2_encode(unsigned char *buf, size_t len, const ims_msg *m,
                 const ims__recx *x)
{
	uint64_t ints[16];
	const char *fixed[NFIXED_STR];
	unsigned sh = shape_of(m, x);
	size_t ni = ints_of(ints, m, x, sh);
	unsigned char *p = buf + V2_HEAD;

	strs_of(fixed, m);
	buf[4] = IMS__REC_V2;
	buf[5] = (unsigned char)sh;
	buf[6] = (unsigned char)(m->folder | m->mode << 2 | m->state << 4);
	ims__le32(buf + 7, x->raw_crc);
	for (size_t i = 0; i < ni; i++)
		p = vput(p, ints[i]);
	for (size_t i = 0; i < NFIXED_STR; i++)
		p = i == 1 ? a_put(p, fixed[i], m->owner) : s_put(p, fixed[i]);
	for (size_t i = 0; i < m->nto; i++) {
		p = a_put(p, m->to[i].uri, m->owner);
		p = s_put(p, m->to[i].name);
	}
	for (size_t i = 0; i < m->ncc; i++) {
		p = a_put(p, m->cc[i].uri, m->owner);
		p = s_put(p, m->cc[i].name);
	}
	for (size_t i = 0; i < m->nheaders; i++) {
		p = s_put(p, m->headers[i].name);
		p = s_put(p, m->headers[i].value);
	}
	ims__rec_seal(buf, len);
}

/* ---------------------------------------------------------------- decode */

typedef struct rd {
	const unsigned char *p;
	size_t len, pos;
	size_t slen;           /* length of the string s_get last returned */
	size_t olen;           /* length of the owner's URI */
	int bad;
} rd;

/* A minimal LEB128 varint of at most 64 bits, of more than one byte. */
static uint64_t
vget_slow(rd *r)
{
	const unsigned char *p = r->p + r->pos, *end = r->p + r->len;
	uint64_t v = 0;
	unsigned shift = 0;

	/* at most 10 bytes, the 10th 0 or 1; the last byte not 0 */
	while (p < end && shift <= 63) {
		unsigned b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (b == 0 || (shift == 63 && b > 1))
				break;
			r->pos = (size_t)(p - r->p);
			return v;
		}
		shift += 7;
	}
	r->bad = 1;
	return 0;
}

/* The 7-bit groups of the first n (2 to 8) bytes of a varint, read as one
 * little-endian word: three steps of folding pairs together. */
static inline uint64_t
vfold(uint64_t w, unsigned n)
{
	if (n < 8)
		w &= ((uint64_t)1 << (8 * n)) - 1;
	w &= 0x7f7f7f7f7f7f7f7fULL;
	w = (w & 0x007f007f007f007fULL) | (w & 0x7f007f007f007f00ULL) >> 1;
	w = (w & 0x00003fff00003fffULL) | (w & 0x3fff00003fff0000ULL) >> 2;
	return (w & 0x000000000fffffffULL) | (w & 0x0fffffff00000000ULL) >> 4;
}

/* A minimal LEB128 varint of at most 64 bits, of more than one byte: with
 * 8 bytes left and its end among them (times, most sizes), in one word. */
static uint64_t
vget_long(rd *r)
{
	if (r->len - r->pos >= 8) {
		uint64_t w, stops;
		unsigned n;

		memcpy(&w, r->p + r->pos, 8);
		w = le64toh(w);
		if ((stops = ~w & 0x8080808080808080ULL)) {
			n = (unsigned)__builtin_ctzll(stops) / 8 + 1;
			if (n < 2 || (w >> (8 * (n - 1)) & 0xff) == 0) {
				r->bad = 1; /* not minimal */
				return 0;
			}
			r->pos += n;
			return vfold(w, n);
		}
	}
	return vget_slow(r);
}

static inline uint64_t
vget(rd *r)
{
	if (r->pos < r->len && r->p[r->pos] < 0x80) /* most are one byte */
		return r->p[r->pos++];
	return vget_long(r);
}

/* A varint that must fit max. */
static uint64_t
vget_max(rd *r, uint64_t max)
{
	uint64_t v = vget(r);

	if (v > max)
		r->bad = 1;
	return v;
}

/* A time present (shape bit set): never IMS_TIME_NONE. */
static int64_t
tget(rd *r, int64_t received)
{
	int64_t t = unrel(vget(r), received);

	if (t == IMS_TIME_NONE)
		r->bad = 1;
	return t;
}

static const char *
s_get(rd *r)
{
	const unsigned char *end;
	const char *s;

	if (r->pos >= r->len) {
		r->bad = 1;
		return NULL;
	}
	if (r->p[r->pos] == ABSENT) {
		r->pos++;
		return NULL;
	}
	if (!(end = memchr(r->p + r->pos, '\0', r->len - r->pos))) {
		r->bad = 1;
		return NULL;
	}
	s = (const char *)r->p + r->pos;
	r->slen = (size_t)(end - r->p) - r->pos;
	r->pos += r->slen + 1;
	return s;
}

/* An address URI: the owner's (decoded first) for 0xfe; a literal one
 * that is the owner's would not be this record's only encoding. */
static const char *
a_get(rd *r, const char *owner)
{
	const char *s;

	if (r->pos < r->len && r->p[r->pos] == OWNER) {
		r->pos++;
		if (!owner)
			r->bad = 1;
		return owner;
	}
	s = s_get(r);
	if (s && owner && r->slen == r->olen && memcmp(s, owner, r->olen) == 0)
		r->bad = 1;
	return s;
}

static void
ints_get(ims_msg *m, ims__recx *x, rd *r, unsigned sh)
{
	m->flags = sh & SH_FLAGS ? (unsigned)vget_max(r, UINT32_MAX) : 0;
	if ((sh & SH_FLAGS) && m->flags == 0)
		r->bad = 1;
	x->nchunks = (uint32_t)vget_max(r, UINT32_MAX);
	m->size = vget(r);
	x->stored = vget(r);
	m->received = unrel(vget(r), 0);
	m->sent = sh & SH_SENT ? tget(r, m->received) : IMS_TIME_NONE;
	m->expires = sh & SH_EXPIRES ? tget(r, m->received) : IMS_TIME_NONE;
	m->delivered = sh & SH_DELIVERED ? tget(r, m->received) : IMS_TIME_NONE;
	x->lease_until = sh & SH_LEASE ? tget(r, m->received) : IMS_TIME_NONE;
	x->owner_atom = (uint32_t)vget_max(r, UINT32_MAX);
	x->from_atom = (uint32_t)vget_max(r, UINT32_MAX);
	x->conv_atom = sh & SH_CONV ? (uint32_t)vget_max(r, UINT32_MAX) : 0;
	if ((sh & SH_CONV) && x->conv_atom == 0)
		r->bad = 1;
	m->nto = (size_t)vget_max(r, IMS_RCPT_MAX);
	m->ncc = sh & SH_MORE ? (size_t)vget_max(r, IMS_RCPT_MAX) : 0;
	m->nheaders = sh & SH_MORE ? (size_t)vget_max(r, IMS_HEADERS_MAX) : 0;
	if ((sh & SH_MORE) && m->ncc == 0 && m->nheaders == 0)
		r->bad = 1;
}

static void
strs_get(ims_msg *m, ims__decbuf *d, rd *r)
{
	const char **fixed[NFIXED_STR] = {
		&m->owner, &m->from.uri, &m->from.name, &m->message_id,
		&m->conversation, &m->sent_text, &m->content_type, &m->subject,
	};

	m->owner = s_get(r);
	r->olen = r->slen;
	for (int i = 1; i < NFIXED_STR; i++)
		*fixed[i] = i == 1 ? a_get(r, m->owner) : s_get(r);
	for (size_t i = 0; i < m->nto + m->ncc; i++) {
		d->addrs[i].uri = a_get(r, m->owner);
		d->addrs[i].name = s_get(r);
	}
	for (size_t i = 0; i < m->nheaders; i++) {
		d->hdrs[i].name = s_get(r);
		d->hdrs[i].value = s_get(r);
	}
}

/* A version 2 record (m cleared, id set). */
int
ims__rec2_decode(ims_msg *m, ims__recx *x, ims__decbuf *d,
                 const unsigned char *buf, size_t len)
{
	rd r = { buf, len, V2_HEAD, 0, 0, 0 };
	unsigned sh;
	int rc;

	if (len < V2_HEAD || buf[4] != IMS__REC_V2 || (buf[5] & ~SH_KNOWN))
		return IMS_CORRUPT;
	sh = buf[5];
	m->folder = (ims_folder)(buf[6] & 3);
	m->mode = (ims_mode)(buf[6] >> 2 & 3);
	m->state = (ims_state)(buf[6] >> 4);
	if (m->folder < 1 || m->folder > 2 || m->mode < 1 || (unsigned)m->state > 4)
		return IMS_CORRUPT;
	x->raw_crc = ims__rd_le32(buf + 7);
	ints_get(m, x, &r, sh);
	if (r.bad || m->nto + m->ncc > IMS_RCPT_MAX)
		return IMS_CORRUPT;
	if ((rc = ims__decbuf_reserve(d, m->nto + m->ncc, m->nheaders)))
		return rc;
	strs_get(m, d, &r);
	if (r.bad || r.pos != len || !m->owner || !m->from.uri || !m->message_id)
		return IMS_CORRUPT;
	for (size_t i = 0; i < m->nto + m->ncc; i++)
		if (!d->addrs[i].uri)
			return IMS_CORRUPT;
	for (size_t i = 0; i < m->nheaders; i++)
		if (!d->hdrs[i].name || !d->hdrs[i].value)
			return IMS_CORRUPT;
	/* as version 1: cc follows To in one array */
	m->to = d->addrs;
	m->cc = d->addrs ? d->addrs + m->nto : NULL;
	m->headers = d->hdrs;
	return 0;
}

/* ---------------------------------------------------------------- either */

size_t
ims__rec_size(const ims_msg *m, const ims__recx *x)
{
	return ims__rec2_size(m, x);
}

void
ims__rec_encode(unsigned char *buf, size_t len, const ims_msg *m,
                const ims__recx *x)
{
	ims__rec2_encode(buf, len, m, x);
}

int
ims__rec_decode(ims_msg *m, ims__recx *x, ims__decbuf *d, const ims_id *id,
                const unsigned char *buf, size_t len)
{
	memset(m, 0, sizeof(*m));
	memset(x, 0, sizeof(*x));
	m->version = IMS_MSG_VERSION;
	m->id = *id;
	if (len < 5 || ims__rd_le32(buf) != ims__crc32c(0, buf + 4, len - 4))
		return IMS_CORRUPT;
	if (buf[4] == IMS__REC_V2)
		return ims__rec2_decode(m, x, d, buf, len);
	return ims__rec1_decode(m, x, d, buf, len);
}

int
ims__rec_patch(unsigned char **out, size_t *out_len, const unsigned char *buf,
               size_t len, ims_state state, unsigned flags, int64_t delivered,
               int64_t lease_until)
{
	static const ims_id none;
	ims__decbuf d = { 0 };
	ims__recx x;
	ims_msg m;
	int rc;

	*out = NULL;
	if ((rc = ims__rec_decode(&m, &x, &d, &none, buf, len)) == 0) {
		m.state = state;
		m.flags = flags;
		m.delivered = delivered;
		x.lease_until = lease_until;
		*out_len = ims__rec_size(&m, &x);
		if (!(*out = malloc(*out_len)))
			rc = ENOMEM;
		else
			ims__rec_encode(*out, *out_len, &m, &x);
	}
	/* what was read is written back whole: the new record must decode */
	if (rc == 0 && (rc = ims__rec_decode(&m, &x, &d, &none, *out, *out_len))) {
		free(*out);
		*out = NULL;
	}
	ims__decbuf_free(&d);
	return rc;
}
