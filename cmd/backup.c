/* backup.c - imstore backup: a consistent copy of a live store, as a new
 * store directory that appears only when complete. */
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { BK_COMPACT = 100 };

static const cli_opt backup_opts[] = {
	OPT_FLAG(BK_COMPACT, 0, "compact", "leave out free pages (a smaller copy)"),
	OPT_END,
};

static void
report(cli *c, const char *dest, uint64_t bytes, int compact)
{
	printer *p = c->out;

	if (c->format != FMT_JSON) {
		print_line(p, "backed up '%s' to '%s': %llu bytes%s", c->store_path, dest,
		           (unsigned long long)bytes, compact ? ", compacted" : "");
		return;
	}
	p->ops->begin_map(p);
	p->ops->key(p, "backup");
	p->ops->str(p, dest);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)bytes);
	p->ops->key(p, "compact");
	p->ops->boolean(p, compact);
	p->ops->end_map(p);
	p->ops->record_end(p);
}

/* The backup in the audit trail: where to, and its size. */
static void
audit(ims_store *st, const char *dest, uint64_t bytes, int compact)
{
	ims_audit_entry e;
	char what[4200];
	int rc;

	memset(&e, 0, sizeof(e));
	snprintf(what, sizeof(what), "%s%s", dest, compact ? " --compact" : "");
	e.action = "backup";
	e.filter = what;
	e.bytes = bytes;
	if ((rc = ims_audit_record(st, &e)))
		cli_fail(rc, "backed up, but cannot record it in the audit trail");
}

static int
run_backup(cli *c)
{
	const char *dest;
	char data[4200];
	struct stat sb;
	ims_store *st;
	int compact = 0, rc;

	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].id == BK_COMPACT)
			compact = 1;
	if (c->noperands != 1) {
		cli_err("backup takes one operand, the new store directory DEST");
		return EXIT_USAGE;
	}
	dest = c->operands[0];
	if ((rc = cli_open(&st, c, 0)))
		return rc;
	rc = ims_store_backup(st, dest, compact ? IMS_BACKUP_COMPACT : 0);
	if (rc == IMS_EXISTS) {
		ims_store_close(st);
		cli_err("cannot back up to '%s': it exists and is not an empty directory", dest);
		return EXIT_CANTCREAT;
	}
	if (rc) {
		ims_store_close(st);
		return cli_fail(rc, "cannot back up '%s' to '%s'", c->store_path, dest);
	}
	snprintf(data, sizeof(data), "%s/data.mdb", dest);
	sb.st_size = 0;
	stat(data, &sb);
	audit(st, dest, (uint64_t)sb.st_size, compact);
	ims_store_close(st);
	report(c, dest, (uint64_t)sb.st_size, compact);
	return EXIT_OK;
}

const cli_cmd cmd_backup = {
	"backup", run_backup, "DEST",
	"copy the store, while it is in use, into the new store directory DEST",
	backup_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
