/* SPDX-License-Identifier: MIT */
/*
 * metrics: foom's record stream turned into Prometheus metrics.  The
 * state of each scope (level, risk, eta, available memory) and the
 * counts of kills and kernel OOM kills, in tables sized once; a record
 * that would need one more series than the tables hold is counted as
 * dropped instead.  Written in the Prometheus text exposition format.
 */
#ifndef FOOM_METRICS_H
#define FOOM_METRICS_H

#include <stdio.h>

#include "rec.h"

struct met;

/* Tables of max_scopes scopes and max_series series per counter; a
 * scope without a record for forget_s seconds (CLOCK_MONOTONIC) is
 * dropped by met_forget, 0: never.  NULL with errno on failure. */
struct met *met_new(int max_scopes, int max_series, double forget_s);
void met_free(struct met *m);

/* One record of any kind; one line that did not parse. */
void met_record(struct met *m, const struct rec *r);
void met_bad_line(struct met *m);
/* Drop the scopes not heard of for forget_s seconds. */
void met_forget(struct met *m);

/* The exposition, every family with its HELP and TYPE.  0, or -1 when
 * the stream reports an error. */
int met_write(const struct met *m, FILE *fp);

/* One label value, escaped for the exposition: backslash, double quote
 * and newline as \\, \" and \n; a byte that is not part of valid UTF-8
 * as U+FFFD, so that a hostile name cannot make the file unreadable. */
void met_put_label(FILE *fp, const char *v);

#endif
