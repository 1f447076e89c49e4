/* eml.h - a message as RFC 5322 (eml.c) */
#ifndef IMS_EML_H
#define IMS_EML_H
#include "imstore.h"
/* Write message m, its body read through q (the query that returned it). */
int eml_write(int fd, const ims_msg *m, ims_query *q);
#endif
