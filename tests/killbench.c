/* SPDX-License-Identifier: MIT */
/*
 * killbench: the latency of a killer reading victim lines, for
 * bench/bench-kill.  Starts CMD with a pipe on its stdin, then N times:
 * forks a victim (its own process group, paused), writes a victim
 * record naming it, and measures the time from the write until the
 * victim's exit is seen on its pidfd.  Prints "median_us p99_us".
 *
 *	killbench N CMD...
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Kills before the measured ones: page in the killer and its caches. */
#define WARMUP 20

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static unsigned long long start_of(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *fp;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (!(fp = fopen(path, "r")))
		return 0;
	p = fgets(buf, sizeof buf, fp);
	fclose(fp);
	if (!p || !(p = strrchr(buf, ')')))
		return 0;
	/* field 22 is the 20th after the comm */
	for (int i = 0; i < 20 && p; i++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

int main(int argc, char **argv)
{
	int n, fds[2], killer, null;
	double *lat;
	FILE *to;

	if (argc < 3 || (n = atoi(argv[1])) < 1) {
		fprintf(stderr, "usage: killbench N CMD...\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lat = calloc((size_t)n, sizeof *lat);
	if (!lat || pipe(fds) < 0)
		return 1;
	killer = fork();
	if (killer == 0) {
		null = open("/dev/null", O_WRONLY);
		dup2(fds[0], 0);
		dup2(null, 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[2], argv + 2);
		perror("killbench: exec");
		_exit(127);
	}
	close(fds[0]);
	to = fdopen(fds[1], "w");
	for (int i = -WARMUP; i < n; i++) {
		struct pollfd pfd = { .events = POLLIN };
		double t0;
		int pid = fork(), r;

		if (pid == 0) {
			setpgid(0, 0);
			for (;;)
				pause();
		}
		setpgid(pid, pid); /* before the killer looks */
		pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
		t0 = now_us();
		fprintf(to, "victim ts=0.000 scope=node rank=1 pid=%d start=%llu "
			"comm=killbench rule=bench\n", pid, start_of(pid));
		fflush(to);
		while ((r = poll(&pfd, 1, 10000)) < 0 && errno == EINTR)
			;
		if (i >= 0)
			lat[i] = now_us() - t0;
		if (r == 0) {
			fprintf(stderr, "killbench: victim %d not killed in 10 s\n",
				pid);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 1;
		}
		close(pfd.fd);
		waitpid(pid, NULL, 0);
	}
	fclose(to);
	waitpid(killer, NULL, 0);
	qsort(lat, (size_t)n, sizeof *lat, cmp);
	printf("%.0f %.0f\n", lat[n / 2], lat[(n * 99 + 99) / 100 - 1]);
	return 0;
}
