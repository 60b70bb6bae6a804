/* SPDX-License-Identifier: MIT */
/*
 * foom-rank: the kill candidates of a scope, best victim first, as
 * victim records.  Alone it ranks one scope (-s, the node by default);
 * with -f it reads foom-predict's verdicts and ranks a verdict's scope
 * each time its level reaches the trigger, for foom-kill to act on.
 * The operator's rules say who must never die, who dies first and who
 * last; the score (the kernel's oom_score, RSS, or growth) orders the
 * rest.  It reads /proc and the cgroup tree, and kills nothing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cg.h"
#include "guard.h"
#include "msg.h"
#include "pol.h"
#include "proc.h"
#include "rec.h"
#include "scope.h"

/* The most the tables grow to: more processes than any one node runs
 * (a busy Kubernetes node holds a few thousand); they are sized to the
 * node's, about 200 bytes a process. */
#define MAX_PROCS_DEFAULT 32768
/* How often -f counts the node's processes to fit the tables to them,
 * between verdicts: a node's count moves over minutes. */
#define FIT_EVERY_S 10.0

/* Scopes whose "no candidate" was said in the episode at hand; a scope
 * past this many is warned about on every verdict, as before. */
#define QUIET_SCOPES 64

enum { OPT_BY = 0x100, OPT_TRIGGER, OPT_PASS, OPT_PREFER, OPT_AVOID,
       OPT_MAX_PROCS };

static const char *const levels[] = { "ok", "warn", "near-oom", "oom" };

static struct {
	int follow, pass, trigger, top, max_procs;
	double delay_s;
	enum pol_by by;
	const char *scope;
	char **files;
	int nfiles;
} o = { .trigger = 2, .top = -1, .max_procs = MAX_PROCS_DEFAULT,
	.delay_s = -1 };

static struct pol_rank *rk;
static struct rec in, out;
static struct cg_root cg;
static int have_cg, bad;
static double fit_at; /* CLOCK_MONOTONIC of the last pol_rank_fit */
/* The scopes told "no candidate" since their level last fell below the
 * trigger: said once an episode, not ten times a second. */
static unsigned long long quiet[QUIET_SCOPES]; /* by a hash of the name */
static int nquiet;

static int level_of(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (strcmp(s, levels[i]) == 0)
			return i;
	return -1;
}

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Print the first k victims of the last scan; how many were printed. */
static int emit(const struct scope *sc, int k, const char *trigger_ts,
		const char *evidence_ts)
{
	struct pol_victim v;
	double ts = now_s(CLOCK_REALTIME);
	int n = 0;

	while ((k <= 0 || n < k) && pol_next(rk, &v)) {
		rec_reset(&out, "victim");
		rec_add_ts(&out, "ts", ts);
		rec_add(&out, "scope", sc->name);
		rec_add_ll(&out, "rank", ++n);
		rec_add_ll(&out, "pid", v.pid);
		rec_addf(&out, "start", "%llu", v.start_ticks);
		rec_add_ll(&out, "pgid", v.pgid);
		rec_add(&out, "comm", v.comm);
		if (v.cmdline)
			rec_add(&out, "cmdline", v.cmdline);
		if (v.user)
			rec_add(&out, "user", v.user);
		if (v.cgroup)
			rec_add(&out, "cgroup", v.cgroup);
		if (v.pod) {
			rec_add(&out, "pod", v.pod);
			rec_add(&out, "namespace", v.ns);
		}
		rec_add_ll(&out, "rss_kb", v.rss_kb);
		if (v.swap_kb >= 0)
			rec_add_ll(&out, "swap_kb", v.swap_kb);
		rec_add_ll(&out, "oom_score", v.oom_score);
		rec_add_ll(&out, "oom_score_adj", v.oom_score_adj);
		if (v.has_score)
			rec_add_fix(&out, "score", v.score,
				    o.by == POL_BY_GROWTH ? 1 : 0);
		if (v.has_growth)
			rec_add_fix(&out, "growth_kbps", v.growth_kbps, 1);
		rec_add(&out, "rule", v.rule);
		if (trigger_ts)
			rec_add(&out, "trigger_ts", trigger_ts);
		if (evidence_ts)
			rec_add(&out, "evidence_ts", evidence_ts);
		rec_write(&out);
	}
	return n;
}

static unsigned long long hash(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static int quiet_find(const char *scope)
{
	unsigned long long h = hash(scope);

	for (int i = 0; i < nquiet; i++)
		if (quiet[i] == h)
			return i;
	return -1;
}

static void quiet_end(int q)
{
	if (q >= 0)
		quiet[q] = quiet[--nquiet];
}

/* What a scan left out, said: a candidate may be among it. */
static void warn_cut(const struct scope *sc, const struct pol_cut *cut)
{
	if (cut->dropped)
		msg_warnx("more than %d processes in '%s': %d not ranked "
			  "(see --max-procs)", cut->cap, sc->name, cut->dropped);
	if (cut->cg.deep)
		msg_warnx("%s: %d cgroups more than %d levels below its own: "
			  "their processes not ranked", sc->name, cut->cg.deep,
			  CG_PROCS_MAX_DEPTH);
	if (cut->cg.many)
		msg_warnx("%s: more than %d cgroups: the processes of %d more "
			  "not ranked", sc->name, CG_PROCS_MAX_CGROUPS, cut->cg.many);
	if (cut->cg.bad)
		msg_warnx("%s: %d lines of its cgroup.procs files are not a "
			  "PID: skipped", sc->name, cut->cg.bad);
}

/* The tables fitted to the node, once the victims at hand are out. */
static void fit(int now)
{
	double t = now_s(CLOCK_MONOTONIC);

	if (!now && t - fit_at < FIT_EVERY_S)
		return;
	fit_at = t;
	if (pol_rank_fit(rk) < 0)
		msg_warn("cannot grow the tables to the node's processes");
}

/* Rank and print; "no candidate" once an episode. */
static void rank(const struct scope *sc, double t, const char *ts,
		 const char *evidence_ts)
{
	struct pol_cut cut;
	int q = quiet_find(sc->name);

	if (pol_scan(rk, sc, t, &cut) < 0) {
		msg_warn("cannot list '%s'", proc_root(scope_roots.proc));
		return;
	}
	warn_cut(sc, &cut);
	if (emit(sc, o.top < 0 ? 1 : o.top, ts, evidence_ts) > 0) {
		quiet_end(q);
	} else if (q < 0) {
		msg_warnx("no candidate in '%s' (said once until its level "
			  "falls below the trigger)", sc->name);
		if (nquiet < QUIET_SCOPES)
			quiet[nquiet++] = hash(sc->name);
	}
	fit(cut.dropped > 0); /* the victims are out */
}

/* A verdict: rank its scope when it reaches the trigger. */
static void on_verdict(const struct rec_src *src)
{
	struct scope sc;
	const char *lv, *s, *cgv, *ts, *fresh, *why;
	char err[PATH_MAX + 128];
	double t;
	int level;

	lv = rec_get(&in, "level");
	fresh = rec_get(&in, "fresh");
	s = rec_get(&in, "scope");
	ts = rec_get(&in, "ts");
	level = level_of(fresh ? fresh : lv);
	why = level_of(lv) < 0 ? "no level ok, warn, near-oom or oom" :
	      fresh && level < 0 ? "fresh is not ok, warn, near-oom or oom" :
	      !s ? "no scope" :
	      rec_is_cut(&in, "scope") ? "its scope was cut: not ranked" :
	      rec_num(&in, "ts", &t) != 1 ? "no ts" : NULL;
	if (why) {
		msg_warnx("%s:%ld: bad verdict: %s", src->name, src->lineno, why);
		bad = 1;
		return;
	}
	if (level < o.trigger) {
		quiet_end(quiet_find(s)); /* the episode is over */
		return;
	}
	if (scope_parse(s, &sc, err, sizeof err) < 0) {
		msg_warnx("%s:%ld: %s", src->name, src->lineno, err);
		bad = 1;
		return;
	}
	/* A pod verdict carries its cgroup; otherwise look the pod up. */
	cgv = rec_get(&in, "cgroup");
	if (sc.kind == SCOPE_POD &&
	    (cgv ? cg_normalize(cgv, sc.cgroup, sizeof sc.cgroup) :
		  scope_resolve(&cg, &sc, err, sizeof err)) < 0) {
		msg_warnx("%s:%ld: %s", src->name, src->lineno,
			  cgv ? "bad cgroup= in a pod verdict" : err);
		bad = 1;
		return;
	}
	rank(&sc, t, ts, rec_get(&in, "evidence_ts"));
}

/* -f: one input line.  A verdict whose fresh evidence (fresh=, else
 * level=) reaches the trigger ranks its scope: a level only held by
 * the predictor's hysteresis never does.  With --pass every record goes
 * through first. */
static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	(void)ctx;
	switch (rec_parse_line(&in, line, len, src)) {
	case 1: return 0;
	case -1: bad = 1; return 0;
	}
	if (o.pass)
		rec_write(&in);
	if (strcmp(in.kind, "verdict") == 0)
		on_verdict(src);
	fit(0);
	return 0;
}

static void add_rule(enum rule_action a, const char *spec,
		     struct argp_state *state)
{
	struct rules *rs = guard_rules();
	char err[8192];
	int rc;

	if (!rs)
		msg_err(EXIT_SYSTEM, "out of memory");
	rc = rules_add_option(rs, a, spec, err, sizeof err);
	if (rc == -2)
		msg_err(EXIT_SYSTEM, "out of memory");
	if (rc < 0)
		argp_failure(state, EXIT_USAGE, 0, "%s", err);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	long n;

	switch (key) {
	case 's': o.scope = arg; break;
	case 'k':
		if (msg_parse_long(arg, 1, 1L << 30, &n) < 0)
			argp_error(state, "-k wants a count of at least 1, not '%s'", arg);
		o.top = (int)n;
		break;
	case OPT_BY:
		if (strcmp(arg, "oom_score") == 0)
			o.by = POL_BY_OOM_SCORE;
		else if (strcmp(arg, "rss") == 0)
			o.by = POL_BY_RSS;
		else if (strcmp(arg, "growth") == 0)
			o.by = POL_BY_GROWTH;
		else
			argp_error(state, "--by wants oom_score, rss or growth, not '%s'", arg);
		break;
	case 'd':
		if (msg_parse_double(arg, 0.001, 3600, &o.delay_s) < 0)
			argp_error(state, "-d wants seconds in [0.001, 3600], not '%s'", arg);
		break;
	case OPT_MAX_PROCS:
		if (msg_parse_long(arg, 1, 4194304, &n) < 0)
			argp_error(state, "--max-procs wants a count in [1, 4194304], not '%s'", arg);
		o.max_procs = (int)n;
		break;
	case OPT_PREFER: add_rule(RULE_PREFER, arg, state); break;
	case OPT_AVOID: add_rule(RULE_AVOID, arg, state); break;
	case 'f': o.follow = 1; break;
	case OPT_TRIGGER:
		if ((o.trigger = level_of(arg)) < 0)
			argp_error(state, "--trigger wants ok, warn, near-oom or oom, not '%s'", arg);
		o.trigger += 10; /* set by hand; see ARGP_KEY_END */
		break;
	case OPT_PASS: o.pass = 1; break;
	case ARGP_KEY_ARGS:
		o.files = state->argv + state->next;
		o.nfiles = state->argc - state->next;
		break;
	case ARGP_KEY_END:
		if (o.follow && o.scope)
			argp_error(state, "-s is for one-shot ranking; with -f the scope is each verdict's");
		if (o.follow && o.delay_s >= 0)
			argp_error(state, "-d is for one-shot ranking; with -f growth is measured between triggers");
		if (!o.follow && (o.pass || o.trigger >= 10 || o.nfiles))
			argp_error(state, "%s needs -f", o.pass ? "--pass" :
				   o.nfiles ? "reading verdict files" : "--trigger");
		if (!o.follow && o.by == POL_BY_GROWTH && o.delay_s < 0)
			argp_error(state, "--by growth needs -d SECONDS (or -f)");
		if (o.trigger >= 10)
			o.trigger -= 10;
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* One-shot: a scan; when the scope holds more processes than the tables
 * were sized for, and refit is set, once more in tables fitted to the
 * node.  Exits when the processes cannot be listed. */
static void scan_once(const struct scope *sc, struct pol_cut *cut, int refit)
{
	int again = 1;

	do {
		if (pol_scan(rk, sc, now_s(CLOCK_MONOTONIC), cut) < 0)
			msg_err(EXIT_SYSTEM, "cannot list '%s'",
				proc_root(scope_roots.proc));
		again = again && refit && cut->dropped && cut->cap < o.max_procs &&
			pol_rank_fit(rk) == 0;
		if (again)
			refit = 0;
	} while (again);
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ NULL, 0, NULL, 0, "Ranking:", 1 },
		{ "scope", 's', "SCOPE", 0,
		  "Rank node (the default), cgroup:/path or pod:namespace/name", 0 },
		{ "top", 'k', "N", 0,
		  "Print the first N victims (default: all; 1 with -f)", 0 },
		{ "by", OPT_BY, "SCORE", 0,
		  "Order by oom_score (default), rss or growth", 0 },
		{ "delay", 'd', "SECONDS", 0,
		  "Scan twice, SECONDS apart, for growth_kbps", 0 },
		{ "max-procs", OPT_MAX_PROCS, "N", 0,
		  "The most processes the tables grow to (default 32768)", 0 },
		{ NULL, 0, NULL, 0, "Order (FIELD=REGEX as for --protect):", 2 },
		{ "prefer", OPT_PREFER, "FIELD=REGEX", 0,
		  "Before every unmatched candidate", 0 },
		{ "avoid", OPT_AVOID, "FIELD=REGEX", 0,
		  "After every unmatched candidate", 0 },
		{ NULL, 0, NULL, 0, "Following verdicts:", 3 },
		{ "follow", 'f', NULL, 0,
		  "Read verdicts (FILEs, - or stdin); rank a verdict's scope at "
		  "the trigger", 0 },
		{ "trigger", OPT_TRIGGER, "LEVEL", 0,
		  "The level of fresh evidence that ranks: ok, warn, near-oom "
		  "(default) or oom", 0 },
		{ "pass", OPT_PASS, NULL, 0,
		  "Copy every input record through, in order", 0 },
		{ 0 }
	};
	static const struct argp_child children[] = {
		{ &guard_argp, 0, NULL, 0 },
		{ &scope_roots_argp, 0, NULL, 0 },
		{ &rec_argp, 0, NULL, 0 },
		{ 0 }
	};
	static const struct argp argp = {
		options, parse_opt, "[FILE...]",
		"Print the kill candidates of a scope, best victim first.\v"
		MSG_EXIT_DOC " 1: no candidate.",
		children, NULL, NULL
	};
	struct pol_opt po = { 0 };
	struct scope sc;
	char err[PATH_MAX + 128];
	struct pol_cut cut;
	int status, n;

	msg_init("foom-rank");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	po.procfd = proc_open_root(proc_root(scope_roots.proc));
	have_cg = cg_open(&cg, cg_root_path(scope_roots.cgroup)) == 0;
	po.cg = have_cg ? &cg : NULL;
	po.rules = guard_opts.rules;
	if (!(po.pw = pw_load(guard_opts.passwd)))
		msg_err(EXIT_SYSTEM, "cannot read '%s'",
			guard_opts.passwd ? guard_opts.passwd : "/etc/passwd");
	po.by = o.by;
	po.allow_pid1 = guard_opts.allow_pid1;
	po.max_procs = o.max_procs;
	po.growth = o.by == POL_BY_GROWTH || o.delay_s >= 0;
	po.keep_fds = o.follow || o.delay_s >= 0;

	if (o.follow) {
		proc_harden_exe();
		proc_watch_parent();
		if (!(rk = pol_rank_new(&po)))
			msg_err(EXIT_SYSTEM, "cannot set up for %d processes",
				o.max_procs);
		pol_warm(rk);
		fit_at = now_s(CLOCK_MONOTONIC);
		rec_out.flush_each = 1;
		status = rec_loop(o.files, o.nfiles, on_line, NULL);
		rec_flush();
		return status ? status : bad ? EXIT_USAGE : EXIT_OK;
	}

	if (scope_parse(o.scope ? o.scope : "node", &sc, err, sizeof err) < 0)
		msg_errx(EXIT_USAGE, "%s", err);
	if (sc.kind != SCOPE_NODE && !have_cg)
		msg_err(EXIT_SYSTEM, "cannot open the cgroup root '%s'",
			cg_root_path(scope_roots.cgroup));
	if (scope_resolve(&cg, &sc, err, sizeof err) < 0)
		msg_errx(EXIT_USAGE, "%s", err);
	po.small = sc.kind != SCOPE_NODE; /* grown if the scope needs it */
	if (!(rk = pol_rank_new(&po)))
		msg_err(EXIT_SYSTEM, "cannot set up for %d processes", o.max_procs);
	if (o.delay_s >= 0) {
		struct timespec d = { (time_t)o.delay_s,
				      (long)((o.delay_s - floor(o.delay_s)) * 1e9) };

		/* fitted before the baseline, so both scans see the same */
		scan_once(&sc, &cut, 1);
		while (nanosleep(&d, &d) < 0 && errno == EINTR)
			;
	}
	scan_once(&sc, &cut, o.delay_s < 0);
	warn_cut(&sc, &cut);
	n = emit(&sc, o.top, NULL, NULL);
	rec_flush();
	return n ? EXIT_OK : EXIT_NONE;
}
