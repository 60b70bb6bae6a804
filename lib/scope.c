/* SPDX-License-Identifier: MIT */
/* scope: scope spellings, Kubernetes pods, and the fixture roots. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pods.h"
#include "scope.h"

struct scope_roots scope_roots;

const char *scope_pods_dir(void)
{
	const char *env = getenv("FOOM_PODS_DIR");

	if (scope_roots.pods)
		return scope_roots.pods;
	return env && *env ? env : "/var/log/pods";
}

enum { OPT_PROC = 0x200, OPT_CGROUP_ROOT, OPT_PODS_DIR };

static error_t roots_opt(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case OPT_PROC: scope_roots.proc = arg; break;
	case OPT_CGROUP_ROOT: scope_roots.cgroup = arg; break;
	case OPT_PODS_DIR: scope_roots.pods = arg; break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option roots_options[] = {
	{ NULL, 0, NULL, 0, "Roots (for fixture trees):", 90 },
	{ "proc", OPT_PROC, "DIR", 0, "Read /proc from DIR (or $FOOM_PROC)", 0 },
	{ "cgroup-root", OPT_CGROUP_ROOT, "DIR", 0,
	  "The cgroup root holding memory/, unified/ or a v2 tree "
	  "(or $FOOM_CGROUP_ROOT; default /sys/fs/cgroup)", 0 },
	{ "pods-dir", OPT_PODS_DIR, "DIR", 0,
	  "The kubelet's pod log directory (or $FOOM_PODS_DIR; default "
	  "/var/log/pods)", 0 },
	{ 0 }
};

const struct argp scope_roots_argp = { roots_options, roots_opt, NULL, NULL,
				       NULL, NULL, NULL };

/* A DNS-1123 label or subdomain: what Kubernetes allows in namespaces
 * and pod names (and never '_', which the pods dir uses as separator). */
static int k8s_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
		      s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

int scope_parse(const char *s, struct scope *sc, char *err, size_t errlen)
{
	memset(sc, 0, sizeof *sc);
	if (strcmp(s, "node") == 0) {
		sc->kind = SCOPE_NODE;
		strcpy(sc->name, "node");
		strcpy(sc->cgroup, "/");
		return 0;
	}
	if (strncmp(s, "cgroup:", 7) == 0) {
		sc->kind = SCOPE_CGROUP;
		if (cg_normalize(s + 7, sc->cgroup, sizeof sc->cgroup) < 0) {
			snprintf(err, errlen,
				 "bad cgroup path in scope '%s' (want cgroup:/path)", s);
			return -1;
		}
		snprintf(sc->name, sizeof sc->name, "cgroup:%s", sc->cgroup);
		return 0;
	}
	if (strncmp(s, "pod:", 4) == 0) {
		const char *slash = strchr(s + 4, '/');

		sc->kind = SCOPE_POD;
		if (!slash || !k8s_name_ok(s + 4, slash - (s + 4)) ||
		    !k8s_name_ok(slash + 1, strlen(slash + 1)) ||
		    (size_t)(slash - (s + 4)) >= sizeof sc->ns ||
		    strlen(slash + 1) >= sizeof sc->pod) {
			snprintf(err, errlen,
				 "bad pod in scope '%s' (want pod:namespace/name)", s);
			return -1;
		}
		memcpy(sc->ns, s + 4, slash - (s + 4));
		strcpy(sc->pod, slash + 1);
		snprintf(sc->name, sizeof sc->name, "pod:%s/%s", sc->ns, sc->pod);
		return 0;
	}
	snprintf(err, errlen,
		 "unknown scope '%s' (want node, cgroup:/path or pod:namespace/name)",
		 s);
	return -1;
}

size_t scope_pod_uid(const char *cgpath, char *uid, size_t uidlen)
{
	const char *p = cgpath;

	while (*p) {
		const char *comp, *q;
		size_t n, i;

		while (*p == '/')
			p++;
		comp = p;
		n = strcspn(p, "/");
		p += n;
		/* the last "pod" in the component: systemd names hold two */
		q = NULL;
		for (const char *t = comp; t + 3 <= comp + n; t++)
			if (strncmp(t, "pod", 3) == 0)
				q = t;
		if (!q || (q != comp && q[-1] != '-'))
			continue;
		q += 3;
		for (i = 0; q + i < comp + n && i + 1 < uidlen &&
			    (isxdigit((unsigned char)q[i]) || q[i] == '-' || q[i] == '_');
		     i++)
			uid[i] = q[i] == '_' ? '-' : q[i];
		uid[i] = '\0';
		/* a UID (36 chars) or a static pod's 32-hex config hash */
		if ((i != 36 && i != 32) ||
		    (q + i != comp + n && strncmp(q + i, ".slice", 6) != 0))
			continue;
		return (size_t)(p - cgpath);
	}
	return 0;
}

int scope_pod_name(const char *uid, char *ns, size_t nslen, char *name,
		   size_t namelen)
{
	DIR *d = opendir(scope_pods_dir());
	struct dirent *e;
	struct pod p;
	int rc = -1;

	if (!d)
		return -1;
	while (rc < 0 && (e = readdir(d)))
		if (pods_entry(e->d_name, &p) == 0 && strcmp(p.uid, uid) == 0 &&
		    strlen(p.ns) < nslen && strlen(p.name) < namelen) {
			strcpy(ns, p.ns);
			strcpy(name, p.name);
			rc = 0;
		}
	closedir(d);
	return rc;
}

/* Find the pods dir entry "NS_NAME_UID" and take its UID. */
static int pod_uid_by_name(const struct scope *sc, char *uid, size_t uidlen)
{
	DIR *d = opendir(scope_pods_dir());
	struct dirent *e;
	struct pod p;
	int rc = -1;

	if (!d)
		return -1;
	while (rc < 0 && (e = readdir(d)))
		if (pods_entry(e->d_name, &p) == 0 && strcmp(p.ns, sc->ns) == 0 &&
		    strcmp(p.name, sc->pod) == 0 && strlen(p.uid) < uidlen) {
			strcpy(uid, p.uid);
			rc = 0;
		}
	closedir(d);
	return rc;
}

struct find_pod {
	const char *uid;
	char *out;
	size_t outlen;
};

static int find_pod_cb(void *ctx, const char *path, enum cg_ver ver)
{
	struct find_pod *f = ctx;
	char uid[80];
	size_t n = scope_pod_uid(path, uid, sizeof uid);

	(void)ver;
	if (n && n == strlen(path) && strcmp(uid, f->uid) == 0) {
		snprintf(f->out, f->outlen, "%s", path);
		return 1;
	}
	return 0;
}

/* Pods sit a few levels down: /kubepods/burstable/pod<uid>, or
 * /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice,
 * possibly under a prefix (kubelet in a container). */
#define POD_MAX_DEPTH 5

int scope_resolve(const struct cg_root *cg, struct scope *sc, char *err,
		  size_t errlen)
{
	if (sc->kind == SCOPE_POD) {
		struct find_pod f = { sc->uid, sc->cgroup, sizeof sc->cgroup };

		if (pod_uid_by_name(sc, sc->uid, sizeof sc->uid) < 0) {
			snprintf(err, errlen, "no pod '%s/%s' in '%s'", sc->ns,
				 sc->pod, scope_pods_dir());
			return -1;
		}
		sc->cgroup[0] = '\0';
		if (scope_walk(cg, "/", POD_MAX_DEPTH, find_pod_cb, &f) <= 0) {
			snprintf(err, errlen, "no memory cgroup for pod '%s/%s' (uid %s) under '%s'",
				 sc->ns, sc->pod, sc->uid, cg->path);
			return -1;
		}
		return 0;
	}
	if (sc->kind == SCOPE_CGROUP &&
	    cg_memory_version(cg, sc->cgroup) == CG_NONE) {
		snprintf(err, errlen, "no memory cgroup '%s' under '%s'",
			 sc->cgroup, cg->path);
		return -1;
	}
	return 0;
}

static int walk(int hfd, enum cg_ver ver, char *path, size_t len, size_t cap,
		int depth, scope_walk_fn fn, void *ctx)
{
	int fd, rc;
	DIR *d;
	struct dirent *e;

	rc = fn(ctx, path, ver);
	if (rc || depth == 0)
		return rc;
	fd = openat(hfd, cg_rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (!rc && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.' ||
		    (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		if (len + 1 + n + 1 > cap)
			continue;
		if (e->d_type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(st.st_mode))
				continue;
		}
		size_t l = len;
		if (l > 1)
			path[l++] = '/';
		else
			l = 1;
		memcpy(path + l, e->d_name, n + 1);
		rc = walk(hfd, ver, path, l + n, cap, depth - 1, fn, ctx);
		path[len] = '\0';
	}
	closedir(d);
	return rc;
}

int scope_walk(const struct cg_root *cg, const char *path, int maxdepth,
	       scope_walk_fn fn, void *ctx)
{
	char buf[PATH_MAX];
	enum cg_ver ver = cg->v1fd >= 0 ? CG_V1 : CG_V2;
	int hfd = ver == CG_V1 ? cg->v1fd : cg->v2fd;

	if (hfd < 0)
		return -1;
	snprintf(buf, sizeof buf, "%s", path);
	return walk(hfd, ver, buf, strlen(buf), sizeof buf, maxdepth, fn, ctx);
}
