/* SPDX-License-Identifier: MIT */
/*
 * cgmeminfo: make a memory cgroup look like a whole machine to a tool
 * that only reads /proc/meminfo (earlyoom, nohang), for the live
 * benchmark.  It rewrites FILE in place, every interval, as a meminfo
 * computed from the cgroup's own numbers; the benchmark bind-mounts FILE
 * over /proc/meminfo in a private mount namespace.  The file keeps one
 * length (numbers padded to a fixed width) and is written with one
 * pwrite, so a reader that keeps it open and re-reads it from the start
 * never sees it half written or truncated.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "proc.h"

/* earlyoom polls meminfo at most every 100 ms near its threshold: twice
 * as often keeps it from acting on a stale number. */
#define DEFAULT_MS 50

static const char *cgdir, *file;
static long interval_ms = DEFAULT_MS;
static int once;

static long long kb_of(int dirfd, const char *name)
{
	char buf[64];
	long long v;

	if (proc_read_at(dirfd, name, buf, sizeof buf) < 0)
		msg_err(EXIT_SYSTEM, "cannot read '%s/%s'", cgdir, name);
	if (!strncmp(buf, "max", 3))
		return -1;
	if (sscanf(buf, "%lld", &v) != 1)
		msg_errx(EXIT_SYSTEM, "'%s/%s' holds no number", cgdir, name);
	return v / 1024;
}

static long long stat_kb(const char *stat, const char *key)
{
	long long v;

	return proc_kv(stat, key, &v) == 1 ? v / 1024 : 0;
}

static int render(int dirfd, int v2, long long total_kb, char *out, size_t size)
{
	static char stat[16384];
	long long limit_kb, usage_kb, free_kb, afile, ifile, aanon, ianon, shmem;
	const char *pre = v2 ? "" : "total_";
	char key[64];

	limit_kb = kb_of(dirfd, v2 ? "memory.max" : "memory.limit_in_bytes");
	usage_kb = kb_of(dirfd, v2 ? "memory.current" : "memory.usage_in_bytes");
	if (limit_kb < 0 || limit_kb > total_kb)
		limit_kb = total_kb;
	if (proc_read_at(dirfd, "memory.stat", stat, sizeof stat) < 0)
		msg_err(EXIT_SYSTEM, "cannot read '%s/memory.stat'", cgdir);
#define STAT(name) (snprintf(key, sizeof key, "%s%s", pre, name), stat_kb(stat, key))
	afile = STAT("active_file");
	ifile = STAT("inactive_file");
	aanon = STAT("active_anon");
	ianon = STAT("inactive_anon");
	shmem = STAT("shmem");
#undef STAT
	free_kb = limit_kb > usage_kb ? limit_kb - usage_kb : 0;
	/* What the kernel's own estimate would say with no watermarks: free
	 * memory plus the page cache reclaim could take. */
	return snprintf(out, size,
			"MemTotal:       %12lld kB\n"
			"MemFree:        %12lld kB\n"
			"MemAvailable:   %12lld kB\n"
			"Buffers:        %12d kB\n"
			"Cached:         %12lld kB\n"
			"SwapCached:     %12d kB\n"
			"Active(anon):   %12lld kB\n"
			"Inactive(anon): %12lld kB\n"
			"Active(file):   %12lld kB\n"
			"Inactive(file): %12lld kB\n"
			"SwapTotal:      %12d kB\n"
			"SwapFree:       %12d kB\n"
			"Shmem:          %12lld kB\n"
			"SReclaimable:   %12d kB\n",
			limit_kb, free_kb, free_kb + afile + ifile, 0, afile + ifile + shmem,
			0, aanon, ianon, afile, ifile, 0, 0, shmem, 0);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'i':
		if (msg_parse_long(arg, 1, 60000, &interval_ms) < 0)
			argp_error(state, "bad interval '%s' (milliseconds)", arg);
		break;
	case '1': once = 1; break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0)
			cgdir = arg;
		else if (state->arg_num == 1)
			file = arg;
		else
			argp_error(state, "too many arguments");
		break;
	case ARGP_KEY_END:
		if (!file)
			argp_error(state, "want CGROUP_DIR and FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp_option options[] = {
		{ "interval", 'i', "MS", 0, "Rewrite FILE every MS milliseconds (default 50)", 0 },
		{ "once", '1', NULL, 0, "Write FILE once and exit", 0 },
		{ 0 }
	};
	struct argp argp = { options, parse_opt, "CGROUP_DIR FILE",
			     "Keep FILE a /proc/meminfo of a memory cgroup.\v" MSG_EXIT_DOC,
			     NULL, NULL, NULL };
	char buf[1024], node[4096];
	long long total_kb;
	int dirfd, fd, v2, len;
	struct timespec t;

	msg_init("cgmeminfo");
	argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if ((dirfd = open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		msg_err(EXIT_SYSTEM, "cannot open '%s'", cgdir);
	v2 = faccessat(dirfd, "memory.max", F_OK, 0) == 0;
	if (proc_read_at(AT_FDCWD, "/proc/meminfo", node, sizeof node) < 0 ||
	    proc_kv(node, "MemTotal", &total_kb) != 1)
		msg_err(EXIT_SYSTEM, "cannot read '/proc/meminfo'");
	if ((fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
		msg_err(EXIT_SYSTEM, "cannot open '%s'", file);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (;;) {
		len = render(dirfd, v2, total_kb, buf, sizeof buf);
		if (pwrite(fd, buf, len, 0) != len)
			msg_err(EXIT_SYSTEM, "cannot write '%s'", file);
		if (once)
			return EXIT_OK;
		t.tv_nsec += interval_ms * 1000000L;
		t.tv_sec += t.tv_nsec / 1000000000;
		t.tv_nsec %= 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
	}
}
