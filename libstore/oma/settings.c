/* settings.c - the store-wide configuration (meta "config") and the
 * per-user IM service settings (database "settings"). */
#include <stddef.h>
#include <stdlib.h>

#include "internal.h"

#define CONFIG_LEN1 44  /* version(4) then five 8-byte numbers */
#define CONFIG_LEN 76   /* version 2: four more (the history limits) */
#define SETTINGS_LEN 4  /* version(1) bits(1) reserved(2) */

enum {
	S_PUSH = 0x01, S_HIST_SESSION = 0x02, S_HIST_PAGER = 0x04,
	S_BAR_SESSION = 0x08, S_BAR_PAGER = 0x10, S_INVISIBLE = 0x20,
};

int
ims__config_read(ims_config *out, ims_store *st, MDB_txn *txn)
{
	ims_config def = IMS_CONFIG_INIT;
	MDB_val k = { 6, ims__uc("config") }, v;
	const unsigned char *p;
	int rc = mdb_get(txn, st->dbi[IMS__DB_META], &k, &v);

	*out = def;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc || (v.mv_size != CONFIG_LEN1 && v.mv_size != CONFIG_LEN))
		return rc ? ims__map_err(rc) : IMS_CORRUPT;
	p = v.mv_data;
	out->deferred_lifetime = ims__rd_be_time(p + 4);
	out->deferred_max_count = (uint64_t)ims__rd_be_time(p + 12);
	out->deferred_max_bytes = (uint64_t)ims__rd_be_time(p + 20);
	out->max_message = (uint64_t)ims__rd_be_time(p + 28);
	out->lease_time = ims__rd_be_time(p + 36);
	if (v.mv_size == CONFIG_LEN1)
		return 0;
	out->history_max_count = ims__rd_be64(p + 44);
	out->history_max_bytes = ims__rd_be64(p + 52);
	out->history_policy = (ims_history_policy)ims__rd_be64(p + 60);
	out->history_retention = ims__rd_be_time(p + 68);
	if ((unsigned)out->history_policy > IMS_HISTORY_DROP_OLDEST || out->history_retention < 0)
		return IMS_CORRUPT;
	return 0;
}

int
ims_config_get(ims_config *out, ims_store *st)
{
	MDB_txn *txn;
	int rc;

	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	rc = ims__config_read(out, st, txn);
	ims__txn_abort(st, txn);
	return rc;
}

static int
config_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	ims_config full = IMS_CONFIG_INIT;
	const ims_config *c = &full;
	unsigned char buf[CONFIG_LEN];
	MDB_val k = { 6, ims__uc("config") }, v = { CONFIG_LEN, buf };

	/* a version 1 caller's structure ends before the history limits */
	memcpy(&full, ctx, ((const ims_config *)ctx)->version >= 2 ? sizeof(full)
	       : offsetof(ims_config, history_max_count));
	full.version = IMS_CONFIG_VERSION;
	ims__be32(buf, IMS_CONFIG_VERSION);
	ims__be_time(buf + 4, c->deferred_lifetime);
	ims__be_time(buf + 12, (int64_t)c->deferred_max_count);
	ims__be_time(buf + 20, (int64_t)c->deferred_max_bytes);
	ims__be_time(buf + 28, (int64_t)c->max_message);
	ims__be_time(buf + 36, c->lease_time);
	ims__be64(buf + 44, c->history_max_count);
	ims__be64(buf + 52, c->history_max_bytes);
	ims__be64(buf + 60, (uint64_t)c->history_policy);
	ims__be_time(buf + 68, c->history_retention);
	return ims__map_err(mdb_put(txn, st->dbi[IMS__DB_META], &k, &v, 0));
}

int
ims_config_set(ims_store *st, const ims_config *cfg)
{
	if (!cfg || cfg->version < 1 || cfg->deferred_lifetime <= 0 ||
	    cfg->lease_time <= 0 || cfg->max_message > IMS_BODY_MAX)
		return IMS_INVALID;
	if (cfg->version >= 2 && ((unsigned)cfg->history_policy > IMS_HISTORY_DROP_OLDEST ||
	                          cfg->history_retention < 0))
		return IMS_INVALID;
	return ims__write(st, config_txn, (void *)(uintptr_t)cfg);
}

/* ---------------------------------------------------------------- settings */

int
ims__settings_read(ims_settings *out, ims_store *st, MDB_txn *txn,
                   uint32_t owner)
{
	ims_settings def = IMS_SETTINGS_INIT;
	unsigned char key[4];
	MDB_val k = { 4, key }, v;
	unsigned bits;
	int rc;

	*out = def;
	ims__be32(key, owner);
	rc = mdb_get(txn, st->dbi[IMS__DB_SETTINGS], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc || v.mv_size != SETTINGS_LEN || ((unsigned char *)v.mv_data)[0] != 1)
		return rc ? ims__map_err(rc) : IMS_CORRUPT;
	bits = ((unsigned char *)v.mv_data)[1];
	out->offline_push = !!(bits & S_PUSH);
	out->history_session = !!(bits & S_HIST_SESSION);
	out->history_pager = !!(bits & S_HIST_PAGER);
	out->bar_session = !!(bits & S_BAR_SESSION);
	out->bar_pager = !!(bits & S_BAR_PAGER);
	out->invisible = !!(bits & S_INVISIBLE);
	return 0;
}

int
ims_settings_get(ims_settings *out, ims_store *st, const char *user)
{
	ims_settings def = IMS_SETTINGS_INIT;
	char canon[IMS_ADDR_MAX + 1];
	MDB_txn *txn;
	uint32_t owner;
	int rc;

	*out = def;
	if (!user || (rc = ims_addr_canon(canon, sizeof(canon), user)))
		return IMS_INVALID;
	if ((rc = ims__txn_begin(st, MDB_RDONLY, &txn)))
		return rc;
	rc = ims__atom_find(&owner, st, txn, IMS__ATOM_ADDR, canon);
	if (rc == 0)
		rc = ims__settings_read(out, st, txn, owner);
	else if (rc == IMS_NOTFOUND)
		rc = 0;
	ims__txn_abort(st, txn);
	return rc;
}

typedef struct settings_ctx {
	const char *user;
	const ims_settings *s;
} settings_ctx;

static int
settings_txn(ims_store *st, MDB_txn *txn, void *ctx)
{
	settings_ctx *c = ctx;
	unsigned char key[4], val[SETTINGS_LEN] = { 1, 0, 0, 0 };
	MDB_val k = { 4, key }, v = { SETTINGS_LEN, val };
	uint32_t owner;
	int rc = ims__atom_intern(&owner, st, txn, IMS__ATOM_ADDR, c->user);

	if (rc)
		return rc;
	ims__be32(key, owner);
	val[1] = (unsigned char)((c->s->offline_push ? S_PUSH : 0) |
	         (c->s->history_session ? S_HIST_SESSION : 0) |
	         (c->s->history_pager ? S_HIST_PAGER : 0) |
	         (c->s->bar_session ? S_BAR_SESSION : 0) |
	         (c->s->bar_pager ? S_BAR_PAGER : 0) |
	         (c->s->invisible ? S_INVISIBLE : 0));
	return ims__map_err(mdb_put(txn, st->dbi[IMS__DB_SETTINGS], &k, &v, 0));
}

int
ims_settings_set(ims_store *st, const char *user, const ims_settings *s)
{
	char canon[IMS_ADDR_MAX + 1];
	settings_ctx c = { canon, s };
	int rc;

	if (!user || !s || s->version < 1)
		return IMS_INVALID;
	/* as ims_settings_get(): an overlong user is not an address */
	if ((rc = ims_addr_canon(canon, sizeof(canon), user)))
		return IMS_INVALID;
	return ims__write(st, settings_txn, &c);
}
