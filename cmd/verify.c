/* verify.c - imstore verify: check a store against itself and, with
 * --repair, mend what can be rebuilt from the message records. */
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { V_REPAIR = 100, V_PAGES };

static const cli_opt verify_opts[] = {
	OPT_FLAG(V_REPAIR, 0, "repair",
	  "rebuild indexes and counters, move undecodable records to quarantine"),
	OPT_FLAG(V_PAGES, 0, "pages",
	  "check only the LMDB file's own pages (fast; no records, no repair)"),
	OPT_END,
};

typedef struct vout {
	cli *c;
	int tty;        /* progress on stderr */
	int shown;      /* a progress line is there */
	int structural; /* LMDB's own pages are damaged */
	int pages;      /* --pages: the structural check alone */
} vout;

static const char *const stage_names[] = { "found", "repaired", "remaining" };
static const char *const stage_prefix[] = { "", "repaired: ", "not repaired: " };

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void
progress_clear(vout *o)
{
	if (o->shown)
		fputs("\r\033[K", stderr);
	o->shown = 0;
}

static void
on_progress(const char *what, uint64_t done, uint64_t total, void *payload)
{
	vout *o = payload;

	if (!o->tty)
		return;
	fprintf(stderr, "\rimstore: verify: %s %llu/%llu\033[K", what,
	        (unsigned long long)done, (unsigned long long)total);
	o->shown = 1;
}

static int
on_problem(const ims_problem *p, void *payload)
{
	vout *o = payload;
	printer *pr = o->c->out;
	char id[IMS_ID_STRLEN + 1] = "-";
	unsigned stage = (unsigned)p->stage <= 2 ? (unsigned)p->stage : 0;

	if (p->kind == IMS_PROBLEM_STRUCTURE)
		o->structural = 1;

	progress_clear(o);
	if (p->id)
		ims_id_fmt(id, p->id);
	if (o->c->format != FMT_JSON) {
		print_line(pr, "%s %s %s%s", ims_problem_kind_name(p->kind), id,
		           stage_prefix[stage], p->description);
		return 0;
	}
	pr->ops->begin_map(pr);
	pr->ops->key(pr, "problem");
	pr->ops->str(pr, ims_problem_kind_name(p->kind));
	pr->ops->key(pr, "stage");
	pr->ops->str(pr, stage_names[stage]);
	pr->ops->key(pr, "id");
	pr->ops->str(pr, p->id ? id : NULL);
	pr->ops->key(pr, "description");
	pr->ops->str(pr, p->description);
	pr->ops->end_map(pr);
	pr->ops->record_end(pr);
	return 0;
}

static void
summary(vout *o, const ims_verify_result *r, int repair)
{
	printer *p = o->c->out;
	uint64_t n = r->remaining;

	if (o->c->format == FMT_JSON) {
		p->ops->begin_map(p);
		p->ops->key(p, "sound");
		p->ops->boolean(p, n == 0);
		p->ops->key(p, "messages");
		p->ops->integer(p, (int64_t)r->messages);
		p->ops->key(p, "problems");
		p->ops->integer(p, (int64_t)r->problems);
		p->ops->key(p, "quarantined");
		p->ops->integer(p, (int64_t)r->quarantined);
		p->ops->key(p, "repaired");
		p->ops->integer(p, (int64_t)r->repaired);
		p->ops->key(p, "remaining");
		p->ops->integer(p, (int64_t)n);
		p->ops->key(p, "in_quarantine");
		p->ops->integer(p, (int64_t)r->in_quarantine);
		p->ops->end_map(p);
		p->ops->record_end(p);
		return;
	}
	if (o->pages) {
		if (n)
			print_line(p, "store pages are not sound: %llu %s", (unsigned long long)n,
			           plural(n, "problem", "problems"));
		else
			print_line(p, "store pages are sound");
		return;
	}
	if (repair && r->problems)
		print_line(p, "repair: %llu %s found, %llu %s quarantined, %llu other %s",
		           (unsigned long long)r->problems,
		           plural(r->problems, "problem", "problems"),
		           (unsigned long long)r->quarantined,
		           plural(r->quarantined, "record", "records"), (unsigned long long)r->repaired,
		           plural(r->repaired, "repair", "repairs"));
	if (n)
		print_text(p, "store is not sound: %llu %s, ", (unsigned long long)n,
		           plural(n, "problem", "problems"));
	else
		print_text(p, "store is sound: ");
	print_text(p, "%llu %s checked", (unsigned long long)r->messages,
	           plural(r->messages, "message", "messages"));
	if (r->in_quarantine)
		print_text(p, ", %llu in quarantine", (unsigned long long)r->in_quarantine);
	p->ops->record_end(p);
}

/* The operator's repair goes into the audit trail (counts only). */
static void
audit(ims_store *st, const ims_verify_result *r)
{
	ims_audit_entry e;
	int rc;

	memset(&e, 0, sizeof(e));
	e.action = "repair";
	e.count = r->quarantined + r->repaired;
	if ((rc = ims_audit_record(st, &e)))
		cli_fail(rc, "repaired, but cannot record it in the audit trail");
}

static int
run_verify(cli *c)
{
	ims_verify_opts o = IMS_VERIFY_OPTS_INIT;
	ims_verify_result r;
	ims_store *st;
	vout out;
	int rc;

	for (size_t i = 0; i < c->nopts; i++) {
		if (c->opts[i].id == V_REPAIR)
			o.repair = 1;
		if (c->opts[i].id == V_PAGES)
			o.pages_only = 1;
	}
	if (o.repair && o.pages_only) {
		cli_err("--pages checks only, it cannot be used with --repair");
		return EXIT_USAGE;
	}
	if (c->noperands > 0) {
		cli_err("verify takes no operands");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(&st, c, o.repair ? 0 : IMS_OPEN_RDONLY)))
		return rc;
	memset(&out, 0, sizeof(out));
	out.c = c;
	out.tty = isatty(STDERR_FILENO);
	out.pages = o.pages_only;
	o.problem = on_problem;
	o.progress = on_progress;
	o.payload = &out;
	rc = ims_verify(&r, st, &o);
	progress_clear(&out);
	if (o.repair && r.quarantined + r.repaired)
		audit(st, &r);
	ims_store_close(st);
	if (rc && !(rc == IMS_CORRUPT && r.remaining))
		return cli_fail(rc, "cannot verify '%s'", c->store_path);
	summary(&out, &r, o.repair);
	if (out.structural)
		cli_err("the LMDB file of '%s' is damaged, which no repair can mend: "
		        "restore the latest backup", c->store_path);
	return rc ? EXIT_ERR : EXIT_OK;
}

const cli_cmd cmd_verify = {
	"verify", run_verify, "",
	"check records, bodies, indexes and counters; repair with --repair",
	verify_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
