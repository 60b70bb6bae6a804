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

/*
 * Cheap ticks.  Far from its limit a scope's costly files (memory.stat,
 * vmstat, /proc/stat, io.pressure, and v1's max_usage and oom_control)
 * tell the predictor nothing it acts on, so a tick reads only the cheap
 * ones (usage, failcnt or memory.events, memory PSI; for the node
 * meminfo and memory PSI) and prints a sample with cheap=1; the limits
 * it prints are those of the last whole read.  It
 * reads everything when the gate below says the scope may be heading
 * for its limit, and at least once every SAMPLE_FULL_EVERY_S.
 */
struct sample_gate {
	int started;
	double last_ts, full_ts, hold_until;
	long long usage_kb, hits, psi_us; /* at the last tick; -1: none */
	/* The idle tick: after a tick that found no reason, the next may
	 * wait as long as a fill at the fastest plausible rate (the
	 * scope's fastest rise seen, at least fill_floor_kbps, 0 meaning
	 * SAMPLE_FILL_FLOOR_KBPS) takes to bring it to the near margin;
	 * wait_s is that time (0: the next tick comes at the interval). */
	double rise_kbps, fill_floor_kbps, wait_s;
};

/* The fastest plausible fill, in KiB/s: earlyoom's measured worst case
 * (6000 MiB/s, four workers of stress -m faulting in fresh anonymous
 * pages), rounded up.  A cgroup fills no faster than the node. */
#define SAMPLE_FILL_FLOOR_KBPS (6.0 * 1024 * 1024)

/* What the gate judges from, all from the cheap files: the limit, the
 * usage that fills it (a cgroup's usage; the node's anonymous memory),
 * the node's free memory near its watermarks, the limit-hit counters
 * summed (-1: none), the memory "some" stall total (-1: no PSI). */
struct sample_cheap {
	long long limit_kb, usage_kb;
	int free_low;
	long long free_room_kb; /* node: free memory over 2x the high
				 * watermark (free_low below it); -1: none */
	long long hits, psi_us;
};

/* Whether the tick at ts (seconds, any clock that does not go back)
 * reads every file (1) or only the cheap ones (0); sets g->wait_s. */
int sample_gate_full(struct sample_gate *g, const struct sample_cheap *c,
		     double ts);

/* The gate's view of a sample record's cheap keys (the sampler judges
 * the record it is writing, a replay the record it reads). */
void sample_cheap_of(const struct rec *r, struct sample_cheap *c);

/* The keys only a full read prints, NULL-terminated, for a sample's
 * memcg= (NULL: the node).  A cheap sample is the full one without
 * them, and with cheap=1. */
const char *const *sample_full_keys(const char *memcg);

struct sampler {
	struct scope sc;
	enum cg_ver ver;  /* CG_NONE for the node */
	int fd[SF_COUNT]; /* -1: not there */
	int anc_fd[SAMPLE_MAX_ANCESTORS]; /* v2: ancestors' memory.max */
	int nanc;
	unsigned long warned; /* one warning per missing field (bit) */
	int gone;         /* a file vanished: the cgroup was removed */
	int cheap_ok;     /* -f: ticks may be cheap */
	struct sample_gate gate;
	/* This tick came tick_s after the last by the idle tick's choice
	 * (printed as tick_s=); 0: at the interval.  Set by the caller. */
	double tick_s;
	/* Settings, read on the first tick and on every whole one after it,
	 * for the cheap ticks between (-1: none): a lowered limit is a limit
	 * hit at once (failcnt, memory.events), and that makes the tick
	 * whole.  v1's limit_in_bytes and hierarchical_memory_limit; v2's
	 * memory.max (the smallest of its ancestors') and memory.high. */
	long long hier_kb, set_limit_kb, set_high_kb;
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
/* Fill r with the sample of s at ts; -1 when the scope is gone.  With
 * s->cheap_ok set the tick may be a cheap one (the gate's clock is
 * CLOCK_MONOTONIC). */
int sample_read(struct sampler *s, struct rec *r, double ts);

/* The "min", "low" and "high" watermark lines of zoneinfo text summed
 * over its zones (pageset lines, "high:  378", carry a colon and are
 * not these), in KiB for pages of page_kb; -1 for a line not found. */
void sample_parse_wmarks(const char *text, long page_kb, long long kb[3]);

#endif
