/* SPDX-License-Identifier: MIT */
/*
 * foom-metrics: read foom's records (samples, verdicts, kills, events,
 * from foom-watch or any stage) and write Prometheus metrics in the text
 * exposition format: per scope its level, risk, eta and available
 * memory; kills counted by scope, result and rule; the kernel's OOM
 * kills from foom-events.  It exists so that a fleet sees foom in the
 * dashboards it already has, through node_exporter's textfile collector:
 * with --textfile DIR the file is rewritten every interval, atomically
 * (written beside, synced, renamed), and a scrape never reads half of it.
 *
 * Without --textfile it prints the metrics once, at the end of input.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "msg.h"
#include "rec.h"

/* How often the textfile is rewritten: a kill shows within this, well
 * inside the 15 to 60 s that node_exporter is usually scraped at, for
 * one small file written a few times a minute. */
#define INTERVAL_S 5
/* Scopes and series held at once: every cgroup with a limit of a large
 * host fits; the table is allocated once, about 100 bytes a slot. */
#define MAX_SCOPES 1024
#define MAX_SERIES 1024
/* A scope without a record this long is gone (a pod deleted, a cgroup
 * removed): its gauges go, and its slot is free for another. */
#define FORGET_S 300
/* The file node_exporter reads (it reads DIR/ *.prom). */
#define TEXTFILE_NAME "foom.prom"

enum { OPT_TEXTFILE = 0x100, OPT_PASS, OPT_MAX_SCOPES, OPT_MAX_SERIES,
       OPT_FORGET };

static struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Output:", 1 },
	{ "textfile", OPT_TEXTFILE, "DIR", 0,
	  "Write DIR/" TEXTFILE_NAME " (node_exporter's textfile collector) "
	  "every interval and at the end of input, atomically", 0 },
	{ "interval", 'i', "SECONDS", 0,
	  "With --textfile, seconds between writes (default 5)", 0 },
	{ "pass", OPT_PASS, NULL, 0,
	  "With --textfile, copy every input record to stdout", 0 },
	{ NULL, 0, NULL, 0, "Tables:", 2 },
	{ "forget", OPT_FORGET, "SECONDS", 0,
	  "With --textfile, drop a scope not heard of for SECONDS (default "
	  "300; 0: never)", 0 },
	{ "max-scopes", OPT_MAX_SCOPES, "N", 0,
	  "Scopes held at once (default 1024)", 0 },
	{ "max-series", OPT_MAX_SERIES, "N", 0,
	  "Series per counter (default 1024)", 0 },
	{ 0 }
};

static struct {
	const char *textfile;
	double interval_s, forget_s;
	long max_scopes, max_series;
	int pass;
} opt = { .interval_s = INTERVAL_S, .forget_s = FORGET_S,
	  .max_scopes = MAX_SCOPES, .max_series = MAX_SERIES };

/* The writer thread and the reader share the tables under one lock. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int done, dirfd, failing, failed;
	char tmp[64];
	struct met *met;
} w = { .lock = PTHREAD_MUTEX_INITIALIZER, .dirfd = -1 };

static int bad;
static struct rec in;

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_TEXTFILE: opt.textfile = arg; break;
	case 'i':
		if (msg_parse_double(arg, 0.05, 86400, &opt.interval_s) < 0)
			argp_error(state, "--interval: '%s' is not a number of "
				   "seconds (0.05 to 86400)", arg);
		break;
	case OPT_PASS: opt.pass = 1; break;
	case OPT_FORGET:
		if (msg_parse_double(arg, 0, 1e9, &opt.forget_s) < 0)
			argp_error(state, "--forget: '%s' is not a number of "
				   "seconds", arg);
		break;
	case OPT_MAX_SCOPES: case OPT_MAX_SERIES:
		if (msg_parse_long(arg, 1, 1000000, key == OPT_MAX_SCOPES ?
				   &opt.max_scopes : &opt.max_series) < 0)
			argp_error(state, "'%s' is not a number from 1 to 1000000",
				   arg);
		break;
	case ARGP_KEY_END:
		if (opt.pass && !opt.textfile)
			argp_error(state, "--pass needs --textfile: without it "
				   "the metrics are the output");
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The textfile: written beside under a name node_exporter skips, synced,
 * renamed over the old one, the directory synced.  Called locked. */
static int write_textfile(void)
{
	int fd = openat(w.dirfd, w.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	int st;

	if (!fp) {
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	st = met_write(w.met, fp);
	st |= fflush(fp);
	st |= fsync(fd);
	st |= fclose(fp);
	if (st || renameat(w.dirfd, w.tmp, w.dirfd, TEXTFILE_NAME) < 0) {
		unlinkat(w.dirfd, w.tmp, 0);
		goto fail;
	}
	fsync(w.dirfd);
	if (w.failing)
		msg_warnx("'%s/%s' written again", opt.textfile, TEXTFILE_NAME);
	w.failing = 0;
	return 0;
fail:
	/* said once a run of failures: a full disk must not flood the log */
	if (!w.failing)
		msg_warn("cannot write '%s/%s'", opt.textfile, TEXTFILE_NAME);
	w.failing = w.failed = 1;
	return -1;
}

static void *writer(void *arg)
{
	struct timespec at;

	(void)arg;
	pthread_mutex_lock(&w.lock);
	clock_gettime(CLOCK_MONOTONIC, &at);
	while (!w.done) {
		double next = at.tv_sec + at.tv_nsec / 1e9 + opt.interval_s;

		at.tv_sec = (time_t)next;
		at.tv_nsec = (long)((next - (double)at.tv_sec) * 1e9);
		while (!w.done &&
		       pthread_cond_timedwait(&w.wake, &w.lock, &at) != ETIMEDOUT)
			;
		if (w.done)
			break;
		met_forget(w.met);
		write_textfile();
	}
	pthread_mutex_unlock(&w.lock);
	return NULL;
}

static int on_line(void *ctx, char *line, size_t len,
		   const struct rec_src *src)
{
	int rc = rec_parse_line(&in, line, len, src);

	(void)ctx;
	if (rc == 1)
		return 0;
	pthread_mutex_lock(&w.lock);
	if (rc < 0)
		met_bad_line(w.met);
	else
		met_record(w.met, &in);
	pthread_mutex_unlock(&w.lock);
	if (rc < 0)
		bad = 1;
	else if (opt.pass)
		rec_write(&in);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		options, parse_opt, "[FILE...]",
		"Foom's records as Prometheus metrics.\v"
		"Reads records from the FILEs, or stdin (\"-\").  A bad line is "
		"reported, counted and skipped; the status is then 2.  Status "
		"3: the textfile could not be written.  " MSG_EXIT_DOC,
		NULL, NULL, NULL
	};
	pthread_condattr_t ca;
	pthread_t tid;
	int idx, status;

	msg_init("foom-metrics");
	argp_parse(&argp, argc, argv, 0, &idx, NULL);
	if (!(w.met = met_new((int)opt.max_scopes, (int)opt.max_series,
			      opt.textfile ? opt.forget_s : 0)))
		msg_err(EXIT_SYSTEM, "cannot make the tables");
	if (opt.textfile) {
		w.dirfd = open(opt.textfile, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (w.dirfd < 0)
			msg_err(EXIT_SYSTEM, "cannot open the directory '%s'",
				opt.textfile);
		snprintf(w.tmp, sizeof w.tmp, ".%s.%ld.tmp", TEXTFILE_NAME,
			 (long)getpid());
		/* the file is there from the start, before any record */
		if (write_textfile() < 0)
			return EXIT_SYSTEM;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w.wake, &ca);
		if ((errno = pthread_create(&tid, NULL, writer, NULL)))
			msg_err(EXIT_SYSTEM, "cannot start the writer");
		rec_out.flush_each = 1;
	}
	status = rec_loop(argv + idx, argc - idx, on_line, NULL);
	if (opt.textfile) {
		pthread_mutex_lock(&w.lock);
		w.done = 1;
		pthread_cond_signal(&w.wake);
		pthread_mutex_unlock(&w.lock);
		pthread_join(tid, NULL);
		write_textfile();
		rec_flush();
	} else if (met_write(w.met, stdout) < 0) {
		status = EXIT_SYSTEM;
	}
	met_free(w.met);
	return status ? status : w.failed ? EXIT_SYSTEM : bad ? EXIT_USAGE :
	       EXIT_OK;
}
