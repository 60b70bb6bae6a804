/* SPDX-License-Identifier: MIT */
/*
 * audit: where kill records go besides the output, an append-only log
 * file and syslog.
 */
#ifndef FOOM_AUDIT_H
#define FOOM_AUDIT_H

#include "kill.h"
#include "rec.h"

/* Open the log file and connect to syslog, as asked.  0, or -1 with a
 * message. */
int audit_open(const char *logpath, int use_syslog);
/* Write one record to both, as logfmt, each in one write.  0, or -1
 * with a message. */
int audit_write(const struct rec *r, enum kill_result res);
/* Before the first record: format r as audit_write would (the stream's
 * buffer is allocated then) and read the time zone for syslog's dates,
 * writing nothing. */
void audit_warm(const struct rec *r);
/* A SIGHUP handler: the next record opens the log anew (after
 * logrotate moved it away). */
void audit_reopen_on_hup(int sig);

#endif
