/* SPDX-License-Identifier: MIT */
/*
 * hook: sh -c CMD with FOOM_* in its environment, off the kill's path.
 *
 * foom-kill forks one child per hook, the keeper, and goes on: the
 * keeper starts the command and enforces --hook-timeout on its own, so
 * foom-kill waits for no hook (a pre-hook at most --pre-hook-wait) and
 * only reaps keepers as it passes (hook_reap), or waits for them at the
 * end (hook_wait_all).  The keeper drops what foom-kill holds for its
 * own protection (oom_score_adj -1000, locked memory) before anything
 * runs: a hook is an ordinary process, killable like any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook.h"
#include "msg.h"

/* What foom-kill's follow mode set for itself, undone in the keeper. */
static void unharden(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "0", 1) != 1)
		msg_warn("hook: cannot reset oom_score_adj to 0");
	if (fd >= 0)
		close(fd);
	munlockall();
	signal(SIGPIPE, SIG_DFL); /* foom-kill ignores it */
	signal(SIGCHLD, SIG_DFL);
}

static void set_env(const struct kill_conf *c, const char *which,
		    const struct kill_victim *v, const struct kill_report *rep)
{
	char num[32];

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
}

/* The keeper: start the command in a process group of its own (so a
 * timeout kills all it started), wait for it up to the timeout, say how
 * it ended.  stdin is /dev/null, stdout our stderr (foom-kill's stdout
 * is a record stream). */
static noreturn void keeper(const struct kill_conf *c, const char *which,
			    const char *cmd)
{
	int nul = open("/dev/null", O_RDONLY), pid, fd, status;
	struct pollfd pfd = { .events = POLLIN };

	unharden();
	if (nul >= 0)
		dup2(nul, 0);
	dup2(2, 1);
	pid = fork();
	if (pid < 0) {
		msg_warn("cannot run the %s-hook", which);
		_exit(1);
	}
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	pfd.fd = fd = kill_pidfd_open(pid);
	if (fd >= 0) {
		double end = kill_mono_s() + c->hook_timeout_s, left;
		int r;

		while ((left = end - kill_mono_s()) > 0 &&
		       (r = poll(&pfd, 1, (int)(left * 1000) + 1)) <= 0)
			if (r < 0 && errno != EINTR)
				break;
		if (!(pfd.revents & POLLIN)) {
			kill(-pid, SIGKILL);
			msg_warnx("%s-hook '%s' timed out after %g s: killed",
				  which, cmd, c->hook_timeout_s);
		}
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) != 0)
		msg_warnx("%s-hook '%s' exited with status %d", which, cmd,
			  WEXITSTATUS(status));
	_exit(0);
}

int hook_start(const struct kill_conf *c, const char *which, const char *cmd,
	       const struct kill_victim *v, const struct kill_report *rep)
{
	int pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		msg_warn("cannot run the %s-hook", which);
		return -1;
	}
	if (pid == 0) {
		set_env(c, which, v, rep);
		keeper(c, which, cmd);
	}
	return pid;
}

void hook_pre(const struct kill_conf *c, const struct kill_victim *v,
	      const struct kill_report *rep)
{
	struct pollfd pfd = { .events = POLLIN };
	double end;
	int pid, r;

	if (!c->pre_hook ||
	    (pid = hook_start(c, "pre", c->pre_hook, v, rep)) < 0)
		return;
	pfd.fd = kill_pidfd_open(pid);
	if (pfd.fd < 0)
		return;
	end = kill_mono_s() + c->pre_hook_wait_s;
	for (double left; (left = end - kill_mono_s()) > 0;) {
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r > 0 || (r < 0 && errno != EINTR))
			break;
	}
	close(pfd.fd);
	hook_reap();
}

void hook_post(const struct kill_conf *c, const struct kill_victim *v,
	       const struct kill_report *rep)
{
	if (c->post_hook && rep->result != KILL_COOLDOWN)
		hook_start(c, "post", c->post_hook, v, rep);
}

void hook_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

void hook_wait_all(void)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}
