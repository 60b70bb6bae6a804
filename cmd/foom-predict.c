/* SPDX-License-Identifier: MIT */
/*
 * foom-predict: read sample records (foom-sample(1)), of any number of
 * scopes interleaved, and print one verdict record per sample: ok, warn,
 * near-oom or oom, with a risk, the seconds left, the reason in words
 * and the derived figures it used.  It exists because the kernel never
 * kills in the near-OOM livelock and the usual rules (available memory,
 * working set, PSI alone) miss it or cry wolf; the model is in lib/pred.
 *
 * Reading stdin it is a stream stage: memory locked, one verdict out per
 * sample in, flushed, nothing allocated per record.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "pred.h"
#include "proc.h"
#include "rec.h"

enum {
	OPT_LEVEL = 256, OPT_ANON, OPT_BIND, OPT_REFAULT, OPT_IO, OPT_MEM,
	OPT_FILL, OPT_WARN_ETA, OPT_NODE_AVAIL, OPT_HOLD, OPT_RATE_WINDOW, OPT_FRESH_WINDOW,
	OPT_PEAK_WINDOW,
	OPT_GROW_WINDOW, OPT_ETA_WINDOW, OPT_GAP, OPT_MAX_SCOPES, OPT_CHANGES,
	OPT_PASS, OPT_LAST
};

/* The thresholds that --level sets: their help ends in the defaults of
 * the three levels, written from pred_cfg_level's own table. */
static const struct {
	int key;
	size_t off;
	const char *doc;
} threshold[] = {
	{ OPT_ANON, offsetof(struct pred_cfg, anon_pct),
	  "Anonymous share of the limit that squeezes the page cache" },
	{ OPT_BIND, offsetof(struct pred_cfg, bind_pct),
	  "Usage share of the limit at which it binds, when no limit-hit "
	  "counter tells" },
	{ OPT_REFAULT, offsetof(struct pred_cfg, refault_pct),
	  "Refaults a second, as % of the page cache left, that show the "
	  "cache is in use" },
	{ OPT_IO, offsetof(struct pred_cfg, io_pct),
	  "PSI io stall, % of the time" },
	{ OPT_MEM, offsetof(struct pred_cfg, mem_pct),
	  "PSI memory stall, % of the time" },
	{ OPT_FILL, offsetof(struct pred_cfg, fill_s),
	  "Near-oom when anonymous memory, rising, fills the limit within "
	  "this" },
	{ OPT_WARN_ETA, offsetof(struct pred_cfg, warn_eta_s),
	  "Warn when available memory runs out within this" },
	{ OPT_NODE_AVAIL, offsetof(struct pred_cfg, node_avail_pct),
	  "Node scope: near-oom only while MemAvailable is under this share "
	  "of MemTotal" },
};

static struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Sensitivity:", 1 },
	{ "level", OPT_LEVEL, "LEVEL", 0,
	  "How much of the memory may be used before acting: low acts "
	  "earliest, medium (default) suits latency-sensitive services, "
	  "high acts latest, just before the kernel's OOM killer would", 0 },
	{ NULL, 0, NULL, 0, "Thresholds (each overrides its --level default):", 2 },
	{ "anon", OPT_ANON, "PCT", 0, NULL, 0 },
	{ "bind", OPT_BIND, "PCT", 0, NULL, 0 },
	{ "refault", OPT_REFAULT, "PCT", 0, NULL, 0 },
	{ "io", OPT_IO, "PCT", 0, NULL, 0 },
	{ "mem", OPT_MEM, "PCT", 0, NULL, 0 },
	{ "fill", OPT_FILL, "SECONDS", 0, NULL, 0 },
	{ "warn-eta", OPT_WARN_ETA, "SECONDS", 0, NULL, 0 },
	{ "node-avail", OPT_NODE_AVAIL, "PCT", 0, NULL, 0 },
	{ NULL, 0, NULL, 0, "Time:", 3 },
	{ "hold", OPT_HOLD, "SECONDS", 0,
	  "Keep a level this long after its cause is gone (10)", 0 },
	{ "rate-window", OPT_RATE_WINDOW, "SECONDS", 0,
	  "Counters become rates over this, at least one interval (1)", 0 },
	{ "fresh-window", OPT_FRESH_WINDOW, "SECONDS", 0,
	  "fresh= and evidence_ts= rest on no point older than this (1)", 0 },
	{ "peak-window", OPT_PEAK_WINDOW, "SECONDS", 0,
	  "Anonymous peaks and limit hits count this long (5)", 0 },
	{ "grow-window", OPT_GROW_WINDOW, "SECONDS", 0,
	  "The anonymous rise is measured over this (2)", 0 },
	{ "eta-window", OPT_ETA_WINDOW, "SECONDS", 0,
	  "The trend of available memory is fitted over this (10)", 0 },
	{ "gap", OPT_GAP, "SECONDS", 0,
	  "A pause longer than this restarts a scope's rates (default: five "
	  "of its intervals, at least 1)", 0 },
	{ NULL, 0, NULL, 0, "Records:", 4 },
	{ "changes", OPT_CHANGES, NULL, 0,
	  "Print a verdict only when its scope's level or fresh level "
	  "changes", 0 },
	{ "pass", OPT_PASS, NULL, 0,
	  "Print the input records too, in order, each before its verdict", 0 },
	{ "max-scopes", OPT_MAX_SCOPES, "N", 0,
	  "Scopes followed at once (64)", 0 },
	{ 0 }
};

static struct {
	int level;
	int changes, pass;
	long max_scopes;
	int set[OPT_LAST - OPT_ANON];
	double val[OPT_LAST - OPT_ANON];
	int bad;
	struct pred *pred;
} opt = { .level = 1, .max_scopes = 64 };

static struct rec in, out;

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	static const char *const levels[] = { "low", "medium", "high" };
	double v;

	switch (key) {
	case OPT_LEVEL:
		for (opt.level = 0; opt.level < 3; opt.level++)
			if (strcmp(arg, levels[opt.level]) == 0)
				break;
		if (opt.level == 3)
			argp_error(state, "--level: '%s' is not low, medium or high",
				   arg);
		break;
	case OPT_ANON: case OPT_BIND: case OPT_REFAULT: case OPT_IO:
	case OPT_MEM: case OPT_NODE_AVAIL:
		if (msg_parse_double(arg, 0, 100, &v) < 0)
			argp_error(state, "'%s' is not a percentage (0 to 100)", arg);
		opt.set[key - OPT_ANON] = 1;
		opt.val[key - OPT_ANON] = v;
		break;
	case OPT_FILL: case OPT_WARN_ETA: case OPT_HOLD: case OPT_RATE_WINDOW:
	case OPT_FRESH_WINDOW: case OPT_PEAK_WINDOW: case OPT_GROW_WINDOW: case OPT_ETA_WINDOW:
	case OPT_GAP:
		if (msg_parse_double(arg, 0, 86400, &v) < 0)
			argp_error(state, "'%s' is not a number of seconds (0 to "
				   "86400)", arg);
		opt.set[key - OPT_ANON] = 1;
		opt.val[key - OPT_ANON] = v;
		break;
	case OPT_MAX_SCOPES:
		if (msg_parse_long(arg, 1, 100000, &opt.max_scopes) < 0)
			argp_error(state, "--max-scopes: '%s' is not a number from "
				   "1 to 100000", arg);
		break;
	case OPT_CHANGES: opt.changes = 1; break;
	case OPT_PASS: opt.pass = 1; break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void config(struct pred_cfg *c)
{
	double *field[OPT_LAST - OPT_ANON] = {
		[OPT_ANON - OPT_ANON] = &c->anon_pct,
		[OPT_BIND - OPT_ANON] = &c->bind_pct,
		[OPT_REFAULT - OPT_ANON] = &c->refault_pct,
		[OPT_IO - OPT_ANON] = &c->io_pct,
		[OPT_MEM - OPT_ANON] = &c->mem_pct,
		[OPT_FILL - OPT_ANON] = &c->fill_s,
		[OPT_WARN_ETA - OPT_ANON] = &c->warn_eta_s,
		[OPT_NODE_AVAIL - OPT_ANON] = &c->node_avail_pct,
		[OPT_HOLD - OPT_ANON] = &c->hold_s,
		[OPT_RATE_WINDOW - OPT_ANON] = &c->rate_window_s,
		[OPT_FRESH_WINDOW - OPT_ANON] = &c->fresh_window_s,
		[OPT_PEAK_WINDOW - OPT_ANON] = &c->peak_window_s,
		[OPT_GROW_WINDOW - OPT_ANON] = &c->grow_window_s,
		[OPT_ETA_WINDOW - OPT_ANON] = &c->eta_window_s,
		[OPT_GAP - OPT_ANON] = &c->gap_s,
	};

	pred_cfg_level(c, opt.level);
	for (int i = 0; i < OPT_LAST - OPT_ANON; i++)
		if (opt.set[i] && field[i])
			*field[i] = opt.val[i];
}

static double cfg_at(const struct pred_cfg *c, size_t off)
{
	double v;

	memcpy(&v, (const char *)c + off, sizeof v);
	return v;
}

/* Each threshold's help: what it is, then "(medium; low L, high H)". */
static void threshold_docs(void)
{
	static char doc[sizeof threshold / sizeof *threshold][200];
	struct pred_cfg lv[3];

	for (int l = 0; l < 3; l++)
		pred_cfg_level(&lv[l], l);
	for (size_t t = 0; t < sizeof threshold / sizeof *threshold; t++) {
		size_t off = threshold[t].off;

		snprintf(doc[t], sizeof doc[t], "%s (%g; low %g, high %g)",
			 threshold[t].doc, cfg_at(&lv[1], off),
			 cfg_at(&lv[0], off), cfg_at(&lv[2], off));
		for (struct argp_option *o = options; o->name || o->doc; o++)
			if (o->key == threshold[t].key)
				o->doc = doc[t];
	}
}

static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	const char *why;
	int changed;

	(void)ctx;
	switch (rec_parse_line(&in, line, len, src)) {
	case 1: return 0;
	case -1: opt.bad = 1; return 0;
	}
	if (opt.pass)
		rec_write(&in);
	switch (pred_sample(opt.pred, &in, &out, &changed, &why)) {
	case PRED_VERDICT:
		if (!opt.changes || changed)
			rec_write(&out);
		break;
	case PRED_BAD:
		msg_warnx("%s:%ld: bad sample: %s", src->name, src->lineno, why);
		opt.bad = 1;
		break;
	case PRED_STALE:
		msg_warnx("%s:%ld: %s", src->name, src->lineno, why);
		break;
	case PRED_FULL:
		if (why && *why)
			msg_warnx("%s:%ld: %s", src->name, src->lineno, why);
		break;
	case PRED_IGNORED:
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp_child children[] = { { &rec_argp, 0, NULL, 0 },
						       { 0 } };
	static const struct argp argp = {
		options, parse_opt, "[FILE...]",
		"Judge samples: ok, warn, near-oom or oom, per scope, and why."
		"\v"
		"Reads sample records from the FILEs, or stdin (\"-\"), and "
		"prints a verdict record for each.  Reading stdin, it locks its "
		"memory and flushes every verdict.  Status 1 is not used: ok is "
		"an answer.  A bad line is reported and skipped; the status is "
		"then 2.  " MSG_EXIT_DOC,
		children, NULL, NULL
	};
	struct pred_cfg cfg;
	int idx, status, stream;

	msg_init("foom-predict");
	threshold_docs();
	argp_parse(&argp, argc, argv, 0, &idx, NULL);
	config(&cfg);
	stream = idx == argc;
	for (int i = idx; i < argc; i++)
		stream |= strcmp(argv[i], "-") == 0;
	opt.pred = pred_new(&cfg, (int)opt.max_scopes);
	if (stream) {
		rec_out.flush_each = 1;
		/* every record runs the whole path: libc's pages are locked
		 * as the first ones touch them */
		proc_harden_exe();
		proc_watch_parent();
	}
	status = rec_loop(argv + idx, argc - idx, on_line, NULL);
	rec_flush();
	pred_free(opt.pred);
	return status ? status : opt.bad ? EXIT_USAGE : EXIT_OK;
}
