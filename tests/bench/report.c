/* report.c - timing helpers, disk usage, and the result table with its
 * RESULT lines for scripts. */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
pct(double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), dbl_cmp);
	i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

void
rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "imstore-bench: cannot remove '%s'\n", dir);
}

uint64_t
dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t total = 0;
	char path[4096];
	struct stat sb;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			total += (uint64_t)sb.st_blocks * 512;
	}
	closedir(d);
	return total;
}

/* "ext4 on /dev/vda (/)": the file system and device holding dir. */
void
fs_describe(char *out, size_t cap, const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096], real[4096], best_mnt[1024] = "?", best_type[64] = "?",
	     best_src[1024] = "?";
	size_t best = 0;
	struct statfs sf;

	if (!realpath(dir, real))
		snprintf(real, sizeof(real), "%s", dir);
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[1024], type[64], src[1024], *dash;
		size_t ml;
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    !(dash = strstr(line, " - ")) ||
		    sscanf(dash + 3, "%63s %1023s", type, src) != 2)
			continue;
		ml = strlen(mnt);
		if (strncmp(real, mnt, ml) == 0 &&
		    (real[ml] == '/' || real[ml] == '\0' || ml == 1) && ml >= best) {
			best = ml;
			snprintf(best_mnt, sizeof(best_mnt), "%s", mnt);
			snprintf(best_type, sizeof(best_type), "%s", type);
			snprintf(best_src, sizeof(best_src), "%s", src);
		}
	}
	if (f)
		fclose(f);
	snprintf(out, cap, "%s (%s on %s, mounted on %s)%s", real, best_type,
	         best_src, best_mnt,
	         statfs(dir, &sf) == 0 && sf.f_type == 0x01021994 ? " WARNING: tmpfs" : "");
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("imstore-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double t_start;

void
note(const char *fmt, ...)
{
	va_list ap;

	if (t_start == 0)
		t_start = now_s();
	va_start(ap, fmt);
	fprintf(stderr, "[%7.1fs] ", now_s() - t_start);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---------------------------------------------------------------- results */

typedef struct result {
	char key[48], label[64], unit[16];
	double ims, sql;
	int better;
} result;

static result results[128];
static size_t nresults;
static char notes[64][512];
static size_t nnotes;

void
res_add(const char *key, const char *label, double ims, double sql,
        const char *unit, int better)
{
	result *r;

	if (nresults == sizeof(results) / sizeof(results[0]))
		return;
	r = &results[nresults++];
	snprintf(r->key, sizeof(r->key), "%s", key);
	snprintf(r->label, sizeof(r->label), "%s", label);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	r->ims = ims;
	r->sql = sql;
	r->better = better;
}

void
res_note(const char *fmt, ...)
{
	va_list ap;

	if (nnotes == sizeof(notes) / sizeof(notes[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(notes[nnotes++], sizeof(notes[0]), fmt, ap);
	va_end(ap);
}

/* Enough significant digits, no exponent for ordinary values. */
static void
fmt_val(char *out, size_t cap, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(out, cap, "na");
	else if (isinf(v))
		snprintf(out, cap, "inf");
	else if (a >= 1000 || a == 0 || v == (double)(long long)v)
		snprintf(out, cap, "%.0f", v);
	else if (a >= 100)
		snprintf(out, cap, "%.1f", v);
	else if (a >= 1)
		snprintf(out, cap, "%.2f", v);
	else if (a >= 0.01)
		snprintf(out, cap, "%.3f", v);
	else
		snprintf(out, cap, "%.2g", v);
}

static double
ratio(const result *r)
{
	if (r->better == NONE || isnan(r->ims) || isnan(r->sql))
		return NAN;
	if (r->better == HIGHER)
		return r->sql > 0 ? r->ims / r->sql : INFINITY;
	return r->ims > 0 ? r->sql / r->ims : INFINITY;
}

void
res_print(const char *title)
{
	char a[32], b[32], c[32];

	printf("\n%s\n", title);
	printf("%-44s %12s %12s %-10s %9s\n", "workload", "imstore", "sqlite", "unit",
	       "ratio");
	for (int i = 0; i < 92; i++)
		putchar('-');
	putchar('\n');
	for (size_t i = 0; i < nresults; i++) {
		const result *r = &results[i];
		double q = ratio(r);
		fmt_val(a, sizeof(a), r->ims);
		fmt_val(b, sizeof(b), r->sql);
		if (isnan(q))
			snprintf(c, sizeof(c), "-");
		else
			snprintf(c, sizeof(c), "%.2fx", q);
		printf("%-44s %12s %12s %-10s %9s\n", r->label, a, b, r->unit, c);
	}
	printf("(ratio: imstore over SQLite, better is higher: rates imstore/sqlite,"
	       " times and sizes sqlite/imstore)\n");
	for (size_t i = 0; i < nnotes; i++)
		printf("%s\n", notes[i]);
	putchar('\n');
	for (size_t i = 0; i < nresults; i++) {
		const result *r = &results[i];
		double q = ratio(r);
		fmt_val(a, sizeof(a), r->ims);
		fmt_val(b, sizeof(b), r->sql);
		if (isnan(q))
			snprintf(c, sizeof(c), "na");
		else if (isinf(q))
			snprintf(c, sizeof(c), "inf");
		else
			snprintf(c, sizeof(c), "%.3f", q);
		printf("RESULT %s imstore=%s sqlite=%s unit=%s ratio=%s\n", r->key, a, b,
		       r->unit, c);
	}
	fflush(stdout);
}
