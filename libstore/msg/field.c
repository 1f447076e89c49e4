/* field.c - the table of a message's fields (imstore.h, "Message fields"):
 * name, type and getter, in the order every writer of messages follows
 * (the model is tmux's format_table[]).
 * The command's printers, the export manifest and the eml layout read
 * messages through it, each with its own spelling of the names. */
#include <string.h>

#include "internal.h"

static void
f_str(ims_field_value *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	v->present = s != NULL;
	v->str = s;
}

static void
f_time(ims_field_value *v, int64_t us)
{
	memset(v, 0, sizeof(*v));
	v->present = us != IMS_TIME_NONE;
	v->num = us;
}

static void
f_num(ims_field_value *v, int64_t n)
{
	memset(v, 0, sizeof(*v));
	v->present = 1;
	v->num = n;
}

static void
f_list(ims_field_value *v, const ims_addr *a, const ims_header *h, size_t n)
{
	memset(v, 0, sizeof(*v));
	v->present = n > 0;
	v->addrs = a;
	v->headers = h;
	v->n = n;
}

static void
get_id(ims_field_value *v, const ims_msg *m)
{
	memset(v, 0, sizeof(*v));
	v->present = 1;
	v->id = &m->id;
}

static void
get_from(ims_field_value *v, const ims_msg *m)
{
	f_list(v, &m->from, NULL, 1);
	v->present = m->from.uri != NULL;
}

static void
get_type(ims_field_value *v, const ims_msg *m)
{
	f_str(v, m->content_type);
	if (!v->present)
		v->str = "text/plain";
}

static void get_owner(ims_field_value *v, const ims_msg *m) { f_str(v, m->owner); }
static void
get_folder(ims_field_value *v, const ims_msg *m)
{
	f_str(v, ims_folder_name(m->folder));
}
static void
get_mode(ims_field_value *v, const ims_msg *m)
{
	f_str(v, ims_mode_name(m->mode));
}
static void
get_state(ims_field_value *v, const ims_msg *m)
{
	f_str(v, ims_state_name(m->state));
}
static void
get_held(ims_field_value *v, const ims_msg *m)
{
	f_num(v, (m->flags & IMS_MSGF_HELD) != 0);
}
static void
get_hidden(ims_field_value *v, const ims_msg *m)
{
	f_num(v, (m->flags & IMS_MSGF_HIDDEN) != 0);
}
static void get_to(ims_field_value *v, const ims_msg *m) { f_list(v, m->to, NULL, m->nto); }
static void get_cc(ims_field_value *v, const ims_msg *m) { f_list(v, m->cc, NULL, m->ncc); }
static void
get_msgid(ims_field_value *v, const ims_msg *m)
{
	f_str(v, m->message_id);
}
static void
get_conv(ims_field_value *v, const ims_msg *m)
{
	f_str(v, m->conversation);
}
static void get_received(ims_field_value *v, const ims_msg *m) { f_time(v, m->received); }
static void get_sent(ims_field_value *v, const ims_msg *m) { f_time(v, m->sent); }
static void get_sent_text(ims_field_value *v, const ims_msg *m) { f_str(v, m->sent_text); }
static void get_expires(ims_field_value *v, const ims_msg *m) { f_time(v, m->expires); }
static void get_delivered(ims_field_value *v, const ims_msg *m) { f_time(v, m->delivered); }
static void get_subject(ims_field_value *v, const ims_msg *m) { f_str(v, m->subject); }
static void get_size(ims_field_value *v, const ims_msg *m) { f_num(v, (int64_t)m->size); }
static void
get_headers(ims_field_value *v, const ims_msg *m)
{
	f_list(v, NULL, m->headers, m->nheaders);
}

static const ims_msg_field fields[] = {
	{ IMS_FIELD_ID, "id", IMS_FTYPE_ID, get_id },
	{ IMS_FIELD_OWNER, "owner", IMS_FTYPE_STRING, get_owner },
	{ IMS_FIELD_FOLDER, "folder", IMS_FTYPE_STRING, get_folder },
	{ IMS_FIELD_MODE, "mode", IMS_FTYPE_STRING, get_mode },
	{ IMS_FIELD_STATE, "state", IMS_FTYPE_STRING, get_state },
	{ IMS_FIELD_HELD, "held", IMS_FTYPE_BOOLEAN, get_held },
	{ IMS_FIELD_HIDDEN, "hidden", IMS_FTYPE_BOOLEAN, get_hidden },
	{ IMS_FIELD_FROM, "from", IMS_FTYPE_ADDRESS, get_from },
	{ IMS_FIELD_TO, "to", IMS_FTYPE_ADDRESSES, get_to },
	{ IMS_FIELD_CC, "cc", IMS_FTYPE_ADDRESSES, get_cc },
	{ IMS_FIELD_MESSAGE_ID, "message_id", IMS_FTYPE_STRING, get_msgid },
	{ IMS_FIELD_CONVERSATION, "conversation", IMS_FTYPE_STRING, get_conv },
	{ IMS_FIELD_RECEIVED, "received", IMS_FTYPE_TIME, get_received },
	{ IMS_FIELD_SENT, "sent", IMS_FTYPE_TIME, get_sent },
	{ IMS_FIELD_SENT_TEXT, "sent_text", IMS_FTYPE_STRING, get_sent_text },
	{ IMS_FIELD_EXPIRES, "expires", IMS_FTYPE_TIME, get_expires },
	{ IMS_FIELD_DELIVERED, "delivered", IMS_FTYPE_TIME, get_delivered },
	{ IMS_FIELD_TYPE, "type", IMS_FTYPE_STRING, get_type },
	{ IMS_FIELD_SUBJECT, "subject", IMS_FTYPE_STRING, get_subject },
	{ IMS_FIELD_SIZE, "size", IMS_FTYPE_INTEGER, get_size },
	{ IMS_FIELD_HEADERS, "headers", IMS_FTYPE_HEADERS, get_headers },
};

_Static_assert(sizeof(fields) / sizeof(fields[0]) == IMS_FIELD_COUNT,
               "a row for every ims_field");

const ims_msg_field *
ims_msg_fields(size_t *count)
{
	*count = IMS_FIELD_COUNT;
	return fields;
}

int
ims_msg_field_get(ims_field_value *out, const ims_msg *m, ims_field id)
{
	if ((unsigned)id >= IMS_FIELD_COUNT)
		return IMS_INVALID;
	fields[id].get(out, m);
	return 0;
}
