/* quota.c - imstore quota: the limits that apply to a user (the store's,
 * or the user's own overrides), and setting them. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

enum { Q_DCOUNT = 100, Q_DBYTES, Q_HCOUNT, Q_HBYTES, Q_HPOLICY, Q_HRETENTION };

#define LIMIT(i, n, a, t, w, h) \
	{ .type = (t), .id = (i), .name = (n), .arg = (a), .words = (w), .help = (h) }

static const cli_opt set_opts[] = {
	LIMIT(Q_DCOUNT, "deferred-count", "N", CLI_NUMBER, "default",
	      "at most N deferred messages (0: no limit; default: the store's)"),
	LIMIT(Q_DBYTES, "deferred-bytes", "N", CLI_SIZE, "default",
	      "at most N bytes of deferred bodies (K, M, G)"),
	LIMIT(Q_HCOUNT, "history-count", "N", CLI_NUMBER, "default",
	      "at most N messages in history"),
	LIMIT(Q_HBYTES, "history-bytes", "N", CLI_SIZE, "default",
	      "at most N bytes of history bodies (K, M, G)"),
	OPT_KEYWORD(Q_HPOLICY, 0, "history-policy", "POLICY", "refuse drop-oldest default",
	            "when history is full, refuse the new message or drop the oldest"),
	{ .type = CLI_DURATION, .id = Q_HRETENTION, .name = "history-retention",
	  .arg = "DUR", .min = 1, .words = "never default",
	  .help = "keep history DUR (90d), or never expire it (never)" },
	OPT_END,
};

/* The fields, in output order, with their IMS_QUOTA_* bit. */
static const struct { const char *name; unsigned bit; int opt; } fields[] = {
	{ "deferred_count", IMS_QUOTA_DEFERRED_COUNT, Q_DCOUNT },
	{ "deferred_bytes", IMS_QUOTA_DEFERRED_BYTES, Q_DBYTES },
	{ "history_count", IMS_QUOTA_HISTORY_COUNT, Q_HCOUNT },
	{ "history_bytes", IMS_QUOTA_HISTORY_BYTES, Q_HBYTES },
	{ "history_policy", IMS_QUOTA_HISTORY_POLICY, Q_HPOLICY },
	{ "history_retention", IMS_QUOTA_HISTORY_RETENTION, Q_HRETENTION },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *
policy_name(ims_history_policy p)
{
	return p == IMS_HISTORY_DROP_OLDEST ? "drop-oldest" : "refuse";
}

/* A retention as a duration ("90d"), or "never". */
static void
fmt_retention(char *out, size_t cap, int64_t us)
{
	int64_t s = us / 1000000;

	if (us <= 0)
		snprintf(out, cap, "never");
	else if (s % 86400 == 0)
		snprintf(out, cap, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(out, cap, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(out, cap, "%lldm", (long long)(s / 60));
	else
		snprintf(out, cap, "%llds", (long long)s);
}

static uint64_t
field_value(const ims_quota *q, size_t i)
{
	switch (fields[i].bit) {
	case IMS_QUOTA_DEFERRED_COUNT: return q->deferred_max_count;
	case IMS_QUOTA_DEFERRED_BYTES: return q->deferred_max_bytes;
	case IMS_QUOTA_HISTORY_COUNT: return q->history_max_count;
	default: return q->history_max_bytes;
	}
}

static uint64_t
usage_value(const ims_usage *u, size_t i)
{
	switch (fields[i].bit) {
	case IMS_QUOTA_DEFERRED_COUNT: return u->deferred_count;
	case IMS_QUOTA_DEFERRED_BYTES: return u->deferred_bytes;
	case IMS_QUOTA_HISTORY_COUNT: return u->history_count;
	default: return u->history_bytes;
	}
}

/* A limit, "unlimited" in text for 0 (JSON keeps 0, "no limit"), and what
 * the user has stored beside it (<name>_used); u NULL for the store's. */
static void
print_limit(cli *c, size_t i, const ims_quota *q, const ims_usage *u)
{
	printer *p = c->out;
	char used[64];
	uint64_t v = field_value(q, i);

	p->ops->key(p, fields[i].name);
	if (v == 0 && c->format != FMT_JSON)
		p->ops->str(p, "unlimited");
	else
		p->ops->integer(p, (int64_t)v);
	if (!u)
		return;
	snprintf(used, sizeof(used), "%s_used", fields[i].name);
	p->ops->key(p, used);
	p->ops->integer(p, (int64_t)usage_value(u, i));
}

static void
print_quota(cli *c, const char *who, const ims_quota *q, const ims_usage *u)
{
	printer *p = c->out;
	char ret[32];

	p->ops->begin_map(p);
	p->ops->key(p, "user");
	p->ops->str(p, who);
	for (size_t i = 0; i < 4; i++)
		print_limit(c, i, q, u);
	p->ops->key(p, "history_policy");
	p->ops->str(p, policy_name(q->history_policy));
	fmt_retention(ret, sizeof(ret), q->history_retention);
	p->ops->key(p, "history_retention");
	p->ops->str(p, ret);
	p->ops->key(p, "own");
	if (c->format == FMT_JSON) {
		p->ops->begin_list(p);
		for (size_t i = 0; i < NFIELDS; i++)
			if (q->set & fields[i].bit)
				p->ops->str(p, fields[i].name);
		p->ops->end_list(p);
	} else {
		char own[200] = "";
		for (size_t i = 0; i < NFIELDS; i++)
			if (q->set & fields[i].bit)
				snprintf(own + strlen(own), sizeof(own) - strlen(own), "%s%s",
				         own[0] ? " " : "", fields[i].name);
		p->ops->str(p, own[0] ? own : "-");
	}
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static void
set_value(ims_quota *q, const cli_arg *o)
{
	switch (o->id) {
	case Q_DCOUNT: q->deferred_max_count = o->n; break;
	case Q_DBYTES: q->deferred_max_bytes = o->n; break;
	case Q_HCOUNT: q->history_max_count = o->n; break;
	case Q_HBYTES: q->history_max_bytes = o->n; break;
	case Q_HPOLICY:
		q->history_policy = o->word == 1 ? IMS_HISTORY_DROP_OLDEST : IMS_HISTORY_REFUSE;
		break;
	default: /* Q_HRETENTION; "never" is 0 */
		q->history_retention = o->word == 0 ? 0 : o->t;
		break;
	}
}

/* One option's value into q (bit set), or "default" (bit cleared). */
static int
apply_opt(ims_quota *q, const cli_arg *o, int store_default)
{
	size_t i;

	for (i = 0; i < NFIELDS && fields[i].opt != o->id; i++)
		;
	if (i == NFIELDS)
		return 0;
	if (strcasecmp(o->val, "default") == 0) {
		if (store_default) {
			cli_err("the store's own limits have no default to return to");
			return EXIT_USAGE;
		}
		q->set &= ~fields[i].bit;
		return 0;
	}
	q->set |= fields[i].bit;
	set_value(q, o);
	return 0;
}

/* The store's limits: its configuration. */
static int
set_store(ims_store *st, const ims_quota *q)
{
	ims_config cfg;
	int rc = ims_config_get(&cfg, st);

	if (rc)
		return rc;
	cfg.deferred_max_count = q->deferred_max_count;
	cfg.deferred_max_bytes = q->deferred_max_bytes;
	cfg.history_max_count = q->history_max_count;
	cfg.history_max_bytes = q->history_max_bytes;
	cfg.history_policy = q->history_policy;
	cfg.history_retention = q->history_retention;
	return ims_config_set(st, &cfg);
}

static void
audit(ims_store *st, cli *c)
{
	char what[2048];
	ims_audit_entry e;
	int rc;

	snprintf(what, sizeof(what), "%s", c->operands[0]);
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].id >= Q_DCOUNT && c->opts[i].id <= Q_HRETENTION)
			snprintf(what + strlen(what), sizeof(what) - strlen(what), " --%s %s",
			         c->opts[i].opt->name, c->opts[i].val);
	memset(&e, 0, sizeof(e));
	e.action = "quota";
	e.filter = what;
	if ((rc = ims_audit_record(st, &e)))
		cli_fail(rc, "quota set, but cannot record it in the audit trail");
}

/* Read the limits of USER (the one operand) or the store's, apply the
 * options, and with set store them; print them. */
static int
get_set(cli *c, int set)
{
	const char *user = c->operands[0];
	char canon[IMS_ADDR_MAX + 1];
	int store_default, rc;
	ims_usage u = IMS_USAGE_INIT;
	ims_store *st;
	ims_quota q;

	store_default = strcmp(user, "default") == 0;
	if (!store_default && (rc = cli_check_user(user)))
		return rc;
	if ((rc = cli_open(&st, c, set ? 0 : IMS_OPEN_RDONLY)))
		return rc;
	rc = ims_quota_get(&q, st, store_default ? NULL : user);
	for (size_t i = 0; rc == 0 && i < c->nopts; i++)
		if ((rc = apply_opt(&q, &c->opts[i], store_default))) {
			ims_store_close(st);
			return rc;
		}
	if (rc == 0 && set)
		rc = store_default ? set_store(st, &q) : ims_quota_set(st, user, &q);
	if (rc == 0 && set) {
		audit(st, c);
		rc = ims_quota_get(&q, st, store_default ? NULL : user);
	}
	if (rc == 0 && !store_default)
		rc = ims_quota_usage(&u, st, user);
	ims_store_close(st);
	if (rc)
		return cli_fail(rc, "cannot %s the quota of '%s'", set ? "set" : "read", user);
	if (!store_default && ims_addr_canon(canon, sizeof(canon), user) == 0)
		user = canon;
	print_quota(c, user, &q, store_default ? NULL : &u);
	return EXIT_OK;
}

static int
run_get(cli *c)
{
	int rc = cli_operands(c, 1, 1);

	return rc ? rc : get_set(c, 0);
}

static int
run_set(cli *c)
{
	int rc = cli_operands(c, 1, 1);

	if (rc == 0 && c->nopts == 0) {
		cli_err("quota set needs at least one limit to set");
		rc = EXIT_USAGE;
	}
	return rc ? rc : get_set(c, 1);
}

static const cli_cmd quota_subs[] = {
	{ "get", run_get, "USER | default",
	  "show the limits of a user, or the store's (default)", NULL, FMTS_TEXT_JSON, NULL },
	{ "set", run_set, "USER | default",
	  "set limits of a user, or the store's (default), and show them", set_opts,
	  FMTS_TEXT_JSON, NULL },
	CLI_SUBS_END,
};

const cli_cmd cmd_quota = {
	"quota", NULL, "SUBCOMMAND USER | default",
	"show or set the limits of a user, or the store's (default)",
	NULL, FMTS_TEXT_JSON, quota_subs,
};
