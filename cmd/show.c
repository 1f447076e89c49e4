/* show.c - imstore show: one message's metadata and body. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cpim.h"

enum { S_RAW = 100, S_OWNER, S_FOLDER };

/* --folder: the words in the order of ims_folder */
static const cli_opt show_opts[] = {
	OPT_FLAG(S_RAW, 0, "raw", "write the exact body bytes and nothing else"),
	OPT_STRING(S_OWNER, 'o', "owner", "ADDR", "with a Message-ID: the owner it belongs to"),
	OPT_KEYWORD(S_FOLDER, 0, "folder", "FOLDER", "deferred history", "with a Message-ID, its folder"),
	OPT_END,
};

static int
write_chunk(const void *chunk, size_t len, void *payload)
{
	printer *p = payload;

	return p->ops->raw(p, chunk, len);
}

/* Text worth printing as is: UTF-8 without control characters but TAB,
 * CR and LF. */
static int
printable(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') ||
		    p[i] == 0x7f)
			return 0;
	return cpim_utf8_valid(p, n);
}

static void
put_base64(printer *p, const unsigned char *s, size_t n)
{
	char *out = malloc((n + 2) / 3 * 4 + 1);

	if (!out) {
		p->ops->str(p, NULL);
		return;
	}
	out[ims_base64_encode(out, s, n)] = '\0';
	p->ops->str(p, out);
	free(out);
}

/* The message an operand names: an id, or a Message-ID (unique once the
 * owner and folder options narrow it). */
static int
resolve(ims_id *out, cli *c, ims_store *st, const char *arg)
{
	const char *owner = NULL;
	int folder = 0;           /* an ims_folder, 0 for either */
	ims_msg *m;
	int rc, n = 0;

	if (ims_id_parse(out, arg) == 0)
		return 0;
	for (size_t i = 0; i < c->nopts; i++) {
		if (c->opts[i].id == S_OWNER) owner = c->opts[i].val;
		if (c->opts[i].id == S_FOLDER) folder = IMS_FOLDER_DEFERRED + c->opts[i].word;
	}
	if (!owner) {
		cli_err("'%s' is not an id; to show by Message-ID give --owner", arg);
		return EXIT_USAGE;
	}
	for (int f = 1; f <= 2; f++) {
		if (folder && f != folder)
			continue;
		rc = ims_get_by_msgid(&m, st, owner, (ims_folder)f, arg);
		if (rc == IMS_NOTFOUND)
			continue;
		if (rc)
			return cli_fail(rc, "cannot look up '%s'", arg);
		*out = m->id;
		ims_msg_free(m);
		n++;
	}
	if (n == 1)
		return 0;
	cli_err(n ? "message-id '%s' is in both folders (give --folder)"
	          : "no message '%s'", arg);
	return n ? EXIT_USAGE : EXIT_NOTFOUND;
}

/* After the metadata, a blank line and the body, ended by a newline; or a
 * note when it is not text. */
static void
text_body(printer *p, const char *body, size_t len)
{
	p->ops->raw(p, "\n", 1);
	if (!printable((const unsigned char *)body, len)) {
		print_line(p, "(binary body of %zu bytes: use --raw)", len);
		return;
	}
	p->ops->raw(p, body, len);
	if (len && body[len - 1] != '\n')
		p->ops->raw(p, "\n", 1);
}

static int
show_meta(cli *c, ims_store *st, const ims_msg *m)
{
	void *body;
	size_t len;
	int rc = ims_body_get(&body, &len, st, &m->id);

	if (rc)
		return cli_fail(rc, "cannot read the body of '%s'", c->operands[0]);
	c->out->ops->begin_map(c->out);
	print_msg_fields(c->out, m);
	if (c->format == FMT_JSON) {
		int text = printable(body, len);
		c->out->ops->key(c->out, text ? "body" : "body_base64");
		if (text)
			c->out->ops->strn(c->out, body, len);
		else
			put_base64(c->out, body, len);
		c->out->ops->end_map(c->out);
		c->out->ops->record_end(c->out);
	} else {
		c->out->ops->end_map(c->out);
		text_body(c->out, body, len);
	}
	free(body);
	return EXIT_OK;
}

static int
run_show(cli *c)
{
	ims_store *st;
	ims_msg *m = NULL;
	ims_id id;
	int rc, raw = 0;

	for (size_t i = 0; i < c->nopts; i++)
		raw |= c->opts[i].id == S_RAW;
	if (c->noperands != 1) {
		cli_err("show takes one ID or Message-ID");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(&st, c, IMS_OPEN_RDONLY)))
		return rc;
	if ((rc = resolve(&id, c, st, c->operands[0])))
		goto out;
	if ((rc = ims_get(&m, st, &id))) {
		rc = rc == IMS_NOTFOUND ? (cli_err("no message '%s'", c->operands[0]), EXIT_NOTFOUND)
		                        : cli_fail(rc, "cannot read '%s'", c->operands[0]);
		goto out;
	}
	if (raw && (rc = ims_body_stream(st, &id, write_chunk, c->out)))
		rc = cli_fail(rc, "cannot read the body of '%s'", c->operands[0]);
	else if (!raw)
		rc = show_meta(c, st, m);
out:
	ims_msg_free(m);
	ims_store_close(st);
	return rc;
}

const cli_cmd cmd_show = {
	"show", run_show, "ID | MESSAGE-ID", "show a message's metadata and body",
	show_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
