/* SPDX-License-Identifier: MIT */
/* guard: the one decision whether a process may be signalled (guard.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard.h"
#include "msg.h"

struct guard_opts guard_opts;

enum { OPT_PROTECT = 0x300, OPT_ALLOW_PID1, OPT_PASSWD };

static const struct argp_option guard_options[] = {
	{ NULL, 0, NULL, 0,
	  "Protection (FIELD: name, cmdline, exe, user, cgroup, pod, namespace; "
	  "REGEX: PCRE2):", 20 },
	{ "protect", OPT_PROTECT, "FIELD=REGEX", 0, "Never signal a process "
	  "this matches", 0 },
	{ "policy", 'P', "FILE", 0, "Rules from FILE, one a line", 0 },
	{ "allow-pid1", OPT_ALLOW_PID1, NULL, 0,
	  "A container's or pod's PID 1 may be signalled", 0 },
	{ "passwd", OPT_PASSWD, "FILE", 0,
	  "User names from FILE (default /etc/passwd)", 0 },
	{ 0 }
};

struct rules *guard_rules(void)
{
	if (!guard_opts.rules)
		guard_opts.rules = rules_new();
	return guard_opts.rules;
}

static error_t guard_parse(int key, char *arg, struct argp_state *state)
{
	char err[8192];
	struct rules *rs;
	int rc;

	switch (key) {
	case OPT_PROTECT:
	case 'P':
		if (!(rs = guard_rules()))
			msg_err(EXIT_SYSTEM, "out of memory");
		rc = key == 'P' ? rules_load(rs, arg, err, sizeof err) :
				  rules_add_option(rs, RULE_PROTECT, arg, err,
						   sizeof err);
		if (rc == -2 && key == 'P')
			msg_err(EXIT_SYSTEM, "cannot read '%s'", arg);
		if (rc == -2)
			msg_err(EXIT_SYSTEM, "out of memory");
		if (rc < 0)
			argp_failure(state, EXIT_USAGE, 0, "%s", err);
		break;
	case OPT_ALLOW_PID1: guard_opts.allow_pid1 = 1; break;
	case OPT_PASSWD: guard_opts.passwd = arg; break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp guard_argp = { guard_options, guard_parse, NULL, NULL,
				 NULL, NULL, NULL };

static void add_exe(struct guard *g, const char *path)
{
	struct stat st;

	if (g->nexe < GUARD_EXE_MAX && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		for (int i = 0; i < g->nexe; i++)
			if (g->exe[i].dev == st.st_dev && g->exe[i].ino == st.st_ino)
				return;
		g->exe[g->nexe].dev = st.st_dev;
		g->exe[g->nexe].ino = st.st_ino;
		g->nexe++;
	}
}

int guard_init(struct guard *g, int procfd, const struct rules *rules,
	       int allow_pid1)
{
	char self[PATH_MAX], path[PATH_MAX + 512];
	struct proc_stat st;
	ssize_t n;
	DIR *d;
	struct dirent *e;

	memset(g, 0, sizeof *g);
	g->procfd = procfd;
	g->rules = rules;
	g->allow_pid1 = allow_pid1;
	g->livefd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g->self.pid = getpid();
	/* without its own /proc it cannot know itself or its ancestors */
	if (g->livefd < 0 || proc_stat(g->livefd, g->self.pid, &st) < 0)
		return -1;
	g->self.start_ticks = st.start_ticks;
	/* foom's binaries: this one, and the foom-* beside it */
	add_exe(g, "/proc/self/exe");
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((d = opendir(dirname(self)))) {
			while ((e = readdir(d)))
				if (strncmp(e->d_name, "foom-", 5) == 0) {
					snprintf(path, sizeof path, "%s/%s", self,
						 e->d_name);
					add_exe(g, path);
				}
			closedir(d);
		}
	}
	guard_begin(g);
	return 0;
}

void guard_begin(struct guard *g)
{
	int pid = getppid();

	/* always from the live /proc: these are this process's own */
	g->nanc = 0;
	while (pid > 1 && g->nanc < GUARD_ANC_MAX && g->livefd >= 0) {
		struct proc_stat st;

		if (proc_stat(g->livefd, pid, &st) < 0)
			break;
		g->anc[g->nanc].pid = pid;
		g->anc[g->nanc].start_ticks = st.start_ticks;
		g->nanc++;
		pid = st.ppid;
	}
}

static int is_proc(const struct guard_proc *p, const struct proc_stat *st)
{
	return p->pid == st->pid && p->start_ticks == st->start_ticks;
}

const char *guard_stat(const struct guard *g, const struct proc_stat *st,
		       int *gone)
{
	*gone = 0;
	if (st->state == 'Z' || st->state == 'X') {
		*gone = 1;
		return "zombie";
	}
	if (st->pid == 1)
		return "pid 1";
	if (proc_is_kthread(st))
		return "kernel thread";
	if (is_proc(&g->self, st))
		return "foom itself";
	for (int i = 0; i < g->nanc; i++)
		if (is_proc(&g->anc[i], st))
			return "an ancestor of foom";
	return NULL;
}

/* A process running one of foom's binaries: another stage. */
static int runs_foom(const struct guard *g, int pid)
{
	char path[40];
	struct stat st;

	snprintf(path, sizeof path, "%d/exe", pid);
	if (fstatat(g->procfd, path, &st, 0) < 0)
		return 0;
	for (int i = 0; i < g->nexe; i++)
		if (g->exe[i].dev == st.st_dev && g->exe[i].ino == st.st_ino)
			return 1;
	return 0;
}

const char *guard_check(struct guard *g, struct view *v,
			const struct proc_stat *st, const char *scope,
			int *gone, const char **rule)
{
	const struct proc_status *ps;
	const char *why;
	int adj;

	if (rule)
		*rule = NULL;
	if ((why = guard_stat(g, st, gone)))
		return why;
	if (runs_foom(g, st->pid))
		return "a foom process";
	if (!(ps = view_status(v)) ||
	    proc_oom_score_adj(g->procfd, st->pid, &adj) < 0) {
		*gone = 1;
		return "gone";
	}
	if (!g->allow_pid1 && ps->nspid_last == 1)
		return "a container's PID 1";
	if (adj == -1000)
		return "oom_score_adj -1000";
	for (int i = 0; i < rules_count(g->rules); i++)
		if (rules_action(g->rules, i) == RULE_PROTECT &&
		    rules_apply(g->rules, i, scope) &&
		    rules_match(g->rules, i, view_get, v) != 0) {
			if (rule)
				*rule = rules_text(g->rules, i);
			return "protected by the policy";
		}
	return NULL;
}
