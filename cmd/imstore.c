/* imstore.c - the dispatcher: `imstore COMMAND [SUBCOMMAND]` and the
 * `imstore-COMMAND` aliases run the same code. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"

#define CMD(id) extern const cli_cmd cmd_##id;
CLI_COMMANDS
#undef CMD

#define CMD(id) &cmd_##id,
const cli_cmd *const cli_commands[] = { CLI_COMMANDS NULL };
#undef CMD

static int
has_opt(const cli *c, int id)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].id == id)
			return 1;
	return 0;
}

static void
version(void)
{
	printf("imstore %s (store format %d)\n", IMS_VERSION_STRING, IMS_FORMAT_VERSION);
}

/* imstore help [COMMAND [SUBCOMMAND]] */
static int
help(int argc, char **argv, int next)
{
	const cli_cmd *cmd = next < argc ? cli_find(argv[next]) : NULL, *sub = NULL;

	if (next < argc && (!strcmp(argv[next], "--help") || !strcmp(argv[next], "-h"))) {
		cli_usage(stdout, NULL, NULL); /* help --help: what help shows */
		return -1;
	}
	if (next < argc && !cmd) {
		cli_err("unknown command %s (run 'imstore --help')", cli_quote(argv[next]));
		return EXIT_USAGE;
	}
	if (cmd && cmd->subs && next + 1 < argc &&
	    !(sub = cli_find_sub(cmd, argv[next + 1]))) {
		cli_err("unknown %s subcommand %s (run 'imstore %s --help')", cmd->name,
		        cli_quote(argv[next + 1]), cmd->name);
		return EXIT_USAGE;
	}
	cli_usage(stdout, cmd, sub);
	return -1;
}

/* No command: --version, --help, or the usage as an error. */
static int
no_command(const cli *c)
{
	if (has_opt(c, OPT_VERSION)) {
		version();
		return -1;
	}
	if (has_opt(c, OPT_HELP)) {
		cli_usage(stdout, NULL, NULL);
		return -1;
	}
	cli_usage(stderr, NULL, NULL);
	return EXIT_USAGE;
}

/* The command named by argv[0] (imstore-list) or by the first operand;
 * -1 when it is done (help), else 0 or an exit status. */
static int
find_command(cli *c, int argc, char **argv, int *next)
{
	const char *base = strrchr(argv[0], '/');
	int rc;

	base = base ? base + 1 : argv[0];
	if (strncmp(base, "imstore-", 8) == 0) {
		if (!(c->cmd = cli_find(base + 8))) {
			cli_err("unknown command '%s'", base + 8);
			return EXIT_USAGE;
		}
		*next = 1;
		return 0;
	}
	rc = cli_parse(c, argc, argv, 1);
	if (rc > 0)
		return rc;
	if (rc == 0)
		return no_command(c);
	*next = -rc;
	if (strcmp(argv[*next - 1], "help") == 0)
		return help(argc, argv, *next);
	if (strcmp(argv[*next - 1], "__options") == 0) {
		cli_dump_options(stdout);
		return -1;
	}
	if (!(c->cmd = cli_find(argv[*next - 1]))) {
		cli_err("unknown command %s (run 'imstore --help')", cli_quote(argv[*next - 1]));
		return EXIT_USAGE;
	}
	return 0;
}

/* What the command line asks before any work: help, version, a missing
 * subcommand, a format the command does not write, an invalid value. */
static int
check(cli *c)
{
	const cli_cmd *u = c->sub ? c->sub : c->cmd;
	static const char *const names[] = { "text", "json", "xml" };

	if (has_opt(c, OPT_HELP)) {
		cli_usage(stdout, c->cmd, c->sub);
		return -1;
	}
	if (has_opt(c, OPT_VERSION)) {
		version();
		return -1;
	}
	if (c->cmd->subs && !c->sub) {
		cli_usage(stderr, c->cmd, NULL);
		return EXIT_USAGE;
	}
	if (!(u->formats & (1u << c->format))) {
		cli_err("%s does not support --format %s", c->name, names[c->format]);
		return EXIT_USAGE;
	}
	return cli_check_values(c);
}

static int
run(cli *c, int argc, char **argv)
{
	int next = 0, rc;

	c->format_version = 1;
	c->now = (int64_t)time(NULL) * 1000000;
	if (!(c->operands = calloc((size_t)argc + 1, sizeof(char *))))
		return EXIT_OSERR;
	if ((rc = find_command(c, argc, argv, &next)))
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_parse(c, argc, argv, next)) || (rc = check(c)))
		return rc < 0 ? EXIT_OK : rc;
	if (!c->store_path)
		c->store_path = getenv("IMSTORE_STORE");
	if (!c->store_path || !*c->store_path)
		c->store_path = "/var/lib/imstore";
	if (!(c->out = printer_new(c->format, stdout)))
		return EXIT_OSERR;
	rc = (c->sub ? c->sub : c->cmd)->run(c);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		cli_err("cannot write output: %s", ims_strerror(errno));
		rc = EXIT_IOERR;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	cli c;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = run(&c, argc, argv);
	printer_free(c.out);
	free(c.opts);
	free(c.operands);
	return rc;
}
