/* SPDX-License-Identifier: MIT */
/*
 * cool: the cooldown per scope, which stops a cascade of kills while a
 * victim's memory is being released.
 */
#ifndef FOOM_COOL_H
#define FOOM_COOL_H

/* Seconds left of scope's cooldown at now (monotonic), 0 when none. */
double cool_left(const char *scope, double now);
/* Hold scope until the monotonic time until. */
void cool_mark(const char *scope, double until);

#endif
