/* usage.c - what the tables tell a reader: --help of imstore, of a command
 * and of a subcommand, and the dump of every table (`imstore __options`)
 * that the completions and tests/check-docs.sh are made from. */
#include <string.h>

#include "cli.h"

/* "  -o, --owner ADDR             help", a keyword's values after its help */
static void
opt_line(FILE *f, const cli_opt *o)
{
	char left[64];
	const char *w = o->type == CLI_KEYWORD ? o->words : NULL;

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s",
	         o->shortname ? '-' : ' ', o->shortname ? o->shortname : ' ',
	         o->shortname ? ", " : "  ", o->name, o->arg ? " " : "",
	         o->arg ? o->arg : "");
	fprintf(f, "  %-28s %s", left, o->help);
	while (w && *w) {
		size_t len = strcspn(w, " ");
		fprintf(f, "%s%.*s", w == o->words ? ": " : w[len] ? ", " : " or ",
		        (int)len, w);
		w += len + (w[len] == ' ');
	}
	fputc('\n', f);
}

/* The rows of table t under heading; an included table under its own. */
static void
opt_section(FILE *f, const cli_opt *t, const char *heading)
{
	int first = 1;

	for (; t && t->type != CLI_END; t++) {
		if (t->type == CLI_INCLUDE) {
			opt_section(f, t->include, t->help);
			continue;
		}
		if (first)
			fprintf(f, "\n%s:\n", heading);
		first = 0;
		opt_line(f, t);
	}
}

static void
usage_main(FILE *f)
{
	fprintf(f, "usage: imstore [options] COMMAND [options] [ARGS]\n\n"
	        "commands:\n");
	for (int i = 0; cli_commands[i]; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	opt_section(f, cli_common_opts, "common options");
	fprintf(f, "\nrun 'imstore COMMAND --help' for a command's options\n");
}

/* The usage of a command, or of one of its subcommands. */
void
cli_usage(FILE *f, const cli_cmd *cmd, const cli_cmd *sub)
{
	const cli_cmd *u = sub ? sub : cmd;

	if (!cmd) {
		usage_main(f);
		return;
	}
	fprintf(f, "usage: imstore %s%s%s [options]%s%s\n%s\n", cmd->name, sub ? " " : "",
	        sub ? sub->name : "", u->operands[0] ? " " : "", u->operands, u->summary);
	if (!sub && cmd->subs) {
		fprintf(f, "\nsubcommands:\n");
		for (const cli_cmd *s = cmd->subs; s->name; s++)
			fprintf(f, "  %-12s %s\n", s->name, s->summary);
	}
	opt_section(f, u->opts, "options");
	opt_section(f, cli_common_opts, "common options");
	if (!sub && cmd->subs)
		fprintf(f, "\nrun 'imstore %s SUBCOMMAND --help' for a subcommand's options\n",
		        cmd->name);
}

/* What completes an option's argument: "file", "dir", words, or "-". */
static const char *
completion(const cli_opt *o)
{
	if (o->complete)
		return o->complete;
	return o->words ? o->words : "-";
}

static void
dump_table(FILE *f, const char *name, const cli_opt *o)
{
	for (; o && o->type != CLI_END; o++) {
		if (o->type == CLI_INCLUDE) {
			dump_table(f, name, o->include);
			continue;
		}
		fprintf(f, "%s\t%c\t%s\t%s\t%s\n", name, o->shortname ? o->shortname : '-',
		        o->name, o->arg ? o->arg : "-", completion(o));
	}
}

static void
dump_cmd(FILE *f, const char *name, const cli_cmd *cmd)
{
	fprintf(f, "%s\t-\t-\t%s\t-\n", name, cmd->operands[0] ? cmd->operands : "-");
	dump_table(f, name, cmd->opts);
}

/* "COMMAND <TAB> short <TAB> long <TAB> ARG <TAB> completion" per option;
 * COMMAND "*" for the common options, "COMMAND SUBCOMMAND" for those of a
 * subcommand; and "COMMAND - - OPERANDS -" per command and subcommand. */
void
cli_dump_options(FILE *f)
{
	char name[64];

	dump_table(f, "*", cli_common_opts);
	for (int i = 0; cli_commands[i]; i++) {
		const cli_cmd *cmd = cli_commands[i];
		dump_cmd(f, cmd->name, cmd);
		for (const cli_cmd *s = cmd->subs; s && s->name; s++) {
			snprintf(name, sizeof(name), "%s %s", cmd->name, s->name);
			dump_cmd(f, name, s);
		}
	}
}
