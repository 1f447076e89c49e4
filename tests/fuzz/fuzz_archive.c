/* fuzz_archive.c - an archive as import and verify-archive read it: the
 * tar and zip readers under our entry checks and limits, SHA256SUMS and the
 * manifest reader.  It must refuse or verify, within its limits, never
 * crash, leak or write a file. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exchange/exchange.h"

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
	ims_archive_limits lim = { 1000, (uint64_t)16 << 20, (uint64_t)1 << 20, (uint64_t)4 << 20, 100 };
	ims__verify_args a = { NULL, &lim, "/tmp", quiet, NULL, NULL, NULL };
	static ims_archive_report r;
	char path[64], err[IMS__ARC_ERR];
	int fd = memfd_create("fuzz-archive", MFD_CLOEXEC), problems = 0, mfd = -1;

	if (fd < 0)
		return 0;
	a.payload = &problems;
	a.manifest_fd = &mfd;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		a.path = path;
		if (ims__arc_verify(&r, err, &a) == 0) {
			/* a valid archive: read its manifest once more, as import does */
			ims__mf_reader *mr;
			ims__mf_item it;
			char merr[256];
			if (lseek(mfd, 0, SEEK_SET) == 0 &&
			    ims__mf_read_open(&mr, mfd, merr, sizeof(merr)) == 0) {
				while (ims__mf_read_next(mr, &it) == 0)
					;
				ims__mf_read_free(mr);
			}
		}
		if (mfd >= 0)
			close(mfd);
	}
	close(fd);
	return 0;
}
