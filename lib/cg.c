/* SPDX-License-Identifier: MIT */
/* cg: cgroup hierarchies under a root, v1, v2 and hybrid. */
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
