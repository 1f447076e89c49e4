/* sipmsg.h - the SIP request model shared by sip.c and sipaddr.c */
#ifndef CPIM_SIPMSG_H
#define CPIM_SIPMSG_H

#include "internal.h"

struct cpim__siph {
	const char *name;     /* long form */
	const char *value;    /* unfolded */
	unsigned line;
	size_t loff, voff;
};

struct cpim_sip_msg {
	cpim__arena arena;
	const char *method, *ruri;
	struct cpim__siph *h;
	size_t nh, hcap;
	cpim_sip_addr from, to;
	cpim_sip_addr *pai;
	size_t npai, paicap;
	const char *call_id, *ctype;
	uint32_t cseq, expires;
	int has_date, has_expires;
	int64_t date;
	const unsigned char *body;
	size_t blen, boff;
	size_t total;      /* bytes of the input the request took */
};

/* sipaddr.c */
int cpim__sip_addr(cpim__arena *a, cpim_sip_addr *out, const char *v,
    size_t n, size_t *errpos, const char **what);
int cpim__sip_addr_list(struct cpim_sip_msg *m, const char *v, size_t *errpos,
    const char **what);

#endif
