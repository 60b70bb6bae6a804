/* SPDX-License-Identifier: MIT */
/*
 * pol: who dies first.  One scan of a scope's processes into a table
 * bounded at start, ordered by the rules (lib/rules: prefer-matched,
 * unmatched, avoid-matched) and each class by score (the kernel's
 * oom_score, RSS, or growth since the scope's last scan), best victim
 * first.  Each victim is judged afresh as it is taken: the same process
 * still, placed by what it is now, and passed by the guard (lib/guard),
 * which alone decides whether a process may be signalled.
 */
#ifndef FOOM_POL_H
#define FOOM_POL_H

#include <stddef.h>

#include "cg.h"
#include "pw.h"
#include "rules.h"
#include "scope.h"

enum pol_by { POL_BY_OOM_SCORE, POL_BY_RSS, POL_BY_GROWTH };

struct pol_opt {
	int procfd;
	const struct cg_root *cg; /* NULL: no cgroup filesystem */
	const struct rules *rules; /* NULL: none */
	const struct pw_table *pw; /* NULL: users as numbers */
	enum pol_by by;
	int allow_pid1;  /* containers' and pods' PID 1 may be victims */
	int max_procs;   /* the most the tables grow to */
	int small;       /* size the tables for a scope, not the node: no
			    count of /proc at start (one-shot, a cgroup) */
	int growth;      /* keep per-scope baselines for growth_kbps */
	int keep_fds;    /* keep each process's /proc files open between
			    scans (follow mode; raises RLIMIT_NOFILE) */
};

struct pol_rank;
/* Allocate everything a scan needs, sized to the node's processes now
 * with room to grow, touched so it is resident and locked.  NULL with
 * errno. */
struct pol_rank *pol_rank_new(const struct pol_opt *opt);
/* Count the node's processes and grow the tables when they fill (up to
 * max_procs): between scans, never between a verdict and its victims.
 * 0, or -1 with errno (the tables stay as they were). */
int pol_rank_fit(struct pol_rank *rk);
/* Scan the node and judge every candidate, printing nothing: each page
 * of code and data a scan touches is then in (and locked), before the
 * first verdict needs it. */
void pol_warm(struct pol_rank *rk);

/* What a scan left out. */
struct pol_cut {
	int cap;                 /* the table's size in this scan */
	int dropped;             /* processes past it */
	struct cg_procs_cut cg;  /* of the scope's cgroup walk */
};

/* Scan the processes of a scope into the table, at time t_s (seconds:
 * growth divides by the difference between two scans of the scope).
 * A cgroup or pod scope's processes are listed from its cgroups'
 * cgroup.procs (cg_procs), or, in a tree without them, found among
 * every process's /proc/PID/cgroup.  Returns the number of processes
 * ranked, or -1 with errno when the processes could not be listed. */
int pol_scan(struct pol_rank *rk, const struct scope *sc, double t_s,
	     struct pol_cut *cut);

/* The next victim of the last scan, best first, or 0 when there is none
 * left.  Each is judged as it is now: the same process, in the scope,
 * placed by the rules and passed by the guard.  Strings point into rk, valid until the next call; NULL (or a
 * negative number) when not available. */
struct pol_victim {
	int pid, pgid;
	unsigned long long start_ticks;
	const char *comm, *cmdline, *user, *cgroup, *pod, *ns;
	long long rss_kb, swap_kb;
	int oom_score, oom_score_adj;
	int has_score, has_growth;
	double score, growth_kbps;
	const char *rule; /* the rule that placed it, or "score" */
};
int pol_next(struct pol_rank *rk, struct pol_victim *v);

#endif
