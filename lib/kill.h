/* SPDX-License-Identifier: MIT */
/*
 * kill: kill exactly the process a record names, and say what happened.
 * pidfd_open, then /proc/PID/stat's start time against the record, then
 * pidfd_send_signal: a recycled PID is never signalled.  Also the
 * refusals made whatever the input says (PID 1, kernel threads, foom-kill
 * itself and its process group, oom_score_adj -1000), process groups and
 * cgroups, the wait for the exit on the pidfd, the cooldown per scope,
 * the hooks, and the audit trail (log file, syslog).  The signal path is
 * in kset.c, the cooldown in cool.c, the hooks in hook.c, the audit
 * trail in audit.c.
 */
#ifndef FOOM_KILL_H
#define FOOM_KILL_H

#include <limits.h>

#include "cg.h"
#include "guard.h"
#include "rec.h"

enum kill_result {
	KILL_KILLED,    /* signalled, and the exit seen (unless --wait 0) */
	KILL_GONE,      /* no such process, or a zombie already */
	KILL_STALE,     /* the PID names another process now */
	KILL_PROTECTED, /* refused: PID 1, kernel thread, foom, -1000 */
	KILL_DENIED,    /* the kernel refused the signal */
	KILL_COOLDOWN,  /* its scope had a kill in the cooldown */
	KILL_DRY_RUN,   /* -n: everything but the signal */
	KILL_TIMEOUT,   /* signalled, still alive when --wait ended */
};
extern const char *const kill_result_names[];

enum kill_what { KILL_ONE, KILL_GROUP, KILL_CGROUP };

/* How to kill: filled from the options, then kill_setup(). */
struct kill_conf {
	int procfd;          /* the /proc root */
	int live;            /* procfd is our own procfs: signals allowed */
	enum kill_what what; /* the process, its group (-g), its cgroup */
	int sig;             /* the signal (SIGKILL unless --signal) */
	double grace_s;      /* > 0: SIGTERM, then SIGKILL after this */
	double wait_s;       /* how long to wait for the exit */
	double cooldown_s;   /* per scope; 0 for none */
	double hook_timeout_s;  /* a hook still running is killed */
	double pre_hook_wait_s; /* the kill waits this long for it at most */
	int dry_run;
	const char *pre_hook, *post_hook;
	int have_cg;                  /* cg opened */
	struct cg_root cg;            /* for --cgroup and scopes */
	char self_cgroup[PATH_MAX];   /* our own memory cgroup, or "" */
	const struct rules *rules;    /* protect rules (-P, --protect) */
	const struct pw_table *pw;    /* for user= rules */
	int allow_pid1;               /* a container's PID 1 may be killed */
	struct guard *guard;          /* set by kill_setup */
};

/* One victim, as a record or an operand names it. */
struct kill_victim {
	int pid;
	int have_start;
	unsigned long long start_ticks;
	const char *scope, *rule, *trigger_ts; /* NULL when not known */
	const char *cgroup;  /* the record's cgroup=, or NULL */
	int have_evidence;
	double evidence_ts;  /* the oldest sample its verdict rests on */
};

/* What happened to it. */
struct kill_report {
	enum kill_result result;
	char reason[160];              /* why, when not killed; or "" */
	char comm[64];
	char scope[PATH_MAX + 8];      /* derived when the victim had none */
	int have_start;
	unsigned long long start_ticks;
	char signal[40];               /* "SIGKILL", "SIGTERM,SIGKILL", "" */
	int procs;                     /* processes signalled (or would be) */
	int have_rss, have_freed;
	long long rss_kb, freed_kb;
	double ts;                     /* when taken up, epoch seconds */
	double elapsed_ms;             /* from taken up to exit seen */
	int syserr;                    /* a system error: exit status 3 */
	int repeat;                    /* cooldown: held by it before */
};

/* Check the /proc root (signals only through our own procfs), open the
 * cgroup root, raise the fd limit.  0, or -1 with a message. */
int kill_setup(struct kill_conf *c, const char *procroot,
	       const char *cgroot);
/* Kill one victim (checks, cooldown, pre-hook, signals, wait). */
void kill_run(const struct kill_conf *c, const struct kill_victim *v,
	      struct kill_report *rep);
/* The kill path once, before the first victim, so that the tables and
 * the stack it uses are in and locked (the commands are static and lock
 * their code whole: what could still fault is the memory a first kill
 * touches): kill_run on foom-kill itself as a dry run (refused: foom),
 * its kill record formatted into r (not written), the protect rules
 * matched against its own view, then pidfd_open, pidfd_send_signal with
 * signal 0 and poll on its own pidfd.  Nothing is signalled or logged. */
void kill_warm(const struct kill_conf *c, struct rec *r,
	       struct kill_report *rep);
/* The kill record of a report. */
void kill_record(struct rec *r, const struct kill_victim *v,
		 const struct kill_report *rep);

/* "KILL", "SIGKILL", "9" -> 9; -1 when not a signal. */
int kill_parse_signal(const char *s);

/* pidfd_open(2) without flags. */
int kill_pidfd_open(int pid);
/* CLOCK_MONOTONIC and CLOCK_REALTIME in seconds. */
double kill_mono_s(void);
double kill_wall_s(void);

#endif
