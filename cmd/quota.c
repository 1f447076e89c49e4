/* quota.c - imstore quota: the limits that apply to a user (the store's,
 * or the user's own overrides), and setting them. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { Q_DCOUNT = 100, Q_DBYTES, Q_HCOUNT, Q_HBYTES, Q_HPOLICY, Q_HRETENTION };

static const cli_opt quota_opts[] = {
	{ Q_DCOUNT, 0, "deferred-count", "N", NULL, "at most N deferred messages (0: no limit; default: the store's)" },
	{ Q_DBYTES, 0, "deferred-bytes", "N", NULL, "at most N bytes of deferred bodies (K, M, G)" },
	{ Q_HCOUNT, 0, "history-count", "N", NULL, "at most N messages in history" },
	{ Q_HBYTES, 0, "history-bytes", "N", NULL, "at most N bytes of history bodies (K, M, G)" },
	{ Q_HPOLICY, 0, "history-policy", "POLICY", "refuse drop-oldest default",
	  "when history is full: refuse the new message or drop the oldest" },
	{ Q_HRETENTION, 0, "history-retention", "DUR", NULL,
	  "keep history DUR (90d), or never expire it (never)" },
	{ 0, 0, NULL, NULL, NULL, NULL },
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

static void
print_quota(cli *c, const char *who, const ims_quota *q)
{
	printer *p = c->out;
	char ret[32];

	p->ops->begin_map(p);
	p->ops->key(p, "user");
	p->ops->str(p, who);
	for (size_t i = 0; i < 4; i++) {
		p->ops->key(p, fields[i].name);
		p->ops->integer(p, (int64_t)field_value(q, i));
	}
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

/* One option's value into q (bit set), or "default" (bit cleared). */
static int
apply_opt(ims_quota *q, const cli_arg *o, int store_default)
{
	uint64_t v;
	int64_t t;
	size_t i;

	for (i = 0; i < NFIELDS && fields[i].opt != o->id; i++)
		;
	if (i == NFIELDS)
		return 0;
	if (strcmp(o->val, "default") == 0) {
		if (store_default) {
			cli_err("the store's own limits have no default to return to");
			return EXIT_USAGE;
		}
		q->set &= ~fields[i].bit;
		return 0;
	}
	q->set |= fields[i].bit;
	switch (o->id) {
	case Q_HPOLICY:
		if (strcmp(o->val, "refuse") == 0)
			q->history_policy = IMS_HISTORY_REFUSE;
		else if (strcmp(o->val, "drop-oldest") == 0)
			q->history_policy = IMS_HISTORY_DROP_OLDEST;
		else {
			cli_err("invalid policy '%s' (refuse, drop-oldest or default)", o->val);
			return EXIT_USAGE;
		}
		return 0;
	case Q_HRETENTION:
		if (strcmp(o->val, "never") == 0) {
			q->history_retention = 0;
			return 0;
		}
		if (strchr(o->val, '-') || cli_parse_time(&t, o->val, 0) || t <= 0) {
			cli_err("invalid duration '%s' for --history-retention (90d, 12h or never)",
			        o->val);
			return EXIT_USAGE;
		}
		q->history_retention = t;
		return 0;
	default:
		if (cli_parse_u64(&v, o->val)) {
			cli_err("invalid number '%s' for --%s", o->val, quota_opts[o->id - Q_DCOUNT].name);
			return EXIT_USAGE;
		}
		if (o->id == Q_DCOUNT)
			q->deferred_max_count = v;
		else if (o->id == Q_DBYTES)
			q->deferred_max_bytes = v;
		else if (o->id == Q_HCOUNT)
			q->history_max_count = v;
		else
			q->history_max_bytes = v;
		return 0;
	}
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

	snprintf(what, sizeof(what), "%s", c->operands[1]);
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].id >= Q_DCOUNT && c->opts[i].id <= Q_HRETENTION)
			snprintf(what + strlen(what), sizeof(what) - strlen(what), " --%s %s",
			         quota_opts[c->opts[i].id - Q_DCOUNT].name, c->opts[i].val);
	memset(&e, 0, sizeof(e));
	e.action = "quota";
	e.filter = what;
	if ((rc = ims_audit_record(st, &e)))
		cli_fail(rc, "quota set, but cannot record it in the audit trail");
}

static int
run_quota(cli *c)
{
	ims_quota q;
	ims_store *st;
	const char *user;
	char canon[IMS_ADDR_MAX + 1];
	int set, store_default, rc;

	if (c->noperands != 2 || (strcmp(c->operands[0], "get") && strcmp(c->operands[0], "set"))) {
		cli_err("usage: imstore quota get|set USER|default [options]");
		return EXIT_USAGE;
	}
	set = strcmp(c->operands[0], "set") == 0;
	user = c->operands[1];
	store_default = strcmp(user, "default") == 0;
	if (!store_default && (rc = cli_check_user(user)))
		return rc;
	if (!set && c->nopts) {
		cli_err("quota get takes no options");
		return EXIT_USAGE;
	}
	if (set && !c->nopts) {
		cli_err("quota set needs at least one limit to set");
		return EXIT_USAGE;
	}
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
	ims_store_close(st);
	if (rc)
		return cli_fail(rc, "cannot %s the quota of '%s'", set ? "set" : "read", user);
	if (!store_default && ims_addr_canon(canon, sizeof(canon), user) == 0)
		user = canon;
	print_quota(c, user, &q);
	return EXIT_OK;
}

const cli_cmd cmd_quota = {
	"quota", run_quota, "get|set USER|default",
	"show or set the limits of a user, or the store's (default)",
	quota_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
