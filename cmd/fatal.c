/* fatal.c - a clear last word when a command dies of a bad memory access
 * while a store is open.  LMDB trusts its pages: a damaged page number or
 * node can make it read outside its map.  imstore verify finds such damage
 * without faulting (it reads the pages with pread); other commands may
 * still die, and then say why and what to run instead of only "Bus error".
 * The signal is raised again with its default action, so the exit status
 * and any core dump stay those of the fault.  Not installed under the
 * sanitizers, whose own reports matter more. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FATAL_GUARD 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FATAL_GUARD 0
#endif
#endif
#ifndef FATAL_GUARD
#define FATAL_GUARD 1
#endif

static char fatal_msg[2][768];
static size_t fatal_len[2];

static void
on_fatal(int sig)
{
	int i = sig == SIGBUS;
	ssize_t n = write(STDERR_FILENO, fatal_msg[i], fatal_len[i]);

	(void)n;
	raise(sig);     /* SA_RESETHAND: the default action now */
}

void
cli_fatal_guard(const char *store_path)
{
	static const char *const what[2] = { "SIGSEGV", "SIGBUS" };
	struct sigaction sa;

	if (!FATAL_GUARD)
		return;
	for (int i = 0; i < 2; i++) {
		int n = snprintf(fatal_msg[i], sizeof(fatal_msg[i]),
		                 "imstore: fatal %s reading store '%.600s': its file may be "
		                 "damaged; run 'imstore verify'\n", what[i], store_path);
		fatal_len[i] = n < 0 ? 0 : (size_t)n < sizeof(fatal_msg[i]) ? (size_t)n
		               : sizeof(fatal_msg[i]) - 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}
