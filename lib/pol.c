/* SPDX-License-Identifier: MIT */
/*
 * pol: the ranking of a scope's processes (pol.h).  A scan reads
 * /proc/PID/stat (or, in follow mode, statm through a kept file) of every
 * process of the scope (a cgroup or pod scope's listed from its
 * cgroup.procs), and its oom_score when that is the score; the rest
 * (cmdline, exe, status) only when a rule or a victim printed asks for
 * it.  All a scan touches is allocated
 * in pol_rank_new, so a follow-mode ranker does not grow.  The kept
 * files are lib/fdcache's, the growth baselines lib/growth's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdcache.h"
#include "growth.h"
#include "guard.h"
#include "pol.h"
#include "proc.h"
#include "view.h"

/* The tables hold the node's processes and this much more (in %, and
 * at least POL_ROOM_MIN entries), so a node that forks between two
 * fits still fits; they grow when the node passes POL_FIT_PCT of them. */
#define POL_ROOM_PCT 150
#define POL_ROOM_MIN 256
#define POL_FIT_PCT 80

enum cls { CLS_PREFER, CLS_PLAIN, CLS_AVOID };

struct cand {
	int pid, pgid;
	unsigned long long start_ticks;
	long long rss_kb;
	double score, growth_kbps;
	int oom_score; /* -1: not read in the scan */
	int rule;      /* the placing rule, -1: none */
	unsigned char cls; /* enum cls */
	unsigned char has_score, has_growth;
};

struct pol_rank {
	struct pol_opt o;
	struct cand *c;
	int n, *heap, heap_n;
	int *active, nactive;   /* the rules that apply to the scope */
	unsigned need;          /* fields the rules read (1u << RF_*) */
	long page_kb;
	char scope[PATH_MAX + 8]; /* of the last scan */
	char comm[64];            /* of the victim pol_next gave */
	int cap;                  /* entries in each table, <= o.max_procs */
	struct guard guard;
	struct view_src src;
	struct view v;
	struct proc_iter it;
	char cgroup[PATH_MAX];  /* the last scan's scope's; "/" for the node */
	int *pids, npids, next; /* the scope's from cgroup.procs, or npids -1 */
	int keep_fds;
	struct fdcache fdc;
	struct fdcache_entry *fe; /* the process at hand's, or NULL */
	struct growth growth;
};

/* Tables for this many processes: the node's now, and room to grow
 * into before the next fit (pol_rank_fit). */
static int cap_for(const struct pol_rank *rk, int nprocs)
{
	long cap = (long)nprocs * POL_ROOM_PCT / 100 + POL_ROOM_MIN;

	return cap > rk->o.max_procs ? rk->o.max_procs : (int)cap;
}

/* Every page of a table touched once: it is locked (and resident) from
 * here on, not faulted in during a scan. */
static void touch(void *p, size_t size)
{
	memset(p, 0, size);
}

static int tables(struct pol_rank *rk, int cap)
{
	struct cand *c;
	int *heap, *pids;

	if (cap <= rk->cap)
		return 0;
	if (!(c = realloc(rk->c, cap * sizeof *c)))
		return -1;
	rk->c = c;
	if (!(heap = realloc(rk->heap, cap * sizeof *heap)))
		return -1;
	rk->heap = heap;
	if (!(pids = realloc(rk->pids, cap * sizeof *pids)))
		return -1;
	rk->pids = pids;
	if (rk->o.growth && (rk->cap ? growth_grow(&rk->growth, cap) :
			     growth_init(&rk->growth, rk->o.procfd, cap)) < 0)
		return -1;
	if (rk->keep_fds && (rk->cap ? fdcache_grow(&rk->fdc, cap) :
			     fdcache_init(&rk->fdc, rk->o.procfd, cap)) < 0)
		return -1;
	touch(rk->c + rk->cap, (cap - rk->cap) * sizeof *c);
	touch(rk->heap + rk->cap, (cap - rk->cap) * sizeof *heap);
	touch(rk->pids + rk->cap, (cap - rk->cap) * sizeof *pids);
	for (int i = 0; rk->keep_fds && i < 2; i++)
		touch(rk->fdc.e[i] + rk->cap, (cap - rk->cap) * sizeof *rk->fdc.e[i]);
	for (int i = 0; rk->o.growth && i < GROWTH_SLOTS; i++)
		touch(rk->growth.slot[i].e + rk->cap,
		      (cap - rk->cap) * sizeof *rk->growth.slot[i].e);
	rk->cap = cap;
	return 0;
}

/* The processes under the /proc root; -1 with errno. */
static int count_procs(struct pol_rank *rk)
{
	int n = 0, pid;

	proc_iter_start(&rk->it, rk->o.procfd);
	while ((pid = proc_iter_next(&rk->it)) > 0)
		n++;
	return pid < 0 ? -1 : n;
}

struct pol_rank *pol_rank_new(const struct pol_opt *opt)
{
	struct pol_rank *rk = calloc(1, sizeof *rk);
	int n = rules_count(opt->rules), nprocs;

	if (!rk)
		return NULL;
	rk->o = *opt;
	rk->active = calloc(n + 1, sizeof *rk->active);
	if (!rk->active)
		return NULL;
	rk->need = rules_fields(opt->rules);
	rk->page_kb = proc_page_kb();
	if (guard_init(&rk->guard, opt->procfd, opt->rules, opt->allow_pid1) < 0)
		return NULL;
	rk->src.procfd = opt->procfd;
	rk->src.cg = opt->cg;
	rk->src.pw = opt->pw;
	rk->v.src = &rk->src;
	rk->keep_fds = opt->keep_fds;
	rk->fdc.procfd = opt->procfd; /* read through it without kept files too */
	nprocs = opt->small ? 0 : count_procs(rk);
	if (nprocs < 0 || tables(rk, cap_for(rk, nprocs)) < 0)
		return NULL;
	return rk;
}

int pol_rank_fit(struct pol_rank *rk)
{
	int nprocs = count_procs(rk);

	if (nprocs < 0)
		return -1;
	if ((long)nprocs * 100 <= (long)rk->cap * POL_FIT_PCT || rk->cap == rk->o.max_procs)
		return 0;
	return tables(rk, cap_for(rk, nprocs));
}

/* The view reads a process's cgroup through its kept file. */
static long view_read_cg(void *ctx, int pid, char *buf, size_t size)
{
	struct pol_rank *rk = ctx;

	return fdcache_read(&rk->fdc, rk->fe, pid, FDCACHE_CG, buf, size);
}

static void look_at(struct pol_rank *rk, int pid, const char *comm)
{
	view_reset(&rk->v, pid, comm);
	rk->v.read_cg = rk->fe ? view_read_cg : NULL;
	rk->v.read_cg_ctx = rk;
}

/* The class and rule of the process at hand, by the rules that apply
 * to the scope: the first prefer or avoid rule that matches. */
static void place(struct pol_rank *rk, struct cand *c)
{
	const struct rules *rs = rk->o.rules;

	c->cls = CLS_PLAIN;
	c->rule = -1;
	for (int i = 0; i < rk->nactive; i++) {
		int r = rk->active[i];
		enum rule_action a = rules_action(rs, r);

		if (a != RULE_PROTECT && rules_match(rs, r, view_get, &rk->v) > 0) {
			c->cls = a == RULE_PREFER ? CLS_PREFER : CLS_AVOID;
			c->rule = r;
			return;
		}
	}
}

/* Growth against the scope's last scan, then this scan becomes it. */
static void growth(struct pol_rank *rk, double t_s)
{
	struct growth_slot *s = growth_slot(&rk->growth, rk->scope);

	for (int i = 0; i < rk->n; i++) {
		struct cand *c = &rk->c[i];

		c->has_growth = growth_of(s, t_s, c->pid, c->start_ticks,
					  c->rss_kb, &c->growth_kbps);
	}
	growth_reset(s);
	for (int i = 0; i < rk->n; i++)
		growth_add(&rk->growth, s, rk->c[i].pid, rk->c[i].start_ticks,
			   rk->c[i].rss_kb);
	growth_done(&rk->growth, s, t_s);
}

/* Best victim first: class, then a known score, then the score, RSS
 * and PID, so the order is the same from run to run. */
static int better(const struct cand *a, const struct cand *b)
{
	if (a->cls != b->cls)
		return a->cls < b->cls;
	if (a->has_score != b->has_score)
		return a->has_score;
	if (a->has_score && a->score != b->score)
		return a->score > b->score;
	if (a->rss_kb != b->rss_kb)
		return a->rss_kb > b->rss_kb;
	return a->pid < b->pid;
}

static void sift(struct pol_rank *rk, int i)
{
	int *h = rk->heap, n = rk->heap_n;

	for (;;) {
		int l = 2 * i + 1, r = l + 1, best = i, t;

		if (l < n && better(&rk->c[h[l]], &rk->c[h[best]]))
			best = l;
		if (r < n && better(&rk->c[h[r]], &rk->c[h[best]]))
			best = r;
		if (best == i)
			return;
		t = h[i];
		h[i] = h[best];
		h[best] = t;
		i = best;
	}
}

/* Where a scan's PIDs come from: a cgroup or pod scope's cgroup.procs
 * (what it costs is the scope's size, not the node's), else every
 * process under /proc.  The next PID, 0 at the end, -1 with errno. */
static int next_pid(struct pol_rank *rk)
{
	if (rk->npids < 0)
		return proc_iter_next(&rk->it);
	return rk->next < rk->npids ? rk->pids[rk->next++] : 0;
}

int pol_scan(struct pol_rank *rk, const struct scope *sc, double t_s,
	     struct pol_cut *cut)
{
	int fd = rk->o.procfd, pid, gone;
	char buf[1024];

	memset(cut, 0, sizeof *cut);
	cut->cap = rk->cap;
	snprintf(rk->scope, sizeof rk->scope, "%s", sc->name);
	snprintf(rk->cgroup, sizeof rk->cgroup, "%s",
		 sc->kind == SCOPE_NODE ? "/" : sc->cgroup);
	rk->nactive = 0;
	for (int i = 0; i < rules_count(rk->o.rules); i++)
		if (rules_apply(rk->o.rules, i, sc->name))
			rk->active[rk->nactive++] = i;
	view_src_begin(&rk->src);
	guard_begin(&rk->guard);
	rk->n = rk->heap_n = 0;
	fdcache_begin(&rk->fdc);
	rk->npids = -1;
	rk->next = 0;
	if (sc->kind != SCOPE_NODE && rk->o.cg)
		rk->npids = cg_procs(rk->o.cg, sc->cgroup, rk->pids, rk->cap,
				     &cut->cg);
	if (rk->npids < 0)
		proc_iter_start(&rk->it, fd);
	cut->dropped = cut->cg.full;
	while ((pid = next_pid(rk)) > 0) {
		struct proc_stat st;
		struct cand *c = &rk->c[rk->n];
		const char *cg;

		rk->fe = rk->keep_fds ? fdcache_entry(&rk->fdc, pid) : NULL;
		/* what stat alone refuses is no candidate; the rest is the
		 * guard's when a victim is taken.  A process gone since the
		 * listing is skipped silently. */
		if (fdcache_stat(&rk->fdc, rk->fe, pid, rk->need & 1u << RF_NAME,
				 &st, buf, sizeof buf) < 0 ||
		    guard_stat(&rk->guard, &st, &gone))
			continue;
		look_at(rk, pid, st.comm);
		/* listed from cgroup.procs, it was in the scope a moment ago;
		 * the victim's cgroup is read again before it is named */
		if (sc->kind != SCOPE_NODE && rk->npids < 0 &&
		    (!(cg = view_field(&rk->v, RF_CGROUP)) || !cg_within(cg, sc->cgroup)))
			continue;
		if (rk->n == rk->cap) {
			cut->dropped++;
			continue;
		}
		c->oom_score = -1;
		if (rk->o.by == POL_BY_OOM_SCORE) {
			if (fdcache_read(&rk->fdc, rk->fe, pid, FDCACHE_OOM, buf,
					 sizeof buf) <= 0)
				continue;
			c->oom_score = atoi(buf);
		}
		place(rk, c);
		c->pid = pid;
		c->pgid = st.pgrp;
		c->start_ticks = st.start_ticks;
		c->rss_kb = proc_sat_mul(st.rss_pages, rk->page_kb);
		c->has_growth = 0;
		rk->n++;
	}
	/* what the last scan kept and this one did not see has died */
	if (rk->keep_fds)
		fdcache_end(&rk->fdc);
	rk->fe = NULL;
	if (pid < 0)
		return -1;
	if (rk->o.growth)
		growth(rk, t_s);
	for (int i = 0; i < rk->n; i++) {
		struct cand *c = &rk->c[i];

		c->has_score = 1;
		switch (rk->o.by) {
		case POL_BY_OOM_SCORE: c->score = c->oom_score; break;
		case POL_BY_RSS: c->score = (double)c->rss_kb; break;
		case POL_BY_GROWTH:
			c->score = c->growth_kbps;
			c->has_score = c->has_growth;
			break;
		}
		rk->heap[i] = i;
	}
	rk->heap_n = rk->n;
	for (int i = rk->n / 2 - 1; i >= 0; i--)
		sift(rk, i);
	return rk->n;
}

void pol_warm(struct pol_rank *rk)
{
	struct scope sc = { .kind = SCOPE_NODE, .name = "node", .cgroup = "/" };
	struct pol_victim v;
	struct pol_cut cut;
	int growth = rk->o.growth;

	rk->o.growth = 0; /* no baseline: growth is between real scans */
	if (pol_scan(rk, &sc, 0, &cut) >= 0)
		while (pol_next(rk, &v))
			;
	rk->o.growth = growth;
}

/* Back into the heap: a candidate whose place changed since the scan. */
static void heap_push(struct pol_rank *rk, int ci)
{
	int i = rk->heap_n++;

	rk->heap[i] = ci;
	while (i > 0) {
		int up = (i - 1) / 2, t;

		if (!better(&rk->c[rk->heap[i]], &rk->c[rk->heap[up]]))
			break;
		t = rk->heap[i];
		rk->heap[i] = rk->heap[up];
		rk->heap[up] = t;
		i = up;
	}
}

int pol_next(struct pol_rank *rk, struct pol_victim *v)
{
	int fd = rk->o.procfd, gone;

	while (rk->heap_n > 0) {
		int ci = rk->heap[0];
		struct cand *c = &rk->c[ci];
		const struct proc_status *ps;
		const char *cg;
		struct proc_stat st;
		unsigned char cls = c->cls;

		rk->heap[0] = rk->heap[--rk->heap_n];
		sift(rk, 0);
		/* the same process still (not gone, PID not reused), judged
		 * as it is now: placed again by its fields of now (it may
		 * have renamed itself or exec'd since the scan), then passed
		 * by the guard */
		if (proc_stat(fd, c->pid, &st) < 0 ||
		    st.start_ticks != c->start_ticks)
			continue;
		look_at(rk, c->pid, st.comm);
		/* in the scope now: it may have moved since the listing */
		if (strcmp(rk->cgroup, "/") != 0 &&
		    (!(cg = view_field(&rk->v, RF_CGROUP)) || !cg_within(cg, rk->cgroup)))
			continue;
		memcpy(rk->comm, st.comm, sizeof rk->comm);
		place(rk, c);
		if (c->cls != cls) {
			heap_push(rk, ci);
			continue;
		}
		if (guard_check(&rk->guard, &rk->v, &st, rk->scope, &gone, NULL) ||
		    proc_oom_score_adj(fd, c->pid, &v->oom_score_adj) < 0)
			continue;
		if (c->oom_score < 0 && proc_oom_score(fd, c->pid, &c->oom_score) < 0)
			continue;
		ps = view_status(&rk->v);
		v->pid = c->pid;
		v->pgid = st.pgrp;
		v->start_ticks = c->start_ticks;
		v->comm = rk->comm;
		v->cmdline = view_field(&rk->v, RF_CMDLINE);
		v->user = view_field(&rk->v, RF_USER);
		v->cgroup = view_field(&rk->v, RF_CGROUP);
		v->pod = view_field(&rk->v, RF_POD);
		v->ns = view_field(&rk->v, RF_NAMESPACE);
		v->rss_kb = c->rss_kb;
		v->swap_kb = ps ? ps->swap_kb : -1;
		v->oom_score = c->oom_score;
		v->has_score = c->has_score;
		v->score = c->score;
		v->has_growth = c->has_growth;
		v->growth_kbps = c->growth_kbps;
		v->rule = c->rule >= 0 ? rules_text(rk->o.rules, c->rule) : "score";
		return 1;
	}
	return 0;
}
