/* SPDX-License-Identifier: MIT */
/*
 * hook: the pre- and post-kill hooks, sh -c CMD with FOOM_* in its
 * environment.  The only thing foom-kill forks.
 */
#ifndef FOOM_HOOK_H
#define FOOM_HOOK_H

#include "kill.h"

/* Run CMD as the "pre" or "post" hook of a victim and its report. */
void hook_run(const struct kill_conf *c, const char *which, const char *cmd,
	      const struct kill_victim *v, const struct kill_report *rep);

/* Run the post-hook for a report (after its record is out). */
void hook_post(const struct kill_conf *c, const struct kill_victim *v,
	       const struct kill_report *rep);

#endif
