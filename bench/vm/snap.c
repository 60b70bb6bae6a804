/* SPDX-License-Identifier: MIT */
/*
 * snap: the guest's trace recorder.  Every INTERVAL_MS, on a fixed
 * schedule, it copies each FILE named on the command line, byte for
 * byte, into one tar stream on stdout, as NNNNN/NAME (NAME: the path with
 * /proc as proc/ and /sys/fs/cgroup as cgroup/), and appends "TICK<TAB>TS"
 * to TICKS (the traces' ticks.tsv).  A file that cannot be read at a
 * tick is left out of that tick, never faked.  It ends at SIGTERM or
 * SIGINT, closing the archive.  One process, no fork, memory locked: it
 * must keep its schedule while the guest around it thrashes.
 *
 * Usage: snap INTERVAL_MS TICKS FILE... > snapshots.tar
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define FILE_MAX (256 * 1024) /* zoneinfo of a small guest is ~20 KiB */
#define BLOCK 512	      /* the tar block */
#define TICK_MAX (1024 * 1024) /* one tick's members, written at once */

static volatile sig_atomic_t stop;
static char buf[FILE_MAX];
static char tickbuf[TICK_MAX];
static size_t tickn;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A tick goes out in one write: on the guest's 9p share every write is
 * a round trip to the host, and the recorder must keep its schedule. */
static void flush(void)
{
	const char *c = tickbuf;
	size_t n = tickn;

	while (n) {
		ssize_t w = write(STDOUT_FILENO, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			perror("snap: write");
			exit(3);
		}
		c += w;
		n -= (size_t)w;
	}
	tickn = 0;
}

static void put(const void *p, size_t n)
{
	if (tickn + n > sizeof tickbuf)
		flush();
	if (n > sizeof tickbuf) {
		fprintf(stderr, "snap: a member larger than a tick\n");
		exit(3);
	}
	memcpy(tickbuf + tickn, p, n);
	tickn += n;
}

/* Octal into a header field of len bytes, the last a NUL. */
static void octal(char *field, size_t len, unsigned long long v)
{
	field[--len] = '\0';
	while (len--) {
		field[len] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

/* One ustar member: a header block, the data, zero padding.  A name
 * longer than the 100-byte field is split at a '/' into ustar's prefix
 * (the pod cgroups' paths are that long); longer still is left out. */
static void member(const char *name, const char *data, size_t n, long mtime)
{
	static const char zero[BLOCK];
	char h[BLOCK];
	size_t len = strlen(name), cut = 0;
	unsigned sum = 0;

	if (len >= 100) {
		for (size_t i = 0; i < len && i < 155; i++)
			if (name[i] == '/' && len - i - 1 < 100)
				cut = i;
		if (!cut)
			return;
	}
	memset(h, 0, sizeof h);
	if (cut) {
		memcpy(h + 345, name, cut);
		memcpy(h, name + cut + 1, len - cut - 1);
	} else {
		memcpy(h, name, len);
	}
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, n);
	octal(h + 136, 12, (unsigned long long)mtime);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (size_t i = 0; i < sizeof h; i++)
		sum += (unsigned char)h[i];
	octal(h + 148, 7, sum);
	put(h, sizeof h);
	put(data, n);
	if (n % BLOCK)
		put(zero, BLOCK - n % BLOCK);
}

static const char *tar_name(const char *path)
{
	static char name[256];

	if (strncmp(path, "/sys/fs/cgroup/", 15) == 0)
		snprintf(name, sizeof name, "cgroup/%s", path + 15);
	else if (strncmp(path, "/proc/", 6) == 0)
		snprintf(name, sizeof name, "proc/%s", path + 6);
	else
		snprintf(name, sizeof name, "%s", path + (*path == '/'));
	return name;
}

int main(int argc, char **argv)
{
	struct timespec due, wall;
	char name[300];
	FILE *ticks;
	long iv_ms;

	if (argc < 4 || (iv_ms = atol(argv[1])) <= 0) {
		fprintf(stderr, "Usage: snap INTERVAL_MS TICKS FILE... > snapshots.tar\n");
		return 2;
	}
	ticks = fopen(argv[2], "w");
	if (!ticks) {
		perror("snap: ticks");
		return 3;
	}
	fprintf(ticks, "tick\tts\n");
	fflush(ticks);
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		perror("snap: mlockall");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &due);
	for (long tick = 0; !stop && tick < 100000; tick++) {
		clock_gettime(CLOCK_REALTIME, &wall);
		for (int i = 3; i < argc; i++) {
			int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			size_t n = 0;
			ssize_t r;

			if (fd < 0)
				continue;
			while (n < sizeof buf &&
			       (r = read(fd, buf + n, sizeof buf - n)) != 0) {
				if (r < 0 && errno == EINTR)
					continue;
				if (r < 0)
					break;
				n += (size_t)r;
			}
			close(fd);
			if (r < 0)
				continue;
			snprintf(name, sizeof name, "%05ld/%s", tick, tar_name(argv[i]));
			member(name, buf, n, wall.tv_sec);
		}
		flush();
		fprintf(ticks, "%ld\t%lld.%03ld\n", tick, (long long)wall.tv_sec,
			wall.tv_nsec / 1000000);
		fflush(ticks);
		due.tv_nsec += iv_ms * 1000000;
		while (due.tv_nsec >= 1000000000) {
			due.tv_nsec -= 1000000000;
			due.tv_sec++;
		}
		while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
			;
	}
	memset(buf, 0, 2 * BLOCK);
	put(buf, 2 * BLOCK);
	flush();
	return 0;
}
