/* SPDX-License-Identifier: MIT */
/*
 * cg: the cgroup filesystem under a root (/sys/fs/cgroup or a fixture):
 * which hierarchies hold memory (v1 "memory/", v2 at the root or at
 * "unified/" beside v1), paths inside them, and a process's cgroup.
 */
#ifndef FOOM_CG_H
#define FOOM_CG_H

#include <limits.h>
#include <stddef.h>

struct cg_root {
	char path[PATH_MAX];
	int v1fd; /* the v1 memory hierarchy (ROOT/memory), or -1 */
	int v2fd; /* the cgroup2 hierarchy (ROOT/unified or ROOT), or -1 */
};

enum cg_ver { CG_NONE, CG_V1, CG_V2 };

/* The cgroup root: opt, else $FOOM_CGROUP_ROOT, else /sys/fs/cgroup. */
const char *cg_root_path(const char *opt);
/* Open the hierarchies under root; -1 when there is none. */
int cg_open(struct cg_root *cg, const char *root);

/* Clean a cgroup path given by a user: it must start with '/'; "//" and
 * a trailing '/' are folded; "." and ".." are refused.  -1 if bad. */
int cg_normalize(const char *in, char *out, size_t outlen);
/* A path as openat() wants it under a hierarchy fd: "/" -> ".". */
const char *cg_rel(const char *path);
/* Whether path is scope or beneath it. */
int cg_within(const char *path, const char *scope);

/* Which hierarchy holds path's memory files (v1 first: on a hybrid
 * host the v1 controller is the one that limits). */
enum cg_ver cg_memory_version(const struct cg_root *cg, const char *path);

/* The memory cgroup path in the text of /proc/PID/cgroup: the v1 line
 * naming "memory" when the root has v1 memory, else the "0::" line.
 * 0 on success, -1 when there is none. */
int cg_of_proc(const struct cg_root *cg, const char *text, char *out,
	       size_t outlen);

/* How far cg_procs looks beneath a scope's cgroup: deeper nesting, or
 * more cgroups, is a runaway tree, not a pod. */
#define CG_PROCS_MAX_DEPTH 16
#define CG_PROCS_MAX_CGROUPS 4096

/* What a cg_procs walk left out. */
struct cg_procs_cut {
	int full;     /* PIDs past the table */
	int deep;     /* cgroups below CG_PROCS_MAX_DEPTH, not read */
	int many;     /* cgroups past CG_PROCS_MAX_CGROUPS, not read */
	int bad;      /* lines of cgroup.procs that are not a PID */
};

/* The processes of path's memory cgroup and of every cgroup beneath it,
 * from each one's cgroup.procs, into pids (at most max): ascending, each
 * once.  Names are opened one level at a time, never joined into a
 * path, so no name (however long, whatever its bytes) changes the walk.
 * A cgroup removed during the walk, or a threaded one (its processes
 * are its domain's), adds nothing.  Returns the count, or -1 with errno
 * when path's own cgroup.procs cannot be read (a tree without them). */
int cg_procs(const struct cg_root *cg, const char *path, int *pids, int max,
	     struct cg_procs_cut *cut);

#endif
