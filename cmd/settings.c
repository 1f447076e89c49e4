/* settings.c - imstore settings: a user's IM service settings (OMA IM 004
 * §5.2.4): get them, or set them from the document a client PUBLISHes. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void
print_settings(cli *c, const char *user, const ims_settings *s)
{
	printer *p = c->out;
	char *xml;
	size_t len;
	char canon[IMS_ADDR_MAX + 1];

	if (c->format == FMT_XML) {
		if (ims_settings_write(&xml, &len, s) == 0) {
			p->ops->raw(p, xml, len);
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
		return EXIT_DATAERR;
	}
	if ((rc = ims_settings_set(st, user, s)))
		return cli_fail(rc, "cannot store the settings of '%s'", user);
	(void)c;
	return 0;
}

/* Read the settings of USER; with set, parse FILE over them and store
 * them; print them. */
static int
get_set(cli *c, int is_set)
{
	const char *user = c->operands[0];
	ims_settings s;
	ims_store *st;
	int rc = cli_open_user(&st, c, 1, is_set ? 2 : 1, is_set ? 0 : IMS_OPEN_RDONLY);

	if (rc)
		return rc;
	if ((rc = ims_settings_get(&s, st, user)))
		rc = cli_fail(rc, "cannot read the settings of '%s'", user);
	else if (is_set)
		rc = set(c, st, user, c->noperands == 2 ? c->operands[1] : "-", &s);
	ims_store_close(st);
	if (rc == 0)
		print_settings(c, user, &s);
	return rc;
}

static int run_get(cli *c) { return get_set(c, 0); }
static int run_set(cli *c) { return get_set(c, 1); }

static const cli_cmd settings_subs[] = {
	{ "get", run_get, "USER", "show the settings of USER", NULL, FMTS_ALL, NULL },
	{ "set", run_set, "USER [FILE | -]",
	  "set the settings of USER from a settings document, and show them", NULL,
	  FMTS_ALL, NULL },
	CLI_SUBS_END,
};

const cli_cmd cmd_settings = {
	"settings", NULL, "SUBCOMMAND USER [FILE | -]",
	"a user's IM service settings: read them, or set them from a settings document",
	NULL, FMTS_ALL, settings_subs,
};
