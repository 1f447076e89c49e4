/* settings.c - imstore settings: a user's IM service settings (OMA IM 004
 * §5.2.4): get them, or set them from the document a client PUBLISHes. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt settings_opts[] = {
	{ 0, 0, NULL, NULL, NULL, NULL },
};

static void
print_settings(cli *c, const char *user, const ims_settings *s)
{
	printer *p = c->out;
	char *xml;
	size_t len;
	char canon[IMS_ADDR_MAX + 1];

	if (c->format == FMT_XML) {
		if (ims_settings_write(&xml, &len, s) == 0) {
			fwrite(xml, 1, len, stdout);
			free(xml);
		}
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "user");
	p->ops->str(p, ims_addr_canon(canon, sizeof(canon), user) == 0 ? canon : user);
	p->ops->key(p, "offline_delivery");
	p->ops->str(p, s->offline_push ? "push" : "notify");
	p->ops->key(p, "history_session");
	p->ops->boolean(p, s->history_session);
	p->ops->key(p, "history_pager");
	p->ops->boolean(p, s->history_pager);
	p->ops->key(p, "bar_session");
	p->ops->boolean(p, s->bar_session);
	p->ops->key(p, "bar_pager");
	p->ops->boolean(p, s->bar_pager);
	p->ops->key(p, "invisible");
	p->ops->boolean(p, s->invisible);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

/* Parse FILE over the current settings and store the result. */
static int
set(cli *c, ims_store *st, const char *user, const char *path, ims_settings *s)
{
	unsigned char *data;
	size_t len;
	int mapped, rc;
	ims_errinfo e;

	if ((rc = cli_read_input(&data, &len, &mapped, path)))
		return cli_fail(rc, "cannot read '%s'", path);
	rc = ims_settings_parse(s, data, len, &e);
	cli_free_input(data, len, mapped);
	if (rc) {
		cli_err("invalid settings document '%s': %s", path, e.message);
		return EXIT_ERR;
	}
	if ((rc = ims_settings_set(st, user, s)))
		return cli_fail(rc, "cannot store the settings of '%s'", user);
	(void)c;
	return 0;
}

static int
run_settings(cli *c)
{
	const char *sub = c->noperands ? c->operands[0] : "";
	int is_set = strcmp(sub, "set") == 0;
	ims_settings s;
	ims_store *st;
	int rc;

	if ((strcmp(sub, "get") && !is_set) || c->noperands < 2 ||
	    c->noperands > (is_set ? 3u : 2u)) {
		cli_err("usage: imstore settings get USER | imstore settings set USER [FILE | -]");
		return EXIT_USAGE;
	}
	if ((rc = cli_check_user(c->operands[1])) ||
	    (rc = cli_open(&st, c, is_set ? 0 : IMS_OPEN_RDONLY)))
		return rc;
	if ((rc = ims_settings_get(&s, st, c->operands[1])))
		rc = cli_fail(rc, "cannot read the settings of '%s'", c->operands[1]);
	else if (is_set)
		rc = set(c, st, c->operands[1], c->noperands == 3 ? c->operands[2] : "-", &s);
	ims_store_close(st);
	if (rc == 0)
		print_settings(c, c->operands[1], &s);
	return rc;
}

const cli_cmd cmd_settings = {
	"settings", run_settings, "get USER | set USER [FILE | -]",
	"a user's IM service settings: read them, or set them from a settings document",
	settings_opts, 1u << FMT_TEXT | 1u << FMT_JSON | 1u << FMT_XML, NULL,
};
