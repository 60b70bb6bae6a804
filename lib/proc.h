/* SPDX-License-Identifier: MIT */
/*
 * proc: reading /proc (or a fixture tree shaped like it) with fixed
 * buffers through a directory fd, and hardening a follow-mode process.
 */
#ifndef FOOM_PROC_H
#define FOOM_PROC_H

#include <stddef.h>

/* Read a whole (small) file at dirfd/path into buf, NUL-terminated and
 * cut at size-1 bytes.  Returns its length, or -1 with errno set. */
long proc_read_at(int dirfd, const char *path, char *buf, size_t size);
/* Re-read an open file from offset 0 (follow mode keeps files open). */
long proc_pread(int fd, char *buf, size_t size);

/* Find "key" at the start of a line, followed by ':' or blanks, and read
 * the number after it ("MemTotal:  123 kB", "pgmajfault 42").
 * Returns 1 when found, 0 when absent, -1 when not a number. */
int proc_kv(const char *buf, const char *key, long long *v);

/* One pass over "key value" lines for n wanted keys: vals[i] set and
 * bit i of the result set for each key found as a number.  Keys are
 * matched whole ("pgscan" is not "pgscan_kswapd"); a trailing ':' on
 * the line's key is ignored ("MemTotal:"). */
unsigned long proc_kv_many(const char *buf, const char *const *keys, int n,
			   long long *vals);

/* Sums and products of sizes and counters read from the kernel's text:
 * a value past LLONG_MAX saturates there (and below LLONG_MIN at it)
 * instead of wrapping to a negative size. */
long long proc_sat_add(long long a, long long b);
long long proc_sat_mul(long long a, long long b);

/* Fields of /proc/PID/stat (proc(5)). */
struct proc_stat {
	int pid;
	char comm[64];
	char state;
	int ppid, pgrp, session;
	unsigned long flags;
	unsigned long long utime_ticks, stime_ticks;
	unsigned long long start_ticks; /* since boot, in clock ticks */
	long long vsize_bytes;
	long long rss_pages;
};

#define PROC_PF_KTHREAD 0x00200000UL /* include/linux/sched.h */

int proc_parse_stat(const char *buf, struct proc_stat *st);
/* Read PID/stat under the /proc root procfd; -1 with errno (ENOENT:
 * the process is gone). */
int proc_stat(int procfd, int pid, struct proc_stat *st);
int proc_is_kthread(const struct proc_stat *st);
/* /proc/PID/oom_score_adj; -1 with errno when unreadable. */
int proc_oom_score_adj(int procfd, int pid, int *adj);

/* The /proc root: opt, else $FOOM_PROC, else /proc. */
const char *proc_root(const char *opt);
/* open(O_DIRECTORY) of the root, exiting with status 3 on failure. */
int proc_open_root(const char *root);

/* Lock memory (mlockall: all of it, now) and set our own oom_score_adj
 * to -1000, each with a warning when not permitted. */
void proc_harden(void);
/* The same, but pages are locked as they are first touched
 * (MCL_ONFAULT): for a stage that runs its whole path on every tick, so
 * that the library code it never uses is not read in and pinned. */
void proc_harden_lazy(void);
/* The same, and every mapping of a file (this process's binary: the
 * commands are linked statically, libc and PCRE2 inside it) faulted in
 * and locked now, with the stack's first pages: every instruction the
 * stage can run is resident whatever path it takes first under
 * pressure, while its anonymous tables are locked only as they are
 * touched (a table sized for the worst record holds pages no record of
 * this node ever uses).  A dynamic build (make STATIC=) locks its shared
 * libraries whole the same way.  Whoever calls it runs its path once at
 * start (a warm-up), so that the tables it needs are in. */
void proc_harden_exe(void);
/* A stage foom-watch started (FOOM_WATCH_PID in its environment) ends
 * with SIGTERM when foom-watch dies, however it dies: no stage outlives
 * the pipeline's supervisor.  foom-kill does not call it: it finishes
 * the kill at hand and ends when its input does. */
void proc_watch_parent(void);

long proc_page_kb(void);

/* The processes under a /proc root, by getdents64 into a fixed buffer
 * (opendir would allocate once a scan).  proc_iter_start rewinds;
 * proc_iter_next gives the next PID, 0 at the end, -1 with errno. */
struct proc_iter {
	int fd;
	long len, off;
	char buf[32768]; /* about 1300 entries a getdents64 call */
};
void proc_iter_start(struct proc_iter *it, int procfd);
int proc_iter_next(struct proc_iter *it);

/* One pread from offset 0, NUL-terminated: enough for the files the
 * kernel hands out whole in one read (a process's stat, oom_score,
 * cgroup; seq_file and kernfs files such as meminfo or memory.stat), at
 * half proc_pread's system calls.  Length, or -1. */
long proc_pread1(int fd, char *buf, size_t size);

/* /proc/PID/cmdline, NUL separators turned into spaces, cut at size-1
 * bytes.  Its length (0: no arguments, as a zombie), or -1 with errno. */
long proc_cmdline(int procfd, int pid, char *buf, size_t size);
/* The /proc/PID/exe link target; its length, or -1 with errno. */
long proc_exe(int procfd, int pid, char *buf, size_t size);
/* /proc/PID/oom_score, the kernel's badness; -1 with errno. */
int proc_oom_score(int procfd, int pid, int *score);

/* Fields of /proc/PID/status; a field the file lacks is -1. */
struct proc_status {
	long long euid;      /* "Uid:", the second (effective) one */
	long long nspid_last; /* "NSpid:", the PID in the innermost namespace */
	long long swap_kb;   /* "VmSwap:" */
	long long rss_kb;    /* "VmRSS:" */
};
int proc_parse_status(const char *buf, struct proc_status *st);
int proc_status(int procfd, int pid, struct proc_status *st);

/* Seconds since boot from the root's uptime; -1 with errno. */
int proc_uptime(int procfd, double *up_s);

#endif
