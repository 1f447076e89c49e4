/* test_field.c - the table of message fields: its rows in id order, every
 * field of a full message read back through the getters, absent fields
 * reading as absent. */
#include <string.h>

#include "imstore.h"
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

/* Every field set, none to its default. */
static ims_msg
full(void)
{
	ims_msg m = IMS_MSG_INIT;

	ims_id_parse(&m.id, "01M99HA5TYKE7KJNVNAV19BXJJ");
	m.folder = IMS_FOLDER_HISTORY;
	m.mode = IMS_MODE_SESSION;
	m.state = IMS_STATE_DELIVERED;
	m.flags = IMS_MSGF_HELD | IMS_MSGF_HIDDEN;
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
	m.expires = 1769904000000000LL;
	m.delivered = 1767225601000000LL;
	m.content_type = "text/plain; charset=utf-8";
	m.subject = "Lunch?";
	m.size = 4242;
	m.headers = hdrs;
	m.nheaders = 2;
	return m;
}

static void
test_table(void)
{
	static const char *const names[IMS_FIELD_COUNT] = {
		"id", "owner", "folder", "mode", "state", "held", "hidden", "from", "to",
		"cc", "message_id", "conversation", "received", "sent", "sent_text",
		"expires", "delivered", "type", "subject", "size", "headers",
	};
	size_t n = 0;
	const ims_msg_field *f = ims_msg_fields(&n);
	int in_order = 1;

	is_int(n, IMS_FIELD_COUNT, "the table has a row per field");
	for (size_t i = 0; i < n; i++) {
		in_order &= f[i].id == (ims_field)i && f[i].get != NULL;
		is_str(f[i].name, names[i], "field %zu is named %s", i, names[i]);
		for (size_t j = 0; j < i; j++)
			ok(strcmp(f[i].name, f[j].name) != 0, "%s: its name once", f[i].name);
	}
	ok(in_order, "rows in the order of their ids, each with a getter");
}

static void
is_type(ims_field id, ims_field_type want)
{
	size_t n;

	is_int(ims_msg_fields(&n)[id].type, want, "%s: its type",
	       ims_msg_fields(&n)[id].name);
}

static void
test_types(void)
{
	is_type(IMS_FIELD_ID, IMS_FTYPE_ID);
	is_type(IMS_FIELD_HELD, IMS_FTYPE_BOOLEAN);
	is_type(IMS_FIELD_HIDDEN, IMS_FTYPE_BOOLEAN);
	is_type(IMS_FIELD_FROM, IMS_FTYPE_ADDRESS);
	is_type(IMS_FIELD_TO, IMS_FTYPE_ADDRESSES);
	is_type(IMS_FIELD_CC, IMS_FTYPE_ADDRESSES);
	is_type(IMS_FIELD_RECEIVED, IMS_FTYPE_TIME);
	is_type(IMS_FIELD_SENT, IMS_FTYPE_TIME);
	is_type(IMS_FIELD_EXPIRES, IMS_FTYPE_TIME);
	is_type(IMS_FIELD_DELIVERED, IMS_FTYPE_TIME);
	is_type(IMS_FIELD_SIZE, IMS_FTYPE_INTEGER);
	is_type(IMS_FIELD_HEADERS, IMS_FTYPE_HEADERS);
	is_type(IMS_FIELD_SUBJECT, IMS_FTYPE_STRING);
}

static ims_field_value
get(const ims_msg *m, ims_field id)
{
	ims_field_value v;

	memset(&v, 0x5a, sizeof(v));
	if (ims_msg_field_get(&v, m, id) != 0)
		memset(&v, 0, sizeof(v));
	return v;
}

static void
is_string(const ims_msg *m, ims_field id, const char *want)
{
	ims_field_value v = get(m, id);

	ok(v.present, "field %d present", (int)id);
	is_str(v.str, want, "field %d reads '%s'", (int)id, want);
}

static void
is_num(const ims_msg *m, ims_field id, int64_t want)
{
	ims_field_value v = get(m, id);

	ok(v.present, "field %d present", (int)id);
	is_int(v.num, want, "field %d reads %lld", (int)id, (long long)want);
}

static void
test_full(void)
{
	ims_msg m = full();
	ims_field_value v;

	v = get(&m, IMS_FIELD_ID);
	ok(v.present && v.id == &m.id, "id: the message's");
	is_string(&m, IMS_FIELD_OWNER, m.owner);
	is_string(&m, IMS_FIELD_FOLDER, "history");
	is_string(&m, IMS_FIELD_MODE, "session");
	is_string(&m, IMS_FIELD_STATE, "delivered");
	is_num(&m, IMS_FIELD_HELD, 1);
	is_num(&m, IMS_FIELD_HIDDEN, 1);
	v = get(&m, IMS_FIELD_FROM);
	ok(v.present && v.n == 1 && v.addrs == &m.from, "from: the message's address");
	v = get(&m, IMS_FIELD_TO);
	ok(v.present && v.n == 2 && v.addrs == to, "to: the message's list");
	v = get(&m, IMS_FIELD_CC);
	ok(v.present && v.n == 1 && v.addrs == cc, "cc: the message's list");
	is_string(&m, IMS_FIELD_MESSAGE_ID, m.message_id);
	is_string(&m, IMS_FIELD_CONVERSATION, m.conversation);
	is_num(&m, IMS_FIELD_RECEIVED, m.received);
	is_num(&m, IMS_FIELD_SENT, m.sent);
	is_string(&m, IMS_FIELD_SENT_TEXT, m.sent_text);
	is_num(&m, IMS_FIELD_EXPIRES, m.expires);
	is_num(&m, IMS_FIELD_DELIVERED, m.delivered);
	is_string(&m, IMS_FIELD_TYPE, m.content_type);
	is_string(&m, IMS_FIELD_SUBJECT, m.subject);
	is_num(&m, IMS_FIELD_SIZE, 4242);
	v = get(&m, IMS_FIELD_HEADERS);
	ok(v.present && v.n == 2 && v.headers == hdrs, "headers: the message's list");
}

/* The getters through the table's own pointers agree with the function. */
static void
test_get_pointer(void)
{
	ims_msg m = full();
	size_t n;
	const ims_msg_field *f = ims_msg_fields(&n);
	int same = 1;

	for (size_t i = 0; i < n; i++) {
		ims_field_value a = get(&m, f[i].id), b;
		memset(&b, 0x5a, sizeof(b));
		f[i].get(&b, &m);
		same &= a.present == b.present && a.num == b.num && a.n == b.n &&
		        a.id == b.id && a.addrs == b.addrs && a.headers == b.headers &&
		        (a.str == b.str || (a.str && b.str && strcmp(a.str, b.str) == 0));
	}
	ok(same, "the table's getters read what ims_msg_field_get() reads");
}

static void
is_absent(const ims_msg *m, ims_field id)
{
	ims_field_value v = get(m, id);

	ok(!v.present, "field %d absent", (int)id);
}

static void
test_absent(void)
{
	ims_msg m = IMS_MSG_INIT;
	ims_field_value v;
	static const ims_field absent[] = {
		IMS_FIELD_OWNER, IMS_FIELD_FROM, IMS_FIELD_TO, IMS_FIELD_CC,
		IMS_FIELD_MESSAGE_ID, IMS_FIELD_CONVERSATION, IMS_FIELD_RECEIVED,
		IMS_FIELD_SENT, IMS_FIELD_SENT_TEXT, IMS_FIELD_EXPIRES, IMS_FIELD_DELIVERED,
		IMS_FIELD_TYPE, IMS_FIELD_SUBJECT, IMS_FIELD_HEADERS,
	};

	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		is_absent(&m, absent[i]);
	v = get(&m, IMS_FIELD_SUBJECT);
	ok(v.str == NULL, "an absent subject reads NULL");
	v = get(&m, IMS_FIELD_TYPE);
	is_str(v.str, "text/plain", "an absent type reads text/plain");
	v = get(&m, IMS_FIELD_TO);
	ok(v.n == 0 && v.str == NULL, "an absent list has no entries");
	is_num(&m, IMS_FIELD_HELD, 0);
	is_num(&m, IMS_FIELD_HIDDEN, 0);
	is_num(&m, IMS_FIELD_SIZE, 0);
	v = get(&m, IMS_FIELD_ID);
	ok(v.present && v.id == &m.id, "an id is always there");
}

static void
test_unknown(void)
{
	ims_msg m = full();
	ims_field_value v;

	is_int(ims_msg_field_get(&v, &m, IMS_FIELD_COUNT), IMS_INVALID,
	       "IMS_FIELD_COUNT is not a field");
	is_int(ims_msg_field_get(&v, &m, (ims_field)-1), IMS_INVALID, "nor is -1");
}

int
main(void)
{
	test_table();
	test_types();
	test_full();
	test_get_pointer();
	test_absent();
	test_unknown();
	return done_testing();
}
