/* opt.c - the command line read by the tables: options anywhere, the
 * subcommand a command's first operand names (git's OPT_SUBCOMMAND), and the
 * value of each option parsed by its type, each type with one parser and one
 * wording of its error (notmuch's option descriptors). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

const cli_opt cli_common_opts[] = {
	OPT_DIR(OPT_STORE, 's', "store", "DIR",
	        "the store directory (default $IMSTORE_STORE, else /var/lib/imstore)"),
	OPT_KEYWORD(OPT_FORMAT, 0, "format", "FORMAT", "text json xml", "output format"),
	{ .type = CLI_STRING, .id = OPT_FORMAT_VERSION, .name = "format-version",
	  .arg = "N", .complete = "1",
	  .help = "version of the machine-readable output (only 1)" },
	OPT_FLAG(OPT_HELP, 'h', "help", "show this help and exit"),
	OPT_FLAG(OPT_VERSION, 0, "version", "show the version and exit"),
	OPT_END,
};

const cli_cmd *
cli_find(const char *name)
{
	for (int i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}

const cli_cmd *
cli_find_sub(const cli_cmd *cmd, const char *name)
{
	for (const cli_cmd *s = cmd ? cmd->subs : NULL; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* The command (and subcommand) that runs; c->name says which. */
static void
select_cmd(cli *c, const cli_cmd *cmd, const cli_cmd *sub)
{
	c->cmd = cmd;
	c->sub = sub;
	snprintf(c->name, sizeof(c->name), "%s%s%s", cmd->name, sub ? " " : "",
	         sub ? sub->name : "");
}

/* ---------------------------------------------------------------- values */

/* The index of val among words ("a b c"), ignoring ASCII case; -1 if none. */
static int
word_index(const char *words, const char *val)
{
	size_t n = strlen(val);
	int i = 0;

	for (const char *w = words; w && *w; i++) {
		size_t len = strcspn(w, " ");
		if (len == n && strncasecmp(w, val, n) == 0)
			return i;
		w += len + (w[len] == ' ');
	}
	return -1;
}

/* "a b c" as "a, b or c", appended to buf */
static void
words_text(char *buf, size_t cap, const char *words)
{
	const char *w = words;

	while (*w) {
		size_t len = strcspn(w, " "), used = strlen(buf);
		const char *sep = w == words ? "" : w[len] ? ", " : " or ";
		snprintf(buf + used, cap - used, "%s%.*s", sep, (int)len, w);
		w += len + (w[len] == ' ');
	}
}

/* What the option takes, for its error: "1 to 10000", "text, json or xml" */
static void
expected(char *buf, size_t cap, const cli_opt *o)
{
	const unsigned long long lo = o->min, hi = o->max;

	buf[0] = '\0';
	switch (o->type) {
	case CLI_NUMBER:
	case CLI_SIZE:
		if (hi)
			snprintf(buf, cap, "%llu to %llu", lo, hi);
		else
			snprintf(buf, cap, "%llu or more", lo);
		if (o->type == CLI_SIZE)
			snprintf(buf + strlen(buf), cap - strlen(buf), " bytes, with K, M or G");
		break;
	case CLI_DURATION:
		snprintf(buf, cap, "a %sduration such as 90s, 5m, 2h, 7d or 1h30m",
		         lo ? "positive " : "");
		break;
	case CLI_TIME:
		snprintf(buf, cap, "2026-11-01, 2026-11-01T10:00:00Z, now or a duration %s",
		         o->flags & CLI_PAST ? "ago such as 7d" : "from now such as 72h");
		break;
	default:
		words_text(buf, cap, o->words);
		return;
	}
	if (o->words) {
		snprintf(buf + strlen(buf), cap - strlen(buf), ", or ");
		words_text(buf, cap, o->words);
	}
}

/* The one wording of each type's error. */
static int
bad_value(const cli_opt *o, const char *val)
{
	static const char *const type_names[] = {
		[CLI_NUMBER] = "number", [CLI_SIZE] = "size",
		[CLI_DURATION] = "duration", [CLI_TIME] = "time",
	};
	char what[32], hint[200];
	size_t i;

	expected(hint, sizeof(hint), o);
	if (o->type != CLI_KEYWORD) {
		cli_err("invalid %s %s for --%s (expected %s)", type_names[o->type], cli_quote(val),
		        o->name, hint);
		return EXIT_USAGE;
	}
	for (i = 0; o->arg[i] && i < sizeof(what) - 1; i++)
		what[i] = (char)(o->arg[i] >= 'A' && o->arg[i] <= 'Z' ? o->arg[i] + 32 : o->arg[i]);
	what[i] = '\0';
	cli_err("unknown %s %s (expected %s)", what, cli_quote(val), hint);
	return EXIT_USAGE;
}

static int
in_range(const cli_opt *o, uint64_t v)
{
	return v >= o->min && (!o->max || v <= o->max);
}

/* Parse a's value by the type of its option: 0, or EXIT_USAGE said. */
static int
check_value(const cli *c, cli_arg *a)
{
	const cli_opt *o = a->opt;
	unsigned flags = o->flags & CLI_PAST ? IMS_TIME_BACK : IMS_TIME_AHEAD;
	int ok = 1;

	if (!a->val)        /* a flag */
		return 0;
	a->word = word_index(o->words, a->val);
	if (o->type == CLI_KEYWORD)
		return a->word >= 0 ? 0 : bad_value(o, a->val);
	if (a->word >= 0)   /* a word accepted besides: "default", "never" */
		return 0;
	switch (o->type) {
	case CLI_NUMBER:
		ok = ims_number_parse(&a->n, a->val) == 0 && in_range(o, a->n);
		break;
	case CLI_SIZE:
		ok = ims_size_parse(&a->n, a->val) == 0 && in_range(o, a->n);
		break;
	case CLI_DURATION:
		ok = ims_duration_parse(&a->t, a->val, NULL) == 0 && a->t >= (int64_t)o->min;
		break;
	case CLI_TIME:
		ok = ims_time_parse(&a->t, a->val, c->now, flags, NULL) == 0;
		break;
	default:
		break;
	}
	return ok ? 0 : bad_value(o, a->val);
}

/* The value of every option given, by its type (after --help is seen:
 * `imstore list --limit 0 --help` shows the help). */
int
cli_check_values(cli *c)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (check_value(c, &c->opts[i]))
			return EXIT_USAGE;
	return 0;
}

/* ---------------------------------------------------------------- options */

static const cli_opt *
find_opt(const cli_opt *t, const char *name, size_t len, char shortname)
{
	const cli_opt *o;

	for (; t && t->type != CLI_END; t++) {
		if (t->type == CLI_INCLUDE) {
			if ((o = find_opt(t->include, name, len, shortname)))
				return o;
			continue;
		}
		if (shortname && t->shortname == shortname)
			return t;
		if (!shortname && strlen(t->name) == len && strncmp(t->name, name, len) == 0)
			return t;
	}
	return NULL;
}

/* The option a names (--name, --name=VAL, -x, -xVAL): common ones first,
 * then those of the (sub)command; *eq: where its attached value starts. */
static const cli_opt *
lookup(const cli *c, const char *a, const char **eq)
{
	const cli_opt *own = c->sub ? c->sub->opts : c->cmd ? c->cmd->opts : NULL, *o;
	size_t len = 0;
	char s = 0;

	*eq = NULL;
	if (a[1] == '-') {
		*eq = strchr(a + 2, '=');
		len = *eq ? (size_t)(*eq - a - 2) : strlen(a + 2);
	} else {
		s = a[1];
		if (a[2] != '\0')
			*eq = a + 1; /* -sDIR */
	}
	if ((o = find_opt(cli_common_opts, a + 2, len, s)))
		return o;
	return find_opt(own, a + 2, len, s);
}

static int
add_opt(cli *c, const cli_opt *o, const char *val)
{
	cli_arg *a = realloc(c->opts, (c->nopts + 1) * sizeof(*a));

	if (!a)
		return -1;
	c->opts = a;
	a += c->nopts++;
	memset(a, 0, sizeof(*a));
	a->id = o->id;
	a->val = val;
	a->opt = o;
	a->word = -1;
	return 0;
}

/* The common options take effect at once (--format before --help). */
static int
common(cli *c, const cli_opt *o, const char *val)
{
	cli_arg a = { o->id, val, o, 0, 0, -1 };
	char *end;

	switch (o->id) {
	case OPT_STORE:
		if (!*val) {
			cli_err("empty store path given with --store");
			return EXIT_USAGE;
		}
		c->store_path = val;
		return 0;
	case OPT_FORMAT:
		if (check_value(c, &a))
			return EXIT_USAGE;
		c->format = (cli_format)a.word;
		return 0;
	case OPT_FORMAT_VERSION:
		c->format_version = (int)strtol(val, &end, 10);
		if (*end || c->format_version != 1) {
			cli_err("unsupported format version %s (this imstore writes 1)", cli_quote(val));
			return EXIT_USAGE;
		}
		return 0;
	default:
		return add_opt(c, o, val) ? EXIT_OSERR : 0;
	}
}

/* Resolve one option at argv[*i]; consumes its argument. */
static int
one_opt(cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *eq, *val = NULL;
	const cli_opt *o = lookup(c, a, &eq);

	if (!o) {
		cli_err("unknown option %s%s%s", cli_quote(a), c->cmd ? " for " : "", c->name);
		return EXIT_USAGE;
	}
	if (o->type != CLI_FLAG) {
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

/* An operand: the subcommand's name first when the command has them. */
static int
operand(cli *c, char *a)
{
	const cli_cmd *sub;

	if (!c->cmd->subs || c->sub) {
		c->operands[c->noperands++] = a;
		return 0;
	}
	if (!(sub = cli_find_sub(c->cmd, a))) {
		cli_err("unknown %s subcommand %s (run 'imstore %s --help')", c->cmd->name,
		        cli_quote(a), c->cmd->name);
		return EXIT_USAGE;
	}
	select_cmd(c, c->cmd, sub);
	return 0;
}

/* Parse argv[first..]: options anywhere, "--" ends them.  Before the command
 * is known (cmd NULL) only common options are accepted and parsing stops
 * at the first operand, which is returned through *first.  Between a
 * command and its subcommand, too, only the common options. */
int
cli_parse(cli *c, int argc, char **argv, int first)
{
	int rc, opts_done = 0;

	if (c->cmd && !c->name[0])
		select_cmd(c, c->cmd, c->sub);
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
		if ((rc = operand(c, a)))
			return rc;
	}
	return 0;
}

/* Whether the (sub)command got min to max operands; if not, its usage. */
int
cli_operands(const cli *c, size_t min, size_t max)
{
	const char *ops = (c->sub ? c->sub : c->cmd)->operands;

	if (c->noperands >= min && c->noperands <= max)
		return 0;
	cli_err("usage: imstore %s [options]%s%s", c->name, ops[0] ? " " : "", ops);
	return EXIT_USAGE;
}

/* A subcommand acting for USER, its first operand: min to max operands,
 * USER an address, and the store open (0), or the exit status said. */
int
cli_open_user(ims_store **out, cli *c, size_t min, size_t max, unsigned flags)
{
	int rc;

	if ((rc = cli_operands(c, min, max)) || (rc = cli_check_user(c->operands[0])))
		return rc;
	return cli_open(out, c, flags);
}
