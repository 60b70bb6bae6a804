/* SPDX-License-Identifier: MIT */
/*
 * metrics: the tables behind foom-metrics, and the exposition.  Each
 * series is found by its label values (a linear scan: the tables hold
 * hundreds, and a record comes a few times a second per scope); a new
 * one copies its label values once, so nothing is allocated per record
 * for a series already known.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "msg.h"

enum { MET_LEVELS = 4 };
static const char *const level_name[MET_LEVELS] = {
	"ok", "warn", "near-oom", "oom"
};

/* The record kinds counted by name; any other is "other" (a kind is
 * the input's word, and a label value per word would be unbounded). */
enum { K_SAMPLE, K_VERDICT, K_VICTIM, K_KILL, K_EVENT, K_OTHER, K_KINDS };
static const char *const kind_name[K_KINDS] = {
	"sample", "verdict", "victim", "kill", "event", "other"
};

/* The latest ts taken as a time: the year 5138, as foom-kill bounds
 * evidence_ts; no clock gives more. */
#define TS_MAX 1e11

struct scope {
	char *name;       /* NULL: a free slot */
	double seen_s;    /* CLOCK_MONOTONIC of its latest record */
	int level;        /* index in level_name, -1 not known */
	int have_risk, have_eta, have_avail, have_limit;
	double risk, eta_s, avail_kb, limit_kb;
};

/* A counter series: up to three label values, a count, a byte sum. */
struct series {
	char *label[3];
	double n, bytes;
};

struct table {
	struct series *s;
	int n, max;
};

struct met {
	struct scope *scope;
	int max_scopes;
	double forget_s;
	struct table kills, ooms;
	double records[K_KINDS], bad, dropped, last_ts;
	int have_last_ts;
};

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

struct met *met_new(int max_scopes, int max_series, double forget_s)
{
	struct met *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->scope = calloc((size_t)max_scopes, sizeof *m->scope);
	m->kills.s = calloc((size_t)max_series, sizeof *m->kills.s);
	m->ooms.s = calloc((size_t)max_series, sizeof *m->ooms.s);
	if (!m->scope || !m->kills.s || !m->ooms.s) {
		met_free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->max_scopes = max_scopes;
	m->kills.max = m->ooms.max = max_series;
	m->forget_s = forget_s;
	return m;
}

static void table_free(struct table *t)
{
	for (int i = 0; t->s && i < t->n; i++)
		for (int l = 0; l < 3; l++)
			free(t->s[i].label[l]);
	free(t->s);
}

void met_free(struct met *m)
{
	if (!m)
		return;
	for (int i = 0; m->scope && i < m->max_scopes; i++)
		free(m->scope[i].name);
	free(m->scope);
	table_free(&m->kills);
	table_free(&m->ooms);
	free(m);
}

/* The series of these label values; a new one when there is room.
 * NULL (and counted as dropped) when there is none. */
static struct series *series_get(struct met *m, struct table *t,
				 const char *const v[3])
{
	struct series *s;
	int i, l;

	for (i = 0; i < t->n; i++) {
		for (l = 0; l < 3 && strcmp(t->s[i].label[l], v[l]) == 0; l++)
			;
		if (l == 3)
			return &t->s[i];
	}
	if (t->n == t->max) {
		m->dropped++;
		return NULL;
	}
	s = &t->s[t->n];
	for (l = 0; l < 3; l++)
		if (!(s->label[l] = strdup(v[l]))) {
			while (l--)
				free(s->label[l]);
			m->dropped++;
			return NULL;
		}
	t->n++;
	return s;
}

static struct scope *scope_get(struct met *m, const char *name)
{
	struct scope *free_slot = NULL;

	for (int i = 0; i < m->max_scopes; i++) {
		struct scope *s = &m->scope[i];

		if (s->name && strcmp(s->name, name) == 0)
			return s;
		if (!s->name && !free_slot)
			free_slot = s;
	}
	if (!free_slot || !(free_slot->name = strdup(name))) {
		m->dropped++;
		return NULL;
	}
	free_slot->level = -1;
	return free_slot;
}

void met_forget(struct met *m)
{
	double now = mono_s();

	if (m->forget_s <= 0)
		return;
	for (int i = 0; i < m->max_scopes; i++) {
		struct scope *s = &m->scope[i];

		if (s->name && now - s->seen_s > m->forget_s) {
			free(s->name);
			memset(s, 0, sizeof *s);
		}
	}
}

/* A number of the record, when it is one and at least 0: a hostile
 * "-5" or "nan" is taken as absent, never as a figure. */
static int num(const struct rec *r, const char *key, double *v)
{
	return rec_num(r, key, v) == 1 && *v >= 0;
}

static void on_verdict(struct scope *s, const struct rec *r)
{
	const char *level = rec_get(r, "level");

	s->level = -1;
	for (int l = 0; level && l < MET_LEVELS; l++)
		if (strcmp(level, level_name[l]) == 0)
			s->level = l;
	s->have_risk = num(r, "risk", &s->risk) && s->risk <= 1;
	/* no eta_s: avail_kb is not falling, and the series goes */
	s->have_eta = num(r, "eta_s", &s->eta_s);
}

static void on_sample(struct scope *s, const struct rec *r)
{
	s->have_avail = num(r, "avail_kb", &s->avail_kb);
	s->have_limit = num(r, "limit_kb", &s->limit_kb);
}

static const char *or_empty(const char *v)
{
	return v ? v : "";
}

void met_bad_line(struct met *m)
{
	m->bad++;
}

void met_record(struct met *m, const struct rec *r)
{
	const char *scope = rec_get(r, "scope");
	int kind;
	double v;

	for (kind = 0; kind < K_OTHER; kind++)
		if (strcmp(r->kind, kind_name[kind]) == 0)
			break;
	m->records[kind]++;
	if (num(r, "ts", &v) && v <= TS_MAX) {
		m->last_ts = v;
		m->have_last_ts = 1;
	}
	if ((kind == K_VERDICT || kind == K_SAMPLE) && scope) {
		struct scope *s = scope_get(m, scope);

		if (!s)
			return;
		s->seen_s = mono_s();
		if (kind == K_VERDICT)
			on_verdict(s, r);
		else
			on_sample(s, r);
	} else if (kind == K_KILL) {
		const char *v3[3] = { or_empty(scope),
				      or_empty(rec_get(r, "result")),
				      or_empty(rec_get(r, "rule")) };
		struct series *s = series_get(m, &m->kills, v3);

		if (s) {
			s->n++;
			if (num(r, "freed_kb", &v))
				s->bytes += v * 1024;
		}
	} else if (kind == K_EVENT) {
		const char *ek = or_empty(rec_get(r, "kind"));
		const char *v3[3] = { or_empty(scope), ek,
				      or_empty(rec_get(r, "result")) };
		struct series *s;

		/* foom's own kills are counted from its kill records */
		if (strcmp(ek, "kernel-oom") != 0 && strcmp(ek, "memcg-oom") != 0)
			return;
		if ((s = series_get(m, &m->ooms, v3)))
			s->n++;
	}
}

/* The length of the valid UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 when it is not one. */
static int utf8_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void met_put_label(FILE *fp, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	while (*p) {
		int n = utf8_len(p);

		if (*p == '\\')
			fputs("\\\\", fp);
		else if (*p == '"')
			fputs("\\\"", fp);
		else if (*p == '\n')
			fputs("\\n", fp);
		else if (n == 0)
			fputs("\xef\xbf\xbd", fp); /* U+FFFD */
		else
			fwrite(p, 1, (size_t)n, fp);
		p += n ? n : 1;
	}
}

static void family(FILE *fp, const char *name, const char *type,
		   const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{scope="..."[,extra]} value */
static void scope_sample(FILE *fp, const char *name, const char *scope,
			 const char *extra, double v)
{
	fprintf(fp, "%s{scope=\"", name);
	met_put_label(fp, scope);
	fprintf(fp, "\"%s} %.15g\n", extra ? extra : "", v);
}

static const char *const kill_label[3] = { "scope", "result", "rule" };
static const char *const oom_label[3] = { "scope", "kind", "result" };

static void table_samples(FILE *fp, const char *name, const struct table *t,
			  const char *const label[3], int bytes)
{
	for (int i = 0; i < t->n; i++) {
		fprintf(fp, "%s{", name);
		for (int l = 0; l < 3; l++) {
			fprintf(fp, "%s%s=\"", l ? "," : "", label[l]);
			met_put_label(fp, t->s[i].label[l]);
			putc('"', fp);
		}
		fprintf(fp, "} %.15g\n", bytes ? t->s[i].bytes : t->s[i].n);
	}
}

int met_write(const struct met *m, FILE *fp)
{
	const struct scope *s;
	char extra[40];
	int i;

	family(fp, "foom_level", "gauge",
	       "The scope's level in foom-predict's latest verdict: 1 for "
	       "the level it is at, 0 for the others.");
	for (i = 0, s = m->scope; i < m->max_scopes; i++, s++)
		for (int l = 0; s->name && s->level >= 0 && l < MET_LEVELS; l++) {
			snprintf(extra, sizeof extra, ",level=\"%s\"",
				 level_name[l]);
			scope_sample(fp, "foom_level", s->name, extra,
				     s->level == l);
		}
	family(fp, "foom_risk_ratio", "gauge",
	       "The risk of the latest verdict, 0 to 1 (near-oom from 0.75).");
	for (i = 0, s = m->scope; i < m->max_scopes; i++, s++)
		if (s->name && s->have_risk)
			scope_sample(fp, "foom_risk_ratio", s->name, NULL, s->risk);
	family(fp, "foom_eta_seconds", "gauge",
	       "Seconds until available memory runs out at its trend; absent "
	       "while it is not falling.");
	for (i = 0, s = m->scope; i < m->max_scopes; i++, s++)
		if (s->name && s->have_eta)
			scope_sample(fp, "foom_eta_seconds", s->name, NULL, s->eta_s);
	family(fp, "foom_available_bytes", "gauge",
	       "The limit minus the working set, from the latest sample.");
	for (i = 0, s = m->scope; i < m->max_scopes; i++, s++)
		if (s->name && s->have_avail)
			scope_sample(fp, "foom_available_bytes", s->name, NULL,
				     s->avail_kb * 1024);
	family(fp, "foom_limit_bytes", "gauge",
	       "The scope's memory limit, from the latest sample.");
	for (i = 0, s = m->scope; i < m->max_scopes; i++, s++)
		if (s->name && s->have_limit)
			scope_sample(fp, "foom_limit_bytes", s->name, NULL,
				     s->limit_kb * 1024);
	family(fp, "foom_kills_total", "counter",
	       "foom-kill's kill records, by scope, result and rule.");
	table_samples(fp, "foom_kills_total", &m->kills, kill_label, 0);
	family(fp, "foom_kill_freed_bytes_total", "counter",
	       "Memory the victims' exits gave back, by scope, result and rule.");
	table_samples(fp, "foom_kill_freed_bytes_total", &m->kills, kill_label, 1);
	family(fp, "foom_kernel_oom_kills_total", "counter",
	       "The kernel's OOM reports (foom-events), by scope, kind and "
	       "result.");
	table_samples(fp, "foom_kernel_oom_kills_total", &m->ooms, oom_label, 0);
	family(fp, "foom_records_total", "counter",
	       "Records read, by kind.");
	for (i = 0; i < K_KINDS; i++)
		fprintf(fp, "foom_records_total{kind=\"%s\"} %.15g\n",
			kind_name[i], m->records[i]);
	family(fp, "foom_bad_records_total", "counter",
	       "Input lines that were not records.");
	fprintf(fp, "foom_bad_records_total %.15g\n", m->bad);
	family(fp, "foom_dropped_series_total", "counter",
	       "Records not counted because their table was full "
	       "(--max-scopes, --max-series).");
	fprintf(fp, "foom_dropped_series_total %.15g\n", m->dropped);
	if (m->have_last_ts) {
		family(fp, "foom_last_record_timestamp_seconds", "gauge",
		       "The ts of the latest record read.");
		fprintf(fp, "foom_last_record_timestamp_seconds %.15g\n",
			m->last_ts);
	}
	return ferror(fp) ? -1 : 0;
}
