/* SPDX-License-Identifier: MIT */
/*
 * foom-sample: print one sample record per scope per tick, the memory
 * pressure signals of the node, memory cgroups (v1, v2, hybrid) and
 * Kubernetes pods, raw from /proc and the cgroup filesystem.
 *
 * One tick and exit by default; -f follows on a drift-free schedule with
 * its files kept open, its memory locked and nothing allocated per tick,
 * so that it keeps sampling when the machine it watches is stalling.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "proc.h"
#include "rec.h"
#include "sample.h"
#include "scope.h"

/* New cgroups and pods come and go; look for them this often (-f). */
#define RESCAN_EVERY_S 10.0
/* A scope list larger than this is a runaway walk, not a node. */
#define MAX_SCOPES 4096
/* How deep --cgroups looks for limited cgroups. */
#define CGROUP_MAX_DEPTH 16
/* Pods sit at most this deep (kubepods.slice/.../pod.slice, or under a
 * kubelet's own prefix). */
#define POD_MAX_DEPTH 5

/* While every scope is far from its limit a tick may wait this long by
 * default (--idle-max): earlyoom's longest poll, and the span of the
 * predictor's rate and fresh windows, so a rate still has a point of
 * its own window behind it. */
#define IDLE_MAX_S 1.0

static struct {
	int follow, all_cgroups, pods, have_ts;
	double interval_s, ts, idle_max_s;
	long count;
	char **scopes; /* -s operands, as many as argv holds */
	int nscopes;
} opt = { .interval_s = 1.0, .idle_max_s = IDLE_MAX_S };

static struct {
	struct sampler **s;
	int n;
} tab;

static struct cg_root cg;
static int cg_ok, procfd;
static struct rec rec;

enum { OPT_CGROUPS = 0x100, OPT_PODS, OPT_TS, OPT_IDLE_MAX };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Scopes:", 1 },
	{ "scope", 's', "SCOPE", 0,
	  "Sample SCOPE: node, cgroup:/path or pod:namespace/name "
	  "(repeatable; default node)", 0 },
	{ "cgroups", OPT_CGROUPS, NULL, 0,
	  "Every memory cgroup that has a limit of its own", 0 },
	{ "pods", OPT_PODS, NULL, 0, "Every Kubernetes pod on the node", 0 },
	{ NULL, 0, NULL, 0, "Ticks:", 2 },
	{ "follow", 'f', NULL, 0, "Keep sampling, one tick every interval", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "Seconds between ticks (default 1, at least 0.05)", 0 },
	{ "idle-max", OPT_IDLE_MAX, "SECONDS", 0,
	  "While every scope is far from its limit, wait up to SECONDS "
	  "between ticks (default 1; 0: every tick at the interval)", 0 },
	{ "count", 'c', "N", 0, "Stop after N ticks (implies -f)", 0 },
	{ "ts", OPT_TS, "SECONDS", 0,
	  "Stamp the one tick with this time (replaying a recorded tree)", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct scope sc;
	char err[PATH_MAX + 128];

	switch (key) {
	case 's':
		if (scope_parse(arg, &sc, err, sizeof err) < 0)
			argp_error(state, "%s", err);
		opt.scopes[opt.nscopes++] = arg;
		break;
	case OPT_CGROUPS: opt.all_cgroups = 1; break;
	case OPT_PODS: opt.pods = 1; break;
	case 'f': opt.follow = 1; break;
	case 'i':
		if (msg_parse_double(arg, 0.05, 86400, &opt.interval_s) < 0)
			argp_error(state, "bad interval '%s' (seconds, 0.05 to 86400)", arg);
		break;
	case OPT_IDLE_MAX:
		if (msg_parse_double(arg, 0, 86400, &opt.idle_max_s) < 0)
			argp_error(state, "bad idle wait '%s' (seconds, 0 to 86400)", arg);
		break;
	case 'c':
		if (msg_parse_long(arg, 1, 1000000000L, &opt.count) < 0)
			argp_error(state, "bad count '%s' (a whole number from 1)", arg);
		opt.follow = 1;
		break;
	case OPT_TS:
		if (msg_parse_double(arg, 0, 1e11, &opt.ts) < 0)
			argp_error(state, "bad time '%s' (seconds since the epoch)", arg);
		opt.have_ts = 1;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected operand '%s' (scopes go with -s)", arg);
		break;
	case ARGP_KEY_END:
		if (opt.have_ts && opt.follow)
			argp_error(state, "--ts stamps one tick: not with -f or -c");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static double now(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static struct sampler *find(const char *name)
{
	for (int i = 0; i < tab.n; i++)
		if (strcmp(tab.s[i]->sc.name, name) == 0)
			return tab.s[i];
	return NULL;
}

/* Open a sampler for sc and add it; NULL when its files are not there. */
static struct sampler *add(const struct scope *sc)
{
	struct sampler *s;

	if (tab.n == MAX_SCOPES) {
		msg_warnx("more than %d scopes: '%s' and later ones left out",
			  MAX_SCOPES, sc->name);
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s)) ||
	    !(tab.s = realloc(tab.s, (tab.n + 1) * sizeof *tab.s)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	s->sc = *sc;
	if (sample_open(s, &cg, procfd) < 0) {
		free(s);
		return NULL;
	}
	s->seen = 1;
	s->cheap_ok = opt.follow; /* one tick alone is always whole */
	s->tick_s = 0;
	tab.s[tab.n++] = s;
	return s;
}

/* How many intervals the next tick may wait: more than one only when
 * every scope's gate found it far from its limit (sample.h). */
static long long idle_slots(void)
{
	double wait_s = opt.idle_max_s;

	for (int i = 0; i < tab.n && wait_s > 0; i++)
		if (tab.s[i]->gate.wait_s < wait_s)
			wait_s = tab.s[i]->gate.wait_s;
	/* whole intervals (wait_s is 0 or more); a wait a hair under a
	 * whole number of them is that number: 1 s of 0.1 s ticks sums to
	 * 0.999... */
	wait_s = wait_s / opt.interval_s + 1e-6;
	return wait_s >= 2 ? (long long)wait_s : 1;
}

static void drop(int i)
{
	sample_close(tab.s[i]);
	free(tab.s[i]);
	tab.s[i] = tab.s[--tab.n];
}

/* A discovered scope: still there, or new. */
static void keep(const struct scope *sc)
{
	struct sampler *s = find(sc->name);

	if (s)
		s->seen = 1;
	else
		add(sc);
}

/* v1 prints "no limit" as a huge number; v2 as "max". */
static int has_limit(const char *path, enum cg_ver ver)
{
	char p[PATH_MAX + 32], b[64];
	int fd = ver == CG_V1 ? cg.v1fd : cg.v2fd;

	snprintf(p, sizeof p, "%s/%s", cg_rel(path),
		 ver == CG_V1 ? "memory.limit_in_bytes" : "memory.max");
	if (proc_read_at(fd, p, b, sizeof b) <= 0 || strncmp(b, "max", 3) == 0)
		return 0;
	return strtoll(b, NULL, 10) / 1024 < (1LL << 50);
}

static int on_cgroup(void *ctx, const char *path, enum cg_ver ver)
{
	struct scope sc = { .kind = SCOPE_CGROUP };

	(void)ctx;
	if (strcmp(path, "/") == 0 || !has_limit(path, ver))
		return 0;
	snprintf(sc.cgroup, sizeof sc.cgroup, "%s", path);
	snprintf(sc.name, sizeof sc.name, "cgroup:%s", path);
	keep(&sc);
	return 0;
}

static int on_pod(void *ctx, const char *path, enum cg_ver ver)
{
	struct scope sc = { .kind = SCOPE_POD };

	(void)ctx;
	(void)ver;
	if (scope_pod_uid(path, sc.uid, sizeof sc.uid) != strlen(path))
		return 0;
	snprintf(sc.cgroup, sizeof sc.cgroup, "%s", path);
	if (scope_pod_name(sc.uid, sc.ns, sizeof sc.ns, sc.pod, sizeof sc.pod) == 0) {
		snprintf(sc.name, sizeof sc.name, "pod:%s/%s", sc.ns, sc.pod);
	} else {
		/* a pod the kubelet has no log directory for: by its path */
		sc.kind = SCOPE_CGROUP;
		snprintf(sc.name, sizeof sc.name, "cgroup:%s", path);
	}
	keep(&sc);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct sampler *const *)a)->sc.name,
		      (*(struct sampler *const *)b)->sc.name);
}

/* (Re)discover --cgroups and --pods scopes; drop the ones that left.
 * They are printed sorted by name, whatever order readdir gives. */
static void discover(int nfixed)
{
	if (!cg_ok)
		return;
	for (int i = nfixed; i < tab.n; i++)
		tab.s[i]->seen = 0;
	if (opt.all_cgroups)
		scope_walk(&cg, "/", CGROUP_MAX_DEPTH, on_cgroup, NULL);
	if (opt.pods)
		scope_walk(&cg, "/", POD_MAX_DEPTH, on_pod, NULL);
	for (int i = tab.n - 1; i >= nfixed; i--)
		if (!tab.s[i]->seen)
			drop(i);
	if (tab.n - nfixed > 1)
		qsort(tab.s + nfixed, tab.n - nfixed, sizeof *tab.s, by_name);
}

/* The explicit scopes; a missing one is fatal once, a warning in -f. */
static int open_fixed(void)
{
	char err[PATH_MAX * 2];
	int status = EXIT_OK;

	if (opt.nscopes == 0 && !opt.all_cgroups && !opt.pods)
		opt.scopes[opt.nscopes++] = "node";
	for (int i = 0; i < opt.nscopes; i++) {
		struct scope sc;

		scope_parse(opt.scopes[i], &sc, err, sizeof err);
		if (sc.kind != SCOPE_NODE && !cg_ok) {
			msg_warn("%s: cannot open a memory cgroup hierarchy under '%s'",
				 sc.name, cg.path);
			status = EXIT_SYSTEM;
			continue;
		}
		if (find(sc.name))
			continue;
		if (scope_resolve(&cg, &sc, err, sizeof err) < 0 || !add(&sc)) {
			if (!err[0])
				snprintf(err, sizeof err, "no memory cgroup '%s'", sc.cgroup);
			msg_warnx("%s: %s", sc.name, err);
			status = EXIT_SYSTEM;
		}
		err[0] = '\0';
	}
	return status;
}

int main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &scope_roots_argp, 0, NULL, 0 }, { &rec_argp, 0, NULL, 0 }, { 0 }
	};
	static const struct argp argp = {
		options, parse_opt, "",
		"Print memory-pressure samples of the node, cgroups and pods.\v"
		"Status 1: --cgroups or --pods found nothing to sample. "
		"A scope that does not exist is status 3 (a warning with -f). "
		MSG_EXIT_DOC,
		children, NULL, NULL
	};
	int status, nfixed;
	long ticks = 0;
	long long slots;
	double start, next, last_scan;

	msg_init("foom-sample");
	if (!(opt.scopes = calloc(argc + 1, sizeof *opt.scopes)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);

	procfd = proc_open_root(proc_root(scope_roots.proc));
	cg_ok = cg_open(&cg, cg_root_path(scope_roots.cgroup)) == 0;
	sample_open_node(procfd);
	status = open_fixed();
	if (status && !opt.follow)
		return status;
	nfixed = tab.n;
	discover(nfixed);
	if (tab.n == 0)
		return status ? status : EXIT_NONE;
	if (opt.follow) {
		/* every path runs on every tick: lock pages as touched,
		 * foom's own all at once */
		proc_harden_exe();
		proc_watch_parent();
		/* one write a tick: the buffer holds a tick's records and
		 * rec_flush() empties it at the end of each */
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	}

	start = next = last_scan = now(CLOCK_MONOTONIC);
	for (;;) {
		double ts = opt.have_ts ? opt.ts : now(CLOCK_REALTIME);

		sample_tick();
		for (int i = 0; i < tab.n; i++) {
			if (sample_read(tab.s[i], &rec, ts) < 0) {
				msg_warnx("%s: its cgroup is gone: dropped",
					  tab.s[i]->sc.name);
				if (!opt.follow)
					status = EXIT_SYSTEM;
				if (i < nfixed)
					nfixed--;
				drop(i--);
				continue;
			}
			rec_write(&rec);
		}
		rec_flush();
		if (!opt.follow || (opt.count && ++ticks >= opt.count))
			break;
		/* drift-free: ticks stay on start + k * interval; an idle
		 * tick waits whole intervals, and a tick that overran skips
		 * the slots it missed (the next tick is then not a chosen
		 * wait) */
		slots = idle_slots();
		next += opt.interval_s * (double)slots;
		if (now(CLOCK_MONOTONIC) > next) {
			next = start + opt.interval_s *
				       (double)(long long)((now(CLOCK_MONOTONIC) - start) /
							   opt.interval_s + 1);
			slots = 1;
		}
		for (int i = 0; i < tab.n; i++)
			tab.s[i]->tick_s = slots > 1 ? opt.interval_s * (double)slots : 0;
		{
			struct timespec t = { (time_t)next,
					      (long)((next - (time_t)next) * 1e9) };

			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t,
					       NULL) == EINTR)
				;
		}
		if ((opt.all_cgroups || opt.pods) &&
		    now(CLOCK_MONOTONIC) - last_scan >= RESCAN_EVERY_S) {
			discover(nfixed);
			last_scan = now(CLOCK_MONOTONIC);
		}
	}
	return status;
}
