/* SPDX-License-Identifier: MIT */
/* proc: fixed-buffer readers for /proc files, and self-hardening. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "msg.h"
#include "proc.h"

long proc_pread(int fd, char *buf, size_t size)
{
	size_t len = 0;

	/* Kernel seq files may hand out a page at a time: read until EOF. */
	while (len + 1 < size) {
		ssize_t n = pread(fd, buf + len, size - 1 - len, (off_t)len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	return (long)len;
}

long proc_read_at(int dirfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	long n;
	int e;

	if (fd < 0)
		return -1;
	n = proc_pread(fd, buf, size);
	e = errno;
	close(fd);
	errno = e;
	return n;
}

int proc_kv(const char *buf, const char *key, long long *v)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 &&
		    (p[klen] == ':' || p[klen] == ' ' || p[klen] == '\t')) {
			char *end;

			p += klen;
			if (*p == ':')
				p++;
			errno = 0;
			*v = strtoll(p, &end, 10);
			if (end == p || errno)
				return -1;
			return 1;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

unsigned long proc_kv_many(const char *buf, const char *const *keys, int n,
			   long long *vals)
{
	unsigned long found = 0, all = n >= (int)(8 * sizeof found) ? ~0UL :
						      (1UL << n) - 1;
	const char *p = buf;
	size_t len[64];
	unsigned char first[256] = { 0 }; /* a wanted key starts so */

	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++) {
		len[i] = strlen(keys[i]);
		first[(unsigned char)keys[i][0]] = 1;
	}

	while (*p && found != all) {
		const char *k = p, *end;
		size_t klen;

		if (!first[(unsigned char)*p]) {
			if (!(end = strchr(p, '\n')))
				break;
			p = end + 1;
			continue;
		}
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		klen = (size_t)(p - k);
		if (klen && k[klen - 1] == ':')
			klen--;
		for (int i = 0; i < n; i++) {
			char *num_end;
			long long v;

			if (len[i] != klen || keys[i][0] != k[0] ||
			    (found >> i & 1) || memcmp(keys[i], k, klen) != 0)
				continue;
			errno = 0;
			v = strtoll(p, &num_end, 10);
			if (num_end != p && !errno) {
				vals[i] = v;
				found |= 1UL << i;
			}
			break;
		}
		end = strchr(p, '\n');
		if (!end)
			break;
		p = end + 1;
	}
	return found;
}

long long proc_sat_add(long long a, long long b)
{
	long long r;

	if (__builtin_add_overflow(a, b, &r))
		return b < 0 ? LLONG_MIN : LLONG_MAX;
	return r;
}

long long proc_sat_mul(long long a, long long b)
{
	long long r;

	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? LLONG_MIN : LLONG_MAX;
	return r;
}

int proc_parse_stat(const char *buf, struct proc_stat *st)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	size_t n;
	unsigned long long skip;
	int got;

	if (!open || !close || close < open)
		return -1;
	memset(st, 0, sizeof *st);
	st->pid = atoi(buf);
	n = (size_t)(close - open - 1);
	if (n >= sizeof st->comm)
		n = sizeof st->comm - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = '\0';
	/* Fields 3.. of proc(5): state ppid pgrp session tty_nr tpgid flags
	 * minflt cminflt majflt cmajflt utime stime cutime cstime priority
	 * nice num_threads itrealvalue starttime vsize rss */
	got = sscanf(close + 1,
		     " %c %d %d %d %llu %llu %lu %llu %llu %llu %llu %llu %llu"
		     " %llu %llu %llu %llu %llu %llu %llu %lld %lld",
		     &st->state, &st->ppid, &st->pgrp, &st->session, &skip,
		     &skip, &st->flags, &skip, &skip, &skip, &skip,
		     &st->utime_ticks, &st->stime_ticks, &skip, &skip, &skip,
		     &skip, &skip, &skip, &st->start_ticks, &st->vsize_bytes,
		     &st->rss_pages);
	return got == 22 ? 0 : -1;
}

int proc_stat(int procfd, int pid, struct proc_stat *st)
{
	char path[32], buf[1024];

	snprintf(path, sizeof path, "%d/stat", pid);
	if (proc_read_at(procfd, path, buf, sizeof buf) < 0)
		return -1;
	if (proc_parse_stat(buf, st) < 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int proc_is_kthread(const struct proc_stat *st)
{
	/* PF_KTHREAD, and kthreadd's children for fixtures without flags. */
	return (st->flags & PROC_PF_KTHREAD) || st->pid == 2 || st->ppid == 2;
}

int proc_oom_score_adj(int procfd, int pid, int *adj)
{
	char path[40], buf[32];
	long n;

	snprintf(path, sizeof path, "%d/oom_score_adj", pid);
	n = proc_read_at(procfd, path, buf, sizeof buf);
	if (n <= 0)
		return -1;
	*adj = atoi(buf);
	return 0;
}

const char *proc_root(const char *opt)
{
	const char *env = getenv("FOOM_PROC");

	if (opt)
		return opt;
	return env && *env ? env : "/proc";
}

int proc_open_root(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		msg_err(EXIT_SYSTEM, "cannot open '%s'", root);
	return fd;
}

static void harden(int lazy)
{
	int fd, rc = -1;

	/* Kernels before 4.4 lack MCL_ONFAULT (EINVAL): lock everything. */
	if (lazy)
		rc = mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
	if (rc < 0 && (!lazy || errno == EINVAL))
		rc = mlockall(MCL_CURRENT | MCL_FUTURE);
	if (rc < 0)
		msg_warn("cannot lock memory (mlockall)");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "-1000", 5) != 5)
		msg_warn("cannot set oom_score_adj to -1000");
	if (fd >= 0)
		close(fd);
}

void proc_harden(void)
{
	harden(0);
}

void proc_harden_lazy(void)
{
	harden(1);
}

/* How deep into the stack a follow-mode stage reaches at start, so that
 * the pages its deepest path needs are in and locked before that path
 * first runs.  foom-kill's deepest, a kill of a process group with both
 * hooks, a protect rule, the log and syslog, reached 56 KiB below its
 * start (its stack's Rss in /proc/PID/smaps: 20 KiB at exec, 76 after;
 * PCRE2's JIT takes 32 of them); a sampler's tick or a ranker's scan
 * less.  24 KiB to spare. */
#define STACK_WARM_KB 80

/* A start address, an end and an inode off the front of one line of
 * /proc/self/maps ("start-end perms offset dev inode path").  0, or -1
 * when the line is not one. */
static int maps_line(const char *line, unsigned long *start,
		     unsigned long *end, unsigned long long *inode)
{
	char *p;

	*start = strtoul(line, &p, 16);
	if (*p != '-')
		return -1;
	*end = strtoul(p + 1, &p, 16);
	/* past the perms, the offset and the device */
	for (int field = 0; field < 3; field++)
		if (!(p = strchr(p + 1, ' ')))
			return -1;
	*inode = strtoull(p + 1, &p, 10);
	return *p == ' ' || *p == '\n' || *p == '\0' ? 0 : -1;
}

/* Fault in the stack's next STACK_WARM_KB, locked as they come in
 * (MCL_FUTURE): a byte a KiB touches every page whatever its size. */
static __attribute__((noinline)) void warm_stack(void)
{
	volatile char pad[STACK_WARM_KB * 1024];

	for (size_t i = 0; i < sizeof pad; i += 1024)
		pad[i] = 0;
}

void proc_harden_exe(void)
{
	char line[PATH_MAX + 256];
	int whole_line = 1;
	FILE *f;

	harden(1);
	warm_stack();
	if (!(f = fopen("/proc/self/maps", "re"))) {
		msg_warn("cannot read '/proc/self/maps': its files are "
			 "locked only as they are touched");
		return;
	}
	/* Every mapping of a file, whole: the code the process can run and
	 * the data it was loaded with.  Anonymous memory (heap, stack,
	 * tables) is locked as it is first touched. */
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end;
		unsigned long long inode;
		int at_start = whole_line;
		char *nl = strchr(line, '\n'), *path;

		whole_line = nl != NULL;
		if (nl)
			*nl = '\0';
		if (!at_start || maps_line(line, &start, &end, &inode) < 0 ||
		    inode == 0 || end <= start)
			continue;
		if (mlock((void *)start, end - start) < 0) {
			path = strchr(line, '/');
			msg_warn("cannot lock memory (mlock of '%s')",
				 path ? path : line);
			break;
		}
	}
	fclose(f);
}

void proc_watch_parent(void)
{
	const char *s = getenv("FOOM_WATCH_PID");
	long pid;

	if (!s || msg_parse_long(s, 1, 1L << 30, &pid) < 0)
		return;
	/* SIGTERM when foom-watch dies, even by SIGKILL; and at once when
	 * it died before this line (the child of another then) */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != (pid_t)pid)
		raise(SIGTERM);
}

long proc_page_kb(void)
{
	static long kb;

	if (!kb)
		kb = sysconf(_SC_PAGESIZE) / 1024;
	return kb;
}

void proc_iter_start(struct proc_iter *it, int procfd)
{
	it->fd = procfd;
	it->len = it->off = 0;
	lseek(procfd, 0, SEEK_SET);
}

int proc_iter_next(struct proc_iter *it)
{
	for (;;) {
		struct dirent64 *d;
		const char *p;
		long pid = 0;

		if (it->off >= it->len) {
			ssize_t n = getdents64(it->fd, it->buf, sizeof it->buf);

			if (n <= 0)
				return n < 0 ? -1 : 0;
			it->len = n;
			it->off = 0;
		}
		d = (struct dirent64 *)(it->buf + it->off);
		it->off += d->d_reclen;
		if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN)
			continue;
		for (p = d->d_name; *p >= '0' && *p <= '9' && pid < 1 << 30; p++)
			pid = pid * 10 + (*p - '0');
		if (*p == '\0' && p != d->d_name && pid > 0 && pid < 1 << 30)
			return (int)pid;
	}
}

long proc_pread1(int fd, char *buf, size_t size)
{
	ssize_t n;

	while ((n = pread(fd, buf, size - 1, 0)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

long proc_cmdline(int procfd, int pid, char *buf, size_t size)
{
	char path[32];
	long n;

	snprintf(path, sizeof path, "%d/cmdline", pid);
	n = proc_read_at(procfd, path, buf, size);
	if (n < 0)
		return -1;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	buf[n] = '\0';
	for (long i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return n;
}

long proc_exe(int procfd, int pid, char *buf, size_t size)
{
	char path[32];
	ssize_t n;

	snprintf(path, sizeof path, "%d/exe", pid);
	n = readlinkat(procfd, path, buf, size - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

int proc_oom_score(int procfd, int pid, int *score)
{
	char path[40], buf[32];
	long n;

	snprintf(path, sizeof path, "%d/oom_score", pid);
	n = proc_read_at(procfd, path, buf, sizeof buf);
	if (n <= 0) {
		if (n == 0)
			errno = EINVAL;
		return -1;
	}
	*score = atoi(buf);
	return 0;
}

int proc_parse_status(const char *buf, struct proc_status *st)
{
	const char *p = buf;

	st->euid = st->nspid_last = st->swap_kb = st->rss_kb = -1;
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		long long v;

		if (strncmp(p, "Uid:", 4) == 0) {
			char *q;

			strtoll(p + 4, &q, 10); /* the real uid, then ours */
			v = strtoll(q, &end, 10);
			if (end != q)
				st->euid = v;
		} else if (strncmp(p, "NSpid:", 6) == 0) {
			const char *q = p + 6;

			/* one PID per nested namespace, the innermost last */
			for (;;) {
				v = strtoll(q, &end, 10);
				if (end == q || (*end && *end != '\n' &&
						 *end != '\t' && *end != ' '))
					break;
				st->nspid_last = v;
				q = end;
			}
		} else if (strncmp(p, "VmSwap:", 7) == 0) {
			v = strtoll(p + 7, &end, 10);
			if (end != p + 7)
				st->swap_kb = v;
		} else if (strncmp(p, "VmRSS:", 6) == 0) {
			v = strtoll(p + 6, &end, 10);
			if (end != p + 6)
				st->rss_kb = v;
		}
	}
	return 0;
}

int proc_status(int procfd, int pid, struct proc_status *st)
{
	char path[32], buf[4096];

	snprintf(path, sizeof path, "%d/status", pid);
	if (proc_read_at(procfd, path, buf, sizeof buf) < 0)
		return -1;
	return proc_parse_status(buf, st);
}

int proc_uptime(int procfd, double *up_s)
{
	char buf[128];
	char *end;

	if (proc_read_at(procfd, "uptime", buf, sizeof buf) < 0)
		return -1;
	*up_s = strtod(buf, &end);
	if (end == buf) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
