/* SPDX-License-Identifier: MIT */
/*
 * kout: foom-kill's standard output, which a reader that stalls or goes
 * away can never stop.  Records go through a bounded buffer; in follow
 * mode nothing ever waits for the reader: a record that does not fit is
 * dropped whole (counted, warned about once), and a closed reader
 * (EPIPE) drops the output for good.  The log and syslog (audit.c) are
 * written before it and do not depend on it.
 */
#ifndef FOOM_KOUT_H
#define FOOM_KOUT_H

/* Point rec_out at a stream over stdout.  never_wait: follow mode
 * (never block on the reader).  audited: the records also go to a log
 * or syslog (said in the warnings).  0, or -1 with a message. */
int kout_open(int never_wait, int audited);
/* At the end, instead of rec_flush: write out what is held back (and a
 * -t table), waiting for the reader now, and say how many records were
 * dropped.  0, or -1 after a write error
 * other than a closed reader. */
int kout_close(void);

#endif
