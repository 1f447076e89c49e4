/* fuzz_archive.c - an archive as import and verify-archive read it: the
 * tar and zip readers under our entry checks and limits, SHA256SUMS and the
 * manifest reader.  It must refuse or verify, within its limits, never
 * crash, leak or write a file. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(const char *what, void *payload)
{
	(void)what;
	(*(int *)payload)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	arc_limits lim = { 1000, (uint64_t)16 << 20, (uint64_t)1 << 20, (uint64_t)4 << 20, 100 };
	char path[64];
	arc_report r;
	int fd = memfd_create("fuzz-archive", MFD_CLOEXEC), problems = 0, mfd = -1;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (arc_verify(&r, path, &lim, "/tmp", quiet, &problems, &mfd) == 0) {
			/* a valid archive: read its manifest once more, as import does */
			mf_reader *mr;
			mf_item it;
			char err[256];
			if (lseek(mfd, 0, SEEK_SET) == 0 && mf_read_open(&mr, mfd, err, sizeof(err)) == 0) {
				while (mf_read_next(mr, &it) == 0)
					;
				mf_read_free(mr);
			}
		}
		if (mfd >= 0)
			close(mfd);
	}
	close(fd);
	return 0;
}
