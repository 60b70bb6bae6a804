/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: lib/sample's readers of the node's /proc files and of a
 * memory cgroup's files (v1 on a hybrid root, v2 with an ancestor).
 * sample_read reads only open files, so the target builds a fixture
 * tree once (in $TMPDIR), opens one sampler per kind of scope, and on
 * each input rewrites the files of one scope in place: the first byte
 * picks the scope, the rest is split at NUL bytes into that scope's
 * files, in the order of the tables below (a missing part: an empty
 * file).  The zoneinfo text, which the sampler re-reads once a minute,
 * goes to sample_parse_wmarks directly.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg.h"
#include "proc.h"
#include "readback.h"
#include "rec.h"
#include "sample.h"

enum { NODE, V1, V2, NSCOPE };

/* Each scope's files, relative to the fixture root. */
static const char *const files[NSCOPE][10] = {
	[NODE] = { "proc/meminfo", "proc/vmstat", "proc/stat",
		   "proc/pressure/memory", "proc/pressure/io", "proc/zoneinfo" },
	[V1] = { "cg1/memory/a/memory.limit_in_bytes",
		 "cg1/memory/a/memory.usage_in_bytes",
		 "cg1/memory/a/memory.max_usage_in_bytes",
		 "cg1/memory/a/memory.failcnt", "cg1/memory/a/memory.oom_control",
		 "cg1/memory/a/memory.stat", "cg1/unified/a/memory.pressure",
		 "cg1/unified/a/io.pressure", "proc/meminfo" },
	[V2] = { "cg2/a/b/memory.max", "cg2/a/b/memory.high",
		 "cg2/a/b/memory.current", "cg2/a/b/memory.events",
		 "cg2/a/b/memory.stat", "cg2/a/b/memory.pressure",
		 "cg2/a/b/io.pressure", "cg2/a/memory.max", "proc/meminfo" },
};
static const char *const dirs[] = {
	"proc", "proc/pressure", "cg1", "cg1/memory", "cg1/memory/a",
	"cg1/unified", "cg1/unified/a", "cg2", "cg2/a", "cg2/a/b",
};

static int fd[NSCOPE][10];
static struct sampler smp[NSCOPE];
static struct cg_root cg1, cg2;
static struct rec r;
static char zone[65536];

static char root[PATH_MAX];

/* The fixture tree goes when the fuzzer exits. */
static void cleanup(void)
{
	int rfd = open(root, O_RDONLY | O_DIRECTORY);

	if (rfd < 0)
		return;
	for (int s = 0; s < NSCOPE; s++)
		for (int i = 0; i < 10 && files[s][i]; i++)
			unlinkat(rfd, files[s][i], 0);
	unlinkat(rfd, "cg2/cgroup.controllers", 0);
	for (size_t i = sizeof dirs / sizeof dirs[0]; i-- > 0;)
		unlinkat(rfd, dirs[i], AT_REMOVEDIR);
	close(rfd);
	rmdir(root);
}

static int wr(int f, const void *p, size_t n)
{
	return ftruncate(f, 0) == 0 && pwrite(f, p, n, 0) == (ssize_t)n ? 0 : -1;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char cgpath[PATH_MAX + 8];
	int rfd, procfd;
	FILE *null;

	snprintf(root, sizeof root, "%s/foom-fuzz-sample-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root) || (rfd = open(root, O_RDONLY | O_DIRECTORY)) < 0)
		abort();
	atexit(cleanup);
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (mkdirat(rfd, dirs[i], 0700) < 0)
			abort();
	for (int s = 0; s < NSCOPE; s++)
		for (int i = 0; i < 10 && files[s][i]; i++)
			if ((fd[s][i] = openat(rfd, files[s][i],
					       O_RDWR | O_CREAT, 0600)) < 0)
				abort();
	/* what makes a root v1 (a memory hierarchy) or v2 (controllers) */
	if (wr(openat(rfd, "cg2/cgroup.controllers", O_RDWR | O_CREAT, 0600),
	       "memory\n", 7) < 0)
		abort();
	wr(fd[V1][1], "1\n", 2);
	wr(fd[V2][2], "1\n", 2);
	if ((procfd = openat(rfd, "proc", O_RDONLY | O_DIRECTORY)) < 0)
		abort();
	snprintf(cgpath, sizeof cgpath, "%s/cg1", root);
	if (cg_open(&cg1, cgpath) < 0)
		abort();
	snprintf(cgpath, sizeof cgpath, "%s/cg2", root);
	if (cg_open(&cg2, cgpath) < 0)
		abort();
	if (sample_open_node(procfd) < 0)
		abort();
	smp[NODE].sc.kind = SCOPE_NODE;
	strcpy(smp[NODE].sc.name, "node");
	strcpy(smp[NODE].sc.cgroup, "/");
	smp[V1].sc.kind = smp[V2].sc.kind = SCOPE_CGROUP;
	strcpy(smp[V1].sc.name, "cgroup:/a");
	strcpy(smp[V1].sc.cgroup, "/a");
	strcpy(smp[V2].sc.name, "cgroup:/a/b");
	strcpy(smp[V2].sc.cgroup, "/a/b");
	if (sample_open(&smp[NODE], NULL, procfd) < 0 ||
	    sample_open(&smp[V1], &cg1, procfd) < 0 || smp[V1].ver != CG_V1 ||
	    sample_open(&smp[V2], &cg2, procfd) < 0 || smp[V2].ver != CG_V2 ||
	    smp[V2].nanc != 1)
		abort();
	/* the samplers' one warning per missing key */
	if ((null = fopen("/dev/null", "w")))
		stderr = null;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end;
	int s;

	if (size < 1)
		return 0;
	if (!smp[NODE].sc.name[0])
		setup();
	s = data[0] % NSCOPE;
	p = data + 1;
	end = data + size;
	for (int i = 0; i < 10 && files[s][i]; i++) {
		const uint8_t *z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
		size_t len = p < end ? (size_t)((z ? z : end) - p) : 0;

		if (wr(fd[s][i], p, len) < 0)
			abort();
		if (s == NODE && i == 5) {
			long long kb[3];

			if (len >= sizeof zone)
				len = sizeof zone - 1;
			memcpy(zone, p, len);
			zone[len] = '\0';
			sample_parse_wmarks(zone, data[0] & 0x80 ? 64 : 4, kb);
		}
		p = z ? z + 1 : end;
	}
	sample_tick();
	if (sample_read(&smp[s], &r, 1.7e9) < 0 || r.overflow)
		abort();
	/* the sample reads back as a record */
	fuzz_readback(&r);
	return 0;
}
