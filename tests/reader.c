/* SPDX-License-Identifier: MIT */
/*
 * reader: the latency-sensitive process of the live tests, the demo and
 * the live benchmark.  It loops doing random 4 KiB preads of a data file
 * and writes one line per iteration, "START_UNIX_S<TAB>LATENCY_US", the
 * format of the near-OOM traces' reader.lat.  While its file stays in
 * the page cache an iteration takes a few hundred microseconds; when
 * reclaim evicts it the reads go to disk, and that is the stall foom
 * exists to prevent.
 *
 * With --stream it is instead the use-once streamer of the healthy
 * scenario (named "streamer"): one sequential pass at a fixed rate.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

#define READ_KB 4           /* one page: a random lookup, no readahead win */
#define STREAM_CHUNK (1L << 20) /* the streamer reads 1 MiB at a time */

enum { OPT_STREAM = 256 };

static struct {
	const char *out, *file;
	long reads, sleep_us, stream_mibps;
	int evict, warm;
} o = { .reads = 64, .sleep_us = 5000 };

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec t = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* Drop the file from the page cache, so what is read next is charged to
 * this process's memory cgroup (page cache belongs to whoever faults it
 * in first).  fdatasync first: dirty pages are not dropped. */
static void evict(int fd)
{
	if (fdatasync(fd) < 0 && errno != EINVAL)
		msg_warn("cannot sync '%s'", o.file);
	errno = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (errno)
		msg_warn("cannot drop '%s' from the page cache", o.file);
}

static void read_all(int fd, double mibps)
{
	static char buf[STREAM_CHUNK];
	double t0 = mono();
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		off += n;
		if (mibps > 0) {
			double due = t0 + off / (mibps * STREAM_CHUNK) - mono();

			if (due > 0)
				sleep_s(due);
		}
	}
	if (n < 0)
		msg_err(EXIT_SYSTEM, "cannot read '%s'", o.file);
}

static noreturn void loop(int fd, long pages, int out)
{
	char buf[READ_KB * 1024], line[64];
	unsigned long long x = (unsigned long long)getpid() * 0x9e3779b97f4a7c15ULL |
			       1;

	for (;;) {
		struct timespec wall;
		double t0, us;
		int len;

		clock_gettime(CLOCK_REALTIME, &wall);
		t0 = mono();
		for (long i = 0; i < o.reads; i++) {
			/* xorshift64: cheap, and no libc state to lock */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (pread(fd, buf, sizeof buf, (off_t)(x % pages) * sizeof buf) < 0)
				msg_err(EXIT_SYSTEM, "cannot read '%s'", o.file);
		}
		us = (mono() - t0) * 1e6;
		len = snprintf(line, sizeof line, "%lld.%06ld\t%.0f\n",
			       (long long)wall.tv_sec, wall.tv_nsec / 1000, us);
		/* One write a line: a killed reader loses no iteration. */
		if (write(out, line, len) != len)
			msg_err(EXIT_SYSTEM, "cannot write '%s'", o.out ? o.out : "stdout");
		if (o.sleep_us)
			sleep_s(o.sleep_us / 1e6);
	}
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'o': o.out = arg; break;
	case 'E': o.evict = 1; break;
	case 'W': o.warm = 1; break;
	case 'r':
		if (msg_parse_long(arg, 1, 1 << 20, &o.reads) < 0)
			argp_error(state, "bad read count '%s'", arg);
		break;
	case 's':
		if (msg_parse_long(arg, 0, 10000000, &o.sleep_us) < 0)
			argp_error(state, "bad sleep '%s' (microseconds)", arg);
		break;
	case OPT_STREAM:
		if (msg_parse_long(arg, 1, 1 << 20, &o.stream_mibps) < 0)
			argp_error(state, "bad rate '%s' (MiB/s)", arg);
		break;
	case ARGP_KEY_ARG:
		if (o.file)
			argp_error(state, "one FILE only");
		o.file = arg;
		break;
	case ARGP_KEY_NO_ARGS:
		argp_error(state, "a FILE to read is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ NULL, 0, NULL, 0, "Reader:", 1 },
		{ "out", 'o', "LATFILE", 0, "Write latency lines to LATFILE (default stdout)", 0 },
		{ "reads", 'r', "N", 0, "Random 4 KiB reads per iteration (default 64)", 0 },
		{ "sleep", 's', "US", 0, "Sleep after each iteration, microseconds (default 5000)", 0 },
		{ NULL, 0, NULL, 0, "Page cache:", 2 },
		{ "evict", 'E', NULL, 0, "First drop FILE from the page cache", 0 },
		{ "warm", 'W', NULL, 0, "Then read FILE once, so its cache is this cgroup's", 0 },
		{ NULL, 0, NULL, 0, "Streamer:", 3 },
		{ "stream", OPT_STREAM, "MIB_PER_S", 0,
		  "Read FILE once front to back at MIB_PER_S, as \"streamer\", and exit", 0 },
		{ 0 }
	};
	struct argp argp = { options, parse_opt, "FILE",
			     "Time random reads of FILE, one line per iteration.\v"
			     "Each line: the unix time the iteration started "
			     "(s, microsecond precision), a tab, the time its reads "
			     "took (us).\n\n" MSG_EXIT_DOC,
			     NULL, NULL, NULL };
	struct stat st;
	int fd, out = STDOUT_FILENO;

	msg_init("reader");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	fd = open(o.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		msg_err(EXIT_SYSTEM, "cannot open '%s'", o.file);
	if (o.evict)
		evict(fd);
	if (o.stream_mibps) {
		prctl(PR_SET_NAME, "streamer");
		read_all(fd, o.stream_mibps);
		return EXIT_OK;
	}
	if (st.st_size < READ_KB * 1024)
		msg_errx(EXIT_USAGE, "'%s' is smaller than one %d KiB read", o.file, READ_KB);
	if (o.warm)
		read_all(fd, 0);
	if (o.out) {
		out = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out < 0)
			msg_err(EXIT_SYSTEM, "cannot open '%s'", o.out);
	}
	loop(fd, st.st_size / (READ_KB * 1024), out);
}
