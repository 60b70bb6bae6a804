/* SPDX-License-Identifier: MIT */
/*
 * cool: per scope, by a 64-bit hash of its name, in a fixed table.
 */
#include "cool.h"

/* Scopes whose cooldown is remembered at once; past this many, the one
 * whose cooldown ends first is forgotten (few scopes are in trouble at
 * the same time). */
#define COOL_SCOPES 256

static struct {
	unsigned long long hash;
	double until; /* monotonic seconds */
} cool[COOL_SCOPES];

static unsigned long long hash(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h | 1; /* 0 marks a free slot */
}

double cool_left(const char *scope, double now)
{
	unsigned long long h = hash(scope);

	for (int i = 0; i < COOL_SCOPES; i++)
		if (cool[i].hash == h && cool[i].until > now)
			return cool[i].until - now;
	return 0;
}

void cool_mark(const char *scope, double until)
{
	unsigned long long h = hash(scope);
	int slot = 0;

	for (int i = 0; i < COOL_SCOPES; i++) {
		if (cool[i].hash == h) {
			slot = i;
			break;
		}
		if (cool[i].until < cool[slot].until)
			slot = i;
	}
	cool[slot].hash = h;
	cool[slot].until = until;
}
