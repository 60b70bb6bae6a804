/* SPDX-License-Identifier: MIT */
/*
 * hook: the pre- and post-kill hooks, sh -c CMD with FOOM_* in its
 * environment, each watched over by a child of its own that kills it
 * after --hook-timeout.  The only thing foom-kill forks; no kill waits
 * for a hook beyond --pre-hook-wait.
 */
#ifndef FOOM_HOOK_H
#define FOOM_HOOK_H

#include "kill.h"

/* Start CMD as the "pre" or "post" hook of a victim and its report;
 * the keeper's PID, or -1 with a message. */
int hook_start(const struct kill_conf *c, const char *which, const char *cmd,
	       const struct kill_victim *v, const struct kill_report *rep);
/* The pre-hook, if any, waited for at most c->pre_hook_wait_s. */
void hook_pre(const struct kill_conf *c, const struct kill_victim *v,
	      const struct kill_report *rep);
/* The post-hook, if any, not waited for. */
void hook_post(const struct kill_conf *c, const struct kill_victim *v,
	       const struct kill_report *rep);
/* Reap the hooks that have ended, without waiting. */
void hook_reap(void);
/* At the end: wait for every hook still running (each ends by its
 * --hook-timeout). */
void hook_wait_all(void);

#endif
