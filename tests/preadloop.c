/* SPDX-License-Identifier: MIT */
/*
 * preadloop: the least a tick can cost.  -c N ticks, -i SECONDS apart
 * on a drift-free schedule: each FILE opened once, read with one pread
 * from offset 0 per tick, what was read written to stdout in one write.
 * No parsing, no record: run under tests/rusage, the floor under
 * foom-sample's cost for the same files (bench/bench-sample).
 *	preadloop -c N -i SECONDS FILE...
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

/* A cheap tick's files are small: meminfo is the largest, ~1.5 KiB. */
#define FILE_MAX 8192
#define FILES_MAX 1024

static char out[FILES_MAX * 64 + FILE_MAX];

int main(int argc, char **argv)
{
	static int fd[FILES_MAX];
	long count = 0;
	double ival_s = 0;
	struct timespec t;
	int c, n = 0;

	msg_init("preadloop");
	while ((c = getopt(argc, argv, "c:i:")) != -1)
		if ((c == 'c' && msg_parse_long(optarg, 1, 1000000000L, &count) < 0) ||
		    (c == 'i' && msg_parse_double(optarg, 0.001, 86400, &ival_s) < 0) ||
		    c == '?')
			msg_errx(EXIT_USAGE, "usage: preadloop -c N -i SECONDS FILE...");
	if (!count || !ival_s || optind == argc || argc - optind > FILES_MAX)
		msg_errx(EXIT_USAGE, "usage: preadloop -c N -i SECONDS FILE...");
	for (int i = optind; i < argc; i++)
		if ((fd[n++] = open(argv[i], O_RDONLY | O_CLOEXEC)) < 0)
			msg_err(EXIT_SYSTEM, "cannot open '%s'", argv[i]);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (long k = 0; k < count; k++) {
		size_t len = 0;
		long ns;

		for (int i = 0; i < n; i++) {
			ssize_t r = pread(fd[i], out + len, sizeof out - len, 0);

			/* a file's first 64 bytes of the tick's line: as many
			 * as a record holds of it */
			if (r > 0)
				len += (size_t)r < 64 ? (size_t)r : 64;
		}
		if (len && write(1, out, len) < 0)
			msg_err(EXIT_SYSTEM, "cannot write");
		ns = t.tv_nsec + (long)(ival_s * 1e9);
		t.tv_sec += ns / 1000000000L;
		t.tv_nsec = ns % 1000000000L;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL))
			;
	}
	return EXIT_OK;
}
