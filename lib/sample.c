/* SPDX-License-Identifier: MIT */
/*
 * sample: the node's /proc files and a memory cgroup's files (v1, v2,
 * hybrid) read into one sample record, raw counters and gauges with the
 * unit in the key, and the keys every scope derives the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "proc.h"
#include "sample.h"

/* vmstat is the largest file read per tick (about 5 KiB on 6.x). */
static char buf[32768];
/* zoneinfo holds per-CPU pagesets: large on big machines. */
static char zbuf[262144];

static struct {
	int meminfo_fd;
	char meminfo[4096];
	long long mem_total_kb; /* -1: unknown */
	int procfd;
} node = { .meminfo_fd = -1, .mem_total_kb = -1, .procfd = -1 };

/* Watermarks only change with min_free_kbytes or memory hotplug, and
 * zoneinfo is the costliest file here: re-read it once a minute. */
#define ZONEINFO_EVERY_S 60
static struct {
	double read_at;
	long long min_kb, low_kb, high_kb; /* -1: unknown */
} wmark = { .read_at = -1e9, .min_kb = -1, .low_kb = -1, .high_kb = -1 };

static const char *const file_name[SF_COUNT] = {
	[SF_MEMINFO] = "meminfo",
	[SF_VMSTAT] = "vmstat",
	[SF_STAT] = "stat",
	[SF_ZONEINFO] = "zoneinfo",
	[SF_LIMIT] = "memory.limit_in_bytes",
	[SF_USAGE] = "memory.usage_in_bytes",
	[SF_MAXUSAGE] = "memory.max_usage_in_bytes",
	[SF_FAILCNT] = "memory.failcnt",
	[SF_OOMCTL] = "memory.oom_control",
	[SF_MAX] = "memory.max",
	[SF_HIGH] = "memory.high",
	[SF_CURRENT] = "memory.current",
	[SF_EVENTS] = "memory.events",
	[SF_MSTAT] = "memory.stat",
	[SF_PSI_MEM] = "memory.pressure",
	[SF_PSI_IO] = "io.pressure",
};

static int open_at(int dirfd, const char *path)
{
	return openat(dirfd, path, O_RDONLY | O_CLOEXEC);
}

int sample_open_node(int procfd)
{
	node.procfd = procfd;
	node.meminfo_fd = open_at(procfd, "meminfo");
	if (node.meminfo_fd < 0) {
		msg_warn("cannot open 'meminfo' under the /proc root");
		return -1;
	}
	return 0;
}

void sample_tick(void)
{
	long long v;

	node.mem_total_kb = -1;
	node.meminfo[0] = '\0';
	if (node.meminfo_fd < 0 ||
	    proc_pread(node.meminfo_fd, node.meminfo, sizeof node.meminfo) < 0)
		return;
	if (proc_kv(node.meminfo, "MemTotal", &v) == 1)
		node.mem_total_kb = v;
}

static void open_files(struct sampler *s, int dirfd, const int *which, int n,
		       const char *prefix)
{
	char path[PATH_MAX + 32];

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s%s", prefix, file_name[which[i]]);
		s->fd[which[i]] = open_at(dirfd, path);
	}
}

static void open_ancestors(struct sampler *s, int v2fd)
{
	char p[PATH_MAX + 16];
	char *slash;

	snprintf(p, sizeof p, "%s", s->sc.cgroup);
	while (s->nanc < SAMPLE_MAX_ANCESTORS && (slash = strrchr(p, '/')) &&
	       slash != p) {
		char f[PATH_MAX + 16];
		int fd;

		*slash = '\0';
		snprintf(f, sizeof f, "%s/memory.max", cg_rel(p));
		if ((fd = open_at(v2fd, f)) >= 0)
			s->anc_fd[s->nanc++] = fd;
	}
}

int sample_open(struct sampler *s, const struct cg_root *cg, int procfd)
{
	char dir[PATH_MAX];

	for (int i = 0; i < SF_COUNT; i++)
		s->fd[i] = -1;
	s->warned = 0;
	s->gone = 0;
	s->nanc = 0;
	if (s->sc.kind == SCOPE_NODE) {
		static const int nf[] = { SF_VMSTAT, SF_STAT, SF_ZONEINFO };
		int pfd = openat(procfd, "pressure", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		s->ver = CG_NONE;
		open_files(s, procfd, nf, 3, "");
		if (pfd >= 0) {
			/* /proc/pressure/memory and io: not memory.pressure */
			s->fd[SF_PSI_MEM] = open_at(pfd, "memory");
			s->fd[SF_PSI_IO] = open_at(pfd, "io");
			close(pfd);
		}
		return 0;
	}
	s->ver = cg_memory_version(cg, s->sc.cgroup);
	snprintf(dir, sizeof dir, "%s/", cg_rel(s->sc.cgroup));
	if (s->ver == CG_V1) {
		static const int f[] = { SF_LIMIT, SF_USAGE, SF_MAXUSAGE,
					 SF_FAILCNT, SF_OOMCTL, SF_MSTAT };
		static const int psi[] = { SF_PSI_MEM, SF_PSI_IO };

		open_files(s, cg->v1fd, f, 6, dir);
		/* hybrid: PSI of the same path in the cgroup2 tree */
		if (cg->v2fd >= 0)
			open_files(s, cg->v2fd, psi, 2, dir);
	} else if (s->ver == CG_V2) {
		static const int f[] = { SF_MAX, SF_HIGH, SF_CURRENT, SF_EVENTS,
					 SF_MSTAT, SF_PSI_MEM, SF_PSI_IO };

		open_files(s, cg->v2fd, f, 7, dir);
		open_ancestors(s, cg->v2fd);
	} else {
		return -1;
	}
	return 0;
}

void sample_close(struct sampler *s)
{
	for (int i = 0; i < SF_COUNT; i++)
		if (s->fd[i] >= 0) {
			close(s->fd[i]);
			s->fd[i] = -1;
		}
	for (int i = 0; i < s->nanc; i++)
		close(s->anc_fd[i]);
	s->nanc = 0;
}

/* Read file i of s into buf; NULL when it is not there.  A file that was
 * open and now fails to read means the cgroup went away. */
static const char *get(struct sampler *s, int i, char *b, size_t size)
{
	if (s->fd[i] < 0)
		return NULL;
	if (proc_pread(s->fd[i], b, size) < 0) {
		if (errno == ENODEV || errno == ENOENT || errno == ESTALE)
			s->gone = 1;
		return NULL;
	}
	return b;
}

/* A key the source should have but has not: absent, with one warning. */
static void missing(struct sampler *s, int bit, const char *file,
		    const char *field)
{
	if (s->warned & (1UL << bit))
		return;
	s->warned |= 1UL << bit;
	msg_warnx("%s: no '%s' in '%s': key left out", s->sc.name, field, file);
}

/* Add key=value*mul from a "key value" line of text; 1 when added. */
static int add_kv(struct rec *r, const char *text, const char *field,
		  const char *key, long long div)
{
	long long v;

	if (!text || proc_kv(text, field, &v) != 1)
		return 0;
	rec_add_ll(r, key, v / div);
	return 1;
}

static long long kv(const char *text, const char *field)
{
	long long v;

	return text && proc_kv(text, field, &v) == 1 ? v : -1;
}

/* A memory.stat byte count in KiB, -1 when absent. */
static long long kv_kb(const char *text, const char *field)
{
	long long v = kv(text, field);

	return v < 0 ? -1 : v / 1024;
}

/* "some avg10=0.08 avg60=0.02 avg300=0.00 total=58332" */
static void add_psi(struct rec *r, const char *text, const char *what)
{
	static const char *const kinds[] = { "some", "full" };
	char key[48];

	if (!text)
		return;
	for (int k = 0; k < 2; k++) {
		const char *l = strstr(text, kinds[k]);
		double avg10;
		unsigned long long total;

		if (!l || (l != text && l[-1] != '\n'))
			continue;
		if (sscanf(l + 4, " avg10=%lf avg60=%*f avg300=%*f total=%llu",
			   &avg10, &total) != 2)
			continue;
		snprintf(key, sizeof key, "psi_%s_%s_avg10_pct", what, kinds[k]);
		rec_add_fix(r, key, avg10, 2);
		snprintf(key, sizeof key, "psi_%s_%s_total_us", what, kinds[k]);
		rec_addf(r, key, "%llu", total);
	}
}

/* Sum the "min", "low" and "high" watermark lines of every zone (in
 * pages); pageset lines ("high:  378") carry a colon and are skipped. */
static void read_wmarks(struct sampler *s)
{
	struct timespec now;
	double t;
	long long sum[3] = { 0, 0, 0 };
	static const char *const name[3] = { "min", "low", "high" };
	int found = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = now.tv_sec + now.tv_nsec / 1e9;
	if (t - wmark.read_at < ZONEINFO_EVERY_S)
		return;
	wmark.read_at = t;
	if (!get(s, SF_ZONEINFO, zbuf, sizeof zbuf))
		return;
	for (const char *l = zbuf; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		while (*l == ' ')
			l++;
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(name[i]);

			if (strncmp(l, name[i], n) == 0 && l[n] == ' ') {
				sum[i] += strtoll(l + n, NULL, 10);
				found |= 1 << i;
			}
		}
	}
	wmark.min_kb = found & 1 ? sum[0] * proc_page_kb() : -1;
	wmark.low_kb = found & 2 ? sum[1] * proc_page_kb() : -1;
	wmark.high_kb = found & 4 ? sum[2] * proc_page_kb() : -1;
}

/* The keys every scope derives alike (foom(7)). */
static void add_derived(struct rec *r, long long limit_kb, long long usage_kb,
			long long afile, long long ifile, long long aanon,
			long long ianon)
{
	long long ws;

	if (limit_kb >= 0)
		rec_add_ll(r, "limit_kb", limit_kb);
	if (usage_kb >= 0)
		rec_add_ll(r, "usage_kb", usage_kb);
	if (usage_kb >= 0 && ifile >= 0) {
		ws = usage_kb - ifile;
		ws = ws < 0 ? 0 : ws;
		rec_add_ll(r, "working_set_kb", ws);
		if (limit_kb >= 0)
			rec_add_ll(r, "avail_kb", limit_kb > ws ? limit_kb - ws : 0);
	}
	if (aanon >= 0 && ianon >= 0)
		rec_add_ll(r, "anon_kb", aanon + ianon);
	if (afile >= 0 && ifile >= 0)
		rec_add_ll(r, "file_kb", afile + ifile);
}

static void read_node(struct sampler *s, struct rec *r)
{
	static const struct { const char *field, *key; } mi[] = {
		{ "MemTotal", "mem_total_kb" }, { "MemAvailable", "mem_available_kb" },
		{ "MemFree", "mem_free_kb" }, { "Active(file)", "active_file_kb" },
		{ "Inactive(file)", "inactive_file_kb" },
		{ "Active(anon)", "active_anon_kb" },
		{ "Inactive(anon)", "inactive_anon_kb" }, { "Shmem", "shmem_kb" },
		{ "SwapTotal", "swap_total_kb" }, { "SwapFree", "swap_free_kb" },
	};
	static const char *const vm[] = { "pgmajfault", "pgscan_direct",
					  "pgsteal_direct", "pgscan_kswapd",
					  "oom_kill" };
	const char *m = node.meminfo[0] ? node.meminfo : NULL;
	const char *t;
	long long total = kv(m, "MemTotal"), fr = kv(m, "MemFree");

	add_derived(r, total, total >= 0 && fr >= 0 ? total - fr : -1,
		    kv(m, "Active(file)"), kv(m, "Inactive(file)"),
		    kv(m, "Active(anon)"), kv(m, "Inactive(anon)"));
	for (size_t i = 0; i < sizeof mi / sizeof mi[0]; i++)
		if (m && !add_kv(r, m, mi[i].field, mi[i].key, 1))
			missing(s, (int)i, "meminfo", mi[i].field);

	t = get(s, SF_VMSTAT, buf, sizeof buf);
	if (t) {
		long long stalls = 0;
		int nstall = 0;

		if (!add_kv(r, t, "workingset_refault_file", "workingset_refault_file", 1) &&
		    !add_kv(r, t, "workingset_refault", "workingset_refault_file", 1))
			missing(s, 16, "vmstat", "workingset_refault_file");
		/* allocstall_dma, _dma32, _normal, _movable (or one "allocstall") */
		for (const char *l = t; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
			if (strncmp(l, "allocstall", 10) == 0 &&
			    (l[10] == ' ' || l[10] == '_')) {
				stalls += strtoll(strchr(l, ' '), NULL, 10);
				nstall++;
			}
		if (nstall)
			rec_add_ll(r, "allocstall", stalls);
		for (size_t i = 0; i < sizeof vm / sizeof vm[0]; i++)
			if (!add_kv(r, t, vm[i], vm[i], 1))
				missing(s, 17 + (int)i, "vmstat", vm[i]);
	}

	read_wmarks(s);
	if (wmark.min_kb >= 0) {
		rec_add_ll(r, "wmark_min_kb", wmark.min_kb);
		rec_add_ll(r, "wmark_low_kb", wmark.low_kb);
		rec_add_ll(r, "wmark_high_kb", wmark.high_kb);
	}
	add_psi(r, get(s, SF_PSI_MEM, buf, sizeof buf), "mem");
	add_psi(r, get(s, SF_PSI_IO, buf, sizeof buf), "io");

	t = get(s, SF_STAT, buf, sizeof buf);
	if (t) {
		unsigned long long f[8];

		/* cpu user nice system idle iowait irq softirq steal */
		if (strncmp(t, "cpu ", 4) == 0 &&
		    sscanf(t + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &f[0],
			   &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]) == 8) {
			unsigned long long sum = 0;

			for (int i = 0; i < 8; i++)
				sum += f[i];
			rec_addf(r, "cpu_sys_ticks", "%llu", f[2]);
			rec_addf(r, "cpu_iowait_ticks", "%llu", f[4]);
			rec_addf(r, "cpu_total_ticks", "%llu", sum);
		} else {
			missing(s, 30, "stat", "cpu");
		}
	}
}

/* A bytes gauge file ("123456" or "max") in KiB; -1 for max/absent. */
static long long bytes_kb(struct sampler *s, int i)
{
	char b[64];
	char *end;
	long long v;

	if (!get(s, i, b, sizeof b))
		return -1;
	errno = 0;
	v = strtoll(b, &end, 10);
	if (end == b || errno)
		return -1;
	return v / 1024;
}

/* v1 prints "unlimited" as PAGE_COUNTER_MAX pages: anything this large. */
#define V1_UNLIMITED_KB (1LL << 50)

static long long cap_limit(long long limit_kb)
{
	if (limit_kb < 0 || limit_kb >= V1_UNLIMITED_KB)
		return node.mem_total_kb;
	if (node.mem_total_kb >= 0 && limit_kb > node.mem_total_kb)
		return node.mem_total_kb;
	return limit_kb;
}

static void read_v1(struct sampler *s, struct rec *r)
{
	static const struct { const char *field, *key; } st[] = {
		{ "total_cache", "cache_kb" }, { "total_rss", "rss_kb" },
		{ "total_shmem", "shmem_kb" },
		{ "total_active_file", "active_file_kb" },
		{ "total_inactive_file", "inactive_file_kb" },
		{ "total_active_anon", "active_anon_kb" },
		{ "total_inactive_anon", "inactive_anon_kb" },
	};
	long long limit = bytes_kb(s, SF_LIMIT), usage = bytes_kb(s, SF_USAGE);
	long long hier, maxu, failcnt;
	const char *t = get(s, SF_MSTAT, buf, sizeof buf);
	const char *o;
	char ob[256];

	if (t && (hier = kv(t, "hierarchical_memory_limit")) >= 0 &&
	    (limit < 0 || hier / 1024 < limit))
		limit = hier / 1024;
	add_derived(r, cap_limit(limit), usage, kv_kb(t, "total_active_file"),
		    kv_kb(t, "total_inactive_file"), kv_kb(t, "total_active_anon"),
		    kv_kb(t, "total_inactive_anon"));
	if ((maxu = bytes_kb(s, SF_MAXUSAGE)) >= 0)
		rec_add_ll(r, "max_usage_kb", maxu);
	if (get(s, SF_FAILCNT, ob, sizeof ob) &&
	    (failcnt = strtoll(ob, NULL, 10)) >= 0)
		rec_add_ll(r, "failcnt", failcnt);
	if (t) {
		for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
			if (!add_kv(r, t, st[i].field, st[i].key, 1024))
				missing(s, (int)i, "memory.stat", st[i].field);
		if (!add_kv(r, t, "total_workingset_refault_file", "workingset_refault_file", 1) &&
		    !add_kv(r, t, "total_workingset_refault", "workingset_refault_file", 1))
			missing(s, 10, "memory.stat", "total_workingset_refault_file");
		if (!add_kv(r, t, "total_pgmajfault", "pgmajfault", 1))
			missing(s, 11, "memory.stat", "total_pgmajfault");
	}
	o = get(s, SF_OOMCTL, ob, sizeof ob);
	add_kv(r, o, "under_oom", "under_oom", 1);
	add_kv(r, o, "oom_kill", "oom_kill", 1);
	add_psi(r, get(s, SF_PSI_MEM, buf, sizeof buf), "mem");
	add_psi(r, get(s, SF_PSI_IO, buf, sizeof buf), "io");
}

static void read_v2(struct sampler *s, struct rec *r)
{
	static const struct { const char *field, *key; } st[] = {
		{ "shmem", "shmem_kb" }, { "active_file", "active_file_kb" },
		{ "inactive_file", "inactive_file_kb" },
		{ "active_anon", "active_anon_kb" },
		{ "inactive_anon", "inactive_anon_kb" },
	};
	static const char *const cnt[] = { "pgmajfault", "pgscan", "pgsteal" };
	static const struct { const char *field, *key; } ev[] = {
		{ "high", "events_high" }, { "max", "events_max" },
		{ "oom", "events_oom" }, { "oom_kill", "oom_kill" },
	};
	long long max = bytes_kb(s, SF_MAX), high = bytes_kb(s, SF_HIGH);

	for (int i = 0; i < s->nanc; i++) {
		char b[64];
		long long a;

		if (proc_pread(s->anc_fd[i], b, sizeof b) > 0 &&
		    strncmp(b, "max", 3) != 0 && (a = strtoll(b, NULL, 10) / 1024) >= 0 &&
		    (max < 0 || a < max))
			max = a;
	}
	const char *t = get(s, SF_MSTAT, buf, sizeof buf);
	long long usage = bytes_kb(s, SF_CURRENT);
	char eb[512];
	const char *e;

	add_derived(r, cap_limit(max), usage, kv_kb(t, "active_file"),
		    kv_kb(t, "inactive_file"), kv_kb(t, "active_anon"),
		    kv_kb(t, "inactive_anon"));
	if (high >= 0)
		rec_add_ll(r, "high_kb", high);
	if (t) {
		for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
			if (!add_kv(r, t, st[i].field, st[i].key, 1024))
				missing(s, (int)i, "memory.stat", st[i].field);
		if (!add_kv(r, t, "workingset_refault_file", "workingset_refault_file", 1) &&
		    !add_kv(r, t, "workingset_refault", "workingset_refault_file", 1))
			missing(s, 10, "memory.stat", "workingset_refault_file");
		for (size_t i = 0; i < sizeof cnt / sizeof cnt[0]; i++)
			if (!add_kv(r, t, cnt[i], cnt[i], 1))
				missing(s, 11 + (int)i, "memory.stat", cnt[i]);
	}
	e = get(s, SF_EVENTS, eb, sizeof eb);
	for (size_t i = 0; e && i < sizeof ev / sizeof ev[0]; i++)
		add_kv(r, e, ev[i].field, ev[i].key, 1);
	add_psi(r, get(s, SF_PSI_MEM, buf, sizeof buf), "mem");
	add_psi(r, get(s, SF_PSI_IO, buf, sizeof buf), "io");
}

int sample_read(struct sampler *s, struct rec *r, double ts)
{
	rec_reset(r, "sample");
	rec_add_ts(r, "ts", ts);
	rec_add(r, "scope", s->sc.name);
	if (s->sc.kind == SCOPE_POD)
		rec_add(r, "cgroup", s->sc.cgroup);
	if (s->sc.kind == SCOPE_NODE) {
		if (!node.meminfo[0] && !(s->warned & (1UL << 40))) {
			s->warned |= 1UL << 40;
			msg_warnx("node: cannot read 'meminfo': its keys left out");
		}
		read_node(s, r);
		return 0;
	}
	rec_add(r, "memcg", s->ver == CG_V1 ? "v1" : "v2");
	if (s->ver == CG_V1)
		read_v1(s, r);
	else
		read_v2(s, r);
	return s->gone ? -1 : 0;
}
