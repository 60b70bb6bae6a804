/* SPDX-License-Identifier: MIT */
/*
 * foom-events: kernel OOM kills and foom's own kills as one stream of
 * event records, for the person on call after a death nobody explained.
 *
 * Reads kernel log text (dmesg, dmesg -T, journalctl -k, kern.log, raw
 * /dev/kmsg records) and foom-kill's kill records from files or stdin,
 * and prints one event per kernel OOM report and per foom kill, ordered
 * by time.  With -f it follows /dev/kmsg and prints each event as its
 * report ends.  The forty lines of a report become one record naming
 * the scope, the victim, who invoked the killer, and the largest tasks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "oomlog.h"
#include "proc.h"
#include "rec.h"
#include "scope.h"

enum {
	OPT_ALL = 0x300, OPT_KMSG, OPT_BOOT_TIME, OPT_THIS_BOOT, OPT_YEAR,
	OPT_PAGE_KB, OPT_SUMMARY,
};

static struct {
	int follow, all, this_boot, summary;
	const char *kmsg;
	double boot_s;
} opt = { .kmsg = "/dev/kmsg", .boot_s = -1 };

static struct oomlog ol;
static struct rec in, ev;
static long long printed, untimed, unread;
static int bad;

/*
 * The file being read: a file that holds lines of the OOM killer but
 * gives no report was written in a form this reader does not know, and
 * is named rather than passed over in silence.
 */
static struct {
	const char *name;
	long long reports;  /* ol.reports when it began */
	long oom_line;      /* its first OOM killer line, 0: none yet */
	long unplaced_line; /* the first of those no report took */
} cur;

static int oom_killer_line(const char *line)
{
	static const char *const marks[] = {
		" invoked oom-killer: ", "Killed process ", "Kill process ",
		"oom-kill:", "Out of memory", "Memory cgroup out of memory",
		"oom_reaper: ",
	};

	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
		if (strstr(line, marks[i]))
			return 1;
	return 0;
}

static void file_end(void)
{
	if (cur.name && cur.oom_line && ol.reports == cur.reports) {
		msg_warnx("%s:%ld: a line of the OOM killer, but no OOM report "
			  "could be read from this file (an unknown log format?)",
			  cur.name, cur.unplaced_line ? cur.unplaced_line : cur.oom_line);
		bad = 1;
	}
	cur.name = NULL;
}

/*
 * One-shot mode keeps every event to sort them by time at the end: the
 * memory grows with the number of OOM kills in the input (a few hundred
 * bytes each), not with its size.  Events without a wall-clock time come
 * first, in input order.
 */
struct event {
	double ts;
	int timed;
	unsigned long order;
	char *text;
};
static struct event *evs;
static size_t nevs, capevs;

/* --summary: kills per scope and victim name. */
struct sum {
	char *scope, *comm;
	long long kills, kernel, foom;
	double first, last; /* < 0: no time */
	size_t seen;        /* first seen: ties keep it */
};
static struct sum *sums;
static size_t nsums, capsums;

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	if (!(p = realloc(p, *cap * size)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	return p;
}

static void count_kill(const char *scope, const char *comm, int kernel,
		       const char *ts)
{
	double t = -1;
	size_t i;

	scope = scope ? scope : "";
	comm = comm ? comm : "";
	if (ts)
		msg_parse_double(ts, 0, 1e12, &t);
	for (i = 0; i < nsums; i++)
		if (strcmp(sums[i].scope, scope) == 0 &&
		    strcmp(sums[i].comm, comm) == 0)
			break;
	if (i == nsums) {
		sums = grow(sums, &capsums, nsums, sizeof *sums);
		sums[i] = (struct sum){ strdup(scope), strdup(comm), 0, 0, 0, -1, -1, i };
		if (!sums[i].scope || !sums[i].comm)
			msg_errx(EXIT_SYSTEM, "out of memory");
		nsums++;
	}
	sums[i].kills++;
	*(kernel ? &sums[i].kernel : &sums[i].foom) += 1;
	if (t >= 0 && (sums[i].first < 0 || t < sums[i].first))
		sums[i].first = t;
	if (t > sums[i].last)
		sums[i].last = t;
}

static void summarize(const struct rec *e)
{
	const char *kind = rec_get(e, "kind"), *res = rec_get(e, "result");
	const char *group = rec_get(e, "group");
	int kernel = !kind || strcmp(kind, "foom-kill") != 0;
	char name[OOMLOG_COMM];

	if (res && strcmp(res, "killed") == 0)
		count_kill(rec_get(e, "scope"), rec_get(e, "comm"), kernel,
			   rec_get(e, "ts"));
	/* memory.oom.group: "124:worker,125:worker" */
	for (const char *p = group; p && *p;) {
		size_t n = strcspn(p, ","), c = strcspn(p, ":");

		if (c < n) {
			snprintf(name, sizeof name, "%.*s", (int)(n - c - 1), p + c + 1);
			count_kill(rec_get(e, "scope"), name, 1, rec_get(e, "ts"));
		}
		p += n + (p[n] == ',');
	}
}

static int sum_cmp(const void *a, const void *b)
{
	const struct sum *x = a, *y = b;

	if (x->kills != y->kills)
		return x->kills > y->kills ? -1 : 1;
	return x->seen < y->seen ? -1 : x->seen > y->seen;
}

static void print_summary(void)
{
	static struct rec s;
	struct sum *order = malloc((nsums ? nsums : 1) * sizeof *order);

	if (!order)
		msg_errx(EXIT_SYSTEM, "out of memory");
	if (nsums) {
		memcpy(order, sums, nsums * sizeof *order);
		qsort(order, nsums, sizeof *order, sum_cmp);
	}
	for (size_t i = 0; i < nsums; i++) {
		rec_reset(&s, "summary");
		if (order[i].scope[0])
			rec_add(&s, "scope", order[i].scope);
		if (order[i].comm[0])
			rec_add(&s, "comm", order[i].comm);
		rec_add_ll(&s, "kills", order[i].kills);
		rec_add_ll(&s, "kernel_kills", order[i].kernel);
		rec_add_ll(&s, "foom_kills", order[i].foom);
		if (order[i].first >= 0) {
			rec_add_ts(&s, "first_ts", order[i].first);
			rec_add_ts(&s, "last_ts", order[i].last);
		}
		rec_write(&s);
		printed++;
	}
	free(order);
}

/* -t: the columns a person reads first, every one present in every row
 * so the columns stay in place. */
static void table_row(const struct rec *e)
{
	static struct rec t;
	static const char *const keys[] = { "kind", "scope", "pid", "comm",
					    "rss_kb", "result", "invoker",
					    "largest" };
	const char *v = rec_get(e, "kind");
	int foom = v && strcmp(v, "foom-kill") == 0;
	char when[64];
	double ts;

	rec_reset(&t, "event");
	if (rec_num(e, "ts", &ts) == 1) {
		time_t s = (time_t)ts;
		struct tm tm;
		size_t n;

		localtime_r(&s, &tm);
		n = strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		snprintf(when + n, sizeof when - n, ".%03d",
			 (int)((ts - (double)s) * 1000 + 0.5) % 1000);
	} else if ((v = rec_get(e, "uptime_s"))) {
		snprintf(when, sizeof when, "uptime %s", v);
	} else {
		snprintf(when, sizeof when, "-");
	}
	rec_add(&t, "time", when);
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		v = rec_get(e, keys[i]);
		if (!v && strcmp(keys[i], "result") == 0 && rec_get(e, "partial"))
			v = "partial";
		if (!v && strcmp(keys[i], "invoker") == 0 && foom)
			v = "foom";
		rec_add(&t, keys[i], v ? v : "-");
	}
	rec_write(&t);
}

static void output(const struct rec *e)
{
	if (opt.summary) {
		summarize(e);
		return;
	}
	if (rec_out.fmt == REC_TABLE)
		table_row(e);
	else
		rec_write(e);
	printed++;
}

static void keep(const struct rec *e, unsigned long order)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct event *x;

	if (!fp)
		msg_err(EXIT_SYSTEM, "cannot keep an event");
	fputs(e->kind, fp);
	for (int i = 0; i < e->n; i++) {
		fprintf(fp, " %s=", e->f[i].key);
		rec_put_value(fp, e->f[i].val);
	}
	if (fclose(fp) != 0)
		msg_err(EXIT_SYSTEM, "cannot keep an event");
	evs = grow(evs, &capevs, nevs, sizeof *evs);
	x = &evs[nevs++];
	x->text = buf;
	x->order = order;
	x->timed = rec_num(e, "ts", &x->ts) == 1;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->timed != y->timed)
		return x->timed - y->timed;
	if (x->timed && x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void flush_events(void)
{
	char err[160];

	if (nevs)
		qsort(evs, nevs, sizeof *evs, ev_cmp);
	for (size_t i = 0; i < nevs; i++) {
		if (rec_parse(&ev, evs[i].text, strlen(evs[i].text), err,
			      sizeof err) == 0)
			output(&ev);
		free(evs[i].text);
	}
	nevs = 0;
}

static void on_report(void *ctx, const struct oomlog_report *r)
{
	(void)ctx;
	oomlog_event(&ol, r, &ev);
	if (!rec_get(&ev, "ts") && rec_get(&ev, "uptime_s"))
		untimed++;
	if (rec_get(&ev, "unread_time"))
		unread++;
	if (opt.follow) {
		output(&ev);
		rec_flush();
	} else {
		keep(&ev, r->order);
	}
}

/* A foom-kill record becomes an event carrying all its fields. */
static void kill_event(const struct rec *k)
{
	const char *v;

	rec_reset(&ev, "event");
	if ((v = rec_get(k, "ts")))
		rec_add(&ev, "ts", v);
	rec_add(&ev, "kind", "foom-kill");
	if ((v = rec_get(k, "scope")))
		rec_add(&ev, "scope", v);
	for (int i = 0; i < k->n; i++)
		if (strcmp(k->f[i].key, "ts") && strcmp(k->f[i].key, "scope") &&
		    strcmp(k->f[i].key, "kind"))
			rec_add(&ev, k->f[i].key, k->f[i].val);
	keep(&ev, ++ol.seq);
}

static int on_line(void *ctx, char *line, size_t len, const struct rec_src *src)
{
	(void)ctx;
	/* A report does not go on from one file into the next. */
	if (src->lineno == 1) {
		oomlog_finish(&ol);
		file_end();
		cur.name = src->name;
		cur.reports = ol.reports;
		cur.oom_line = cur.unplaced_line = 0;
	}
	/* foom's own records: kill records, and events printed before. */
	if (strncmp(line, "kill ", 5) == 0 || strncmp(line, "event ", 6) == 0) {
		switch (rec_parse_line(&in, line, len, src)) {
		case 0:
			if (strcmp(in.kind, "kill") == 0)
				kill_event(&in);
			else
				keep(&in, ++ol.seq);
			break;
		case -1:
			bad = 1;
			break;
		}
		return 0;
	}
	line[len] = '\0';
	if (!cur.oom_line && oom_killer_line(line)) {
		cur.oom_line = src->lineno;
		if (!oomlog_line(&ol, line, len))
			cur.unplaced_line = src->lineno;
		return 0;
	}
	if (!oomlog_line(&ol, line, len) && !cur.unplaced_line &&
	    cur.oom_line && oom_killer_line(line))
		cur.unplaced_line = src->lineno;
	return 0;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * -f: /dev/kmsg hands one record per read(2), its text escaped, then
 * " KEY=value" lines; a pipe (--kmsg, for tests) hands any number.  Both
 * are cut into lines here, in fixed buffers.
 */
static int follow(void)
{
	static char buf[16384], line[REC_LINE_MAX + 1];
	struct sigaction sa = { .sa_handler = on_signal };
	size_t llen = 0;
	int fd, status = 0;

	fd = open(opt.kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		msg_warn("cannot open '%s'", opt.kmsg);
		return EXIT_SYSTEM;
	}
	if (!opt.all)
		lseek(fd, 0, SEEK_END); /* a pipe has no end to seek to */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	proc_harden();
	rec_out.flush_each = 1;
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t got;
		int n = poll(&pfd, 1, 1000);

		ol.now_s = mono_now();
		if (n < 0 && errno != EINTR) {
			msg_warn("cannot poll '%s'", opt.kmsg);
			status = EXIT_SYSTEM;
			break;
		}
		if (n <= 0) {
			oomlog_tick(&ol, ol.now_s);
			continue;
		}
		got = read(fd, buf, sizeof buf);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == EPIPE) {
				msg_warnx("'%s': records were overwritten before they were read; going on",
					  opt.kmsg);
				continue;
			}
			msg_warn("cannot read '%s'", opt.kmsg);
			status = EXIT_SYSTEM;
			break;
		}
		if (got == 0)
			break; /* a pipe whose writer is gone */
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (llen < REC_LINE_MAX)
					line[llen++] = buf[i];
				continue;
			}
			oomlog_line(&ol, line, llen);
			llen = 0;
		}
		oomlog_tick(&ol, ol.now_s);
	}
	if (llen)
		oomlog_line(&ol, line, llen);
	close(fd);
	oomlog_finish(&ol);
	return status;
}

/* btime of PROC/stat: when this boot began, in seconds since the epoch. */
static double boot_time(void)
{
	char path[4096], buf[4096];
	int at_start = 1;
	FILE *fp;

	snprintf(path, sizeof path, "%s/stat", proc_root(scope_roots.proc));
	if (!(fp = fopen(path, "r")))
		msg_err(EXIT_SYSTEM, "cannot read '%s'", path);
	while (fgets(buf, sizeof buf, fp)) {
		if (at_start && strncmp(buf, "btime ", 6) == 0) {
			double v;

			buf[strcspn(buf, "\n")] = '\0';
			fclose(fp);
			if (msg_parse_double(buf + 6, 0, 1e11, &v) < 0)
				msg_errx(EXIT_SYSTEM, "'%s': bad btime line", path);
			return v;
		}
		at_start = strchr(buf, '\n') != NULL;
	}
	fclose(fp);
	msg_errx(EXIT_SYSTEM, "'%s' has no btime line", path);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	long v;

	switch (key) {
	case 'f': opt.follow = 1; break;
	case OPT_ALL: opt.all = 1; break;
	case OPT_KMSG: opt.kmsg = arg; break;
	case OPT_THIS_BOOT: opt.this_boot = 1; break;
	case OPT_SUMMARY: opt.summary = 1; break;
	case OPT_BOOT_TIME:
		if (msg_parse_double(arg, 0, 1e11, &opt.boot_s) < 0)
			argp_error(state, "--boot-time wants seconds since the epoch, not '%s'", arg);
		break;
	case OPT_YEAR:
		if (msg_parse_long(arg, 1970, 9999, &v) < 0)
			argp_error(state, "--year wants a year (1970 to 9999), not '%s'", arg);
		ol.year = (int)v;
		break;
	case OPT_PAGE_KB:
		if (msg_parse_long(arg, 1, 1 << 20, &v) < 0)
			argp_error(state, "--page-kb wants a page size in KiB, not '%s'", arg);
		ol.page_kb = v;
		break;
	case ARGP_KEY_END:
		if (opt.follow && opt.summary)
			argp_error(state, "--summary reads to the end of the input: not with -f");
		if (!opt.follow && (opt.all || strcmp(opt.kmsg, "/dev/kmsg") != 0))
			argp_error(state, "--all and --kmsg go with -f");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ NULL, 0, NULL, 0, "Input:", 1 },
		{ "follow", 'f', NULL, 0,
		  "Follow /dev/kmsg from its end; print each event as its report ends", 0 },
		{ "all", OPT_ALL, NULL, 0,
		  "With -f, start at the oldest record the kernel still holds", 0 },
		{ "kmsg", OPT_KMSG, "PATH", 0,
		  "With -f, read PATH (kmsg records) instead of /dev/kmsg", 0 },
		{ NULL, 0, NULL, 0, "Time:", 2 },
		{ "boot-time", OPT_BOOT_TIME, "EPOCH", 0,
		  "The kernel booted at EPOCH seconds: turns its seconds since boot into ts=", 0 },
		{ "this-boot", OPT_THIS_BOOT, NULL, 0,
		  "The input is this boot's log: take the boot time from /proc/stat, as -f does", 0 },
		{ "year", OPT_YEAR, "YYYY", 0,
		  "The year of syslog dates, which carry none (default: this year)", 0 },
		{ NULL, 0, NULL, 0, "Reports:", 3 },
		{ "page-kb", OPT_PAGE_KB, "KB", 0,
		  "Page size of the kernel's task dump in KiB (default 4)", 0 },
		{ "summary", OPT_SUMMARY, NULL, 0,
		  "Print kills counted per scope and victim name instead", 0 },
		{ 0 }
	};
	static const struct argp_child children[] = {
		{ &rec_argp, 0, NULL, 0 },
		{ &scope_roots_argp, 0, NULL, 0 },
		{ 0 }
	};
	struct argp argp = {
		options, parse_opt, "[FILE...]",
		"Kernel OOM kills and foom's kills as event records, ordered by time."
		"\v" MSG_EXIT_DOC " Here 0: events printed; 1: no OOM report or "
		"kill found; 2 also: a FILE holds OOM killer lines but gives no "
		"report (named). FILE holds kernel log text (dmesg, dmesg -T, "
		"journalctl -k, kern.log, /dev/kmsg records; kernels 2.6.32 to 6.x) "
		"or foom-kill records; "
		"none or - is stdin.",
		children, NULL, NULL
	};
	int idx, status;

	msg_init("foom-events");
	oomlog_init(&ol);
	argp_parse(&argp, argc, argv, 0, &idx, NULL);
	if (opt.follow && idx < argc)
		msg_errx(EXIT_USAGE, "-f follows %s and takes no FILE", opt.kmsg);
	ol.boot_s = opt.boot_s;
	if (ol.boot_s < 0 && (opt.follow || opt.this_boot))
		ol.boot_s = boot_time();
	ol.emit = on_report;

	if (opt.follow) {
		status = follow();
	} else {
		status = rec_loop(argv + idx, argc - idx, on_line, NULL);
		oomlog_finish(&ol);
		file_end();
		flush_events();
	}
	if (opt.summary)
		print_summary();
	rec_flush();
	if (untimed)
		msg_warnx("the boot time is unknown: kernel events carry uptime_s= "
			  "but no ts= (give --boot-time EPOCH, or --this-boot)");
	if (unread)
		msg_warnx("%lld event%s dated in words that cannot be read as a time: "
			  "unread_time= holds the date as the log wrote it, and there is no ts=",
			  unread, unread == 1 ? " is" : "s are");
	if (status)
		return status;
	return bad ? EXIT_USAGE : printed ? EXIT_OK : EXIT_NONE;
}
