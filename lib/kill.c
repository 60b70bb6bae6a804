/* SPDX-License-Identifier: MIT */
/*
 * kill: pidfd, start-time check, signal, wait; groups, cgroups, the
 * cooldown, hooks and the audit trail.  Everything a kill needs lives in
 * fixed static tables: following a stream allocates nothing per record.
 */
#include <dirent.h>
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
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kill.h"
#include "msg.h"
#include "proc.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* Most processes held at once; a larger group or cgroup is killed over
 * several rounds (each pidfd is a file descriptor). */
#define KILL_PROCS_MAX 1024
/* Rounds over a group or cgroup: what forked while the others were being
 * killed is caught by the next round; a fork bomb that outruns this many
 * is reported as a timeout rather than chased for ever. */
#define KILL_ROUNDS 8
/* Scopes whose cooldown is remembered at once; past this many, the one
 * whose cooldown ends first is forgotten (few scopes are in trouble at
 * the same time). */
#define KILL_COOLDOWN_SCOPES 256
/* Where syslog listens (glibc's _PATH_LOG). */
#define KILL_SYSLOG_PATH "/dev/log"

const char *const kill_result_names[] = {
	[KILL_KILLED] = "killed",     [KILL_GONE] = "gone",
	[KILL_STALE] = "stale",       [KILL_PROTECTED] = "protected",
	[KILL_DENIED] = "denied",     [KILL_COOLDOWN] = "cooldown",
	[KILL_DRY_RUN] = "dry-run",   [KILL_TIMEOUT] = "timeout",
};

/* glibc 2.36 has no <sys/pidfd.h>: the system calls themselves. */
static int pidfd_open(int pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Reap a SIGKILLed process's memory now, in our context, instead of
 * waiting for it to be scheduled and unwind (kernel 5.15+). */
static void mrelease(int pidfd)
{
#ifdef SYS_process_mrelease
	static int absent;

	if (absent)
		return;
	if (syscall(SYS_process_mrelease, pidfd, 0) < 0 && errno == ENOSYS)
		absent = 1;
#else
	(void)pidfd;
#endif
}

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double wall(void)
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

static void signame(int sig, char *buf, size_t len)
{
	const char *name = sigabbrev_np(sig);

	if (name)
		snprintf(buf, len, "SIG%s", name);
	else
		snprintf(buf, len, "%d", sig);
}

/* Setup. */

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
	    rl.rlim_cur < KILL_PROCS_MAX + 64) {
		rl.rlim_cur = rl.rlim_max < KILL_PROCS_MAX + 64 ?
				      rl.rlim_max : KILL_PROCS_MAX + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

/* The cooldown: per scope, by a 64-bit hash of its name. */

static struct {
	unsigned long long hash;
	double until; /* monotonic seconds */
} cool[KILL_COOLDOWN_SCOPES];

static unsigned long long hash(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h | 1; /* 0 marks a free slot */
}

static double cooldown_left(const char *scope, double now)
{
	unsigned long long h = hash(scope);

	for (int i = 0; i < KILL_COOLDOWN_SCOPES; i++)
		if (cool[i].hash == h && cool[i].until > now)
			return cool[i].until - now;
	return 0;
}

static void cooldown_mark(const char *scope, double until)
{
	unsigned long long h = hash(scope);
	int slot = 0;

	for (int i = 0; i < KILL_COOLDOWN_SCOPES; i++) {
		if (cool[i].hash == h) {
			slot = i;
			break;
		}
		if (cool[i].until < cool[slot].until)
			slot = i;
	}
	cool[slot].hash = h;
	cool[slot].until = until;
}

/* The processes of one kill: the victim first, then its group's or
 * cgroup's other members, each held by its own pidfd. */

struct member {
	int pid, pidfd;
	unsigned long long start_ticks;
	long long rss_kb;
	int signalled, exited;
};

static struct member set[KILL_PROCS_MAX];
static int nset;
static struct pollfd pfds[KILL_PROCS_MAX];

struct job {
	const struct kill_conf *c;
	struct kill_report *rep;
	int pgrp;               /* -g */
	int cgfd;               /* --cgroup: its hierarchy */
	enum cg_ver cgver;
	char cgpath[PATH_MAX];
	int spared;             /* protected members left alone */
	int spared_now;         /* ... seen by this pass */
	int denied;             /* members the kernel would not signal */
	int full;               /* the table filled up: more next round */
	int signalled;
	long long rss_kb, freed_kb;
};

enum chk { CHK_OK, CHK_GONE, CHK_DENIED, CHK_ERR };

/* pidfd_open first, then the stat read: whatever that read shows is
 * what the pidfd holds, or the pidfd's process is dead already. */
static enum chk open_checked(const struct kill_conf *c, int pid, int *pidfd,
			     struct proc_stat *st, char *why, size_t whylen)
{
	enum chk r = CHK_GONE;

	*pidfd = -1;
	if (c->live && (*pidfd = pidfd_open(pid)) < 0) {
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
 * when it may.  *gone when it vanished meanwhile. */
static const char *protected_why(const struct kill_conf *c, int pid,
				 const struct proc_stat *st, int *gone)
{
	int adj;

	*gone = 0;
	if (pid == 1)
		return "pid 1";
	if (proc_is_kthread(st))
		return "kernel thread";
	if (pid == getpid())
		return "foom-kill itself";
	if (st->pgrp == getpgrp())
		return "foom-kill's process group";
	if (proc_oom_score_adj(c->procfd, pid, &adj) < 0) {
		*gone = 1;
		return "gone";
	}
	if (adj == -1000)
		return "oom_score_adj -1000";
	return NULL;
}

static int in_set(int pid)
{
	for (int i = 0; i < nset; i++)
		if (set[i].pid == pid)
			return 1;
	return 0;
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
static void add_member(struct job *j, int pid)
{
	struct proc_stat st;
	char why[160], cg[PATH_MAX];
	int fd, gone;

	if (nset == KILL_PROCS_MAX) {
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
	if (protected_why(j->c, pid, &st, &gone)) {
		j->spared_now += !gone;
		goto skip;
	}
	set[nset++] = (struct member){ pid, fd, st.start_ticks,
				       st.rss_pages * proc_page_kb(), 0, 0 };
	j->rss_kb += st.rss_pages * proc_page_kb();
	return;
skip:
	if (fd >= 0)
		close(fd);
}

/* Members of the process group: every /proc entry whose stat names it. */
static void collect_group(struct job *j)
{
	static struct proc_iter it;
	int pid;

	proc_iter_start(&it, j->c->procfd);
	while ((pid = proc_iter_next(&it)) > 0) {
		struct proc_stat st;

		if (!in_set(pid) && proc_stat(j->c->procfd, pid, &st) == 0 &&
		    st.pgrp == j->pgrp)
			add_member(j, pid);
	}
}

/* Members of the cgroup: its cgroup.procs. */
static void collect_cgroup(struct job *j)
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
		    !in_set((int)pid))
			add_member(j, (int)pid);
	}
}

/* Each pass sees the protected members again: count them once. */
static void collect(struct job *j)
{
	j->spared_now = 0;
	if (j->c->what == KILL_GROUP)
		collect_group(j);
	else if (j->c->what == KILL_CGROUP)
		collect_cgroup(j);
	if (j->spared_now > j->spared)
		j->spared = j->spared_now;
}

/* Signal one member, its start time checked once more right before. */
static void signal_member(struct job *j, struct member *m, int sig)
{
	struct proc_stat st;

	if (proc_stat(j->c->procfd, m->pid, &st) < 0 || st.state == 'Z' ||
	    st.state == 'X' || st.start_ticks != m->start_ticks) {
		m->exited = 1; /* gone, or gone and its PID reused */
		return;
	}
	if (pidfd_signal(m->pidfd, sig) < 0) {
		if (errno == ESRCH)
			m->exited = 1;
		else if (errno == EPERM)
			j->denied++;
		else
			msg_warn("cannot signal %d", m->pid);
		return;
	}
	if (!m->signalled)
		j->signalled++;
	m->signalled = 1;
}

static void signal_from(struct job *j, int from, int sig)
{
	for (int i = from; i < nset; i++)
		if (!set[i].exited)
			signal_member(j, &set[i], sig);
	if (sig == SIGKILL)
		for (int i = from; i < nset; i++)
			if (set[i].signalled && !set[i].exited)
				mrelease(set[i].pidfd);
}

/* Poll the signalled members' pidfds until all have exited or the
 * deadline; returns how many are still alive. */
static int wait_members(double deadline)
{
	for (;;) {
		int n = 0, ms;
		double left = deadline - mono();

		for (int i = 0; i < nset; i++)
			if (set[i].signalled && !set[i].exited) {
				pfds[n].fd = set[i].pidfd;
				pfds[n].events = POLLIN;
				pfds[n].revents = 0;
				n++;
			}
		if (n == 0 || left <= 0)
			return n;
		ms = (int)(left * 1000) + 1;
		if (poll(pfds, n, ms) < 0 && errno != EINTR)
			return n;
		for (int i = 0, k = 0; i < nset; i++)
			if (set[i].signalled && !set[i].exited &&
			    pfds[k++].revents)
				set[i].exited = 1;
	}
}

/* Close what has exited, counting what it freed; keep the others. */
static void settle(struct job *j, int all)
{
	int k = 0;

	for (int i = 0; i < nset; i++) {
		struct member *m = &set[i];
		struct proc_stat st;

		if (!m->exited && !all) {
			set[k++] = *m;
			continue;
		}
		if (m->exited)
			j->freed_kb += m->rss_kb;
		else if (proc_stat(j->c->procfd, m->pid, &st) == 0 &&
			 st.start_ticks == m->start_ticks &&
			 st.rss_pages * proc_page_kb() < m->rss_kb)
			j->freed_kb += m->rss_kb - st.rss_pages * proc_page_kb();
		if (m->pidfd >= 0)
			close(m->pidfd);
	}
	nset = all ? 0 : k;
}

/* cgroup v2 kills a whole leaf cgroup at once, forks included, with
 * cgroup.kill (5.14+).  0 when done, -1 to signal each member instead. */
static int cgroup_kill(struct job *j)
{
	static char dbuf[8192];
	int dfd, kfd, ok;
	long n;

	dfd = openat(j->cgfd, cg_rel(j->cgpath),
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	/* cgroup.kill takes the descendants too: only a leaf, whose
	 * members have all been checked. */
	while ((n = getdents64(dfd, dbuf, sizeof dbuf)) > 0)
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(dbuf + off);

			off += d->d_reclen;
			if (d->d_type == DT_DIR && strcmp(d->d_name, ".") &&
			    strcmp(d->d_name, "..")) {
				close(dfd);
				return -1;
			}
		}
	kfd = openat(dfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
	close(dfd);
	if (kfd < 0)
		return -1;
	ok = write(kfd, "1", 1) == 1;
	close(kfd);
	if (!ok)
		return -1;
	for (int i = 0; i < nset; i++) {
		if (!set[i].signalled)
			j->signalled++;
		set[i].signalled = 1;
		mrelease(set[i].pidfd);
	}
	return 0;
}

/* The signals: TERM then KILL after the grace, or the one signal; then
 * more rounds for a group or cgroup; then the wait. */
static int kill_members(struct job *j)
{
	const struct kill_conf *c = j->c;
	int final = c->grace_s > 0 ? SIGKILL : c->sig, alive;
	double deadline;
	char name[16];

	signame(c->grace_s > 0 ? SIGTERM : final, j->rep->signal,
		sizeof j->rep->signal);
	if (c->grace_s > 0) {
		signal_from(j, 0, SIGTERM);
		if (wait_members(mono() + c->grace_s) > 0) {
			signal_from(j, 0, SIGKILL);
			signame(SIGKILL, name, sizeof name);
			strcat(j->rep->signal, ",");
			strcat(j->rep->signal, name);
		}
	} else if (!(c->what == KILL_CGROUP && j->cgver == CG_V2 &&
		     final == SIGKILL && !j->spared && !j->full &&
		     cgroup_kill(j) == 0)) {
		signal_from(j, 0, final);
	}
	deadline = mono() + c->wait_s;
	for (int round = 1;; round++) {
		int from;

		alive = wait_members(deadline);
		if (c->what == KILL_ONE || alive > 0)
			break;
		/* All gone: look again for members that appeared meanwhile. */
		settle(j, 0);
		from = nset;
		j->full = 0;
		collect(j);
		if (nset == from)
			break;
		if (round == KILL_ROUNDS) {
			alive = nset - from; /* they outran the rounds */
			break;
		}
		signal_from(j, from, final);
	}
	settle(j, 1);
	return alive;
}

/* Hooks: sh -c CMD with FOOM_* in its environment, stdin from
 * /dev/null, stdout to our stderr (our stdout is a record stream),
 * in its own process group so a timeout kills all it started. */

static void run_hook(const struct kill_conf *c, const char *which,
		     const char *cmd, const struct kill_victim *v,
		     const struct kill_report *rep)
{
	int pid, fd, status;
	struct pollfd pfd;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		msg_warn("cannot run the %s-hook", which);
		return;
	}
	if (pid == 0) {
		char num[32];
		int nul = open("/dev/null", O_RDONLY);

		setpgid(0, 0);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(2, 1);
		snprintf(num, sizeof num, "%d", v->pid);
		setenv("FOOM_PID", num, 1);
		snprintf(num, sizeof num, "%llu", rep->start_ticks);
		setenv("FOOM_START", num, 1);
		setenv("FOOM_COMM", rep->comm, 1);
		setenv("FOOM_SCOPE", v->scope ? v->scope : rep->scope, 1);
		snprintf(num, sizeof num, "%lld", rep->rss_kb);
		setenv("FOOM_RSS_KB", num, 1);
		setenv("FOOM_HOOK", which, 1);
		unsetenv("FOOM_RESULT");
		unsetenv("FOOM_DRY_RUN");
		if (strcmp(which, "post") == 0)
			setenv("FOOM_RESULT", kill_result_names[rep->result], 1);
		if (c->dry_run)
			setenv("FOOM_DRY_RUN", "1", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	pfd.fd = fd = pidfd_open(pid);
	pfd.events = POLLIN;
	if (fd >= 0) {
		double end = mono() + c->hook_timeout_s, left;
		int r;

		while ((left = end - mono()) > 0 &&
		       (r = poll(&pfd, 1, (int)(left * 1000) + 1)) <= 0)
			if (r < 0 && errno != EINTR)
				break;
		if (!(pfd.revents & POLLIN)) {
			kill(-pid, SIGKILL);
			msg_warnx("%s-hook '%s' timed out after %g s: killed",
				  which, cmd, c->hook_timeout_s);
		}
		close(fd);
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) != 0)
		msg_warnx("%s-hook '%s' exited with status %d", which, cmd,
			  WEXITSTATUS(status));
}

void kill_post_hook(const struct kill_conf *c, const struct kill_victim *v,
		    const struct kill_report *rep)
{
	if (c->post_hook && rep->result != KILL_COOLDOWN)
		run_hook(c, "post", c->post_hook, v, rep);
}

/* The kill itself. */

static void finish(struct kill_report *rep, enum kill_result res,
		   const char *why, double t0)
{
	rep->result = res;
	if (why && !rep->reason[0])
		snprintf(rep->reason, sizeof rep->reason, "%s", why);
	rep->elapsed_ms = (mono() - t0) * 1000;
}

void kill_run(const struct kill_conf *c, const struct kill_victim *v,
	      struct kill_report *rep)
{
	struct job j = { .c = c, .rep = rep, .cgfd = -1 };
	struct proc_stat st;
	const char *why;
	double t0 = mono(), left;
	int fd, gone, alive;
	char cg[PATH_MAX];

	memset(rep, 0, sizeof *rep);
	rep->ts = wall();
	if (c->cooldown_s > 0 && v->scope &&
	    (left = cooldown_left(v->scope, t0)) > 0) {
		snprintf(rep->reason, sizeof rep->reason,
			 "%s had a kill %.1f s ago", v->scope,
			 c->cooldown_s - left);
		finish(rep, KILL_COOLDOWN, NULL, t0);
		return;
	}
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
	rep->rss_kb = st.rss_pages * proc_page_kb();
	if (!v->scope && c->have_cg && cgroup_of(c, v->pid, cg, sizeof cg) == 0)
		snprintf(rep->scope, sizeof rep->scope, "%s%s",
			 strcmp(cg, "/") ? "cgroup:" : "",
			 strcmp(cg, "/") ? cg : "node");
	why = protected_why(c, v->pid, &st, &gone);
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
	nset = 0;
	set[nset++] = (struct member){ v->pid, fd, st.start_ticks,
				       rep->rss_kb, 0, 0 };
	j.rss_kb = rep->rss_kb;
	collect(&j);
	rep->rss_kb = j.rss_kb;
	if (c->pre_hook)
		run_hook(c, "pre", c->pre_hook, v, rep);
	if (c->dry_run) {
		rep->procs = nset;
		settle(&j, 1);
		finish(rep, KILL_DRY_RUN, NULL, t0);
	} else {
		alive = kill_members(&j);
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
		cooldown_mark(v->scope, mono() + c->cooldown_s);
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

/* The audit trail.  Each record is formatted once into a fixed buffer
 * and goes out in one write(2): a log line is never interleaved with
 * another writer's, and nothing waits in a stdio buffer. */

static int logfd = -1, logsock = -1, want_syslog;
static char abuf[2 * REC_LINE_MAX + 256];
static char sbuf[sizeof abuf + 128];
static FILE *afp;

static void syslog_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (logsock < 0)
		logsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, KILL_SYSLOG_PATH);
	if (logsock >= 0 && connect(logsock, (struct sockaddr *)&sa,
				    sizeof sa) < 0) {
		close(logsock);
		logsock = -1;
	}
}

int kill_audit_open(const char *logpath, int use_syslog)
{
	if (!logpath && !use_syslog)
		return 0;
	afp = fmemopen(abuf, sizeof abuf, "w");
	if (!afp) {
		msg_warn("cannot make the audit buffer");
		return -1;
	}
	if (logpath) {
		logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			     0640);
		if (logfd < 0) {
			msg_warn("cannot open '%s'", logpath);
			return -1;
		}
	}
	want_syslog = use_syslog;
	if (want_syslog) {
		syslog_connect();
		if (logsock < 0)
			msg_warn("cannot connect to '%s' (will retry)",
				 KILL_SYSLOG_PATH);
	}
	return 0;
}

int kill_audit(const struct rec *r, enum kill_result res)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
					   "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec" };
	int status = 0;
	long len;

	if (!afp)
		return 0;
	rewind(afp);
	fputs(r->kind, afp);
	for (int i = 0; i < r->n; i++) {
		fprintf(afp, " %s=", r->f[i].key);
		rec_put_value(afp, r->f[i].val);
	}
	putc('\n', afp);
	fflush(afp);
	len = ftell(afp);
	if (len <= 0 || len >= (long)sizeof abuf)
		return -1;
	if (logfd >= 0 && write(logfd, abuf, (size_t)len) != len) {
		msg_warn("cannot write the log");
		status = -1;
	}
	if (want_syslog) {
		/* RFC 3164: <facility*8+severity>Mmm dd hh:mm:ss tag[pid]: */
		int sev = res == KILL_KILLED || res == KILL_TIMEOUT ||
				  res == KILL_DENIED ? 4 :
			  res == KILL_COOLDOWN ? 6 : 5;
		time_t now = time(NULL);
		struct tm tm;
		int h;

		localtime_r(&now, &tm);
		h = snprintf(sbuf, sizeof sbuf, "<%d>%s %2d %02d:%02d:%02d %s[%d]: ",
			     3 * 8 + sev, mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
			     tm.tm_min, tm.tm_sec, msg_prog, (int)getpid());
		memcpy(sbuf + h, abuf, (size_t)len - 1);
		if (logsock < 0)
			syslog_connect();
		if (logsock >= 0 &&
		    send(logsock, sbuf, (size_t)h + len - 1, MSG_NOSIGNAL) < 0) {
			close(logsock); /* the daemon restarted: once more */
			logsock = -1;
			syslog_connect();
			if (logsock >= 0)
				send(logsock, sbuf, (size_t)h + len - 1,
				     MSG_NOSIGNAL);
		}
	}
	return status;
}
