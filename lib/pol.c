/* SPDX-License-Identifier: MIT */
/*
 * pol: rules, the policy file, and the ranking of a scope's processes.
 * A scan reads /proc/PID/stat of every process, its cgroup when the
 * scope is not the node, and its oom_score when that is the score; the
 * rest (cmdline, exe, status, oom_score_adj, the pods dir) only when a
 * rule or a victim printed asks for it.  All a scan touches is
 * allocated in pol_rank_new, so a follow-mode ranker does not grow.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "msg.h"
#include "pol.h"
#include "proc.h"

/* Patterns in one rule, all of which must match: more makes a policy
 * nobody can read. */
#define POL_MATCH_MAX 8
/* A cmdline is cut here, so a victim record stays well under
 * REC_LINE_MAX (16 KiB) with every other key. */
#define POL_CMDLINE_MAX 4096
/* /proc/PID/cgroup: a dozen v1 hierarchies with long kubepods paths. */
#define POL_CGFILE_MAX 8192
/* Pods on one node: the kubelet's default max-pods is 110, and 250 the
 * usual ceiling. */
#define POL_PODS_MAX 1024
/* The passwd file is read whole, once, and never through NSS: a name
 * lookup must not wait on a directory server under memory pressure. */
#define POL_PASSWD_MAX (1 << 20)
/* Scopes whose last scan is kept for growth: the node and a few pods at
 * risk at once; the least recently ranked is replaced. */
#define POL_GROWTH_SLOTS 4

enum field { F_NAME, F_CMDLINE, F_EXE, F_USER, F_CGROUP, F_POD, F_NAMESPACE,
	     F_N };
static const char *const field_names[F_N] = {
	"name", "cmdline", "exe", "user", "cgroup", "pod", "namespace"
};
static const char *const action_names[] = { "protect", "prefer", "avoid" };

struct match {
	enum field field;
	pcre2_code *re;
};

struct rule {
	enum pol_action action;
	int n;
	struct match m[POL_MATCH_MAX];
	pcre2_code *scope_re; /* NULL: every scope */
	char *text;           /* as printed in rule= */
};

static struct rule *rules;
static int nrules;
static pcre2_match_data *md;

/* Rules */

static int compile(const char *pat, pcre2_code **re, const char *where,
		   char *err, size_t errlen)
{
	PCRE2_UCHAR why[256];
	PCRE2_SIZE off;
	int code;

	*re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &code,
			    &off, NULL);
	if (!*re) {
		pcre2_get_error_message(code, why, sizeof why);
		snprintf(err, errlen, "%sbad pattern '%s' at offset %zu: %s",
			 where, pat, (size_t)off, (char *)why);
		return -1;
	}
	pcre2_jit_compile(*re, PCRE2_JIT_COMPLETE); /* interpreted if not */
	if (!md && !(md = pcre2_match_data_create(1, NULL)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	return 0;
}

/* 1 match, 0 none, -1 the matcher gave up (a limit). */
static int re_match(const pcre2_code *re, const char *s)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0,
			     md, NULL);

	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int field_of(const char *s, size_t n)
{
	for (int f = 0; f < F_N; f++)
		if (strlen(field_names[f]) == n && strncmp(s, field_names[f], n) == 0)
			return f;
	return -1;
}

static void add_text(char *buf, size_t size, const char *key, const char *val)
{
	size_t len = strlen(buf);
	int blank = val[strcspn(val, " \t")] != '\0';

	/* as a policy file spells it: a pattern with a blank in quotes */
	snprintf(buf + len, size - len, blank ? " %s=\"%s\"" : " %s=%s", key, val);
}

static int add_rule(const struct rule *r)
{
	struct rule *n = realloc(rules, (nrules + 1) * sizeof *rules);

	if (!n)
		msg_errx(EXIT_SYSTEM, "out of memory");
	rules = n;
	rules[nrules++] = *r;
	return 0;
}

int pol_add_option(enum pol_action action, const char *spec, char *err,
		   size_t errlen)
{
	const char *eq = strchr(spec, '=');
	struct rule r = { .action = action, .n = 1 };
	char where[64], text[8192];
	int f = eq ? field_of(spec, eq - spec) : -1;

	snprintf(where, sizeof where, "--%s: ", action_names[action]);
	if (!eq || f < 0) {
		snprintf(err, errlen,
			 "%sunknown field in '%s' (want FIELD=REGEX, FIELD one of "
			 "name, cmdline, exe, user, cgroup, pod, namespace)",
			 where, spec);
		return -1;
	}
	if (!eq[1]) {
		snprintf(err, errlen, "%sempty pattern in '%s'", where, spec);
		return -1;
	}
	r.m[0].field = (enum field)f;
	if (compile(eq + 1, &r.m[0].re, where, err, errlen) < 0)
		return -1;
	snprintf(text, sizeof text, "%s", action_names[action]);
	add_text(text, sizeof text, field_names[f], eq + 1);
	if (!(r.text = strdup(text)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	return add_rule(&r);
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One policy line: ACTION FIELD=REGEX... [scope=REGEX] [# comment]. */
static int parse_line(char *p, const char *where, char *err, size_t errlen)
{
	struct rule r = { 0 };
	char text[8192], *pats[POL_MATCH_MAX], *scope = NULL;
	const char *word;
	int a;
	size_t n;

	while (is_blank(*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	word = p;
	n = strcspn(p, " \t\r\n");
	p += n;
	for (a = 0; a < 3; a++)
		if (strlen(action_names[a]) == n && strncmp(word, action_names[a], n) == 0)
			break;
	if (a == 3) {
		snprintf(err, errlen,
			 "%sunknown action '%.*s' (want protect, prefer or avoid)",
			 where, (int)n, word);
		return -1;
	}
	r.action = (enum pol_action)a;
	for (;;) {
		char *key, *val;
		size_t klen;
		int f;

		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			break;
		key = p;
		klen = strcspn(p, "= \t\r\n");
		p += klen;
		if (*p != '=' || klen == 0) {
			snprintf(err, errlen, "%sexpected FIELD=REGEX at '%.*s'",
				 where, (int)strcspn(key, " \t\r\n"), key);
			return -1;
		}
		*p++ = '\0';
		if (*p == '"') {
			/* taken literally up to the next quote */
			char *q = strchr(p + 1, '"');

			if (!q) {
				snprintf(err, errlen, "%sunterminated quote in '%s='",
					 where, key);
				return -1;
			}
			val = p + 1;
			*q = '\0';
			p = q + 1;
			if (*p && !is_blank(*p)) {
				snprintf(err, errlen,
					 "%stext after the closing quote of '%s='",
					 where, key);
				return -1;
			}
		} else {
			val = p;
			p += strcspn(p, " \t\r\n");
		}
		if (*p)
			*p++ = '\0';
		if (!*val) {
			snprintf(err, errlen, "%sempty pattern for '%s'", where, key);
			return -1;
		}
		if (strcmp(key, "scope") == 0) {
			if (scope) {
				snprintf(err, errlen, "%sscope= given twice", where);
				return -1;
			}
			scope = val;
			if (compile(val, &r.scope_re, where, err, errlen) < 0)
				return -1;
			continue;
		}
		if ((f = field_of(key, klen)) < 0) {
			snprintf(err, errlen,
				 "%sunknown field '%s' (want name, cmdline, exe, user, "
				 "cgroup, pod, namespace or scope)", where, key);
			return -1;
		}
		if (r.n == POL_MATCH_MAX) {
			snprintf(err, errlen, "%smore than %d patterns in a rule",
				 where, POL_MATCH_MAX);
			return -1;
		}
		r.m[r.n].field = (enum field)f;
		pats[r.n] = val;
		if (compile(val, &r.m[r.n].re, where, err, errlen) < 0)
			return -1;
		r.n++;
	}
	if (r.n == 0) {
		snprintf(err, errlen, "%s'%s' wants at least one FIELD=REGEX",
			 where, action_names[a]);
		return -1;
	}
	snprintf(text, sizeof text, "%s", action_names[a]);
	for (int i = 0; i < r.n; i++)
		add_text(text, sizeof text, field_names[r.m[i].field], pats[i]);
	if (scope)
		add_text(text, sizeof text, "scope", scope);
	if (!(r.text = strdup(text)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	return add_rule(&r);
}

int pol_load(const char *file, char *err, size_t errlen)
{
	FILE *fp = fopen(file, "r");
	char *line = NULL, where[PATH_MAX + 32];
	size_t cap = 0;
	long lineno = 0;
	int rc = 0, e;

	if (!fp)
		return -2;
	while (rc == 0 && getline(&line, &cap, fp) >= 0) {
		snprintf(where, sizeof where, "%s:%ld: ", file, ++lineno);
		rc = parse_line(line, where, err, errlen);
	}
	e = errno;
	if (rc == 0 && ferror(fp))
		rc = -2;
	free(line);
	fclose(fp);
	errno = e;
	return rc;
}

int pol_nrules(void)
{
	return nrules;
}

/* Ranking */

struct cand {
	int pid, pgid;
	unsigned long long start_ticks;
	long long rss_kb;
	double score, growth_kbps;
	int oom_score; /* -1: not read in the scan */
	int rule;      /* the placing rule, -1: none */
	unsigned char cls; /* 0 prefer-matched, 1 unmatched, 2 avoid-matched */
	unsigned char has_score, has_growth;
	char comm[64];
};

/* A scope's last scan, for growth. */
struct base {
	int pid;
	unsigned long long start_ticks;
	long long rss_kb;
};

struct slot {
	char scope[PATH_MAX + 8];
	unsigned long used; /* clock of its last scan, 0: free */
	int n, valid;
	double t_s, up_ticks;
	struct base *e; /* max_procs, sorted by pid */
};

/* The fields of the process at hand, read when first asked for. */
struct view {
	int pid;
	const char *comm;
	unsigned tried;
	const char *val[F_N];
	int st_state; /* 0 unread, 1 read, -1 unreadable */
	struct proc_status st;
	char cmdline[POL_CMDLINE_MAX], exe[PATH_MAX], user[32], cgroup[PATH_MAX];
	char cgfile[POL_CGFILE_MAX];
};

struct pod {
	char uid[80], ns[64], name[256];
};

struct pw {
	long long uid;
	const char *name;
};

/* The open files of one process, kept from scan to scan in follow
 * mode: an open of a /proc file costs as much as reading it.  A file
 * whose process died reads ESRCH (a reused PID is another process, not
 * this file's), and is then opened anew.  What stat says that does not
 * change is kept too, so later scans read statm (RSS), a third of
 * stat's cost; pol_next reads stat afresh before naming a victim. */
struct fdc {
	int pid;
	int fd[4];  /* stat, oom_score, cgroup, statm; -1 when not open */
	int known;  /* the fields below hold, and fd[FD_STATM] is open */
	int ppid, pgrp;
	unsigned long flags;
	unsigned long long start_ticks;
	char comm[16]; /* TASK_COMM_LEN */
};
enum { FD_STAT, FD_OOM, FD_CG, FD_STATM };
static const char *const fd_names[] = { "stat", "oom_score", "cgroup", "statm" };

struct pol_rank {
	struct pol_opt o;
	struct cand *c;
	int n, *heap, heap_n;
	int *active, nactive;
	struct slot slot[POL_GROWTH_SLOTS], *cur;
	unsigned long clock;
	int self_pid, self_pgrp;
	double hz;
	long page_kb;
	struct view v;
	int pods_loaded, npods;
	struct pod pods[POL_PODS_MAX];
	char *passwd;
	struct pw *pw;
	int npw;
	struct proc_iter it;
	char dents[16384];
	struct fdc *fdc[2]; /* last scan's and this one's, by PID */
	int fdc_n[2], fdc_cur, fds_open, fds_max;
	struct fdc *fe;     /* the process at hand's, or NULL */
};

static void fdc_close(struct pol_rank *rk, struct fdc *e)
{
	e->known = 0;
	for (int i = 0; i < 4; i++)
		if (e->fd[i] >= 0) {
			close(e->fd[i]);
			e->fd[i] = -1;
			rk->fds_open--;
		}
}

static long read_once(int procfd, const char *path, char *buf, size_t size)
{
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -1;
	n = proc_pread1(fd, buf, size);
	close(fd);
	return n;
}

/* Read PID/NAME through the process's kept file when there is one. */
static long fdc_read(struct pol_rank *rk, int pid, int which, char *buf,
		     size_t size)
{
	struct fdc *e = rk->fe;
	char path[40];
	long n;

	snprintf(path, sizeof path, "%d/%s", pid, fd_names[which]);
	if (!e)
		return read_once(rk->o.procfd, path, buf, size);
	if (e->fd[which] >= 0) {
		if ((n = proc_pread1(e->fd[which], buf, size)) >= 0)
			return n;
		close(e->fd[which]);
		e->fd[which] = -1;
		rk->fds_open--;
	}
	if (rk->fds_open >= rk->fds_max)
		return read_once(rk->o.procfd, path, buf, size);
	e->fd[which] = openat(rk->o.procfd, path, O_RDONLY | O_CLOEXEC);
	if (e->fd[which] < 0)
		return -1;
	rk->fds_open++;
	return proc_pread1(e->fd[which], buf, size);
}

/* This scan's entry for pid, carried over from the last scan when it
 * had one; /proc lists PIDs in ascending order, so the two lists merge
 * in one pass and whatever the last scan had below pid has died.  NULL
 * (no kept files) when the listing is not in order, as in a fixture. */
static struct fdc *fdc_entry(struct pol_rank *rk, int pid, int *o)
{
	struct fdc *old = rk->fdc[rk->fdc_cur], *new = rk->fdc[!rk->fdc_cur];
	int *n = &rk->fdc_n[!rk->fdc_cur], oldn = rk->fdc_n[rk->fdc_cur];
	struct fdc *e;

	if (!rk->fds_max || *n == rk->o.max_procs || (*n && new[*n - 1].pid >= pid))
		return NULL;
	while (*o < oldn && old[*o].pid < pid)
		fdc_close(rk, &old[(*o)++]);
	e = &new[(*n)++];
	if (*o < oldn && old[*o].pid == pid)
		*e = old[(*o)++];
	else
		*e = (struct fdc){ .pid = pid, .fd = { -1, -1, -1, -1 } };
	return e;
}

/* The stat of the process at hand for a scan: from its kept statm and
 * kept fields when it has them, else read whole (and kept). */
static int scan_stat(struct pol_rank *rk, int pid, struct proc_stat *st,
		     char *buf, size_t size)
{
	struct fdc *e = rk->fe;
	long long vm_pages, rss_pages;

	if (e && e->known) {
		if (proc_pread1(e->fd[FD_STATM], buf, size) > 0 &&
		    sscanf(buf, "%lld %lld", &vm_pages, &rss_pages) == 2) {
			memset(st, 0, sizeof *st);
			st->pid = pid;
			memcpy(st->comm, e->comm, sizeof e->comm);
			/* no memory map: a zombie, or exiting */
			st->state = vm_pages ? 'S' : 'Z';
			st->ppid = e->ppid;
			st->pgrp = e->pgrp;
			st->flags = e->flags;
			st->start_ticks = e->start_ticks;
			st->rss_pages = rss_pages;
			return 0;
		}
		fdc_close(rk, e); /* it died: the PID may be another's now */
	}
	if (fdc_read(rk, pid, FD_STAT, buf, size) < 0 || proc_parse_stat(buf, st) < 0)
		return -1;
	/* statm opened before stat is read again: if it then reads, the
	 * stat was of the same living process */
	if (e && e->fd[FD_STAT] >= 0 && strlen(st->comm) < sizeof e->comm &&
	    rk->fds_open < rk->fds_max) {
		char path[40];

		snprintf(path, sizeof path, "%d/statm", pid);
		e->fd[FD_STATM] = openat(rk->o.procfd, path, O_RDONLY | O_CLOEXEC);
		if (e->fd[FD_STATM] >= 0) {
			rk->fds_open++;
			if (proc_pread1(e->fd[FD_STAT], buf, size) >= 0 &&
			    proc_parse_stat(buf, st) == 0 &&
			    proc_pread1(e->fd[FD_STATM], buf, size) > 0) {
				e->known = 1;
				e->ppid = st->ppid;
				e->pgrp = st->pgrp;
				e->flags = st->flags;
				e->start_ticks = st->start_ticks;
				memcpy(e->comm, st->comm, sizeof e->comm);
				/* stat is read again only for a victim */
				close(e->fd[FD_STAT]);
				e->fd[FD_STAT] = -1;
				rk->fds_open--;
			} else {
				fdc_close(rk, e);
				return -1;
			}
		}
	}
	return 0;
}

static void load_passwd(struct pol_rank *rk, const char *file)
{
	int fd = open(file ? file : "/etc/passwd", O_RDONLY | O_CLOEXEC);
	long n;
	int lines = 0;

	if (fd < 0) {
		if (file)
			msg_err(EXIT_SYSTEM, "cannot read '%s'", file);
		return; /* no file: users are printed as numbers */
	}
	if (!(rk->passwd = malloc(POL_PASSWD_MAX)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	n = proc_pread(fd, rk->passwd, POL_PASSWD_MAX);
	if (n < 0)
		msg_err(EXIT_SYSTEM, "cannot read '%s'", file ? file : "/etc/passwd");
	close(fd);
	for (long i = 0; i < n; i++)
		lines += rk->passwd[i] == '\n';
	if (!(rk->pw = calloc(lines + 1, sizeof *rk->pw)))
		msg_errx(EXIT_SYSTEM, "out of memory");
	for (char *p = rk->passwd; p && *p;) {
		char *nl = strchr(p, '\n'), *c1, *c2, *end;
		long long uid;

		if (nl)
			*nl = '\0';
		/* name:password:uid:... */
		c1 = strchr(p, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c1 && c2 && c1 > p && *p != '#' && *p != '+' && *p != '-') {
			uid = strtoll(c2 + 1, &end, 10);
			if (end != c2 + 1 && *end == ':' && rk->npw <= lines) {
				*c1 = '\0';
				rk->pw[rk->npw].uid = uid;
				rk->pw[rk->npw++].name = p;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
}

struct pol_rank *pol_rank_new(const struct pol_opt *opt)
{
	struct pol_rank *rk = calloc(1, sizeof *rk);

	if (!rk)
		msg_errx(EXIT_SYSTEM, "out of memory");
	rk->o = *opt;
	rk->c = calloc(opt->max_procs, sizeof *rk->c);
	rk->heap = calloc(opt->max_procs, sizeof *rk->heap);
	rk->active = calloc(nrules + 1, sizeof *rk->active);
	if (!rk->c || !rk->heap || !rk->active)
		msg_errx(EXIT_SYSTEM, "out of memory for %d processes", opt->max_procs);
	for (int i = 0; opt->growth && i < POL_GROWTH_SLOTS; i++)
		if (!(rk->slot[i].e = calloc(opt->max_procs, sizeof *rk->slot[i].e)))
			msg_errx(EXIT_SYSTEM, "out of memory for %d processes",
				 opt->max_procs);
	rk->self_pid = getpid();
	rk->self_pgrp = getpgrp();
	rk->hz = (double)sysconf(_SC_CLK_TCK);
	rk->page_kb = proc_page_kb();
	load_passwd(rk, opt->passwd);
	if (opt->keep_fds) {
		struct rlimit rl;

		/* room for a stat, oom_score and cgroup of every process */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 64)
			rk->fds_max = rl.rlim_cur > 64 + 3UL * opt->max_procs ?
					      3 * opt->max_procs : (int)(rl.rlim_cur - 64);
		for (int i = 0; i < 2; i++)
			if (!(rk->fdc[i] = calloc(opt->max_procs, sizeof *rk->fdc[i])))
				msg_errx(EXIT_SYSTEM, "out of memory for %d processes",
					 opt->max_procs);
	}
	return rk;
}

/* The pods dir, once a scan: NAMESPACE_NAME_UID entries (names and
 * namespaces hold no '_').  Read here into a fixed table rather than
 * looked up a process at a time: no allocation, one pass. */
static void load_pods(struct pol_rank *rk)
{
	int fd = open(scope_pods_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ssize_t len;

	rk->pods_loaded = 1;
	rk->npods = 0;
	if (fd < 0)
		return;
	while ((len = getdents64(fd, rk->dents, sizeof rk->dents)) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *d = (struct dirent64 *)(rk->dents + off);
			const char *s1 = strchr(d->d_name, '_');
			const char *s2 = s1 ? strchr(s1 + 1, '_') : NULL;
			struct pod *p = &rk->pods[rk->npods];

			off += d->d_reclen;
			if (!s2 || strchr(s2 + 1, '_') || s1 == d->d_name ||
			    s2 == s1 + 1 || !s2[1] || rk->npods == POL_PODS_MAX ||
			    (size_t)(s1 - d->d_name) >= sizeof p->ns ||
			    (size_t)(s2 - s1 - 1) >= sizeof p->name ||
			    strlen(s2 + 1) >= sizeof p->uid)
				continue;
			memcpy(p->ns, d->d_name, s1 - d->d_name);
			p->ns[s1 - d->d_name] = '\0';
			memcpy(p->name, s1 + 1, s2 - s1 - 1);
			p->name[s2 - s1 - 1] = '\0';
			strcpy(p->uid, s2 + 1);
			rk->npods++;
		}
	}
	close(fd);
}

static const struct pod *pod_of(struct pol_rank *rk, const char *cgpath)
{
	char uid[80];

	if (!scope_pod_uid(cgpath, uid, sizeof uid))
		return NULL;
	if (!rk->pods_loaded)
		load_pods(rk);
	for (int i = 0; i < rk->npods; i++)
		if (strcmp(rk->pods[i].uid, uid) == 0)
			return &rk->pods[i];
	return NULL;
}

static void view_reset(struct pol_rank *rk, int pid, const char *comm)
{
	rk->v.pid = pid;
	rk->v.comm = comm;
	rk->v.tried = 0;
	rk->v.st_state = 0;
}

static int view_status(struct pol_rank *rk)
{
	struct view *v = &rk->v;

	if (!v->st_state)
		v->st_state = proc_status(rk->o.procfd, v->pid, &v->st) < 0 ? -1 : 1;
	return v->st_state;
}

static const char *field(struct pol_rank *rk, enum field f)
{
	struct view *v = &rk->v;
	int fd = rk->o.procfd;

	if (v->tried & 1u << f)
		return v->val[f];
	v->tried |= 1u << f;
	v->val[f] = NULL;
	switch (f) {
	case F_NAME:
		v->val[f] = v->comm;
		break;
	case F_CMDLINE:
		if (proc_cmdline(fd, v->pid, v->cmdline, sizeof v->cmdline) >= 0)
			v->val[f] = v->cmdline;
		break;
	case F_EXE:
		if (proc_exe(fd, v->pid, v->exe, sizeof v->exe) >= 0)
			v->val[f] = v->exe;
		break;
	case F_USER:
		if (view_status(rk) > 0 && v->st.euid >= 0) {
			snprintf(v->user, sizeof v->user, "%lld", v->st.euid);
			for (int i = 0; i < rk->npw; i++)
				if (rk->pw[i].uid == v->st.euid) {
					snprintf(v->user, sizeof v->user, "%s",
						 rk->pw[i].name);
					break;
				}
			v->val[f] = v->user;
		}
		break;
	case F_CGROUP:
		if (rk->o.cg &&
		    fdc_read(rk, v->pid, FD_CG, v->cgfile, sizeof v->cgfile) >= 0 &&
		    cg_of_proc(rk->o.cg, v->cgfile, v->cgroup, sizeof v->cgroup) == 0)
			v->val[f] = v->cgroup;
		break;
	case F_POD:
	case F_NAMESPACE: {
		const char *cg = field(rk, F_CGROUP);
		const struct pod *p = cg ? pod_of(rk, cg) : NULL;

		v->tried |= 1u << F_POD | 1u << F_NAMESPACE;
		v->val[F_POD] = p ? p->name : NULL;
		v->val[F_NAMESPACE] = p ? p->ns : NULL;
		break;
	}
	case F_N:
		break;
	}
	return v->val[f];
}

/* A rule matches when every pattern finds its field (a field the
 * process lacks matches nothing).  -1: the matcher gave up. */
static int rule_match(struct pol_rank *rk, const struct rule *r)
{
	int gave_up = 0;

	for (int i = 0; i < r->n; i++) {
		const char *s = field(rk, r->m[i].field);
		int m = s ? re_match(r->m[i].re, s) : 0;

		if (m == 0)
			return 0;
		gave_up |= m < 0;
	}
	return gave_up ? -1 : 1;
}

/* Place the process at hand: -1 protected, else its class and rule.
 * A protect rule the matcher could not decide protects: doubt spares. */
static int place(struct pol_rank *rk, struct cand *c)
{
	for (int i = 0; i < rk->nactive; i++)
		if (rules[rk->active[i]].action == POL_PROTECT &&
		    rule_match(rk, &rules[rk->active[i]]) != 0)
			return -1;
	c->cls = 1;
	c->rule = -1;
	for (int i = 0; i < rk->nactive; i++) {
		const struct rule *r = &rules[rk->active[i]];

		if (r->action != POL_PROTECT && rule_match(rk, r) > 0) {
			c->cls = r->action == POL_PREFER ? 0 : 2;
			c->rule = rk->active[i];
			break;
		}
	}
	return 0;
}

static struct slot *slot_for(struct pol_rank *rk, const char *scope)
{
	struct slot *s = &rk->slot[0];

	for (int i = 0; i < POL_GROWTH_SLOTS; i++) {
		if (rk->slot[i].used && strcmp(rk->slot[i].scope, scope) == 0)
			return &rk->slot[i];
		if (rk->slot[i].used < s->used)
			s = &rk->slot[i];
	}
	snprintf(s->scope, sizeof s->scope, "%s", scope);
	s->valid = 0;
	return s;
}

static void sort_bases(struct base *e, int n)
{
	int sorted = 1;

	for (int i = 1; i < n && sorted; i++)
		sorted = e[i - 1].pid < e[i].pid;
	if (sorted) /* /proc lists in PID order */
		return;
	for (int k = n / 2 - 1, m = n; m > 1;) {
		/* heapsort: build, then move the largest to the end */
		int i;

		if (k >= 0) {
			i = k--;
		} else {
			struct base t = e[0];

			e[0] = e[--m];
			e[m] = t;
			i = 0;
		}
		for (;;) {
			int l = 2 * i + 1, r = l + 1, big = i;
			struct base t;

			if (l < m && e[l].pid > e[big].pid)
				big = l;
			if (r < m && e[r].pid > e[big].pid)
				big = r;
			if (big == i)
				break;
			t = e[i];
			e[i] = e[big];
			e[big] = t;
			i = big;
		}
	}
}

static const struct base *base_find(const struct slot *s, int pid)
{
	int lo = 0, hi = s->n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (s->e[mid].pid == pid)
			return &s->e[mid];
		if (s->e[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Growth against the scope's last scan, then this scan becomes it. */
static void growth(struct pol_rank *rk, struct slot *s, double t_s)
{
	double up_s = -1, dt = t_s - s->t_s;

	for (int i = 0; s->valid && dt > 0 && i < rk->n; i++) {
		struct cand *c = &rk->c[i];
		const struct base *b = base_find(s, c->pid);

		if (b && b->start_ticks == c->start_ticks)
			c->growth_kbps = (double)(c->rss_kb - b->rss_kb) / dt;
		else if (s->up_ticks >= 0 && c->start_ticks >= s->up_ticks)
			c->growth_kbps = (double)c->rss_kb / dt; /* born since */
		else
			continue;
		c->has_growth = 1;
	}
	for (int i = 0; i < rk->n; i++) {
		s->e[i].pid = rk->c[i].pid;
		s->e[i].start_ticks = rk->c[i].start_ticks;
		s->e[i].rss_kb = rk->c[i].rss_kb;
	}
	s->n = rk->n;
	sort_bases(s->e, s->n);
	s->t_s = t_s;
	s->up_ticks = proc_uptime(rk->o.procfd, &up_s) == 0 ? up_s * rk->hz : -1;
	s->valid = 1;
	s->used = ++rk->clock;
}

/* Best victim first: class, then a known score, then the score, RSS
 * and PID, so the order is the same from run to run. */
static int better(const struct cand *a, const struct cand *b)
{
	if (a->cls != b->cls)
		return a->cls < b->cls;
	if (a->has_score != b->has_score)
		return a->has_score;
	if (a->has_score && a->score != b->score)
		return a->score > b->score;
	if (a->rss_kb != b->rss_kb)
		return a->rss_kb > b->rss_kb;
	return a->pid < b->pid;
}

static void sift(struct pol_rank *rk, int i)
{
	int *h = rk->heap, n = rk->heap_n;

	for (;;) {
		int l = 2 * i + 1, r = l + 1, best = i, t;

		if (l < n && better(&rk->c[h[l]], &rk->c[h[best]]))
			best = l;
		if (r < n && better(&rk->c[h[r]], &rk->c[h[best]]))
			best = r;
		if (best == i)
			return;
		t = h[i];
		h[i] = h[best];
		h[best] = t;
		i = best;
	}
}

int pol_scan(struct pol_rank *rk, const struct scope *sc, double t_s)
{
	int fd = rk->o.procfd, pid, dropped = 0, o = 0;
	char buf[1024];

	rk->nactive = 0;
	for (int i = 0; i < nrules; i++)
		if (!rules[i].scope_re || re_match(rules[i].scope_re, sc->name) > 0)
			rk->active[rk->nactive++] = i;
	rk->pods_loaded = 0;
	rk->n = rk->heap_n = 0;
	rk->fdc_n[!rk->fdc_cur] = 0;
	proc_iter_start(&rk->it, fd);
	while ((pid = proc_iter_next(&rk->it)) > 0) {
		struct proc_stat st;
		struct cand *c = &rk->c[rk->n];
		const char *cg;

		rk->fe = fdc_entry(rk, pid, &o);
		/* PID 1, kernel threads, zombies and foom's own group; a
		 * process gone since the listing is skipped silently */
		if (pid == 1 || pid == rk->self_pid ||
		    scan_stat(rk, pid, &st, buf, sizeof buf) < 0 || proc_is_kthread(&st) ||
		    st.state == 'Z' || st.state == 'X' || st.pgrp == rk->self_pgrp)
			continue;
		view_reset(rk, pid, st.comm);
		if (sc->kind != SCOPE_NODE &&
		    (!(cg = field(rk, F_CGROUP)) || !cg_within(cg, sc->cgroup)))
			continue;
		if (rk->n == rk->o.max_procs) {
			dropped++;
			continue;
		}
		c->oom_score = -1;
		if (rk->o.by == POL_BY_OOM_SCORE) {
			if (fdc_read(rk, pid, FD_OOM, buf, sizeof buf) <= 0)
				continue;
			c->oom_score = atoi(buf);
		}
		if (place(rk, c) < 0)
			continue;
		c->pid = pid;
		c->pgid = st.pgrp;
		c->start_ticks = st.start_ticks;
		c->rss_kb = st.rss_pages * rk->page_kb;
		c->has_growth = 0;
		memcpy(c->comm, st.comm, sizeof c->comm);
		rk->n++;
	}
	/* what the last scan kept and this one did not see has died */
	while (o < rk->fdc_n[rk->fdc_cur])
		fdc_close(rk, &rk->fdc[rk->fdc_cur][o++]);
	rk->fdc_cur = !rk->fdc_cur;
	rk->fe = NULL;
	if (pid < 0)
		return -1;
	if (dropped)
		msg_warnx("more than %d processes in '%s': %d not ranked "
			  "(see --max-procs)", rk->o.max_procs, sc->name, dropped);
	if (rk->o.growth)
		growth(rk, slot_for(rk, sc->name), t_s);
	for (int i = 0; i < rk->n; i++) {
		struct cand *c = &rk->c[i];

		c->has_score = 1;
		switch (rk->o.by) {
		case POL_BY_OOM_SCORE: c->score = c->oom_score; break;
		case POL_BY_RSS: c->score = (double)c->rss_kb; break;
		case POL_BY_GROWTH:
			c->score = c->growth_kbps;
			c->has_score = c->has_growth;
			break;
		}
		rk->heap[i] = i;
	}
	rk->heap_n = rk->n;
	for (int i = rk->n / 2 - 1; i >= 0; i--)
		sift(rk, i);
	return rk->n;
}

int pol_next(struct pol_rank *rk, struct pol_victim *v)
{
	int fd = rk->o.procfd;

	while (rk->heap_n > 0) {
		struct cand *c = &rk->c[rk->heap[0]];
		struct proc_stat st;

		rk->heap[0] = rk->heap[--rk->heap_n];
		sift(rk, 0);
		view_reset(rk, c->pid, c->comm);
		/* the same process still (not gone, PID not reused), still
		 * no zombie and not of our group (a scan may have taken
		 * these from its last look), not a container's or pod's
		 * init, not shielded by -1000 */
		if (proc_stat(fd, c->pid, &st) < 0 ||
		    st.start_ticks != c->start_ticks || st.state == 'Z' ||
		    st.state == 'X' || st.pgrp == rk->self_pgrp ||
		    proc_is_kthread(&st) || view_status(rk) < 0 ||
		    (!rk->o.allow_pid1 && rk->v.st.nspid_last == 1) ||
		    proc_oom_score_adj(fd, c->pid, &v->oom_score_adj) < 0 ||
		    v->oom_score_adj == -1000)
			continue;
		if (c->oom_score < 0 && proc_oom_score(fd, c->pid, &c->oom_score) < 0)
			continue;
		memcpy(c->comm, st.comm, sizeof c->comm);
		v->pid = c->pid;
		v->pgid = st.pgrp;
		v->start_ticks = c->start_ticks;
		v->comm = c->comm;
		v->cmdline = field(rk, F_CMDLINE);
		v->user = field(rk, F_USER);
		v->cgroup = field(rk, F_CGROUP);
		v->pod = field(rk, F_POD);
		v->ns = field(rk, F_NAMESPACE);
		v->rss_kb = c->rss_kb;
		v->swap_kb = rk->v.st.swap_kb;
		v->oom_score = c->oom_score;
		v->has_score = c->has_score;
		v->score = c->score;
		v->has_growth = c->has_growth;
		v->growth_kbps = c->growth_kbps;
		v->rule = c->rule >= 0 ? rules[c->rule].text : "score";
		return 1;
	}
	return 0;
}
