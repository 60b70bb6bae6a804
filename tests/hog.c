/* SPDX-License-Identifier: MIT */
/*
 * hog: the misbehaving load of the live tests, the demo and the live
 * benchmark.  It allocates anonymous private memory and touches it page
 * by page, so every MiB is charged to its memory cgroup and cannot be
 * reclaimed without swap, in one of the four shapes the near-OOM traces
 * were recorded with.  It writes nothing; a signal ends it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

#define MIB (1024L * 1024)
/* hold allocates in steps of this size, so a rate is a smooth ramp. */
#define HOLD_STEP_MIB 4
/* Upper bound of any size argument: far beyond a test cgroup's limit. */
#define MAX_MIB (1L << 20)

static long page_size;

static void *grab(long mib)
{
	char *p = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		msg_err(EXIT_SYSTEM, "cannot map %ld MiB", mib);
	/* A write, not a read: a read would map the shared zero page. */
	for (long off = 0; off < mib * MIB; off += page_size)
		p[off] = 1;
	return p;
}

static void now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static void add_ms(struct timespec *t, double ms)
{
	long long ns = t->tv_nsec + (long long)(ms * 1e6);

	t->tv_sec += ns / 1000000000;
	t->tv_nsec = ns % 1000000000;
}

static void sleep_until(const struct timespec *t)
{
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
		;
}

static void sleep_ms(double ms)
{
	struct timespec t;

	now(&t);
	add_ms(&t, ms);
	sleep_until(&t);
}

static noreturn void hold_forever(void)
{
	for (;;)
		pause();
}

/* hold M [R]: M MiB at R MiB/s (at once when R is 0), then hold it. */
static noreturn void hold(long mib, long rate)
{
	struct timespec t;

	if (!rate) {
		grab(mib);
		hold_forever();
	}
	now(&t);
	for (long done = 0; done < mib; done += HOLD_STEP_MIB) {
		long step = mib - done < HOLD_STEP_MIB ? mib - done : HOLD_STEP_MIB;

		grab(step);
		add_ms(&t, 1000.0 * step / rate);
		sleep_until(&t);
	}
	hold_forever();
}

/* runaway R: leak 1 MiB every 1/R s. */
static noreturn void runaway(long rate)
{
	struct timespec t;

	now(&t);
	for (;;) {
		grab(1);
		add_ms(&t, 1000.0 / rate);
		sleep_until(&t);
	}
}

/* spike C H G: C MiB, hold H ms, free, wait G ms, repeat.  burst C P is
 * spike C 0 P. */
static noreturn void spike(long mib, long hold_ms, long gap_ms)
{
	for (;;) {
		void *p = grab(mib);

		sleep_ms(hold_ms);
		munmap(p, mib * MIB);
		sleep_ms(gap_ms);
	}
}

static long num(const char *s, const char *what, long min)
{
	long v;

	if (msg_parse_long(s, min, MAX_MIB, &v) < 0)
		msg_errx(EXIT_USAGE, "bad %s '%s': want a whole number from %ld to %ld",
			 what, s, min, MAX_MIB);
	return v;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	if (key == ARGP_KEY_NO_ARGS)
		argp_usage(state);
	return ARGP_ERR_UNKNOWN;
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = { { 0 } };
	struct argp argp = {
		options, parse_opt,
		"hold MIB [MIB_PER_S]\nrunaway MIB_PER_S\n"
		"spike MIB HOLD_MS GAP_MS\nburst MIB GAP_MS",
		"Allocate and touch anonymous memory in a misbehaving shape.\v"
		"hold: allocate MIB (at MIB_PER_S in 4 MiB steps, at once "
		"without it) and hold it. runaway: leak 1 MiB every "
		"1/MIB_PER_S s. spike: allocate MIB, hold it HOLD_MS, free it, "
		"wait GAP_MS, repeat. burst: allocate MIB, free it at once, "
		"wait GAP_MS, repeat.\n\n" MSG_EXIT_DOC,
		NULL, NULL, NULL
	};
	int idx, n;
	const char *mode;

	msg_init("hog");
	argp_parse(&argp, argc, argv, 0, &idx, NULL);
	page_size = sysconf(_SC_PAGESIZE);
	mode = argv[idx];
	n = argc - idx - 1;
	if (!strcmp(mode, "hold") && (n == 1 || n == 2))
		hold(num(argv[idx + 1], "size", 1),
		     n == 2 ? num(argv[idx + 2], "rate", 1) : 0);
	if (!strcmp(mode, "runaway") && n == 1)
		runaway(num(argv[idx + 1], "rate", 1));
	if (!strcmp(mode, "spike") && n == 3)
		spike(num(argv[idx + 1], "size", 1), num(argv[idx + 2], "hold", 0),
		      num(argv[idx + 3], "gap", 0));
	if (!strcmp(mode, "burst") && n == 2)
		spike(num(argv[idx + 1], "size", 1), 0, num(argv[idx + 2], "gap", 0));
	msg_errx(EXIT_USAGE, "bad mode '%s' or wrong number of arguments (see --help)",
		 mode);
}
