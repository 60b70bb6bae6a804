/* SPDX-License-Identifier: MIT */
/*
 * sample: the node's /proc files and a memory cgroup's files (v1, v2,
 * hybrid) read into one sample record, raw counters and gauges with the
 * unit in the key, and the keys every scope derives the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
	    proc_pread1(node.meminfo_fd, node.meminfo, sizeof node.meminfo) < 0)
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
	s->cheap_ok = 0;
	s->hier_kb = s->set_limit_kb = s->set_high_kb = -1;
	memset(&s->gate, 0, sizeof s->gate);
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
	/* one pread: seq_file and kernfs files fill the buffer in one
	 * read, so a short read is the end */
	if (proc_pread1(s->fd[i], b, size) < 0) {
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

/* A file's wanted fields: found by one pass (proc_kv_many). */
struct kvmap {
	const char *field; /* as in the file */
	const char *key;   /* as printed; NULL: read for a derived key */
	long long div;     /* 1024 turns bytes into KiB */
};

#define NMAP(m) ((int)(sizeof(m) / sizeof((m)[0])))
#define KV_MAX 24

struct kv {
	unsigned long found;
	long long v[KV_MAX];
};

static void scan(const char *text, const struct kvmap *m, int n, struct kv *kv)
{
	const char *keys[KV_MAX];

	for (int i = 0; i < n; i++)
		keys[i] = m[i].field;
	kv->found = text ? proc_kv_many(text, keys, n, kv->v) : 0;
}

/* Field i's value (divided), or -1 when absent. */
static long long val(const struct kvmap *m, const struct kv *kv, int i)
{
	return kv->found >> i & 1 ? kv->v[i] / m[i].div : -1;
}

/* Print the fields that have a key; a missing one warns once (bit base+i).
 * Fields from 'first' on only. */
static void emit(struct sampler *s, struct rec *r, const char *file,
		 const struct kvmap *m, int first, int n, const struct kv *kv,
		 int base)
{
	for (int i = first; i < n; i++) {
		if (!m[i].key)
			continue;
		if (kv->found >> i & 1)
			rec_add_ll(r, m[i].key, kv->v[i] / m[i].div);
		else
			missing(s, base + i, file, m[i].field);
	}
}

/* Print fields in the order given (all have keys). */
static void emit_order(struct sampler *s, struct rec *r, const char *file,
		       const struct kvmap *m, const int *order, int n,
		       const struct kv *kv)
{
	for (int k = 0; k < n; k++) {
		int i = order[k];

		if (kv->found >> i & 1)
			rec_add_ll(r, m[i].key, kv->v[i] / m[i].div);
		else
			missing(s, i, file, m[i].field);
	}
}

/* key from field i, else from field j (an older kernel's name). */
static void emit_either(struct sampler *s, struct rec *r, const char *key,
			const char *file, const struct kvmap *m, int i, int j,
			const struct kv *kv, int bit)
{
	if (kv->found >> i & 1)
		rec_add_ll(r, key, kv->v[i] / m[i].div);
	else if (kv->found >> j & 1)
		rec_add_ll(r, key, kv->v[j] / m[j].div);
	else
		missing(s, bit, file, m[i].field);
}

/* v, at least 0 and under 10^15, with prec (at most 3) digits after the
 * point, as "%.*f" prints it, into b (32 bytes); printf's floating
 * point is the costliest code of a tick.  0, or -1 for a v it leaves to
 * printf. */
static int fix_str(char *b, double v, int prec)
{
	static const long long scale[] = { 1, 10, 100, 1000 };
	char d[24], *p = d + sizeof d;
	long long u;
	int n = 0;

	if (!(v >= 0 && v < 1e15) || prec < 0 || prec > 3)
		return -1;
	u = (long long)(v * (double)scale[prec] + 0.5);
	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
		if (++n == prec)
			*--p = '.';
	} while (u || n <= prec);
	strcpy(b, p);
	return 0;
}

static void add_fix(struct rec *r, const char *key, double v, int prec)
{
	char b[32];

	if (fix_str(b, v, prec) == 0)
		rec_add(r, key, b);
	else
		rec_add_fix(r, key, v, prec);
}

/* PSI's keys, by resource and line: no formatting per tick. */
enum psi_res { PSI_MEM, PSI_IO };
static const char *const psi_key[2][2][2] = {
	[PSI_MEM] = { { "psi_mem_some_avg10_pct", "psi_mem_some_total_us" },
		      { "psi_mem_full_avg10_pct", "psi_mem_full_total_us" } },
	[PSI_IO] = { { "psi_io_some_avg10_pct", "psi_io_some_total_us" },
		     { "psi_io_full_avg10_pct", "psi_io_full_total_us" } },
};

/* One "some|full avg10=F avg60=F avg300=F total=N" line (full: 1). */
static void add_psi_line(struct rec *r, const char *l, enum psi_res res,
			 int full)
{
	char *end;
	const char *a = strstr(l, "avg10="), *t = strstr(l, "total=");
	const char *eol = strchr(l, '\n');
	double avg10;
	unsigned long long total;

	if (!a || !t || (eol && (a > eol || t > eol)))
		return;
	avg10 = strtod(a + 6, &end);
	if (end == a + 6)
		return;
	total = strtoull(t + 6, &end, 10);
	if (end == t + 6 || total > LLONG_MAX)
		return;
	add_fix(r, psi_key[res][full][0], avg10, 2);
	rec_add_ll(r, psi_key[res][full][1], (long long)total);
}

static void add_psi(struct rec *r, const char *text, enum psi_res res)
{
	const char *full;

	if (!text)
		return;
	if (strncmp(text, "some ", 5) == 0)
		add_psi_line(r, text, res, 0);
	full = strstr(text, "\nfull ");
	if (full)
		add_psi_line(r, full + 1, res, 1);
}

void sample_parse_wmarks(const char *text, long page_kb, long long kb[3])
{
	long long sum[3] = { 0, 0, 0 };
	static const char *const name[3] = { "min", "low", "high" };
	int found = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		while (*l == ' ')
			l++;
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(name[i]);

			char *end;
			long long v;

			if (strncmp(l, name[i], n) != 0 || l[n] != ' ')
				continue;
			/* a page count: a negative one is not one */
			v = strtoll(l + n, &end, 10);
			if (end != l + n && v >= 0) {
				sum[i] = proc_sat_add(sum[i], v);
				found |= 1 << i;
			}
		}
	}
	for (int i = 0; i < 3; i++)
		kb[i] = found & 1 << i ? proc_sat_mul(sum[i], page_kb) : -1;
}

static void read_wmarks(struct sampler *s)
{
	struct timespec now;
	double t;
	long long kb[3];

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = now.tv_sec + now.tv_nsec / 1e9;
	if (t - wmark.read_at < ZONEINFO_EVERY_S)
		return;
	wmark.read_at = t;
	if (!get(s, SF_ZONEINFO, zbuf, sizeof zbuf))
		return;
	sample_parse_wmarks(zbuf, proc_page_kb(), kb);
	wmark.min_kb = kb[0];
	wmark.low_kb = kb[1];
	wmark.high_kb = kb[2];
}

/* The keys every scope derives alike (foom(7)): limit_kb and usage_kb
 * from the cheap files; the rest from the full read's memory.stat (the
 * node's meminfo gives them all at once). */
static void add_limit_usage(struct rec *r, long long limit_kb, long long usage_kb)
{
	if (limit_kb >= 0)
		rec_add_ll(r, "limit_kb", limit_kb);
	if (usage_kb >= 0)
		rec_add_ll(r, "usage_kb", usage_kb);
}

static void add_derived(struct rec *r, long long limit_kb, long long usage_kb,
			long long afile, long long ifile, long long aanon,
			long long ianon)
{
	long long ws;

	if (usage_kb >= 0 && ifile >= 0) {
		ws = usage_kb - ifile;
		ws = ws < 0 ? 0 : ws;
		rec_add_ll(r, "working_set_kb", ws);
		if (limit_kb >= 0)
			rec_add_ll(r, "avail_kb", limit_kb > ws ? limit_kb - ws : 0);
	}
	if (aanon >= 0 && ianon >= 0)
		rec_add_ll(r, "anon_kb", proc_sat_add(aanon, ianon));
	if (afile >= 0 && ifile >= 0)
		rec_add_ll(r, "file_kb", proc_sat_add(afile, ifile));
}

/* Where the derived inputs sit in every scope's memory map. */
enum { M_AFILE, M_IFILE, M_AANON, M_IANON };

/* The node: meminfo, the watermarks and memory PSI are its cheap part. */
static void read_node(struct sampler *s, struct rec *r)
{
	static const struct kvmap mi[] = {
		[M_AFILE] = { "Active(file)", "active_file_kb", 1 },
		[M_IFILE] = { "Inactive(file)", "inactive_file_kb", 1 },
		[M_AANON] = { "Active(anon)", "active_anon_kb", 1 },
		[M_IANON] = { "Inactive(anon)", "inactive_anon_kb", 1 },
		{ "MemTotal", "mem_total_kb", 1 },
		{ "MemAvailable", "mem_available_kb", 1 },
		{ "MemFree", "mem_free_kb", 1 },
		{ "Shmem", "shmem_kb", 1 },
		{ "SwapTotal", "swap_total_kb", 1 },
		{ "SwapFree", "swap_free_kb", 1 },
	};
	/* printed in this order: the meminfo gauges as /proc lists them */
	static const int order[] = { 4, 5, 6, M_AFILE, M_IFILE, M_AANON,
				     M_IANON, 7, 8, 9 };
	struct kv m;
	long long total, fr;

	scan(node.meminfo[0] ? node.meminfo : NULL, mi, NMAP(mi), &m);
	total = val(mi, &m, 4);
	fr = val(mi, &m, 6);
	add_limit_usage(r, total, total >= 0 && fr >= 0 ? total - fr : -1);
	add_derived(r, total, total >= 0 && fr >= 0 ? total - fr : -1,
		    val(mi, &m, M_AFILE), val(mi, &m, M_IFILE),
		    val(mi, &m, M_AANON), val(mi, &m, M_IANON));
	if (node.meminfo[0])
		emit_order(s, r, "meminfo", mi, order, NMAP(order), &m);

	read_wmarks(s);
	if (wmark.min_kb >= 0) {
		rec_add_ll(r, "wmark_min_kb", wmark.min_kb);
		rec_add_ll(r, "wmark_low_kb", wmark.low_kb);
		rec_add_ll(r, "wmark_high_kb", wmark.high_kb);
	}
	add_psi(r, get(s, SF_PSI_MEM, buf, sizeof buf), PSI_MEM);
}

/* The node's full part: vmstat, io PSI, /proc/stat. */
static void read_node_full(struct sampler *s, struct rec *r)
{
	static const struct kvmap vm[] = {
		{ "workingset_refault_file", NULL, 1 },
		{ "workingset_refault", NULL, 1 },
		{ "pgmajfault", "pgmajfault", 1 },
		{ "pgscan_direct", "pgscan_direct", 1 },
		{ "pgsteal_direct", "pgsteal_direct", 1 },
		{ "pgscan_kswapd", "pgscan_kswapd", 1 },
		{ "oom_kill", "oom_kill", 1 },
		{ "allocstall", NULL, 1 },
		{ "allocstall_dma", NULL, 1 },
		{ "allocstall_dma32", NULL, 1 },
		{ "allocstall_normal", NULL, 1 },
		{ "allocstall_movable", NULL, 1 },
		{ "allocstall_device", NULL, 1 },
	};
	struct kv v;
	const char *t;

	t = get(s, SF_VMSTAT, buf, sizeof buf);
	if (t) {
		long long stalls = 0;

		scan(t, vm, NMAP(vm), &v);
		emit_either(s, r, "workingset_refault_file", "vmstat", vm, 0, 1,
			    &v, 16);
		/* allocstall_dma, _dma32, _normal, _movable (or one "allocstall") */
		for (int i = 7; i < NMAP(vm); i++)
			if (v.found >> i & 1)
				stalls = proc_sat_add(stalls, v.v[i]);
		if (v.found >> 7)
			rec_add_ll(r, "allocstall", stalls);
		emit(s, r, "vmstat", vm, 2, 7, &v, 17);
	}
	add_psi(r, get(s, SF_PSI_IO, buf, sizeof buf), PSI_IO);

	t = get(s, SF_STAT, buf, sizeof buf);
	if (t) {
		/* cpu user nice system idle iowait irq softirq steal */
		long long f[8], sum = 0;
		const char *p = t + 4;
		char *end;
		int i;

		/* tick counts: a negative or out-of-range one is not one */
		for (i = 0; i < 8 && strncmp(t, "cpu ", 4) == 0; i++, p = end) {
			errno = 0;
			f[i] = strtoll(p, &end, 10);
			if (end == p || errno || f[i] < 0)
				break;
			sum = proc_sat_add(sum, f[i]);
		}
		if (i == 8) {
			rec_add_ll(r, "cpu_sys_ticks", f[2]);
			rec_add_ll(r, "cpu_iowait_ticks", f[4]);
			rec_add_ll(r, "cpu_total_ticks", sum);
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

static const struct kvmap v1_stat[] = {
	[M_AFILE] = { "total_active_file", "active_file_kb", 1024 },
	[M_IFILE] = { "total_inactive_file", "inactive_file_kb", 1024 },
	[M_AANON] = { "total_active_anon", "active_anon_kb", 1024 },
	[M_IANON] = { "total_inactive_anon", "inactive_anon_kb", 1024 },
	{ "total_cache", "cache_kb", 1024 },
	{ "total_rss", "rss_kb", 1024 },
	{ "total_shmem", "shmem_kb", 1024 },
	{ "hierarchical_memory_limit", NULL, 1024 },
	{ "total_workingset_refault_file", NULL, 1 },
	{ "total_workingset_refault", NULL, 1 },
	{ "total_pgmajfault", NULL, 1 },
};

/* A cgroup tick's state between its cheap part and its full part. */
struct cgtick {
	long long limit_kb, usage_kb;
	const char *stat; /* memory.stat read ahead, or NULL */
	struct kv m;
};

/* v1 memory.stat, and the hierarchical limit it holds (a setting, kept
 * from one full read to the next for the cheap ticks between). */
static const char *v1_read_stat(struct sampler *s, struct cgtick *t)
{
	long long hier;

	t->stat = get(s, SF_MSTAT, buf, sizeof buf);
	scan(t->stat, v1_stat, NMAP(v1_stat), &t->m);
	if (t->stat)
		s->hier_kb = (hier = val(v1_stat, &t->m, 7)) >= 0 ? hier : -1;
	return t->stat;
}

static void read_v1(struct sampler *s, struct rec *r, struct cgtick *t)
{
	long long failcnt;
	char ob[256];

	/* the first tick (and every one-shot) reads memory.stat first, so
	 * its limit_kb takes the hierarchical limit */
	t->stat = NULL;
	if (!s->cheap_ok || !s->gate.started)
		v1_read_stat(s, t);
	if (!s->cheap_ok || !s->gate.started)
		s->set_limit_kb = bytes_kb(s, SF_LIMIT);
	t->limit_kb = s->set_limit_kb;
	t->usage_kb = bytes_kb(s, SF_USAGE);
	if (s->hier_kb >= 0 && (t->limit_kb < 0 || s->hier_kb < t->limit_kb))
		t->limit_kb = s->hier_kb;
	t->limit_kb = cap_limit(t->limit_kb);
	add_limit_usage(r, t->limit_kb, t->usage_kb);
	if (get(s, SF_FAILCNT, ob, sizeof ob) &&
	    (failcnt = strtoll(ob, NULL, 10)) >= 0)
		rec_add_ll(r, "failcnt", failcnt);
	add_psi(r, get(s, SF_PSI_MEM, ob, sizeof ob), PSI_MEM);
}

static void read_v1_full(struct sampler *s, struct rec *r, struct cgtick *t)
{
	static const int order[] = { 4, 5, 6, M_AFILE, M_IFILE, M_AANON, M_IANON };
	static const struct kvmap oc[] = { { "under_oom", "under_oom", 1 },
					   { "oom_kill", "oom_kill", 1 } };
	const struct kvmap *st = v1_stat;
	long long maxu;
	char ob[256];
	struct kv o;

	if (!t->stat)
		v1_read_stat(s, t);
	if (s->cheap_ok && s->gate.started)
		s->set_limit_kb = bytes_kb(s, SF_LIMIT); /* for the ticks to come */
	add_derived(r, t->limit_kb, t->usage_kb, val(st, &t->m, M_AFILE),
		    val(st, &t->m, M_IFILE), val(st, &t->m, M_AANON),
		    val(st, &t->m, M_IANON));
	if ((maxu = bytes_kb(s, SF_MAXUSAGE)) >= 0)
		rec_add_ll(r, "max_usage_kb", maxu);
	if (t->stat) {
		emit_order(s, r, "memory.stat", st, order, NMAP(order), &t->m);
		emit_either(s, r, "workingset_refault_file", "memory.stat", st,
			    8, 9, &t->m, 10);
		emit_either(s, r, "pgmajfault", "memory.stat", st, 10, 10, &t->m, 11);
	}
	if (get(s, SF_OOMCTL, ob, sizeof ob)) {
		scan(ob, oc, NMAP(oc), &o);
		emit(s, r, "memory.oom_control", oc, 0, NMAP(oc), &o, 12);
	}
	add_psi(r, get(s, SF_PSI_IO, ob, sizeof ob), PSI_IO);
}

/* memory.max, the smallest of the cgroup's and its ancestors', and
 * memory.high: settings, re-read on whole ticks. */
static void v2_read_limits(struct sampler *s)
{
	long long max = bytes_kb(s, SF_MAX);

	for (int i = 0; i < s->nanc; i++) {
		char b[64];
		long long a;

		if (proc_pread1(s->anc_fd[i], b, sizeof b) > 0 &&
		    strncmp(b, "max", 3) != 0 && (a = strtoll(b, NULL, 10) / 1024) >= 0 &&
		    (max < 0 || a < max))
			max = a;
	}
	s->set_limit_kb = max;
	s->set_high_kb = bytes_kb(s, SF_HIGH);
}

static void read_v2(struct sampler *s, struct rec *r, struct cgtick *t)
{
	static const struct kvmap ev[] = {
		{ "high", "events_high", 1 }, { "max", "events_max", 1 },
		{ "oom", "events_oom", 1 }, { "oom_kill", "oom_kill", 1 },
	};
	char eb[512];
	struct kv e;

	if (!s->cheap_ok || !s->gate.started)
		v2_read_limits(s);
	t->stat = NULL;
	t->limit_kb = cap_limit(s->set_limit_kb);
	t->usage_kb = bytes_kb(s, SF_CURRENT);
	add_limit_usage(r, t->limit_kb, t->usage_kb);
	if (s->set_high_kb >= 0)
		rec_add_ll(r, "high_kb", s->set_high_kb);
	if (get(s, SF_EVENTS, eb, sizeof eb)) {
		scan(eb, ev, NMAP(ev), &e);
		emit(s, r, "memory.events", ev, 0, NMAP(ev), &e, 20);
	}
	add_psi(r, get(s, SF_PSI_MEM, eb, sizeof eb), PSI_MEM);
}

static void read_v2_full(struct sampler *s, struct rec *r, struct cgtick *t)
{
	static const struct kvmap st[] = {
		[M_AFILE] = { "active_file", "active_file_kb", 1024 },
		[M_IFILE] = { "inactive_file", "inactive_file_kb", 1024 },
		[M_AANON] = { "active_anon", "active_anon_kb", 1024 },
		[M_IANON] = { "inactive_anon", "inactive_anon_kb", 1024 },
		{ "shmem", "shmem_kb", 1024 },
		{ "workingset_refault_file", NULL, 1 },
		{ "workingset_refault", NULL, 1 },
		{ "pgmajfault", "pgmajfault", 1 },
		{ "pgscan", "pgscan", 1 },
		{ "pgsteal", "pgsteal", 1 },
	};
	static const int order[] = { 4, M_AFILE, M_IFILE, M_AANON, M_IANON };
	const char *text = get(s, SF_MSTAT, buf, sizeof buf);
	char pb[512];
	struct kv m;

	if (s->cheap_ok && s->gate.started)
		v2_read_limits(s); /* for the ticks to come */
	scan(text, st, NMAP(st), &m);
	add_derived(r, t->limit_kb, t->usage_kb, val(st, &m, M_AFILE),
		    val(st, &m, M_IFILE), val(st, &m, M_AANON), val(st, &m, M_IANON));
	if (text) {
		emit_order(s, r, "memory.stat", st, order, NMAP(order), &m);
		emit_either(s, r, "workingset_refault_file", "memory.stat", st,
			    5, 6, &m, 10);
		emit(s, r, "memory.stat", st, 7, NMAP(st), &m, 11);
	}
	add_psi(r, get(s, SF_PSI_IO, pb, sizeof pb), PSI_IO);
}

/* Every scope is read whole at least this often: the predictor's rates
 * span a second (rate and fresh windows), so a counter carried forward
 * no longer than that still shows its real rate over the window. */
#define SAMPLE_FULL_EVERY_S 1.0
/* Usage from this share of the limit on is read whole every tick: the
 * limit binds at 95% on the lowest level, and the 15 points before it
 * give the predictor's windows full points before any decision. */
#define SAMPLE_NEAR_PCT 80.0
/* Usage rising fast enough to reach that share within this is read
 * whole too: three times the longest fill window (10 s, level low). */
#define SAMPLE_RAMP_S 30.0
/* After a reason, every tick is read whole this long: longer than the
 * predictor's longest look back (the 10 s trend of avail_kb), so what
 * it decides on rests on full points only. */
#define SAMPLE_FULL_HOLD_S 15.0
/* A memory stall of this share of the time, in microseconds a second
 * (1%), is a reason: the lowest level acts on 5%. */
#define SAMPLE_PSI_US_PS 10000.0
/* Ticks this close to SAMPLE_FULL_EVERY_S count as reaching it: a
 * schedule of 0.1 s ticks sums to 0.999... */
#define SAMPLE_EVERY_SLACK_S 0.001

int sample_gate_full(struct sample_gate *g, const struct sample_cheap *c,
		     double ts)
{
	double dt = ts - g->last_ts, near_kb = c->limit_kb * SAMPLE_NEAR_PCT / 100;
	/* the first tick, or a clock gone back: whole, but no news */
	int first = !g->started || dt <= 0;
	int why = !first && (c->limit_kb <= 0 || c->usage_kb < 0 || c->free_low);

	if (!first && !why && c->usage_kb >= near_kb)
		why = 1;
	if (!first && !why && g->usage_kb >= 0 && c->usage_kb > g->usage_kb &&
	    (near_kb - c->usage_kb) * dt / (c->usage_kb - g->usage_kb) <= SAMPLE_RAMP_S)
		why = 1;
	/* a limit hit, or a counter that appeared, vanished or went back */
	if (!first && !why && c->hits != g->hits)
		why = 1;
	if (!first && !why && (c->psi_us < 0) != (g->psi_us < 0))
		why = 1;
	if (!first && !why && c->psi_us >= 0 &&
	    (c->psi_us < g->psi_us ||
	     (double)(c->psi_us - g->psi_us) / dt >= SAMPLE_PSI_US_PS))
		why = 1;
	if (!first && g->usage_kb >= 0 && c->usage_kb > g->usage_kb &&
	    (c->usage_kb - g->usage_kb) / dt > g->rise_kbps)
		g->rise_kbps = (c->usage_kb - g->usage_kb) / dt;
	g->started = 1;
	g->last_ts = ts;
	g->usage_kb = c->usage_kb;
	g->hits = c->hits;
	g->psi_us = c->psi_us;
	if (why)
		g->hold_until = ts + SAMPLE_FULL_HOLD_S;
	g->wait_s = 0;
	if (!first && !why && ts >= g->hold_until) {
		double room_kb = near_kb - c->usage_kb;
		double fill_kbps = g->fill_floor_kbps > 0 ? g->fill_floor_kbps :
							   SAMPLE_FILL_FLOOR_KBPS;

		if (g->rise_kbps > fill_kbps)
			fill_kbps = g->rise_kbps;

		if (c->free_room_kb >= 0 && c->free_room_kb < room_kb)
			room_kb = c->free_room_kb;
		g->wait_s = room_kb > 0 ? room_kb / fill_kbps : 0;
	}
	if (first || why || ts < g->hold_until ||
	    ts - g->full_ts >= SAMPLE_FULL_EVERY_S - SAMPLE_EVERY_SLACK_S) {
		g->full_ts = ts;
		return 1;
	}
	return 0;
}

static const char *const sample_full_keys_node[] = {
	"workingset_refault_file", "allocstall", "pgmajfault", "pgscan_direct",
	"pgsteal_direct", "pgscan_kswapd", "oom_kill", "psi_io_some_avg10_pct",
	"psi_io_some_total_us", "psi_io_full_avg10_pct", "psi_io_full_total_us",
	"cpu_sys_ticks", "cpu_iowait_ticks", "cpu_total_ticks", NULL
};

static const char *const full_keys_v1[] = {
	"working_set_kb", "avail_kb", "anon_kb", "file_kb", "max_usage_kb",
	"cache_kb", "rss_kb", "shmem_kb", "active_file_kb", "inactive_file_kb",
	"active_anon_kb", "inactive_anon_kb", "workingset_refault_file",
	"pgmajfault", "under_oom", "oom_kill", "psi_io_some_avg10_pct",
	"psi_io_some_total_us", "psi_io_full_avg10_pct", "psi_io_full_total_us",
	NULL
};

/* oom_kill is memory.events', read every tick */
static const char *const full_keys_v2[] = {
	"working_set_kb", "avail_kb", "anon_kb", "file_kb", "shmem_kb",
	"active_file_kb", "inactive_file_kb", "active_anon_kb",
	"inactive_anon_kb", "workingset_refault_file", "pgmajfault", "pgscan",
	"pgsteal", "psi_io_some_avg10_pct", "psi_io_some_total_us",
	"psi_io_full_avg10_pct", "psi_io_full_total_us", NULL
};

const char *const *sample_full_keys(const char *memcg)
{
	if (!memcg)
		return sample_full_keys_node;
	return strcmp(memcg, "v1") == 0 ? full_keys_v1 : full_keys_v2;
}

/* A whole number of 0 or more at key, else -1. */
static long long ll_of(const struct rec *r, const char *key)
{
	const char *v = rec_get(r, key);
	char *end;
	long long n;

	if (!v || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	return *end || errno ? -1 : n;
}

void sample_cheap_of(const struct rec *r, struct sample_cheap *c)
{
	const char *memcg = rec_get(r, "memcg");

	c->psi_us = ll_of(r, "psi_mem_some_total_us");
	c->free_low = 0;
	c->free_room_kb = -1;
	if (!memcg) { /* the node */
		long long fr = ll_of(r, "mem_free_kb"), hi = ll_of(r, "wmark_high_kb");
		long long av = ll_of(r, "mem_available_kb");

		c->limit_kb = ll_of(r, "mem_total_kb");
		c->usage_kb = ll_of(r, "anon_kb");
		c->hits = -1;
		/* free memory near the watermarks: reclaim is at work */
		if (fr >= 0 && hi >= 0) {
			c->free_low = hi > LLONG_MAX / 2 || fr <= 2 * hi;
			c->free_room_kb = c->free_low ? 0 : fr - 2 * hi;
		} else if (av >= 0 && c->limit_kb > 0) {
			long long low_kb = c->limit_kb * (100 - SAMPLE_NEAR_PCT) / 100;

			c->free_low = av < low_kb;
			c->free_room_kb = c->free_low ? 0 : av - low_kb;
		}
		return;
	}
	c->limit_kb = ll_of(r, "limit_kb");
	c->usage_kb = ll_of(r, "usage_kb");
	if (strcmp(memcg, "v1") == 0) {
		c->hits = ll_of(r, "failcnt");
	} else {
		static const char *const ev[] = { "events_high", "events_max",
						  "events_oom", "oom_kill" };

		c->hits = -1;
		for (int i = 0; i < 4; i++) {
			long long v = ll_of(r, ev[i]);

			if (v >= 0)
				c->hits = proc_sat_add(c->hits < 0 ? 0 : c->hits, v);
		}
	}
}

/* This tick of s: every file, or (cheap=1) only the cheap ones. */
static int full_tick(struct sampler *s, const struct rec *r)
{
	struct sample_cheap c;
	struct timespec now;

	if (!s->cheap_ok)
		return 1;
	sample_cheap_of(r, &c);
	clock_gettime(CLOCK_MONOTONIC, &now);
	return sample_gate_full(&s->gate, &c, now.tv_sec + now.tv_nsec / 1e9);
}

int sample_read(struct sampler *s, struct rec *r, double ts)
{
	struct cgtick t;
	int full;

	rec_reset(r, "sample");
	add_fix(r, "ts", ts, 3);
	rec_add(r, "scope", s->sc.name);
	if (s->sc.kind == SCOPE_POD)
		rec_add(r, "cgroup", s->sc.cgroup);
	if (s->sc.kind == SCOPE_NODE) {
		if (!node.meminfo[0] && !(s->warned & (1UL << 40))) {
			s->warned |= 1UL << 40;
			msg_warnx("node: cannot read 'meminfo': its keys left out");
		}
		read_node(s, r);
		if ((full = full_tick(s, r)))
			read_node_full(s, r);
	} else {
		rec_add(r, "memcg", s->ver == CG_V1 ? "v1" : "v2");
		if (s->ver == CG_V1)
			read_v1(s, r, &t);
		else
			read_v2(s, r, &t);
		if ((full = full_tick(s, r)) && s->ver == CG_V1)
			read_v1_full(s, r, &t);
		else if (full)
			read_v2_full(s, r, &t);
	}
	if (s->tick_s > 0)
		add_fix(r, "tick_s", s->tick_s, 3);
	if (!full)
		rec_add(r, "cheap", "1");
	return s->gone ? -1 : 0;
}
