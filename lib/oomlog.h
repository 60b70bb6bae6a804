/* SPDX-License-Identifier: MIT */
/*
 * oomlog: the kernel's OOM reports, read line by line from kernel log
 * text (dmesg, dmesg -T, journalctl -k and -o json, kern.log, raw
 * /dev/kmsg) and joined into one report each, for foom-events(1) to
 * print as an event record.  A state machine over lines with a fixed table of reports in
 * flight: nothing is allocated, whatever the input.
 */
#ifndef FOOM_OOMLOG_H
#define FOOM_OOMLOG_H

#include <limits.h>
#include <stddef.h>

#include "rec.h"

/* Reports open at once.  One kernel prints one report at a time (the
 * OOM killer runs under oom_lock), so several are open only in a merged
 * log of many hosts or when printk caller ids tell tasks apart; past
 * this the oldest is finished early. */
#define OOMLOG_INFLIGHT 8
/* A report is finished once the log has moved this far past its last
 * line (or, following, once nothing came for this long): the oom_reaper
 * reports about 2 s after the kill on 5.x and 6.x kernels and retries
 * for up to 1 s more. */
#define OOMLOG_GAP_S 5.0
/* Tasks of the dump kept: the largest by RSS. */
#define OOMLOG_TOP 3
/* memory.oom.group kills kept by pid and name; more are only counted. */
#define OOMLOG_GROUP 16
/* Longest cgroup path or name kept: a kernel log record holds at most
 * 1 KiB of text, so a longer one was cut by the kernel already. */
#define OOMLOG_PATH 1024
#define OOMLOG_COMM 64
/* A date prefix kept as text when it cannot be read as a time
 * (dmesg -T in a locale whose month is neither English nor a number). */
#define OOMLOG_UNREAD 64

/* A number that the report did not give. */
#define OOMLOG_NONE LLONG_MIN

enum oomlog_result { OOMLOG_OPEN, OOMLOG_KILLED, OOMLOG_EXITING, OOMLOG_PANIC };
/* The counter lines of a memory cgroup report. */
enum { OOMLOG_MEM, OOMLOG_MEMSW, OOMLOG_KMEM, OOMLOG_SWAP, OOMLOG_NCNT };

struct oomlog_task {
	long long pid;
	long long rss_pages;
	long long rss_kb; /* group kills: from their Killed process line */
	char comm[OOMLOG_COMM];
};

struct oomlog_report {
	int used;
	int phase;                 /* how far the report has come */
	unsigned long order;       /* when it opened, for sorting */
	char host[64];             /* syslog host; "" for dmesg and kmsg */
	char caller[16];           /* printk caller id (T123, C1) or "" */
	int header;                /* the "invoked oom-killer" line was seen */
	int memcg;                 /* 1 memory cgroup, 0 global, -1 unknown */
	enum oomlog_result result;
	int reaped;                /* 1 reaped, 0 unable to reap, -1 unknown */
	/* Times of the first and last line, and of the kill: seconds since
	 * boot and since the epoch, < 0 when the log did not say. */
	double first_mono_s, first_wall_s, kill_mono_s, kill_wall_s;
	double last_mono_s, last_wall_s;
	double seen_s;             /* follow mode: clock when last fed */
	/* The date prefixes of the first line and of the kill line, as
	 * text, when they could not be read; else "". */
	char first_unread[OOMLOG_UNREAD], kill_unread[OOMLOG_UNREAD];

	char invoker[OOMLOG_COMM];
	long long invoker_pid, invoker_adj, order_n;
	char gfp_mask[24], gfp_flags[256];
	char constraint[32];
	char oom_memcg[OOMLOG_PATH], task_memcg[OOMLOG_PATH];
	char stats_memcg[OOMLOG_PATH], group_memcg[OOMLOG_PATH];

	long long pid;             /* the victim */
	char comm[OOMLOG_COMM];
	long long uid, total_vm_kb, anon_rss_kb, file_rss_kb, shmem_rss_kb;
	long long pgtables_kb, oom_score_adj, score;

	long long cnt[OOMLOG_NCNT][3]; /* usage_kb, limit_kb, failcnt */

	int ncols, rss_col;        /* task dump: numeric columns, rss's */
	long long tasks;
	int ntop;
	struct oomlog_task top[OOMLOG_TOP];
	long long group_killed, group_rss_kb;
	int ngroup;
	struct oomlog_task group[OOMLOG_GROUP];
};

struct oomlog {
	/* Settings. */
	double boot_s;   /* boot time, seconds since the epoch; < 0 unknown */
	int year;        /* year of syslog dates; 0: this year */
	long page_kb;    /* page size of the task dump, KiB */
	double now_s;    /* follow mode: the monotonic clock, else 0 */
	/* Called with each finished report. */
	void (*emit)(void *ctx, const struct oomlog_report *r);
	void *ctx;
	/* State. */
	unsigned long seq;
	long long reports;
	struct oomlog_report rep[OOMLOG_INFLIGHT];
};

void oomlog_init(struct oomlog *ol);
/* One line of kernel log text in any of the formats, without its
 * newline (it is modified: kmsg escapes are undone in place).  Returns
 * 1 when the line went to a report, 0 when it was not placed. */
int oomlog_line(struct oomlog *ol, char *line, size_t len);
/* Follow mode: finish the reports fed nothing for OOMLOG_GAP_S. */
void oomlog_tick(struct oomlog *ol, double now_s);
/* End of an input: finish every open report. */
void oomlog_finish(struct oomlog *ol);

/* The event record of a report (foom-events(1) FORMAT); scope names a
 * pod when the cgroup is a pod's and the pods dir knows it. */
void oomlog_event(const struct oomlog *ol, const struct oomlog_report *r,
		  struct rec *e);

#endif
