/* SPDX-License-Identifier: MIT */
/*
 * sample: read one scope's memory-pressure signals into a sample record
 * (foom(7) SAMPLE RECORD).  A sampler opens its files once and re-reads
 * them with pread from offset 0 on every tick, into fixed buffers: a
 * tick allocates nothing.
 */
#ifndef FOOM_SAMPLE_H
#define FOOM_SAMPLE_H

#include "cg.h"
#include "rec.h"
#include "scope.h"

enum {
	/* node */
	SF_MEMINFO, SF_VMSTAT, SF_STAT, SF_ZONEINFO,
	/* cgroup v1 */
	SF_LIMIT, SF_USAGE, SF_MAXUSAGE, SF_FAILCNT, SF_OOMCTL,
	/* cgroup v2 */
	SF_MAX, SF_HIGH, SF_CURRENT, SF_EVENTS,
	/* both */
	SF_MSTAT, SF_PSI_MEM, SF_PSI_IO,
	SF_COUNT
};

/* v2 has no hierarchical limit file: read the ancestors' memory.max. */
#define SAMPLE_MAX_ANCESTORS 16

struct sampler {
	struct scope sc;
	enum cg_ver ver;  /* CG_NONE for the node */
	int fd[SF_COUNT]; /* -1: not there */
	int anc_fd[SAMPLE_MAX_ANCESTORS]; /* v2: ancestors' memory.max */
	int nanc;
	unsigned long warned; /* one warning per missing field (bit) */
	int gone;         /* a file vanished: the cgroup was removed */
	int seen;         /* set by the caller's rescans */
};

/* The node's files, shared by every scope (cgroup limits are capped at
 * MemTotal).  Open them with sample_open_node() first. */
int sample_open_node(int procfd);
/* Open a scope's files; -1 when its memory cgroup is not there. */
int sample_open(struct sampler *s, const struct cg_root *cg, int procfd);
void sample_close(struct sampler *s);

/* Read the node's files once for this tick. */
void sample_tick(void);
/* Fill r with the sample of s at ts; -1 when the scope is gone. */
int sample_read(struct sampler *s, struct rec *r, double ts);

/* The "min", "low" and "high" watermark lines of zoneinfo text summed
 * over its zones (pageset lines, "high:  378", carry a colon and are
 * not these), in KiB for pages of page_kb; -1 for a line not found. */
void sample_parse_wmarks(const char *text, long page_kb, long long kb[3]);

#endif
