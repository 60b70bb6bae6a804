/* SPDX-License-Identifier: MIT */
/*
 * oomlog: kernel OOM reports from log text.  Each line's prefix (kmsg,
 * dmesg, dmesg -T in any locale, syslog, journalctl, ISO, or a journal
 * JSON object around it) gives its times, host and printk caller id;
 * its text moves one report along: header, memory cgroup counters, task
 * dump, summary, kill, memory.oom.group kills, oom_reaper.
 *
 * Attribution: a line belongs to the newest open report of the same
 * host and printk caller id, and only if that report has not yet passed
 * the part the line belongs to.  One kernel prints one report at a time
 * (oom_lock), so a new header ends an unfinished report of the same
 * host and caller.  Lines that name a victim pid (the oom_reaper's, from
 * its own thread) go to the report of that victim on the same host.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "oomlog.h"
#include "proc.h"
#include "scope.h"

enum { PH_HEAD = 1, PH_INFO, PH_TASKS, PH_CHOSEN, PH_KILLED, PH_GROUP };

/* A limit at or above this (KiB) is the kernel's "no limit" (about
 * 2^53 KiB printed for PAGE_COUNTER_MAX); it is left out. */
#define NO_LIMIT_KB (1LL << 50)

struct line {
	char *text;
	double mono_s, wall_s;
	char host[64];
	char caller[16];
	char unread[OOMLOG_UNREAD]; /* a date prefix that could not be read */
};

static void cpy(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The last occurrence of needle in s. */
static char *strrstr(const char *s, const char *needle)
{
	const char *p, *last = NULL;

	for (p = strstr(s, needle); p; p = strstr(p + 1, needle))
		last = p;
	return (char *)last;
}

/* The number after key in s ("anon-rss:" -> 480000). */
static int kv_ll(const char *s, const char *key, long long *v)
{
	const char *p = strstr(s, key);
	char *end;

	if (!p)
		return 0;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '-' && isdigit((unsigned char)p[1])))
		return 0;
	*v = strtoll(p, &end, 10);
	return 1;
}

/* Time prefixes. */

static const char *digits(const char *p, int min, int max, int *v)
{
	int n = 0;

	*v = 0;
	while (n < max && isdigit((unsigned char)p[n]))
		*v = *v * 10 + (p[n++] - '0');
	return n >= min ? p + n : NULL;
}

static const char *frac(const char *p, double *f)
{
	double scale = 0.1;

	*f = 0;
	if (*p != '.' && *p != ',')
		return p;
	if (!isdigit((unsigned char)p[1]))
		return p;
	for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
		*f += (*p - '0') * scale;
	return p;
}

static const char *hms(const char *p, struct tm *tm)
{
	if (!(p = digits(p, 2, 2, &tm->tm_hour)) || *p++ != ':' ||
	    !(p = digits(p, 2, 2, &tm->tm_min)) || *p++ != ':' ||
	    !(p = digits(p, 2, 2, &tm->tm_sec)))
		return NULL;
	return p;
}

/* An English month, abbreviated or in full, any case, the whole token
 * [p, end); -1 for anything else. */
static int month_name(const char *p, const char *end)
{
	static const char *const names[12] = {
		"january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december",
	};
	size_t n = (size_t)(end - p);

	for (int i = 0; i < 12; i++)
		if ((n == 3 || n == strlen(names[i])) &&
		    strncasecmp(p, names[i], n) == 0)
			return i;
	return -1;
}

/* A month as a locale writes it in a number: "9月" (Chinese,
 * Japanese), "9월" (Korean); the whole token [p, end).  -1 otherwise. */
static int month_number(const char *p, const char *end)
{
	static const char *const suffix[] = { "\xe6\x9c\x88", "\xec\x9b\x94" };
	int v;
	const char *q = digits(p, 1, 2, &v);

	if (!q || v < 1 || v > 12)
		return -1;
	for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++)
		if ((size_t)(end - q) == strlen(suffix[i]) &&
		    memcmp(q, suffix[i], strlen(suffix[i])) == 0)
			return v - 1;
	return -1;
}

/* A syslog month: "Nov", or a locale's "11月" (journalctl in a
 * Chinese, Japanese or Korean locale). */
static const char *month(const char *p, int *mon)
{
	const char *end = p + strcspn(p, " ");

	if ((*mon = month_name(p, end)) >= 0 && end - p == 3 &&
	    isupper((unsigned char)*p))
		return end;
	if ((*mon = month_number(p, end)) >= 0)
		return end;
	return NULL;
}

static double local_epoch(struct tm *tm)
{
	tm->tm_isdst = -1;
	return (double)mktime(tm);
}

/* "[ 1234.567890]": printk's seconds since boot (always with a point). */
static const char *stamp_mono(const char *p, double *mono)
{
	const char *q = p + 1;
	double s = 0, f;

	if (*p != '[')
		return NULL;
	while (*q == ' ')
		q++;
	if (!isdigit((unsigned char)*q))
		return NULL;
	for (; isdigit((unsigned char)*q); q++)
		s = s * 10 + (*q - '0');
	if (*q != '.' || !isdigit((unsigned char)q[1]))
		return NULL;
	q = frac(q, &f);
	if (*q != ']')
		return NULL;
	*mono = s + f;
	return q + 1;
}

/* "[  T123]" after a stamp: the printk caller id (CONFIG_PRINTK_CALLER). */
static const char *stamp_caller(const char *p, char *caller, size_t n)
{
	const char *q = p, *id;

	while (*q == ' ')
		q++;
	if (*q++ != '[')
		return p;
	while (*q == ' ')
		q++;
	id = q;
	if ((*q != 'T' && *q != 'C') || !isdigit((unsigned char)q[1]))
		return p;
	for (q++; isdigit((unsigned char)*q); q++)
		;
	if (*q != ']')
		return p;
	cpy(caller, n, id, (size_t)(q - id));
	return q + 1;
}

/*
 * dmesg -T: "[Sun Nov 22 21:13:49 2026]", local time, in whatever
 * locale dmesg ran ("[二 9月  3 05:57:48 2024]", "[月  1月 26 01:49:41
 * 2026]").  A bracket holding a time of day is a date: its words are
 * skipped, its numbers read (day, time, year; the month from an English
 * name or a number with 月 or 월).  A date that does not come out whole
 * and unambiguous is kept as text in unread, and wall stays unknown.
 */
static const char *stamp_date(const char *p, double *wall, char *unread,
			      size_t n)
{
	/* dmesg -T's dates are about 26 bytes; a locale's words add a few */
	const size_t date_max = 64;
	const char *close = memchr(p + 1, ']', strnlen(p + 1, date_max));
	struct tm tm = { 0 };
	int ntime = 0, nday = 0, nmon = 0, nyear = 0, v;

	if (p[0] != '[' || !close)
		return NULL;
	for (const char *q = p + 1; q < close;) {
		const char *end = q, *t;
		struct tm hm;
		int mon;

		while (end < close && *end != ' ')
			end++;
		if ((t = hms(q, &hm)) && t == end) {
			tm.tm_hour = hm.tm_hour;
			tm.tm_min = hm.tm_min;
			tm.tm_sec = hm.tm_sec;
			ntime++;
		} else if ((t = digits(q, 4, 4, &v)) && t == end) {
			tm.tm_year = v - 1900;
			nyear++;
		} else if ((t = digits(q, 1, 2, &v)) && t == end) {
			tm.tm_mday = v;
			nday++;
		} else if ((mon = month_name(q, end)) >= 0 ||
			   (mon = month_number(q, end)) >= 0) {
			nmon += !nmon || mon != tm.tm_mon;
			tm.tm_mon = mon;
		}
		q = end;
		while (q < close && *q == ' ')
			q++;
	}
	if (!ntime)
		return NULL;
	if (ntime == 1 && nday == 1 && nmon == 1 && nyear == 1 &&
	    tm.tm_mday >= 1 && tm.tm_mday <= 31 && tm.tm_hour < 24 &&
	    tm.tm_min < 60 && tm.tm_sec <= 60)
		*wall = local_epoch(&tm);
	else
		cpy(unread, n, p + 1, (size_t)(close - p - 1));
	return close + 1;
}

/* syslog: "Nov 22 21:13:49[.123456]", local time, the year not given;
 * journalctl in another locale: " 9月 03 05:57:48". */
static const char *stamp_bsd(const struct oomlog *ol, const char *p,
			     double *wall)
{
	struct tm tm = { 0 };
	time_t now = time(NULL);
	struct tm nowtm;
	double f;

	while (*p == ' ')
		p++;
	if (!(p = month(p, &tm.tm_mon)) || *p != ' ')
		return NULL;
	while (*p == ' ')
		p++;
	if (!(p = digits(p, 1, 2, &tm.tm_mday)) || *p++ != ' ' ||
	    !(p = hms(p, &tm)))
		return NULL;
	p = frac(p, &f);
	if (*p != ' ')
		return NULL;
	localtime_r(&now, &nowtm);
	tm.tm_year = ol->year ? ol->year - 1900 : nowtm.tm_year;
	*wall = local_epoch(&tm) + f;
	/* Without --year, a date more than a day ahead is last year's. */
	if (!ol->year && *wall > (double)now + 86400) {
		tm.tm_year--;
		*wall = local_epoch(&tm) + f;
	}
	return p;
}

/* ISO 8601: "2026-11-22T21:13:49[.123456][Z|+0000|+00:00]". */
static const char *stamp_iso(const char *p, double *wall)
{
	struct tm tm = { 0 };
	double f;
	int oh, om = 0, sign;

	if (!(p = digits(p, 4, 4, &tm.tm_year)) || *p++ != '-' ||
	    !(p = digits(p, 2, 2, &tm.tm_mon)) || *p++ != '-' ||
	    !(p = digits(p, 2, 2, &tm.tm_mday)) || *p++ != 'T' ||
	    !(p = hms(p, &tm)))
		return NULL;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	p = frac(p, &f);
	if (*p == 'Z') {
		*wall = (double)timegm(&tm) + f;
		return p + 1;
	}
	if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!(p = digits(p, 2, 2, &oh)))
			return NULL;
		if (*p == ':')
			p++;
		if (!(p = digits(p, 2, 2, &om)))
			return NULL;
		*wall = (double)timegm(&tm) - sign * (oh * 3600 + om * 60) + f;
		return p;
	}
	*wall = local_epoch(&tm) + f;
	return p;
}

/* "[ 1234.5] " after "kernel:": the stamp and caller id dmesg would
 * have printed. */
static char *after_kernel(char *p, struct line *ln)
{
	if (*p == ' ')
		p++;
	if (*p == '[') {
		const char *q = stamp_mono(p, &ln->mono_s);

		if (q) {
			p = (char *)stamp_caller(q, ln->caller, sizeof ln->caller);
			if (*p == ' ')
				p++;
		}
	}
	return p;
}

/* After a syslog date: "host kernel: [ 1234.5] text", or " kernel: text"
 * where the host was left out or redacted (two spaces, as journalctl
 * and rsyslog print an empty host).  NULL when the line is another
 * program's. */
static char *syslog_rest(char *p, struct line *ln)
{
	char *host;

	while (*p == ' ')
		p++;
	host = p;
	if (strncmp(p, "kernel:", 7) != 0) {
		while (*p && *p != ' ')
			p++;
		cpy(ln->host, sizeof ln->host, host, (size_t)(p - host));
		while (*p == ' ')
			p++;
		if (strncmp(p, "kernel:", 7) != 0)
			return NULL;
	}
	return after_kernel(p + 7, ln);
}

/* Reports. */

static void finish(struct oomlog *ol, struct oomlog_report *r)
{
	if (!r->used)
		return;
	/* Without its header or a victim, what was seen is only noise. */
	if (!r->header && r->pid == OOMLOG_NONE) {
		r->used = 0;
		return;
	}
	ol->reports++;
	if (ol->emit)
		ol->emit(ol->ctx, r);
	r->used = 0;
}

static struct oomlog_report *open_report(struct oomlog *ol,
					 const struct line *ln)
{
	struct oomlog_report *r = NULL, *old = NULL;

	for (int i = 0; i < OOMLOG_INFLIGHT && !r; i++) {
		if (!ol->rep[i].used)
			r = &ol->rep[i];
		else if (!old || ol->rep[i].order < old->order)
			old = &ol->rep[i];
	}
	if (!r) {
		finish(ol, old);
		r = old;
	}
	memset(r, 0, sizeof *r);
	r->used = 1;
	r->order = ++ol->seq;
	r->phase = PH_HEAD;
	r->memcg = -1;
	r->reaped = -1;
	snprintf(r->host, sizeof r->host, "%s", ln->host);
	snprintf(r->caller, sizeof r->caller, "%s", ln->caller);
	r->first_mono_s = ln->mono_s;
	r->first_wall_s = ln->wall_s;
	snprintf(r->first_unread, sizeof r->first_unread, "%s", ln->unread);
	r->kill_mono_s = r->kill_wall_s = -1;
	r->invoker_pid = r->invoker_adj = r->order_n = OOMLOG_NONE;
	r->pid = r->uid = r->total_vm_kb = r->anon_rss_kb = OOMLOG_NONE;
	r->file_rss_kb = r->shmem_rss_kb = r->pgtables_kb = OOMLOG_NONE;
	r->oom_score_adj = r->score = r->tasks = OOMLOG_NONE;
	for (int i = 0; i < OOMLOG_NCNT; i++)
		r->cnt[i][0] = r->cnt[i][1] = r->cnt[i][2] = OOMLOG_NONE;
	return r;
}

static int same_key(const struct oomlog_report *r, const struct line *ln)
{
	return strcmp(r->host, ln->host) == 0 &&
	       strcmp(r->caller, ln->caller) == 0;
}

/* The newest open report of this line's host and caller that has not
 * passed phase. */
static struct oomlog_report *newest(struct oomlog *ol, const struct line *ln,
				    int phase)
{
	struct oomlog_report *best = NULL;

	for (int i = 0; i < OOMLOG_INFLIGHT; i++) {
		struct oomlog_report *r = &ol->rep[i];

		if (r->used && same_key(r, ln) && r->phase <= phase &&
		    (!best || r->order > best->order))
			best = r;
	}
	return best;
}

/* The open report of this host whose victim is pid, from any caller. */
static struct oomlog_report *by_victim(struct oomlog *ol,
				       const struct line *ln, long long pid)
{
	for (int i = 0; i < OOMLOG_INFLIGHT; i++) {
		struct oomlog_report *r = &ol->rep[i];

		if (r->used && r->pid == pid && r->phase >= PH_KILLED &&
		    strcmp(r->host, ln->host) == 0)
			return r;
	}
	return NULL;
}

/* Has the log moved on far enough from r to finish it? */
static int far(const struct oomlog_report *r, const struct line *ln)
{
	if (ln->wall_s >= 0 && r->last_wall_s >= 0)
		return fabs(ln->wall_s - r->last_wall_s) > OOMLOG_GAP_S;
	if (ln->mono_s >= 0 && r->last_mono_s >= 0 &&
	    strcmp(r->host, ln->host) == 0)
		return fabs(ln->mono_s - r->last_mono_s) > OOMLOG_GAP_S;
	return 0;
}

/* "Memory cgroup out of memory: " or "Out of memory: " before a kill. */
static void kind_from_prefix(struct oomlog_report *r, const char *t,
			     const char *at)
{
	size_t n = (size_t)(at - t);

	if (n >= 13 && memmem(t, n, "Memory cgroup", 13))
		r->memcg = 1;
	else if (strncmp(t, "Out of memory", 13) == 0 && r->memcg < 0)
		r->memcg = 0;
}

/* "123 (comm)<end>": the pid and the name, which may hold anything. */
static const char *pid_comm(const char *p, const char *end, long long *pid,
			    char *comm)
{
	const char *close;
	char *e;

	if (!isdigit((unsigned char)*p))
		return NULL;
	*pid = strtoll(p, &e, 10);
	if (e[0] != ' ' || e[1] != '(' || !(close = strrstr(e + 2, end)))
		return NULL;
	cpy(comm, OOMLOG_COMM, e + 2, (size_t)(close - (e + 2)));
	return close + strlen(end);
}

static void on_invoked(struct oomlog_report *r, const char *t, const char *at)
{
	const char *p, *q;

	cpy(r->invoker, sizeof r->invoker, t, (size_t)(at - t));
	r->header = 1;
	if ((p = strstr(at, "gfp_mask="))) {
		p += 9;
		q = p + strcspn(p, "(, ");
		cpy(r->gfp_mask, sizeof r->gfp_mask, p, (size_t)(q - p));
		if (*q == '(') {
			p = q + 1;
			q = strchr(p, ')');
			if (q)
				cpy(r->gfp_flags, sizeof r->gfp_flags, p, (size_t)(q - p));
		}
	}
	kv_ll(at, ", order=", &r->order_n);
	kv_ll(at, ", oom_score_adj=", &r->invoker_adj);
}

/* "oom-kill:constraint=...,oom_memcg=/a,task_memcg=/a/b,task=hog,pid=1,uid=0",
 * read from the end, since names and paths may hold commas. */
static void on_summary(struct oomlog_report *r, const char *t)
{
	static char s[REC_LINE_MAX + 1];
	char *p;

	snprintf(s, sizeof s, "%s", t);
	if ((p = strrstr(s, ",uid="))) {
		kv_ll(p, "=", &r->uid);
		*p = '\0';
	}
	if ((p = strrstr(s, ",pid="))) {
		kv_ll(p, "=", &r->pid);
		*p = '\0';
	}
	if ((p = strrstr(s, ",task="))) {
		snprintf(r->comm, sizeof r->comm, "%s", p + 6);
		*p = '\0';
	}
	if ((p = strrstr(s, ",task_memcg="))) {
		snprintf(r->task_memcg, sizeof r->task_memcg, "%s", p + 12);
		*p = '\0';
	}
	if ((p = strrstr(s, ",oom_memcg="))) {
		snprintf(r->oom_memcg, sizeof r->oom_memcg, "%s", p + 11);
		r->memcg = 1;
	} else if (strrstr(s, ",global_oom")) {
		r->memcg = 0;
	}
	if (strncmp(s, "oom-kill:constraint=", 20) == 0) {
		p = s + 20;
		if (strncmp(p, "CONSTRAINT_", 11) == 0)
			p += 11;
		p[strcspn(p, ",")] = '\0';
		cpy(r->constraint, sizeof r->constraint, p, strlen(p));
		for (p = r->constraint; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (strcmp(r->constraint, "memcg") == 0)
			r->memcg = 1;
	}
}

/* The victim's RSS: anon + file + shmem; 3.10's and 2.6.32's kill lines
 * have no shmem-rss, and their rss is anon + file. */
static long long rss_of(long long anon, long long file, long long shmem)
{
	if (anon == OOMLOG_NONE || file == OOMLOG_NONE)
		return OOMLOG_NONE;
	return proc_sat_add(proc_sat_add(anon, file),
			    shmem == OOMLOG_NONE ? 0 : shmem);
}

/*
 * The kill line after "Killed process ", in any kernel's form:
 *   5.x, 6.x  "123 (hog) total-vm:1kB, anon-rss:2kB, file-rss:3kB,
 *             shmem-rss:4kB, UID:0 pgtables:5kB oom_score_adj:0"
 *   4.x, 3.10 "123 (hog) total-vm:1kB, anon-rss:2kB, file-rss:3kB[, shmem-rss:4kB]"
 *   RHEL 7    "123 (hog), UID 0, total-vm:1kB, anon-rss:2kB, ..."
 *   2.6.32    "123, UID 0, (hog) total-vm:1kB, anon-rss:2kB, file-rss:3kB"
 * The name may hold anything, so it ends at the last ") total-vm:" or
 * "), UID " of the line, whichever comes later (the kernel prints
 * neither after it).
 */
static int parse_killed(const char *p, struct oomlog_task *k,
			struct oomlog_report *v)
{
	const char *rest, *a, *b, *close;
	long long uid = OOMLOG_NONE, anon = OOMLOG_NONE, file = OOMLOG_NONE;
	long long shmem = OOMLOG_NONE;
	char *e;

	if (!isdigit((unsigned char)*p))
		return -1;
	k->pid = strtoll(p, &e, 10);
	if (strncmp(e, ", UID ", 6) == 0 && isdigit((unsigned char)e[6])) {
		uid = strtoll(e + 6, &e, 10);
		if (strncmp(e, ", (", 3) != 0)
			return -1;
		e += 1;
	}
	if (e[0] != ' ' || e[1] != '(')
		return -1;
	a = strrstr(e + 2, ") total-vm:");
	b = strrstr(e + 2, "), UID ");
	close = a && (!b || a > b) ? a : b;
	if (!close)
		return -1;
	cpy(k->comm, OOMLOG_COMM, e + 2, (size_t)(close - (e + 2)));
	rest = close + 1;
	if (close == b)
		kv_ll(rest, ", UID ", &uid);
	kv_ll(rest, "anon-rss:", &anon);
	kv_ll(rest, "file-rss:", &file);
	kv_ll(rest, "shmem-rss:", &shmem);
	k->rss_kb = rss_of(anon, file, shmem);
	if (v) {
		v->pid = k->pid;
		snprintf(v->comm, sizeof v->comm, "%s", k->comm);
		v->anon_rss_kb = anon;
		v->file_rss_kb = file;
		v->shmem_rss_kb = shmem;
		if (uid != OOMLOG_NONE)
			v->uid = uid;
		kv_ll(rest, "total-vm:", &v->total_vm_kb);
		kv_ll(rest, "UID:", &v->uid);
		kv_ll(rest, "pgtables:", &v->pgtables_kb);
		kv_ll(rest, "oom_score_adj:", &v->oom_score_adj);
	}
	return 0;
}

static void killed_at(struct oomlog_report *r, const struct line *ln,
		      enum oomlog_result res)
{
	r->result = res;
	r->phase = PH_KILLED;
	r->kill_mono_s = ln->mono_s;
	r->kill_wall_s = ln->wall_s;
	snprintf(r->kill_unread, sizeof r->kill_unread, "%s", ln->unread);
}

static struct oomlog_report *on_killed(struct oomlog *ol, struct line *ln,
				       const char *t, const char *at)
{
	struct oomlog_task k;
	struct oomlog_report *r;

	if (parse_killed(at + 15, &k, NULL) < 0)
		return NULL;
	/* memory.oom.group kills the victim's group, the victim again. */
	if ((r = by_victim(ol, ln, k.pid)))
		return r;
	if ((r = newest(ol, ln, PH_CHOSEN))) {
		parse_killed(at + 15, &k, r);
	} else if ((r = newest(ol, ln, PH_GROUP)) && r->phase == PH_GROUP) {
		r->group_killed++;
		if (k.rss_kb != OOMLOG_NONE)
			r->group_rss_kb = proc_sat_add(r->group_rss_kb, k.rss_kb);
		if (r->ngroup < OOMLOG_GROUP)
			r->group[r->ngroup++] = k;
		return r;
	} else {
		/* A kill without its report: the kernel rate-limits the
		 * report, not the kill line. */
		r = open_report(ol, ln);
		parse_killed(at + 15, &k, r);
	}
	kind_from_prefix(r, t, at);
	killed_at(r, ln, OOMLOG_KILLED);
	return r;
}

static void on_header_row(struct oomlog_report *r, const char *t)
{
	const char *p = strchr(t, ']');
	int n = 0;

	r->ncols = r->rss_col = 0;
	if (!p)
		return;
	for (p++;;) {
		size_t len;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " ");
		if (len == 3 && strncmp(p, "rss", 3) == 0)
			r->rss_col = n;
		if (len == 4 && strncmp(p, "name", 4) == 0 &&
		    !p[len + strspn(p + len, " \r")]) {
			r->ncols = r->rss_col ? n : 0;
			return;
		}
		n++;
		p += len;
	}
}

static void on_row(const struct oomlog *ol, struct oomlog_report *r,
		   const char *t)
{
	struct oomlog_task k = { 0 };
	const char *p = t + 1;
	char *e;
	size_t len;
	int i;

	k.pid = strtoll(p, &e, 10);
	if (e == p || *e != ']')
		return;
	for (p = e + 1, i = 0; i < r->ncols; i++, p = e) {
		long long v = strtoll(p, &e, 10);

		if (e == p)
			return;
		if (i == r->rss_col)
			k.rss_pages = v;
	}
	while (*p == ' ')
		p++;
	len = strlen(p);
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\r'))
		len--;
	if (!len)
		return;
	cpy(k.comm, sizeof k.comm, p, len);
	k.rss_kb = proc_sat_mul(k.rss_pages, ol->page_kb);
	r->tasks = (r->tasks == OOMLOG_NONE ? 0 : r->tasks) + 1;
	/* Keep the largest, the earlier row first among equals. */
	for (i = r->ntop; i > 0 && r->top[i - 1].rss_pages < k.rss_pages; i--)
		if (i < OOMLOG_TOP)
			r->top[i] = r->top[i - 1];
	if (i < OOMLOG_TOP) {
		r->top[i] = k;
		if (r->ntop < OOMLOG_TOP)
			r->ntop++;
	}
}

static void on_counter(struct oomlog_report *r, int which, const char *t)
{
	kv_ll(t, "usage ", &r->cnt[which][0]);
	kv_ll(t, "limit ", &r->cnt[which][1]);
	kv_ll(t, "failcnt ", &r->cnt[which][2]);
	r->memcg = 1;
}

/*
 * The memory cgroup lines of a report: 3.10 to 4.19's "Task in A killed
 * as a result of limit of B", 5.x's "Memory limit reached of cgroup B",
 * the counters, "Memory cgroup stats for A:".  They go to a report that
 * has not passed them; a paste whose header was cut away begins with
 * them, and they open its report, so that the kill after them has its
 * scope.
 */
static struct oomlog_report *on_memcg_info(struct oomlog *ol,
					   const struct line *ln, const char *t)
{
	static const char *const counters[OOMLOG_NCNT] = {
		"memory: usage ", "memory+swap: usage ", "kmem: usage ",
		"swap: usage ",
	};
	const char *at = NULL, *p;
	struct oomlog_report *r;
	int which = -1;

	if (strncmp(t, "Task in ", 8) == 0)
		at = strstr(t, " killed as a result of limit of ");
	for (int i = 0; i < OOMLOG_NCNT && which < 0; i++)
		if (strncmp(t, counters[i], strlen(counters[i])) == 0)
			which = i;
	if (!at && which < 0 && strncmp(t, "Memory limit reached of cgroup ", 31) != 0 &&
	    strncmp(t, "Memory cgroup stats for ", 24) != 0)
		return NULL;
	if (!(r = newest(ol, ln, PH_INFO)))
		r = open_report(ol, ln);
	r->memcg = 1;
	r->phase = PH_INFO;
	if (at) {
		if (!r->task_memcg[0])
			cpy(r->task_memcg, sizeof r->task_memcg, t + 8,
			    (size_t)(at - t - 8));
		if (!r->oom_memcg[0])
			snprintf(r->oom_memcg, sizeof r->oom_memcg, "%s", at + 32);
	} else if (which >= 0) {
		on_counter(r, which, t + strlen(counters[which]) - 6);
	} else if (strncmp(t, "Memory limit reached of cgroup ", 31) == 0) {
		if (!r->oom_memcg[0])
			snprintf(r->oom_memcg, sizeof r->oom_memcg, "%s", t + 31);
	} else {
		p = t + 24;
		at = p;
		while (*at && !(at[0] == ':' && (at[1] == ' ' || !at[1])))
			at++;
		if (!r->stats_memcg[0])
			cpy(r->stats_memcg, sizeof r->stats_memcg, p,
			    (size_t)(at - p));
	}
	return r;
}

/* One line of kernel text; returns the report it went to. */
static struct oomlog_report *on_text(struct oomlog *ol, struct line *ln)
{
	const char *t = ln->text, *at, *p;
	struct oomlog_report *r;
	struct oomlog_task k;

	if ((at = strstr(t, " invoked oom-killer: "))) {
		for (int i = 0; i < OOMLOG_INFLIGHT; i++)
			if (ol->rep[i].used && same_key(&ol->rep[i], ln) &&
			    ol->rep[i].phase < PH_KILLED)
				finish(ol, &ol->rep[i]);
		r = open_report(ol, ln);
		on_invoked(r, t, at);
		return r;
	}
	if (strncmp(t, "oom-kill:", 9) == 0) {
		if (!(r = newest(ol, ln, PH_TASKS)))
			r = open_report(ol, ln);
		on_summary(r, t);
		r->phase = PH_CHOSEN;
		return r;
	}
	if ((at = strstr(t, "Killed process ")) && strstr(at, " total-vm:"))
		return on_killed(ol, ln, t, at);
	if ((at = strstr(t, ": Kill process ")) &&
	    strstr(at, " or sacrifice child")) {
		if (!(r = newest(ol, ln, PH_TASKS)))
			r = open_report(ol, ln);
		if ((p = pid_comm(at + 15, ") score ", &r->pid, r->comm)))
			r->score = strtoll(p, NULL, 10);
		kind_from_prefix(r, t, at);
		r->phase = PH_CHOSEN;
		return r;
	}
	if ((at = strstr(t, ": OOM victim ")) && strstr(at, " is already exiting")) {
		if (!(r = newest(ol, ln, PH_CHOSEN)))
			r = open_report(ol, ln);
		pid_comm(at + 13, ") is already exiting", &r->pid, r->comm);
		kind_from_prefix(r, t, at);
		killed_at(r, ln, OOMLOG_EXITING);
		return r;
	}
	if (strncmp(t, "oom_reaper: reaped process ", 27) == 0 ||
	    strncmp(t, "oom_reaper: unable to reap pid:", 31) == 0) {
		int ok = t[12] == 'r';

		if (!pid_comm(t + (ok ? 27 : 31), ok ? "), now " : ")", &k.pid, k.comm) ||
		    !(r = by_victim(ol, ln, k.pid)))
			return NULL;
		r->reaped = ok;
		return r;
	}
	if (strncmp(t, "Tasks in ", 9) == 0 &&
	    (at = strstr(t, " are going to be killed due to memory.oom.group set"))) {
		if (!(r = newest(ol, ln, PH_KILLED)) || r->phase != PH_KILLED)
			return NULL;
		cpy(r->group_memcg, sizeof r->group_memcg, t + 9, (size_t)(at - t - 9));
		r->phase = PH_GROUP;
		return r;
	}
	if (strstr(t, "Out of memory and no killable processes") ||
	    (strstr(t, "Out of memory: ") && strstr(t, "panic_on_oom is enabled")) ||
	    strstr(t, "System is deadlocked on memory")) {
		if (!(r = newest(ol, ln, PH_CHOSEN)))
			return NULL;
		killed_at(r, ln, OOMLOG_PANIC);
		return r;
	}

	/* The rest only fills in a report already open. */
	if (strncmp(t, "CPU: ", 5) == 0 && (p = strstr(t, " PID: ")) &&
	    (at = strstr(p, " Comm: "))) {
		if (!(r = newest(ol, ln, PH_HEAD)) || r->invoker_pid != OOMLOG_NONE ||
		    strncmp(at + 7, r->invoker, strlen(r->invoker)) != 0)
			return NULL;
		r->invoker_pid = strtoll(p + 6, NULL, 10);
		return r;
	}
	/* 2.6.32: "Pid: 1319, comm: mysqld Tainted: ..." */
	if (strncmp(t, "Pid: ", 5) == 0 && (at = strstr(t, ", comm: "))) {
		if (!(r = newest(ol, ln, PH_HEAD)) || r->invoker_pid != OOMLOG_NONE ||
		    strncmp(at + 8, r->invoker, strlen(r->invoker)) != 0)
			return NULL;
		r->invoker_pid = strtoll(t + 5, NULL, 10);
		return r;
	}
	if ((r = on_memcg_info(ol, ln, t)))
		return r;
	if (!(r = newest(ol, ln, PH_TASKS)))
		return NULL;
	if (r->phase <= PH_INFO) {
		if (strncmp(t, "Mem-Info:", 9) == 0) {
			if (r->memcg < 0)
				r->memcg = 0;
			r->phase = PH_INFO;
			return r;
		}
	}
	if (strncmp(t, "Tasks state (memory values in pages)", 36) == 0) {
		r->phase = PH_TASKS;
		return r;
	}
	if (t[0] == '[') {
		p = t + 1;
		while (*p == ' ')
			p++;
		if (strncmp(p, "pid", 3) == 0) {
			on_header_row(r, t);
			r->phase = PH_TASKS;
			return r;
		}
		if (isdigit((unsigned char)*p) && r->phase == PH_TASKS && r->ncols) {
			on_row(ol, r, t);
			return r;
		}
	}
	return NULL;
}

/* Returns 1 when the line went to a report. */
static int dispatch(struct oomlog *ol, struct line *ln)
{
	struct oomlog_report *r;

	for (int i = 0; i < OOMLOG_INFLIGHT; i++)
		if (ol->rep[i].used && far(&ol->rep[i], ln))
			finish(ol, &ol->rep[i]);
	if (!(r = on_text(ol, ln)) || !r->used)
		return 0;
	if (ln->mono_s >= 0)
		r->last_mono_s = ln->mono_s;
	if (ln->wall_s >= 0)
		r->last_wall_s = ln->wall_s;
	r->seen_s = ol->now_s;
	return 1;
}

/* A raw /dev/kmsg record "6,1234,5678901,-[,caller=T1];text": its text
 * (escaped as \xHH), or NULL when the line is not one. */
static char *kmsg_record(char *p, struct line *ln)
{
	char *semi, *c;
	double us;
	int commas = 0;

	for (c = p; isdigit((unsigned char)*c) || *c == ','; c++)
		commas += *c == ',';
	if (commas < 3 || c == p || !(semi = strchr(c, ';')) ||
	    !isdigit((unsigned char)*p))
		return NULL;
	/* the third field: microseconds since boot */
	c = strchr(strchr(p, ',') + 1, ',') + 1;
	if (!isdigit((unsigned char)*c))
		return NULL;
	us = strtod(c, NULL);
	ln->mono_s = us / 1e6;
	*semi = '\0';
	if ((c = strstr(p, ",caller=")))
		cpy(ln->caller, sizeof ln->caller, c + 8, strcspn(c + 8, ","));
	return semi + 1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * journalctl -o json: one object a line.  A value is found by its key,
 * which stands after "{" or "," (a quote inside a value is escaped, so
 * a key cannot be forged inside one).  NULL when absent.
 */
static char *json_value(char *obj, const char *key)
{
	size_t n = strlen(key);

	for (char *p = strchr(obj, '"'); p; p = strchr(p + 1, '"')) {
		char *b = p, *q;

		while (b > obj && b[-1] == ' ')
			b--;
		if (b == obj || (b[-1] != '{' && b[-1] != ',') ||
		    strncmp(p + 1, key, n) != 0 || p[1 + n] != '"')
			continue;
		for (q = p + n + 2; *q == ' '; q++)
			;
		if (*q++ != ':')
			continue;
		while (*q == ' ')
			q++;
		return q;
	}
	return NULL;
}

static int json_is(char *obj, const char *key, const char *val)
{
	char *v = json_value(obj, key);
	size_t n = strlen(val);

	return v && *v == '"' && strncmp(v + 1, val, n) == 0 && v[1 + n] == '"';
}

/* A number written as a JSON string of digits ("1595970236110015"). */
static double json_digits(char *obj, const char *key)
{
	char *v = json_value(obj, key);
	double x = 0;
	int n = 0;

	if (!v || *v++ != '"')
		return -1;
	for (; isdigit((unsigned char)*v) && n < 20; v++, n++)
		x = x * 10 + (*v - '0');
	return n && *v == '"' ? x : -1;
}

static void put_utf8(char **w, unsigned long c)
{
	char *o = *w;

	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xc0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (char)(0xe0 | c >> 12);
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (char)(0xf0 | c >> 18);
		*o++ = (char)(0x80 | (c >> 12 & 0x3f));
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	*w = o;
}

static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/*
 * The value at v, a JSON string or journald's array of bytes (a MESSAGE
 * that is not UTF-8), decoded in place: what is written never outruns
 * what is read.  Returns the text, NULL when it is neither.
 */
static char *json_text(char *v)
{
	char *w = v, *r = v + 1;

	if (*v == '[') {
		while (*r && *r != ']') {
			char *e;
			long b;

			while (*r == ' ' || *r == ',')
				r++;
			if (*r == ']')
				break;
			b = strtol(r, &e, 10);
			if (e == r || b < 1 || b > 255)
				return NULL;
			*w++ = (char)b;
			r = e;
		}
		*w = '\0';
		return v;
	}
	if (*v != '"')
		return NULL;
	for (; *r && *r != '"'; r++) {
		long c, lo;

		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		switch (*++r) {
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case 'r': *w++ = '\r'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'u':
			if ((c = hex4(r + 1)) < 0)
				return NULL;
			r += 4;
			if (c >= 0xd800 && c < 0xdc00 && r[1] == '\\' && r[2] == 'u' &&
			    (lo = hex4(r + 3)) >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				r += 6;
			} else if (c >= 0xd800 && c < 0xe000) {
				c = 0xfffd; /* a lone surrogate */
			}
			if (c) /* a NUL would end the text */
				put_utf8(&w, (unsigned long)c);
			break;
		case '\0': return NULL;
		default: *w++ = *r; break; /* " \ / */
		}
	}
	if (*r != '"')
		return NULL;
	*w = '\0';
	return v;
}

/* A kernel entry of journalctl -o json: its MESSAGE (decoded in place),
 * times and host; NULL for another program's entry or a bad object. */
static char *journal_json(char *p, struct line *ln)
{
	char *v;
	double us;

	if (*p != '{' || !(v = json_value(p, "MESSAGE")) ||
	    !(json_is(p, "_TRANSPORT", "kernel") ||
	      (!json_value(p, "_TRANSPORT") && json_is(p, "SYSLOG_IDENTIFIER", "kernel"))))
		return NULL;
	if ((us = json_digits(p, "__REALTIME_TIMESTAMP")) >= 0)
		ln->wall_s = us / 1e6;
	if ((us = json_digits(p, "_SOURCE_MONOTONIC_TIMESTAMP")) >= 0)
		ln->mono_s = us / 1e6;
	if (json_value(p, "_HOSTNAME")) {
		char *h = json_value(p, "_HOSTNAME");

		if (*h == '"')
			cpy(ln->host, sizeof ln->host, h + 1, strcspn(h + 1, "\"\\"));
	}
	return json_text(v);
}

/* Each line of text (records holding newlines), dispatched with the
 * prefix facts of ln. */
static int dispatch_lines(struct oomlog *ol, struct line *ln, char *text)
{
	int placed = 0;

	for (char *p = text, *q; p; p = q) {
		q = strchr(p, '\n');
		if (q)
			*q++ = '\0';
		ln->text = p;
		placed |= dispatch(ol, ln);
	}
	return placed;
}

int oomlog_line(struct oomlog *ol, char *s, size_t len)
{
	struct line ln = { .mono_s = -1, .wall_s = -1 };
	char *p = s, *q;

	s[len] = '\0';
	if (*p == '{') {
		if (!(q = journal_json(p, &ln)))
			return 0;
		return dispatch_lines(ol, &ln, q);
	}
	if ((q = kmsg_record(p, &ln))) {
		/* Undo \xHH in place, and split records holding newlines. */
		char *w = q, *start = q;

		for (p = q; *p; p++) {
			int h, l;

			if (p[0] == '\\' && p[1] == 'x' && (h = hexval(p[2])) >= 0 &&
			    (l = hexval(p[3])) >= 0 && (h | l)) {
				*w++ = (char)(h << 4 | l);
				p += 3;
			} else {
				*w++ = *p;
			}
		}
		*w = '\0';
		return dispatch_lines(ol, &ln, start);
	}
	if (*p == '<' && isdigit((unsigned char)p[1])) { /* dmesg -r */
		q = p + 1;
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == '>')
			p = q + 1;
	}
	if (*p == '[') {
		if ((q = (char *)stamp_mono(p, &ln.mono_s))) {
			p = (char *)stamp_caller(q, ln.caller, sizeof ln.caller);
			if (*p == ' ')
				p++;
			/* journalctl -o short-monotonic: "[ 12.3] host kernel: " */
			if (strncmp(p, "kernel: ", 8) == 0) {
				p += 8;
			} else if ((q = strchr(p, ' ')) && q > p &&
				   strncmp(q, " kernel: ", 9) == 0 &&
				   !memchr(p, ':', (size_t)(q - p))) {
				cpy(ln.host, sizeof ln.host, p, (size_t)(q - p));
				p = q + 9;
			}
		} else if ((q = (char *)stamp_date(p, &ln.wall_s, ln.unread,
						    sizeof ln.unread))) {
			p = q;
			if (*p == ' ')
				p++;
		}
	} else if (isdigit((unsigned char)*p) &&
		   (q = (char *)stamp_iso(p, &ln.wall_s)) && *q == ' ') {
		char *rest = syslog_rest(q, &ln);

		if (rest) {
			p = rest;
		} else { /* dmesg --time-format iso: no host */
			ln.host[0] = '\0';
			p = q + 1;
		}
	} else if ((q = (char *)stamp_bsd(ol, p, &ln.wall_s))) {
		if (!(p = syslog_rest(q, &ln)))
			return 0;
	} else if (strncmp(p, "kernel: ", 8) == 0) {
		/* a journal's lines with their date and host cut away */
		p = after_kernel(p + 7, &ln);
	}
	ln.text = p;
	return dispatch(ol, &ln);
}

void oomlog_init(struct oomlog *ol)
{
	memset(ol, 0, sizeof *ol);
	ol->boot_s = -1;
	ol->page_kb = 4;
}

void oomlog_tick(struct oomlog *ol, double now_s)
{
	for (int i = 0; i < OOMLOG_INFLIGHT; i++)
		if (ol->rep[i].used && now_s - ol->rep[i].seen_s > OOMLOG_GAP_S)
			finish(ol, &ol->rep[i]);
}

void oomlog_finish(struct oomlog *ol)
{
	/* In the order they opened, so the output follows the input. */
	for (;;) {
		struct oomlog_report *first = NULL;

		for (int i = 0; i < OOMLOG_INFLIGHT; i++)
			if (ol->rep[i].used &&
			    (!first || ol->rep[i].order < first->order))
				first = &ol->rep[i];
		if (!first)
			return;
		finish(ol, first);
	}
}

/* The event record. */

static void add_ll(struct rec *e, const char *key, long long v)
{
	if (v != OOMLOG_NONE)
		rec_add_ll(e, key, v);
}

/* A name inside a list value: ',' would split the list. */
static void list_name(char *dst, size_t n, const char *comm)
{
	snprintf(dst, n, "%s", comm);
	for (char *p = dst; *p; p++)
		if (*p == ',')
			*p = '_';
}

static int pod_of(const char *path, char *ns, size_t nslen, char *name,
		  size_t namelen)
{
	char uid[80];

	return path[0] && scope_pod_uid(path, uid, sizeof uid) &&
	       scope_pod_name(uid, ns, nslen, name, namelen) == 0;
}

void oomlog_event(const struct oomlog *ol, const struct oomlog_report *r,
		  struct rec *e)
{
	static const char *const cnt_key[OOMLOG_NCNT][3] = {
		{ "usage_kb", "limit_kb", "failcnt" },
		{ "memsw_usage_kb", "memsw_limit_kb", "memsw_failcnt" },
		{ "kmem_usage_kb", "kmem_limit_kb", "kmem_failcnt" },
		{ "swap_usage_kb", "swap_limit_kb", "swap_failcnt" },
	};
	static const char *const results[] = { NULL, "killed", "exiting", "panic" };
	double mono = r->result ? r->kill_mono_s : r->first_mono_s;
	double wall = r->result ? r->kill_wall_s : r->first_wall_s;
	const char *unread = r->result ? r->kill_unread : r->first_unread;
	const char *cg = r->oom_memcg[0] ? r->oom_memcg : r->stats_memcg;
	char ns[256], name[256], vns[256], vname[256], buf[OOMLOG_COMM + 48];
	char list[OOMLOG_GROUP * (OOMLOG_COMM + 48)];
	int pod = 0;

	rec_reset(e, "event");
	if (mono >= 0 && ol->boot_s >= 0)
		rec_add_ts(e, "ts", ol->boot_s + mono);
	else if (wall >= 0)
		rec_add_ts(e, "ts", wall);
	rec_add(e, "kind", r->memcg == 1 ? "memcg-oom" : "kernel-oom");
	if (r->memcg == 0) {
		rec_add(e, "scope", "node");
	} else if (r->memcg == 1 && cg[0]) {
		pod = pod_of(cg, ns, sizeof ns, name, sizeof name);
		if (pod) {
			rec_addf(e, "scope", "pod:%s/%s", ns, name);
			rec_add(e, "cgroup", cg);
		} else {
			rec_addf(e, "scope", "cgroup:%s", cg);
		}
	}
	if (r->host[0])
		rec_add(e, "host", r->host);
	if (mono >= 0)
		rec_add_fix(e, "uptime_s", mono, 6);
	if (wall < 0 && unread[0])
		rec_add(e, "unread_time", unread);
	if (results[r->result])
		rec_add(e, "result", results[r->result]);
	add_ll(e, "pid", r->pid);
	if (r->comm[0])
		rec_add(e, "comm", r->comm);
	add_ll(e, "uid", r->uid);
	add_ll(e, "rss_kb", rss_of(r->anon_rss_kb, r->file_rss_kb,
				   r->shmem_rss_kb));
	add_ll(e, "anon_rss_kb", r->anon_rss_kb);
	add_ll(e, "file_rss_kb", r->file_rss_kb);
	add_ll(e, "shmem_rss_kb", r->shmem_rss_kb);
	add_ll(e, "total_vm_kb", r->total_vm_kb);
	add_ll(e, "pgtables_kb", r->pgtables_kb);
	add_ll(e, "oom_score_adj", r->oom_score_adj);
	add_ll(e, "score", r->score);
	if (r->task_memcg[0]) {
		rec_add(e, "victim_cgroup", r->task_memcg);
		if (pod_of(r->task_memcg, vns, sizeof vns, vname, sizeof vname) &&
		    (!pod || strcmp(vns, ns) != 0 || strcmp(vname, name) != 0))
			rec_addf(e, "victim_pod", "%s/%s", vns, vname);
	}
	if (r->constraint[0])
		rec_add(e, "constraint", r->constraint);
	if (r->invoker[0])
		rec_add(e, "invoker", r->invoker);
	add_ll(e, "invoker_pid", r->invoker_pid);
	add_ll(e, "invoker_oom_score_adj", r->invoker_adj);
	if (r->gfp_mask[0])
		rec_add(e, "gfp_mask", r->gfp_mask);
	if (r->gfp_flags[0])
		rec_add(e, "gfp_flags", r->gfp_flags);
	add_ll(e, "order", r->order_n);
	for (int i = 0; i < OOMLOG_NCNT; i++) {
		add_ll(e, cnt_key[i][0], r->cnt[i][0]);
		if (r->cnt[i][1] < NO_LIMIT_KB)
			add_ll(e, cnt_key[i][1], r->cnt[i][1]);
		add_ll(e, cnt_key[i][2], r->cnt[i][2]);
	}
	add_ll(e, "tasks", r->tasks);
	if (r->ntop) {
		list[0] = '\0';
		for (int i = 0; i < r->ntop; i++) {
			list_name(buf, sizeof buf, r->top[i].comm);
			snprintf(list + strlen(list), sizeof list - strlen(list),
				 "%s%lld:%s:%lld", i ? "," : "", r->top[i].pid, buf,
				 r->top[i].rss_kb);
		}
		rec_add(e, "largest", list);
	}
	if (r->group_memcg[0]) {
		rec_add(e, "oom_group", r->group_memcg);
		rec_add_ll(e, "group_killed", r->group_killed);
		rec_add_ll(e, "group_rss_kb", r->group_rss_kb);
		if (r->ngroup) {
			list[0] = '\0';
			for (int i = 0; i < r->ngroup; i++) {
				list_name(buf, sizeof buf, r->group[i].comm);
				snprintf(list + strlen(list),
					 sizeof list - strlen(list), "%s%lld:%s",
					 i ? "," : "", r->group[i].pid, buf);
			}
			rec_add(e, "group", list);
		}
	}
	if (r->reaped >= 0)
		rec_add_ll(e, "reaped", r->reaped);
	if (!r->header || r->result == OOMLOG_OPEN)
		rec_add(e, "partial", "1");
}
