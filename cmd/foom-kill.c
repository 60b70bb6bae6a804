/* SPDX-License-Identifier: MIT */
/*
 * foom-kill: kill the processes named by PID[:START] operands or, with
 * -f, by foom-rank's victim records, and print a kill record for each:
 * what was killed and how, what it freed, or why it was not.
 *
 * Every kill goes through a pidfd and a start-time check against
 * /proc/PID/stat, so a recycled PID is never signalled; PID 1, kernel
 * threads, foom-kill itself and its process group and processes with
 * oom_score_adj -1000 are refused whatever the input says.  Following a
 * stream it locks its memory, allocates nothing per record and never
 * forks (hooks, when asked for, are the only exception, and no kill
 * waits for one beyond --pre-hook-wait).  The log and
 * syslog get each record before stdout, and stdout, whose reader may
 * stall or go away, never holds up a kill (lib/kout.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "audit.h"
#include "guard.h"
#include "hook.h"
#include "kill.h"
#include "kout.h"
#include "msg.h"
#include "proc.h"
#include "rec.h"
#include "scope.h"

/* One foom-kill -f kills on a host at a time: two pipelines deciding
 * on their own would kill twice for one squeeze. */
#define LOCK_DEFAULT "/run/foom-kill.lock"
/* A SIGKILLed process whose memory process_mrelease reaped exits within
 * milliseconds; one stuck in uninterruptible sleep (NFS, FUSE) is
 * reported as a timeout instead of holding up the stream. */
#define WAIT_S 5
/* Long enough for a large victim's memory to come back and for the next
 * samples (foom-sample -f ticks every second) to show it; short enough
 * that a second kill follows when the first freed too little. */
#define COOLDOWN_S 3
/* A hook still running after this long is killed (it runs beside the
 * kills, and a hook that hangs must not pile up). */
#define HOOK_TIMEOUT_S 5
/* How long a kill waits for its pre-hook at most: enough for a local
 * "back off" call to answer on a healthy host, short beside the seconds
 * a near-OOM stall takes to turn into a livelock; the hook runs on
 * after it, the kill does not wait longer. */
#define PRE_HOOK_WAIT_S 0.2
/* The most --pre-hook-wait may be: past a second the pre-hook would be
 * the critical path again. */
#define PRE_HOOK_WAIT_MAX_S 1

/* The latest evidence_ts taken as a time, seconds since the epoch (the
 * year 5138): a bound against values no clock gives. */
#define EVIDENCE_TS_MAX 1e11

enum {
	OPT_CGROUP = 0x100, OPT_SIGNAL, OPT_GRACE, OPT_WAIT, OPT_COOLDOWN,
	OPT_PASS, OPT_PRE_HOOK, OPT_POST_HOOK, OPT_HOOK_TIMEOUT, OPT_LOG,
	OPT_SYSLOG, OPT_PRE_HOOK_WAIT, OPT_LOCK,
};

static struct kill_conf conf = {
	.sig = SIGKILL,
	.wait_s = WAIT_S,
	.cooldown_s = COOLDOWN_S,
	.hook_timeout_s = HOOK_TIMEOUT_S,
	.pre_hook_wait_s = PRE_HOOK_WAIT_S,
};
static int follow, pass, verbose, use_syslog, signal_given;
static const char *logpath, *lockpath;
static struct rec in, out;
static struct kill_report rep;
static int asked, done, bad, syserr;
static char **operands;
static int noperands;

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Input:", 1 },
	{ "follow", 'f', NULL, 0,
	  "Read victim records (stdin or FILEs) and kill each as it comes", 0 },
	{ "pass", OPT_PASS, NULL, 0,
	  "With -f, copy every input record to the output, each victim "
	  "before its kill record (one held back: once a cooldown)", 0 },
	{ NULL, 0, NULL, 0, "Killing:", 2 },
	{ "group", 'g', NULL, 0, "Kill the victim's whole process group", 0 },
	{ "cgroup", OPT_CGROUP, NULL, 0,
	  "Kill every process of the victim's memory cgroup", 0 },
	{ "signal", OPT_SIGNAL, "SIG", 0, "Send SIG (name or number; "
	  "default KILL)", 0 },
	{ "grace", OPT_GRACE, "SECONDS", 0,
	  "Send TERM first, KILL when still alive after SECONDS", 0 },
	{ "wait", OPT_WAIT, "SECONDS", 0,
	  "Wait this long for the exit (default 5; 0: do not wait)", 0 },
	{ "cooldown", OPT_COOLDOWN, "SECONDS", 0,
	  "With -f, after a kill in a scope, hold the next victims of it, its "
	  "ancestors and descendants back this long, or until fresh "
	  "evidence_ts after the exit (default 3; 0: none)", 0 },
	{ "dry-run", 'n', NULL, 0, "Do everything but the signal", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Also print victims held back by the cooldown, once a cooldown", 0 },
	{ NULL, 0, NULL, 0, "Hooks (the only thing that forks):", 3 },
	{ "pre-hook", OPT_PRE_HOOK, "CMD", 0,
	  "Run CMD with sh -c before the signal, FOOM_* in its environment",
	  0 },
	{ "pre-hook-wait", OPT_PRE_HOOK_WAIT, "SECONDS", 0,
	  "Wait at most SECONDS for the pre-hook before the signal "
	  "(default 0.2, at most 1)", 0 },
	{ "post-hook", OPT_POST_HOOK, "CMD", 0,
	  "Run CMD after the kill record is out, not waited for", 0 },
	{ "hook-timeout", OPT_HOOK_TIMEOUT, "SECONDS", 0,
	  "Kill a hook still running after SECONDS (default 5)", 0 },
	{ NULL, 0, NULL, 0, "Audit trail:", 4 },
	{ "log", OPT_LOG, "FILE", 0,
	  "Append every kill record to FILE (logfmt, one write a record)", 0 },
	{ "syslog", OPT_SYSLOG, NULL, 0,
	  "Send every kill record to syslog (daemon facility)", 0 },
	{ "lock", OPT_LOCK, "FILE", 0,
	  "With -f, hold FILE locked: a second foom-kill -f on the host is "
	  "refused (default $FOOM_KILL_LOCK, else " LOCK_DEFAULT ")", 0 },
	{ 0 }
};

static double seconds(const char *arg, struct argp_state *state,
		      const char *opt)
{
	double v;

	if (msg_parse_double(arg, 0, 86400, &v) < 0)
		argp_error(state, "%s: '%s' is not a number of seconds "
			   "(0 to 86400)", opt, arg);
	return v;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'f': follow = 1; break;
	case OPT_PASS: pass = 1; break;
	case 'g': conf.what = KILL_GROUP; break;
	case OPT_CGROUP: conf.what = KILL_CGROUP; break;
	case OPT_SIGNAL:
		if ((conf.sig = kill_parse_signal(arg)) < 0)
			argp_error(state, "--signal: '%s' is not a signal", arg);
		signal_given = 1;
		break;
	case OPT_GRACE: conf.grace_s = seconds(arg, state, "--grace"); break;
	case OPT_WAIT: conf.wait_s = seconds(arg, state, "--wait"); break;
	case OPT_COOLDOWN:
		conf.cooldown_s = seconds(arg, state, "--cooldown");
		break;
	case 'n': conf.dry_run = 1; break;
	case 'v': verbose = 1; break;
	case OPT_PRE_HOOK: conf.pre_hook = arg; break;
	case OPT_POST_HOOK: conf.post_hook = arg; break;
	case OPT_HOOK_TIMEOUT:
		conf.hook_timeout_s = seconds(arg, state, "--hook-timeout");
		break;
	case OPT_PRE_HOOK_WAIT:
		if (msg_parse_double(arg, 0, PRE_HOOK_WAIT_MAX_S,
				     &conf.pre_hook_wait_s) < 0)
			argp_error(state, "--pre-hook-wait: '%s' is not a "
				   "number of seconds (0 to %d)", arg,
				   PRE_HOOK_WAIT_MAX_S);
		break;
	case OPT_LOG: logpath = arg; break;
	case OPT_SYSLOG: use_syslog = 1; break;
	case OPT_LOCK: lockpath = arg; break;
	case ARGP_KEY_ARGS:
		operands = state->argv + state->next;
		noperands = state->argc - state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (noperands == 0 && !follow)
			argp_error(state, "no PID given (or -f to read victims)");
		if (pass && !follow)
			argp_error(state, "--pass goes with -f");
		if (signal_given && conf.grace_s > 0)
			argp_error(state, "--grace sends TERM then KILL: "
				   "not with --signal");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* A start time: clock ticks since boot, a whole decimal number. */
static int parse_start(const char *s, unsigned long long *start)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*start = strtoull(s, &end, 10);
	return *end || *start == ULLONG_MAX ? -1 : 0;
}

/* "PID" or "PID:START". */
static int parse_operand(char *s, struct kill_victim *v)
{
	char *colon = strchr(s, ':');
	long pid;
	int ok;

	memset(v, 0, sizeof *v);
	if (colon)
		*colon = '\0';
	ok = msg_parse_long(s, 1, INT_MAX, &pid) == 0;
	if (colon) {
		*colon = ':';
		ok = ok && parse_start(colon + 1, &v->start_ticks) == 0;
		v->have_start = 1;
	}
	v->pid = (int)pid;
	return ok ? 0 : -1;
}

/* One victim: the kill, then the victim copied through (--pass) and its
 * kill record.  A victim the cooldown holds is said once an episode. */
static void handle(const struct kill_victim *v, const struct rec *victim)
{
	hook_reap();
	kill_run(&conf, v, &rep);
	asked++;
	done += rep.result == KILL_KILLED || rep.result == KILL_DRY_RUN;
	syserr |= rep.syserr;
	if (rep.result == KILL_COOLDOWN && rep.repeat)
		return;
	if (victim)
		rec_write(victim);
	if (rep.result == KILL_COOLDOWN && !verbose)
		return;
	kill_record(&out, v, &rep);
	/* The audit trail first: stdout may be gone or stalled. */
	if (audit_write(&out, rep.result) < 0)
		syserr = 1;
	rec_write(&out);
	hook_post(&conf, v, &rep);
}

static int on_line(void *ctx, char *line, size_t len,
		   const struct rec_src *src)
{
	struct kill_victim v = { 0 };
	const char *pid, *start, *evidence, *why;
	long n;

	(void)ctx;
	switch (rec_parse_line(&in, line, len, src)) {
	case 1: return 0;
	case -1: bad = 1; return 0;
	}
	if (strcmp(in.kind, "victim") != 0) {
		if (pass)
			rec_write(&in);
		return 0;
	}
	pid = rec_get(&in, "pid");
	start = rec_get(&in, "start");
	evidence = rec_get(&in, "evidence_ts");
	why = !pid ? "no pid" :
	      msg_parse_long(pid, 1, INT_MAX, &n) < 0 ? "pid is not a process ID" :
	      !start ? "no start (never killed without its start time)" :
	      parse_start(start, &v.start_ticks) < 0 ?
			"start is not a number of clock ticks" :
	      evidence && msg_parse_double(evidence, 0, EVIDENCE_TS_MAX,
					   &v.evidence_ts) < 0 ?
			"evidence_ts is not a time" : NULL;
	if (why) {
		msg_warnx("%s:%ld: bad victim: %s", src->name, src->lineno, why);
		bad = 1;
		if (pass)
			rec_write(&in);
		return 0;
	}
	v.have_evidence = evidence != NULL;
	v.cgroup = rec_get(&in, "cgroup");
	v.pid = (int)n;
	v.have_start = 1;
	v.scope = rec_get(&in, "scope");
	v.rule = rec_get(&in, "rule");
	v.trigger_ts = rec_get(&in, "trigger_ts");
	handle(&v, pass ? &in : NULL);
	return 0;
}

/* The host-wide lock of a killing foom-kill -f, held until it exits. */
static int take_lock(void)
{
	const char *env = getenv("FOOM_KILL_LOCK");
	const char *path = lockpath ? lockpath : env && *env ? env : LOCK_DEFAULT;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		/* a read-only /run: killing unlocked beats not killing */
		msg_warn("cannot open the lock '%s' (going on without it)", path);
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			msg_warnx("another foom-kill -f holds '%s': one kills on "
				  "a host at a time (see --lock)", path);
			return EXIT_SYSTEM;
		}
		msg_warn("cannot lock '%s'", path);
		return EXIT_SYSTEM;
	}
	return 0; /* fd stays open, the lock held, until exit */
}

int main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &guard_argp, 0, NULL, 0 },
		{ &rec_argp, 0, NULL, 0 },
		{ &scope_roots_argp, 0, NULL, 0 },
		{ 0 }
	};
	struct argp argp = {
		options, parse_opt, "PID[:START]...\n-f [FILE...]",
		"Kill exactly the processes named, and print a kill record "
		"for each.\v"
		"START is field 22 of /proc/PID/stat; a process whose start "
		"time differs is never signalled (result stale).  Results: "
		"killed, gone, stale, protected, denied, cooldown, dry-run, "
		"timeout.\n\n" MSG_EXIT_DOC "  Here 1 means: not every "
		"victim was killed (gone, stale, protected, denied, cooldown or "
		"timeout).",
		children, NULL, NULL
	};
	struct kill_victim v;
	int status = 0;

	msg_init("foom-kill");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (!follow)
		for (int i = 0; i < noperands; i++)
			if (parse_operand(operands[i], &v) < 0)
				msg_errx(EXIT_USAGE, "'%s' is not PID or "
					 "PID:START", operands[i]);
	if (!follow)
		conf.cooldown_s = 0; /* operands are each meant */
	if (follow && !conf.dry_run && (status = take_lock()))
		return status;
	conf.rules = guard_opts.rules;
	conf.allow_pid1 = guard_opts.allow_pid1;
	if ((rules_fields(conf.rules) & 1u << RF_USER || guard_opts.passwd) &&
	    !(conf.pw = pw_load(guard_opts.passwd)))
		msg_err(EXIT_SYSTEM, "cannot read '%s'",
			guard_opts.passwd ? guard_opts.passwd : "/etc/passwd");
	status = kill_setup(&conf, proc_root(scope_roots.proc),
			    scope_roots.cgroup);
	if (status)
		return status;
	if (audit_open(logpath, use_syslog) < 0)
		return EXIT_SYSTEM;
	/* A reader that went away costs the output, never a kill or its
	 * log line (kout.c). */
	signal(SIGPIPE, SIG_IGN);
	{
		/* SIGHUP reopens --log (logrotate's postrotate); the read
		 * it interrupts goes on */
		struct sigaction sa = { .sa_handler = audit_reopen_on_hup,
					.sa_flags = SA_RESTART };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
	}
	if (kout_open(follow, logpath || use_syslog) < 0)
		return EXIT_SYSTEM;
	if (follow) {
		/* its code locked whole (a static binary), then the kill
		 * path run once on itself, so that a first kill under
		 * pressure finds its tables in */
		proc_harden_exe();
		kill_warm(&conf, &out, &rep);
		audit_warm(&out);
		rec_out.flush_each = 1;
		status = rec_loop(operands, noperands, on_line, NULL);
	} else {
		for (int i = 0; i < noperands; i++) {
			parse_operand(operands[i], &v);
			handle(&v, NULL);
		}
	}
	hook_wait_all();
	if (kout_close() < 0)
		syserr = 1;
	if (status || syserr)
		return EXIT_SYSTEM;
	if (bad)
		return EXIT_USAGE;
	return done == asked ? EXIT_OK : EXIT_NONE;
}
