/* SPDX-License-Identifier: MIT */
/*
 * cool: the cooldown, which stops a cascade of kills while a victim's
 * memory is being released, and no longer.
 *
 * A kill opens an episode on its scope's cgroup path ("/" for the
 * node).  Until --cooldown ends, the episode holds back the victims of
 * that path, of its ancestors and of its descendants (siblings are
 * independent), unless the evidence says the kill was not enough: the
 * killed victim's exit was seen (its memory is back) and the new
 * victim's evidence_ts, the oldest sample its verdict rests on, is after
 * that exit.  A kill whose exit was not seen (a timeout, --wait 0, -n)
 * holds for the whole --cooldown.
 */
#ifndef FOOM_COOL_H
#define FOOM_COOL_H

#include <stddef.h>

/* What holds a victim back. */
struct cool_hold {
	char path[4096];   /* the episode's path */
	double ago_s;      /* since its kill */
	int repeat;        /* this (pid, start) was held by it before */
};

/* Whether a victim of the cgroup path `path`, living in `own` (what
 * /proc says; NULL when unknown), is held at the monotonic time now.
 * evidence_ts: its verdict's evidence (CLOCK_REALTIME), < 0 when none.
 * 1 and *h filled when held, else 0. */
int cool_held(const char *path, const char *own, double now,
	      double evidence_ts, int pid, unsigned long long start_ticks,
	      struct cool_hold *h);
/* A kill in path ended at the monotonic time now: hold for cooldown_s;
 * exit_ts: when the victim's exit was seen (CLOCK_REALTIME), < 0 when
 * it was not. */
void cool_mark(const char *path, double now, double cooldown_s,
	       double exit_ts);

#endif
