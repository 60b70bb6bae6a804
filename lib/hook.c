/* SPDX-License-Identifier: MIT */
/*
 * hook: fork, set up the child, exec sh -c CMD; wait for it up to
 * --hook-timeout, then kill its process group.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook.h"
#include "msg.h"

/* Hooks: sh -c CMD with FOOM_* in its environment, stdin from
 * /dev/null, stdout to our stderr (our stdout is a record stream),
 * in its own process group so a timeout kills all it started. */

void hook_run(const struct kill_conf *c, const char *which, const char *cmd,
	      const struct kill_victim *v, const struct kill_report *rep)
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
		signal(SIGPIPE, SIG_DFL); /* foom-kill ignores it */
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
	pfd.fd = fd = kill_pidfd_open(pid);
	pfd.events = POLLIN;
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
		close(fd);
	}
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) != 0)
		msg_warnx("%s-hook '%s' exited with status %d", which, cmd,
			  WEXITSTATUS(status));
}

void hook_post(const struct kill_conf *c, const struct kill_victim *v,
	       const struct kill_report *rep)
{
	if (c->post_hook && rep->result != KILL_COOLDOWN)
		hook_run(c, "post", c->post_hook, v, rep);
}
