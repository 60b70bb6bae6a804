/* SPDX-License-Identifier: MIT */
/*
 * growth: who grew since a scope's last scan, in KiB a second.  A few
 * scopes' last scans are kept (the node and a few pods at risk at once);
 * the least recently ranked is replaced.  A process is the same one only
 * with the same PID and start time; one born since the last scan grew
 * from nothing.
 */
#ifndef FOOM_GROWTH_H
#define FOOM_GROWTH_H

#include <limits.h>

/* Scopes whose last scan is kept. */
#define GROWTH_SLOTS 4

struct growth_base {
	int pid;
	unsigned long long start_ticks;
	long long rss_kb;
};

struct growth_slot {
	char scope[PATH_MAX + 8];
	unsigned long used; /* clock of its last scan, 0: free */
	int n, valid;
	double t_s, up_ticks;
	struct growth_base *e; /* cap entries, sorted by pid */
};

struct growth {
	int procfd, cap;
	double hz;
	unsigned long clock;
	struct growth_slot slot[GROWTH_SLOTS];
};

/* Tables for cap processes a scope.  0, or -1 with errno. */
int growth_init(struct growth *g, int procfd, int cap);
/* Grow them to cap, between scans.  0, or -1 with errno. */
int growth_grow(struct growth *g, int cap);

/* The slot of scope: its last scan, or a fresh one (not valid). */
struct growth_slot *growth_slot(struct growth *g, const char *scope);
/* The growth of a process since the slot's scan, at t_s: 1 and *kbps,
 * or 0 when it cannot be known (no earlier scan, or no time between). */
int growth_of(const struct growth_slot *s, double t_s, int pid,
	      unsigned long long start_ticks, long long rss_kb, double *kbps);
/* Replace the slot's scan by this one: growth_reset, growth_add for each
 * process (at most cap), growth_done at t_s. */
void growth_reset(struct growth_slot *s);
void growth_add(struct growth *g, struct growth_slot *s, int pid,
		unsigned long long start_ticks, long long rss_kb);
void growth_done(struct growth *g, struct growth_slot *s, double t_s);

#endif
