/* who.c - imstore who: the processes that hold the store open (doveadm
 * who, lsof), from ims_store_holders(); and the list compact's "open in
 * another process" error names. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt who_opts[] = {
	OPT_END,
};

/* What a holder does with the store, one word. */
static const char *
holder_state(const ims_holder *h)
{
	if (h->flags & IMS_HOLDER_GONE)
		return "gone";
	if (h->flags & IMS_HOLDER_EXCLUSIVE)
		return "compacting";
	if (h->flags & IMS_HOLDER_WAITING)
		return "waiting";
	if (h->flags & IMS_HOLDER_OPEN)
		return "open";
	return "reader";
}

/* "pid 123 (imstore, since 2026-12-08T03:00:00Z)" for an error message. */
char *
cli_holders_text(const char *path)
{
	ims_holder *h;
	size_t n, len = 0, cap;
	char *s, t[40];

	if (ims_store_holders(&h, &n, path) || n == 0)
		return NULL;
	cap = n * (sizeof(h->program) + 96) + 1;
	if ((s = malloc(cap))) {
		s[0] = '\0';
		for (size_t i = 0; i < n; i++) {
			if (h[i].since != IMS_TIME_NONE) /* ims_time_fmt takes a time */
				cli_fmt_time(t, sizeof(t), h[i].since);
			len += (size_t)snprintf(s + len, cap - len, "%spid %lld (%s, %s since %s)",
			                        i ? ", " : "", (long long)h[i].pid,
			                        h[i].program[0] ? h[i].program : "?",
			                        holder_state(&h[i]),
			                        h[i].since == IMS_TIME_NONE ? "?" : t);
		}
	}
	ims_holders_free(h);
	return s;
}

static void
print_holder(printer *p, const ims_holder *h, int text)
{
	char t[40], num[24];

	if (text) {
		if (h->since != IMS_TIME_NONE)
			cli_fmt_time(t, sizeof(t), h->since);
		snprintf(num, sizeof(num), "%lld", (long long)h->pid);
		print_column(p, num);
		print_column_text(p, h->program[0] ? h->program : "-");
		print_column(p, h->since == IMS_TIME_NONE ? "-" : t);
		print_column(p, holder_state(h));
		snprintf(num, sizeof(num), "%llu", (unsigned long long)h->snapshot);
		print_column(p, h->flags & IMS_HOLDER_SNAPSHOT ? num : "-");
		p->ops->record_end(p);
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "pid");
	p->ops->integer(p, h->pid);
	p->ops->key(p, "program");
	p->ops->str(p, h->program[0] ? h->program : NULL);
	p->ops->key(p, "since");
	print_time(p, h->since);
	p->ops->key(p, "state");
	p->ops->str(p, holder_state(h));
	p->ops->key(p, "snapshot");
	if (h->flags & IMS_HOLDER_SNAPSHOT)
		p->ops->integer(p, (int64_t)h->snapshot);
	else
		p->ops->str(p, NULL);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

static int
run_who(cli *c)
{
	ims_holder *h;
	size_t n;
	int rc;

	if (c->noperands) {
		cli_err("who takes no operands");
		return EXIT_USAGE;
	}
	rc = ims_store_holders(&h, &n, c->store_path);
	if (rc == IMS_NOTFOUND) {
		cli_err("no store at '%s' (create one with 'imstore init')", c->store_path);
		return EXIT_NOINPUT;
	}
	if (rc)
		return cli_fail(rc, "cannot list who holds '%s'", c->store_path);
	for (size_t i = 0; i < n; i++)
		print_holder(c->out, &h[i], c->format != FMT_JSON);
	ims_holders_free(h);
	return EXIT_OK;
}

const cli_cmd cmd_who = {
	"who", run_who, "",
	"list the processes that hold the store open: pid, program, since when",
	who_opts, FMTS_TEXT_JSON, NULL,
};
