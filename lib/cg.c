/* SPDX-License-Identifier: MIT */
/* cg: cgroup hierarchies under a root, v1, v2 and hybrid. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg.h"

const char *cg_root_path(const char *opt)
{
	const char *env = getenv("FOOM_CGROUP_ROOT");

	if (opt)
		return opt;
	return env && *env ? env : "/sys/fs/cgroup";
}

static int open_dir(int dirfd, const char *path)
{
	return openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int cg_open(struct cg_root *cg, const char *root)
{
	int rfd = open_dir(AT_FDCWD, root);

	snprintf(cg->path, sizeof cg->path, "%s", root);
	cg->v1fd = cg->v2fd = -1;
	if (rfd < 0)
		return -1;
	cg->v1fd = open_dir(rfd, "memory");
	cg->v2fd = open_dir(rfd, "unified");
	if (cg->v2fd < 0 && faccessat(rfd, "cgroup.controllers", F_OK, 0) == 0)
		cg->v2fd = dup(rfd);
	close(rfd);
	if (cg->v1fd < 0 && cg->v2fd < 0) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

int cg_normalize(const char *in, char *out, size_t outlen)
{
	size_t o = 0;
	const char *p = in;

	if (*p != '/')
		return -1;
	while (*p) {
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -1;
		if (o + 1 + n + 1 > outlen)
			return -1;
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

const char *cg_rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

int cg_within(const char *path, const char *scope)
{
	size_t n = strlen(scope);

	if (strcmp(scope, "/") == 0)
		return 1;
	return strncmp(path, scope, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

enum cg_ver cg_memory_version(const struct cg_root *cg, const char *path)
{
	char p[PATH_MAX];

	if (cg->v1fd >= 0) {
		snprintf(p, sizeof p, "%s/memory.usage_in_bytes", cg_rel(path));
		if (faccessat(cg->v1fd, p, F_OK, 0) == 0)
			return CG_V1;
	}
	if (cg->v2fd >= 0) {
		/* The v2 root has no memory.current: take its memory.stat. */
		snprintf(p, sizeof p, "%s/memory.current", cg_rel(path));
		if (faccessat(cg->v2fd, p, F_OK, 0) == 0)
			return CG_V2;
		snprintf(p, sizeof p, "%s/memory.stat", cg_rel(path));
		if (strcmp(path, "/") == 0 && faccessat(cg->v2fd, p, F_OK, 0) == 0)
			return CG_V2;
	}
	return CG_NONE;
}

int cg_of_proc(const struct cg_root *cg, const char *text, char *out,
	       size_t outlen)
{
	const char *line = text;

	while (line && *line) {
		const char *c1 = strchr(line, ':'), *c2, *eol;
		const char *next = strchr(line, '\n');

		eol = next ? next : line + strlen(line);
		c2 = c1 && c1 < eol ? memchr(c1 + 1, ':', eol - c1 - 1) : NULL;
		if (c2) {
			const char *ctl = c1 + 1;
			size_t clen = c2 - ctl;
			int match = 0;

			if (cg->v1fd >= 0) {
				/* "memory" as one of a comma-separated list */
				for (const char *t = ctl; t < c2;) {
					size_t n = strcspn(t, ",:");

					if (n == 6 && strncmp(t, "memory", 6) == 0)
						match = 1;
					t += n + 1;
				}
			} else {
				match = clen == 0 && c1 - line == 1 && line[0] == '0';
			}
			if (match) {
				size_t n = eol - (c2 + 1);

				if (n + 1 > outlen)
					return -1;
				memcpy(out, c2 + 1, n);
				out[n] = '\0';
				return 0;
			}
		}
		line = next ? next + 1 : NULL;
	}
	return -1;
}

struct procs_walk {
	int *pids, n, max, ncg;
	struct cg_procs_cut *cut;
};

/* One cgroup.procs: a PID a line.  -1 when it cannot be opened or read. */
static int read_procs(struct procs_walk *w, int dirfd)
{
	char buf[4096];
	long pid = 0;
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	int digits = 0, junk = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];

			if (ch >= '0' && ch <= '9' && !junk) {
				pid = pid * 10 + (ch - '0');
				digits++;
				/* past any PID the kernel hands out */
				junk = pid >= 1L << 30;
				continue;
			}
			if (ch != '\n') {
				junk = 1;
				continue;
			}
			if (digits && !junk && pid > 0) {
				if (w->n < w->max)
					w->pids[w->n++] = (int)pid;
				else
					w->cut->full++;
			} else if (digits || junk) {
				w->cut->bad++;
			}
			pid = digits = junk = 0;
		}
	}
	if (digits || junk)
		w->cut->bad++; /* the kernel ends every line */
	close(fd);
	return n < 0 ? -1 : 0;
}

/* The cgroups beneath dirfd, depth levels below the scope's. */
static void walk_procs(struct procs_walk *w, int dirfd, int depth)
{
	char buf[2048];
	long len;
	int lfd;

	/* the directory read through a descriptor of its own: getdents
	 * moves its offset */
	if ((lfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	while ((len = getdents64(lfd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < len;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			int sub;

			off += d->d_reclen;
			if (d->d_name[0] == '.' ||
			    (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN))
				continue;
			if (depth == CG_PROCS_MAX_DEPTH) {
				w->cut->deep++;
				continue;
			}
			if (w->ncg == CG_PROCS_MAX_CGROUPS) {
				w->cut->many++;
				continue;
			}
			sub = openat(dirfd, d->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			w->ncg++;
			/* unreadable: removed meanwhile, or threaded (and so
			 * are the cgroups beneath it) */
			if (read_procs(w, sub) == 0)
				walk_procs(w, sub, depth + 1);
			close(sub);
		}
	}
	close(lfd);
}

static void sort_ints(int *a, int n)
{
	/* heapsort: in place, no allocation */
	for (int k = n / 2 - 1, m = n; m > 1;) {
		int i, t;

		if (k >= 0) {
			i = k--;
		} else {
			t = a[0];
			a[0] = a[--m];
			a[m] = t;
			i = 0;
		}
		for (;;) {
			int l = 2 * i + 1, r = l + 1, big = i;

			if (l < m && a[l] > a[big])
				big = l;
			if (r < m && a[r] > a[big])
				big = r;
			if (big == i)
				break;
			t = a[i];
			a[i] = a[big];
			a[big] = t;
			i = big;
		}
	}
}

int cg_procs(const struct cg_root *cg, const char *path, int *pids, int max,
	     struct cg_procs_cut *cut)
{
	struct procs_walk w = { pids, 0, max, 1, cut };
	int hfd = cg && cg->v1fd >= 0 ? cg->v1fd : cg ? cg->v2fd : -1;
	int dfd, n = 0, err;

	memset(cut, 0, sizeof *cut);
	if (hfd < 0) {
		errno = ENOENT;
		return -1;
	}
	dfd = openat(hfd, cg_rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	if (read_procs(&w, dfd) < 0) {
		err = errno;
		close(dfd);
		errno = err;
		return -1;
	}
	walk_procs(&w, dfd, 0);
	close(dfd);
	sort_ints(pids, w.n);
	for (int i = 0; i < w.n; i++)
		if (!n || pids[n - 1] != pids[i])
			pids[n++] = pids[i];
	return n;
}
