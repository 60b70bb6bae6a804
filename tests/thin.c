/* SPDX-License-Identifier: MIT */
/*
 * thin: sample records (files, "-" or stdin) made what foom-sample -f
 * would have printed at their times: each scope's records pass its gate
 * (lib/sample's sample_gate_full, on the cheap keys); the ones it finds
 * far from any limit lose the keys only a full read prints and gain
 * cheap=1.  For replaying recorded traces (bench/eval-cheap) and the
 * tests; other records pass unchanged.
 *
 *	thin [-a IDLE_MAX -i INTERVAL [-r MIB_PS]] [FILE...]
 *
 * -a: the idle tick too (foom-sample --idle-max): records of one ts are
 * one tick, and after a tick where every scope's gate allows a wait of
 * k > 1 intervals, the ticks before ts + k * INTERVAL (less half an
 * interval: a recorded tick comes late by its jitter) are dropped, as
 * the sampler would not have taken them, and the next kept tick gains
 * tick_s=.  -r sets the fill rate floor in MiB/s (default the
 * sampler's), to see how far from a changed verdict the rule is.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "rec.h"
#include "sample.h"

/* Scopes in one stream: a trace holds two, a test a few. */
#define THIN_SCOPES 256

static struct rec in, out, peek;
static struct {
	char name[256];
	struct sample_gate gate;
} scope[THIN_SCOPES];
static int nscopes, bad;

static struct {
	double idle_max_s, interval_s, floor_kbps;
} opt;

/* The records of the tick at hand (one ts), as read. */
static struct {
	char *line[THIN_SCOPES];
	size_t len[THIN_SCOPES];
	int n;
	double ts;
	double next_ts; /* the first ts the sampler would tick at */
	double tick_s;  /* the next kept tick's tick_s=, 0: none */
} tick = { .next_ts = -INFINITY };

static struct sample_gate *gate_of(const char *name)
{
	for (int i = 0; i < nscopes; i++)
		if (strcmp(scope[i].name, name) == 0)
			return &scope[i].gate;
	if (nscopes == THIN_SCOPES || strlen(name) >= sizeof scope[0].name)
		return NULL;
	strcpy(scope[nscopes].name, name);
	scope[nscopes].gate.fill_floor_kbps = opt.floor_kbps;
	return &scope[nscopes++].gate;
}

static int full_only(const char *key, const char *memcg)
{
	for (const char *const *k = sample_full_keys(memcg); *k; k++)
		if (strcmp(*k, key) == 0)
			return 1;
	return 0;
}

/* One sample of a kept tick, gated; its wait into *wait_s. */
static void gate_one(double tick_s, double *wait_s)
{
	struct sample_cheap c;
	struct sample_gate *g;
	const char *sc = rec_get(&in, "scope");
	double ts;
	int full;

	if (!sc || rec_num(&in, "ts", &ts) != 1 || rec_get(&in, "cheap") ||
	    !(g = gate_of(sc))) {
		rec_write(&in);
		*wait_s = 0;
		return;
	}
	sample_cheap_of(&in, &c);
	full = sample_gate_full(g, &c, ts);
	*wait_s = fmin(*wait_s, g->wait_s);
	if (full && tick_s == 0) {
		rec_write(&in);
		return;
	}
	rec_reset(&out, in.kind);
	for (int i = 0; i < in.n; i++)
		if (full || !full_only(in.f[i].key, rec_get(&in, "memcg")))
			rec_add(&out, in.f[i].key, in.f[i].val);
	if (tick_s > 0)
		rec_add_fix(&out, "tick_s", tick_s, 3);
	if (!full)
		rec_add(&out, "cheap", "1");
	rec_write(&out);
}

/* The tick at hand: dropped when the sampler would have waited past it,
 * else every record gated. */
static void end_tick(void)
{
	double wait_s = opt.idle_max_s, tick_s = tick.tick_s, slots;
	struct rec_src src = { "-", 0, 0 };

	if (!tick.n)
		return;
	if (tick.ts < tick.next_ts - opt.interval_s / 2) {
		for (int i = 0; i < tick.n; i++)
			free(tick.line[i]);
		tick.n = 0;
		return;
	}
	for (int i = 0; i < tick.n; i++) {
		if (rec_parse_line(&in, tick.line[i], tick.len[i], &src) == 0)
			gate_one(tick_s, &wait_s);
		free(tick.line[i]);
	}
	tick.n = 0;
	tick.tick_s = 0;
	tick.next_ts = -INFINITY;
	if (opt.idle_max_s <= 0)
		return;
	slots = floor(wait_s / opt.interval_s + 1e-6);
	if (slots > 1) {
		tick.tick_s = slots * opt.interval_s;
		tick.next_ts = tick.ts + tick.tick_s;
	}
}

static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	double ts;

	(void)ctx;
	switch (rec_parse_line(&peek, line, len, src)) {
	case 1: return 0;
	case -1: bad = 1; return 0;
	}
	if (strcmp(peek.kind, "sample") != 0 || rec_num(&peek, "ts", &ts) != 1) {
		end_tick();
		rec_write(&peek);
		return 0;
	}
	if (tick.n && (ts != tick.ts || tick.n == THIN_SCOPES))
		end_tick();
	if (!(tick.line[tick.n] = malloc(len + 1)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	memcpy(tick.line[tick.n], line, len);
	tick.line[tick.n][len] = '\0';
	tick.len[tick.n++] = len;
	tick.ts = ts;
	return 0;
}

int main(int argc, char **argv)
{
	int status, c;
	double mib_ps = 0;

	msg_init("thin");
	opt.interval_s = 0.1;
	while ((c = getopt(argc, argv, "a:i:r:")) != -1) {
		if ((c == 'a' && msg_parse_double(optarg, 0, 86400, &opt.idle_max_s) < 0) ||
		    (c == 'i' && msg_parse_double(optarg, 0.001, 86400, &opt.interval_s) < 0) ||
		    (c == 'r' && msg_parse_double(optarg, 1, 1e9, &mib_ps) < 0) ||
		    c == '?')
			msg_errx(EXIT_USAGE, "usage: thin [-a IDLE_MAX -i INTERVAL [-r MIB_PS]] [FILE...]");
	}
	opt.floor_kbps = mib_ps * 1024;
	status = rec_loop(argv + optind, argc - optind, on_line, NULL);
	end_tick();
	rec_flush();
	return status ? status : bad ? EXIT_USAGE : EXIT_OK;
}
