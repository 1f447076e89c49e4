/* stats.c - store totals. */
#include <stdio.h>
#include <sys/stat.h>

#include "internal.h"

static int
count_owners(uint64_t *out, ims_store *st, MDB_txn *txn)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint32_t last = 0;
	int rc = mdb_cursor_open(txn, st->dbi[IMS__DB_COUNT], &c);

	*out = 0;
	if (rc)
		return ims__map_err(rc);
	while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
		uint32_t owner;
		if (k.mv_size != 5) {
			rc = IMS_CORRUPT;
			break;
		}
		owner = ims__rd_be32(k.mv_data);
		if (*out == 0 || owner != last)
			(*out)++;
		last = owner;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : ims__map_err(rc);
}

int
ims_stats_get(ims_stats *out, ims_store *st)
{
	ims__counter c[3];
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn *txn;
	struct stat sb;
	char path[4096];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	if ((rc = ims__totals_get(c, st, txn)) ||
	    (rc = count_owners(&out->owners, st, txn)))
		goto done;
	for (int i = 0; i < 3; i++) {
		out->messages[i] = c[i].count;
		out->bytes[i] = c[i].bytes;
	}
	out->stored_bytes = c[0].stored;
	mdb_env_info(st->env, &info);
	mdb_env_stat(st->env, &ms);
	out->map_bytes = info.me_mapsize;
	out->pages_used = info.me_last_pgno + 1;
	out->page_size = ms.ms_psize;
	/* the store's format, not this build's: a format 1 store opened
	 * read-only stays 1 */
	if ((rc = ims__meta_get_u32(&out->format, st, txn, "format")))
		goto done;
	snprintf(path, sizeof(path), "%s/data.mdb", st->path);
	if (stat(path, &sb) == 0)
		out->file_bytes = (uint64_t)sb.st_size;
done:
	ims__txn_abort(st, txn);
	return rc;
}
