/* test_limits.c - ids and fields at and past the storage engine's key size
 * (511, 512 and 4096 bytes), invalid UTF-8 and control characters in every
 * field of a message: a clear error (IMS_INVALID or IMS_TOOBIG, naming the
 * field) or a stored value that reads back unchanged, never an internal
 * storage error. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "imstore.h"

static ims_store *st;

enum field {
	F_OWNER, F_FROM, F_FROM_NAME, F_TO, F_TO_NAME, F_MSGID, F_CONV,
	F_CTYPE, F_SUBJECT, F_SENT_TEXT, F_HNAME, F_HVALUE, F_N
};

static const char *const field_names[F_N] = {
	"owner", "from", "from name", "to", "to name", "message-id",
	"conversation", "content-type", "subject", "sent text", "header name",
	"header value",
};

/* A value for a field, about len bytes, with bad spliced in (may be "") */
static char *
make_value(enum field f, size_t len, const char *bad)
{
	char *s = malloc(len + 64);
	size_t n;

	if (f == F_OWNER || f == F_FROM || f == F_TO) {
		n = (size_t)sprintf(s, "sip:u%s", bad);
		while (n + 12 < len)
			s[n++] = 'a';
		strcpy(s + n, "@example.org");
	} else if (f == F_CTYPE) {
		n = (size_t)sprintf(s, "text/plain; x=%s", bad);
		while (n < len)
			s[n++] = 'a';
		s[n] = 0;
	} else if (f == F_HNAME) {
		n = (size_t)sprintf(s, "X-%s", bad);
		while (n < len)
			s[n++] = 'a';
		s[n] = 0;
	} else {
		n = (size_t)sprintf(s, "v%s", bad);
		while (n < len)
			s[n++] = 'a';
		s[n] = 0;
	}
	return s;
}

static const char *
field_of(const ims_msg *m, enum field f)
{
	switch (f) {
	case F_OWNER: return m->owner;
	case F_FROM: return m->from.uri;
	case F_FROM_NAME: return m->from.name;
	case F_TO: return m->nto ? m->to[0].uri : NULL;
	case F_TO_NAME: return m->nto ? m->to[0].name : NULL;
	case F_MSGID: return m->message_id;
	case F_CONV: return m->conversation;
	case F_CTYPE: return m->content_type;
	case F_SUBJECT: return m->subject;
	case F_SENT_TEXT: return m->sent_text;
	case F_HNAME: return m->nheaders ? m->headers[0].name : NULL;
	case F_HVALUE: return m->nheaders ? m->headers[0].value : NULL;
	default: return NULL;
	}
}

/* Store a message whose field f is value; 0 when it stored and read back. */
static int
try_field(enum field f, const char *value, int *roundtrip)
{
	static unsigned serial;
	char msgid[64];
	ims_addr to = { "sip:to@example.org", "To" };
	ims_header h = { "X-H", "v" };
	ims_msg m = IMS_MSG_INIT, *got = NULL;
	ims_errinfo err;
	ims_id id;
	int rc, rc2;

	snprintf(msgid, sizeof(msgid), "lim-%u@example.org", serial++);
	m.owner = "sip:owner@example.org";
	m.from.uri = "sip:from@example.org";
	m.to = &to;
	m.nto = 1;
	m.headers = &h;
	m.nheaders = 1;
	m.message_id = msgid;
	switch (f) {
	case F_OWNER: m.owner = value; break;
	case F_FROM: m.from.uri = value; break;
	case F_FROM_NAME: m.from.name = value; break;
	case F_TO: to.uri = value; break;
	case F_TO_NAME: to.name = value; break;
	case F_MSGID: m.message_id = value; break;
	case F_CONV: m.conversation = value; break;
	case F_CTYPE: m.content_type = value; break;
	case F_SUBJECT: m.subject = value; break;
	case F_SENT_TEXT: m.sent_text = value; break;
	case F_HNAME: h.name = value; break;
	case F_HVALUE: h.value = value; break;
	default: break;
	}
	memset(&err, 0, sizeof(err));
	rc2 = ims_msg_check(&m, &err);
	rc = ims_put(&id, st, &m, "body", 4);
	*roundtrip = 1;
	if (rc == 0) {
		if (ims_get(&got, st, &id) != 0)
			*roundtrip = 0;
		else if (f != F_OWNER && f != F_FROM && f != F_TO &&
		         strcmp(field_of(got, f) ? field_of(got, f) : "", value) != 0)
			*roundtrip = 0;
		ims_msg_free(got);
		ims_delete(st, &id);
	} else if (rc2 != rc && rc != IMS_EXISTS) {
		diag("%s: ims_msg_check %s, ims_put %s", field_names[f],
		     ims_strerror(rc2), ims_strerror(rc));
	} else if (!err.message[0]) {
		diag("%s: %s without a message", field_names[f], ims_strerror(rc));
		*roundtrip = 0;
	}
	return rc;
}

static void
test_fields(void)
{
	static const size_t lens[] = { 255, 256, 257, 480, 481, 511, 512, 4096, 4097, 70000 };
	static const struct { const char *what, *bytes; } bad[] = {
		{ "invalid UTF-8", "\xc3\x28" },
		{ "a lone continuation byte", "\x80" },
		{ "an overlong encoding", "\xc0\xaf" },
		{ "a surrogate", "\xed\xa0\x80" },
		{ "CR LF", "\r\nX-Smuggled: 1" },
		{ "a control character", "\x01" },
		{ "DEL", "\x7f" },
	};

	for (int f = 0; f < F_N; f++) {
		int internal = 0, lost = 0, len_ok = 0;

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			char *v = make_value((enum field)f, lens[i], "");
			int rt, rc = try_field((enum field)f, v, &rt);

			if (rc != 0 && rc != IMS_TOOBIG && rc != IMS_INVALID) {
				diag("%s of %zu bytes: %s", field_names[f], lens[i], ims_strerror(rc));
				internal++;
			}
			if (rc == 0)
				len_ok++;
			lost += !rt;
			free(v);
		}
		is_int(internal, 0, "%s of 255 to 70000 bytes: stored or IMS_TOOBIG/IMS_INVALID",
		       field_names[f]);
		is_int(lost, 0, "%s: what is stored reads back the same (%d lengths stored)",
		       field_names[f], len_ok);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char *v = make_value((enum field)f, 20, bad[i].bytes);
			int rt, rc = try_field((enum field)f, v, &rt);

			is_int(rc, IMS_INVALID, "%s with %s refused", field_names[f], bad[i].what);
			free(v);
		}
	}
}

/* The lookups and deletions by Message-ID and user take any length. */
static void
test_lookups(void)
{
	static const size_t lens[] = { 511, 512, 4096 };
	ims_lease *l;
	uint64_t count;
	ims_msg *got;
	ims_settings s = IMS_SETTINGS_INIT;

	for (size_t i = 0; i < 3; i++) {
		char *id = make_value(F_MSGID, lens[i], "");
		char *user = make_value(F_OWNER, lens[i], "");
		const char *ids[1] = { id };
		int rc;

		rc = ims_get_by_msgid(&got, st, "sip:owner@example.org", IMS_FOLDER_DEFERRED, id);
		ok(rc == IMS_NOTFOUND || rc == IMS_TOOBIG || rc == IMS_INVALID,
		   "get_by_msgid, %zu-byte Message-ID: %s", lens[i], ims_strerror(rc));
		rc = ims_get_by_msgid(&got, st, user, IMS_FOLDER_DEFERRED, "x@y");
		ok(rc == IMS_NOTFOUND || rc == IMS_TOOBIG || rc == IMS_INVALID,
		   "get_by_msgid, %zu-byte owner: %s", lens[i], ims_strerror(rc));
		l = NULL;
		rc = ims_deferred_lease(&l, st, "sip:owner@example.org", ids, 1, 0);
		ok(rc == 0 || rc == IMS_TOOBIG || rc == IMS_INVALID,
		   "deferred_lease, %zu-byte Message-ID: %s", lens[i], ims_strerror(rc));
		ok(rc != 0 || ims_lease_count(l) == 0, "and leases nothing");
		ims_lease_free(l);
		count = 0;
		rc = ims_deferred_delete(&count, st, "sip:owner@example.org", ids, 1, NULL);
		ok(rc == 0 || rc == IMS_TOOBIG || rc == IMS_INVALID,
		   "deferred_delete, %zu-byte Message-ID: %s", lens[i], ims_strerror(rc));
		rc = ims_settings_get(&s, st, user);
		ok(rc == 0 || rc == IMS_NOTFOUND || rc == IMS_TOOBIG || rc == IMS_INVALID,
		   "settings_get, %zu-byte user: %s", lens[i], ims_strerror(rc));
		rc = ims_settings_set(st, user, &s);
		ok(rc == 0 || rc == IMS_TOOBIG || rc == IMS_INVALID,
		   "settings_set, %zu-byte user: %s", lens[i], ims_strerror(rc));
		if (strlen(user) > IMS_ADDR_MAX) {
			/* the two answer alike: an overlong user is not an address */
			is_int(ims_settings_get(&s, st, user), IMS_INVALID,
			       "settings_get, %zu-byte user: IMS_INVALID", lens[i]);
			is_int(ims_settings_set(st, user, &s), IMS_INVALID,
			       "settings_set, %zu-byte user: IMS_INVALID", lens[i]);
		}
		free(id);
		free(user);
	}
}

int
main(void)
{
	char dir[] = "/tmp/ims-limits.XXXXXX", cmd[64];
	ims_open_opts o = IMS_OPEN_OPTS_INIT;

	if (!mkdtemp(dir))
		return 1;
	o.flags = IMS_OPEN_CREATE;
	if (ims_store_open(&st, dir, &o) != 0)
		return 1;
	test_fields();
	test_lookups();
	ims_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	return done_testing();
}
