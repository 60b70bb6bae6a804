/* SPDX-License-Identifier: MIT */
/*
 * pol: the ranking of a scope's processes (pol.h).  A scan reads
 * /proc/PID/stat (or, in follow mode, statm through a kept file) of every
 * process, its cgroup when the scope is not the node, and its oom_score
 * when that is the score; the rest (cmdline, exe, status) only when a
 * rule or a victim printed asks for it.  All a scan touches is allocated
 * in pol_rank_new, so a follow-mode ranker does not grow.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "guard.h"
#include "pol.h"
#include "proc.h"
#include "view.h"

/* Scopes whose last scan is kept for growth: the node and a few pods at
 * risk at once; the least recently ranked is replaced. */
#define POL_GROWTH_SLOTS 4

enum cls { CLS_PREFER, CLS_PLAIN, CLS_AVOID };

/* Ranking */

struct cand {
	int pid, pgid;
	unsigned long long start_ticks;
	long long rss_kb;
	double score, growth_kbps;
	int oom_score; /* -1: not read in the scan */
	int rule;      /* the placing rule, -1: none */
	unsigned char cls; /* enum cls */
	unsigned char has_score, has_growth;
	char comm[64];
};

/* A scope's last scan, for growth. */
struct base {
	int pid;
	unsigned long long start_ticks;
	long long rss_kb;
};

struct slot {
	char scope[PATH_MAX + 8];
	unsigned long used; /* clock of its last scan, 0: free */
	int n, valid;
	double t_s, up_ticks;
	struct base *e; /* max_procs, sorted by pid */
};

/* The open files of one process, kept from scan to scan in follow
 * mode: an open of a /proc file costs as much as reading it.  A file
 * whose process died reads ESRCH (a reused PID is another process, not
 * this file's), and is then opened anew.  What stat says that does not
 * change is kept too, so later scans read statm (RSS), a third of
 * stat's cost; pol_next reads stat afresh before naming a victim. */
struct fdc {
	int pid;
	int fd[4];  /* stat, oom_score, cgroup, statm; -1 when not open */
	int known;  /* the fields below hold, and fd[FD_STATM] is open */
	int ppid, pgrp;
	unsigned long flags;
	unsigned long long start_ticks;
	char comm[16]; /* TASK_COMM_LEN */
};
enum { FD_STAT, FD_OOM, FD_CG, FD_STATM };
static const char *const fd_names[] = { "stat", "oom_score", "cgroup", "statm" };

struct pol_rank {
	struct pol_opt o;
	struct cand *c;
	int n, *heap, heap_n;
	int *active, nactive;   /* the rules that apply to the scope */
	unsigned need;          /* fields the rules read (1u << RF_*) */
	struct slot slot[POL_GROWTH_SLOTS], *cur;
	unsigned long clock;
	double hz;
	long page_kb;
	char scope[PATH_MAX + 8]; /* of the last scan */
	struct guard guard;
	struct view_src src;
	struct view v;
	struct proc_iter it;
	struct fdc *fdc[2]; /* last scan's and this one's, by PID */
	int fdc_n[2], fdc_cur, fds_open, fds_max;
	struct fdc *fe;     /* the process at hand's, or NULL */
};

static void fdc_close(struct pol_rank *rk, struct fdc *e)
{
	e->known = 0;
	for (int i = 0; i < 4; i++)
		if (e->fd[i] >= 0) {
			close(e->fd[i]);
			e->fd[i] = -1;
			rk->fds_open--;
		}
}

static long read_once(int procfd, const char *path, char *buf, size_t size)
{
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -1;
	n = proc_pread1(fd, buf, size);
	close(fd);
	return n;
}

/* Read PID/NAME through the process's kept file when there is one. */
static long fdc_read(struct pol_rank *rk, int pid, int which, char *buf,
		     size_t size)
{
	struct fdc *e = rk->fe;
	char path[40];
	long n;

	snprintf(path, sizeof path, "%d/%s", pid, fd_names[which]);
	if (!e)
		return read_once(rk->o.procfd, path, buf, size);
	if (e->fd[which] >= 0) {
		if ((n = proc_pread1(e->fd[which], buf, size)) >= 0)
			return n;
		close(e->fd[which]);
		e->fd[which] = -1;
		rk->fds_open--;
	}
	if (rk->fds_open >= rk->fds_max)
		return read_once(rk->o.procfd, path, buf, size);
	e->fd[which] = openat(rk->o.procfd, path, O_RDONLY | O_CLOEXEC);
	if (e->fd[which] < 0)
		return -1;
	rk->fds_open++;
	return proc_pread1(e->fd[which], buf, size);
}

/* This scan's entry for pid, carried over from the last scan when it
 * had one; /proc lists PIDs in ascending order, so the two lists merge
 * in one pass and whatever the last scan had below pid has died.  NULL
 * (no kept files) when the listing is not in order, as in a fixture. */
static struct fdc *fdc_entry(struct pol_rank *rk, int pid, int *o)
{
	struct fdc *old = rk->fdc[rk->fdc_cur], *new = rk->fdc[!rk->fdc_cur];
	int *n = &rk->fdc_n[!rk->fdc_cur], oldn = rk->fdc_n[rk->fdc_cur];
	struct fdc *e;

	if (!rk->fds_max || *n == rk->o.max_procs || (*n && new[*n - 1].pid >= pid))
		return NULL;
	while (*o < oldn && old[*o].pid < pid)
		fdc_close(rk, &old[(*o)++]);
	e = &new[(*n)++];
	if (*o < oldn && old[*o].pid == pid)
		*e = old[(*o)++];
	else
		*e = (struct fdc){ .pid = pid, .fd = { -1, -1, -1, -1 } };
	return e;
}

/* The stat of the process at hand for a scan: from its kept statm and
 * kept fields when it has them, else read whole (and kept). */
static int scan_stat(struct pol_rank *rk, int pid, struct proc_stat *st,
		     char *buf, size_t size)
{
	struct fdc *e = rk->fe;
	long long vm_pages, rss_pages;

	if (e && e->known) {
		if (proc_pread1(e->fd[FD_STATM], buf, size) > 0 &&
		    sscanf(buf, "%lld %lld", &vm_pages, &rss_pages) == 2) {
			memset(st, 0, sizeof *st);
			st->pid = pid;
			memcpy(st->comm, e->comm, sizeof e->comm);
			/* no memory map: a zombie, or exiting */
			st->state = vm_pages ? 'S' : 'Z';
			st->ppid = e->ppid;
			st->pgrp = e->pgrp;
			st->flags = e->flags;
			st->start_ticks = e->start_ticks;
			st->rss_pages = rss_pages;
			return 0;
		}
		fdc_close(rk, e); /* it died: the PID may be another's now */
	}
	if (fdc_read(rk, pid, FD_STAT, buf, size) < 0 || proc_parse_stat(buf, st) < 0)
		return -1;
	/* statm opened before stat is read again: if it then reads, the
	 * stat was of the same living process.  Not when a rule reads the
	 * name: a process renames itself (exec, PR_SET_NAME) without a new
	 * start time, and each scan must judge the name it has now. */
	if (e && e->fd[FD_STAT] >= 0 && strlen(st->comm) < sizeof e->comm &&
	    rk->fds_open < rk->fds_max && !(rk->need & 1u << RF_NAME)) {
		char path[40];

		snprintf(path, sizeof path, "%d/statm", pid);
		e->fd[FD_STATM] = openat(rk->o.procfd, path, O_RDONLY | O_CLOEXEC);
		if (e->fd[FD_STATM] >= 0) {
			rk->fds_open++;
			if (proc_pread1(e->fd[FD_STAT], buf, size) >= 0 &&
			    proc_parse_stat(buf, st) == 0 &&
			    proc_pread1(e->fd[FD_STATM], buf, size) > 0) {
				e->known = 1;
				e->ppid = st->ppid;
				e->pgrp = st->pgrp;
				e->flags = st->flags;
				e->start_ticks = st->start_ticks;
				memcpy(e->comm, st->comm, sizeof e->comm);
				/* stat is read again only for a victim */
				close(e->fd[FD_STAT]);
				e->fd[FD_STAT] = -1;
				rk->fds_open--;
			} else {
				fdc_close(rk, e);
				return -1;
			}
		}
	}
	return 0;
}

struct pol_rank *pol_rank_new(const struct pol_opt *opt)
{
	struct pol_rank *rk = calloc(1, sizeof *rk);
	int n = rules_count(opt->rules);

	if (!rk)
		return NULL;
	rk->o = *opt;
	rk->c = calloc(opt->max_procs, sizeof *rk->c);
	rk->heap = calloc(opt->max_procs, sizeof *rk->heap);
	rk->active = calloc(n + 1, sizeof *rk->active);
	if (!rk->c || !rk->heap || !rk->active)
		return NULL;
	for (int i = 0; opt->growth && i < POL_GROWTH_SLOTS; i++)
		if (!(rk->slot[i].e = calloc(opt->max_procs, sizeof *rk->slot[i].e)))
			return NULL;
	rk->need = rules_fields(opt->rules);
	rk->hz = (double)sysconf(_SC_CLK_TCK);
	rk->page_kb = proc_page_kb();
	if (guard_init(&rk->guard, opt->procfd, opt->rules, opt->allow_pid1) < 0)
		return NULL;
	rk->src.procfd = opt->procfd;
	rk->src.cg = opt->cg;
	rk->src.pw = opt->pw;
	rk->v.src = &rk->src;
	if (opt->keep_fds) {
		struct rlimit rl;

		/* room for a stat, oom_score and cgroup of every process */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 64)
			rk->fds_max = rl.rlim_cur > 64 + 3UL * opt->max_procs ?
					      3 * opt->max_procs : (int)(rl.rlim_cur - 64);
		for (int i = 0; i < 2; i++)
			if (!(rk->fdc[i] = calloc(opt->max_procs, sizeof *rk->fdc[i])))
				return NULL;
	}
	return rk;
}

/* The view reads a process's cgroup through its kept file. */
static long view_read_cg(void *ctx, int pid, char *buf, size_t size)
{
	return fdc_read(ctx, pid, FD_CG, buf, size);
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

static struct slot *slot_for(struct pol_rank *rk, const char *scope)
{
	struct slot *s = &rk->slot[0];

	for (int i = 0; i < POL_GROWTH_SLOTS; i++) {
		if (rk->slot[i].used && strcmp(rk->slot[i].scope, scope) == 0)
			return &rk->slot[i];
		if (rk->slot[i].used < s->used)
			s = &rk->slot[i];
	}
	snprintf(s->scope, sizeof s->scope, "%s", scope);
	s->valid = 0;
	return s;
}

static void sort_bases(struct base *e, int n)
{
	int sorted = 1;

	for (int i = 1; i < n && sorted; i++)
		sorted = e[i - 1].pid < e[i].pid;
	if (sorted) /* /proc lists in PID order */
		return;
	for (int k = n / 2 - 1, m = n; m > 1;) {
		/* heapsort: build, then move the largest to the end */
		int i;

		if (k >= 0) {
			i = k--;
		} else {
			struct base t = e[0];

			e[0] = e[--m];
			e[m] = t;
			i = 0;
		}
		for (;;) {
			int l = 2 * i + 1, r = l + 1, big = i;
			struct base t;

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

static const struct base *base_find(const struct slot *s, int pid)
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

/* Growth against the scope's last scan, then this scan becomes it. */
static void growth(struct pol_rank *rk, struct slot *s, double t_s)
{
	double up_s = -1, dt = t_s - s->t_s;

	for (int i = 0; s->valid && dt > 0 && i < rk->n; i++) {
		struct cand *c = &rk->c[i];
		const struct base *b = base_find(s, c->pid);

		if (b && b->start_ticks == c->start_ticks)
			c->growth_kbps = (double)(c->rss_kb - b->rss_kb) / dt;
		else if (s->up_ticks >= 0 && c->start_ticks >= s->up_ticks)
			c->growth_kbps = (double)c->rss_kb / dt; /* born since */
		else
			continue;
		c->has_growth = 1;
	}
	for (int i = 0; i < rk->n; i++) {
		s->e[i].pid = rk->c[i].pid;
		s->e[i].start_ticks = rk->c[i].start_ticks;
		s->e[i].rss_kb = rk->c[i].rss_kb;
	}
	s->n = rk->n;
	sort_bases(s->e, s->n);
	s->t_s = t_s;
	s->up_ticks = proc_uptime(rk->o.procfd, &up_s) == 0 ? up_s * rk->hz : -1;
	s->valid = 1;
	s->used = ++rk->clock;
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

int pol_scan(struct pol_rank *rk, const struct scope *sc, double t_s,
	     int *dropped)
{
	int fd = rk->o.procfd, pid, o = 0, gone;
	char buf[1024];

	*dropped = 0;
	snprintf(rk->scope, sizeof rk->scope, "%s", sc->name);
	rk->nactive = 0;
	for (int i = 0; i < rules_count(rk->o.rules); i++)
		if (rules_apply(rk->o.rules, i, sc->name))
			rk->active[rk->nactive++] = i;
	view_src_begin(&rk->src);
	guard_begin(&rk->guard);
	rk->n = rk->heap_n = 0;
	rk->fdc_n[!rk->fdc_cur] = 0;
	proc_iter_start(&rk->it, fd);
	while ((pid = proc_iter_next(&rk->it)) > 0) {
		struct proc_stat st;
		struct cand *c = &rk->c[rk->n];
		const char *cg;

		rk->fe = fdc_entry(rk, pid, &o);
		/* what stat alone refuses is no candidate; the rest is the
		 * guard's when a victim is taken.  A process gone since the
		 * listing is skipped silently. */
		if (scan_stat(rk, pid, &st, buf, sizeof buf) < 0 ||
		    guard_stat(&rk->guard, &st, &gone))
			continue;
		look_at(rk, pid, st.comm);
		if (sc->kind != SCOPE_NODE &&
		    (!(cg = view_field(&rk->v, RF_CGROUP)) || !cg_within(cg, sc->cgroup)))
			continue;
		if (rk->n == rk->o.max_procs) {
			(*dropped)++;
			continue;
		}
		c->oom_score = -1;
		if (rk->o.by == POL_BY_OOM_SCORE) {
			if (fdc_read(rk, pid, FD_OOM, buf, sizeof buf) <= 0)
				continue;
			c->oom_score = atoi(buf);
		}
		place(rk, c);
		c->pid = pid;
		c->pgid = st.pgrp;
		c->start_ticks = st.start_ticks;
		c->rss_kb = st.rss_pages * rk->page_kb;
		c->has_growth = 0;
		memcpy(c->comm, st.comm, sizeof c->comm);
		rk->n++;
	}
	/* what the last scan kept and this one did not see has died */
	while (o < rk->fdc_n[rk->fdc_cur])
		fdc_close(rk, &rk->fdc[rk->fdc_cur][o++]);
	rk->fdc_cur = !rk->fdc_cur;
	rk->fe = NULL;
	if (pid < 0)
		return -1;
	if (rk->o.growth)
		growth(rk, slot_for(rk, sc->name), t_s);
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
		memcpy(c->comm, st.comm, sizeof c->comm);
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
		v->comm = c->comm;
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
