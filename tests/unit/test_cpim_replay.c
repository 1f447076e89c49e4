/* test_cpim_replay.c - run the cpim fuzz target over its seed corpus
 * (tests/fuzz/corpus/cpim); a failed check aborts the program. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../fuzz/fuzz_cpim.c"

static void
replay(const char *dir, const char *name)
{
	char path[8192];
	unsigned char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		ok(0, "read %s", path);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	ok(1, "replay %s", name);
	free(buf);
}

int
main(void)
{
	const char *src = getenv("IMS_SRCDIR");
	char dir[4096];
	struct dirent *de;
	DIR *d;
	size_t n = 0;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/cpim", src ? src : ".");
	if (!(d = opendir(dir))) {
		ok(0, "open %s", dir);
		return done_testing();
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			replay(dir, de->d_name);
			n++;
		}
	closedir(d);
	ok(n >= 10, "%zu seeds replayed", n);
	return done_testing();
}
