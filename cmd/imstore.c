/* imstore.c - the dispatcher: `imstore COMMAND` and the `imstore-COMMAND`
 * aliases run the same code. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

extern const cli_cmd cmd_init, cmd_put, cmd_list, cmd_show, cmd_cpim,
	cmd_delete, cmd_stats, cmd_verify, cmd_deferred, cmd_history, cmd_settings,
	cmd_hold, cmd_release, cmd_audit, cmd_purge, cmd_export, cmd_import,
	cmd_verify_archive, cmd_backup, cmd_compact, cmd_quota;

const cli_cmd *const cli_commands[] = {
	&cmd_init, &cmd_put, &cmd_list, &cmd_show, &cmd_cpim, &cmd_delete,
	&cmd_stats, &cmd_verify, &cmd_deferred, &cmd_history, &cmd_settings, &cmd_hold,
	&cmd_release, &cmd_audit, &cmd_purge, &cmd_export, &cmd_import,
	&cmd_verify_archive, &cmd_backup, &cmd_compact, &cmd_quota,
	NULL,
};

static int
has_opt(const cli *c, int id)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].id == id)
			return 1;
	return 0;
}

/* The command named by argv[0] (imstore-list) or by the first operand. */
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
	if (rc == 0) { /* no command */
		if (has_opt(c, OPT_VERSION)) {
			printf("imstore %s (store format %d)\n", IMS_VERSION_STRING,
			       IMS_FORMAT_VERSION);
			return -1;
		}
		if (has_opt(c, OPT_HELP)) {
			cli_usage(stdout, NULL);
			return -1;
		}
		cli_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	*next = -rc;
	if (strcmp(argv[*next - 1], "help") == 0) {
		const cli_cmd *cmd = *next < argc ? cli_find(argv[*next]) : NULL;
		if (*next < argc && !cmd) {
			cli_err("unknown command '%s' (run 'imstore --help')", argv[*next]);
			return EXIT_USAGE;
		}
		cli_usage(stdout, cmd);
		return -1;
	}
	if (strcmp(argv[*next - 1], "__options") == 0) {
		cli_dump_options(stdout);
		return -1;
	}
	if (!(c->cmd = cli_find(argv[*next - 1]))) {
		cli_err("unknown command '%s' (run 'imstore --help')", argv[*next - 1]);
		return EXIT_USAGE;
	}
	return 0;
}

static int
run(cli *c, int argc, char **argv)
{
	int next = 0, rc;

	c->format_version = 1;
	if (!(c->operands = calloc((size_t)argc + 1, sizeof(char *))))
		return EXIT_ERR;
	if ((rc = find_command(c, argc, argv, &next)))
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_parse(c, argc, argv, next)))
		return rc;
	if (has_opt(c, OPT_HELP)) {
		cli_usage(stdout, c->cmd);
		return EXIT_OK;
	}
	if (has_opt(c, OPT_VERSION)) {
		printf("imstore %s (store format %d)\n", IMS_VERSION_STRING,
		       IMS_FORMAT_VERSION);
		return EXIT_OK;
	}
	if (!(c->cmd->formats & (1u << c->format))) {
		cli_err("%s does not support --format %s", c->cmd->name,
		        c->format == FMT_XML ? "xml" : c->format == FMT_JSON ? "json" : "text");
		return EXIT_USAGE;
	}
	if (!c->store_path)
		c->store_path = getenv("IMSTORE_STORE");
	if (!c->store_path || !*c->store_path)
		c->store_path = "/var/lib/imstore";
	if (!(c->out = printer_new(c->format, stdout)))
		return EXIT_ERR;
	rc = c->cmd->run(c);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		cli_err("cannot write output: %s", ims_strerror(errno));
		rc = EXIT_ERR;
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
