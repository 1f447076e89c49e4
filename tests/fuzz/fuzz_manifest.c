/* fuzz_manifest.c - manifest.xml of an export archive as import and
 * verify-archive read it (ims__mf_read_open/ims__mf_read_next,
 * libstore/exchange/manifest-read.c),
 * without the archive around it.
 *
 * Invariants: a refusal says why; every item read is complete (file, a
 * 64-digit sha256; a message with owner, Message-ID, received time, at
 * most IMS_RCPT_MAX recipients and IMS_HEADERS_MAX headers); what is read,
 * written again with the export's writer, reads back and writes to the
 * same bytes.  Seeds: tests/fuzz/corpus/manifest/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exchange/exchange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_item(const ims__mf_item *it)
{
	const ims_msg *m = &it->m;

	if (!it->file || !it->sha || strlen(it->sha) != 64 ||
	    (it->kind != IMS__ARC_MESSAGE && it->kind != IMS__ARC_TRANSCRIPT))
		abort();
	if (it->kind != IMS__ARC_MESSAGE)
		return;
	if (!m->owner || !m->message_id || m->received == IMS_TIME_NONE ||
	    m->nto + m->ncc > IMS_RCPT_MAX || m->nheaders > IMS_HEADERS_MAX ||
	    !m->from.uri)
		abort();
	for (size_t i = 0; i < m->nto; i++)
		if (!m->to[i].uri)
			abort();
	for (size_t i = 0; i < m->ncc; i++)
		if (!m->cc[i].uri)
			abort();
}

/* Read the manifest in fd and write it again: the new one's fd, or -1
 * when the manifest is refused. */
static int
rewrite(int in)
{
	ims__mf_export e = { "/var/lib/imstore", "", "raw", 0 };
	uint64_t msgs = 0, trs = 0, bytes = 0;
	ims__mf_reader *r = NULL;
	ims__mf_writer *w = NULL;
	ims__mf_item it;
	char err[256] = "";
	int out = memfd_create("fuzz-manifest", MFD_CLOEXEC), rc;

	if (out < 0 || lseek(in, 0, SEEK_SET) != 0)
		abort();
	if (ims__mf_read_open(&r, in, err, sizeof(err))) {
		if (!err[0])
			abort();
		close(out);
		return -1;
	}
	if (ims__mf_open(&w, out, &e))
		abort();
	while ((rc = ims__mf_read_next(r, &it)) == 0) {
		check_item(&it);
		if (it.kind == IMS__ARC_MESSAGE) {
			rc = ims__mf_message(w, &it.m, it.file, it.sha, it.size);
			msgs++;
			bytes += it.m.size;
		} else {
			rc = ims__mf_transcript(w, it.file, it.sha, it.size, NULL, NULL, 0);
			trs++;
		}
		if (rc)
			abort();
	}
	if (rc < 0 && !ims__mf_read_err(r)[0])
		abort();
	if (rc > 0 && ims__mf_close(w, msgs, bytes, trs))
		abort();
	ims__mf_free(w);
	ims__mf_read_free(r);
	if (rc < 0) {
		close(out);
		return -1;
	}
	return out;
}

static char *
contents(size_t *len, int fd)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = malloc((size_t)n + 1);

	if (n < 0 || !s || pread(fd, s, (size_t)n, 0) != n)
		abort();
	s[n] = '\0';
	*len = (size_t)n;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in = memfd_create("fuzz-manifest-in", MFD_CLOEXEC), a, b;
	size_t la, lb;
	char *sa, *sb;

	if (in < 0)
		return 0;
	if (write(in, data, size) != (ssize_t)size) {
		close(in);
		return 0;
	}
	if ((a = rewrite(in)) >= 0) {
		if ((b = rewrite(a)) < 0) {
			sa = contents(&la, a);
			fprintf(stderr, "a manifest written from one read is refused:\n%.2000s\n",
			        sa);
			abort();
		}
		sa = contents(&la, a);
		sb = contents(&lb, b);
		if (la != lb || memcmp(sa, sb, la) != 0) {
			fprintf(stderr, "written twice, two manifests:\n%.2000s\n---\n%.2000s\n",
			        sa, sb);
			abort();
		}
		free(sa);
		free(sb);
		close(b);
		close(a);
	}
	close(in);
	return 0;
}
