/* SPDX-License-Identifier: MIT */
/*
 * cool: the episodes in a fixed table, by cgroup path; and which held
 * victims were already reported, so that each is said once an episode.
 */
#include <stdio.h>
#include <string.h>

#include "cg.h"
#include "cool.h"

/* Episodes remembered at once; past this many, the one that ends first
 * is forgotten (few scopes are in trouble at the same time). */
#define COOL_SCOPES 64
/* Held victims remembered as reported; past this many the oldest is
 * forgotten, and said once more if it comes again. */
#define COOL_HELD 256

static struct episode {
	char path[sizeof ((struct cool_hold *)0)->path];
	unsigned long id;  /* 0: a free slot */
	double start;      /* monotonic: the kill's end */
	double until;      /* monotonic */
	double exit_ts;    /* realtime; < 0: no exit seen */
} eps[COOL_SCOPES];
static unsigned long next_id = 1;

static struct {
	unsigned long episode;
	int pid;
	unsigned long long start_ticks;
} held[COOL_HELD];
static int held_next;

/* Ancestor, descendant or the same. */
static int related(const char *a, const char *b)
{
	return cg_within(a, b) || cg_within(b, a);
}

static int seen(unsigned long id, int pid, unsigned long long start_ticks)
{
	for (int i = 0; i < COOL_HELD; i++)
		if (held[i].episode == id && held[i].pid == pid &&
		    held[i].start_ticks == start_ticks)
			return 1;
	held[held_next].episode = id;
	held[held_next].pid = pid;
	held[held_next].start_ticks = start_ticks;
	held_next = (held_next + 1) % COOL_HELD;
	return 0;
}

int cool_held(const char *path, const char *own, double now,
	      double evidence_ts, int pid, unsigned long long start_ticks,
	      struct cool_hold *h)
{
	for (int i = 0; i < COOL_SCOPES; i++) {
		struct episode *e = &eps[i];

		if (!e->id || e->until <= now)
			continue;
		if (!related(e->path, path) && !(own && related(e->path, own)))
			continue;
		/* Fresh evidence after the memory came back: not enough. */
		if (e->exit_ts >= 0 && evidence_ts > e->exit_ts)
			continue;
		memcpy(h->path, e->path, sizeof h->path);
		h->ago_s = now - e->start;
		h->repeat = seen(e->id, pid, start_ticks);
		return 1;
	}
	return 0;
}

void cool_mark(const char *path, double now, double cooldown_s,
	       double exit_ts)
{
	int slot = 0;

	for (int i = 0; i < COOL_SCOPES; i++) {
		if (eps[i].id && strcmp(eps[i].path, path) == 0) {
			slot = i;
			break;
		}
		if (eps[i].until < eps[slot].until)
			slot = i;
	}
	snprintf(eps[slot].path, sizeof eps[slot].path, "%s", path);
	eps[slot].id = next_id++;
	eps[slot].start = now;
	eps[slot].until = now + cooldown_s;
	eps[slot].exit_ts = exit_ts;
}
