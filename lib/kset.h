/* SPDX-License-Identifier: MIT */
/*
 * kset: the processes one kill signals, inside lib/ only.  The victim
 * first, then its group's or cgroup's other members, each held by its
 * own pidfd; the signals (TERM then KILL, or one signal, or cgroup.kill),
 * the wait for the exits on the pidfds, and what the exits freed.
 * kill.c decides who goes in; this file only signals and waits.
 */
#ifndef FOOM_KSET_H
#define FOOM_KSET_H

#include <limits.h>

#include "cg.h"
#include "kill.h"

/* Most processes held at once; a larger group or cgroup is killed over
 * several rounds (each pidfd is a file descriptor). */
#define KSET_PROCS_MAX 1024

/* One kill in progress. */
struct kset_job {
	const struct kill_conf *c;
	struct kill_report *rep;
	const char *scope;      /* the victim's, for scope= rules, or NULL */
	int pgrp;               /* -g */
	int cgfd;               /* --cgroup: its hierarchy */
	enum cg_ver cgver;
	char cgpath[PATH_MAX];
	int spared;             /* protected members left alone */
	int spared_now;         /* ... seen by this pass */
	int denied;             /* members the kernel would not signal */
	int full;               /* the table filled up: more next round */
	int signalled;
	long long rss_kb, freed_kb;
};

/* Look for more members of the job's group or cgroup (kill.c). */
typedef void (*kset_collect_fn)(struct kset_job *j);

/* Empty the set. */
void kset_reset(void);
/* Hold one checked process; -1 when the table is full. */
int kset_add(int pid, int pidfd, unsigned long long start_ticks,
	     long long rss_kb);
int kset_has(int pid);
int kset_size(void);
/* Close what has exited, counting what it freed; with all, close every
 * pidfd and empty the set. */
void kset_settle(struct kset_job *j, int all);
/* Signal the set, more rounds for a group or cgroup (collect finds the
 * members that appeared meanwhile), then wait.  Returns how many are
 * still alive. */
int kset_kill(struct kset_job *j, kset_collect_fn collect);

/* "SIGKILL", or the number for a signal without a name. */
void kset_signame(int sig, char *buf, size_t len);

#endif
