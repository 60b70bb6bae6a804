/* SPDX-License-Identifier: MIT */
/*
 * foom-top: the live view for the person on call.  Reads the record
 * stream (foom-watch's output, -v or not) on standard input and redraws
 * one line per scope every few seconds: its level and fresh level, risk,
 * seconds left, available memory, the victim foom-rank named last and
 * the last kill.  Plain text and ANSI clear-screen, no curses; every
 * name from the stream is shown with its control bytes as '?', so a
 * process cannot write to the operator's terminal through its comm.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "rec.h"

/* A name wider than this is cut on the screen: a pod's cgroup path can
 * be hundreds of bytes, and the line must stay one line. */
#define NAME_MAX_SHOWN 48
#define TEXT_MAX 96

static struct {
	double interval_s;
	long count;
	long width;
	long max_scopes;
} opt = { .interval_s = 1, .count = -1, .width = 0, .max_scopes = 256 };

struct top_scope {
	char name[TEXT_MAX];
	char level[16], fresh[16];
	double risk, eta_s, avail_pct, avail_kb, seen_ts;
	char victim[TEXT_MAX];
	char kill[TEXT_MAX];
	double kill_ts;
};

static struct top_scope *sc;
static int nsc, full_warned, bad;
static double last_ts = NAN;
static struct rec in;

/* Printable ASCII only: a control byte, an escape or a byte over 0x7e
 * is shown as '?'; the text is cut to fit. */
static void shown(char *out, size_t len, const char *s, size_t max)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len && i < max; s++, i++)
		out[i] = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?';
	if (s && *s && i >= 1 && i == max)
		out[i - 1] = '>'; /* cut */
	out[i] = 0;
}

static struct top_scope *scope(const char *name)
{
	char n[TEXT_MAX];

	shown(n, sizeof n, name, NAME_MAX_SHOWN);
	for (int i = 0; i < nsc; i++)
		if (strcmp(sc[i].name, n) == 0)
			return &sc[i];
	if (nsc >= opt.max_scopes) {
		if (!full_warned++)
			msg_warnx("more than %ld scopes: the others are not shown "
				  "(--max-scopes)", opt.max_scopes);
		return NULL;
	}
	if (!(sc = realloc(sc, (nsc + 1) * sizeof *sc)))
		msg_errx(EXIT_SYSTEM, "out of memory for a scope");
	memset(&sc[nsc], 0, sizeof *sc);
	memcpy(sc[nsc].name, n, sizeof n);
	strcpy(sc[nsc].level, "-");
	strcpy(sc[nsc].fresh, "-");
	sc[nsc].risk = sc[nsc].eta_s = sc[nsc].avail_pct = sc[nsc].avail_kb = NAN;
	sc[nsc].kill_ts = NAN;
	return &sc[nsc++];
}

static double num(const char *key)
{
	double v;

	return rec_num(&in, key, &v) == 1 && isfinite(v) ? v : NAN;
}

static void take(const struct rec_src *src, char *line, size_t len)
{
	const char *name = NULL;
	struct top_scope *s;
	double ts;

	switch (rec_parse_line(&in, line, len, src)) {
	case 1:
		return;
	case -1:
		bad = 1;
		return;
	}
	name = rec_get(&in, "scope");
	ts = num("ts");
	if (!name || !(s = scope(name)))
		return;
	if (!isnan(ts) && (isnan(last_ts) || ts > last_ts))
		last_ts = ts;
	if (!isnan(ts))
		s->seen_ts = ts;
	if (strcmp(in.kind, "sample") == 0) {
		s->avail_kb = num("avail_kb");
	} else if (strcmp(in.kind, "verdict") == 0) {
		shown(s->level, sizeof s->level, rec_get(&in, "level"), 10);
		shown(s->fresh, sizeof s->fresh, rec_get(&in, "fresh"), 10);
		if (!rec_get(&in, "fresh"))
			strcpy(s->fresh, "-");
		s->risk = num("risk");
		s->eta_s = num("eta_s");
		s->avail_pct = num("avail_pct");
	} else if (strcmp(in.kind, "victim") == 0) {
		char comm[40];

		shown(comm, sizeof comm, rec_get(&in, "comm"), 24);
		snprintf(s->victim, sizeof s->victim, "%s %.0f", comm, num("pid"));
	} else if (strcmp(in.kind, "kill") == 0) {
		char comm[40], res[24];

		shown(comm, sizeof comm, rec_get(&in, "comm"), 24);
		shown(res, sizeof res, rec_get(&in, "result"), 16);
		snprintf(s->kill, sizeof s->kill, "%s %.0f %s", comm, num("pid"), res);
		s->kill_ts = ts;
	}
}

static int by_level(const void *a, const void *b)
{
	static const char *const order[] = { "oom", "near-oom", "warn", "ok" };
	const struct top_scope *x = a, *y = b;
	int i, j;

	for (i = 0; i < 4 && strcmp(x->level, order[i]); i++)
		;
	for (j = 0; j < 4 && strcmp(y->level, order[j]); j++)
		;
	return i != j ? i - j : strcmp(x->name, y->name);
}

static void fmt(char *out, size_t len, double v, const char *f)
{
	if (isnan(v))
		snprintf(out, len, "-");
	else
		snprintf(out, len, f, v);
}

static void draw(int tty)
{
	char line[512], risk[16], eta[16], avail[24], age[40];
	long width = opt.width;
	struct winsize ws;

	if (!width && tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		width = ws.ws_col;
	if (width <= 0 || width >= (long)sizeof line)
		width = sizeof line - 1;
	qsort(sc, nsc, sizeof *sc, by_level);
	if (tty)
		fputs("\033[H\033[2J", stdout);
	snprintf(line, sizeof line, "%-*s %-8s %-8s %5s %7s %12s  %-20s %s",
		 NAME_MAX_SHOWN > 30 ? 30 : NAME_MAX_SHOWN, "SCOPE", "LEVEL", "FRESH",
		 "RISK", "ETA_S", "AVAIL", "VICTIM", "LAST KILL");
	printf("%.*s\n", (int)width, line);
	for (int i = 0; i < nsc; i++) {
		const struct top_scope *s = &sc[i];

		fmt(risk, sizeof risk, s->risk, "%.2f");
		fmt(eta, sizeof eta, s->eta_s, "%.1f");
		if (!isnan(s->avail_kb))
			snprintf(avail, sizeof avail, "%.0f MiB", s->avail_kb / 1024);
		else
			fmt(avail, sizeof avail, s->avail_pct, "%.1f%%");
		age[0] = 0;
		if (!isnan(s->kill_ts) && !isnan(last_ts))
			snprintf(age, sizeof age, " (%.0f s ago)", last_ts - s->kill_ts);
		snprintf(line, sizeof line, "%-30s %-8s %-8s %5s %7s %12s  %-20s %s%s",
			 s->name, s->level, s->fresh, risk, eta, avail,
			 s->victim[0] ? s->victim : "-", s->kill[0] ? s->kill : "-", age);
		printf("%.*s\n", (int)width, line);
	}
	if (!nsc)
		printf("(no scope in the stream yet)\n");
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		if (msg_parse_double(arg, 0.05, 3600, &opt.interval_s) < 0)
			argp_error(state, "--interval: '%s' is not a number of seconds "
				   "from 0.05 to 3600", arg);
		break;
	case 'n':
		if (msg_parse_long(arg, 1, 1000000000, &opt.count) < 0)
			argp_error(state, "--count: '%s' is not a number from 1", arg);
		break;
	case 'w':
		if (msg_parse_long(arg, 20, 500, &opt.width) < 0)
			argp_error(state, "--width: '%s' is not a number from 20 to 500", arg);
		break;
	case 'm':
		if (msg_parse_long(arg, 1, 100000, &opt.max_scopes) < 0)
			argp_error(state, "--max-scopes: '%s' is not a number from 1 "
				   "to 100000", arg);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "reads standard input only, not '%s' (foom-watch | foom-top)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "interval", 'i', "SECONDS", 0, "Redraw every SECONDS (default 1)", 0 },
		{ "count", 'n', "N", 0, "Draw N screens, then exit (default: until the stream ends)", 0 },
		{ "width", 'w', "COLUMNS", 0, "Cut lines at COLUMNS (default the terminal's width)", 0 },
		{ "max-scopes", 'm', "N", 0, "Show at most N scopes (default 256)", 0 },
		{ 0 }
	};
	struct argp argp = {
		options, parse_opt, NULL,
		"The record stream on standard input as a live view: one line per "
		"scope, redrawn."
		"\v" MSG_EXIT_DOC " Here 0: the stream ended or N screens were drawn. "
		"Read foom-watch's output: foom-watch | foom-top. On a terminal the "
		"screen is cleared before each draw; elsewhere the screens follow "
		"each other.",
		NULL, NULL, NULL
	};
	static char buf[REC_LINE_MAX + 1];
	struct rec_src src = { .name = "-" };
	size_t have = 0;
	int tty = isatty(STDOUT_FILENO), eof = 0, skipping = 0;
	long drawn = 0;
	double next;

	msg_init("foom-top");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	next = now_s() + opt.interval_s;
	while (!eof) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		double wait_s = next - now_s();
		int r = poll(&p, 1, wait_s > 0 ? (int)(wait_s * 1000) + 1 : 0);
		ssize_t n;

		if (r < 0 && errno != EINTR)
			msg_err(EXIT_SYSTEM, "cannot wait for the stream");
		if (r > 0) {
			n = read(STDIN_FILENO, buf + have, sizeof buf - 1 - have);
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				msg_err(EXIT_SYSTEM, "cannot read the stream");
			if (n == 0)
				eof = 1;
			if (n > 0) {
				char *start = buf, *nl;

				have += (size_t)n;
				while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
					src.lineno++;
					if (!skipping)
						take(&src, start, (size_t)(nl - start));
					skipping = 0;
					start = nl + 1;
				}
				have -= (size_t)(start - buf);
				memmove(buf, start, have);
				if (have == sizeof buf - 1) {
					/* a line longer than any record: drop it */
					src.lineno++;
					msg_warnx("-:%ld: a line longer than %d bytes: skipped",
						  src.lineno, REC_LINE_MAX);
					bad = 1;
					have = 0;
					skipping = 1; /* to its end */
				}
			}
		}
		if (eof && have && !skipping) { /* a last line without its newline */
			src.lineno++;
			take(&src, buf, have);
			have = 0;
		}
		if (eof || now_s() >= next) {
			draw(tty);
			next = now_s() + opt.interval_s;
			if (opt.count > 0 && ++drawn >= opt.count)
				break;
		}
	}
	return bad ? EXIT_USAGE : EXIT_OK;
}
