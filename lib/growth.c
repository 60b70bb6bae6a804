/* SPDX-License-Identifier: MIT */
/* growth: processes' growth between two scans of a scope (growth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "growth.h"
#include "proc.h"

int growth_init(struct growth *g, int procfd, int cap)
{
	memset(g, 0, sizeof *g);
	g->procfd = procfd;
	g->hz = (double)sysconf(_SC_CLK_TCK);
	g->cap = cap;
	for (int i = 0; i < GROWTH_SLOTS; i++)
		if (!(g->slot[i].e = calloc(cap, sizeof *g->slot[i].e)))
			return -1;
	return 0;
}

int growth_grow(struct growth *g, int cap)
{
	if (cap <= g->cap)
		return 0;
	for (int i = 0; i < GROWTH_SLOTS; i++) {
		struct growth_base *e = realloc(g->slot[i].e, cap * sizeof *e);

		if (!e)
			return -1;
		g->slot[i].e = e;
	}
	g->cap = cap;
	return 0;
}

struct growth_slot *growth_slot(struct growth *g, const char *scope)
{
	struct growth_slot *s = &g->slot[0];

	for (int i = 0; i < GROWTH_SLOTS; i++) {
		if (g->slot[i].used && strcmp(g->slot[i].scope, scope) == 0)
			return &g->slot[i];
		if (g->slot[i].used < s->used)
			s = &g->slot[i];
	}
	snprintf(s->scope, sizeof s->scope, "%s", scope);
	s->valid = 0;
	return s;
}

static void sort_bases(struct growth_base *e, int n)
{
	int sorted = 1;

	for (int i = 1; i < n && sorted; i++)
		sorted = e[i - 1].pid < e[i].pid;
	if (sorted) /* scans visit PIDs in order */
		return;
	for (int k = n / 2 - 1, m = n; m > 1;) {
		/* heapsort: build, then move the largest to the end */
		int i;

		if (k >= 0) {
			i = k--;
		} else {
			struct growth_base t = e[0];

			e[0] = e[--m];
			e[m] = t;
			i = 0;
		}
		for (;;) {
			int l = 2 * i + 1, r = l + 1, big = i;
			struct growth_base t;

			if (l < m && e[l].pid > e[big].pid)
				big = l;
			if (r < m && e[r].pid > e[big].pid)
				big = r;
			if (big == i)
				break;
			t = e[i];
			e[i] = e[big];
			e[big] = t;
			i = big;
		}
	}
}

static const struct growth_base *base_find(const struct growth_slot *s, int pid)
{
	int lo = 0, hi = s->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (s->e[mid].pid == pid)
			return &s->e[mid];
		if (s->e[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

int growth_of(const struct growth_slot *s, double t_s, int pid,
	      unsigned long long start_ticks, long long rss_kb, double *kbps)
{
	double dt = t_s - s->t_s;
	const struct growth_base *b;

	if (!s->valid || dt <= 0)
		return 0;
	b = base_find(s, pid);
	if (b && b->start_ticks == start_ticks)
		*kbps = (double)(rss_kb - b->rss_kb) / dt;
	else if (s->up_ticks >= 0 && start_ticks >= s->up_ticks)
		*kbps = (double)rss_kb / dt; /* born since */
	else
		return 0;
	return 1;
}

void growth_reset(struct growth_slot *s)
{
	s->n = 0;
}

void growth_add(struct growth *g, struct growth_slot *s, int pid,
		unsigned long long start_ticks, long long rss_kb)
{
	if (s->n == g->cap)
		return;
	s->e[s->n].pid = pid;
	s->e[s->n].start_ticks = start_ticks;
	s->e[s->n].rss_kb = rss_kb;
	s->n++;
}

void growth_done(struct growth *g, struct growth_slot *s, double t_s)
{
	double up_s = -1;

	sort_bases(s->e, s->n);
	s->t_s = t_s;
	s->up_ticks = proc_uptime(g->procfd, &up_s) == 0 ? up_s * g->hz : -1;
	s->valid = 1;
	s->used = ++g->clock;
}
