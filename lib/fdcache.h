/* SPDX-License-Identifier: MIT */
/*
 * fdcache: the /proc files of each process a scan reads, kept open from
 * scan to scan (follow mode): an open of a /proc file costs as much as
 * reading it.  A file whose process died reads ESRCH (a reused PID is
 * another process, not this file's), and is then opened anew.  What
 * stat says that does not change is kept too, so later scans read statm
 * (RSS), a third of stat's cost; whoever names a victim reads its stat
 * afresh.
 *
 * A scan visits PIDs in ascending order: the last scan's entries and
 * this one's merge in one pass, and whatever the last scan had below
 * the PID at hand has died.
 */
#ifndef FOOM_FDCACHE_H
#define FOOM_FDCACHE_H

#include <stddef.h>

#include "proc.h"

enum fdcache_file { FDCACHE_STAT, FDCACHE_OOM, FDCACHE_CG, FDCACHE_STATM,
		    FDCACHE_NFILES };

struct fdcache_entry {
	int pid;
	int fd[FDCACHE_NFILES]; /* -1 when not open */
	int known;  /* the fields below hold, and fd[FDCACHE_STATM] is open */
	int ppid, pgrp;
	unsigned long flags;
	unsigned long long start_ticks;
	char comm[16]; /* TASK_COMM_LEN */
};

struct fdcache {
	int procfd;
	struct fdcache_entry *e[2]; /* last scan's and this one's, by PID */
	int n[2], cur;
	int cap;          /* entries in each table */
	int old;          /* merge cursor into the last scan's */
	int open, max;    /* files open, and the most allowed */
};

/* Tables for cap processes, and RLIMIT_NOFILE raised for three files
 * of each.  0, or -1 with errno. */
int fdcache_init(struct fdcache *c, int procfd, int cap);
/* Grow the tables to cap entries, between scans.  0, or -1 with errno
 * (the tables are then as they were). */
int fdcache_grow(struct fdcache *c, int cap);

/* A new scan. */
void fdcache_begin(struct fdcache *c);
/* This scan's entry for pid, carried over from the last scan when it
 * had one; NULL (read without kept files) when the PIDs do not come in
 * ascending order or the table is full. */
struct fdcache_entry *fdcache_entry(struct fdcache *c, int pid);
/* The scan is over: close what the last scan kept and this one did not
 * see. */
void fdcache_end(struct fdcache *c);

/* Read PID/FILE, through e's kept file when e is not NULL. */
long fdcache_read(struct fdcache *c, struct fdcache_entry *e, int pid,
		  enum fdcache_file which, char *buf, size_t size);
/* The stat of pid for a scan: from e's kept statm and fields when it has
 * them, else read whole (and kept).  name_matters: a rule reads the
 * name, so stat is read whole every scan (a process renames itself
 * without a new start time).  0, or -1 when the process is gone. */
int fdcache_stat(struct fdcache *c, struct fdcache_entry *e, int pid,
		 int name_matters, struct proc_stat *st, char *buf, size_t size);

#endif
