/* commands.h - the commands of imstore, in the order --help lists them, one
 * CMD(identifier) a line; a command's name is its identifier with '-' for
 * '_'.  The dispatcher's table is made from this list (imstore.c) and the
 * Makefile reads the names from it for the imstore-NAME aliases it installs:
 * nothing else lists the commands.  Each command defines
 * `const cli_cmd cmd_<identifier>` in its own file. */
#define CLI_COMMANDS \
	CMD(init) \
	CMD(put) \
	CMD(list) \
	CMD(show) \
	CMD(cpim) \
	CMD(delete) \
	CMD(stats) \
	CMD(verify) \
	CMD(check) \
	CMD(deferred) \
	CMD(history) \
	CMD(settings) \
	CMD(hold) \
	CMD(release) \
	CMD(audit) \
	CMD(purge) \
	CMD(export) \
	CMD(import) \
	CMD(verify_archive) \
	CMD(backup) \
	CMD(compact) \
	CMD(who) \
	CMD(quota)
