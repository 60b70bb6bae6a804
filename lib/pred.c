/* SPDX-License-Identifier: MIT */
/*
 * pred: per-scope history and the near-OOM verdict (pred.h).  Every
 * scope has a ring of recent points, stored at most every step seconds so
 * the ring spans the longest window whatever the sampling interval; the
 * sample being judged is compared with those points, never with a count
 * of samples.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "pred.h"
#include "proc.h"

/* Points kept per scope: 128 spans a 10 s window at 0.08 s a point. */
#define PRED_RING 128
/* Points of the avail_kb trend fit: 32 give 496 slopes, enough for a
 * median that ignores a few wild samples, cheap at 20 samples a second. */
#define PRED_FIT 32
/* Fewer points make no trend: with five, one jump (cache moving from the
 * inactive to the active list) cannot carry the median. */
#define PRED_FIT_MIN 5
/* A scope name longer than this is not one foom-sample writes. */
#define PRED_NAME_MAX 1024
/* A scope unseen for this long (or five of its intervals) is gone: a
 * deleted pod or cgroup; its slot is reused. */
#define PRED_EXPIRE_S 60.0
/* A sample's tick_s= (foom-sample's idle tick: the sampler chose to
 * wait that long) counts up to this: its cap is a second or so, and a
 * longer announced wait is a pause all the same. */
#define PRED_TICK_MAX_S 60.0
/* eta_s beyond an hour says nothing an operator can act on. */
#define PRED_ETA_MAX_S 3600.0

enum {
	C_REFAULT, C_MAJFAULT, C_FAILCNT, C_EV_MAX, C_EV_HIGH, C_EV_OOM,
	C_OOMKILL, C_ALLOCSTALL, C_PGSCAN_DIRECT, C_PGSCAN_KSWAPD, C_PSI_MEM_SOME,
	C_PSI_MEM_FULL, C_PSI_IO_SOME, C_PSI_IO_FULL, C_CPU_IOWAIT,
	C_CPU_SYS, C_CPU_TOTAL, C_N
};

static const char *const ctr_key[C_N] = {
	"workingset_refault_file", "pgmajfault", "failcnt", "events_max",
	"events_high", "events_oom", "oom_kill", "allocstall",
	"pgscan_direct", "pgscan_kswapd", "psi_mem_some_total_us", "psi_mem_full_total_us",
	"psi_io_some_total_us", "psi_io_full_total_us", "cpu_iowait_ticks",
	"cpu_sys_ticks", "cpu_total_ticks",
};

enum {
	G_LIMIT, G_USAGE, G_AVAIL, G_ANON, G_FILE, G_HIGH, G_MEM_FREE,
	G_MEM_AVAIL, G_WMARK_LOW, G_WMARK_HIGH, G_UNDER_OOM, G_ACTIVE_FILE, G_N
};

static const char *const gauge_key[G_N] = {
	"limit_kb", "usage_kb", "avail_kb", "anon_kb", "file_kb", "high_kb",
	"mem_free_kb", "mem_available_kb", "wmark_low_kb", "wmark_high_kb",
	"under_oom", "active_file_kb",
};

struct point {
	double ts;
	double c[C_N];
	double anon_kb, avail_kb;
};

struct sst {
	char name[PRED_NAME_MAX];
	int used;
	int node;
	double last_ts;
	double ival_s;          /* usual interval; 0 while unknown */
	int n, head;            /* ring: head is the newest point */
	struct point ring[PRED_RING];
	double seen_ts[PRED_NLEVEL]; /* last ts the raw level reached L */
	int have_full;          /* full_g and full_c hold the last full sample */
	double full_g[G_N], full_c[C_N];
	int level, fresh;       /* of the last verdict, -1 before it */
};

struct pred {
	struct pred_cfg cfg;
	int max;
	int full_warned;
	double step_s;
	struct sst *s;
};

const char *pred_level_name(int level)
{
	static const char *const name[] = { "ok", "warn", "near-oom", "oom" };

	return level >= 0 && level < PRED_NLEVEL ? name[level] : "?";
}

void pred_cfg_level(struct pred_cfg *c, int level)
{
	/* Sensitivity, FastOOM's memory-usage level: how much of the memory
	 * may be used before acting.  low acts on the first signs, high
	 * waits for twice medium's evidence, as late as the livelock allows
	 * and before the kernel would kill.  Every figure moves one way
	 * with the level, so low never acts later than medium, nor medium
	 * than high.  foom-predict(1) gives the reasons. */
	static const double anon[] = { 15, 30, 50 };
	static const double bind[] = { 95, 98, 99 };
	static const double node_avail[] = { 40, 30, 20 };
	static const double refault[] = { 1, 2, 4 };
	static const double io[] = { 5, 10, 20 };
	static const double mem[] = { 5, 10, 20 };
	static const double fill[] = { 10, 5, 2.5 };
	static const double warn[] = { 60, 30, 10 };

	if (level < 0 || level > 2)
		level = 1;
	*c = (struct pred_cfg){
		.anon_pct = anon[level],
		.bind_pct = bind[level],
		.node_avail_pct = node_avail[level],
		.refault_pct = refault[level],
		.io_pct = io[level],
		.mem_pct = mem[level],
		.fill_s = fill[level],
		.warn_eta_s = warn[level],
		.hold_s = 10,
		.rate_window_s = 1,
		.fresh_window_s = 1,
		.peak_window_s = 5,
		.grow_window_s = 2,
		.eta_window_s = 10,
		.gap_s = 0,
	};
}

struct pred *pred_new(const struct pred_cfg *cfg, int max_scopes)
{
	struct pred *p = calloc(1, sizeof *p);
	double w;

	if (!p || !(p->s = calloc(max_scopes, sizeof *p->s)))
		msg_errx(EXIT_SYSTEM, "out of memory for %d scopes", max_scopes);
	p->cfg = *cfg;
	p->max = max_scopes;
	w = fmax(fmax(cfg->rate_window_s, cfg->peak_window_s),
		 fmax(cfg->grow_window_s, cfg->eta_window_s));
	w = fmax(w, cfg->fresh_window_s);
	p->step_s = w / (PRED_RING - 8);
	return p;
}

void pred_free(struct pred *p)
{
	if (p) {
		free(p->s);
		free(p);
	}
}

static void sst_restart(struct sst *s)
{
	s->n = 0;
	s->head = 0;
	s->ival_s = 0;
}

static void sst_init(struct sst *s, const char *name, int node)
{
	snprintf(s->name, sizeof s->name, "%s", name);
	s->used = 1;
	s->node = node;
	s->last_ts = -INFINITY;
	sst_restart(s);
	for (int l = 0; l < PRED_NLEVEL; l++)
		s->seen_ts[l] = -INFINITY;
	s->level = -1;
	s->fresh = -1;
	s->have_full = 0;
}

/* i-th newest stored point (0: the newest). */
static const struct point *pt(const struct sst *s, int i)
{
	return &s->ring[(s->head - i + PRED_RING) % PRED_RING];
}

static void push(struct sst *s, const struct point *q)
{
	s->head = (s->head + 1) % PRED_RING;
	s->ring[s->head] = *q;
	if (s->n < PRED_RING)
		s->n++;
}

/* The oldest stored point within window seconds of now, or the newest
 * when none is (the sampling interval is longer than the window). */
static const struct point *ref_point(const struct sst *s, double now,
				     double window)
{
	const struct point *r = NULL;

	for (int i = 0; i < s->n; i++) {
		const struct point *q = pt(s, i);

		if (now - q->ts > window + 1e-9)
			break;
		r = q;
	}
	return r ? r : s->n ? pt(s, 0) : NULL;
}

static double rate(const struct point *cur, const struct point *ref, int k)
{
	if (!ref || isnan(cur->c[k]) || isnan(ref->c[k]) || cur->ts <= ref->ts)
		return NAN;
	return (cur->c[k] - ref->c[k]) / (cur->ts - ref->ts);
}

static int grew(const struct point *cur, const struct point *ref, int k)
{
	return ref && !isnan(cur->c[k]) && !isnan(ref->c[k]) &&
	       cur->c[k] > ref->c[k];
}

/* The k-th smallest of v[0..n) (Hoare's selection; v is reordered). */
static double select_k(double *v, int n, int k)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		double piv = v[(lo + hi) / 2];
		int i = lo, j = hi;

		while (i <= j) {
			while (v[i] < piv)
				i++;
			while (v[j] > piv)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Theil-Sen slope of avail_kb (KiB/s) over the window: the median of the
 * slopes between every pair of points, so one odd sample moves nothing.
 * NAN with fewer than PRED_FIT_MIN points. */
static double avail_slope(const struct sst *s, const struct point *cur,
			  double window)
{
	static double slope[PRED_FIT * (PRED_FIT - 1) / 2];
	const struct point *q[PRED_FIT];
	int avail = 0, n = 0, m = 0, stride;

	for (int i = 0; i < s->n; i++) {
		if (cur->ts - pt(s, i)->ts > window + 1e-9)
			break;
		if (!isnan(pt(s, i)->avail_kb))
			avail++;
	}
	if (isnan(cur->avail_kb))
		return NAN;
	q[n++] = cur;
	/* Every stride-th point, so at most PRED_FIT span the window. */
	stride = (avail + PRED_FIT - 2) / (PRED_FIT - 1);
	for (int i = 0, seen = 0; i < s->n && n < PRED_FIT; i++) {
		const struct point *p = pt(s, i);

		if (cur->ts - p->ts > window + 1e-9)
			break;
		if (isnan(p->avail_kb))
			continue;
		if (seen++ % stride == 0)
			q[n++] = p;
	}
	if (n < PRED_FIT_MIN)
		return NAN;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			slope[m++] = (q[i]->avail_kb - q[j]->avail_kb) /
				     (q[i]->ts - q[j]->ts);
	if (m % 2)
		return select_k(slope, m, m / 2);
	return (select_k(slope, m, m / 2 - 1) + select_k(slope, m, m / 2)) / 2;
}

/* A fill projection holds only while anonymous memory still rises: a
 * process that allocated at once and now holds leaves a steep average
 * over the grow window that says nothing of the next seconds.  Rising
 * means by at least this share of the limit a second over the last half
 * second (two intervals at least); a 10 MiB/s leak in a 512 MiB cgroup
 * is twice that. */
#define PRED_RISING_PCT_PS 1.0

static int anon_rising(const struct sst *s, const struct point *cur,
		       double window, double limit_kb, double *from_ts)
{
	const struct point *nw = ref_point(s, cur->ts, window);

	if (nw && nw->ts < *from_ts)
		*from_ts = nw->ts;
	return nw && !isnan(nw->anon_kb) && cur->ts > nw->ts &&
	       (cur->anon_kb - nw->anon_kb) / (cur->ts - nw->ts) >=
		       PRED_RISING_PCT_PS / 100 * limit_kb;
}

/* Page cache moving from the inactive to the active list lowers avail_kb
 * while nothing new is charged: a falling avail is news only when
 * anonymous memory grew over the same window, by more than this share
 * of the limit (noise of a steady process is far below it). */
#define PRED_ANON_GROWS_PCT 1.0

static int anon_grows(const struct sst *s, const struct point *cur,
		      double window, double limit_kb, double *from_ts)
{
	const struct point *old = NULL;

	for (int i = 0; i < s->n; i++) {
		if (cur->ts - pt(s, i)->ts > window + 1e-9)
			break;
		if (pt(s, i)->ts < *from_ts)
			*from_ts = pt(s, i)->ts;
		if (!isnan(pt(s, i)->anon_kb))
			old = pt(s, i);
	}
	if (!old || isnan(cur->anon_kb) || isnan(limit_kb))
		return 1; /* unknown: let the trend speak */
	return cur->anon_kb - old->anon_kb > PRED_ANON_GROWS_PCT / 100 * limit_kb;
}

/* Does the node's limit bind?  The node has no failcnt: kswapd wakes
 * when free memory falls under the low watermark and reclaims until it
 * is over the high one, so while reclaim keeps pace, free memory stays
 * in that band and allocstall never moves.  Free memory at most one
 * band (high - low) over the high watermark, or kswapd scanning in the
 * rate window, is the node at its limit, as usage at the limit is for
 * a cgroup.  The instant free <= low alone is too brief to see at
 * 10 Hz: kswapd restores it within milliseconds. */
static int node_reclaims(const struct point *cur, const struct point *rr,
			 const double *g)
{
	double low = g[G_WMARK_LOW], high = g[G_WMARK_HIGH], free = g[G_MEM_FREE];

	if (!isnan(low) && !isnan(free) && free <= low)
		return 1;
	if (!isnan(low) && !isnan(high) && !isnan(free) && high >= low &&
	    free <= high + (high - low))
		return 1;
	return !isnan(low) && grew(cur, rr, C_PGSCAN_KSWAPD);
}

/* The windows one judgement looks back over, in seconds. */
struct win {
	double rate_s, peak_s, grow_s, eta_s, rising_s;
};

/* What one sample shows: every field NAN when it cannot be known. */
struct feat {
	double limit_kb, use_pct, avail_pct, anon_pct, anon_max_pct, file_kb;
	double refault_ps, refault_pct_ps, majfault_ps;
	double failcnt_ps, ev_max_ps, allocstall_ps, pgscan_direct_ps;
	double io_pct, mem_pct, iowait_pct;
	double node_use; /* node: use_pct against its --node-avail; else NAN */
	double eta_s, fill_eta_s;
	const char *fill_to; /* what fill_eta_s runs out: words for the reason */
	int binding, oom;
	int anon_grows; /* over the eta window: what makes a falling avail news */
	double peak_s;  /* the window of anon_max_pct */
	double from_ts; /* the oldest point any figure here rests on */
};

static double pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : NAN;
}

/* Note that the figures rest on point q too. */
static void rests_on(struct feat *f, const struct point *q)
{
	if (q && q->ts < f->from_ts)
		f->from_ts = q->ts;
}

static void features(const struct pred *p, const struct sst *s,
		     const struct point *cur, const double *g,
		     const struct win *w, struct feat *f)
{
	const struct pred_cfg *c = &p->cfg;
	const struct point *rr = ref_point(s, cur->ts, w->rate_s);
	const struct point *pr = ref_point(s, cur->ts, w->peak_s);
	double limit = g[G_LIMIT], slope, cache_kb;

	f->from_ts = cur->ts;
	f->peak_s = w->peak_s;
	rests_on(f, rr);
	rests_on(f, pr);

	if (!s->node && !isnan(g[G_HIGH]) && g[G_HIGH] > 0 &&
	    (isnan(limit) || g[G_HIGH] < limit))
		limit = g[G_HIGH]; /* memory.high reclaims first */
	f->limit_kb = limit > 0 ? limit : NAN;
	f->avail_pct = pct(g[G_AVAIL], f->limit_kb);
	f->anon_pct = pct(g[G_ANON], f->limit_kb);
	f->file_kb = g[G_FILE];
	f->node_use = NAN;
	if (s->node && !isnan(g[G_MEM_AVAIL])) {
		f->use_pct = 100 - pct(g[G_MEM_AVAIL], f->limit_kb);
		f->node_use = c->node_avail_pct < 100 ?
			f->use_pct / (100 - c->node_avail_pct) : INFINITY;
	} else {
		f->use_pct = pct(g[G_USAGE], f->limit_kb);
	}

	/* The highest anonymous share lately: an allocator that grabs and
	 * frees in bursts squeezes the cache at its peaks. */
	f->anon_max_pct = f->anon_pct;
	for (int i = 0; i < s->n && !isnan(f->limit_kb); i++) {
		const struct point *q = pt(s, i);

		if (q->ts < pr->ts)
			break;
		if (!isnan(q->anon_kb) &&
		    !(pct(q->anon_kb, f->limit_kb) <= f->anon_max_pct))
			f->anon_max_pct = pct(q->anon_kb, f->limit_kb);
	}

	f->refault_ps = rate(cur, rr, C_REFAULT);
	f->majfault_ps = rate(cur, rr, C_MAJFAULT);
	f->failcnt_ps = rate(cur, rr, C_FAILCNT);
	f->ev_max_ps = rate(cur, rr, C_EV_MAX);
	f->allocstall_ps = rate(cur, rr, C_ALLOCSTALL);
	f->pgscan_direct_ps = rate(cur, rr, C_PGSCAN_DIRECT);
	/* PSI totals are microseconds stalled: per second of wall time
	 * divided by 10^4 is the percentage of the time. */
	f->io_pct = rate(cur, rr, C_PSI_IO_SOME) / 1e4;
	f->mem_pct = rate(cur, rr, C_PSI_MEM_SOME) / 1e4;
	f->iowait_pct = NAN;
	if (rr && s->node) {
		double tot = cur->c[C_CPU_TOTAL] - rr->c[C_CPU_TOTAL];

		if (tot > 0)
			f->iowait_pct = pct(cur->c[C_CPU_IOWAIT] -
					    rr->c[C_CPU_IOWAIT], tot);
	}
	/* Refaults against the cache left: pages read back that reclaim
	 * had just evicted, as a share of the cache a second.  A cache
	 * under 1% of the limit counts as 1%, so a few refaults on an
	 * almost empty cache do not read as thrash. */
	cache_kb = fmax(isnan(f->file_kb) ? 0 : f->file_kb,
			isnan(f->limit_kb) ? 0 : f->limit_kb / 100);
	f->refault_pct_ps = NAN;
	if (cache_kb > 0) {
		double ps = !isnan(f->refault_ps) ? f->refault_ps :
						    f->majfault_ps;

		f->refault_pct_ps = pct(ps * proc_page_kb(), cache_kb);
	}

	/* Does the limit bind?  A counter of limit hits says it best. */
	if (s->node) {
		f->binding = grew(cur, pr, C_ALLOCSTALL) ||
			     grew(cur, pr, C_PGSCAN_DIRECT) ||
			     node_reclaims(cur, rr, g) ||
			     (isnan(g[G_WMARK_LOW]) && f->use_pct >= c->bind_pct);
		f->oom = f->binding && grew(cur, rr, C_OOMKILL);
	} else {
		f->binding = grew(cur, pr, C_FAILCNT) ||
			     grew(cur, pr, C_EV_MAX) ||
			     grew(cur, pr, C_EV_HIGH) || f->use_pct >= c->bind_pct;
		f->oom = g[G_UNDER_OOM] >= 1 || grew(cur, rr, C_OOMKILL) ||
			 grew(cur, rr, C_EV_OOM);
	}

	/* The anonymous rise over the grow window, from its lowest point;
	 * a rise under 1% of the limit is noise. */
	f->fill_eta_s = NAN;
	if (!isnan(cur->anon_kb) && !isnan(f->limit_kb)) {
		const struct point *gr = ref_point(s, cur->ts, w->grow_s);
		const struct point *lo = NULL;

		rests_on(f, gr);
		for (int i = 0; gr && i < s->n; i++) {
			const struct point *q = pt(s, i);

			if (q->ts < gr->ts)
				break;
			if (!isnan(q->anon_kb) && (!lo || q->anon_kb < lo->anon_kb))
				lo = q;
		}
		if (lo && cur->anon_kb - lo->anon_kb >= f->limit_kb / 100 &&
		    anon_rising(s, cur, w->rising_s, f->limit_kb, &f->from_ts)) {
			double g_kbps = (cur->anon_kb - lo->anon_kb) /
					(cur->ts - lo->ts);

			double room_kb = f->limit_kb - cur->anon_kb;

			f->fill_to = "fill the limit";

			/* What a node's anonymous memory can still take
			 * is what MemAvailable counts: free memory and
			 * the cache reclaim gives up. */
			if (s->node && !isnan(g[G_MEM_AVAIL])) {
				room_kb = g[G_MEM_AVAIL];
				f->fill_to = "take what is available";
			}
			/* A cgroup's active cache (pages used twice lately)
			 * is reclaimed last: anonymous memory that reaches
			 * it evicts what is still in use, well before the
			 * limit is all anonymous. */
			else if (!isnan(g[G_ACTIVE_FILE])) {
				room_kb = fmax(room_kb - g[G_ACTIVE_FILE], 0);
				f->fill_to = "reach the active page cache";
			}
			f->fill_eta_s = fmax(room_kb, 0) / g_kbps;
		}
	}
	/* A node that rising anonymous memory fills within --fill seconds
	 * binds by then, and no reclaim can give its cache room: the
	 * rise is the cause, a kill the cure. */
	if (s->node && f->fill_eta_s <= c->fill_s) {
		f->binding = 1;
		f->node_use = NAN;
	}

	f->eta_s = NAN;
	/* The trend fit reads the points anon_grows has just visited. */
	f->anon_grows = anon_grows(s, cur, w->eta_s, f->limit_kb, &f->from_ts);
	slope = avail_slope(s, cur, w->eta_s);
	if (slope < 0) {
		double eta = fmax(cur->avail_kb, 0) / -slope;

		if (eta <= PRED_ETA_MAX_S)
			f->eta_s = eta;
	}
}

/* Appending to a fixed buffer. */
struct sbuf {
	char *b;
	size_t len, cap;
};

static void sb_add(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->len >= sb->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->b + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += (size_t)n < sb->cap - sb->len ? (size_t)n :
							  sb->cap - sb->len - 1;
}

static double mib(double kb)
{
	return kb / 1024;
}

/* Stall evidence, in words, each item at or over its threshold. */
static int evidence(const struct pred_cfg *c, const struct feat *f,
		    struct sbuf *sb)
{
	int n = 0;

	if (f->refault_pct_ps >= c->refault_pct)
		sb_add(sb, "%sthe %.0f MiB of page cache left is read back at "
		       "%.*f%%/s", n++ ? ", " : "", mib(f->file_kb),
		       f->refault_pct_ps < 10 ? 1 : 0, f->refault_pct_ps);
	if (f->io_pct >= c->io_pct)
		sb_add(sb, "%s%.0f%% of the time stalled on IO", n++ ? ", " : "",
		       f->io_pct);
	else if (isnan(f->io_pct) && f->iowait_pct >= c->io_pct)
		sb_add(sb, "%s%.0f%% of CPU time in iowait", n++ ? ", " : "",
		       f->iowait_pct);
	if (f->mem_pct >= c->mem_pct)
		sb_add(sb, "%s%.0f%% of the time stalled on memory",
		       n++ ? ", " : "", f->mem_pct);
	if (f->fill_eta_s <= c->fill_s)
		sb_add(sb, "%sanonymous memory rises to %s in %.1f s",
		       n++ ? ", " : "", f->fill_to, f->fill_eta_s);
	return n;
}

/* Is the anonymous share judged (the highest over the peak window) not
 * what the scope holds now, as it reads in whole percents?  Then the
 * words say both: the owner of the peak may be gone. */
static int anon_peaked(const struct feat *f)
{
	return !isnan(f->anon_pct) && lround(f->anon_max_pct) != lround(f->anon_pct);
}

static void peak_note(const struct feat *f, struct sbuf *why)
{
	if (anon_peaked(f))
		sb_add(why, " at its peak in the last %g s, %.0f%% now",
		       f->peak_s, f->anon_pct);
}

static int raw_level(const struct pred_cfg *c, const struct feat *f,
		     double *risk, struct sbuf *why)
{
	double a = f->anon_max_pct / c->anon_pct, b, s = 0, cc;
	int lvl;

	if (isnan(a))
		a = 0;
	b = f->binding ? 1 : isnan(f->use_pct) ? 0 :
			 fmin(f->use_pct / c->bind_pct, 0.99);
	if (!isnan(f->refault_pct_ps))
		s = fmax(s, f->refault_pct_ps / c->refault_pct);
	if (!isnan(f->io_pct))
		s = fmax(s, f->io_pct / c->io_pct);
	else if (!isnan(f->iowait_pct))
		s = fmax(s, f->iowait_pct / c->io_pct);
	if (!isnan(f->mem_pct))
		s = fmax(s, f->mem_pct / c->mem_pct);
	if (!isnan(f->fill_eta_s))
		s = fmax(s, c->fill_s / fmax(f->fill_eta_s, 1e-3));
	/* Once the limit binds, the risk grows with the other two. */
	cc = f->binding ? fmin(a, s) : fmin(a, fmin(b, s));
	/* A node whose reclaim can still give the cache room thrashes on
	 * a file set too big for it: a kill would not cure that. */
	if (!isnan(f->node_use))
		cc = fmin(cc, f->node_use);
	*risk = fmin(1, 0.75 * cc);

	if (f->oom) {
		*risk = 1;
		sb_add(why, "the kernel is out of memory here: an OOM kill or "
		       "an allocation waiting under OOM");
		return PRED_OOM;
	}
	if (isnan(f->limit_kb)) {
		sb_add(why, "no limit_kb in the sample: nothing to judge by");
		return PRED_OK;
	}
	if (cc >= 1) {
		if (anon_peaked(f))
			sb_add(why, "anonymous memory reached %.0f%% of the limit "
			       "in the last %g s (%.0f%% now) and squeezes the "
			       "page cache: ", f->anon_max_pct, f->peak_s,
			       f->anon_pct);
		else
			sb_add(why, "anonymous memory holds %.0f%% of the limit "
			       "and squeezes the page cache: ", f->anon_max_pct);
		evidence(c, f, why);
		return PRED_NEAR;
	}
	lvl = PRED_OK;
	if (f->eta_s <= c->warn_eta_s && f->anon_grows) {
		*risk = fmax(*risk, fmin(0.74, 0.5 * c->warn_eta_s /
					       fmax(f->eta_s, 1e-3)));
		lvl = PRED_WARN;
	}
	if (f->binding && a >= 1 && s >= 1 && f->node_use < 1) {
		sb_add(why, "the page cache thrashes with MemAvailable at %.0f%% "
		       "of the node: a file set too big for the node, which a "
		       "kill would not cure", 100 - f->use_pct);
		lvl = PRED_WARN;
	} else if (f->binding && a >= 1) {
		sb_add(why, "at the limit with %.0f%% anonymous memory",
		       f->anon_max_pct);
		peak_note(f, why);
		sb_add(why, ", the page cache is reclaimed");
		if (s > 0)
			sb_add(why, " with little stall yet");
		lvl = PRED_WARN;
	} else if (cc >= 2.0 / 3) {
		sb_add(why, "pressure builds: %.0f%% anonymous", f->anon_max_pct);
		peak_note(f, why);
		sb_add(why, ", %.0f%% of the limit in use", f->use_pct);
		lvl = PRED_WARN;
	} else if (lvl == PRED_WARN) {
		sb_add(why, "available memory falls: gone in %.1f s at this "
		       "rate", f->eta_s);
	} else if (f->binding && s >= 1) {
		sb_add(why, "the page cache thrashes but anonymous memory is "
		       "only %.0f%%: a file reader too big for the limit, which "
		       "a kill would not cure", f->anon_max_pct);
	} else if (f->binding) {
		sb_add(why, "at the limit, the page cache is reclaimed without "
		       "stall");
	} else {
		sb_add(why, "fits: %.0f%% of the limit in use", f->use_pct);
	}
	if (lvl == PRED_WARN)
		*risk = fmax(*risk, 0.5);
	return lvl;
}

static void add_num(struct rec *out, const char *key, double v, int prec)
{
	if (!isnan(v) && isfinite(v))
		rec_add_fix(out, key, v, prec);
}

/* The two judgements of one sample: on every window (the shown level
 * rests on it), and on the fresh window alone (what triggers). */
struct judged {
	struct feat f, ff;
	int level, fresh;
	double risk;
	double eta_s; /* the judgement's the reason speaks for */
};

static void write_verdict(const struct rec *in, const struct sst *s,
			  const struct judged *j, const char *reason,
			  struct rec *out)
{
	const struct feat *f = &j->f;
	const char *cg = rec_get(in, "cgroup");

	rec_reset(out, "verdict");
	rec_add(out, "ts", rec_get(in, "ts"));
	rec_add(out, "scope", s->name);
	if (cg)
		rec_add(out, "cgroup", cg);
	rec_add(out, "level", pred_level_name(j->level));
	rec_add(out, "fresh", pred_level_name(j->fresh));
	rec_add_fix(out, "evidence_ts", j->ff.from_ts, 3);
	rec_add_fix(out, "risk", j->risk, 2);
	add_num(out, "eta_s", j->eta_s, 1);
	rec_add(out, "reason", reason);
	add_num(out, "avail_pct", f->avail_pct, 1);
	add_num(out, "usage_pct", f->use_pct, 1);
	add_num(out, "anon_pct", f->anon_pct, 1);
	add_num(out, "anon_max_pct", f->anon_max_pct, 1);
	add_num(out, "file_kb", f->file_kb, 0);
	add_num(out, "refault_ps", f->refault_ps, 0);
	add_num(out, "refault_pct_ps", f->refault_pct_ps, 1);
	add_num(out, "majfault_ps", f->majfault_ps, 0);
	add_num(out, "psi_io_some_pct", f->io_pct, 1);
	add_num(out, "psi_mem_some_pct", f->mem_pct, 1);
	add_num(out, "iowait_pct", f->iowait_pct, 1);
	add_num(out, "failcnt_ps", f->failcnt_ps, 0);
	add_num(out, "events_max_ps", f->ev_max_ps, 0);
	add_num(out, "allocstall_ps", f->allocstall_ps, 0);
	add_num(out, "pgscan_direct_ps", f->pgscan_direct_ps, 0);
	add_num(out, "fill_eta_s", f->fill_eta_s, 1);
}

/* A cheap sample (foom-sample(1), cheap=1) leaves out the keys of the
 * files it did not read: they are the scope's last full sample's, never
 * a counter or gauge gone to nothing. */
static void carry_forward(struct sst *s, const struct rec *in, double *g,
			  struct point *cur)
{
	const char *cheap = rec_get(in, "cheap");

	if (!cheap || strcmp(cheap, "1") != 0) {
		memcpy(s->full_g, g, sizeof s->full_g);
		memcpy(s->full_c, cur->c, sizeof s->full_c);
		s->have_full = 1;
		return;
	}
	for (int k = 0; s->have_full && k < G_N; k++)
		if (isnan(g[k]))
			g[k] = s->full_g[k];
	for (int k = 0; s->have_full && k < C_N; k++)
		if (isnan(cur->c[k]))
			cur->c[k] = s->full_c[k];
	cur->anon_kb = g[G_ANON];
	cur->avail_kb = g[G_AVAIL];
}

static struct sst *find_scope(struct pred *p, const char *name, double ts,
			      int node)
{
	struct sst *free_slot = NULL;

	for (int i = 0; i < p->max; i++) {
		struct sst *s = &p->s[i];

		if (s->used && strcmp(s->name, name) == 0)
			return s;
		if (!free_slot &&
		    (!s->used || ts - s->last_ts >
					 fmax(PRED_EXPIRE_S, 5 * s->ival_s)))
			free_slot = s;
	}
	if (free_slot)
		sst_init(free_slot, name, node);
	return free_slot;
}

/* A ts this much older than the scope's last is a duplicate or a record
 * out of order, and is skipped; further back, the wall clock was stepped
 * back (NTP steps offsets over 0.128 s), and waiting for it to pass the
 * last ts again would leave the scope unjudged for as long as the step.
 * So at most this long of samples is lost to a small step. */
#define PRED_CLOCK_BACK_S 1.0

enum restart { R_NONE, R_GAP, R_COUNTER, R_CLOCK };

enum pred_res pred_sample(struct pred *p, const struct rec *in,
			  struct rec *out, int *changed, const char **why)
{
	static char msg[PRED_NAME_MAX + 160];
	static char reason[2048], fresh_why[1024];
	static struct judged j;
	struct sbuf sb = { reason, 0, sizeof reason };
	struct sbuf fsb = { fresh_why, 0, sizeof fresh_why };
	const struct pred_cfg *c = &p->cfg;
	double g[G_N], ts, gap, frisk, back_s = 0, tick_s = 0;
	struct win w, fw;
	const char *scope;
	struct point cur;
	struct sst *s;
	int raw, raw_all, level;
	enum restart restarted = R_NONE;

	*why = msg;
	*changed = 0;
	if (strcmp(in->kind, "sample") != 0)
		return PRED_IGNORED;
	if (rec_num(in, "ts", &ts) != 1) {
		snprintf(msg, sizeof msg, "sample without a ts= number");
		return PRED_BAD;
	}
	scope = rec_get(in, "scope");
	if (!scope || !*scope) {
		snprintf(msg, sizeof msg, "sample without a scope=");
		return PRED_BAD;
	}
	if (strlen(scope) >= PRED_NAME_MAX) {
		snprintf(msg, sizeof msg, "scope longer than %d bytes",
			 PRED_NAME_MAX - 1);
		return PRED_BAD;
	}
	cur.ts = ts;
	for (int k = 0; k < G_N + C_N; k++) {
		const char *key = k < G_N ? gauge_key[k] : ctr_key[k - G_N];
		double v = NAN;

		if (rec_num(in, key, &v) < 0 || v < 0) {
			snprintf(msg, sizeof msg, "'%s' is not a number of 0 or more",
				 key);
			return PRED_BAD;
		}
		if (k < G_N)
			g[k] = v;
		else
			cur.c[k - G_N] = v;
	}
	if (rec_num(in, "tick_s", &tick_s) < 0 || tick_s < 0) {
		snprintf(msg, sizeof msg, "'tick_s' is not a number of 0 or more");
		return PRED_BAD;
	}
	tick_s = fmin(tick_s, PRED_TICK_MAX_S);
	cur.anon_kb = g[G_ANON];
	cur.avail_kb = g[G_AVAIL];

	s = find_scope(p, scope, ts, strcmp(scope, "node") == 0);
	if (!s) {
		msg[0] = '\0';
		if (p->full_warned++)
			return PRED_FULL;
		snprintf(msg, sizeof msg, "more than %d scopes at once: '%s' and "
			 "other new ones get no verdict (see --max-scopes)",
			 p->max, scope);
		return PRED_FULL;
	}
	carry_forward(s, in, g, &cur);
	if (ts <= s->last_ts && ts > s->last_ts - PRED_CLOCK_BACK_S) {
		snprintf(msg, sizeof msg, "%s: ts %.3f is not after the last "
			 "one (%.3f): sample skipped", scope, ts, s->last_ts);
		return PRED_STALE;
	}
	if (ts <= s->last_ts) {
		/* The clock went back: no rate spans the step.  A held level
		 * keeps what is left of its hold, as if no time had passed
		 * across the step. */
		back_s = s->last_ts - ts;
		for (int l = 0; l < PRED_NLEVEL; l++)
			s->seen_ts[l] -= back_s;
		sst_restart(s);
		restarted = R_CLOCK;
	}

	/* A long gap makes old points meaningless as rate references.  A
	 * wait the sampler chose (tick_s) is not a pause, and not the usual
	 * interval either: the windows that scale with the interval stay
	 * as they were, and only a delay past it is a gap. */
	gap = (c->gap_s > 0 ? c->gap_s : fmax(5 * s->ival_s, 1.0)) + tick_s;
	if (s->n && (s->ival_s > 0 || c->gap_s > 0) && ts - s->last_ts > gap) {
		sst_restart(s);
		restarted = R_GAP;
	} else if (s->n && tick_s == 0) {
		double dt = ts - s->last_ts;

		s->ival_s = s->ival_s > 0 ? 0.8 * s->ival_s + 0.2 * dt : dt;
	}
	/* A counter that went back: the cgroup or the host restarted. */
	for (int k = 0; k < C_N && s->n; k++)
		if (cur.c[k] < pt(s, 0)->c[k]) {
			sst_restart(s);
			for (int l = 0; l < PRED_NLEVEL; l++)
				s->seen_ts[l] = -INFINITY;
			restarted = R_COUNTER;
		}

	w = (struct win){
		.rate_s = c->rate_window_s,
		.peak_s = c->peak_window_s,
		.grow_s = c->grow_window_s,
		.eta_s = fmax(c->eta_window_s, 4 * s->ival_s),
		.rising_s = fmax(0.5, 2 * s->ival_s),
	};
	/* Fresh evidence: no window longer than the fresh one, so no point
	 * older than that (or than the previous sample, when samples are
	 * further apart) speaks. */
	fw = (struct win){
		.rate_s = fmin(w.rate_s, c->fresh_window_s),
		.peak_s = fmin(w.peak_s, c->fresh_window_s),
		.grow_s = fmin(w.grow_s, c->fresh_window_s),
		.eta_s = fmin(w.eta_s, c->fresh_window_s),
		.rising_s = fmin(w.rising_s, c->fresh_window_s),
	};
	features(p, s, &cur, g, &w, &j.f);
	features(p, s, &cur, g, &fw, &j.ff);
	if (!s->n || ts - pt(s, 0)->ts >= p->step_s)
		push(s, &cur);
	s->last_ts = ts;

	raw_all = raw_level(c, &j.f, &j.risk, &sb);
	j.fresh = raw_level(c, &j.ff, &frisk, &fsb);
	/* The shown level is never below the fresh one (a rise over the
	 * fresh window alone can be steeper than over the grow window). */
	raw = raw_all;
	j.eta_s = j.f.eta_s;
	if (j.fresh > raw_all) {
		raw = j.fresh;
		j.risk = fmax(j.risk, frisk);
		j.eta_s = j.ff.eta_s;
		sb.len = 0;
		sb_add(&sb, "%s", fresh_why);
	}
	for (int l = 0; l <= raw; l++)
		s->seen_ts[l] = ts;
	level = raw;
	for (int l = PRED_NLEVEL - 1; l > raw; l--)
		if (ts - s->seen_ts[l] < c->hold_s) {
			level = l;
			break;
		}
	j.level = level;
	if (level > raw) {
		sb.len = 0;
		sb_add(&sb, "held: %s %.1f s ago, kept for %g s; fresh evidence "
		       "(last %g s): %s, %s", pred_level_name(level),
		       ts - s->seen_ts[level], c->hold_s, c->fresh_window_s,
		       pred_level_name(j.fresh), fresh_why);
	} else if (j.fresh != level) {
		sb_add(&sb, "; fresh evidence (last %g s): %s, %s",
		       c->fresh_window_s, pred_level_name(j.fresh), fresh_why);
	}
	if (restarted == R_GAP)
		sb_add(&sb, "; rates restarted after a gap in the samples");
	else if (restarted == R_COUNTER)
		sb_add(&sb, "; a counter went back (a restart): history cleared");
	else if (restarted == R_CLOCK)
		sb_add(&sb, "; the clock went back %.3f s: rates restarted",
		       back_s);

	*changed = level != s->level || j.fresh != s->fresh;
	s->level = level;
	s->fresh = j.fresh;
	write_verdict(in, s, &j, reason, out);
	return PRED_VERDICT;
}
