/* SPDX-License-Identifier: MIT */
/* fdcache: a scan's /proc files kept open between scans (fdcache.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fdcache.h"

/* Descriptors left for everything else a stage opens. */
#define FDCACHE_SPARE_FDS 64
/* Files a process keeps at once: stat or statm, oom_score, cgroup. */
#define FDCACHE_FILES_EACH 3

static const char *const file_name[FDCACHE_NFILES] = {
	[FDCACHE_STAT] = "stat",
	[FDCACHE_OOM] = "oom_score",
	[FDCACHE_CG] = "cgroup",
	[FDCACHE_STATM] = "statm",
};

static void set_max(struct fdcache *c)
{
	struct rlimit rl;

	c->max = 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > FDCACHE_SPARE_FDS)
		c->max = rl.rlim_cur > FDCACHE_SPARE_FDS +
					       (rlim_t)FDCACHE_FILES_EACH * c->cap ?
				 FDCACHE_FILES_EACH * c->cap :
				 (int)(rl.rlim_cur - FDCACHE_SPARE_FDS);
}

int fdcache_init(struct fdcache *c, int procfd, int cap)
{
	struct rlimit rl;

	memset(c, 0, sizeof *c);
	c->procfd = procfd;
	c->cap = cap;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	set_max(c);
	for (int i = 0; i < 2; i++)
		if (!(c->e[i] = calloc(cap, sizeof *c->e[i])))
			return -1;
	return 0;
}

int fdcache_grow(struct fdcache *c, int cap)
{
	if (cap <= c->cap)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct fdcache_entry *e;

		if (!(e = realloc(c->e[i], cap * sizeof *e)))
			return -1;
		c->e[i] = e;
	}
	c->cap = cap;
	set_max(c);
	return 0;
}

static void entry_close(struct fdcache *c, struct fdcache_entry *e)
{
	e->known = 0;
	for (int i = 0; i < FDCACHE_NFILES; i++)
		if (e->fd[i] >= 0) {
			close(e->fd[i]);
			e->fd[i] = -1;
			c->open--;
		}
}

void fdcache_begin(struct fdcache *c)
{
	c->n[!c->cur] = 0;
	c->old = 0;
}

struct fdcache_entry *fdcache_entry(struct fdcache *c, int pid)
{
	struct fdcache_entry *old = c->e[c->cur], *new = c->e[!c->cur];
	int *n = &c->n[!c->cur], oldn = c->n[c->cur];
	struct fdcache_entry *e;

	if (!c->max || *n == c->cap || (*n && new[*n - 1].pid >= pid))
		return NULL;
	while (c->old < oldn && old[c->old].pid < pid)
		entry_close(c, &old[c->old++]);
	e = &new[(*n)++];
	if (c->old < oldn && old[c->old].pid == pid)
		*e = old[c->old++];
	else
		*e = (struct fdcache_entry){ .pid = pid, .fd = { -1, -1, -1, -1 } };
	return e;
}

void fdcache_end(struct fdcache *c)
{
	while (c->old < c->n[c->cur])
		entry_close(c, &c->e[c->cur][c->old++]);
	c->cur = !c->cur;
}

static long read_once(int procfd, const char *path, char *buf, size_t size)
{
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -1;
	n = proc_pread1(fd, buf, size);
	close(fd);
	return n;
}

long fdcache_read(struct fdcache *c, struct fdcache_entry *e, int pid,
		  enum fdcache_file which, char *buf, size_t size)
{
	char path[40];
	long n;

	snprintf(path, sizeof path, "%d/%s", pid, file_name[which]);
	if (!e)
		return read_once(c->procfd, path, buf, size);
	if (e->fd[which] >= 0) {
		if ((n = proc_pread1(e->fd[which], buf, size)) >= 0)
			return n;
		close(e->fd[which]);
		e->fd[which] = -1;
		c->open--;
	}
	if (c->open >= c->max)
		return read_once(c->procfd, path, buf, size);
	e->fd[which] = openat(c->procfd, path, O_RDONLY | O_CLOEXEC);
	if (e->fd[which] < 0)
		return -1;
	c->open++;
	return proc_pread1(e->fd[which], buf, size);
}

int fdcache_stat(struct fdcache *c, struct fdcache_entry *e, int pid,
		 int name_matters, struct proc_stat *st, char *buf, size_t size)
{
	long long vm_pages, rss_pages;

	if (e && e->known) {
		if (proc_pread1(e->fd[FDCACHE_STATM], buf, size) > 0 &&
		    sscanf(buf, "%lld %lld", &vm_pages, &rss_pages) == 2) {
			memset(st, 0, sizeof *st);
			st->pid = pid;
			memcpy(st->comm, e->comm, sizeof e->comm);
			/* no memory map: a zombie, or exiting */
			st->state = vm_pages ? 'S' : 'Z';
			st->ppid = e->ppid;
			st->pgrp = e->pgrp;
			st->flags = e->flags;
			st->start_ticks = e->start_ticks;
			st->rss_pages = rss_pages;
			return 0;
		}
		entry_close(c, e); /* it died: the PID may be another's now */
	}
	if (fdcache_read(c, e, pid, FDCACHE_STAT, buf, size) < 0 ||
	    proc_parse_stat(buf, st) < 0)
		return -1;
	/* statm opened before stat is read again: if it then reads, the
	 * stat was of the same living process.  Not when a rule reads the
	 * name: a process renames itself (exec, PR_SET_NAME) without a new
	 * start time, and each scan must judge the name it has now. */
	if (e && e->fd[FDCACHE_STAT] >= 0 && strlen(st->comm) < sizeof e->comm &&
	    c->open < c->max && !name_matters) {
		char path[40];

		snprintf(path, sizeof path, "%d/statm", pid);
		e->fd[FDCACHE_STATM] = openat(c->procfd, path, O_RDONLY | O_CLOEXEC);
		if (e->fd[FDCACHE_STATM] >= 0) {
			c->open++;
			if (proc_pread1(e->fd[FDCACHE_STAT], buf, size) >= 0 &&
			    proc_parse_stat(buf, st) == 0 &&
			    proc_pread1(e->fd[FDCACHE_STATM], buf, size) > 0) {
				e->known = 1;
				e->ppid = st->ppid;
				e->pgrp = st->pgrp;
				e->flags = st->flags;
				e->start_ticks = st->start_ticks;
				memcpy(e->comm, st->comm, sizeof e->comm);
				/* stat is read again only for a victim */
				close(e->fd[FDCACHE_STAT]);
				e->fd[FDCACHE_STAT] = -1;
				c->open--;
			} else {
				entry_close(c, e);
				return -1;
			}
		}
	}
	return 0;
}
