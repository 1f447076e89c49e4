/* opt.c - option tables: parsing, --help and the dump the docs test and
 * completions are checked against. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_opt cli_common_opts[] = {
	{ OPT_STORE, 's', "store", "DIR", "dir",
	  "the store directory (default $IMSTORE_STORE, else /var/lib/imstore)" },
	{ OPT_FORMAT, 0, "format", "FORMAT", "text json xml", "output format" },
	{ OPT_FORMAT_VERSION, 0, "format-version", "N", "1",
	  "version of the machine-readable output (only 1)" },
	{ OPT_HELP, 'h', "help", NULL, NULL, "show this help and exit" },
	{ OPT_VERSION, 0, "version", NULL, NULL, "show the version and exit" },
	{ 0, 0, NULL, NULL, NULL, NULL },
};

const cli_cmd *
cli_find(const char *name)
{
	for (int i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}

static const cli_opt *
find_opt(const cli_opt *t, const char *name, size_t len, char shortname)
{
	for (; t && t->id; t++) {
		if (shortname && t->shortname == shortname)
			return t;
		if (!shortname && strlen(t->name) == len && strncmp(t->name, name, len) == 0)
			return t;
	}
	return NULL;
}

static int
add_opt(cli *c, int id, const char *val)
{
	cli_arg *a = realloc(c->opts, (c->nopts + 1) * sizeof(*a));

	if (!a)
		return -1;
	c->opts = a;
	c->opts[c->nopts].id = id;
	c->opts[c->nopts].val = val;
	c->nopts++;
	return 0;
}

static int
set_format(cli *c, const char *v)
{
	if (strcmp(v, "text") == 0)
		c->format = FMT_TEXT;
	else if (strcmp(v, "json") == 0)
		c->format = FMT_JSON;
	else if (strcmp(v, "xml") == 0)
		c->format = FMT_XML;
	else {
		cli_err("unknown format '%s' (expected text, json or xml)", v);
		return EXIT_USAGE;
	}
	return 0;
}

static int
common(cli *c, const cli_opt *o, const char *val)
{
	char *end;

	switch (o->id) {
	case OPT_STORE:
		if (!*val) {
			cli_err("empty store path given with --store");
			return EXIT_USAGE;
		}
		c->store_path = val;
		return 0;
	case OPT_FORMAT: return set_format(c, val);
	case OPT_FORMAT_VERSION:
		c->format_version = (int)strtol(val, &end, 10);
		if (*end || c->format_version != 1) {
			cli_err("unsupported format version '%s' (this imstore writes 1)", val);
			return EXIT_USAGE;
		}
		return 0;
	default:
		return add_opt(c, o->id, val) ? EXIT_ERR : 0;
	}
}

/* Resolve one option at argv[*i]; consumes its argument. */
static int
one_opt(cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *eq = NULL, *val = NULL;
	const cli_opt *o;
	size_t len;

	if (a[1] == '-') {
		eq = strchr(a + 2, '=');
		len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		o = find_opt(cli_common_opts, a + 2, len, 0);
		if (!o && c->cmd)
			o = find_opt(c->cmd->opts, a + 2, len, 0);
		if (!o && c->cmd)
			o = find_opt(c->cmd->msg_opts, a + 2, len, 0);
	} else {
		if (a[2] != '\0')
			eq = a + 1; /* -sDIR */
		o = find_opt(cli_common_opts, NULL, 0, a[1]);
		if (!o && c->cmd)
			o = find_opt(c->cmd->opts, NULL, 0, a[1]);
		if (!o && c->cmd)
			o = find_opt(c->cmd->msg_opts, NULL, 0, a[1]);
	}
	if (!o) {
		cli_err("unknown option '%s'%s%s", a, c->cmd ? " for " : "",
		        c->cmd ? c->cmd->name : "");
		return EXIT_USAGE;
	}
	if (o->arg) {
		if (eq)
			val = eq + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		else {
			cli_err("option '%s' needs an argument (%s)", a, o->arg);
			return EXIT_USAGE;
		}
	} else if (eq && a[1] == '-') {
		cli_err("option '--%s' takes no argument", o->name);
		return EXIT_USAGE;
	} else if (eq) {
		cli_err("unknown option '%s' (short options cannot be combined)", a);
		return EXIT_USAGE;
	}
	return common(c, o, val);
}

/* Parse argv[first..]: options anywhere, "--" ends them.  Before the command
 * is known (c->cmd NULL) only common options are accepted and parsing stops
 * at the first operand, which is returned through *first. */
int
cli_parse(cli *c, int argc, char **argv, int first)
{
	int rc, opts_done = 0;

	for (int i = first; i < argc; i++) {
		char *a = argv[i];
		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = 1;
			continue;
		}
		if (!opts_done && a[0] == '-' && a[1] != '\0') {
			if ((rc = one_opt(c, argc, argv, &i)))
				return rc;
			continue;
		}
		if (!c->cmd)
			return -(i + 1); /* the command name's index, encoded */
		c->operands[c->noperands++] = a;
	}
	return 0;
}

static void
opt_line(FILE *f, const cli_opt *o)
{
	char left[64];

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s",
	         o->shortname ? '-' : ' ', o->shortname ? o->shortname : ' ',
	         o->shortname ? ", " : "  ", o->name, o->arg ? " " : "",
	         o->arg ? o->arg : "");
	fprintf(f, "  %-28s %s\n", left, o->help);
}

void
cli_usage(FILE *f, const cli_cmd *cmd)
{
	if (!cmd) {
		fprintf(f, "usage: imstore [options] COMMAND [options] [ARGS]\n\n"
		        "commands:\n");
		for (int i = 0; cli_commands[i]; i++)
			fprintf(f, "  %-10s %s\n", cli_commands[i]->name,
			        cli_commands[i]->summary);
		fprintf(f, "\ncommon options:\n");
		for (const cli_opt *o = cli_common_opts; o->id; o++)
			opt_line(f, o);
		fprintf(f, "\nrun 'imstore COMMAND --help' for a command's options\n");
		return;
	}
	fprintf(f, "usage: imstore %s [options]%s%s\n%s\n", cmd->name,
	        cmd->operands[0] ? " " : "", cmd->operands, cmd->summary);
	if (cmd->opts && cmd->opts->id) {
		fprintf(f, "\noptions:\n");
		for (const cli_opt *o = cmd->opts; o->id; o++)
			opt_line(f, o);
	}
	if (cmd->msg_opts) {
		fprintf(f, "\nmessage options:\n");
		for (const cli_opt *o = cmd->msg_opts; o->id; o++)
			opt_line(f, o);
	}
	fprintf(f, "\ncommon options:\n");
	for (const cli_opt *o = cli_common_opts; o->id; o++)
		opt_line(f, o);
}

static void
dump_table(FILE *f, const char *cmd, const cli_opt *o)
{
	for (; o && o->id; o++)
		fprintf(f, "%s\t%c\t%s\t%s\t%s\n", cmd, o->shortname ? o->shortname : '-',
		        o->name, o->arg ? o->arg : "-", o->complete ? o->complete : "-");
}

/* "COMMAND <TAB> short <TAB> long <TAB> ARG <TAB> completion" per option;
 * COMMAND "*" for the common options. */
void
cli_dump_options(FILE *f)
{
	dump_table(f, "*", cli_common_opts);
	for (int i = 0; cli_commands[i]; i++) {
		fprintf(f, "%s\t-\t-\t%s\t-\n", cli_commands[i]->name,
		        cli_commands[i]->operands[0] ? cli_commands[i]->operands : "-");
		dump_table(f, cli_commands[i]->name, cli_commands[i]->opts);
		dump_table(f, cli_commands[i]->name, cli_commands[i]->msg_opts);
	}
}
