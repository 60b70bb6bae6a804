/* SPDX-License-Identifier: MIT */
/*
 * guard: whether a process may be signalled.  The one decision, made
 * wherever a process is chosen or signalled (foom-rank's candidates,
 * foom-kill's victim, every member of a group or cgroup it kills), so
 * the refusals cannot drift apart.  Never signalled, whatever the input
 * says:
 *
 *	PID 1 and kernel threads;
 *	foom itself: this process, its ancestors (foom-watch and whoever
 *	started it), and every process running one of foom's binaries
 *	(its other stages), known by the binary's inode, not its name;
 *	a container's or pod's PID 1 (unless allowed);
 *	a process with oom_score_adj -1000;
 *	a process a protect rule matches (one the matcher cannot decide is
 *	spared: doubt spares).
 *
 * A process that has exited, or is a zombie, is "gone": there is
 * nothing to signal.
 */
#ifndef FOOM_GUARD_H
#define FOOM_GUARD_H

#include <argp.h>
#include <sys/types.h>

#include "proc.h"
#include "rules.h"
#include "view.h"

/* Ancestors kept: deeper process trees than this are not real. */
#define GUARD_ANC_MAX 64
/* foom's binaries, found beside this one. */
#define GUARD_EXE_MAX 16

/* A process as the live /proc gives it: its PID with its start time, so
 * that a PID alone, another process's in the /proc scanned (another
 * namespace's, or a fixture), is never taken for it. */
struct guard_proc {
	int pid;
	unsigned long long start_ticks;
};

struct guard {
	int procfd;
	const struct rules *rules; /* protect rules are read; NULL: none */
	int allow_pid1;            /* a container's PID 1 may be signalled */
	int livefd;                /* this process's own /proc */
	struct guard_proc self;     /* this process */
	int nanc;
	struct guard_proc anc[GUARD_ANC_MAX];
	int nexe;
	struct { dev_t dev; ino_t ino; } exe[GUARD_EXE_MAX];
};

/* The options every stage that chooses or kills shares: --protect,
 * -P/--policy, --allow-pid1 and --passwd.  Rules given there are in
 * guard_opts.rules (created on the first). */
struct guard_opts {
	struct rules *rules;
	int allow_pid1;
	const char *passwd;
};
extern struct guard_opts guard_opts;
extern const struct argp guard_argp;
/* The rule set the options fill, created on first use; NULL with errno
 * when out of memory. */
struct rules *guard_rules(void);

/* Set up: learn foom's own binaries.  0, or -1 with errno. */
int guard_init(struct guard *g, int procfd, const struct rules *rules,
	       int allow_pid1);
/* Learn this process's ancestors anew: once a scan, once a kill (a
 * parent that exits leaves the child to another). */
void guard_begin(struct guard *g);

/* What stat alone decides: NULL when it does not refuse.  *gone is set
 * for a zombie. */
const char *guard_stat(const struct guard *g, const struct proc_stat *st,
		       int *gone);
/* The whole decision on a process as v sees it now, st its stat just
 * read: NULL when it may be signalled, else why not.  *gone is set when
 * it is gone (nothing to refuse).  scope: the scope it is chosen in, for
 * scope= rules (NULL: every protect rule counts).  *rule, when not
 * NULL, is set to the protect rule that matched. */
const char *guard_check(struct guard *g, struct view *v,
			const struct proc_stat *st, const char *scope,
			int *gone, const char **rule);

#endif
