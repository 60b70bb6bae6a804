/* SPDX-License-Identifier: MIT */
/*
 * pred: the near-OOM model of foom-predict(1).  It keeps a short,
 * fixed-size history of every scope's samples, turns the cumulative
 * counters into rates over seconds (not samples), and judges each new
 * sample: ok, warn, near-oom or oom, with a risk, the seconds left and
 * the reason in words.
 *
 * The near-OOM livelock is anonymous memory squeezing a page cache that
 * is still in use: the limit binds, anonymous memory holds a large share
 * of it, and the cache left is evicted and read straight back (refaults,
 * IO stall) -- or anonymous memory rises fast enough to fill the limit
 * within seconds.  foom-predict(1) explains each threshold.
 */
#ifndef FOOM_PRED_H
#define FOOM_PRED_H

#include "rec.h"

enum pred_level { PRED_OK, PRED_WARN, PRED_NEAR, PRED_OOM, PRED_NLEVEL };

struct pred_cfg {
	double anon_pct;      /* near-oom: anonymous share of the limit */
	double bind_pct;      /* usage share at which the limit binds */
	double node_avail_pct; /* node near-oom: MemAvailable under this */
	double refault_pct;   /* refaults a second, % of the cache left */
	double io_pct;        /* PSI io "some" share of the time */
	double mem_pct;       /* PSI memory "some" share of the time */
	double fill_s;        /* anonymous memory fills the limit within */
	double warn_eta_s;    /* warn: available memory gone within */
	double hold_s;        /* a level is kept this long after its cause */
	double rate_window_s; /* counters become rates over this */
	double fresh_window_s; /* the longest window of the fresh level */
	double peak_window_s; /* peaks of anon and limit hits over this */
	double grow_window_s; /* the anonymous rise is measured over this */
	double eta_window_s;  /* the trend of avail_kb is fitted over this */
	double gap_s;         /* 0: five usual intervals, at least 1 s */
};

/* The defaults of --level low, medium, high (0, 1, 2). */
void pred_cfg_level(struct pred_cfg *cfg, int level);
const char *pred_level_name(int level);

/* How one record fared. */
enum pred_res {
	PRED_VERDICT,  /* out holds the verdict */
	PRED_IGNORED,  /* not a sample: other kinds pass by */
	PRED_STALE,    /* same or older ts than the scope's last: warned */
	PRED_FULL,     /* no room for a new scope: warned (once) */
	PRED_BAD,      /* not a usable sample: *why says what is wrong */
};

struct pred;

/* The scope table is allocated here, once; nothing later. */
struct pred *pred_new(const struct pred_cfg *cfg, int max_scopes);
void pred_free(struct pred *p);

/* Judge one record.  *changed is set when the scope's level differs
 * from its last verdict's (or it is the scope's first). */
enum pred_res pred_sample(struct pred *p, const struct rec *in,
			  struct rec *out, int *changed, const char **why);

#endif
