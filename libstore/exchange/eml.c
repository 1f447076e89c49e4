/* eml.c - a stored message as an RFC 5322 message for e-discovery tools
 * (export --layout eml): From, To, Cc, Date, Subject and Message-ID mapped,
 * the exact stored bytes as the one MIME body, the store's own values in
 * X-IMStore- fields.  The body is labelled with what the bytes are: a
 * stored Message/CPIM payload is message/cpim (its inner type is inside
 * it), not the inner type.  A message/ or multipart/ body, which MIME
 * readers parse as a structure whatever its encoding (RFC 2045 allows
 * them no other), goes as it is, "binary"; any other in base64. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "exchange.h"
#include "internal.h"

typedef struct eml_out {
	int fd;
	int err;
	char buf[8192];
	size_t len;
	unsigned char carry[57];  /* base64: a line's worth of input */
	size_t ncarry;
	int raw;                  /* the body as it is, not base64 */
} eml_out;

static void
flush(eml_out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		ssize_t w = write(o->fd, o->buf + off, o->len - off);
		if (w < 0)
			o->err = errno ? errno : EIO;
		else
			off += (size_t)w;
	}
	o->len = 0;
}

static void
put(eml_out *o, const char *s, size_t n)
{
	while (n) {
		size_t k = sizeof(o->buf) - o->len;
		if (k == 0) {
			flush(o);
			continue;
		}
		k = k < n ? k : n;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
	}
}

static void
puts_(eml_out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Up to 57 bytes (a line's worth) as base64, then end. */
static void
b64_line(eml_out *o, const unsigned char *p, size_t n, const char *end)
{
	char line[80];

	put(o, line, ims_base64_encode(line, p, n));
	puts_(o, end);
}

static int
ascii_plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* A header value: as it is when plain short ASCII, else RFC 2047 encoded
 * words of UTF-8 on folded lines (never splitting a character). */
static void
text_value(eml_out *o, const char *s)
{
	size_t n = strlen(s), i = 0;

	if (ascii_plain(s) && n < 900) {
		puts_(o, s);
		return;
	}
	while (i < n) {
		size_t k = n - i < 45 ? n - i : 45;
		while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k--;
		puts_(o, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		b64_line(o, (const unsigned char *)s + i, k, "?=");
		i += k;
	}
}

static void
header(eml_out *o, const char *name, const char *value)
{
	if (!value)
		return;
	puts_(o, name);
	puts_(o, ": ");
	text_value(o, value);
	puts_(o, "\r\n");
}

/* sip:user@host -> user@host; other URIs -> their text @ "uri.invalid". */
static void
mailbox(eml_out *o, const ims_addr *a)
{
	const char *colon = strchr(a->uri, ':'), *addr = colon ? colon + 1 : a->uri;
	int has_at = strchr(addr, '@') != NULL;

	if (a->name && *a->name) {
		if (ascii_plain(a->name)) {
			puts_(o, "\"");
			for (const char *p = a->name; *p; p++) {
				if (*p == '"' || *p == '\\')
					puts_(o, "\\");
				put(o, p, 1);
			}
			puts_(o, "\" ");
		} else {
			text_value(o, a->name);
			puts_(o, " ");
		}
	}
	puts_(o, "<");
	for (const char *p = addr; *p; p++)
		if (strchr("<>\"\\ ,;()[]", *p) == NULL)
			put(o, p, 1);
	puts_(o, has_at ? ">" : "@uri.invalid>");
}

static void
mailboxes(eml_out *o, const char *name, const ims_addr *v, size_t n)
{
	if (!n)
		return;
	puts_(o, name);
	puts_(o, ": ");
	for (size_t i = 0; i < n; i++) {
		if (i)
			puts_(o, ",\r\n ");
		mailbox(o, &v[i]);
	}
	puts_(o, "\r\n");
}

static void
date(eml_out *o, int64_t us)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char s[64];

	if (!gmtime_r(&t, &tm))
		return;
	snprintf(s, sizeof(s), "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	         wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
	         tm.tm_hour, tm.tm_min, tm.tm_sec);
	puts_(o, s);
}

/* msg-id: the Message-ID when it has that form, else its bytes made safe. */
static void
msgid(eml_out *o, const char *id)
{
	static const char hx[] = "0123456789ABCDEF";
	int at = 0;

	puts_(o, "Message-ID: <");
	for (const char *p = id; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '@' && !at) {
			at = 1;
			put(o, p, 1);
		} else if (c > 0x20 && c < 0x7f && !strchr("<>\"\\()[],;:@%", c)) {
			put(o, p, 1);
		} else {
			char e[3] = { '%', hx[c >> 4], hx[c & 15] };
			put(o, e, 3);
		}
	}
	puts_(o, at ? ">\r\n" : "@imstore.invalid>\r\n");
}

static int
body_chunk(const void *chunk, size_t len, void *payload)
{
	eml_out *o = payload;
	const unsigned char *p = chunk;

	if (o->raw) {
		put(o, chunk, len);
		return o->err;
	}
	while (len) {
		size_t k = sizeof(o->carry) - o->ncarry;
		k = k < len ? k : len;
		memcpy(o->carry + o->ncarry, p, k);
		o->ncarry += k;
		p += k;
		len -= k;
		if (o->ncarry == sizeof(o->carry)) {
			b64_line(o, o->carry, o->ncarry, "\r\n");
			o->ncarry = 0;
		}
	}
	return o->err;
}

/* The value of a field, through the field table. */
static ims_field_value
field(const ims_msg *m, ims_field id)
{
	ims_field_value v;

	ims_msg_field_get(&v, m, id);
	return v;
}

/* A string field's header, when the message has the field. */
static void
string_header(eml_out *o, const char *name, const ims_msg *m, ims_field id)
{
	ims_field_value v = field(m, id);

	header(o, name, v.present ? v.str : NULL);
}

/* The body's type and encoding: what the stored bytes are (see above). */
static void
mime_fields(eml_out *o, const ims_msg *m)
{
	const char *t = field(m, IMS_FIELD_TYPE).str;

	if (ims__msg_is_cpim(m))
		t = "message/cpim";
	else if (!t)
		t = "text/plain";
	o->raw = strncasecmp(t, "message/", 8) == 0 || strncasecmp(t, "multipart/", 10) == 0;
	header(o, "Content-Type", t);
	puts_(o, o->raw ? "Content-Transfer-Encoding: binary\r\n"
	                : "Content-Transfer-Encoding: base64\r\n");
}

/* RFC 5322's fields and MIME's, in the order they are written: from the
 * message's fields, Date the sent time or else the received. */
static void
rfc5322_fields(eml_out *o, const ims_msg *m)
{
	ims_field_value v = field(m, IMS_FIELD_FROM);

	mailboxes(o, "From", v.addrs, v.n);
	v = field(m, IMS_FIELD_TO);
	mailboxes(o, "To", v.addrs, v.n);
	v = field(m, IMS_FIELD_CC);
	mailboxes(o, "Cc", v.addrs, v.n);
	v = field(m, IMS_FIELD_SENT);
	date(o, v.present ? v.num : field(m, IMS_FIELD_RECEIVED).num);
	string_header(o, "Subject", m, IMS_FIELD_SUBJECT);
	msgid(o, field(m, IMS_FIELD_MESSAGE_ID).str);
	puts_(o, "MIME-Version: 1.0\r\n");
	mime_fields(o, m);
}

/* The store's own values, by the field table's id, in its order; an
 * address is shown by its URI. */
static const char *const store_fields[IMS_FIELD_COUNT] = {
	[IMS_FIELD_ID] = "X-IMStore-Id",
	[IMS_FIELD_OWNER] = "X-IMStore-Owner",
	[IMS_FIELD_FOLDER] = "X-IMStore-Folder",
	[IMS_FIELD_FROM] = "X-IMStore-From",
	[IMS_FIELD_MESSAGE_ID] = "X-IMStore-Message-ID",
	[IMS_FIELD_CONVERSATION] = "X-IMStore-Conversation",
};

static void
x_fields(eml_out *o, const ims_msg *m)
{
	size_t n;
	const ims_msg_field *f = ims_msg_fields(&n);
	char id[IMS_ID_STRLEN + 1];
	ims_field_value v;

	for (size_t i = 0; i < n && i < IMS_FIELD_COUNT; i++) {
		if (!store_fields[i])
			continue;
		f[i].get(&v, m);
		if (f[i].type == IMS_FTYPE_ID) {
			ims_id_fmt(id, v.id);
			header(o, store_fields[i], id);
		} else if (f[i].type == IMS_FTYPE_ADDRESS) {
			header(o, store_fields[i], v.n ? v.addrs[0].uri : NULL);
		} else if (f[i].type == IMS_FTYPE_STRING) {
			header(o, store_fields[i], v.present ? v.str : NULL);
		}
	}
}

int
ims__eml_write(int fd, const ims_msg *m, ims_query *q)
{
	eml_out o;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	o.fd = fd;
	rfc5322_fields(&o, m);
	x_fields(&o, m);
	puts_(&o, "\r\n");
	if (m->size && (rc = ims_query_body_stream(q, body_chunk, &o)))
		return rc;
	if (o.ncarry)
		b64_line(&o, o.carry, o.ncarry, "\r\n");
	flush(&o);
	return o.err;
}
