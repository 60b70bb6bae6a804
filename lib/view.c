/* SPDX-License-Identifier: MIT */
/* view: one process's fields, read when first asked for (view.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "scope.h"
#include "view.h"

void view_src_begin(struct view_src *s)
{
	s->pods_loaded = 0;
}

void view_reset(struct view *v, int pid, const char *comm)
{
	v->pid = pid;
	snprintf(v->comm, sizeof v->comm, "%s", comm);
	v->tried = 0;
	v->st_state = 0;
}

const struct proc_status *view_status(struct view *v)
{
	if (!v->st_state)
		v->st_state = proc_status(v->src->procfd, v->pid, &v->st) < 0 ? -1 : 1;
	return v->st_state > 0 ? &v->st : NULL;
}

/* The exe link names a replaced binary "PATH (deleted)": the process
 * still runs PATH's old text, and a rule on PATH means it.  Stripped
 * only when the file the link holds is really unlinked, so a binary
 * that is literally named "... (deleted)" keeps its name. */
static void exe_undeleted(struct view *v, long n)
{
	static const char tail[] = " (deleted)";
	const size_t tn = sizeof tail - 1;
	char path[40];
	struct stat st;

	if ((size_t)n <= tn || strcmp(v->exe + n - tn, tail) != 0)
		return;
	snprintf(path, sizeof path, "%d/exe", v->pid);
	if (fstatat(v->src->procfd, path, &st, 0) == 0 && st.st_nlink == 0)
		v->exe[n - tn] = '\0';
}

static const char *read_cgroup(struct view *v)
{
	char path[40];
	long n;

	if (!v->src->cg)
		return NULL;
	if (v->read_cg) {
		n = v->read_cg(v->read_cg_ctx, v->pid, v->cgfile, sizeof v->cgfile);
	} else {
		snprintf(path, sizeof path, "%d/cgroup", v->pid);
		n = proc_read_at(v->src->procfd, path, v->cgfile, sizeof v->cgfile);
	}
	if (n < 0 || cg_of_proc(v->src->cg, v->cgfile, v->cgroup,
				sizeof v->cgroup) < 0)
		return NULL;
	return v->cgroup;
}

static const struct pod *pod_of(struct view *v, const char *cgpath)
{
	struct view_src *s = v->src;
	char uid[80];

	if (!scope_pod_uid(cgpath, uid, sizeof uid))
		return NULL;
	if (!s->pods_loaded) {
		pods_load(&s->pods, s->pods_dir ? s->pods_dir : scope_pods_dir());
		s->pods_loaded = 1;
	}
	return pods_find(&s->pods, uid);
}

const char *view_field(struct view *v, enum rule_field f)
{
	const struct proc_status *st;
	int fd = v->src->procfd;
	long n;

	if (f >= RF_N)
		return NULL;
	if (v->tried & 1u << f)
		return v->val[f];
	v->tried |= 1u << f;
	v->val[f] = NULL;
	switch (f) {
	case RF_NAME:
		v->val[f] = v->comm;
		break;
	case RF_CMDLINE:
		if (proc_cmdline(fd, v->pid, v->cmdline, sizeof v->cmdline) >= 0)
			v->val[f] = v->cmdline;
		break;
	case RF_EXE:
		if ((n = proc_exe(fd, v->pid, v->exe, sizeof v->exe)) >= 0) {
			exe_undeleted(v, n);
			v->val[f] = v->exe;
		}
		break;
	case RF_USER:
		if ((st = view_status(v)) && st->euid >= 0) {
			const char *name = pw_name(v->src->pw, st->euid);

			if (name)
				snprintf(v->user, sizeof v->user, "%s", name);
			else
				snprintf(v->user, sizeof v->user, "%lld", st->euid);
			v->val[f] = v->user;
		}
		break;
	case RF_CGROUP:
		v->val[f] = read_cgroup(v);
		break;
	case RF_POD:
	case RF_NAMESPACE: {
		const char *cg = view_field(v, RF_CGROUP);
		const struct pod *p = cg ? pod_of(v, cg) : NULL;

		v->tried |= 1u << RF_POD | 1u << RF_NAMESPACE;
		v->val[RF_POD] = p ? p->name : NULL;
		v->val[RF_NAMESPACE] = p ? p->ns : NULL;
		break;
	}
	case RF_N:
		break;
	}
	return v->val[f];
}

const char *view_get(void *ctx, enum rule_field f)
{
	return view_field(ctx, f);
}
