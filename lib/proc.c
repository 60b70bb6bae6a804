/* SPDX-License-Identifier: MIT */
/* proc: fixed-buffer readers for /proc files, and self-hardening. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

long proc_page_kb(void)
{
	static long kb;

	if (!kb)
		kb = sysconf(_SC_PAGESIZE) / 1024;
	return kb;
}
