/* util.c - error reporting, store opening, argument parsing for commands. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The longest piece of user input an error message shows, in bytes. */
#define QUOTE_MAX 64

/* One byte as the terminal should see it: a control character or DEL as
 * \e, \t, \n, \r or \xNN, anything else as itself.  Returns bytes written. */
static size_t
show_byte(char *o, unsigned char b)
{
	static const char hex[] = "0123456789abcdef";

	if (b >= 0x20 && b != 0x7f) {
		o[0] = (char)b;
		return 1;
	}
	o[0] = '\\';
	o[1] = b == 0x1b ? 'e' : b == '\t' ? 't' : b == '\n' ? 'n' : b == '\r' ? 'r' : 'x';
	if (o[1] != 'x')
		return 2;
	o[2] = hex[b >> 4];
	o[3] = hex[b & 15];
	return 4;
}

/* User input for an error message: in single quotes, control characters
 * escaped, cut after QUOTE_MAX bytes (at a UTF-8 boundary) with its length.
 * The one place every command quotes what it echoes; the result lives in a
 * ring of four buffers, enough for one message. */
const char *
cli_quote(const char *s)
{
	static char ring[4][QUOTE_MAX * 4 + 48];
	static unsigned next;
	char *o = ring[next++ % 4], *p = o;
	size_t len = s ? strlen(s) : 0, n = len, i;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	*p++ = '\'';
	for (i = 0; i < n; i++)
		p += show_byte(p, (unsigned char)s[i]);
	if (n < len)
		p += sprintf(p, "...' (%zu bytes)", len);
	else
		*p++ = '\'', *p = '\0';
	return o;
}

/* "imstore: " and the message, on stderr, control characters escaped
 * whatever put them there (an option's value, a library's message). */
static void
verr(const char *fmt, va_list ap, const char *tail)
{
	char buf[2048], shown[4];
	size_t i, n;

	fflush(stdout);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fputs("imstore: ", stderr);
	for (i = 0; buf[i]; i++) {
		n = show_byte(shown, (unsigned char)buf[i]);
		fwrite(shown, 1, n, stderr);
	}
	if (tail)
		fprintf(stderr, ": %s", tail);
	fputc('\n', stderr);
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, NULL);
	va_end(ap);
}

/* The exit status of a library code or errno value: the one place the
 * classes of imstore(1) EXIT STATUS are chosen. */
int
cli_exit_code(int rc)
{
	switch (rc) {
	case 0: return EXIT_OK;
	case IMS_BUSY: case IMS_FULL: case IMS_QUOTA:
	case EAGAIN: case ENOSPC: case EDQUOT: case EINTR: case ETIMEDOUT:
		return EXIT_TEMPFAIL;
	case IMS_NOTFOUND: return EXIT_NOTFOUND;
	case IMS_INVALID: case IMS_TOOBIG: case IMS_SYNTAX: case EILSEQ:
		return EXIT_DATAERR;
	case IMS_CORRUPT: case IMS_VERSION:
		return EXIT_CORRUPT;
	case IMS_PANIC: case IMS_FORKED: case IMS_INTERNAL:
		return EXIT_SOFTWARE;
	case IMS_READONLY: case IMS_HELD: case EACCES: case EPERM: case EROFS:
		return EXIT_NOPERM;
	case IMS_EXISTS: case EEXIST: return EXIT_CANTCREAT;
	case IMS_NOTSTORE: case ENOENT: case ENOTDIR: return EXIT_NOINPUT;
	case ENOMEM: case ENOSYS: return EXIT_OSERR;
	case EIO: case EFBIG: case ENXIO: case EISDIR: return EXIT_IOERR;
	default: return rc > 0 ? EXIT_IOERR : EXIT_ERR;
	}
}

/* An error in input the user gave (a message, an archive, a dump): its
 * bytes are a data error whatever code the reader chose; what stopped the
 * reading (a missing file, a permission) keeps its own class. */
int
cli_exit_input(int rc)
{
	int x = cli_exit_code(rc);

	return x == EXIT_CORRUPT || x == EXIT_NOTFOUND || x == EXIT_ERR ||
	       x == EXIT_CANTCREAT ? EXIT_DATAERR : x;
}

/* A message the store refused (IMS_REFUSED): over quota may pass later;
 * the recipient's barring or settings are a refusal; too big or expired
 * is the message's own fault. */
int
cli_exit_refusal(ims_refusal why)
{
	switch (why) {
	case IMS_REFUSAL_QUOTA: return EXIT_TEMPFAIL;
	case IMS_REFUSAL_BARRED: case IMS_REFUSAL_INACTIVE: return EXIT_NOPERM;
	default: return EXIT_DATAERR;
	}
}

/* Report "…: <ims_strerror(rc)>" and return the exit code for rc. */
int
cli_fail(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap, ims_strerror(rc));
	va_end(ap);
	return cli_exit_code(rc);
}

/* The authenticated user operand of the IM functions. */
int
cli_check_user(const char *user)
{
	char canon[IMS_ADDR_MAX + 1];
	int rc = ims_addr_canon(canon, sizeof(canon), user);

	if (rc == 0)
		return 0;
	cli_err("invalid user address %s%s", cli_quote(user),
	        rc == IMS_TOOBIG ? " (longer than 480 bytes)" : "");
	return EXIT_USAGE;
}

int
cli_open(ims_store **out, cli *c, unsigned flags)
{
	ims_open_opts o = IMS_OPEN_OPTS_INIT;
	int rc;

	o.flags = flags;
	rc = ims_store_open(out, c->store_path, &o);
	if (rc == IMS_NOTFOUND) {
		cli_err("no store at '%s' (create one with 'imstore init')", c->store_path);
		return EXIT_NOINPUT;
	}
	if (rc)
		return cli_fail(rc, "cannot open store '%s'", c->store_path);
	cli_fatal_guard(c->store_path);
	return 0;
}

void
cli_fmt_time(char *out, size_t cap, int64_t us)
{
	ims_time_fmt(out, cap, us);
}

char *
cli_join(char **v, size_t n)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, v[i]);
	}
	return s;
}

static int
read_fd(unsigned char **out, size_t *len, int fd)
{
	size_t cap = 65536, n = 0;
	unsigned char *buf = malloc(cap), *nb;
	ssize_t r;

	if (!buf)
		return ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap >= IMS_BODY_MAX) {
				free(buf);
				return IMS_TOOBIG;
			}
			if (!(nb = realloc(buf, cap * 2))) {
				free(buf);
				return ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* The bytes of a file ("-": stdin).  Regular files are mapped, not copied. */
int
cli_read_input(unsigned char **out, size_t *len, int *mapped, const char *path)
{
	struct stat sb;
	int fd, rc;

	*mapped = 0;
	if (!path || strcmp(path, "-") == 0)
		return read_fd(out, len, 0);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		if ((uint64_t)sb.st_size > IMS_BODY_MAX) {
			close(fd);
			return IMS_TOOBIG;
		}
		void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED) {
			close(fd);
			*out = p;
			*len = (size_t)sb.st_size;
			*mapped = 1;
			return 0;
		}
	}
	rc = read_fd(out, len, fd);
	close(fd);
	return rc;
}

void
cli_free_input(unsigned char *p, size_t len, int mapped)
{
	if (mapped)
		munmap(p, len);
	else
		free(p);
}

/* Names given as operands, followed by the entries of an RFC 4826 URI-list
 * file when path is set.  *all is ops itself or an array to free();
 * *listed holds the list's strings (ims_strings_free). */
int
cli_names(cli_names_t *out, char **ops, size_t nops, const char *path)
{
	unsigned char *data;
	size_t len;
	int mapped, rc;
	ims_errinfo e;

	memset(out, 0, sizeof(*out));
	out->all = ops;
	out->n = nops;
	if (!path)
		return 0;
	if ((rc = cli_read_input(&data, &len, &mapped, path)))
		return cli_fail(rc, "cannot read '%s'", path);
	rc = ims_urilist_parse(&out->listed, &out->nlisted, data, len, &e);
	cli_free_input(data, len, mapped);
	if (rc) {
		cli_err("invalid URI-list '%s': %s", path, e.message);
		return EXIT_DATAERR;
	}
	if (!(out->all = malloc((nops + out->nlisted + 1) * sizeof(char *))))
		return EXIT_OSERR;
	memcpy(out->all, ops, nops * sizeof(char *));
	memcpy(out->all + nops, out->listed, out->nlisted * sizeof(char *));
	out->n = nops + out->nlisted;
	out->ops = ops;
	return 0;
}

void
cli_names_free(cli_names_t *names, char **ops)
{
	if (names->all != ops)
		free(names->all);
	ims_strings_free(names->listed, names->nlisted);
	memset(names, 0, sizeof(*names));
}
