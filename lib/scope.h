/* SPDX-License-Identifier: MIT */
/*
 * scope: what foom watches and ranks in.  "node", "cgroup:/path" (the
 * path inside the memory hierarchy, spelled the same on v1 and v2) and
 * "pod:namespace/name" (a Kubernetes pod, named from the kubelet's
 * /var/log/pods/NAMESPACE_NAME_UID directories, never an API server).
 * Also the roots every command reads: --proc, --cgroup-root, --pods-dir.
 */
#ifndef FOOM_SCOPE_H
#define FOOM_SCOPE_H

#include <argp.h>
#include <limits.h>

#include "cg.h"

enum scope_kind { SCOPE_NODE, SCOPE_CGROUP, SCOPE_POD };

struct scope {
	enum scope_kind kind;
	char name[PATH_MAX + 8]; /* as printed in scope= */
	char cgroup[PATH_MAX];   /* cgroup path; "/" for the node */
	char ns[256], pod[256];  /* pods only */
	char uid[80];            /* pods only */
};

/* Roots, from options, else FOOM_PROC / FOOM_CGROUP_ROOT /
 * FOOM_PODS_DIR, else the live system. */
struct scope_roots {
	const char *proc, *cgroup, *pods;
};
extern struct scope_roots scope_roots;
/* The argp child for --proc, --cgroup-root and --pods-dir. */
extern const struct argp scope_roots_argp;
const char *scope_pods_dir(void);

/* Parse a scope's spelling (syntax only).  -1 and err when bad. */
int scope_parse(const char *s, struct scope *sc, char *err, size_t errlen);

/* Fill in a pod scope's uid and cgroup from the pods dir and the memory
 * hierarchy; a cgroup scope is checked to exist.  0, or -1 and err. */
int scope_resolve(const struct cg_root *cg, struct scope *sc, char *err,
		  size_t errlen);

/* The pod UID in a cgroup path (cgroupfs "pod<uid>" or systemd
 * "...-pod<uid_with_underscores>.slice"), and the length of the path up
 * to that component.  Returns that length, 0 when not a pod's path. */
size_t scope_pod_uid(const char *cgpath, char *uid, size_t uidlen);
/* Namespace and name of the pod with this UID from the pods dir; 0 when
 * found, -1 otherwise. */
int scope_pod_name(const char *uid, char *ns, size_t nslen, char *name,
		   size_t namelen);

/* Call fn for every cgroup of the memory hierarchy that holds path's
 * files (pre-order, path itself first), at most maxdepth levels down. */
typedef int (*scope_walk_fn)(void *ctx, const char *path, enum cg_ver ver);
int scope_walk(const struct cg_root *cg, const char *path, int maxdepth,
	       scope_walk_fn fn, void *ctx);

#endif
