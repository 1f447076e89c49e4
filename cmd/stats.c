/* stats.c - imstore stats: totals per folder, owners, bytes; with options,
 * totals per MIME type, the top owners and the shape of the deferred queue
 * (as Postfix's qshape). */
#include <string.h>

#include "cli.h"

enum { ST_TYPES = 100, ST_OWNERS, ST_QUEUE, ST_TOP, ST_SORT };

static const cli_opt stats_opts[] = {
	OPT_FLAG(ST_TYPES, 0, "types", "also the messages and bytes per MIME type"),
	OPT_FLAG(ST_OWNERS, 0, "owners", "also the owners with most messages (or bytes: --sort)"),
	OPT_FLAG(ST_QUEUE, 0, "queue", "also the deferred messages by recipient domain and age"),
	OPT_NUMBER(ST_TOP, 0, "top", "N", 1, 10000, "list N owners and domains (default 10)"),
	OPT_KEYWORD(ST_SORT, 0, "sort", "KEY", "count bytes",
	            "rank the owners by message count (default) or bytes"),
	OPT_END,
};

static const char *const bucket_names[IMS_AGE_BUCKETS] = {
	"5m", "10m", "20m", "40m", "80m", "160m", "320m", "640m", "1280m", "1280m+",
};

static void
folder_entry(printer *p, const char *name, const ims_stats *s, int i)
{
	p->ops->key(p, name);
	p->ops->begin_map(p);
	p->ops->key(p, "messages");
	p->ops->integer(p, (int64_t)s->messages[i]);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)s->bytes[i]);
	p->ops->end_map(p);
}

static void
json_row(printer *p, const char *name_key, const ims_stats_row *r, int ages)
{
	p->ops->begin_map(p);
	if (name_key) {
		p->ops->key(p, name_key);
		p->ops->str(p, r->name);
	}
	p->ops->key(p, "messages");
	p->ops->integer(p, (int64_t)r->messages);
	p->ops->key(p, "bytes");
	p->ops->integer(p, (int64_t)r->bytes);
	if (ages) {
		p->ops->key(p, "ages");
		p->ops->begin_list(p);
		for (int b = 0; b < IMS_AGE_BUCKETS; b++)
			p->ops->integer(p, (int64_t)r->ages[b]);
		p->ops->end_list(p);
	}
	p->ops->end_map(p);
}

static void
json_rows(printer *p, const char *key, const char *name_key, const ims_stats_row *rows,
          size_t n, int ages)
{
	p->ops->key(p, key);
	p->ops->begin_list(p);
	for (size_t i = 0; i < n; i++)
		json_row(p, name_key, &rows[i], ages);
	p->ops->end_list(p);
}

static void
json_queue(printer *p, const ims_stats_report *r)
{
	p->ops->key(p, "queue");
	p->ops->begin_map(p);
	p->ops->key(p, "buckets");
	p->ops->begin_list(p);
	for (int b = 0; b < IMS_AGE_BUCKETS; b++)
		p->ops->str(p, bucket_names[b]);
	p->ops->end_list(p);
	p->ops->key(p, "total");
	json_row(p, NULL, &r->queue, 1);
	json_rows(p, "domains", "domain", r->domains, r->ndomains, 1);
	p->ops->end_map(p);
}

static void
text_rows(printer *p, const char *title, const ims_stats_row *rows, size_t n)
{
	print_line(p, "%s:", title);
	for (size_t i = 0; i < n; i++)
		print_line(p, "  %s: %llu message%s, %llu bytes", rows[i].name,
		           (unsigned long long)rows[i].messages, rows[i].messages == 1 ? "" : "s",
		           (unsigned long long)rows[i].bytes);
}

static void
text_queue_row(printer *p, const ims_stats_row *r, int width)
{
	print_text(p, "  %*s %6llu", width, r->name, (unsigned long long)r->messages);
	for (int b = 0; b < IMS_AGE_BUCKETS; b++)
		print_text(p, " %6llu", (unsigned long long)r->ages[b]);
	p->ops->record_end(p);
}

/* qshape's table: a row per domain, the total first, a column per age. */
static void
text_queue(printer *p, const ims_stats_report *r)
{
	int width = 5;

	for (size_t i = 0; i < r->ndomains; i++)
		if ((int)strlen(r->domains[i].name) > width)
			width = (int)strlen(r->domains[i].name);
	print_line(p, "deferred queue:");
	print_text(p, "  %*s %6s", width, "", "T");
	for (int b = 0; b < IMS_AGE_BUCKETS; b++)
		print_text(p, " %6s", bucket_names[b]);
	p->ops->record_end(p);
	text_queue_row(p, &r->queue, width);
	for (size_t i = 0; i < r->ndomains; i++)
		text_queue_row(p, &r->domains[i], width);
}

static void
print_stats(cli *c, const ims_stats *s, const ims_stats_report *r, unsigned parts)
{
	printer *p = c->out;
	int json = c->format == FMT_JSON;

	p->ops->begin_map(p);
	p->ops->key(p, "store");
	p->ops->str(p, c->store_path);
	p->ops->key(p, "format");
	p->ops->integer(p, s->format);
	folder_entry(p, "total", s, 0);
	folder_entry(p, "deferred", s, 1);
	folder_entry(p, "history", s, 2);
	p->ops->key(p, "owners");
	p->ops->integer(p, (int64_t)s->owners);
	p->ops->key(p, "stored_bytes");
	p->ops->integer(p, (int64_t)s->stored_bytes);
	p->ops->key(p, "file_bytes");
	p->ops->integer(p, (int64_t)s->file_bytes);
	p->ops->key(p, "map_bytes");
	p->ops->integer(p, (int64_t)s->map_bytes);
	p->ops->key(p, "page_size");
	p->ops->integer(p, s->page_size);
	p->ops->key(p, "pages_used");
	p->ops->integer(p, (int64_t)s->pages_used);
	if (json && (parts & IMS_STATS_TYPES))
		json_rows(p, "types", "type", r->types, r->ntypes, 0);
	if (json && (parts & IMS_STATS_OWNERS))
		json_rows(p, "top_owners", "owner", r->owners, r->nowners, 0);
	if (json && (parts & IMS_STATS_QUEUE))
		json_queue(p, r);
	p->ops->end_map(p);
	p->ops->record_end(p);
	if (json || !r)
		return;
	if (parts & IMS_STATS_TYPES)
		text_rows(p, "types", r->types, r->ntypes);
	if (parts & IMS_STATS_OWNERS)
		text_rows(p, "top owners", r->owners, r->nowners);
	if (parts & IMS_STATS_QUEUE)
		text_queue(p, r);
}

static int
parse_opts(ims_stats_opts *o, cli *c)
{
	for (size_t i = 0; i < c->nopts; i++) {
		switch (c->opts[i].id) {
		case ST_TYPES: o->flags |= IMS_STATS_TYPES; break;
		case ST_OWNERS: o->flags |= IMS_STATS_OWNERS; break;
		case ST_QUEUE: o->flags |= IMS_STATS_QUEUE; break;
		case ST_TOP: o->top = (size_t)c->opts[i].n; break;
		case ST_SORT:
			o->sort = c->opts[i].word ? IMS_STATS_SORT_BYTES : IMS_STATS_SORT_COUNT;
			o->flags |= IMS_STATS_OWNERS;
			break;
		}
	}
	if (o->top && !(o->flags & (IMS_STATS_OWNERS | IMS_STATS_QUEUE)))
		o->flags |= IMS_STATS_OWNERS;
	return 0;
}

static int
run_stats(cli *c)
{
	ims_stats_opts o = IMS_STATS_OPTS_INIT;
	ims_stats_report *r = NULL;
	ims_store *st;
	ims_stats s;
	int rc;

	if (c->noperands > 0) {
		cli_err("stats takes no operands");
		return EXIT_USAGE;
	}
	if ((rc = parse_opts(&o, c)))
		return rc;
	if ((rc = cli_open(&st, c, IMS_OPEN_RDONLY)))
		return rc;
	rc = ims_stats_get(&s, st);
	if (rc == 0 && o.flags)
		rc = ims_stats_report_get(&r, st, &o);
	ims_store_close(st);
	if (rc)
		return cli_fail(rc, "cannot read statistics of '%s'", c->store_path);
	print_stats(c, &s, r, o.flags);
	ims_stats_report_free(r);
	return EXIT_OK;
}

const cli_cmd cmd_stats = {
	"stats", run_stats, "",
	"show totals per folder, owners and bytes; per MIME type, top owners, queue shape",
	stats_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
