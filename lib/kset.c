/* SPDX-License-Identifier: MIT */
/*
 * kset: signal the processes of one kill through their pidfds and wait
 * for their exits.  The table is static: a kill allocates nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kset.h"
#include "msg.h"
#include "proc.h"

/* Rounds over a group or cgroup: what forked while the others were being
 * killed is caught by the next round; a fork bomb that outruns this many
 * is reported as a timeout rather than chased for ever. */
#define KSET_ROUNDS 8

struct member {
	int pid, pidfd;
	unsigned long long start_ticks;
	long long rss_kb;
	int signalled, exited;
};

static struct member set[KSET_PROCS_MAX];
static int nset;
static struct pollfd pfds[KSET_PROCS_MAX];

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

void kset_signame(int sig, char *buf, size_t len)
{
	const char *name = sigabbrev_np(sig);

	if (name)
		snprintf(buf, len, "SIG%s", name);
	else
		snprintf(buf, len, "%d", sig);
}

void kset_reset(void)
{
	nset = 0;
}

int kset_add(int pid, int pidfd, unsigned long long start_ticks,
	     long long rss_kb)
{
	if (nset == KSET_PROCS_MAX)
		return -1;
	set[nset++] = (struct member){ pid, pidfd, start_ticks, rss_kb, 0, 0 };
	return 0;
}

int kset_has(int pid)
{
	for (int i = 0; i < nset; i++)
		if (set[i].pid == pid)
			return 1;
	return 0;
}

int kset_size(void)
{
	return nset;
}

/* Signal one member, its start time checked once more right before. */
static void signal_member(struct kset_job *j, struct member *m, int sig)
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

static void signal_from(struct kset_job *j, int from, int sig)
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
		double left = deadline - kill_mono_s();

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

void kset_settle(struct kset_job *j, int all)
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
			j->freed_kb = proc_sat_add(j->freed_kb, m->rss_kb);
		else if (proc_stat(j->c->procfd, m->pid, &st) == 0 &&
			 st.start_ticks == m->start_ticks &&
			 proc_sat_mul(st.rss_pages, proc_page_kb()) < m->rss_kb)
			j->freed_kb = proc_sat_add(j->freed_kb, m->rss_kb - proc_sat_mul(st.rss_pages, proc_page_kb()));
		if (m->pidfd >= 0)
			close(m->pidfd);
	}
	nset = all ? 0 : k;
}

/* cgroup v2 kills a whole leaf cgroup at once, forks included, with
 * cgroup.kill (5.14+).  0 when done, -1 to signal each member instead. */
static int cgroup_kill(struct kset_job *j)
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
int kset_kill(struct kset_job *j, kset_collect_fn collect)
{
	const struct kill_conf *c = j->c;
	int final = c->grace_s > 0 ? SIGKILL : c->sig, alive;
	double deadline;
	char name[16];

	kset_signame(c->grace_s > 0 ? SIGTERM : final, j->rep->signal,
		     sizeof j->rep->signal);
	if (c->grace_s > 0) {
		signal_from(j, 0, SIGTERM);
		if (wait_members(kill_mono_s() + c->grace_s) > 0) {
			signal_from(j, 0, SIGKILL);
			kset_signame(SIGKILL, name, sizeof name);
			strcat(j->rep->signal, ",");
			strcat(j->rep->signal, name);
		}
	} else if (!(c->what == KILL_CGROUP && j->cgver == CG_V2 &&
		     final == SIGKILL && !j->spared && !j->full &&
		     cgroup_kill(j) == 0)) {
		signal_from(j, 0, final);
	}
	deadline = kill_mono_s() + c->wait_s;
	for (int round = 1;; round++) {
		int from;

		alive = wait_members(deadline);
		if (c->what == KILL_ONE || alive > 0)
			break;
		/* All gone: look again for members that appeared meanwhile. */
		kset_settle(j, 0);
		from = nset;
		j->full = 0;
		collect(j);
		if (nset == from)
			break;
		if (round == KSET_ROUNDS) {
			alive = nset - from; /* they outran the rounds */
			break;
		}
		signal_from(j, from, final);
	}
	kset_settle(j, 1);
	return alive;
}

