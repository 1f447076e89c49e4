/* main.c - imstore-bench: builds the data set, runs every workload on
 * imstore and on SQLite in fresh directories, prints the table and the
 * RESULT lines.
 *
 *   imstore-bench [--scale F] [--messages N] [--users N] [--dir DIR]
 *                 [--threads N] [--seed N] [--keep] [--ingest-only]
 *
 * The scale also comes from IMSTORE_BENCH_SCALE. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

char bench_self_exe[PATH_MAX];

/* The 1-minute load average: other work on the machine skews the figures. */
static double
loadavg(void)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l = NAN;

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = NAN;
		fclose(f);
	}
	return l;
}

/* ---------------------------------------------------------------- fair */

/* The lines issue 18's targets name (F…): SQLite committing each queue of
 * concurrent stores in one transaction, as imstore's group commit does;
 * 7b over SQLite's own type index; lease+ack with its share of the sweep
 * that finishes its deletions; raw LMDB on a tree as large as the store. */
static void
fair_lines(const side *si, const side *sq, const sets *d, const config *c,
           double tree_ceiling, const char *lsz, const char *ssz)
{
	char label[96], key[64];
	double users = (double)d->p.lease_users;

	res_add("store1_fair_rate", "F1. durable store, 1 producer", si->g1_rate,
	        sq->g1_rate, "acked/s", HIGHER);
	res_add("store1_fair_p50", "   p50 latency", si->g1_p50, sq->g1_p50, "ms", LOWER);
	res_add("store1_fair_p99", "   p99 latency", si->g1_p99, sq->g1_p99, "ms", LOWER);
	snprintf(label, sizeof(label), "F2. durable store, %d producers", c->producers);
	res_add("store64_fair_rate", label, si->g64_rate, sq->g64_rate, "acked/s", HIGHER);
	res_add("store64_fair_p50", "   p50 latency", si->g64_p50, sq->g64_p50, "ms", LOWER);
	res_add("store64_fair_p99", "   p99 latency", si->g64_p99, sq->g64_p99, "ms", LOWER);
	res_add("store64_vs_tree_ceiling", "   % of raw LMDB on the same tree",
	        si->g64_rate / tree_ceiling * 100, sq->g64_rate / tree_ceiling * 100,
	        "%", HIGHER);
	res_add("lmdb_tree_ceiling", "   raw LMDB, same tree, 1000/commit", tree_ceiling,
	        NAN, "records/s", NONE);
	for (int k = 0; k < 2; k++) {
		const char *sz = k ? ssz : lsz, *suf = k ? "_small" : "";
		double fin_i = isnan(si->lease_finish[k]) ? 0 : si->lease_finish[k];
		double fin_q = isnan(sq->lease_finish[k]) ? 0 : sq->lease_finish[k];
		snprintf(label, sizeof(label), "F5. lease+ack of %zu + 1/%zu sweep (store %s)",
		         d->p.lease_n, d->p.lease_users, sz);
		snprintf(key, sizeof(key), "lease_ack_fair%s", suf);
		res_add(key, label, si->lease[k] + fin_i / users,
		        sq->lease[k] + fin_q / users, "ms", LOWER);
		snprintf(label, sizeof(label), "F7b. type in one day, indexed (store %s)", sz);
		snprintf(key, sizeof(key), "filter_type_fair%s", suf);
		res_add(key, label, si->type_fair[k], sq->type_fair[k], "ms", LOWER);
	}
	res_note("F lines: the fair comparison; the ratios issue 18's targets name are"
	         " these.");
	res_note("  F1, F2: a second pass of durable stores after lines 1 and 2;"
	         " SQLite commits each queue of concurrent stores in one BEGIN IMMEDIATE"
	         " transaction (a leader, as imstore's group commit), imstore runs ims_put"
	         " again.");
	res_note("  F5: lease+ack charged 1/%zu of the sweep that finishes the %zu users'"
	         " deletions; F7b: SQLite over its (media type, received) index like"
	         " imstore's ix_type; raw LMDB on a tree preloaded with the large store.",
	         d->p.lease_users, d->p.lease_users);
	res_note("  lines 1-10 as before: SQLite a transaction per message from each"
	         " producer's connection (busy handler), 7b without the type index;"
	         " raw LMDB into a fresh environment.");
	res_note("answers of F7b (imstore/sqlite, large|small): %ld/%ld|%ld/%ld",
	         si->type_fair_n[0], sq->type_fair_n[0], si->type_fair_n[1],
	         sq->type_fair_n[1]);
}

/* ---------------------------------------------------------------- main */

static void
usage(void)
{
	fprintf(stderr, "usage: imstore-bench [--scale F] [--messages N] [--users N]"
	        " [--dir DIR] [--threads N] [--seed N] [--keep] [--ingest-only]\n");
	exit(2);
}

static size_t
at_least(double v, size_t min)
{
	return v < (double)min ? min : (size_t)v;
}

int
main(int argc, char **argv)
{
	config c;
	sets d;
	side si, sq;
	bset planted, bg_large, bg_small;
	char tmp[PATH_MAX], fsdesc[1024], title[256], label[96];
	const char *env = getenv("IMSTORE_BENCH_SCALE");
	double gz, cpim, cpim_len, ceiling, tree_ceiling, t, load0 = loadavg(), t_run = now_s();
	double sync50, sync99;
	uint64_t gz_in, gz_out;
	size_t msgs_override = 0, users_override = 0;
	struct rusage ru;
	ssize_t sl;

	if (argc == 4 && strcmp(argv[1], "--child-scan") == 0)
		return child_scan(argv[2], argv[3]);
	if ((sl = readlink("/proc/self/exe", bench_self_exe, sizeof(bench_self_exe) - 1)) <= 0)
		die("cannot find my own executable");
	bench_self_exe[sl] = '\0';

	memset(&c, 0, sizeof(c));
	c.scale = env && *env ? atof(env) : 1.0;
	c.ds.seed = 20261122;
	c.ds.zipf_s = 1.0;
	c.parent = "build/bench";
	c.bulk_threads = 64;
	c.producers = 64;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--keep") == 0) {
			c.keep = 1;
			continue;
		}
		if (strcmp(a, "--ingest-only") == 0) {
			c.ingest_only = 1;
			continue;
		}
		if (!v)
			usage();
		if (strcmp(a, "--scale") == 0)
			c.scale = atof(v);
		else if (strcmp(a, "--messages") == 0)
			msgs_override = (size_t)strtoull(v, NULL, 10);
		else if (strcmp(a, "--users") == 0)
			users_override = (size_t)strtoull(v, NULL, 10);
		else if (strcmp(a, "--dir") == 0)
			c.parent = v;
		else if (strcmp(a, "--threads") == 0)
			c.bulk_threads = atoi(v);
		else if (strcmp(a, "--seed") == 0)
			c.ds.seed = strtoull(v, NULL, 10);
		else
			usage();
		i++;
	}
	if (!(c.scale > 0))
		usage();
	c.ds.messages = msgs_override ? msgs_override : at_least(1e6 * c.scale, 1000);
	c.ds.users = users_override ? users_override : at_least(1e5 * c.scale, 100);
	c.ds.big_every = 25000;
	c.ds.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	c.small = c.ds.messages / 10;
	c.store1 = at_least(2000 * c.scale, 1000);
	c.store64_each = at_least(300 * c.scale, 150);
	c.ceiling_n = at_least(200000 * c.scale, 20000);

	/* the temporary directory, on the disk of the build tree */
	mkdir(c.parent, 0755);
	join_path(tmp, sizeof(tmp), c.parent, "run.XXXXXX");
	if (!mkdtemp(tmp))
		die("cannot create a directory in '%s': %s", c.parent, strerror(errno));
	fs_describe(fsdesc, sizeof(fsdesc), tmp);
	note("stores under %s", fsdesc);

	/* the data set */
	t = now_s();
	ds_plan(&d.p, &c.ds);
	ds_planted(&planted, &c.ds, &d.p);
	ds_build(&bg_large, &c.ds, &d.p, 1, c.ds.messages);
	ds_build(&bg_small, &c.ds, &d.p, 2, c.small);
	ds_merge(&d.large, &bg_large, &planted);
	ds_merge(&d.small, &bg_small, &planted);
	/* twice the stores: SQLite stores them once more, committed in groups */
	ds_extra(&d.extra, &c.ds, 3, 2 * (c.store1 + (size_t)c.producers * c.store64_each));
	d.p.sender_answer = 0;
	for (size_t i = 0; i < planted.n; i++) {
		const bmsg *m = planted.v[i];
		if (strcmp(m->from_uri, d.p.sender) == 0 && m->received >= d.p.sender_lo &&
		    m->received < d.p.sender_hi)
			d.p.sender_answer++;
	}
	{
		size_t nbig = 0;
		for (size_t i = 0; i < d.large.n; i++)
			nbig += d.large.v[i]->body_len >= (1u << 20);
		note("data set: %zu + %zu planted messages (small store %zu), %zu users,"
		     " %.1f MiB of CPIM payloads (%zu of 1 MiB), generated in %.1fs",
		     bg_large.n, planted.n, d.small.n, c.ds.users,
		     (double)d.large.body_bytes / 1048576.0, nbig, now_s() - t);
	}

	/* the ceilings first, on a quiet machine */
	sync_probe(tmp, &sync50, &sync99);
	note("fdatasync of 4 KiB: p50 %.0f us, p99 %.0f us", sync50, sync99);
	{
		char dir[PATH_MAX];
		join_path(dir, sizeof(dir), tmp, "lmdb-raw");
		note("raw LMDB ceiling: %zu records, 1000 per commit", c.ceiling_n);
		ceiling = lmdb_ceiling(dir, &d.large, c.ceiling_n, 1000);
		rm_tree(dir);
		note("raw LMDB ceiling on the same tree: %zu records loaded, then %zu,"
		     " 1000 per commit", d.large.n, d.extra.n);
		tree_ceiling = lmdb_ceiling_tree(dir, &d.large, &d.extra, 1000);
		rm_tree(dir);
		note("gzip ceiling over %.1f MiB", (double)d.large.body_bytes / 1048576.0);
		gz = gzip_ceiling(&d.large, &gz_in, &gz_out);
		note("cpim parsing");
		cpim = cpim_rate(&cpim_len);
	}

	memset(&si, 0, sizeof(si));
	memset(&sq, 0, sizeof(sq));
	run_engine(&bench_imstore, &c, &d, tmp, &si);
	run_engine(&bench_sqlite, &c, &d, tmp, &sq);
	if (c.ingest_only) {
		double payload = (double)d.large.body_bytes / (double)d.large.n;
		printf("ingest only: %zu messages, payload %.0f B per message\n"
		       "disk per message: imstore %.0f B (%.3fx), sqlite %.0f B (%.3fx);"
		       " imstore stored body %.0f B per message\n"
		       "compacted copy: imstore %.0f B (%.3fx), sqlite %.0f B (%.3fx)\n",
		       d.large.n, payload, si.disk_per_msg, si.disk_per_msg / payload,
		       sq.disk_per_msg, sq.disk_per_msg / payload,
		       (double)si.stored / (double)d.large.n, si.disk_compact_per_msg,
		       si.disk_compact_per_msg / payload, sq.disk_compact_per_msg,
		       sq.disk_compact_per_msg / payload);
		if (c.keep)
			note("stores kept in %s", tmp);
		else
			rm_tree(tmp);
		return 0;
	}

	/* ---- the table */
	{
		double mib = 1048576.0, payload = (double)d.large.body_bytes /
		                                  (double)d.large.n;
		char lsz[32], ssz[32];
		snprintf(lsz, sizeof(lsz), "%zuk", (d.large.n + 500) / 1000);
		snprintf(ssz, sizeof(ssz), "%zuk", (d.small.n + 500) / 1000);

		res_add("store1_rate", "1. durable store, 1 producer", si.s1_rate,
		        sq.s1_rate, "stores/s", HIGHER);
		res_add("store1_p50", "   p50 latency", si.s1_p50, sq.s1_p50, "ms", LOWER);
		res_add("store1_p99", "   p99 latency", si.s1_p99, sq.s1_p99, "ms", LOWER);
		snprintf(label, sizeof(label), "2. durable store, %d producers", c.producers);
		res_add("store64_rate", label, si.s64_rate, sq.s64_rate, "stores/s", HIGHER);
		res_add("store64_p50", "   p50 latency", si.s64_p50, sq.s64_p50, "ms", LOWER);
		res_add("store64_p99", "   p99 latency", si.s64_p99, sq.s64_p99, "ms", LOWER);
		res_add("store64_vs_ceiling", "   % of raw LMDB batched ceiling",
		        si.s64_rate / ceiling * 100, sq.s64_rate / ceiling * 100, "%", HIGHER);
		res_add("lmdb_ceiling", "   raw LMDB, 1000/commit (ceiling)", ceiling, NAN,
		        "records/s", NONE);
		res_add("bulk_ingest", "3. bulk ingest", si.bulk_rate, sq.bulk_rate,
		        "msgs/s", HIGHER);
		for (int k = 0; k < 2; k++) {
			const char *sz = k ? ssz : lsz, *suf = k ? "_small" : "";
			char key[64];
			snprintf(label, sizeof(label), "4. deferred page of 50 (store %s)", sz);
			snprintf(key, sizeof(key), "deferred_page50%s", suf);
			res_add(key, label, si.page[k], sq.page[k], "ms", LOWER);
			snprintf(label, sizeof(label), "5. lease+ack of %zu (store %s)",
			         d.p.lease_n, sz);
			snprintf(key, sizeof(key), "lease_ack%s", suf);
			res_add(key, label, si.lease[k], sq.lease[k], "ms", LOWER);
			snprintf(label, sizeof(label), "   then the sweep, all %zu users' deletions",
			         d.p.lease_users);
			snprintf(key, sizeof(key), "lease_ack_sweep%s", suf);
			res_add(key, label, si.lease_finish[k], sq.lease_finish[k], "ms", NONE);
			snprintf(label, sizeof(label), "6. transcript of %zu (store %s)",
			         d.p.conv_n, sz);
			snprintf(key, sizeof(key), "transcript%s", suf);
			res_add(key, label, si.transcript[k], sq.transcript[k], "ms", LOWER);
			snprintf(label, sizeof(label), "7a. sender in date range (store %s)", sz);
			snprintf(key, sizeof(key), "filter_sender%s", suf);
			res_add(key, label, si.sender[k], sq.sender[k], "ms", LOWER);
			snprintf(label, sizeof(label), "7b. type in one day (store %s)", sz);
			snprintf(key, sizeof(key), "filter_type%s", suf);
			res_add(key, label, si.type[k], sq.type[k], "ms", LOWER);
		}
		res_add("export", "8. export-like full scan", si.scan_mbs, sq.scan_mbs,
		        "MB/s", HIGHER);
		res_add("export_vs_gzip", "   % of gzip -6 ceiling", si.scan_mbs / gz * 100,
		        sq.scan_mbs / gz * 100, "%", HIGHER);
		res_add("gzip_ceiling", "   gzip -6 ceiling, same bytes", gz, gz, "MB/s", NONE);
		res_add("export_peak_rss", "   peak RSS of the scan", si.scan_rss_mib,
		        sq.scan_rss_mib, "MiB", LOWER);
		res_add("purge_total", "9. purge half: total", si.purge_total,
		        sq.purge_total, "s", LOWER);
		res_add("purge_longest_txn", "   longest write transaction",
		        si.purge_max_ms, sq.purge_max_ms, "ms", LOWER);
		res_add("purge_mean_txn", "   mean write transaction", si.purge_mean_ms,
		        sq.purge_mean_ms, "ms", LOWER);
		res_add("purge_growth", "   file growth", si.purge_growth, sq.purge_growth,
		        "%", LOWER);
		res_add("cpim_parse", "10. CPIM parsing (~300 B messages)", cpim, NAN,
		        "MB/s", NONE);
		res_add("disk_per_msg", "disk bytes per message (after ingest)",
		        si.disk_per_msg, sq.disk_per_msg, "B", LOWER);
		res_add("disk_vs_payload", "   disk / raw payload", si.disk_per_msg / payload,
		        sq.disk_per_msg / payload, "x", LOWER);
		res_add("disk_compacted_per_msg", "disk bytes per message (compacted copy)",
		        si.disk_compact_per_msg, sq.disk_compact_per_msg, "B", LOWER);
		res_add("disk_compacted_vs_payload", "   compacted / raw payload",
		        si.disk_compact_per_msg / payload, sq.disk_compact_per_msg / payload,
		        "x", LOWER);

		fair_lines(&si, &sq, &d, &c, tree_ceiling, lsz, ssz);

		res_note("machine: %ld CPUs; stores under %s", sysconf(_SC_NPROCESSORS_ONLN),
		         fsdesc);
		res_note("run: %.0f s; load average %.2f at the start, %.2f at the end;"
		         " 4 KiB pwrite+fdatasync p50 %.0f us, p99 %.0f us", now_s() - t_run,
		         load0, loadavg(), sync50, sync99);
		res_note("data set: large store %zu messages (%zu background + %zu planted),"
		         " small store %zu; %zu users, Zipf s=%.1f, seed %llu",
		         d.large.n, bg_large.n, planted.n, d.small.n, c.ds.users,
		         c.ds.zipf_s, (unsigned long long)c.ds.seed);
		res_note("payload: %.0f B per message (CPIM-wrapped), %.1f MiB;"
		         " imstore keeps %.0f B per message after compression"
		         " (disk / stored payload %.2fx)",
		         payload, (double)d.large.body_bytes / mib,
		         si.stored ? (double)si.stored / (double)d.large.n : NAN,
		         si.stored ? (double)si.disk / (double)si.stored : NAN);
		res_note("answers (imstore/sqlite, large|small): page %ld/%ld|%ld/%ld,"
		         " lease %ld/%ld|%ld/%ld, transcript %ld/%ld|%ld/%ld,"
		         " sender %ld/%ld|%ld/%ld (expected %zu), type %ld/%ld|%ld/%ld",
		         si.page_n[0], sq.page_n[0], si.page_n[1], sq.page_n[1],
		         si.lease_n[0], sq.lease_n[0], si.lease_n[1], sq.lease_n[1],
		         si.transcript_n[0], sq.transcript_n[0], si.transcript_n[1],
		         sq.transcript_n[1], si.sender_n[0], sq.sender_n[0], si.sender_n[1],
		         sq.sender_n[1], d.p.sender_answer, si.type_n[0], sq.type_n[0],
		         si.type_n[1], sq.type_n[1]);
		res_note("store counts: 1 producer %zu, %d producers %zu (each engine: as many"
		         " again in the F pass); raw LMDB %zu records into a fresh"
		         " environment, %zu into one preloaded with the large store's %zu",
		         c.store1, c.producers, (size_t)c.producers * c.store64_each,
		         c.ceiling_n, d.extra.n, d.large.n);
		res_note("bulk: imstore %d threads, each an ims_bulk of 1000-message batches (group commit), SQLite one"
		         " connection, 10000 per transaction; small store: imstore %.0f/s,"
		         " sqlite %.0f/s", c.bulk_threads, si.bulk_small_rate,
		         sq.bulk_small_rate);
		res_note("scan: imstore %llu msgs %.1f MB in %.2fs, sqlite %llu msgs %.1f MB"
		         " in %.2fs; gzip -6: %.1f MB -> %.1f MB",
		         (unsigned long long)si.scan_msgs, (double)si.scan_bytes / 1e6,
		         si.scan_secs, (unsigned long long)sq.scan_msgs,
		         (double)sq.scan_bytes / 1e6, sq.scan_secs, (double)gz_in / 1e6,
		         (double)gz_out / 1e6);
		res_note("purge: imstore %llu msgs in %llu transactions, sqlite %llu msgs in"
		         " %llu", (unsigned long long)si.purged,
		         (unsigned long long)si.purge_txns, (unsigned long long)sq.purged,
		         (unsigned long long)sq.purge_txns);
		res_note("scan peak RSS by kind (MiB): imstore anon %.1f file %.1f, sqlite anon"
		         " %.1f file %.1f", si.scan_anon_mib, si.scan_file_mib,
		         sq.scan_anon_mib, sq.scan_file_mib);
		res_note("cpim: %.0f B per message on average", cpim_len);
		getrusage(RUSAGE_SELF, &ru);
		res_note("peak RSS of the driver (holds the data set): %.0f MiB",
		         (double)ru.ru_maxrss / 1024.0);
		snprintf(title, sizeof(title), "imstore-bench, scale %g", c.scale);
		res_print(title);
	}

	if (c.keep)
		note("stores kept in %s", tmp);
	else
		rm_tree(tmp);
	ds_free_shallow(&d.large);
	ds_free_shallow(&d.small);
	ds_free(&d.extra);
	ds_free(&bg_large);
	ds_free(&bg_small);
	ds_free(&planted);
	return 0;
}
