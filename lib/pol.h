/* SPDX-License-Identifier: MIT */
/*
 * pol: who dies first.  Rules (protect, prefer, avoid: PCRE2 patterns on
 * a process's name, cmdline, exe, user, cgroup, pod or namespace), the
 * policy file that holds them, and the ranking of a scope's processes:
 * one scan of /proc into a table bounded at start, ordered prefer-matched,
 * unmatched, avoid-matched, each by score, best victim first.
 */
#ifndef FOOM_POL_H
#define FOOM_POL_H

#include <stddef.h>

#include "cg.h"
#include "scope.h"

enum pol_action { POL_PROTECT, POL_PREFER, POL_AVOID };
enum pol_by { POL_BY_OOM_SCORE, POL_BY_RSS, POL_BY_GROWTH };

/* Rules, all added before pol_rank_new.  A rule from an option:
 * "FIELD=REGEX" (the pattern is the rest, blanks and all).  0, or -1
 * and a message in err. */
int pol_add_option(enum pol_action action, const char *spec, char *err,
		   size_t errlen);
/* A policy file (foom-rank(1) gives its grammar).  0; -1 and err
 * ("FILE:LINE: why") for a bad line; -2 and errno when unreadable. */
int pol_load(const char *file, char *err, size_t errlen);
int pol_nrules(void);

struct pol_opt {
	int procfd;
	const struct cg_root *cg; /* NULL: no cgroup filesystem */
	enum pol_by by;
	int allow_pid1;  /* containers' and pods' PID 1 may be victims */
	int max_procs;   /* candidate table size */
	int growth;      /* keep per-scope baselines for growth_kbps */
	const char *passwd; /* uid -> user name, read once here */
	int keep_fds;    /* keep each process's /proc files open between
			    scans (follow mode; raises RLIMIT_NOFILE) */
};

struct pol_rank;
/* Allocate everything a scan needs, once; exits 3 when it cannot. */
struct pol_rank *pol_rank_new(const struct pol_opt *opt);

/* Scan the processes of a scope into the table, at time t_s (seconds:
 * growth divides by the difference between two scans of the scope).
 * Returns the number of candidates, or -1 with errno when /proc could
 * not be listed. */
int pol_scan(struct pol_rank *rk, const struct scope *sc, double t_s);

/* The next victim of the last scan, best first.  Exclusions that need
 * more than stat (a container's PID 1, oom_score_adj -1000) are checked
 * here, and processes gone since the scan are skipped.  Strings point
 * into rk, valid until the next call; NULL (or a negative number) when
 * not available.  Returns 1, or 0 when there is none left. */
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
