/* SPDX-License-Identifier: MIT */
/*
 * kill: who one kill takes: the pidfd, the start-time check, the
 * refusals, the group's or cgroup's members; then kset signals them,
 * and kill_record says what happened.  Everything a kill needs lives in
 * fixed static tables: following a stream allocates nothing per record.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cool.h"
#include "hook.h"
#include "kill.h"
#include "kset.h"
#include "msg.h"
#include "proc.h"
#include "scope.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

const char *const kill_result_names[] = {
	[KILL_KILLED] = "killed",     [KILL_GONE] = "gone",
	[KILL_STALE] = "stale",       [KILL_PROTECTED] = "protected",
	[KILL_DENIED] = "denied",     [KILL_COOLDOWN] = "cooldown",
	[KILL_DRY_RUN] = "dry-run",   [KILL_TIMEOUT] = "timeout",
};

/* glibc 2.36 has no <sys/pidfd.h>: the system call itself. */
int kill_pidfd_open(int pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

double kill_mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

double kill_wall_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Signals. */

int kill_parse_signal(const char *s)
{
	long n;

	if (msg_parse_long(s, 1, SIGRTMAX, &n) == 0)
		return (int)n;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *name = sigabbrev_np(i);

		if (name && strcasecmp(s, name) == 0)
			return i;
	}
	return -1;
}

/* Setup. */

/* What the guard reads through: one of each for the whole run, and the
 * view of the process at hand (in .bss, set up by kill_setup: a table
 * with an initializer would be file-backed data, loaded and locked
 * whole). */
static struct guard guard;
static struct view_src vsrc;
static struct view pview;

int kill_setup(struct kill_conf *c, const char *procroot, const char *cgroot)
{
	struct statfs sfs;
	struct rlimit rl;
	char self[32], text[4096];
	ssize_t n;

	c->procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->procfd < 0) {
		msg_warn("cannot open '%s'", procroot);
		return EXIT_SYSTEM;
	}
	/* A signal goes to a live PID; its start time must come from the
	 * same PID namespace's procfs, never from a fixture or another
	 * namespace's /proc. */
	n = readlinkat(c->procfd, "self", self, sizeof self - 1);
	if (n > 0)
		self[n] = '\0';
	c->live = fstatfs(c->procfd, &sfs) == 0 &&
		  sfs.f_type == PROC_SUPER_MAGIC && n > 0 &&
		  atol(self) == (long)getpid();
	if (!c->live && !c->dry_run) {
		msg_warnx("'%s' is not this process's /proc: it can only be "
			  "used with -n", procroot);
		return EXIT_USAGE;
	}
	c->have_cg = cg_open(&c->cg, cg_root_path(cgroot)) == 0;
	if (c->what == KILL_CGROUP && !c->have_cg) {
		msg_warn("cannot open the cgroup root '%s'", cg_root_path(cgroot));
		return EXIT_SYSTEM;
	}
	c->self_cgroup[0] = '\0';
	if (c->have_cg &&
	    proc_read_at(AT_FDCWD, "/proc/self/cgroup", text, sizeof text) > 0)
		cg_of_proc(&c->cg, text, c->self_cgroup, sizeof c->self_cgroup);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < KSET_PROCS_MAX + 64) {
		rl.rlim_cur = rl.rlim_max < KSET_PROCS_MAX + 64 ?
				      rl.rlim_max : KSET_PROCS_MAX + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (guard_init(&guard, c->procfd, c->rules, c->allow_pid1) < 0) {
		msg_warn("cannot open '/proc' to know foom-kill's ancestors");
		return EXIT_SYSTEM;
	}
	c->guard = &guard;
	vsrc.procfd = c->procfd;
	vsrc.cg = c->have_cg ? &c->cg : NULL;
	vsrc.pw = c->pw;
	pview.src = &vsrc;
	return 0;
}

enum chk { CHK_OK, CHK_GONE, CHK_DENIED, CHK_ERR };

/* pidfd_open first, then the stat read: whatever that read shows is
 * what the pidfd holds, or the pidfd's process is dead already. */
static enum chk open_checked(const struct kill_conf *c, int pid, int *pidfd,
			     struct proc_stat *st, char *why, size_t whylen)
{
	enum chk r = CHK_GONE;

	*pidfd = -1;
	if (c->live && (*pidfd = kill_pidfd_open(pid)) < 0) {
		if (errno == ESRCH) {
			snprintf(why, whylen, "no such process");
			return CHK_GONE;
		}
		if (errno == EINVAL || errno == ENOENT) {
			snprintf(why, whylen, "not a process (a thread ID?)");
			return CHK_DENIED;
		}
		snprintf(why, whylen, "pidfd_open: %s", strerror(errno));
		return CHK_ERR;
	}
	if (proc_stat(c->procfd, pid, st) < 0) {
		if (errno == ENOENT || errno == ESRCH) {
			snprintf(why, whylen, "no such process");
		} else {
			snprintf(why, whylen, "cannot read '%d/stat': %s", pid,
				 strerror(errno));
			r = CHK_ERR;
		}
	} else if (st->state == 'Z' || st->state == 'X') {
		snprintf(why, whylen, "zombie");
	} else {
		return CHK_OK;
	}
	if (*pidfd >= 0)
		close(*pidfd);
	*pidfd = -1;
	return r;
}

/* Why a process may never be signalled, whatever the input says; NULL
 * when it may.  The guard's decision (lib/guard), the same foom-rank
 * made, made again here for the victim and for every member of a group
 * or cgroup.  *gone when it vanished meanwhile. */
static const char *protected_why(const struct kill_conf *c, int pid,
				 const struct proc_stat *st, const char *scope,
				 int *gone)
{
	static char why[160];
	const char *rule, *w;

	view_reset(&pview, pid, st->comm);
	w = guard_check(c->guard, &pview, st, scope, gone, &rule);
	if (w && rule) {
		snprintf(why, sizeof why, "%s: %s", w, rule);
		return why;
	}
	return w;
}

static int cgroup_of(const struct kill_conf *c, int pid, char *out, size_t len)
{
	char path[40], text[4096];

	snprintf(path, sizeof path, "%d/cgroup", pid);
	if (proc_read_at(c->procfd, path, text, sizeof text) < 0)
		return -1;
	return cg_of_proc(&c->cg, text, out, len);
}

/* Add one more member of the group or cgroup, checked as the victim
 * was: its own pidfd, then still in the group (or cgroup), then not
 * protected. */
static void add_member(struct kset_job *j, int pid)
{
	struct proc_stat st;
	char why[160], cg[PATH_MAX];
	int fd, gone;

	if (kset_size() == KSET_PROCS_MAX) {
		j->full = 1;
		return;
	}
	if (open_checked(j->c, pid, &fd, &st, why, sizeof why) != CHK_OK)
		return;
	if ((j->c->what == KILL_GROUP && st.pgrp != j->pgrp) ||
	    (j->c->what == KILL_CGROUP &&
	     (cgroup_of(j->c, pid, cg, sizeof cg) < 0 ||
	      strcmp(cg, j->cgpath) != 0)))
		goto skip;
	if (protected_why(j->c, pid, &st, j->scope, &gone)) {
		j->spared_now += !gone;
		goto skip;
	}
	kset_add(pid, fd, st.start_ticks, proc_sat_mul(st.rss_pages, proc_page_kb()));
	j->rss_kb = proc_sat_add(j->rss_kb, proc_sat_mul(st.rss_pages, proc_page_kb()));
	return;
skip:
	if (fd >= 0)
		close(fd);
}

/* Members of the process group: every /proc entry whose stat names it. */
static void collect_group(struct kset_job *j)
{
	static struct proc_iter it;
	int pid;

	proc_iter_start(&it, j->c->procfd);
	while ((pid = proc_iter_next(&it)) > 0) {
		struct proc_stat st;

		if (!kset_has(pid) && proc_stat(j->c->procfd, pid, &st) == 0 &&
		    st.pgrp == j->pgrp)
			add_member(j, pid);
	}
}

/* Members of the cgroup: its cgroup.procs. */
static void collect_cgroup(struct kset_job *j)
{
	static char buf[65536];
	char path[PATH_MAX + 16];
	char *p, *nl;

	snprintf(path, sizeof path, "%s/cgroup.procs", cg_rel(j->cgpath));
	if (proc_read_at(j->cgfd, path, buf, sizeof buf) < 0)
		return;
	for (p = buf; *p; p = nl + 1) {
		long pid;

		nl = strchr(p, '\n');
		if (!nl)
			break; /* cut at the buffer's end: next round */
		*nl = '\0';
		if (msg_parse_long(p, 1, INT32_MAX, &pid) == 0 &&
		    !kset_has((int)pid))
			add_member(j, (int)pid);
	}
}

/* Each pass sees the protected members again: count them once. */
static void collect(struct kset_job *j)
{
	j->spared_now = 0;
	if (j->c->what == KILL_GROUP)
		collect_group(j);
	else if (j->c->what == KILL_CGROUP)
		collect_cgroup(j);
	if (j->spared_now > j->spared)
		j->spared = j->spared_now;
}

/* The cooldown's key: the cgroup path of the victim's scope.  node is
 * "/"; a pod is its cgroup, found from the process's own cgroup where
 * /proc told us (else the record's cgroup=).  What cannot be read as a
 * path counts as the node: it holds, and is held by, everything. */
static void scope_key(const struct kill_victim *v, const char *own,
		      char *key, size_t len)
{
	const char *cg = own ? own : v->cgroup;
	char uid[80];
	size_t n;

	snprintf(key, len, "/");
	if (strncmp(v->scope, "cgroup:", 7) == 0) {
		if (cg_normalize(v->scope + 7, key, len) < 0)
			snprintf(key, len, "/");
	} else if (strncmp(v->scope, "pod:", 4) == 0 && cg &&
		   cg_normalize(cg, key, len) == 0 &&
		   (n = scope_pod_uid(key, uid, sizeof uid)) > 0) {
		key[n] = '\0';
	} else if (strncmp(v->scope, "pod:", 4) == 0) {
		snprintf(key, len, "/");
	}
}

/* Held back by a cooldown?  The reason in rep, and rep->repeat when
 * this very process was held by the same episode before. */
static int cooled(const struct kill_victim *v, const char *own,
		  const char *key, double now, struct kill_report *rep)
{
	static struct cool_hold h;
	/* A claim of evidence from after this moment is no evidence. */
	double ev = v->have_evidence && v->evidence_ts <= rep->ts ?
			    v->evidence_ts : -1;

	if (!cool_held(key, own, now, ev, v->pid, rep->start_ticks, &h))
		return 0;
	snprintf(rep->reason, sizeof rep->reason, "%s%.120s had a kill %.1f s ago",
		 strcmp(h.path, "/") ? "cgroup:" : "",
		 strcmp(h.path, "/") ? h.path : "node", h.ago_s);
	rep->repeat = h.repeat;
	return 1;
}

/* The kill itself. */

static void finish(struct kill_report *rep, enum kill_result res,
		   const char *why, double t0)
{
	rep->result = res;
	if (why && !rep->reason[0])
		snprintf(rep->reason, sizeof rep->reason, "%s", why);
	rep->elapsed_ms = (kill_mono_s() - t0) * 1000;
}

void kill_run(const struct kill_conf *c, const struct kill_victim *v,
	      struct kill_report *rep)
{
	struct kset_job j = { .c = c, .rep = rep, .scope = v->scope, .cgfd = -1 };
	struct proc_stat st;
	const char *why;
	double t0 = kill_mono_s(), exit_ts = -1;
	int fd, gone, alive, have_own;
	char own[PATH_MAX], key[PATH_MAX];

	memset(rep, 0, sizeof *rep);
	rep->ts = kill_wall_s();
	switch (open_checked(c, v->pid, &fd, &st, rep->reason,
			     sizeof rep->reason)) {
	case CHK_OK:
		break;
	case CHK_GONE:
		finish(rep, KILL_GONE, NULL, t0);
		return;
	case CHK_ERR:
		msg_warnx("%d: %s", v->pid, rep->reason);
		rep->syserr = 1;
		/* fall through */
	case CHK_DENIED:
		finish(rep, KILL_DENIED, NULL, t0);
		return;
	}
	snprintf(rep->comm, sizeof rep->comm, "%s", st.comm);
	rep->have_start = 1;
	rep->start_ticks = st.start_ticks;
	if (v->have_start && st.start_ticks != v->start_ticks) {
		snprintf(rep->reason, sizeof rep->reason,
			 "start %llu, not %llu: another process",
			 st.start_ticks, v->start_ticks);
		rep->start_ticks = v->start_ticks;
		if (fd >= 0)
			close(fd);
		finish(rep, KILL_STALE, NULL, t0);
		return;
	}
	rep->have_rss = 1;
	rep->rss_kb = proc_sat_mul(st.rss_pages, proc_page_kb());
	/* Read after the pidfd and the start check: the pinned process's. */
	have_own = c->have_cg && cgroup_of(c, v->pid, own, sizeof own) == 0;
	if (!v->scope && have_own)
		snprintf(rep->scope, sizeof rep->scope, "%s%s",
			 strcmp(own, "/") ? "cgroup:" : "",
			 strcmp(own, "/") ? own : "node");
	if (c->cooldown_s > 0 && v->scope) {
		scope_key(v, have_own ? own : NULL, key, sizeof key);
		if (cooled(v, have_own ? own : NULL, key, t0, rep)) {
			if (fd >= 0)
				close(fd);
			finish(rep, KILL_COOLDOWN, NULL, t0);
			return;
		}
	}
	view_src_begin(&vsrc);
	guard_begin(c->guard);
	why = protected_why(c, v->pid, &st, v->scope, &gone);
	if (!why && c->what == KILL_CGROUP) {
		if (cgroup_of(c, v->pid, j.cgpath, sizeof j.cgpath) < 0)
			why = "its cgroup is unknown";
		else if (strcmp(j.cgpath, "/") == 0)
			why = "root cgroup";
		else if (c->self_cgroup[0] &&
			 cg_within(c->self_cgroup, j.cgpath))
			why = "foom-kill's own cgroup";
		j.cgfd = c->cg.v1fd >= 0 ? c->cg.v1fd : c->cg.v2fd;
		j.cgver = c->cg.v1fd >= 0 ? CG_V1 : CG_V2;
	}
	if (why) {
		if (fd >= 0)
			close(fd);
		finish(rep, gone ? KILL_GONE : KILL_PROTECTED,
		       gone ? "no such process" : why, t0);
		return;
	}
	j.pgrp = st.pgrp;
	kset_reset();
	kset_add(v->pid, fd, st.start_ticks, rep->rss_kb);
	j.rss_kb = rep->rss_kb;
	collect(&j);
	rep->rss_kb = j.rss_kb;
	hook_pre(c, v, rep);
	if (c->dry_run) {
		rep->procs = kset_size();
		kset_settle(&j, 1);
		finish(rep, KILL_DRY_RUN, NULL, t0);
	} else {
		alive = kset_kill(&j, collect);
		rep->procs = j.signalled;
		rep->rss_kb = j.rss_kb;
		rep->have_freed = j.signalled > 0;
		rep->freed_kb = j.freed_kb;
		if (j.signalled == 0) {
			rep->signal[0] = '\0';
			finish(rep, j.denied ? KILL_DENIED : KILL_GONE,
			       j.denied ? "Operation not permitted" :
					  "exited before the signal",
			       t0);
		} else if (alive > 0 && c->wait_s > 0) {
			snprintf(rep->reason, sizeof rep->reason,
				 "%d still alive after %g s", alive, c->wait_s);
			finish(rep, KILL_TIMEOUT, NULL, t0);
		} else {
			finish(rep, KILL_KILLED, NULL, t0);
			if (c->wait_s > 0)
				exit_ts = kill_wall_s(); /* every exit seen */
		}
	}
	if (j.spared && !rep->reason[0])
		snprintf(rep->reason, sizeof rep->reason,
			 "%d protected process%s spared", j.spared,
			 j.spared > 1 ? "es" : "");
	/* Only a kill (or what would have been one) starts a cooldown. */
	if (c->cooldown_s > 0 && v->scope &&
	    (rep->result == KILL_KILLED || rep->result == KILL_TIMEOUT ||
	     rep->result == KILL_DRY_RUN))
		cool_mark(key, kill_mono_s(), c->cooldown_s, exit_ts);
}

void kill_warm(const struct kill_conf *c, struct rec *r,
	       struct kill_report *rep)
{
	struct kill_conf dry = *c;
	struct kill_victim self = { .pid = getpid() };
	struct proc_stat st;
	int fd;

	/* Everything but the signal, on foom-kill itself: refused as foom,
	 * and a dry run besides.  No cooldown is marked, no hook runs. */
	dry.dry_run = 1;
	dry.cooldown_s = 0;
	dry.what = KILL_ONE;
	dry.pre_hook = dry.post_hook = NULL;
	kill_run(&dry, &self, rep);
	kill_record(r, &self, rep);
	/* The protect rules, which the guard stops short of for foom
	 * itself, matched against its own view (the answer unused). */
	if (proc_stat(c->procfd, self.pid, &st) == 0) {
		view_src_begin(&vsrc);
		view_reset(&pview, self.pid, st.comm);
		for (int i = 0; i < rules_count(c->rules); i++)
			(void)rules_match(c->rules, i, view_get, &pview);
	}
	/* The signal path's system calls: signal 0 only checks. */
	if ((fd = kill_pidfd_open(self.pid)) >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		(void)syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0);
		(void)poll(&p, 1, 0);
		close(fd);
	}
}

void kill_record(struct rec *r, const struct kill_victim *v,
		 const struct kill_report *rep)
{
	const char *scope = v->scope ? v->scope : rep->scope;

	rec_reset(r, "kill");
	rec_add_ts(r, "ts", rep->ts);
	if (*scope)
		rec_add(r, "scope", scope);
	rec_add_ll(r, "pid", v->pid);
	if (rep->have_start || v->have_start)
		rec_addf(r, "start", "%llu",
			 rep->have_start ? rep->start_ticks : v->start_ticks);
	if (rep->comm[0])
		rec_add(r, "comm", rep->comm);
	if (rep->signal[0])
		rec_add(r, "signal", rep->signal);
	rec_add(r, "result", kill_result_names[rep->result]);
	if (rep->have_rss)
		rec_add_ll(r, "rss_kb", rep->rss_kb);
	if (rep->have_freed)
		rec_add_ll(r, "freed_kb", rep->freed_kb);
	rec_add_fix(r, "elapsed_ms", rep->elapsed_ms, 3);
	if (v->trigger_ts)
		rec_add(r, "trigger_ts", v->trigger_ts);
	if (v->rule)
		rec_add(r, "rule", v->rule);
	if (rep->procs)
		rec_add_ll(r, "procs", rep->procs);
	if (rep->reason[0])
		rec_add(r, "reason", rep->reason);
}
