/* cpim.c - imstore cpim: parse a Message/CPIM payload, or a SIP request
 * carrying one, and print what libcpim reads in it.  No store is opened. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cpim.h"

enum { C_STRICT = 100, C_SIP };

static const cli_opt cpim_opts[] = {
	OPT_FLAG(C_STRICT, 0, "strict",
	  "follow RFC 3862 strictly: CRLF line ends, no leniencies"),
	OPT_FLAG(C_SIP, 0, "sip",
	  "read a raw SIP request; a message/cpim body is parsed too"),
	OPT_END,
};

/* The printer and whether it writes text: lists of small objects are then
 * shown as one line each, and null or empty values are left out. */
typedef struct emit {
	printer *p;
	int text;
} emit;

static void
key(emit *e, const char *k)
{
	e->p->ops->key(e->p, k);
}

static void
kv_str(emit *e, const char *k, const char *v)
{
	if (e->text && !v)
		return;
	key(e, k);
	e->p->ops->str(e->p, v);
}

static void
kv_int(emit *e, const char *k, int64_t v)
{
	key(e, k);
	e->p->ops->integer(e->p, v);
}

/* A line of text output, or null when it cannot be formatted. */
static void __attribute__((format(printf, 2, 3)))
str_fmt(emit *e, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	e->p->ops->str(e->p, n < 0 ? NULL : s);
	if (n >= 0)
		free(s);
}

/* A list's key, or nothing in text when it is empty. */
static int
list_begin(emit *e, const char *k, size_t n)
{
	if (e->text && n == 0)
		return 0;
	key(e, k);
	e->p->ops->begin_list(e->p);
	return 1;
}

static void
list_end(emit *e)
{
	e->p->ops->end_list(e->p);
}

/* For text output: a decoded string (a formal name, a quoted parameter)
 * with its control characters written as escapes (\t, \u001b, \u009b), so
 * that a payload cannot drive the operator's terminal.  Returns s, or a copy
 * in *tmp for the caller to free; NULL when out of memory. */
static const char *
visible(char **tmp, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	char *o;
	size_t i, n = 0;

	*tmp = NULL;
	for (i = 0; u[i]; i++)
		n += u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xc2 && u[i + 1] >= 0x80 &&
		                                     u[i + 1] <= 0x9f);
	if (!n)
		return s;
	if (!(o = *tmp = malloc(i + n * 6 + 1)))
		return NULL;
	for (i = 0; u[i]; i++) {
		if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			o += sprintf(o, "\\u%04x", u[++i]);
		else if (u[i] == '\t')
			o += sprintf(o, "\\t");
		else if (u[i] < 0x20 || u[i] == 0x7f)
			o += sprintf(o, "\\u%04x", u[i]);
		else
			*o++ = (char)u[i];
	}
	*o = '\0';
	return *tmp;
}

/* {name, uri[, tag]}; text: "Name" <uri>;tag=T */
static void
addr(emit *e, const char *name, const char *uri, int with_tag, const char *tag)
{
	char *tmp = NULL;

	if (e->text) {
		if (name && !(name = visible(&tmp, name)))
			name = "?";
		str_fmt(e, "%s%s%s<%s>%s%s", name ? "\"" : "", name ? name : "",
		        name ? "\" " : "", uri, tag ? ";tag=" : "", tag ? tag : "");
		free(tmp);
		return;
	}
	e->p->ops->begin_map(e->p);
	kv_str(e, "name", name);
	kv_str(e, "uri", uri);
	if (with_tag)
		kv_str(e, "tag", tag);
	e->p->ops->end_map(e->p);
}

static void
kv_addr(emit *e, const char *k, const cpim_addr *a)
{
	if (e->text && !a)
		return;
	key(e, k);
	if (a)
		addr(e, a->name, a->uri, 0, NULL);
	else
		e->p->ops->str(e->p, NULL);
}

static void
kv_addrs(emit *e, const char *k, const cpim_msg *m, cpim_addr_kind kind)
{
	size_t n = cpim_msg_addr_count(m, kind);
	cpim_addr a;

	if (!list_begin(e, k, n))
		return;
	for (size_t i = 0; i < n && cpim_msg_addr(&a, m, kind, i) == 0; i++)
		addr(e, a.name, a.uri, 0, NULL);
	list_end(e);
}

static void
time_str(emit *e, int64_t us)
{
	char buf[64];

	cli_fmt_time(buf, sizeof(buf), us);
	e->p->ops->str(e->p, buf);
}

/* {text, utc} or null */
static void
kv_datetime(emit *e, const char *k, const cpim_datetime *dt)
{
	if (e->text && !dt)
		return;
	key(e, k);
	if (!dt) {
		e->p->ops->str(e->p, NULL);
		return;
	}
	e->p->ops->begin_map(e->p);
	kv_str(e, "text", dt->text);
	key(e, "utc");
	time_str(e, dt->us);
	e->p->ops->end_map(e->p);
}

static void
kv_content(emit *e, const char *k, const cpim_content *ct)
{
	key(e, k);
	e->p->ops->begin_map(e->p);
	kv_int(e, "offset", (int64_t)ct->offset);
	kv_int(e, "length", (int64_t)ct->len);
	e->p->ops->end_map(e->p);
}

/* The CPIM headers in order; text: as written, `prefix.Name:params value` */
static void
headers(emit *e, const cpim_msg *m)
{
	size_t n = cpim_msg_header_count(m);
	cpim_header h;

	if (!list_begin(e, "headers", n))
		return;
	for (size_t i = 0; i < n && cpim_msg_header(&h, m, i) == 0; i++) {
		if (e->text) {
			str_fmt(e, "%s%s%s:%s %s", h.prefix, *h.prefix ? "." : "",
			        h.name, h.params, h.value);
			continue;
		}
		e->p->ops->begin_map(e->p);
		kv_str(e, "prefix", h.prefix);
		kv_str(e, "name", h.name);
		kv_str(e, "ns", h.ns);
		kv_str(e, "value", h.value);
		kv_str(e, "lang", h.lang);
		e->p->ops->end_map(e->p);
	}
	list_end(e);
}

static void
subjects(emit *e, const cpim_msg *m)
{
	size_t n = cpim_msg_subject_count(m);
	cpim_subject s;

	if (!list_begin(e, "subjects", n))
		return;
	for (size_t i = 0; i < n && cpim_msg_subject(&s, m, i) == 0; i++) {
		if (e->text) {
			char *tmp = NULL;
			const char *lang = s.lang ? visible(&tmp, s.lang) : NULL;
			if (lang)
				str_fmt(e, "[%s] %s", lang, s.text);
			else
				e->p->ops->str(e->p, s.text);
			free(tmp);
			continue;
		}
		e->p->ops->begin_map(e->p);
		kv_str(e, "text", s.text);
		kv_str(e, "lang", s.lang);
		e->p->ops->end_map(e->p);
	}
	list_end(e);
}

static void
namespaces(emit *e, const cpim_msg *m)
{
	size_t n = cpim_msg_ns_count(m);
	cpim_ns ns;

	if (!list_begin(e, "ns", n))
		return;
	for (size_t i = 0; i < n && cpim_msg_ns(&ns, m, i) == 0; i++) {
		if (e->text) {
			str_fmt(e, "%s%s<%s>", ns.prefix, *ns.prefix ? " " : "", ns.urn);
			continue;
		}
		e->p->ops->begin_map(e->p);
		kv_str(e, "prefix", ns.prefix);
		kv_str(e, "urn", ns.urn);
		e->p->ops->end_map(e->p);
	}
	list_end(e);
}

static int
imdn_declared(const cpim_msg *m)
{
	cpim_ns ns;

	for (size_t i = 0; cpim_msg_ns(&ns, m, i) == 0; i++)
		if (strcasecmp(ns.urn, CPIM_NS_IMDN) == 0)
			return 1;
	return 0;
}

/* The tokens of every Disposition-Notification header, as written.  The
 * parser has checked the syntax: tokens separated by commas and blanks. */
static void
dispositions(emit *e, const cpim_msg *m)
{
	cpim_header h;
	size_t n = 0;

	while (cpim_msg_find(&h, m, CPIM_NS_IMDN, "Disposition-Notification", n) == 0)
		n++;
	if (!list_begin(e, "disposition_notification", n))
		return;
	for (size_t i = 0; i < n && cpim_msg_find(&h, m, CPIM_NS_IMDN,
	                                          "Disposition-Notification", i) == 0; i++) {
		for (const char *s = h.value; *s;) {
			size_t len;
			s += strspn(s, " \t,");
			len = strcspn(s, " \t,");
			if (len)
				e->p->ops->strn(e->p, s, len);
			s += len;
		}
	}
	list_end(e);
}

/* IMDN headers (RFC 5438), found by namespace URN whatever the prefix */
static void
imdn(emit *e, const cpim_msg *m)
{
	cpim_datetime dt;
	cpim_addr a;

	if (!imdn_declared(m)) {
		kv_str(e, "imdn", NULL);
		return;
	}
	key(e, "imdn");
	e->p->ops->begin_map(e->p);
	kv_str(e, "message_id", cpim_msg_imdn_message_id(m));
	kv_datetime(e, "datetime", cpim_msg_imdn_datetime(&dt, m) == 0 ? &dt : NULL);
	dispositions(e, m);
	kv_addr(e, "original_to",
	        cpim_msg_addr(&a, m, CPIM_ADDR_IMDN_ORIGINAL_TO, 0) == 0 ? &a : NULL);
	kv_addrs(e, "record_route", m, CPIM_ADDR_IMDN_RECORD_ROUTE);
	kv_addrs(e, "route", m, CPIM_ADDR_IMDN_ROUTE);
	e->p->ops->end_map(e->p);
}

static void
mime_headers(emit *e, const cpim_msg *m)
{
	size_t n = cpim_msg_mime_count(m);
	cpim_header h;

	if (!list_begin(e, "mime_headers", n))
		return;
	for (size_t i = 0; i < n && cpim_msg_mime_header(&h, m, i) == 0; i++) {
		if (e->text) {
			str_fmt(e, "%s: %s", h.name, h.value);
			continue;
		}
		e->p->ops->begin_map(e->p);
		kv_str(e, "name", h.name);
		kv_str(e, "value", h.value);
		e->p->ops->end_map(e->p);
	}
	list_end(e);
}

static void
warnings(emit *e, const cpim_msg *m)
{
	size_t n = cpim_msg_warning_count(m);
	cpim_warning w;

	if (!list_begin(e, "warnings", n))
		return;
	for (size_t i = 0; i < n && cpim_msg_warning(&w, m, i) == 0; i++) {
		if (e->text) {
			str_fmt(e, "line %u: %s", w.line, cpim_warning_str(w.code));
			continue;
		}
		e->p->ops->begin_map(e->p);
		kv_str(e, "code", cpim_warning_str(w.code));
		kv_int(e, "line", w.line);
		e->p->ops->end_map(e->p);
	}
	list_end(e);
}

/* The keys of a parsed message, inside a map the caller opened. */
static void
cpim_fields(emit *e, const cpim_msg *m)
{
	cpim_datetime dt;
	cpim_content ct;
	cpim_addr a;
	int fr;

	key(e, "has_outer");
	e->p->ops->boolean(e->p, cpim_msg_has_outer(m));
	headers(e, m);
	kv_addr(e, "from", cpim_msg_addr(&a, m, CPIM_ADDR_FROM, 0) == 0 ? &a : NULL);
	kv_addrs(e, "to", m, CPIM_ADDR_TO);
	kv_addrs(e, "cc", m, CPIM_ADDR_CC);
	kv_datetime(e, "datetime", cpim_msg_datetime(&dt, m) == 0 ? &dt : NULL);
	subjects(e, m);
	namespaces(e, m);
	imdn(e, m);
	if (cpim_msg_final_report(&fr, m) == 0) {
		key(e, "final_report");
		e->p->ops->boolean(e->p, fr);
	} else {
		kv_str(e, "final_report", NULL);
	}
	mime_headers(e, m);
	kv_str(e, "content_type", cpim_msg_content_type(m));
	cpim_msg_content(&ct, m);
	kv_content(e, "content", &ct);
	warnings(e, m);
}

static int
parse_failed(const char *what, const char *src, int rc, const cpim_error *err)
{
	cli_err("cannot parse %s'%s': %s", what, src,
	        err->message[0] ? err->message : cpim_strerror(rc));
	return EXIT_DATAERR;
}

static int
show_cpim(emit *e, const unsigned char *data, size_t len, const char *src,
          const cpim_parse_opts *o)
{
	cpim_error err;
	cpim_msg *m;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = cpim_parse(&m, data, len, o, &err)))
		return parse_failed("", src, rc, &err);
	e->p->ops->begin_map(e->p);
	cpim_fields(e, m);
	e->p->ops->end_map(e->p);
	e->p->ops->record_end(e->p);
	cpim_msg_free(m);
	return EXIT_OK;
}

static void
sip_addr(emit *e, const char *k, const cpim_sip_addr *a, int with_tag)
{
	key(e, k);
	addr(e, a->display, a->uri, with_tag, with_tag ? a->tag : NULL);
}

static void
sip_fields(emit *e, const cpim_sip_msg *s, const cpim_msg *m)
{
	cpim_sip_addr a;
	cpim_content body;
	size_t n = cpim_sip_pai_count(s);
	uint32_t u;
	int64_t t;

	kv_str(e, "method", cpim_sip_method(s));
	kv_str(e, "request_uri", cpim_sip_request_uri(s));
	cpim_sip_from(&a, s);
	sip_addr(e, "from", &a, 1);
	cpim_sip_to(&a, s);
	sip_addr(e, "to", &a, 1);
	if (list_begin(e, "p_asserted_identity", n)) {
		for (size_t i = 0; i < n && cpim_sip_pai(&a, s, i) == 0; i++)
			addr(e, a.display, a.uri, 0, NULL);
		list_end(e);
	}
	kv_str(e, "call_id", cpim_sip_call_id(s));
	cpim_sip_cseq(&u, s);
	kv_int(e, "cseq", u);
	if (cpim_sip_date(&t, s) == 0) {
		key(e, "date");
		time_str(e, t);
	} else {
		kv_str(e, "date", NULL);
	}
	if (cpim_sip_expires(&u, s) == 0)
		kv_int(e, "expires", u);
	else
		kv_str(e, "expires", NULL);
	kv_str(e, "content_type", cpim_sip_content_type(s));
	cpim_sip_body(&body, s);
	kv_content(e, "body", &body);
	if (!m) {
		kv_str(e, "cpim", NULL);
		return;
	}
	key(e, "cpim");
	e->p->ops->begin_map(e->p);
	cpim_fields(e, m);
	e->p->ops->end_map(e->p);
}

/* A SIP request; a message/cpim body is parsed as imstore cpim would parse
 * it on its own, so its offsets and lines count from the body's start. */
static int
show_sip(emit *e, const unsigned char *data, size_t len, const char *src,
         const cpim_parse_opts *o)
{
	cpim_sip_msg *s = NULL;
	cpim_msg *m = NULL;
	cpim_content body;
	cpim_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = cpim_sip_parse(&s, data, len, o, &err)))
		return parse_failed("", src, rc, &err);
	cpim_sip_body(&body, s);
	if (cpim_type_is_cpim(cpim_sip_content_type(s)) &&
	    (rc = cpim_parse(&m, body.data, body.len, o, &err))) {
		rc = parse_failed("the message/cpim body of ", src, rc, &err);
		goto out;
	}
	e->p->ops->begin_map(e->p);
	sip_fields(e, s, m);
	e->p->ops->end_map(e->p);
	e->p->ops->record_end(e->p);
	rc = EXIT_OK;
out:
	cpim_msg_free(m);
	cpim_sip_free(s);
	return rc;
}

static int
run_cpim(cli *c)
{
	cpim_parse_opts o = CPIM_PARSE_OPTS_INIT;
	emit e = { c->out, c->format == FMT_TEXT };
	unsigned char *data;
	const char *path;
	size_t len;
	int rc, mapped, sip = 0;

	for (size_t i = 0; i < c->nopts; i++) {
		if (c->opts[i].id == C_STRICT)
			o.flags |= CPIM_PARSE_STRICT;
		sip |= c->opts[i].id == C_SIP;
	}
	if (c->noperands > 1) {
		cli_err("cpim takes at most one FILE");
		return EXIT_USAGE;
	}
	path = c->noperands ? c->operands[0] : "-";
	if ((rc = cli_read_input(&data, &len, &mapped, path)))
		return cli_fail(rc, "cannot read '%s'", path);
	rc = sip ? show_sip(&e, data, len, path, &o) : show_cpim(&e, data, len, path, &o);
	cli_free_input(data, len, mapped);
	return rc;
}

const cli_cmd cmd_cpim = {
	"cpim", run_cpim, "[FILE | -]",
	"parse a Message/CPIM payload or SIP request and print it",
	cpim_opts, 1u << FMT_TEXT | 1u << FMT_JSON, NULL,
};
