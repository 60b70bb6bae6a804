/* SPDX-License-Identifier: MIT */
/*
 * rusage: run a command and print what it cost, as one record on
 * stderr: "rusage user_us= sys_us= cpu_us= maxrss_kb= wall_s= status=".
 * Children the command waited for are counted (wait4 reports them), so
 * a shell loop's cost includes its cats.  For the benchmarks.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rusage ru;
	struct timespec t0, t1;
	int st;
	pid_t pid;
	long long u, s;

	if (argc < 2) {
		fprintf(stderr, "usage: rusage COMMAND [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 3;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("rusage: exec");
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("rusage: wait4");
		return 3;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	u = ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec;
	s = ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec;
	fprintf(stderr,
		"rusage user_us=%lld sys_us=%lld cpu_us=%lld maxrss_kb=%ld wall_s=%.3f status=%d\n",
		u, s, u + s, ru.ru_maxrss,
		(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
