/* SPDX-License-Identifier: MIT */
/*
 * view: the fields of one process that rules match and records carry,
 * each read from /proc (or a fixture tree) when first asked for and
 * judged as the process is now: its name from the stat just read, its
 * whole command line up to VIEW_CMDLINE_MAX, its exe without the
 * " (deleted)" an upgraded binary leaves, its user, cgroup and pod.
 * Nothing is allocated: a view is a fixed buffer, reset per process.
 */
#ifndef FOOM_VIEW_H
#define FOOM_VIEW_H

#include <limits.h>

#include "cg.h"
#include "pods.h"
#include "proc.h"
#include "pw.h"
#include "rules.h"

/* A command line is matched whole up to here: a Java command line with
 * its classpath is commonly 5-50 KiB; past this a protect pattern sees
 * only the first VIEW_CMDLINE_MAX bytes (foom-rank(1)). */
#define VIEW_CMDLINE_MAX (128 * 1024)
/* /proc/PID/cgroup: a dozen v1 hierarchies with long kubepods paths. */
#define VIEW_CGFILE_MAX 8192

/* What every view reads through. */
struct view_src {
	int procfd;
	const struct cg_root *cg;    /* NULL: no cgroup filesystem */
	const struct pw_table *pw;   /* NULL: users as numbers */
	const char *pods_dir;
	int pods_loaded;             /* since view_src_begin */
	struct pods pods;
};

struct view {
	struct view_src *src;
	int pid;
	unsigned tried;              /* fields read, as 1u << RF_* */
	const char *val[RF_N];
	int st_state;                /* 0 unread, 1 read, -1 unreadable */
	struct proc_status st;
	char comm[64];
	/* The cgroup file through a caller's kept file, or NULL: read it. */
	long (*read_cg)(void *ctx, int pid, char *buf, size_t size);
	void *read_cg_ctx;
	char cmdline[VIEW_CMDLINE_MAX], exe[PATH_MAX], user[256];
	char cgroup[PATH_MAX], cgfile[VIEW_CGFILE_MAX];
};

/* A new scan or kill: the pods directory is read again when needed. */
void view_src_begin(struct view_src *s);
/* Look at pid, whose name (from its stat) is comm. */
void view_reset(struct view *v, int pid, const char *comm);
/* A field, or NULL when the process has none (or is gone). */
const char *view_field(struct view *v, enum rule_field f);
/* For rules_match: ctx is a struct view. */
const char *view_get(void *ctx, enum rule_field f);
/* /proc/PID/status, or NULL when unreadable. */
const struct proc_status *view_status(struct view *v);

#endif
